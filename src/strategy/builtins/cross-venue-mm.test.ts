/**
 * cross_venue_mm: quotes priced off the hedge venues after fees, hedges routed on quote-venue
 * fills in the common grid, the net position across venues bounding each side, re-hedging of an
 * unfilled remainder, parameter validation.
 */
import { describe, expect, test } from "bun:test";
import { bookUpdate, FakeBook, fakeContext, fakeInstrument } from "../../../test/support/strategy-harness.ts";
import { Side } from "../../types/index.ts";
import { createStrategy, STRATEGY_TYPES, validateStrategyParams } from "../index.ts";
import type { ParentOrderUpdate, StrategyInstrument } from "../types.ts";
import { CrossVenueMm } from "./cross-venue-mm.ts";

/** Quote venue "q" (maker 0, taker 0.001) and hedge venue "h" (taker 0.0005), BTC-USDT. */
function instruments(qStep = "0.00001", hStep = "0.00001"): StrategyInstrument[] {
  const q = fakeInstrument({ venue: "q", step: qStep, minNotional: "0" });
  const h = fakeInstrument({ venue: "h", step: hStep, minNotional: "0" });
  return [
    { ...q, fees: { maker: 0, taker: 0.001 } },
    { ...h, fees: { maker: 0, taker: 0.0005 } },
  ];
}

const PARAMS = {
  min_profit: 0.0002,
  order_size: 0.01,
  max_position: 0.02,
  hedge_slippage: 0.001,
  refresh_tolerance: 0,
  min_quote_life_ms: 0,
};

function setup(params: Record<string, unknown> = PARAMS, insts = instruments()) {
  const { ctx, clock, sink } = fakeContext(insts);
  const st = new CrossVenueMm("xmm", ctx, params);
  const qBook = new FakeBook().set(4_999_000, 5_001_000, 100_000);
  const hBook = new FakeBook().set(5_000_000, 5_000_100, 100_000);
  st.start();
  st.onBook(bookUpdate(hBook, "live", "h"));
  st.onBook(bookUpdate(qBook, "live", "q"));
  return { st, sink, clock, qBook, hBook };
}

function parent(over: Partial<ParentOrderUpdate> & { tag: string }): ParentOrderUpdate {
  return {
    id: "p1",
    symbol: "BTC-USDT",
    side: Side.Sell,
    lots: 1000,
    limitTicks: 1,
    status: "working",
    filledLots: 0,
    inFlightLots: 0,
    remainingLots: 1000,
    reason: undefined,
    attempts: 1,
    ...over,
  };
}

describe("cross_venue_mm", () => {
  test("is in the catalogue, and its defaults validate", () => {
    expect(STRATEGY_TYPES).toContain("cross_venue_mm");
    expect(validateStrategyParams("cross_venue_mm", { min_profit: 0.001 })).toEqual({
      ok: true,
      value: { min_profit: 0.001 },
    });
    const { ctx } = fakeContext(instruments());
    expect(createStrategy({ type: "cross_venue_mm", ctx }).kind).toBe("cross_venue_mm");
  });

  test("quotes where hedging on the other venue after its taker fee still earns min_profit", () => {
    const { sink } = setup();
    const q = sink.last("q");
    // bid: hedge bid 50000.00 × (1 − 0.0005) × (1 − 0.0002); ask: 50001.00 × (1 + 0.0005) × (1 + 0.0002)
    expect(q?.bids).toEqual([{ priceTicks: Math.floor(5_000_000 * 0.9995 * 0.9998), lots: 1000 }]);
    expect(q?.asks).toEqual([{ priceTicks: Math.ceil(5_000_100 * 1.0005 * 1.0002 - 1e-6), lots: 1000 }]);
    const bid = q?.bids[0]?.priceTicks ?? 0;
    const ask = q?.asks[0]?.priceTicks ?? 0;
    // the edge after fees, measured from the quote: at least min_profit
    expect((5_000_000 * 0.9995 - bid) / bid).toBeGreaterThanOrEqual(0.0002 - 1e-9);
    expect((ask - 5_000_100 * 1.0005) / ask).toBeGreaterThanOrEqual(0.0002 - 1e-9);
    expect(sink.last("h")).toBeUndefined(); // never quotes on the hedge venue
  });

  test("prices a hedge of order_size through the hedge book's depth, not only its top", () => {
    const { st, sink, hBook } = setup();
    hBook.bids = [
      { ticks: 5_000_000, lots: 400 },
      { ticks: 4_999_000, lots: 5000 },
    ];
    st.onBook(bookUpdate(hBook, "live", "h"));
    expect(sink.last("q")?.bids[0]?.priceTicks).toBe(Math.floor(4_999_000 * 0.9995 * 0.9998));
  });

  test("a quote never crosses the quote venue's book", () => {
    const { st, sink, qBook } = setup();
    qBook.set(4_990_000, 4_995_000, 100_000); // quote venue far below the hedge venue
    st.onBook(bookUpdate(qBook, "live", "q"));
    expect(sink.last("q")?.bids[0]?.priceTicks).toBe(4_994_999);
  });

  test("a fill on the quote venue is hedged at once through route(), on the hedge venues only", () => {
    const { st, sink } = setup();
    st.onPosition({ venue: "q", symbol: "BTC-USDT", positionLots: 600 });
    expect(sink.routeLog).toEqual([
      {
        symbol: "BTC-USDT",
        side: Side.Sell,
        lots: 600,
        limitTicks: Math.floor(5_000_000 * 0.999 + 1e-6),
        urgencyPermille: 1000,
        venues: ["h"],
        tag: "xmm-h1",
      },
    ]);
    expect(st.workingHedges("BTC-USDT")).toBe(1);
    // fills on the hedge venue move the net position but are not hedged again
    st.onPosition({ venue: "h", symbol: "BTC-USDT", positionLots: -600 });
    expect(sink.routeLog.length).toBe(1);
    expect(st.netCommon("BTC-USDT")).toBe(0);
    st.onParent(parent({ tag: "xmm-h1", lots: 600, status: "filled", filledLots: 600, remainingLots: 0 }));
    expect({ working: st.workingHedges("BTC-USDT"), filled: st.stats.hedgesFilled }).toEqual({ working: 0, filled: 1 });
  });

  test("lots of venues with different steps are hedged exactly in the common grid", () => {
    // quote venue step 0.0001 (×10 on the common grid), hedge venue step 0.00001
    const { st, sink } = setup(PARAMS, instruments("0.0001", "0.00001"));
    expect(sink.last("q")?.bids[0]?.lots).toBe(100); // 0.01 BTC in quote-venue lots
    st.onPosition({ venue: "q", symbol: "BTC-USDT", positionLots: -37 });
    expect(sink.routeLog.map((r) => [r.side, r.lots])).toEqual([[Side.Buy, 370]]);
    expect(st.netCommon("BTC-USDT")).toBe(-370);
  });

  test("the net position across venues bounds each side; a side at max_position is pulled", () => {
    const { st, sink } = setup();
    // long 0.015 on the quote venue, hedge still in flight: only 0.005 more may be bought
    st.onPosition({ venue: "q", symbol: "BTC-USDT", positionLots: 1500 });
    expect(sink.last("q")?.bids[0]?.lots).toBe(500);
    expect(sink.last("q")?.asks[0]?.lots).toBe(1000);
    st.onPosition({ venue: "q", symbol: "BTC-USDT", positionLots: 2000 });
    expect(sink.last("q")?.bids).toEqual([]);
    // the hedge fills on the other venue: net flat again, both sides back
    st.onPosition({ venue: "h", symbol: "BTC-USDT", positionLots: -2000 });
    expect(sink.last("q")?.bids[0]?.lots).toBe(1000);
  });

  test("a hedge that ends unfilled stays in the net position and is re-hedged on the timer", () => {
    const { st, sink, clock } = setup();
    st.onPosition({ venue: "q", symbol: "BTC-USDT", positionLots: 800 });
    st.onPosition({ venue: "h", symbol: "BTC-USDT", positionLots: -300 });
    st.onParent(
      parent({ tag: "xmm-h1", lots: 800, status: "unfilled", reason: "limit", filledLots: 300, remainingLots: 500 }),
    );
    expect({ unfilled: st.stats.hedgesUnfilled, left: st.stats.unhedgedLots, net: st.netCommon("BTC-USDT") }).toEqual({
      unfilled: 1,
      left: 500,
      net: 500,
    });
    st.onTimer(clock.nowMs());
    expect(sink.routeLog.map((r) => [r.side, r.lots, r.tag])).toEqual([
      [Side.Sell, 800, "xmm-h1"],
      [Side.Sell, 500, "xmm-h2"],
    ]);
    // while a hedge works, the timer does not send another
    st.onTimer(clock.nowMs());
    expect(sink.routeLog.length).toBe(2);
  });

  test("no live hedge book: no quote at all; the quote venue's book going stale pulls the quotes", () => {
    const { st, sink, hBook, qBook } = setup();
    st.onBookHealth("h", "BTC-USDT", "stale");
    expect(sink.last("q")).toMatchObject({ bids: [], asks: [] });
    st.onBook(bookUpdate(hBook, "live", "h"));
    expect(sink.last("q")?.bids.length).toBe(1);
    st.onBookHealth("q", "BTC-USDT", "syncing");
    expect(sink.last("q")).toMatchObject({ bids: [], asks: [] });
    st.onBook(bookUpdate(qBook, "live", "q"));
    st.stop();
    expect(sink.last("q")).toMatchObject({ bids: [], asks: [] });
  });

  test("quotes sit half the tolerance inside the safe price; moves within it re-emit the same quote", () => {
    const { st, sink, hBook } = setup({ ...PARAMS, refresh_tolerance_ticks: 50 });
    const before = sink.last("q");
    const safeBid = Math.floor(5_000_000 * 0.9995 * 0.9998);
    expect(before?.bids[0]?.priceTicks).toBe(safeBid - 25);
    hBook.set(5_000_020, 5_000_080, 100_000); // both hedge prices move in our favour by 20 ticks
    st.onBook(bookUpdate(hBook, "live", "h"));
    expect(sink.last("q")).toBe(before as NonNullable<typeof before>);
    hBook.set(4_999_990, 5_000_100, 100_000); // against us by 10: the old bid still keeps its edge
    st.onBook(bookUpdate(hBook, "live", "h"));
    expect(sink.last("q")?.bids).toBe(before?.bids as NonNullable<typeof before>["bids"]);
    hBook.set(4_999_940, 5_000_100, 100_000); // against us by 60: the old bid lost its edge
    st.onBook(bookUpdate(hBook, "live", "h"));
    expect(sink.last("q")?.bids[0]?.priceTicks).toBe(Math.floor(4_999_940 * 0.9995 * 0.9998) - 25);
  });

  test("a side whose price must move within min_quote_life_ms is pulled until it may move again", () => {
    const { st, sink, hBook, clock } = setup({ ...PARAMS, min_quote_life_ms: 200 });
    expect(sink.last("q")?.bids.length).toBe(1);
    clock.advance(50);
    hBook.set(4_999_000, 5_000_100, 100_000); // the hedge bid drops: the resting bid lost its edge
    st.onBook(bookUpdate(hBook, "live", "h"));
    expect({ bids: sink.last("q")?.bids, asks: sink.last("q")?.asks.length }).toEqual({ bids: [], asks: 1 });
    clock.advance(150);
    st.onTimer(clock.nowMs());
    expect(sink.last("q")?.bids[0]?.priceTicks).toBe(Math.floor(4_999_000 * 0.9995 * 0.9998));
  });

  test("parameters: bad venues and unknown keys are refused naming the field", () => {
    const { ctx } = fakeContext(instruments());
    expect(() => new CrossVenueMm("x", ctx, { quote_venue: "nope" })).toThrow(/quote_venue/);
    expect(() => new CrossVenueMm("x", ctx, { hedge_venues: ["q"] })).toThrow(/hedge_venues/);
    expect(() => new CrossVenueMm("x", ctx, { spread: 0.1 })).toThrow(/spread: unknown parameter/);
    const st = new CrossVenueMm("x", ctx, { quote_venue: "h" });
    expect(st.validateParams({ min_profit: -1 })).toMatchObject({ ok: false });
    expect(() => st.updateParams({ quote_venue: "zz" })).toThrow(/quote_venue/);
    // refused at validation (the control API's 400), not only when the new legs are built
    expect(st.validateParams({ quote_venue: "zz" })).toEqual({
      ok: false,
      issues: [{ field: "quote_venue", message: "expected one of q, h, got zz" }],
    });
    expect(st.validateParams({ hedge_venues: ["h"] })).toMatchObject({
      ok: false,
      issues: [{ field: "hedge_venues" }],
    });
    expect(st.validateParams({ quote_venue: "q" })).toEqual({ ok: true, value: { quote_venue: "q" } });
    expect(st.params()).toMatchObject({ quote_venue: "h" });
    const { ctx: noRoute } = fakeContext(instruments());
    const plain = { quotes: () => {}, order: () => {} };
    expect(() => new CrossVenueMm("x", { ...noRoute, sink: plain }, {})).toThrow(/cannot route/);
  });

  test("parameters: sizes are bounded, and must stay exact lot counts on the finest venue's step", () => {
    // q steps 0.001, h steps 0.00000001: 1e8 base units is 1e11 lots on q but 1e16 on h (past 2^53)
    const { ctx } = fakeContext(instruments("0.001", "0.00000001"));
    const st = new CrossVenueMm("x", ctx, PARAMS);
    expect(st.validateParams({ max_position: 1e300 })).toEqual({
      ok: false,
      issues: [{ field: "max_position", message: "expected a number in (0, 1e12], got 1e+300" }],
    });
    expect(st.validateParams({ max_position: 1e8 })).toEqual({
      ok: false,
      issues: [
        {
          field: "max_position",
          message: "expected at most 9.007e+7 base units (2^53 - 1 lots of 0.00000001 on h BTC-USDT), got 100000000",
        },
      ],
    });
    expect(() => st.updateParams({ order_size: 1e8 })).toThrow(/order_size: expected at most 9.007e\+7/);
    expect(() => new CrossVenueMm("x", ctx, { ...PARAMS, max_position: 1e8 })).toThrow(/max_position/);
    expect(st.params()).toMatchObject({ max_position: 0.02, order_size: 0.01 });
  });
});

describe("cross_venue_mm says why it does not quote", () => {
  test("hedge books that are not live: no_hedge_price; a full position: position_limit on that side", () => {
    const { st, hBook } = setup();
    expect(st.quoteDecisions()[0]).toMatchObject({ venue: "q", symbol: "BTC-USDT", bid: null, ask: null });
    st.onBookHealth("h", "BTC-USDT", "stale");
    expect(st.quoteDecisions()[0]).toMatchObject({ bid: "no_hedge_price", ask: "no_hedge_price" });
    st.onBook(bookUpdate(hBook, "live", "h"));
    // long 0.02 BTC on the quote venue = max_position: no more buying there (the hedge is in flight)
    st.onPosition({ venue: "q", symbol: "BTC-USDT", positionLots: 2000 });
    expect(st.quoteDecisions()[0]).toMatchObject({ bid: "position_limit", ask: null, maxPositionLots: 2000 });
  });

  test("a quote venue book that is not live, and a stop, are named", () => {
    const { st } = setup();
    st.onBookHealth("q", "BTC-USDT", "resyncing");
    expect(st.quoteDecisions()[0]).toMatchObject({ bid: "book_not_live", ask: "book_not_live" });
    st.stop();
    expect(st.quoteDecisions()[0]).toMatchObject({ bid: "stopped", ask: "stopped" });
  });
});
