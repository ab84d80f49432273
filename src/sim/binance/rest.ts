/**
 * Binance Spot REST (`/api/v3/*`): routing, parameter parsing from query and body, API-key and
 * signature checks (payload in the order sent), request weights and the X-MBX-* headers
 * (reference §A.5, §A.6, §A.8). Pure request → response, so it is testable without sockets.
 */
import { BinanceError, Err } from "./errors.ts";
import { myTradesWeight } from "./my-trades.ts";
import { isRateLimit } from "./ratelimit.ts";
import { decodeURIComponentSafe, restSignedPayload } from "./signing.ts";
import type { UserData } from "./userdata.ts";
import type { BinanceVenue, ParamSource, SimAccount } from "./venue.ts";

/** A REST request as the server saw it. */
export interface RestRequest {
  readonly method: string;
  readonly path: string;
  /** Raw query string without `?`, still percent-encoded. */
  readonly rawQuery: string;
  /** Raw urlencoded body ("" when none). */
  readonly rawBody: string;
  readonly apiKey: string | undefined;
  readonly ip: string;
}

/** What to answer. */
export interface RestResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The request reached order entry (the order-entry latency applies). */
  readonly orderEntry: boolean;
}

/** Query and body parameters; the query wins when both carry a name, duplicates are -1101. */
export class RestParams implements ParamSource {
  private readonly map = new Map<string, string>();

  constructor(rawQuery: string, rawBody: string) {
    const q = parsePairs(rawQuery);
    const b = parsePairs(rawBody);
    for (const [k, v] of b) this.map.set(k, v);
    for (const [k, v] of q) this.map.set(k, v);
  }

  get(name: string): string | undefined {
    return this.map.get(name);
  }
}

/** k=v pairs of an urlencoded string; a name twice in one part is -1101. */
function parsePairs(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  if (raw.length === 0) return out;
  for (const part of raw.split("&")) {
    if (part.length === 0) continue;
    const eq = part.indexOf("=");
    const k = decodeURIComponentSafe(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? "" : decodeURIComponentSafe(part.slice(eq + 1));
    if (out.has(k)) throw Err.duplicateParam(k);
    out.set(k, v);
  }
  return out;
}

type Security = "none" | "key" | "signed";

interface Route {
  readonly security: Security;
  /** Weight; may depend on parameters. */
  readonly weight: (p: RestParams) => number;
  readonly orders?: boolean;
  readonly run: (
    acct: SimAccount | undefined,
    p: RestParams,
    req: RestRequest,
  ) => { body: string; failStatus?: number };
}

type RouteEntry = readonly [key: string, route: Route];

/** A table row keyed `METHOD /path`; rows made here are not order entry (see orderRoutes). */
function route(
  method: string,
  path: string,
  security: Security,
  weight: (p: RestParams) => number,
  run: Route["run"],
): RouteEntry {
  return [`${method} ${path}`, { security, weight, run }];
}

function json(x: unknown): { body: string } {
  return { body: JSON.stringify(x) };
}

/** The account a keyed route runs for; the security check has already rejected a missing key. */
function must(a: SimAccount | undefined): SimAccount {
  if (a === undefined) throw Err.badKeyFormat();
  return a;
}

/** Public market data: no key; the weights are what Binance charges. */
function marketDataRoutes(v: BinanceVenue): RouteEntry[] {
  return [
    route(
      "GET",
      "/api/v3/ping",
      "none",
      () => 1,
      () => json({}),
    ),
    route(
      "GET",
      "/api/v3/time",
      "none",
      () => 1,
      () => json({ serverTime: v.serverTime() }),
    ),
    route(
      "GET",
      "/api/v3/exchangeInfo",
      "none",
      () => 20,
      (_a, p) => json(v.exchangeInfo(p)),
    ),
    route(
      "GET",
      "/api/v3/depth",
      "none",
      (p) => v.depthWeight(p),
      (_a, p) => ({ body: v.depthBody(p) }),
    ),
    route(
      "GET",
      "/api/v3/ticker/bookTicker",
      "none",
      (p) => (p.get("symbol") === undefined ? 4 : 2),
      (_a, p) => json(v.bookTicker(p)),
    ),
    route(
      "GET",
      "/api/v3/trades",
      "none",
      () => 25,
      (_a, p) => json(v.trades(p)),
    ),
  ];
}

/** Signed orders and account (§A.6); only placement is order entry (order-count headers, order-entry latency). */
function orderRoutes(v: BinanceVenue): RouteEntry[] {
  return [
    [
      "POST /api/v3/order",
      {
        security: "signed",
        weight: () => 1,
        orders: true,
        run: (a, p) => {
          const r = v.placeOrder(must(a), p);
          return { body: JSON.stringify(r.body), failStatus: r.failStatus };
        },
      },
    ],
    route(
      "POST",
      "/api/v3/order/test",
      "signed",
      () => 1,
      (a, p) => json(v.testOrder(must(a), p)),
    ),
    route(
      "DELETE",
      "/api/v3/order",
      "signed",
      () => 1,
      (a, p) => json(v.cancelOrder(must(a), p)),
    ),
    route(
      "GET",
      "/api/v3/order",
      "signed",
      () => 4,
      (a, p) => json(v.queryOrder(must(a), p)),
    ),
    route(
      "GET",
      "/api/v3/openOrders",
      "signed",
      (p) => v.openOrdersWeight(p),
      (a, p) => json(v.openOrders(must(a), p)),
    ),
    route(
      "DELETE",
      "/api/v3/openOrders",
      "signed",
      () => 1,
      (a, p) => json(v.cancelAll(must(a), p)),
    ),
    route(
      "GET",
      "/api/v3/account",
      "signed",
      () => 20,
      (a, p) => json(v.accountInfo(must(a), p)),
    ),
    route(
      "GET",
      "/api/v3/myTrades",
      "signed",
      (p) => myTradesWeight(p),
      (a, p) => json(v.myTrades(must(a), p)),
    ),
    route(
      "GET",
      "/api/v3/account/commission",
      "signed",
      () => 20,
      (a, p) => json(v.commission(must(a), p)),
    ),
  ];
}

/** The listenKey lifecycle (§A.9): API key only, no signature. */
function userDataStreamRoutes(userData: UserData): RouteEntry[] {
  return [
    route(
      "POST",
      "/api/v3/userDataStream",
      "key",
      () => 2,
      (a) => json({ listenKey: userData.create(must(a).accountId) }),
    ),
    route(
      "PUT",
      "/api/v3/userDataStream",
      "key",
      () => 2,
      (a, p) => {
        userData.keepAlive(must(a).accountId, p.get("listenKey"));
        return json({});
      },
    ),
    route(
      "DELETE",
      "/api/v3/userDataStream",
      "key",
      () => 2,
      (a, p) => {
        userData.close(must(a).accountId, p.get("listenKey"));
        return json({});
      },
    ),
  ];
}

/** The REST surface of one simulator: the route tables plus the checks every request goes through. */
export class RestApi {
  private readonly routes: ReadonlyMap<string, Route>;

  constructor(
    private readonly venue: BinanceVenue,
    readonly userData: UserData,
  ) {
    this.routes = new Map([...marketDataRoutes(venue), ...orderRoutes(venue), ...userDataStreamRoutes(userData)]);
  }

  /** Answers one request; never throws. */
  handle(req: RestRequest): RestResponse {
    const v = this.venue;
    v.counters.restRequests++;
    const headers: Record<string, string> = { "Content-Type": "application/json;charset=UTF-8" };
    const route = this.routes.get(`${req.method} ${req.path}`);
    if (route === undefined) {
      v.counters.unknownPath++;
      const known = [...this.routes.keys()].some((k) => k.endsWith(` ${req.path}`));
      return {
        status: known ? 405 : 404,
        headers,
        body: JSON.stringify(
          known ? { code: -1020, msg: "This operation is not supported." } : { code: -1000, msg: "Not found." },
        ),
        orderEntry: false,
      };
    }
    let acct: SimAccount | undefined;
    try {
      const p = new RestParams(req.rawQuery, req.rawBody);
      let weight = 1;
      try {
        weight = route.weight(p);
      } catch {
        weight = 1;
      }
      const used = v.limiter.chargeWeight(req.ip, weight);
      headers["X-MBX-USED-WEIGHT-1M"] = String(used);
      if (route.security !== "none") acct = v.account(req.apiKey);
      if (route.security === "signed" && acct !== undefined) {
        v.checkTimestamp(p);
        const s = restSignedPayload(req.rawQuery, req.rawBody);
        if (s.duplicate) throw Err.duplicateParam("signature");
        v.checkSignature(acct, s.payload, s.signature);
      }
      const out = route.run(acct, p, req);
      if (route.orders === true && acct !== undefined) this.orderHeaders(headers, acct);
      if (out.failStatus !== undefined && out.failStatus !== 0) {
        const e = Err.internal(out.failStatus);
        return { status: e.http, headers, body: JSON.stringify(e.body()), orderEntry: true };
      }
      return { status: 200, headers, body: out.body, orderEntry: route.orders === true };
    } catch (e) {
      const err = e instanceof BinanceError ? e : Err.unknown();
      if (!(e instanceof BinanceError)) v.counters.internalErrors++;
      if (err.code === -1102 || err.code === -1100 || err.code === -1101) v.counters.badParams++;
      if (headers["X-MBX-USED-WEIGHT-1M"] === undefined)
        headers["X-MBX-USED-WEIGHT-1M"] = String(v.limiter.usedWeight(req.ip));
      if (isRateLimit(err)) {
        v.counters.rateLimited++;
        const wait = Math.max(1, Math.ceil(((err.retryAfterMs ?? 0) - v.serverTime()) / 1000));
        headers["Retry-After"] = String(wait);
      }
      if (route.orders === true && acct !== undefined) this.orderHeaders(headers, acct);
      return { status: err.http, headers, body: JSON.stringify(err.body()), orderEntry: route.orders === true };
    }
  }

  private orderHeaders(headers: Record<string, string>, acct: SimAccount): void {
    const [c10, cDay] = this.venue.limiter.orderCounts(acct.accountId);
    headers["X-MBX-ORDER-COUNT-10S"] = String(c10);
    headers["X-MBX-ORDER-COUNT-1D"] = String(cDay);
  }
}
