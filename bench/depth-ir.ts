/**
 * Instructions per depth frame of the C decoder (decode + apply to the book, one hft_depth_decode call),
 * counted by callgrind: the measure of the decoder's work that a loaded machine cannot disturb (time
 * can). Writes each stream of bench/depth-stream.ts to a temporary file, builds bench/depth-ir.c with
 * the library's sources and flags (zig cc -O3, baseline CPU, as src/bootstrap.ts builds the library),
 * and runs it under `valgrind --tool=callgrind --toggle-collect=decode_frames`, so only the decodes
 * count. Prints Ir per frame and the functions that execute them.
 *
 * Usage: bun bench/depth-ir.ts [frames=2000]   (needs valgrind; a few seconds)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binanceStream, type DepthStream, okxStream } from "./depth-stream.ts";

const ROOT = join(import.meta.dir, "..");
const ZIG = join(ROOT, "node_modules", "@ryoppippi", "zig-linux-x64", "zig");
const FLAGS = ["-std=c11", "-O3", "-mcpu=baseline", "-fno-fast-math", "-DNDEBUG", "-g"];
const FRAMES = Number(process.argv[2] ?? 2000);

function run(cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: process.env });
  if (r.exitCode !== 0) throw new Error(`${cmd[0]} failed (${r.exitCode}): ${r.stderr.toString()}`);
  return `${r.stdout.toString()}${r.stderr.toString()}`;
}

/** int32 length-prefixed snapshot, int32 count, then int32 length-prefixed frames. */
function streamFile(s: DepthStream): Buffer {
  const parts: Buffer[] = [];
  const i32 = (v: number): Buffer => Buffer.from(Int32Array.of(v).buffer);
  const snap = Buffer.from(s.snapshot ?? "");
  parts.push(i32(snap.length), snap, i32(s.frames.length));
  for (const f of s.frames) {
    const b = Buffer.from(f);
    parts.push(i32(b.length), b);
  }
  return Buffer.concat(parts);
}

/** Ir per frame of one stream, with the functions that execute them. */
function measure(dir: string, exe: string, s: DepthStream, index: number): void {
  const file = join(dir, `stream-${index}.bin`);
  writeFileSync(file, streamFile(s));
  const out = join(dir, `callgrind-${index}.out`);
  const args = [String(s.venue), s.key, String(s.priceDecimals), String(s.qtyDecimals), String(s.maxTicks)];
  run([
    "valgrind",
    "--tool=callgrind",
    "--toggle-collect=decode_frames",
    `--callgrind-out-file=${out}`,
    exe,
    ...args,
    String(s.maxLots),
    file,
  ]);
  const totals = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(out, "utf8"));
  const ir = Number(totals?.[1]);
  const bytes = s.frames.reduce((n, f) => n + Buffer.byteLength(f), 0);
  console.log(
    `${s.name}: ${s.frames.length} frames of 20 levels, ${(bytes / s.frames.length).toFixed(0)} bytes on average`,
  );
  console.log(`  ${Math.round(ir / s.frames.length)} instructions per frame (${ir} Ir in the decodes, callgrind)`);
  const annotated = run(["callgrind_annotate", "--inclusive=no", out]);
  const rows = annotated.split("\n").filter((l) => /^\s*[\d,]+ \(/.test(l));
  for (const l of rows.slice(1, 8)) {
    const m = /^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.*)$/.exec(l);
    if (m !== null)
      console.log(
        `  ${Math.round(Number((m[1] ?? "0").replaceAll(",", "")) / s.frames.length)
          .toString()
          .padStart(7)} per frame  ${m[2]}%  ${m[3]}`,
      );
  }
}

const dir = mkdtempSync(join(tmpdir(), "depth-ir-"));
try {
  const sources = readdirSync(join(ROOT, "csrc", "src"))
    .filter((f) => f.endsWith(".c"))
    .map((f) => join(ROOT, "csrc", "src", f));
  const exe = join(dir, "depth-ir");
  run([
    ZIG,
    "cc",
    ...FLAGS,
    "-I",
    join(ROOT, "csrc", "include"),
    "-o",
    exe,
    join(import.meta.dir, "depth-ir.c"),
    ...sources,
  ]);
  const streams = [
    binanceStream(FRAMES, "depth-ir-binance", false),
    binanceStream(FRAMES, "depth-ir-binance", true),
    okxStream(FRAMES, "depth-ir-okx"),
  ];
  for (const [i, s] of streams.entries()) measure(dir, exe, s, i);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
