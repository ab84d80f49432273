/**
 * The recorder's worker thread (WorkerSink): compresses and appends each chunk it is given, in the
 * order given, and sends the chunk's buffer back to be filled again; answers a flush once everything
 * before it is written. A failed write is reported with the chunk, never thrown.
 */
import type { FromWorker, ToWorker } from "./worker-sink.ts";
import { type SinkStats, writeChunk } from "./writer.ts";

declare const self: Worker;

const stats: SinkStats = { chunks: 0, rawBytes: 0, storedBytes: 0, errors: 0, lastError: "" };

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === "flush") {
    self.postMessage({ type: "flushed", id: m.id } satisfies FromWorker);
    return;
  }
  const before = stats.storedBytes;
  let error = "";
  try {
    writeChunk(m.chunk, m.codec, m.level, stats);
  } catch (e) {
    error = `${m.chunk.path}: ${(e as Error).message}`;
  }
  const words = m.chunk.words;
  const answer: FromWorker = {
    type: "written",
    id: m.id,
    words,
    rawBytes: m.chunk.wordCount * 8,
    storedBytes: stats.storedBytes - before,
    error,
  };
  self.postMessage(answer, [words.buffer as ArrayBuffer]);
};
