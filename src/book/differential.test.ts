/**
 * Differential property test: random streams of snapshots and batches go to the C OrderBook and to
 * the pure-TS ReferenceBook, and every status and every observable answer must agree after every
 * call. Streams are biased to the touch and mix in deletes, re-centring moves and price jumps, empty
 * sides, crossed input, limit overflow, staging overflow and invalid input. Over one `bun test` run
 * it applies at least a million level operations. A failing seed is printed; keep it in
 * REGRESSION_SEEDS so it replays on every run. BOOK_FUZZ_SEEDS="a,b" and BOOK_FUZZ_OPS=n explore more.
 */
import { describe, expect, test } from "bun:test";
import { Rng } from "../services/index.ts";
import { Side } from "../types/index.ts";
import { BookStatus, bookStatusName, OrderBook, ReferenceBook } from "./index.ts";

/** Seeds that once failed (or were picked as hard cases); replayed first on every run. */
const REGRESSION_SEEDS: readonly string[] = ["book-regress-tiny-limits", "book-regress-jumps"];
const DEFAULT_SEEDS = ["book-diff-1", "book-diff-2", "book-diff-3", "book-diff-4", "book-diff-5", "book-diff-6"];
const TOTAL_LEVEL_OPS = Number(process.env.BOOK_FUZZ_OPS ?? 1_050_000);

/** Stats one stream reports so the test can prove it exercised what it claims. */
interface StreamStats {
  levelOps: number;
  calls: number;
  rejected: Map<string, number>;
  crossedSeen: number;
  emptySideSeen: number;
  stagingFull: number;
}

/** A value that is occasionally not a valid side/price/lots, to exercise every rejection path. */
function corrupt(
  rng: Rng,
  side: number,
  ticks: number,
  lots: number,
  lo: number,
  hi: number,
): [number, number, number] {
  switch (rng.int(10)) {
    case 0:
      return [rng.pick([2, -1, 0.5, Number.NaN]), ticks, lots];
    case 1:
      return [side, ticks + 0.5, lots];
    case 2:
      return [side, rng.pick([Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -1]), lots];
    case 3:
      return [side, rng.chance(0.5) ? lo - 1 - rng.int(5) : hi + 1 + rng.int(5), lots];
    case 4:
      return [side, ticks, rng.pick([1.25, Number.NaN, 2 ** 53, Number.NEGATIVE_INFINITY])];
    case 5:
      return [side, ticks, -1 - rng.int(3)];
    case 6:
      return [side, ticks, Number.MAX_SAFE_INTEGER - rng.int(3)]; // valid but extreme
    case 7:
      return [side, rng.chance(0.5) ? lo : hi, lots]; // valid range edges
    default:
      return [side, ticks, 0];
  }
}

/** Compares everything a reader can observe; the message carries the seed and the call number. */
function compare(c: OrderBook, r: ReferenceBook, rng: Rng, where: string, bufs: Float64Array[]): void {
  const [ct, cl, rt, rl] = bufs as [Float64Array, Float64Array, Float64Array, Float64Array];
  const top = [c.bestBidTicks(), c.bestBidLots(), c.bestAskTicks(), c.bestAskLots()];
  const rtop = [r.bestBidTicks(), r.bestBidLots(), r.bestAskTicks(), r.bestAskLots()];
  const summary = [c.levelCount(0), c.levelCount(1), c.updateCount(), c.isCrossed(), c.mid(), c.microprice()];
  const rsummary = [r.levelCount(0), r.levelCount(1), r.updateCount(), r.isCrossed(), r.mid(), r.microprice()];
  if (top.join() !== rtop.join() || summary.join() !== rsummary.join()) {
    expect({ where, top, summary }).toEqual({ where, top: rtop, summary: rsummary });
  }
  for (const side of [Side.Buy, Side.Sell]) {
    const n = rng.chance(0.3) ? ct.length : 1 + rng.int(12);
    const cn = c.topLevels(side, n, ct, cl);
    const rn = r.topLevels(side, n, rt, rl);
    let same = cn === rn;
    for (let i = 0; same && i < cn; i++) same = ct[i] === rt[i] && cl[i] === rl[i];
    if (!same) {
      expect({ where, side, n, levels: [Array.from(ct.subarray(0, cn)), Array.from(cl.subarray(0, cn))] }).toEqual({
        where,
        side,
        n,
        levels: [Array.from(rt.subarray(0, rn)), Array.from(rl.subarray(0, rn))],
      });
    }
    const k = rng.int(15);
    const best = side === Side.Buy ? r.bestBidTicks() : r.bestAskTicks();
    const limit = (best < 0 ? 1000 : best) + rng.range(-30, 30) + (rng.chance(0.1) ? 0.5 : 0);
    const got = [c.depthLots(side, k), c.depthToPrice(side, limit), c.notionalToPrice(side, limit), c.imbalance(k)];
    const want = [r.depthLots(side, k), r.depthToPrice(side, limit), r.notionalToPrice(side, limit), r.imbalance(k)];
    if (got.join() !== want.join())
      expect({ where, side, k, limit, got }).toEqual({ where, side, k, limit, got: want });
  }
  if (c.checkIntegrity() !== BookStatus.Ok)
    expect(`${where}: integrity ${bookStatusName(c.checkIntegrity())}`).toBe("");
}

/** Runs one seeded stream until it has applied `targetOps` level operations. */
function runStream(seed: string, targetOps: number): StreamStats {
  const rng = new Rng(seed);
  const stats: StreamStats = {
    levelOps: 0,
    calls: 0,
    rejected: new Map(),
    crossedSeen: 0,
    emptySideSeen: 0,
    stagingFull: 0,
  };
  const bufs = [0, 1, 2, 3].map(() => new Float64Array(256));
  while (stats.levelOps < targetOps) {
    // a fresh pair of books with random limits: tiny books overflow, wide ones get deep
    const maxLevels = rng.chance(0.25) ? rng.range(1, 8) : rng.range(16, 200);
    const minTicks = rng.int(2000);
    const maxTicks = minTicks + rng.range(300, 5000);
    const cfg = { maxLevels, minTicks, maxTicks, stagingCapacity: rng.chance(0.2) ? rng.range(4, 40) : 512 };
    const c = new OrderBook(cfg);
    const r = new ReferenceBook(cfg);
    let centre = Math.floor((minTicks + maxTicks) / 2);
    const invalidRate = rng.chance(0.3) ? 0 : rng.next() * 0.02;
    const steps = rng.range(200, 2000);
    let resync = false;
    try {
      for (let step = 0; step < steps && stats.levelOps < targetOps; step++) {
        const kind = resync ? 10 : rng.int(1000);
        resync = false;
        if (kind < 8) {
          centre = rng.range(minTicks + 10, maxTicks - 10); // price jump, usually followed by a resync
          resync = rng.chance(0.8);
          continue;
        }
        const isSnapshot = kind < 35;
        const isClear = !isSnapshot && kind < 40;
        const where = `seed ${seed} call ${stats.calls} (${isSnapshot ? "snapshot" : isClear ? "clear" : "batch"})`;
        let cs: number;
        let rs: number;
        if (isClear) {
          cs = c.clear();
          rs = r.clear();
        } else {
          const n = isSnapshot
            ? rng.int(2 * maxLevels + 4)
            : rng.chance(0.1)
              ? rng.int(cfg.stagingCapacity + 3)
              : rng.int(24);
          const oneSided = rng.chance(0.05) ? rng.int(2) : -1; // empty the other side in snapshots
          c.beginUpdate();
          r.beginUpdate();
          if (!isSnapshot && r.isCrossed() && rng.chance(0.6)) {
            // a venue's book uncrosses quickly: delete the asks at or below the best bid
            const [at, al] = bufs as [Float64Array, Float64Array];
            const n = r.topLevels(Side.Sell, 16, at, al);
            for (let i = 0; i < n && (at[i] as number) <= r.bestBidTicks(); i++) {
              c.stage(Side.Sell, at[i] as number, 0);
              r.stage(Side.Sell, at[i] as number, 0);
            }
          }
          for (let i = 0; i < n; i++) {
            let side: number = oneSided >= 0 ? oneSided : rng.int(2);
            const u = rng.next();
            const dist = u < 0.7 ? rng.int(6) : u < 0.95 ? rng.int(40) : rng.int(maxTicks - minTicks);
            let ticks = side === Side.Buy ? centre - 1 - dist : centre + dist;
            if (rng.chance(0.01)) ticks = side === Side.Buy ? centre + rng.int(4) : centre - rng.int(4); // crossing
            ticks = Math.min(maxTicks, Math.max(minTicks, ticks));
            let lots = rng.chance(isSnapshot ? 0.05 : 0.35) ? 0 : rng.range(1, 1000);
            if (rng.chance(invalidRate)) [side, ticks, lots] = corrupt(rng, side, ticks, lots, minTicks, maxTicks);
            const touch = side === Side.Buy ? r.bestBidTicks() : r.bestAskTicks();
            if (!isSnapshot && touch >= 0 && rng.chance(0.05)) ticks = touch; // modify or delete the best level
            const staged = c.stage(side as Side, ticks, lots);
            if (staged !== r.stage(side as Side, ticks, lots)) expect(`${where}: stage() differs`).toBe("");
            if (!staged) stats.stagingFull++;
          }
          if (rng.chance(0.3)) centre += rng.range(-2, 2);
          centre = Math.min(maxTicks - 10, Math.max(minTicks + 10, centre));
          stats.levelOps += c.stagedCount();
          cs = isSnapshot ? c.applySnapshot() : c.applyUpdate();
          rs = isSnapshot ? r.applySnapshot() : r.applyUpdate();
        }
        stats.calls++;
        if (cs !== rs) expect(`${where}: C ${bookStatusName(cs)}`).toBe(`${where}: C ${bookStatusName(rs)}`);
        if (cs !== BookStatus.Ok)
          stats.rejected.set(bookStatusName(cs), (stats.rejected.get(bookStatusName(cs)) ?? 0) + 1);
        if (c.isCrossed()) stats.crossedSeen++;
        if (c.levelCount(0) === 0 || c.levelCount(1) === 0) stats.emptySideSeen++;
        compare(c, r, rng, where, bufs);
      }
    } finally {
      c.close();
      r.close();
    }
  }
  return stats;
}

describe("C book vs reference book, random streams", () => {
  const extra = (process.env.BOOK_FUZZ_SEEDS ?? "").split(",").filter((s) => s.length > 0);
  const seeds = [...REGRESSION_SEEDS, ...DEFAULT_SEEDS, ...extra];
  const perSeed = Math.ceil(TOTAL_LEVEL_OPS / seeds.length);
  let total = 0;
  const rejected = new Map<string, number>();
  for (const seed of seeds) {
    test(`seed ${seed}`, () => {
      const s = runStream(seed, perSeed);
      total += s.levelOps;
      for (const [k, v] of s.rejected) rejected.set(k, (rejected.get(k) ?? 0) + v);
      expect(s.crossedSeen, `seed ${seed}: never crossed`).toBeGreaterThan(0);
      expect(s.emptySideSeen, `seed ${seed}: never had an empty side`).toBeGreaterThan(0);
    });
  }
  test("the run applied >= 1M level operations and hit every rejection path", () => {
    expect(total).toBeGreaterThanOrEqual(Math.min(TOTAL_LEVEL_OPS, 1_000_000));
    for (const name of ["BadSide", "NotInteger", "PriceOutOfRange", "NegativeQty", "BookFull", "DuplicateLevel"]) {
      expect(rejected.get(name) ?? 0, `rejection ${name} never exercised`).toBeGreaterThan(0);
    }
  });
});
