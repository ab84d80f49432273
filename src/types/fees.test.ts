import { describe, expect, test } from "bun:test";
import { addFeeRates, maxFeeRate, negateFeeRate } from "./fees.ts";

describe("fee rates as exact decimals", () => {
  test("add without a float in between and print the shortest form", () => {
    expect(addFeeRates("0.00075000", "0.00000112", "0")).toBe("0.00075112");
    expect(addFeeRates("0.1", "0.2")).toBe("0.3");
    expect(addFeeRates("-0.0002", "0.0001")).toBe("-0.0001");
    expect(addFeeRates()).toBe("0");
  });
  test("negate follows OKX's sign rule both ways; max picks the larger", () => {
    expect(negateFeeRate("-0.0008")).toBe("0.0008");
    expect(negateFeeRate("0.00005")).toBe("-0.00005");
    expect(negateFeeRate("0")).toBe("0");
    expect(maxFeeRate("0.0001", "0.00012")).toBe("0.00012");
  });
  test("a malformed rate is refused naming it", () => {
    expect(() => addFeeRates("1e-3")).toThrow('fee rate "1e-3"');
    expect(() => negateFeeRate("")).toThrow("fee rate");
    expect(() => addFeeRates("0.0000000000000000001")).toThrow("fee rate");
  });
});
