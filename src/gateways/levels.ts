/**
 * Parsing venue price levels (`[["price","qty"],…]` decimal strings) straight into a book's staging
 * buffer as integer ticks and lots, without floats or allocation. A bad level makes the whole frame
 * invalid: the caller then drops it and resyncs rather than apply half a frame.
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

/**
 * Whole grid increments in s[start, end) (a plain non-negative decimal), NaN when malformed, off the
 * grid or too large: DecimalGrid.parse on a slice, without creating the slice.
 */
export function parseDecimalRange(s: string, start: number, end: number, decimals: number, unit: number): number {
  let units = 0;
  let i = start;
  let digits = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return Number.NaN;
    units = units * 10 + (c - 48);
    digits++;
  }
  let frac = 0;
  if (i < end) {
    i++;
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return Number.NaN;
      if (frac < decimals) {
        units = units * 10 + (c - 48);
        frac++;
      } else if (c !== 48) {
        return Number.NaN;
      }
      digits++;
    }
  }
  if (digits === 0) return Number.NaN;
  for (; frac < decimals; frac++) units *= 10;
  if (units > Number.MAX_SAFE_INTEGER) return Number.NaN;
  const n = units / unit;
  return Number.isInteger(n) ? n : Number.NaN;
}

/** Where the last scanLevels call stopped (index after its closing ']'), to continue scanning. */
export let scanEnd = 0;

/**
 * Reads a quoted decimal's digits starting at s[i] (just after the opening quote) up to the closing
 * quote, as whole grid increments; NaN when malformed/off-grid. Sets scanEnd to the closing quote.
 */
function scanDecimal(s: string, i: number, decimals: number, unit: number): number {
  let units = 0;
  let digits = 0;
  let frac = -1; // -1 until the point
  let bad = false;
  for (;;) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (frac < 0) units = units * 10 + (c - 48);
      else if (frac < decimals) {
        units = units * 10 + (c - 48);
        frac++;
      } else if (c !== 48) bad = true;
      digits++;
    } else if (c === 46 && frac < 0) {
      frac = 0;
    } else break;
    i++;
  }
  scanEnd = i;
  if (bad || digits === 0 || s.charCodeAt(i) !== 34) return Number.NaN;
  for (let f = Math.max(frac, 0); f < decimals; f++) units *= 10;
  if (units > Number.MAX_SAFE_INTEGER) return Number.NaN;
  const n = units / unit;
  return Number.isInteger(n) ? n : Number.NaN;
}

/**
 * Hot-path scanner for a compact JSON level array `[["p","q"],…]` starting at s[i] === '[': parses
 * and stages every level straight from the text (no JSON.parse, no allocation). Returns the count
 * staged, or a negative LevelError; the caller then falls back to the general path. Sets scanEnd
 * after the closing ']'.
 */
export function scanLevels(
  book: OrderBook,
  side: Side,
  s: string,
  i: number,
  price: DecimalGrid,
  qty: DecimalGrid,
  bounds: LevelBounds,
): number {
  if (s.charCodeAt(i) !== 91) return LevelError.Malformed; // '['
  i++;
  if (s.charCodeAt(i) === 93) {
    scanEnd = i + 1;
    return 0;
  }
  const pd = price.decimals;
  const pu = price.unit;
  const qd = qty.decimals;
  const qu = qty.unit;
  let n = 0;
  for (;;) {
    // ["p","q"]
    if (s.charCodeAt(i) !== 91 || s.charCodeAt(i + 1) !== 34) return LevelError.Malformed;
    const ticks = scanDecimal(s, i + 2, pd, pu);
    i = scanEnd;
    if (s.charCodeAt(i + 1) !== 44 || s.charCodeAt(i + 2) !== 34) return LevelError.Malformed;
    const lots = scanDecimal(s, i + 3, qd, qu);
    i = scanEnd;
    if (s.charCodeAt(i + 1) !== 93) return LevelError.Malformed;
    if (Number.isNaN(ticks) || Number.isNaN(lots)) return LevelError.Malformed;
    if (ticks <= 0 || ticks > bounds.maxTicks || lots > bounds.maxLots) return LevelError.OutOfRange;
    if (!book.stage(side, ticks, lots)) return LevelError.StagingFull;
    n++;
    i += 2;
    const c = s.charCodeAt(i);
    if (c === 44) {
      i++;
      continue;
    }
    if (c === 93) {
      scanEnd = i + 1;
      return n;
    }
    return LevelError.Malformed;
  }
}

/** Reads a non-negative integer at s[i…]; NaN when there is none. Sets scanEnd after it. */
export function scanInt(s: string, i: number): number {
  let v = 0;
  const start = i;
  for (;;) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    i++;
  }
  scanEnd = i;
  return i === start || v > Number.MAX_SAFE_INTEGER ? Number.NaN : v;
}
