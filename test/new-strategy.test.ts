/**
 * `bun run new-strategy NAME` as a user runs it: it writes a starter strategy and its harness test that
 * compile, load in the engine and pass as written, inside the project (importing hft-engine/strategy) or
 * anywhere else (importing the API file by its path); it never overwrites a file, and a mistyped
 * argument stops it before it writes anything, naming the argument.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStrategyModule, STRATEGY_API_VERSION } from "../src/strategy/index.ts";

const ROOT = join(import.meta.dir, "..");
mkdirSync(join(ROOT, ".tmp"), { recursive: true });
const inside = mkdtempSync(join(ROOT, ".tmp", "new-strategy-"));
const outside = mkdtempSync(join(tmpdir(), "hft-new-strategy-"));
afterAll(() => {
  rmSync(inside, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** Runs a command from the project root; its exit code and output. */
async function sh(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([process.execPath, ...args], { cwd: ROOT, env: process.env, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

const newStrategy = (...args: string[]) => sh(["run", "--silent", "new-strategy", ...args]);

describe("bun run new-strategy", () => {
  test("inside the project: a starter that imports hft-engine/strategy, loads in the engine and passes its own test", async () => {
    const r = await newStrategy("trend-follow", "--dir", inside);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: "" });
    expect(r.out).toContain(`wrote ${join(".tmp", inside.split("/").at(-1) ?? "", "trend-follow.ts")} (the strategy)`);
    const source = readFileSync(join(inside, "trend-follow.ts"), "utf8");
    expect(source).toContain('from "hft-engine/strategy"');
    expect(source).toContain("export class TrendFollow extends QuotingStrategy<TrendFollowParams>");
    expect(source).toContain(`apiVersion: "${STRATEGY_API_VERSION}"`);
    expect(source).not.toMatch(/starter-mm|starter_mm|StarterMm|starterMm/);
    const d = await loadStrategyModule(join(inside, "trend-follow.ts"));
    expect(d.kind).toBe("trend_follow");
    const t = await sh(["test", join(inside, "trend-follow.test.ts")]);
    expect(`${t.out}${t.err}`).toMatch(/ 4 pass\s+0 fail/);
  }, 120_000);

  test("outside the project: the API imported by a relative path, and the test passes there too", async () => {
    const r = await newStrategy("spread_watch", "--dir", outside);
    expect(r.code, r.err).toBe(0);
    const source = readFileSync(join(outside, "spread-watch.ts"), "utf8");
    expect(source).toMatch(/from "(\.\.\/)+.*src\/strategy\/api\.ts"/);
    expect(source).toContain('kind: "spread_watch"');
    const t = await sh(["test", join(outside, "spread-watch.test.ts")]);
    expect(`${t.out}${t.err}`).toMatch(/ 4 pass\s+0 fail/);
  }, 120_000);

  test("an existing file is never overwritten", async () => {
    const file = join(inside, "trend-follow.ts");
    const before = readFileSync(file, "utf8");
    const r = await newStrategy("trend-follow", "--dir", inside);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`bun run new-strategy: ${file}: already exists; not overwritten`);
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  test("a bad argument is refused by name and nothing is written", async () => {
    const dir = join(inside, "refused");
    const cases: [string[], string][] = [
      [["Trend"], "NAME: expected lower-case words of letters and digits joined by - or _"],
      [["a--b"], "NAME: expected lower-case words"],
      [[`x${"y".repeat(40)}`], "at most 32 characters"],
      [[], "NAME: expected the strategy's name"],
      [["one", "two"], 'unexpected argument "two": one NAME only'],
      [["ok", "--dri", dir], "--dri: unknown option (known: --dir, --help)"],
      [["ok", "--dir"], "--dir: expected a folder after it"],
      [["ok", "--help=yes"], "--help: takes no value"],
    ];
    for (const [args, message] of cases) {
      const r = await newStrategy(...args, ...(args.includes("--dir") || args.includes("--dri") ? [] : ["--dir", dir]));
      expect({
        args,
        code: r.code,
        named: r.err.includes(message),
        usage: r.err.includes("usage: bun run new-strategy"),
      }).toEqual({ args, code: 1, named: true, usage: true });
    }
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    const help = await newStrategy("--help");
    expect([help.code, help.out.startsWith("usage: bun run new-strategy NAME")]).toEqual([0, true]);
  });
});
