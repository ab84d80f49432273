/**
 * The dependency rules (.dependency-cruiser.cjs, run in CI as `bun run deps`) hold on src/ as it is,
 * and fail, naming the offending import, on a copy of src/ with a deliberately bad import of each kind.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");

/** Runs dependency-cruiser with the project's rules in dir; exit code and report. */
async function cruise(dir: string): Promise<{ code: number; out: string }> {
  const p = Bun.spawn(
    [process.execPath, "--bun", "x", "depcruise", "src", "--config", ".dependency-cruiser.cjs", "--output-type", "err"],
    { cwd: dir, stdout: "pipe", stderr: "pipe", env: process.env },
  );
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: out + err };
}

test("src/ as it is breaks no dependency rule", async () => {
  const r = await cruise(ROOT);
  expect(r.out).toContain("no dependency violations found");
  expect(r.code).toBe(0);
}, 60_000);

describe("a deliberately bad import fails the check and is named", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hft-deps-"));
    cpSync(join(ROOT, "src"), join(dir, "src"), { recursive: true });
    for (const f of [".dependency-cruiser.cjs", "tsconfig.json"]) cpSync(join(ROOT, f), join(dir, f));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: { name: string; file: string; code: string; rule: string; offending: string }[] = [
    {
      name: "a lower floor importing a higher one",
      file: "src/metrics/bad-up.ts",
      code: 'import { Engine } from "../engine/index.ts";\nexport const e = Engine;\n',
      rule: "floor-metrics",
      offending: "src/metrics/bad-up.ts → src/engine/index.ts",
    },
    {
      name: "a strategy reaching a venue",
      file: "src/strategy/bad-venue.ts",
      code: 'import { VENUE_KINDS } from "../venues/index.ts";\nexport const k = VENUE_KINDS;\n',
      rule: "strategy-sees-no-venue-or-execution",
      offending: "src/strategy/bad-venue.ts → src/venues/index.ts",
    },
    {
      name: "a built-in strategy importing past the strategy API",
      file: "src/strategy/builtins/bad-deep.ts",
      code: 'import { QuotingStrategy } from "../quoting.ts";\nexport const q = QuotingStrategy;\n',
      rule: "builtins-only-through-api",
      offending: "src/strategy/builtins/bad-deep.ts → src/strategy/quoting.ts",
    },
    {
      name: "a built-in strategy importing a package itself (valibot comes through the API)",
      file: "src/strategy/builtins/bad-package.ts",
      code: 'import * as v from "valibot";\nexport const s = v.string();\n',
      rule: "builtins-only-through-api",
      offending: "node_modules/valibot/dist/index.mjs",
    },
    {
      name: "bun:ffi outside book/",
      file: "src/gateways/bad-ffi.ts",
      code: 'import { dlopen } from "bun:ffi";\nexport const d = dlopen;\n',
      rule: "ffi-only-in-book",
      offending: "src/gateways/bad-ffi.ts → bun:ffi",
    },
    {
      name: "another folder's file imported past its index.ts",
      file: "src/execution/bad-deep.ts",
      code: 'import { DiffDepthSync } from "../gateways/depth-sync.ts";\nexport const d = DiffDepthSync;\n',
      rule: "only-through-index",
      offending: "src/execution/bad-deep.ts → src/gateways/depth-sync.ts",
    },
    {
      name: "a real adapter using the simulator",
      file: "src/venues/binance/bad-sim.ts",
      code: 'import { startSim } from "../../sim/index.ts";\nexport const s = startSim;\n',
      rule: "sim-only-through-sim-direct",
      offending: "src/venues/binance/bad-sim.ts → src/sim/index.ts",
    },
    {
      name: "an import circle",
      file: "src/services/bad-circle-a.ts",
      code: 'import { b } from "./bad-circle-b.ts";\nexport const a = () => b;\n',
      rule: "no-circular",
      offending: "src/services/bad-circle-a.ts",
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const path = join(dir, c.file);
      const extra = c.rule === "no-circular" ? join(dir, "src/services/bad-circle-b.ts") : undefined;
      writeFileSync(path, c.code);
      if (extra !== undefined)
        writeFileSync(extra, 'import { a } from "./bad-circle-a.ts";\nexport const b = () => a;\n');
      try {
        const r = await cruise(dir);
        expect(r.code, r.out).not.toBe(0);
        expect(r.out).toContain(`error ${c.rule}:`);
        expect(r.out).toContain(c.offending);
      } finally {
        unlinkSync(path);
        if (extra !== undefined) unlinkSync(extra);
      }
    }, 60_000);
  }
});
