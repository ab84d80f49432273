/**
 * Where the tick-to-trade tail comes from: the loopback run of tick-to-trade.bench.ts with every frame
 * that leads to an order timed stage by stage (arrival → decoded → engine → quote → order manager →
 * adapter → ws.send → written), plus what else happened around it: a JS heap that shrank across the
 * handler (a GC finished inside it), involuntary context switches and minor page faults of the
 * process, the time since the last keep-warm tick, and whether the frame was the first of a new
 * event-loop turn. It prints the slow frames' stage profile beside the fast ones', so the shape of
 * the distribution can be compared on a loaded machine, where absolute numbers cannot.
 *
 * A diagnostic tool, not a benchmark: the stamps wrap the methods they time (each wrapper costs a
 * clock read), and two samples of process counters bracket the handler (outside the measured span).
 *
 * With `sim-direct` as third argument, the in-process row of tick-to-trade.bench.ts instead (the same
 * engine and config on the sim-direct venue over the simulator's matching core, speed 4, no sockets):
 * each book event that leads to an order is stamped from the moment the adapter emitted it (its recvNs,
 * where the in-process figure starts) → engine → quote() → order manager → sim-direct placeOrder →
 * the core's placeOrderTicks entered → returned (matched, its reports raised) → handed (the engine's
 * orderSent, where the in-process figure ends) → handler end.
 *
 * Usage: bun bench/tick-to-trade-stages.ts [seconds=20] [slow_threshold_us=150] [binance|sim-direct]
 *   HFT_ENGINE_CPU as in tick-to-trade.bench.ts (HFT_ENGINE_CPU=none: unpinned, the old tail);
 *   HFT_KEEP_WARM_MS (default 1) and HFT_BUSY_POLL=1 as there.
 *   BUN_JSC_logGC=1 adds JSC's own GC log on stderr (count the collections with `grep -c START`).
 */

import { heapSize } from "bun:jsc";
import { DepthDecoder } from "../src/book/index.ts";
import { type Config, createConfiguredVenues, Engine, KeepWarm, parseConfig } from "../src/engine/index.ts";
import { Execution, OrderManager } from "../src/execution/index.ts";
import { Rng, SystemClock, silentLogger } from "../src/services/index.ts";
import { SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import type { VenueEvent } from "../src/types/index.ts";
import { BinanceAdapter } from "../src/venues/binance/index.ts";
import type { VenueAdapter } from "../src/venues/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { benchEngineCpu, tickToTradeConfig, tickToTradeInProcess } from "./tick-to-trade.config.ts";

const SECONDS = Number(process.argv[2] ?? 20);
const SLOW_US = Number(process.argv[3] ?? 150);
/** Which path: the Binance adapter over loopback (default) or the in-process sim-direct venue. */
const IN_PROCESS = process.argv[4] === "sim-direct";
const KEEP_WARM_MS = Number(process.env.HFT_KEEP_WARM_MS ?? 1);
/** HFT_BUSY_POLL=1: rehearse back to back (engine.busy_poll), to see what a rehearsal every turn changes. */
const BUSY_POLL = process.env.HFT_BUSY_POLL === "1";
/** A frame after at least this much idle time is the first of a burst (the cold one). */
const BURST_IDLE_US = 5000;
const WARMUP_S = 5;

/** Stage indexes of one frame's record; each holds ns since the frame's arrival (0 = not reached). */
const WIRE_STAGES = ["decoded", "engine", "quote", "oms", "adapter", "send", "written", "handlerEnd"] as const;
/** The in-process path's stages: "written" is the hand-off (orderSent), where its figure ends. */
const SIM_STAGES = ["engine", "quote", "oms", "adapter", "core", "matched", "written", "handlerEnd"] as const;
type Stage = (typeof WIRE_STAGES)[number] | (typeof SIM_STAGES)[number];
const STAGES: readonly Stage[] = IN_PROCESS ? SIM_STAGES : WIRE_STAGES;
const S = Object.fromEntries(STAGES.map((s, i) => [s, i])) as Record<Stage, number>;

interface FrameRecord {
  stages: Float64Array;
  heapShrank: boolean;
  involuntarySwitches: number;
  minorFaults: number;
  sinceKeepWarmUs: number;
  gapBeforeUs: number;
}

const records: FrameRecord[] = [];
let measuring = false;
let frameNs = 0;
let current: Float64Array | undefined;
/** Whether the current frame's time starts at the recvNs of its book event (set by wrapBookEvent). */
let startAtEvent = false;
let lastKeepWarmEndNs = 0;
let keepWarmStartNs = 0;
/** While measuring: time between keep-warm ticks' starts, and each tick's own duration, µs. */
const keepWarmPeriodsUs: number[] = [];
const keepWarmTicksUs: number[] = [];
let lastHandlerEndNs = 0;

function mark(stage: Stage): void {
  const i = S[stage];
  if (current !== undefined && i !== undefined && current[i] === 0) current[i] = Bun.nanoseconds() - frameNs;
}

type Method = (...args: never[]) => unknown;
/** Wraps a prototype method so `before` runs first (and `after` once it returned). */
function wrap(proto: object, name: string, before?: () => void, after?: () => void): void {
  const target = proto as Record<string, Method>;
  const orig = target[name];
  if (typeof orig !== "function") throw new Error(`no method ${name} to wrap`);
  target[name] = function (this: unknown, ...args: never[]) {
    before?.();
    try {
      return orig.apply(this, args);
    } finally {
      after?.();
    }
  };
}

/**
 * The arrival wrapper: counters before and after, the stamps of the frame in between. The frame's
 * time starts when the wrapped method is entered, or (startsAtEvent) at the recvNs of the book event
 * it hands the engine (wrapBookEvent), as the in-process figure does.
 */
function wrapArrival(proto: object, name: string, startsAtEvent = false): void {
  const target = proto as Record<string, Method>;
  const orig = target[name];
  if (typeof orig !== "function") throw new Error(`no ${name}`);
  target[name] = function (this: unknown, ...args: never[]) {
    if (!measuring) return orig.apply(this, args);
    const heap0 = heapSize();
    const ru0 = process.resourceUsage();
    const stages = new Float64Array(STAGES.length);
    current = stages;
    frameNs = Bun.nanoseconds();
    startAtEvent = startsAtEvent;
    const gapBeforeUs = lastHandlerEndNs === 0 ? -1 : (frameNs - lastHandlerEndNs) / 1000;
    const sinceKeepWarmUs = (frameNs - lastKeepWarmEndNs) / 1000;
    try {
      return orig.apply(this, args);
    } finally {
      stages[S.handlerEnd] = Bun.nanoseconds() - frameNs;
      lastHandlerEndNs = Bun.nanoseconds();
      current = undefined;
      const ru1 = process.resourceUsage();
      if ((stages[S.written] ?? 0) > 0)
        records.push({
          stages,
          heapShrank: heapSize() < heap0,
          involuntarySwitches: ru1.involuntaryContextSwitches - ru0.involuntaryContextSwitches,
          minorFaults: ru1.minorPageFault - ru0.minorPageFault,
          sinceKeepWarmUs,
          gapBeforeUs,
        });
    }
  };
}

/** The engine's venue-event entry: a book event of the current frame moves its start to its recvNs. */
function wrapBookEvent(): void {
  const target = Engine.prototype as unknown as { onVenueEvent(ev: VenueEvent): void };
  const orig = target.onVenueEvent;
  target.onVenueEvent = function (this: Engine, ev: VenueEvent): void {
    if (startAtEvent && current !== undefined && ev.type === "book") {
      frameNs = ev.recvNs;
      startAtEvent = false;
    }
    orig.call(this, ev);
  };
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((q / 100) * s.length))] ?? Number.NaN;
}

/** Median of each stage's increment over the previous reached stage, µs. */
function stageProfile(rs: FrameRecord[]): string {
  const parts: string[] = [];
  for (let i = 0; i < STAGES.length; i++) {
    const d = rs.map((r) => {
      const at = r.stages[i] ?? 0;
      let prev = 0;
      for (let j = i - 1; j >= 0; j--)
        if ((r.stages[j] ?? 0) > 0) {
          prev = r.stages[j] ?? 0;
          break;
        }
      return at > 0 ? (at - prev) / 1000 : 0;
    });
    parts.push(`${STAGES[i]} ${quantile(d, 50).toFixed(1)}/${quantile(d, 90).toFixed(1)}`);
  }
  return parts.join("  ");
}

/** Which stage took the largest share of each slow frame, counted. */
function dominantStages(rs: FrameRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of rs) {
    let best = "";
    let bestD = -1;
    let prev = 0;
    for (let i = 0; i < S.written + 1; i++) {
      const at = r.stages[i] ?? 0;
      if (at === 0) continue;
      if (at - prev > bestD) {
        bestD = at - prev;
        best = STAGES[i] ?? "";
      }
      prev = at;
    }
    counts.set(best, (counts.get(best) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

function share(rs: FrameRecord[], f: (r: FrameRecord) => boolean): string {
  return rs.length === 0 ? "-" : `${((100 * rs.filter(f).length) / rs.length).toFixed(0)} %`;
}

function describe(name: string, rs: FrameRecord[]): void {
  console.log(`\n${name}: ${rs.length} frames`);
  if (rs.length === 0) return;
  console.log(`  stage increments p50/p90 µs: ${stageProfile(rs)}`);
  console.log(
    `  heap shrank (GC inside) ${share(rs, (r) => r.heapShrank)}; involuntary switch ${share(rs, (r) => r.involuntarySwitches > 0)}; ` +
      `minor faults ${share(rs, (r) => r.minorFaults > 0)}`,
  );
  const kw = rs.map((r) => r.sinceKeepWarmUs);
  const gap = rs.map((r) => r.gapBeforeUs).filter((g) => g >= 0);
  console.log(
    `  since keep-warm tick p10/p50/p90 µs: ${quantile(kw, 10).toFixed(0)}/${quantile(kw, 50).toFixed(0)}/${quantile(kw, 90).toFixed(0)}; ` +
      `idle before the frame p10/p50/p90 µs: ${quantile(gap, 10).toFixed(0)}/${quantile(gap, 50).toFixed(0)}/${quantile(gap, 90).toFixed(0)}`,
  );
}

/** The simulator as a child process and the Binance adapter over loopback, with the wire's stamps. */
async function wireVenue(config: Config, clock: SystemClock, rng: Rng): Promise<Venues> {
  const venues = await createConfiguredVenues(config, {
    clock,
    rng,
    log: silentLogger,
    simRateLimits: { ordersPer10s: 100000, requestWeightPerMinute: 1000000 },
  });
  const binance = venues.adapters.find((a) => a instanceof BinanceAdapter);
  if (!(binance instanceof BinanceAdapter)) throw new Error("the sim venue should run on the Binance adapter");
  wrapArrival(Object.getPrototypeOf(binance.marketData()) as object, "onArrival");
  wrap(DepthDecoder.prototype, "decode", undefined, () => mark("decoded"));
  wrap(BinanceAdapter.prototype, "submitOrder", () => mark("adapter"));
  wrap(
    WebSocket.prototype,
    "send",
    () => mark("send"),
    () => mark("written"),
  );
  return venues;
}

/**
 * The in-process row of tick-to-trade.bench.ts: the matching core (speed 4, agents on) and sim-direct,
 * each core update the adapter applies is a frame; its time starts at the book event's recvNs.
 */
function inProcessVenue(config: Config, clock: SystemClock): Venues {
  const { core, adapter } = tickToTradeInProcess(clock, config.engine.client_id_prefix);
  wrapArrival(SimDirectAdapter.prototype, "applyQueued", true);
  wrapBookEvent();
  wrap(SimDirectAdapter.prototype, "placeOrder", () => mark("adapter"));
  wrap(
    SimCore.prototype,
    "placeOrderTicks",
    () => mark("core"),
    () => mark("matched"),
  );
  wrap(Engine.prototype, "orderSent", () => mark("written"));
  core.start();
  return {
    adapters: [adapter],
    close: async () => {
      core.stop();
      await adapter.close();
    },
  };
}

/** The venues of a run and how to close them. */
interface Venues {
  readonly adapters: VenueAdapter[];
  close(): Promise<void>;
}

async function main(): Promise<void> {
  const clock = new SystemClock();
  const rng = new Rng("tick-to-trade");
  const { config } = parseConfig(
    tickToTradeConfig(KEEP_WARM_MS, BUSY_POLL, benchEngineCpu(process.env.HFT_ENGINE_CPU)),
    "stages.yaml",
    {
      env: {},
      strategies: strategyParamsSchema,
      strategyTypes: STRATEGY_TYPES,
    },
  );
  const venues = IN_PROCESS ? inProcessVenue(config, clock) : await wireVenue(config, clock, rng);
  wrap(Engine.prototype, "onBook", () => mark("engine"));
  wrap(Execution.prototype, "quote", () => mark("quote"));
  wrap(OrderManager.prototype, "submit", () => mark("oms"));
  wrap(
    KeepWarm.prototype,
    "tick",
    () => {
      const now = Bun.nanoseconds();
      if (measuring && keepWarmStartNs > 0) keepWarmPeriodsUs.push((now - keepWarmStartNs) / 1000);
      keepWarmStartNs = now;
    },
    () => {
      lastKeepWarmEndNs = Bun.nanoseconds();
      if (measuring) keepWarmTicksUs.push((lastKeepWarmEndNs - keepWarmStartNs) / 1000);
    },
  );
  const engine = new Engine({ config, clock, rng, adapters: venues.adapters, sampleCapacity: 1 << 20 });
  await engine.start();
  await Bun.sleep(WARMUP_S * 1000);
  measuring = true;
  await Bun.sleep(SECONDS * 1000);
  measuring = false;
  await engine.stop("diagnostic done");
  await venues.close();
  const written = records.map((r) => (r.stages[S.written] ?? 0) / 1000);
  console.log(
    `${records.length} frames with an order written in ${SECONDS} s; first write p50 ${quantile(written, 50).toFixed(1)} ` +
      `p90 ${quantile(written, 90).toFixed(1)} p99 ${quantile(written, 99).toFixed(1)} µs (with the probes' cost)`,
  );
  const slow = records.filter((r) => (r.stages[S.written] ?? 0) / 1000 >= SLOW_US);
  const fast = records.filter((r) => (r.stages[S.written] ?? 0) / 1000 < SLOW_US);
  const q3 = (xs: number[]): string => [10, 50, 90].map((q) => quantile(xs, q).toFixed(0)).join("/");
  console.log(
    `keep-warm (${BUSY_POLL ? "busy-polling" : `every ${KEEP_WARM_MS} ms`}): ${keepWarmPeriodsUs.length} ticks; ` +
      `tick to tick p10/p50/p90 µs ${q3(keepWarmPeriodsUs)}; one tick takes p10/p50/p90 µs ${q3(keepWarmTicksUs)}`,
  );
  describe(`fast (< ${SLOW_US} µs)`, fast);
  describe(`slow (>= ${SLOW_US} µs)`, slow);
  console.log(`  slow frames by dominant stage: ${dominantStages(slow)}`);
  describe(
    `first of a burst (idle >= ${BURST_IDLE_US} µs before it)`,
    records.filter((r) => r.gapBeforeUs >= BURST_IDLE_US),
  );
}

await main();
