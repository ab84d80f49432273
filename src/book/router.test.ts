/**
 * Consolidated book and smart order router: unit tests, and property tests against brute force.
 * The brute-force reference tries every split (per venue: how many lots to sweep from the top of its
 * book) on small random books and keeps the one that fills most, then costs least after fees; the
 * C router's greedy split must match it exactly. Seeds are printed in every assertion message.
 */
import { describe, expect, test } from "bun:test";
import { Rng } from "../services/index.ts";
import { Side } from "../types/index.ts";
import { BookStatus, CB_RECORD, ConsolidatedBook, OrderBook, ROUTE, routeBufferLength, routeTotals } from "./index.ts";

const PPM = 1_000_000;

/** A venue in a test: levels best first, fee, multipliers and state. */
interface TestVenue {
  bids: [number, number][];
  asks: [number, number][];
  feePpm: number;
  priceMult: number;
  qtyMult: number;
  healthy: boolean;
  headroom: number;
  lastUpdateNs: number;
}

function makeBook(v: TestVenue): OrderBook {
  const b = new OrderBook({ maxLevels: 64 });
  b.beginUpdate();
  for (const [p, q] of v.bids) b.stage(Side.Buy, p, q);
  for (const [p, q] of v.asks) b.stage(Side.Sell, p, q);
  if (b.applySnapshot() !== BookStatus.Ok) throw new Error("bad test book");
  return b;
}

/** Random small venue books around a shared mid, so venues overlap and compete. */
function randomVenues(rng: Rng, n: number, unitMults: boolean): TestVenue[] {
  const venues: TestVenue[] = [];
  for (let i = 0; i < n; i++) {
    const priceMult = unitMults || rng.chance(0.6) ? 1 : rng.pick([2, 5]);
    const qtyMult = unitMults || rng.chance(0.6) ? 1 : rng.pick([2, 3]);
    const mid = Math.round(1000 / priceMult);
    const levels = (dir: 1 | -1): [number, number][] => {
      const out: [number, number][] = [];
      let p = mid + dir * rng.range(0, 3);
      const count = rng.range(0, 4);
      for (let k = 0; k < count; k++) {
        out.push([p, rng.range(1, 6)]);
        p += dir * rng.range(1, 3);
      }
      return out;
    };
    venues.push({
      bids: levels(-1),
      asks: levels(1),
      feePpm: rng.pick([0, 500, 1000, 2500]),
      priceMult,
      qtyMult,
      healthy: rng.chance(0.85),
      headroom: rng.chance(0.9) ? rng.range(1, 5) : 0,
      lastUpdateNs: rng.chance(0.9) ? 1_000_000 : 0,
    });
  }
  return venues;
}

/** The levels a parent order may take at a venue: common-grid prices, usable venue lots. */
function takeable(v: TestVenue, side: Side, limit: number, urgency: number): [number, number][] {
  const book = side === Side.Buy ? v.asks : v.bids;
  const out: [number, number][] = [];
  for (const [p, q] of book) {
    const pc = p * v.priceMult;
    if (side === Side.Buy ? pc > limit : pc < limit) break;
    const usable = Math.floor((q * urgency) / 1000);
    if (usable > 0) out.push([pc, usable]);
  }
  return out;
}

/** Effective cost (buy, to minimise) or proceeds (sell, to maximise) x PPM of sweeping `lots` venue lots. */
function sweepValue(levels: [number, number][], lots: number, v: TestVenue, side: Side): number {
  let left = lots;
  let value = 0;
  for (const [pc, q] of levels) {
    const t = Math.min(q, left);
    value += pc * t * v.qtyMult * (side === Side.Buy ? PPM + v.feePpm : PPM - v.feePpm);
    left -= t;
    if (left === 0) break;
  }
  return value;
}

/** Brute force: every split, best = most filled, then cheapest (buy) / richest (sell). */
function bruteForce(
  venues: TestVenue[],
  live: boolean[],
  side: Side,
  parent: number,
  limit: number,
  urgency: number,
): { filled: number; value: number } {
  // per venue: the value of sweeping k lots from the top, for every feasible k
  const values = venues.map((v, i) => {
    if (!live[i]) return [0];
    const levels = takeable(v, side, limit, urgency);
    const depth = levels.reduce((s, [, q]) => s + q, 0);
    return Array.from({ length: depth + 1 }, (_, k) => sweepValue(levels, k, v, side));
  });
  let best = { filled: -1, value: 0 };
  const visit = (i: number, filled: number, value: number): void => {
    if (filled > parent) return;
    if (i === venues.length) {
      const better =
        filled > best.filled ||
        (filled === best.filled && (side === Side.Buy ? value < best.value : value > best.value));
      if (better) best = { filled, value };
      return;
    }
    const vals = values[i] ?? [0];
    for (let k = 0; k < vals.length; k++) visit(i + 1, filled + k * (venues[i]?.qtyMult ?? 1), value + (vals[k] ?? 0));
  };
  visit(0, 0, 0);
  return best;
}

/** Attaches test venues to a fresh consolidated book; caller closes both. */
function setup(venues: TestVenue[], staleAfterNs: number): { cb: ConsolidatedBook; books: OrderBook[] } {
  const cb = new ConsolidatedBook({ maxVenues: venues.length });
  const books = venues.map(makeBook);
  venues.forEach((v, i) => {
    expect(
      cb.setVenue(i, books[i] as OrderBook, { priceMult: v.priceMult, qtyMult: v.qtyMult, takerFeePpm: v.feePpm }),
    ).toBe(BookStatus.Ok);
    expect(cb.setVenueState(i, v.healthy, v.headroom, v.lastUpdateNs)).toBe(BookStatus.Ok);
  });
  expect(cb.setStaleAfter(staleAfterNs)).toBe(BookStatus.Ok);
  return { cb, books };
}

describe("ConsolidatedBook", () => {
  test("merges venues best first with venue tags, common grid, and skips unhealthy or stale venues", () => {
    const venues: TestVenue[] = [
      {
        bids: [
          [100, 1],
          [98, 2],
        ],
        asks: [[102, 3]],
        feePpm: 0,
        priceMult: 1,
        qtyMult: 1,
        healthy: true,
        headroom: 1,
        lastUpdateNs: 100,
      },
      {
        bids: [[50, 4]],
        asks: [[51, 1]],
        feePpm: 0,
        priceMult: 2,
        qtyMult: 10,
        healthy: true,
        headroom: 1,
        lastUpdateNs: 100,
      },
      {
        bids: [[101, 9]],
        asks: [[101, 9]],
        feePpm: 0,
        priceMult: 1,
        qtyMult: 1,
        healthy: false,
        headroom: 1,
        lastUpdateNs: 100,
      },
    ];
    const { cb, books } = setup(venues, 0);
    const out = new Float64Array(10 * CB_RECORD.stride);
    expect(cb.top(Side.Buy, 10, 0, out)).toBe(3);
    expect(Array.from(out.subarray(0, 9))).toEqual([100, 1, 0, 100, 40, 1, 98, 2, 0]);
    expect(cb.top(Side.Sell, 10, 0, out)).toBe(2);
    expect(Array.from(out.subarray(0, 6))).toEqual([102, 3, 0, 102, 10, 1]);
    // staleness: venue 1 updated at 100, read at 1100 with a 500 ns limit
    cb.setVenueState(1, true, 1, 100);
    cb.setVenueState(0, true, 1, 1000);
    expect(cb.setStaleAfter(500)).toBe(BookStatus.Ok);
    expect(cb.top(Side.Buy, 10, 1100, out)).toBe(2);
    expect(out[2]).toBe(0);
    // a closed venue book detaches itself
    (books[0] as OrderBook).close();
    expect(cb.top(Side.Buy, 10, 1000, out)).toBe(0);
    expect(cb.setVenue(0, books[0] as OrderBook)).toBe(BookStatus.NullHandle);
    cb.close();
    cb.close();
    for (const b of books) b.close();
  });

  test("property: the merged view equals a sort of every live venue's levels, seeds printed", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Rng(`cbook-${seed}`);
      const venues = randomVenues(rng, rng.range(1, 5), false);
      const staleAfter = rng.chance(0.3) ? 500_000 : 0;
      const now = 1_200_000;
      const { cb, books } = setup(venues, staleAfter);
      const live = venues.map((v) => v.healthy && (staleAfter === 0 || now - v.lastUpdateNs <= staleAfter));
      for (const side of [Side.Buy, Side.Sell]) {
        const want: number[][] = [];
        venues.forEach((v, i) => {
          if (!live[i]) return;
          for (const [p, q] of side === Side.Buy ? v.bids : v.asks) want.push([p * v.priceMult, q * v.qtyMult, i]);
        });
        // best first; equal prices keep venue order (the sort is stable and venues were pushed in order)
        want.sort((a, b) => (side === Side.Buy ? (b[0] ?? 0) - (a[0] ?? 0) : (a[0] ?? 0) - (b[0] ?? 0)));
        const n = rng.range(0, want.length + 2);
        const out = new Float64Array(Math.max(1, n) * CB_RECORD.stride);
        const got = cb.top(side, n, now, out);
        const rows = Array.from({ length: got }, (_, i) => Array.from(out.subarray(i * 3, i * 3 + 3)));
        expect({ seed: `cbook-${seed}`, side, rows }).toEqual({ seed: `cbook-${seed}`, side, rows: want.slice(0, n) });
      }
      cb.close();
      for (const b of books) b.close();
    }
  });

  test("bad arguments return statuses, never crash", () => {
    expect(() => new ConsolidatedBook({ maxVenues: 0 })).toThrow("BadParams");
    const cb = new ConsolidatedBook({ maxVenues: 2 });
    const b = new OrderBook({ maxLevels: 4 });
    expect(cb.setVenue(2, b)).toBe(BookStatus.BadParams);
    expect(cb.setVenue(0, b, { priceMult: 0 })).toBe(BookStatus.BadParams);
    expect(cb.setVenue(0, b, { takerFeePpm: PPM })).toBe(BookStatus.BadParams);
    expect(cb.setVenueState(5, true, 1, 0)).toBe(BookStatus.BadParams);
    expect(cb.setStaleAfter(-1)).toBe(BookStatus.BadParams);
    const out = new Float64Array(routeBufferLength(2));
    expect(cb.route(2 as Side, 1, 10, 1000, 0, out)).toBe(-BookStatus.BadSide);
    expect(cb.route(Side.Buy, 1.5, 10, 1000, 0, out)).toBe(-BookStatus.NotInteger);
    expect(cb.route(Side.Buy, -1, 10, 1000, 0, out)).toBe(-BookStatus.NegativeQty);
    expect(cb.route(Side.Buy, 1, Number.NaN, 1000, 0, out)).toBe(-BookStatus.NotInteger);
    expect(cb.route(Side.Buy, 1, 10, 1001, 0, out)).toBe(-BookStatus.BadParams);
    expect(cb.route(Side.Buy, 1, 10, 1000, 0, new Float64Array(2))).toBe(-BookStatus.BadCount);
    cb.close();
    expect(cb.route(Side.Buy, 1, 10, 1000, 0, out)).toBe(-BookStatus.NullHandle);
    expect(cb.top(Side.Buy, 1, 0, new Float64Array(3))).toBe(0);
    b.close();
  });
});

describe("router", () => {
  test("splits by effective price after fees, respects the limit and the parent quantity", () => {
    const venues: TestVenue[] = [
      // cheaper raw price but a 0.5% fee: 100 * 1.005 = 100.5
      {
        bids: [],
        asks: [
          [100, 5],
          [103, 5],
        ],
        feePpm: 5000,
        priceMult: 1,
        qtyMult: 1,
        healthy: true,
        headroom: 1,
        lastUpdateNs: 0,
      },
      // 100.4 effective: better than venue 0's first level
      {
        bids: [],
        asks: [
          [100, 2],
          [102, 5],
        ],
        feePpm: 4000,
        priceMult: 1,
        qtyMult: 1,
        healthy: true,
        headroom: 1,
        lastUpdateNs: 0,
      },
    ];
    const { cb, books } = setup(venues, 0);
    const out = new Float64Array(routeBufferLength(4));
    expect(cb.route(Side.Buy, 8, 102, 1000, 0, out)).toBe(2);
    // venue 1 @100 x2 (100.4), venue 0 @100 x5 (100.5), venue 1 @102 x1 (102.408); 103 is beyond the limit
    expect(routeTotals(out).filledLots).toBe(8);
    expect(routeTotals(out).unfilledLots).toBe(0);
    const child = (i: number): number[] =>
      Array.from(out.subarray(ROUTE.header + i * ROUTE.stride, ROUTE.header + (i + 1) * ROUTE.stride));
    expect(child(0).slice(0, 4)).toEqual([1, 3, 102, 302]);
    expect(child(1).slice(0, 4)).toEqual([0, 5, 100, 500]);
    expect(cb.route(Side.Buy, 100, 101, 1000, 0, out)).toBe(2);
    expect(routeTotals(out)).toMatchObject({ filledLots: 7, unfilledLots: 93 });
    // no headroom on venue 1: everything from venue 0
    cb.setVenueState(1, true, 0, 0);
    expect(cb.route(Side.Buy, 4, 200, 1000, 0, out)).toBe(1);
    expect(child(0).slice(0, 3)).toEqual([0, 4, 100]);
    // urgency 500 counts on half of each level
    expect(cb.route(Side.Buy, 10, 200, 500, 0, out)).toBe(1);
    expect(routeTotals(out).filledLots).toBe(4); // floor(5/2) + floor(5/2)
    cb.close();
    for (const b of books) b.close();
  });

  test("property: equals brute force on small random books (unit lots), seeds printed", () => {
    let cases = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const rng = new Rng(`router-${seed}`);
      const venues = randomVenues(rng, rng.range(1, 4), true);
      const staleAfter = rng.chance(0.3) ? 500_000 : 0;
      const now = 1_200_000;
      const { cb, books } = setup(venues, staleAfter);
      const live = venues.map(
        (v) => v.healthy && v.headroom > 0 && (staleAfter === 0 || now - v.lastUpdateNs <= staleAfter),
      );
      const out = new Float64Array(routeBufferLength(venues.length));
      for (let r = 0; r < 5; r++) {
        const side = rng.pick([Side.Buy, Side.Sell]);
        const parent = rng.range(0, 14);
        const limit = 1000 + (side === Side.Buy ? 1 : -1) * rng.range(-2, 8);
        const urgency = rng.pick([1000, 1000, 700, 300]);
        const n = cb.route(side, parent, limit, urgency, now, out);
        const msg = `seed router-${seed} round ${r}: side ${side} qty ${parent} limit ${limit} urgency ${urgency}`;
        expect(n, msg).toBeGreaterThanOrEqual(0);
        const want = bruteForce(venues, live, side, parent, limit, urgency);
        let value = 0;
        let filled = 0;
        const used = new Set<number>();
        for (let c = 0; c < n; c++) {
          const o = ROUTE.header + c * ROUTE.stride;
          const venue = out[o + ROUTE.venue] as number;
          const v = venues[venue] as TestVenue;
          expect(used.has(venue), msg).toBe(false);
          used.add(venue);
          expect(live[venue], msg).toBe(true);
          const lots = out[o + ROUTE.venueQty] as number;
          expect(lots, msg).toBeGreaterThan(0);
          const childLimit = (out[o + ROUTE.venueLimit] as number) * v.priceMult;
          expect(side === Side.Buy ? childLimit <= limit : childLimit >= limit, msg).toBe(true);
          value += (out[o + ROUTE.childNotional] as number) * (side === Side.Buy ? PPM + v.feePpm : PPM - v.feePpm);
          filled += lots * v.qtyMult;
        }
        const totals = routeTotals(out);
        expect({ msg, filled, total: totals.filledLots + totals.unfilledLots }).toEqual({
          msg,
          filled: totals.filledLots,
          total: parent,
        });
        expect({ msg, filled, value }).toEqual({ msg, filled: want.filled, value: want.value });
        cases++;
      }
      cb.close();
      for (const b of books) b.close();
    }
    expect(cases).toBe(2000);
  });

  test("property: mixed lot sizes and grids never over-allocate or cross the limit", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rng = new Rng(`router-mixed-${seed}`);
      const venues = randomVenues(rng, rng.range(2, 5), false);
      const { cb, books } = setup(venues, 0);
      const out = new Float64Array(routeBufferLength(venues.length));
      const side = rng.pick([Side.Buy, Side.Sell]);
      const parent = rng.range(0, 30);
      const limit = 1000 + (side === Side.Buy ? 1 : -1) * rng.range(-2, 10);
      const n = cb.route(side, parent, limit, 1000, 0, out);
      const msg = `seed router-mixed-${seed}`;
      let filled = 0;
      for (let c = 0; c < n; c++) {
        const o = ROUTE.header + c * ROUTE.stride;
        const v = venues[out[o] as number] as TestVenue;
        filled += (out[o + ROUTE.venueQty] as number) * v.qtyMult;
        const childLimit = (out[o + ROUTE.venueLimit] as number) * v.priceMult;
        expect(side === Side.Buy ? childLimit <= limit : childLimit >= limit, msg).toBe(true);
      }
      expect(filled, msg).toBeLessThanOrEqual(parent);
      expect(routeTotals(out).filledLots, msg).toBe(filled);
      cb.close();
      for (const b of books) b.close();
    }
  });

  test("prices too large for the 64-bit fast path fall back to 128-bit maths with the same split, seeds printed", () => {
    const scale = 1_000_000_000; // common prices ~1e12, times (PPM + fee) overflows the fast path's key
    for (let seed = 1; seed <= 100; seed++) {
      const rng = new Rng(`router-wide-${seed}`);
      const venues = randomVenues(rng, rng.range(1, 4), true);
      const big = venues.map((v) => ({ ...v, priceMult: v.priceMult * scale }));
      const small = setup(venues, 0);
      const wide = setup(big, 0);
      const a = new Float64Array(routeBufferLength(venues.length));
      const b = new Float64Array(routeBufferLength(venues.length));
      for (let r = 0; r < 5; r++) {
        const side = rng.pick([Side.Buy, Side.Sell]);
        const parent = rng.range(0, 14);
        const limit = 1000 + (side === Side.Buy ? 1 : -1) * rng.range(-2, 8);
        const msg = `seed router-wide-${seed} round ${r}: side ${side} qty ${parent} limit ${limit}`;
        const n = small.cb.route(side, parent, limit, 1000, 0, a);
        expect(wide.cb.route(side, parent, limit * scale, 1000, 0, b), msg).toBe(n);
        expect(b[ROUTE.filled], msg).toBe(a[ROUTE.filled] as number);
        expect(b[ROUTE.unfilled], msg).toBe(a[ROUTE.unfilled] as number);
        for (let c = 0; c < n; c++) {
          const o = ROUTE.header + c * ROUTE.stride;
          expect([b[o + ROUTE.venue], b[o + 1], b[o + 2]], msg).toEqual([a[o + ROUTE.venue], a[o + 1], a[o + 2]]);
        }
      }
      for (const s of [small, wide]) {
        s.cb.close();
        for (const bk of s.books) bk.close();
      }
    }
  });

  test("equal effective prices go to the lower venue index first", () => {
    const venue = (fee: number, price: number): TestVenue => ({
      bids: [],
      asks: [[price, 3]],
      feePpm: fee,
      priceMult: 1,
      qtyMult: 1,
      healthy: true,
      headroom: 1,
      lastUpdateNs: 0,
    });
    // 1000 * 1.002 = 1002 * 1.0 (effective 1002 on both): venue 0 first, then venue 1 for the rest
    const { cb, books } = setup([venue(2000, 1000), venue(0, 1002)], 0);
    const out = new Float64Array(routeBufferLength(2));
    expect(cb.route(Side.Buy, 4, 2000, 1000, 0, out)).toBe(2);
    expect([out[ROUTE.header + ROUTE.venue], out[ROUTE.header + 1]]).toEqual([0, 3]);
    expect([out[ROUTE.header + ROUTE.stride + ROUTE.venue], out[ROUTE.header + ROUTE.stride + 1]]).toEqual([1, 1]);
    cb.close();
    for (const b of books) b.close();
  });
});
