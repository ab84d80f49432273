import { describe, expect, test } from "bun:test";
import { Rng } from "../services/index.ts";
import { DecimalGrid } from "./values.ts";

describe("DecimalGrid", () => {
  test("parses venue decimal strings to whole increments exactly", () => {
    const tick = new DecimalGrid("0.01");
    expect(tick.parse("60000.01")).toBe(6_000_001);
    expect(tick.parse("60000.0100000")).toBe(6_000_001);
    expect(tick.parse("0.01")).toBe(1);
    expect(tick.parse("0")).toBe(0);
    expect(tick.parse("5")).toBe(500);
    expect(tick.parse(".5")).toBe(50);
    const step = new DecimalGrid("0.00100000");
    expect(step.decimals).toBe(3);
    expect(step.parse("1.23400000")).toBe(1234);
    const nickel = new DecimalGrid("0.05");
    expect(nickel.parse("1.15")).toBe(23);
    expect(new DecimalGrid("10").parse("120")).toBe(12);
  });

  test("rejects malformed, signed, exponent, off-grid and oversized input with NaN", () => {
    const tick = new DecimalGrid("0.01");
    for (const bad of ["", ".", "-1", "+1", "1e5", "1.001", "abc", "1.2.3", " 1", "1,5", "NaN", "Infinity"]) {
      expect(tick.parse(bad)).toBeNaN();
    }
    expect(new DecimalGrid("0.05").parse("1.13")).toBeNaN();
    expect(tick.parse("999999999999999999")).toBeNaN();
  });

  test("format is the inverse of parse on the grid", () => {
    const step = new DecimalGrid("0.00001");
    expect(step.format(1)).toBe("0.00001");
    expect(step.format(123456789)).toBe("1234.56789");
    expect(step.format(-5)).toBe("-0.00005");
    expect(new DecimalGrid("1").format(42)).toBe("42");
    const seed = `grid-${Date.now()}`;
    const rng = new Rng(seed);
    const grids = ["0.01", "0.00001", "0.05", "0.1", "1", "25", "0.00000001"].map((g) => new DecimalGrid(g));
    for (let i = 0; i < 20_000; i++) {
      const g = rng.pick(grids);
      const n = rng.int(1e12);
      const back = g.parse(g.format(n));
      if (back !== n)
        throw new Error(`seed ${seed}: grid ${g.increment} n=${n} formatted ${g.format(n)} parsed ${back}`);
    }
  });

  test("rejects invalid increments at construction", () => {
    expect(() => new DecimalGrid("0")).toThrow();
    expect(() => new DecimalGrid("-0.01")).toThrow();
    expect(() => new DecimalGrid("1e-8")).toThrow();
    expect(new DecimalGrid("0.0100").increment).toBe("0.01");
  });

  test("parseOrThrow names what it was parsing", () => {
    expect(() => new DecimalGrid("0.01").parseOrThrow("1.001", "price")).toThrow(/price: "1.001"/);
  });
});
