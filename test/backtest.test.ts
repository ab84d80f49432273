/**
 * Backtests of the unchanged engine on a recording of a live simulator run: they trade, the same data
 * + config + seed give the same fills bit for bit, the queue model matters, and damaged data is
 * reported rather than silently replayed.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { runBacktest } from "../src/backtest/runner.ts";
import { loadConfig } from "../src/engine/index.ts";
import { FrameCursor, FrameKind, IssueLog, listRecordings, RecordingFile } from "../src/history/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { compareFills, firstDivergence } from "./support/fill-parity.ts";
import {
  type LiveRun,
  type RunOrder,
  recordedRunConfig,
  recordLiveRun,
  type TimedFill,
  testConfig,
} from "./support/recorded-run.ts";

const SEED = process.env.HFT_BT_SEED ?? "bt-1";
const MINUTES = 3;
let dir = "";
let live: LiveRun = { fills: [], orders: [], stopMs: 0 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bt-"));
  live = await recordLiveRun(dir, SEED, MINUTES);
}, 120_000);

async function backtest(seed: string, extra = "", data = dir) {
  const fills: string[] = [];
  const r = await runBacktest({
    config: testConfig(recordedRunConfig(data, extra)),
    dataDir: data,
    seed,
    onFill: (f, at) => fills.push(`${at} ${f.side} ${f.lots}@${f.priceTicks} ${f.fee} ${f.isMaker}`),
  });
  return { r, fills, hash: createHash("sha256").update(fills.join("\n")).digest("hex") };
}

describe("backtest on a recording", () => {
  test("the engine trades on the replay and stops clean; risk limits hold", async () => {
    const { r } = await backtest(SEED);
    const s = r.report.summary;
    expect({ seed: SEED, live: live.fills.length > 5 }).toEqual({ seed: SEED, live: true });
    expect({ seed: SEED, fills: s.fills > 5, both: s.buys > 0 && s.sells > 0 }).toEqual({
      seed: SEED,
      fills: true,
      both: true,
    });
    expect({ seed: SEED, maxAbs: s.inventory.maxAbs <= 0.05 + 1e-12 }).toEqual({ seed: SEED, maxAbs: true });
    expect({ seed: SEED, issues: s.dataIssues, errors: r.engine.counters.eventErrors }).toEqual({
      seed: SEED,
      issues: {},
      errors: 0,
    });
    expect({ seed: SEED, open: r.engine.desk.oms.openOrderCount(), halted: s.killSwitchTripped }).toEqual({
      seed: SEED,
      open: 0,
      halted: false,
    });
    expect(s.virtualSeconds).toBeGreaterThan(MINUTES * 60 - 10);
    expect(r.report.times.length).toBe(r.report.equity.length);
  }, 120_000);

  test("live/replay parity: the backtest reproduces the live run's fills (side, price, lots, timing)", async () => {
    const replay: TimedFill[] = [];
    const orders: RunOrder[] = [];
    await runBacktest({
      config: testConfig(recordedRunConfig(dir)),
      dataDir: dir,
      seed: SEED,
      toMs: live.stopMs, // the live run stopped quoting here; what was recorded after is its shutdown
      onFill: (f, atMs) =>
        replay.push({ atMs, side: f.side, priceTicks: f.priceTicks, lots: f.lots, maker: f.isMaker }),
      onOrderSent: (_venue, r, atMs) => orders.push({ atMs, side: r.side, priceTicks: r.priceTicks, lots: r.lots }),
    });
    // Why these tolerances: the backtest runs the same engine and config on the live run's recording,
    // with the simulator's latencies (fill_model.order_latency_ms 2 ms each way = sim-direct's
    // orderEntryMs; feed latency from the recorded venue and receive times), and the recording marks
    // the live run's own orders inside the depth (Own frames), so a backtest order queues behind the
    // others only, where the live one stood. A live fill must come back at the same side, price and
    // lots within the latency model's round trip (4 ms). What may still part them, and is printed:
    // the start (the backtest's engine starts on the first recorded frame, the live one a few ms
    // before it), and the L2 queue estimate (risk_averse counts only trades; the simulator's
    // price-time queue also moves us up when others ahead cancel). So 95 % of the live fills, and a
    // count within 5 %.
    const p = compareFills(live.fills, replay, 4);
    const parted = firstDivergence(live.orders, orders);
    console.log(
      `parity ${SEED}: live ${p.live} fills, backtest ${p.replay}, ${p.matched} at the same side, price and lots (lag median ${p.medianLagMs} ms, max ${p.maxLagMs} ms); ` +
        `orders: live ${live.orders.length}, backtest ${orders.length}${parted === undefined ? ", the same sequence" : `; first difference: ${parted}`}` +
        (p.unmatchedLive.length > 0 ? `\n  live only:\n    ${p.unmatchedLive.slice(0, 8).join("\n    ")}` : "") +
        (p.unmatchedReplay.length > 0 ? `\n  backtest only:\n    ${p.unmatchedReplay.slice(0, 8).join("\n    ")}` : ""),
    );
    expect({ seed: SEED, live: p.live > 20 }).toEqual({ seed: SEED, live: true });
    expect({ seed: SEED, matchedShare: p.matched / p.live >= 0.95 }).toEqual({ seed: SEED, matchedShare: true });
    expect({ seed: SEED, countRatio: Math.abs(p.replay - p.live) / p.live <= 0.05 }).toEqual({
      seed: SEED,
      countRatio: true,
    });
    expect({ seed: SEED, maxLagMs: p.maxLagMs <= 4 }).toEqual({ seed: SEED, maxLagMs: true });
  }, 120_000);

  test("same data, config and seed give the same fills bit for bit", async () => {
    const a = await backtest(SEED);
    const b = await backtest(SEED);
    expect({ seed: SEED, n: b.fills.length, hash: b.hash }).toEqual({ seed: SEED, n: a.fills.length, hash: a.hash });
    // a recorded latency distribution draws with the seed: another seed, other fills
    const samples = join(dir, "lat.txt");
    writeFileSync(samples, Array.from({ length: 50 }, (_, i) => `${(1 + (i % 17)) * 400}us`).join("\n"));
    const withFile = (s: string) => backtestWithLatencyFile(samples, s);
    const x = await withFile("one");
    const y = await withFile("one");
    const z = await withFile("two");
    expect({ same: y.hash === x.hash, other: z.hash !== x.hash }).toEqual({ same: true, other: true });
  }, 240_000);

  test("the queue model matters: counting cancels as progress fills at least as often as counting only trades", async () => {
    const averse = await backtest(SEED);
    const prob = await backtestWithQueue("probabilistic");
    expect({ seed: SEED, prob: prob.r.report.summary.fills >= averse.r.report.summary.fills }).toEqual({
      seed: SEED,
      prob: true,
    });
  }, 120_000);

  test("a short recording's report spans its data, first frame to last (not from the engine's start)", async () => {
    const short = mkdtempSync(join(tmpdir(), "bt-short-"));
    await recordLiveRun(short, `${SEED}-short`, 0.05); // 3 virtual seconds
    const issues = new IssueLog("stop");
    const c = new FrameCursor(
      listRecordings(short, "sim", "BTC-USDT").map((p) => RecordingFile.open(p, issues)),
      issues,
    );
    let first = Number.NaN;
    let last = Number.NaN;
    // the market's frames: the recording engine's own-order marks (FrameKind.Own) ride on the depth
    // and are no time of their own; the stop's cancels can leave some 1 ms after the last depth frame
    while (c.next()) {
      if (c.kind === FrameKind.Own) continue;
      if (Number.isNaN(first)) first = c.localMs;
      last = c.localMs;
    }
    const r = await runBacktest({ config: testConfig(recordedRunConfig(short)), dataDir: short, seed: SEED });
    const s = r.report.summary;
    expect({ seed: SEED, span: last - first > 2900 }).toEqual({ seed: SEED, span: true });
    expect({ seed: SEED, off: Math.abs(s.virtualSeconds * 1000 - (last - first)) < 1e-3 }).toEqual({
      seed: SEED,
      off: true,
    });
    expect(r.report.times.length).toBeGreaterThanOrEqual(3);
  }, 60_000);

  test("engine.record in a backtest's config is refused, naming it (a backtest records nothing)", async () => {
    const text = recordedRunConfig(dir, "", true);
    await expect(
      runBacktest({ config: testConfig(text), configFile: "bt.yaml", dataDir: dir, seed: SEED }),
    ).rejects.toThrow(/bt\.yaml: engine\.record: a backtest replays recordings and records nothing/);
  });

  test("a corrupt chunk is reported with its file and chunk, and --on-error stop stops the run", async () => {
    const copy = mkdtempSync(join(tmpdir(), "bt-bad-"));
    const src = listRecordings(dir, "sim", "BTC-USDT")[0] as string;
    const dst = join(copy, "sim", "BTC-USDT");
    await Bun.write(join(dst, src.slice(src.lastIndexOf("/") + 1)), Bun.file(src));
    const path = listRecordings(copy, "sim", "BTC-USDT")[0] as string;
    const f = RecordingFile.open(path, new IssueLog("skip"));
    const victim = f.chunks[Math.floor(f.chunks.length / 2)];
    f.close();
    if (victim === undefined) throw new Error("no chunk");
    const bytes = readFileSync(path);
    bytes[victim.offset + 60] = (bytes[victim.offset + 60] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const { r } = await backtest(SEED, "", copy);
    expect(r.report.summary.dataIssues).toEqual({ corrupt: 1 });
    expect(r.report.summary.dataIssueExamples[0]?.file).toBe(path);
    await expect(backtest(SEED, "backtest: { on_bad_data: stop }\n", copy)).rejects.toThrow(/corrupt/);
  }, 120_000);
});

const ROOT = join(import.meta.dir, "..");
const EXAMPLE_MODULE = join(ROOT, "config", "strategies", "imbalance-mm.ts");

/**
 * The recorded run's config with the worked example's strategy file in place of the built-in, written
 * next to nothing but itself: `module` is a path relative to this config file, as a user writes it.
 */
function writeModuleConfig(cfgDir: string, module: string): string {
  const file = join(cfgDir, "my-backtest.yaml");
  const strategy = `strategy:
  module: ${JSON.stringify(module)}
  name: imbalance
  parameters:
    spread: 0.0001
    max_position: 0.02
    min_profit: 0
    order_size: 0.002
    depth_levels: 5
    imbalance_skew: 0.00003
    inventory_skew: 0.00005
    refresh_tolerance: 0.00015
`;
  const text = recordedRunConfig(dir).replace(/strategy:\n( {2}.*\n)+/, strategy);
  if (!text.includes("module:")) throw new Error("the recorded run's config has no strategy block to replace");
  writeFileSync(file, text);
  return file;
}

/** `bun run backtest ...` from the project root, as a user runs it. */
async function backtestCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([process.execPath, "run", "--silent", "backtest", ...args], {
    cwd: ROOT,
    env: process.env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

describe("a strategy file in a backtest (bun run backtest --config with strategy.module)", () => {
  test("the worked example backtests from its file: it trades within its limits, and the CLI's report is the in-process run's", async () => {
    const cfgDir = mkdtempSync(join(tmpdir(), "bt-module-"));
    const file = writeModuleConfig(cfgDir, relative(cfgDir, EXAMPLE_MODULE));
    const out = join(cfgDir, "report");
    const cli = await backtestCli(["--config", file, "--data", dir, "--report", out, "--seed", SEED, "--quiet"]);
    expect(cli.code, `seed ${SEED}: ${cli.err}`).toBe(0); // stderr may hold the engine's warnings
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as {
      summary: {
        fills: number;
        buys: number;
        sells: number;
        pnlNet: string;
        ordersSent: number;
        inventory: { maxAbs: number };
      };
    };
    const s = report.summary;
    expect({ seed: SEED, fills: s.fills > 5, both: s.buys > 0 && s.sells > 0 }).toEqual({
      seed: SEED,
      fills: true,
      both: true,
    });
    expect({ seed: SEED, maxAbs: s.inventory.maxAbs <= 0.05 + 1e-12 }).toEqual({ seed: SEED, maxAbs: true });
    expect(cli.out).toContain(`backtest: ${s.fills} fills`);
    // in process, from the same file: the same strategy code, the same fills
    const loaded = loadConfig(file, { env: {}, strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES });
    const r = await runBacktest({ config: loaded.config, configFile: file, dataDir: dir, seed: SEED });
    const st = r.engine.status().strategies[0];
    const m = r.report.summary;
    expect({ seed: SEED, kind: st?.kind, fills: m.fills, buys: m.buys, orders: m.ordersSent, pnl: m.pnlNet }).toEqual({
      seed: SEED,
      kind: "imbalance_mm",
      fills: s.fills,
      buys: s.buys,
      orders: s.ordersSent,
      pnl: s.pnlNet,
    });
  }, 180_000);

  test("a module that does not load stops the backtest before any data is read, naming the config, strategy.module and the file", async () => {
    const cfgDir = mkdtempSync(join(tmpdir(), "bt-module-bad-"));
    const file = writeModuleConfig(cfgDir, "./strategies/nowhere.ts");
    const cli = await backtestCli(["--config", file, "--data", join(cfgDir, "no-data"), "--quiet"]);
    expect(cli.code).toBe(1);
    expect(cli.err).toContain(`${file}: strategy.module: ${join(cfgDir, "strategies", "nowhere.ts")}`);
    expect(cli.err).not.toContain("no recordings");
  }, 60_000);
});

async function backtestWithLatencyFile(file: string, seed: string) {
  const fills: string[] = [];
  const text = recordedRunConfig(dir).replace(
    "  order_latency_ms: { entry: 2, response: 2 }",
    `  order_latency_file: ${JSON.stringify(file)}`,
  );
  await runBacktest({
    config: testConfig(text),
    dataDir: dir,
    seed,
    onFill: (f, at) => fills.push(`${at} ${f.side} ${f.lots}@${f.priceTicks}`),
  });
  return { hash: createHash("sha256").update(fills.join("\n")).digest("hex") };
}

async function backtestWithQueue(queue: string) {
  const text = recordedRunConfig(dir).replace("fill_model:\n", `fill_model:\n  queue: ${queue}\n`);
  const r = await runBacktest({ config: testConfig(text), dataDir: dir, seed: SEED });
  return { r };
}
