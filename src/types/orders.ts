/**
 * Orders as the engine asks for them and as venues report them, normalised across venues so risk,
 * execution, strategies and the control plane share one vocabulary.
 */
import type { Lots, Side, Ticks } from "./values.ts";

export type OrderType = "limit" | "limit_maker" | "market";
export type TimeInForce = "GTC" | "IOC" | "FOK";

/**
 * An order as the engine asks for it; the client id makes every retry idempotent. The order manager
 * hands its own order record as the request (no copy per order), so a receiver reads these fields and
 * keeps or copies only them: spreading or serializing the object itself would miss `symbol` (a getter)
 * and drag the manager's bookkeeping along.
 */
export interface OrderRequest {
  /** Engine-generated client order id: prefix + sequence, at most 36 characters. */
  readonly clientId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  /** Ignored for market orders. */
  readonly tif: TimeInForce;
  /** Limit price; ignored for market orders. */
  readonly priceTicks: Ticks;
  readonly lots: Lots;
  /**
   * Set by the order manager when the order is cancelled (a kill, a requote) before its placement
   * was answered: an adapter still holding it unsent (waiting for rate-limit budget) drops it and
   * refuses it `rate_limited` rather than sending it seconds later only to cancel it.
   */
  readonly cancelWanted?: boolean;
}

/** Normalised order states, common to every venue. */
export type OrderStatus = "new" | "partially_filled" | "filled" | "canceled" | "rejected" | "expired";

/** Why a venue refused an order or a cancel: typed so risk and strategies can react. */
export type RejectReason =
  | "insufficient_balance"
  | "would_take" // post-only / LIMIT_MAKER would cross
  | "filter" // tick, step, min/max qty or notional
  | "duplicate_client_id"
  | "unknown_order"
  | "rate_limited"
  | "banned"
  | "bad_symbol"
  | "market_closed"
  | "auth"
  | "timestamp"
  | "invalid_request"
  | "unknown";

/** Thrown by adapter calls that the venue refused; carries the typed reason and the venue's code. */
export class VenueRejectError extends Error {
  constructor(
    readonly reason: RejectReason,
    readonly venueCode: number | string,
    message: string,
  ) {
    super(message);
    this.name = "VenueRejectError";
  }
}

/** An order's state after a venue event; cumulative fields are the venue's truth. */
export interface OrderUpdate {
  readonly venue: string;
  readonly symbol: string;
  readonly clientId: string;
  readonly venueOrderId: string;
  readonly side: Side;
  readonly status: OrderStatus;
  /** What happened: ack of a new order, a fill, a cancel, a reject, an expiry. */
  readonly exec: "ack" | "fill" | "canceled" | "rejected" | "expired";
  readonly priceTicks: Ticks;
  readonly origLots: Lots;
  readonly cumLots: Lots;
  /** This fill only (0 when exec is not "fill"). */
  readonly lastLots: Lots;
  readonly lastPriceTicks: Ticks;
  /** Fee of this fill as the venue's decimal string, and its asset. */
  readonly fee: string;
  readonly feeAsset: string;
  readonly isMaker: boolean;
  /** Venue trade id of this fill, used to apply each fill exactly once (-1 when none). */
  readonly tradeId: number;
  readonly rejectReason?: RejectReason;
  readonly text?: string;
  /** Venue transaction time, epoch ms. */
  readonly venueTimeMs: number;
}

/** An order still resting on the venue, as reported for reconciliation. */
export interface OpenOrder {
  readonly symbol: string;
  readonly clientId: string;
  readonly venueOrderId: string;
  readonly side: Side;
  readonly priceTicks: Ticks;
  readonly origLots: Lots;
  readonly cumLots: Lots;
  readonly status: OrderStatus;
}

/** One asset's balance; decimal strings as the venue reports them. */
export interface Balance {
  readonly asset: string;
  readonly free: string;
  readonly locked: string;
}

/**
 * One of this account's trades (a fill) as the venue's trade history reports it (Binance
 * `GET /api/v3/myTrades`, OKX `GET /api/v5/trade/fills` and `fills-history`): the venue's truth, with
 * the real price and fee, that the journal reconciles against after a restart or a reconnect.
 */
export interface VenueTrade {
  readonly venue: string;
  /** Unified symbol, e.g. "BTC-USDT". */
  readonly symbol: string;
  /** The venue's trade id (unique per venue and symbol): the key that applies each fill exactly once. */
  readonly tradeId: string;
  readonly venueOrderId: string;
  /** The order's client id when the venue reports it ("" when it does not, as Binance's myTrades). */
  readonly clientId: string;
  readonly side: Side;
  readonly priceTicks: Ticks;
  readonly lots: Lots;
  /** Price and quantity exactly as the venue wrote them. */
  readonly price: string;
  readonly qty: string;
  /** Fee paid, as a non-negative decimal string in feeAsset (a rebate is negative). */
  readonly fee: string;
  readonly feeAsset: string;
  readonly isMaker: boolean;
  /** Venue trade time, epoch ms. */
  readonly venueTimeMs: number;
}

/** Which of the account's trades to fetch for one symbol; the adapter pages through the venue's limits. */
export interface TradeQuery {
  readonly symbol: string;
  /** Only trades after this venue trade id (the last one already journaled). */
  readonly afterTradeId?: string;
  /** Only trades at or after this time, epoch ms (when no trade id is known yet). */
  readonly sinceMs?: number;
  /** At most this many trades in all (default: every trade the query matches). */
  readonly limit?: number;
}
