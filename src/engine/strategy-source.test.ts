import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STRATEGY_TYPES, strategyParamsSchema } from "../strategy/index.ts";
import { ConfigError, parseConfig } from "./config.ts";
import { resolveStrategy } from "./strategy-source.ts";

const API = join(import.meta.dir, "..", "strategy", "api.ts");
const dir = mkdtempSync(join(tmpdir(), "hft-strategy-source-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODULE = `import { BaseStrategy, defineStrategy, intField, v } from ${JSON.stringify(API)};
const schema = v.strictObject({ depth: v.optional(intField(1, 10), 3), label: v.optional(v.string(), "x") });
class Probe extends BaseStrategy<typeof schema> { readonly kind = "probe"; }
export default defineStrategy({
  apiVersion: "1.0",
  kind: "probe",
  paramsSchema: schema,
  create: (name, ctx, params) => new Probe(name, ctx, schema, params),
});
`;
writeFileSync(join(dir, "probe.ts"), MODULE);
writeFileSync(join(dir, "old.ts"), MODULE.replace('"1.0"', '"0.3"'));

const FILE = join(dir, "engine.yaml");
const OPTS = { env: {}, strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES };
const yaml = (strategy: string) => `venues: [{ name: sim, type: sim, symbols: [BTC-USDT] }]\nstrategy: ${strategy}\n`;

/** The issues of the ConfigError `fn` throws (it must throw one naming FILE). */
async function issues(fn: () => unknown): Promise<{ path: string; message: string }[]> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).file).toBe(FILE);
    return [...(e as ConfigError).issues];
  }
  throw new Error("no error");
}

describe("where the strategy comes from", () => {
  test("a built-in by type: its definition, parameters with defaults, the type as its name", async () => {
    const { config } = parseConfig(yaml("{ type: market_making, parameters: { spread: 0.004 } }"), FILE, OPTS);
    const r = await resolveStrategy(config, FILE);
    expect([r.definition.kind, r.name, r.module, r.source, r.params.spread, r.params.levels]).toEqual([
      "market_making",
      "market_making",
      undefined,
      "built-in market_making",
      0.004,
      1,
    ]);
  });

  test("a module by a path relative to the config file, its parameters checked by its own schema", async () => {
    const { config } = parseConfig(yaml("{ module: ./probe.ts, name: p1, parameters: { depth: 7 } }"), FILE, OPTS);
    expect(config.strategy.module).toBe(join(dir, "probe.ts"));
    const r = await resolveStrategy(config, FILE);
    expect([r.definition.kind, r.name, r.module, r.params]).toEqual([
      "probe",
      "p1",
      join(dir, "probe.ts"),
      { depth: 7, label: "x" },
    ]);
  });

  test("its parameters refused exactly as a built-in's: unknown keys, ranges, types, each by its path", async () => {
    const { config } = parseConfig(
      yaml("{ module: ./probe.ts, parameters: { depth: 11, lable: y, label: 3 } }"),
      FILE,
      OPTS,
    );
    expect(await issues(() => resolveStrategy(config, FILE))).toEqual([
      { path: "strategy.parameters.depth", message: "expected an integer in [1, 10], got 11" },
      { path: "strategy.parameters.label", message: "expected string, got 3" },
      { path: "strategy.parameters.lable", message: "unknown key (allowed: depth, label)" },
    ]);
  });

  test("a module that cannot be used is a config error on strategy.module naming the module's file", async () => {
    const missing = parseConfig(yaml("{ module: ./nope.ts }"), FILE, OPTS).config;
    expect(await issues(() => resolveStrategy(missing, FILE))).toEqual([
      { path: "strategy.module", message: `${join(dir, "nope.ts")}: no such file` },
    ]);
    const old = parseConfig(yaml("{ module: ./old.ts }"), FILE, OPTS).config;
    const [issue] = await issues(() => resolveStrategy(old, FILE));
    expect(issue?.message).toBe(
      `${join(dir, "old.ts")}: default export: apiVersion: the module was written for strategy API 0.3, this engine provides 1.0: a different major version is incompatible (port the module to 1.x, or run the engine it was written for)`,
    );
  });

  test("exactly one of type and module", async () => {
    expect(await issues(() => parseConfig(yaml("{ type: market_making, module: ./probe.ts }"), FILE, OPTS))).toEqual([
      { path: "strategy", message: "expected either type (a built-in strategy) or module (a strategy file), not both" },
    ]);
    expect(await issues(() => parseConfig(yaml("{ name: x }"), FILE, OPTS))).toEqual([
      { path: "strategy", message: "expected type (a built-in strategy) or module (a strategy file)" },
    ]);
  });

  test("strategy.guard is strict and ranged, with its defaults written once", () => {
    const { config } = parseConfig(yaml("{ type: market_making }"), FILE, OPTS);
    expect(config.strategy.guard).toEqual({
      event_budget_us: 5000,
      max_overruns: 20,
      overrun_window_ms: 10_000,
      max_intents_per_event: 200,
    });
    expect(() =>
      parseConfig(yaml("{ type: market_making, guard: { max_overruns: 0, budget: 1 } }"), FILE, OPTS),
    ).toThrow(
      /strategy\.guard\.max_overruns: expected an integer in \[1, 100000\], got 0[\s\S]*strategy\.guard\.budget: unknown key/,
    );
  });
});
