/**
 * GET /api/v3/myTrades (USER_DATA): the account's trade history as Binance answers it, from the trades
 * the core keeps per account, with Binance's parameter combinations, 24-hour window, paging by fromId
 * and weights, so a client recovering fills after a restart meets the venue's real rules.
 */
import type { AccountTrade, AccountTradeFilter, SimCore } from "../core/index.ts";
import { Err } from "./errors.ts";

/** A request's parameters (venue.ts's ParamSource, restated so the two files import no circle). */
interface ParamSource {
  get(name: string): string | undefined;
}

const RE_INT = /^[0-9]{1,20}$/;
const LEGAL_INT = "^[0-9]{1,20}$";
const DAY_MS = 86_400_000;
/** Binance's default and largest page. */
export const MY_TRADES_DEFAULT_LIMIT = 500;
export const MY_TRADES_MAX_LIMIT = 1000;

/** The optional-parameter sets Binance accepts (anything else is -1128). */
const COMBINATIONS: readonly string[] = [
  "",
  "orderId",
  "startTime",
  "endTime",
  "fromId",
  "startTime,endTime",
  "orderId,fromId",
];

/** Weight of a myTrades request: 5 with orderId, 20 without (Binance's table). */
export function myTradesWeight(p: ParamSource): number {
  return p.get("orderId") === undefined ? 20 : 5;
}

/** An optional LONG parameter: undefined when absent, -1102 when empty, -1100 when not digits. */
function long(p: ParamSource, name: string): number | undefined {
  const v = p.get(name);
  if (v === undefined) return undefined;
  if (v === "") throw Err.mandatory(name);
  if (!RE_INT.test(v)) throw Err.illegalChars(name, LEGAL_INT);
  return Number(v);
}

/** The page size: default 500, at most 1000 (larger asks get 1000), at least 1. */
function pageLimit(p: ParamSource): number {
  const n = long(p, "limit");
  if (n === undefined) return MY_TRADES_DEFAULT_LIMIT;
  if (n < 1) throw Err.invalidParam("Invalid limit.");
  return Math.min(n, MY_TRADES_MAX_LIMIT);
}

/**
 * The core filter of a myTrades request for one symbol. With fromId or orderId the oldest matches
 * come first; with endTime alone, or no bound at all, the most recent ones (Binance: "Otherwise most
 * recent trades are returned"); startTime (with or without endTime) pages forward from it.
 */
export function myTradesFilter(symbol: string, p: ParamSource): AccountTradeFilter {
  const orderId = long(p, "orderId");
  const startMs = long(p, "startTime");
  const endMs = long(p, "endTime");
  const fromId = long(p, "fromId");
  const limit = pageLimit(p);
  const given = [
    ["orderId", orderId],
    ["startTime", startMs],
    ["endTime", endMs],
    ["fromId", fromId],
  ]
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k)
    .join(",");
  if (!COMBINATIONS.includes(given)) throw Err.badCombination();
  if (startMs !== undefined && endMs !== undefined && endMs - startMs > DAY_MS) throw Err.intervalTooBig(24);
  const newest = orderId === undefined && fromId === undefined && startMs === undefined;
  return {
    symbol,
    limit,
    newest,
    ...(orderId !== undefined ? { orderId } : {}),
    ...(fromId !== undefined ? { fromTradeId: fromId } : {}),
    ...(startMs !== undefined ? { startMs } : {}),
    ...(endMs !== undefined ? { endMs } : {}),
  };
}

/** One row of the answer, in Binance's field order and number format. */
export function myTradeRow(core: SimCore, t: AccountTrade): Record<string, unknown> {
  const s = t.symbol;
  return {
    symbol: s.name,
    id: t.tradeId,
    orderId: t.orderId,
    orderListId: -1,
    price: s.formatPrice(t.priceTicks),
    qty: s.formatQty(t.lots),
    quoteQty: s.formatQuote(t.quoteUnits),
    commission: core.formatAsset(t.commissionAsset, t.commissionUnits),
    commissionAsset: t.commissionAsset,
    time: t.timeMs,
    isBuyer: t.side === "BUY",
    isMaker: t.isMaker,
    isBestMatch: true,
  };
}
