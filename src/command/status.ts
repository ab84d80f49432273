/**
 * What the engine shows on /api/status and /ready. The engine implements StatusSource; the HTTP
 * layer only reads it. Money and quantities are decimal strings (exact, display only).
 */
import type {
  BookHealth,
  ConnectionState,
  NoQuoteReason,
  OpenOrderStatus,
  PnlStatus,
  PositionStatus,
  RiskStatus,
} from "../types/index.ts";

/** Connection and rate-limit state of one venue, so an operator sees why it may be slow or refusing. */
export interface VenueStatus {
  readonly name: string;
  readonly kind: string;
  /** One entry per stream the venue uses ("market", "orders", "user"). */
  readonly streams: readonly { readonly stream: string; readonly state: ConnectionState }[];
  /** Usage of each venue rate limit in its current window. */
  readonly rateLimits: readonly { readonly limit: string; readonly used: number; readonly max: number }[];
}

/** One order book's health and top of book: only live books may be traded on. */
export interface BookStatus {
  readonly venue: string;
  readonly symbol: string;
  readonly health: BookHealth;
  readonly bestBid: string | null;
  readonly bestAsk: string | null;
  /** Clock.nowMs() of the last applied update, null before the first. */
  readonly lastUpdateMs: number | null;
  /** How old the book's data is now (nowMs - lastUpdateMs), null before the first update. */
  readonly ageMs: number | null;
  /**
   * The fill guard's pause: a fill arrived while the book was older than the venue's
   * staleness.max_book_age_ms, so quoting on the symbol stopped until the next book update. Null
   * while quoting normally.
   */
  readonly quotingPaused: { readonly sinceMs: number; readonly reason: string } | null;
}

/**
 * Whether a strategy quotes one instrument, side by side, and why not when it does not: an operator
 * sees at once that fees exceed the spread, a limit is reached or a book is stale.
 */
export interface QuotingStatus {
  readonly venue: string;
  readonly symbol: string;
  /** Why no bid is quoted; null while one is. */
  readonly bid: NoQuoteReason | null;
  /** Why no ask is quoted; null while one is. */
  readonly ask: NoQuoteReason | null;
  /** The figures that decided it, in words (edge, maker fee and min_profit in bps; position and its limit). */
  readonly detail: string;
  /** Clock ms since which the instrument has been in this state (as first seen by the engine). */
  readonly sinceMs: number;
}

/** Why the engine's guard halted a strategy: what an operator needs before resuming it. */
export interface StrategyFailureStatus {
  /** "error" (its code threw) or "time_budget" (repeatedly over strategy.guard.event_budget_us). */
  readonly reason: string;
  /** The callback it was in (book, trade, order, position, timer, parent, start, stop, params, status). */
  readonly callback: string;
  readonly message: string;
  /** Clock ms of the halt. */
  readonly atMs: number;
}

/** One configured strategy: its state, current parameters and what it quotes. */
export interface StrategyStatus {
  readonly name: string;
  readonly kind: string;
  /** "failed": the engine's guard halted it (it threw, or was over its time budget too often); see failure. */
  readonly state: "running" | "paused" | "halted" | "failed";
  /** Why the guard halted it, while it stays halted (null when it runs or was stopped otherwise). */
  readonly failure: StrategyFailureStatus | null;
  readonly venue: string;
  readonly symbols: readonly string[];
  /** Current parameters; never credentials (they are redacted again on the way out regardless). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Per instrument it quotes: which sides are quoted, and why not. */
  readonly quoting: readonly QuotingStatus[];
}

/** Parent orders routed across venues: the ones still working and the totals since start. */
export interface ParentsStatus {
  readonly working: readonly {
    readonly id: string;
    readonly symbol: string;
    readonly side: "buy" | "sell";
    /** Common-grid lots (the finest grid of the symbol's venues). */
    readonly lots: number;
    readonly filledLots: number;
    readonly inFlightLots: number;
    readonly attempts: number;
    readonly childrenSent: number;
    readonly strategy: string | null;
  }[];
  readonly submitted: number;
  readonly filled: number;
  /** Unfilled parents by reason (limit, no_liquidity, attempts_exhausted, risk_refused, halted, ...). */
  readonly unfilled: Readonly<Record<string, number>>;
}

/** The journal's health and what the last start restored and caught up (absent without a journal). */
export interface JournalStatus {
  readonly path: string;
  readonly healthy: boolean;
  /** Why it is unhealthy (null when healthy). */
  readonly problem: string | null;
  readonly queueDepth: number;
  readonly committed: number;
  readonly commitErrors: number;
  /** Clock time of the last commit (0 before the first). */
  readonly lastCommitMs: number;
  /** What this start put back from the journal (null on a new journal). */
  readonly restored: {
    readonly runs: number;
    readonly fills: number;
    readonly positions: number;
    readonly killSwitch: string | null;
  } | null;
  /** Fills missed while the engine was down, recovered from each venue's trade history. */
  readonly catchUp: readonly {
    readonly venue: string;
    readonly symbol: string;
    readonly from: string;
    readonly applied: number;
    readonly duplicates: number;
    readonly foreign: number;
  }[];
  /** Orders earlier runs left live, settled with the venue; orders found that were never journaled. */
  readonly settledOrders: number;
  readonly discoveredOrders: number;
  /** Balances the fills do not explain: journal (expected) against the venue's, per asset. */
  readonly balanceMismatches: readonly {
    readonly venue: string;
    readonly asset: string;
    readonly journal: string;
    readonly reported: string;
    readonly diff: string;
  }[];
  /** Start-up checks that failed (trade history unreadable, balances that differ). */
  readonly startupProblems: readonly string[];
}

/** Everything /api/status returns. */
export interface EngineStatus {
  readonly nowMs: number;
  readonly startedAtMs: number;
  readonly venues: readonly VenueStatus[];
  readonly books: readonly BookStatus[];
  readonly positions: readonly PositionStatus[];
  readonly openOrders: readonly OpenOrderStatus[];
  readonly pnl: readonly PnlStatus[];
  readonly risk: RiskStatus;
  readonly strategies: readonly StrategyStatus[];
  readonly parents: ParentsStatus;
  readonly journal?: JournalStatus;
}

/** Whether the engine can trade, and if not, why. */
export interface Readiness {
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

/** Implemented by the engine; called from HTTP handlers on the engine's event loop. */
export interface StatusSource {
  status(): EngineStatus;
  /** Optional cheaper readiness check; when absent it is derived from status() by readinessOf. */
  readiness?(): Readiness;
}

/** Ready means: at least one venue, every venue stream connected, every book live. */
export function readinessOf(status: EngineStatus): Readiness {
  const reasons: string[] = [];
  if (status.venues.length === 0) reasons.push("no venue configured");
  for (const v of status.venues) {
    for (const s of v.streams) {
      if (s.state !== "connected") reasons.push(`venue ${v.name}: ${s.stream} stream ${s.state}`);
    }
  }
  if (status.books.length === 0) reasons.push("no order book subscribed");
  for (const b of status.books) {
    if (b.health !== "live") reasons.push(`book ${b.venue} ${b.symbol}: ${b.health}`);
  }
  return { ready: reasons.length === 0, reasons };
}

const SECRET_KEY = /secret|password|passphrase|token|api_?key|private_?key|credential|signature/i;

/**
 * Deep copy with every value under a secret-looking key replaced, a last line of defence so a
 * credential that slipped into strategy params or venue info never leaves the process.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32) return "[too deep]";
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) ? "[redacted]" : redactSecrets(v, depth + 1);
    }
    return out;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}
