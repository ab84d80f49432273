/**
 * The engine's metrics tell the truth about a real adapter over real sockets (the Binance adapter
 * against the simulator, in process, real time): a clean start counts no reconnect and no resync
 * (neither the engine's series nor the adapter's own counter); one dropped market connection counts
 * one reconnect and one resync per book; a 5xx after placing is settled by a status query and counted
 * and logged once; refusals at submit time reach the rejection series; and the engine's gap and
 * crossed-book series agree with the adapter's counters.
 */
import { expect, test } from "bun:test";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { createLogger, Rng, SystemClock } from "../src/services/index.ts";
import { startSim } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { createBinanceAdapter } from "../src/venues/binance/index.ts";
import { waitUntil } from "./support/wait.ts";

const SEED = process.env.SEED ?? "binance-metrics-1";
const API_KEY = "bmtKey0123456789bmtKey0123456789bmtKey0123456789bmtKey0123456789";
const API_SECRET = "bmtSecret";

// Tight quotes on a 4× simulator: orders flow within a second (as in test/engine-e2e.test.ts).
const CONFIG = `
engine:
  client_id_prefix: bmt1
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

/** Sum of every sample of a family whose label text contains all of `parts`. */
function total(text: string, family: string, ...parts: string[]): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${family}{`) || !parts.every((p) => line.includes(p))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

test("Binance adapter: reconnects, resyncs, unknown outcomes, rejections, gaps and crossed books count what happened", async () => {
  const clock = new SystemClock();
  const sim = await startSim({
    seed: SEED,
    speed: 4,
    symbols: ["BTCUSDT", "ETHUSDT"],
    accounts: [{ apiKey: API_KEY, apiSecret: API_SECRET, accountId: "engine", fees: { maker: "0", taker: "0.001" } }],
  });
  const rng = new Rng(SEED);
  const { config } = parseConfig(CONFIG, "binance-metrics.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const adapter = createBinanceAdapter({
    name: "sim",
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    restUrl: sim.restUrl,
    streamUrl: sim.streamUrl,
    wsApiUrl: sim.wsApiUrl,
    symbols: ["BTC-USDT", "ETH-USDT"],
    clientIdPrefix: config.engine.client_id_prefix,
    clock,
    rng: rng.fork("adapter"),
    backoff: { baseMs: 50, maxMs: 500, factor: 2 },
  });
  const lines: string[] = [];
  const log = createLogger({ write: (line) => lines.push(line) });
  const metrics = createEngineMetrics({ processMetrics: false });
  const engine = new Engine({ config, clock, rng, adapters: [adapter], metrics, log });
  const scrape = () => metrics.scrape();
  const context = () => `seed ${SEED}; adapter ${JSON.stringify(adapter.stats())}`;
  try {
    await engine.start();
    await waitUntil(() => sim.exchange.openOrders("engine").length >= 2, "quotes resting", undefined, context);
    let text = await scrape();
    expect({
      seed: SEED,
      reconnects: total(text, "hft_venue_reconnects_total", 'venue="sim"'),
      resyncs: total(text, "hft_book_resyncs_total", 'venue="sim"'),
      adapterResyncs: adapter.stats()["md_resyncs"],
    }).toEqual({ seed: SEED, reconnects: 0, resyncs: 0, adapterResyncs: 0 });

    // one market connection lost: one reconnect, one resync per book
    sim.admin.closeConnections("market", "abrupt");
    await waitUntil(
      async () =>
        total(await scrape(), "hft_venue_reconnects_total", 'venue="sim"') === 1 &&
        adapter.bookHealth("BTC-USDT") === "live" &&
        adapter.bookHealth("ETH-USDT") === "live",
      "the market stream to reconnect and both books to be live again",
      undefined,
      context,
    );
    text = await scrape();
    expect({
      seed: SEED,
      btc: total(text, "hft_book_resyncs_total", 'symbol="BTC-USDT"'),
      eth: total(text, "hft_book_resyncs_total", 'symbol="ETH-USDT"'),
      adapterResyncs: adapter.stats()["md_resyncs"],
    }).toEqual({ seed: SEED, btc: 1, eth: 1, adapterResyncs: 2 });

    // a 5xx after the venue placed an order: settled by a status query, counted and logged once
    sim.admin.failAfterPlace(503, 1);
    await waitUntil(
      async () => total(await scrape(), "hft_order_unknown_outcomes_total", 'venue="sim"') >= 1,
      "the unknown outcome to be settled",
      undefined,
      context,
    );
    // every settlement counted is logged once; one of them is the 503 (a loaded machine may add a slow submit)
    const settled = lines.filter((l) => l.includes("unknown order outcome sim "));
    const after503 = settled.filter((l) => l.includes("status 503"));
    expect({
      seed: SEED,
      logged: settled.length,
      counted: total(await scrape(), "hft_order_unknown_outcomes_total"),
      after503: after503.length,
    }).toEqual({ seed: SEED, logged: settled.length, counted: settled.length, after503: 1 });
    // the venue has the order: open, or already filled or cancelled by a requote (its ack raced the 503 on the stream)
    expect(after503[0]).toMatch(/ bmt1-\S+: (open|filled|canceled) /);

    // refusals at submit time reach the rejection series and the log (post-only would_take refusals may
    // come and go meanwhile: the series and the order manager agree on them too)
    const poorBefore = total(await scrape(), "hft_orders_rejected_total", 'reason="insufficient_balance"');
    sim.admin.rejectNextOrder(-2010, "Account has insufficient balance for requested action.", 2);
    await waitUntil(
      async () => total(await scrape(), "hft_orders_rejected_total", 'reason="insufficient_balance"') >= poorBefore + 2,
      "two refusals",
      undefined,
      context,
    );
    text = await scrape();
    expect({
      seed: SEED,
      poor: total(text, "hft_orders_rejected_total", 'reason="insufficient_balance"') - poorBefore,
      all: total(text, "hft_orders_rejected_total", 'venue="sim"'),
      logged: lines.some((l) => l.includes("order rejected sim ") && l.includes("insufficient balance")),
    }).toEqual({ seed: SEED, poor: 2, all: engine.desk.oms.stats.rejected, logged: true });

    // the engine's per-symbol gap and crossed-book series add up to the adapter's own counters
    sim.admin.dropDepthEvent("ETHUSDT");
    await waitUntil(
      async () =>
        total(await scrape(), "hft_book_gaps_total", 'venue="sim"') >= 1 && adapter.bookHealth("ETH-USDT") === "live",
      "the gap to be counted and the book live again",
      undefined,
      context,
    );
    text = await scrape();
    const stats = adapter.stats();
    expect({
      seed: SEED,
      gaps: total(text, "hft_book_gaps_total", 'venue="sim"'),
      crossed: total(text, "hft_book_crossed_total", 'venue="sim"'),
    }).toEqual({ seed: SEED, gaps: stats["md_gaps"] ?? -1, crossed: stats["md_crossedRejected"] ?? -1 });

    // one frame with a bad level is one malformed frame, not one per adapter counter that saw it
    const malformedBefore = total(text, "hft_venue_messages_malformed_total", 'venue="sim"');
    // The book has just resynced: the first stream event after its snapshot may lie wholly inside it and
    // is skipped unread, so a corrupted one would never be seen. Corrupt only once an event past the
    // snapshot has been applied (as the adapter's gap test does).
    let ethApplied = false;
    const off = adapter.onEvent((e) => {
      if (e.type === "book" && e.symbol === "ETH-USDT" && !e.snapshot) ethApplied = true;
    });
    await waitUntil(() => ethApplied, "an ETH-USDT stream event past the snapshot", undefined, context);
    off();
    sim.admin.corruptMarketFrame("ETHUSDT", "depth", "decimals", { field: "price" });
    await waitUntil(
      async () =>
        total(await scrape(), "hft_venue_messages_malformed_total", 'venue="sim"') > malformedBefore &&
        adapter.bookHealth("ETH-USDT") === "live",
      "the bad frame to be counted and the book live again",
      undefined,
      context,
    );
    expect({
      seed: SEED,
      malformed: total(await scrape(), "hft_venue_messages_malformed_total", 'venue="sim"') - malformedBefore,
    }).toEqual({ seed: SEED, malformed: 1 });
  } finally {
    await engine.stop("test done").catch(() => {});
    await sim.close();
  }
}, 120_000);
