/**
 * Issue #11, item 1, end to end over real sockets: the engine with the Binance adapter against the
 * simulator (in process, real time). The market connection stays open but stops delivering (the
 * simulator's silence knob), or one symbol's depth stream freezes while its bookTicker moves on. The
 * book must go stale within the configured bound (staleness.suspect_after_ms + probe_timeout_ms,
 * plus slack for a loaded machine), quoting on it must stop at once (no new order, resting ones
 * cancelled), the check that fired must be counted, and everything must come back by itself.
 */
import { afterEach, expect, test } from "bun:test";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { SystemClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { type RunningSim, startSim } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import type { BookHealth, OrderRequest } from "../src/types/index.ts";
import { type BinanceAdapter, createBinanceAdapter } from "../src/venues/binance/index.ts";
import { eventually } from "./support/wait.ts";

const KEY = "staleKey0123456789staleKey0123456789staleKey0123456789staleKey01";
const SECRET = "staleSecret";
/** Slack on the configured bound: timers on a loaded 2-core machine fire late, not seconds late. */
const MARGIN_MS = 4000;

const CONFIG = `
engine:
  client_id_prefix: stl1
  shutdown_timeout_ms: 5000
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT, ETH-USDT]
    staleness: { suspect_after_ms: 1000, probe_timeout_ms: 1000, max_book_age_ms: 3000 }
simulator:
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.00002, max_position: 0.05, min_profit: 0.000005, order_size: 0.005, levels: 1 }
risk:
  max_position_base: 0.1
  symbols:
    ETH-USDT: { max_position_base: 2, max_order_base: 0.5 }
http:
  enabled: false
`;

let running: { engine: Engine; sim: RunningSim } | undefined;
afterEach(async () => {
  await running?.engine.stop("test over").catch(() => undefined);
  await running?.sim.close();
  running = undefined;
});

/** What happened to one symbol, in order: orders sent and health changes, with wall time. */
type Happening = { kind: "sent" | BookHealth; symbol: string; atMs: number; check?: string };

async function setup(seed: string) {
  const clock = new SystemClock();
  const sim = await startSim({
    seed,
    speed: 4,
    symbols: ["BTCUSDT", "ETHUSDT"],
    accounts: [{ apiKey: KEY, apiSecret: SECRET, accountId: "engine", fees: { maker: "0", taker: "0.001" } }],
  });
  const { config } = parseConfig(CONFIG, "stale-feed.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const vc = config.venues[0];
  if (vc === undefined) throw new Error("no venue");
  const rng = new Rng(seed);
  const adapter: BinanceAdapter = createBinanceAdapter({
    name: "sim",
    apiKey: KEY,
    apiSecret: SECRET,
    restUrl: sim.restUrl,
    streamUrl: sim.streamUrl,
    wsApiUrl: sim.wsApiUrl,
    symbols: ["BTC-USDT", "ETH-USDT"],
    clientIdPrefix: config.engine.client_id_prefix,
    clock,
    rng: rng.fork("adapter"),
    backoff: { baseMs: 100, maxMs: 1000, factor: 2 },
    staleness: { suspectAfterMs: vc.staleness.suspect_after_ms, probeTimeoutMs: vc.staleness.probe_timeout_ms },
  });
  const happened: Happening[] = [];
  adapter.onEvent((e) => {
    if (e.type === "book_health")
      happened.push({ kind: e.health, symbol: e.symbol, atMs: Date.now(), ...(e.check ? { check: e.check } : {}) });
  });
  const metrics = createEngineMetrics({ processMetrics: false });
  const engine = new Engine({
    config,
    clock,
    rng,
    adapters: [adapter],
    metrics,
    onOrderSent: (_venue, req: OrderRequest) => happened.push({ kind: "sent", symbol: req.symbol, atMs: Date.now() }),
  });
  running = { engine, sim };
  const bound = vc.staleness.suspect_after_ms + vc.staleness.probe_timeout_ms + MARGIN_MS;
  const resting = (symbol: string) => sim.exchange.openOrders("engine", symbol.replace("-", "")).length;
  return { sim, adapter, engine, metrics, happened, bound, resting };
}

test("a silent market connection: stale within the bound, quoting stops at once, all back by itself", async () => {
  const seed = "stale-feed-silence";
  const { sim, adapter, engine, metrics, happened, bound, resting } = await setup(seed);
  await engine.start();
  expect(await eventually(() => resting("BTC-USDT") > 0, 20_000), `${seed}: quoting`).toBe(true);
  const t0 = Date.now();
  sim.admin.silence(["market"], true); // the socket stays open; nothing comes over it
  const staleAt = () => happened.find((h) => h.atMs >= t0 && h.symbol === "BTC-USDT" && h.kind === "stale");
  await eventually(() => staleAt() !== undefined, bound + 30_000);
  const stale = staleAt();
  const took = (stale?.atMs ?? Number.POSITIVE_INFINITY) - t0;
  expect({ seed, detectedWithinBound: took <= bound, took, check: stale?.check }).toEqual({
    seed,
    detectedWithinBound: true,
    took,
    check: "probe_unanswered",
  });
  // quoting on the stale books stops: resting orders cancelled (order entry still works), none sent
  expect(await eventually(() => resting("BTC-USDT") + resting("ETH-USDT") === 0, 20_000), seed).toBe(true);
  const sentWhileStale = happened.filter((h) => h.kind === "sent" && h.atMs > (stale?.atMs ?? 0));
  expect({ seed, sentWhileStale: sentWhileStale.length }).toEqual({ seed, sentWhileStale: 0 });
  expect(await metrics.scrape()).toMatch(
    /hft_book_stale_total\{venue="sim",symbol="BTC-USDT",check="probe_unanswered"\} [1-9]/,
  );
  sim.admin.silence(["market"], false);
  expect(await eventually(() => adapter.bookHealth("BTC-USDT") === "live", 30_000), `${seed}: live again`).toBe(true);
  expect(await eventually(() => resting("BTC-USDT") > 0, 30_000), `${seed}: quoting again`).toBe(true);
}, 120_000);

test("a frozen depth stream on one symbol: that book goes stale within the bound, the other keeps quoting", async () => {
  const seed = "stale-feed-frozen";
  const { sim, adapter, engine, metrics, happened, bound, resting } = await setup(seed);
  await engine.start();
  expect(await eventually(() => resting("BTC-USDT") > 0 && resting("ETH-USDT") > 0, 20_000), seed).toBe(true);
  const t0 = Date.now();
  sim.admin.freezeStream("BTCUSDT", "depth", true); // bookTicker, trades and control replies carry on
  const staleAt = () => happened.find((h) => h.atMs >= t0 && h.symbol === "BTC-USDT" && h.kind === "stale");
  await eventually(() => staleAt() !== undefined, bound + 30_000);
  const stale = staleAt();
  const took = (stale?.atMs ?? Number.POSITIVE_INFINITY) - t0;
  expect({ seed, detectedWithinBound: took <= bound, took, check: stale?.check }).toEqual({
    seed,
    detectedWithinBound: true,
    took,
    check: "stream_behind",
  });
  expect(await eventually(() => resting("BTC-USDT") === 0, 20_000), `${seed}: BTC quotes cancelled`).toBe(true);
  const btcSent = happened.filter((h) => h.kind === "sent" && h.symbol === "BTC-USDT" && h.atMs > (stale?.atMs ?? 0));
  expect({ seed, btcSentWhileStale: btcSent.length }).toEqual({ seed, btcSentWhileStale: 0 });
  expect({ seed, eth: adapter.bookHealth("ETH-USDT"), ethResting: resting("ETH-USDT") > 0 }).toEqual({
    seed,
    eth: "live",
    ethResting: true,
  });
  expect(await metrics.scrape()).toMatch(
    /hft_book_stale_total\{venue="sim",symbol="BTC-USDT",check="stream_behind"\} [1-9]/,
  );
  sim.admin.freezeStream("BTCUSDT", "depth", false);
  expect(await eventually(() => adapter.bookHealth("BTC-USDT") === "live", 30_000), `${seed}: live again`).toBe(true);
  expect(await eventually(() => resting("BTC-USDT") > 0, 30_000), `${seed}: quoting again`).toBe(true);
}, 120_000);
