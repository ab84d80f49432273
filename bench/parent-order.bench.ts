/**
 * Parent orders through the TypeScript layer: one ParentOrders.submit (venue states fed, one router
 * FFI call, each child through the risk gate and the order manager to the adapter) against the cost
 * of one plain IOC through the same gate, so the routing overhead per parent shows. Venues are the
 * in-memory fakes (no wire), so this is the engine's own cost. Children are expired between timed
 * batches, outside the timing, so state stays bounded.
 * Run: `bun bench/parent-order.bench.ts` or `bun run bench parent-order`. Figures: bench/RESULTS.md.
 */
import { BookStatus, ConsolidatedBook, OrderBook, routeBufferLength } from "../src/book/index.ts";
import { Execution } from "../src/execution/index.ts";
import { VirtualClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { Side } from "../src/types/index.ts";
import { FakeVenue, flush, looseLimits, testInstrument } from "../test/support/fake-venue.ts";

const LEVELS = 20;
const BATCH = 500;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);

const clock = new VirtualClock(1_700_000_000_000);
const books = new Map<string, OrderBook>();
const desk = new Execution({
  clock,
  rng: new Rng("parent-bench"),
  clientIdPrefix: "bench",
  limits: looseLimits({ priceBandBps: 5000, maxOrdersPerSecond: 1_000_000, maxOpenOrders: 1_000_000 }),
  orders: { retainTerminal: 2 * BATCH },
  // one attempt: expired children end their parent in settle(), outside the timing
  parents: { bookOf: (v) => books.get(v), retainFinished: BATCH, maxAttempts: 1 },
});
const fakes: FakeVenue[] = [];
for (const [name, tick, step, base] of [
  ["a", "0.01", "0.00001", 5_000_000],
  ["b", "0.1", "0.0001", 500_000],
] as const) {
  const fake = new FakeVenue(name, [testInstrument("BTC-USDT", tick, step)]);
  fake.emitAcks = false;
  fakes.push(fake);
  desk.addVenue(fake);
  fake.onEvent((ev) => desk.onVenueEvent(ev));
  const vs = desk.registry.venues.get(name);
  if (vs !== undefined) vs.ready = true;
  desk.setBookHealth(name, "BTC-USDT", "live");
  const book = new OrderBook({ maxLevels: 256 });
  book.beginUpdate();
  for (let i = 0; i < LEVELS; i++) {
    book.stage(Side.Buy, base - 1 - i, 20);
    book.stage(Side.Sell, base + 1 + i, 20);
  }
  if (book.applySnapshot() !== BookStatus.Ok) throw new Error("snapshot failed");
  books.set(name, book);
  desk.setTopOfBook(name, "BTC-USDT", base - 1, base + 1);
  desk.parents.setTakerFeePpm(name, 500);
}

/** Expires every child still open (outside the timing). */
async function settle(): Promise<void> {
  for (const f of fakes) {
    for (const r of f.submits) {
      const o = f.venueOrder(r.clientId);
      if (o !== undefined && (o.status === "new" || o.status === "partially_filled")) f.finish(r.clientId, "expired");
    }
    f.submits.length = 0;
  }
  await flush();
  clock.advance(1001); // a fresh order-rate window
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Median and minimum ns per operation over the rounds (the minimum is the least disturbed by other load). */
async function measure(label: string, once: () => void): Promise<{ med: number; min: number }> {
  const perOp: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < BATCH; i++) once();
    perOp.push((Bun.nanoseconds() - t0) / BATCH);
    await settle();
  }
  const med = median(perOp);
  const min = Math.min(...perOp);
  console.log(`${label.padEnd(62)} median ${(med / 1000).toFixed(2)} us  min ${(min / 1000).toFixed(2)} us`);
  return { med, min };
}

// a parent that takes both venues: 600 common lots = a's top 19 levels and b's first (×10 grid), fees 0.05 %
const parent = { symbol: "BTC-USDT", side: Side.Buy, lots: 600, limitTicks: 5_000_200 } as const;
desk.parents.submit(parent);
const children = fakes.reduce((n, f) => n + f.submits.length, 0);
await settle();
console.log(`one parent of ${parent.lots} lots -> ${children} children; ${ROUNDS} rounds of ${BATCH}`);

// the router call alone, on the same books, for reference
const cb = new ConsolidatedBook({ maxVenues: 2 });
cb.setVenue(0, books.get("a") ?? null, { takerFeePpm: 500 });
cb.setVenue(1, books.get("b") ?? null, { priceMult: 10, qtyMult: 10, takerFeePpm: 500 });
const out = new Float64Array(routeBufferLength(16));
await measure("router FFI call alone (2 venues)", () => {
  cb.route(Side.Buy, 600, 5_000_200, 1000, 0, out);
});
const plain = await measure("one IOC through Execution.submit (gate + OMS + adapter)", () => {
  desk.submit("a", "BTC-USDT", Side.Buy, 5_000_010, 100, "limit", "IOC");
});
const routed = await measure(`ParentOrders.submit: route + ${children} IOC children`, () => {
  desk.parents.submit(parent);
});
const overhead = (k: "med" | "min"): string => ((routed[k] - children * plain[k]) / 1000).toFixed(2);
console.log(
  `routing overhead per parent beyond its ${children} child submits: median ${overhead("med")} us, min ${overhead("min")} us`,
);
cb.close();
desk.parents.close();
for (const b of books.values()) b.close();
