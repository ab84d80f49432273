/**
 * A strategy written in its own file, as a user writes one, run by the unchanged engine: the worked
 * example (config/strategies/imbalance-mm.ts) is loaded from its file by config/imbalance-mm.yaml (not
 * from the catalogue), trades end to end on the simulator (sim-direct on a virtual clock), takes
 * parameter changes through the control API checked by its own schema, and shuts down clean. A module
 * that cannot be used stops start-up with a message naming the file: before anything starts when it
 * does not load, once the venues are known when its constructor throws.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, parseConfig, resolveStrategy } from "../src/engine/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { startEngineOnSim } from "./support/engine-on-sim.ts";
import { run } from "./support/virtual-time.ts";

const ROOT = join(import.meta.dir, "..");
const SEED = process.env.SEED ?? "user-strategy-1";
const EXAMPLE = join(ROOT, "config", "imbalance-mm.yaml");
const OPTS = { env: {}, strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES };

const dir = mkdtempSync(join(tmpdir(), "hft-user-strategy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const API = JSON.stringify(join(ROOT, "src", "strategy", "api.ts"));

/** The example config, as shipped, read from its file. */
function example(seedParams: Record<string, unknown> = {}) {
  const loaded = loadConfig(EXAMPLE, { ...OPTS, env: { HFT_SIM_SEED: SEED } });
  Object.assign(loaded.config.strategy.parameters, seedParams);
  return loaded.config;
}

/** A minute of trading: every fill, in order. */
async function fillsOf(seed: string): Promise<string[]> {
  const e = await startEngineOnSim({ config: example(), seed });
  await run(e.clock, 60_000);
  await e.stop();
  return e.audit.sent.map(
    (s) => `${s.atMs} ${s.venue} ${s.req.symbol} ${s.req.side} ${s.req.lots}@${s.req.priceTicks}`,
  );
}

describe(`the worked example, loaded from its file, on the simulator (seed ${SEED})`, () => {
  test("it is a module, not a built-in", async () => {
    const r = await resolveStrategy(example(), EXAMPLE);
    expect(STRATEGY_TYPES).not.toContain("imbalance_mm");
    expect([r.definition.kind, r.name, r.module]).toEqual([
      "imbalance_mm",
      "imbalance",
      join(ROOT, "config", "strategies", "imbalance-mm.ts"),
    ]);
  });

  test("quotes, fills within every limit, takes parameter changes through its schema, shuts down clean", async () => {
    const e = await startEngineOnSim({ config: example(), seed: SEED });
    await run(e.clock, 180_000);
    const st = await e.status();
    const s = st.strategies[0];
    expect({ seed: SEED, name: s?.name, kind: s?.kind, state: s?.state, failure: s?.failure }).toEqual({
      seed: SEED,
      name: "imbalance",
      kind: "imbalance_mm",
      state: "running",
      failure: null,
    });
    expect(e.audit.fills, `${SEED}: fills in 3 simulated minutes`).toBeGreaterThan(5);
    expect({ seed: SEED, violations: e.audit.violations }).toEqual({ seed: SEED, violations: [] });
    expect(
      st.openOrders.every((o) => o.strategy === "imbalance"),
      SEED,
    ).toBe(true);

    const patch = (body: unknown) => e.call("PATCH", "/api/strategies/imbalance/params?wait=5000", body);
    const unknown = await patch({ depth: 3 });
    expect([unknown.status, unknown.body.issues]).toEqual([400, [{ field: "depth", message: "unknown parameter" }]]);
    const range = await patch({ depth_levels: 0 });
    expect([range.status, range.body.issues]).toEqual([
      400,
      [{ field: "depth_levels", message: "expected an integer in [1, 50], got 0" }],
    ]);
    const ok = await patch({ imbalance_skew: 0.0001, depth_levels: 3 });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await e.status()).strategies[0]?.params).toMatchObject({ imbalance_skew: 0.0001, depth_levels: 3 });
    const openapi = await e.call("GET", "/openapi.json");
    expect(JSON.stringify(openapi.body)).toContain('"depth_levels":{"type":"integer","minimum":1,"maximum":50');

    const report = await e.stop();
    expect({ seed: SEED, ...report, durationMs: 0 }).toMatchObject({
      seed: SEED,
      openOrders: 0,
      inFlight: 0,
      venueOpenOrders: 0,
    });
    expect(e.resting()).toEqual([]);
  });

  test("the same seed trades the same", async () => {
    const [a, b] = [await fillsOf(SEED), await fillsOf(SEED)];
    expect(a.length, SEED).toBeGreaterThan(5);
    expect(b, SEED).toEqual(a);
  });
});

describe("a module that cannot be used stops start-up, naming the file", () => {
  test("its constructor throws: a start-up error naming the module and what it threw", async () => {
    const file = join(dir, "throws.ts");
    writeFileSync(
      file,
      `import { BaseStrategy, defineStrategy, v } from ${API};
const schema = v.strictObject({});
export default defineStrategy({
  apiVersion: "1.0",
  kind: "throws",
  paramsSchema: schema,
  create: () => { throw new RangeError("needs two venues"); },
});
`,
    );
    const { config } = parseConfig(
      "venues: [{ name: sim, type: sim, symbols: [BTC-USDT] }]\nstrategy: { module: ./throws.ts }\n",
      join(dir, "engine.yaml"),
      OPTS,
    );
    const started = startEngineOnSim({ config, seed: SEED });
    await expect(started).rejects.toThrow(`strategy ${file}: create() threw RangeError: needs two venues`);
  });

  test("bun run start with a module of another API major: exit 1, the message names it, nothing started", async () => {
    const file = join(dir, "v2.ts");
    writeFileSync(
      file,
      `export default { apiVersion: "2.1", kind: "future", paramsSchema: {}, create: () => ({}) };\n`,
    );
    const cfg = join(dir, "v2.yaml");
    writeFileSync(cfg, "venues: [{ name: sim, type: sim, symbols: [BTC-USDT] }]\nstrategy: { module: ./v2.ts }\n");
    const p = Bun.spawn([process.execPath, "src/main.ts", "--config", cfg], {
      cwd: ROOT,
      env: { ...process.env, HFT_HTTP_PORT: "0", HFT_CONFIG: "" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
      p.exited,
    ]);
    expect({ code, err: err.trim() }).toEqual({
      code: 1,
      err: `invalid config ${cfg}:\n  ${cfg}: strategy.module: ${file}: default export: apiVersion: the module was written for strategy API 2.1, this engine provides 1.0: a different major version is incompatible (port the module to 1.x, or run the engine it was written for)`,
    });
    expect(out).not.toContain("simulator started");
  });
});
