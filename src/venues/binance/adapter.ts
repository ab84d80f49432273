/**
 * The Binance Spot VenueAdapter: wires market data (C books synced per §A.3), order entry over the
 * WebSocket API with REST as fallback, the user-data stream, server-time tracking, rate-limit
 * budget and reconciliation after reconnects, behind the venue-neutral contract in ../types.ts.
 */

import type { OrderBook } from "../../book/index.ts";
import { type Resolution, resolveUnknownOutcome, VenueBudget } from "../../gateways/index.ts";
import { LatencySamples } from "../../metrics/index.ts";
import type { TimerId } from "../../services/index.ts";
import {
  addFeeRates,
  type Balance,
  type BookHealth,
  type FeeRates,
  type InstrumentInfo,
  isOwnClientId,
  isValidClientId,
  maxFeeRate,
  type OpenOrder,
  type OrderRequest,
  type TradeQuery,
  type UnknownOutcomeResult,
  unknownOutcomeResultOf,
  type VenueEvent,
  type VenueListener,
  VenueRejectError,
  type VenueTrade,
} from "../../types/index.ts";
import type { CancelReplies, OrderReplies, VenueAdapter } from "../contract.ts";
import type { OffPath } from "./budget-feed.ts";
import { type BinanceConfig, type ResolvedBinanceConfig, resolveBinanceConfig } from "./config.ts";
import { UnknownOutcomeError } from "./errors.ts";
import { parseInstruments } from "./instruments.ts";
import { BinanceListenKeyStream } from "./listen-key.ts";
import { BinanceMarketData, sleep } from "./market-data.ts";
import { FillLedger, openOrderOf, orderUpdateOf } from "./orders.ts";
import { BinanceRest, ServerTime } from "./rest.ts";
import { orderCancelJson, orderPlaceJson, type Signer, type WsApiAuth } from "./signing.ts";
import { BinanceTradeHistory, HISTORY_MAX_WAIT_MS } from "./trades.ts";
import { BinanceWsApi, type ReplyHandler, type RequestEncoder, type Settle, type WsApiHooks } from "./ws-api.ts";

type Obj = Record<string, unknown>;
type Params = Record<string, string | number>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Binance's names of the engine's order types and sides (index = Side). */
const SIDE_NAMES = ["BUY", "SELL"] as const;
function typeName(t: OrderRequest["type"]): string {
  return t === "limit" ? "LIMIT" : t === "limit_maker" ? "LIMIT_MAKER" : "MARKET";
}

/** What an order.cancel request carries (the order path's cancel, before the reply). */
interface CancelTarget {
  readonly symbol: string;
  readonly clientId: string;
}

/**
 * The last decimal text made for a few recent values of one grid: an order's size is usually the
 * same on every order and its price one of a few, so the order path reuses their strings instead of
 * formatting them again. Direct-mapped, 64 slots.
 */
class DecimalTexts {
  private readonly values = new Float64Array(64).fill(-1);
  private readonly texts: string[] = new Array(64).fill("");
  constructor(private readonly grid: InstrumentInfo["price"]) {}
  text(n: number): string {
    const slot = n & 63;
    if (this.values[slot] === n) return this.texts[slot] as string;
    const t = this.grid.format(n);
    this.values[slot] = n;
    this.texts[slot] = t;
    return t;
  }
}

/**
 * The rate an order pays from Binance's commission answer: the standard, tax and special commissions
 * add up, and a buyer or seller commission applies to one side only, so the larger of the two is
 * added (the edge check must not underestimate; absent, they count as 0). Throws naming the field
 * when one is malformed.
 */
export function commissionRates(body: unknown, what: string): { maker: string; taker: string } {
  const parts = ["standardCommission", "taxCommission", "specialCommission"];
  const rate = (part: Obj, key: string, path: string, absent?: string): string => {
    const v = part[key] ?? absent;
    if (typeof v !== "string") throw new Error(`${what}: commission ${path}.${key} missing or not a string`);
    return v;
  };
  const sums = { maker: [] as string[], taker: [] as string[] };
  if (!isObj(body) || !isObj(body["standardCommission"])) {
    throw new Error(`${what}: commission answer has no standardCommission`);
  }
  for (const name of parts) {
    const part = body[name];
    if (part === undefined) continue;
    if (!isObj(part)) throw new Error(`${what}: commission ${name} is not an object`);
    const side = maxFeeRate(rate(part, "buyer", name, "0"), rate(part, "seller", name, "0"));
    sums.maker.push(rate(part, "maker", name), side);
    sums.taker.push(rate(part, "taker", name), side);
  }
  return { maker: addFeeRates(...sums.maker), taker: addFeeRates(...sums.taker) };
}

/** Binance Spot behind the VenueAdapter contract. */
export class BinanceAdapter implements VenueAdapter {
  readonly kind = "binance";
  readonly name: string;
  readonly cfg: ResolvedBinanceConfig;
  private readonly budget: VenueBudget;
  private readonly rest: BinanceRest;
  private readonly ws: BinanceWsApi;
  private readonly md: BinanceMarketData;
  /** User data over a listenKey stream when orders go over REST. */
  private readonly userStream: BinanceListenKeyStream | undefined;
  private readonly ledger = new FillLedger();
  private readonly listeners: VenueListener[] = [];
  private readonly byVenueSymbol = new Map<string, InstrumentInfo>();
  private instrumentMap = new Map<string, InstrumentInfo>();
  private timeSyncTimer: TimerId | undefined;
  private connected = false;
  private bansReported = 0;
  private closed = false;
  /** Aborted by close(): a connect() waiting for the next weight window ends at once. */
  private readonly lifetime = new AbortController();
  /** Decimal texts of each instrument's price and quantity grids, for the order path. */
  private readonly texts = new Map<string, { price: DecimalTexts; qty: DecimalTexts }>();
  /** The order path's request encoders and reply handlers: made once, so a request allocates none. */
  private readonly placeEncoder: RequestEncoder<OrderRequest> = (id, o, auth, sign) =>
    this.placeJson(id, o, auth, sign);
  private readonly cancelEncoder: RequestEncoder<CancelTarget> = (id, c, auth, sign) =>
    orderCancelJson(id, this.instrument(c.symbol).venueSymbol, c.clientId, auth ?? this.noAuth, sign);
  private readonly placeReplies: ReplyHandler<OrderRequest> = {
    replied: (o, result, settle) => this.placeReplied(o, result, settle),
    failed: (o, e, settle) => this.placeFailed(o, e, settle),
  };
  private readonly cancelReplies: ReplyHandler<CancelTarget> = {
    replied: (_c, _result, settle) => settle.resolve(undefined),
    failed: (c, e, settle) => {
      this.noteBan(e);
      this.cancelUnknown(c, e).then(
        (v) => settle.resolve(v),
        (err: Error) => settle.reject(err),
      );
    },
  };
  private readonly noAuth = { recvWindow: 0, timestamp: 0 };
  /** The reconciliation running now, and whether another was asked for meanwhile. */
  private reconciling: Promise<void> | undefined;
  private reconcileAgain = false;
  readonly counters = {
    badUserEvents: 0,
    unknownOutcomesResolved: 0,
    reconciledUpdates: 0,
    reconciliations: 0,
    listenerErrors: 0,
    tradeHistoryPages: 0,
    badTradeRows: 0,
    recoveredFills: 0,
    reconcileErrors: 0,
  };
  private readonly history: BinanceTradeHistory;
  /** A retry of an incomplete reconciliation, and its current delay. */
  private reconcileTimer: TimerId | undefined;
  private reconcileRetryMs = 0;

  constructor(config: BinanceConfig) {
    this.cfg = resolveBinanceConfig(config);
    this.name = this.cfg.name;
    const clock = this.cfg.clock;
    const time = new ServerTime(() => clock.nowMs());
    // Venue windows are fixed on the venue's clock, so the budget runs on server time.
    this.budget = new VenueBudget(() => time.now(), this.cfg.rateLimitHeadroom);
    const nap = (ms: number): Promise<void> => sleep(this.cfg, ms);
    this.rest = new BinanceRest(this.cfg, this.budget, time, nap);
    const hooks = (stream: "orders" | "user"): WsApiHooks => ({
      onUserEvent: (e, recvNs) => this.onUserEvent(e, recvNs),
      onReady: (reconnect) => {
        if (reconnect) this.requestReconcile();
      },
      onBadFrame: () => this.requestReconcile(),
      onState: (state, reason) => this.emit({ type: "connection", venue: this.name, stream, state, reason }),
    });
    this.ws = new BinanceWsApi(this.cfg, this.budget, time, hooks("orders"), nap);
    this.ws.timeSync = () => this.rest.syncTime();
    this.userStream =
      this.cfg.orderEntry === "rest" && this.cfg.marketDataOnly !== true
        ? new BinanceListenKeyStream(this.cfg, this.rest, hooks("user"))
        : undefined;
    this.md = new BinanceMarketData(this.cfg, this.rest, (e) => this.emit(e));
    this.history = new BinanceTradeHistory(
      this.name,
      this.rest,
      this.cfg.tradeHistoryPageSize,
      this.counters,
      HISTORY_MAX_WAIT_MS,
      this.lifetime.signal,
    );
    this.ws.onWrite = (method) => this.onWrite(method);
  }

  /**
   * Internal tick-to-wire, measured where both ends are known: from the arrival of the market-data
   * frame being handled to the moment a request it caused was written to the order socket
   * (ws.send returned). `firstWrite` is the frame's first order-entry message of any kind (new or
   * cancel: the first wire reaction), `firstNew` its first new order. Nanoseconds.
   */
  readonly tickToWire = { firstWrite: new LatencySamples(), firstNew: new LatencySamples() };
  private lastWriteFrameNs = 0;
  private lastNewFrameNs = 0;

  private onWrite(method: string): void {
    const frame = this.md.currentFrameNs();
    if (frame === 0) return; // not caused by a market-data frame (acks, timers, start-up)
    const now = this.cfg.clock.monoNs();
    if (frame !== this.lastWriteFrameNs) {
      this.lastWriteFrameNs = frame;
      this.tickToWire.firstWrite.record(now - frame);
    }
    if (method === "order.place" && frame !== this.lastNewFrameNs) {
      this.lastNewFrameNs = frame;
      this.tickToWire.firstNew.record(now - frame);
    }
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    // off the order path: a budget the venue reports spent makes connect wait for the next window
    await this.rest.syncTime(this.connectStep("GET /api/v3/time"));
    const info = await this.rest.exchangeInfo(this.connectStep("GET /api/v3/exchangeInfo"));
    this.instrumentMap = parseInstruments(this.name, info, this.cfg.symbols);
    for (const i of this.instrumentMap.values()) this.byVenueSymbol.set(i.venueSymbol, i);
    this.timeSyncTimer = this.cfg.clock.setRepeating(this.cfg.timeouts.timeSyncMs, () => {
      this.rest.syncTime().catch(() => {});
    });
    if (this.cfg.marketDataOnly !== true) {
      if (this.cfg.orderEntry === "wsapi") {
        await this.ws.connect();
      } else {
        const offPath = this.connectStep("GET /api/v3/account");
        await this.rest
          .call("GET", "/api/v3/account", {}, { signed: true, weight: 20, offPath })
          .catch((e: unknown) => {
            if (e instanceof VenueRejectError && e.reason === "auth")
              throw new Error(`binance venue "${this.name}": API key or secret rejected (${e.message})`);
            throw e;
          });
        await this.userStream?.connect();
      }
    }
    this.connected = true;
  }

  /** A connect-time call: it waits for budget up to a whole weight window, or until close(). */
  private connectStep(what: string): OffPath {
    return { signal: this.lifetime.signal, what: `connect: ${what}` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.abort();
    if (this.timeSyncTimer !== undefined) this.cfg.clock.clearTimer(this.timeSyncTimer);
    if (this.reconcileTimer !== undefined) this.cfg.clock.clearTimer(this.reconcileTimer);
    this.md.close();
    await this.ws.close();
    await this.userStream?.close();
  }

  instruments(): ReadonlyMap<string, InstrumentInfo> {
    return this.instrumentMap;
  }

  async subscribeQuotes(symbols: readonly string[]): Promise<void> {
    const infos = symbols.map((s) => this.instrument(s));
    await this.md.subscribe(infos);
  }

  book(symbol: string): OrderBook | undefined {
    return this.md.book(symbol);
  }

  bookHealth(symbol: string): BookHealth | undefined {
    return this.md.health(symbol);
  }

  /** Market-data, REST, WS API and order counters (bad frames, resyncs, throttles...). */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    const add = (prefix: string, o: object): void => {
      for (const [k, v] of Object.entries(o)) if (typeof v === "number") out[`${prefix}${k}`] = v;
    };
    add("md_", this.md.counters);
    add("rest_", this.rest.counters);
    add("wsapi_", this.ws.counters);
    if (this.userStream !== undefined) add("listenkey_", this.userStream.counters);
    add("", this.counters);
    out["budget_throttled"] = this.budget.throttled;
    // calls off the order path (connect, resync, user data) that waited for a weight window, once each
    out["budget_offPathWaits"] = this.rest.counters.offPathWaits + this.ws.counters.offPathWaits;
    out["budget_bans"] = this.budget.bans;
    out["fills_duplicates_dropped"] = this.ledger.duplicatesDropped;
    // each refused frame once, by reason (what hft_venue_messages_malformed_total adds up): md_badLevels
    // is a subset of md_badFrames, so the market-data frames are split, not summed
    const md = this.md.counters;
    out["malformed:market_levels"] = md.badLevels;
    out["malformed:market_frame"] = md.badFrames - md.badLevels;
    out["malformed:order_socket_frame"] = this.ws.counters.badFrames;
    out["malformed:user_stream_frame"] = this.userStream?.counters.badFrames ?? 0;
    out["malformed:user_event"] = this.counters.badUserEvents;
    out["malformed:trade_history_row"] = this.counters.badTradeRows;
    return out;
  }

  /** The market-data component (tests and benches drive frames and rotations through it). */
  marketData(): BinanceMarketData {
    return this.md;
  }

  /**
   * Places an order. The order path: checks, then (WS API open, budget free) the request is encoded
   * straight from the order and written before this returns, with one promise for its answer, which
   * the reply handler settles (no async steps, no params object). Otherwise the slower path: waits
   * for the budget, or goes over REST.
   */
  submitOrder(order: OrderRequest): Promise<string> {
    let info: InstrumentInfo;
    try {
      info = this.checkOrder(order);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.cfg.orderEntry === "wsapi") {
      const p = this.ws.sendNow("order.place", this.placeEncoder, order, 1, true, this.placeReplies);
      if (p !== undefined) return p as Promise<string>;
    }
    return this.submitSlow(order, info);
  }

  /**
   * submitOrder without a promise (VenueAdapter.placeOrder): on the WS API with budget free, the
   * request is written before this returns and its answer reaches `replies` from the reply handler;
   * a refusal before sending is answered in a microtask; the slower paths answer from their promise.
   */
  placeOrder(order: OrderRequest, replies: OrderReplies): void {
    let info: InstrumentInfo;
    try {
      info = this.checkOrder(order);
      if (
        this.cfg.orderEntry === "wsapi" &&
        this.ws.sendNowTo("order.place", this.placeEncoder, order, 1, true, this.placeReplies, replies)
      )
        return;
    } catch (e) {
      queueMicrotask(() => replies.failed(order, e));
      return;
    }
    this.submitSlow(order, info).then(
      (id) => replies.accepted(order, id),
      (e: unknown) => replies.failed(order, e),
    );
  }

  /** What submitOrder refuses before anything is sent; the instrument when the order may go. */
  private checkOrder(order: OrderRequest): InstrumentInfo {
    this.requireTrading();
    const info = this.instrument(order.symbol);
    if (!isValidClientId(order.clientId) || !isOwnClientId(order.clientId, this.cfg.clientIdPrefix)) {
      throw new VenueRejectError(
        "invalid_request",
        "client_id",
        `${this.name}: client id ${JSON.stringify(order.clientId)} must be "${this.cfg.clientIdPrefix}-…", ≤36 of [A-Za-z0-9_-]`,
      );
    }
    if (!(Number.isSafeInteger(order.lots) && order.lots > 0))
      throw new VenueRejectError("filter", "lots", `${this.name}: lots must be a positive integer`);
    if (order.type !== "market" && !(Number.isSafeInteger(order.priceTicks) && order.priceTicks > 0))
      throw new VenueRejectError("filter", "price", `${this.name}: priceTicks must be a positive integer`);
    return info;
  }

  /** The order path's order.place JSON, straight from the order (signing.ts orderPlaceJson). */
  private placeJson(id: string, o: OrderRequest, auth: WsApiAuth | undefined, sign: Signer | undefined): string {
    const info = this.instrument(o.symbol);
    const t = this.textsOf(info);
    return orderPlaceJson(
      id,
      info.venueSymbol,
      SIDE_NAMES[o.side],
      typeName(o.type),
      o.type === "limit" ? o.tif : undefined,
      t.qty.text(o.lots),
      o.type === "market" ? undefined : t.price.text(o.priceTicks),
      o.clientId,
      auth ?? this.noAuth,
      sign,
    );
  }

  private textsOf(info: InstrumentInfo): { price: DecimalTexts; qty: DecimalTexts } {
    let t = this.texts.get(info.symbol);
    if (t === undefined) {
      t = { price: new DecimalTexts(info.price), qty: new DecimalTexts(info.qty) };
      this.texts.set(info.symbol, t);
    }
    return t;
  }

  /** An order.place answer: the order is the venue's now; the ledger learns it before anyone else. */
  private placeReplied(order: OrderRequest, result: unknown, settle: Settle): void {
    const id = isObj(result) ? result["orderId"] : undefined;
    if (typeof id !== "number" && typeof id !== "string") {
      settle.reject(new Error(`${this.name}: order.place gave no orderId`));
      return;
    }
    const venueOrderId = String(id);
    this.ledger.placed(order.clientId, order.symbol, order.side, order.priceTicks, order.lots, venueOrderId);
    settle.resolve(venueOrderId);
  }

  /** An order.place that failed: a duplicate resolves to the order the venue holds, an unknown outcome by querying. */
  private placeFailed(order: OrderRequest, e: Error, settle: Settle): void {
    this.noteBan(e);
    if (e instanceof VenueRejectError && e.reason === "duplicate_client_id") {
      this.existingOrder(order, e).then(
        (id) => settle.resolve(id),
        (err: Error) => settle.reject(err),
      );
    } else if (e instanceof UnknownOutcomeError) {
      this.resolvePlacement(order, this.instrument(order.symbol), e).then(
        (id) => settle.resolve(id),
        (err: Error) => settle.reject(err),
      );
    } else {
      settle.reject(e);
    }
  }

  /** The slower path of submitOrder: a budget wait, or REST. */
  private async submitSlow(order: OrderRequest, info: InstrumentInfo): Promise<string> {
    const params = this.placeParams(order, info);
    let result: unknown;
    try {
      result = await this.send(
        "order.place",
        "POST",
        "/api/v3/order",
        params,
        1,
        true,
        () => order.cancelWanted === true,
      );
    } catch (e) {
      if (e instanceof VenueRejectError && e.reason === "duplicate_client_id") return this.existingOrder(order, e);
      if (!(e instanceof UnknownOutcomeError)) throw e;
      return this.resolvePlacement(order, info, e);
    }
    const id = isObj(result) ? result["orderId"] : undefined;
    if (typeof id !== "number" && typeof id !== "string") throw new Error(`${this.name}: order.place gave no orderId`);
    this.ledger.placed(order.clientId, order.symbol, order.side, order.priceTicks, order.lots, String(id));
    return String(id);
  }

  /**
   * Keep-warm (VenueAdapter.rehearse): decodes the last depth frame into a scratch book, and encodes
   * `sample` as order.place exactly as submitOrder would, without writing it anywhere.
   */
  rehearse(sample?: OrderRequest): void {
    try {
      this.md.rehearse();
      if (sample === undefined || this.cfg.orderEntry !== "wsapi" || !this.ws.isOpen()) return;
      this.checkOrder(sample);
      this.ws.rehearse(this.placeEncoder, sample);
    } catch {
      // a rehearsal must never disturb trading; a bad sample is simply not rehearsed
    }
  }

  /** order.place / POST order parameters of an order (the venue's decimal strings, in its order). */
  private placeParams(order: OrderRequest, info: InstrumentInfo): Params {
    const params: Params = {
      symbol: info.venueSymbol,
      side: SIDE_NAMES[order.side],
      type: typeName(order.type),
    };
    if (order.type === "limit") params["timeInForce"] = order.tif;
    params["quantity"] = info.qty.format(order.lots);
    if (order.type !== "market") params["price"] = info.price.format(order.priceTicks);
    params["newClientOrderId"] = order.clientId;
    params["newOrderRespType"] = "ACK";
    return params;
  }

  /**
   * A retried submission whose client id the venue already holds: the first attempt placed it, so the
   * retry resolves to that order (idempotent submit) instead of failing.
   */
  private async existingOrder(order: OrderRequest, cause: VenueRejectError): Promise<string> {
    const o = await this.orderStatus(order.symbol, order.clientId);
    if (o === undefined || o.side !== order.side) throw cause;
    this.ledger.placed(order.clientId, order.symbol, o.side, o.priceTicks, o.origLots, o.venueOrderId);
    return o.venueOrderId;
  }

  /**
   * Timeout/5xx/lost socket after sending: ask the venue about the client id, never resend. How it
   * turned out goes on the event stream (the engine counts and logs it).
   */
  private async resolvePlacement(order: OrderRequest, info: InstrumentInfo, cause: Error): Promise<string> {
    let r: Resolution<OpenOrder>;
    try {
      r = await resolveUnknownOutcome<OpenOrder>(
        async () => {
          const o = await this.orderStatus(order.symbol, order.clientId);
          return o === undefined ? { found: false as const } : { found: true as const, value: o };
        },
        (ms) => sleep(this.cfg, ms),
        5,
        Math.min(500, this.cfg.timeouts.requestMs / 4),
      );
    } catch (e) {
      this.reportOutcome(order, "unanswered", `${cause.message}; no status query answered (${(e as Error).message})`);
      throw e;
    }
    this.counters.unknownOutcomesResolved++;
    if (!r.placed) {
      this.reportOutcome(order, "not_found", `${cause.message}; ${r.attempts} status queries found no order`);
      throw new VenueRejectError(
        "unknown",
        "unknown_outcome",
        `${this.name}: ${cause.message}; the venue has no order ${order.clientId} (${r.attempts} queries), so it was not placed`,
      );
    }
    const o = r.value;
    this.reportOutcome(
      order,
      unknownOutcomeResultOf(o.status),
      `${cause.message}; the status query found it ${o.status}`,
    );
    this.ledger.placed(order.clientId, info.symbol, o.side, o.priceTicks, o.origLots, o.venueOrderId);
    return o.venueOrderId;
  }

  private reportOutcome(order: OrderRequest, result: UnknownOutcomeResult, detail: string): void {
    this.emit({
      type: "unknown_outcome",
      venue: this.name,
      symbol: order.symbol,
      clientId: order.clientId,
      result,
      detail,
    });
  }

  /** Cancels by client id; on the order path written synchronously like submitOrder. */
  cancelOrder(symbol: string, clientId: string): Promise<void> {
    try {
      this.requireTrading();
      this.instrument(symbol);
    } catch (e) {
      return Promise.reject(e);
    }
    const target: CancelTarget = { symbol, clientId };
    if (this.cfg.orderEntry === "wsapi") {
      const p = this.ws.sendNow("order.cancel", this.cancelEncoder, target, 1, false, this.cancelReplies);
      if (p !== undefined) return p as Promise<void>;
    }
    return this.cancelSlow(target);
  }

  /**
   * cancelOrder without a promise (VenueAdapter.requestCancel): on the WS API with budget free, the
   * cancel is written before this returns (the order is its own target: no target object) and its
   * answer reaches `replies` from the reply handler; a refusal before sending is answered in a
   * microtask; the slower paths answer from their promise.
   */
  requestCancel(order: OrderRequest, replies: CancelReplies): void {
    try {
      this.requireTrading();
      this.instrument(order.symbol);
      if (
        this.cfg.orderEntry === "wsapi" &&
        this.ws.sendCancelNowTo("order.cancel", this.cancelEncoder, order, 1, this.cancelReplies, replies)
      )
        return;
    } catch (e) {
      queueMicrotask(() => replies.cancelFailed(order, e));
      return;
    }
    this.cancelSlow(order).then(
      () => replies.cancelAccepted(order),
      (e: unknown) => replies.cancelFailed(order, e),
    );
  }

  /** The slower path of cancelOrder (budget wait or REST), then cancelUnknown on an unknown outcome. */
  private async cancelSlow(c: CancelTarget): Promise<void> {
    try {
      await this.send("order.cancel", "DELETE", "/api/v3/order", this.cancelParams(c), 1, false);
    } catch (e) {
      await this.cancelUnknown(c, e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** A cancel whose outcome is unknown: ask the venue; cancel again while the order is still open (safe to repeat). */
  private async cancelUnknown(c: CancelTarget, e: Error): Promise<void> {
    if (!(e instanceof UnknownOutcomeError)) throw e;
    const o = await this.orderStatus(c.symbol, c.clientId);
    if (o === undefined)
      throw new VenueRejectError("unknown_order", -2011, `${this.name}: unknown order ${c.clientId}`);
    if (o.status === "new" || o.status === "partially_filled") {
      await this.send("order.cancel", "DELETE", "/api/v3/order", this.cancelParams(c), 1, false);
    }
  }

  private cancelParams(c: CancelTarget): Params {
    return { symbol: this.instrument(c.symbol).venueSymbol, origClientOrderId: c.clientId };
  }

  async cancelAll(symbol: string): Promise<number> {
    this.requireTrading();
    const own = await this.openOrders(symbol, false);
    const results = await Promise.allSettled(own.map((o) => this.cancelOrder(symbol, o.clientId)));
    return results.filter((r) => r.status === "fulfilled").length;
  }

  async openOrders(symbol?: string, all = false): Promise<OpenOrder[]> {
    this.requireTrading();
    const params: Params = {};
    if (symbol !== undefined) params["symbol"] = this.instrument(symbol).venueSymbol;
    const weight = symbol === undefined ? 80 : 6;
    const body = await this.send("openOrders.status", "GET", "/api/v3/openOrders", params, weight, false);
    if (!Array.isArray(body)) throw new Error(`${this.name}: openOrders answer is not a list`);
    const out: OpenOrder[] = [];
    for (const o of body) {
      if (!isObj(o) || typeof o["symbol"] !== "string") continue;
      const info = this.byVenueSymbol.get(o["symbol"]);
      if (info === undefined) continue;
      const oo = openOrderOf(o, info);
      if (oo !== undefined && (all || isOwnClientId(oo.clientId, this.cfg.clientIdPrefix))) out.push(oo);
    }
    return out;
  }

  async orderStatus(symbol: string, clientId: string): Promise<OpenOrder | undefined> {
    this.requireTrading();
    const info = this.instrument(symbol);
    try {
      const body = await this.send(
        "order.status",
        "GET",
        "/api/v3/order",
        { symbol: info.venueSymbol, origClientOrderId: clientId },
        4,
        false,
      );
      return isObj(body) ? openOrderOf(body, info) : undefined;
    } catch (e) {
      if (e instanceof VenueRejectError && e.reason === "unknown_order") return undefined;
      throw e;
    }
  }

  async balances(): Promise<Balance[]> {
    this.requireTrading();
    // never on the order path: a spent minute makes it wait for the next window, not fail
    const offPath = { signal: this.lifetime.signal, what: "GET /api/v3/account (balances)" };
    const body = await this.rest.call("GET", "/api/v3/account", {}, { signed: true, weight: 20, offPath });
    const list = isObj(body) && Array.isArray(body["balances"]) ? body["balances"] : [];
    return list
      .filter(isObj)
      .filter((b) => typeof b["asset"] === "string" && typeof b["free"] === "string" && typeof b["locked"] === "string")
      .map((b) => ({ asset: b["asset"] as string, free: b["free"] as string, locked: b["locked"] as string }));
  }

  /**
   * The account's trades on a symbol from GET /api/v3/myTrades, oldest first, paged by fromId under the
   * weight budget (20 a page); rows carry the venue's price, fee and fee asset, and clientId "" (myTrades
   * does not report it). Bad rows are counted (stats badTradeRows) and skipped.
   */
  async tradeHistory(query: TradeQuery): Promise<VenueTrade[]> {
    this.requireTrading();
    return this.history.trades(this.instrument(query.symbol), query);
  }

  /** GET /api/v3/account/commission per symbol (weight 20 each): standard + tax + special commission. */
  async feeRates(symbols: readonly string[]): Promise<FeeRates[]> {
    this.requireTrading();
    const out: FeeRates[] = [];
    for (const symbol of symbols) {
      const info = this.instrument(symbol);
      const body = await this.rest.call(
        "GET",
        "/api/v3/account/commission",
        { symbol: info.venueSymbol },
        {
          signed: true,
          weight: 20,
          offPath: { signal: this.lifetime.signal, what: `GET /api/v3/account/commission ${symbol}` },
        },
      );
      out.push({ symbol, ...commissionRates(body, `binance ${this.name} ${symbol}`) });
    }
    return out;
  }

  onEvent(listener: VenueListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ---------------------------------------------------------------- internals

  /** Sends over the WS API when it is up, else over REST. */
  private async send(
    wsMethod: string,
    httpMethod: string,
    path: string,
    params: Params,
    weight: number,
    isOrder: boolean,
    abandoned?: () => boolean,
  ): Promise<unknown> {
    try {
      if (this.cfg.orderEntry === "wsapi" && this.ws.isOpen()) {
        return await this.ws.request(wsMethod, params, weight, true, isOrder, abandoned);
      }
      const opts = abandoned === undefined ? { weight, isOrder } : { weight, isOrder, abandoned };
      return await this.rest.call(httpMethod, path, params, { signed: true, ...opts });
    } catch (e) {
      this.noteBan(e);
      throw e;
    }
  }

  private noteBan(e: unknown): void {
    if (e instanceof VenueRejectError && e.reason === "banned") this.reportBan(e.message);
  }

  /** A 418 stops order entry: say so once per ban on the event stream (risk and ops must know). */
  private reportBan(why: string): void {
    if (this.budget.bans === this.bansReported) return;
    this.bansReported = this.budget.bans;
    this.emit({
      type: "connection",
      venue: this.name,
      stream: "orders",
      state: "disconnected",
      reason: `banned: ${why}`,
    });
  }

  private onUserEvent(e: Obj, recvNs: number): void {
    const type = e["e"];
    if (type === "executionReport") {
      const info = typeof e["s"] === "string" ? this.byVenueSymbol.get(e["s"]) : undefined;
      if (info === undefined) return; // a symbol this adapter does not trade
      const u = orderUpdateOf(this.name, e, info);
      if (u === undefined) {
        this.counters.badUserEvents++;
        this.requestReconcile(); // the report was an order's news (maybe a fill): ask the venue instead
        return;
      }
      if (this.ledger.accept(u)) this.emit({ type: "order", update: u, recvNs });
    } else if (type === "outboundAccountPosition") {
      const B = e["B"];
      if (!Array.isArray(B)) {
        this.counters.badUserEvents++;
        return;
      }
      const balances: Balance[] = B.filter(isObj)
        .filter((b) => typeof b["a"] === "string" && typeof b["f"] === "string" && typeof b["l"] === "string")
        .map((b) => ({ asset: b["a"] as string, free: b["f"] as string, locked: b["l"] as string }));
      this.emit({ type: "balances", venue: this.name, balances });
    }
  }

  /**
   * Reconciles soon: after a reconnect, or when a user-data frame was dropped as bad (the news it
   * carried, a fill say, is lost otherwise). Requests while one runs coalesce into one more pass.
   */
  private requestReconcile(): void {
    if (this.closed) return;
    if (this.reconciling !== undefined) {
      this.reconcileAgain = true;
      return;
    }
    this.reconciling = this.reconcile().finally(() => {
      this.reconciling = undefined;
      if (this.reconcileAgain) {
        this.reconcileAgain = false;
        this.requestReconcile();
      }
    });
  }

  /**
   * Query every order we believe open and apply what we missed, fills from the trade history with their
   * real trade id, price and fee (each once, by the ledger). An order the venue or its history cannot yet
   * account for is retried with backoff until it can, so a fill is neither lost nor guessed.
   */
  private async reconcile(): Promise<void> {
    this.counters.reconciliations++;
    let complete = true;
    for (const { clientId, symbol } of this.ledger.openOrders()) {
      if (this.closed) return;
      try {
        if (!(await this.reconcileOrder(symbol, clientId))) complete = false;
      } catch {
        this.counters.reconcileErrors++;
        complete = false;
      }
    }
    if (!complete) this.retryReconcile();
    else this.reconcileRetryMs = 0;
  }

  /** One order: its venue state, and its trades when some fill was missed; true when nothing is left. */
  private async reconcileOrder(symbol: string, clientId: string): Promise<boolean> {
    const o = await this.orderStatus(symbol, clientId);
    if (o === undefined) return true;
    const trades =
      this.ledger.missedLots(o) > 0 ? await this.history.orderTrades(this.instrument(symbol), o.venueOrderId) : [];
    const r = this.ledger.recover(this.name, o, trades, this.cfg.clock.nowMs());
    for (const u of r.updates) {
      this.counters.reconciledUpdates++;
      if (u.exec === "fill") this.counters.recoveredFills++;
      this.emit({ type: "order", update: u, recvNs: this.cfg.clock.monoNs() });
    }
    return r.complete;
  }

  /** Another reconciliation pass later: 1 s, doubling to 30 s, until one completes. */
  private retryReconcile(): void {
    if (this.closed || this.reconcileTimer !== undefined) return;
    this.reconcileRetryMs = Math.min(30_000, Math.max(1000, this.reconcileRetryMs * 2));
    this.reconcileTimer = this.cfg.clock.setTimer(this.reconcileRetryMs, () => {
      this.reconcileTimer = undefined;
      this.requestReconcile();
    });
  }

  private emit(e: VenueEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        this.counters.listenerErrors++;
      }
    }
  }

  private instrument(symbol: string): InstrumentInfo {
    const i = this.instrumentMap.get(symbol);
    if (i === undefined) {
      throw new VenueRejectError(
        "bad_symbol",
        "symbol",
        `${this.name}: ${symbol} is not configured (or connect() not called)`,
      );
    }
    return i;
  }

  private requireTrading(): void {
    if (this.cfg.marketDataOnly === true)
      throw new VenueRejectError("auth", "market_data_only", `${this.name}: configured for market data only`);
  }
}

/** Creates a Binance adapter; throws a clear error naming the venue when the config is wrong. */
export function createBinanceAdapter(config: BinanceConfig): BinanceAdapter {
  return new BinanceAdapter(config);
}
