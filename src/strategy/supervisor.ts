/**
 * The engine runs strategy code it did not write (a user's file, trusted but fallible) on its one event
 * loop, so every call into a strategy goes through this guard. It times each callback with a cheap
 * clock read (no allocation), halts the strategy when it throws or is repeatedly over its per-event time
 * budget, and holds the intents a callback emits until the callback returns: they are checked (the
 * strategy's own instruments, a well-formed shape, at most max_intents_per_event per callback) and only
 * then handed to the engine, so the time they take to execute is not billed to the strategy and a
 * strategy's code is never re-entered while it is still running. Market events and positions reach it
 * only for the instruments it was given. After a halt nothing it emits goes anywhere; the owner (the
 * engine) cancels its orders in onFault.
 */
import type { Clock } from "../services/index.ts";
import type { BookHealth, OrderUpdate } from "../types/index.ts";
import { type ParamsSchema, StrategyParamsError, validateUpdate } from "./params.ts";
import type {
  BookUpdate,
  IntentSink,
  OrderIntent,
  ParamsValidation,
  ParentOrderUpdate,
  PositionUpdate,
  QuoteDecision,
  QuoteIntent,
  QuoteLevel,
  RouteIntent,
  Strategy,
  StrategyContext,
  StrategyInstrument,
  StrategyState,
  TradeTick,
} from "./types.ts";

/** The strategy calls the guard times, in the order of their metric labels. */
export const STRATEGY_CALLBACKS = [
  "book",
  "book_health",
  "trade",
  "order",
  "position",
  "timer",
  "parent",
  "start",
  "stop",
  "params",
] as const;
export type StrategyCallback = (typeof STRATEGY_CALLBACKS)[number];
const BOOK = 0;
const BOOK_HEALTH = 1;
const TRADE = 2;
const ORDER = 3;
const POSITION = 4;
const TIMER = 5;
const PARENT = 6;
const START = 7;
const STOP = 8;
const PARAMS = 9;

/** Why an intent was not passed on. */
export type IntentDropReason = "over_cap" | "foreign_instrument" | "malformed";
export const INTENT_DROP_REASONS: readonly IntentDropReason[] = ["over_cap", "foreign_instrument", "malformed"];

/** Shortest timer period a strategy gets (a smaller or odd timerIntervalMs would spin the event loop). */
export const MIN_TIMER_MS = 10;

/** Most levels a quote intent may have per side (far beyond any real ladder; bounds the planning work). */
export const MAX_INTENT_LEVELS = 100;

/** The guard's limits (config strategy.guard, in engine units). */
export interface GuardLimits {
  /** A callback running longer than this is an overrun; 0 = measure only, never halt. */
  readonly eventBudgetNs: number;
  /** This many overruns ... */
  readonly maxOverruns: number;
  /** ... within this window of clock time halt the strategy. */
  readonly overrunWindowMs: number;
  /** Intents past this many in one callback are dropped and counted. */
  readonly maxIntentsPerEvent: number;
}

/** Limits that halt nothing: what a unit test of strategy logic wants (wall time is not its subject). */
export const UNLIMITED_GUARD: GuardLimits = {
  eventBudgetNs: 0,
  maxOverruns: 1,
  overrunWindowMs: 1,
  maxIntentsPerEvent: Number.MAX_SAFE_INTEGER,
};

/** Why and where a strategy was halted. */
export interface StrategyFault {
  readonly reason: "error" | "time_budget";
  /** The callback that threw or ran over; "status" for a read (params, quotes, decisions, state). */
  readonly callback: StrategyCallback | "status";
  /** One line for the log and /api/status. */
  readonly message: string;
  /** The error thrown (its stack goes to the log), for reason "error". */
  readonly error: Error | undefined;
  /** Clock ms of the halt. */
  readonly atMs: number;
}

/** What the guard counts (status, tests); the engine mirrors them into metrics through the hooks. */
export interface GuardStats {
  calls: number;
  overruns: number;
  /** Longest callback so far, ns. */
  maxCallbackNs: number;
  intentsPassed: number;
  readonly dropped: Record<IntentDropReason, number>;
}

/** What the guard needs from its owner. */
export interface SupervisorOptions {
  /** The strategy's name, in messages. */
  readonly name: string;
  /** Engine time: callback durations (unless timeNs is given), the overrun window, the fault's time. */
  readonly clock: Clock;
  /** Where checked intents go once a callback returns. */
  readonly sink: IntentSink;
  /** The instruments the strategy was given: intents for any other are dropped. */
  readonly instruments: readonly StrategyInstrument[];
  readonly limits: GuardLimits;
  /**
   * Parameter updates are checked against this schema before the strategy sees them (a module's
   * declared schema), so the control API refuses what the schema refuses whatever the strategy does.
   */
  readonly schema?: ParamsSchema;
  /**
   * Monotonic ns to time callbacks with; default the clock's monoNs: wall time live, and on a virtual
   * clock (simulation, backtest) no time at all, so a run never halts for time and stays a function
   * of its seed. A test of the budget itself passes Bun.nanoseconds.
   */
  readonly timeNs?: () => number;
  /** Every callback's duration, by index into STRATEGY_CALLBACKS (the engine's histograms). */
  readonly observe?: (callback: number, ns: number) => void;
  readonly onOverrun?: (callback: StrategyCallback, ns: number) => void;
  readonly onDrop?: (reason: IntentDropReason) => void;
  /** The strategy is halted: cancel its orders. Called once per fault. */
  readonly onFault?: (fault: StrategyFault) => void;
}

const NO_DECISIONS: readonly QuoteDecision[] = Object.freeze([]);
const NO_QUOTES: readonly QuoteIntent[] = Object.freeze([]);
const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});
const QUOTE = 0;
const ORDER_INTENT = 1;
const ROUTE = 2;
const ORDER_TYPES: ReadonlySet<string> = new Set(["limit", "limit_maker", "market"]);
const TIFS: ReadonlySet<string> = new Set(["GTC", "IOC", "FOK"]);

/** The guard around one strategy (see the file comment); itself a Strategy, so the engine calls it alone. */
export class StrategySupervisor implements Strategy {
  /** The context to build the strategy with: same clock and instruments, the guard's sink. */
  readonly context: StrategyContext;
  readonly stats: GuardStats = {
    calls: 0,
    overruns: 0,
    maxCallbackNs: 0,
    intentsPassed: 0,
    dropped: { over_cap: 0, foreign_instrument: 0, malformed: 0 },
  };
  private inner: Strategy | undefined;
  private fault_: StrategyFault | undefined;
  private readonly timeNs: () => number;
  private readonly traded = new Map<string, Set<string>>();
  private readonly tradedSymbols = new Set<string>();
  /** Intents held until the callback returns: kind and intent, in emission order. */
  private readonly kinds: number[] = [];
  private readonly items: (QuoteIntent | OrderIntent | RouteIntent | undefined)[] = [];
  private held = 0;
  private emitted = 0;
  private inside = false;
  private flushing = false;
  /** Clock ms of the last maxOverruns overruns (a ring), for the window test. */
  private readonly overrunAt: Float64Array;
  private overrunHead = 0;
  private overrunCount = 0;

  constructor(private readonly opts: SupervisorOptions) {
    const clock = opts.clock;
    this.timeNs = opts.timeNs ?? (() => clock.monoNs());
    this.overrunAt = new Float64Array(Math.max(1, opts.limits.maxOverruns));
    for (const i of opts.instruments) {
      let symbols = this.traded.get(i.venue);
      if (symbols === undefined) {
        symbols = new Set();
        this.traded.set(i.venue, symbols);
      }
      symbols.add(i.symbol);
      this.tradedSymbols.add(i.symbol);
    }
    const route = opts.sink.route;
    this.context = {
      clock: opts.clock,
      instruments: opts.instruments,
      sink: {
        quotes: (q) => this.hold(QUOTE, q),
        order: (o) => this.hold(ORDER_INTENT, o),
        ...(route !== undefined ? { route: (r: RouteIntent) => this.hold(ROUTE, r) } : {}),
      },
    };
  }

  /**
   * Builds the strategy with the guard's context. A constructor that throws is not a fault (nothing
   * ran yet): its error goes to the caller, which names the module in a start-up error.
   */
  attach(build: (ctx: StrategyContext) => Strategy): Strategy {
    if (this.inner !== undefined) throw new Error(`strategy ${this.opts.name}: already built`);
    const st = build(this.context);
    if (typeof st !== "object" || st === null) throw new Error(`create() returned ${String(st)}, not a strategy`);
    this.inner = st;
    return st;
  }

  /** The guarded strategy (undefined before attach). */
  get strategy(): Strategy | undefined {
    return this.inner;
  }

  /** Why the strategy was halted, or undefined while it may run. */
  get fault(): StrategyFault | undefined {
    return this.fault_;
  }

  /** Lets a halted strategy run again (an operator's resume); its overrun history starts afresh. */
  clearFault(): void {
    this.fault_ = undefined;
    this.overrunCount = 0;
    this.overrunHead = 0;
  }

  get name(): string {
    return this.opts.name;
  }
  get kind(): string {
    return this.inner?.kind ?? "";
  }
  /** The strategy's timer period, at least MIN_TIMER_MS; 0 (no timer) for anything not a positive number. */
  get timerIntervalMs(): number {
    const ms = this.inner?.timerIntervalMs;
    return typeof ms === "number" && ms > 0 && ms !== Number.POSITIVE_INFINITY ? Math.max(MIN_TIMER_MS, ms) : 0;
  }
  get paramsSchema() {
    return this.opts.schema ?? (this.inner as Strategy).paramsSchema;
  }

  params(): Readonly<Record<string, unknown>> {
    const s = this.inner;
    if (s === undefined) return NO_PARAMS;
    try {
      return s.params();
    } catch (e) {
      this.fail("status", e);
      return NO_PARAMS;
    }
  }

  /** The declared schema first (unknown keys, types, ranges), then the strategy's own checks. */
  validateParams(partial: unknown): ParamsValidation {
    const s = this.inner;
    if (s === undefined) return { ok: false, issues: [{ field: "(params)", message: "the strategy is not built" }] };
    const schema = this.opts.schema;
    if (schema !== undefined) {
      const r = validateUpdate(schema, this.params(), partial);
      if (!r.ok) return { ok: false, issues: r.issues };
    }
    try {
      return s.validateParams(partial);
    } catch (e) {
      this.fail(PARAMS, e);
      return { ok: false, issues: [{ field: "(params)", message: `the strategy failed: ${messageOf(e)}` }] };
    }
  }

  /** Applies an update the schema accepts; a refusal throws StrategyParamsError, any other throw halts. */
  updateParams(partial: unknown): Readonly<Record<string, unknown>> {
    const s = this.live();
    if (s === undefined)
      throw new Error(`strategy ${this.opts.name} is halted: ${this.fault_?.message ?? "not built"}`);
    const schema = this.opts.schema;
    if (schema !== undefined) {
      const r = validateUpdate(schema, this.params(), partial);
      if (!r.ok) throw new StrategyParamsError(this.opts.name, r.issues);
    }
    const t0 = this.enter();
    let out: Readonly<Record<string, unknown>>;
    try {
      out = s.updateParams(partial);
    } catch (e) {
      if (!(e instanceof StrategyParamsError)) {
        this.fail(PARAMS, e);
        throw new Error(`strategy ${this.opts.name} failed while changing parameters and was halted: ${messageOf(e)}`);
      }
      this.exit(PARAMS, t0);
      throw e;
    }
    this.exit(PARAMS, t0);
    return out;
  }

  start(): void {
    const s = this.live();
    if (s === undefined) return;
    const t0 = this.enter();
    try {
      s.start();
    } catch (e) {
      this.fail(START, e);
      return;
    }
    this.exit(START, t0);
  }

  /** A halted strategy's code is not run again, not even stop(): its owner cancels its orders. */
  stop(): void {
    const s = this.live();
    if (s === undefined) return;
    const t0 = this.enter();
    try {
      s.stop();
    } catch (e) {
      this.fail(STOP, e);
      return;
    }
    this.exit(STOP, t0);
  }

  state(): StrategyState {
    const s = this.live();
    if (s === undefined) return "stopped";
    try {
      return s.state();
    } catch (e) {
      this.fail("status", e);
      return "stopped";
    }
  }

  onBook(update: BookUpdate): void {
    const s = this.live();
    if (s === undefined || !this.trades(update.venue, update.symbol)) return;
    const t0 = this.enter();
    try {
      s.onBook(update);
    } catch (e) {
      this.fail(BOOK, e);
      return;
    }
    this.exit(BOOK, t0);
  }

  onBookHealth(venue: string, symbol: string, health: BookHealth): void {
    const s = this.live();
    if (s === undefined || !this.trades(venue, symbol)) return;
    const t0 = this.enter();
    try {
      s.onBookHealth(venue, symbol, health);
    } catch (e) {
      this.fail(BOOK_HEALTH, e);
      return;
    }
    this.exit(BOOK_HEALTH, t0);
  }

  onTrade(trade: TradeTick): void {
    const s = this.live();
    if (s === undefined || !this.trades(trade.venue, trade.symbol)) return;
    const t0 = this.enter();
    try {
      s.onTrade(trade);
    } catch (e) {
      this.fail(TRADE, e);
      return;
    }
    this.exit(TRADE, t0);
  }

  onOrder(update: OrderUpdate): void {
    const s = this.live();
    if (s === undefined) return;
    const t0 = this.enter();
    try {
      s.onOrder(update);
    } catch (e) {
      this.fail(ORDER, e);
      return;
    }
    this.exit(ORDER, t0);
  }

  onPosition(update: PositionUpdate): void {
    const s = this.live();
    if (s === undefined || !this.trades(update.venue, update.symbol)) return;
    const t0 = this.enter();
    try {
      s.onPosition(update);
    } catch (e) {
      this.fail(POSITION, e);
      return;
    }
    this.exit(POSITION, t0);
  }

  onTimer(nowMs: number): void {
    const s = this.live();
    if (s === undefined) return;
    const t0 = this.enter();
    try {
      s.onTimer(nowMs);
    } catch (e) {
      this.fail(TIMER, e);
      return;
    }
    this.exit(TIMER, t0);
  }

  onParent(update: ParentOrderUpdate): void {
    const s = this.live();
    if (s === undefined || s.onParent === undefined) return;
    const t0 = this.enter();
    try {
      s.onParent(update);
    } catch (e) {
      this.fail(PARENT, e);
      return;
    }
    this.exit(PARENT, t0);
  }

  currentQuotes(): readonly QuoteIntent[] {
    const s = this.inner;
    if (s === undefined) return NO_QUOTES;
    try {
      return s.currentQuotes();
    } catch (e) {
      this.fail("status", e);
      return NO_QUOTES;
    }
  }

  quoteDecisions(): readonly QuoteDecision[] {
    const s = this.inner;
    if (s === undefined) return NO_DECISIONS;
    try {
      return s.quoteDecisions();
    } catch (e) {
      this.fail("status", e);
      return NO_DECISIONS;
    }
  }

  /** The strategy when it may run: built and not halted. */
  private live(): Strategy | undefined {
    return this.fault_ === undefined ? this.inner : undefined;
  }

  private enter(): number {
    this.emitted = 0;
    this.inside = true;
    this.stats.calls++;
    return this.timeNs();
  }

  /** Bills the callback's time, checks the budget, then passes on what it emitted. */
  private exit(callback: number, t0: number): void {
    const ns = this.timeNs() - t0;
    this.inside = false;
    this.opts.observe?.(callback, ns);
    if (ns > this.stats.maxCallbackNs) this.stats.maxCallbackNs = ns;
    const budget = this.opts.limits.eventBudgetNs;
    if (budget > 0 && ns > budget) this.overrun(callback, ns);
    if (!this.flushing) this.flush();
  }

  /** One overrun; the maxOverruns-th within the window halts the strategy. */
  private overrun(callback: number, ns: number): void {
    const name = STRATEGY_CALLBACKS[callback] ?? "book";
    this.stats.overruns++;
    this.opts.onOverrun?.(name, ns);
    const ring = this.overrunAt;
    const now = this.opts.clock.nowMs();
    ring[this.overrunHead] = now;
    this.overrunHead = (this.overrunHead + 1) % ring.length;
    if (this.overrunCount < ring.length) this.overrunCount++;
    const oldest = ring[this.overrunHead] as number;
    const { maxOverruns, overrunWindowMs, eventBudgetNs } = this.opts.limits;
    if (this.overrunCount < ring.length || now - oldest > overrunWindowMs) return;
    const took = `the last, ${name}, took ${(ns / 1000).toFixed(0)} µs`;
    this.halt({
      reason: "time_budget",
      callback: name,
      message: `${maxOverruns} callbacks over the ${eventBudgetNs / 1000} µs budget within ${overrunWindowMs} ms (${took})`,
      error: undefined,
      atMs: now,
    });
  }

  /** Holds one intent for the end of the callback, if the strategy may still emit and it is its own. */
  private hold(kind: number, intent: QuoteIntent | OrderIntent | RouteIntent): void {
    if (this.fault_ !== undefined) return;
    const why = ++this.emitted > this.opts.limits.maxIntentsPerEvent ? "over_cap" : this.problem(kind, intent);
    if (why !== undefined) {
      this.drop(why);
      return;
    }
    this.kinds[this.held] = kind;
    this.items[this.held] = intent;
    this.held++;
    // emitted outside any callback (the strategy's own timer): nothing will flush it later
    if (!this.inside && !this.flushing) this.flush();
  }

  private drop(reason: IntentDropReason): void {
    this.stats.dropped[reason]++;
    this.opts.onDrop?.(reason);
  }

  private trades(venue: unknown, symbol: unknown): boolean {
    return typeof venue === "string" && typeof symbol === "string" && this.traded.get(venue)?.has(symbol) === true;
  }

  private problem(kind: number, intent: QuoteIntent | OrderIntent | RouteIntent): IntentDropReason | undefined {
    if (kind === QUOTE) return this.quoteProblem(intent as QuoteIntent);
    return kind === ORDER_INTENT ? this.orderProblem(intent as OrderIntent) : this.routeProblem(intent as RouteIntent);
  }

  private quoteProblem(q: QuoteIntent): IntentDropReason | undefined {
    if (typeof q !== "object" || q === null) return "malformed";
    if (!this.trades(q.venue, q.symbol)) return "foreign_instrument";
    return levelsOk(q.bids) && levelsOk(q.asks) ? undefined : "malformed";
  }

  private orderProblem(o: OrderIntent): IntentDropReason | undefined {
    if (typeof o !== "object" || o === null) return "malformed";
    if (!this.trades(o.venue, o.symbol)) return "foreign_instrument";
    return ORDER_TYPES.has(o.type) && TIFS.has(o.tif) ? undefined : "malformed";
  }

  private routeProblem(r: RouteIntent): IntentDropReason | undefined {
    if (typeof r !== "object" || r === null) return "malformed";
    if (typeof r.symbol !== "string" || !this.tradedSymbols.has(r.symbol)) return "foreign_instrument";
    if (r.venues === undefined) return undefined;
    if (!Array.isArray(r.venues)) return "malformed";
    for (const v of r.venues) if (!this.trades(v, r.symbol)) return "foreign_instrument";
    return undefined;
  }

  /** Passes on the held intents in order; stops at a halt (a nested callback may cause one). */
  private flush(): void {
    if (this.held === 0) return;
    this.flushing = true;
    const sink = this.opts.sink;
    let i = 0;
    try {
      for (; i < this.held && this.fault_ === undefined; i++) {
        const kind = this.kinds[i];
        const item = this.items[i];
        this.items[i] = undefined;
        if (kind === QUOTE) sink.quotes(item as QuoteIntent);
        else if (kind === ORDER_INTENT) sink.order(item as OrderIntent);
        else sink.route?.(item as RouteIntent);
        this.stats.intentsPassed++;
      }
    } finally {
      for (; i < this.held; i++) this.items[i] = undefined;
      this.held = 0;
      this.flushing = false;
    }
  }

  /** A throw from the strategy's code: halt, keeping the error for the log. */
  private fail(callback: number | "status", e: unknown): void {
    this.inside = false;
    const error = e instanceof Error ? e : new Error(String(e));
    const name = callback === "status" ? "status" : (STRATEGY_CALLBACKS[callback] ?? "params");
    this.halt({
      reason: "error",
      callback: name,
      message: `${name} threw ${error.name}: ${error.message}`,
      error,
      atMs: this.opts.clock.nowMs(),
    });
  }

  private halt(fault: StrategyFault): void {
    if (this.fault_ !== undefined) return;
    this.fault_ = fault;
    // what the failing callback emitted goes nowhere (a flush in progress stops at the fault)
    if (!this.flushing) {
      for (let i = 0; i < this.held; i++) this.items[i] = undefined;
      this.held = 0;
    }
    this.opts.onFault?.(fault);
  }
}

/** A side of a quote intent the engine can plan: an array of at most MAX_INTENT_LEVELS level objects. */
function levelsOk(levels: readonly QuoteLevel[]): boolean {
  if (!Array.isArray(levels) || levels.length > MAX_INTENT_LEVELS) return false;
  for (const l of levels) if (typeof l !== "object" || l === null) return false;
  return true;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
