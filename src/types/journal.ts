/**
 * What the journal answers when asked about the past: fills, orders with their transitions, and
 * realized PnL by UTC day, as exact decimal strings. Written once here because the journal produces
 * these rows and the control plane (HTTP) and the export tool serve them.
 */

/** One fill as the journal keeps it: the venue's trade with its real price and fee. */
export interface FillRow {
  /** The journal's own sequence number (paging order). */
  readonly id: number;
  readonly venue: string;
  readonly symbol: string;
  /** The venue's trade id; fills without one have a key made of the order and its filled quantity. */
  readonly tradeId: string;
  readonly clientId: string;
  readonly venueOrderId: string;
  readonly side: "buy" | "sell";
  /** Exact decimals on the instrument's grids. */
  readonly price: string;
  readonly qty: string;
  /** As the venue charged it, in feeAsset. */
  readonly fee: string;
  readonly feeAsset: string;
  readonly isMaker: boolean;
  readonly venueTimeMs: number;
  readonly localTimeMs: number;
  /** stream: the venue's order stream; history: recovered from the venue's trade history at start-up. */
  readonly source: "stream" | "history";
  /** The venue gave no trade id (a fill recovered from an order's status): price and fee may be guesses. */
  readonly estimated: boolean;
  /** Realized PnL this fill booked, before fees, in the quote asset (FIFO). */
  readonly realizedPnl: string;
  /** The fee valued in the quote asset ("" when it could not be valued). */
  readonly feeQuote: string;
  /** The instrument's quote asset (what realizedPnl and feeQuote are in). */
  readonly currency: string;
  /** The engine run that journaled it. */
  readonly runId: number;
}

/** One state transition of an order. */
export interface OrderEventRow {
  readonly tsMs: number;
  readonly from: string;
  readonly to: string;
  readonly filledQty: string;
  readonly venueOrderId: string;
  readonly reason: string;
}

/** One order of this engine: what was asked, where it ended, and (on request) every transition. */
export interface OrderRow {
  readonly clientId: string;
  readonly runId: number;
  readonly venue: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly type: string;
  readonly tif: string;
  readonly price: string;
  readonly qty: string;
  readonly filledQty: string;
  /** The last journaled state (pending_new, new, partially_filled, pending_cancel or a terminal one). */
  readonly state: string;
  readonly venueOrderId: string;
  readonly strategy: string | null;
  readonly rejectReason: string | null;
  readonly createdMs: number;
  readonly updatedMs: number;
  readonly events?: readonly OrderEventRow[];
}

/** Realized PnL of one instrument on one UTC day. */
export interface PnlDayRow {
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  readonly venue: string;
  readonly symbol: string;
  readonly currency: string;
  /** Before fees. */
  readonly realized: string;
  /** Fees valued in the currency. */
  readonly fees: string;
  /** realized − fees. */
  readonly net: string;
  readonly fills: number;
}

/** PnL rows summed per currency (currencies are never added together). */
export interface PnlTotal {
  readonly currency: string;
  readonly realized: string;
  readonly fees: string;
  readonly net: string;
}

/** One page of rows; pass nextCursor back for the next page (null: no more rows). */
export interface JournalPage<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** Filters and paging common to the row queries. */
interface PagedQuery {
  readonly venue?: string;
  readonly symbol?: string;
  /** Rows per page. */
  readonly limit: number;
  /** The nextCursor of the previous page. */
  readonly cursor?: string;
}

/** Which fills (venue time in [sinceMs, untilMs)). */
export interface FillQuery extends PagedQuery {
  readonly clientId?: string;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  /** asc: oldest journaled first (default); desc: newest first. */
  readonly order?: "asc" | "desc";
}

/** Which orders (created in [sinceMs, untilMs)). */
export interface OrderQuery extends PagedQuery {
  readonly clientId?: string;
  readonly state?: string;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly order?: "asc" | "desc";
  /** Include every transition of each order. */
  readonly events?: boolean;
}

/** Which days of realized PnL (UTC days, YYYY-MM-DD, both ends included). */
export interface PnlQuery extends PagedQuery {
  readonly sinceDay?: string;
  readonly untilDay?: string;
}
