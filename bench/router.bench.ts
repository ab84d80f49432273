/**
 * Smart order router and consolidated book: route decisions on 5 venues x 50 levels per side (one
 * FFI call each), and a merged top-10 read. Target: a route decision in at most 2 us.
 * Run: `bun bench/router.bench.ts` or `bun run bench router`. Figures: bench/RESULTS.md.
 */
import { bench, do_not_optimize, run, summary } from "mitata";
import { CB_RECORD, ConsolidatedBook, OrderBook, routeBufferLength, routeTotals } from "../src/book/index.ts";
import { Rng } from "../src/services/rng.ts";
import { Side } from "../src/types/index.ts";

const VENUES = 5;
const LEVELS = 50;
const rng = new Rng("router-bench");
const cb = new ConsolidatedBook({ maxVenues: VENUES });
const books: OrderBook[] = [];
let depthLots = 0;
for (let v = 0; v < VENUES; v++) {
  const book = new OrderBook({ maxLevels: 256 });
  book.beginUpdate();
  let bid = 5_000_000 - rng.range(0, 3);
  let ask = 5_000_001 + rng.range(0, 3);
  for (let i = 0; i < LEVELS; i++) {
    const lots = rng.range(1, 100);
    book.stage(Side.Buy, bid, lots);
    book.stage(Side.Sell, ask, rng.range(1, 100));
    depthLots += lots;
    bid -= rng.range(1, 3);
    ask += rng.range(1, 3);
  }
  if (book.applySnapshot() !== 0) throw new Error("snapshot failed");
  books.push(book);
  cb.setVenue(v, book, { takerFeePpm: rng.pick([500, 750, 1000, 1500, 2000]) });
  cb.setVenueState(v, true, 10, 0);
}
const out = new Float64Array(routeBufferLength(VENUES));
const topOut = new Float64Array(10 * CB_RECORD.stride);
const small = 50; // a few levels on one or two venues
const large = Math.floor(depthLots / 2); // about half the displayed depth on every venue
const noLimit = 10_000_000;
cb.route(Side.Sell, large, 0, 1000, 0, out);
console.log(`depth ${depthLots} lots per side; large sell filled ${routeTotals(out).filledLots} of ${large}`);

summary(() => {
  bench(`route buy ${small} lots (5 venues x ${LEVELS} levels)`, () => {
    do_not_optimize(cb.route(Side.Buy, small, noLimit, 1000, 0, out));
  });
  bench(`route sell ${large} lots (half the depth)`, () => {
    do_not_optimize(cb.route(Side.Sell, large, 0, 1000, 0, out));
  });
  bench(`route buy ${depthLots * 2} lots (everything, then unfilled)`, () => {
    do_not_optimize(cb.route(Side.Buy, depthLots * 2, noLimit, 1000, 0, out));
  });
  bench("consolidated top-10 read", () => {
    do_not_optimize(cb.top(Side.Buy, 10, 0, topOut));
  });
});

await run();
cb.close();
for (const b of books) b.close();
