/**
 * The recording format, built for replay speed: a file per venue, symbol and UTC day holding a JSON
 * header (instrument grids, where the data came from) and then compressed chunks of fixed-size f64
 * words. A frame is a five-word header (kind, level count, sequence, local and venue time) followed
 * by its levels as (side, ticks, lots) triples: the very records the C book's staging buffer takes,
 * so replay hands them to the book without parsing. Each chunk header carries its time range, frame
 * count and checksum: walking the headers is the index for seeking by time, and a file cut short by
 * a crash still reads up to its last whole chunk.
 */

/** Frame kinds (word 0 of a frame, low byte). */
export const FrameKind = {
  /** Level deltas the adapter applied (absolute lots, 0 deletes). */
  Update: 0,
  /** The whole book: replaces both sides. */
  Snapshot: 1,
  /** One trade: a single triple (aggressor side, price ticks, lots); seq = the venue's trade id. */
  Trade: 2,
  /** The venue's sequence skipped: the book is not to be trusted until the next snapshot. */
  Gap: 3,
  /** The book lost sync for another reason (stale connection, bad data, resync). */
  Resync: 4,
  /**
   * Our own resting orders inside the recorded depth (a recording made while trading): absolute lots
   * of the recording account's resting orders at each listed (side, price). Not market depth: replay
   * takes them out of the queue it puts a backtest's orders in, since those orders were never there.
   * A snapshot clears them; the recorder lists every level still held right after each snapshot.
   */
  Own: 5,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Word 0 flag: the venue's timestamp (word 4) is present. */
export const HAS_VENUE_TIME = 0x100;
/** Words in a frame header; levels follow in triples. */
export const FRAME_HEADER_WORDS = 5;
export const LEVEL_WORDS = 3;
/** Offsets in a frame header. */
export const FRAME = { kind: 0, count: 1, seq: 2, localNs: 3, venueNs: 4 } as const;

/** "HFTREC" 0x00 0x01: the first 8 bytes of every recording (format version 1). */
export const FILE_MAGIC = new Uint8Array([0x48, 0x46, 0x54, 0x52, 0x45, 0x43, 0x00, 0x01]);
/** Bytes before the JSON header: magic, then its byte length (u32 little-endian). */
export const FILE_PREFIX_BYTES = 12;
/** "HFRC" as a little-endian u32: the first word of every chunk header. */
export const CHUNK_MAGIC = 0x43524648;
export const CHUNK_HEADER_BYTES = 48;
/** Byte offsets in a chunk header. */
export const CHUNK = {
  magic: 0,
  codec: 4,
  flags: 5,
  frames: 8,
  rawBytes: 12,
  storedBytes: 16,
  crc32: 20,
  baseUs: 24,
  firstLocalNs: 32,
  lastLocalNs: 40,
} as const;
/** Chunk flag: the chunk starts with a snapshot frame (replay may start reading there). */
export const CHUNK_STARTS_WITH_SNAPSHOT = 1;
/** Compression of a chunk's words. */
export const Codec = { None: 0, Gzip: 1, Zstd: 2 } as const;
export type Codec = (typeof Codec)[keyof typeof Codec];
/** Largest chunk a reader accepts (a corrupt length must not allocate gigabytes). */
export const MAX_CHUNK_BYTES = 64 << 20;
/** File name suffix of a recording. */
export const RECORDING_EXT = ".hfrec";

/** What a recording is about: enough to turn its ticks and lots back into decimals. */
export interface RecordingHeader {
  readonly format: 1;
  readonly venue: string;
  /** Unified symbol, e.g. BTC-USDT. */
  readonly symbol: string;
  /** The venue's own symbol, e.g. BTCUSDT. */
  readonly venueSymbol: string;
  readonly base: string;
  readonly quote: string;
  /** Tick size and lot (step) size as decimal strings: the grids of every price and quantity. */
  readonly tick: string;
  readonly lot: string;
  readonly minQtyLots: number;
  readonly minNotional: string;
  /** "recorder" for the engine's recorder, "tardis:<exchange>" for an import. */
  readonly source: string;
  /** UTC day the file holds, YYYY-MM-DD. */
  readonly day: string;
  readonly createdMs: number;
}

/** The fields of a header that must agree for two recordings to be one stream. */
export function sameInstrument(a: RecordingHeader, b: RecordingHeader): boolean {
  return a.venue === b.venue && a.symbol === b.symbol && a.tick === b.tick && a.lot === b.lot;
}

/** Encodes a file's leading bytes: magic, header length, JSON header, padded to 8 bytes. */
export function encodeFileHeader(h: RecordingHeader): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(h));
  const total = FILE_PREFIX_BYTES + json.length;
  const padded = (total + 7) & ~7;
  const out = new Uint8Array(padded).fill(0x20, total);
  out.set(FILE_MAGIC, 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, FILE_PREFIX_BYTES);
  return out;
}

/** The UTC day (YYYY-MM-DD) of an epoch ms time, and the ms at which that day ends. */
export function utcDay(epochMs: number): { day: string; endMs: number } {
  const start = Math.floor(epochMs / 86_400_000) * 86_400_000;
  return { day: new Date(start).toISOString().slice(0, 10), endMs: start + 86_400_000 };
}

/** Where one venue/symbol/day recording lives under a data directory (part > 0: a later session). */
export function recordingPath(dir: string, venue: string, symbol: string, day: string, part = 0): string {
  return `${dir}/${venue}/${symbol}/${day}${part > 0 ? `.${part}` : ""}${RECORDING_EXT}`;
}
