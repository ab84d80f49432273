/**
 * OKX's order-entry operations, single and batch, over REST and the private socket alike: place, cancel
 * and amend, one order or up to 20, answered per item (`sCode`/`sMsg`) with the top-level `code` 0, 1 or 2
 * for all / none / some succeeded, as OKX answers. One runner so both transports share the checks, the
 * rate limits (a batch's items count against the batch endpoint, each against its own instrument) and
 * the fault knobs (injected rejects, a 5xx after placing, swallowed replies).
 */
import { OkxError } from "./errors.ts";
import type { OkxLimitedEndpoint } from "./limits.ts";
import type { OkxAccount, OkxVenue } from "./venue.ts";

/** OKX's largest batch: "Maximum 20 orders can be placed/canceled/amended per request." */
export const OKX_MAX_BATCH = 20;

/** What an order-entry request does to each of its items. */
export type OrderEntryAction = "place" | "cancel" | "amend";

/** One order-entry operation: what it does, whether it takes a list, and the windows it counts against. */
export interface OrderEntryOp {
  readonly action: OrderEntryAction;
  readonly batch: boolean;
  /** The endpoint whose limit each item takes (the single form's for a batch of one, as OKX counts). */
  readonly single: OkxLimitedEndpoint;
  readonly multi: OkxLimitedEndpoint;
}

const PLACE = { action: "place", single: "order", multi: "batch-orders" } as const;
const CANCEL = { action: "cancel", single: "cancel-order", multi: "cancel-batch-orders" } as const;
const AMEND = { action: "amend", single: "amend-order", multi: "amend-batch-orders" } as const;

/** The REST paths of order entry, by path. */
export const REST_ORDER_ENTRY: Readonly<Record<string, OrderEntryOp>> = {
  "/api/v5/trade/order": { ...PLACE, batch: false },
  "/api/v5/trade/batch-orders": { ...PLACE, batch: true },
  "/api/v5/trade/cancel-order": { ...CANCEL, batch: false },
  "/api/v5/trade/cancel-batch-orders": { ...CANCEL, batch: true },
  "/api/v5/trade/amend-order": { ...AMEND, batch: false },
  "/api/v5/trade/amend-batch-orders": { ...AMEND, batch: true },
};

/** The private-socket ops of order entry, by op (OKX names the batch cancel and amend ops differently). */
export const WS_ORDER_ENTRY: Readonly<Record<string, OrderEntryOp>> = {
  order: { ...PLACE, batch: false },
  "batch-orders": { ...PLACE, batch: true },
  "cancel-order": { ...CANCEL, batch: false },
  "batch-cancel-orders": { ...CANCEL, batch: true },
  "amend-order": { ...AMEND, batch: false },
  "batch-amend-orders": { ...AMEND, batch: true },
};

/** The answer to one order-entry request, before it is framed for REST or the socket. */
export interface OrderEntryAnswer {
  /** "0" all succeeded, "1" none, "2" some. */
  readonly code: "0" | "1" | "2";
  readonly msg: string;
  readonly data: Record<string, unknown>[];
  /** The REST status: 200, or the 5xx a failAfterPlace knob asked for. */
  readonly http: number;
  /** Every item was over its limit: REST answers HTTP 429 with code 50011 as for a single order. */
  readonly allRateLimited: boolean;
  /** The dropOrderReplies knob swallowed this answer (the venue acted; the client hears nothing). */
  readonly dropped: boolean;
}

/**
 * The items of a request: a batch takes a list of 1..20 objects, a single op one object (REST: the
 * body; WS: args[0]). A malformed request as a whole is OkxError 51000 naming what is wrong.
 */
export function orderEntryItems(op: OrderEntryOp, payload: unknown): unknown[] {
  if (!op.batch) {
    if (typeof payload !== "object" || payload === null || Array.isArray(payload))
      throw new OkxError("51000", "Parameter error: the request must be one JSON object");
    return [payload];
  }
  if (!Array.isArray(payload) || payload.length === 0)
    throw new OkxError("51000", "Parameter error: a batch must be a non-empty JSON array of orders");
  if (payload.length > OKX_MAX_BATCH)
    throw new OkxError("51000", `Parameter error: at most ${OKX_MAX_BATCH} orders per batch request`);
  return payload;
}

/** Runs every item in order and frames the per-item rows with OKX's top-level code. */
export function runOrderEntry(
  v: OkxVenue,
  acct: OkxAccount,
  op: OrderEntryOp,
  items: readonly unknown[],
): OrderEntryAnswer {
  const endpoint = items.length > 1 ? op.multi : op.single;
  const data: Record<string, unknown>[] = [];
  let ok = 0;
  let limited = 0;
  let http = 200;
  for (const item of items) {
    const r = runItem(v, acct, op.action, endpoint, item);
    data.push(r.row);
    if (r.row.sCode === "0") ok++;
    if (r.row.sCode === "50011") limited++;
    if (r.failStatus !== undefined && http === 200) http = r.failStatus;
  }
  const dropped = v.state.dropReplies > 0;
  if (dropped) {
    v.state.dropReplies--;
    v.state.counters.repliesDropped++;
  }
  const allRateLimited = limited === items.length;
  if (ok === items.length) return { code: "0", msg: "", data, http, dropped, allRateLimited };
  const msg = ok === 0 ? "All operations failed" : "Bulk operation partially succeeded";
  return { code: ok === 0 ? "1" : "2", msg, data, http, dropped, allRateLimited };
}

/** One item: the venue's row, or the failure row in the action's shape (with the 5xx a fault asked for). */
function runItem(
  v: OkxVenue,
  acct: OkxAccount,
  action: OrderEntryAction,
  endpoint: OkxLimitedEndpoint,
  item: unknown,
): { row: Record<string, unknown>; failStatus?: number } {
  const args =
    typeof item === "object" && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : {};
  try {
    if (args !== item) throw new OkxError("51000", "Parameter error: each item must be a JSON object");
    if (action === "place") return { row: v.place(acct, args, endpoint) };
    if (action === "cancel") return { row: v.cancel(acct, args, endpoint) };
    return { row: v.amend(acct, args, endpoint) };
  } catch (e) {
    if (!(e instanceof OkxError)) throw e;
    const row = failureRow(action, args, e, v.clock.nowMs());
    return e.code === "50004" ? { row, failStatus: e.http } : { row };
  }
}

/** A refused item as OKX lists it: the client's ids echoed, an empty ordId for a placement. */
function failureRow(
  action: OrderEntryAction,
  args: Record<string, unknown>,
  e: OkxError,
  nowMs: number,
): Record<string, unknown> {
  const str = (k: string): string => (typeof args[k] === "string" ? (args[k] as string) : "");
  const ids = { ordId: action === "place" ? "" : str("ordId"), clOrdId: str("clOrdId") };
  const ts = String(nowMs);
  if (action === "place") return { ...ids, tag: str("tag"), ts, sCode: e.code, sMsg: e.message };
  if (action === "cancel") return { ...ids, ts, sCode: e.code, sMsg: e.message };
  return { ...ids, ts, reqId: str("reqId"), sCode: e.code, sMsg: e.message, subCode: e.subCode };
}
