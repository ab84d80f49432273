/**
 * Everything a venue tells the engine, as one normalised stream: the contract between venue
 * adapters and whatever consumes them (engine, strategies, metrics, recorder).
 */
import type { BookHealth, BookView, StaleCheck } from "./book.ts";
import type { Balance, OrderStatus, OrderUpdate } from "./orders.ts";
import type { Side } from "./values.ts";

/** State of one of a venue's connections. */
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
      /** The adapter's book for this symbol (C-backed), already updated. */
      book: BookView;
      /** Venue sequence number of the last applied update (Binance u, OKX seqId). */
      seq: number;
      snapshot: boolean;
      /** Monotonic ns when the frame that caused it arrived (tick-to-trade start). */
      recvNs: number;
      /** The venue's time of the update, epoch ms (Binance E, OKX ts); 0 when the venue gives none. */
      venueTimeMs: number;
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
      /**
       * The venue's sequence skipped (hft_book_gaps_total counts these). Flagged events are sent even
       * when the health does not change (a gap while already resyncing), so every gap is counted once.
       */
      gap?: boolean;
      /** An update or snapshot was refused because it would have crossed the book (hft_book_crossed_total). */
      crossed?: boolean;
      /** For a stale book: the check that found it stale (hft_book_stale_total counts by it). */
      check?: StaleCheck;
    }
  | { type: "connection"; venue: string; stream: "market" | "orders" | "user"; state: ConnectionState; reason: string }
  | {
      /** An order submission whose outcome was unknown (timeout, 5xx, lost socket) was resolved by querying. */
      type: "unknown_outcome";
      venue: string;
      symbol: string;
      clientId: string;
      result: UnknownOutcomeResult;
      /** What made the outcome unknown and how it was settled, for the log line. */
      detail: string;
    }
  | { type: "balances"; venue: string; balances: readonly Balance[] };

export type VenueListener = (event: VenueEvent) => void;

/**
 * How a submission with an unknown outcome turned out, as the status query found the order: still
 * open, already filled, canceled, expired or rejected, not found (so never placed), or unanswered
 * (no query got through; the order manager keeps asking).
 */
export type UnknownOutcomeResult = "open" | "filled" | "canceled" | "expired" | "rejected" | "not_found" | "unanswered";

/** Every result, so each venue's series exist (at 0) before the first unknown outcome. */
export const UNKNOWN_OUTCOME_RESULTS: readonly UnknownOutcomeResult[] = [
  "open",
  "filled",
  "canceled",
  "expired",
  "rejected",
  "not_found",
  "unanswered",
];

/** The result of an unknown outcome whose order the venue reports with this status. */
export function unknownOutcomeResultOf(status: OrderStatus): UnknownOutcomeResult {
  return status === "new" || status === "partially_filled" ? "open" : status;
}
