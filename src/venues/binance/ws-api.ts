/**
 * Binance WebSocket API client (§A.7): one persistent socket for order entry (lower latency than
 * REST), requests matched to replies by id, HMAC signatures over sorted params, `rateLimits` fed to
 * the budget, user data via userDataStream.subscribe.signature, a liveness ping, and reconnect with
 * jittered backoff. Requests in flight when the socket dies fail with UnknownOutcomeError.
 */
import { Backoff, type VenueBudget } from "../../gateways/index.ts";
import type { TimerId } from "../../services/index.ts";
import { VenueRejectError } from "../../types/index.ts";
import { type BudgetTaker, costs, feedRateLimits, type OffPath, takeBudget } from "./budget-feed.ts";
import type { ResolvedBinanceConfig } from "./config.ts";
import { rejectError, UnknownOutcomeError } from "./errors.ts";
import type { ServerTime } from "./rest.ts";
import { type Signer, type WsApiAuth, wsApiRequestJson } from "./signing.ts";

type Params = Record<string, string | number | boolean>;

/**
 * Builds one request's JSON from its context: the request id, the auth fields (undefined for an
 * unsigned request) and the signer (undefined once the session is logged on). Encoders are made once
 * (module functions or one closure per adapter), so sending allocates none.
 */
export type RequestEncoder<C> = (id: string, ctx: C, auth: WsApiAuth | undefined, sign: Signer | undefined) => string;

/** How a request's promise is settled: the pending record itself carries resolve and reject. */
export interface Settle {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/**
 * What the adapter does with an order request's answer before the promise settles (record the order,
 * resolve an unknown outcome by querying), as methods of one object made once, not closures per request.
 */
export interface ReplyHandler<C> {
  replied(ctx: C, result: unknown, settle: Settle): void;
  failed(ctx: C, error: Error, settle: Settle): void;
}

/** One request in flight: its settlement, deadline, and what it takes to send it again after -1021. */
interface Pending<C = unknown> extends Settle {
  method: string;
  deadlineMs: number;
  encode: RequestEncoder<C>;
  ctx: C;
  signed: boolean;
  handler: ReplyHandler<C> | undefined;
  /** Already re-sent once after a -1021 (our clock drifted): never again. */
  retried: boolean;
}

/**
 * What a request's answer is handed to instead of a promise: an object made once (the order
 * manager's replies), so a request on the order path allocates no promise and no resolving functions.
 */
export interface Answer<C> {
  accepted(ctx: C, value: string): void;
  failed(ctx: C, error: unknown): void;
}

/** What a cancel's answer is handed to instead of a promise (the order manager's CancelReplies). */
export interface CancelAnswer<C> {
  cancelAccepted(ctx: C): void;
  cancelFailed(ctx: C, error: unknown): void;
}

/** A cancel in flight answered through a CancelAnswer: its settle methods forward to it. */
class CancelAnswerPending<C> implements Pending<C> {
  deadlineMs = 0;
  retried = false;
  constructor(
    readonly method: string,
    readonly encode: RequestEncoder<C>,
    readonly ctx: C,
    readonly signed: boolean,
    readonly handler: ReplyHandler<C> | undefined,
    private readonly answer: CancelAnswer<C>,
  ) {}
  resolve(_v: unknown): void {
    this.answer.cancelAccepted(this.ctx);
  }
  reject(e: Error): void {
    this.answer.cancelFailed(this.ctx, e);
  }
}

/**
 * A request in flight answered through an Answer: its settle methods forward to it. Not a subclass
 * of a base shared with CancelAnswerPending: a derived class's implicit constructor allocates its
 * rest-arguments array on every request (measured: +2 arrays per order event, bench/order-path).
 */
class AnswerPending<C> implements Pending<C> {
  deadlineMs = 0;
  retried = false;
  constructor(
    readonly method: string,
    readonly encode: RequestEncoder<C>,
    readonly ctx: C,
    readonly signed: boolean,
    readonly handler: ReplyHandler<C> | undefined,
    private readonly answer: Answer<C>,
  ) {}
  resolve(v: unknown): void {
    this.answer.accepted(this.ctx, typeof v === "string" ? v : String(v));
  }
  reject(e: Error): void {
    this.answer.failed(this.ctx, e);
  }
}

/** The encoder of plain requests: params as they are, sorted and (when signed) signed. */
function paramsEncoder(method: string): RequestEncoder<Params> {
  return (id, params, auth, sign) => wsApiRequestJson(id, method, params, auth, sign);
}
const PARAMS_ENCODERS = new Map<string, RequestEncoder<Params>>();
function encoderOf(method: string): RequestEncoder<Params> {
  let e = PARAMS_ENCODERS.get(method);
  if (e === undefined) {
    e = paramsEncoder(method);
    PARAMS_ENCODERS.set(method, e);
  }
  return e;
}

/** Callbacks of the WS API client towards the adapter. */
export interface WsApiHooks {
  /** A user-data event (`executionReport`, `outboundAccountPosition`, ...). */
  onUserEvent(event: Record<string, unknown>, recvNs: number): void;
  /** The socket (re)opened and the user stream is subscribed again (reconnect → reconcile). */
  onReady(reconnect: boolean): void;
  /**
   * A frame was dropped as unreadable: it may have been a user-data event (a fill), so the adapter
   * reconciles its open orders rather than trust the stream to have told it everything.
   */
  onBadFrame(): void;
  onState(state: "connecting" | "connected" | "disconnected" | "reconnecting", reason: string): void;
}

/** The WS API connection of one adapter. */
export class BinanceWsApi {
  private ws: WebSocket | undefined;
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  private closing = false;
  private everReady = false;
  private readonly backoff: Backoff;
  private pingTimer: TimerId | undefined;
  private reconnectTimer: TimerId | undefined;
  /** One timer for every request's deadline (armed for the oldest), not one timer per request. */
  private deadlineTimer: TimerId | undefined;
  /** The connection is authenticated by session.logon (Ed25519 keys). */
  private loggedOn = false;
  /** Auth fields of signed requests, reused for every request (the single writer signs one at a time). */
  private readonly auth: { apiKey: string | undefined; recvWindow: number; timestamp: number };
  /** Current user-data subscription id (-1 = none). */
  subscriptionId = -1;
  readonly counters = {
    requests: 0,
    badFrames: 0,
    reconnects: 0,
    unknownOutcomes: 0,
    userEvents: 0,
    logons: 0,
    throttledWaits: 0,
    offPathWaits: 0,
  };
  private readonly taker: BudgetTaker;
  /** Aborted by close(): a logon or user-data subscription waiting for budget ends at once. */
  private lifetime = new AbortController();

  constructor(
    private readonly cfg: ResolvedBinanceConfig,
    private readonly budget: VenueBudget,
    private readonly time: ServerTime,
    private readonly hooks: WsApiHooks,
    sleep: (ms: number) => Promise<void>,
  ) {
    this.backoff = new Backoff(cfg.rng.fork("wsapi-backoff"), cfg.backoff);
    this.auth = { apiKey: undefined, recvWindow: cfg.recvWindowMs, timestamp: 0 };
    this.taker = { cfg, budget, sleep, counters: this.counters };
  }

  isOpen(): boolean {
    return this.ws !== undefined && this.ws.readyState === WebSocket.OPEN;
  }

  /** Opens the socket and subscribes to user data; rejects on failure (bad keys name the venue). */
  async connect(): Promise<void> {
    this.closing = false;
    if (this.lifetime.signal.aborted) this.lifetime = new AbortController();
    await this.openPaid();
    await this.subscribeUserData();
    this.everReady = true;
    this.hooks.onReady(false);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.lifetime.abort();
    if (this.pingTimer !== undefined) this.cfg.clock.clearTimer(this.pingTimer);
    if (this.reconnectTimer !== undefined) this.cfg.clock.clearTimer(this.reconnectTimer);
    if (this.deadlineTimer !== undefined) this.cfg.clock.clearTimer(this.deadlineTimer);
    this.pingTimer = undefined;
    this.reconnectTimer = undefined;
    this.deadlineTimer = undefined;
    this.failPending("connection closed by the engine");
    this.ws?.close();
    this.ws = undefined;
  }

  /**
   * One request. signed adds apiKey/timestamp/recvWindow/signature. Resolves to `result`; throws
   * VenueRejectError for a venue error, UnknownOutcomeError for timeout/5xx/lost socket. A -1021
   * (refused before processing because our clock drifted) re-syncs the clock and is sent once more.
   */
  async request(
    method: string,
    params: Params,
    weight: number,
    signed: boolean,
    isOrder = false,
    abandoned?: () => boolean,
    offPath?: OffPath,
  ): Promise<unknown> {
    if (!this.budget.take(costs(weight, isOrder)).ok)
      await takeBudget(this.taker, weight, isOrder, { abandoned, offPath });
    return this.transmit(method, encoderOf(method), params, signed, undefined, this.cfg.clock.nowMs());
  }

  /**
   * The order path: when the socket is open and the budget has room now, encodes and writes the
   * request synchronously (no async step, no promise before the write) and returns the one promise its
   * answer settles, through `handler` when given; undefined when it must wait (socket down, budget
   * full), so the caller takes its slower path.
   */
  sendNow<C>(
    method: string,
    encode: RequestEncoder<C>,
    ctx: C,
    weight: number,
    isOrder: boolean,
    handler: ReplyHandler<C>,
  ): Promise<unknown> | undefined {
    if (!this.isOpen()) return undefined;
    const local = this.cfg.clock.nowMs(); // one clock read: budget window, timestamp and deadline
    if (!this.budget.take(costs(weight, isOrder), this.time.at(local)).ok) return undefined;
    return this.transmit(method, encode, ctx, true, handler, local);
  }

  /**
   * sendNow without a promise: the answer goes to `answer` (through `handler`), in a later turn.
   * False when it must wait (socket down, budget full): nothing was sent, the caller takes its slower path.
   */
  sendNowTo<C>(
    method: string,
    encode: RequestEncoder<C>,
    ctx: C,
    weight: number,
    isOrder: boolean,
    handler: ReplyHandler<C>,
    answer: Answer<C>,
  ): boolean {
    const local = this.admitNow(weight, isOrder);
    if (local < 0) return false;
    const id = this.write(this.ws as WebSocket, method, encode, ctx, true, local);
    this.track(id, new AnswerPending(method, encode, ctx, true, handler, answer), local);
    return true;
  }

  /** sendNowTo for a cancel: the answer goes to `answer` (through `handler`); false when it must wait. */
  sendCancelNowTo<C>(
    method: string,
    encode: RequestEncoder<C>,
    ctx: C,
    weight: number,
    handler: ReplyHandler<C>,
    answer: CancelAnswer<C>,
  ): boolean {
    const local = this.admitNow(weight, false);
    if (local < 0) return false;
    const id = this.write(this.ws as WebSocket, method, encode, ctx, true, local);
    this.track(id, new CancelAnswerPending(method, encode, ctx, true, handler, answer), local);
    return true;
  }

  /** The order path's admission: socket open and budget taken now; the local time then, or -1 when it must wait. */
  private admitNow(weight: number, isOrder: boolean): number {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) return -1;
    const local = this.cfg.clock.nowMs();
    return this.budget.take(costs(weight, isOrder), this.time.at(local)).ok ? local : -1;
  }

  /** Called right after a request was written to the socket (set by the adapter: tick-to-wire). */
  onWrite: ((method: string) => void) | undefined;

  /** Re-measures the server-time offset (set by the adapter; REST /time). */
  timeSync: (() => Promise<void>) | undefined;

  /**
   * Keep-warm: encodes and signs a request exactly as transmit() would (same JSON, same signer) and
   * drops it: no id consumed, no budget taken, nothing written. Returns the encoded length.
   */
  rehearse<C>(encode: RequestEncoder<C>, ctx: C): number {
    return this.encode(`${this.cfg.clientIdPrefix}rehearsal`, encode, ctx, true, this.cfg.clock.nowMs()).length;
  }

  /** The request's JSON; signed requests carry the auth fields, and a signature unless logged on. */
  private encode<C>(id: string, encode: RequestEncoder<C>, ctx: C, signed: boolean, localMs: number): string {
    if (!signed) return encode(id, ctx, undefined, undefined);
    // session.logon (Ed25519): the session is the account; only the timestamp is checked
    const auth = this.auth;
    auth.apiKey = this.loggedOn ? undefined : this.cfg.apiKey;
    auth.timestamp = this.time.at(localMs);
    return encode(id, ctx, auth, this.loggedOn ? undefined : this.cfg.sign);
  }

  /** Encodes and writes one request (budget already taken); the promise settles on its answer. */
  private transmit<C>(
    method: string,
    encode: RequestEncoder<C>,
    ctx: C,
    signed: boolean,
    handler: ReplyHandler<C> | undefined,
    localMs: number,
  ): Promise<unknown> {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) {
      // nothing sent: caller may fall back
      return Promise.reject(new UnknownOutcomeError(`${this.cfg.name}: WS API not connected`));
    }
    return new Promise<unknown>((resolve, reject) => {
      const id = this.write(ws, method, encode, ctx, signed, localMs);
      this.track(id, { resolve, reject, method, deadlineMs: 0, encode, ctx, signed, handler, retried: false }, localMs);
    });
  }

  /**
   * Encodes and writes one request, returning its id. Write first: the reply can only arrive in a
   * later event-loop turn, so the caller's bookkeeping (deadline, pending entry) is off the
   * tick-to-trade path.
   */
  private write<C>(
    ws: WebSocket,
    method: string,
    encode: RequestEncoder<C>,
    ctx: C,
    signed: boolean,
    localMs: number,
  ): string {
    const id = `${this.cfg.clientIdPrefix}${(++this.seq).toString(36)}`;
    ws.send(this.encode(id, encode, ctx, signed, localMs));
    this.counters.requests++;
    this.onWrite?.(method);
    return id;
  }

  /** Records a written request; its deadline is served by the one deadline timer. */
  private track<C>(id: string, p: Pending<C>, localMs: number): void {
    p.deadlineMs = localMs + this.cfg.timeouts.requestMs;
    this.pending.set(id, p as Pending);
    if (this.deadlineTimer === undefined) this.armDeadline(p.deadlineMs);
  }

  private armDeadline(atMs: number): void {
    this.deadlineTimer = this.cfg.clock.setTimer(Math.max(0, atMs - this.cfg.clock.nowMs()), () => this.onDeadline());
  }

  /** Fails every request past its deadline (oldest first: deadlines grow with the insertion order). */
  private onDeadline(): void {
    this.deadlineTimer = undefined;
    const now = this.cfg.clock.nowMs();
    for (const [id, p] of this.pending) {
      if (p.deadlineMs > now) {
        this.armDeadline(p.deadlineMs);
        return;
      }
      this.pending.delete(id);
      this.counters.unknownOutcomes++;
      this.settleError(
        p,
        new UnknownOutcomeError(`${this.cfg.name}: ${p.method} timed out after ${this.cfg.timeouts.requestMs} ms`),
      );
    }
  }

  /** Settles a request with its answer, through its reply handler when it has one. */
  private settleResult(p: Pending, result: unknown): void {
    if (p.handler === undefined) p.resolve(result);
    else p.handler.replied(p.ctx, result, p);
  }

  private settleError(p: Pending, e: Error): void {
    if (p.handler === undefined) p.reject(e);
    else p.handler.failed(p.ctx, e, p);
  }

  /** -1021: our clock drifted; re-sync it and send the same request once more under a new id. */
  private async retryAfterTimeSync(p: Pending, e: Error): Promise<void> {
    try {
      await this.timeSync?.();
      p.retried = true;
      const ws = this.ws;
      if (ws === undefined || ws.readyState !== WebSocket.OPEN)
        throw new UnknownOutcomeError(`${this.cfg.name}: WS API not connected`);
      const id = `${this.cfg.clientIdPrefix}${(++this.seq).toString(36)}`;
      const local = this.cfg.clock.nowMs();
      ws.send(this.encode(id, p.encode, p.ctx, p.signed, local));
      this.counters.requests++;
      this.track(id, p, local);
    } catch (err) {
      this.settleError(p, err instanceof Error ? err : e);
    }
  }

  /** Ed25519 keys: authenticate the connection once (session.logon), then requests carry no signature. */
  private async logon(): Promise<void> {
    if (this.cfg.keyType !== "ed25519" || this.loggedOn) return;
    await this.request("session.logon", {}, 2, true, false, undefined, this.offPath("session.logon"));
    this.loggedOn = true;
    this.counters.logons++;
  }

  /** A connect-time request: off the order path, it waits for the next weight window unless closed. */
  private offPath(method: string): OffPath {
    return { signal: this.lifetime.signal, what: `WS API ${method}` };
  }

  private async subscribeUserData(): Promise<void> {
    try {
      await this.logon();
      const r = (
        this.loggedOn
          ? await this.request(
              "userDataStream.subscribe",
              {},
              2,
              false,
              false,
              undefined,
              this.offPath("userDataStream.subscribe"),
            )
          : await this.request(
              "userDataStream.subscribe.signature",
              {},
              2,
              true,
              false,
              undefined,
              this.offPath("userDataStream.subscribe.signature"),
            )
      ) as Record<string, unknown>;
      this.subscriptionId = typeof r["subscriptionId"] === "number" ? r["subscriptionId"] : -1;
    } catch (e) {
      if (e instanceof VenueRejectError && e.reason === "auth") {
        throw new Error(`binance venue "${this.cfg.name}": API key or secret rejected (${e.message})`);
      }
      throw e;
    }
  }

  /** Opens the socket once the budget has the 2 weight Binance charges for a WS API connection. */
  private async openPaid(): Promise<void> {
    await takeBudget(this.taker, 2, false, { offPath: this.offPath("connection") });
    await this.open();
  }

  private open(): Promise<void> {
    this.hooks.onState("connecting", "opening WS API");
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.cfg.wsApiUrl);
      let opened = false;
      const timer = this.cfg.clock.setTimer(this.cfg.timeouts.connectMs, () => {
        if (!opened) {
          ws.close();
          reject(new Error(`${this.cfg.name}: WS API connect timeout (${this.cfg.wsApiUrl})`));
        }
      });
      ws.onopen = () => {
        opened = true;
        this.cfg.clock.clearTimer(timer);
        this.ws = ws;
        this.startPing();
        this.hooks.onState("connected", "WS API open");
        resolve();
      };
      ws.onmessage = (ev) => this.onMessage(typeof ev.data === "string" ? ev.data : String(ev.data));
      ws.onerror = () => {
        if (!opened) {
          this.cfg.clock.clearTimer(timer);
          reject(new Error(`${this.cfg.name}: cannot connect to WS API ${this.cfg.wsApiUrl}`));
        }
      };
      ws.onclose = (ev) => {
        if (!opened) return;
        if (this.ws === ws) this.onClosed(`closed (${ev.code})`);
      };
    });
  }

  private onClosed(reason: string): void {
    this.ws = undefined;
    this.loggedOn = false;
    if (this.pingTimer !== undefined) this.cfg.clock.clearTimer(this.pingTimer);
    this.pingTimer = undefined;
    this.failPending(`WS API ${reason}`);
    if (this.closing) {
      this.hooks.onState("disconnected", reason);
      return;
    }
    this.hooks.onState("reconnecting", reason);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer !== undefined) return;
    const delay = this.backoff.next();
    this.reconnectTimer = this.cfg.clock.setTimer(delay, () => {
      this.reconnectTimer = undefined;
      this.counters.reconnects++;
      this.openPaid()
        .then(() => this.subscribeUserData())
        .then(() => {
          this.backoff.reset();
          this.hooks.onReady(this.everReady);
          this.everReady = true;
        })
        .catch(() => {
          this.ws?.close();
          this.ws = undefined;
          this.scheduleReconnect();
        });
    });
  }

  private startPing(): void {
    if (this.pingTimer !== undefined) this.cfg.clock.clearTimer(this.pingTimer);
    this.pingTimer = this.cfg.clock.setRepeating(this.cfg.timeouts.wsApiPingMs, () => {
      const ws = this.ws;
      this.request("ping", {}, 1, false).catch(() => {
        if (this.ws === ws && ws !== undefined) {
          ws.close();
          this.onClosed("ping unanswered");
        }
      });
    });
  }

  private failPending(why: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      this.counters.unknownOutcomes++;
      this.settleError(p, new UnknownOutcomeError(`${this.cfg.name}: ${p.method}: ${why}`));
    }
  }

  /** Counts an unreadable frame and tells the adapter (it may have carried a user-data event). */
  private badFrame(): void {
    this.counters.badFrames++;
    this.hooks.onBadFrame();
  }

  private onMessage(text: string): void {
    const recvNs = this.cfg.clock.monoNs();
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      this.badFrame();
      return;
    }
    if (typeof m !== "object" || m === null) {
      this.badFrame();
      return;
    }
    const o = m as Record<string, unknown>;
    const ev = o["event"];
    if (typeof o["subscriptionId"] === "number" && typeof ev === "object" && ev !== null) {
      this.counters.userEvents++;
      if ((ev as Record<string, unknown>)["e"] === "eventStreamTerminated" && !this.closing) {
        this.subscriptionId = -1;
        this.subscribeUserData().then(
          () => this.hooks.onReady(true),
          () => this.ws?.close(),
        );
        return;
      }
      this.hooks.onUserEvent(ev as Record<string, unknown>, recvNs);
      return;
    }
    const id = o["id"];
    if (typeof id !== "string") {
      this.badFrame();
      return;
    }
    const p = this.pending.get(id);
    if (p === undefined) return; // late reply after a timeout: already resolved by querying
    this.pending.delete(id);
    feedRateLimits(this.budget, o["rateLimits"]);
    const status = typeof o["status"] === "number" ? o["status"] : 0;
    if (status === 200) {
      this.settleResult(p, o["result"]);
      return;
    }
    const e = this.errorOf(p.method, status, o["error"]);
    if (e instanceof VenueRejectError && e.reason === "timestamp" && !p.retried && this.timeSync !== undefined) {
      void this.retryAfterTimeSync(p, e);
      return;
    }
    this.settleError(p, e);
  }

  private errorOf(method: string, status: number, err: unknown): Error {
    const e = (typeof err === "object" && err !== null ? err : {}) as Record<string, unknown>;
    const code = typeof e["code"] === "number" ? e["code"] : 0;
    const msg = typeof e["msg"] === "string" ? e["msg"] : `status ${status}`;
    const data = (typeof e["data"] === "object" && e["data"] !== null ? e["data"] : {}) as Record<string, unknown>;
    const retryAt = typeof data["retryAfter"] === "number" ? data["retryAfter"] : 0;
    const now = this.time.now();
    if (status === 418) this.budget.ban(retryAt > now ? retryAt : now + 120_000);
    if (status === 429) this.budget.blockUntil(Math.max(now + 1000, retryAt));
    if (status >= 500 || code === -1007 || code === -1006) {
      this.counters.unknownOutcomes++;
      return new UnknownOutcomeError(`${this.cfg.name}: ${method}: status ${status} ${msg}`);
    }
    return rejectError(this.cfg.name, code, msg, status);
  }
}
