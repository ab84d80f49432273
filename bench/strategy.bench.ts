/**
 * Strategy cost per book update: what a strategy adds to tick-to-trade between the book being
 * updated and the intent reaching execution. Fed by a real C OrderBook (FFI reads, as in the
 * engine) moving by a tick each update, so both the "within refresh tolerance" path (same quote
 * re-emitted) and the "new quote" path are measured. Run: `bun bench/strategy.bench.ts`.
 */
import { bench, do_not_optimize, run, summary } from "mitata";
import { OrderBook } from "../src/book/index.ts";
import { HotHistogram, STRATEGY_CALLBACK_BUCKETS } from "../src/metrics/index.ts";
import { SystemClock, VirtualClock } from "../src/services/index.ts";
import {
  createStrategy,
  type QuoteIntent,
  STRATEGY_CALLBACKS,
  type StrategyInstrument,
  StrategySupervisor,
} from "../src/strategy/index.ts";
import { DecimalGrid, type Lots, Side } from "../src/types/index.ts";

const inst: StrategyInstrument = {
  venue: "sim",
  symbol: "BTC-USDT",
  info: {
    symbol: "BTC-USDT",
    venueSymbol: "BTCUSDT",
    base: "BTC",
    quote: "USDT",
    price: new DecimalGrid("0.01"),
    qty: new DecimalGrid("0.00001"),
    minQtyLots: 1 as Lots,
    maxQtyLots: 0 as Lots,
    minNotional: "5",
    maxNotional: "0",
    trading: true,
  },
  fees: { maker: 0, taker: 0.001 },
};

const MID = 6_000_000;
const book = new OrderBook({ maxLevels: 512 });

/** Rebuilds the book around a mid: 20 levels per side, one tick apart. */
function setBook(mid: number): void {
  book.beginUpdate();
  for (let i = 0; i < 20; i++) {
    book.stage(Side.Buy, mid - 50 - i, 1000 + i);
    book.stage(Side.Sell, mid + 50 + i, 1000 + i);
  }
  book.applySnapshot();
}

let last: QuoteIntent | undefined;
let emitted = 0;
const sink = {
  quotes: (q: QuoteIntent) => {
    last = q;
    emitted++;
  },
  order: () => {},
};

function make(type: string, params: Record<string, unknown>) {
  const s = createStrategy({ type, ctx: { clock: new VirtualClock(), sink, instruments: [inst] }, params });
  s.start();
  return s;
}

const common = { spread: 0.001, max_position: 1, min_profit: 0.0001, order_size: 0.01 };
const mmTolerant = make("market_making", { ...common, levels: 3, refresh_tolerance: 0.001 });
const mmChurn = make("market_making", { ...common, levels: 3, refresh_tolerance: 0 });
const as = make("avellaneda_stoikov", { order_size: 0.01, max_position: 1, min_profit: 0, refresh_tolerance: 0 });

/**
 * The same strategy inside the engine's guard, wired as the engine wires it: a wall clock read on each
 * side of the callback, one histogram bump, the intent held and passed on when the callback returns.
 */
const histograms = STRATEGY_CALLBACKS.map(() => new HotHistogram(STRATEGY_CALLBACK_BUCKETS));
const guarded = new StrategySupervisor({
  name: "mm",
  clock: new SystemClock(),
  sink,
  instruments: [inst],
  limits: { eventBudgetNs: 5_000_000, maxOverruns: 20, overrunWindowMs: 10_000, maxIntentsPerEvent: 200 },
  observe: (cb, ns) => histograms[cb]?.observeNs(ns),
});
guarded.attach((ctx) =>
  createStrategy({ type: "market_making", ctx, params: { ...common, levels: 3, refresh_tolerance: 0.001 } }),
);
guarded.start();

setBook(MID);
const update = { venue: "sim", symbol: "BTC-USDT", book, health: "live" as const, recvNs: 0 };
for (const s of [mmTolerant, mmChurn, as, guarded]) s.onBook(update);

summary(() => {
  bench("market_making onBook, 3 levels, within tolerance (same quote)", () => {
    mmTolerant.onBook(update);
    do_not_optimize(last);
  });
  bench("the same inside the engine's guard (timed, histogram, intent held and passed on)", () => {
    guarded.onBook(update);
    do_not_optimize(last);
  });
  let flip = 0;
  const positions = [
    { venue: "sim", symbol: "BTC-USDT", positionLots: 0 },
    { venue: "sim", symbol: "BTC-USDT", positionLots: 50_000 },
  ];
  bench("market_making onPosition, 3 levels, new quote each time", () => {
    // Alternate the position so every evaluation skews the quote and allocates a new one.
    flip = 1 - flip;
    mmChurn.onPosition(positions[flip] as (typeof positions)[number]);
    do_not_optimize(last);
  });
  bench("avellaneda_stoikov onBook, 1 level (EWMA + κ from 10 levels)", () => {
    as.onBook(update);
    do_not_optimize(last);
  });
});

await run();
console.log(`(${emitted} intents emitted)`);
book.close();
