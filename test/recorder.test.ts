/**
 * The recorder against a real adapter (sim-direct on a virtual clock): replaying what it wrote into a
 * fresh C book gives back the adapter's book exactly, level for level; trades and the loss of sync
 * are recorded; and an engine with engine.record writes its venues' recordings and closes them on stop.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OrderBook } from "../src/book/index.ts";
import { Engine, parseConfig } from "../src/engine/index.ts";
import {
  FrameCursor,
  FrameKind,
  InlineSink,
  IssueLog,
  listRecordings,
  Recorder,
  RecordingFile,
} from "../src/history/index.ts";
import { Rng, VirtualClock } from "../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { Side } from "../src/types/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { drive, flush, run } from "./support/virtual-time.ts";

function simVenue(seed: string, clock: VirtualClock) {
  const core = new SimCore({ clock, seed, symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT") });
  const adapter = new SimDirectAdapter({
    name: "sim",
    core,
    clock,
    accountId: "engine",
    balances: { USDT: "100000", BTC: "1" },
    // what the engine's config says the simulator charges: the engine quotes with the venue's rates
    fees: { maker: "0", taker: "0.001" },
    clientIdPrefix: "rec1",
    marketDataMs: 1,
  });
  return { core, adapter };
}

/** Every level of a book, bids then asks. */
function levels(book: OrderBook): number[][] {
  const out: number[][] = [];
  for (const side of [Side.Buy, Side.Sell]) {
    const n = book.levelCount(side);
    const t = new Float64Array(n);
    const l = new Float64Array(n);
    book.topLevels(side, n, t, l);
    for (let i = 0; i < n; i++) out.push([side, t[i] as number, l[i] as number]);
  }
  return out;
}

describe("recorder", () => {
  test("replaying the recording rebuilds the adapter's book level for level", async () => {
    const seed = "rec-book";
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const { core, adapter } = simVenue(seed, clock);
    const dir = mkdtempSync(join(tmpdir(), "rec-"));
    await drive(clock, adapter.connect());
    const recorder = new Recorder({ dir, clock, sink: new InlineSink(), snapshotIntervalMs: 20_000 });
    recorder.attach(adapter, ["BTC-USDT"]);
    core.start();
    await drive(clock, adapter.subscribeQuotes(["BTC-USDT"]));
    await run(clock, 60_000);
    core.stop();
    await run(clock, 100);
    const live = adapter.book("BTC-USDT");
    if (live === undefined) throw new Error("no book");
    const expected = levels(live);
    await recorder.close();
    const issues = new IssueLog("stop");
    const files = listRecordings(dir, "sim", "BTC-USDT").map((p) => RecordingFile.open(p, issues));
    const c = new FrameCursor(files, issues);
    const book = new OrderBook({ maxLevels: 5000 });
    const kinds = new Map<number, number>();
    let lastLocal = 0;
    let backwards = 0;
    while (c.next()) {
      kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
      if (c.localMs < lastLocal) backwards++;
      lastLocal = c.localMs;
      if (c.kind !== FrameKind.Update && c.kind !== FrameKind.Snapshot) continue;
      book.stageFrom(c.words, c.levels, c.count);
      expect(c.kind === FrameKind.Snapshot ? book.applySnapshot() : book.applyUpdate()).toBe(0);
    }
    expect({ seed, backwards }).toEqual({ seed, backwards: 0 });
    expect({ seed, levels: levels(book).length }).toEqual({ seed, levels: expected.length });
    expect({ seed, book: levels(book) }).toEqual({ seed, book: expected });
    // the first frame and one every 20 s are snapshots; trades were recorded with the venue's time
    expect({ seed, snapshots: (kinds.get(FrameKind.Snapshot) ?? 0) >= 3 }).toEqual({ seed, snapshots: true });
    expect({ seed, trades: (kinds.get(FrameKind.Trade) ?? 0) > 10 }).toEqual({ seed, trades: true });
    expect(files[0]?.header).toMatchObject({ venue: "sim", symbol: "BTC-USDT", tick: "0.01", source: "recorder" });
    expect({ seed, ...recorder.stats, ignored: 0 }).toMatchObject({ seed, ignored: 0 });
    book.close();
    await adapter.close();
  }, 60_000);

  test("a lost sync is recorded, and the next book event starts again from a snapshot", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const { core, adapter } = simVenue("rec-gap", clock);
    const dir = mkdtempSync(join(tmpdir(), "rec-"));
    await drive(clock, adapter.connect());
    const recorder = new Recorder({ dir, clock, sink: new InlineSink() });
    recorder.attach(adapter, ["BTC-USDT"]);
    core.start();
    await drive(clock, adapter.subscribeQuotes(["BTC-USDT"]));
    await run(clock, 2000);
    recorder.onEvent({
      type: "book_health",
      venue: "sim",
      symbol: "BTC-USDT",
      health: "resyncing",
      reason: "t",
      gap: true,
    });
    await run(clock, 2000);
    core.stop();
    await recorder.close();
    const issues = new IssueLog("stop");
    const c = new FrameCursor(
      listRecordings(dir, "sim", "BTC-USDT").map((p) => RecordingFile.open(p, issues)),
      issues,
    );
    const order: number[] = [];
    while (c.next()) if (c.kind !== FrameKind.Trade && c.kind !== order[order.length - 1]) order.push(c.kind);
    expect(order).toEqual([FrameKind.Snapshot, FrameKind.Update, FrameKind.Gap, FrameKind.Snapshot, FrameKind.Update]);
    await adapter.close();
  }, 60_000);

  test("engine.record writes every venue's recording and closes it on stop", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rec-"));
    const { config } = parseConfig(
      `
engine: { client_id_prefix: rec2, record: { dir: ${JSON.stringify(dir)}, seal_every_ms: 1000 } }
venues: [{ name: sim, type: sim, symbols: [BTC-USDT] }]
strategy: { type: market_making, parameters: { spread: 0.0001, min_profit: 0, order_size: 0.002, max_position: 0.02 } }
simulator: { fees: { maker: 0, taker: 0.001 } }
http: { enabled: false }
`,
      "rec.yaml",
      { env: {}, strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES },
    );
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const { core, adapter } = simVenue("rec-engine", clock);
    core.start();
    const engine = new Engine({ config, clock, rng: new Rng("rec-engine"), adapters: [adapter] });
    await drive(clock, engine.start());
    await run(clock, 10_000);
    await drive(clock, engine.stop("test"));
    await flush();
    core.stop();
    const r = engine.recorder;
    expect(r?.stats.updates ?? 0).toBeGreaterThan(100);
    expect(r?.sink.stats.errors).toBe(0);
    const files = listRecordings(dir, "sim", "BTC-USDT");
    expect(files.length).toBe(1);
    const issues = new IssueLog("stop");
    const f = RecordingFile.open(files[0] as string, issues);
    const st = r?.stats;
    expect(f.frames()).toBe((st?.updates ?? 0) + (st?.snapshots ?? 0) + (st?.trades ?? 0) + (st?.own ?? 0));
    // the engine quoted while recording: its orders are marked inside the depth, all gone after the stop
    const own = new Map<number, number>();
    const c = new FrameCursor([f], issues);
    while (c.next()) {
      if (c.kind === FrameKind.Snapshot) own.clear();
      if (c.kind !== FrameKind.Own) continue;
      for (let i = 0; i < c.count; i++) {
        const o = c.levels + i * 3;
        own.set((c.words[o + 1] as number) * 2 + (c.words[o] as number), c.words[o + 2] as number);
      }
    }
    expect({ ownFrames: (st?.own ?? 0) > 2, restingAtEnd: [...own.values()].filter((l) => l > 0) }).toEqual({
      ownFrames: true,
      restingAtEnd: [],
    });
  }, 60_000);
});
