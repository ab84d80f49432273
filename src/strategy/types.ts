/**
 * The contract between the engine and its strategies. A strategy only reads (books through a
 * read-only BookView, positions, order updates, time from a Clock) and emits intents; the
 * execution layer turns intents into orders through the risk gate, so a strategy can never place,
 * cancel or mutate anything itself.
 */
import type * as v from "valibot";
import type { Clock } from "../services/index.ts";
import type {
  BookHealth,
  BookView,
  InstrumentInfo,
  NoQuoteReason,
  OrderType,
  OrderUpdate,
  Side,
  TimeInForce,
} from "../types/index.ts";

/** One desired resting order: integer ticks and lots of the instrument's grids. */
export interface QuoteLevel {
  readonly priceTicks: number;
  readonly lots: number;
}

/**
 * Everything a strategy wants resting on one symbol of one venue: bids best first (descending),
 * asks best first (ascending). Empty sides mean "nothing resting". Structurally the execution
 * module's DesiredQuotes plus the venue. An unchanged quote is re-emitted as the same object.
 */
export interface QuoteIntent {
  readonly venue: string;
  readonly symbol: string;
  readonly bids: readonly QuoteLevel[];
  readonly asks: readonly QuoteLevel[];
}

/** A one-off order (e.g. an IOC hedge or a market order) for strategies that take liquidity. */
export interface OrderIntent {
  readonly venue: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  /** Limit price; ignored for market orders. */
  readonly priceTicks: number;
  readonly lots: number;
}

/**
 * A parent order the execution layer routes across venues (smart order router): IOC children on the
 * venues with the best price after taker fees, the unfilled remainder re-routed, within the limit.
 * Quantities are in the symbol's common grid: the largest tick and step dividing every venue's tick
 * and step (execution's commonGrid over the symbol's instruments), so every venue maps onto it
 * exactly. Progress and the outcome come back through Strategy.onParent, matched by `tag`.
 */
export interface RouteIntent {
  readonly symbol: string;
  readonly side: Side;
  /** Common lots. */
  readonly lots: number;
  /** Worst price in common ticks: buys take prices <= it, sells >= it. */
  readonly limitTicks: number;
  /** Share of each displayed level to count on, per mille (default 1000). */
  readonly urgencyPermille?: number;
  /** Venues the children may use (default: every venue listing the symbol). */
  readonly venues?: readonly string[];
  /** The strategy's own label, echoed in its ParentOrderUpdates. */
  readonly tag?: string;
}

/** Progress of a routed parent order (structurally execution's ParentUpdate); common-grid lots. */
export interface ParentOrderUpdate {
  readonly id: string;
  readonly symbol: string;
  readonly side: Side;
  readonly lots: number;
  readonly limitTicks: number;
  readonly tag: string | undefined;
  /** "working" while children are live or a re-route is pending; then "filled" or "unfilled". */
  readonly status: "working" | "filled" | "unfilled";
  readonly filledLots: number;
  /** Lots of children still live (may yet fill). */
  readonly inFlightLots: number;
  /** lots − filledLots: what an unfilled parent leaves undone. */
  readonly remainingLots: number;
  /** Why an unfilled parent stopped: limit, no_liquidity, attempts_exhausted, risk_refused, halted, invalid. */
  readonly reason: string | undefined;
  readonly attempts: number;
}

/** Where a strategy's intents go: the engine implements it (execution.quote / submit / parents). */
export interface IntentSink {
  quotes(intent: QuoteIntent): void;
  order(intent: OrderIntent): void;
  /**
   * A parent order routed across venues; its progress arrives as onParent events, never a return
   * value. Optional so sinks that only quote (benches, keep-warm, tests) need not implement it; a
   * strategy that routes refuses to start without it.
   */
  route?(intent: RouteIntent): void;
}

/** One instrument a strategy trades, with the fee rates it must beat (fractions, 0.001 = 0.1 %). */
export interface StrategyInstrument {
  readonly venue: string;
  readonly symbol: string;
  readonly info: InstrumentInfo;
  readonly fees: { readonly maker: number; readonly taker: number };
}

/** What a strategy is given at construction. */
export interface StrategyContext {
  readonly clock: Clock;
  readonly sink: IntentSink;
  readonly instruments: readonly StrategyInstrument[];
}

/**
 * A book changed. The object may be reused by the caller; the BookView itself stays valid
 * (it is the venue adapter's live book), so strategies may keep it to re-quote on timers.
 */
export interface BookUpdate {
  readonly venue: string;
  readonly symbol: string;
  readonly book: BookView;
  readonly health: BookHealth;
  /** Monotonic ns when the frame arrived (tick-to-trade start). */
  readonly recvNs: number;
}

/** A public trade on a venue. */
export interface TradeTick {
  readonly venue: string;
  readonly symbol: string;
  readonly priceTicks: number;
  readonly lots: number;
  readonly aggressor: Side;
  readonly venueTimeMs: number;
}

/** This engine's position on one instrument after a fill, in whole lots (negative = short). */
export interface PositionUpdate {
  readonly venue: string;
  readonly symbol: string;
  readonly positionLots: number;
}

/** A parameter problem: the field and what was expected. */
export interface ParamIssue {
  readonly field: string;
  readonly message: string;
}

/** Result of validating a parameter update (same shape as the control API's Validation). */
export type ParamsValidation =
  | { readonly ok: true; readonly value: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly issues: readonly ParamIssue[] };

/**
 * Whether a strategy quotes each side of one instrument and, when it does not, why, with the figures
 * that decided it. One record per instrument, allocated once and updated in place on every
 * evaluation (nothing is allocated on the hot path); the engine reads it for its log, /api/status and
 * the quote-state metric.
 */
export interface QuoteDecision {
  readonly venue: string;
  readonly symbol: string;
  /** Why no bid is quoted; null while one is. */
  bid: NoQuoteReason | null;
  /** Why no ask is quoted; null while one is. */
  ask: NoQuoteReason | null;
  /** The best bid level's edge against fair value before fees, a fraction (NaN when none was priced). */
  bidEdge: number;
  /** The best ask level's edge against fair value before fees, a fraction (NaN when none was priced). */
  askEdge: number;
  /** The maker fee and min_profit the edges were held to, fractions. */
  makerFee: number;
  minProfit: number;
  /** The position the limit applies to (net over venues for cross-venue) and the limit, lots of this instrument. */
  positionLots: number;
  maxPositionLots: number;
}

/** A fresh decision record for one instrument: nothing decided yet (the strategy has not run). */
export function newQuoteDecision(venue: string, symbol: string): QuoteDecision {
  return {
    venue,
    symbol,
    bid: "stopped",
    ask: "stopped",
    bidEdge: Number.NaN,
    askEdge: Number.NaN,
    makerFee: 0,
    minProfit: 0,
    positionLots: 0,
    maxPositionLots: 0,
  };
}

/** Lifecycle state shown in status. */
export type StrategyState = "running" | "stopped";

/**
 * A strategy: fed events by the engine (the single writer, so calls never overlap), emits
 * intents into its sink. Every handler must be cheap and must not throw on odd input.
 */
export interface Strategy {
  /** Configured name (control API, logs). */
  readonly name: string;
  /** Strategy type, e.g. "market_making". */
  readonly kind: string;
  /** How often the engine should call onTimer (ms; 0 = never). */
  readonly timerIntervalMs: number;
  /** The full parameter schema (strict, with defaults), for config loading, docs and the control API. */
  readonly paramsSchema: v.GenericSchema;
  /** Current parameters (natural units, as configured). */
  params(): Readonly<Record<string, unknown>>;
  /** Validates a partial update without applying it (the control API calls this before enqueuing). */
  validateParams(partial: unknown): ParamsValidation;
  /** Applies a partial update; throws StrategyParamsError naming the field; re-quotes at once. */
  updateParams(partial: unknown): Readonly<Record<string, unknown>>;
  /** Starts quoting (quotes follow on the next book event or timer). */
  start(): void;
  /** Stops quoting: emits empty quotes for every instrument it quoted, then stays silent. */
  stop(): void;
  state(): StrategyState;
  onBook(update: BookUpdate): void;
  onBookHealth(venue: string, symbol: string, health: BookHealth): void;
  onTrade(trade: TradeTick): void;
  onOrder(update: OrderUpdate): void;
  onPosition(update: PositionUpdate): void;
  onTimer(nowMs: number): void;
  /** A routed parent order progressed or ended (only strategies that route implement it). */
  onParent?(update: ParentOrderUpdate): void;
  /** The last quote emitted per instrument (status, tests). */
  currentQuotes(): readonly QuoteIntent[];
  /** Why each instrument's sides are (not) quoted: the same records every call, updated in place. */
  quoteDecisions(): readonly QuoteDecision[];
}
