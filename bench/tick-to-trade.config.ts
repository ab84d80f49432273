/**
 * The engine config of the tick-to-trade bench, in one place so a test can hold it to what the bench
 * needs: a quote that follows every top-of-book change on four symbols and never stalls. The
 * strategy must keep quoting at its position cap: there the side that would add is full, so the side
 * that reduces must keep at least min_profit of edge after the inventory skew moved it towards fair
 * (spread/2 − inventory_skew ≥ min_profit). With inventory_skew = spread/2 it lands on fair, the
 * min_profit rule drops it, and at the cap the engine quotes nothing at all (bench/RESULTS.md, "Why
 * only some frames led to orders").
 */

import { allowedCpus } from "../src/book/index.ts";
import type { Clock } from "../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";

/** Symbols the bench quotes: four books at 10 depth frames/s each over loopback. */
export const TICK_TO_TRADE_SYMBOLS = ["BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"] as const;

/**
 * The engine config YAML of a run (keep-warm period, busy-poll and the engine's CPU as the bench's
 * environment sets them). With engineCpu set the engine's event loop is pinned there and the
 * simulator child kept off it (engine.cpu): unpinned, the first order write after the simulator went
 * idle woke it onto the engine's core, preempting the engine inside its handler (bench/RESULTS.md).
 */
export function tickToTradeConfig(keepWarmMs: number, busyPoll: boolean, engineCpu: number | null = null): string {
  return `
engine:
  client_id_prefix: ttt1
  status_interval_ms: 3600000
  keep_warm_ms: ${keepWarmMs}
  busy_poll: ${busyPoll}
  cpu: ${engineCpu ?? "null"}
venues:
  - name: sim
    type: sim
    symbols: [${TICK_TO_TRADE_SYMBOLS.join(", ")}]
simulator:
  seed: tick-to-trade
  speed: 4
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters:
    spread: 0.00004
    max_position: 0.05
    min_profit: 0.000005
    order_size: 0.005
    levels: 1
    inventory_skew: 0.00001
    refresh_tolerance: 0
    refresh_tolerance_ticks: 0
risk:
  max_position_base: 0.1
  max_orders_per_second: 1000
  max_cancels_per_second: 1000
  max_open_orders: 50
http:
  enabled: false
`;
}

/** The engine CPU a bench run pins to: HFT_ENGINE_CPU, "none" for none, default the last allowed CPU of two or more. */
export function benchEngineCpu(env: string | undefined): number | null {
  if (env === "none") return null;
  if (env !== undefined && env !== "") {
    const cpu = Number(env);
    if (!Number.isInteger(cpu) || cpu < 0)
      throw new Error(`HFT_ENGINE_CPU: expected a CPU number or "none", got ${env}`);
    return cpu;
  }
  const cpus = allowedCpus();
  return cpus.length >= 2 ? (cpus[cpus.length - 1] ?? null) : null;
}

/** The engine's account on the in-process benches' sim-direct venue: balances no quote ever runs out of. */
export function benchSimDirect(core: SimCore, clock: Clock, clientIdPrefix: string): SimDirectAdapter {
  return new SimDirectAdapter({
    name: "sim",
    core,
    clock,
    accountId: "engine",
    balances: { USDT: "1000000", BTC: "10", ETH: "100", SOL: "1000", BNB: "100" },
    fees: { maker: "0", taker: "0.001" },
    clientIdPrefix,
  });
}

/**
 * The in-process venue of tick-to-trade.bench.ts and its stage breakdown: the matching core on the
 * bench's symbols (speed 4, agents on) and sim-direct on it.
 */
export function tickToTradeInProcess(
  clock: Clock,
  clientIdPrefix: string,
): { core: SimCore; adapter: SimDirectAdapter } {
  const core = new SimCore({
    clock,
    seed: "tick-to-trade",
    symbols: DEFAULT_SYMBOLS.filter((s) => TICK_TO_TRADE_SYMBOLS.some((t) => t.replace("-", "") === s.symbol)),
    speed: 4,
  });
  return { core, adapter: benchSimDirect(core, clock, clientIdPrefix) };
}
