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
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDriver, callgrind } from "./callgrind.ts";
import { binanceStream, type DepthStream, okxStream } from "./depth-stream.ts";

const FRAMES = Number(process.argv[2] ?? 2000);

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
  const args = [String(s.venue), s.key, String(s.priceDecimals), String(s.qtyDecimals), String(s.maxTicks)];
  const { ir, rows } = callgrind(join(dir, `callgrind-${index}.out`), "decode_frames", [
    exe,
    ...args,
    String(s.maxLots),
    file,
  ]);
  const bytes = s.frames.reduce((n, f) => n + Buffer.byteLength(f), 0);
  console.log(
    `${s.name}: ${s.frames.length} frames of 20 levels, ${(bytes / s.frames.length).toFixed(0)} bytes on average`,
  );
  console.log(`  ${Math.round(ir / s.frames.length)} instructions per frame (${ir} Ir in the decodes, callgrind)`);
  for (const r of rows.slice(1, 8))
    console.log(`  ${String(Math.round(r.ir / s.frames.length)).padStart(7)} per frame  ${r.percent}%  ${r.where}`);
}

const dir = mkdtempSync(join(tmpdir(), "depth-ir-"));
try {
  const exe = buildDriver(dir, "depth-ir");
  const streams = [
    binanceStream(FRAMES, "depth-ir-binance", false),
    binanceStream(FRAMES, "depth-ir-binance", true),
    okxStream(FRAMES, "depth-ir-okx"),
  ];
  for (const [i, s] of streams.entries()) measure(dir, exe, s, i);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
