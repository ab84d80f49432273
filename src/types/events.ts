/**
 * Everything a venue tells the engine, as one normalised stream: the contract between venue
 * adapters and whatever consumes them (engine, strategies, metrics, recorder).
 */
import type { BookHealth, BookView } from "./book.ts";
import type { Balance, OrderUpdate } from "./orders.ts";
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
