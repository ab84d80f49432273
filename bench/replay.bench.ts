/**
 * Replay and backtest throughput (mitata measure, 5 runs each after 3 warm-up runs). Records N virtual
 * minutes of the simulator's BTC-USDT depth (sim-direct on a virtual clock, one level per update as the
 * simulator publishes it), then measures replay into a C book with no engine (decode + one apply per
 * frame: the ceiling) and a backtest of market_making on it with the whole engine, in level updates
 * per second of wall time and per second of this process's CPU time (the figure a loaded machine
 * distorts less). The recorder's own cost: bench/recorder.bench.ts.
 * Run: `bun bench/replay.bench.ts [minutes]` or `bun run bench replay`. Figures: bench/RESULTS.md.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { do_not_optimize, measure } from "mitata";
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

// `--record-to DIR MINUTES`: the child that records (so its heap and JIT state stay out of the figures)
const RECORD_TO = process.argv[2] === "--record-to" ? process.argv[3] : undefined;
const MINUTES = Number((RECORD_TO !== undefined ? process.argv[4] : process.argv[2]) ?? 3);
const SAMPLES = 5;
/** Runs before the measured ones: JSC's optimising tier takes a few runs of a short recording to kick in. */
const WARMUP = 3;
const dir = RECORD_TO ?? mkdtempSync(join(tmpdir(), "replay-bench-"));
const fmt = (x: number) => Math.round(x).toLocaleString("en");

/** Records MINUTES of the simulator's depth through sim-direct; returns the recorder's counters. */
async function record() {
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
  for (let t = 0; t < MINUTES * 60_000; t += 20) clock.advance(20);
  core.stop();
  await rec.close();
  await adapter.close();
  const s = rec.stats;
  const bytes = rec.sink.stats.storedBytes;
  console.log(
    `recorded ${MINUTES} virtual min: ${fmt(s.updates)} updates, ${s.snapshots} snapshots, ${fmt(s.trades)} trades, ${fmt(s.levels)} levels; ` +
      `${fmt(bytes)} bytes (${(bytes / s.events).toFixed(1)} B/event, raw ${(rec.sink.stats.rawBytes / s.events).toFixed(1)} B/event)`,
  );
}

if (RECORD_TO !== undefined) {
  await record();
  process.exit(0);
}

/** Decodes the recording and applies every book frame to a C book: the replay's ceiling. */
function rawReplay(): number {
  const issues = new IssueLog("stop");
  const book = new OrderBook({ maxLevels: 20_000 });
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
  book.close();
  for (const f of c.files) f.close();
  return levels;
}

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

/** Measures fn (a run over `levels` level updates) and prints its throughput by wall and CPU time. */
async function throughput(what: string, levels: number, fn: () => unknown): Promise<void> {
  for (let i = 0; i < WARMUP; i++) await fn(); // until the JIT has compiled the hot path fully
  const cpu0 = process.cpuUsage();
  const ns = await measure(fn, { min_samples: SAMPLES, max_samples: SAMPLES, min_cpu_time: 0, warmup_samples: 0 });
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6 / SAMPLES;
  console.log(
    `${what}: ${fmt(levels / (ns.p50 / 1e9))} level updates/s median, ${fmt(levels / (ns.min / 1e9))} best ` +
      `(${SAMPLES} runs, ${(ns.p50 / 1e9).toFixed(2)} s median); ${fmt(levels / cpuS)} per CPU second`,
  );
}

const child = Bun.spawnSync([process.execPath, import.meta.path, "--record-to", dir, String(MINUTES)], {
  stdout: "inherit",
  stderr: "inherit",
  env: process.env,
});
if (child.exitCode !== 0) throw new Error(`recording failed (exit ${child.exitCode})`);
const levels = rawReplay();
await throughput("replay without engine", levels, () => do_not_optimize(rawReplay()));
let fills = 0;
await throughput("backtest with market_making", levels, async () => {
  const r = await runBacktest({ config, dataDir: dir });
  fills = r.report.summary.fills;
});
console.log(`backtest fills per run: ${fills}`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
rmSync(dir, { recursive: true, force: true });
