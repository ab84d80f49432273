/** The venue-neutral trade-history rules: id order, query checks, selecting exactly the trades asked for. */
import { describe, expect, test } from "bun:test";
import { type Lots, Side, type Ticks, VenueRejectError, type VenueTrade } from "../types/index.ts";
import { checkTradeQuery, compareTradeIds, isDecimalString, selectTrades } from "./trade-history.ts";

const trade = (id: string, timeMs: number, side: Side = Side.Buy): VenueTrade => ({
  venue: "v",
  symbol: "BTC-USDT",
  tradeId: id,
  venueOrderId: "1",
  clientId: "",
  side,
  priceTicks: 100 as Ticks,
  lots: 1 as Lots,
  price: "1.00",
  qty: "0.01",
  fee: "0.001",
  feeAsset: "USDT",
  isMaker: true,
  venueTimeMs: timeMs,
});

describe("trade history rules", () => {
  test("trade ids compare as numbers of any length, not as strings", () => {
    expect(compareTradeIds("9", "10")).toBe(-1);
    expect(compareTradeIds("100000000000000000000001", "100000000000000000000000")).toBe(1);
    expect(compareTradeIds("42", "42")).toBe(0);
    expect(compareTradeIds("-5", "3")).toBe(-1);
    expect(compareTradeIds("b", "a")).toBe(1); // not numbers: string order, never a throw
  });

  test("a query is checked field by field, the error naming the field", () => {
    const err = (q: Parameters<typeof checkTradeQuery>[1]): string => {
      try {
        checkTradeQuery("bn", q);
        return "";
      } catch (e) {
        expect(e instanceof VenueRejectError && e.reason === "invalid_request").toBe(true);
        return String(e);
      }
    };
    expect(err({ symbol: "BTC-USDT", afterTradeId: "12", sinceMs: 0, limit: 1 })).toBe("");
    expect(err({ symbol: "" })).toContain("symbol");
    expect(err({ symbol: "BTC-USDT", afterTradeId: "1.5" })).toContain("afterTradeId");
    expect(err({ symbol: "BTC-USDT", afterTradeId: "-3" })).toContain("afterTradeId");
    expect(err({ symbol: "BTC-USDT", sinceMs: Number.NaN })).toContain("sinceMs");
    expect(err({ symbol: "BTC-USDT", limit: 2.5 })).toContain("limit");
  });

  test("exactly the trades asked for: after the id, from the time, once, oldest first, at most limit", () => {
    const pages = [trade("12", 300), trade("9", 100), trade("10", 200), trade("12", 300), trade("11", 250)];
    const ids = (q: Parameters<typeof selectTrades>[1]) => selectTrades(pages, q).map((t) => t.tradeId);
    expect(ids({ symbol: "BTC-USDT" })).toEqual(["9", "10", "11", "12"]);
    expect(ids({ symbol: "BTC-USDT", afterTradeId: "9" })).toEqual(["10", "11", "12"]);
    expect(ids({ symbol: "BTC-USDT", sinceMs: 250 })).toEqual(["11", "12"]);
    expect(ids({ symbol: "BTC-USDT", afterTradeId: "9", sinceMs: 250, limit: 1 })).toEqual(["11"]);
    // both sides of a self-trade share the id: both are kept
    expect(selectTrades([trade("5", 1, Side.Buy), trade("5", 1, Side.Sell)], { symbol: "BTC-USDT" }).length).toBe(2);
  });

  test("decimal strings as venues write fees", () => {
    expect(isDecimalString("0.00100000")).toBe(true);
    expect(isDecimalString("-0.01")).toBe(true);
    expect(isDecimalString("12")).toBe(true);
    for (const bad of ["", "1e-5", "0.", ".5", "abc", 5, null]) expect(isDecimalString(bad)).toBe(false);
  });
});
