/**
 * GET /api/v5/trade/fills (last 3 days) and /api/v5/trade/fills-history (last 3 months): the account's
 * transaction details as OKX answers them, from the trades the core keeps per account: newest first,
 * paged by billId (`after` = older, `before` = newer), OKX's fee sign (a charged fee is negative) and
 * maker/taker flag, so a client recovering fills meets the venue's real rules.
 */
import type { AccountTrade, AccountTradeFilter, SimCore, SimSymbol } from "../core/index.ts";
import { OkxError } from "./errors.ts";
import { okxDecimal, okxPx, okxSz } from "./symbols.ts";

/** The two endpoints: how far back each reaches and whether instType is required. */
export type FillsEndpoint = "fills" | "fills-history";

const DAY_MS = 86_400_000;
/** How far back each endpoint reaches ("last 3 days", "last 3 months"). */
export const FILLS_REACH_MS: Readonly<Record<FillsEndpoint, number>> = {
  fills: 3 * DAY_MS,
  "fills-history": 90 * DAY_MS,
};
/** OKX's page: at most 100 rows, 100 by default. */
export const FILLS_MAX_LIMIT = 100;
/** OKX's instrument types: SPOT answers, the others are valid but empty here. */
export const INST_TYPES: readonly string[] = ["SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION", "EVENTS"];
const RE_ID = /^\d{1,20}$/;

/** What a fills request asks for, after its parameters were checked. */
export interface FillsQuery {
  /** false: a valid instType the simulator does not trade (MARGIN, SWAP, ...): an empty answer. */
  readonly spot: boolean;
  readonly filter: AccountTradeFilter;
  /** The order id asked for, when it cannot match any order (not digits): an empty answer. */
  readonly impossible: boolean;
}

/** A numeric cursor or time parameter: undefined when absent or empty, 51000 when not digits (shared by every paged endpoint). */
export function pagingNumber(q: Record<string, string>, name: string): number | undefined {
  const v = q[name];
  if (v === undefined || v === "") return undefined;
  if (!RE_ID.test(v)) throw new OkxError("51000", `Parameter ${name} error`);
  return Number(v);
}

/** The page size: 1..100, default 100 (anything else is 51000, as OKX answers; shared by every paged endpoint). */
export function limitOf(q: Record<string, string>): number {
  const v = q["limit"];
  if (v === undefined || v === "") return FILLS_MAX_LIMIT;
  const n = RE_ID.test(v) ? Number(v) : Number.NaN;
  if (!(n >= 1 && n <= FILLS_MAX_LIMIT)) throw new OkxError("51000", "Parameter limit error");
  return n;
}

/**
 * Checks a request's parameters and turns them into a core filter. `after` alone (or with `before`)
 * pages back from the newest matches; `before` alone returns the matches just above the cursor.
 */
export function fillsQuery(
  endpoint: FillsEndpoint,
  q: Record<string, string>,
  symbolOf: (instId: string) => SimSymbol | undefined,
  nowMs: number,
): FillsQuery {
  const instType = q["instType"];
  if (instType === undefined || instType === "") {
    if (endpoint === "fills-history") throw new OkxError("50014", "Parameter instType can not be empty.");
  } else if (!INST_TYPES.includes(instType)) {
    throw new OkxError("51000", "Parameter instType error");
  }
  let symbol: string | undefined;
  if (q["instId"] !== undefined && q["instId"] !== "") {
    const sym = symbolOf(q["instId"]);
    if (sym === undefined) throw new OkxError("51001", "Instrument ID does not exist");
    symbol = sym.name;
  }
  const after = pagingNumber(q, "after");
  const before = pagingNumber(q, "before");
  const begin = pagingNumber(q, "begin");
  const end = pagingNumber(q, "end");
  const limit = limitOf(q);
  const ordId = q["ordId"];
  const hasOrd = ordId !== undefined && ordId !== "";
  const filter: AccountTradeFilter = {
    limit,
    newest: before === undefined || after !== undefined,
    startMs: Math.max(begin ?? 0, nowMs - FILLS_REACH_MS[endpoint]),
    ...(end !== undefined ? { endMs: end } : {}),
    ...(symbol !== undefined ? { symbol } : {}),
    ...(hasOrd && RE_ID.test(ordId) ? { orderId: Number(ordId) } : {}),
    ...(after !== undefined ? { seqBelow: after } : {}),
    ...(before !== undefined ? { seqAbove: before } : {}),
  };
  return {
    spot: instType === undefined || instType === "" || instType === "SPOT",
    filter,
    impossible: hasOrd && !RE_ID.test(ordId),
  };
}

/** One transaction-details row in OKX's shape; `feeRate` is the account's rate as a decimal ("0.001"). */
export function fillRow(core: SimCore, t: AccountTrade, instId: string, feeRate: string): Record<string, unknown> {
  const s = t.symbol;
  const fee = okxDecimal(core.formatAsset(t.commissionAsset, t.commissionUnits));
  const charged = (v: string): string => (/^0*(\.0*)?$/.test(v) ? "0" : `-${v}`);
  return {
    instType: "SPOT",
    instId,
    tradeId: String(t.tradeId),
    ordId: String(t.orderId),
    clOrdId: t.clientOrderId,
    billId: String(t.seq),
    subType: t.side === "BUY" ? "1" : "2",
    tag: "",
    fillPx: okxPx(s, t.priceTicks),
    fillSz: okxSz(s, t.lots),
    fillIdxPx: "",
    fillPnl: "0",
    fillPxVol: "",
    fillPxUsd: "",
    fillMarkVol: "",
    fillFwdPx: "",
    fillMarkPx: "",
    side: t.side === "BUY" ? "buy" : "sell",
    posSide: "net",
    execType: t.isMaker ? "M" : "T",
    feeCcy: t.commissionAsset,
    fee: charged(fee),
    ts: String(t.timeMs),
    fillTime: String(t.timeMs),
    feeRate: charged(okxDecimal(feeRate)),
    tradeQuoteCcy: s.quote,
  };
}
