import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { marketMaking } from "./builtins/market-making.ts";
import { apiVersionProblem, definitionProblems, STRATEGY_API_VERSION } from "./definition.ts";
import { intField, positiveUpTo } from "./fields.ts";

const ok = { apiVersion: "1.0", kind: "my_mm", paramsSchema: v.strictObject({}), create: () => ({}) };

describe("the API version a module declares", () => {
  test("the same major and a minor up to the engine's run; the message says which versions and what to do", () => {
    expect(apiVersionProblem("1.0", "1.3")).toBeUndefined();
    expect(apiVersionProblem("1.3", "1.3")).toBeUndefined();
    expect(apiVersionProblem("1.4", "1.3")).toBe(
      "apiVersion: the module needs strategy API 1.4, this engine provides only 1.3 (it may use what 1.4 added): upgrade the engine",
    );
    expect(apiVersionProblem("2.0", "1.3")).toBe(
      "apiVersion: the module was written for strategy API 2.0, this engine provides 1.3: a different major version is incompatible (port the module to 1.x, or run the engine it was written for)",
    );
    expect(apiVersionProblem("0.9", "1.3")).toContain("a different major version");
    for (const bad of [1, "1", "1.0.0", "v1.0", "", undefined, null]) {
      expect(apiVersionProblem(bad, "1.3")).toStartWith('apiVersion: expected a "MAJOR.MINOR" string like "1.3"');
    }
  });

  test("the built-ins declare the engine's own version", () => {
    expect(marketMaking.apiVersion).toBe(STRATEGY_API_VERSION);
  });
});

describe("what a definition must be", () => {
  test("a well-formed one passes", () => {
    expect(definitionProblems(ok)).toEqual([]);
    expect(definitionProblems(marketMaking)).toEqual([]);
  });

  test("every field at fault is named; an incompatible version is the only thing said", () => {
    expect(definitionProblems({ ...ok, kind: "My-MM", create: 3 })).toEqual([
      'kind: expected snake_case of 1-32 letters, digits and _ starting with a letter, got "My-MM"',
      "create: expected a function (name, ctx, params) => Strategy, got 3",
    ]);
    expect(definitionProblems({ apiVersion: "9.0" })).toEqual([expect.stringContaining("strategy API 9.0") as string]);
    expect(definitionProblems(null)).toEqual([expect.stringContaining("got null") as string]);
  });

  test("the schema is a strict valibot object (unknown parameters refused) with every number bounded", () => {
    expect(definitionProblems({ ...ok, paramsSchema: { type: "strict_object" } })[0]).toStartWith(
      "paramsSchema: expected a valibot schema",
    );
    expect(definitionProblems({ ...ok, paramsSchema: v.object({}) })).toEqual([
      "paramsSchema: expected v.strictObject({...}) so unknown parameters are refused, got a object schema",
    ]);
    const open = v.strictObject({
      size: v.optional(v.number(), 1),
      ok: v.optional(intField(1, 5), 1),
      floorOnly: v.pipe(v.number(), v.minValue(0)),
      nested: v.strictObject({ deep: v.number(), fine: positiveUpTo(3) }),
      list: v.array(v.pipe(v.number(), v.maxValue(3))),
      name: v.string(),
    });
    expect(definitionProblems({ ...ok, paramsSchema: open })).toEqual([
      "paramsSchema.size: a number needs a finite range (numberIn, intField, positiveUpTo, fractionField, ...)",
      "paramsSchema.floorOnly: a number needs a finite range (numberIn, intField, positiveUpTo, fractionField, ...)",
      "paramsSchema.nested.deep: a number needs a finite range (numberIn, intField, positiveUpTo, fractionField, ...)",
      "paramsSchema.list[]: a number needs a finite range (numberIn, intField, positiveUpTo, fractionField, ...)",
    ]);
  });
});
