/**
 * The book bench's stream, shared by bench/book.bench.ts (time through bun:ffi) and bench/book-ir.ts
 * (instructions in C alone, under callgrind): one seeded, Binance-like stream, ~1000 levels per side,
 * mostly near-touch updates, in frames of FRAME level updates, and the JS-library style book the
 * generator keeps as its model (and the bench times as the third contender).
 */
import { Rng } from "../src/services/rng.ts";
import { Side } from "../src/types/index.ts";

export const LEVELS = 1000;
export const FRAME = 20;
export const FRAMES = 4000;
const MID0 = 5_000_000; // BTCUSDT 50000.00 at tick 0.01

/** The JS-library style book: arrays of [price, qty], best first, binary search + splice. */
export class SortedArrayBook {
  readonly sides: [[number, number][], [number, number][]] = [[], []];

  /** Index of price in a side, or -(insertion point) - 1. */
  private find(side: number, price: number): number {
    const a = this.sides[side as 0 | 1];
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = (a[mid] as [number, number])[0];
      if (p === price) return mid;
      // bids descending, asks ascending: "before" means better
      if (side === 0 ? p > price : p < price) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  update(side: number, price: number, qty: number): void {
    const a = this.sides[side as 0 | 1];
    const i = this.find(side, price);
    if (i >= 0) {
      if (qty === 0) a.splice(i, 1);
      else (a[i] as [number, number])[1] = qty;
    } else if (qty > 0) {
      a.splice(-i - 1, 0, [price, qty]);
    }
  }

  snapshot(levels: Float64Array): void {
    this.sides[0].length = 0;
    this.sides[1].length = 0;
    for (let i = 0; i < levels.length; i += 3)
      this.update(levels[i] as number, levels[i + 1] as number, levels[i + 2] as number);
  }

  has(side: number, price: number): boolean {
    return this.find(side, price) >= 0;
  }

  best(side: number): number {
    return this.sides[side as 0 | 1][0]?.[0] ?? -1;
  }

  count(side: number): number {
    return this.sides[side as 0 | 1].length;
  }

  /** Price at a rank from the touch (used by the generator). */
  priceAt(side: number, rank: number): number {
    return (this.sides[side as 0 | 1][rank] as [number, number])[0];
  }

  top(side: number, n: number, outTicks: Float64Array, outLots: Float64Array): number {
    const a = this.sides[side as 0 | 1];
    const k = Math.min(n, a.length, outTicks.length);
    for (let i = 0; i < k; i++) {
      const l = a[i] as [number, number];
      outTicks[i] = l[0];
      outLots[i] = l[1];
    }
    return k;
  }
}

/** Pre-generates the snapshot and FRAMES frames of FRAME {side, ticks, lots} records. */
export function generate(seed: string): { snapshot: Float64Array; frames: Float64Array } {
  const rng = new Rng(seed);
  const snap: number[] = [];
  for (const side of [Side.Buy, Side.Sell]) {
    let price = side === Side.Buy ? MID0 - 1 : MID0 + 1;
    for (let i = 0; i < LEVELS; i++) {
      snap.push(side, price, rng.range(1, 100_000));
      const gap = i < 100 ? (rng.chance(0.7) ? 1 : 2) : rng.range(1, 20);
      price += side === Side.Buy ? -gap : gap;
    }
  }
  const snapshot = Float64Array.from(snap);
  const model = new SortedArrayBook();
  model.snapshot(snapshot);
  const frames = new Float64Array(FRAMES * FRAME * 3);
  let o = 0;
  for (let f = 0; f < FRAMES; f++) {
    for (let j = 0; j < FRAME; j++) {
      const side = rng.int(2);
      const n = model.count(side);
      const nearRank = Math.min(n - 1, Math.floor(rng.exponential(6)));
      const u = rng.next();
      let price = model.priceAt(side, nearRank); // default: modify near the touch
      let lots = rng.range(1, 100_000);
      if (u < 0.6) {
        // modify near the touch (default)
      } else if (u < 0.77) {
        if (n > LEVELS - 30) lots = 0; // delete near the touch, or deeper when the book is long
        if (n > LEVELS + 30) price = model.priceAt(side, rng.int(n));
      } else if (u < 0.95) {
        // insert near the touch, sometimes inside the spread (moves the touch), else into a gap deeper in
        const best = model.best(side);
        const other = model.best(1 - side);
        const offset = rng.chance(0.2) ? -rng.range(1, 3) : rng.range(0, 12);
        price = side === Side.Buy ? best - offset : best + offset;
        if (other >= 0 && (side === Side.Buy ? price >= other : price <= other)) price = best;
        if (model.has(side, price) && n < LEVELS + 30) {
          const k = Math.min(n - 2, Math.floor(rng.exponential(40)));
          const a = model.priceAt(side, k);
          const z = model.priceAt(side, k + 1);
          if (Math.abs(z - a) > 1) price = side === Side.Buy ? a - 1 : a + 1;
        }
      } else {
        price = model.priceAt(side, rng.int(n)); // deep modify
      }
      model.update(side, price, lots);
      frames[o++] = side;
      frames[o++] = price;
      frames[o++] = lots;
    }
  }
  return { snapshot, frames };
}
