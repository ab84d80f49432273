/**
 * Binance WebSocket API (`/ws-api/v3`): request/response order entry on one socket with
 * sorted-parameter signing, `rateLimits` in every response and user-data subscriptions
 * (reference §A.7, §A.9). The endpoint logic is the same BinanceVenue code REST uses.
 */
import type { SimSocket } from "./conn.ts";
import { BinanceError, Err } from "./errors.ts";
import { isRateLimit } from "./ratelimit.ts";
import { wsApiSignedPayload } from "./signing.ts";
import type { UserData } from "./userdata.ts";
import type { BinanceVenue, ParamSource, SimAccount } from "./venue.ts";

/** A WS API request's params, read as the strings REST would have received. */
class JsonParams implements ParamSource {
  constructor(readonly raw: Record<string, unknown>) {}
  get(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    if (Array.isArray(v) && name === "symbols") return JSON.stringify(v);
    throw Err.mandatory(name);
  }
}

/** Outcome of one request: the frame to send and the extra delay before sending it. */
export interface WsApiReply {
  readonly frame: string;
  /** True when the request reached order entry (the order-entry latency applies). */
  readonly orderEntry: boolean;
}

const ORDER_METHODS = new Set([
  "order.place",
  "order.cancel",
  "order.status",
  "openOrders.status",
  "openOrders.cancelAll",
  "order.test",
]);

/** Handles WS API requests of one simulator. */
export class WsApi {
  constructor(
    private readonly venue: BinanceVenue,
    private readonly userData: UserData,
  ) {}

  /** Parses, authenticates, rate-limits and executes one request frame; never throws. */
  handle(ws: SimSocket, text: string): WsApiReply {
    const v = this.venue;
    v.counters.wsApiRequests++;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      v.counters.malformedJson++;
      return {
        frame: errorFrame(null, new BinanceError(400, -1000, "Malformed request: invalid JSON."), undefined),
        orderEntry: false,
      };
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      v.counters.badParams++;
      return {
        frame: errorFrame(null, new BinanceError(400, -1000, "Malformed request: expected an object."), undefined),
        orderEntry: false,
      };
    }
    const m = msg as Record<string, unknown>;
    const rawId = m["id"];
    const id = typeof rawId === "string" || typeof rawId === "number" ? rawId : null;
    if (rawId !== undefined && rawId !== null && (id === null || (typeof id === "string" && id.length > 36))) {
      v.counters.badParams++;
      return { frame: errorFrame(null, Err.mandatory("id"), undefined), orderEntry: false };
    }
    const method = m["method"];
    if (method === "ping" && v.faults.ignorePings.has("wsapi")) return { frame: "", orderEntry: false };
    const paramsRaw = m["params"] ?? {};
    if (typeof paramsRaw !== "object" || paramsRaw === null || Array.isArray(paramsRaw)) {
      v.counters.badParams++;
      return { frame: errorFrame(id, Err.mandatory("params"), undefined), orderEntry: false };
    }
    const params = new JsonParams(paramsRaw as Record<string, unknown>);
    const showLimits = ws.data.returnRateLimits && paramsRaw["returnRateLimits" as keyof typeof paramsRaw] !== false;
    let account: SimAccount | undefined;
    const isOrder = typeof method === "string" && ORDER_METHODS.has(method);
    try {
      if (typeof method !== "string") throw Err.mandatory("method");
      const weight = this.weight(method, params);
      if (weight < 0) {
        v.counters.unknownMethod++;
        throw new BinanceError(400, -1020, `Unknown method '${method}'.`);
      }
      v.limiter.chargeWeight(ws.data.ip, weight);
      const { result, failStatus, acct } = this.execute(ws, method, params, paramsRaw as Record<string, unknown>);
      account = acct;
      const limits = showLimits
        ? v.limiter.wsApiStatus(ws.data.ip, method === "order.place" ? acct?.accountId : undefined)
        : undefined;
      if (failStatus !== 0) {
        return { frame: errorFrame(id, Err.internal(failStatus), limits), orderEntry: true };
      }
      return { frame: okFrame(id, result, limits), orderEntry: isOrder };
    } catch (e) {
      const err = e instanceof BinanceError ? e : Err.unknown();
      if (!(e instanceof BinanceError)) v.counters.internalErrors++;
      if (err.http === 400 && (err.code === -1102 || err.code === -1100)) v.counters.badParams++;
      if (isRateLimit(err)) v.counters.rateLimited++;
      const limits = showLimits
        ? v.limiter.wsApiStatus(ws.data.ip, method === "order.place" ? account?.accountId : undefined)
        : undefined;
      return { frame: errorFrame(id, err, limits), orderEntry: isOrder };
    }
  }

  /** Request weight of a method, -1 for an unknown method. */
  private weight(method: string, p: ParamSource): number {
    switch (method) {
      case "ping":
      case "time":
      case "order.place":
      case "order.test":
      case "order.cancel":
      case "openOrders.cancelAll":
        return 1;
      case "userDataStream.subscribe":
      case "userDataStream.subscribe.signature":
      case "userDataStream.unsubscribe":
      case "session.logon":
      case "session.status":
      case "session.logout":
        return 2;
      case "order.status":
        return 4;
      case "openOrders.status":
        return this.venue.openOrdersWeight(p);
      case "exchangeInfo":
      case "account.status":
        return 20;
      case "depth":
        return this.venue.depthWeight(p);
      case "ticker.book":
        return p.get("symbol") === undefined ? 4 : 2;
      case "trades.recent":
        return 25;
      default:
        return -1;
    }
  }

  /**
   * Authenticates a signed request: apiKey, timestamp window, sorted-parameter signature (HMAC hex or
   * Ed25519 base64). After session.logon a request without apiKey/signature runs as the session's account.
   */
  private signed(ws: SimSocket, p: JsonParams): SimAccount {
    const v = this.venue;
    const key = p.get("apiKey");
    const session = ws.data.session;
    if (key === undefined && session !== undefined && p.get("signature") === undefined) {
      v.checkTimestamp(p);
      return session;
    }
    if (key === undefined) throw Err.mandatory("apiKey");
    const acct = v.account(key);
    v.checkTimestamp(p);
    v.checkSignature(acct, wsApiSignedPayload(p.raw), p.get("signature"));
    return acct;
  }

  /** session.status / session.logon result. */
  private sessionInfo(ws: SimSocket): Record<string, unknown> {
    const d = ws.data;
    return {
      apiKey: d.session?.apiKey ?? null,
      authorizedSince: d.session === undefined ? null : d.sessionSince,
      connectedSince: d.connectedSince,
      returnRateLimits: d.returnRateLimits,
      serverTime: this.venue.serverTime(),
      userDataStream: d.subscriptions.size > 0,
    };
  }

  /** Ends every user-data subscription of the socket with eventStreamTerminated. */
  private endSubscriptions(ws: SimSocket, id: number | undefined): number[] {
    const ended = this.userData.unsubscribe(ws, id);
    const E = this.venue.serverTime();
    for (const s of ended) ws.send(`{"subscriptionId":${s},"event":{"e":"eventStreamTerminated","E":${E}}}`);
    return ended;
  }

  private execute(
    ws: SimSocket,
    method: string,
    p: JsonParams,
    raw: Record<string, unknown>,
  ): { result: unknown; failStatus: number; acct?: SimAccount } {
    const v = this.venue;
    switch (method) {
      case "ping":
        return { result: {}, failStatus: 0 };
      case "time":
        return { result: { serverTime: v.serverTime() }, failStatus: 0 };
      case "exchangeInfo":
        return { result: v.exchangeInfo(p), failStatus: 0 };
      case "depth":
        return { result: JSON.parse(v.depthBody(p)), failStatus: 0 };
      case "ticker.book":
        return { result: v.bookTicker(p), failStatus: 0 };
      case "trades.recent":
        return { result: v.trades(p), failStatus: 0 };
      case "session.logon": {
        const key = p.get("apiKey");
        if (key === undefined) throw Err.mandatory("apiKey");
        const acct = v.account(key);
        if (acct.ed25519PublicKey === undefined)
          throw new BinanceError(400, -4056, "HMAC_SHA256 API key is not supported.");
        v.checkTimestamp(p);
        v.checkSignature(acct, wsApiSignedPayload(p.raw), p.get("signature"));
        ws.data.session = acct;
        ws.data.sessionSince = v.serverTime();
        return { result: this.sessionInfo(ws), failStatus: 0, acct };
      }
      case "session.status":
        return { result: this.sessionInfo(ws), failStatus: 0 };
      case "session.logout":
        this.endSubscriptions(ws, undefined);
        ws.data.session = undefined;
        return { result: this.sessionInfo(ws), failStatus: 0 };
      case "userDataStream.subscribe": {
        const acct = ws.data.session;
        if (acct === undefined) throw new BinanceError(401, -1002, "You are not authorized to execute this request.");
        return { result: { subscriptionId: this.userData.subscribe(ws, acct.accountId) }, failStatus: 0, acct };
      }
      case "userDataStream.unsubscribe": {
        const sid = raw["subscriptionId"];
        if (sid !== undefined && typeof sid !== "number") throw Err.illegalChars("subscriptionId", "^[0-9]{1,10}$");
        const ended = this.endSubscriptions(ws, sid);
        if (sid !== undefined && ended.length === 0)
          throw new BinanceError(400, -2035, "User Data Stream subscription not found.");
        return { result: {}, failStatus: 0 };
      }
      default:
        break;
    }
    const acct = this.signed(ws, p);
    switch (method) {
      case "userDataStream.subscribe.signature":
        return { result: { subscriptionId: this.userData.subscribe(ws, acct.accountId) }, failStatus: 0, acct };
      case "order.place": {
        const r = v.placeOrder(acct, p);
        return { result: r.body, failStatus: r.failStatus, acct };
      }
      case "order.test":
        return { result: v.testOrder(acct, p), failStatus: 0, acct };
      case "order.cancel":
        return { result: v.cancelOrder(acct, p), failStatus: 0, acct };
      case "order.status":
        return { result: v.queryOrder(acct, p), failStatus: 0, acct };
      case "openOrders.status":
        return { result: v.openOrders(acct, p), failStatus: 0, acct };
      case "openOrders.cancelAll":
        return { result: v.cancelAll(acct, p), failStatus: 0, acct };
      case "account.status":
        return { result: v.accountInfo(acct, p), failStatus: 0, acct };
      default:
        throw Err.unsupported();
    }
  }
}

function okFrame(id: string | number | null, result: unknown, limits: unknown): string {
  const o: Record<string, unknown> = { id, status: 200, result };
  if (limits !== undefined) o["rateLimits"] = limits;
  return JSON.stringify(o);
}

/** `{id,status,error:{code,msg[,data]}[,rateLimits]}`, with retryAfter for 429/418. */
function errorFrame(id: string | number | null, err: BinanceError, limits: unknown): string {
  const error: Record<string, unknown> = { code: err.code, msg: err.msg };
  if (err.retryAfterMs !== undefined) error["data"] = { retryAfter: err.retryAfterMs };
  const o: Record<string, unknown> = { id, status: err.http, error };
  if (limits !== undefined) o["rateLimits"] = limits;
  return JSON.stringify(o);
}
