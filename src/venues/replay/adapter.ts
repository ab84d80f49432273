/**
 * The replay venue: a VenueAdapter over recorded market data, for the unchanged engine in a backtest.
 * Market data reaches the engine at the recorded receive times; orders travel to the venue after the
 * entry latency, meet the venue-time book in the fill model, and their answers come back after the
 * response latency — each direction in order, every delay on the virtual clock. The session moves
 * the data; this class is the contract's face of one venue.
 */
import type { OrderBook } from "../../book/index.ts";
import type { FillModel, LatencyModel } from "../../fills/index.ts";
import { checkTradeQuery, selectTrades } from "../../gateways/index.ts";
import type { Clock, TimerId } from "../../services/index.ts";
import {
  type Balance,
  type BookHealth,
  type FeeRates,
  type InstrumentInfo,
  type Lots,
  type OpenOrder,
  type OrderRequest,
  type OrderUpdate,
  type Side,
  type Ticks,
  type TradeQuery,
  type VenueEvent,
  type VenueListener,
  VenueRejectError,
  type VenueTrade,
} from "../../types/index.ts";
import type { VenueAdapter } from "../contract.ts";
import type { LocalSink, ReplayStream } from "./stream.ts";

/** A one-way lane: tasks run in the order queued, each no earlier than its own delay. */
class Lane {
  private lastDue = 0;
  private readonly timers = new Set<TimerId>();
  constructor(private readonly clock: Clock) {}
  after(delayMs: number, task: () => void): void {
    const due = Math.max(this.clock.nowMs() + delayMs, this.lastDue);
    this.lastDue = due;
    const id = this.clock.setTimer(due - this.clock.nowMs(), () => {
      this.timers.delete(id);
      task();
    });
    this.timers.add(id);
  }
  close(): void {
    for (const t of this.timers) this.clock.clearTimer(t);
    this.timers.clear();
  }
}

/** What the session gives each replay adapter. */
export interface ReplayAdapterOptions {
  readonly name: string;
  readonly clock: Clock;
  readonly streams: ReadonlyMap<string, ReplayStream>;
  readonly fill: FillModel;
  readonly latency: LatencyModel;
  readonly clientIdPrefix: string;
  /** Told whenever a promise settles or an order event is delivered (the driver lets the engine react). */
  readonly onActivity: () => void;
}

/** One recorded venue behind the VenueAdapter contract. */
export class ReplayAdapter implements VenueAdapter, LocalSink {
  readonly name: string;
  readonly kind = "replay";
  readonly cfg: { readonly clientIdPrefix: string };
  private readonly opts: ReplayAdapterOptions;
  private readonly listeners: VenueListener[] = [];
  private readonly infos = new Map<string, InstrumentInfo>();
  private readonly toVenue: Lane;
  private readonly fromVenue: Lane;
  private readonly bookEvents = new Map<string, Extract<VenueEvent, { type: "book" }>>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private closed = false;

  constructor(opts: ReplayAdapterOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.cfg = { clientIdPrefix: opts.clientIdPrefix };
    this.toVenue = new Lane(opts.clock);
    this.fromVenue = new Lane(opts.clock);
    for (const [symbol, s] of opts.streams) {
      this.infos.set(symbol, s.info);
      this.bookEvents.set(symbol, {
        type: "book",
        venue: this.name,
        symbol,
        book: s.localBook,
        seq: 0,
        snapshot: false,
        recvNs: 0,
        venueTimeMs: 0,
      });
    }
  }

  /** Delivers an order event from the fill model after the response latency. */
  report(update: OrderUpdate): void {
    this.fromVenue.after(this.opts.latency.responseMs(), () => {
      this.opts.onActivity();
      this.emit({ type: "order", update, recvNs: this.opts.clock.monoNs() });
    });
  }

  async connect(): Promise<void> {
    if (this.closed) throw new Error(`${this.name}: adapter is closed`);
    for (const stream of ["market", "orders"] as const)
      this.emit({ type: "connection", venue: this.name, stream, state: "connected", reason: "replay" });
    // the caller's continuation must run before the data moves on, as it would live
    this.opts.onActivity();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.toVenue.close();
    this.fromVenue.close();
  }

  instruments(): ReadonlyMap<string, InstrumentInfo> {
    return this.infos;
  }

  subscribeQuotes(symbols: readonly string[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const symbol of symbols) {
      const s = this.opts.streams.get(symbol);
      if (s === undefined)
        return Promise.reject(new VenueRejectError("bad_symbol", -1121, `no recording of ${symbol}`));
      if (s.subscribe()) {
        this.onHealth(s, "live", "subscribed", false);
        this.onBook(s, true, 0, 0);
        this.opts.onActivity();
      } else
        waits.push(new Promise((resolve) => this.waiters.set(symbol, [...(this.waiters.get(symbol) ?? []), resolve])));
    }
    return Promise.all(waits).then(() => {});
  }

  // LocalSink: the engine-side of recorded frames, as venue events

  book(symbol: string): OrderBook | undefined {
    return this.opts.streams.get(symbol)?.localBook;
  }

  onBook(s: ReplayStream, snapshot: boolean, seq: number, venueMs: number): void {
    const ev = this.bookEvents.get(s.info.symbol);
    if (ev === undefined) return;
    ev.seq = seq;
    ev.snapshot = snapshot;
    ev.recvNs = this.opts.clock.monoNs();
    ev.venueTimeMs = Math.floor(venueMs);
    this.emit(ev);
  }

  onTrade(s: ReplayStream, side: number, ticks: number, lots: number, tradeId: number, venueMs: number): void {
    this.emit({
      type: "trade",
      venue: this.name,
      symbol: s.info.symbol,
      priceTicks: ticks,
      lots,
      aggressor: side as Side,
      tradeId,
      venueTimeMs: Math.floor(venueMs),
      recvNs: this.opts.clock.monoNs(),
    });
  }

  onHealth(s: ReplayStream, health: BookHealth, reason: string, gap: boolean): void {
    this.emit({ type: "book_health", venue: this.name, symbol: s.info.symbol, health, reason, gap });
    if (health !== "live") return;
    const w = this.waiters.get(s.info.symbol);
    if (w === undefined) return;
    this.waiters.delete(s.info.symbol);
    this.opts.onActivity();
    for (const f of w) f();
  }

  bookHealth(symbol: string): BookHealth | undefined {
    return this.opts.streams.get(symbol)?.health;
  }

  submitOrder(order: OrderRequest): Promise<string> {
    return this.request(() => this.opts.fill.place(order));
  }

  cancelOrder(symbol: string, clientId: string): Promise<void> {
    return this.request(() => {
      if (!this.opts.fill.cancel(symbol, clientId))
        throw new VenueRejectError("unknown_order", -2011, "Unknown order sent.");
    });
  }

  cancelAll(symbol: string): Promise<number> {
    return this.request(() => {
      let n = 0;
      const prefix = `${this.opts.clientIdPrefix}-`;
      for (const o of this.opts.fill.openOrders(symbol))
        if (o.req.clientId.startsWith(prefix) && this.opts.fill.cancel(symbol, o.req.clientId)) n++;
      return n;
    });
  }

  openOrders(symbol?: string): Promise<OpenOrder[]> {
    return this.request(() => this.opts.fill.openOrders(symbol).map((o) => openOf(o)));
  }

  orderStatus(symbol: string, clientId: string): Promise<OpenOrder | undefined> {
    return this.request(() => {
      const o = this.opts.fill.openOrders(symbol).find((x) => x.req.clientId === clientId);
      return o === undefined ? undefined : openOf(o);
    });
  }

  /** Our fills from the local fill model, as a venue's trade history answers. */
  tradeHistory(query: TradeQuery): Promise<VenueTrade[]> {
    return this.request(() => {
      checkTradeQuery(this.name, query);
      return selectTrades(
        this.opts.fill.trades().filter((t) => t.symbol === query.symbol),
        query,
      );
    });
  }

  balances(): Promise<Balance[]> {
    return this.request(() => this.opts.fill.balanceList());
  }

  /** The rates the fill model charges (fill_model's fees): what a backtest's edge checks must use. */
  feeRates(symbols: readonly string[]): Promise<FeeRates[]> {
    return this.request(() => this.opts.fill.feeRates(symbols));
  }

  onEvent(listener: VenueListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Runs fn at the venue after the entry latency; its answer comes back after the response latency. */
  private request<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${this.name}: adapter is closed`));
    return new Promise<T>((resolve, reject) => {
      this.toVenue.after(this.opts.latency.entryMs(), () => {
        let settle: () => void;
        try {
          const v = fn();
          settle = () => resolve(v);
        } catch (e) {
          settle = () => reject(e);
        }
        this.fromVenue.after(this.opts.latency.responseMs(), () => {
          this.opts.onActivity();
          settle();
        });
      });
    });
  }

  private emit(ev: VenueEvent): void {
    for (let i = 0; i < this.listeners.length; i++) (this.listeners[i] as VenueListener)(ev);
  }
}

function openOf(o: {
  req: OrderRequest;
  venueOrderId: string;
  cumLots: number;
  status: OpenOrder["status"];
}): OpenOrder {
  return {
    symbol: o.req.symbol,
    clientId: o.req.clientId,
    venueOrderId: o.venueOrderId,
    side: o.req.side,
    priceTicks: o.req.priceTicks as Ticks,
    origLots: o.req.lots as Lots,
    cumLots: o.cumLots as Lots,
    status: o.status,
  };
}
