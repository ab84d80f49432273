/**
 * An in-memory VenueAdapter for execution tests: it keeps the venue's own view of orders, and lets
 * a test decide how each request is answered (ack, reject, transport error, silence) and which
 * events the order stream delivers, so every race the order manager must survive can be staged
 * deterministically. Test support only; not exported from index.ts.
 */

import { Execution, type ExecutionOptions } from "../../src/execution/execution.ts";
import type { RiskLimits } from "../../src/execution/risk.ts";
import { checkTradeQuery, selectTrades } from "../../src/gateways/index.ts";
import { VirtualClock } from "../../src/services/clock.ts";
import { Rng } from "../../src/services/rng.ts";
import {
  type Balance,
  DecimalGrid,
  type FeeRates,
  type InstrumentInfo,
  type Lots,
  type OpenOrder,
  type OrderRequest,
  type OrderStatus,
  type OrderUpdate,
  type RejectReason,
  type Side,
  type Ticks,
  type TradeQuery,
  type VenueEvent,
  type VenueListener,
  VenueRejectError,
  type VenueTrade,
} from "../../src/types/index.ts";
import type { CancelReplies, OrderReplies, VenueAdapter } from "../../src/venues/contract.ts";

/** How the fake answers submits: "placed" = the venue got the order, "lost" = it never did. */
export type SubmitMode = "ack" | "reject" | "hang_placed" | "hang_lost" | "error_placed" | "error_lost" | "duplicate";
export type CancelMode = "ok" | "reject" | "unknown_order" | "hang" | "error";

/** A BTC-USDT-like instrument: tick 0.01, step 0.00001. */
export function testInstrument(symbol = "BTC-USDT", tick = "0.01", step = "0.00001"): InstrumentInfo {
  const [base = "BTC", quote = "USDT"] = symbol.split("-");
  return {
    symbol,
    venueSymbol: symbol.replace("-", ""),
    base,
    quote,
    price: new DecimalGrid(tick),
    qty: new DecimalGrid(step),
    minQtyLots: 1 as Lots,
    maxQtyLots: 0 as Lots,
    minNotional: "0",
    maxNotional: "0",
    trading: true,
  };
}

interface VenueOrder {
  symbol: string;
  clientId: string;
  venueOrderId: string;
  side: Side;
  priceTicks: number;
  origLots: number;
  cumLots: number;
  status: OrderStatus;
}

/** The fake venue. */
export class FakeVenue implements VenueAdapter {
  readonly kind = "fake";
  submitMode: SubmitMode = "ack";
  cancelMode: CancelMode = "ok";
  statusMode: "ok" | "error" = "ok";
  rejectReason: RejectReason = "insufficient_balance";
  /** Emit an "ack" order event when a submit is accepted, a "canceled" one when a cancel is. */
  emitAcks = true;
  emitCancels = true;
  readonly submits: OrderRequest[] = [];
  readonly cancels: string[] = [];
  readonly statusQueries: string[] = [];
  openOrdersCalls = 0;
  /** Every fill the venue made, as its trade history reports it (fill() adds to it). */
  readonly trades: VenueTrade[] = [];
  /** The venue's clock: the time on its updates and trade-history rows (a test moves it; 0 by default). */
  nowMs: () => number = () => 0;
  /** "error": tradeHistory rejects (the venue refuses or is unreachable). */
  historyMode: "ok" | "error" = "ok";
  /** This many trade-history calls are refused as rate_limited (the request budget spent) first. */
  historyRateLimited = 0;
  readonly historyQueries: TradeQuery[] = [];
  /** Trades list the client id (OKX does) or leave it "" (Binance's myTrades). */
  historyHasClientIds = true;
  /** When set, the account's balances (asset → 10^-18 units) move with every fill and balances() reports them. */
  account: Map<string, bigint> | undefined = undefined;
  private readonly orders = new Map<string, VenueOrder>();
  private readonly listeners: VenueListener[] = [];
  private readonly infos = new Map<string, InstrumentInfo>();
  private nextOrderId = 1;
  private nextTradeId = 1;

  constructor(
    readonly name = "fake",
    instruments: readonly InstrumentInfo[] = [testInstrument()],
  ) {
    for (const i of instruments) this.infos.set(i.symbol, i);
  }

  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  instruments(): ReadonlyMap<string, InstrumentInfo> {
    return this.infos;
  }
  async subscribeQuotes(): Promise<void> {}
  book(): undefined {
    return undefined;
  }
  bookHealth(): "live" {
    return "live";
  }
  /** What balances() reports (a test sets it). */
  venueBalances: Balance[] = [];

  async balances(): Promise<Balance[]> {
    const acct = this.account;
    if (acct !== undefined) return [...acct].map(([asset, units]) => ({ asset, free: unitsText(units), locked: "0" }));
    return this.venueBalances.map((b) => ({ ...b }));
  }

  /** What feeRates() reports for every symbol (a test sets it); an Error makes the call fail. */
  venueFees: { maker: string; taker: string } | Error = { maker: "0.001", taker: "0.001" };
  feeRateCalls = 0;

  async feeRates(symbols: readonly string[]): Promise<FeeRates[]> {
    this.feeRateCalls++;
    const fees = this.venueFees;
    if (fees instanceof Error) throw fees;
    return symbols.map((symbol) => ({ symbol, ...fees }));
  }

  onEvent(listener: VenueListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  submitOrder(req: OrderRequest): Promise<string> {
    this.submits.push(req);
    const mode = this.submitMode;
    if (mode === "reject") return Promise.reject(new VenueRejectError(this.rejectReason, -2010, "rejected by fake"));
    if (mode === "duplicate") {
      return Promise.reject(new VenueRejectError("duplicate_client_id", -2010, "Duplicate order sent."));
    }
    const placed = mode === "ack" || mode === "hang_placed" || mode === "error_placed";
    const o = placed ? this.place(req) : undefined;
    if (mode === "ack" && o !== undefined) {
      // the stream's ack overtakes the REST answer, as it often does on Binance
      if (this.emitAcks) queueMicrotask(() => this.emitUpdate(o, "ack", 0, 0, -1));
      return Promise.resolve(o.venueOrderId);
    }
    if (mode === "error_placed" || mode === "error_lost") return Promise.reject(new Error("socket closed"));
    return new Promise<string>(() => {}); // hangs forever
  }

  cancelOrder(symbol: string, clientId: string): Promise<void> {
    this.cancels.push(clientId);
    const mode = this.cancelMode;
    if (mode === "hang") return new Promise<void>(() => {});
    if (mode === "error") return Promise.reject(new Error("timeout"));
    if (mode === "reject") return Promise.reject(new VenueRejectError("rate_limited", -1015, "too many"));
    const o = this.orders.get(clientId);
    if (mode === "unknown_order" || o === undefined || o.symbol !== symbol || !isOpen(o.status)) {
      return Promise.reject(new VenueRejectError("unknown_order", -2011, "Unknown order sent."));
    }
    o.status = "canceled";
    if (this.emitCancels) this.emitUpdate(o, "canceled", 0, 0, -1);
    return Promise.resolve();
  }

  async cancelAll(symbol: string): Promise<number> {
    let n = 0;
    for (const o of this.orders.values()) {
      if (o.symbol === symbol && isOpen(o.status)) {
        o.status = "canceled";
        n++;
      }
    }
    return n;
  }

  async openOrders(symbol?: string, _all?: boolean): Promise<OpenOrder[]> {
    this.openOrdersCalls++;
    const out: OpenOrder[] = [];
    for (const o of this.orders.values()) {
      if (isOpen(o.status) && (symbol === undefined || o.symbol === symbol)) out.push(snapshot(o));
    }
    return out;
  }

  orderStatus(_symbol: string, clientId: string): Promise<OpenOrder | undefined> {
    this.statusQueries.push(clientId);
    if (this.statusMode === "error") return Promise.reject(new Error("status timeout"));
    const o = this.orders.get(clientId);
    return Promise.resolve(o === undefined ? undefined : snapshot(o));
  }

  /** The fills this fake made, as a venue's trade history answers (historyMode "error": refused). */
  async tradeHistory(query: TradeQuery): Promise<VenueTrade[]> {
    this.historyQueries.push(query);
    checkTradeQuery(this.name, query);
    if (this.historyMode === "error") throw new VenueRejectError("rate_limited", 429, "fake: history refused");
    if (this.historyRateLimited > 0) {
      this.historyRateLimited--;
      throw new VenueRejectError("rate_limited", 429, "fake: request weight near its limit");
    }
    if (!this.infos.has(query.symbol)) throw new VenueRejectError("bad_symbol", "", `fake: unknown ${query.symbol}`);
    return selectTrades(
      this.trades.filter((t) => t.symbol === query.symbol),
      query,
    ).map((t) => (this.historyHasClientIds ? t : { ...t, clientId: "" }));
  }

  // ---- test controls ---------------------------------------------------------------------------

  /** Puts an order on the venue as if someone (an earlier run, another system) had placed it. */
  seed(symbol: string, clientId: string, side: Side, priceTicks: number, lots: number): void {
    this.orders.set(clientId, {
      symbol,
      clientId,
      venueOrderId: String(this.nextOrderId++),
      side,
      priceTicks,
      origLots: lots,
      cumLots: 0,
      status: "new",
    });
  }

  /** The venue's own view of an order. */
  venueOrder(clientId: string): OpenOrder | undefined {
    const o = this.orders.get(clientId);
    return o === undefined ? undefined : snapshot(o);
  }

  /**
   * Fills part of an order on the venue and returns the update (emitted unless emit is false, so a
   * test can deliver it later, twice, or out of order).
   */
  fill(clientId: string, lots: number, priceTicks?: number, emit = true, fee = "0", feeAsset = "USDT"): OrderUpdate {
    const o = this.orders.get(clientId);
    if (o === undefined) throw new Error(`fake: no order ${clientId}`);
    o.cumLots += lots;
    if (o.cumLots > o.origLots) throw new Error(`fake: overfill of ${clientId}`);
    o.status = o.cumLots === o.origLots ? "filled" : "partially_filled";
    const u = this.update(o, "fill", lots, priceTicks ?? o.priceTicks, this.nextTradeId++, fee, feeAsset);
    this.trades.push(this.tradeOf(u));
    this.moveAccount(u);
    if (emit) this.emit({ type: "order", update: u, recvNs: 0 });
    return u;
  }

  /**
   * A self-trade: one order of the account crosses another, so both fill in one venue trade, under
   * one trade id (a venue lists it once per side). Returns the buyer's and the seller's updates,
   * each emitted unless its flag is false.
   */
  selfTrade(
    buyClientId: string,
    sellClientId: string,
    lots: number,
    priceTicks: number,
    emit: readonly [boolean, boolean] = [true, true],
  ): [OrderUpdate, OrderUpdate] {
    const tradeId = this.nextTradeId++;
    const out: OrderUpdate[] = [];
    for (const [i, clientId] of [buyClientId, sellClientId].entries()) {
      const o = this.orders.get(clientId);
      if (o === undefined) throw new Error(`fake: no order ${clientId}`);
      o.cumLots += lots;
      if (o.cumLots > o.origLots) throw new Error(`fake: overfill of ${clientId}`);
      o.status = o.cumLots === o.origLots ? "filled" : "partially_filled";
      const u = this.update(o, "fill", lots, priceTicks, tradeId, "0", "USDT");
      this.trades.push(this.tradeOf(u));
      this.moveAccount(u);
      if (emit[i] === true) this.emit({ type: "order", update: u, recvNs: 0 });
      out.push(u);
    }
    return [out[0] as OrderUpdate, out[1] as OrderUpdate];
  }

  /** Ends an order on the venue (cancel by the venue, expiry) and returns the update. */
  finish(clientId: string, status: "canceled" | "expired" | "rejected", emit = true): OrderUpdate {
    const o = this.orders.get(clientId);
    if (o === undefined) throw new Error(`fake: no order ${clientId}`);
    o.status = status;
    const u = this.update(o, status, 0, 0, -1, "0", "");
    if (emit) this.emit({ type: "order", update: u, recvNs: 0 });
    return u;
  }

  /** An ack update for an order as the venue has it now (not emitted). */
  ackUpdate(clientId: string): OrderUpdate {
    const o = this.orders.get(clientId);
    if (o === undefined) throw new Error(`fake: no order ${clientId}`);
    return this.update(o, "ack", 0, 0, -1, "0", "");
  }

  /** Forgets every listener: the engine that listened died (kill -9) and hears nothing more. */
  dropListeners(): void {
    this.listeners.length = 0;
  }

  /** Delivers an event to the listeners. */
  emit(ev: VenueEvent): void {
    for (const l of this.listeners) l(ev);
  }

  /** Delivers an order update to the listeners. */
  deliver(u: OrderUpdate): void {
    this.emit({ type: "order", update: u, recvNs: 0 });
  }

  /** A fill as the venue's trade history lists it. */
  private tradeOf(u: OrderUpdate): VenueTrade {
    const info = this.infos.get(u.symbol);
    return {
      venue: this.name,
      symbol: u.symbol,
      tradeId: String(u.tradeId),
      venueOrderId: u.venueOrderId,
      clientId: u.clientId,
      side: u.side,
      priceTicks: u.lastPriceTicks,
      lots: u.lastLots,
      price: info?.price.format(u.lastPriceTicks) ?? String(u.lastPriceTicks),
      qty: info?.qty.format(u.lastLots) ?? String(u.lastLots),
      fee: u.fee,
      feeAsset: u.feeAsset,
      isMaker: u.isMaker,
      venueTimeMs: u.venueTimeMs,
    };
  }

  /** The account moved by a fill (base, quote, fee), when a test tracks it. */
  private moveAccount(u: OrderUpdate): void {
    const acct = this.account;
    const info = this.infos.get(u.symbol);
    if (acct === undefined || info === undefined) return;
    const base = textUnits(info.qty.format(u.lastLots));
    const quote = (textUnits(info.price.format(u.lastPriceTicks)) * base) / 10n ** 18n;
    const sign = u.side === 0 ? 1n : -1n;
    acct.set(info.base, (acct.get(info.base) ?? 0n) + sign * base);
    acct.set(info.quote, (acct.get(info.quote) ?? 0n) - sign * quote);
    if (u.feeAsset !== "") acct.set(u.feeAsset, (acct.get(u.feeAsset) ?? 0n) - textUnits(u.fee));
  }

  private place(req: OrderRequest): VenueOrder {
    const o: VenueOrder = {
      symbol: req.symbol,
      clientId: req.clientId,
      venueOrderId: String(this.nextOrderId++),
      side: req.side,
      priceTicks: req.priceTicks,
      origLots: req.lots,
      cumLots: 0,
      status: "new",
    };
    this.orders.set(req.clientId, o);
    return o;
  }

  private emitUpdate(
    o: VenueOrder,
    exec: OrderUpdate["exec"],
    lastLots: number,
    lastPx: number,
    tradeId: number,
  ): void {
    this.emit({ type: "order", update: this.update(o, exec, lastLots, lastPx, tradeId, "0", ""), recvNs: 0 });
  }

  private update(
    o: VenueOrder,
    exec: OrderUpdate["exec"],
    lastLots: number,
    lastPx: number,
    tradeId: number,
    fee: string,
    feeAsset: string,
  ): OrderUpdate {
    return {
      venue: this.name,
      symbol: o.symbol,
      clientId: o.clientId,
      venueOrderId: o.venueOrderId,
      side: o.side,
      status: o.status,
      exec,
      priceTicks: o.priceTicks as Ticks,
      origLots: o.origLots as Lots,
      cumLots: o.cumLots as Lots,
      lastLots: lastLots as Lots,
      lastPriceTicks: lastPx as Ticks,
      fee,
      feeAsset,
      isMaker: true,
      tradeId,
      venueTimeMs: this.nowMs(),
    };
  }
}

/** A plain decimal → 10^-18 units (the double's own arithmetic, independent of the engine's money.ts). */
function textUnits(s: string): bigint {
  const neg = s.startsWith("-");
  const [i = "0", f = ""] = (neg ? s.slice(1) : s).split(".");
  const v = BigInt(i) * 10n ** 18n + BigInt((f + "0".repeat(18)).slice(0, 18));
  return neg ? -v : v;
}

/** 10^-18 units → a plain decimal. */
function unitsText(u: bigint): string {
  const neg = u < 0n;
  const a = neg ? -u : u;
  const frac = (a % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${a / 10n ** 18n}${frac === "" ? "" : `.${frac}`}`;
}

function isOpen(s: OrderStatus): boolean {
  return s === "new" || s === "partially_filled";
}

function snapshot(o: VenueOrder): OpenOrder {
  return {
    symbol: o.symbol,
    clientId: o.clientId,
    venueOrderId: o.venueOrderId,
    side: o.side,
    priceTicks: o.priceTicks as Ticks,
    origLots: o.origLots as Lots,
    cumLots: o.cumLots as Lots,
    status: o.status,
  };
}

/** Lets every settled promise callback run (the fake answers through microtasks). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Limits loose enough that only the check under test can bite. */
export function looseLimits(over: Partial<RiskLimits> = {}): RiskLimits {
  return {
    defaults: {
      maxPositionBase: "1000",
      maxPositionNotional: "100000000",
      maxOrderBase: "100",
      maxOrderNotional: "10000000",
    },
    maxTotalNotional: "1000000000",
    priceBandBps: 1000,
    maxOrdersPerSecond: 1000,
    maxCancelsPerSecond: 1000,
    maxOpenOrders: 1000,
    dailyLossLimit: "1000000",
    ...over,
  };
}

/**
 * A FakeVenue that offers placeOrder and requestCancel, the promise-free order path: the same venue
 * behaviour as submitOrder and cancelOrder (every SubmitMode and CancelMode), answered through the
 * caller's replies; counts the calls.
 */
export class PlacingFakeVenue extends FakeVenue {
  placeCalls = 0;
  requestCancelCalls = 0;

  placeOrder(req: OrderRequest, replies: OrderReplies): void {
    this.placeCalls++;
    this.submitOrder(req).then(
      (id) => replies.accepted(req, id),
      (e: unknown) => replies.failed(req, e),
    );
  }

  requestCancel(req: OrderRequest, replies: CancelReplies): void {
    this.requestCancelCalls++;
    this.cancelOrder(req.symbol, req.clientId).then(
      () => replies.cancelAccepted(req),
      (e: unknown) => replies.cancelFailed(req, e),
    );
  }
}

/** A desk on a virtual clock with one fake venue, ready to trade BTC-USDT around 50000.00. */
export function makeDesk(
  over: Partial<ExecutionOptions> = {},
  venue = new FakeVenue(),
  wire = true,
): { desk: Execution; venue: FakeVenue; clock: VirtualClock } {
  const clock = over.clock instanceof VirtualClock ? over.clock : new VirtualClock(1_700_000_000_000);
  const desk = new Execution({
    clock,
    rng: new Rng("desk"),
    clientIdPrefix: "hft1",
    limits: looseLimits(),
    // tests see contained errors unless they expect them
    onError: (e) => {
      throw e;
    },
    ...over,
  });
  desk.addVenue(venue);
  if (wire) venue.onEvent((ev) => desk.onVenueEvent(ev));
  const v = desk.registry.venues.get(venue.name);
  if (v !== undefined) v.ready = true;
  for (const symbol of venue.instruments().keys()) {
    desk.setBookHealth(venue.name, symbol, "live");
    desk.setTopOfBook(venue.name, symbol, 4_999_990, 5_000_010);
  }
  return { desk, venue, clock };
}
