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
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FRAME, FRAMES, generate, LEVELS } from "./book-stream.ts";
import { buildDriver, callgrind, runTool } from "./callgrind.ts";

/** Runs the applies under callgrind and prints instructions per level update and where they go. */
function countInstructions(dir: string, exe: string, file: string): void {
  const { ir, rows } = callgrind(join(dir, "callgrind.out"), "apply_frames", [exe, file]);
  const updates = FRAMES * FRAME;
  console.log(
    `C book, ${updates} level updates in ${FRAMES} frames of ${FRAME} (snapshot of ${LEVELS} levels per side):`,
  );
  console.log(`  ${(ir / updates).toFixed(1)} instructions per level update (${ir} Ir in the applies, callgrind)`);
  for (const r of rows.slice(0, 8))
    console.log(`  ${(r.ir / updates).toFixed(1).padStart(7)} per update  ${r.percent}%  ${r.where}`);
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
  const exe = buildDriver(dir, "book-ir");
  if (process.argv[2] === "time") process.stdout.write(runTool([exe, file, "time"]));
  else countInstructions(dir, exe, file);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
