/**
 * An in-process VenueAdapter on top of the simulator's matching core: no sockets, no JSON, every
 * delay taken on the Clock. On a VirtualClock the whole engine plus exchange runs deterministically
 * and faster than real time (the role NautilusTrader's backtest venue plays), which is what the
 * seeded simulation tests need. Its books are real C OrderBooks fed one applyUpdate per core update.
 */
import { OrderBook } from "../../book/index.ts";
import { checkTradeQuery, selectTrades } from "../../gateways/index.ts";
import { LatencySamples } from "../../metrics/index.ts";
import type { Clock, Rng, TimerId } from "../../services/index.ts";
import type {
  AccountTrade,
  CoreRejectReason,
  ExecutionReport,
  FeeSpec,
  OrderView,
  PlaceOrderTicksRequest,
  SimCore,
  SimOrderStatus,
  SimSymbol,
} from "../../sim/index.ts";
import {
  type Balance,
  type BookHealth,
  type FeeRates,
  type InstrumentInfo,
  type Lots,
  type OpenOrder,
  type OrderRequest,
  type OrderStatus,
  type OrderUpdate,
  type RejectReason,
  Side,
  type Ticks,
  type TradeQuery,
  type VenueEvent,
  type VenueListener,
  VenueRejectError,
  type VenueTrade,
} from "../../types/index.ts";
import type { CancelReplies, OrderReplies, VenueAdapter } from "../contract.ts";

/** Construction options. Latencies are one-way, in clock milliseconds. */
export interface SimDirectOptions {
  /** Venue name in the engine, e.g. "sim". */
  readonly name: string;
  readonly core: SimCore;
  /** Usually the core's own clock; delays are scheduled on it. */
  readonly clock: Clock;
  /** The core account this adapter trades; created with `balances` when it does not exist. */
  readonly accountId: string;
  readonly balances?: Readonly<Record<string, string>>;
  readonly fees?: FeeSpec;
  /** Client-id prefix of this engine: cancelAll and openOrders touch only ids `<prefix>-...`. */
  readonly clientIdPrefix: string;
  /** Exchange → engine delay of market data (default 0). */
  readonly marketDataMs?: number;
  /** Engine → exchange and exchange → engine delay of order entry and order events (default 0). */
  readonly orderEntryMs?: number;
  /** Adds up to this many ms of seeded random delay per message (order is always preserved). */
  readonly jitterMs?: number;
  readonly rng?: Rng;
  /** Levels per side of each adapter book (default 5000). */
  readonly maxBookLevels?: number;
  /** Trades read from the core's history per page (default 1000, as Binance's myTrades). */
  readonly tradeHistoryPageSize?: number;
}

const SIM_STATUS: Record<SimOrderStatus, OrderStatus> = {
  NEW: "new",
  PARTIALLY_FILLED: "partially_filled",
  FILLED: "filled",
  CANCELED: "canceled",
  REJECTED: "rejected",
  EXPIRED: "expired",
  EXPIRED_IN_MATCH: "expired",
};
const SIM_EXEC: Record<ExecutionReport["execType"], OrderUpdate["exec"]> = {
  NEW: "ack",
  TRADE: "fill",
  CANCELED: "canceled",
  REJECTED: "rejected",
  EXPIRED: "expired",
  TRADE_PREVENTION: "expired",
  // Only an amend reports REPLACED, and this adapter never amends; were it to, the order stands acknowledged.
  REPLACED: "ack",
};

/** The core's typed refusal as the adapter contract's reason. */
function rejectReasonOf(r: CoreRejectReason): RejectReason {
  if (typeof r !== "string") return "filter" in r ? "filter" : "invalid_request";
  switch (r) {
    case "unknown_symbol":
      return "bad_symbol";
    case "unknown_account":
      return "auth";
    default:
      return r;
  }
}

/**
 * One ordered delivery lane (market data, or order events): messages leave in the order they were
 * queued, each no earlier than its due time, with a single armed timer.
 */
class Lane {
  private readonly due: number[] = [];
  private readonly tasks: ((arg: unknown) => void)[] = [];
  private readonly args: unknown[] = [];
  private head = 0;
  private timer: TimerId = 0;
  private lastDue = 0;
  private closed = false;
  private readonly fireTask = (): void => this.fire();

  constructor(
    private readonly clock: Clock,
    private readonly delayMs: number,
    private readonly jitterMs: number,
    private readonly rng: Rng | undefined,
  ) {}

  /** Queues task(arg): a task made once and its argument, so a message costs no closure of its own. */
  push<A>(task: (arg: A) => void, arg: A): void;
  push(task: () => void): void;
  push(task: (arg: unknown) => void, arg?: unknown): void {
    this.pushAt(this.clock.nowMs(), task, arg);
  }

  /**
   * push() with the clock already read by the caller (the core's time of the action raising the
   * message): one clock read per core action instead of one per message.
   */
  pushAt<A>(nowMs: number, task: (arg: A) => void, arg: A): void;
  pushAt(nowMs: number, task: (arg: unknown) => void, arg: unknown): void {
    if (this.closed) return;
    const jitter = this.jitterMs > 0 && this.rng !== undefined ? this.rng.next() * this.jitterMs : 0;
    const at = Math.max(nowMs + this.delayMs + jitter, this.lastDue);
    this.lastDue = at;
    this.due.push(at);
    this.tasks.push(task);
    this.args.push(arg);
    if (this.timer === 0) this.arm();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== 0) this.clock.clearTimer(this.timer);
    this.timer = 0;
    this.due.length = 0;
    this.tasks.length = 0;
    this.args.length = 0;
    this.head = 0;
  }

  private arm(): void {
    const at = this.due[this.head];
    if (at === undefined) return;
    this.timer = this.clock.setTimer(Math.max(0, at - this.clock.nowMs()), this.fireTask);
  }

  private fire(): void {
    this.timer = 0;
    const now = this.clock.nowMs();
    while (this.head < this.tasks.length && (this.due[this.head] as number) <= now) {
      const task = this.tasks[this.head] as (arg: unknown) => void;
      const arg = this.args[this.head];
      this.args[this.head] = undefined;
      this.head++;
      task(arg);
      if (this.closed) return;
    }
    if (this.head === this.tasks.length) {
      this.due.length = 0;
      this.tasks.length = 0;
      this.args.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.due.splice(0, this.head);
      this.tasks.splice(0, this.head);
      this.args.splice(0, this.head);
      this.head = 0;
    }
    if (this.timer === 0) this.arm();
  }
}

const ACCEPTED = 0;
const FAILED = 1;
const CANCEL_ACCEPTED = 2;
const CANCEL_FAILED = 3;
type AnswerKind = typeof ACCEPTED | typeof FAILED | typeof CANCEL_ACCEPTED | typeof CANCEL_FAILED;

/**
 * The answers of placeOrder and requestCancel, given in a microtask (never inside the call) as a
 * promise's would be, in the order they were queued: records in reused arrays and one drain function
 * made once, so an answer costs no closure and a burst of answers one microtask.
 */
class AnswerQueue {
  private readonly kinds: AnswerKind[] = [];
  private readonly orders: OrderRequest[] = [];
  private readonly replies: (OrderReplies & CancelReplies)[] = [];
  private readonly values: unknown[] = [];
  private scheduled = false;
  private readonly drain = (): void => this.deliver();

  push(kind: AnswerKind, order: OrderRequest, replies: OrderReplies | CancelReplies, value: unknown): void {
    this.kinds.push(kind);
    this.orders.push(order);
    // each kind is only ever read through the interface it was queued with
    this.replies.push(replies as OrderReplies & CancelReplies);
    this.values.push(value);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.drain);
    }
  }

  /** Answers what was queued when this microtask began; answers queued meanwhile get the next one. */
  private deliver(): void {
    const n = this.kinds.length;
    let thrown: unknown;
    let threw = false;
    for (let i = 0; i < n; i++) {
      try {
        this.answer(this.kinds[i] as AnswerKind, this.orders[i] as OrderRequest, this.replies[i], this.values[i]);
      } catch (e) {
        // as an exception thrown from its own microtask would: reported, the other answers still given
        if (!threw) thrown = e;
        threw = true;
      }
    }
    this.drop(n);
    this.scheduled = this.kinds.length > 0;
    if (this.scheduled) queueMicrotask(this.drain);
    if (threw) throw thrown;
  }

  /** Forgets the first n answers (all of them, by truncation, unless some were queued while answering). */
  private drop(n: number): void {
    if (n === this.kinds.length) {
      this.kinds.length = 0;
      this.orders.length = 0;
      this.replies.length = 0;
      this.values.length = 0;
      return;
    }
    this.kinds.splice(0, n);
    this.orders.splice(0, n);
    this.replies.splice(0, n);
    this.values.splice(0, n);
  }

  private answer(kind: AnswerKind, o: OrderRequest, r: (OrderReplies & CancelReplies) | undefined, v: unknown): void {
    if (r === undefined) return;
    if (kind === ACCEPTED) r.accepted(o, v as string);
    else if (kind === FAILED) r.failed(o, v);
    else if (kind === CANCEL_ACCEPTED) r.cancelAccepted(o);
    else r.cancelFailed(o, v);
  }
}

/** A record the adapter refills instead of allocating one per call. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Per-symbol state: the adapter's own C book and the reusable book event. */
interface SymbolState {
  readonly info: InstrumentInfo;
  readonly sym: SimSymbol;
  readonly book: OrderBook;
  health: BookHealth;
  subscribed: boolean;
  /** Updates up to this id are already in the snapshot the book was built from. */
  snapshotId: number;
  readonly event: Extract<VenueEvent, { type: "book" }>;
  /**
   * Core updates on their way to the book, oldest first, each [updateId, venue ms, levels, then side,
   * ticks, lots per level], read from queueHead: one flat array reused, not an array per update.
   */
  readonly queue: number[];
  queueHead: number;
  /** Where the header of the update the core is reporting now sits in queue (-1: none open). */
  openAt: number;
}

/** A core balance as onAccountUpdate reports it (formatted when delivered, off the order's path). */
interface CoreBalance {
  readonly asset: string;
  readonly freeUnits: number;
  readonly lockedUnits: number;
}

/** The in-process simulator venue (one per engine venue of this kind). */
export class SimDirectAdapter implements VenueAdapter {
  readonly name: string;
  readonly kind = "sim-direct";
  /** The client-id prefix, where tools (the contract suite) look for it on every adapter. */
  readonly cfg: { readonly clientIdPrefix: string };
  private readonly core: SimCore;
  private readonly clock: Clock;
  private readonly account: string;
  private readonly ownPrefix: string;
  private readonly market: Lane;
  private readonly orders: Lane;
  private readonly orderEntryMs: number;
  private readonly infos = new Map<string, InstrumentInfo>();
  private readonly byVenueSymbol = new Map<string, SymbolState>();
  private readonly byUnified = new Map<string, SymbolState>();
  private readonly listeners: VenueListener[] = [];
  /**
   * Tick-to-trade of this venue, as the Binance adapter's tickToWire: from the book event being
   * handled (its recvNs) to its first order reaching the core, where a socket adapter's order is
   * written (the core's matching is the venue's time, not the engine's). Nanoseconds.
   */
  readonly tickToCore = new LatencySamples();
  /** The book event being dispatched (inFrame), its recvNs and number (stamps can tie). */
  private inFrame = false;
  private frameNs = 0;
  private frameId = 0;
  private lastCoreFrameId = 0;
  private unlisten: (() => void) | undefined;
  private connected = false;
  private isClosed = false;
  private readonly tradePageSize: number;
  private readonly counters = { tradeHistoryPages: 0 };
  private readonly answers = new AnswerQueue();
  /**
   * The request of placeOrderTicks, refilled per order: the core copies what it needs before it
   * raises any event, so a listener placing an order from inside one cannot change an order in flight.
   */
  private readonly placeRequest: Mutable<PlaceOrderTicksRequest> = {
    accountId: "",
    symbol: "",
    side: "BUY",
    type: "LIMIT",
    timeInForce: undefined,
    priceTicks: 0,
    lots: 0,
    clientOrderId: undefined,
  };
  /** The lanes' deliveries, made once: a message is (task, argument), no closure per message. */
  private readonly deliverOrder = (update: OrderUpdate): void =>
    this.emit({ type: "order", update, recvNs: this.clock.monoNs() });
  private readonly deliverBalances = (balances: readonly CoreBalance[]): void =>
    this.emit({ type: "balances", venue: this.name, balances: balances.map((b) => this.balanceOf(b)) });
  private readonly deliverUpdate = (st: SymbolState): void => this.applyQueued(st);

  constructor(opts: SimDirectOptions) {
    this.name = opts.name;
    this.core = opts.core;
    this.clock = opts.clock;
    this.account = opts.accountId;
    this.ownPrefix = `${opts.clientIdPrefix}-`;
    this.cfg = { clientIdPrefix: opts.clientIdPrefix };
    this.orderEntryMs = opts.orderEntryMs ?? 0;
    this.tradePageSize = opts.tradeHistoryPageSize ?? 1000;
    if (!(Number.isInteger(this.tradePageSize) && this.tradePageSize >= 1))
      throw new Error(`${opts.name}: tradeHistoryPageSize must be a positive integer`);
    const jitter = opts.jitterMs ?? 0;
    this.market = new Lane(opts.clock, opts.marketDataMs ?? 0, jitter, opts.rng?.fork(`${opts.name}/md`));
    this.orders = new Lane(opts.clock, this.orderEntryMs, jitter, opts.rng?.fork(`${opts.name}/oe`));
    if (!opts.core.hasAccount(opts.accountId)) {
      opts.core.createAccount(opts.accountId, opts.balances ?? {}, opts.fees);
    } else if (opts.fees !== undefined) {
      opts.core.setFees(opts.accountId, opts.fees);
    }
    const maxLevels = opts.maxBookLevels ?? 5000;
    for (const sym of opts.core.symbols()) {
      const info: InstrumentInfo = {
        symbol: `${sym.base}-${sym.quote}`,
        venueSymbol: sym.name,
        base: sym.base,
        quote: sym.quote,
        price: sym.priceGrid,
        qty: sym.qtyGrid,
        minQtyLots: sym.minQtyLots as Lots,
        maxQtyLots: sym.maxQtyLots as Lots,
        minNotional: sym.spec.minNotional,
        maxNotional: sym.spec.maxNotional,
        trading: sym.status === "TRADING",
      };
      this.infos.set(info.symbol, info);
      const book = new OrderBook({ maxLevels });
      const st: SymbolState = {
        info,
        sym,
        book,
        health: "syncing",
        subscribed: false,
        snapshotId: 0,
        event: {
          type: "book",
          venue: this.name,
          symbol: info.symbol,
          book,
          seq: 0,
          snapshot: false,
          recvNs: 0,
          venueTimeMs: 0,
        },
        queue: [],
        queueHead: 0,
        openAt: -1,
      };
      this.byVenueSymbol.set(sym.name, st);
      this.byUnified.set(info.symbol, st);
    }
  }

  async connect(): Promise<void> {
    if (this.isClosed) throw new Error(`${this.name}: adapter is closed`);
    if (this.connected) return;
    this.connected = true;
    this.unlisten = this.core.addListener({
      onBookLevel: (sym, _u, side, ticks, lots) => {
        const st = this.byVenueSymbol.get(sym.name);
        if (st?.subscribed !== true) return;
        if (st.openAt < 0) {
          st.openAt = st.queue.length;
          st.queue.push(0, 0, 0);
        }
        st.queue.push(side, ticks, lots);
      },
      onBookUpdateEnd: (sym, updateId, timeMs) => this.onCoreUpdateEnd(sym, updateId, timeMs),
      onTrade: (sym, tradeId, priceTicks, lots, buyerIsMaker, timeMs) => {
        const st = this.byVenueSymbol.get(sym.name);
        if (st?.subscribed !== true) return;
        this.market.push(() =>
          this.emit({
            type: "trade",
            venue: this.name,
            symbol: st.info.symbol,
            priceTicks,
            lots,
            aggressor: buyerIsMaker ? Side.Sell : Side.Buy,
            tradeId,
            venueTimeMs: timeMs,
            recvNs: this.clock.monoNs(),
          }),
        );
      },
      // the core's time of the action stands for the clock (the same reading: one per action)
      onExecution: (r) => {
        if (r.accountId !== this.account) return;
        this.orders.pushAt(r.eventTimeMs, this.deliverOrder, this.updateOf(r));
      },
      onAccountUpdate: (acct, timeMs, balances) => {
        if (acct !== this.account) return;
        this.orders.pushAt(timeMs, this.deliverBalances, balances);
      },
    });
    for (const stream of ["market", "orders"] as const) {
      this.market.push(() =>
        this.emit({ type: "connection", venue: this.name, stream, state: "connected", reason: "in-process" }),
      );
    }
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.unlisten?.();
    this.market.close();
    this.orders.close();
    for (const st of this.byUnified.values()) st.book.close();
  }

  instruments(): ReadonlyMap<string, InstrumentInfo> {
    return this.infos;
  }

  /**
   * Snapshots each book now; the snapshot and every later core update reach the book in order.
   * Resolves once every book is live (after the market-data delay, like a venue's snapshot fetch).
   */
  async subscribeQuotes(symbols: readonly string[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const s of symbols) {
      const st = this.state(s);
      if (st.subscribed) continue;
      waits.push(this.snapshot(st));
    }
    await Promise.all(waits);
  }

  private snapshot(st: SymbolState): Promise<void> {
    st.subscribed = true;
    const snap = this.core.depthSnapshot(st.sym.name, 5000);
    if (snap === undefined)
      return Promise.reject(new VenueRejectError("bad_symbol", -1121, `unknown ${st.info.symbol}`));
    st.snapshotId = snap.lastUpdateId;
    const venueMs = this.clock.nowMs();
    return new Promise((resolve, reject) => {
      this.market.push(() => {
        const b = st.book;
        b.beginUpdate();
        for (const [t, l] of snap.bids) b.stage(Side.Buy, t, l);
        for (const [t, l] of snap.asks) b.stage(Side.Sell, t, l);
        const status = b.applySnapshot();
        if (status !== 0) {
          this.setHealth(st, "resyncing", `snapshot failed with status ${status}`);
          reject(new Error(`${this.name} ${st.info.symbol}: snapshot refused by the book (status ${status})`));
          return;
        }
        this.setHealth(st, "live", "snapshot applied");
        this.emitBook(st, snap.lastUpdateId, true, venueMs);
        resolve();
      });
    });
  }

  book(symbol: string): OrderBook | undefined {
    return this.byUnified.get(symbol)?.book;
  }

  bookHealth(symbol: string): BookHealth | undefined {
    return this.byUnified.get(symbol)?.health;
  }

  submitOrder(o: OrderRequest): Promise<string> {
    if (this.orderEntryMs === 0) return this.now(() => this.place(o));
    return new Promise((resolve, reject) => {
      this.orders.push(() => {
        try {
          const id = this.place(o);
          this.orders.push(() => resolve(id));
        } catch (e) {
          this.orders.push(() => reject(e));
        }
      });
    });
  }

  /**
   * submitOrder without a promise (VenueAdapter.placeOrder): with no order-entry delay the core
   * matches the order now and the answer follows in a microtask (never inside this call); with a
   * delay, the delayed path answers from its promise.
   */
  placeOrder(o: OrderRequest, replies: OrderReplies): void {
    if (this.orderEntryMs !== 0) {
      this.placeDelayed(o, replies);
      return;
    }
    let id: string;
    try {
      id = this.place(o);
    } catch (e) {
      this.answers.push(FAILED, o, replies, e);
      return;
    }
    this.answers.push(ACCEPTED, o, replies, id);
  }

  cancelOrder(symbol: string, clientId: string): Promise<void> {
    return this.request(() => this.cancel(symbol, clientId));
  }

  /**
   * cancelOrder without a promise (VenueAdapter.requestCancel): with no order-entry delay the core
   * cancels now and the answer follows in a microtask; with a delay, the delayed path answers.
   */
  requestCancel(o: OrderRequest, replies: CancelReplies): void {
    if (this.orderEntryMs !== 0) {
      this.cancelDelayed(o, replies);
      return;
    }
    try {
      if (this.isClosed) throw new Error(`${this.name}: adapter is closed`);
      this.cancel(o.symbol, o.clientId);
    } catch (e) {
      this.answers.push(CANCEL_FAILED, o, replies, e);
      return;
    }
    this.answers.push(CANCEL_ACCEPTED, o, replies, undefined);
  }

  /**
   * placeOrder after the order-entry delay, answered from submitOrder's promise. Its own method: a
   * closure over o and replies inside placeOrder would give every call a scope, delayed or not.
   */
  private placeDelayed(o: OrderRequest, replies: OrderReplies): void {
    this.submitOrder(o).then(
      (id) => replies.accepted(o, id),
      (e: unknown) => replies.failed(o, e),
    );
  }

  /** requestCancel after the order-entry delay (its own method for the reason placeDelayed is). */
  private cancelDelayed(o: OrderRequest, replies: CancelReplies): void {
    this.cancelOrder(o.symbol, o.clientId).then(
      () => replies.cancelAccepted(o),
      (e: unknown) => replies.cancelFailed(o, e),
    );
  }

  /** Cancels one order on the core now; throws the venue's refusal. */
  private cancel(symbol: string, clientId: string): void {
    const refused = this.core.cancelOrderQuiet(this.account, this.state(symbol).sym.name, clientId);
    if (refused !== null) throw new VenueRejectError(rejectReasonOf(refused), -2011, "Unknown order sent.");
  }

  cancelAll(symbol: string): Promise<number> {
    return this.request(() => {
      const st = this.state(symbol);
      let n = 0;
      for (const v of this.core.openOrders(this.account, st.sym.name)) {
        if (!v.clientOrderId.startsWith(this.ownPrefix)) continue;
        if (this.core.cancelOrder(this.account, st.sym.name, { orderId: v.orderId }).ok) n++;
      }
      return n;
    });
  }

  openOrders(symbol?: string, all = false): Promise<OpenOrder[]> {
    return this.request(() => {
      const venueSymbol = symbol === undefined ? undefined : this.state(symbol).sym.name;
      return this.core
        .openOrders(this.account, venueSymbol)
        .filter((v) => all || v.clientOrderId.startsWith(this.ownPrefix))
        .map((v) => this.openOf(v));
    });
  }

  orderStatus(symbol: string, clientId: string): Promise<OpenOrder | undefined> {
    return this.request(() => {
      const v = this.core.getOrder(this.account, this.state(symbol).sym.name, { clientOrderId: clientId });
      return v === undefined ? undefined : this.openOf(v);
    });
  }

  balances(): Promise<Balance[]> {
    return this.request(() => (this.core.balances(this.account) ?? []).map((b) => this.balanceOf(b)));
  }

  /** A core balance in the venue's decimals. */
  private balanceOf(b: CoreBalance): Balance {
    return {
      asset: b.asset,
      free: this.core.formatAsset(b.asset, b.freeUnits),
      locked: this.core.formatAsset(b.asset, b.lockedUnits),
    };
  }

  /**
   * The account's trades on a symbol from the core's trade history (kept after orders close), oldest
   * first, read in pages by trade id like a venue's myTrades; after the order-entry delay, as a request.
   */
  tradeHistory(q: TradeQuery): Promise<VenueTrade[]> {
    return this.request(() => {
      checkTradeQuery(this.name, q);
      const st = this.state(q.symbol);
      const out: VenueTrade[] = [];
      let from = q.afterTradeId === undefined ? 0 : Number(q.afterTradeId) + 1;
      for (;;) {
        const page = this.core.accountTrades(this.account, {
          symbol: st.sym.name,
          fromTradeId: from,
          limit: this.tradePageSize,
          ...(q.sinceMs !== undefined ? { startMs: q.sinceMs } : {}),
        });
        this.counters.tradeHistoryPages++;
        for (const t of page) out.push(this.tradeOf(st, t));
        const last = page.at(-1);
        if (last === undefined || page.length < this.tradePageSize) break;
        if (q.limit !== undefined && out.length >= q.limit) break;
        from = last.tradeId + 1;
      }
      return selectTrades(out, q);
    });
  }

  /** Counters for metrics and tests (history pages read). */
  stats(): Readonly<Record<string, number>> {
    return { ...this.counters };
  }

  /** The rates the core charges this account (the same on every symbol). */
  feeRates(symbols: readonly string[]): Promise<FeeRates[]> {
    return this.request(() => {
      const fees = this.core.fees(this.account) ?? { maker: "0", taker: "0" };
      return symbols.map((symbol) => ({ symbol, maker: fees.maker, taker: fees.taker }));
    });
  }

  onEvent(listener: VenueListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Places one order on the core now (the "socket write" of this adapter); throws typed refusals.
   * Counts the core holds exactly go in as integers (placeOrderTicks: nothing formatted to be parsed
   * back); any other count takes the decimal-string entry, which refuses it as a venue would.
   */
  private place(o: OrderRequest): string {
    if (this.isClosed) throw new Error(`${this.name}: adapter is closed`);
    if (this.inFrame && this.frameId !== this.lastCoreFrameId) {
      this.lastCoreFrameId = this.frameId;
      this.tickToCore.record(this.clock.monoNs() - this.frameNs);
    }
    const st = this.state(o.symbol);
    const sym = st.sym;
    if ((o.type === "market" || sym.exactTicks(o.priceTicks)) && sym.exactLots(o.lots)) {
      const req = this.placeRequest;
      req.accountId = this.account;
      req.symbol = sym.name;
      req.side = o.side === Side.Buy ? "BUY" : "SELL";
      req.type = o.type === "limit_maker" ? "LIMIT_MAKER" : o.type === "market" ? "MARKET" : "LIMIT";
      req.timeInForce = o.type === "limit" ? o.tif : undefined;
      req.priceTicks = o.type === "market" ? 0 : o.priceTicks;
      req.lots = o.lots;
      req.clientOrderId = o.clientId;
      const id = this.core.placeOrderTicks(req);
      if (typeof id !== "number")
        throw new VenueRejectError(rejectReasonOf(id.reason), -2010, JSON.stringify(id.reason));
      return String(id);
    }
    return this.placeDecimal(st, o);
  }

  /** place() through the core's decimal-string entry, for counts outside what it holds exactly. */
  private placeDecimal(st: SymbolState, o: OrderRequest): string {
    // one literal (absent fields undefined), not spreads of temporary objects
    const r = this.core.placeOrder({
      accountId: this.account,
      symbol: st.sym.name,
      side: o.side === Side.Buy ? "BUY" : "SELL",
      type: o.type === "limit_maker" ? "LIMIT_MAKER" : o.type === "market" ? "MARKET" : "LIMIT",
      timeInForce: o.type === "limit" ? o.tif : undefined,
      price: o.type === "market" ? undefined : st.info.price.format(o.priceTicks),
      quantity: st.info.qty.format(o.lots),
      clientOrderId: o.clientId,
    });
    if (!r.ok) throw new VenueRejectError(rejectReasonOf(r.reason), -2010, JSON.stringify(r.reason));
    return String(r.order.orderId);
  }

  /** Runs a request on the core after the order-entry delay and answers after it again. */
  private request<T>(fn: () => T): Promise<T> {
    if (this.isClosed) return Promise.reject(new Error(`${this.name}: adapter is closed`));
    if (this.orderEntryMs === 0) return this.now(fn);
    return new Promise((resolve, reject) => {
      this.orders.push(() => {
        try {
          const v = fn();
          this.orders.push(() => resolve(v));
        } catch (e) {
          this.orders.push(() => reject(e));
        }
      });
    });
  }

  /** Without a delay the request reaches the core at once (like a socket write); the answer is a promise. */
  private now<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private state(symbol: string): SymbolState {
    const st = this.byUnified.get(symbol);
    if (st === undefined) throw new VenueRejectError("bad_symbol", -1121, `Invalid symbol ${symbol}`);
    return st;
  }

  /** The end of a core update: its levels (queued by onBookLevel) travel to the book in the market lane. */
  private onCoreUpdateEnd(sym: SimSymbol, updateId: number, timeMs: number): void {
    const st = this.byVenueSymbol.get(sym.name);
    if (st === undefined || st.openAt < 0) return;
    const at = st.openAt;
    st.openAt = -1;
    const q = st.queue;
    if (updateId <= st.snapshotId) {
      q.length = at; // already in the snapshot the book was built from
      return;
    }
    q[at] = updateId;
    q[at + 1] = timeMs;
    q[at + 2] = (q.length - at - 3) / 3;
    this.market.pushAt(timeMs, this.deliverUpdate, st);
  }

  /** The oldest queued core update, applied to the adapter's book and emitted. */
  private applyQueued(st: SymbolState): void {
    const q = st.queue;
    const h = st.queueHead;
    const updateId = q[h] as number;
    const venueMs = q[h + 1] as number;
    const end = h + 3 + 3 * (q[h + 2] as number);
    if (st.health === "live") {
      const b = st.book;
      b.beginUpdate();
      for (let i = h + 3; i < end; i += 3) b.stage(q[i] as Side, q[i + 1] as number, q[i + 2] as number);
    }
    // consumed before anything is emitted: the engine's own orders queue new updates meanwhile
    if (end === q.length && st.openAt < 0) {
      q.length = 0;
      st.queueHead = 0;
    } else {
      st.queueHead = end;
    }
    if (st.health !== "live") return;
    const status = st.book.applyUpdate();
    if (status !== 0) {
      // cannot happen unless the core and the C book disagree: resync from a fresh snapshot
      this.setHealth(st, "resyncing", `update ${updateId} failed with status ${status}`);
      this.snapshot(st).catch(() => {});
      return;
    }
    this.emitBook(st, updateId, false, venueMs);
  }

  private emitBook(st: SymbolState, seq: number, snapshot: boolean, venueTimeMs: number): void {
    const ev = st.event;
    ev.venueTimeMs = venueTimeMs;
    ev.seq = seq;
    ev.snapshot = snapshot;
    ev.recvNs = this.clock.monoNs();
    this.frameNs = ev.recvNs;
    this.frameId++;
    this.inFrame = true;
    try {
      this.emit(ev);
    } finally {
      this.inFrame = false;
    }
  }

  private setHealth(st: SymbolState, health: BookHealth, reason: string): void {
    if (st.health === health) return;
    st.health = health;
    this.emit({ type: "book_health", venue: this.name, symbol: st.info.symbol, health, reason });
  }

  private emit(ev: VenueEvent): void {
    for (let i = 0; i < this.listeners.length; i++) (this.listeners[i] as VenueListener)(ev);
  }

  private updateOf(r: ExecutionReport): OrderUpdate {
    return {
      venue: this.name,
      symbol: this.byVenueSymbol.get(r.symbol.name)?.info.symbol ?? `${r.symbol.base}-${r.symbol.quote}`,
      clientId: r.execType === "CANCELED" && r.origClientOrderId !== "" ? r.origClientOrderId : r.clientOrderId,
      venueOrderId: String(r.orderId),
      side: r.side === "BUY" ? Side.Buy : Side.Sell,
      status: SIM_STATUS[r.status],
      exec: SIM_EXEC[r.execType],
      priceTicks: r.priceTicks as Ticks,
      origLots: r.origLots as Lots,
      cumLots: r.cumLots as Lots,
      lastLots: r.lastLots as Lots,
      lastPriceTicks: r.lastPriceTicks as Ticks,
      fee: r.commissionAsset === null ? "0" : this.core.formatAsset(r.commissionAsset, r.commissionUnits),
      feeAsset: r.commissionAsset ?? "",
      isMaker: r.isMaker,
      tradeId: r.tradeId,
      rejectReason: r.execType === "REJECTED" ? "unknown" : undefined,
      venueTimeMs: r.eventTimeMs,
    };
  }

  private tradeOf(st: SymbolState, t: AccountTrade): VenueTrade {
    return {
      venue: this.name,
      symbol: st.info.symbol,
      tradeId: String(t.tradeId),
      venueOrderId: String(t.orderId),
      clientId: t.clientOrderId,
      side: t.side === "BUY" ? Side.Buy : Side.Sell,
      priceTicks: t.priceTicks as Ticks,
      lots: t.lots as Lots,
      price: st.info.price.format(t.priceTicks),
      qty: st.info.qty.format(t.lots),
      fee: this.core.formatAsset(t.commissionAsset, t.commissionUnits),
      feeAsset: t.commissionAsset,
      isMaker: t.isMaker,
      venueTimeMs: t.timeMs,
    };
  }

  private openOf(v: OrderView): OpenOrder {
    return {
      symbol: `${v.symbol.base}-${v.symbol.quote}`,
      clientId: v.clientOrderId,
      venueOrderId: String(v.orderId),
      side: v.side === "BUY" ? Side.Buy : Side.Sell,
      priceTicks: v.priceTicks as Ticks,
      origLots: v.origLots as Lots,
      cumLots: v.executedLots as Lots,
      status: SIM_STATUS[v.status],
    };
  }
}
