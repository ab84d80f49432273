/**
 * Test doubles for strategies: a plain-array BookView, instrument rules like the simulator's,
 * a sink that records intents, and a runner that wires them to a VirtualClock. Used by this
 * folder's tests and by cross-module tests; nothing here is used in production.
 */

import { VirtualClock } from "../../src/services/index.ts";
import type {
  IntentSink,
  OrderIntent,
  QuoteIntent,
  RouteIntent,
  StrategyContext,
  StrategyInstrument,
} from "../../src/strategy/types.ts";
import type { BookHealth, BookView, InstrumentInfo } from "../../src/types/index.ts";
import { DecimalGrid, type Lots, Side } from "../../src/types/index.ts";

/** One price level of a fake book. */
export interface FakeLevel {
  ticks: number;
  lots: number;
}

/** A BookView over plain arrays (bids descending, asks ascending). */
export class FakeBook implements BookView {
  private updates = 0;
  constructor(
    public bids: FakeLevel[] = [],
    public asks: FakeLevel[] = [],
  ) {}

  /** Replaces the book with one bid and one ask level (plus optional depth below them). */
  set(bidTicks: number, askTicks: number, lots = 100, depth = 1, gap = 1): this {
    this.bids = [];
    this.asks = [];
    for (let i = 0; i < depth; i++) {
      if (bidTicks - i * gap > 0) this.bids.push({ ticks: bidTicks - i * gap, lots });
      this.asks.push({ ticks: askTicks + i * gap, lots });
    }
    this.updates++;
    return this;
  }

  bestBidTicks(): number {
    return this.bids[0]?.ticks ?? -1;
  }
  bestBidLots(): number {
    return this.bids[0]?.lots ?? 0;
  }
  bestAskTicks(): number {
    return this.asks[0]?.ticks ?? -1;
  }
  bestAskLots(): number {
    return this.asks[0]?.lots ?? 0;
  }
  topLevels(side: Side, n: number, outTicks: Float64Array, outLots: Float64Array): number {
    const src = side === Side.Buy ? this.bids : this.asks;
    const k = Math.min(n, src.length, outTicks.length, outLots.length);
    for (let i = 0; i < k; i++) {
      outTicks[i] = (src[i] as FakeLevel).ticks;
      outLots[i] = (src[i] as FakeLevel).lots;
    }
    return k;
  }
  depthLots(side: Side, levels: number): number {
    const src = side === Side.Buy ? this.bids : this.asks;
    return src.slice(0, levels).reduce((a, l) => a + l.lots, 0);
  }
  depthToPrice(side: Side, limitTicks: number): number {
    const src =
      side === Side.Buy
        ? this.bids.filter((l) => l.ticks >= limitTicks)
        : this.asks.filter((l) => l.ticks <= limitTicks);
    return src.reduce((a, l) => a + l.lots, 0);
  }
  notionalToPrice(side: Side, limitTicks: number): number {
    const src =
      side === Side.Buy
        ? this.bids.filter((l) => l.ticks >= limitTicks)
        : this.asks.filter((l) => l.ticks <= limitTicks);
    return src.reduce((a, l) => a + l.lots * l.ticks, 0);
  }
  mid(): number {
    const b = this.bids[0];
    const a = this.asks[0];
    return b === undefined || a === undefined ? Number.NaN : (b.ticks + a.ticks) / 2;
  }
  microprice(): number {
    const b = this.bids[0];
    const a = this.asks[0];
    if (b === undefined || a === undefined) return Number.NaN;
    return (b.ticks * a.lots + a.ticks * b.lots) / (a.lots + b.lots);
  }
  imbalance(levels: number): number {
    const b = this.depthLots(Side.Buy, levels);
    const a = this.depthLots(Side.Sell, levels);
    return b === 0 || a === 0 ? Number.NaN : (b - a) / (b + a);
  }
  levelCount(side: Side): number {
    return side === Side.Buy ? this.bids.length : this.asks.length;
  }
  updateCount(): number {
    return this.updates;
  }
  isCrossed(): boolean {
    const b = this.bids[0];
    const a = this.asks[0];
    return b !== undefined && a !== undefined && b.ticks >= a.ticks;
  }
}

/** Instrument rules; defaults are the simulator's BTCUSDT (tick 0.01, step 0.00001, min notional 5). */
export function fakeInstrument(
  over: Partial<{
    venue: string;
    symbol: string;
    tick: string;
    step: string;
    minQty: string;
    minNotional: string;
    maker: number;
  }> = {},
): StrategyInstrument {
  const symbol = over.symbol ?? "BTC-USDT";
  const [base = "BTC", quote = "USDT"] = symbol.split("-");
  const price = new DecimalGrid(over.tick ?? "0.01");
  const qty = new DecimalGrid(over.step ?? "0.00001");
  const info: InstrumentInfo = {
    symbol,
    venueSymbol: symbol.replace("-", ""),
    base,
    quote,
    price,
    qty,
    minQtyLots: qty.parseOrThrow(over.minQty ?? qty.increment, "minQty") as Lots,
    maxQtyLots: 0 as Lots,
    minNotional: over.minNotional ?? "5",
    maxNotional: "0",
    trading: true,
  };
  return { venue: over.venue ?? "sim", symbol, info, fees: { maker: over.maker ?? 0, taker: 0.001 } };
}

/** Records every intent. */
export class RecordingSink implements IntentSink {
  readonly quoteLog: QuoteIntent[] = [];
  readonly orderLog: OrderIntent[] = [];
  readonly routeLog: RouteIntent[] = [];
  quotes(intent: QuoteIntent): void {
    this.quoteLog.push(intent);
  }
  order(intent: OrderIntent): void {
    this.orderLog.push(intent);
  }
  route(intent: RouteIntent): void {
    this.routeLog.push(intent);
  }
  /** The last quote emitted for an instrument. */
  last(venue = "sim", symbol = "BTC-USDT"): QuoteIntent | undefined {
    for (let i = this.quoteLog.length - 1; i >= 0; i--) {
      const q = this.quoteLog[i] as QuoteIntent;
      if (q.venue === venue && q.symbol === symbol) return q;
    }
    return undefined;
  }
}

/** A context on a VirtualClock with a recording sink. */
export function fakeContext(instruments: StrategyInstrument[] = [fakeInstrument()]): {
  ctx: StrategyContext;
  clock: VirtualClock;
  sink: RecordingSink;
} {
  const clock = new VirtualClock();
  const sink = new RecordingSink();
  return { ctx: { clock, sink, instruments }, clock, sink };
}

/** A book update for the default instrument. */
export function bookUpdate(book: BookView, health: BookHealth = "live", venue = "sim", symbol = "BTC-USDT") {
  return { venue, symbol, book, health, recvNs: 0 };
}
