/**
 * Unit tests of every book operation and every error status, run against both the C-backed
 * OrderBook and the pure-TS ReferenceBook (one contract, two implementations).
 */
import { describe, expect, test } from "bun:test";
import type { BookConfig } from "../types/index.ts";
import { type BookView, Side } from "../types/index.ts";
import { BookStatus, OrderBook, ReferenceBook } from "./index.ts";

/** What both implementations offer beyond BookView. */
interface MutableBook extends BookView {
  close(): void;
  clear(): number;
  beginUpdate(): void;
  stage(side: Side, ticks: number, lots: number): boolean;
  applyUpdate(): number;
  applySnapshot(): number;
  checkIntegrity(): number;
}

const impls: [string, (cfg: BookConfig) => MutableBook][] = [
  ["OrderBook (C)", (cfg) => new OrderBook(cfg)],
  ["ReferenceBook (TS)", (cfg) => new ReferenceBook(cfg)],
];

/** Stages [side, ticks, lots] triples and applies them as one batch. */
function batch(b: MutableBook, levels: [Side, number, number][]): number {
  b.beginUpdate();
  for (const [s, t, l] of levels) expect(b.stage(s, t, l)).toBe(true);
  return b.applyUpdate();
}

function snapshot(b: MutableBook, levels: [Side, number, number][]): number {
  b.beginUpdate();
  for (const [s, t, l] of levels) expect(b.stage(s, t, l)).toBe(true);
  return b.applySnapshot();
}

/** Everything observable, to prove a rejected call changed nothing. */
function state(b: MutableBook): unknown {
  const t = new Float64Array(64);
  const l = new Float64Array(64);
  const sides = [Side.Buy, Side.Sell].map((s) => {
    const n = b.topLevels(s, 64, t, l);
    return [Array.from(t.subarray(0, n)), Array.from(l.subarray(0, n))];
  });
  return { sides, updates: b.updateCount(), crossed: b.isCrossed(), integrity: b.checkIntegrity() };
}

for (const [name, make] of impls) {
  describe(name, () => {
    test("batch builds both sides; best, top-N, depth, notional, mid, microprice, imbalance", () => {
      const b = make({ maxLevels: 16 });
      expect(
        batch(b, [
          [Side.Buy, 100, 5],
          [Side.Buy, 99, 7],
          [Side.Buy, 101, 1],
          [Side.Sell, 103, 4],
          [Side.Sell, 105, 2],
          [Side.Sell, 104, 9],
        ]),
      ).toBe(BookStatus.Ok);
      expect([b.bestBidTicks(), b.bestBidLots(), b.bestAskTicks(), b.bestAskLots()]).toEqual([101, 1, 103, 4]);
      const t = new Float64Array(8);
      const l = new Float64Array(8);
      expect(b.topLevels(Side.Buy, 8, t, l)).toBe(3);
      expect(Array.from(t.subarray(0, 3))).toEqual([101, 100, 99]);
      expect(Array.from(l.subarray(0, 3))).toEqual([1, 5, 7]);
      expect(b.topLevels(Side.Sell, 2, t, l)).toBe(2);
      expect(Array.from(t.subarray(0, 2))).toEqual([103, 104]);
      expect(b.topLevels(Side.Sell, 10, t.subarray(0, 1), l)).toBe(1); // never past the shorter array
      expect(b.depthLots(Side.Buy, 2)).toBe(6);
      expect(b.depthLots(Side.Sell, 100)).toBe(15);
      expect(b.depthToPrice(Side.Sell, 104)).toBe(13);
      expect(b.depthToPrice(Side.Buy, 99.5)).toBe(6);
      expect(b.depthToPrice(Side.Buy, 1000)).toBe(0);
      expect(b.notionalToPrice(Side.Sell, 104)).toBe(103 * 4 + 104 * 9);
      expect(b.mid()).toBe(102);
      expect(b.microprice()).toBeCloseTo((101 * 4 + 103 * 1) / 5, 12);
      expect(b.imbalance(1)).toBeCloseTo((1 - 4) / 5, 12);
      expect(b.imbalance(2)).toBe((6 - 13) / 19);
      expect([b.levelCount(Side.Buy), b.levelCount(Side.Sell)]).toEqual([3, 3]);
      expect(b.updateCount()).toBe(1);
      expect(b.isCrossed()).toBe(false);
      expect(b.checkIntegrity()).toBe(BookStatus.Ok);
      b.close();
    });

    test("modify, delete, delete of an absent level, crossing, clear, empty-side answers", () => {
      const b = make({ maxLevels: 4 });
      batch(b, [
        [Side.Buy, 100, 5],
        [Side.Sell, 102, 5],
      ]);
      expect(
        batch(b, [
          [Side.Buy, 100, 9],
          [Side.Sell, 500, 0],
          [Side.Buy, 102, 1],
        ]),
      ).toBe(BookStatus.Ok);
      expect(b.bestBidTicks()).toBe(102);
      expect(b.isCrossed()).toBe(true);
      expect(batch(b, [[Side.Buy, 102, 0]])).toBe(BookStatus.Ok);
      expect([b.bestBidTicks(), b.bestBidLots(), b.isCrossed()]).toEqual([100, 9, false]);
      expect(b.updateCount()).toBe(3);
      expect(b.clear()).toBe(BookStatus.Ok);
      expect(b.updateCount()).toBe(4);
      expect([b.bestBidTicks(), b.bestBidLots(), b.bestAskTicks(), b.bestAskLots()]).toEqual([-1, 0, -1, 0]);
      expect(b.mid()).toBeNaN();
      expect(b.microprice()).toBeNaN();
      expect(b.imbalance(5)).toBeNaN();
      expect(b.depthLots(Side.Buy, 5)).toBe(0);
      expect(b.levelCount(Side.Sell)).toBe(0);
      batch(b, [[Side.Buy, 100, 1]]);
      expect(b.mid()).toBeNaN(); // one side only
      expect(b.imbalance(0)).toBeNaN();
      b.close();
    });

    test("snapshot replaces the book, skips zero lots, accepts any order", () => {
      const b = make({ maxLevels: 8 });
      batch(b, [[Side.Buy, 1, 1]]);
      expect(
        snapshot(b, [
          [Side.Buy, 500, 1],
          [Side.Buy, 499, 2],
          [Side.Sell, 510, 6],
          [Side.Sell, 502, 0],
          [Side.Sell, 501, 4],
          [Side.Buy, 505, 3],
        ]),
      ).toBe(BookStatus.Ok);
      expect([b.bestBidTicks(), b.bestAskTicks(), b.levelCount(Side.Buy), b.levelCount(Side.Sell)]).toEqual([
        505, 501, 3, 2,
      ]);
      expect(b.depthToPrice(Side.Buy, 1)).toBe(6);
      expect(b.checkIntegrity()).toBe(BookStatus.Ok);
      expect(snapshot(b, [])).toBe(BookStatus.Ok);
      expect([b.levelCount(Side.Buy), b.levelCount(Side.Sell), b.updateCount()]).toEqual([0, 0, 3]);
      b.close();
    });

    test("every rejected batch or snapshot returns its status and leaves the book intact", () => {
      const b = make({ maxLevels: 3, minTicks: 10, maxTicks: 1000, stagingCapacity: 8 });
      batch(b, [
        [Side.Buy, 100, 1],
        [Side.Buy, 99, 2],
        [Side.Sell, 101, 3],
      ]);
      const before = state(b);
      const bad: [string, number, number, number, number][] = [
        ["side 2", 2, 100, 1, BookStatus.BadSide],
        ["side 0.5", 0.5, 100, 1, BookStatus.BadSide],
        ["side NaN", Number.NaN, 100, 1, BookStatus.BadSide],
        ["fractional price", 0, 100.5, 1, BookStatus.NotInteger],
        ["NaN price", 0, Number.NaN, 1, BookStatus.NotInteger],
        ["infinite price", 1, Number.POSITIVE_INFINITY, 1, BookStatus.NotInteger],
        ["price 2^53", 1, 2 ** 53, 1, BookStatus.NotInteger],
        ["price below range", 0, 9, 1, BookStatus.PriceOutOfRange],
        ["price above range", 1, 1001, 1, BookStatus.PriceOutOfRange],
        ["fractional lots", 1, 500, 1.5, BookStatus.NotInteger],
        ["lots 2^53", 1, 500, 2 ** 53, BookStatus.NotInteger],
        ["negative lots", 1, 500, -1, BookStatus.NegativeQty],
      ];
      for (const [what, side, ticks, lots, want] of bad) {
        for (const apply of [() => b.applyUpdate(), () => b.applySnapshot()]) {
          b.beginUpdate();
          b.stage(Side.Buy, 98, 1); // a valid level first: it must not stick
          b.stage(side as Side, ticks, lots);
          expect({ what, status: apply() }).toEqual({ what, status: want });
          expect(state(b)).toEqual(before);
        }
      }
      // third bid level fits, the fourth does not: the whole batch rolls back
      expect(
        batch(b, [
          [Side.Buy, 100, 50],
          [Side.Buy, 98, 1],
          [Side.Buy, 97, 1],
        ]),
      ).toBe(BookStatus.BookFull);
      expect(state(b)).toEqual(before);
      // deleting first makes room
      expect(
        batch(b, [
          [Side.Buy, 99, 0],
          [Side.Buy, 98, 1],
        ]),
      ).toBe(BookStatus.Ok);
      const after = state(b);
      expect(
        snapshot(b, [
          [Side.Sell, 200, 1],
          [Side.Sell, 201, 1],
          [Side.Sell, 202, 1],
          [Side.Sell, 203, 1],
        ]),
      ).toBe(BookStatus.BookFull);
      expect(
        snapshot(b, [
          [Side.Sell, 200, 1],
          [Side.Buy, 100, 1],
          [Side.Sell, 200, 2],
        ]),
      ).toBe(BookStatus.DuplicateLevel);
      expect(state(b)).toEqual(after);
      // the staging buffer holds stagingCapacity levels, then refuses
      b.beginUpdate();
      for (let i = 0; i < 8; i++) expect(b.stage(Side.Buy, 50 + i, 0)).toBe(true);
      expect(b.stage(Side.Buy, 60, 0)).toBe(false);
      b.close();
    });

    test("bad config throws with the status name", () => {
      expect(() => make({ maxLevels: 0 })).toThrow("BadParams");
      expect(() => make({ maxLevels: 1.5 })).toThrow("BadParams");
      expect(() => make({ maxLevels: 10, minTicks: -1 })).toThrow("BadParams");
      expect(() => make({ maxLevels: 10, minTicks: 5, maxTicks: 4 })).toThrow("BadParams");
      expect(() => make({ maxLevels: 10, stagingCapacity: 0 })).toThrow("BadParams");
    });

    test("after close, mutations return NullHandle, reads look empty, close is idempotent", () => {
      const b = make({ maxLevels: 4 });
      batch(b, [[Side.Buy, 100, 5]]);
      b.close();
      b.close();
      expect(b.applyUpdate()).toBe(BookStatus.NullHandle);
      expect(b.applySnapshot()).toBe(BookStatus.NullHandle);
      expect(b.clear()).toBe(BookStatus.NullHandle);
      expect(b.checkIntegrity()).toBe(BookStatus.NullHandle);
      expect(b.bestBidTicks()).toBe(-1);
      expect(b.topLevels(Side.Buy, 4, new Float64Array(4), new Float64Array(4))).toBe(0);
    });
  });
}

describe("OrderBook (C) specifics", () => {
  test("bad sides and counts on reads return NaN or 0, never crash", () => {
    const b = new OrderBook({ maxLevels: 4 });
    batch(b, [[Side.Buy, 100, 5]]);
    const t = new Float64Array(4);
    expect(b.topLevels(7 as Side, 4, t, t)).toBe(0);
    expect(b.topLevels(Side.Buy, -3, t, t)).toBe(0);
    expect(b.depthLots(7 as Side, 1)).toBeNaN();
    expect(b.depthLots(Side.Buy, -1)).toBeNaN();
    expect(b.depthToPrice(Side.Buy, Number.NaN)).toBeNaN();
    expect(b.notionalToPrice(9 as Side, 1)).toBeNaN();
    expect(b.depthToPrice(Side.Buy, Number.NEGATIVE_INFINITY)).toBe(5);
    b.close();
    expect(b.depthLots(Side.Buy, 1)).toBeNaN();
  });

  test("5000-level snapshots in venue order, deep updates and a price jump", () => {
    const b = new OrderBook({ maxLevels: 5000 });
    b.beginUpdate();
    for (let i = 0; i < 5000; i++) b.stage(Side.Buy, 1_000_000 - 2 * i, i + 1);
    for (let i = 0; i < 5000; i++) b.stage(Side.Sell, 1_000_001 + 2 * i, i + 1);
    expect(b.applySnapshot()).toBe(BookStatus.Ok);
    expect([b.levelCount(Side.Buy), b.levelCount(Side.Sell)]).toEqual([5000, 5000]);
    expect(b.depthLots(Side.Sell, 5000)).toBe((5000 * 5001) / 2);
    expect(
      batch(b, [
        [Side.Buy, 1_000_000 - 2 * 4999, 0],
        [Side.Buy, 1_000_000 - 2 * 2500 - 1, 7],
      ]),
    ).toBe(BookStatus.Ok);
    expect(b.depthToPrice(Side.Buy, 1_000_000 - 2 * 2500 - 1)).toBe((2501 * 2502) / 2 + 7);
    expect(
      batch(b, [
        [Side.Buy, 1_000_000, 0],
        [Side.Buy, 9_000_000_000, 1],
      ]),
    ).toBe(BookStatus.Ok);
    expect(b.bestBidTicks()).toBe(9_000_000_000);
    expect(b.isCrossed()).toBe(true);
    expect(b.checkIntegrity()).toBe(BookStatus.Ok);
    b.close();
  });
});
