import { describe, expect, test } from "bun:test";
import { baseToLots, fractionToTicks, minTickLotsForNotional, priceToTicks } from "./units.ts";
import { DecimalGrid } from "./values.ts";

describe("natural units to ticks and lots", () => {
  const step = new DecimalGrid("0.00001");
  const tick = new DecimalGrid("0.01");

  test("base units to lots absorb float noise before rounding", () => {
    expect(baseToLots(1.0, step)).toBe(100_000);
    expect(baseToLots(0.3, new DecimalGrid("0.1"))).toBe(3); // 0.3 / 0.1 = 2.9999999999999996 in floats
    expect(baseToLots(0.000019, step)).toBe(1); // floor by default: never more than asked
    expect(baseToLots(0.000011, step, "ceil")).toBe(2);
    expect(baseToLots(0.7, new DecimalGrid("0.05"))).toBe(14);
  });

  test("prices to ticks and fractions of a price to ticks", () => {
    expect(priceToTicks(60000.01, tick)).toBe(6_000_001);
    expect(priceToTicks(60000.016, tick, "floor")).toBe(6_000_001);
    expect(fractionToTicks(0.002, 6_000_000)).toBe(12_000);
    expect(fractionToTicks(0.0001, 12_345)).toBe(2); // 1.2345 rounds up: a tolerance never shrinks to 0 by accident
  });

  test("minimum notional as ticks × lots, exactly", () => {
    // 5 USDT / (0.01 × 0.00001) = 5e7
    expect(minTickLotsForNotional("5", tick, step)).toBe(50_000_000);
    expect(minTickLotsForNotional("10.5", new DecimalGrid("0.5"), new DecimalGrid("0.01"))).toBe(2100);
    expect(minTickLotsForNotional("0", tick, step)).toBe(0);
    expect(minTickLotsForNotional("0.000001", new DecimalGrid("1"), new DecimalGrid("1"))).toBe(1);
    expect(() => minTickLotsForNotional("1e3", tick, step)).toThrow("expected a plain decimal");
  });

  test("non-finite input is refused", () => {
    expect(() => baseToLots(Number.NaN, step)).toThrow();
    expect(() => priceToTicks(Number.POSITIVE_INFINITY, tick)).toThrow();
  });
});
