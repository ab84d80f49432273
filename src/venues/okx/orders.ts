/**
 * OKX order entry: the private socket (login, `order` / `cancel-order` ops, the `orders` channel) with
 * signed REST as fallback and for queries; idempotent submits, a local placement budget, unknown
 * outcomes resolved by query (never resent), fill dedup, and fills missed during a reconnect recovered.
 */
import {
  Backoff,
  type Resolution,
  resolveUnknownOutcome,
  SlidingWindow,
  type StatusProbe,
  waitUnlessWithdrawn,
} from "../../gateways/index.ts";
import type { TimerId } from "../../services/index.ts";
import {
  type Balance,
  type InstrumentInfo,
  type Lots,
  type OpenOrder,
  type OrderRequest,
  type OrderStatus,
  type OrderUpdate,
  Side,
  type Ticks,
  type UnknownOutcomeResult,
  unknownOutcomeResultOf,
  VenueRejectError,
  type VenueTrade,
} from "../../types/index.ts";
import { type BatchableOp, OkxBatcher } from "./batcher.ts";
import { fromOkxClOrdId, isOwnOkxClOrdId, toOkxClOrdId } from "./client-id.ts";
import { CANCEL_SOURCE_POST_ONLY, OKX_UNKNOWN_OUTCOME_CODES, okxRejectReason } from "./errors.ts";
import type { OkxRest } from "./rest.ts";
import {
  type Conn,
  countBad,
  decimalField,
  isObj,
  newConn,
  type Obj,
  type OkxSession,
  pingIfIdle,
  prune,
  str,
  UnknownOutcome,
} from "./session.ts";
import { wsLoginFrame } from "./signing.ts";
import { negateDecimal, type OkxTradeHistory } from "./trades.ts";

interface Pending {
  resolve: (v: Obj) => void;
  reject: (e: Error) => void;
  timer: TimerId;
}

/** The checked numbers of one `orders` push, in lots and ticks of its instrument. */
interface PushNumbers {
  readonly lastLots: number;
  readonly cumLots: number;
  readonly origLots: number;
  readonly priceTicks: number;
  /** The fill's price (0 when the push reports no fill). */
  readonly fillTicks: number;
}

/** One login attempt on one private socket: what its message and close handlers settle. */
interface Login {
  readonly conn: Conn;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly timer: TimerId;
  loggedIn: boolean;
}

type Exec = OrderUpdate["exec"];

/** The order-entry half of one OKX adapter: everything an order's life needs, apart from market data. */
export class OkxOrders {
  private priv: Conn | undefined;
  private privReady: Promise<void> | undefined;
  private readonly privBackoff: Backoff;
  private privWasUp = false;
  /** The fill recovery running now, and whether another was asked for meanwhile. */
  private recovering: Promise<void> | undefined;
  private recoverAgain = false;
  private reqSeq = 0;
  private readonly pending = new Map<string, Pending>();
  /** clOrdId → engine client id, for our own orders. */
  private readonly clientIds = new Map<string, string>();
  /** Submissions in flight or done, by client id: a retry returns the same promise. */
  private readonly submits = new Map<string, Promise<string>>();
  private readonly seenTrades = new Set<string>();
  /** Per ordId: the highest accFillSz reported, and the sum of the fills applied (lower while one is missed). */
  private readonly cumByOrder = new Map<string, number>();
  private readonly appliedByOrder = new Map<string, number>();
  /** A retry of an incomplete recovery, and its current delay. */
  private recoverTimer: TimerId | undefined;
  private recoverRetryMs = 0;
  private readonly orderWindows = new Map<string, SlidingWindow>();
  /** Our orders believed open, by clOrdId, with the fills already reported (recovery after a disconnect). */
  private readonly tracked = new Map<string, { symbol: string; cum: number }>();
  /** post_only submits awaiting their first `orders` push (OKX accepts, then cancels a crossing one). */
  private readonly postOnly = new Map<string, { first: Obj | undefined; wake: (() => void) | undefined }>();

  /** Coalesces one turn's placements and cancels into batch ops (only with batchOrderEntry). */
  private readonly batcher = new OkxBatcher((op, args, batch) => this.sendEntry(op, args, batch));

  constructor(
    private readonly s: OkxSession,
    private readonly rest: OkxRest,
    private readonly history: OkxTradeHistory,
  ) {
    this.privBackoff = new Backoff(s.cfg.rng, s.cfg.backoff);
  }

  /** Batch-request figures: requests sent, those with more than one order, orders carried. */
  batchStats(): Readonly<{ requests: number; batches: number; items: number }> {
    return this.batcher.stats;
  }

  private get name(): string {
    return this.s.name;
  }

  private get hasKeys(): boolean {
    return this.s.cfg.apiKey.length > 0;
  }

  /** Order entry over the socket when configured and logged in; REST otherwise (fallback). */
  private useWs(): boolean {
    return this.s.cfg.orderEntry === "ws" && this.hasKeys && this.priv?.open === true;
  }

  /** The engine client id behind a clOrdId: ours from memory, anyone's from the reversible encoding. */
  private engineId(clOrdId: string): string {
    return this.clientIds.get(clOrdId) ?? fromOkxClOrdId(clOrdId) ?? clOrdId;
  }

  private bad(why: string): void {
    countBad(this.s.counters, why);
  }

  /**
   * Counts an unreadable private frame and asks the venue what it said: it may have been a fill, which
   * the orders channel will not send again.
   */
  private badPush(why: string): void {
    this.bad(why);
    this.requestRecovery();
  }

  private count(key: string): void {
    this.s.counters[key] = (this.s.counters[key] ?? 0) + 1;
  }

  /** Idle ping of the private socket (the adapter's watchdog calls it). */
  checkIdle(now: number): void {
    pingIfIdle(this.priv, now, this.s);
  }

  /** Keep-warm: encodes `sample` as the socket's `order` op exactly as a submit would, sending nothing. */
  rehearse(sample: OrderRequest | undefined): void {
    if (sample === undefined || !this.useWs() || this.priv?.open !== true) return;
    const info = this.s.instr.get(sample.symbol);
    if (info === undefined || !Number.isSafeInteger(sample.lots) || sample.lots <= 0) return;
    JSON.stringify({ id: "warm", op: "order", args: [this.orderArgs(sample, info, toOkxClOrdId(sample.clientId))] });
  }

  /** Closes the private socket; requests still waiting end as unknown outcomes. */
  close(): void {
    if (this.recoverTimer !== undefined) this.s.cfg.clock.clearTimer(this.recoverTimer);
    this.recoverTimer = undefined;
    this.priv?.ws.close();
    this.priv = undefined;
    this.privReady = undefined;
    this.failPending(`okx ${this.name}: closed`);
  }

  private failPending(why: string): void {
    for (const [id, p] of this.pending) {
      this.s.cfg.clock.clearTimer(p.timer);
      this.pending.delete(id);
      p.reject(new UnknownOutcome(why));
    }
  }

  // ---------------------------------------------------------------- private socket

  /** The logged-in private socket, opened (once, shared by concurrent callers) when there is none. */
  ensurePrivate(): Promise<void> {
    if (this.privReady !== undefined) return this.privReady;
    const p = this.openPrivate();
    this.privReady = p;
    p.catch(() => {
      if (this.privReady === p) this.privReady = undefined;
    });
    return p;
  }

  private openPrivate(): Promise<void> {
    const cfg = this.s.cfg;
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(cfg.wsPrivateUrl);
      const conn: Conn = newConn(ws, cfg.clock.nowMs());
      this.priv = conn;
      const login: Login = {
        conn,
        resolve,
        reject,
        loggedIn: false,
        timer: cfg.clock.setTimer(cfg.requestMs, () => {
          if (!login.loggedIn) {
            reject(new Error(`okx ${this.name}: private login timed out`));
            ws.close();
          }
        }),
      };
      ws.onopen = () => {
        conn.open = true;
        ws.send(wsLoginFrame(cfg.apiKey, cfg.passphrase, cfg.secret, cfg.clock.nowMs()));
      };
      ws.onmessage = (ev) => this.onPrivateMessage(login, typeof ev.data === "string" ? ev.data : String(ev.data));
      ws.onclose = () => this.onPrivateClosed(login);
    });
  }

  private onPrivateMessage(login: Login, text: string): void {
    login.conn.probe.onFrame(this.s.cfg.clock.nowMs());
    if (text === "pong") return;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.badPush("json");
      return;
    }
    if (!isObj(msg)) {
      this.badPush("not_object");
      return;
    }
    if (!login.loggedIn && (msg["event"] === "login" || msg["event"] === "error")) {
      this.onLoginReply(login, msg);
      return;
    }
    this.onPrivate(msg);
  }

  /** Login answered: subscribe `orders` (and recover fills after a reconnect), or refuse with OKX's reason. */
  private onLoginReply(login: Login, msg: Obj): void {
    const ws = login.conn.ws;
    this.s.cfg.clock.clearTimer(login.timer);
    if (msg["event"] === "login" && str(msg, "code") === "0") {
      login.loggedIn = true;
      this.privBackoff.reset();
      if (this.privWasUp) this.requestRecovery();
      this.privWasUp = true;
      ws.send(JSON.stringify({ op: "subscribe", args: [{ channel: "orders", instType: "SPOT" }] }));
      this.s.emit({ type: "connection", venue: this.name, stream: "orders", state: "connected", reason: "" });
      login.resolve();
      return;
    }
    const code = str(msg, "code");
    login.reject(
      new VenueRejectError(
        okxRejectReason(code, str(msg, "msg")),
        code,
        `okx ${this.name}: login refused: ${str(msg, "msg")} (${code})`,
      ),
    );
    ws.close();
  }

  /** The private socket closed: waiting requests end as unknown outcomes; a logged-in one reconnects. */
  private onPrivateClosed(login: Login): void {
    const clock = this.s.cfg.clock;
    clock.clearTimer(login.timer);
    if (!login.loggedIn) login.reject(new Error(`okx ${this.name}: private socket closed before login`));
    if (this.priv !== login.conn) return;
    this.priv = undefined;
    this.privReady = undefined;
    this.failPending("private socket lost");
    if (this.s.closed || !login.loggedIn) return;
    this.s.emit({ type: "connection", venue: this.name, stream: "orders", state: "reconnecting", reason: "closed" });
    clock.setTimer(this.privBackoff.next(), () => {
      if (!this.s.closed) this.ensurePrivate().catch(() => undefined);
    });
  }

  private onPrivate(msg: Obj): void {
    const id = msg["id"];
    if (typeof id === "string" && typeof msg["op"] === "string") {
      const p = this.pending.get(id);
      if (p !== undefined) {
        this.pending.delete(id);
        this.s.cfg.clock.clearTimer(p.timer);
        p.resolve(msg);
      }
      return;
    }
    const arg = msg["arg"];
    const data = msg["data"];
    if (isObj(arg) && arg["channel"] === "orders" && Array.isArray(data)) {
      const recvNs = this.s.cfg.clock.monoNs();
      for (const d of data) if (isObj(d)) this.onOrderPush(d, recvNs);
    }
  }

  /** One WS request (op with id); rejects UnknownOutcome on timeout or socket loss. */
  private async wsRequest(op: string, args: readonly Obj[]): Promise<Obj> {
    await this.ensurePrivate();
    const conn = this.priv;
    if (conn === undefined || !conn.open) throw new UnknownOutcome("private socket not open");
    this.reqSeq++;
    const id = `${this.reqSeq}`;
    return new Promise<Obj>((resolve, reject) => {
      const timer = this.s.cfg.clock.setTimer(this.s.cfg.requestMs, () => {
        this.pending.delete(id);
        reject(new UnknownOutcome(`${op} timed out`));
      });
      this.pending.set(id, { resolve, reject, timer });
      conn.ws.send(JSON.stringify({ id, op, args }));
    });
  }

  // ---------------------------------------------------------------- order pushes

  /** One `orders` push → one OrderUpdate; fills deduplicated by tradeId and cumulative size. */
  onOrderPush(d: Obj, recvNs: number): void {
    const info = this.s.instr.get(str(d, "instId"));
    if (info === undefined) {
      this.bad("order_instId");
      return;
    }
    const clOrdId = str(d, "clOrdId");
    const state = str(d, "state");
    const nums = this.pushNumbers(d, info);
    if (nums === undefined) return;
    const { lastLots, cumLots } = nums;
    const po = this.postOnly.get(clOrdId);
    if (po !== undefined && po.first === undefined) {
      po.first = d;
      po.wake?.();
    }
    const exec = this.execOf(d, state, lastLots, cumLots);
    if (exec === undefined) return;
    const status = statusOf(exec, state, d);
    if (isOwnOkxClOrdId(clOrdId, this.s.cfg.clientIdPrefix)) {
      // A finished order stays tracked while a fill of it is missing, so recovery still finds it.
      const missing = cumLots > (this.appliedByOrder.get(str(d, "ordId")) ?? 0);
      if (status === "new" || status === "partially_filled" || missing)
        this.tracked.set(clOrdId, { symbol: info.symbol, cum: cumLots });
      else this.tracked.delete(clOrdId);
    }
    const update = this.orderUpdate(d, info, exec, status, nums);
    this.s.emit({ type: "order", update, recvNs });
  }

  /**
   * The sizes and prices of an `orders` push, each a decimal string on the instrument's grid (a fill
   * with a fill price); undefined when one is not (counted, and what filled is then asked of the venue).
   */
  private pushNumbers(d: Obj, info: InstrumentInfo): PushNumbers | undefined {
    const [fillSz, accFillSz, sz, px, fillPx] = ["fillSz", "accFillSz", "sz", "px", "fillPx"].map((k) =>
      decimalField(d, k),
    );
    if (
      fillSz === undefined ||
      accFillSz === undefined ||
      sz === undefined ||
      px === undefined ||
      fillPx === undefined
    ) {
      this.badPush("order_types");
      return undefined;
    }
    const lastLots = fillSz === "" ? 0 : info.qty.parse(fillSz);
    const cumLots = info.qty.parse(accFillSz || "0");
    const origLots = info.qty.parse(sz || "0");
    if (Number.isNaN(lastLots) || Number.isNaN(cumLots) || Number.isNaN(origLots)) {
      this.badPush("order_sizes");
      return undefined;
    }
    const priceTicks = px === "" ? 0 : info.price.parse(px);
    const fillTicks = fillPx === "" ? 0 : info.price.parse(fillPx);
    if (Number.isNaN(priceTicks) || Number.isNaN(fillTicks) || (lastLots > 0 && !(fillTicks > 0))) {
      this.badPush("order_prices");
      return undefined;
    }
    return { lastLots, cumLots, origLots, priceTicks, fillTicks };
  }

  /**
   * What a push reports: a new fill, a cancel (OKX has no "expired" state: an IOC/FOK/market remainder
   * the venue cancels is what the engine calls expired), an ack; undefined for a duplicate fill, a state
   * echo without a new fill, or an unknown state (counted).
   */
  private execOf(d: Obj, state: string, lastLots: number, cumLots: number): Exec | undefined {
    const tradeIdStr = str(d, "tradeId");
    if (lastLots > 0 && tradeIdStr !== "")
      return this.isNewFill(str(d, "ordId"), tradeIdStr, cumLots, lastLots) ? "fill" : undefined;
    if (state === "canceled" || state === "mmp_canceled") return endedByVenue(d) ? "expired" : "canceled";
    if (state === "live") return "ack";
    if (state === "filled" || state === "partially_filled") return undefined; // a state echo without a new fill
    this.badPush("order_state");
    return undefined;
  }

  /**
   * Remembers a fill; false (counted) when its tradeId was seen, or when it would take the order's
   * applied size past what the venue reports filled (a fill already counted).
   */
  private isNewFill(ordId: string, tradeIdStr: string, cumLots: number, lastLots: number): boolean {
    const key = `${ordId}:${tradeIdStr}`;
    const prevCum = this.cumByOrder.get(ordId) ?? 0;
    const applied = this.appliedByOrder.get(ordId) ?? 0;
    if (this.seenTrades.has(key) || applied + lastLots > Math.max(prevCum, cumLots)) {
      this.count("duplicateFills");
      return false;
    }
    this.seenTrades.add(key);
    this.cumByOrder.set(ordId, Math.max(prevCum, cumLots));
    this.appliedByOrder.set(ordId, applied + lastLots);
    prune(this.seenTrades);
    prune(this.cumByOrder);
    prune(this.appliedByOrder);
    return true;
  }

  private orderUpdate(d: Obj, info: InstrumentInfo, exec: Exec, status: OrderStatus, n: PushNumbers): OrderUpdate {
    const fee = str(d, "fillFee");
    const tradeIdStr = str(d, "tradeId");
    const cancel = exec === "canceled" || exec === "expired";
    const rejectReason =
      cancel && str(d, "cancelSource") === CANCEL_SOURCE_POST_ONLY ? ("would_take" as const) : undefined;
    return {
      venue: this.name,
      symbol: info.symbol,
      clientId: this.engineId(str(d, "clOrdId")),
      venueOrderId: str(d, "ordId"),
      side: str(d, "side") === "sell" ? Side.Sell : Side.Buy,
      status,
      exec,
      priceTicks: n.priceTicks as Ticks,
      origLots: n.origLots as Lots,
      cumLots: n.cumLots as Lots,
      lastLots: (exec === "fill" ? n.lastLots : 0) as Lots,
      lastPriceTicks: (exec === "fill" ? n.fillTicks : 0) as Ticks,
      fee: exec === "fill" ? negateDecimal(fee || "0") : "0",
      feeAsset: exec === "fill" ? str(d, "fillFeeCcy") : "",
      isMaker: str(d, "execType") === "M",
      tradeId: exec === "fill" && Number.isSafeInteger(Number(tradeIdStr)) ? Number(tradeIdStr) : -1,
      venueTimeMs: Number(str(d, "uTime") || str(d, "fillTime")) || 0,
      ...(rejectReason !== undefined ? { rejectReason, text: str(d, "cancelSourceReason") } : {}),
    };
  }

  /**
   * Recovers fills soon: after the private socket came back, or when a private frame was dropped as bad.
   * Requests while a recovery runs coalesce into one more pass.
   */
  private requestRecovery(): void {
    if (this.s.closed) return;
    if (this.recovering !== undefined) {
      this.recoverAgain = true;
      return;
    }
    this.recovering = this.recoverFills().finally(() => {
      this.recovering = undefined;
      if (this.recoverAgain) {
        this.recoverAgain = false;
        this.requestRecovery();
      }
    });
  }

  /**
   * Fills the orders channel never delivered (pushed while the socket was down, or in a frame dropped
   * as bad) are lost: query every order we believed open and, when it filled more than we applied,
   * take its fills from the trade history (real trade id, price, fee). An order not yet accounted for
   * is retried with backoff, so a fill is neither lost nor guessed.
   */
  private async recoverFills(): Promise<void> {
    let complete = true;
    for (const [clOrdId, t] of [...this.tracked]) {
      if (this.s.closed) return;
      try {
        if (!(await this.recoverOrder(clOrdId, t.symbol))) complete = false;
      } catch {
        this.count("recoveryErrors");
        complete = false;
      }
    }
    if (!complete) this.retryRecovery();
    else this.recoverRetryMs = 0;
  }

  /** One tracked order: true when every fill the venue reports is applied. */
  private async recoverOrder(clOrdId: string, symbol: string): Promise<boolean> {
    const o = await this.orderStatus(symbol, this.engineId(clOrdId));
    if (o === undefined || this.s.closed) return true;
    const info = this.s.instr.get(symbol);
    const cur = this.tracked.get(clOrdId);
    if (cur === undefined || info === undefined) return true; // a push arrived meanwhile and finished it
    const applied = (): number => this.appliedByOrder.get(o.venueOrderId) ?? 0;
    if (o.cumLots > applied()) {
      const trades = await this.history.orderTrades(info, o.venueOrderId);
      let cum = 0;
      for (const tr of trades) {
        cum += tr.lots;
        if (this.isNewFill(o.venueOrderId, tr.tradeId, o.cumLots, tr.lots)) this.emitRecoveredFill(o, tr, cum);
      }
    }
    const complete = applied() >= o.cumLots;
    if (complete && o.status !== "new" && o.status !== "partially_filled") this.tracked.delete(clOrdId);
    else cur.cum = Math.max(cur.cum, o.cumLots);
    return complete;
  }

  /** Another recovery pass later: 1 s, doubling to 30 s, until one completes. */
  private retryRecovery(): void {
    if (this.s.closed || this.recoverTimer !== undefined) return;
    this.recoverRetryMs = Math.min(30_000, Math.max(1000, this.recoverRetryMs * 2));
    this.recoverTimer = this.s.cfg.clock.setTimer(this.recoverRetryMs, () => {
      this.recoverTimer = undefined;
      this.requestRecovery();
    });
  }

  private emitRecoveredFill(o: OpenOrder, tr: VenueTrade, cum: number): void {
    this.count("recoveredFills");
    const clock = this.s.cfg.clock;
    const tradeId = Number(tr.tradeId);
    this.s.emit({
      type: "order",
      recvNs: clock.monoNs(),
      update: {
        venue: this.name,
        symbol: o.symbol,
        clientId: o.clientId,
        venueOrderId: o.venueOrderId,
        side: o.side,
        status: cum >= o.origLots ? "filled" : "partially_filled",
        exec: "fill",
        priceTicks: o.priceTicks,
        origLots: o.origLots,
        cumLots: cum as Lots,
        lastLots: tr.lots,
        lastPriceTicks: tr.priceTicks,
        fee: tr.fee,
        feeAsset: tr.feeAsset,
        isMaker: tr.isMaker,
        tradeId: Number.isSafeInteger(tradeId) ? tradeId : -1,
        venueTimeMs: tr.venueTimeMs,
        text: "recovered from the venue's trade history after a private-socket reconnect",
      },
    });
  }

  // ---------------------------------------------------------------- orders

  /** Idempotent by client id: a retry of a submit in flight or refused gets the same answer. */
  submitOrder(order: OrderRequest): Promise<string> {
    const prev = this.submits.get(order.clientId);
    if (prev !== undefined) return prev;
    const p = this.doSubmit(order);
    this.submits.set(order.clientId, p);
    prune(this.submits);
    p.catch((e: unknown) => {
      // A definite refusal is kept so a retry gets the same answer; a throttled (never sent or refused
      // for rate) or failed-before-sending submit may be retried with the same id.
      if (!(e instanceof VenueRejectError) || e.reason === "rate_limited") this.submits.delete(order.clientId);
    });
    return p;
  }

  /**
   * Waits for the instrument's order budget; an order cancelled while it waits (a kill) is withdrawn
   * unsent at once, `rate_limited`, rather than sent when the budget frees only to be cancelled.
   */
  private async throttle(instId: string, order: OrderRequest): Promise<void> {
    const cfg = this.s.cfg;
    let w = this.orderWindows.get(instId);
    if (w === undefined) {
      w = new SlidingWindow(cfg.orderRateLimit.count, cfg.orderRateLimit.windowMs);
      this.orderWindows.set(instId, w);
    }
    const wait = w.waitMs(cfg.clock.nowMs());
    if (wait > cfg.maxThrottleWaitMs) {
      this.count("throttled");
      throw new VenueRejectError("rate_limited", "local", `okx ${this.name}: order budget for ${instId} exhausted`);
    }
    const withdrawn =
      wait > 0
        ? await waitUnlessWithdrawn(
            (ms) => new Promise<void>((r) => cfg.clock.setTimer(ms, r)),
            wait,
            () => order.cancelWanted === true,
          )
        : order.cancelWanted === true;
    if (withdrawn) {
      this.count("throttled");
      throw new VenueRejectError(
        "rate_limited",
        "local",
        `okx ${this.name}: withdrawn while waiting for the order budget of ${instId}; never sent`,
      );
    }
    w.record(cfg.clock.nowMs());
  }

  /** The `order` op's arguments (as the REST body too): OKX's field names and decimal strings. */
  private orderArgs(order: OrderRequest, info: InstrumentInfo, clOrdId: string): Obj {
    const args: Obj = {
      instId: info.venueSymbol,
      tdMode: "cash",
      clOrdId,
      side: order.side === Side.Buy ? "buy" : "sell",
      ordType: ordType(order),
      sz: info.qty.format(order.lots),
    };
    if (order.type === "market") args["tgtCcy"] = "base_ccy";
    else args["px"] = info.price.format(order.priceTicks);
    return args;
  }

  /** Our clOrdId for an order, remembered so pushes map back to the engine id; refused when not ours. */
  private ownClOrdId(clientId: string): string {
    let clOrdId: string;
    try {
      clOrdId = toOkxClOrdId(clientId);
    } catch (e) {
      throw new VenueRejectError("invalid_request", "", e instanceof Error ? e.message : String(e));
    }
    if (!isOwnOkxClOrdId(clOrdId, this.s.cfg.clientIdPrefix))
      throw new VenueRejectError("invalid_request", "", `okx ${this.name}: clientId does not carry our prefix`);
    this.clientIds.set(clOrdId, clientId);
    prune(this.clientIds);
    return clOrdId;
  }

  private async doSubmit(order: OrderRequest): Promise<string> {
    const info = this.s.instr.get(order.symbol);
    if (info === undefined)
      throw new VenueRejectError("bad_symbol", "", `okx ${this.name}: unknown symbol ${order.symbol}`);
    const clOrdId = this.ownClOrdId(order.clientId);
    const args = this.orderArgs(order, info, clOrdId);
    await this.throttle(info.venueSymbol, order);
    const postOnly = args["ordType"] === "post_only";
    if (postOnly) this.postOnly.set(clOrdId, { first: undefined, wake: undefined });
    try {
      const res = await this.entry("order", args);
      const ordId = this.ackOrThrow(res);
      if (!this.tracked.has(clOrdId) && order.type !== "market")
        this.tracked.set(clOrdId, { symbol: order.symbol, cum: 0 });
      if (postOnly) await this.confirmPostOnly(clOrdId);
      return ordId;
    } catch (e) {
      if (!(e instanceof UnknownOutcome)) throw e;
      return await this.resolveSubmit(order, e);
    } finally {
      if (postOnly) this.postOnly.delete(clOrdId);
    }
  }

  /**
   * A submit whose outcome is unknown: found by query means placed, else a typed "unknown" refusal.
   * How it turned out goes on the event stream (the engine counts and logs it).
   */
  private async resolveSubmit(order: OrderRequest, e: UnknownOutcome): Promise<string> {
    this.count("unknownOutcomes");
    const clock = this.s.cfg.clock;
    let r: Resolution<OpenOrder>;
    try {
      r = await resolveUnknownOutcome<OpenOrder>(
        async (): Promise<StatusProbe<OpenOrder>> => {
          const o = await this.orderStatus(order.symbol, order.clientId);
          return o === undefined ? { found: false } : { found: true, value: o };
        },
        (ms) => new Promise<void>((res) => clock.setTimer(ms, res)),
      );
    } catch (err) {
      this.reportOutcome(order, "unanswered", `${e.message}; no status query answered (${(err as Error).message})`);
      throw err;
    }
    if (r.placed) {
      this.reportOutcome(
        order,
        unknownOutcomeResultOf(r.value.status),
        `${e.message}; the status query found it ${r.value.status}`,
      );
      return r.value.venueOrderId;
    }
    this.reportOutcome(order, "not_found", `${e.message}; ${r.attempts} status queries found no order`);
    throw new VenueRejectError("unknown", "", `okx ${this.name}: not placed (${e.message})`);
  }

  private reportOutcome(order: OrderRequest, result: UnknownOutcomeResult, detail: string): void {
    this.s.emit({
      type: "unknown_outcome",
      venue: this.name,
      symbol: order.symbol,
      clientId: order.clientId,
      result,
      detail,
    });
  }

  /**
   * OKX acks a crossing post_only order and then cancels it (cancelSource 31): wait for the order's
   * first push so the caller gets the same typed would_take refusal as on venues that reject outright.
   * No push within postOnlyConfirmMs: the order stands (a later cancel still streams with its reason).
   */
  private async confirmPostOnly(clOrdId: string): Promise<void> {
    const po = this.postOnly.get(clOrdId);
    if (po === undefined) return;
    const clock = this.s.cfg.clock;
    try {
      if (po.first === undefined && this.priv?.open === true) {
        await new Promise<void>((res) => {
          const timer = clock.setTimer(this.s.cfg.postOnlyConfirmMs, res);
          po.wake = () => {
            clock.clearTimer(timer);
            res();
          };
        });
      }
    } finally {
      this.postOnly.delete(clOrdId);
    }
    const d = po.first;
    if (d !== undefined && str(d, "state") === "canceled" && str(d, "cancelSource") === CANCEL_SOURCE_POST_ONLY)
      throw new VenueRejectError(
        "would_take",
        CANCEL_SOURCE_POST_ONLY,
        `okx ${this.name}: post_only order canceled: ${str(d, "cancelSourceReason") || "would take liquidity"}`,
      );
  }

  /** The ordId of a single-order response, or a VenueRejectError from its sCode. */
  private ackOrThrow(res: Obj): string {
    const data = res["data"];
    const d = Array.isArray(data) && isObj(data[0]) ? data[0] : undefined;
    const sCode = d === undefined ? str(res, "code") : str(d, "sCode");
    if (sCode === "0" && d !== undefined) return str(d, "ordId");
    if (OKX_UNKNOWN_OUTCOME_CODES.has(sCode)) throw new UnknownOutcome(`sCode ${sCode}`);
    const msg = d === undefined ? str(res, "msg") : str(d, "sMsg");
    throw new VenueRejectError(okxRejectReason(sCode, msg), sCode, `okx ${this.name}: ${msg} (sCode ${sCode})`);
  }

  async cancelOrder(symbol: string, clientId: string): Promise<void> {
    const info = this.s.instr.get(symbol);
    if (info === undefined) throw new VenueRejectError("bad_symbol", "", `okx ${this.name}: unknown symbol ${symbol}`);
    const args = { instId: info.venueSymbol, clOrdId: toOkxClOrdId(clientId) };
    this.ackOrThrow(await this.entry("cancel-order", args));
  }

  /** One placement or cancel: through the batcher when batchOrderEntry is on, else on its own. */
  private entry(op: BatchableOp, args: Obj): Promise<Obj> {
    return this.s.cfg.batchOrderEntry ? this.batcher.request(op, args) : this.sendEntry(op, [args], false);
  }

  /** Sends order-entry ops: the private socket when up, else signed REST; `batch` picks OKX's batch form. */
  private sendEntry(op: BatchableOp, args: readonly Obj[], batch: boolean): Promise<Obj> {
    const ws = batch ? (op === "order" ? "batch-orders" : "batch-cancel-orders") : op;
    if (this.useWs()) return this.wsRequest(ws, batch ? args : [args[0] as Obj]);
    const path = batch ? (op === "order" ? "batch-orders" : "cancel-batch-orders") : op;
    return this.rest.call("POST", `/api/v5/trade/${path}`, batch ? args : args[0]);
  }

  /**
   * Cancels every open order of ours on the symbol; with batchOrderEntry all cancels go out at once
   * (and so in batches of 20), else one after the other.
   */
  async cancelAll(symbol: string): Promise<number> {
    const open = await this.openOrders(symbol);
    const one = async (clientId: string): Promise<number> => {
      try {
        await this.cancelOrder(symbol, clientId);
        return 1;
      } catch (e) {
        if (!(e instanceof VenueRejectError && e.reason === "unknown_order")) throw e;
        return 0;
      }
    };
    if (this.s.cfg.batchOrderEntry) {
      const done = await Promise.all(open.map((o) => one(o.clientId)));
      return done.reduce((a, b) => a + b, 0);
    }
    let n = 0;
    for (const o of open) n += await one(o.clientId);
    return n;
  }

  async openOrders(symbol?: string, all = false): Promise<OpenOrder[]> {
    const q =
      symbol === undefined ? "" : `&instId=${encodeURIComponent(this.s.instr.get(symbol)?.venueSymbol ?? symbol)}`;
    const res = await this.rest.call("GET", `/api/v5/trade/orders-pending?instType=SPOT${q}`, undefined);
    const data = Array.isArray(res["data"]) ? res["data"] : [];
    const out: OpenOrder[] = [];
    for (const d of data) {
      if (!isObj(d)) continue;
      if (!all && !isOwnOkxClOrdId(str(d, "clOrdId"), this.s.cfg.clientIdPrefix)) continue;
      const o = this.toOpenOrder(d);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  async orderStatus(symbol: string, clientId: string): Promise<OpenOrder | undefined> {
    const info = this.s.instr.get(symbol);
    if (info === undefined) throw new VenueRejectError("bad_symbol", "", `okx ${this.name}: unknown symbol ${symbol}`);
    try {
      const res = await this.rest.call(
        "GET",
        `/api/v5/trade/order?instId=${encodeURIComponent(info.venueSymbol)}&clOrdId=${toOkxClOrdId(clientId)}`,
        undefined,
      );
      const d = Array.isArray(res["data"]) ? res["data"][0] : undefined;
      if (!isObj(d)) return undefined;
      return this.toOpenOrder(d);
    } catch (e) {
      if (e instanceof VenueRejectError && e.reason === "unknown_order") return undefined;
      throw e;
    }
  }

  private toOpenOrder(d: Obj): OpenOrder | undefined {
    const info = this.s.instr.get(str(d, "instId"));
    if (info === undefined) return undefined;
    const clOrdId = str(d, "clOrdId");
    const st = str(d, "state");
    const status: OrderStatus =
      st === "live" ? "new" : st === "partially_filled" ? "partially_filled" : st === "filled" ? "filled" : "canceled";
    const px = str(d, "px");
    return {
      symbol: info.symbol,
      clientId: this.engineId(clOrdId),
      venueOrderId: str(d, "ordId"),
      side: str(d, "side") === "sell" ? Side.Sell : Side.Buy,
      priceTicks: (px === "" ? 0 : info.price.parse(px)) as Ticks,
      origLots: info.qty.parse(str(d, "sz") || "0") as Lots,
      cumLots: info.qty.parse(str(d, "accFillSz") || "0") as Lots,
      status,
    };
  }

  async balances(): Promise<Balance[]> {
    const res = await this.rest.call("GET", "/api/v5/account/balance", undefined);
    const out: Balance[] = [];
    const data = Array.isArray(res["data"]) ? res["data"] : [];
    for (const acct of data) {
      if (!isObj(acct) || !Array.isArray(acct["details"])) continue;
      for (const d of acct["details"]) {
        if (!isObj(d)) continue;
        out.push({ asset: str(d, "ccy"), free: str(d, "availBal") || "0", locked: str(d, "frozenBal") || "0" });
      }
    }
    return out;
  }
}

/** The status a push's exec implies (a fill's status follows the order's state). */
function statusOf(exec: Exec, state: string, d: Obj): OrderStatus {
  if (exec === "ack") return "new";
  if (exec !== "fill") return exec;
  if (state === "filled") return "filled";
  if (state === "canceled") return endedByVenue(d) ? "expired" : "canceled";
  return "partially_filled";
}

/** An order type the venue itself ends when it cannot fill (IOC, FOK, market): its cancel means expired. */
function endedByVenue(d: Obj): boolean {
  const t = str(d, "ordType");
  return t === "ioc" || t === "fok" || t === "market" || t === "optimal_limit_ioc";
}

/** OKX ordType for an engine order. */
function ordType(o: OrderRequest): string {
  if (o.type === "market") return "market";
  if (o.type === "limit_maker") return "post_only";
  return o.tif === "IOC" ? "ioc" : o.tif === "FOK" ? "fok" : "limit";
}
