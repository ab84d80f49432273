/**
 * The order outcomes an operator must hear about, counted and logged exactly once each: rejections
 * (at submit time by the venue or the adapter, or later on the order stream: an order can become
 * rejected only once, rejected being terminal; repeats within a window are logged as one counted line) and submissions whose outcome was unknown (a timeout,
 * a 5xx, a lost socket) once a status query or a late answer settled them, whether the adapter or the
 * order manager did the settling. Metric label sets are created up front so dashboards show 0, not
 * "no data".
 */
import type { ManagedOrder } from "../execution/index.ts";
import type { VenueMetrics } from "../metrics/index.ts";
import type { Clock, LogFields, Logger } from "../services/index.ts";
import {
  type InstrumentInfo,
  type RejectReason,
  Side,
  UNKNOWN_OUTCOME_RESULTS,
  type UnknownOutcomeResult,
} from "../types/index.ts";

/** Every reason an order can end rejected: the venue's typed reasons, and "lost" (never reached the venue). */
export const ORDER_REJECT_REASONS: readonly (RejectReason | "lost")[] = [
  "insufficient_balance",
  "would_take",
  "filter",
  "duplicate_client_id",
  "unknown_order",
  "rate_limited",
  "banned",
  "bad_symbol",
  "market_closed",
  "auth",
  "timestamp",
  "invalid_request",
  "unknown",
  "lost",
];

/** Client ids whose settled unknown outcome was already reported, before the oldest are forgotten. */
const MAX_REMEMBERED_IDS = 10_000;

/**
 * A rejection repeating (same venue, symbol and reason) within this long after its logged line is
 * folded into one summary line with a count when the window ends: a venue refusing every requote
 * must not write ten lines a second, yet every rejection still shows in the log, alone or counted.
 */
export const REJECT_LOG_WINDOW_MS = 10_000;

/** Where the reports find a venue's metric handles, an instrument's grids and the time. */
export interface OrderReportsContext {
  readonly log: Logger;
  readonly clock: Pick<Clock, "nowMs">;
  metricsOf(venue: string): VenueMetrics | undefined;
  info(venue: string, symbol: string): InstrumentInfo | undefined;
}

/** Rejections of one venue, symbol and reason since its last logged line. */
interface Burst {
  readonly venue: string;
  readonly symbol: string;
  readonly reason: string;
  readonly startMs: number;
  more: number;
  lastClientId: string;
}

/** Counts and logs rejections and settled unknown outcomes (see the module comment). */
export class OrderReports {
  /** Settled unknown outcomes already reported, by client id: the adapter and the order manager may both settle one. */
  private readonly settled = new Set<string>();
  private readonly bursts = new Map<string, Burst>();

  constructor(private readonly ctx: OrderReportsContext) {}

  /** Creates an instrument's rejection series and its venue's unknown-outcome series at 0. */
  prepare(venue: string, symbol: string): void {
    const vm = this.ctx.metricsOf(venue);
    if (vm === undefined) return;
    const im = vm.forSymbol(symbol);
    for (const r of ORDER_REJECT_REASONS) im.rejected(r);
    for (const r of UNKNOWN_OUTCOME_RESULTS) vm.unknownOutcome(r);
  }

  /**
   * An order became rejected (called on the state change, so once per order whatever told us): counted,
   * and logged in full, or folded into its burst's summary line when it repeats within the window.
   */
  rejected(o: ManagedOrder): void {
    const reason = o.rejectReason ?? "unknown";
    this.ctx.metricsOf(o.venue)?.forSymbol(o.symbol).rejected(reason).inc();
    const key = `${o.venue} ${o.symbol} ${reason}`;
    const now = this.ctx.clock.nowMs();
    const b = this.bursts.get(key);
    if (b !== undefined && now - b.startMs < REJECT_LOG_WINDOW_MS) {
      b.more++;
      b.lastClientId = o.clientId;
      return;
    }
    if (b !== undefined) this.summarise(b, now);
    this.bursts.set(key, { venue: o.venue, symbol: o.symbol, reason, startMs: now, more: 0, lastClientId: o.clientId });
    this.logRejection(o, reason);
  }

  /** Ends the rejection windows that are over (or all of them, at shutdown) with their summary lines. */
  flush(all = false): void {
    const now = this.ctx.clock.nowMs();
    for (const [key, b] of this.bursts) {
      if (!all && now - b.startMs < REJECT_LOG_WINDOW_MS) continue;
      this.bursts.delete(key);
      this.summarise(b, now);
    }
  }

  private summarise(b: Burst, nowMs: number): void {
    if (b.more === 0) return;
    this.logAt(b.reason)(
      `order rejected {venue} {symbol}: ${b.more} more {reason} in the ${Math.round((nowMs - b.startMs) / 1000)} s after the line above`,
      {
        event: "order_rejected",
        venue: b.venue,
        symbol: b.symbol,
        reason: b.reason,
        count: b.more,
        lastClientId: b.lastClientId,
      },
    );
  }

  private logRejection(o: ManagedOrder, reason: string): void {
    const info = this.ctx.info(o.venue, o.symbol);
    const qty = info?.qty.format(o.lots) ?? `${o.lots} lots`;
    const price = o.type === "market" ? "market" : (info?.price.format(o.priceTicks) ?? `${o.priceTicks} ticks`);
    this.logAt(reason)("order rejected {venue} {symbol} {side} {quantity} @ {price}", {
      event: "order_rejected",
      venue: o.venue,
      symbol: o.symbol,
      side: o.side === Side.Buy ? "buy" : "sell",
      quantity: qty,
      price,
      reason,
      clientId: o.clientId,
      venueOrderId: o.venueOrderId,
      detail: o.log.lastText(),
      ...(o.strategy !== null ? { strategy: o.strategy } : {}),
    });
  }

  /** A post-only quote the market ran into is routine for a market maker (info); any other refusal is a warning. */
  private logAt(reason: string): (msg: string, fields: LogFields) => void {
    const log = this.ctx.log;
    return reason === "would_take" ? (m, f) => log.info(m, f) : (m, f) => log.warn(m, f);
  }

  /**
   * A submission's unknown outcome was settled (or, "unanswered", could not be yet). Each client id is
   * reported once: whichever of the adapter and the order manager settles it first.
   */
  unknownOutcome(venue: string, symbol: string, clientId: string, result: UnknownOutcomeResult, detail: string): void {
    if (result !== "unanswered") {
      if (this.settled.has(clientId)) return;
      if (this.settled.size >= MAX_REMEMBERED_IDS) this.settled.clear();
      this.settled.add(clientId);
    }
    this.ctx.metricsOf(venue)?.unknownOutcome(result).inc();
    const line = "unknown order outcome {venue} {symbol} {clientId}: {result}";
    const fields = { event: "unknown_outcome", venue, symbol, clientId, result, detail };
    if (result === "open" || result === "not_found") this.ctx.log.info(line, fields);
    else this.ctx.log.warn(line, fields);
  }
}
