import { describe, expect, test } from "bun:test";
import { bookUpdate, FakeBook, fakeContext, fakeInstrument } from "../../../test/support/strategy-harness.ts";
import { Rng } from "../../services/index.ts";
import { StrategyParamsError } from "../index.ts";
import { MarketMaking } from "./market-making.ts";

// BTC-USDT like the simulator: tick 0.01 (60000.00 = 6_000_000 ticks), step 0.00001 (0.01 BTC = 1000 lots).
const MID = 6_000_000;
const PARAMS = {
  spread: 0.002,
  max_position: 1,
  min_profit: 0.0001,
  order_size: 0.01,
  levels: 1,
  inventory_skew: 0.0005,
  refresh_tolerance: 0,
};

function setup(params: Record<string, unknown> = {}, maker = 0) {
  const { ctx, clock, sink } = fakeContext([fakeInstrument({ maker })]);
  const mm = new MarketMaking("mm", ctx, { ...PARAMS, ...params });
  const book = new FakeBook().set(MID - 50, MID + 50);
  mm.start();
  return { mm, book, clock, sink };
}

describe("market_making quotes", () => {
  test("a symmetric quote of total width spread around the mid, on the grids", () => {
    const { mm, book, sink } = setup();
    mm.onBook(bookUpdate(book));
    expect(sink.last()).toEqual({
      venue: "sim",
      symbol: "BTC-USDT",
      bids: [{ priceTicks: MID - 6000, lots: 1000 }],
      asks: [{ priceTicks: MID + 6000, lots: 1000 }],
    });
  });

  test("levels are spaced by level_spacing and ordered best first", () => {
    const { mm, book, sink } = setup({ levels: 3, level_spacing: 0.0005 });
    mm.onBook(bookUpdate(book));
    const q = sink.last();
    expect(q?.bids.map((l) => l.priceTicks)).toEqual([MID - 6000, MID - 9000, MID - 12000]);
    expect(q?.asks.map((l) => l.priceTicks)).toEqual([MID + 6000, MID + 9000, MID + 12000]);
  });

  test("quotes only while the book is live", () => {
    const { mm, book, sink } = setup();
    mm.onBook(bookUpdate(book, "syncing"));
    expect(sink.last()).toMatchObject({ bids: [], asks: [] });
    mm.onBook(bookUpdate(book, "live"));
    expect(sink.last()?.bids.length).toBe(1);
    for (const health of ["stale", "resyncing", "syncing"] as const) {
      mm.onBookHealth("sim", "BTC-USDT", health);
      expect(sink.last()).toMatchObject({ bids: [], asks: [] });
      mm.onBookHealth("sim", "BTC-USDT", "live");
      expect(sink.last()?.asks.length).toBe(1);
    }
  });

  test("no quotes on an empty side or a crossed book", () => {
    const { mm, book, sink } = setup();
    mm.onBook(bookUpdate(book));
    book.asks = [];
    mm.onBook(bookUpdate(book));
    expect(sink.last()).toMatchObject({ bids: [], asks: [] });
    book.set(MID + 10, MID - 10);
    mm.onBook(bookUpdate(book));
    expect(sink.last()).toMatchObject({ bids: [], asks: [] });
  });

  test("stop pulls every quote and stays silent; start quotes again", () => {
    const { mm, book, sink } = setup();
    mm.onBook(bookUpdate(book));
    mm.stop();
    expect(mm.state()).toBe("stopped");
    expect(sink.last()).toMatchObject({ bids: [], asks: [] });
    const n = sink.quoteLog.length;
    mm.onBook(bookUpdate(book));
    expect(sink.quoteLog.length).toBe(n);
    mm.start();
    expect(sink.last()?.bids.length).toBe(1);
  });

  test("events for instruments it does not trade are ignored and counted", () => {
    const { mm, book, sink } = setup();
    const before = sink.quoteLog.length;
    mm.onBook(bookUpdate(book, "live", "other", "BTC-USDT"));
    mm.onPosition({ venue: "sim", symbol: "SOL-USDT", positionLots: 5 });
    expect(sink.quoteLog.length).toBe(before);
    expect(mm.unknownEvents).toBe(2);
  });
});

describe("max_position", () => {
  test("no bids when long at max_position, no asks when short at it", () => {
    const { mm, book, sink } = setup({ inventory_skew: 0 });
    mm.onBook(bookUpdate(book));
    mm.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 100_000 });
    expect(sink.last()?.bids).toEqual([]);
    expect(sink.last()?.asks).toEqual([{ priceTicks: MID + 6000, lots: 1000 }]);
    mm.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 150_000 });
    expect(sink.last()?.bids).toEqual([]);
    mm.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: -100_000 });
    expect(sink.last()?.asks).toEqual([]);
    expect(sink.last()?.bids).toEqual([{ priceTicks: MID - 6000, lots: 1000 }]);
  });

  test("a side near the limit is cut so a full fill lands exactly on max_position", () => {
    const { mm, book, sink } = setup({ inventory_skew: 0, levels: 3 });
    mm.onBook(bookUpdate(book));
    mm.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 100_000 - 1300 });
    expect(sink.last()?.bids.map((l) => l.lots)).toEqual([1000, 300]);
    expect(sink.last()?.asks.map((l) => l.lots)).toEqual([1000, 1000, 1000]);
  });

  test("a remainder below the venue minimum is not quoted", () => {
    // Minimum notional 5 USDT at ~59940 needs 9 lots; 5 lots of room is not enough.
    const { mm, book, sink } = setup({ inventory_skew: 0 });
    mm.onBook(bookUpdate(book));
    mm.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 100_000 - 5 });
    expect(sink.last()?.bids).toEqual([]);
  });

  test("order_size below the minimum quantity/notional is raised to it", () => {
    const { mm, book, sink } = setup({ order_size: 0.00001 });
    mm.onBook(bookUpdate(book));
    const bid = sink.last()?.bids[0];
    expect(bid?.lots).toBe(Math.ceil(5e7 / (MID - 6000)));
    expect((bid?.lots ?? 0) * (bid?.priceTicks ?? 0)).toBeGreaterThanOrEqual(5e7);
  });
});

describe("min_profit after fees", () => {
  test("a side whose edge after the maker fee is below min_profit is not quoted", () => {
    // Half spread 0.001 minus fee 0.001 = 0 edge < 0.0001.
    const { mm, book, sink } = setup({}, 0.001);
    mm.onBook(bookUpdate(book));
    expect(sink.last()).toMatchObject({ bids: [], asks: [] });
  });

  test("a fee that leaves enough edge quotes", () => {
    const { mm, book, sink } = setup({}, 0.0009);
    mm.onBook(bookUpdate(book));
    expect(sink.last()?.bids.length).toBe(1);
    expect(sink.last()?.asks.length).toBe(1);
  });

  test("only the levels far enough out are quoted", () => {
    const { mm, book, sink } = setup({ levels: 3, level_spacing: 0.0005 }, 0.001);
    mm.onBook(bookUpdate(book));
    expect(sink.last()?.bids.map((l) => l.priceTicks)).toEqual([MID - 9000, MID - 12000]);
    expect(sink.last()?.asks.map((l) => l.priceTicks)).toEqual([MID + 9000, MID + 12000]);
  });

  test("inventory skew cannot push a side below min_profit: that side is dropped", () => {
    const { mm, book, sink } = setup({ inventory_skew: 0.002 }, 0.0005);
    mm.onBook(bookUpdate(book));
    mm.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 50_000 });
    // Skew at half position = 0.001 of mid: ask edge 0.001 - 0.001 - fee < min_profit.
    expect(sink.last()?.asks).toEqual([]);
    expect(sink.last()?.bids.length).toBe(1);
  });
});

describe("inventory skew", () => {
  test("long moves both quotes down, short moves them up", () => {
    const { mm, book, sink } = setup();
    mm.onBook(bookUpdate(book));
    const flat = sink.last();
    mm.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 50_000 });
    const long = sink.last();
    mm.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: -50_000 });
    const short = sink.last();
    const bid = (q: typeof flat) => q?.bids[0]?.priceTicks ?? Number.NaN;
    const ask = (q: typeof flat) => q?.asks[0]?.priceTicks ?? Number.NaN;
    expect(bid(long)).toBeLessThan(bid(flat));
    expect(ask(long)).toBeLessThan(ask(flat));
    expect(bid(short)).toBeGreaterThan(bid(flat));
    expect(ask(short)).toBeGreaterThan(ask(flat));
    // 0.0005 × 0.5 of 6_000_000 = 1500 ticks.
    expect(bid(flat) - bid(long)).toBe(1500);
  });
});

describe("refresh tolerance", () => {
  test("a move within tolerance re-emits the very same quote object", () => {
    const { mm, book, sink } = setup({ refresh_tolerance: 0.0001 }); // 600 ticks
    mm.onBook(bookUpdate(book));
    const first = sink.last();
    for (const shift of [1, 100, -300, 599]) {
      mm.onBook(bookUpdate(book.set(MID - 50 + shift, MID + 50 + shift)));
      expect(sink.last()).toBe(first as never);
    }
    mm.onBook(bookUpdate(book.set(MID - 50 + 1000, MID + 50 + 1000)));
    expect(sink.last()).not.toBe(first as never);
    expect(sink.last()?.bids[0]?.priceTicks).toBe(MID + 1000 - 6001); // half spread of the new mid
  });

  test("tolerance in ticks works too, and zero tolerance follows every move", () => {
    const a = setup({ refresh_tolerance_ticks: 10 });
    a.mm.onBook(bookUpdate(a.book));
    const first = a.sink.last();
    a.mm.onBook(bookUpdate(a.book.set(MID - 45, MID + 55)));
    expect(a.sink.last()).toBe(first as never);
    const b = setup();
    b.mm.onBook(bookUpdate(b.book));
    const q0 = b.sink.last();
    b.mm.onBook(bookUpdate(b.book.set(MID - 48, MID + 52)));
    expect(b.sink.last()).not.toBe(q0 as never);
  });

  test("a kept quote that would now cross the book is replaced anyway", () => {
    const { mm, book, sink } = setup({ refresh_tolerance: 0.01, spread: 0.0004, min_profit: 0 });
    mm.onBook(bookUpdate(book));
    const bid = sink.last()?.bids[0]?.priceTicks ?? 0;
    // The market drops so the best ask is at our old bid: mid moves by ~1300 ticks, within tolerance.
    mm.onBook(bookUpdate(book.set(bid - 100, bid)));
    const now = sink.last();
    expect(now?.bids[0]?.priceTicks).toBeLessThan(bid);
  });

  test("a size change is always re-emitted", () => {
    const { mm, book, sink } = setup({ refresh_tolerance: 0.01 });
    mm.onBook(bookUpdate(book));
    const first = sink.last();
    mm.updateParams({ order_size: 0.02 });
    expect(sink.last()).not.toBe(first as never);
    expect(sink.last()?.bids[0]?.lots).toBe(2000);
  });
});

describe("parameter updates", () => {
  test("valid partial updates apply at once", () => {
    const { mm, book, sink } = setup();
    mm.onBook(bookUpdate(book));
    const p = mm.updateParams({ spread: 0.004, levels: 2 });
    expect(p.spread).toBe(0.004);
    expect(p.max_position).toBe(1);
    expect(sink.last()?.bids[0]?.priceTicks).toBe(MID - 12000);
    expect(sink.last()?.bids.length).toBe(2);
  });

  test("a bad value is refused with a typed error naming the field; nothing changes", () => {
    const { mm } = setup();
    const before = mm.params();
    for (const [update, field] of [
      [{ spread: -1 }, "spread"],
      [{ spread: "wide" }, "spread"],
      [{ levels: 0 }, "levels"],
      [{ max_position: 0 }, "max_position"],
      [{ fair_value: "last" }, "fair_value"],
      [{ spraed: 0.1 }, "spraed"],
    ] as const) {
      let err: unknown;
      try {
        mm.updateParams(update);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StrategyParamsError);
      expect((err as StrategyParamsError).issues.map((i) => i.field)).toEqual([field]);
      expect((err as StrategyParamsError).message).toContain(`strategy mm: ${field}: `);
    }
    expect(mm.params()).toEqual(before);
  });

  test("every numeric parameter has an upper bound: absurd values are refused, stating the range", () => {
    const { mm } = setup();
    const before = mm.params();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ max_position: 1e308 }, "max_position", "expected a number in (0, 1e12], got 1e+308"],
      [{ order_size: 1e300 }, "order_size", "expected a number in (0, 1e12], got 1e+300"],
      [{ max_position: Number.POSITIVE_INFINITY }, "max_position", "expected a number in (0, 1e12], got Infinity"],
      [{ spread: 0.9 }, "spread", "expected a fraction in (0, 0.5), got 0.9"],
      [{ inventory_skew: 1 }, "inventory_skew", "expected a fraction in [0, 0.5), got 1"],
      [{ refresh_tolerance_ticks: 1e9 }, "refresh_tolerance_ticks", "expected an integer in [0, 1e6], got 1000000000"],
      [{ levels: 21 }, "levels", "expected an integer in [1, 20], got 21"],
    ];
    for (const [update, field, message] of cases) {
      expect({ update, v: mm.validateParams(update) }).toEqual({
        update,
        v: { ok: false, issues: [{ field, message }] },
      });
      expect(() => mm.updateParams(update)).toThrow(`strategy mm: ${field}: ${message}`);
    }
    expect(mm.params()).toEqual(before);
  });

  test("sizes must stay exact lot counts (< 2^53) on the instruments traded, checked once their steps are known", () => {
    // a venue stepping 0.00000001: 1e8 base units would be 1e16 lots, past 2^53 - 1
    const fine = fakeInstrument({ step: "0.00000001" });
    const { ctx } = fakeContext([fine]);
    const mm = new MarketMaking("mm", ctx, { ...PARAMS });
    const message = "expected at most 9.007e+7 base units (2^53 - 1 lots of 0.00000001 on sim BTC-USDT), got 100000000";
    expect(mm.validateParams({ max_position: 1e8 })).toEqual({
      ok: false,
      issues: [{ field: "max_position", message }],
    });
    expect(() => mm.updateParams({ order_size: 1e8 })).toThrow("strategy mm: order_size: expected at most 9.007e+7");
    expect(mm.validateParams({ max_position: 9e7 })).toEqual({ ok: true, value: { max_position: 9e7 } });
    expect(() => new MarketMaking("mm", fakeContext([fine]).ctx, { ...PARAMS, max_position: 1e8 })).toThrow(
      `strategy mm: max_position: ${message}`,
    );
    // the same size is fine on the default BTC grid (step 0.00001: 1e13 lots)
    expect(setup().mm.validateParams({ max_position: 1e8 })).toEqual({ ok: true, value: { max_position: 1e8 } });
  });

  test("validateParams checks without applying", () => {
    const { mm } = setup();
    expect(mm.validateParams({ spread: 0.01 })).toEqual({ ok: true, value: { spread: 0.01 } });
    expect(mm.params().spread).toBe(0.002);
    expect(mm.validateParams({})).toMatchObject({ ok: false });
    expect(mm.validateParams([1])).toMatchObject({ ok: false });
    expect(mm.validateParams({ levels: 50 })).toMatchObject({ ok: false, issues: [{ field: "levels" }] });
  });

  test("bad parameters at construction name the field", () => {
    const { ctx } = fakeContext();
    expect(() => new MarketMaking("mm", ctx, { spread: 0 })).toThrow(
      "strategy mm: spread: expected a fraction in (0, 0.5), got 0",
    );
  });
});

describe("fair value", () => {
  test("microprice leans towards the side with less size", () => {
    const { mm, book, sink } = setup({ fair_value: "microprice" });
    book.bids = [{ ticks: MID - 50, lots: 900 }];
    book.asks = [{ ticks: MID + 50, lots: 100 }];
    mm.onBook(bookUpdate(book));
    // microprice = (bid × askLots + ask × bidLots) / total = MID + 40
    expect(sink.last()?.bids[0]?.priceTicks).toBe(Math.floor((MID + 40) * (1 - 0.001)));
  });
});

describe("market_making says why it does not quote", () => {
  test("a spread no wider than the maker fee: fees_exceed_spread on both sides, with the edge", () => {
    // half of a 0.002 spread is 0.001: exactly the maker fee, nothing left for min_profit
    const { mm, book, sink } = setup({}, 0.001);
    mm.onBook(bookUpdate(book));
    expect(sink.last()).toMatchObject({ bids: [], asks: [] });
    const [d] = mm.quoteDecisions();
    expect(d).toMatchObject({ venue: "sim", symbol: "BTC-USDT", bid: "fees_exceed_spread", ask: "fees_exceed_spread" });
    expect(d?.bidEdge).toBeCloseTo(0.001, 6);
    expect(d?.makerFee).toBe(0.001);
    expect(d?.minProfit).toBe(0.0001);
  });

  test("an edge that covers the fee but not min_profit: min_profit", () => {
    const { mm, book } = setup({ min_profit: 0.0015 }, 0.0005);
    mm.onBook(bookUpdate(book));
    expect(mm.quoteDecisions()[0]).toMatchObject({ bid: "min_profit", ask: "min_profit" });
  });

  test("a full long position: the bid is held by position_limit, the ask still quotes", () => {
    const { mm, book, sink } = setup();
    mm.onBook(bookUpdate(book));
    mm.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 100_000 });
    expect(sink.last()?.bids).toEqual([]);
    expect(sink.last()?.asks.length).toBe(1);
    expect(mm.quoteDecisions()[0]).toMatchObject({
      bid: "position_limit",
      ask: null,
      positionLots: 100_000,
      maxPositionLots: 100_000,
    });
  });

  test("a book that is not live, a missing side, a size below one lot, a stop: each named", () => {
    const { mm, book } = setup();
    const reasons = () => {
      const d = mm.quoteDecisions()[0];
      return [d?.bid, d?.ask];
    };
    mm.onBook(bookUpdate(book, "resyncing"));
    expect(reasons()).toEqual(["book_not_live", "book_not_live"]);
    book.asks = [];
    mm.onBook(bookUpdate(book));
    expect(reasons()).toEqual(["no_market", "no_market"]);
    book.set(MID - 50, MID + 50);
    mm.onBook(bookUpdate(book));
    expect(reasons()).toEqual([null, null]);
    mm.updateParams({ order_size: 0.000001 });
    expect(reasons()).toEqual(["below_min_size", "below_min_size"]);
    mm.stop();
    expect(reasons()).toEqual(["stopped", "stopped"]);
  });

  test("the decision records are allocated once and updated in place", () => {
    const { mm, book } = setup();
    const first = mm.quoteDecisions();
    const record = first[0];
    mm.onBook(bookUpdate(book));
    mm.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 100_000 });
    expect(mm.quoteDecisions()).toBe(first);
    expect(mm.quoteDecisions()[0]).toBe(record);
  });
});

/** market_making computing every quote afresh: the reference the top-of-book shortcut must equal. */
class AlwaysRecompute extends MarketMaking {
  protected override topOfBookQuotes(): boolean {
    return false;
  }
}

describe("the top-of-book shortcut", () => {
  test("quotes equal those computed afresh on every event (random books, sizes, health, positions, parameters)", () => {
    const seed = Number(process.env.HFT_MM_SEED ?? 7);
    const rng = new Rng(seed);
    for (const fair_value of ["mid", "microprice"] as const) {
      const a = fakeContext([fakeInstrument({ maker: 0.0001 })]);
      const b = fakeContext([fakeInstrument({ maker: 0.0001 })]);
      const params = { ...PARAMS, fair_value, refresh_tolerance: 0.0002 };
      const fast = new MarketMaking("mm", a.ctx, params);
      const slow = new AlwaysRecompute("mm", b.ctx, params);
      const book = new FakeBook().set(MID - 50, MID + 50, 100, 5);
      fast.start();
      slow.start();
      for (let i = 0; i < 3000; i++) {
        const r = rng.int(10);
        if (r < 4) {
          // a level deeper in the book: the top is untouched
          const side = rng.chance(0.5) ? book.bids : book.asks;
          const level = side[1 + rng.int(side.length - 1)];
          if (level !== undefined) level.lots = 1 + rng.int(500);
        } else if (r < 6) {
          const bid = MID - 200 + rng.int(300);
          book.set(bid, bid + 1 + rng.int(100), 50 + rng.int(100), 5);
        } else if (r < 7) {
          const top = rng.chance(0.5) ? book.bids[0] : book.asks[0];
          if (top !== undefined) top.lots = 1 + rng.int(300);
        } else if (r < 8) {
          const pos = (rng.int(5) - 2) * 500;
          fast.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: pos });
          slow.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: pos });
          continue;
        } else if (r < 9) {
          const health = rng.chance(0.5) ? "live" : "resyncing";
          fast.onBookHealth("sim", "BTC-USDT", health);
          slow.onBookHealth("sim", "BTC-USDT", health);
          continue;
        } else {
          const change = { spread: 0.001 + rng.int(3) * 0.0005 };
          fast.updateParams(change);
          slow.updateParams(change);
          continue;
        }
        fast.onBook(bookUpdate(book));
        slow.onBook(bookUpdate(book));
        expect(`seed ${seed} ${fair_value} #${i}: ${JSON.stringify(a.sink.last())}`).toBe(
          `seed ${seed} ${fair_value} #${i}: ${JSON.stringify(b.sink.last())}`,
        );
      }
    }
  });
});
