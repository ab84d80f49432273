import { describe, expect, test } from "bun:test";
import { DecimalGrid } from "../types/index.ts";
import { formatMoney, InstrumentMath, moneyOrThrow, moneyToNumber, mulDivRound, parseMoney } from "./money.ts";

describe("money", () => {
  test("parses decimals exactly, including YAML-style exponents and signs", () => {
    expect(parseMoney("1")).toBe(10n ** 18n);
    expect(parseMoney("0.00100000")).toBe(10n ** 15n);
    expect(parseMoney("-1.5")).toBe(-15n * 10n ** 17n);
    expect(parseMoney(".5")).toBe(5n * 10n ** 17n);
    expect(parseMoney("1e-7")).toBe(10n ** 11n);
    expect(parseMoney("2.5E3")).toBe(2500n * 10n ** 18n);
    expect(parseMoney("0.000000000000000001")).toBe(1n);
    expect(parseMoney("0.0000000000000000010")).toBe(1n);
  });

  test("refuses malformed input and amounts below 10^-18", () => {
    for (const s of ["", ".", "abc", "1,5", "1.2.3", "0.0000000000000000001", "--1", "1e", "NaN"]) {
      expect(`${s}: ${parseMoney(s)}`).toBe(`${s}: undefined`);
    }
    expect(() => moneyOrThrow("x", "risk.maxOrderBase")).toThrow("risk.maxOrderBase");
    expect(() => moneyOrThrow(Number.POSITIVE_INFINITY, "risk.x")).toThrow("risk.x");
    expect(moneyOrThrow(0.1, "n")).toBe(10n ** 17n);
  });

  test("formats and approximates", () => {
    expect(formatMoney(-12_500_000_000_000_000_000n)).toBe("-12.5");
    expect(formatMoney(0n)).toBe("0");
    expect(formatMoney(1n)).toBe("0.000000000000000001");
    expect(moneyToNumber(15n * 10n ** 17n)).toBe(1.5);
  });

  test("mulDivRound rounds half away from zero", () => {
    expect(mulDivRound(5n, 1n, 2n)).toBe(3n);
    expect(mulDivRound(-5n, 1n, 2n)).toBe(-3n);
    expect(mulDivRound(4n, 1n, 3n)).toBe(1n);
    expect(mulDivRound(-4n, 1n, 3n)).toBe(-1n);
    expect(mulDivRound(6n, 1n, 3n)).toBe(2n);
  });

  test("instrument factors: a lot, a tick, a lot at a tick", () => {
    const m = new InstrumentMath(new DecimalGrid("0.01"), new DecimalGrid("0.00001"));
    expect(formatMoney(m.base(3))).toBe("0.00003");
    expect(formatMoney(m.notional(100_000, 5_000_000))).toBe("50000");
    const odd = new InstrumentMath(new DecimalGrid("0.05"), new DecimalGrid("0.25"));
    expect(formatMoney(odd.notional(3, 7))).toBe("0.2625"); // 0.75 × 0.35
    expect(() => new InstrumentMath(new DecimalGrid("0.000000001"), new DecimalGrid("0.000000001"))).toThrow(
      "more than 17 decimals",
    );
  });
});
