/**
 * A backtest: the unchanged engine (strategy, risk gate, order manager, positions, kill switch) on
 * replay venues built from the config's venues, on a virtual clock from the recording's first frame
 * (or --from) to its end (or --to). Every venue of the config is replayed under its own name from
 * <data>/<venue>/<symbol>/, whatever its type, so a live config backtests as it is.
 */
import { type Config, ConfigError, Engine, type FillModelConfig, resolveStrategy, venueFees } from "../engine/index.ts";
import type { FillEvent } from "../execution/index.ts";
import { ConstantLatency, type LatencyModel, queueModel, readLatencySamples, SampledLatency } from "../fills/index.ts";
import { IssueLog, listRecordings, RecordingFile } from "../history/index.ts";
import { type Logger, Rng, silentLogger, VirtualClock } from "../services/index.ts";
import type { OrderRequest } from "../types/index.ts";
import { ReplaySession } from "../venues/index.ts";
import { driveReplay, driveUntilSettled } from "./driver.ts";
import { ReportCollector, type ReportData } from "./report.ts";

/** What to run. */
export interface BacktestOptions {
  readonly config: Config;
  /** The config's file, named in config errors (default "config"). */
  readonly configFile?: string;
  readonly dataDir: string;
  readonly fromMs?: number;
  readonly toMs?: number;
  /** The run's seed (default: backtest.seed of the config). */
  readonly seed?: string;
  readonly log?: Logger;
  /** Called every few thousand steps with the progress so far (the console's progress bar). */
  readonly onProgress?: (p: { framesDone: number; totalFrames: number; virtualMs: number }) => void;
  /** Told about every fill (tests compare runs fill by fill). */
  readonly onFill?: (f: FillEvent, atMs: number) => void;
  /** Told about every order the engine sends (parity tests show where two runs' quotes part). */
  readonly onOrderSent?: (venue: string, req: OrderRequest, atMs: number) => void;
}

/** A finished backtest. */
export interface BacktestResult {
  readonly report: ReportData;
  readonly issues: IssueLog;
  readonly engine: Engine;
}

/** The order latency model the config asks for (a recorded distribution, or constants). */
export function latencyModel(fm: FillModelConfig, rng: Rng): LatencyModel {
  if (fm.order_latency_file !== undefined) return new SampledLatency(readLatencySamples(fm.order_latency_file), rng);
  return new ConstantLatency(fm.order_latency_ms.entry, fm.order_latency_ms.response);
}

/** Decimal balance strings from the config's numbers (never exponent notation). */
export function balanceStrings(b: Readonly<Record<string, number>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [asset, x] of Object.entries(b)) out[asset] = x.toFixed(8).replace(/\.?0+$/, "");
  return out;
}

/** Local time of the first recorded frame of any configured stream (where the virtual clock starts). */
function firstFrameMs(config: Config, dir: string): number {
  let first = Number.POSITIVE_INFINITY;
  const issues = new IssueLog("skip");
  for (const v of config.venues)
    for (const s of v.symbols) {
      const path = listRecordings(dir, v.name, s)[0];
      if (path === undefined) throw new Error(`no recordings of ${v.name} ${s} under ${dir}/${v.name}/${s}`);
      const f = RecordingFile.open(path, issues);
      first = Math.min(first, f.chunks[0]?.firstMs ?? Number.POSITIVE_INFINITY);
      f.close();
    }
  if (!Number.isFinite(first)) throw new Error(`the recordings under ${dir} hold no data`);
  return first;
}

/** Runs a backtest to the end of the data (or toMs) and stops the engine as a live run stops. */
export async function runBacktest(opts: BacktestOptions): Promise<BacktestResult> {
  const { config } = opts;
  if (config.engine.record !== undefined)
    throw new ConfigError(opts.configFile ?? "config", [
      {
        path: "engine.record",
        message:
          "a backtest replays recordings and records nothing (its replayed depth would be written back with the backtest's orders marked as resting in it): remove engine.record for the backtest",
      },
    ]);
  // a strategy file loads before any data is opened, and its errors name the config file and the module
  const strategy = await resolveStrategy(config, opts.configFile ?? "config");
  const bt = config.backtest;
  const seed = opts.seed ?? bt.seed;
  const rng = new Rng(seed);
  const start = Math.max(opts.fromMs ?? Number.NEGATIVE_INFINITY, firstFrameMs(config, opts.dataDir));
  const clock = new VirtualClock(Math.floor(start));
  const fm = config.fill_model;
  const session = new ReplaySession({
    dir: opts.dataDir,
    clock,
    clientIdPrefix: config.engine.client_id_prefix,
    queue: queueModel(fm.queue, fm.queue_power),
    latency: latencyModel(fm, rng.fork("latency")),
    feedLatency: bt.feed_latency,
    policy: bt.on_bad_data,
    ...(opts.fromMs !== undefined ? { fromMs: opts.fromMs } : {}),
    ...(opts.toMs !== undefined ? { toMs: opts.toMs } : {}),
    venues: config.venues.map((vc) => ({
      name: vc.name,
      symbols: vc.symbols,
      fees: venueFees(config, vc),
      balances: balanceStrings(fm.balances),
    })),
  });
  const collector = new ReportCollector(clock, bt.sample_ms);
  const engine = new Engine({
    config,
    clock,
    rng,
    adapters: session.adapters,
    strategy,
    log: opts.log ?? silentLogger,
    record: false,
    onFill: (f) => {
      collector.fill(f);
      opts.onFill?.(f, clock.nowMs());
    },
    onOrderSent: (venue, req) => {
      collector.orderSent();
      opts.onOrderSent?.(venue, req, clock.nowMs());
    },
  });
  const t0 = performance.now();
  let dataToMs = start;
  const tick = () =>
    opts.onProgress?.({
      framesDone: session.progress().frames,
      totalFrames: session.totalFrames,
      virtualMs: clock.nowMs(),
    });
  try {
    await driveUntilSettled(clock, session, engine.start(), tick);
    collector.start(engine);
    await driveReplay(clock, session, () => session.nextTimeMs() === Number.POSITIVE_INFINITY, tick);
    dataToMs = clock.nowMs();
    collector.sample();
    await driveUntilSettled(clock, session, engine.stop("end of data"), tick);
  } finally {
    collector.stop();
    session.close();
  }
  tick();
  const wallS = (performance.now() - t0) / 1000;
  const report = collector.finish({
    seed,
    wallSeconds: wallS,
    progress: session.progress(),
    issues: session.issues,
    fills: session.fills,
    latency: session.adapters.length > 0 ? latencyModel(fm, rng.fork("latency")).description : "",
    queue: queueModel(fm.queue, fm.queue_power).name,
    dataFromMs: start,
    dataToMs,
  });
  return { report, issues: session.issues, engine };
}
