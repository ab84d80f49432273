/**
 * The worked example's unit tests, written with the public strategy harness as a user would: scripted
 * books and fills on a virtual clock, the quotes it emitted checked in decimals.
 */
import { describe, expect, test } from "bun:test";
import { StrategyHarness } from "hft-engine/strategy";
import strategy from "./imbalance-mm.ts";

/** mid 60000.00 on sim BTC-USDT (tick 0.01, step 0.00001); the top five levels hold `bid`/`ask` BTC. */
function book(bid: string, ask: string) {
  const levels = (from: number, dir: number, size: string) =>
    [0, 1, 2, 3, 4].map((i) => [(from + dir * i * 0.01).toFixed(2), size] as const);
  return { bids: levels(59999.99, -1, bid), asks: levels(60000.01, 1, ask) };
}

function harness(parameters: Record<string, unknown> = {}): StrategyHarness {
  const h = new StrategyHarness(strategy, {
    parameters: { spread: 0.001, order_size: 0.01, imbalance_skew: 0.0004, inventory_skew: 0, ...parameters },
  });
  h.start();
  return h;
}

describe("imbalance_mm", () => {
  test("a balanced book: a symmetric quote around the mid", () => {
    const h = harness();
    h.book(book("1", "1"));
    // fair 60000.00, half width 30.00
    expect(h.quoted()).toEqual({ bids: [["59970.00", "0.01000"]], asks: [["60030.00", "0.01000"]] });
  });

  test("bids outweighing asks lift both quotes; asks outweighing bids lower them, by imbalance_skew at most", () => {
    const h = harness();
    // imbalance (3 - 1) / (3 + 1) = 0.5: fair 60000 × (1 + 0.0004 × 0.5) = 60012, half width 30.006,
    // the bid rounded down and the ask up onto the 0.01 grid
    h.book(book("3", "1"));
    expect(h.quoted()).toEqual({ bids: [["59981.99", "0.01000"]], asks: [["60042.01", "0.01000"]] });
    // imbalance -0.5: fair 59988, half width 29.994
    h.book(book("1", "3"));
    expect(h.quoted()).toEqual({ bids: [["59958.00", "0.01000"]], asks: [["60018.00", "0.01000"]] });
  });

  test("reads only depth_levels levels of the book", () => {
    const h = harness({ depth_levels: 1 });
    const b = book("1", "1");
    // heavier bids below the best level do not count with depth_levels 1
    h.book({ bids: [b.bids[0] as readonly [string, string], ["59999.00", "50"]], asks: b.asks });
    expect(h.quoted().bids).toEqual([["59970.00", "0.01000"]]);
  });

  test("leans against its own position on top of the book's lean", () => {
    const h = harness({ inventory_skew: 0.0002, max_position: 0.02 });
    h.book(book("1", "1"));
    h.fill({ side: "buy", price: "59970.00", size: "0.02" }); // a full max_position long
    h.book(book("3", "1"));
    // fair 60012 (the book's lean), centre 60012 × (1 - 0.0002) = 59999.9976 (the position's lean);
    // no room left to buy, so only the ask is quoted, half a width above the centre
    expect(h.quoted()).toEqual({ bids: [], asks: [["60030.01", "0.01000"]] });
  });

  test("its parameters are refused by name, at creation and on a change, and the range is stated", () => {
    expect(() => harness({ depth_levels: 0 })).toThrow("depth_levels: expected an integer in [1, 50]");
    const h = harness();
    expect(() => h.update({ imbalance: 0.1 })).toThrow("imbalance: unknown parameter");
    h.update({ imbalance_skew: 0 });
    h.book(book("3", "1"));
    expect(h.quoted().bids).toEqual([["59970.00", "0.01000"]]);
  });
});
