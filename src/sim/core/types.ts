/**
 * Public, venue-neutral types of the simulator core. The protocol layers (Binance now, OKX later) map
 * these to their wire formats; nothing here knows about HTTP, JSON field names or error codes.
 *
 * Units: prices are integer ticks of the symbol's tick size, quantities integer lots of its step size,
 * and every balance, notional and fee is an integer of the asset's smallest unit (10^-precision of the
 * asset, 8 decimals by default, like Binance). Format with SimSymbol / SimCore helpers at the edge.
 */

import type { Clock } from "../../services/index.ts";
import type { DecimalGrid, Side } from "../../types/index.ts";

/** Binance-like filter spec of one symbol, as decimal strings (a "0" max disables that bound). */
export interface SymbolSpec {
  /** Venue symbol, e.g. "BTCUSDT". */
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly tickSize: string;
  readonly stepSize: string;
  readonly minPrice: string;
  readonly maxPrice: string;
  readonly minQty: string;
  readonly maxQty: string;
  /** MARKET_LOT_SIZE bounds; default to minQty/maxQty. */
  readonly marketMinQty?: string;
  readonly marketMaxQty?: string;
  readonly minNotional: string;
  readonly maxNotional: string;
  /** MAX_NUM_ORDERS: open orders per account on this symbol (default 200). */
  readonly maxNumOrders?: number;
  /** Starting fair value / mid price, decimal string on the tick grid. */
  readonly initialMid: string;
  /** Annualised volatility of the fair-value process (default 0.3). */
  readonly volatility?: number;
  /** Annualised drift of the fair-value process, e.g. 0.5 = +50 %/year (default 0). */
  readonly drift?: number;
  /** Fair-value jumps per hour of market time (default 12) and their size as a log-return sd (default 0.002). */
  readonly jumpsPerHour?: number;
  readonly jumpSize?: number;
  /** Base quote size of the market makers at the touch, decimal string (default: about 10× minQty worth). */
  readonly makerSize?: string;
}

/** Trading state of a symbol, Binance vocabulary. */
export type SymbolStatus = "TRADING" | "HALT" | "BREAK" | "END_OF_DAY" | "CANCEL_ONLY";

/** A compiled symbol: grids and integer limits the engine uses, plus formatting helpers for the edge. */
export interface SimSymbol {
  readonly spec: SymbolSpec;
  readonly name: string;
  /** Index of the symbol inside the core (stable for the core's lifetime). */
  readonly index: number;
  readonly base: string;
  readonly quote: string;
  readonly priceGrid: DecimalGrid;
  readonly qtyGrid: DecimalGrid;
  /** Decimals used for the base and quote assets (8 by default). */
  readonly basePrecision: number;
  readonly quotePrecision: number;
  /** Base-asset units in one lot; quote-asset units in one tick × one lot (notional factor). */
  readonly baseUnitsPerLot: number;
  readonly quoteUnitsPerTickLot: number;
  readonly minPriceTicks: number;
  /** 0 = unbounded. */
  readonly maxPriceTicks: number;
  readonly minQtyLots: number;
  readonly maxQtyLots: number;
  readonly marketMinQtyLots: number;
  readonly marketMaxQtyLots: number;
  /** In quote units; max 0 = unbounded. */
  readonly minNotionalUnits: number;
  readonly maxNotionalUnits: number;
  readonly maxNumOrders: number;
  status: SymbolStatus;
  /** Price as a decimal string with quotePrecision decimals ("60000.01000000"), as Binance prints. */
  formatPrice(ticks: number): string;
  /** Quantity as a decimal string with basePrecision decimals. */
  formatQty(lots: number): string;
  /**
   * Whether n ticks is a price the core holds exactly (a non-negative safe count whose quote units
   * stay below 2^53), i.e. formatPrice(n) parses back to n: what placeOrderTicks accepts.
   */
  exactTicks(n: number): boolean;
  /** The same for n lots (base units below 2^53): formatQty(n) parses back to n. */
  exactLots(n: number): boolean;
  /** A quote-asset amount (units) as a decimal string. */
  formatQuote(units: number): string;
  /** A base-asset amount (units) as a decimal string. */
  formatBase(units: number): string;
}

export type OrderSide = "BUY" | "SELL";
export type OrderType = "LIMIT" | "MARKET" | "LIMIT_MAKER";
export type TimeInForce = "GTC" | "IOC" | "FOK";
/** Self-trade prevention mode of the taker order (Binance semantics). */
export type StpMode = "NONE" | "EXPIRE_TAKER" | "EXPIRE_MAKER" | "EXPIRE_BOTH";
export type OrderStatus =
  | "NEW"
  | "PARTIALLY_FILLED"
  | "FILLED"
  | "CANCELED"
  | "REJECTED"
  | "EXPIRED"
  | "EXPIRED_IN_MATCH";
/** REPLACED: an amend (new price and/or size) took effect (Binance's name for an amended order's report). */
export type ExecType = "NEW" | "CANCELED" | "REJECTED" | "TRADE" | "EXPIRED" | "TRADE_PREVENTION" | "REPLACED";

/** Filters a request can fail; the protocol layer prints "Filter failure: <name>". */
export type FilterName = "PRICE_FILTER" | "LOT_SIZE" | "MARKET_LOT_SIZE" | "NOTIONAL" | "MAX_NUM_ORDERS";

/**
 * Why the core refused a request. Strings for plain reasons, objects when a detail is needed:
 * `{filter}` for -1013, `{tooMuchPrecision}` / `{invalidParam}` name the offending parameter.
 */
export type CoreRejectReason =
  | "insufficient_balance"
  | "would_take"
  | "duplicate_client_id"
  | "unknown_order"
  | "unknown_symbol"
  | "unknown_account"
  | "market_closed"
  | { readonly filter: FilterName }
  | { readonly tooMuchPrecision: "price" | "quantity" | "quoteOrderQty" }
  | { readonly invalidParam: string; readonly message: string };

/** A new-order request; decimals stay strings so the core applies the filters exactly. */
export interface PlaceOrderRequest {
  readonly accountId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Required for LIMIT; ignored (reported as GTC) for MARKET and LIMIT_MAKER. */
  readonly timeInForce?: TimeInForce;
  /** Required for LIMIT and LIMIT_MAKER. */
  readonly price?: string;
  /** Base quantity; MARKET takes quantity or quoteOrderQty (exactly one). */
  readonly quantity?: string;
  readonly quoteOrderQty?: string;
  /** Generated ("sim-<n>") when absent. */
  readonly clientOrderId?: string;
  /** Default EXPIRE_TAKER. */
  readonly stpMode?: StpMode;
}

/**
 * A new-order request whose price and size are already counts on the symbol's grids (ticks, lots):
 * SimCore.placeOrderTicks, for the in-process venue, which holds integers and would otherwise format
 * them only for the core to parse them back.
 */
export interface PlaceOrderTicksRequest {
  readonly accountId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Required for LIMIT; ignored (reported as GTC) for MARKET and LIMIT_MAKER. */
  readonly timeInForce?: TimeInForce;
  /** Ignored for MARKET. */
  readonly priceTicks: number;
  readonly lots: number;
  /** Generated ("sim-<n>") when absent. */
  readonly clientOrderId?: string;
  /** Default EXPIRE_TAKER. */
  readonly stpMode?: StpMode;
}

/** Which order a cancel or query means: orderId wins when both are given. */
export interface OrderRef {
  readonly orderId?: number;
  readonly clientOrderId?: string;
}

/** One fill of an order, as Binance's FULL response lists it. */
export interface Fill {
  readonly priceTicks: number;
  readonly lots: number;
  /** price × qty in quote units. */
  readonly quoteUnits: number;
  /** Fee in units of commissionAsset (the asset received: base for buys, quote for sells). */
  readonly commissionUnits: number;
  readonly commissionAsset: string;
  readonly tradeId: number;
  readonly isMaker: boolean;
}

/** A read-only snapshot of an order's state (copy, safe to keep). */
export interface OrderView {
  readonly symbol: SimSymbol;
  readonly accountId: string;
  /** Per-symbol increasing. */
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly stpMode: StpMode;
  /** 0 for MARKET orders. */
  readonly priceTicks: number;
  /** For MARKET-by-quote orders: the executed quantity once done (Binance reports it so). */
  readonly origLots: number;
  /** 0 unless MARKET by quote quantity. */
  readonly origQuoteUnits: number;
  readonly executedLots: number;
  readonly cumQuoteUnits: number;
  readonly status: OrderStatus;
  /** Creation time (Binance "time"), last update ("updateTime"), working time (-1 if it never worked). */
  readonly timeMs: number;
  readonly updateTimeMs: number;
  readonly workingTimeMs: number;
  /** Resting on the book right now. */
  readonly isWorking: boolean;
  /** Fees charged so far, in the asset the order receives (base for a buy, quote for a sell). */
  readonly commissionUnits: number;
  /** The latest fill: trade id (-1 before any), price ticks, lots and time (0 before any). */
  readonly lastTradeId: number;
  readonly lastFillPriceTicks: number;
  readonly lastFillLots: number;
  readonly lastFillTimeMs: number;
  /** Amends that took effect (0 = never amended). */
  readonly amendCount: number;
}

/** Result of placing: an accepted order (maybe already final) with its fills, or a typed rejection. */
/** placeOrderTicks' answer: the new order's id, or why it was refused. */
export type PlaceTicksResult = number | { readonly ok: false; readonly reason: CoreRejectReason };

export type PlaceResult =
  | { readonly ok: true; readonly order: OrderView; readonly fills: readonly Fill[]; readonly transactTimeMs: number }
  | { readonly ok: false; readonly reason: CoreRejectReason };

/**
 * An amend of a resting order: a new total quantity and/or a new limit price, as decimal strings so the
 * core applies the filters exactly. A new price or a larger quantity sends the order to the back of the
 * queue at its (new) price, and a new price that crosses trades at once (as a new order would); a
 * smaller quantity keeps its place. A new quantity at or below what already filled ends the order FILLED.
 */
export interface AmendOrderRequest {
  readonly accountId: string;
  readonly symbol: string;
  readonly ref: OrderRef;
  /** The new total quantity (filled part included), not the remainder. */
  readonly newQuantity?: string;
  readonly newPrice?: string;
}

/** Result of an amend: the order after it (with any fills a crossing new price caused), or why not. */
export type AmendResult =
  | {
      readonly ok: true;
      readonly order: OrderView;
      readonly fills: readonly Fill[];
      /** The order still rests where it was in the queue (a smaller quantity, or nothing changed). */
      readonly keptPriority: boolean;
      readonly transactTimeMs: number;
    }
  | { readonly ok: false; readonly reason: CoreRejectReason };

/** Result of cancelling: the cancelled order (with the cancel's own client id) or a typed rejection. */
export type CancelResult =
  | {
      readonly ok: true;
      readonly order: OrderView;
      /** The order's client id before the cancel (Binance origClientOrderId). */
      readonly origClientOrderId: string;
      /** The client id of the cancel request itself (Binance clientOrderId in the cancel response). */
      readonly cancelClientOrderId: string;
      readonly transactTimeMs: number;
    }
  | { readonly ok: false; readonly reason: CoreRejectReason };

/** A successful cancel (DELETE openOrders returns a list of these). */
export type CancelledOrder = Extract<CancelResult, { ok: true }>;

/** Validation-only result (Binance /order/test). */
export type ValidateResult = { readonly ok: true } | { readonly ok: false; readonly reason: CoreRejectReason };

/**
 * Everything an executionReport needs, for one account's order. Fresh object per report (only
 * client accounts get them; agents do not), safe to keep.
 */
export interface ExecutionReport {
  readonly accountId: string;
  readonly symbol: SimSymbol;
  /** Event time (Binance "E"). */
  readonly eventTimeMs: number;
  readonly orderId: number;
  /** Binance "c": the order's client id, or the cancel request's client id on CANCELED. */
  readonly clientOrderId: string;
  /** Binance "C": the order's original client id on CANCELED, else "". */
  readonly origClientOrderId: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly stpMode: StpMode;
  readonly origLots: number;
  readonly priceTicks: number;
  readonly origQuoteUnits: number;
  readonly execType: ExecType;
  readonly status: OrderStatus;
  /** Binance "r". */
  readonly rejectReason: "NONE" | "INSUFFICIENT_BALANCES" | "WOULD_MATCH_IMMEDIATELY";
  readonly lastLots: number;
  readonly lastPriceTicks: number;
  readonly lastQuoteUnits: number;
  readonly cumLots: number;
  readonly cumQuoteUnits: number;
  readonly commissionUnits: number;
  /** null when there was no fee (Binance prints null). */
  readonly commissionAsset: string | null;
  /** -1 when the report is not a trade. */
  readonly tradeId: number;
  /** Binance "I": a unique, increasing execution id. */
  readonly executionId: number;
  readonly isWorking: boolean;
  readonly isMaker: boolean;
  readonly transactTimeMs: number;
  readonly creationTimeMs: number;
  /** -1 if the order never worked. */
  readonly workingTimeMs: number;
  /** STP details, -1 / 0 when not a TRADE_PREVENTION report. */
  readonly preventedMatchId: number;
  readonly preventedLots: number;
  readonly counterOrderId: number;
}

/** One asset's balance after a change, in asset units. */
export interface BalanceView {
  readonly asset: string;
  readonly freeUnits: number;
  readonly lockedUnits: number;
}

/** Maker and taker fee rates as decimal strings ("0.001" = 0.1 %), at most 8 decimals, at most 0.1. */
export interface FeeSpec {
  readonly maker: string;
  readonly taker: string;
}

/** A trade as kept in the per-symbol recent-trades ring (copies are handed out). */
export interface TradeView {
  readonly tradeId: number;
  readonly priceTicks: number;
  readonly lots: number;
  readonly quoteUnits: number;
  readonly timeMs: number;
  readonly buyerIsMaker: boolean;
}

/**
 * One fill of a client account as the venue's trade history keeps it (Binance myTrades, OKX fills):
 * immutable, so the core hands out the records themselves. Kept after the order is closed.
 */
export interface AccountTrade {
  /** Increasing over the whole core, unique per record (OKX's billId; Binance has no such field). */
  readonly seq: number;
  readonly symbol: SimSymbol;
  /** The symbol's trade id (both sides of a trade share it). */
  readonly tradeId: number;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly priceTicks: number;
  readonly lots: number;
  readonly quoteUnits: number;
  /** Fee in units of commissionAsset (the asset received: base for the buyer, quote for the seller). */
  readonly commissionUnits: number;
  readonly commissionAsset: string;
  readonly isMaker: boolean;
  readonly timeMs: number;
}

/**
 * Which of an account's kept trades to list: every given bound applies. The result is always oldest
 * first; `newest` says which end `limit` keeps (the oldest matches by default, the newest when set).
 */
export interface AccountTradeFilter {
  readonly symbol?: string;
  /** Only this order's trades (order ids are per symbol: give the symbol too). */
  readonly orderId?: number;
  /** tradeId at or above this. */
  readonly fromTradeId?: number;
  /** seq strictly above / strictly below (OKX's `before` / `after` cursors). */
  readonly seqAbove?: number;
  readonly seqBelow?: number;
  /** timeMs within [startMs, endMs], both inclusive. */
  readonly startMs?: number;
  readonly endMs?: number;
  readonly limit: number;
  readonly newest?: boolean;
}

/** Top-of-book levels with the update id they are consistent with (Binance lastUpdateId). */
export interface DepthSnapshot {
  readonly lastUpdateId: number;
  /** [ticks, lots], best first. */
  readonly bids: ReadonlyArray<readonly [number, number]>;
  readonly asks: ReadonlyArray<readonly [number, number]>;
}

/** Best bid/ask right now; lots 0 (and ticks 0) for an empty side. */
export interface BookTop {
  readonly updateId: number;
  readonly bidTicks: number;
  readonly bidLots: number;
  readonly askTicks: number;
  readonly askLots: number;
}

/**
 * Synchronous callbacks the protocol layer registers. They run inside the core's action: keep them
 * cheap and do not call back into the core from them (re-entrant calls throw).
 */
export interface CoreListener {
  /**
   * One price level changed; `lots` is the new absolute quantity (0 removes the level). Every level
   * changed by one action shares that action's updateId; ids increase by exactly 1 per action.
   */
  onBookLevel?(sym: SimSymbol, updateId: number, side: Side, ticks: number, lots: number): void;
  /** All levels of updateId have been reported (a natural point to flush a depth event). */
  onBookUpdateEnd?(sym: SimSymbol, updateId: number, timeMs: number): void;
  /** Best bid or ask (price or quantity) changed with updateId. Empty side: ticks 0, lots 0. */
  onBookTop?(
    sym: SimSymbol,
    updateId: number,
    bidTicks: number,
    bidLots: number,
    askTicks: number,
    askLots: number,
  ): void;
  /** A trade happened (before the book events of the same action are reported). */
  onTrade?(
    sym: SimSymbol,
    tradeId: number,
    priceTicks: number,
    lots: number,
    buyerIsMaker: boolean,
    timeMs: number,
    buyerOrderId: number,
    sellerOrderId: number,
  ): void;
  /** An execution report for a client (non-internal) account. */
  onExecution?(report: ExecutionReport): void;
  /** Balances of a client account changed (Binance outboundAccountPosition): only the changed assets. */
  onAccountUpdate?(accountId: string, timeMs: number, balances: readonly BalanceView[]): void;
}

/** Options of a core instance. */
export interface SimCoreOptions {
  readonly clock: Clock;
  /** Seed of every random choice (agents); same seed + same actions → same events. */
  readonly seed: string | number;
  /** Symbols to run (default: DEFAULT_SYMBOLS). */
  readonly symbols?: readonly SymbolSpec[];
  /** Agent activity multiplier (default 1). */
  readonly speed?: number;
  /** Run the background market agents (default true); start them with start(). */
  readonly agents?: boolean;
  /** Decimals of each asset's smallest unit (default 8 for every asset). */
  readonly assetPrecision?: Readonly<Record<string, number>>;
  /** Closed orders kept queryable per account (default 10000, oldest dropped first). */
  readonly closedOrdersKept?: number;
  /** Recent trades kept per symbol (default 1000). */
  readonly recentTradesKept?: number;
  /** Trades kept per client account for its trade history (default 100000, oldest dropped first). */
  readonly accountTradesKept?: number;
  /**
   * Follow a fair value shared with other venues instead of an own random walk: the agents quote
   * around the shared value at (now - lagMs) times this venue's mean-reverting noise (sd noiseBps,
   * seeded from this core's seed). Every symbol of the core must be in the shared set with the same
   * tick size. Default: own walk (no lag, no noise).
   */
  readonly fairValue?: SharedFairValueOption;
  /**
   * How order ids are numbered: "per_symbol" (default) counts from 1 in each symbol's book, as
   * Binance's orderId does; "per_exchange" counts once across all books, as OKX's ordId is unique
   * per account, so a client keying orders by id alone never confuses two instruments' orders.
   */
  readonly orderIds?: "per_symbol" | "per_exchange";
}

/**
 * The part of a SharedFairValue (fairvalue.ts) that a core and its agents read: an interface here,
 * so these types do not depend on the class.
 */
export interface FairValueFeed {
  /** How far back valueAt can look, in clock ms. */
  readonly historyMs: number;
  /** This venue's ticks per shared tick for a symbol on a tick grid (undefined: grids do not divide). */
  ticksPer(symbol: string, tickSize: string): number | undefined;
  /** The shared fair value of a symbol at clock time tMs, in shared ticks. */
  valueAt(symbol: string, tMs: number): number | undefined;
}

/** How a core follows a SharedFairValue. */
export interface SharedFairValueOption {
  readonly shared: FairValueFeed;
  /** How late this venue sees the shared value, in clock ms (default 0, at most the shared history). */
  readonly lagMs?: number;
  /** Standard deviation of this venue's deviation from the shared value, in basis points (default 0). */
  readonly noiseBps?: number;
}
