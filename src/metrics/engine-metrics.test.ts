import { describe, expect, test } from "bun:test";
import { register as globalRegistry } from "prom-client";
import { populateSynthetic } from "../../test/support/synthetic-metrics.ts";
import { VirtualClock } from "../services/index.ts";
import { createEngineMetrics, type MetricsSource } from "./index.ts";

/** Samples (series -> value) and metadata lines of an exposition, order-insensitive. */
function parseExposition(text: string): { samples: Map<string, number>; meta: string[] } {
  const samples = new Map<string, number>();
  const meta: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      meta.push(line);
      continue;
    }
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { samples, meta: meta.sort() };
}

/** Value of one exposition line selected by its exact series text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const emptySource: MetricsSource = {
  books: () => [],
  venues: () => [],
  positions: () => [],
  risk: () => ({ halted: false, killSwitchEngaged: false }),
  strategies: () => [],
};

describe("EngineMetrics", () => {
  test("hot handles are resolved once and cached", () => {
    const m = createEngineMetrics({ processMetrics: false });
    const a = m.forVenue("binance");
    expect(m.forVenue("binance")).toBe(a);
    expect(a.forSymbol("BTC-USDT")).toBe(m.forInstrument("binance", "BTC-USDT"));
    expect(a.forSymbol("BTC-USDT").bookUpdates).toBe(m.forInstrument("binance", "BTC-USDT").bookUpdates);
    expect(a.malformed("json")).toBe(a.malformed("json"));
    expect(a.forSymbol("BTC-USDT").rejected("filter")).toBe(a.forSymbol("BTC-USDT").rejected("filter"));
  });

  test("counters render with their labels and never go down", async () => {
    const m = createEngineMetrics({ processMetrics: false });
    const btc = m.forInstrument("binance", "BTC-USDT");
    btc.bookUpdates.inc();
    btc.bookUpdates.inc(4);
    btc.bookUpdates.inc(-3);
    btc.bookUpdates.inc(Number.NaN);
    btc.rejected("insufficient_balance").inc();
    m.forVenue("okx").malformed("schema").inc(2);
    m.forVenue("binance").budgetWaits.inc();
    const text = await m.scrape();
    expect(sample(text, 'hft_book_updates_total{venue="binance",symbol="BTC-USDT"}')).toBe(5);
    expect(
      sample(text, 'hft_orders_rejected_total{venue="binance",symbol="BTC-USDT",reason="insufficient_balance"}'),
    ).toBe(1);
    expect(sample(text, 'hft_venue_messages_malformed_total{venue="okx",reason="schema"}')).toBe(2);
    expect(sample(text, 'hft_venue_budget_waits_total{venue="binance"}')).toBe(1);
    expect(text).toContain("# TYPE hft_book_updates_total counter");
  });

  test("histograms export cumulative buckets in seconds from 1 µs", async () => {
    const m = createEngineMetrics({ processMetrics: false });
    const t2t = m.forVenue("binance").tickToTrade;
    t2t.observeNs(500); // ≤ 1 µs
    t2t.observeNs(3_000); // ≤ 5 µs
    t2t.observeNs(2e9); // beyond every bound: +Inf only
    t2t.observeNs(-1); // ignored
    const text = await m.scrape();
    expect(sample(text, 'hft_tick_to_trade_seconds_bucket{venue="binance",le="0.000001"}')).toBe(1);
    expect(sample(text, 'hft_tick_to_trade_seconds_bucket{venue="binance",le="0.0000025"}')).toBe(1);
    expect(sample(text, 'hft_tick_to_trade_seconds_bucket{venue="binance",le="0.000005"}')).toBe(2);
    expect(sample(text, 'hft_tick_to_trade_seconds_bucket{venue="binance",le="0.1"}')).toBe(2);
    expect(sample(text, 'hft_tick_to_trade_seconds_bucket{venue="binance",le="+Inf"}')).toBe(3);
    expect(sample(text, 'hft_tick_to_trade_seconds_count{venue="binance"}')).toBe(3);
    expect(sample(text, 'hft_tick_to_trade_seconds_sum{venue="binance"}')).toBeCloseTo(2.0000035, 9);
    expect(text).toContain("# TYPE hft_tick_to_trade_seconds histogram");
  });

  test("state gauges are read from the source at scrape time", async () => {
    const m = createEngineMetrics({ processMetrics: false });
    let halted = false;
    m.setSource({
      ...emptySource,
      books: () => [{ venue: "binance", symbol: "ETH-USDT", health: "stale" }],
      venues: () => [
        {
          venue: "binance",
          streams: [{ stream: "market", connected: false }],
          rateLimits: [{ limit: "orders_10s", headroomRatio: 0.25 }],
        },
      ],
      positions: () => [
        {
          venue: "binance",
          symbol: "ETH-USDT",
          currency: "USDT",
          positionBase: -0.5,
          notionalExposure: 1500,
          realizedPnl: 12.5,
          unrealizedPnl: -3,
        },
      ],
      risk: () => ({ halted, killSwitchEngaged: halted }),
      strategies: () => [{ name: "mm", state: "paused" }],
    });
    let text = await m.scrape();
    expect(sample(text, 'hft_book_health{venue="binance",symbol="ETH-USDT",state="stale"}')).toBe(1);
    expect(sample(text, 'hft_book_health{venue="binance",symbol="ETH-USDT",state="live"}')).toBe(0);
    expect(sample(text, 'hft_venue_connected{venue="binance",stream="market"}')).toBe(0);
    expect(sample(text, 'hft_rate_limit_headroom_ratio{venue="binance",limit="orders_10s"}')).toBe(0.25);
    expect(sample(text, 'hft_position{venue="binance",symbol="ETH-USDT"}')).toBe(-0.5);
    expect(sample(text, 'hft_notional_exposure{venue="binance",symbol="ETH-USDT",currency="USDT"}')).toBe(1500);
    expect(sample(text, 'hft_pnl_realized{venue="binance",symbol="ETH-USDT",currency="USDT"}')).toBe(12.5);
    expect(sample(text, 'hft_pnl_unrealized{venue="binance",symbol="ETH-USDT",currency="USDT"}')).toBe(-3);
    expect(sample(text, 'hft_strategy_state{strategy="mm",state="paused"}')).toBe(1);
    expect(sample(text, "hft_risk_halted")).toBe(0);
    halted = true;
    text = await m.scrape();
    expect(sample(text, "hft_risk_halted")).toBe(1);
    expect(sample(text, "hft_risk_kill_switch_engaged")).toBe(1);
  });

  test("unknown outcomes by result, crossed books per symbol, and each quoted side's state", async () => {
    const m = createEngineMetrics({ processMetrics: false });
    m.forVenue("okx").unknownOutcome("not_found").inc();
    m.forInstrument("okx", "BTC-USDT").bookCrossed.inc(2);
    let state = "fees_exceed_spread";
    m.setSource({
      ...emptySource,
      quoting: () => [
        { venue: "okx", symbol: "BTC-USDT", side: "bid", state },
        { venue: "okx", symbol: "BTC-USDT", side: "ask", state: "quoting" },
      ],
    });
    let text = await m.scrape();
    expect(sample(text, 'hft_order_unknown_outcomes_total{venue="okx",result="not_found"}')).toBe(1);
    expect(sample(text, 'hft_book_crossed_total{venue="okx",symbol="BTC-USDT"}')).toBe(2);
    const bid = (st: string) => `hft_strategy_quote_state{venue="okx",symbol="BTC-USDT",side="bid",state="${st}"}`;
    expect(sample(text, bid("fees_exceed_spread"))).toBe(1);
    expect(sample(text, 'hft_strategy_quote_state{venue="okx",symbol="BTC-USDT",side="ask",state="quoting"}')).toBe(1);
    state = "quoting"; // the old reason's series is gone from the next scrape (Prometheus marks it stale)
    text = await m.scrape();
    expect(sample(text, bid("fees_exceed_spread"))).toBeUndefined();
    expect(sample(text, bid("quoting"))).toBe(1);
  });

  test("a failing source drops its series but never breaks the scrape", async () => {
    const m = createEngineMetrics({ processMetrics: false });
    m.forVenue("binance").messages.inc();
    m.setSource({
      ...emptySource,
      positions: () => {
        throw new Error("engine state torn");
      },
    });
    const text = await m.scrape();
    expect(sample(text, 'hft_venue_messages_total{venue="binance"}')).toBe(1);
    expect(text).not.toContain("hft_position{");
    expect(sample(text, "hft_risk_halted")).toBe(0);
  });

  test("registries are private: two instances and the global registry stay apart", async () => {
    const a = createEngineMetrics({ processMetrics: false });
    const b = createEngineMetrics({ processMetrics: false });
    a.forVenue("x").messages.inc(7);
    expect(sample(await a.scrape(), 'hft_venue_messages_total{venue="x"}')).toBe(7);
    expect(await b.scrape()).not.toContain('venue="x"');
    expect(await globalRegistry.metrics()).not.toContain("hft_");
  });

  test("process metrics are present and plausible", async () => {
    const m = createEngineMetrics();
    const text = await m.scrape();
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(1_000_000);
    expect(sample(text, "process_cpu_seconds_total")).toBeGreaterThan(0);
    const start = sample(text, "process_start_time_seconds") ?? 0;
    expect(Math.abs(start - Date.now() / 1000)).toBeLessThan(24 * 3600);
    expect(text).toContain("hft_js_heap_used_bytes");
    expect(m.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  test("label values with quotes and newlines are escaped", async () => {
    const m = createEngineMetrics({ processMetrics: false });
    m.forVenue('we"ird\nvenue').messages.inc();
    const text = await m.scrape();
    expect(text).toContain('hft_venue_messages_total{venue="we\\"ird\\nvenue"} 1');
  });

  test("event-loop lag is sampled on the injected clock", async () => {
    const m = createEngineMetrics({ processMetrics: false });
    const clock = new VirtualClock();
    const stop = m.startEventLoopMonitor(clock, 100);
    clock.advance(1000);
    stop();
    clock.advance(1000);
    expect(m.eventLoopLag.count).toBe(10);
    const text = await m.scrape();
    expect(sample(text, "hft_event_loop_lag_seconds_count")).toBe(10);
    expect(sample(text, 'hft_event_loop_lag_seconds_bucket{le="0.0001"}')).toBe(10);
  });

  test("the fast scrape says exactly what prom-client's own formatter says", async () => {
    const seed = 7;
    const m = createEngineMetrics({ processMetrics: false });
    populateSynthetic(m, seed);
    m.forVenue('odd "venue"\\x').messages.inc();
    const fast = parseExposition(await m.scrape());
    const reference = parseExposition(await m.registry.metrics());
    expect(fast.samples.size, `seed ${seed}`).toBeGreaterThan(400);
    expect(fast.meta, `seed ${seed}`).toEqual(reference.meta);
    expect([...fast.samples.entries()].sort(), `seed ${seed}`).toEqual([...reference.samples.entries()].sort());
  });

  test("a strategy's guard: callback time per callback, overruns, errors, halts and dropped intents; failed state", async () => {
    const m = createEngineMetrics({ processMetrics: false });
    const h = m.forStrategy("mine", ["book", "timer"]);
    expect(m.forStrategy("mine", ["book", "timer"])).toBe(h);
    h.callbacks[0]?.observeNs(3_000);
    h.callbacks[0]?.observeNs(7_000_000);
    h.callbacks[1]?.observeNs(400);
    h.overruns.inc();
    h.errors.inc();
    h.halts("error").inc();
    h.intentsDropped("over_cap").inc(5);
    m.setSource({ ...emptySource, strategies: () => [{ name: "mine", state: "failed" }] });
    const text = await m.scrape();
    expect(sample(text, 'hft_strategy_callback_seconds_count{strategy="mine",callback="book"}')).toBe(2);
    expect(sample(text, 'hft_strategy_callback_seconds_bucket{strategy="mine",callback="book",le="0.000005"}')).toBe(1);
    expect(sample(text, 'hft_strategy_callback_seconds_bucket{strategy="mine",callback="timer",le="5e-7"}')).toBe(1);
    expect(sample(text, 'hft_strategy_budget_overruns_total{strategy="mine"}')).toBe(1);
    expect(sample(text, 'hft_strategy_errors_total{strategy="mine"}')).toBe(1);
    expect(sample(text, 'hft_strategy_halts_total{strategy="mine",reason="error"}')).toBe(1);
    expect(sample(text, 'hft_strategy_intents_dropped_total{strategy="mine",reason="over_cap"}')).toBe(5);
    expect(sample(text, 'hft_strategy_state{strategy="mine",state="failed"}')).toBe(1);
    expect(sample(text, 'hft_strategy_state{strategy="mine",state="running"}')).toBe(0);
  });

  test("families lists every metric with its type", () => {
    const m = createEngineMetrics();
    const names = new Map(m.families().map((f) => [f.name, f.type]));
    expect(names.get("hft_tick_to_trade_seconds")).toBe("histogram");
    expect(names.get("hft_orders_sent_total")).toBe("counter");
    expect(names.get("hft_book_health")).toBe("gauge");
    expect(names.get("process_cpu_seconds_total")).toBe("counter");
    for (const name of names.keys()) expect(name).toMatch(/^(hft|process)_[a-z0-9_]+$/);
  });
});
