/**
 * What the engine shows on /api/status and /ready. The engine implements StatusSource; the HTTP
 * layer only reads it. Money and quantities are decimal strings (exact, display only).
 */
import type * as v from "valibot";
import type {
  BookStatusSchema,
  JournalStatusSchema,
  ParentsStatusSchema,
  QuotingStatusSchema,
  ReadinessBody,
  StatusBody,
  StrategyFailureSchema,
  StrategyStatusSchema,
  VenueStatusSchema,
} from "./api-schemas.ts";

/** Connection, rate-limit and fee state of one venue, so an operator sees why it may be slow or refusing. */
export type VenueStatus = v.InferOutput<typeof VenueStatusSchema>;

/** One order book's health and top of book: only live books may be traded on. */
export type BookStatus = v.InferOutput<typeof BookStatusSchema>;

/**
 * Whether a strategy quotes one instrument, side by side, and why not when it does not: an operator
 * sees at once that fees exceed the spread, a limit is reached or a book is stale.
 */
export type QuotingStatus = v.InferOutput<typeof QuotingStatusSchema>;

/** Why the engine's guard halted a strategy: what an operator needs before resuming it. */
export type StrategyFailureStatus = v.InferOutput<typeof StrategyFailureSchema>;

/** One configured strategy: its state, current parameters and what it quotes. */
export type StrategyStatus = v.InferOutput<typeof StrategyStatusSchema>;

/** Parent orders routed across venues: the ones still working and the totals since start. */
export type ParentsStatus = v.InferOutput<typeof ParentsStatusSchema>;

/** The journal's health and what the last start restored and caught up (absent without a journal). */
export type JournalStatus = v.InferOutput<typeof JournalStatusSchema>;

/** Everything /api/status returns (the schema is the single description: api-schemas.ts). */
export type EngineStatus = v.InferOutput<typeof StatusBody>;

/** Whether the engine can trade, and if not, why. */
export type Readiness = v.InferOutput<typeof ReadinessBody>;

/** Implemented by the engine; called from HTTP handlers on the engine's event loop. */
export interface StatusSource {
  status(): EngineStatus;
  /** Optional cheaper readiness check; when absent it is derived from status() by readinessOf. */
  readiness?(): Readiness;
}

/**
 * Ready means the engine can trade: the kill switch is not engaged (nor trading halted by a risk
 * limit), at least one venue has every stream connected, every venue stream is connected, every book
 * is live and not paused by the fill guard, and no strategy is paused for a reason other than an
 * operator's pause (an operator who
 * pauses a strategy meant to; the engine is still fit to trade).
 */
export function readinessOf(status: EngineStatus): Readiness {
  const reasons: string[] = [];
  const risk = status.risk;
  if (risk.killSwitchEngaged) reasons.push(`kill switch engaged: ${risk.haltReason ?? "no reason given"}`);
  else if (risk.halted) reasons.push(`trading halted: ${risk.haltReason ?? "no reason given"}`);
  if (status.venues.length === 0) reasons.push("no venue configured");
  else if (!status.venues.some((v) => v.streams.length > 0 && v.streams.every((s) => s.state === "connected"))) {
    reasons.push("no venue connected");
  }
  for (const v of status.venues) {
    for (const s of v.streams) {
      if (s.state !== "connected") reasons.push(`venue ${v.name}: ${s.stream} stream ${s.state}`);
    }
  }
  if (status.books.length === 0) reasons.push("no order book subscribed");
  for (const b of status.books) {
    if (b.health !== "live") reasons.push(`book ${b.venue} ${b.symbol}: ${b.health}`);
    if (b.quotingPaused !== null) reasons.push(`quoting paused on ${b.venue} ${b.symbol}: ${b.quotingPaused.reason}`);
  }
  for (const st of status.strategies) {
    if (st.state === "failed" && st.failure !== null) {
      reasons.push(`strategy ${st.name} failed: ${st.failure.reason} in ${st.failure.callback}: ${st.failure.message}`);
    } else if (st.state === "paused" && st.pausedBy !== "operator") {
      reasons.push(`strategy ${st.name} not quoting: ${st.pausedBy ?? "stopped"}`);
    }
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
