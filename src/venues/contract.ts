/**
 * The one interface every venue implements (Binance, OKX, ...), so the engine, strategies and
 * router never see a venue's wire format. Symbols are unified ("BTC-USDT"); prices and quantities
 * are integer ticks and lots of the instrument's grids. The values it speaks in live in types/.
 */
import type { OrderBook } from "../book/index.ts";
import type {
  Balance,
  BookHealth,
  FeeRates,
  InstrumentInfo,
  OpenOrder,
  OrderRequest,
  TradeQuery,
  VenueListener,
  VenueTrade,
} from "../types/index.ts";

/**
 * How an adapter answers placeOrder: one object the caller makes once (the order manager's), so an
 * order costs no promise, no reaction and no closure of its own on the way out.
 */
export interface OrderReplies {
  /** The venue has the order: its id ("" when the venue gives none). */
  accepted(order: OrderRequest, venueOrderId: string): void;
  /** What submitOrder would reject with: VenueRejectError when refused, anything else an unknown outcome. */
  failed(order: OrderRequest, error: unknown): void;
}

/**
 * How an adapter answers requestCancel: one object the caller makes once (the order manager's, the
 * same object as its OrderReplies), so a cancel costs no promise, reaction or closure of its own.
 */
export interface CancelReplies {
  /** The venue took the cancel; the order's final state ("canceled", or a racing fill) comes on the order stream. */
  cancelAccepted(order: OrderRequest): void;
  /** What cancelOrder would reject with: VenueRejectError when refused (unknown_order, ...), anything else an unknown outcome. */
  cancelFailed(order: OrderRequest, error: unknown): void;
}

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
  /**
   * Optional promise-free submitOrder: the same request, the same checks and outcomes, answered
   * through `replies` exactly once and never before placeOrder has returned (not even for an order
   * refused before anything is sent). The order path uses it when an adapter has it.
   */
  placeOrder?(order: OrderRequest, replies: OrderReplies): void;
  /** Cancels one of this engine's orders by client id. */
  cancelOrder(symbol: string, clientId: string): Promise<void>;
  /**
   * Optional promise-free cancelOrder of an order placed earlier (its symbol and client id): the same
   * request, checks and outcomes, answered through `replies` exactly once, with the very record it was
   * given, and never before requestCancel has returned. The order path uses it when an adapter has it.
   */
  requestCancel?(order: OrderRequest, replies: CancelReplies): void;
  /** Cancels this engine's open orders (client-id prefix) on a symbol; resolves to the count. */
  cancelAll(symbol: string): Promise<number>;
  /** Open orders on the venue, for reconciliation; only this engine's unless all is true. */
  openOrders(symbol?: string, all?: boolean): Promise<OpenOrder[]>;
  /** Queries one order by client id (resolves unknown outcomes); undefined if the venue has none. */
  orderStatus(symbol: string, clientId: string): Promise<OpenOrder | undefined>;
  balances(): Promise<Balance[]>;
  /**
   * This account's maker and taker rates on these symbols, as the venue reports them (a negative
   * maker rate is a rebate, whatever the venue's own sign rule): the engine reads them at start and
   * periodically, so the strategies' edge checks follow the venue rather than a guess in the config.
   */
  feeRates(symbols: readonly string[]): Promise<FeeRates[]>;
  /**
   * This account's trades on a symbol from the venue's trade history, oldest first, paging through the
   * venue's limits: the source of truth for fills missed while the engine was down or disconnected.
   * Exactly the trades asked for (after `afterTradeId`, at or after `sinceMs`, at most `limit`), each
   * once, with the venue's price, fee and fee asset. A bad query or a venue refusal rejects with
   * VenueRejectError; rows the venue garbles are counted in stats() and skipped.
   */
  tradeHistory(query: TradeQuery): Promise<VenueTrade[]>;
  /** Registers a listener for the event stream; returns an unsubscribe function. */
  onEvent(listener: VenueListener): () => void;
  /**
   * Optional counters for metrics and tests (bad frames dropped, resyncs, gaps, throttled requests,
   * duplicate fills dropped, ...); names are adapter-specific, values are monotonic counts. Keys
   * `malformed:<reason>` count each refused (undecodable or invalid) frame exactly once, by reason:
   * the engine's hft_venue_messages_malformed_total adds up only those.
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
