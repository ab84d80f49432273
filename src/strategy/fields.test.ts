import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { marketMakingParamsSchema } from "./builtins/market-making.ts";
import {
  baseAmount,
  formatBound,
  intField,
  isExactMoney,
  moneyAmount,
  paramsJsonSchema,
  positiveFraction,
  rangeOf,
  rangeText,
} from "./fields.ts";

const messages = (schema: v.GenericSchema, input: unknown) => {
  const r = v.safeParse(schema, input);
  return r.success ? [] : [...new Set(r.issues.map((i) => i.message))];
};

describe("numeric fields carry their range", () => {
  test("bounds read as people write them", () => {
    expect([1e12, 1e6, 3_600_000, 86_400, 0.5, 0, -0.01].map(formatBound)).toEqual([
      "1e12",
      "1e6",
      "3.6e6",
      "86400",
      "0.5",
      "0",
      "-0.01",
    ]);
    expect(rangeText({ min: 0, minIncluded: false, max: 1e12, maxIncluded: true, integer: false })).toBe("(0, 1e12]");
    expect(rangeText({ min: 1, minIncluded: true, max: 20, maxIncluded: true, integer: true })).toBe("[1, 20]");
  });

  test("every check of a field states the whole range, whatever fails", () => {
    for (const bad of [0, -1, 1e13, Number.POSITIVE_INFINITY, Number.NaN, "1"]) {
      expect({ bad, m: messages(baseAmount, bad) }).toEqual({ bad, m: ["a number in (0, 1e12]"] });
    }
    expect(messages(baseAmount, 1e12)).toEqual([]);
    expect(messages(intField(1, 20), 2.5)).toEqual(["an integer in [1, 20]"]);
    expect(messages(positiveFraction(0.5), 0.5)).toEqual(["a fraction in (0, 0.5)"]);
  });

  test("money amounts must convert to 10^-18 units exactly", () => {
    expect([0.1, 0.05, 1e12, 1e-18, 123.456].map(isExactMoney)).toEqual([true, true, true, true, true]);
    expect([1e-19, 1.5e-18].map(isExactMoney)).toEqual([false, false]);
    expect(messages(moneyAmount(1e12), 1e-19)).toEqual(["at most 18 decimal places"]);
    expect(messages(moneyAmount(1e12), 2e12)).toEqual(["a number in (0, 1e12]"]);
  });

  test("the range is read back from the schema, through optional and nested pipes", () => {
    expect(rangeOf(v.optional(baseAmount, 1))).toEqual({
      min: 0,
      minIncluded: false,
      max: 1e12,
      maxIncluded: true,
      integer: false,
    });
    expect(rangeOf(moneyAmount(5))).toMatchObject({ min: 0, max: 5, maxIncluded: true });
    expect(rangeOf(intField(0, 9))).toMatchObject({ min: 0, minIncluded: true, max: 9, integer: true });
    expect(rangeOf(v.string())).toBeUndefined();
  });

  test("a strategy's parameter update as JSON Schema: the same bounds, defaults, enums, nothing else allowed", () => {
    const s = paramsJsonSchema(marketMakingParamsSchema) as {
      additionalProperties: boolean;
      minProperties: number;
      properties: Record<string, unknown>;
    };
    expect(s.additionalProperties).toBe(false);
    expect(s.minProperties).toBe(1);
    expect(s.properties.max_position).toEqual({ type: "number", exclusiveMinimum: 0, maximum: 1e12, default: 1 });
    expect(s.properties.spread).toEqual({ type: "number", exclusiveMinimum: 0, exclusiveMaximum: 0.5, default: 0.002 });
    expect(s.properties.levels).toEqual({ type: "integer", minimum: 1, maximum: 20, default: 1 });
    expect(s.properties.fair_value).toEqual({ enum: ["mid", "microprice"], default: "mid" });
    expect(Object.keys(s.properties)).toEqual(Object.keys(marketMakingParamsSchema.entries));
  });
});
