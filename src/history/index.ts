/**
 * Public face of history: market data from the past. The recording format (fixed-size f64 frames the
 * C book takes as they are, in compressed chunks indexed by time), its writer and reader, the
 * recorder that taps live adapters, and Tardis.dev CSV import and export.
 */
export {
  CHUNK_STARTS_WITH_SNAPSHOT,
  Codec,
  FRAME_HEADER_WORDS,
  FrameKind,
  LEVEL_WORDS,
  RECORDING_EXT,
  type RecordingHeader,
  recordingPath,
  sameInstrument,
  utcDay,
} from "./format.ts";
export {
  BadDataError,
  type BadDataPolicy,
  type ChunkEntry,
  type DataIssue,
  FrameCursor,
  IssueLog,
  listRecordings,
  RecordingFile,
} from "./reader.ts";
export { headerOf, type RecordableVenue, Recorder, type RecorderOptions, type RecorderStats } from "./recorder.ts";
export {
  BOOK_COLUMNS,
  importTardis,
  type TardisExportOptions,
  type TardisExportReport,
  type TardisImportOptions,
  type TardisImportReport,
  TRADE_COLUMNS,
} from "./tardis.ts";
export { exportTardis } from "./tardis-export.ts";
export { WorkerSink, type WorkerSinkOptions } from "./worker-sink.ts";
export {
  type ChunkSink,
  DeferredSink,
  encodeChunk,
  InlineSink,
  type SealedChunk,
  type SinkStats,
  StreamWriter,
  type StreamWriterOptions,
} from "./writer.ts";
