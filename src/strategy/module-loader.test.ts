import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStrategyModule, StrategyModuleError } from "./module-loader.ts";

const API = join(import.meta.dir, "api.ts");
const dir = mkdtempSync(join(tmpdir(), "hft-strategy-modules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes a module file (each under a new name: Bun caches an imported module by path). */
function moduleFile(body: string): string {
  const file = join(dir, `m${++n}.ts`);
  writeFileSync(file, body.replaceAll("API", JSON.stringify(API)));
  return file;
}

const DEFINITION = `defineStrategy({
  apiVersion: "1.0",
  kind: "tiny",
  paramsSchema: v.strictObject({ size: v.optional(positiveUpTo(5), 1) }),
  create: (name, ctx) => new Tiny(name, ctx),
})`;
const TINY = `import { BaseStrategy, defineStrategy, positiveUpTo, v } from API;
const schema = v.strictObject({ size: v.optional(positiveUpTo(5), 1) });
class Tiny extends BaseStrategy<typeof schema> {
  readonly kind = "tiny";
  constructor(name, ctx) { super(name, ctx, schema, {}); }
}
`;

/** The problems loading `file` reports (it must fail with StrategyModuleError naming the file). */
async function problems(file: string): Promise<readonly string[]> {
  try {
    await loadStrategyModule(file);
  } catch (e) {
    expect(e).toBeInstanceOf(StrategyModuleError);
    expect((e as Error).message).toStartWith(`strategy module ${file}: `);
    return (e as StrategyModuleError).problems;
  }
  throw new Error(`${file} loaded`);
}

describe("loading a strategy file", () => {
  test("a well-formed module loads as its definition", async () => {
    const d = await loadStrategyModule(moduleFile(`${TINY}export default ${DEFINITION};`));
    expect([d.kind, d.apiVersion, typeof d.create]).toEqual(["tiny", "1.0", "function"]);
  });

  test("a missing file, a relative path, a folder", async () => {
    expect(await problems(join(dir, "nope.ts"))).toEqual(["no such file"]);
    expect(await problems(dir)).toEqual(["not a file"]);
    await expect(loadStrategyModule("strategies/x.ts")).rejects.toThrow("expected an absolute path");
  });

  test("a module that does not import: a syntax error, a throw at load, an import that does not resolve", async () => {
    expect((await problems(moduleFile("export default {{;")))[0]).toStartWith("failed to load: ");
    expect(await problems(moduleFile('throw new Error("no config for me");'))).toEqual([
      "failed to load: no config for me",
    ]);
    expect((await problems(moduleFile('import "./not-there.ts";')))[0]).toContain("not-there.ts");
  });

  test("the strategy API's package path from outside the project gets a hint", async () => {
    const [p] = await problems(moduleFile('import { v } from "hft-engine/strategy";\nexport default v;'));
    expect(p).toContain("resolves only for files inside the engine's project");
    expect(p).toContain("src/strategy/api.ts");
  });

  test("the wrong shape: no default export (its exports listed), a definition with faults named", async () => {
    expect(await problems(moduleFile(`${TINY}export const strategy = ${DEFINITION};`))).toEqual([
      "expected a default export made with defineStrategy({ apiVersion, kind, paramsSchema, create }) (the module exports only: strategy)",
    ]);
    expect(await problems(moduleFile(`export default { apiVersion: "1.0", kind: "x" };`))).toEqual([
      "default export: create: expected a function (name, ctx, params) => Strategy, got undefined",
      "default export: paramsSchema: expected a valibot schema (v.strictObject({...}) from the strategy API), got undefined",
    ]);
  });

  test("an incompatible API version is refused with the module's version and the engine's", async () => {
    const v2 = moduleFile(`${TINY}export default ${DEFINITION.replace('"1.0"', '"2.0"')};`);
    expect(await problems(v2)).toEqual([
      "default export: apiVersion: the module was written for strategy API 2.0, this engine provides 1.0: a different major version is incompatible (port the module to 1.x, or run the engine it was written for)",
    ]);
  });

  test("an unbounded number in its parameters is refused by name", async () => {
    const open = moduleFile(`${TINY}export default ${DEFINITION.replace("positiveUpTo(5)", "v.number()")};`);
    expect(await problems(open)).toEqual([
      "default export: paramsSchema.size: a number needs a finite range (numberIn, intField, positiveUpTo, fractionField, ...)",
    ]);
  });
});
