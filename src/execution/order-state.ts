/**
 * The order state machine. Every state change of every order goes through `transition`, which
 * checks it against one table and records it in the order's history; an illegal change is a bug
 * (ours or the venue's) and fails loudly with that history, rather than silently corrupting
 * positions or open-order counts.
 */

import type { OrderType, RejectReason, Side, TimeInForce } from "../types/index.ts";

/** Local order states; pending_* mean a request is in flight and its answer not yet known. */
export type OrderState =
  | "pending_new"
  | "new"
  | "partially_filled"
  | "filled"
  | "pending_cancel"
  | "canceled"
  | "rejected"
  | "expired";

/** The legal moves. pending_cancel may take fills (a fill raced the cancel) and may fall back to
 * new / partially_filled when the venue refuses the cancel. */
const LEGAL: Readonly<Record<OrderState, readonly OrderState[]>> = {
  pending_new: ["new", "partially_filled", "filled", "canceled", "rejected", "expired"],
  new: ["partially_filled", "filled", "pending_cancel", "canceled", "expired"],
  partially_filled: ["partially_filled", "filled", "pending_cancel", "canceled", "expired"],
  pending_cancel: ["pending_cancel", "new", "partially_filled", "filled", "canceled", "expired"],
  filled: [],
  canceled: [],
  rejected: [],
  expired: [],
};

/** Every state, for tests and metrics that enumerate them. */
export const ORDER_STATES: readonly OrderState[] = Object.keys(LEGAL) as OrderState[];

/** Whether `from → to` is in the table. */
export function isLegalTransition(from: OrderState, to: OrderState): boolean {
  return LEGAL[from].includes(to);
}

/** Terminal states never change again. */
export function isTerminal(s: OrderState): boolean {
  return s === "filled" || s === "canceled" || s === "rejected" || s === "expired";
}

/** Live orders may still trade: they count as open orders and as potential position. */
export function isLive(s: OrderState): boolean {
  return !isTerminal(s);
}

/**
 * An order's history, kept as flat primitives and formatted only when read (an error, a log, a
 * test), so the hot path does not build strings.
 */
export class OrderLog {
  private readonly entries: (string | number)[] = [];

  /** A transition (from → to) or, with from = "", a note. */
  add(nowMs: number, from: OrderState | "", to: OrderState | "", cumLots: number, text: string): void {
    this.entries.push(nowMs, from, to, cumLots, text);
  }

  /** The text of the newest entry (why the order last moved), "" when empty: for one log line. */
  lastText(): string {
    const t = this.entries[this.entries.length - 1];
    return typeof t === "string" ? t : "";
  }

  /** Formatted lines, oldest first. */
  lines(): string[] {
    const out: string[] = [];
    const e = this.entries;
    for (let i = 0; i + 4 < e.length; i += 5) {
      out.push(
        e[i + 1] === "" ? `${e[i]} ${e[i + 4]}` : `${e[i]} ${e[i + 1]} -> ${e[i + 2]} cum=${e[i + 3]} (${e[i + 4]})`,
      );
    }
    return out;
  }
}

/** One order as the engine tracks it. Mutable only by the order manager (the single writer). */
export interface ManagedOrder {
  readonly clientId: string;
  readonly venue: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly priceTicks: number;
  /** Ordered quantity. */
  readonly lots: number;
  /** The strategy that asked for it (null for operator or tool orders). */
  readonly strategy: string | null;
  state: OrderState;
  venueOrderId: string;
  /** Filled quantity as the venue last reported it (its cumulative figure is the truth). */
  cumLots: number;
  /** Sum of the fills applied to positions (catches up with cumLots as fill events arrive). */
  appliedLots: number;
  /** A cancel was asked for while the order was pending_new; it is sent once the order is acked. */
  cancelWanted: boolean;
  rejectReason: RejectReason | "lost" | undefined;
  readonly createdMs: number;
  updatedMs: number;
  /** Every transition and notable event, oldest first (formatted on each read). */
  readonly history: readonly string[];
  /** Where transitions and notes are recorded. */
  readonly log: OrderLog;
}

/** Thrown on an illegal transition; the message carries the order's whole history. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly order: ManagedOrder,
    readonly to: OrderState,
    cause: string,
  ) {
    super(
      `illegal order transition ${order.state} -> ${to} for ${order.clientId} (${cause}); ` +
        `order ${order.venue} ${order.symbol} side=${order.side} price=${order.priceTicks} lots=${order.lots} ` +
        `cum=${order.cumLots}; history:\n  ${order.history.join("\n  ")}`,
    );
    this.name = "IllegalTransitionError";
  }
}

/** Records a note in the order's history without changing state. */
export function note(order: ManagedOrder, nowMs: number, text: string): void {
  order.log.add(nowMs, "", "", order.cumLots, text);
}

/** Moves an order to `to`, or throws IllegalTransitionError; returns the previous state. */
export function transition(order: ManagedOrder, to: OrderState, nowMs: number, cause: string): OrderState {
  const from = order.state;
  if (!isLegalTransition(from, to)) throw new IllegalTransitionError(order, to, cause);
  order.state = to;
  order.updatedMs = nowMs;
  order.log.add(nowMs, from, to, order.cumLots, cause);
  return from;
}
