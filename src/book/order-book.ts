/**
 * OrderBook: the TypeScript handle on one C book. Updates are staged in the book's staging area (a
 * Float64Array over C memory, so the C depth decoder writes the very same records) and applied with
 * ONE FFI call per venue frame; best prices, counts and the update counter are read straight from a
 * summary record in C memory (no FFI call); top-N fills the caller's reused arrays. Nothing here
 * allocates per update.
 */

import type { BookConfig, BookView, Side } from "../types/index.ts";
import { bookStaging, bookSummary, native, type Pointer, pointerFrom } from "./ffi.ts";
import { BookStatus, bookStatusName, F64_RECORD, MAX_BOOK_VALUE, PARAMS, SUMMARY } from "./layout.ts";

const STRIDE = F64_RECORD.stride;
const MAX_I32 = 0x7fffffff;

/** Limits of a book resolved from its config, shared by OrderBook and ReferenceBook. */
export interface ResolvedBookConfig {
  readonly maxLevels: number;
  readonly minTicks: number;
  readonly maxTicks: number;
  readonly stagingCapacity: number;
}

/** Applies defaults; range errors are left to the C create (or the reference) to report. */
export function resolveBookConfig(cfg: BookConfig): ResolvedBookConfig {
  const maxLevels = cfg.maxLevels;
  return {
    maxLevels,
    minTicks: cfg.minTicks ?? 0,
    maxTicks: cfg.maxTicks ?? MAX_BOOK_VALUE,
    stagingCapacity: cfg.stagingCapacity ?? Math.max(64, 2 * maxLevels),
  };
}

/** Throws unless every limit is an integer in the range C accepts (mirrors hft_book_create). */
export function checkBookConfig(c: ResolvedBookConfig): void {
  const bad = (field: string, why: string): never => {
    throw new Error(`${bookStatusName(BookStatus.BadParams)}: ${field} ${why}`);
  };
  if (!Number.isSafeInteger(c.minTicks) || c.minTicks < 0) bad("minTicks", "must be an integer >= 0");
  if (!Number.isSafeInteger(c.maxTicks) || c.maxTicks < c.minTicks) bad("maxTicks", "must be an integer >= minTicks");
  if (!Number.isInteger(c.maxLevels) || c.maxLevels < 1 || c.maxLevels > 1 << 20) bad("maxLevels", "must be 1..2^20");
  if (!Number.isInteger(c.stagingCapacity) || c.stagingCapacity < 1 || c.stagingCapacity > 1 << 22)
    bad("stagingCapacity", "must be 1..2^22");
}

/** A summary record for a closed book: empty sides, last update count kept. */
function closedSummary(updates: number): Float64Array {
  const s = new Float64Array(SUMMARY.length);
  s[SUMMARY.bidPrice] = -1;
  s[SUMMARY.askPrice] = -1;
  s[SUMMARY.updates] = updates;
  return s;
}

/** One instrument's L2 book held in C; see the class comment at the top of this file. */
export class OrderBook implements BookView {
  readonly config: ResolvedBookConfig;
  private handle: Pointer | null;
  /** View over C memory while open; a detached JS copy after close(). */
  private summary: Float64Array;
  /** The staging area: a view over C memory while open ({side, ticks, lots} per record), a JS copy after close(). */
  private staging: Float64Array;
  /** Copy of config.stagingCapacity: one field load less on the per-level staging path. */
  private readonly capacity: number;
  private staged = 0;
  /** Detach callbacks of consolidated books that read this book in place; run before destroy. */
  private readonly closeHooks = new Set<() => void>();

  constructor(cfg: BookConfig) {
    this.config = resolveBookConfig(cfg);
    checkBookConfig(this.config);
    const params = new DataView(new ArrayBuffer(PARAMS.size));
    params.setBigInt64(PARAMS.minPrice, BigInt(this.config.minTicks), true);
    params.setBigInt64(PARAMS.maxPrice, BigInt(this.config.maxTicks), true);
    params.setInt32(PARAMS.maxLevels, this.config.maxLevels, true);
    params.setInt32(PARAMS.maxBatch, this.config.stagingCapacity, true);
    const out = new BigUint64Array(1);
    const st = native.hft_book_create(new Uint8Array(params.buffer), out);
    const handle = pointerFrom(out);
    if (st !== BookStatus.Ok || handle === null) throw new Error(`${bookStatusName(st)}: cannot create order book`);
    const summary = bookSummary(handle, SUMMARY.length);
    const staging = bookStaging(handle, this.config.stagingCapacity * STRIDE);
    if (summary === null || staging === null)
      throw new Error(`${bookStatusName(BookStatus.NullHandle)}: no summary or staging record`);
    this.handle = handle;
    this.summary = summary;
    this.staging = staging;
    this.capacity = this.config.stagingCapacity;
  }

  /** Frees the C book; later calls see an empty book and mutations return NullHandle. Idempotent. */
  close(): void {
    const h = this.handle;
    if (h === null) return;
    for (const hook of [...this.closeHooks]) hook();
    this.closeHooks.clear();
    this.summary = closedSummary(this.summary[SUMMARY.updates] ?? 0); // drop the C views before freeing
    this.staging = this.staging.slice();
    this.handle = null;
    native.hft_book_destroy(h);
  }

  /**
   * For ConsolidatedBook only: the C handle, and a hook run before the book is destroyed so nothing
   * in C keeps pointing at freed memory. Returns an unsubscribe function.
   */
  attachNative(onClose: () => void): { handle: Pointer | null; detach: () => void } {
    if (this.handle !== null) this.closeHooks.add(onClose);
    return { handle: this.handle, detach: () => this.closeHooks.delete(onClose) };
  }

  get closed(): boolean {
    return this.handle === null;
  }

  /** Empties both sides; returns the status (0 = ok). */
  clear(): number {
    return native.hft_book_clear(this.handle);
  }

  /** Starts a new frame: forgets previously staged levels. */
  beginUpdate(): void {
    this.staged = 0;
  }

  /** Stages one level (absolute lots; 0 deletes); false when the staging buffer is full. */
  stage(side: Side, ticks: number, lots: number): boolean {
    const i = this.staged;
    if (i >= this.capacity) return false;
    const o = i * STRIDE;
    const s = this.staging;
    s[o] = side;
    s[o + 1] = ticks;
    s[o + 2] = lots;
    this.staged = i + 1;
    return true;
  }

  /** Levels staged since beginUpdate(), or by the last depth decode that reached its levels. */
  stagedCount(): number {
    return this.staged;
  }

  /**
   * The levels of the last frame (staged, then applied): (side, ticks, lots) f64 triples, the first
   * `stagedCount()` of them valid until the next beginUpdate() or depth decode. The recorder and the
   * fill model read what the adapter applied here, without a copy, whether TypeScript staged the levels
   * or the C depth decoder did (it writes this very area); callers must treat the array as read-only.
   */
  appliedLevels(): Float64Array {
    return this.staging;
  }

  /**
   * Stages `count` (side, ticks, lots) triples from `src` starting at word `offset` (a replayed frame
   * straight from a decoded chunk); false, staging nothing, when they do not fit the staging buffer.
   */
  stageFrom(src: Float64Array, offset: number, count: number): boolean {
    if (count > this.capacity) return false;
    const s = this.staging;
    const n = count * STRIDE;
    for (let i = 0; i < n; i++) s[i] = src[offset + i] as number;
    this.staged = count;
    return true;
  }

  /** For DepthDecoder only: the C handle (null once closed) and the count of records C staged. */
  nativeHandle(): Pointer | null {
    return this.handle;
  }
  noteStaged(count: number): void {
    this.staged = count;
  }

  /** Applies the staged levels as one atomic batch (one FFI call); returns the status, 0 = ok. */
  applyUpdate(): number {
    return native.hft_book_apply_batch_f64(this.handle, this.staging, this.staged);
  }

  /** Replaces the whole book with the staged levels (one FFI call); returns the status, 0 = ok. */
  applySnapshot(): number {
    return native.hft_book_apply_snapshot_f64(this.handle, this.staging, this.staged);
  }

  bestBidTicks(): number {
    return this.summary[SUMMARY.bidPrice] ?? -1;
  }
  bestBidLots(): number {
    return this.summary[SUMMARY.bidQty] ?? 0;
  }
  bestAskTicks(): number {
    return this.summary[SUMMARY.askPrice] ?? -1;
  }
  bestAskLots(): number {
    return this.summary[SUMMARY.askQty] ?? 0;
  }

  topLevels(side: Side, n: number, outTicks: Float64Array, outLots: Float64Array): number {
    // C trusts the count, so never ask for more than both arrays hold.
    let k = Math.min(n, outTicks.length);
    if (outLots.length < k) k = outLots.length;
    if (!(k > 0)) return 0;
    const got = native.hft_book_top_f64(this.handle, side, Math.min(k, MAX_I32), outTicks, outLots);
    return Math.max(got, 0);
  }

  depthLots(side: Side, levels: number): number {
    return native.hft_book_depth_levels_f64(this.handle, side, Math.min(levels, MAX_I32));
  }

  depthToPrice(side: Side, limitTicks: number): number {
    return native.hft_book_depth_to_price_f64(this.handle, side, limitTicks);
  }

  notionalToPrice(side: Side, limitTicks: number): number {
    return native.hft_book_notional_to_price_f64(this.handle, side, limitTicks);
  }

  mid(): number {
    const s = this.summary;
    const bid = s[SUMMARY.bidPrice] ?? -1;
    const ask = s[SUMMARY.askPrice] ?? -1;
    return bid < 0 || ask < 0 ? Number.NaN : (bid + ask) / 2;
  }

  microprice(): number {
    const s = this.summary;
    const bid = s[SUMMARY.bidPrice] ?? -1;
    const ask = s[SUMMARY.askPrice] ?? -1;
    if (bid < 0 || ask < 0) return Number.NaN;
    const bidLots = s[SUMMARY.bidQty] ?? 0;
    const askLots = s[SUMMARY.askQty] ?? 0;
    return (bid * askLots + ask * bidLots) / (bidLots + askLots);
  }

  imbalance(levels: number): number {
    return native.hft_book_imbalance_f64(this.handle, Math.min(levels, MAX_I32));
  }

  levelCount(side: Side): number {
    return this.summary[side === 0 ? SUMMARY.bidLevels : SUMMARY.askLevels] ?? 0;
  }

  updateCount(): number {
    return this.summary[SUMMARY.updates] ?? 0;
  }

  isCrossed(): boolean {
    return this.summary[SUMMARY.crossed] === 1;
  }

  /** Walks the whole C book checking every invariant; status, 0 = ok. */
  checkIntegrity(): number {
    return native.hft_book_check_integrity(this.handle);
  }
}
