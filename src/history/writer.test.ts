import { describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../services/index.ts";
import { Codec, FrameKind, recordingPath } from "./format.ts";
import { FrameCursor, IssueLog, listRecordings, RecordingFile } from "./reader.ts";
import { InlineSink, StreamWriter } from "./writer.ts";

const HEADER = {
  venue: "v",
  symbol: "BTC-USDT",
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  tick: "0.01",
  lot: "0.00001",
  minQtyLots: 1,
  minNotional: "5",
  source: "test",
  createdMs: 0,
};
const DAY0 = Date.UTC(2026, 0, 5, 23, 59, 0);

interface Frame {
  kind: number;
  seq: number;
  localMs: number;
  venueMs: number;
  levels: number[];
}

function writeFrames(dir: string, frames: Frame[], chunkWords = 64): StreamWriter {
  const w = new StreamWriter({ dir, header: HEADER, anchorUs: DAY0 * 1000, sink: new InlineSink(), chunkWords });
  for (const f of frames) {
    const src = Float64Array.from(f.levels);
    const venueNs = Number.isNaN(f.venueMs) ? Number.NaN : (f.venueMs - DAY0) * 1e6;
    w.append(f.kind as FrameKind, f.seq, (f.localMs - DAY0) * 1e6, venueNs, src, 0, f.levels.length / 3);
  }
  w.close();
  return w;
}

function readAll(dir: string, issues = new IssueLog("skip")): Frame[] {
  const files = listRecordings(dir, "v", "BTC-USDT").map((p) => RecordingFile.open(p, issues));
  const c = new FrameCursor(files, issues);
  const out: Frame[] = [];
  while (c.next()) {
    out.push({
      kind: c.kind,
      seq: c.seq,
      localMs: c.localMs,
      venueMs: c.venueMs,
      levels: Array.from(c.words.subarray(c.levels, c.levels + c.count * 3)),
    });
  }
  return out;
}

function randomFrames(seed: string, n: number): Frame[] {
  const rng = new Rng(seed);
  const frames: Frame[] = [];
  let t = DAY0;
  for (let i = 0; i < n; i++) {
    t += rng.int(60_000) / 1000; // crosses midnight after about 2000 frames
    const kind = i === 0 ? FrameKind.Snapshot : rng.chance(0.2) ? FrameKind.Trade : FrameKind.Update;
    const count = kind === FrameKind.Trade ? 1 : kind === FrameKind.Snapshot ? 30 : rng.range(1, 12);
    const levels: number[] = [];
    for (let j = 0; j < count; j++) levels.push(rng.int(2), 6_000_000 + rng.int(500), rng.int(100_000));
    frames.push({ kind, seq: i + 1, localMs: t, venueMs: rng.chance(0.5) ? Math.floor(t) - 3 : Number.NaN, levels });
  }
  return frames;
}

describe("recording format", () => {
  test("frames read back exactly, across chunks and a UTC midnight, in day files", () => {
    const seed = "round-trip";
    const dir = mkdtempSync(join(tmpdir(), "hfrec-"));
    const frames = randomFrames(seed, 4000);
    writeFrames(dir, frames);
    const files = listRecordings(dir, "v", "BTC-USDT");
    expect({ seed, files: files.map((f) => f.slice(dir.length)) }).toEqual({
      seed,
      files: ["/v/BTC-USDT/2026-01-05.hfrec", "/v/BTC-USDT/2026-01-06.hfrec"],
    });
    const back = readAll(dir);
    expect({ seed, n: back.length }).toEqual({ seed, n: frames.length });
    for (let i = 0; i < frames.length; i++) {
      const a = frames[i] as Frame;
      const b = back[i] as Frame;
      // times in the file are ns; reading them back as fractional ms is exact to well below a µs
      expect({ seed, i, ...b, localMs: Math.round(b.localMs * 1e3) }).toEqual({
        seed,
        i,
        ...a,
        localMs: Math.round(a.localMs * 1e3),
      });
    }
  });

  test("a second session on the same day writes the next part and never touches the first", () => {
    const dir = mkdtempSync(join(tmpdir(), "hfrec-"));
    const frames = randomFrames("parts", 10).map((f) => ({ ...f, localMs: DAY0 + 1 }));
    writeFrames(dir, frames);
    const first = readFileSync(recordingPath(dir, "v", "BTC-USDT", "2026-01-05"));
    writeFrames(dir, frames);
    expect(readFileSync(recordingPath(dir, "v", "BTC-USDT", "2026-01-05")).equals(first)).toBe(true);
    expect(listRecordings(dir, "v", "BTC-USDT").map((p) => p.slice(p.lastIndexOf("/") + 1))).toEqual([
      "2026-01-05.hfrec",
      "2026-01-05.1.hfrec",
    ]);
    expect(readAll(dir).length).toBe(20);
  });

  test("a file cut short keeps its whole chunks and reports the tail with the file and chunk", () => {
    const dir = mkdtempSync(join(tmpdir(), "hfrec-"));
    const frames = randomFrames("truncated", 300).map((f, i) => ({ ...f, localMs: DAY0 + i / 1000 }));
    writeFrames(dir, frames);
    const path = recordingPath(dir, "v", "BTC-USDT", "2026-01-05");
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    const issues = new IssueLog("skip");
    const back = readAll(dir, issues);
    expect(back.length).toBeGreaterThan(100);
    expect(back.length).toBeLessThan(300);
    expect(issues.summary()).toEqual({ truncated: 1 });
    expect(issues.examples[0]?.file).toBe(path);
    expect(issues.examples[0]?.where).toMatch(/^chunk \d+ at byte \d+$/);
    expect(() => readAll(dir, new IssueLog("stop"))).toThrow(/truncated/);
  });

  test("a corrupt chunk is skipped, counted and named; stop policy stops", () => {
    const dir = mkdtempSync(join(tmpdir(), "hfrec-"));
    const frames = randomFrames("corrupt", 300).map((f, i) => ({ ...f, localMs: DAY0 + i / 1000 }));
    writeFrames(dir, frames);
    const path = recordingPath(dir, "v", "BTC-USDT", "2026-01-05");
    const issues = new IssueLog("skip");
    const file = RecordingFile.open(path, issues);
    const victim = file.chunks[2];
    file.close();
    if (victim === undefined) throw new Error("expected several chunks");
    const bytes = readFileSync(path);
    bytes[victim.offset + 48 + 5] = (bytes[victim.offset + 48 + 5] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const back = readAll(dir, issues);
    expect(back.length).toBe(300 - victim.frames);
    expect(issues.summary()).toEqual({ corrupt: 1 });
    expect(issues.examples[0]?.where).toBe("chunk 2");
    expect(() => readAll(dir, new IssueLog("stop"))).toThrow(/corrupt/);
  });

  test("garbage appended after the last chunk is reported, not read as frames", () => {
    const dir = mkdtempSync(join(tmpdir(), "hfrec-"));
    writeFrames(
      dir,
      randomFrames("garbage", 50).map((f, i) => ({ ...f, localMs: DAY0 + i / 1000 })),
    );
    const path = recordingPath(dir, "v", "BTC-USDT", "2026-01-05");
    appendFileSync(path, new Uint8Array(100).fill(7));
    const issues = new IssueLog("skip");
    expect(readAll(dir, issues).length).toBe(50);
    expect(issues.summary()).toEqual({ corrupt: 1 });
  });

  test("gzip and uncompressed chunks read the same", () => {
    for (const codec of [Codec.None, Codec.Gzip]) {
      const dir = mkdtempSync(join(tmpdir(), "hfrec-"));
      const frames = randomFrames(`codec-${codec}`, 100).map((f, i) => ({ ...f, localMs: DAY0 + i / 1000 }));
      const w = new StreamWriter({ dir, header: HEADER, anchorUs: DAY0 * 1000, sink: new InlineSink({ codec }) });
      for (const f of frames)
        w.append(
          f.kind as FrameKind,
          f.seq,
          (f.localMs - DAY0) * 1e6,
          Number.NaN,
          Float64Array.from(f.levels),
          0,
          f.levels.length / 3,
        );
      w.close();
      expect(readAll(dir).map((f) => f.levels)).toEqual(frames.map((f) => f.levels));
    }
  });
});
