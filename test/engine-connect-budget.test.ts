/**
 * An engine started while its Binance venue's minute weight is spent: the start waits (it does not fail),
 * the wait shows on /metrics as hft_venue_budget_waits_total, and stopping the engine meanwhile (Ctrl-C)
 * ends the start at once with an error naming the venue and the wait. The simulator and the adapter share
 * a virtual clock the test never moves, so the venue's window never rolls: "at once" cannot be the
 * window ending.
 */
import { expect, test } from "bun:test";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { createLogger, Rng, SystemClock, VirtualClock } from "../src/services/index.ts";
import { startSim } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { createBinanceAdapter } from "../src/venues/binance/index.ts";
import { waitUntil } from "./support/wait.ts";

const SEED = process.env.SEED ?? "engine-connect-budget";

const CONFIG = `
engine:
  client_id_prefix: ecb1
  shutdown_timeout_ms: 2000
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT]
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.002, max_position: 0.05, min_profit: 0.0001, order_size: 0.005 }
http:
  enabled: false
`;

test("a start held by a spent weight budget is counted on /metrics and ends at once when the engine stops", async () => {
  const venueClock = new VirtualClock(Date.UTC(2026, 0, 5, 12, 0, 30));
  const sim = await startSim({
    seed: SEED,
    symbols: ["BTCUSDT"],
    clock: venueClock,
    agents: false,
    rateLimits: { requestWeightPerMinute: 200 },
  });
  for (let used = 0; used < 150; ) {
    const res = await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=100`); // weight 5
    used = Number(res.headers.get("x-mbx-used-weight-1m"));
  }
  const { config } = parseConfig(CONFIG, "engine-connect-budget.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const lines: string[] = [];
  const log = createLogger({ write: (line) => lines.push(line) });
  const adapter = createBinanceAdapter({
    name: "sim",
    apiKey: sim.apiKey,
    apiSecret: sim.apiSecret,
    restUrl: sim.restUrl,
    streamUrl: sim.streamUrl,
    wsApiUrl: sim.wsApiUrl,
    symbols: ["BTC-USDT"],
    clientIdPrefix: config.engine.client_id_prefix,
    clock: venueClock,
    rng: new Rng(SEED),
    log,
  });
  const metrics = createEngineMetrics({ processMetrics: false });
  const engine = new Engine({
    config,
    clock: new SystemClock(),
    rng: new Rng(SEED),
    adapters: [adapter],
    metrics,
    log,
  });
  let startError: unknown = "pending";
  engine.start().then(
    () => {
      startError = undefined;
    },
    (e: unknown) => {
      startError = e;
    },
  );
  const context = () => `seed ${SEED}; start ${String(startError)}; adapter ${JSON.stringify(adapter.stats())}`;
  try {
    await waitUntil(
      async () => (await metrics.scrape()).includes('hft_venue_budget_waits_total{venue="sim"} 1'),
      "the wait to show on /metrics",
      undefined,
      context,
    );
    expect(startError, context()).toBe("pending");
    expect(lines.filter((l) => l.includes("waits") && l.includes("for rate-limit budget")).length).toBe(1);
    await engine.stop("SIGINT");
    await waitUntil(
      () => startError !== "pending",
      "the start to end with the venue clock standing still",
      undefined,
      context,
    );
    expect(String(startError)).toContain(
      "venue sim (binance): connect failed: sim: closed while WS API connection waited for rate-limit budget; never sent",
    );
  } finally {
    await engine.stop("test done").catch(() => {});
    await sim.close();
  }
}, 60_000);
