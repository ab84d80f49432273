/**
 * Venue-neutral rules of a trade-history query (VenueAdapter.tradeHistory), so every adapter checks a
 * query the same way, orders venue trade ids the same way and hands back exactly the trades asked
 * for: oldest first, each once, after the given trade id and time, no more than the limit.
 */
import { type TradeQuery, VenueRejectError, type VenueTrade } from "../types/index.ts";

const RE_TRADE_ID = /^-?\d{1,40}$/;

/** Whether a venue trade id is a decimal integer (Binance and OKX ids are; a sign marks OKX liquidations). */
export function isNumericTradeId(id: string): boolean {
  return RE_TRADE_ID.test(id);
}

/**
 * Orders two numeric venue trade ids of any length (beyond 2^53 too): negative, 0 or positive.
 * Ids that are not numbers fall back to string order, so a sort never throws.
 */
export function compareTradeIds(a: string, b: string): number {
  if (!isNumericTradeId(a) || !isNumericTradeId(b)) return a < b ? -1 : a > b ? 1 : 0;
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/**
 * Refuses a query that cannot be asked of a venue, naming the field: a trade id that is not a number,
 * a time or limit that is not a non-negative integer. Thrown as VenueRejectError("invalid_request"),
 * before any request is sent.
 */
export function checkTradeQuery(venue: string, q: TradeQuery): void {
  const bad = (field: string, why: string): never => {
    throw new VenueRejectError("invalid_request", field, `${venue}: tradeHistory ${field}: ${why}`);
  };
  if (typeof q.symbol !== "string" || q.symbol.length === 0) bad("symbol", "missing");
  if (q.afterTradeId !== undefined && !(typeof q.afterTradeId === "string" && /^\d{1,40}$/.test(q.afterTradeId)))
    bad("afterTradeId", `expected a venue trade id (digits), got ${JSON.stringify(q.afterTradeId)}`);
  if (q.sinceMs !== undefined && !(Number.isSafeInteger(q.sinceMs) && q.sinceMs >= 0))
    bad("sinceMs", `expected epoch ms (an integer >= 0), got ${String(q.sinceMs)}`);
  if (q.limit !== undefined && !(Number.isSafeInteger(q.limit) && q.limit > 0))
    bad("limit", `expected a positive integer, got ${String(q.limit)}`);
}

/**
 * Exactly the trades a query asks for out of what the venue's pages returned (pages may overlap or
 * reach past the bounds): after afterTradeId, at or after sinceMs, each trade once (by trade id and
 * side: both sides of a self-trade share an id), oldest first by trade id, at most `limit`.
 */
export function selectTrades(trades: readonly VenueTrade[], q: TradeQuery): VenueTrade[] {
  const seen = new Set<string>();
  const out: VenueTrade[] = [];
  for (const t of trades) {
    if (q.afterTradeId !== undefined && compareTradeIds(t.tradeId, q.afterTradeId) <= 0) continue;
    if (q.sinceMs !== undefined && t.venueTimeMs < q.sinceMs) continue;
    const key = `${t.tradeId}/${t.side}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  out.sort((a, b) => compareTradeIds(a.tradeId, b.tradeId) || a.venueTimeMs - b.venueTimeMs);
  return q.limit !== undefined && out.length > q.limit ? out.slice(0, q.limit) : out;
}

/** A decimal string as a venue writes a fee or amount ("0.00100000", "-0.01"); rejects anything else. */
export function isDecimalString(s: unknown): s is string {
  return typeof s === "string" && /^-?\d{1,30}(\.\d{1,30})?$/.test(s);
}
