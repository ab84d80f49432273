/**
 * The order manager: owns every order of the engine from submit to a terminal state, so that an
 * order is never lost, never duplicated and never double-counted. It is a synchronous state machine
 * owned by the single writer; venue calls are fired asynchronously and their results re-enter
 * through `deliver` as events. Unknown outcomes (timeouts, transport errors) are resolved by status
 * queries, never by resending an order.
 */
import type { Clock, TimerId } from "../services/index.ts";
import type { Side } from "../types/index.ts";
import {
  type OpenOrder,
  type OrderRequest,
  type OrderStatus,
  type OrderType,
  type OrderUpdate,
  type TimeInForce,
  type UnknownOutcomeResult,
  VenueRejectError,
} from "../types/index.ts";
import type { CancelReplies, OrderReplies, VenueAdapter } from "../venues/index.ts";
import type { ClientIdGenerator } from "./client-id.ts";
import { isLive, isTerminal, type ManagedOrder, note, OrderLog, type OrderState, transition } from "./order-state.ts";
import type { InstrumentState, Registry, VenueState } from "./registry.ts";

/** One fill, applied exactly once; `order` is undefined for fills of orders this run does not track. */
export interface FillEvent {
  readonly venue: string;
  readonly symbol: string;
  readonly clientId: string;
  readonly side: Side;
  readonly lots: number;
  readonly priceTicks: number;
  readonly fee: string;
  readonly feeAsset: string;
  readonly isMaker: boolean;
  readonly tradeId: number;
  readonly order: ManagedOrder | undefined;
  /** The venue's trade id as it wrote it (a trade-history fill; stream fills use tradeId). */
  readonly venueTradeId?: string;
  readonly venueOrderId?: string;
  /** Venue trade time, epoch ms (0 or absent when unknown). */
  readonly venueTimeMs?: number;
  /** The order's filled quantity after this fill, as the venue reported it. */
  readonly cumLots?: number;
  /** stream: the order stream; history: the venue's trade history (fills missed while down). */
  readonly source?: "stream" | "history";
}

/** What the order manager tells the rest of the engine (positions, strategies, logs, journal). */
export interface OrderListener {
  onFill?(fill: FillEvent): void;
  /** A new order exists (pending_new), right after its request was handed to the adapter. */
  onCreated?(order: ManagedOrder): void;
  /** An order moved from `from` to its current state; `cause` says why. */
  onState?(order: ManagedOrder, from: OrderState, cause: string): void;
  /**
   * A submission whose outcome was unknown (no answer in time, transport error) is settled: the order
   * left pending_new, by a status query or a late answer. `detail` says what settled it.
   */
  onUnknownOutcome?(order: ManagedOrder, result: UnknownOutcomeResult, detail: string): void;
}

/** Counters as plain numbers, read by metrics at scrape time. */
export interface OrderManagerStats {
  submitted: number;
  acked: number;
  rejected: number;
  filled: number;
  canceled: number;
  expired: number;
  fills: number;
  duplicateFills: number;
  staleUpdates: number;
  duplicateUpdates: number;
  cancelRequests: number;
  cancelRejects: number;
  cancelFailures: number;
  submitTimeouts: number;
  cancelTimeouts: number;
  unknownOutcomes: number;
  statusQueries: number;
  statusErrors: number;
  lostOrders: number;
  vanishedOrders: number;
  resurrectedOrders: number;
  orphanUpdates: number;
  orphanCancels: number;
  foreignUpdates: number;
}

/** Timeouts and bounds; defaults suit a venue ~100 ms away. */
export interface OrderManagerOptions {
  readonly clock: Clock;
  readonly ids: ClientIdGenerator;
  readonly registry: Registry;
  /** No answer to a submit after this long → status query (default 5000). */
  readonly submitTimeoutMs?: number;
  /** No final event after a cancel for this long → status query (default 5000). */
  readonly cancelTimeoutMs?: number;
  /** Base delay between failed status queries, growing linearly up to 30 s (default 1000). */
  readonly statusRetryMs?: number;
  /** Cancels sent per order before giving up and reverting it to live (default 3). */
  readonly maxCancelAttempts?: number;
  /** Terminal orders kept for late events before they are forgotten (default 10000). */
  readonly retainTerminal?: number;
  /** How async venue results re-enter the single writer; default runs them inline. */
  readonly deliver?: (task: () => void) => void;
  /** Errors thrown while applying an async result or a deadline (e.g. an illegal transition). */
  readonly onError?: (error: unknown) => void;
  readonly listener?: OrderListener;
}

/** Result of start-up orphan cleanup on one venue. */
export interface OrphanReport {
  readonly venue: string;
  /** Open orders of this engine's prefix left by earlier runs. */
  readonly found: number;
  readonly canceled: number;
  /** Orphans still open after every attempt (quoting must not start). */
  readonly remaining: number;
  /** Open orders of other prefixes, left untouched. */
  readonly foreign: number;
}

/** Result of comparing the venue's open orders with local state. */
export interface ReconcileReport {
  readonly venue: string;
  /** Local orders corrected from the venue's view. */
  readonly updated: number;
  /** Venue orders of ours not tracked (or already terminal) locally: cancelled. */
  readonly orphans: number;
  /** Local live orders missing on the venue: resolved by status query. */
  readonly queried: number;
  readonly foreign: number;
}

type InFlight = "none" | "submit" | "cancel" | "status";

/** The concrete order record; fields beyond ManagedOrder are the manager's bookkeeping. */
class Order implements ManagedOrder {
  state: OrderState = "pending_new";
  venueOrderId = "";
  cumLots = 0;
  appliedLots = 0;
  cancelWanted = false;
  rejectReason: ManagedOrder["rejectReason"] = undefined;
  updatedMs: number;
  readonly log = new OrderLog();
  // bookkeeping
  inflight: InFlight = "none";
  /** When the in-flight request counts as unanswered (valid while inflight is not "none"). */
  deadlineMs = 0;
  cancelAttempts = 0;
  statusAttempts = 0;
  tradeIds: Set<number> | undefined = undefined;
  /** Highest cumulative quantity seen on a fill without a trade id (dedupe fallback). */
  fillCumSeen = 0;
  /** Given up locally (e.g. lost) but found live at the venue: being cancelled there. */
  resurrected = false;
  countedRemaining = 0;
  countedLive = false;
  /** The submit's outcome is unknown (counted in unknownOutcomes) and not yet settled. */
  outcomeUnknown = false;

  constructor(
    readonly clientId: string,
    readonly inst: InstrumentState,
    readonly venueState: VenueState,
    readonly side: Side,
    readonly type: OrderType,
    readonly tif: TimeInForce,
    readonly priceTicks: number,
    readonly lots: number,
    readonly createdMs: number,
    readonly strategy: string | null,
  ) {
    this.updatedMs = createdMs;
    this.log.add(createdMs, "", "", 0, "created pending_new");
  }

  get history(): readonly string[] {
    return this.log.lines();
  }

  get venue(): string {
    return this.venueState.name;
  }

  get symbol(): string {
    return this.inst.info.symbol;
  }
}

function errorText(e: unknown): string {
  if (e instanceof VenueRejectError) return `${e.reason} (${e.venueCode}): ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

const MAX_STATUS_BACKOFF_MS = 30_000;
const MAX_ORPHAN_TRADE_KEYS = 10_000;

/** The engine's order manager (one per engine, all venues). */
export class OrderManager {
  readonly stats: OrderManagerStats = {
    submitted: 0,
    acked: 0,
    rejected: 0,
    filled: 0,
    canceled: 0,
    expired: 0,
    fills: 0,
    duplicateFills: 0,
    staleUpdates: 0,
    duplicateUpdates: 0,
    cancelRequests: 0,
    cancelRejects: 0,
    cancelFailures: 0,
    submitTimeouts: 0,
    cancelTimeouts: 0,
    unknownOutcomes: 0,
    statusQueries: 0,
    statusErrors: 0,
    lostOrders: 0,
    vanishedOrders: 0,
    resurrectedOrders: 0,
    orphanUpdates: 0,
    orphanCancels: 0,
    foreignUpdates: 0,
  };
  private readonly clock: Clock;
  private readonly ids: ClientIdGenerator;
  private readonly registry: Registry;
  private readonly submitTimeoutMs: number;
  private readonly cancelTimeoutMs: number;
  private readonly statusRetryMs: number;
  private readonly maxCancelAttempts: number;
  private readonly retainTerminal: number;
  private readonly deliver: (task: () => void) => void;
  private readonly onError: (error: unknown) => void;
  private listener: OrderListener;
  private readonly orders = new Map<string, Order>();
  private readonly retired: string[] = [];
  private retiredHead = 0;
  private readonly orphanTradeKeys = new Set<string>();
  private readonly orphanCancelsSent = new Set<string>();
  /** Orders with a request in flight, each with a deadline. */
  private readonly deadlines = new Set<Order>();
  private wakeTimer: TimerId = 0;
  private wakeAtMs = Number.POSITIVE_INFINITY;
  /** Answers of adapters' placeOrder and requestCancel, made once: no promise, reaction or closure per request. */
  private readonly replies: OrderReplies & CancelReplies = {
    accepted: (order, venueOrderId) => this.onPlaced(order, venueOrderId, undefined),
    failed: (order, error) => this.onPlaced(order, undefined, error),
    cancelAccepted: (order) => this.onCancelAnswer(order, true, undefined),
    cancelFailed: (order, error) => this.onCancelAnswer(order, false, error),
  };
  /** deliver was given (tests, simulations): answers go through it like every other async result. */
  private readonly customDeliver: boolean;

  constructor(opts: OrderManagerOptions) {
    this.clock = opts.clock;
    this.ids = opts.ids;
    this.registry = opts.registry;
    this.submitTimeoutMs = opts.submitTimeoutMs ?? 5000;
    this.cancelTimeoutMs = opts.cancelTimeoutMs ?? 5000;
    this.statusRetryMs = opts.statusRetryMs ?? 1000;
    this.maxCancelAttempts = opts.maxCancelAttempts ?? 3;
    this.retainTerminal = opts.retainTerminal ?? 10_000;
    this.deliver = opts.deliver ?? ((task) => task());
    this.customDeliver = opts.deliver !== undefined;
    this.onError =
      opts.onError ??
      ((e) => {
        throw e;
      });
    this.listener = opts.listener ?? {};
  }

  /** Replaces the listener (the engine wires positions and strategies here). */
  setListener(listener: OrderListener): void {
    this.listener = listener;
  }

  /** An order by client id (live, or terminal and not yet forgotten). */
  get(clientId: string): ManagedOrder | undefined {
    return this.orders.get(clientId);
  }

  /** Live orders of one instrument and side (iterate, do not keep). */
  liveOrders(venue: string, symbol: string, side: Side): ReadonlySet<ManagedOrder> {
    return this.registry.get(venue, symbol)?.live[side] ?? EMPTY;
  }

  /** Every live order, optionally of one venue. */
  *allLive(venue?: string): Generator<ManagedOrder> {
    for (const o of this.orders.values()) if (isLive(o.state) && (venue === undefined || o.venue === venue)) yield o;
  }

  /** Orders whose submit or cancel still awaits an answer. */
  inFlight(): number {
    let n = 0;
    for (const o of this.orders.values()) if (o.state === "pending_new" || o.state === "pending_cancel") n++;
    return n;
  }

  /** Live orders in total. */
  openOrderCount(): number {
    let n = 0;
    for (const v of this.registry.venues.values()) n += v.openOrders;
    return n;
  }

  /**
   * Creates an order in pending_new and sends it. The caller has already passed the risk gate.
   * Throws only on programming errors (unknown venue/symbol, no adapter).
   */
  submit(
    venue: string,
    symbol: string,
    side: Side,
    priceTicks: number,
    lots: number,
    type: OrderType = "limit",
    tif: TimeInForce = "GTC",
    strategy: string | null = null,
  ): ManagedOrder {
    const v = this.registry.venues.get(venue);
    const inst = v?.instruments.get(symbol);
    const adapter = v?.adapter;
    if (v === undefined || inst === undefined || adapter === undefined) {
      throw new Error(`submit: venue ${venue} symbol ${symbol} is not registered with an adapter`);
    }
    const now = this.clock.nowMs();
    const o = new Order(this.ids.next(), inst, v, side, type, tif, priceTicks, lots, now, strategy);
    this.orders.set(o.clientId, o);
    this.refresh(o);
    this.stats.submitted++;
    this.arm(o, "submit", this.submitTimeoutMs, now);
    // the order record is the request (its fields never change): no request object per order
    const req = o as ManagedOrder as unknown as OrderRequest;
    if (adapter.placeOrder !== undefined) {
      // the promise-free order path: the answer comes back through this.replies
      try {
        adapter.placeOrder(req, this.replies);
      } catch (e) {
        this.placeFailedSoon(req, e);
      }
    } else {
      this.submitWithPromise(adapter, o);
    }
    this.listener.onCreated?.(o);
    return o;
  }

  /*
   * The closures of the order and cancel paths live in methods of their own: a closure over a local
   * inside submit or sendCancel would give every call a scope object, whichever path it takes.
   */

  /** A placeOrder that threw: answered as failed in a microtask, as a rejected promise would be. */
  private placeFailedSoon(req: OrderRequest, e: unknown): void {
    queueMicrotask(() => this.onPlaced(req, undefined, e));
  }

  /** submit through an adapter without placeOrder: its promise's outcome, in a turn of its own. */
  private submitWithPromise(adapter: VenueAdapter, o: Order): void {
    let p: Promise<string>;
    try {
      p = adapter.submitOrder(o as ManagedOrder as unknown as OrderRequest);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (id) => this.run(() => this.onSubmitOk(o, id)),
      (e: unknown) => this.run(() => this.onSubmitError(o, e)),
    );
  }

  /**
   * Asks for a cancel. Returns false when the order is unknown or already terminal. An order still
   * pending_new is cancelled as soon as it is acked (a cancel cannot overtake its own submit).
   */
  cancel(clientId: string): boolean {
    const o = this.orders.get(clientId);
    if (o === undefined || isTerminal(o.state)) return false;
    if (o.state === "pending_cancel") return true;
    if (o.state === "pending_new") {
      if (!o.cancelWanted) {
        o.cancelWanted = true;
        o.inst.ordersVersion++;
        note(o, this.clock.nowMs(), "cancel wanted once acked");
      }
      return true;
    }
    this.sendCancel(o, "cancel requested");
    return true;
  }

  /** Cancels every live order (optionally of one venue / symbol); returns how many were asked. */
  cancelAll(venue?: string, symbol?: string): number {
    const targets: string[] = [];
    for (const o of this.orders.values()) {
      if (!isLive(o.state) || o.state === "pending_cancel") continue;
      if (venue !== undefined && o.venue !== venue) continue;
      if (symbol !== undefined && o.symbol !== symbol) continue;
      targets.push(o.clientId);
    }
    for (const id of targets) this.cancel(id);
    return targets.length;
  }

  /** Applies one venue order event; idempotent (duplicates and stale events change nothing). */
  onUpdate(u: OrderUpdate): void {
    const o = this.orders.get(u.clientId);
    if (o === undefined || o.venue !== u.venue) {
      this.onUntrackedUpdate(u);
      return;
    }
    if (u.venueOrderId !== "" && o.venueOrderId === "") o.venueOrderId = u.venueOrderId;
    const freshFill = u.exec === "fill" && u.lastLots > 0 ? this.applyFill(o, u) : false;
    try {
      this.applyStatus(o, u.status, u.cumLots, `${u.exec} event`, freshFill, u.rejectReason);
    } finally {
      // listeners run once the order is consistent, and the money moves even if the state part threw
      if (freshFill) this.emitFill(o, u);
    }
  }

  /**
   * Start-up cleanup: cancels open orders on the venue that carry this engine's prefix but are not
   * tracked by this run (left by a crashed or killed earlier run). Orders of other prefixes are
   * never touched. Quoting must wait until `remaining` is 0.
   */
  async cancelOrphans(venue: string, maxRounds = 3): Promise<OrphanReport> {
    const adapter = this.adapterOf(venue);
    let found = 0;
    let canceled = 0;
    let foreign = 0;
    let remaining = 0;
    for (let round = 0; round < maxRounds; round++) {
      const open = await adapter.openOrders(undefined, true);
      const orphans = open.filter((o) => this.ids.owns(o.clientId) && !this.orders.has(o.clientId));
      if (round === 0) {
        found = orphans.length;
        foreign = open.filter((o) => !this.ids.owns(o.clientId)).length;
      }
      remaining = orphans.length;
      if (orphans.length === 0) break;
      for (const o of orphans) {
        try {
          await adapter.cancelOrder(o.symbol, o.clientId);
          canceled++;
          this.stats.orphanCancels++;
        } catch (e) {
          // unknown_order: it finished meanwhile; the next round's listing confirms either way.
          if (!(e instanceof VenueRejectError && e.reason === "unknown_order")) this.stats.statusErrors++;
        }
      }
      remaining = (await adapter.openOrders(undefined, true)).filter(
        (o) => this.ids.owns(o.clientId) && !this.orders.has(o.clientId),
      ).length;
      if (remaining === 0) break;
    }
    return { venue, found, canceled, remaining, foreign };
  }

  /** Reconnect reconciliation: fetches the venue's open orders and fixes local divergences. */
  async reconcile(venue: string): Promise<ReconcileReport> {
    const startedMs = this.clock.nowMs();
    const open = await this.adapterOf(venue).openOrders(undefined, true);
    return new Promise<ReconcileReport>((resolve, reject) =>
      this.deliver(() => {
        try {
          resolve(this.applyOpenOrders(venue, open, startedMs));
        } catch (e) {
          reject(e);
        }
      }),
    );
  }

  /**
   * Compares a venue's open-order listing (taken at `asOfMs`) with local state, synchronously:
   * listed orders update local ones; listed orders unknown or terminal locally are cancelled;
   * local live orders absent from the listing are resolved by status query.
   */
  applyOpenOrders(venue: string, open: readonly OpenOrder[], asOfMs: number): ReconcileReport {
    let updated = 0;
    let orphans = 0;
    let queried = 0;
    let foreign = 0;
    const listed = new Set<string>();
    for (const s of open) {
      if (!this.ids.owns(s.clientId)) {
        foreign++;
        continue;
      }
      listed.add(s.clientId);
      const o = this.orders.get(s.clientId);
      // untracked, or finished here but open there: either way it must not rest on the venue
      // (if the listing merely predates our final event, the cancel is refused harmlessly)
      if (o === undefined || o.venue !== venue || isTerminal(o.state)) {
        orphans++;
        this.cancelOrphan(venue, s.symbol, s.clientId);
        continue;
      }
      const before = `${o.state}/${o.cumLots}`;
      this.applySnapshot(o, s, "reconcile listing");
      if (`${o.state}/${o.cumLots}` !== before) updated++;
    }
    for (const o of this.orders.values()) {
      if (o.venue !== venue || !isLive(o.state) || listed.has(o.clientId)) continue;
      // pending_new orders are resolved by their own submit timer; newer ones may postdate the listing
      if (o.state === "pending_new" || o.createdMs >= asOfMs || o.inflight === "status") continue;
      queried++;
      this.queryStatus(o);
    }
    return { venue, updated, orphans, queried, foreign };
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Re-enters the single writer with an async result; its errors go to onError, never unhandled. */
  private run(task: () => void): void {
    this.deliver(() => {
      try {
        task();
      } catch (e) {
        this.onError(e);
      }
    });
  }

  private adapterOf(venue: string): VenueAdapter {
    const a = this.registry.venues.get(venue)?.adapter;
    if (a === undefined) throw new Error(`venue ${venue} has no adapter`);
    return a;
  }

  /** Moves an order, then keeps timers, exposure counters and listeners consistent with it. */
  private move(o: Order, to: OrderState, cause: string, now = this.clock.nowMs()): void {
    const from = transition(o, to, now, cause);
    if ((o.inflight === "submit" && to !== "pending_new") || (o.inflight === "cancel" && to !== "pending_cancel")) {
      this.disarm(o);
    }
    if (isTerminal(to)) {
      this.disarm(o);
      if (to === "filled") this.stats.filled++;
      else if (to === "canceled") this.stats.canceled++;
      else if (to === "rejected") this.stats.rejected++;
      else this.stats.expired++;
    }
    if (from === "pending_new" && !isTerminal(to)) this.stats.acked++;
    this.refresh(o);
    if (from === "pending_new" && o.outcomeUnknown) {
      o.outcomeUnknown = false;
      this.listener.onUnknownOutcome?.(o, settledResult(o), cause);
    }
    this.listener.onState?.(o, from, cause);
    if (from === "pending_new" && o.cancelWanted && (to === "new" || to === "partially_filled")) {
      this.sendCancel(o, "deferred cancel after ack");
    }
  }

  /** Updates the instrument's open lots and the venue's open-order count, retires terminal orders. */
  private refresh(o: Order): void {
    o.inst.ordersVersion++; // whatever changed, a quote checked before is to be planned again
    const live = isLive(o.state);
    const remaining = live ? Math.max(0, o.lots - o.cumLots) : 0;
    o.inst.openLots[o.side] += remaining - o.countedRemaining;
    o.countedRemaining = remaining;
    if (live !== o.countedLive) {
      o.countedLive = live;
      o.venueState.openOrders += live ? 1 : -1;
      if (live) o.inst.live[o.side].add(o);
      else {
        o.inst.live[o.side].delete(o);
        this.retire(o.clientId);
      }
    }
  }

  private retire(clientId: string): void {
    this.retired.push(clientId);
    while (this.retired.length - this.retiredHead > this.retainTerminal) {
      const old = this.retired[this.retiredHead++];
      if (old !== undefined) this.orders.delete(old);
    }
    if (this.retiredHead > 4096 && this.retiredHead * 2 > this.retired.length) {
      this.retired.splice(0, this.retiredHead);
      this.retiredHead = 0;
    }
  }

  /**
   * Gives an order a deadline. One shared wake-up timer serves every deadline (a timer per order
   * would cost a real setTimeout on each submit), armed for the earliest one.
   */
  private arm(o: Order, kind: InFlight, delayMs: number, now = this.clock.nowMs()): void {
    o.inflight = kind;
    o.deadlineMs = now + delayMs;
    this.deadlines.add(o);
    if (o.deadlineMs < this.wakeAtMs) this.scheduleWake(o.deadlineMs);
  }

  private disarm(o: Order): void {
    o.inflight = "none";
    this.deadlines.delete(o);
  }

  private scheduleWake(atMs: number): void {
    if (this.wakeTimer !== 0) this.clock.clearTimer(this.wakeTimer);
    this.wakeAtMs = atMs;
    this.wakeTimer = this.clock.setTimer(Math.max(0, atMs - this.clock.nowMs()), () => this.onWake());
  }

  private onWake(): void {
    this.wakeTimer = 0;
    this.wakeAtMs = Number.POSITIVE_INFINITY;
    const now = this.clock.nowMs();
    const due: Order[] = [];
    for (const o of this.deadlines) if (o.deadlineMs <= now) due.push(o);
    for (const o of due) {
      const kind = o.inflight;
      this.disarm(o);
      try {
        this.onTimer(o, kind);
      } catch (e) {
        this.onError(e);
      }
    }
    let next = Number.POSITIVE_INFINITY;
    for (const o of this.deadlines) if (o.deadlineMs < next) next = o.deadlineMs;
    if (next < this.wakeAtMs) this.scheduleWake(next);
  }

  private onTimer(o: Order, kind: InFlight): void {
    if (kind === "submit" && o.state === "pending_new") {
      this.stats.submitTimeouts++;
      this.stats.unknownOutcomes++;
      o.outcomeUnknown = true;
      note(o, this.clock.nowMs(), `no answer to submit after ${this.submitTimeoutMs} ms: querying status`);
      this.queryStatus(o);
    } else if (kind === "cancel" && o.state === "pending_cancel") {
      this.stats.cancelTimeouts++;
      note(o, this.clock.nowMs(), `cancel unresolved after ${this.cancelTimeoutMs} ms: querying status`);
      this.queryStatus(o);
    } else if (kind === "status" && isLive(o.state)) {
      this.queryStatus(o);
    }
  }

  /** A placeOrder answer (venueOrderId on success, error otherwise), re-entering as a promise's reaction would. */
  private onPlaced(order: OrderRequest, venueOrderId: string | undefined, error: unknown): void {
    // adapters answer with the very record they were given; anything else is found by its client id
    const o = order instanceof Order ? order : this.orders.get(order.clientId);
    if (o === undefined) return;
    if (this.customDeliver) {
      this.run(() => (venueOrderId !== undefined ? this.onSubmitOk(o, venueOrderId) : this.onSubmitError(o, error)));
      return;
    }
    try {
      if (venueOrderId !== undefined) this.onSubmitOk(o, venueOrderId);
      else this.onSubmitError(o, error);
    } catch (e) {
      this.onError(e);
    }
  }

  private onSubmitOk(o: Order, venueOrderId: string): void {
    if (venueOrderId !== "" && o.venueOrderId === "") o.venueOrderId = venueOrderId;
    if (o.state === "pending_new") {
      if (o.inflight === "status") {
        note(o, this.clock.nowMs(), "submit ok while a status query runs");
      }
      this.move(o, "new", "submit ok");
    } else {
      note(o, this.clock.nowMs(), `submit ok (already ${o.state})`);
    }
  }

  private onSubmitError(o: Order, e: unknown): void {
    const now = this.clock.nowMs();
    if (e instanceof VenueRejectError && e.reason !== "duplicate_client_id") {
      if (o.state === "pending_new") {
        o.rejectReason = e.reason;
        this.move(o, "rejected", `submit rejected: ${errorText(e)}`);
      } else {
        note(o, now, `submit rejected after ${o.state}: ${errorText(e)}`);
      }
      return;
    }
    // Transport error, timeout or "duplicate" (the venue has it): the outcome is unknown.
    note(o, now, `submit outcome unknown: ${errorText(e)}`);
    if (o.state !== "pending_new") return;
    if (!o.outcomeUnknown) this.stats.unknownOutcomes++;
    o.outcomeUnknown = true;
    if (o.inflight !== "status") this.arm(o, "status", this.statusRetryMs);
  }

  private sendCancel(o: Order, cause: string): void {
    const now = this.clock.nowMs();
    if (o.state !== "pending_cancel") this.move(o, "pending_cancel", cause, now);
    else note(o, now, cause);
    o.cancelAttempts++;
    this.stats.cancelRequests++;
    this.arm(o, "cancel", this.cancelTimeoutMs, now);
    const adapter = o.venueState.adapter;
    if (adapter === undefined) return; // the timeout resolves it once an adapter is back
    if (adapter.requestCancel !== undefined) {
      // the promise-free cancel: the answer comes back through this.replies
      const req = o as ManagedOrder as unknown as OrderRequest;
      try {
        adapter.requestCancel(req, this.replies);
      } catch (e) {
        this.cancelFailedSoon(req, e);
      }
      return;
    }
    this.cancelWithPromise(adapter, o);
  }

  /** A requestCancel that threw: answered as failed in a microtask, as a rejected promise would be. */
  private cancelFailedSoon(req: OrderRequest, e: unknown): void {
    queueMicrotask(() => this.onCancelAnswer(req, false, e));
  }

  /** sendCancel through an adapter without requestCancel: its promise's outcome, in a turn of its own. */
  private cancelWithPromise(adapter: VenueAdapter, o: Order): void {
    let p: Promise<void>;
    try {
      p = adapter.cancelOrder(o.symbol, o.clientId);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      () => this.run(() => this.onCancelOk(o)),
      (e: unknown) => this.run(() => this.onCancelError(o, e)),
    );
  }

  /** A requestCancel answer, re-entering as a promise's reaction would (see onPlaced). */
  private onCancelAnswer(order: OrderRequest, ok: boolean, error: unknown): void {
    const o = order instanceof Order ? order : this.orders.get(order.clientId);
    if (o === undefined) return;
    if (this.customDeliver) {
      this.run(() => (ok ? this.onCancelOk(o) : this.onCancelError(o, error)));
      return;
    }
    try {
      if (ok) this.onCancelOk(o);
      else this.onCancelError(o, error);
    } catch (e) {
      this.onError(e);
    }
  }

  private onCancelOk(o: Order): void {
    // The final "canceled" (or a racing fill) comes on the order stream; the timer covers its loss.
    note(o, this.clock.nowMs(), "cancel accepted");
  }

  private onCancelError(o: Order, e: unknown): void {
    if (o.state !== "pending_cancel") {
      note(o, this.clock.nowMs(), `cancel error after ${o.state}: ${errorText(e)}`);
      return;
    }
    if (e instanceof VenueRejectError && e.reason !== "unknown_order") {
      this.stats.cancelRejects++;
      this.move(o, o.cumLots > 0 ? "partially_filled" : "new", `cancel rejected: ${errorText(e)}`);
      return;
    }
    // unknown_order (probably filled or cancelled already) or transport error: ask the venue.
    note(o, this.clock.nowMs(), `cancel outcome unknown: ${errorText(e)}`);
    this.queryStatus(o);
  }

  private queryStatus(o: Order): void {
    const adapter = o.venueState.adapter;
    o.statusAttempts++;
    this.stats.statusQueries++;
    this.arm(
      o,
      "status",
      Math.min(this.statusRetryMs * o.statusAttempts, MAX_STATUS_BACKOFF_MS) + this.submitTimeoutMs,
    );
    if (adapter === undefined) return;
    let p: Promise<OpenOrder | undefined>;
    try {
      p = adapter.orderStatus(o.symbol, o.clientId);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (s) => this.run(() => this.onStatus(o, s)),
      (e: unknown) => this.run(() => this.onStatusError(o, e)),
    );
  }

  private onStatus(o: Order, s: OpenOrder | undefined): void {
    if (o.inflight === "status") this.disarm(o);
    const now = this.clock.nowMs();
    if (s === undefined) {
      if (o.state === "pending_new") {
        this.stats.lostOrders++;
        o.rejectReason = "lost";
        this.move(o, "rejected", "status query: the venue has no such order (never placed)");
      } else if (isLive(o.state)) {
        this.stats.vanishedOrders++;
        this.move(o, "canceled", "status query: the venue no longer knows the order");
      } else {
        note(o, now, "status query: absent (already terminal)");
      }
      return;
    }
    this.applySnapshot(o, s, "status query");
    if (o.state === "pending_cancel" && o.inflight === "none") {
      if (o.cancelAttempts < this.maxCancelAttempts) {
        this.sendCancel(o, `status shows the order still open: cancel attempt ${o.cancelAttempts + 1}`);
      } else {
        this.stats.cancelFailures++;
        this.move(o, o.cumLots > 0 ? "partially_filled" : "new", `cancel failed ${o.cancelAttempts} times`);
      }
    }
  }

  private onStatusError(o: Order, e: unknown): void {
    this.stats.statusErrors++;
    note(o, this.clock.nowMs(), `status query failed: ${errorText(e)}; retrying`);
    // The armed status timer retries with backoff; nothing is ever resent.
  }

  private applySnapshot(o: Order, s: OpenOrder, cause: string): void {
    if (s.venueOrderId !== "" && o.venueOrderId === "") o.venueOrderId = s.venueOrderId;
    this.applyStatus(o, s.status, s.cumLots, cause, false, undefined);
  }

  /**
   * The state part of an update or snapshot. The venue's cumulative quantity only moves forward:
   * anything below what we know is stale. A terminal order that the venue still shows live is
   * cancelled at the venue rather than revived.
   */
  private applyStatus(
    o: Order,
    status: OrderStatus,
    cumLots: number,
    cause: string,
    freshFill: boolean,
    rejectReason: ManagedOrder["rejectReason"],
  ): void {
    const now = this.clock.nowMs();
    const venueLive = status === "new" || status === "partially_filled";
    if (o.resurrected) {
      // we already gave this order up and are cancelling it at the venue: only its money matters now
      if (cumLots > o.cumLots) o.cumLots = cumLots;
      note(o, now, `${cause}: ${status} cum=${cumLots} for a resurrected order`);
      return;
    }
    if (isTerminal(o.state)) {
      if (venueLive && cumLots <= o.cumLots && o.rejectReason !== "lost" && o.state !== "rejected") {
        this.stats.staleUpdates++;
        return;
      }
      if (venueLive) {
        this.stats.resurrectedOrders++;
        o.resurrected = true;
        note(o, now, `${cause}: venue shows ${status} for a ${o.state} order; cancelling it at the venue`);
        if (cumLots > o.cumLots) o.cumLots = cumLots;
        this.cancelOrphan(o.venue, o.symbol, o.clientId);
        return;
      }
      if (status === o.state && cumLots <= o.cumLots) {
        if (!freshFill) this.stats.duplicateUpdates++;
        return;
      }
      // a different terminal outcome, or more quantity, for a finished order: a real contradiction
      if (cumLots > o.cumLots) o.cumLots = cumLots;
      this.move(o, status, `${cause}: venue says ${status} cum=${cumLots}`);
      return;
    }
    if (cumLots < o.cumLots) {
      this.stats.staleUpdates++;
      note(o, now, `${cause}: stale ${status} cum=${cumLots} < ${o.cumLots}, ignored`);
      return;
    }
    const grew = cumLots > o.cumLots;
    o.cumLots = cumLots;
    let target: OrderState;
    if (venueLive) {
      if (o.state === "pending_cancel") target = "pending_cancel";
      else if (status === "partially_filled" || cumLots > 0) target = "partially_filled";
      else target = "new";
    } else if (o.state === "pending_new" && rejectReason !== undefined && status !== "filled" && cumLots === 0) {
      // the venue refused it after taking it (OKX cancels a crossing post-only order): a rejection
      target = "rejected";
    } else {
      target = status;
    }
    if (target === "rejected" && rejectReason !== undefined) o.rejectReason = rejectReason;
    if (target !== o.state || (grew && (target === "partially_filled" || target === "pending_cancel"))) {
      this.move(o, target, cause);
    } else if (grew) {
      this.refresh(o);
    } else if (!freshFill) {
      this.stats.duplicateUpdates++;
    }
  }

  /** Applies a fill's money exactly once: by venue trade id, or by cumulative quantity without one. */
  private applyFill(o: Order, u: OrderUpdate): boolean {
    if (u.tradeId >= 0) {
      if (o.tradeIds === undefined) o.tradeIds = new Set();
      if (o.tradeIds.has(u.tradeId)) {
        this.stats.duplicateFills++;
        return false;
      }
      o.tradeIds.add(u.tradeId);
    } else if (u.cumLots <= o.fillCumSeen) {
      this.stats.duplicateFills++;
      return false;
    }
    if (u.cumLots > o.fillCumSeen) o.fillCumSeen = u.cumLots;
    o.appliedLots += u.lastLots;
    this.stats.fills++;
    return true;
  }

  private emitFill(o: Order, u: OrderUpdate): void {
    this.listener.onFill?.({
      venue: o.venue,
      symbol: o.symbol,
      clientId: o.clientId,
      side: o.side,
      lots: u.lastLots,
      priceTicks: u.lastPriceTicks,
      fee: u.fee,
      feeAsset: u.feeAsset,
      isMaker: u.isMaker,
      tradeId: u.tradeId,
      order: o,
      venueOrderId: u.venueOrderId !== "" ? u.venueOrderId : o.venueOrderId,
      venueTimeMs: u.venueTimeMs,
      cumLots: u.cumLots,
      source: "stream",
    });
  }

  /** Events for orders this run does not track: ours (earlier run or forgotten) or foreign. */
  private onUntrackedUpdate(u: OrderUpdate): void {
    if (!this.ids.owns(u.clientId)) {
      this.stats.foreignUpdates++;
      return;
    }
    this.stats.orphanUpdates++;
    if (u.exec === "fill" && u.lastLots > 0) {
      const key = `${u.venue}|${u.symbol}|${u.clientId}|${u.tradeId >= 0 ? u.tradeId : `c${u.cumLots}`}`;
      if (this.orphanTradeKeys.has(key)) {
        this.stats.duplicateFills++;
      } else {
        if (this.orphanTradeKeys.size >= MAX_ORPHAN_TRADE_KEYS) this.orphanTradeKeys.clear();
        this.orphanTradeKeys.add(key);
        this.stats.fills++;
        // The money moved on the venue whatever we think of the order: positions must see it.
        this.listener.onFill?.({
          venue: u.venue,
          symbol: u.symbol,
          clientId: u.clientId,
          side: u.side,
          lots: u.lastLots,
          priceTicks: u.lastPriceTicks,
          fee: u.fee,
          feeAsset: u.feeAsset,
          isMaker: u.isMaker,
          tradeId: u.tradeId,
          order: undefined,
          venueOrderId: u.venueOrderId,
          venueTimeMs: u.venueTimeMs,
          cumLots: u.cumLots,
          source: "stream",
        });
      }
    }
    if (u.status === "new" || u.status === "partially_filled") this.cancelOrphan(u.venue, u.symbol, u.clientId);
  }

  /** Best-effort cancel of an order we do not (or no longer) track; sent once per id. */
  private cancelOrphan(venue: string, symbol: string, clientId: string): void {
    if (this.orphanCancelsSent.has(clientId)) return;
    const adapter = this.registry.venues.get(venue)?.adapter;
    if (adapter === undefined) return;
    if (this.orphanCancelsSent.size >= MAX_ORPHAN_TRADE_KEYS) this.orphanCancelsSent.clear();
    this.orphanCancelsSent.add(clientId);
    this.stats.orphanCancels++;
    let p: Promise<void>;
    try {
      p = adapter.cancelOrder(symbol, clientId);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.catch(() => {
      // allowed to fail (already gone); a later listing retries via reconcile
      this.orphanCancelsSent.delete(clientId);
    });
  }
}

const EMPTY: ReadonlySet<ManagedOrder> = new Set();

/** What a settled unknown outcome turned out to be, from the state the order moved to. */
function settledResult(o: Order): UnknownOutcomeResult {
  switch (o.state) {
    case "filled":
    case "canceled":
    case "expired":
      return o.state;
    case "rejected":
      return o.rejectReason === "lost" ? "not_found" : "rejected";
    default:
      return "open";
  }
}
