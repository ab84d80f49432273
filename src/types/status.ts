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
  /** Configured limits, for display (e.g. max_position_lots). */
  readonly limits: Readonly<Record<string, string | number | boolean>>;
}
