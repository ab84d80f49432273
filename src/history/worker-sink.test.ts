/**
 * The live recorder's worker sink: chunks compressed and written on a worker thread read back frame
 * for frame, every buffer comes back to its writer, a flush waits for the disk, and a worker that
 * dies loses only the chunk it held (counted) while recording goes on.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitUntil } from "../../test/support/wait.ts";
import { Rng } from "../services/index.ts";
import { FrameKind } from "./format.ts";
import { FrameCursor, IssueLog, listRecordings, RecordingFile } from "./reader.ts";
import { WorkerSink } from "./worker-sink.ts";
import { type SealedChunk, StreamWriter } from "./writer.ts";

const HEADER = {
  venue: "v",
  symbol: "BTC-USDT",
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  tick: "0.01",
  lot: "0.00001",
  minQtyLots: 1,
  minNotional: "0",
  source: "test",
  createdMs: 0,
};
const T0 = Date.UTC(2026, 0, 5, 12);

function readBack(dir: string): number[][] {
  const issues = new IssueLog("stop");
  const c = new FrameCursor(
    listRecordings(dir, "v", "BTC-USDT").map((p) => RecordingFile.open(p, issues)),
    issues,
  );
  const out: number[][] = [];
  while (c.next()) out.push([c.kind, c.seq, ...c.words.subarray(c.levels, c.levels + c.count * 3)]);
  return out;
}

describe("worker sink", () => {
  test("chunks written on the worker read back frame for frame; their buffers come back", async () => {
    const seed = "worker-sink-1";
    const rng = new Rng(seed);
    const dir = mkdtempSync(join(tmpdir(), "wsink-"));
    const sink = new WorkerSink();
    const returned: number[] = [];
    const w = new StreamWriter({ dir, header: HEADER, anchorUs: T0 * 1000, sink, chunkWords: 256 });
    const put = sink.put.bind(sink);
    sink.put = (c: SealedChunk) =>
      put({
        ...c,
        release: (back) => {
          returned.push(back.length);
          c.release(back);
        },
      });
    const written: number[][] = [];
    for (let i = 0; i < 2000; i++) {
      const count = 1 + rng.int(6);
      const levels = Float64Array.from({ length: count * 3 }, (_, k) => (k % 3 === 0 ? rng.int(2) : 1 + rng.int(9999)));
      const kind = i === 0 ? FrameKind.Snapshot : FrameKind.Update;
      w.append(kind, i, i * 1000, i * 900, levels, 0, count);
      written.push([kind, i, ...levels]);
    }
    w.close();
    await sink.flush();
    expect({ seed, frames: readBack(dir) }).toEqual({ seed, frames: written });
    expect({ seed, errors: sink.stats.errors, chunks: sink.stats.chunks > 50 }).toEqual({
      seed,
      errors: 0,
      chunks: true,
    });
    // every buffer came back whole (the writer pools the ones of its chunk size)
    expect({ seed, returned: returned.length, whole: returned.every((n) => n >= 256) }).toEqual({
      seed,
      returned: sink.stats.chunks,
      whole: true,
    });
    await sink.close();
  });

  test("a worker that dies: the chunk it held is counted lost, later chunks go to a new part of the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wsink-"));
    const script = new URL("../../test/support/failing-sink-worker.ts", import.meta.url).href;
    const sink = new WorkerSink({ script });
    const w = new StreamWriter({ dir, header: HEADER, anchorUs: T0 * 1000, sink, chunkWords: 64 });
    w.append(FrameKind.Snapshot, 1, 0, 0, Float64Array.from([0, 100, 5]), 0, 1);
    w.seal();
    await waitUntil(() => sink.stats.errors > 0, "the crashed worker's chunk to be counted lost");
    expect(sink.stats.lastError).toMatch(/the chunk it was writing is lost/);
    w.append(FrameKind.Snapshot, 2, 1000, 0, Float64Array.from([0, 101, 6]), 0, 1);
    w.close();
    await sink.close();
    expect(sink.stats).toMatchObject({ errors: 1, chunks: 1 });
    expect(listRecordings(dir, "v", "BTC-USDT").map((p) => p.slice(p.lastIndexOf("/") + 1))).toEqual([
      "2026-01-05.1.hfrec",
    ]);
    expect(readBack(dir)).toEqual([[FrameKind.Snapshot, 2, 0, 101, 6]]);
  });
});
