/**
 * Internal order-book structures of the simulator's matching engine: FIFO price levels in sorted
 * arrays with the best level at the end (so the busiest operations are push/pop), orders linked
 * into their level for O(1) cancel. Not exported from the core's index.
 */
import type { Side } from "../../types/index.ts";
import type { CompiledSymbol } from "./symbols.ts";
import type {
  AccountTrade,
  FeeSpec,
  OrderSide,
  OrderStatus,
  OrderType,
  StpMode,
  TimeInForce,
  TradeView,
} from "./types.ts";

/** One asset balance of one account, in asset units; internal accounts may go negative. */
export class Balance {
  free = 0;
  locked = 0;
  /** Action stamp of the last change, to report each changed asset once per action. */
  stamp = 0;
  constructor(readonly asset: string) {}
}

/** An account: balances, fee rates and its open and recently closed orders per symbol. */
export class Account {
  readonly balances = new Map<string, Balance>();
  /** Open orders by client id, per symbol index. */
  readonly openByClient: Map<string, Order>[] = [];
  /** Closed orders kept queryable, per symbol index, and their insertion order for eviction. */
  readonly closedById: Map<number, Order>[] = [];
  readonly closedByClient: Map<string, Order>[] = [];
  readonly closedQueue: Order[] = [];
  closedHead = 0;
  /** This account's trades, oldest first, from tradesHead on (the venue's trade history; bounded). */
  readonly trades: AccountTrade[] = [];
  tradesHead = 0;
  /** Balances changed in the current action. */
  readonly dirty: Balance[] = [];
  dirtyStamp = 0;
  makerRateE8 = 0;
  takerRateE8 = 0;
  fees: FeeSpec = { maker: "0", taker: "0" };
  /** Hash of the id, mixed into the event log instead of re-hashing the string on every event. */
  readonly idHash: number;

  constructor(
    readonly id: string,
    readonly internal: boolean,
    symbolCount: number,
  ) {
    for (let i = 0; i < symbolCount; i++) {
      this.openByClient.push(new Map());
      this.closedById.push(new Map());
      this.closedByClient.push(new Map());
    }
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    this.idHash = h;
  }

  /** Keeps one trade, dropping the oldest beyond `kept` (the array is compacted now and then, not per trade). */
  keepTrade(t: AccountTrade, kept: number): void {
    if (kept <= 0) return;
    this.trades.push(t);
    if (this.trades.length - this.tradesHead > kept) this.tradesHead++;
    if (this.tradesHead > 4096 && this.tradesHead * 2 > this.trades.length) {
      this.trades.splice(0, this.tradesHead);
      this.tradesHead = 0;
    }
  }

  /** The balance of an asset, created at zero on first use. */
  balance(asset: string): Balance {
    let b = this.balances.get(asset);
    if (b === undefined) {
      b = new Balance(asset);
      this.balances.set(asset, b);
    }
    return b;
  }
}

/** A live or closed order inside the engine (mutable; views are copied out). */
export class Order {
  executedLots = 0;
  cumQuoteUnits = 0;
  status: OrderStatus = "NEW";
  updateTimeMs: number;
  workingTimeMs: number;
  isWorking = false;
  /** Funds still locked for this order: quote units for buys, base units for sells. */
  lockedUnits = 0;
  /** Fees charged so far, in the asset it receives (base for a buy, quote for a sell): order history shows it. */
  feeUnits = 0;
  /** The latest fill (OKX order details report it): trade id (-1 before any), price, lots, time. */
  lastTradeId = -1;
  lastFillTicks = 0;
  lastFillLots = 0;
  lastFillTimeMs = 0;
  /** Times the order was amended (0 = never): its views and reports say so. */
  amendCount = 0;
  level: Level | null = null;
  prev: Order | null = null;
  next: Order | null = null;

  readonly sym: CompiledSymbol;

  constructor(
    readonly book: SymbolBook,
    readonly account: Account,
    readonly orderId: number,
    readonly clientOrderId: string,
    readonly side: Side,
    readonly sideName: OrderSide,
    readonly type: OrderType,
    readonly tif: TimeInForce,
    readonly stp: StpMode,
    /** The limit price; an amend may change it (the order then loses its place in the queue). */
    public priceTicks: number,
    /** Lots asked for (an amend may change it); for a MARKET-by-quote order, set to the executed lots when it ends. */
    public origLots: number,
    readonly origQuoteUnits: number,
    readonly timeMs: number,
    readonly baseBal: Balance,
    readonly quoteBal: Balance,
  ) {
    this.sym = book.sym;
    this.updateTimeMs = timeMs;
    this.workingTimeMs = timeMs;
  }

  /** Lots still to trade (quote orders: unused). */
  remaining(): number {
    return this.origLots - this.executedLots;
  }
}

/** One price level: FIFO of resting orders and their total lots. */
export class Level {
  lots = 0;
  count = 0;
  head: Order | null = null;
  tail: Order | null = null;
  constructor(readonly ticks: number) {}

  /** Appends at the back of the queue (time priority). */
  push(o: Order): void {
    o.level = this;
    o.prev = this.tail;
    o.next = null;
    if (this.tail === null) this.head = o;
    else this.tail.next = o;
    this.tail = o;
    this.count++;
    this.lots += o.remaining();
  }

  /** Unlinks an order; the caller adjusts `lots` for whatever was still resting. */
  unlink(o: Order): void {
    if (o.prev === null) this.head = o.next;
    else o.prev.next = o.next;
    if (o.next === null) this.tail = o.prev;
    else o.next.prev = o.prev;
    o.prev = null;
    o.next = null;
    o.level = null;
    this.count--;
  }
}

/** One side of a book: levels sorted worst → best (best at the end) plus a ticks → level map. */
export class BookSide {
  readonly levels: Level[] = [];
  readonly byTicks = new Map<number, Level>();
  constructor(readonly isBid: boolean) {}

  /** Best level, or undefined when the side is empty. */
  best(): Level | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** The level at ticks, created (and inserted in order) when missing. */
  levelAt(ticks: number): Level {
    let l = this.byTicks.get(ticks);
    if (l !== undefined) return l;
    l = new Level(ticks);
    this.byTicks.set(ticks, l);
    const lv = this.levels;
    const n = lv.length;
    const top = lv[n - 1];
    if (top === undefined || (this.isBid ? ticks > top.ticks : ticks < top.ticks)) {
      lv.push(l);
      return l;
    }
    lv.splice(this.indexAfter(ticks), 0, l);
    return l;
  }

  /** Removes an empty level. */
  remove(l: Level): void {
    this.byTicks.delete(l.ticks);
    const lv = this.levels;
    if (lv[lv.length - 1] === l) {
      lv.pop();
      return;
    }
    const i = this.indexAfter(l.ticks) - 1;
    if (lv[i] === l) lv.splice(i, 1);
    else throw new Error(`book invariant: level ${l.ticks} not found at ${i}`);
  }

  /** First index whose level is strictly better than ticks (binary search). */
  private indexAfter(ticks: number): number {
    const lv = this.levels;
    let lo = 0;
    let hi = lv.length;
    const bid = this.isBid;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = (lv[mid] as Level).ticks;
      if (bid ? t > ticks : t < ticks) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** A mutable slot of the recent-trades ring. */
export interface TradeSlot {
  tradeId: number;
  priceTicks: number;
  lots: number;
  quoteUnits: number;
  timeMs: number;
  buyerIsMaker: boolean;
}

/** The matching state of one symbol: both sides, live orders, id counters, recent trades. */
export class SymbolBook {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
  readonly live = new Map<number, Order>();
  nextOrderId = 1;
  nextTradeId = 1;
  nextPreventedMatchId = 1;
  /** Id of the last book-changing action (Binance lastUpdateId). */
  updateId = 0;
  lastTradeTicks: number;
  topBidTicks = 0;
  topBidLots = 0;
  topAskTicks = 0;
  topAskLots = 0;
  private readonly ring: TradeSlot[] = [];
  private ringNext = 0;

  constructor(
    readonly sym: CompiledSymbol,
    private readonly ringSize: number,
  ) {
    this.lastTradeTicks = sym.initialMidTicks;
  }

  /** Records a trade in the recent-trades ring (slots reused, no allocation once full). */
  record(tradeId: number, priceTicks: number, lots: number, quoteUnits: number, timeMs: number, bm: boolean): void {
    this.lastTradeTicks = priceTicks;
    if (this.ringSize === 0) return;
    let s = this.ring[this.ringNext];
    if (s === undefined) {
      s = { tradeId, priceTicks, lots, quoteUnits, timeMs, buyerIsMaker: bm };
      this.ring[this.ringNext] = s;
    } else {
      s.tradeId = tradeId;
      s.priceTicks = priceTicks;
      s.lots = lots;
      s.quoteUnits = quoteUnits;
      s.timeMs = timeMs;
      s.buyerIsMaker = bm;
    }
    this.ringNext = (this.ringNext + 1) % this.ringSize;
  }

  /** The last `limit` trades, oldest first, as copies. */
  recent(limit: number): TradeView[] {
    const n = Math.min(limit, this.ring.length);
    const out: TradeView[] = [];
    const size = this.ring.length;
    const start = size < this.ringSize ? size - n : (this.ringNext - n + size) % size;
    for (let i = 0; i < n; i++) {
      const s = this.ring[(start + i) % size] as TradeSlot;
      out.push({ ...s });
    }
    return out;
  }
}

/** An order in integer form, after parsing (also the agents' entry point). */
export interface IntOrder {
  account: Account;
  book: SymbolBook;
  side: Side;
  type: OrderType;
  tif: TimeInForce;
  stp: StpMode;
  priceTicks: number;
  /** 0 when by quote. */
  lots: number;
  /** > 0 only for MARKET by quote quantity. */
  quoteUnits: number;
  clientOrderId: string;
}
