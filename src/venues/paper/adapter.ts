/**
 * Paper trading: a real venue's market data (Binance, OKX, or any adapter) with our orders filled
 * locally by the same fill model backtests use, so a strategy runs on live data without keys that
 * trade. Market events pass through unchanged; every applied book frame and trade also moves the
 * fill model (queues, crossings, fills), and order answers come back after the configured latency.
 */
import type { OrderBook } from "../../book/index.ts";
import { FillModel, type LatencyModel, type QueueModel } from "../../fills/index.ts";
import { checkTradeQuery, selectTrades } from "../../gateways/index.ts";
import type { Clock, TimerId } from "../../services/index.ts";
import type {
  Balance,
  BookHealth,
  FeeRates,
  InstrumentInfo,
  Lots,
  OpenOrder,
  OrderRequest,
  Ticks,
  TradeQuery,
  VenueEvent,
  VenueListener,
  VenueTrade,
} from "../../types/index.ts";
import { VenueRejectError } from "../../types/index.ts";
import type { VenueAdapter } from "../contract.ts";

/** How a paper venue is built. */
export interface PaperOptions {
  /** The venue's name in the engine (the inner adapter's name too). */
  readonly name: string;
  /** A market-data-only adapter of the real venue. */
  readonly inner: VenueAdapter;
  readonly clock: Clock;
  readonly fees: { readonly maker: number; readonly taker: number };
  readonly queue: QueueModel;
  readonly latency: LatencyModel;
  readonly balances: Readonly<Record<string, string>>;
  readonly clientIdPrefix: string;
}

/** A real venue's data, local fills; see the module comment. */
export class PaperAdapter implements VenueAdapter {
  readonly name: string;
  readonly kind = "paper";
  readonly cfg: { readonly clientIdPrefix: string };
  private readonly opts: PaperOptions;
  private fill: FillModel | undefined;
  private readonly listeners: VenueListener[] = [];
  private readonly timers = new Set<TimerId>();
  private lastDue = [0, 0];
  private unlisten: (() => void) | undefined;

  constructor(opts: PaperOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.cfg = { clientIdPrefix: opts.clientIdPrefix };
  }

  async connect(): Promise<void> {
    this.unlisten = this.opts.inner.onEvent((ev) => this.onInner(ev));
    await this.opts.inner.connect();
    this.fill = new FillModel({
      venue: this.name,
      instruments: this.opts.inner.instruments(),
      book: (symbol) => this.opts.inner.book(symbol),
      fees: this.opts.fees,
      queue: this.opts.queue,
      balances: this.opts.balances,
      nowMs: () => this.opts.clock.nowMs(),
      report: (u) =>
        this.after(1, this.opts.latency.responseMs(), () =>
          this.emit({ type: "order", update: u, recvNs: this.opts.clock.monoNs() }),
        ),
    });
    this.emit({ type: "connection", venue: this.name, stream: "orders", state: "connected", reason: "paper" });
  }

  async close(): Promise<void> {
    this.unlisten?.();
    for (const t of this.timers) this.opts.clock.clearTimer(t);
    this.timers.clear();
    await this.opts.inner.close();
  }

  instruments(): ReadonlyMap<string, InstrumentInfo> {
    return this.opts.inner.instruments();
  }
  subscribeQuotes(symbols: readonly string[]): Promise<void> {
    return this.opts.inner.subscribeQuotes(symbols);
  }
  book(symbol: string): OrderBook | undefined {
    return this.opts.inner.book(symbol);
  }
  bookHealth(symbol: string): BookHealth | undefined {
    return this.opts.inner.bookHealth(symbol);
  }
  submitOrder(order: OrderRequest): Promise<string> {
    return this.request(() => this.model().place(order));
  }
  cancelOrder(symbol: string, clientId: string): Promise<void> {
    return this.request(() => {
      if (!this.model().cancel(symbol, clientId))
        throw new VenueRejectError("unknown_order", -2011, "Unknown order sent.");
    });
  }
  cancelAll(symbol: string): Promise<number> {
    return this.request(() => {
      let n = 0;
      for (const o of this.model().openOrders(symbol))
        if (o.req.clientId.startsWith(`${this.cfg.clientIdPrefix}-`) && this.model().cancel(symbol, o.req.clientId))
          n++;
      return n;
    });
  }
  openOrders(symbol?: string): Promise<OpenOrder[]> {
    return this.request(() =>
      this.model()
        .openOrders(symbol)
        .map((o) => ({
          symbol: o.req.symbol,
          clientId: o.req.clientId,
          venueOrderId: o.venueOrderId,
          side: o.req.side,
          priceTicks: o.req.priceTicks as Ticks,
          origLots: o.req.lots as Lots,
          cumLots: o.cumLots as Lots,
          status: o.status,
        })),
    );
  }
  async orderStatus(symbol: string, clientId: string): Promise<OpenOrder | undefined> {
    return (await this.openOrders(symbol)).find((o) => o.clientId === clientId);
  }
  /** Our fills from the local fill model, as a venue's trade history answers. */
  tradeHistory(query: TradeQuery): Promise<VenueTrade[]> {
    return this.request(() => {
      checkTradeQuery(this.name, query);
      return selectTrades(
        this.model()
          .trades()
          .filter((t) => t.symbol === query.symbol),
        query,
      );
    });
  }

  balances(): Promise<Balance[]> {
    return this.request(() => this.model().balanceList());
  }
  /** The rates the local fill model charges (not the real venue's: no order reaches it). */
  feeRates(symbols: readonly string[]): Promise<FeeRates[]> {
    return this.request(() => this.model().feeRates(symbols));
  }
  onEvent(listener: VenueListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
  stats(): Readonly<Record<string, number>> {
    const s = this.fill?.stats;
    return { paperMakerFills: s?.makerFills ?? 0, paperTakerFills: s?.takerFills ?? 0, paperPlaced: s?.placed ?? 0 };
  }

  /** Market data of the real venue: passed on, and shown to the fill model after the engine saw it. */
  private onInner(ev: VenueEvent): void {
    this.emit(ev);
    const f = this.fill;
    if (f === undefined) return;
    if (ev.type === "book") {
      const book = this.opts.inner.book(ev.symbol);
      if (book === undefined) return;
      // a live frame is its own instant: the queue moves by what it changed
      f.onDepth(ev.symbol, book.appliedLevels(), 0, book.stagedCount(), ev.snapshot);
      f.settleDepth(ev.symbol);
    } else if (ev.type === "trade") f.onTrade(ev.symbol, ev.aggressor, ev.priceTicks, ev.lots);
  }

  private model(): FillModel {
    if (this.fill === undefined) throw new Error(`${this.name}: paper venue not connected`);
    return this.fill;
  }

  /** Runs fn at the (simulated) venue after the entry latency; answers after the response latency. */
  private request<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.after(0, this.opts.latency.entryMs(), () => {
        let settle: () => void;
        try {
          const v = fn();
          settle = () => resolve(v);
        } catch (e) {
          settle = () => reject(e);
        }
        this.after(1, this.opts.latency.responseMs(), settle);
      });
    });
  }

  /** Lane 0 = to the venue, 1 = back: each keeps its order. */
  private after(lane: 0 | 1, delayMs: number, task: () => void): void {
    const clock = this.opts.clock;
    const due = Math.max(clock.nowMs() + delayMs, this.lastDue[lane] ?? 0);
    this.lastDue[lane] = due;
    const id = clock.setTimer(due - clock.nowMs(), () => {
      this.timers.delete(id);
      task();
    });
    this.timers.add(id);
  }

  private emit(ev: VenueEvent): void {
    for (let i = 0; i < this.listeners.length; i++) (this.listeners[i] as VenueListener)(ev);
  }
}
