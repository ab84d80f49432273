/**
 * Instructions per level update of the C book on the book bench's stream, counted by callgrind:
 * the measure of the C book's per-level work that a loaded machine cannot disturb (time can). Writes
 * the stream (bench/book-stream.ts) to a temporary file, builds bench/book-ir.c with the library's
 * sources and flags (zig cc -O3, baseline CPU, as src/bootstrap.ts builds the library), and runs it
 * under `valgrind --tool=callgrind --toggle-collect=apply_frames`, so only the frames' applies count.
 * Prints Ir per level update and the functions that execute them.
 *
 * `time`: the same build timed natively instead (no valgrind), on the bench's stream and on synthetic
 * streams of 0-50 % deletes: best of 100 passes each, ns per level update; a wall-clock figure, so
 * run it on a quiet machine (pinned with `taskset -c 0` on these VMs, whose second core is the noisier).
 *
 * Usage: bun bench/book-ir.ts [time]   (needs valgrind without `time`; a few seconds)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FRAME, FRAMES, generate, LEVELS } from "./book-stream.ts";

const ROOT = join(import.meta.dir, "..");
const ZIG = join(ROOT, "node_modules", "@ryoppippi", "zig-linux-x64", "zig");
const FLAGS = ["-std=c11", "-O3", "-mcpu=baseline", "-fno-fast-math", "-DNDEBUG", "-g"];

function run(cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: process.env });
  if (r.exitCode !== 0) throw new Error(`${cmd[0]} failed (${r.exitCode}): ${r.stderr.toString()}`);
  return `${r.stdout.toString()}${r.stderr.toString()}`;
}

/** Runs the applies under callgrind and prints instructions per level update and where they go. */
function countInstructions(dir: string, exe: string, file: string): void {
  const out = join(dir, "callgrind.out");
  run(["valgrind", "--tool=callgrind", "--toggle-collect=apply_frames", `--callgrind-out-file=${out}`, exe, file]);
  const totals = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(out, "utf8"));
  const ir = Number(totals?.[1]);
  const updates = FRAMES * FRAME;
  console.log(
    `C book, ${updates} level updates in ${FRAMES} frames of ${FRAME} (snapshot of ${LEVELS} levels per side):`,
  );
  console.log(`  ${(ir / updates).toFixed(1)} instructions per level update (${ir} Ir in the applies, callgrind)`);
  const annotated = run(["callgrind_annotate", "--inclusive=no", out]);
  const rows = annotated.split("\n").filter((l) => /^\s*[\d,]+ \(/.test(l));
  for (const l of rows.slice(0, 8)) {
    const m = /^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.*)$/.exec(l);
    if (m !== null)
      console.log(
        `  ${(Number((m[1] ?? "0").replaceAll(",", "")) / updates).toFixed(1).padStart(7)} per update  ${m[2]}%  ${m[3]}`,
      );
  }
}

const dir = mkdtempSync(join(tmpdir(), "book-ir-"));
try {
  const { snapshot, frames } = generate("book-bench-binance-like");
  const head = Int32Array.of(LEVELS, FRAMES, FRAME);
  const file = join(dir, "stream.bin");
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(head.buffer), Buffer.from(snapshot.buffer), Buffer.from(frames.buffer)]),
  );
  const sources = readdirSync(join(ROOT, "csrc", "src"))
    .filter((f) => f.endsWith(".c"))
    .map((f) => join(ROOT, "csrc", "src", f));
  const exe = join(dir, "book-ir");
  run([
    ZIG,
    "cc",
    ...FLAGS,
    "-I",
    join(ROOT, "csrc", "include"),
    "-o",
    exe,
    join(import.meta.dir, "book-ir.c"),
    ...sources,
  ]);
  if (process.argv[2] === "time") process.stdout.write(run([exe, file, "time"]));
  else countInstructions(dir, exe, file);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
