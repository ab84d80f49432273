/**
 * The only file in the project that imports bun:ffi: loads libhftcore and declares each C function
 * once, with 32-bit ints, doubles and pointers only (64-bit integers would come back as BigInt).
 * Everything else reaches C through the typed wrappers in this folder.
 */
import { dlopen, FFIType, type Pointer, toArrayBuffer } from "bun:ffi";
import { LIB_PATH } from "./lib-path.ts";

const { i32, f64, ptr, cstring } = FFIType;

const lib = dlopen(LIB_PATH, {
  hft_status_name: { args: [i32], returns: cstring },
  hft_layout: { args: [ptr, i32], returns: i32 },
  hft_book_create: { args: [ptr, ptr], returns: i32 },
  hft_book_destroy: { args: [ptr], returns: i32 },
  hft_book_clear: { args: [ptr], returns: i32 },
  hft_book_apply_batch_f64: { args: [ptr, ptr, i32], returns: i32 },
  hft_book_apply_snapshot_f64: { args: [ptr, ptr, i32], returns: i32 },
  hft_book_check_integrity: { args: [ptr], returns: i32 },
  hft_book_summary: { args: [ptr], returns: ptr },
  hft_book_staging_f64: { args: [ptr], returns: ptr },
  hft_book_top_f64: { args: [ptr, i32, i32, ptr, ptr], returns: i32 },
  hft_book_depth_levels_f64: { args: [ptr, i32, i32], returns: f64 },
  hft_book_depth_to_price_f64: { args: [ptr, i32, f64], returns: f64 },
  hft_book_notional_to_price_f64: { args: [ptr, i32, f64], returns: f64 },
  hft_book_imbalance_f64: { args: [ptr, i32], returns: f64 },
  hft_depth_create: { args: [ptr, ptr], returns: i32 },
  hft_depth_destroy: { args: [ptr], returns: i32 },
  hft_depth_result: { args: [ptr], returns: ptr },
  hft_depth_decode: { args: [ptr, ptr, ptr, i32, i32, f64], returns: i32 },
  hft_depth_status_name: { args: [i32], returns: cstring },
  hft_cbook_create: { args: [ptr, ptr], returns: i32 },
  hft_cbook_destroy: { args: [ptr], returns: i32 },
  hft_cbook_set_venue: { args: [ptr, i32, ptr, i32, i32, i32], returns: i32 },
  hft_cbook_set_state: { args: [ptr, i32, i32, i32, f64], returns: i32 },
  hft_cbook_set_stale_after: { args: [ptr, f64], returns: i32 },
  hft_cbook_top_f64: { args: [ptr, i32, i32, f64, ptr], returns: i32 },
  hft_route_f64: { args: [ptr, i32, f64, f64, i32, f64, ptr, i32], returns: i32 },
  hft_cpu_pin: { args: [ptr, i32], returns: i32 },
  hft_cpu_allowed: { args: [ptr, i32], returns: i32 },
});

/** The raw C functions; callers must pass live handles and correctly sized arrays. */
export const native = lib.symbols;

export type { Pointer };

/** Reads a pointer that C wrote into an 8-byte out-parameter (create's handle). */
export function pointerFrom(out: BigUint64Array): Pointer | null {
  const raw = out[0] ?? 0n;
  return raw === 0n ? null : (Number(raw) as Pointer);
}

/** A Float64Array of `count` doubles over C memory at p; null for a null pointer. */
function f64At(p: Pointer | null | number | bigint, count: number): Float64Array | null {
  if (p === null || p === 0 || p === 0n) return null;
  return new Float64Array(toArrayBuffer(p as Pointer, 0, count * 8));
}

/**
 * A Float64Array over a book's summary record in C memory. It stays valid exactly until the book is
 * destroyed, so its owner must drop it before destroying; null for a bad handle.
 */
export function bookSummary(handle: Pointer, count: number): Float64Array | null {
  return f64At(native.hft_book_summary(handle), count);
}

/** A Float64Array over a book's staging area in C memory (same lifetime rule as bookSummary). */
export function bookStaging(handle: Pointer, count: number): Float64Array | null {
  return f64At(native.hft_book_staging_f64(handle), count);
}

/** A Float64Array over a depth decoder's result record (valid until the decoder is destroyed). */
export function depthResult(handle: Pointer, count: number): Float64Array | null {
  return f64At(native.hft_depth_result(handle), count);
}

/** The C name of a depth decode outcome (HFT_DEPTH_...), for the layout test. */
export function cDepthStatusName(code: number): string {
  return String(native.hft_depth_status_name(code));
}

/** The C name of a status code (HFT_E_...), for the layout test. */
export function cStatusName(code: number): string {
  return String(native.hft_status_name(code));
}

/** The layout table hft_layout() reports, compared with layout.ts by a test. */
export function cLayout(): Int32Array {
  const n = native.hft_layout(null, 0);
  const out = new Int32Array(n);
  native.hft_layout(out, n);
  return out;
}
