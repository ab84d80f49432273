/**
 * Replay throughput (timed script): records N virtual minutes of the simulator's BTC-USDT depth with
 * the recorder (sim-direct on a virtual clock, faster than real time), then (1) decodes and applies
 * every frame to a C book with no engine (the ceiling), and (2) backtests market_making on it with
 * the whole engine. Prints level updates/s, the recorder's cost per event, the recording's size and
 * peak RSS. Run: `bun bench/replay.bench.ts [minutes]` or `bun run bench replay`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBacktest } from "../src/backtest/index.ts";
import { OrderBook } from "../src/book/index.ts";
import { parseConfig } from "../src/engine/index.ts";
import {
  FrameCursor,
  FrameKind,
  InlineSink,
  IssueLog,
  listRecordings,
  Recorder,
  RecordingFile,
} from "../src/history/index.ts";
import { VirtualClock } from "../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";

const MINUTES = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), "replay-bench-"));

async function record(): Promise<void> {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const core = new SimCore({ clock, seed: "bench", symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT") });
  const adapter = new SimDirectAdapter({
    name: "sim",
    core,
    clock,
    accountId: "rec",
    clientIdPrefix: "b1",
    marketDataMs: 1,
  });
  await adapter.connect();
  const rec = new Recorder({ dir, clock, sink: new InlineSink(), sealEveryMs: 0 });
  rec.attach(adapter, ["BTC-USDT"]);
  core.start();
  const sub = adapter.subscribeQuotes(["BTC-USDT"]);
  clock.advance(10);
  await sub;
  // the recorder's own cost on the event path: time spent inside its handler
  let recNs = 0;
  const inner = rec.onEvent.bind(rec);
  rec.onEvent = (ev) => {
    const t = Bun.nanoseconds();
    inner(ev);
    recNs += Bun.nanoseconds() - t;
  };
  for (let t = 0; t < MINUTES * 60_000; t += 20) clock.advance(20);
  core.stop();
  await rec.close();
  const s = rec.stats;
  console.log(
    `recorded ${MINUTES} virtual min: ${s.updates} updates, ${s.snapshots} snapshots, ${s.trades} trades, ${s.levels} levels; ` +
      `${rec.sink.stats.storedBytes} bytes (${(rec.sink.stats.storedBytes / s.events).toFixed(1)} B/event); recorder handler ${(recNs / s.events).toFixed(0)} ns/event (includes chunk sealing and compression when a chunk fills: InlineSink)`,
  );
  await adapter.close();
}

function rawReplay(): void {
  const issues = new IssueLog("stop");
  const book = new OrderBook({ maxLevels: 20_000 });
  const t0 = Bun.nanoseconds();
  const c = new FrameCursor(
    listRecordings(dir, "sim", "BTC-USDT").map((p) => RecordingFile.open(p, issues)),
    issues,
  );
  let levels = 0;
  while (c.next()) {
    if (c.kind !== FrameKind.Update && c.kind !== FrameKind.Snapshot) continue;
    book.stageFrom(c.words, c.levels, c.count);
    if (c.kind === FrameKind.Snapshot) book.applySnapshot();
    else book.applyUpdate();
    levels += c.count;
  }
  const s = (Bun.nanoseconds() - t0) / 1e9;
  console.log(
    `replay without engine: ${levels} levels in ${s.toFixed(2)} s = ${Math.round(levels / s).toLocaleString("en")} level updates/s`,
  );
  book.close();
}

async function engineReplay(): Promise<void> {
  const { config } = parseConfig(
    `
engine: { client_id_prefix: b1 }
venues: [{ name: sim, type: sim, symbols: [BTC-USDT] }]
simulator: { fees: { maker: 0, taker: 0.001 } }
strategy: { type: market_making, parameters: { spread: 0.0001, max_position: 0.02, min_profit: 0, order_size: 0.002, inventory_skew: 0.00005, refresh_tolerance: 0.00015 } }
risk: { max_position_base: 0.1, max_orders_per_second: 4 }
http: { enabled: false }
`,
    "bench.yaml",
    { env: {}, strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES },
  );
  const r = await runBacktest({ config, dataDir: dir });
  const s = r.report.summary;
  console.log(
    `backtest with market_making: ${s.frames} events, ${Math.round(s.levelUpdatesPerSecond).toLocaleString("en")} level updates/s, ` +
      `${Math.round(s.eventsPerSecond).toLocaleString("en")} events/s, ${s.virtualSeconds.toFixed(0)} virtual s in ${s.wallSeconds.toFixed(1)} s, ${s.fills} fills`,
  );
}

await record();
rawReplay();
await engineReplay();
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
rmSync(dir, { recursive: true, force: true });
