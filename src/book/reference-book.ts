/**
 * ReferenceBook: a deliberately simple, obviously correct pure-TypeScript book with the same API,
 * limits and status codes as OrderBook. The differential tests hold the C book to it, and code that
 * needs a book without the C library (fakes in strategy tests) can use it. Slow on purpose: maps
 * plus a sort on read; never use it on the hot path.
 */

import type { BookConfig, BookView, Side } from "../types/index.ts";
import { BookStatus, F64_RECORD } from "./layout.ts";
import { checkBookConfig, type ResolvedBookConfig, resolveBookConfig } from "./order-book.ts";

const STRIDE = F64_RECORD.stride;

/** The pure-TS twin of OrderBook; see the file comment. */
export class ReferenceBook implements BookView {
  readonly config: ResolvedBookConfig;
  /** price -> lots, per side (index 0 = bids, 1 = asks). */
  private readonly levels: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  private readonly staging: number[] = [];
  /** Best-first levels per side, rebuilt on the first read after a change. */
  private cache: [[number, number][] | null, [number, number][] | null] = [null, null];
  private updates = 0;
  private closedFlag = false;

  constructor(cfg: BookConfig) {
    this.config = resolveBookConfig(cfg);
    checkBookConfig(this.config);
  }

  close(): void {
    this.closedFlag = true;
    this.levels[0].clear();
    this.levels[1].clear();
    this.changed();
  }

  clear(): number {
    if (this.closedFlag) return BookStatus.NullHandle;
    this.levels[0].clear();
    this.levels[1].clear();
    this.changed();
    this.updates++;
    return BookStatus.Ok;
  }

  beginUpdate(): void {
    this.staging.length = 0;
  }

  stage(side: Side, ticks: number, lots: number): boolean {
    if (this.staging.length / STRIDE >= this.config.stagingCapacity) return false;
    this.staging.push(side, ticks, lots);
    return true;
  }

  stagedCount(): number {
    return this.staging.length / STRIDE;
  }

  /** The first problem with one staged level, in the order C checks them. */
  private check(side: number, price: number, qty: number): number {
    if (side !== 0 && side !== 1) return BookStatus.BadSide;
    if (!Number.isSafeInteger(price)) return BookStatus.NotInteger;
    if (price < this.config.minTicks || price > this.config.maxTicks) return BookStatus.PriceOutOfRange;
    if (!Number.isSafeInteger(qty)) return BookStatus.NotInteger;
    if (qty < 0) return BookStatus.NegativeQty;
    return BookStatus.Ok;
  }

  private checkAll(): number {
    const s = this.staging;
    for (let i = 0; i < s.length; i += STRIDE) {
      const st = this.check(s[i] as number, s[i + 1] as number, s[i + 2] as number);
      if (st !== BookStatus.Ok) return st;
    }
    return BookStatus.Ok;
  }

  applyUpdate(): number {
    if (this.closedFlag) return BookStatus.NullHandle;
    const st = this.checkAll();
    if (st !== BookStatus.Ok) return st;
    const s = this.staging;
    this.changed();
    const undo: [number, number, number][] = [];
    for (let i = 0; i < s.length; i += STRIDE) {
      const side = s[i] as 0 | 1;
      const price = s[i + 1] as number;
      const qty = s[i + 2] as number;
      const book = this.levels[side];
      const old = book.get(price) ?? 0;
      if (qty === 0) {
        book.delete(price);
      } else {
        if (old === 0 && book.size >= this.config.maxLevels) {
          for (let j = undo.length - 1; j >= 0; j--) {
            const [us, up, uq] = undo[j] as [number, number, number];
            if (uq === 0) this.levels[us as 0 | 1].delete(up);
            else this.levels[us as 0 | 1].set(up, uq);
          }
          return BookStatus.BookFull;
        }
        book.set(price, qty);
      }
      undo.push([side, price, old]);
    }
    this.updates++;
    return BookStatus.Ok;
  }

  applySnapshot(): number {
    if (this.closedFlag) return BookStatus.NullHandle;
    const st = this.checkAll();
    if (st !== BookStatus.Ok) return st;
    const s = this.staging;
    const next: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
    let bids = 0;
    let asks = 0;
    for (let i = 0; i < s.length; i += STRIDE) {
      if ((s[i + 2] as number) > 0) {
        if (s[i] === 0) bids++;
        else asks++;
      }
    }
    if (bids > this.config.maxLevels || asks > this.config.maxLevels) return BookStatus.BookFull;
    for (let i = 0; i < s.length; i += STRIDE) {
      const qty = s[i + 2] as number;
      if (qty === 0) continue;
      const book = next[s[i] as 0 | 1];
      if (book.has(s[i + 1] as number)) return BookStatus.DuplicateLevel;
      book.set(s[i + 1] as number, qty);
    }
    this.levels[0] = next[0];
    this.levels[1] = next[1];
    this.changed();
    this.updates++;
    return BookStatus.Ok;
  }

  /** Levels of a side, best first: a full sort of the map after any change (simple beats fast here). */
  private sorted(side: Side): [number, number][] {
    const hit = this.cache[side];
    if (hit !== null) return hit;
    const entries = [...this.levels[side].entries()];
    entries.sort((a, b) => (side === 0 ? b[0] - a[0] : a[0] - b[0]));
    this.cache[side] = entries;
    return entries;
  }

  private changed(): void {
    this.cache = [null, null];
  }

  private best(side: Side): [number, number] | undefined {
    return this.sorted(side)[0];
  }

  bestBidTicks(): number {
    return this.best(0)?.[0] ?? -1;
  }
  bestBidLots(): number {
    return this.best(0)?.[1] ?? 0;
  }
  bestAskTicks(): number {
    return this.best(1)?.[0] ?? -1;
  }
  bestAskLots(): number {
    return this.best(1)?.[1] ?? 0;
  }

  topLevels(side: Side, n: number, outTicks: Float64Array, outLots: Float64Array): number {
    if (side !== 0 && side !== 1) return 0;
    const levels = this.sorted(side);
    const k = Math.max(0, Math.min(n, outTicks.length, outLots.length, levels.length));
    for (let i = 0; i < k; i++) {
      const [p, q] = levels[i] as [number, number];
      outTicks[i] = p;
      outLots[i] = q;
    }
    return k;
  }

  depthLots(side: Side, levels: number): number {
    if ((side !== 0 && side !== 1) || levels < 0) return Number.NaN;
    let sum = 0n; // exact, then rounded once like C
    for (const [, q] of this.sorted(side).slice(0, levels)) sum += BigInt(q);
    return Number(sum);
  }

  private better(side: Side, price: number, limit: number): boolean {
    return side === 0 ? price >= limit : price <= limit;
  }

  depthToPrice(side: Side, limitTicks: number): number {
    if ((side !== 0 && side !== 1) || Number.isNaN(limitTicks)) return Number.NaN;
    let sum = 0n;
    for (const [p, q] of this.levels[side]) if (this.better(side, p, limitTicks)) sum += BigInt(q);
    return Number(sum);
  }

  notionalToPrice(side: Side, limitTicks: number): number {
    if ((side !== 0 && side !== 1) || Number.isNaN(limitTicks)) return Number.NaN;
    let sum = 0n; // exact, then rounded once like C
    for (const [p, q] of this.levels[side]) if (this.better(side, p, limitTicks)) sum += BigInt(p) * BigInt(q);
    return Number(sum);
  }

  mid(): number {
    const bid = this.bestBidTicks();
    const ask = this.bestAskTicks();
    return bid < 0 || ask < 0 ? Number.NaN : (bid + ask) / 2;
  }

  microprice(): number {
    const bid = this.bestBidTicks();
    const ask = this.bestAskTicks();
    if (bid < 0 || ask < 0) return Number.NaN;
    const bidLots = this.bestBidLots();
    const askLots = this.bestAskLots();
    return (bid * askLots + ask * bidLots) / (bidLots + askLots);
  }

  imbalance(levels: number): number {
    if (levels <= 0 || this.levels[0].size === 0 || this.levels[1].size === 0) return Number.NaN;
    const b = this.depthLots(0, levels);
    const a = this.depthLots(1, levels);
    return (b - a) / (b + a);
  }

  levelCount(side: Side): number {
    return this.levels[side === 0 ? 0 : 1].size;
  }

  updateCount(): number {
    return this.updates;
  }

  isCrossed(): boolean {
    const bid = this.bestBidTicks();
    const ask = this.bestAskTicks();
    return bid >= 0 && ask >= 0 && bid >= ask;
  }

  /** Nothing to corrupt in maps; reports NullHandle after close like the C book. */
  checkIntegrity(): number {
    return this.closedFlag ? BookStatus.NullHandle : BookStatus.Ok;
  }
}
