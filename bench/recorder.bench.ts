/**
 * The recorder's cost on the live path (mitata), split into what the engine's thread pays and what
 * the worker pays: the handler's copy of one book event into the chunk buffer (a one-level update as
 * the simulator sends it, and a 20-level frame as Binance's depth stream does), a trade, the hand-off
 * of a sealed 256 KiB chunk to the worker (one postMessage that transfers the buffer), and — off the
 * engine's thread — the zstd compression of that chunk, per event. Target: under 200 ns added per
 * event on the live path. Run: `bun bench/recorder.bench.ts` or `bun run bench recorder`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bench, do_not_optimize, run } from "mitata";
import { OrderBook } from "../src/book/index.ts";
import {
  type ChunkSink,
  Codec,
  encodeChunk,
  FrameKind,
  Recorder,
  type SealedChunk,
  WorkerSink,
} from "../src/history/index.ts";
import { Rng, VirtualClock } from "../src/services/index.ts";
import { DecimalGrid, type InstrumentInfo, type Lots, Side, type VenueEvent } from "../src/types/index.ts";

const dir = mkdtempSync(join(tmpdir(), "recorder-bench-"));

/** A sink that hands every chunk straight back: what is left is the handler's own work. */
class ReturningSink implements ChunkSink {
  readonly stats = { chunks: 0, rawBytes: 0, storedBytes: 0, errors: 0, lastError: "" };
  put(c: SealedChunk): void {
    this.stats.chunks++;
    c.release(c.words);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}

const INFO: InstrumentInfo = {
  symbol: "BTC-USDT",
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  price: new DecimalGrid("0.01"),
  qty: new DecimalGrid("0.00001"),
  minQtyLots: 1 as Lots,
  maxQtyLots: 0 as Lots,
  minNotional: "0",
  maxNotional: "0",
  trading: true,
};

/** A recorder on a 400-level book whose last frame staged `n` levels, and that frame's book event. */
function recorderWith(n: number) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const book = new OrderBook({ maxLevels: 4096 });
  book.beginUpdate();
  for (let i = 0; i < 200; i++) {
    book.stage(Side.Buy, 6_000_000 - i, 1000 + i);
    book.stage(Side.Sell, 6_000_001 + i, 1000 + i);
  }
  book.applySnapshot();
  const ev: Extract<VenueEvent, { type: "book" }> = {
    type: "book",
    venue: "sim",
    symbol: "BTC-USDT",
    book,
    seq: 1,
    snapshot: false,
    recvNs: 1,
    venueTimeMs: clock.nowMs(),
  };
  const venue = {
    name: "sim",
    onEvent: () => () => {},
    book: () => book,
    instruments: () => new Map([["BTC-USDT", INFO]]),
  };
  const rec = new Recorder({ dir, clock, sink: new ReturningSink(), sealEveryMs: 0, snapshotIntervalMs: 86_400_000 });
  rec.attach(venue, ["BTC-USDT"]);
  rec.onEvent({ ...ev, snapshot: true }); // the stream's first snapshot
  book.beginUpdate();
  for (let i = 0; i < n; i++) book.stage(i % 2 === 0 ? Side.Buy : Side.Sell, 6_000_000 - 50 + i, 500 + i);
  book.applyUpdate();
  return { rec, ev };
}

const one = recorderWith(1);
const twenty = recorderWith(20);
const trade: VenueEvent = {
  type: "trade",
  venue: "sim",
  symbol: "BTC-USDT",
  priceTicks: 6_000_000,
  lots: 100,
  aggressor: Side.Buy,
  tradeId: 1,
  venueTimeMs: Date.UTC(2026, 0, 5, 12),
  recvNs: 1,
};
bench("handler: 1-level book update (copied into the chunk)", () => one.rec.onEvent(one.ev));
bench("handler: 20-level book update", () => twenty.rec.onEvent(twenty.ev));
bench("handler: trade", () => one.rec.onEvent(trade));

// a chunk as the simulator fills it: 4096 one-level updates over a drifting book
const rng = new Rng("recorder-bench");
const words = new Float64Array(32_768);
for (let f = 0, o = 0; f < 4096; f++, o += 8) {
  words.set(
    [
      FrameKind.Update | 0x100,
      1,
      f,
      f * 24_000,
      f * 24_000 - 1e6,
      rng.int(2),
      6_000_000 + rng.int(400) - 200,
      rng.int(5) === 0 ? 0 : 1 + rng.int(9000),
    ],
    o,
  );
}
const chunk: SealedChunk = {
  path: join(dir, "handoff.hfrec"),
  fileHeader: undefined,
  words,
  wordCount: words.length,
  frames: 4096,
  flags: 0,
  baseUs: 0,
  firstLocalNs: 0,
  lastLocalNs: 0,
  release: () => {},
};
bench("worker: zstd-3 compression of a 256 KiB chunk (4096 events)", () =>
  do_not_optimize(encodeChunk(chunk, Codec.Zstd, 3)),
);
const result = await run();

/** Puts `n` chunks to a worker sink and times the puts alone: the engine thread's share per chunk. */
async function handOff(n: number): Promise<number> {
  const sink = new WorkerSink();
  const arrays = Array.from({ length: n }, () => new Float64Array(words));
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++)
    sink.put({ ...chunk, path: join(dir, `handoff-${i}.hfrec`), words: arrays[i] as Float64Array });
  const ns = (Bun.nanoseconds() - t0) / n;
  await sink.close();
  return ns;
}
let handOffNs = Number.POSITIVE_INFINITY;
for (let r = 0; r < 5; r++) handOffNs = Math.min(handOffNs, await handOff(40));
const p50 = (name: string) =>
  result.benchmarks.find((b) => b.alias.startsWith(name))?.runs[0]?.stats?.p50 ?? Number.NaN;
const perChunk = (ns: number) => (ns / 4096).toFixed(2);
console.log(
  `\nper event on the engine's thread (medians): ${p50("handler: 1-level").toFixed(0)} ns (1-level update), ` +
    `${p50("handler: 20-level").toFixed(0)} ns (20 levels), ${p50("handler: trade").toFixed(0)} ns (trade); ` +
    `+ hand-off ${(handOffNs / 1000).toFixed(1)} µs per chunk (best of 5 × 40) = ${perChunk(handOffNs)} ns per one-level event.\n` +
    `off the engine's thread (worker): compression ${(p50("worker: zstd-3") / 1e6).toFixed(2)} ms per chunk = ${perChunk(p50("worker: zstd-3"))} ns per event`,
);
rmSync(dir, { recursive: true, force: true });
