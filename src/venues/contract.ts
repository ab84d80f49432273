/**
 * The one interface every venue implements (Binance, OKX, ...), so the engine, strategies and
 * router never see a venue's wire format. Symbols are unified ("BTC-USDT"); prices and quantities
 * are integer ticks and lots of the instrument's grids.
 */
import type { OrderBook } from "../book/index.ts";
import type { DecimalGrid, Lots, Side, Ticks } from "../types/values.ts";

/** Static trading rules of one instrument on one venue, from the venue's metadata. */
export interface InstrumentInfo {
  /** Unified engine symbol, e.g. "BTC-USDT". */
  readonly symbol: string;
  /** The venue's own symbol, e.g. "BTCUSDT". */
  readonly venueSymbol: string;
  readonly base: string;
  readonly quote: string;
  /** Price grid (tick size) and quantity grid (step size). */
  readonly price: DecimalGrid;
  readonly qty: DecimalGrid;
  readonly minQtyLots: Lots;
  /** 0 = no maximum. */
  readonly maxQtyLots: Lots;
  /** Minimum price × quantity in quote currency, as the venue's decimal string ("0" = none). */
  readonly minNotional: string;
  /** Maximum price × quantity, decimal string ("0" = none). */
  readonly maxNotional: string;
  /** Venue says the symbol is trading (not halted, break, cancel-only). */
  readonly trading: boolean;
}

export type OrderType = "limit" | "limit_maker" | "market";
export type TimeInForce = "GTC" | "IOC" | "FOK";

/** An order as the engine asks for it; the client id makes every retry idempotent. */
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

/** Book health: only a "live" book may be offered to strategies. */
export type BookHealth = "syncing" | "live" | "stale" | "resyncing";
export type ConnectionState = "connecting" | "connected" | "disconnected" | "reconnecting";

/**
 * Everything a venue tells the engine, as one stream. Book and bbo events are reused objects owned
 * by the adapter: valid only during the callback (no allocation per frame).
 */
export type VenueEvent =
  | {
      type: "book";
      venue: string;
      symbol: string;
      /** The adapter's C book for this symbol, already updated. */
      book: OrderBook;
      /** Venue sequence number of the last applied update (Binance u, OKX seqId). */
      seq: number;
      snapshot: boolean;
      /** Monotonic ns when the frame that caused it arrived (tick-to-trade start). */
      recvNs: number;
    }
  | {
      type: "bbo";
      venue: string;
      symbol: string;
      bidTicks: number;
      bidLots: number;
      askTicks: number;
      askLots: number;
      recvNs: number;
    }
  | {
      type: "trade";
      venue: string;
      symbol: string;
      priceTicks: number;
      lots: number;
      /** Side of the aggressor (taker). */
      aggressor: Side;
      tradeId: number;
      venueTimeMs: number;
      recvNs: number;
    }
  | { type: "order"; update: OrderUpdate; recvNs: number }
  | {
      type: "book_health";
      venue: string;
      symbol: string;
      health: BookHealth;
      reason: string;
      /** The book lost sync because the venue's sequence skipped (hft_book_gaps_total counts these). */
      gap?: boolean;
    }
  | { type: "connection"; venue: string; stream: "market" | "orders" | "user"; state: ConnectionState; reason: string }
  | { type: "balances"; venue: string; balances: readonly Balance[] };

export type VenueListener = (event: VenueEvent) => void;

/** The unified venue interface, after the product brief's sketch. */
export interface VenueAdapter {
  /** The configured venue name (unique in the engine), e.g. "binance_main". */
  readonly name: string;
  /** The venue kind, e.g. "binance", "okx". */
  readonly kind: string;
  /** Loads instrument metadata, syncs the clock, connects order entry and the user stream. */
  connect(): Promise<void>;
  /** Closes every connection and timer; idempotent. */
  close(): Promise<void>;
  /** Instrument rules by unified symbol (filled by connect). */
  instruments(): ReadonlyMap<string, InstrumentInfo>;
  /** Starts book, bbo and trade streams for these unified symbols. */
  subscribeQuotes(symbols: readonly string[]): Promise<void>;
  /** The adapter's live C book for a symbol (check health before trusting it). */
  book(symbol: string): OrderBook | undefined;
  bookHealth(symbol: string): BookHealth | undefined;
  /** Places an order; resolves to the venue's order id, rejects with VenueRejectError. */
  submitOrder(order: OrderRequest): Promise<string>;
  /** Cancels one of this engine's orders by client id. */
  cancelOrder(symbol: string, clientId: string): Promise<void>;
  /** Cancels this engine's open orders (client-id prefix) on a symbol; resolves to the count. */
  cancelAll(symbol: string): Promise<number>;
  /** Open orders on the venue, for reconciliation; only this engine's unless all is true. */
  openOrders(symbol?: string, all?: boolean): Promise<OpenOrder[]>;
  /** Queries one order by client id (resolves unknown outcomes); undefined if the venue has none. */
  orderStatus(symbol: string, clientId: string): Promise<OpenOrder | undefined>;
  balances(): Promise<Balance[]>;
  /** Registers a listener for the event stream; returns an unsubscribe function. */
  onEvent(listener: VenueListener): () => void;
  /**
   * Optional counters for metrics and tests (bad frames dropped, resyncs, gaps, throttled requests,
   * duplicate fills dropped, ...); names are adapter-specific, values are monotonic counts.
   */
  stats?(): Readonly<Record<string, number>>;
  /**
   * Optional keep-warm rehearsal: runs the adapter's hot paths on scratch state (decode the last
   * market frame into a scratch book; encode and sign `sample` as an order request) and throws the
   * result away. It never writes to a socket, takes no rate budget and changes no book, order or
   * counter of trading state: between sparse frames it keeps that code and its data in the caches.
   */
  rehearse?(sample?: OrderRequest): void;
}
