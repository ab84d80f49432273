/**
 * What the C instruction-count benches (book-ir.ts, depth-ir.ts) share: their driver built with the
 * library's sources and flags (zig cc -O3, baseline CPU, as src/bootstrap.ts builds the library, plus
 * -g for callgrind's line table), and a callgrind run counting one function's calls only, read back as
 * the total and the functions that executed it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const ZIG = join(ROOT, "node_modules", "@ryoppippi", "zig-linux-x64", "zig");
const FLAGS = ["-std=c11", "-O3", "-mcpu=baseline", "-fno-fast-math", "-DNDEBUG", "-g"];

/** Runs a command to its end; its stdout and stderr, or an error naming it. */
export function runTool(cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: process.env });
  if (r.exitCode !== 0) throw new Error(`${cmd[0]} failed (${r.exitCode}): ${r.stderr.toString()}`);
  return `${r.stdout.toString()}${r.stderr.toString()}`;
}

/** Builds bench/<name>.c with every csrc/src/*.c into dir/<name>; returns the executable's path. */
export function buildDriver(dir: string, name: string): string {
  const sources = readdirSync(join(ROOT, "csrc", "src"))
    .filter((f) => f.endsWith(".c"))
    .map((f) => join(ROOT, "csrc", "src", f));
  const exe = join(dir, name);
  runTool([
    ZIG,
    "cc",
    ...FLAGS,
    "-I",
    join(ROOT, "csrc", "include"),
    "-o",
    exe,
    join(import.meta.dir, `${name}.c`),
    ...sources,
  ]);
  return exe;
}

/** One row of callgrind_annotate: the instructions a function (or line) executed and its share. */
export interface CallgrindRow {
  readonly ir: number;
  readonly percent: string;
  readonly where: string;
}

/**
 * Runs `cmd` under callgrind counting only inside `toggle` (and what it calls); the instructions in
 * all, and the annotated rows, most first (the first is the program's total).
 */
export function callgrind(out: string, toggle: string, cmd: string[]): { ir: number; rows: CallgrindRow[] } {
  runTool(["valgrind", "--tool=callgrind", `--toggle-collect=${toggle}`, `--callgrind-out-file=${out}`, ...cmd]);
  const totals = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(out, "utf8"));
  const rows: CallgrindRow[] = [];
  for (const l of runTool(["callgrind_annotate", "--inclusive=no", out]).split("\n")) {
    const m = /^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.*)$/.exec(l);
    if (m !== null)
      rows.push({ ir: Number((m[1] ?? "0").replaceAll(",", "")), percent: m[2] ?? "", where: m[3] ?? "" });
  }
  return { ir: Number(totals?.[1]), rows };
}
