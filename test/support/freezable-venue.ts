/**
 * A venue adapter whose market data can be frozen while orders and fills keep flowing: the feed stall
 * an adapter failed to notice (its health stays "live"), which the engine's fill guard must catch on
 * its own. inject() hands the engine an event as if the adapter had emitted it (say, the adapter's own
 * stale verdict). Everything else is the wrapped adapter's.
 */
import type { OrderBook } from "../../src/book/index.ts";
import type {
  Balance,
  BookHealth,
  FeeRates,
  InstrumentInfo,
  OpenOrder,
  OrderRequest,
  TradeQuery,
  VenueEvent,
  VenueListener,
  VenueTrade,
} from "../../src/types/index.ts";
import type { VenueAdapter } from "../../src/venues/index.ts";

/** Wraps an adapter; `frozen = true` drops its book, bbo and trade events (nothing else changes). */
export class FreezableVenue implements VenueAdapter {
  frozen = false;
  /** Market events dropped while frozen. */
  dropped = 0;
  private readonly listeners = new Set<VenueListener>();

  constructor(private readonly inner: VenueAdapter) {}

  get name(): string {
    return this.inner.name;
  }
  get kind(): string {
    return this.inner.kind;
  }
  connect(): Promise<void> {
    return this.inner.connect();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  instruments(): ReadonlyMap<string, InstrumentInfo> {
    return this.inner.instruments();
  }
  subscribeQuotes(symbols: readonly string[]): Promise<void> {
    return this.inner.subscribeQuotes(symbols);
  }
  book(symbol: string): OrderBook | undefined {
    return this.inner.book(symbol);
  }
  bookHealth(symbol: string): BookHealth | undefined {
    return this.inner.bookHealth(symbol);
  }
  submitOrder(order: OrderRequest): Promise<string> {
    return this.inner.submitOrder(order);
  }
  cancelOrder(symbol: string, clientId: string): Promise<void> {
    return this.inner.cancelOrder(symbol, clientId);
  }
  cancelAll(symbol: string): Promise<number> {
    return this.inner.cancelAll(symbol);
  }
  openOrders(symbol?: string, all?: boolean): Promise<OpenOrder[]> {
    return this.inner.openOrders(symbol, all);
  }
  orderStatus(symbol: string, clientId: string): Promise<OpenOrder | undefined> {
    return this.inner.orderStatus(symbol, clientId);
  }
  balances(): Promise<Balance[]> {
    return this.inner.balances();
  }
  feeRates(symbols: readonly string[]): Promise<FeeRates[]> {
    return this.inner.feeRates(symbols);
  }
  tradeHistory(query: TradeQuery): Promise<VenueTrade[]> {
    return this.inner.tradeHistory(query);
  }
  onEvent(listener: VenueListener): () => void {
    this.listeners.add(listener);
    const off = this.inner.onEvent((e) => {
      if (this.frozen && (e.type === "book" || e.type === "bbo" || e.type === "trade")) {
        this.dropped++;
        return;
      }
      listener(e);
    });
    return () => {
      this.listeners.delete(listener);
      off();
    };
  }

  /** Delivers an event to the listeners as if the wrapped adapter had emitted it. */
  inject(e: VenueEvent): void {
    for (const l of this.listeners) l(e);
  }
}
