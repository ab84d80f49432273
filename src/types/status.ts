/**
 * The shapes the engine reports about its orders, positions, PnL and risk (/api/status, the console
 * status line, metrics): written once here, produced by execution, served by the control plane.
 * Money and quantities are exact decimal strings, for display.
 */
import type { OrderStatus } from "./orders.ts";

/** Position and PnL of one instrument, exact decimal strings for display. */
export interface PositionStatus {
  readonly venue: string;
  readonly symbol: string;
  /** Signed position in the base asset. */
  readonly position: string;
  /** Quote currency of the money fields. */
  readonly currency: string;
  readonly notional: string;
  readonly realizedPnl: string;
  readonly unrealizedPnl: string;
  readonly fees: string;
}

/** One live order of this engine, so an operator can see what is resting where. */
export interface OpenOrderStatus {
  readonly venue: string;
  readonly symbol: string;
  readonly clientId: string;
  readonly side: "buy" | "sell";
  readonly price: string;
  readonly qty: string;
  readonly filled: string;
  readonly status: OrderStatus | "pending_new" | "pending_cancel";
  readonly strategy: string | null;
}

/** Totals per quote currency. */
export interface PnlStatus {
  readonly currency: string;
  readonly realized: string;
  readonly unrealized: string;
  readonly fees: string;
}

/** Whether trading is halted and why, and the limits in force. */
export interface RiskStatus {
  readonly halted: boolean;
  readonly haltReason: string | null;
  readonly killSwitchEngaged: boolean;
  readonly killSwitchTrips: number;
  /** PnL since the last UTC midnight (what the daily loss limit watches), quote decimal. */
  readonly dailyPnl: string;
  /** The UTC day (YYYY-MM-DD) the daily loss is measured in, and the total net PnL it started from. */
  readonly dailyDay: string;
  readonly dailyBaseline: string;
  /** Configured limits, for display (e.g. max_position_lots). */
  readonly limits: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Why one side of an instrument is not quoted: the strategy's own decision (the first eleven), or
 * the engine's (paused, halted, the strategy halted by the engine's guard, the risk gate refused the
 * quote, the order-rate window was full). One
 * typed vocabulary so the log, /api/status and the hft_strategy_quote_state metric say the same.
 */
export type NoQuoteReason =
  /** The strategy is not running (stopped, or between a stop and a start). */
  | "stopped"
  /** The book is syncing, resyncing or stale: nobody quotes on a book they cannot trust. */
  | "book_not_live"
  /** A side of the book is empty or the book is crossed: no market to quote around. */
  | "no_market"
  /** The strategy has no fair value yet. */
  | "no_fair_value"
  /** The quote's edge does not even cover the maker fee (the spread is too tight for the fees). */
  | "fees_exceed_spread"
  /** The edge after the maker fee is below min_profit. */
  | "min_profit"
  /** No room left under max_position on this side (or less than the venue's minimum size). */
  | "position_limit"
  /** order_size rounds below one lot, or below the venue's minimum quantity or notional. */
  | "below_min_size"
  /** Cross-venue: the hedge books are too thin or not live to price a hedge. */
  | "no_hedge_price"
  /** Cross-venue: the side would have to move sooner than min_quote_life_ms allows. */
  | "quote_life"
  /** Our own bid would meet our own ask. */
  | "self_cross"
  /** An operator paused the strategy. */
  | "paused"
  /** Trading is halted (kill switch or a risk limit). */
  | "halted"
  /** The engine's guard halted the strategy (it threw, or was over its time budget too often); its orders were cancelled. */
  | "strategy_failed"
  /** The risk gate refused the quote's orders (the risk reason is in the detail). */
  | "risk_refused"
  /** The engine's order-rate window was full: the quote waits for the next one. */
  | "rate_limited";

/** Every reason, for checks and documentation. */
export const NO_QUOTE_REASONS: readonly NoQuoteReason[] = [
  "stopped",
  "book_not_live",
  "no_market",
  "no_fair_value",
  "fees_exceed_spread",
  "min_profit",
  "position_limit",
  "below_min_size",
  "no_hedge_price",
  "quote_life",
  "self_cross",
  "paused",
  "halted",
  "strategy_failed",
  "risk_refused",
  "rate_limited",
];
