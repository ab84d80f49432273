/**
 * Order book benchmark: one pre-generated, seeded Binance-like stream (~1000 levels per side, mostly
 * near-touch updates, frames of 20 level updates) applied to the C OrderBook through bun:ffi, to the
 * pure-TS ReferenceBook, and to a TypeScript book built the way JavaScript trading libraries usually
 * do it (sorted arrays of [price, qty] plus binary search and splice). Also times best bid/ask and
 * top-10 reads. Run: `bun bench/book.bench.ts` or `bun run bench book`. Figures: bench/RESULTS.md.
 */
import { bench, do_not_optimize, run, summary } from "mitata";
import { OrderBook, ReferenceBook } from "../src/book/index.ts";
import { Side } from "../src/types/index.ts";
import { FRAME, FRAMES, generate, LEVELS, SortedArrayBook } from "./book-stream.ts";

const { snapshot, frames } = generate("book-bench-binance-like");

/**
 * Feeds one frame through the staging API; the one FFI call is applyUpdate(). One function per book
 * type, as in an adapter (which only ever holds C books): a call site shared by the C book and the TS
 * reference is polymorphic, and the JIT's choices for it (which moved with unrelated module-loading
 * changes: 7 vs 11 ns on the same code) would be measured instead of the book.
 */
function applyFrameC(book: OrderBook, f: number): number {
  book.beginUpdate();
  const base = f * FRAME * 3;
  for (let j = 0; j < FRAME * 3; j += 3) {
    book.stage(frames[base + j] as Side, frames[base + j + 1] as number, frames[base + j + 2] as number);
  }
  return book.applyUpdate();
}

/** The same frame into the TS reference book (its own call site, see applyFrameC). */
function applyFrameRef(book: ReferenceBook, f: number): number {
  book.beginUpdate();
  const base = f * FRAME * 3;
  for (let j = 0; j < FRAME * 3; j += 3) {
    book.stage(frames[base + j] as Side, frames[base + j + 1] as number, frames[base + j + 2] as number);
  }
  return book.applyUpdate();
}

function loadSnapshot(book: OrderBook | ReferenceBook): void {
  book.beginUpdate();
  for (let i = 0; i < snapshot.length; i += 3) {
    book.stage(snapshot[i] as Side, snapshot[i + 1] as number, snapshot[i + 2] as number);
  }
  const st = book.applySnapshot();
  if (st !== 0) throw new Error(`snapshot failed with status ${st}`);
}

const cfg = { maxLevels: 4096, stagingCapacity: 8192 };
const cBook = new OrderBook(cfg);
const refBook = new ReferenceBook(cfg);
const arrBook = new SortedArrayBook();
loadSnapshot(cBook);
loadSnapshot(refBook);
arrBook.snapshot(snapshot);

// Sanity: after the whole stream all three books agree (so the bench times correct work).
for (let f = 0; f < FRAMES; f++) {
  if (applyFrameC(cBook, f) !== 0 || applyFrameRef(refBook, f) !== 0) throw new Error(`frame ${f} rejected`);
  for (let j = 0; j < FRAME; j++) {
    const o = (f * FRAME + j) * 3;
    arrBook.update(frames[o] as number, frames[o + 1] as number, frames[o + 2] as number);
  }
}
const check = [
  new Float64Array(LEVELS * 2),
  new Float64Array(LEVELS * 2),
  new Float64Array(LEVELS * 2),
  new Float64Array(LEVELS * 2),
] as const;
for (const side of [Side.Buy, Side.Sell]) {
  const n = cBook.topLevels(side, LEVELS * 2, check[0], check[1]);
  const m = arrBook.top(side, LEVELS * 2, check[2], check[3]);
  const r = refBook.levelCount(side);
  if (n !== m || n !== r || check[0].some((v, i) => v !== check[2][i]) || check[1].some((v, i) => v !== check[3][i])) {
    throw new Error(`books disagree on side ${side}: C ${n} levels, sorted-array ${m}, reference ${r}`);
  }
}
console.log(
  `stream: ${FRAMES} frames x ${FRAME} level updates; book after the stream: ${cBook.levelCount(0)} bids, ${cBook.levelCount(1)} asks`,
);

/** Cycles through the frames; at the end of the stream it reloads the snapshot (a venue resync). */
function cycler(apply: (f: number) => void, reset: () => void): () => void {
  let f = 0;
  return () => {
    apply(f);
    if (++f === FRAMES) {
      f = 0;
      reset();
    }
  };
}

const cFrame = cycler(
  (f) => applyFrameC(cBook, f),
  () => loadSnapshot(cBook),
);
const refFrame = cycler(
  (f) => applyFrameRef(refBook, f),
  () => loadSnapshot(refBook),
);
const arrFrame = cycler(
  (f) => {
    const base = f * FRAME * 3;
    for (let j = 0; j < FRAME * 3; j += 3) {
      arrBook.update(frames[base + j] as number, frames[base + j + 1] as number, frames[base + j + 2] as number);
    }
  },
  () => arrBook.snapshot(snapshot),
);

const outTicks = new Float64Array(10);
const outLots = new Float64Array(10);

summary(() => {
  bench("update frame (20 levels): C OrderBook via bun:ffi", cFrame);
  bench("update frame (20 levels): TS sorted arrays + binary search", arrFrame);
  bench("update frame (20 levels): TS ReferenceBook", refFrame);
});
summary(() => {
  bench("best bid+ask read: C OrderBook", () => {
    do_not_optimize(cBook.bestBidTicks() + cBook.bestAskTicks());
  });
  bench("best bid+ask read: TS sorted arrays", () => {
    do_not_optimize(arrBook.best(0) + arrBook.best(1));
  });
  bench("best bid+ask read: TS ReferenceBook (cached sort)", () => {
    do_not_optimize(refBook.bestBidTicks() + refBook.bestAskTicks());
  });
});
summary(() => {
  bench("top-10 read: C OrderBook via bun:ffi", () => {
    do_not_optimize(cBook.topLevels(Side.Buy, 10, outTicks, outLots));
  });
  bench("top-10 read: TS sorted arrays", () => {
    do_not_optimize(arrBook.top(0, 10, outTicks, outLots));
  });
  bench("top-10 read: TS ReferenceBook (cached sort)", () => {
    do_not_optimize(refBook.topLevels(Side.Buy, 10, outTicks, outLots));
  });
});

const result = await run();

/**
 * A second, load-tolerant figure: whole passes over the stream (80k level updates), the best of many,
 * with the books' passes interleaved round by round. On a host shared with other jobs a burst of
 * someone else's work inflates whichever book is timed during it; interleaving gives each book the
 * same chances of a quiet pass, and the best pass is close to what the code costs on a quiet core.
 */
const ROUNDS = 60;
type Pass = { readonly apply: (f: number) => void; readonly reset: () => void; best: number };
const passes: Pass[] = [
  { apply: (f) => applyFrameC(cBook, f), reset: () => loadSnapshot(cBook), best: Number.POSITIVE_INFINITY },
  {
    apply: (f) => {
      const base = f * FRAME * 3;
      for (let j = 0; j < FRAME * 3; j += 3) {
        arrBook.update(frames[base + j] as number, frames[base + j + 1] as number, frames[base + j + 2] as number);
      }
    },
    reset: () => arrBook.snapshot(snapshot),
    best: Number.POSITIVE_INFINITY,
  },
  { apply: (f) => applyFrameRef(refBook, f), reset: () => loadSnapshot(refBook), best: Number.POSITIVE_INFINITY },
];
for (let r = 0; r < ROUNDS; r++) {
  for (const p of passes) {
    p.reset();
    const t0 = Bun.nanoseconds();
    for (let f = 0; f < FRAMES; f++) p.apply(f);
    p.best = Math.min(p.best, (Bun.nanoseconds() - t0) / (FRAMES * FRAME));
  }
}
const [passC, passArr, passRef] = passes.map((p) => p.best) as [number, number, number];

// Per-level figures and ratios from the medians (p50), for bench/RESULTS.md.
const p50 = new Map<string, number>();
for (const b of result.benchmarks) {
  const stats = b.runs[0]?.stats;
  if (stats) p50.set(b.alias, stats.p50);
}
const get = (name: string): number => p50.get(name) ?? Number.NaN;
const cUpd = get("update frame (20 levels): C OrderBook via bun:ffi") / FRAME;
const arrUpd = get("update frame (20 levels): TS sorted arrays + binary search") / FRAME;
const refUpd = get("update frame (20 levels): TS ReferenceBook") / FRAME;
console.log("\nmedians per level update (frame p50 / 20):");
console.log(`  C OrderBook via bun:ffi     ${cUpd.toFixed(1)} ns   (target <= 40 ns)`);
console.log(
  `  TS sorted arrays            ${arrUpd.toFixed(1)} ns   (C is ${(arrUpd / cUpd).toFixed(1)}x faster; target >= 10x)`,
);
console.log(`  TS ReferenceBook            ${refUpd.toFixed(1)} ns   (C is ${(refUpd / cUpd).toFixed(1)}x faster)`);
/** Best of `reps` timed loops of `iters` calls, in ns per call (the read-side load-tolerant figure). */
function bestLoop(fn: () => void, iters: number, reps: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < iters; i++) fn();
    best = Math.min(best, (Bun.nanoseconds() - t0) / iters);
  }
  return best;
}
let sink = 0;
const readBest = [
  bestLoop(
    () => {
      sink += cBook.bestBidTicks() + cBook.bestAskTicks();
    },
    200_000,
    15,
  ),
  bestLoop(
    () => {
      sink += arrBook.best(0) + arrBook.best(1);
    },
    200_000,
    15,
  ),
];
const readTop = [
  bestLoop(
    () => {
      sink += cBook.topLevels(Side.Buy, 10, outTicks, outLots);
    },
    100_000,
    15,
  ),
  bestLoop(
    () => {
      sink += arrBook.top(0, 10, outTicks, outLots);
    },
    100_000,
    15,
  ),
];
do_not_optimize(sink);
console.log("\nbest loop, ns per read (load-tolerant):");
console.log(
  `  best bid+ask: C OrderBook ${readBest[0]?.toFixed(1)} ns, TS sorted arrays ${readBest[1]?.toFixed(1)} ns`,
);
console.log(`  top-10:       C OrderBook ${readTop[0]?.toFixed(1)} ns, TS sorted arrays ${readTop[1]?.toFixed(1)} ns`);
console.log(`\nbest whole pass over the stream of ${ROUNDS} interleaved rounds, ns per level update (load-tolerant):`);
console.log(`  C OrderBook via bun:ffi     ${passC.toFixed(1)} ns`);
console.log(
  `  TS sorted arrays            ${passArr.toFixed(1)} ns   (C is ${(passArr / passC).toFixed(1)}x faster; target >= 10x)`,
);
console.log(`  TS ReferenceBook            ${passRef.toFixed(1)} ns   (C is ${(passRef / passC).toFixed(1)}x faster)`);
cBook.close();
refBook.close();
