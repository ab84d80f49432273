/**
 * A live engine run against the simulator's matching core (sim-direct, virtual clock) with
 * engine.record on: the recording the backtest tests replay, and the live fills they compare with.
 */
import { Engine, parseConfig } from "../../src/engine/index.ts";
import type { FillEvent } from "../../src/execution/index.ts";
import { Rng, VirtualClock } from "../../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../../src/strategy/index.ts";
import { SimDirectAdapter } from "../../src/venues/sim-direct/index.ts";
import { drive, flush, STEP_MS } from "./virtual-time.ts";

/**
 * The config both the live run and its backtest use (the backtest reads fill_model and backtest); the
 * live run adds engine.record (a backtest refuses it: it replays recordings, it does not make them).
 */
export function recordedRunConfig(dir: string, extra = "", record = false): string {
  return `
engine:
  client_id_prefix: bt1
${record ? `  record: { dir: ${JSON.stringify(dir)}, snapshot_interval_s: 60 }\n` : ""}venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT]
simulator:
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters:
    spread: 0.0001
    max_position: 0.02
    min_profit: 0
    order_size: 0.002
    levels: 1
    inventory_skew: 0.00005
    refresh_tolerance: 0.00015
risk:
  max_position_base: 0.05
  max_position_notional: 10000
  max_order_base: 0.05
  max_order_notional: 5000
  price_band_bps: 100
  max_orders_per_second: 4
  max_cancels_per_second: 40
  max_open_orders: 20
  daily_loss_limit: 500
fill_model:
  order_latency_ms: { entry: 2, response: 2 }
  balances: { USDT: 100000, BTC: 1 }
http: { enabled: false }
${extra}`;
}

/** Parses a test config with the strategies' own parameter schemas. */
export function testConfig(text: string) {
  return parseConfig(text, "backtest.test.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  }).config;
}

/** One fill with its virtual time. */
export interface TimedFill {
  readonly atMs: number;
  readonly side: number;
  readonly priceTicks: number;
  readonly lots: number;
  readonly maker: boolean;
}

/** One order the engine sent, with its virtual time. */
export interface RunOrder {
  readonly atMs: number;
  readonly side: number;
  readonly priceTicks: number;
  readonly lots: number;
}

/** What a live run did: its fills and the orders it sent, and when it began to stop (epoch ms). */
export interface LiveRun {
  readonly fills: TimedFill[];
  readonly orders: RunOrder[];
  readonly stopMs: number;
}

/** Runs the engine live on the simulator core for `minutes`, recording into dir; returns its fills and orders. */
export async function recordLiveRun(dir: string, seed: string, minutes: number): Promise<LiveRun> {
  const config = testConfig(recordedRunConfig(dir, "", true));
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const core = new SimCore({ clock, seed, symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT") });
  const adapter = new SimDirectAdapter({
    name: "sim",
    core,
    clock,
    accountId: "engine",
    balances: { USDT: "100000", BTC: "1" },
    fees: { maker: "0", taker: "0.001" },
    clientIdPrefix: "bt1",
    marketDataMs: 1,
    orderEntryMs: 2,
  });
  core.start();
  const fills: TimedFill[] = [];
  const orders: RunOrder[] = [];
  const engine = new Engine({
    config,
    clock,
    rng: new Rng(seed),
    adapters: [adapter],
    orders: { submitTimeoutMs: 2000, cancelTimeoutMs: 2000, statusRetryMs: 200 },
    onFill: (f: FillEvent) =>
      fills.push({ atMs: clock.nowMs(), side: f.side, priceTicks: f.priceTicks, lots: f.lots, maker: f.isMaker }),
    onOrderSent: (_venue, r) =>
      orders.push({ atMs: clock.nowMs(), side: r.side, priceTicks: r.priceTicks, lots: r.lots }),
  });
  await drive(clock, engine.start());
  const end = clock.nowMs() + minutes * 60_000;
  while (clock.nowMs() < end) {
    clock.advance(STEP_MS);
    await flush();
  }
  const stopMs = clock.nowMs();
  await drive(clock, engine.stop("end of live run"));
  core.stop();
  await flush();
  return { fills, orders, stopMs };
}
