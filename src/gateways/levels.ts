/**
 * Parsing venue price levels (`[["price","qty"],…]` decimal strings, as JSON.parse gives them)
 * straight into a book's staging buffer as integer ticks and lots, without floats or allocation. A bad
 * level makes the whole frame invalid: the caller then drops it and resyncs rather than apply half a
 * frame. The adapters' general paths and REST snapshots use it; live depth frames go to the C depth
 * decoder, which the reference decoder (depth-frame.ts) built on this function holds to the same rules.
 */
import { LevelError, type OrderBook } from "../book/index.ts";
import type { DecimalGrid, Side } from "../types/index.ts";

/** Bounds a level must fall in; anything outside is "absurd" and refused. */
export interface LevelBounds {
  readonly maxTicks: number;
  readonly maxLots: number;
}

/**
 * Stages every level of `levels` on `side`; returns the count, or a negative LevelError (the C depth
 * decoder's HFT_LEVEL_* numbers, book/layout.ts: why a frame's levels were refused). Quantity 0
 * stages a delete. Does not call beginUpdate (the caller stages both sides into one frame).
 */
export function stageLevels(
  book: OrderBook,
  side: Side,
  levels: unknown,
  price: DecimalGrid,
  qty: DecimalGrid,
  bounds: LevelBounds,
): number {
  if (!Array.isArray(levels)) return LevelError.NotArray;
  const n = levels.length;
  for (let i = 0; i < n; i++) {
    const lv: unknown = levels[i];
    if (!Array.isArray(lv) || lv.length < 2) return LevelError.Malformed;
    const p: unknown = lv[0];
    const q: unknown = lv[1];
    if (typeof p !== "string" || typeof q !== "string") return LevelError.Malformed;
    const ticks = price.parse(p);
    const lots = qty.parse(q);
    if (Number.isNaN(ticks) || Number.isNaN(lots)) return LevelError.Malformed;
    if (ticks <= 0 || ticks > bounds.maxTicks || lots > bounds.maxLots) return LevelError.OutOfRange;
    if (!book.stage(side, ticks, lots)) return LevelError.StagingFull;
  }
  return n;
}
