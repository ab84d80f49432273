/**
 * Tests of starter_mm with the strategy harness: scripted books, fills and time on a virtual clock, the
 * intents it emitted back. Add yours; `bun test` runs them in milliseconds.
 */
import { describe, expect, test } from "bun:test";
import { StrategyHarness } from "hft-engine/strategy";
import strategy from "./starter-mm.ts";

/** A harness on one simulator-like instrument (sim BTC-USDT: tick 0.01, step 0.00001). */
function harness(parameters: Record<string, unknown> = {}): StrategyHarness {
  const h = new StrategyHarness(strategy, { parameters: { spread: 0.002, order_size: 0.01, ...parameters } });
  h.start();
  return h;
}

describe("starter_mm", () => {
  test("quotes both sides around the mid, total width spread", () => {
    const h = harness();
    h.book({ bids: [["59999.95", "1"]], asks: [["60000.05", "1"]] });
    // mid 60000.00, spread 0.2 %: 60 below and above
    expect(h.quoted()).toEqual({ bids: [["59940.00", "0.01000"]], asks: [["60060.00", "0.01000"]] });
  });

  test("leans against its inventory: a long position moves both quotes down", () => {
    const h = harness({ max_position: 0.02, inventory_skew: 0.001 });
    const book = { bids: [["59999.95", "1"]], asks: [["60000.05", "1"]] } as const;
    h.book(book);
    const flat = h.lastQuote();
    h.fill({ side: "buy", price: "59940.00", size: "0.01" });
    h.book(book);
    const long = h.lastQuote();
    expect(long?.bids[0]?.priceTicks).toBeLessThan(flat?.bids[0]?.priceTicks ?? 0);
    expect(long?.asks[0]?.priceTicks).toBeLessThan(flat?.asks[0]?.priceTicks ?? 0);
  });

  test("quotes nothing on a book that is not live, and withdraws everything on stop", () => {
    const h = harness();
    h.book({ bids: [["59999.95", "1"]], asks: [["60000.05", "1"]] });
    h.health("resyncing");
    expect(h.quoted()).toEqual({ bids: [], asks: [] });
    h.health("live");
    h.book({ bids: [["59999.95", "1"]], asks: [["60000.05", "1"]] });
    expect(h.quoted().bids.length).toBe(1);
    h.stop();
    expect(h.quoted()).toEqual({ bids: [], asks: [] });
  });

  test("parameters are checked by its schema, in config and on every change", () => {
    expect(() => harness({ spread: 0.9 })).toThrow("spread");
    const h = harness();
    expect(() => h.update({ sprd: 0.001 })).toThrow("sprd: unknown parameter");
    h.update({ spread: 0.004 });
    h.book({ bids: [["59999.95", "1"]], asks: [["60000.05", "1"]] });
    expect(h.quoted().bids).toEqual([["59880.00", "0.01000"]]);
  });
});
