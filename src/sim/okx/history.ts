/**
 * GET /api/v5/trade/orders-history (last 7 days) and orders-history-archive (last 3 months): the
 * account's completed orders as OKX lists them — newest first, paged by ordId (`after` = older,
 * `before` = newer), `begin`/`end` on the creation time, a canceled order that never filled kept only
 * 2 hours — so a client reading closed orders meets the venue's real rules. Parameter checks and page
 * size are shared with the fills endpoints (fills.ts).
 */
import type { SimSymbol } from "../core/index.ts";
import { OkxError } from "./errors.ts";
import { INST_TYPES, limitOf, pagingNumber } from "./fills.ts";

/** The two endpoints. */
export type HistoryEndpoint = "orders-history" | "orders-history-archive";

const DAY_MS = 86_400_000;
/** How far back each endpoint reaches by completion time ("last 7 days", "last 3 months"). */
export const HISTORY_REACH_MS: Readonly<Record<HistoryEndpoint, number>> = {
  "orders-history": 7 * DAY_MS,
  "orders-history-archive": 90 * DAY_MS,
};
/** "The incomplete orders that have been canceled are only reserved for 2 hours." */
export const CANCELED_UNFILLED_KEPT_MS = 2 * 3_600_000;

const ORD_TYPES: readonly string[] = [
  "market",
  "limit",
  "post_only",
  "fok",
  "ioc",
  "optimal_limit_ioc",
  "mmp",
  "mmp_and_post_only",
  "op_fok",
  "elp",
];
const STATES: readonly string[] = ["canceled", "filled", "mmp_canceled"];
const CATEGORIES: readonly string[] = ["twap", "adl", "full_liquidation", "partial_liquidation", "delivery", "ddh"];
const RE_ORD_ID = /^\d{1,20}$/;

/** A completed order as the history sees it: what it is filtered and ordered by, and its row. */
export interface HistoryOrder {
  readonly instId: string;
  readonly ordId: string;
  readonly ordType: string;
  readonly state: "filled" | "canceled";
  /** Anything filled (an unfilled canceled order is kept only 2 hours). */
  readonly filled: boolean;
  readonly cTimeMs: number;
  readonly uTimeMs: number;
  readonly row: () => Record<string, unknown>;
}

/** What a history request asks for, after its parameters were checked. */
export interface HistoryQuery {
  /** false: a valid instType or category the simulator has no orders of: an empty answer. */
  readonly any: boolean;
  readonly instId: string | undefined;
  readonly ordTypes: ReadonlySet<string> | undefined;
  readonly state: string | undefined;
  readonly after: string | undefined;
  readonly before: string | undefined;
  readonly begin: number | undefined;
  readonly end: number | undefined;
  readonly limit: number;
}

/** An ordId cursor: undefined when absent or empty, 51000 when not digits. */
function cursor(q: Record<string, string>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined || v === "") return undefined;
  if (!RE_ORD_ID.test(v)) throw new OkxError("51000", `Parameter ${name} error`);
  return v;
}

/** One of a list of allowed values, or undefined; 51000 naming the parameter otherwise. */
function oneOf(q: Record<string, string>, name: string, allowed: readonly string[]): string | undefined {
  const v = q[name];
  if (v === undefined || v === "") return undefined;
  if (!allowed.includes(v)) throw new OkxError("51000", `Parameter ${name} error`);
  return v;
}

/** Checks a history request's parameters (OKX's codes: 50014 no instType, 51000, 51001). */
export function historyQuery(
  q: Record<string, string>,
  symbolOf: (instId: string) => SimSymbol | undefined,
  instIdOf: (sym: SimSymbol) => string,
): HistoryQuery {
  const instType = q["instType"];
  if (instType === undefined || instType === "") throw new OkxError("50014", "Parameter instType can not be empty.");
  if (!INST_TYPES.includes(instType)) throw new OkxError("51000", "Parameter instType error");
  let instId: string | undefined;
  if (q["instId"] !== undefined && q["instId"] !== "") {
    const sym = symbolOf(q["instId"]);
    if (sym === undefined) throw new OkxError("51001", "Instrument ID does not exist");
    instId = instIdOf(sym);
  }
  let ordTypes: Set<string> | undefined;
  if (q["ordType"] !== undefined && q["ordType"] !== "") {
    ordTypes = new Set(q["ordType"].split(","));
    for (const t of ordTypes) if (!ORD_TYPES.includes(t)) throw new OkxError("51000", "Parameter ordType error");
  }
  const state = oneOf(q, "state", STATES);
  const category = oneOf(q, "category", CATEGORIES);
  return {
    any: instType === "SPOT" && category === undefined,
    instId,
    ordTypes,
    state,
    after: cursor(q, "after"),
    before: cursor(q, "before"),
    begin: pagingNumber(q, "begin"),
    end: pagingNumber(q, "end"),
    limit: limitOf(q),
  };
}

/** Whether an order is still listed by the endpoint now (reach, the 2-hour rule) and passes the filters. */
function listed(o: HistoryOrder, hq: HistoryQuery, endpoint: HistoryEndpoint, nowMs: number): boolean {
  if (o.uTimeMs < nowMs - HISTORY_REACH_MS[endpoint]) return false;
  if (o.state === "canceled" && !o.filled && o.uTimeMs < nowMs - CANCELED_UNFILLED_KEPT_MS) return false;
  if (hq.instId !== undefined && o.instId !== hq.instId) return false;
  if (hq.ordTypes !== undefined && !hq.ordTypes.has(o.ordType)) return false;
  if (hq.state !== undefined && o.state !== hq.state) return false;
  if (hq.begin !== undefined && o.cTimeMs < hq.begin) return false;
  return hq.end === undefined || o.cTimeMs <= hq.end;
}

/** Newest first: by creation time, then ordId (ids grow with time within an instrument). */
function newestFirst(a: HistoryOrder, b: HistoryOrder): number {
  if (a.cTimeMs !== b.cTimeMs) return b.cTimeMs - a.cTimeMs;
  const x = BigInt(a.ordId);
  const y = BigInt(b.ordId);
  return x === y ? a.instId.localeCompare(b.instId) : x > y ? -1 : 1;
}

/**
 * Where a cursor sits in the newest-first list: at its row when listed, else before the first row
 * with a smaller ordId (a cursor whose row has since dropped out of the list).
 */
function cursorIndex(list: readonly HistoryOrder[], ordId: string): { at: number; found: boolean } {
  const at = list.findIndex((o) => o.ordId === ordId);
  if (at >= 0) return { at, found: true };
  const id = BigInt(ordId);
  const next = list.findIndex((o) => BigInt(o.ordId) < id);
  return { at: next < 0 ? list.length : next, found: false };
}

/**
 * The page a request asks for, newest first. Cursors exclude their own row; between `after` and
 * `before` the rows nearest `after` come first; `before` alone gives the rows just above it (OKX's
 * pagination rules).
 */
export function historyPage(
  orders: readonly HistoryOrder[],
  hq: HistoryQuery,
  endpoint: HistoryEndpoint,
  nowMs: number,
): Record<string, unknown>[] {
  if (!hq.any) return [];
  const list = orders.filter((o) => listed(o, hq, endpoint, nowMs)).sort(newestFirst);
  let start = 0;
  let end = list.length;
  if (hq.after !== undefined) {
    const c = cursorIndex(list, hq.after);
    start = c.found ? c.at + 1 : c.at;
  }
  if (hq.before !== undefined) end = Math.max(start, cursorIndex(list, hq.before).at);
  const window = list.slice(start, end);
  const page = hq.before !== undefined && hq.after === undefined ? window.slice(-hq.limit) : window.slice(0, hq.limit);
  return page.map((o) => o.row());
}
