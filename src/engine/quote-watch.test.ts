import { expect, test } from "bun:test";
import type { QuoteResult } from "../execution/index.ts";
import { createLogger } from "../services/index.ts";
import { newQuoteDecision, type QuoteDecision, type Strategy } from "../strategy/index.ts";
import { QuoteWatch, TRANSIENT_LOG_AFTER_MS } from "./quote-watch.ts";

/** A watch over one instrument whose decision the test sets, with the lines it logs. */
function setup() {
  const lines: string[] = [];
  const log = createLogger({ write: (line) => lines.push(line), clock: { nowMs: () => 0 } });
  const watch = new QuoteWatch({
    log,
    gate: () => "running",
    health: () => "live",
    info: () => undefined,
    hasLive: () => false,
  });
  const d: QuoteDecision = { ...newQuoteDecision("sim", "BTC-USDT"), bid: null, ask: null };
  const strategy = { quoteDecisions: () => [d] } as unknown as Strategy;
  const deferred = (n: number): QuoteResult => ({
    plan: { cancels: [], places: [], kept: 0 },
    placed: [],
    refused: [],
    cancelsDeferred: 0,
    placesDeferred: n,
  });
  return { lines, watch, d, strategy, deferred };
}

test("a side held back by the order-rate window is shown at once but logged only once it lasts", () => {
  const { lines, watch, strategy, deferred } = setup();
  watch.noteQuote("sim", "BTC-USDT", deferred(2));
  watch.check(strategy, 1000);
  expect(watch.status(strategy, 1000)[0]).toMatchObject({ bid: "rate_limited", ask: "rate_limited" });
  // the window frees within a second or two: nothing logged, and quoting again is not news either
  watch.check(strategy, 2000);
  watch.noteQuote("sim", "BTC-USDT", deferred(0));
  watch.check(strategy, 2500);
  expect(lines).toEqual([]);
  // starved for longer: one warning saying for how long and by what
  watch.noteQuote("sim", "BTC-USDT", deferred(2));
  watch.check(strategy, 3000);
  watch.check(strategy, 3000 + TRANSIENT_LOG_AFTER_MS - 1);
  expect(lines).toEqual([]);
  watch.check(strategy, 3000 + TRANSIENT_LOG_AFTER_MS);
  watch.check(strategy, 3000 + TRANSIENT_LOG_AFTER_MS + 1000);
  expect(lines.length).toBe(1);
  expect(lines[0]).toContain("WARN");
  expect(lines[0]).toContain("not quoting sim BTC-USDT: rate_limited");
  expect(lines[0]).toContain("order-rate window (risk.max_orders_per_second) for 5.0 s");
  watch.noteQuote("sim", "BTC-USDT", deferred(0));
  watch.check(strategy, 9000);
  expect(lines.length).toBe(2);
  expect(lines[1]).toContain("quoting sim BTC-USDT on both sides again");
});

test("a reason that needs an operator is logged at the first check, with or without a rate-limited side", () => {
  const { lines, watch, d, strategy, deferred } = setup();
  d.bid = "position_limit";
  watch.noteQuote("sim", "BTC-USDT", deferred(1));
  watch.check(strategy, 1000);
  expect(lines.length).toBe(1);
  expect(lines[0]).toContain("not quoting sim BTC-USDT: bid position_limit, ask rate_limited");
});

test("cross_venue_mm holding a side for its min_quote_life_ms is not news unless it lasts", () => {
  const { lines, watch, d, strategy } = setup();
  d.ask = "quote_life";
  watch.check(strategy, 1000);
  d.ask = null;
  watch.check(strategy, 1500);
  expect(lines).toEqual([]);
  d.ask = "quote_life";
  watch.check(strategy, 2000);
  watch.check(strategy, 2000 + TRANSIENT_LOG_AFTER_MS);
  expect(lines.length).toBe(1);
  expect(lines[0]).toContain("quoting only the bid on sim BTC-USDT: ask quote_life");
});
