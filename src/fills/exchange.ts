/**
 * The local fill model: our orders against a book we only observe (recorded, or a live feed in paper
 * trading). It does what a venue's matching engine would do to them — and only to them: an order
 * that would cross takes the displayed depth up to its limit (post-only refused as would_take; IOC
 * and FOK as the venue treats them); an order that rests joins the back of its level, moves up with
 * the queue model, fills (partially) as trades at its price use up the queue ahead, fully when trades
 * or the opposite side go through its price. Fees per fill at the venue's maker or taker rate, in the
 * quote asset; balances are locked and settled exactly. Depth changes are taken as a batch per
 * venue instant (settleDepth), so a level that changes in several frames stamped with the same venue
 * time moves our queue once, by its net change. When the recorded depth holds the recording run's own
 * orders (ownLots), they are nobody's queue and nobody's liquidity here: the model takes them out.
 * What it cannot model, and says so: our own trades do not consume the recorded liquidity (no market
 * impact), and L2 queue positions are estimates.
 */
import {
  type Balance,
  type BookView,
  type FeeRates,
  type InstrumentInfo,
  type Lots,
  minTickLotsForNotional,
  type OrderRequest,
  type OrderStatus,
  type OrderUpdate,
  Side,
  type Ticks,
  VenueRejectError,
  type VenueTrade,
} from "../types/index.ts";
import { feeOf, formatUnits, InstrumentUnits, rateString, unitsOf } from "./money.ts";
import { fillableLots, type QueueModel, type QueuePos } from "./queue.ts";

/** Construction options of one venue's fill model. */
export interface FillModelOptions {
  readonly venue: string;
  readonly instruments: ReadonlyMap<string, InstrumentInfo>;
  /** The book as the venue sees it now (for replay: at venue time, ahead of what the engine sees). */
  readonly book: (symbol: string) => BookView | undefined;
  readonly fees: { readonly maker: number; readonly taker: number };
  readonly queue: QueueModel;
  /** Starting balances by asset, decimal strings. */
  readonly balances: Readonly<Record<string, string>>;
  /** The venue's clock, epoch ms (venueTimeMs of reports). */
  readonly nowMs: () => number;
  /** Every order event, in order: the adapter delivers it after the response latency. */
  readonly report: (u: OrderUpdate) => void;
  /**
   * Lots of the recording run's own resting orders at a level of the book (a recording made while
   * trading); absent or 0 when the depth is the market's alone (paper trading, imported data).
   */
  readonly ownLots?: (symbol: string, side: Side, ticks: number) => number;
}

/** One of our orders at the model's venue. */
interface SimOrder {
  readonly req: OrderRequest;
  readonly venueOrderId: string;
  readonly units: InstrumentUnits;
  readonly quote: string;
  readonly base: string;
  cumLots: number;
  status: OrderStatus;
  q: QueuePos;
  /** Lots of others displayed at the order's price when last seen. */
  levelLots: number;
  /** Its level changed since the queue last moved (settleDepth moves it). */
  dirty: boolean;
  /** Quote (buy) or base (sell) units locked for the resting remainder. */
  locked: bigint;
}

/** Counters for the report. */
export interface FillModelStats {
  placed: number;
  rejected: Record<string, number>;
  makerFills: number;
  takerFills: number;
  canceled: number;
}

const SCRATCH = 1024;
/** Fills kept for the trade history (a venue keeps months; a backtest or paper run reads back its own). */
const TRADES_KEPT = 100_000;

/** Our resting orders of one symbol, and whether its depth changed since the last settleDepth. */
interface SymbolOrders {
  readonly orders: SimOrder[];
  depthChanged: boolean;
}

/** One venue's fill model; see the module comment. */
export class FillModel {
  readonly stats: FillModelStats = { placed: 0, rejected: {}, makerFills: 0, takerFills: 0, canceled: 0 };
  private readonly opts: FillModelOptions;
  private readonly live = new Map<string, SimOrder>();
  private readonly bySymbol = new Map<string, SymbolOrders>();
  private lastSymbol = "";
  private lastOrders: SymbolOrders | undefined;
  private readonly units = new Map<string, InstrumentUnits>();
  private readonly balances = new Map<string, { free: bigint; locked: bigint }>();
  private readonly makerRate: bigint;
  private readonly takerRate: bigint;
  private nextOrderId = 1;
  private nextTradeId = 1;
  /** Our fills as a venue's trade history would list them (oldest first, at most TRADES_KEPT). */
  private readonly tradeLog: VenueTrade[] = [];
  private readonly ticks = new Float64Array(SCRATCH);
  private readonly lots = new Float64Array(SCRATCH);

  constructor(opts: FillModelOptions) {
    this.opts = opts;
    this.makerRate = unitsOf(rateString(opts.fees.maker), "fees.maker");
    this.takerRate = unitsOf(rateString(opts.fees.taker), "fees.taker");
    for (const [asset, amount] of Object.entries(opts.balances))
      this.balances.set(asset, { free: unitsOf(amount, `balances.${asset}`), locked: 0n });
    for (const [symbol, info] of opts.instruments) {
      this.units.set(symbol, new InstrumentUnits(info.price, info.qty));
      this.bySymbol.set(symbol, { orders: [], depthChanged: false });
    }
  }

  /** Our orders resting now (openOrders, orderStatus). */
  openOrders(symbol?: string): { req: OrderRequest; venueOrderId: string; cumLots: number; status: OrderStatus }[] {
    return [...this.live.values()].filter((o) => symbol === undefined || o.req.symbol === symbol);
  }

  /** Our fills, oldest first, as the venue's trade history (the adapters' tradeHistory reads it). */
  trades(): readonly VenueTrade[] {
    return this.tradeLog;
  }

  /** Balances as the venue would report them. */
  /** The rates this model charges, as a venue reports them (exact decimals): every symbol alike. */
  feeRates(symbols: readonly string[]): FeeRates[] {
    const maker = formatUnits(this.makerRate);
    const taker = formatUnits(this.takerRate);
    return symbols.map((symbol) => ({ symbol, maker, taker }));
  }

  balanceList(): Balance[] {
    return [...this.balances].map(([asset, b]) => ({
      asset,
      free: formatUnits(b.free),
      locked: formatUnits(b.locked),
    }));
  }

  /** An order reaches the venue: refused (throws VenueRejectError), or acked and matched. Returns its id. */
  place(req: OrderRequest): string {
    const info = this.opts.instruments.get(req.symbol);
    const units = this.units.get(req.symbol);
    const book = this.opts.book(req.symbol);
    if (info === undefined || units === undefined || book === undefined)
      return this.refuse("bad_symbol", `unknown symbol ${req.symbol}`);
    if (this.live.has(req.clientId)) return this.refuse("duplicate_client_id", `client id ${req.clientId} is live`);
    this.checkFilters(req, info, book);
    const o: SimOrder = {
      req,
      venueOrderId: String(this.nextOrderId++),
      units,
      quote: info.quote,
      base: info.base,
      cumLots: 0,
      status: "new",
      q: { front: 0, tradedSinceDepth: 0 },
      levelLots: 0,
      dirty: false,
      locked: 0n,
    };
    const take = this.takeable(o, book);
    if (req.type === "limit_maker" && take > 0)
      return this.refuse("would_take", "post-only order would cross the book");
    this.checkBalance(o, book, take);
    this.stats.placed++;
    this.emit(o, "ack", 0, 0, false);
    if (take > 0) this.takeLiquidity(o, book);
    const rest = req.lots - o.cumLots;
    if (rest <= 0) return o.venueOrderId;
    if (req.type === "market" || req.tif !== "GTC") {
      o.status = "expired";
      this.emit(o, "expired", 0, 0, false);
      return o.venueOrderId;
    }
    this.rest(o, book);
    return o.venueOrderId;
  }

  /** A cancel reaches the venue; false when the order is no longer live (filled or unknown). */
  cancel(symbol: string, clientId: string): boolean {
    const o = this.live.get(clientId);
    if (o === undefined || o.req.symbol !== symbol) return false;
    this.unrest(o);
    o.status = "canceled";
    this.stats.canceled++;
    this.emit(o, "canceled", 0, 0, false);
    return true;
  }

  /**
   * The venue book of `symbol` changed by these levels (or was replaced): notes which of our orders'
   * levels moved. Their queues move, and crossings fill, at settleDepth().
   */
  onDepth(symbol: string, levels: Float64Array, offset: number, count: number, snapshot: boolean): void {
    const so = this.ordersOf(symbol);
    if (so === undefined || so.orders.length === 0) return;
    so.depthChanged = true;
    for (const o of so.orders) {
      if (snapshot) {
        o.dirty = true;
        continue;
      }
      for (let i = 0; i < count; i++) {
        const at = offset + i * 3;
        if (levels[at] === o.req.side && levels[at + 1] === o.req.priceTicks) o.dirty = true;
      }
    }
  }

  /** The recording run's own lots at a level changed (ownLots): the others' share there moved. */
  onOwnLevel(symbol: string, side: Side, ticks: number): void {
    const so = this.bySymbol.get(symbol);
    if (so === undefined || so.orders.length === 0) return;
    so.depthChanged = true;
    for (const o of so.orders) if (o.req.side === side && o.req.priceTicks === ticks) o.dirty = true;
  }

  /**
   * The end of a venue instant (every frame stamped with one venue time seen): each changed level
   * moves its queue once by its net change, then orders the book now goes through fill.
   */
  settleDepth(symbol: string): void {
    const so = this.ordersOf(symbol);
    if (so === undefined || !so.depthChanged) return;
    so.depthChanged = false;
    const book = this.opts.book(symbol);
    if (book === undefined) return;
    for (const o of so.orders) {
      if (!o.dirty) continue;
      o.dirty = false;
      const next = this.othersAt(book, symbol, o.req.side, o.req.priceTicks);
      this.opts.queue.depth(o.q, o.levelLots, next);
      o.levelLots = next;
    }
    this.fillCrossed(symbol, book);
  }

  /** A trade printed at the venue: orders it reached fill. */
  onTrade(symbol: string, aggressor: Side, priceTicks: number, lots: number): void {
    const orders = this.bySymbol.get(symbol)?.orders;
    if (orders === undefined || orders.length === 0) return;
    // depth that changed before the trade printed moved the queue before the trade reached it
    this.settleDepth(symbol);
    for (const o of [...orders]) {
      if (o.req.side === aggressor) continue; // a buy trade only reaches resting sells, and vice versa
      const p = o.req.priceTicks;
      const through = o.req.side === Side.Buy ? priceTicks < p : priceTicks > p;
      if (through) {
        this.fill(o, o.req.lots - o.cumLots, p, true);
        continue;
      }
      if (priceTicks !== p) continue;
      this.opts.queue.trade(o.q, lots);
      const n = Math.min(fillableLots(o.q), o.req.lots - o.cumLots);
      if (n <= 0) continue;
      o.q.front += n;
      this.fill(o, n, p, true);
    }
  }

  /** Our orders of a symbol; the last symbol asked for is remembered (frames come per symbol in runs). */
  private ordersOf(symbol: string): SymbolOrders | undefined {
    if (symbol === this.lastSymbol) return this.lastOrders;
    const so = this.bySymbol.get(symbol);
    if (so !== undefined) {
      this.lastSymbol = symbol;
      this.lastOrders = so;
    }
    return so;
  }

  private refuse(reason: VenueRejectError["reason"], message: string): never {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
    throw new VenueRejectError(reason, -2010, message);
  }

  private checkFilters(req: OrderRequest, info: InstrumentInfo, book: BookView): void {
    if (!Number.isSafeInteger(req.lots) || req.lots <= 0 || req.lots < info.minQtyLots)
      this.refuse("filter", `quantity ${req.lots} lots is below the minimum ${info.minQtyLots}`);
    if (req.type === "market") {
      const ref = req.side === Side.Buy ? book.bestAskTicks() : book.bestBidTicks();
      if (ref <= 0) this.refuse("market_closed", "no liquidity on the other side");
      return;
    }
    if (!Number.isSafeInteger(req.priceTicks) || req.priceTicks <= 0)
      this.refuse("filter", `price ${req.priceTicks} ticks`);
    const minTL = minTickLotsForNotional(info.minNotional, info.price, info.qty);
    if (req.priceTicks * req.lots < minTL) this.refuse("filter", `notional below ${info.minNotional}`);
  }

  /** Lots of others the opposite side shows at prices the order accepts (what it would take on arrival). */
  private takeable(o: SimOrder, book: BookView): number {
    const opp = o.req.side === Side.Buy ? Side.Sell : Side.Buy;
    if (this.opts.ownLots === undefined) {
      if (o.req.type === "market") return book.depthLots(opp, SCRATCH);
      return book.depthToPrice(opp, o.req.priceTicks);
    }
    const n = this.othersLevels(book, o.req.symbol, opp);
    let lots = 0;
    for (let i = 0; i < n; i++) {
      const t = this.ticks[i] as number;
      if (o.req.type !== "market" && (o.req.side === Side.Buy ? t > o.req.priceTicks : t < o.req.priceTicks)) break;
      lots += this.lots[i] as number;
    }
    return lots;
  }

  /**
   * The best levels of a side into the scratch arrays, with the recording run's own lots taken out
   * (levels left empty dropped); returns how many.
   */
  private othersLevels(book: BookView, symbol: string, side: Side): number {
    const n = book.topLevels(side, SCRATCH, this.ticks, this.lots);
    const own = this.opts.ownLots;
    if (own === undefined) return n;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const t = this.ticks[i] as number;
      const left = (this.lots[i] as number) - own(symbol, side, t);
      if (left <= 0) continue;
      this.ticks[k] = t;
      this.lots[k] = left;
      k++;
    }
    return k;
  }

  /** Lots of others displayed at one price (the level minus the recording run's own orders there). */
  private othersAt(book: BookView, symbol: string, side: Side, ticks: number): number {
    const shown = levelLots(book, side, ticks);
    const own = this.opts.ownLots?.(symbol, side, ticks) ?? 0;
    return Math.max(0, shown - own);
  }

  /** The best price of others on a side (0 when they show none). */
  private bestOthers(book: BookView, symbol: string, side: Side): number {
    const best = side === Side.Buy ? book.bestBidTicks() : book.bestAskTicks();
    if (best <= 0 || this.opts.ownLots === undefined || this.opts.ownLots(symbol, side, best) === 0) return best;
    return this.othersLevels(book, symbol, side) > 0 ? (this.ticks[0] as number) : 0;
  }

  private checkBalance(o: SimOrder, book: BookView, take: number): void {
    const r = o.req;
    const want = Math.max(r.lots, 0);
    if (r.side === Side.Sell) {
      if (this.free(o.base) < o.units.base(want)) this.refuse("insufficient_balance", `not enough ${o.base}`);
      return;
    }
    const price = r.type === "market" ? book.bestAskTicks() : r.priceTicks;
    const cost = r.type === "market" && take > 0 ? this.walkCost(o, book) : o.units.notional(price, want);
    if (this.free(o.quote) < cost) this.refuse("insufficient_balance", `not enough ${o.quote}`);
    if (r.type === "market" && take < want) this.refuse("market_closed", "not enough liquidity for a market order");
  }

  private walkCost(o: SimOrder, book: BookView): bigint {
    const n = this.othersLevels(book, o.req.symbol, Side.Sell);
    let left: number = o.req.lots;
    let cost = 0n;
    for (let i = 0; i < n && left > 0; i++) {
      const take = Math.min(left, this.lots[i] as number);
      cost += o.units.notional(this.ticks[i] as number, take);
      left -= take;
    }
    return cost + feeOf(cost, this.takerRate);
  }

  /** Takes displayed liquidity at prices within the limit, best first (FOK: all or nothing). */
  private takeLiquidity(o: SimOrder, book: BookView): void {
    const r = o.req;
    if (r.tif === "FOK" && r.type !== "market" && this.takeable(o, book) < r.lots) return;
    const opp = r.side === Side.Buy ? Side.Sell : Side.Buy;
    const n = this.othersLevels(book, r.symbol, opp);
    for (let i = 0; i < n && o.cumLots < r.lots; i++) {
      const t = this.ticks[i] as number;
      if (r.type !== "market" && (r.side === Side.Buy ? t > r.priceTicks : t < r.priceTicks)) break;
      this.fill(o, Math.min(r.lots - o.cumLots, this.lots[i] as number), t, false);
    }
  }

  private rest(o: SimOrder, book: BookView): void {
    const r = o.req;
    o.levelLots = this.othersAt(book, r.symbol, r.side, r.priceTicks);
    o.q = this.opts.queue.join(o.levelLots);
    const remaining = r.lots - o.cumLots;
    o.locked = r.side === Side.Buy ? o.units.notional(r.priceTicks, remaining) : o.units.base(remaining);
    this.lock(r.side === Side.Buy ? o.quote : o.base, o.locked);
    this.live.set(r.clientId, o);
    this.bySymbol.get(r.symbol)?.orders.push(o);
  }

  private unrest(o: SimOrder): void {
    this.live.delete(o.req.clientId);
    const list = this.bySymbol.get(o.req.symbol)?.orders;
    const i = list?.indexOf(o) ?? -1;
    if (list !== undefined && i >= 0) list.splice(i, 1);
    this.lock(o.req.side === Side.Buy ? o.quote : o.base, -o.locked);
    o.locked = 0n;
  }

  private fillCrossed(symbol: string, book: BookView): void {
    const bid = this.bestOthers(book, symbol, Side.Buy);
    const ask = this.bestOthers(book, symbol, Side.Sell);
    for (const o of [...(this.bySymbol.get(symbol)?.orders ?? [])]) {
      const p = o.req.priceTicks;
      const crossed = o.req.side === Side.Buy ? ask > 0 && ask <= p : bid > 0 && bid >= p;
      if (crossed) this.fill(o, o.req.lots - o.cumLots, p, true);
    }
  }

  /** Fills lots of an order at a price; settles balances and fees; reports the fill. */
  private fill(o: SimOrder, lots: number, priceTicks: number, maker: boolean): void {
    if (lots <= 0) return;
    const r = o.req;
    const notional = o.units.notional(priceTicks, lots);
    const fee = feeOf(notional, maker ? this.makerRate : this.takerRate);
    const resting = this.live.has(r.clientId);
    if (r.side === Side.Buy) {
      const release = resting ? o.units.notional(r.priceTicks, lots) : 0n;
      this.settle(o.quote, -notional - fee + release, -release);
      this.settle(o.base, o.units.base(lots), 0n);
      o.locked -= release;
    } else {
      const release = resting ? o.units.base(lots) : 0n;
      this.settle(o.base, -o.units.base(lots) + release, -release);
      this.settle(o.quote, notional - fee, 0n);
      o.locked -= release;
    }
    o.cumLots += lots;
    if (maker) this.stats.makerFills++;
    else this.stats.takerFills++;
    const done = o.cumLots >= r.lots;
    o.status = done ? "filled" : "partially_filled";
    if (done && resting) this.unrest(o);
    const feeText = formatUnits(fee);
    this.logTrade(o, lots, priceTicks, maker, feeText);
    this.emit(o, "fill", lots, priceTicks, maker, feeText);
  }

  /** Keeps a fill for the trade history (the id is the one emit is about to give it). */
  private logTrade(o: SimOrder, lots: number, priceTicks: number, maker: boolean, fee: string): void {
    const r = o.req;
    const info = this.opts.instruments.get(r.symbol);
    if (info === undefined) return;
    if (this.tradeLog.length >= TRADES_KEPT) this.tradeLog.shift();
    this.tradeLog.push({
      venue: this.opts.venue,
      symbol: r.symbol,
      tradeId: String(this.nextTradeId),
      venueOrderId: o.venueOrderId,
      clientId: r.clientId,
      side: r.side,
      priceTicks: priceTicks as Ticks,
      lots: lots as Lots,
      price: info.price.format(priceTicks),
      qty: info.qty.format(lots),
      fee,
      feeAsset: o.quote,
      isMaker: maker,
      venueTimeMs: Math.floor(this.opts.nowMs()),
    });
  }

  private emit(
    o: SimOrder,
    exec: OrderUpdate["exec"],
    lastLots: number,
    lastPrice: number,
    maker: boolean,
    fee = "0",
  ): void {
    const r = o.req;
    this.opts.report({
      venue: this.opts.venue,
      symbol: r.symbol,
      clientId: r.clientId,
      venueOrderId: o.venueOrderId,
      side: r.side,
      status: o.status,
      exec,
      priceTicks: r.priceTicks,
      origLots: r.lots,
      cumLots: o.cumLots as Lots,
      lastLots: lastLots as Lots,
      lastPriceTicks: lastPrice as Ticks,
      fee,
      feeAsset: exec === "fill" ? o.quote : "",
      isMaker: maker,
      tradeId: exec === "fill" ? this.nextTradeId++ : -1,
      venueTimeMs: Math.floor(this.opts.nowMs()),
    });
  }

  private free(asset: string): bigint {
    return this.balances.get(asset)?.free ?? 0n;
  }

  private lock(asset: string, units: bigint): void {
    this.settle(asset, -units, units);
  }

  private settle(asset: string, freeDelta: bigint, lockedDelta: bigint): void {
    const b = this.balances.get(asset) ?? { free: 0n, locked: 0n };
    b.free += freeDelta;
    b.locked += lockedDelta;
    this.balances.set(asset, b);
  }
}

/** Lots displayed at exactly one price of a side (two depth reads; no per-level call in the C API). */
export function levelLots(book: BookView, side: Side, ticks: number): number {
  const next = side === Side.Buy ? ticks + 1 : ticks - 1;
  return Math.max(0, book.depthToPrice(side, ticks) - book.depthToPrice(side, next));
}
