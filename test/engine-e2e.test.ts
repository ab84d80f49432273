/**
 * End to end over real sockets: the engine with the Binance adapter against the simulator (in
 * process, real time) for a few seconds. Quotes must rest on the venue, at least one fill must
 * arrive, and a graceful shutdown must leave no open order on the simulator.
 */
import { expect, test } from "bun:test";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { SystemClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { startSim } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { createBinanceAdapter } from "../src/venues/binance/index.ts";
import { eventually, WAIT_MS } from "./support/wait.ts";

const CONFIG = `
engine:
  client_id_prefix: e2e1
  shutdown_timeout_ms: 5000
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT, ETH-USDT]
simulator:
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters:
    spread: 0.00002
    max_position: 0.05
    min_profit: 0.000005
    order_size: 0.005
    levels: 2
    level_spacing: 0.00002
    inventory_skew: 0.00002
    refresh_tolerance: 0.00003
risk:
  max_position_base: 0.1
  symbols:
    ETH-USDT: { max_position_base: 2, max_order_base: 0.5 }
http:
  enabled: false
`;

const waitFor = (cond: () => boolean | Promise<boolean>, ms = WAIT_MS): Promise<boolean> => eventually(cond, ms);

test("engine + Binance adapter + simulator over loopback: quotes rest, fills arrive, shutdown leaves nothing open", async () => {
  const seed = "e2e-1";
  const clock = new SystemClock();
  const sim = await startSim({
    seed,
    speed: 4,
    symbols: ["BTCUSDT", "ETHUSDT"],
    accounts: [
      {
        apiKey: "e2eKey0123456789e2eKey0123456789e2eKey0123456789e2eKey0123456789",
        apiSecret: "e2eSecret",
        accountId: "engine",
        fees: { maker: "0", taker: "0.001" },
      },
    ],
  });
  const rng = new Rng(seed);
  const { config } = parseConfig(CONFIG, "engine-e2e.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const adapter = createBinanceAdapter({
    name: "sim",
    apiKey: "e2eKey0123456789e2eKey0123456789e2eKey0123456789e2eKey0123456789",
    apiSecret: "e2eSecret",
    restUrl: sim.restUrl,
    streamUrl: sim.streamUrl,
    wsApiUrl: sim.wsApiUrl,
    symbols: ["BTC-USDT", "ETH-USDT"],
    clientIdPrefix: config.engine.client_id_prefix,
    clock,
    rng: rng.fork("adapter"),
  });
  const metrics = createEngineMetrics({ processMetrics: false });
  const engine = new Engine({ config, clock, rng, adapters: [adapter], metrics });
  try {
    await engine.start();
    const rested = await waitFor(() => sim.exchange.openOrders("engine").length >= 2, 20_000);
    expect(`${seed}: quotes resting on the simulator ${rested}`).toBe(`${seed}: quotes resting on the simulator true`);
    const filled = await waitFor(() => engine.counters.fills > 0, 60_000);
    expect(`${seed}: fills ${engine.counters.fills} (${filled})`).toBe(
      `${seed}: fills ${engine.counters.fills} (true)`,
    );
    // tick-to-trade is measured inside the engine and reaches the metrics histogram
    const measured = await waitFor(() => engine.tickToTrade.count > 0, 30_000);
    expect(`${seed}: tick-to-trade samples ${measured}`).toBe(`${seed}: tick-to-trade samples true`);
    const scrape = await metrics.scrape();
    const count = Number(/hft_tick_to_trade_seconds_count\{venue="sim"\} (\d+)/.exec(scrape)?.[1] ?? "0");
    expect(`${seed}: histogram count ${count > 0}`).toBe(`${seed}: histogram count true`);
    // a sequence gap on one symbol is counted for that symbol only, and the book comes back live
    const gaps = (text: string, symbol: string) =>
      Number(new RegExp(`hft_book_gaps_total\\{venue="sim",symbol="${symbol}"\\} (\\d+)`).exec(text)?.[1] ?? "0");
    const before = await metrics.scrape();
    sim.admin.dropDepthEvent("ETHUSDT");
    const counted = await waitFor(
      async () => gaps(await metrics.scrape(), "ETH-USDT") > gaps(before, "ETH-USDT"),
      20_000,
    );
    const after = await metrics.scrape();
    expect({ seed, counted, btc: gaps(after, "BTC-USDT") }).toEqual({
      seed,
      counted: true,
      btc: gaps(before, "BTC-USDT"),
    });
    expect(await waitFor(() => adapter.bookHealth("ETH-USDT") === "live", 20_000), `${seed}: ETH book live again`).toBe(
      true,
    );
    const report = await engine.stop("test done");
    expect({ seed, ...report, durationMs: 0 }).toEqual({
      seed,
      reason: "test done",
      openOrders: 0,
      inFlight: 0,
      venueOpenOrders: 0,
      durationMs: 0,
    });
    expect({ seed, open: sim.exchange.openOrders("engine").length }).toEqual({ seed, open: 0 });
    expect({ seed, errors: engine.counters.eventErrors }).toEqual({ seed, errors: 0 });
  } finally {
    if (engine.state !== "stopped") await engine.stop("cleanup").catch(() => {});
    await sim.close();
  }
}, 120_000);
