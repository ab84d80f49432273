/**
 * Says why the strategy is not quoting, so a venue that stays "running" with no orders is never a
 * mystery: the strategy's own decision per instrument side (fees above the spread, min_profit, a
 * position limit, a book that is not live, ...), overridden by the engine's state (paused, halted) and
 * completed by what the risk gate made of the last quote (refused, or deferred by the order-rate
 * window). It is logged once when it changes (checked every second, with the venue, the symbol and the
 * figures that decided it; a side only waiting for the order-rate window or a quote's minimum life once
 * that lasts 5 s), shown per symbol in /api/status and exported as hft_strategy_quote_state.
 * The hot path only records the risk gate's answer (two map reads); everything else runs on a timer or
 * on a status or scrape request.
 */
import type { QuotingStatus } from "../command/index.ts";
import type { QuoteResult, RiskReason } from "../execution/index.ts";
import type { QuoteStateSample } from "../metrics/index.ts";
import type { Logger } from "../services/index.ts";
import type { QuoteDecision, Strategy } from "../strategy/index.ts";
import { type BookHealth, type InstrumentInfo, type NoQuoteReason, Side } from "../types/index.ts";

/** The engine's state as it bears on quoting ("strategy_failed": its guard halted the strategy). */
export type QuotingGate = "running" | "paused" | "halted" | "stopped" | "strategy_failed";

/** What the watch reads of the engine (all cheap reads). */
export interface QuoteWatchContext {
  readonly log: Logger;
  gate(): QuotingGate;
  health(venue: string, symbol: string): BookHealth | undefined;
  info(venue: string, symbol: string): InstrumentInfo | undefined;
  /** Whether an order of ours rests (or is on its way) on that side. */
  hasLive(venue: string, symbol: string, side: Side): boolean;
}

/** The risk gate's answer to an instrument's last quote. */
interface GateAnswer {
  bid: RiskReason | null;
  ask: RiskReason | null;
  /** Places waited for the next order-rate window. */
  deferred: boolean;
}

/** The state last seen and last logged for one instrument. */
interface Seen {
  key: string;
  sinceMs: number;
  loggedKey: string;
}

/**
 * A side held back only by the order-rate window, or by cross_venue_mm's min_quote_life_ms, is normal
 * market making (the replacement waits for the next window, or for the quote's minimum life): it shows at
 * once in status and metrics, but is logged only once it lasts this long.
 */
export const TRANSIENT_LOG_AFTER_MS = 5000;

/** Reasons that clear by themselves within a second or so (see TRANSIENT_LOG_AFTER_MS). */
const TRANSIENT: ReadonlySet<NoQuoteReason> = new Set<NoQuoteReason>(["rate_limited", "quote_life"]);

/** Both sides quoted: what an instrument starts as, so only a problem is logged at start. */
const QUOTING_KEY = "quoting|quoting";

/** An instrument's effective state: why each side is not quoted (null = quoted). */
interface SideReasons {
  readonly bid: NoQuoteReason | null;
  readonly ask: NoQuoteReason | null;
}

/** Tracks and reports why quotes are missing (see the module comment). */
export class QuoteWatch {
  private readonly answers = new Map<string, Map<string, GateAnswer>>();
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly ctx: QuoteWatchContext) {}

  /** Records what the risk gate did with one quote; hot path: no allocation unless first seen or refused. */
  noteQuote(venue: string, symbol: string, r: QuoteResult): void {
    let bySymbol = this.answers.get(venue);
    if (bySymbol === undefined) {
      bySymbol = new Map();
      this.answers.set(venue, bySymbol);
    }
    let a = bySymbol.get(symbol);
    if (a === undefined) {
      a = { bid: null, ask: null, deferred: false };
      bySymbol.set(symbol, a);
    }
    a.bid = null;
    a.ask = null;
    a.deferred = r.placesDeferred > 0;
    for (const f of r.refused) {
      if (f.place.side === Side.Buy) a.bid ??= f.reason;
      else a.ask ??= f.reason;
    }
  }

  /** Every instrument of the strategy: its sides, the figures behind them and since when (status). */
  status(strategy: Strategy | undefined, nowMs: number): QuotingStatus[] {
    if (strategy === undefined) return [];
    return strategy.quoteDecisions().map((d) => {
      const r = this.reasons(d);
      const sinceMs = this.track(d, r, nowMs).sinceMs;
      return { venue: d.venue, symbol: d.symbol, ...r, detail: this.detail(d, r, nowMs - sinceMs), sinceMs };
    });
  }

  /** Two samples per instrument, one per side: "quoting" or the reason (the hft_strategy_quote_state metric). */
  samples(strategy: Strategy | undefined): QuoteStateSample[] {
    const out: QuoteStateSample[] = [];
    for (const d of strategy?.quoteDecisions() ?? []) {
      const r = this.reasons(d);
      out.push({ venue: d.venue, symbol: d.symbol, side: "bid", state: r.bid ?? "quoting" });
      out.push({ venue: d.venue, symbol: d.symbol, side: "ask", state: r.ask ?? "quoting" });
    }
    return out;
  }

  /**
   * Logs every instrument whose state changed since it was last logged. Skipped while paused or halted
   * (those have their own log lines); the first change afterwards is logged against the last one logged.
   */
  check(strategy: Strategy | undefined, nowMs: number): void {
    if (strategy === undefined || this.ctx.gate() !== "running") return;
    for (const d of strategy.quoteDecisions()) {
      const r = this.reasons(d);
      const s = this.track(d, r, nowMs);
      if (s.key === s.loggedKey) continue;
      if (onlyTransient(r) && nowMs - s.sinceMs < TRANSIENT_LOG_AFTER_MS) continue;
      s.loggedKey = s.key;
      this.report(d, r, nowMs - s.sinceMs);
    }
  }

  /** Why each side is not quoted now, the engine's state first. */
  private reasons(d: QuoteDecision): SideReasons {
    const gate = this.ctx.gate();
    if (gate !== "running") return { bid: gate, ask: gate };
    const a = this.answers.get(d.venue)?.get(d.symbol);
    return {
      bid: this.side(d, d.bid, a?.bid ?? null, a, Side.Buy),
      ask: this.side(d, d.ask, a?.ask ?? null, a, Side.Sell),
    };
  }

  private side(
    d: QuoteDecision,
    own: NoQuoteReason | null,
    refused: RiskReason | null,
    a: GateAnswer | undefined,
    side: Side,
  ): NoQuoteReason | null {
    if (own !== null) return own;
    if (refused !== null) return "risk_refused";
    if (a?.deferred === true && !this.ctx.hasLive(d.venue, d.symbol, side)) return "rate_limited";
    return null;
  }

  private track(d: QuoteDecision, r: SideReasons, nowMs: number): Seen {
    const id = `${d.venue}/${d.symbol}`;
    const key = `${r.bid ?? "quoting"}|${r.ask ?? "quoting"}`;
    let s = this.seen.get(id);
    if (s === undefined) {
      s = { key, sinceMs: nowMs, loggedKey: QUOTING_KEY };
      this.seen.set(id, s);
    } else if (s.key !== key) {
      s.key = key;
      s.sinceMs = nowMs;
    }
    return s;
  }

  private report(d: QuoteDecision, r: SideReasons, forMs: number): void {
    const where = `${d.venue} ${d.symbol}`;
    const fields = { detail: this.detail(d, r, forMs) };
    const log = this.ctx.log;
    if (r.bid === null && r.ask === null) log.info(`quoting ${where} on both sides again`);
    else if (r.bid === null) log.info(`quoting only the bid on ${where}: ask ${r.ask}`, fields);
    else if (r.ask === null) log.info(`quoting only the ask on ${where}: bid ${r.bid}`, fields);
    else if (r.bid === r.ask) log.warn(`not quoting ${where}: ${r.bid}`, fields);
    else log.warn(`not quoting ${where}: bid ${r.bid}, ask ${r.ask}`, fields);
  }

  /** The figures behind the reasons, in words: edges against the maker fee and min_profit, the position and its limit. */
  private detail(d: QuoteDecision, r: SideReasons, forMs = 0): string {
    const parts: string[] = [];
    const add = (p: string): void => {
      if (p !== "" && !parts.includes(p)) parts.push(p);
    };
    add(this.sideDetail(d, "bid", r.bid, d.bidEdge));
    add(this.sideDetail(d, "ask", r.ask, d.askEdge));
    if (r.bid === "rate_limited" || r.ask === "rate_limited")
      add(`places waiting for the order-rate window (risk.max_orders_per_second) for ${(forMs / 1000).toFixed(1)} s`);
    if (isEdgeReason(r.bid) || isEdgeReason(r.ask))
      add(`maker fee ${bps(d.makerFee)} bps, min_profit ${bps(d.minProfit)} bps`);
    return parts.join("; ");
  }

  private sideDetail(d: QuoteDecision, side: "bid" | "ask", reason: NoQuoteReason | null, edge: number): string {
    switch (reason) {
      case "fees_exceed_spread":
      case "min_profit":
        return `best ${side} edge ${bps(edge)} bps`;
      case "position_limit": {
        const qty = this.ctx.info(d.venue, d.symbol)?.qty;
        const fmt = (lots: number): string =>
          qty !== undefined && Number.isSafeInteger(lots) ? qty.format(lots) : `${lots} lots`;
        return `position ${fmt(d.positionLots)} of max_position ${fmt(d.maxPositionLots)}`;
      }
      case "book_not_live":
        return `book ${this.ctx.health(d.venue, d.symbol) ?? "unknown"}`;
      case "risk_refused": {
        const a = this.answers.get(d.venue)?.get(d.symbol);
        return `${side} refused by the risk gate: ${(side === "bid" ? a?.bid : a?.ask) ?? "unknown"}`;
      }
      default:
        return "";
    }
  }
}

/** Whether a side is missing and every missing side is held back by something that clears by itself. */
function onlyTransient(r: SideReasons): boolean {
  if (r.bid === null && r.ask === null) return false;
  return (r.bid === null || TRANSIENT.has(r.bid)) && (r.ask === null || TRANSIENT.has(r.ask));
}

/** Reasons decided by the edge against the maker fee and min_profit. */
function isEdgeReason(r: NoQuoteReason | null): boolean {
  return r === "fees_exceed_spread" || r === "min_profit";
}

/** A fraction in basis points, two decimals, for a log line. */
function bps(fraction: number): string {
  return Number.isFinite(fraction) ? (fraction * 10_000).toFixed(2) : "n/a";
}
