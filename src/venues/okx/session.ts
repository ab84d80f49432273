/**
 * What the OKX adapter's market data and order entry share: one config, one set of counters behind
 * stats(), one instrument map, one listener fan-out and one closed flag, plus the socket record, the
 * idle rule and the small JSON readers both sides decode OKX frames with.
 */
import { Liveness, LivenessProbe, type MarketSocket } from "../../gateways/index.ts";
import type { InstrumentInfo, VenueEvent } from "../../types/index.ts";
import type { ResolvedOkxConfig } from "./config.ts";

/** A decoded OKX frame, kept untyped and read field by field after a check (OKX adds fields freely). */
export type Obj = Record<string, unknown>;

/** Narrows a parsed frame before any field is read (OKX frames are objects, never arrays). */
export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** OKX sends numbers as strings and sometimes as numbers: one reader gives the string either way, "" if absent. */
export const str = (o: Obj, k: string): string => {
  const v = o[k];
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
};

/**
 * A decimal field (price, size) read strictly: the string, "" when absent, undefined when it has any
 * other type. A JSON number is refused, not converted: it went through a float in JSON.parse, and
 * OKX prints every price and size as a string.
 */
export const decimalField = (o: Obj, k: string): string | undefined => {
  const v = o[k];
  return v === undefined ? "" : typeof v === "string" ? v : undefined;
};

/** Ids and trade keys we remember (idempotency, fill dedup) before the oldest are forgotten. */
const MAX_REMEMBERED = 50_000;

/** Drops the oldest entries of an insertion-ordered map or set beyond the cap (bounded memory). */
export function prune(c: Map<string, unknown> | Set<string>): void {
  if (c.size <= MAX_REMEMBERED) return;
  let excess = c.size - MAX_REMEMBERED;
  for (const k of c.keys()) {
    if (excess-- <= 0) break;
    c.delete(k);
  }
}

/** Thrown inside the adapter when a request's outcome is unknown (timeout, socket lost): query, never resend. */
export class UnknownOutcome extends Error {}

/**
 * State one adapter's halves share. A single object (not copies) so both report into the same stats()
 * keys and the same listeners, and both see close() at once.
 */
export interface OkxSession {
  readonly name: string;
  readonly cfg: ResolvedOkxConfig;
  readonly counters: Record<string, number>;
  /** Instruments by symbol, filled by connect(). */
  readonly instr: Map<string, InstrumentInfo>;
  readonly emit: (ev: VenueEvent) => void;
  closed: boolean;
}

/** Counts a dropped frame under badFrames and under its reason, so a bad feed is visible, never a crash. */
export function countBad(counters: Record<string, number>, why: string): void {
  counters["badFrames"] = (counters["badFrames"] ?? 0) + 1;
  counters[`bad:${why}`] = (counters[`bad:${why}`] ?? 0) + 1;
}

/** One OKX socket and what the idle rule and the liveness probe need to know about it. */
export interface Conn {
  ws: MarketSocket;
  /** Silence and the outstanding text ping (any frame answers it). */
  readonly probe: LivenessProbe;
  open: boolean;
  openedMs: number;
}

/** Every socket record starts the same way, whichever half opens it. */
export function newConn(ws: MarketSocket, nowMs: number): Conn {
  return { ws, probe: new LivenessProbe(nowMs), open: false, openedMs: nowMs };
}

/** Sends OKX's text ping as a liveness probe (its pong, or any frame, answers it). */
export function sendPing(c: Conn, nowMs: number, s: OkxSession): void {
  c.probe.sent(nowMs);
  s.counters["pingsSent"] = (s.counters["pingsSent"] ?? 0) + 1;
  c.ws.send("ping");
}

/** Keeps the private socket inside OKX's 30 s rule: pings it when idle, closes it when its pong never came. */
export function pingIfIdle(c: Conn | undefined, nowMs: number, s: OkxSession): void {
  if (c === undefined || !c.open) return;
  const verdict = c.probe.verdict(nowMs, s.cfg.pingIdleMs, s.cfg.pongTimeoutMs);
  if (verdict === Liveness.Dead) c.ws.close();
  else if (verdict === Liveness.Probe) sendPing(c, nowMs, s);
}
