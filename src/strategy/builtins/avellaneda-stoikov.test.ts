import { describe, expect, test } from "bun:test";
import { bookUpdate, FakeBook, fakeContext, fakeInstrument } from "../../../test/support/strategy-harness.ts";
import { StrategyParamsError } from "../index.ts";
import { AvellanedaStoikov } from "./avellaneda-stoikov.ts";

const MID = 6_000_000; // 60000.00 at tick 0.01
const PARAMS = {
  risk_aversion: 50,
  volatility: 0.5,
  volatility_floor: 0.1,
  kappa: 2000,
  horizon_s: 60,
  order_size: 0.01,
  max_position: 1,
  min_profit: 0,
  refresh_tolerance: 0,
};

function setup(params: Record<string, unknown> = {}) {
  const { ctx, clock, sink } = fakeContext([fakeInstrument()]);
  const as = new AvellanedaStoikov("as", ctx, { ...PARAMS, ...params });
  const book = new FakeBook().set(MID - 50, MID + 50);
  as.start();
  return { as, book, clock, sink };
}

const bid = (q: { bids: readonly { priceTicks: number }[] } | undefined) => q?.bids[0]?.priceTicks ?? Number.NaN;
const ask = (q: { asks: readonly { priceTicks: number }[] } | undefined) => q?.asks[0]?.priceTicks ?? Number.NaN;

describe("avellaneda_stoikov", () => {
  test("flat inventory: quotes centred on the mid with the A-S spread", () => {
    const { as, book, sink } = setup();
    as.onBook(bookUpdate(book));
    const q = sink.last();
    const sigma2 = 0.25 / (365 * 24 * 3600);
    const spread = 50 * sigma2 * 60 + (2 / 50) * Math.log(1 + 50 / 2000);
    expect(bid(q)).toBe(Math.floor(MID * (1 - spread / 2)));
    expect(ask(q)).toBe(Math.ceil(MID * (1 + spread / 2)));
    expect(q?.bids[0]?.lots).toBe(1000);
  });

  test("the reservation price moves against the inventory", () => {
    const { as, book, sink } = setup();
    as.onBook(bookUpdate(book));
    const flat = sink.last();
    const centre = (q: typeof flat) => (bid(q) + ask(q)) / 2;
    as.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 5000 }); // long 5 clips
    const long = sink.last();
    as.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: -5000 });
    const short = sink.last();
    expect(centre(long)).toBeLessThan(centre(flat));
    expect(centre(short)).toBeGreaterThan(centre(flat));
    // r = s(1 - q γ σ² τ): 5 × 50 × σ² × 60 of the mid.
    const shift = MID * 5 * 50 * (0.25 / (365 * 24 * 3600)) * 60;
    expect(Math.abs(centre(flat) - centre(long) - shift)).toBeLessThanOrEqual(1);
    // More risk aversion, more skew.
    as.updateParams({ risk_aversion: 100 });
    as.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 5000 });
    expect(centre(sink.last())).toBeLessThan(centre(long));
  });

  test("the spread widens with the estimated volatility", () => {
    const calm = setup();
    const wild = setup();
    for (let i = 0; i < 120; i++) {
      calm.clock.advance(1000);
      wild.clock.advance(1000);
      calm.as.onBook(bookUpdate(calm.book.set(MID - 50, MID + 50)));
      const move = i % 2 === 0 ? 1200 : -1200; // ±2 bps each second
      wild.as.onBook(bookUpdate(wild.book.set(MID - 50 + move, MID + 50 + move)));
    }
    calm.as.onBook(bookUpdate(calm.book.set(MID - 50, MID + 50)));
    wild.clock.advance(1);
    wild.as.onBook(bookUpdate(wild.book.set(MID - 50, MID + 50)));
    const width = (s: typeof calm) => ask(s.sink.last()) - bid(s.sink.last());
    expect(wild.as.volatility("sim", "BTC-USDT")).toBeGreaterThan(calm.as.volatility("sim", "BTC-USDT"));
    expect(calm.as.volatility("sim", "BTC-USDT")).toBeCloseTo(0.1, 6); // a calm market sits on the floor
    expect(width(wild)).toBeGreaterThan(width(calm));
  });

  test("volatility parameter is the estimate before any sample", () => {
    const lo = setup({ volatility: 0.2 });
    const hi = setup({ volatility: 3 });
    lo.as.onBook(bookUpdate(lo.book));
    hi.as.onBook(bookUpdate(hi.book));
    expect(ask(hi.sink.last()) - bid(hi.sink.last())).toBeGreaterThan(ask(lo.sink.last()) - bid(lo.sink.last()));
  });

  test("κ from book depth: liquidity close to the mid tightens the quotes", () => {
    const near = setup({ kappa: undefined });
    const far = setup({ kappa: undefined });
    near.as.onBook(bookUpdate(near.book.set(MID - 50, MID + 50, 100, 10, 10)));
    far.as.onBook(bookUpdate(far.book.set(MID - 50, MID + 50, 100, 10, 3000)));
    expect(near.as.kappa("sim", "BTC-USDT")).toBeGreaterThan(far.as.kappa("sim", "BTC-USDT"));
    const width = (s: typeof near) => ask(s.sink.last()) - bid(s.sink.last());
    expect(width(far)).toBeGreaterThan(width(near));
  });

  test("same safety rules: live books only, max_position per side, min_profit after fees", () => {
    const { as, book, sink } = setup({ min_profit: 0.0001 });
    as.onBookHealth("sim", "BTC-USDT", "stale");
    as.onBook(bookUpdate(book, "resyncing"));
    expect(sink.last()).toMatchObject({ bids: [], asks: [] });
    as.onBook(bookUpdate(book));
    expect(sink.last()?.bids.length).toBe(1);
    as.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 100_000 });
    expect(sink.last()?.bids).toEqual([]);
    as.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: -100_000 });
    expect(sink.last()?.asks).toEqual([]);
    as.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 0 });
    // Half spread ≈ 0.0005: a required edge of 0.001 removes both sides.
    as.updateParams({ min_profit: 0.001 });
    expect(sink.last()).toMatchObject({ bids: [], asks: [] });
  });

  test("parameter updates are validated by its own schema", () => {
    const { as } = setup();
    expect(() => as.updateParams({ horizon_s: -1 })).toThrow(StrategyParamsError);
    expect(as.validateParams({ kappa_levels: 0 })).toMatchObject({ ok: false, issues: [{ field: "kappa_levels" }] });
    expect(as.validateParams({ spread: 0.1 })).toMatchObject({
      ok: false,
      issues: [{ field: "spread", message: "unknown parameter" }],
    });
    expect(as.params().horizon_s).toBe(60);
  });

  test("kappa_min above kappa_max is refused, in config and in an update, naming kappa_min", () => {
    const { as } = setup();
    expect(as.validateParams({ kappa_min: 200_000 })).toEqual({
      ok: false,
      issues: [{ field: "kappa_min", message: "expected at most kappa_max (100000), got 200000" }],
    });
    expect(as.validateParams({ kappa_min: 200_000, kappa_max: 300_000 })).toMatchObject({ ok: true });
    expect(() => as.updateParams({ kappa_max: 50 })).toThrow(/kappa_min: expected at most kappa_max \(50\)/);
    expect(as.params().kappa_max).toBe(100_000);
    expect(() => setup({ kappa_min: 10, kappa_max: 5 })).toThrow(StrategyParamsError);
  });
});
