/**
 * The public test harness for strategies: it feeds a strategy scripted books, trades, fills and time
 * on a VirtualClock and returns the intents it emitted, so a strategy is unit-tested in milliseconds
 * without an engine, a venue or a socket. It is part of the strategy API (users import it with the
 * rest), not an internal test double: the strategy runs inside the same guard the engine puts around
 * it (the declared schema checks parameters and updates, intents are checked and passed on when a
 * callback returns, a throw halts), so what passes here behaves the same in the engine.
 *
 * Prices and sizes are written as decimal strings ("60000.10", "0.5") and converted exactly on the
 * instrument's grids; the intents come back in ticks and lots, as the engine sees them.
 */
import { VirtualClock } from "../services/index.ts";
import type { BookHealth, BookView, InstrumentInfo, Lots, OrderUpdate, Ticks } from "../types/index.ts";
import { DecimalGrid, Side } from "../types/index.ts";
import type { StrategyDefinition } from "./definition.ts";
import { type ParamsSchema, parseParams } from "./params.ts";
import { type GuardLimits, type StrategyFault, StrategySupervisor, UNLIMITED_GUARD } from "./supervisor.ts";
import type {
  BookUpdate,
  IntentSink,
  OrderIntent,
  QuoteIntent,
  RouteIntent,
  Strategy,
  StrategyContext,
  StrategyInstrument,
} from "./types.ts";

/** One price level of a scripted book, in ticks and lots. */
export interface BookLevel {
  ticks: number;
  lots: number;
}

/** A BookView over plain arrays (bids best first, descending; asks best first, ascending). */
export class ScriptedBook implements BookView {
  private updates = 0;
  constructor(
    public bids: BookLevel[] = [],
    public asks: BookLevel[] = [],
  ) {}

  /** Replaces the book with one bid and one ask level (plus optional depth `gap` ticks apart behind them). */
  set(bidTicks: number, askTicks: number, lots = 100, depth = 1, gap = 1): this {
    const bids: BookLevel[] = [];
    const asks: BookLevel[] = [];
    for (let i = 0; i < depth; i++) {
      if (bidTicks - i * gap > 0) bids.push({ ticks: bidTicks - i * gap, lots });
      asks.push({ ticks: askTicks + i * gap, lots });
    }
    return this.setLevels(bids, asks);
  }

  /** Replaces both sides (sorted best first here) and counts one update. */
  setLevels(bids: readonly BookLevel[], asks: readonly BookLevel[]): this {
    this.bids = [...bids].sort((a, b) => b.ticks - a.ticks);
    this.asks = [...asks].sort((a, b) => a.ticks - b.ticks);
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
      outTicks[i] = (src[i] as BookLevel).ticks;
      outLots[i] = (src[i] as BookLevel).lots;
    }
    return k;
  }
  depthLots(side: Side, levels: number): number {
    const src = side === Side.Buy ? this.bids : this.asks;
    return src.slice(0, levels).reduce((a, l) => a + l.lots, 0);
  }
  depthToPrice(side: Side, limitTicks: number): number {
    return this.within(side, limitTicks).reduce((a, l) => a + l.lots, 0);
  }
  notionalToPrice(side: Side, limitTicks: number): number {
    return this.within(side, limitTicks).reduce((a, l) => a + l.lots * l.ticks, 0);
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

  private within(side: Side, limitTicks: number): BookLevel[] {
    return side === Side.Buy
      ? this.bids.filter((l) => l.ticks >= limitTicks)
      : this.asks.filter((l) => l.ticks <= limitTicks);
  }
}

/** Rules of a test instrument; every field has the simulator's BTC-USDT value as its default. */
export interface TestInstrumentRules {
  readonly venue?: string;
  readonly symbol?: string;
  readonly tick?: string;
  readonly step?: string;
  readonly minQty?: string;
  readonly minNotional?: string;
  /** Fee rates, fractions (0.001 = 0.1 %). */
  readonly maker?: number;
  readonly taker?: number;
}

/** An instrument as a venue would report it; defaults: "sim" BTC-USDT, tick 0.01, step 0.00001, min notional 5, maker 0. */
export function testInstrument(rules: TestInstrumentRules = {}): StrategyInstrument {
  const symbol = rules.symbol ?? "BTC-USDT";
  const [base = "BTC", quote = "USDT"] = symbol.split("-");
  const price = new DecimalGrid(rules.tick ?? "0.01");
  const qty = new DecimalGrid(rules.step ?? "0.00001");
  const info: InstrumentInfo = {
    symbol,
    venueSymbol: symbol.replace("-", ""),
    base,
    quote,
    price,
    qty,
    minQtyLots: qty.parseOrThrow(rules.minQty ?? qty.increment, "minQty") as Lots,
    maxQtyLots: 0 as Lots,
    minNotional: rules.minNotional ?? "5",
    maxNotional: "0",
    trading: true,
  };
  return { venue: rules.venue ?? "sim", symbol, info, fees: { maker: rules.maker ?? 0, taker: rules.taker ?? 0.001 } };
}

/** An IntentSink that records every intent, in order. */
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
    return this.quoteLog.findLast((q) => q.venue === venue && q.symbol === symbol);
  }
}

/** A bare context (VirtualClock, recording sink) for driving a strategy object directly. */
export function testContext(instruments: readonly StrategyInstrument[] = [testInstrument()]): {
  ctx: StrategyContext;
  clock: VirtualClock;
  sink: RecordingSink;
} {
  const clock = new VirtualClock();
  const sink = new RecordingSink();
  return { ctx: { clock, sink, instruments }, clock, sink };
}

/** A book update as the engine delivers it. */
export function bookUpdate(
  book: BookView,
  health: BookHealth = "live",
  venue = "sim",
  symbol = "BTC-USDT",
): BookUpdate {
  return { venue, symbol, book, health, recvNs: 0 };
}

/** What one step of the harness made the strategy emit, in order per kind. */
export interface Emitted {
  readonly quotes: readonly QuoteIntent[];
  readonly orders: readonly OrderIntent[];
  readonly routes: readonly RouteIntent[];
}

/** Which instrument a scripted event is for (default: the harness's first instrument). */
export interface On {
  readonly venue?: string;
  readonly symbol?: string;
}

/** A price level as people write it: [price, size], decimal strings. */
export type DecimalLevel = readonly [price: string, size: string];

/** A scripted book: both sides as [price, size] decimal strings (any order; sorted best first). */
export interface BookScript extends On {
  readonly bids: readonly DecimalLevel[];
  readonly asks: readonly DecimalLevel[];
}

/** A scripted public trade. */
export interface TradeScript extends On {
  readonly price: string;
  readonly size: string;
  /** The taker's side. */
  readonly aggressor: "buy" | "sell";
}

/** A scripted fill of one of the strategy's orders. */
export interface FillScript extends On {
  readonly side: "buy" | "sell";
  readonly price: string;
  readonly size: string;
  /** Default true (a resting quote was hit). */
  readonly maker?: boolean;
}

/** Options of a harness. */
export interface HarnessOptions {
  /** The strategy's parameters as a config would give them (validated by its schema, defaults applied). */
  readonly parameters?: unknown;
  /** Default: the definition's kind. */
  readonly name?: string;
  /** Default: one simulator-like BTC-USDT on venue "sim" (testInstrument()). */
  readonly instruments?: readonly StrategyInstrument[];
  /** Where the virtual clock starts, epoch ms. */
  readonly startMs?: number;
  /** The engine's guard limits to apply (default: none, so wall time never fails a unit test). */
  readonly guard?: Partial<GuardLimits>;
  /** What callbacks are timed with (default the virtual clock: no time passes); Bun.nanoseconds to test a budget. */
  readonly timeNs?: () => number;
  /** "throw" (default): a step whose callback threw throws, with the strategy's error as cause. "record": read it from `fault`. */
  readonly onFault?: "throw" | "record";
}

/** A strategy's callback threw (or ran over its budget) during a harness step. */
export class StrategyHarnessError extends Error {
  constructor(readonly fault: StrategyFault) {
    super(`strategy halted: ${fault.message}`, { cause: fault.error });
    this.name = "StrategyHarnessError";
  }
}

/** Drives one strategy through scripted events on a virtual clock (see the file comment). */
export class StrategyHarness {
  readonly clock: VirtualClock;
  /** The strategy object the definition built (its own methods and state, for assertions). */
  readonly strategy: Strategy;
  /** Every intent emitted since the harness was built. */
  readonly sink = new RecordingSink();
  readonly instruments: readonly StrategyInstrument[];
  private readonly guard: StrategySupervisor;
  private readonly books = new Map<string, ScriptedBook>();
  private readonly health_ = new Map<string, BookHealth>();
  private readonly positions = new Map<string, number>();
  private readonly throwOnFault: boolean;
  private timer = 0;
  private seq = 0;

  constructor(definition: StrategyDefinition, opts: HarnessOptions = {}) {
    this.clock = new VirtualClock(opts.startMs);
    this.instruments = opts.instruments ?? [testInstrument()];
    this.throwOnFault = opts.onFault !== "record";
    const name = opts.name ?? definition.kind;
    const schema: ParamsSchema = definition.paramsSchema;
    const params = parseParams<Record<string, unknown>>(schema, name, opts.parameters ?? {});
    this.guard = new StrategySupervisor({
      name,
      clock: this.clock,
      sink: this.sink,
      instruments: this.instruments,
      limits: { ...UNLIMITED_GUARD, ...opts.guard },
      schema,
      ...(opts.timeNs !== undefined ? { timeNs: opts.timeNs } : {}),
    });
    this.strategy = this.guard.attach((ctx) => definition.create(name, ctx, params));
  }

  /** Why the strategy was halted (a throw, or its time budget), if it was. */
  get fault(): StrategyFault | undefined {
    return this.guard.fault;
  }

  /** Starts the strategy and its timer (onTimer every timerIntervalMs of virtual time). */
  start(): Emitted {
    return this.step(() => {
      this.guard.start();
      const every = this.guard.timerIntervalMs;
      if (every > 0 && this.timer === 0) {
        this.timer = this.clock.setRepeating(every, () => this.guard.onTimer(this.clock.nowMs()));
      }
    });
  }

  /** Stops the strategy (it should withdraw its quotes) and its timer. */
  stop(): Emitted {
    return this.step(() => {
      if (this.timer !== 0) this.clock.clearTimer(this.timer);
      this.timer = 0;
      this.guard.stop();
    });
  }

  /** A new book on an instrument: both sides replaced, delivered as a live book update. */
  book(script: BookScript): Emitted {
    const inst = this.instrument(script);
    const book = this.bookOf(inst);
    const level = ([price, size]: DecimalLevel): BookLevel => ({
      ticks: inst.info.price.parseOrThrow(price, "book price"),
      lots: inst.info.qty.parseOrThrow(size, "book size"),
    });
    book.setLevels(script.bids.map(level), script.asks.map(level));
    const health = this.health_.get(keyOf(inst)) ?? "live";
    return this.step(() => this.guard.onBook(bookUpdate(book, health, inst.venue, inst.symbol)));
  }

  /** The book's health changes (a book that is not live must not be quoted on). */
  health(health: BookHealth, on: On = {}): Emitted {
    const inst = this.instrument(on);
    this.health_.set(keyOf(inst), health);
    return this.step(() => this.guard.onBookHealth(inst.venue, inst.symbol, health));
  }

  /** A public trade on an instrument. */
  trade(script: TradeScript): Emitted {
    const inst = this.instrument(script);
    return this.step(() =>
      this.guard.onTrade({
        venue: inst.venue,
        symbol: inst.symbol,
        priceTicks: inst.info.price.parseOrThrow(script.price, "trade price"),
        lots: inst.info.qty.parseOrThrow(script.size, "trade size"),
        aggressor: script.aggressor === "buy" ? Side.Buy : Side.Sell,
        venueTimeMs: this.clock.nowMs(),
      }),
    );
  }

  /** One of the strategy's orders filled: the position moves (onPosition), then the order update (onOrder), as in the engine. */
  fill(script: FillScript): Emitted {
    const inst = this.instrument(script);
    const priceTicks = inst.info.price.parseOrThrow(script.price, "fill price") as Ticks;
    const lots = inst.info.qty.parseOrThrow(script.size, "fill size") as Lots;
    const side = script.side === "buy" ? Side.Buy : Side.Sell;
    const key = keyOf(inst);
    const position = (this.positions.get(key) ?? 0) + (side === Side.Buy ? lots : -lots);
    this.positions.set(key, position);
    const n = ++this.seq;
    const update: OrderUpdate = {
      venue: inst.venue,
      symbol: inst.symbol,
      clientId: `harness-${n}`,
      venueOrderId: String(n),
      side,
      status: "filled",
      exec: "fill",
      priceTicks,
      origLots: lots,
      cumLots: lots,
      lastLots: lots,
      lastPriceTicks: priceTicks,
      fee: "0",
      feeAsset: inst.info.quote,
      isMaker: script.maker ?? true,
      tradeId: n,
      venueTimeMs: this.clock.nowMs(),
    };
    return this.step(() => {
      this.guard.onPosition({ venue: inst.venue, symbol: inst.symbol, positionLots: position });
      this.guard.onOrder(update);
    });
  }

  /** Lets virtual time pass: every timer due on the way fires (the strategy's onTimer among them). */
  advance(ms: number): Emitted {
    return this.step(() => this.clock.advance(ms));
  }

  /** Changes parameters as the control API does: the schema first, then the strategy's own checks. */
  update(partial: Record<string, unknown>): Emitted {
    return this.step(() => this.guard.updateParams(partial));
  }

  /** The last quote emitted for an instrument, in ticks and lots. */
  lastQuote(on: On = {}): QuoteIntent | undefined {
    const inst = this.instrument(on);
    return this.sink.last(inst.venue, inst.symbol);
  }

  /** The last quote as decimal strings, [price, size] per level, best first: readable assertions. */
  quoted(on: On = {}): { bids: DecimalLevel[]; asks: DecimalLevel[] } {
    const inst = this.instrument(on);
    const q = this.sink.last(inst.venue, inst.symbol);
    const text = (l: { priceTicks: number; lots: number }): DecimalLevel => [
      inst.info.price.format(l.priceTicks),
      inst.info.qty.format(l.lots),
    ];
    return { bids: (q?.bids ?? []).map(text), asks: (q?.asks ?? []).map(text) };
  }

  /** The position the harness has reported to the strategy, in lots (from the scripted fills). */
  positionLots(on: On = {}): number {
    return this.positions.get(keyOf(this.instrument(on))) ?? 0;
  }

  /** A decimal price as ticks of the instrument. */
  ticks(price: string, on: On = {}): number {
    return this.instrument(on).info.price.parseOrThrow(price, "price");
  }

  /** A decimal size as lots of the instrument. */
  lots(size: string, on: On = {}): number {
    return this.instrument(on).info.qty.parseOrThrow(size, "size");
  }

  /** Runs one step and returns what it emitted; a fault during it throws unless onFault is "record". */
  private step(run: () => void): Emitted {
    const q = this.sink.quoteLog.length;
    const o = this.sink.orderLog.length;
    const r = this.sink.routeLog.length;
    const before = this.guard.fault;
    run();
    const fault = this.guard.fault;
    if (fault !== undefined && fault !== before && this.throwOnFault) throw new StrategyHarnessError(fault);
    return {
      quotes: this.sink.quoteLog.slice(q),
      orders: this.sink.orderLog.slice(o),
      routes: this.sink.routeLog.slice(r),
    };
  }

  private instrument(on: On): StrategyInstrument {
    const venue = on.venue ?? this.instruments[0]?.venue;
    const symbol = on.symbol ?? this.instruments[0]?.symbol;
    const inst = this.instruments.find((i) => i.venue === venue && i.symbol === symbol);
    if (inst === undefined) throw new Error(`the harness has no instrument ${venue} ${symbol}`);
    return inst;
  }

  private bookOf(inst: StrategyInstrument): ScriptedBook {
    let b = this.books.get(keyOf(inst));
    if (b === undefined) {
      b = new ScriptedBook();
      this.books.set(keyOf(inst), b);
    }
    return b;
  }
}

function keyOf(inst: StrategyInstrument): string {
  return `${inst.venue} ${inst.symbol}`;
}
