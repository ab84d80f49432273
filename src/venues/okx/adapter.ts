/**
 * OKX v5 spot behind the engine's VenueAdapter: `books` (seqId/prevSeqId sync, one FFI call per
 * frame), `bbo-tbt` and `trades` on the public socket (market-data.ts); login, order entry and the
 * `orders` channel on the private socket, with REST (OK-ACCESS-* signed) as fallback and for queries
 * (orders.ts, rest.ts). Text ping/pong keeps both sockets inside OKX's 30 s idle rule; lost sockets
 * reconnect with jittered backoff. This file wires the halves together and owns what they share.
 */

import type { OrderBook } from "../../book/index.ts";
import { pauseForBudget, watchPeriodMs } from "../../gateways/index.ts";
import type { TimerId } from "../../services/index.ts";
import {
  type Balance,
  type BookHealth,
  type FeeRates,
  type InstrumentInfo,
  negateFeeRate,
  type OpenOrder,
  type OrderRequest,
  type TradeQuery,
  type VenueEvent,
  type VenueListener,
  VenueRejectError,
  type VenueTrade,
} from "../../types/index.ts";
import type { VenueAdapter } from "../contract.ts";
import { type OkxConfig, type ResolvedOkxConfig, resolveOkxConfig } from "./config.ts";
import { parseInstrument } from "./instruments.ts";
import { OkxMarketData } from "./market-data.ts";
import { OkxOrders } from "./orders.ts";
import { OkxRest } from "./rest.ts";
import { type Conn, isObj, type Obj, type OkxSession } from "./session.ts";
import { OkxTradeHistory } from "./trades.ts";

/** OKX's request limits count over 2 s windows: a connect request refused with 50011 asks again after one. */
const RATE_LIMIT_WINDOW_MS = 2000;
/**
 * How long connect keeps asking after 50011s: a full minute and a bit, as the Binance adapter waits for
 * its weight window. An engine restarted while another client on the IP spends the limit must wait, not fail.
 */
const CONNECT_MAX_WAIT_MS = 61_000;
/** connect()'s first request (public, limited per IP). */
const INSTRUMENTS_PATH = "/api/v5/public/instruments?instType=SPOT";

/** The OKX v5 spot adapter: one object the engine holds, delegating to market data and order entry. */
export class OkxAdapter implements VenueAdapter {
  readonly kind = "okx";
  readonly name: string;
  private readonly instr = new Map<string, InstrumentInfo>();
  private readonly listeners = new Set<VenueListener>();
  private readonly counters: Record<string, number> = {
    badFrames: 0,
    gaps: 0,
    duplicates: 0,
    keepalives: 0,
    seqResets: 0,
    resyncs: 0,
    bookFrames: 0,
    pingsSent: 0,
    probeTimeouts: 0,
    aliveChecks: 0,
    frozenStreams: 0,
    escalations: 0,
    reconnects: 0,
    duplicateFills: 0,
    throttled: 0,
    unknownOutcomes: 0,
    tradeHistoryPages: 0,
    badTradeRows: 0,
    budgetWaits: 0,
  };
  /** Aborted by close(): a connect() waiting out the venue's rate limit ends at once. */
  private lifetime = new AbortController();
  /** One fan-out for both halves (an arrow, handed to them once: no closure per event). */
  private readonly emit = (ev: VenueEvent): void => {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        this.counters["listenerErrors"] = (this.counters["listenerErrors"] ?? 0) + 1;
      }
    }
  };
  /** The resolved config (the contract suite reads clientIdPrefix from here; the engine's tests the venue's settings). */
  readonly cfg: ResolvedOkxConfig;
  private readonly session: OkxSession;
  private readonly rest: OkxRest;
  private readonly md: OkxMarketData;
  private readonly orders: OkxOrders;
  private readonly history: OkxTradeHistory;
  private watchdog: TimerId | undefined;

  constructor(cfg: OkxConfig) {
    this.cfg = resolveOkxConfig(cfg);
    this.name = cfg.name;
    this.session = {
      name: cfg.name,
      cfg: this.cfg,
      counters: this.counters,
      instr: this.instr,
      emit: this.emit,
      closed: false,
    };
    this.rest = new OkxRest(this.session);
    this.md = new OkxMarketData(this.session);
    this.history = new OkxTradeHistory(this.session, this.rest);
    this.orders = new OkxOrders(this.session, this.rest, this.history);
  }

  stats(): Readonly<Record<string, number>> {
    // md_badFrames / md_aliveChecks: the names every adapter reports these under.
    const out: Record<string, number> = {
      ...this.counters,
      md_badFrames: this.counters["badFrames"] ?? 0,
      md_aliveChecks: this.counters["aliveChecks"] ?? 0,
      // calls off the order path that waited for the venue's rate limit (the name every adapter uses)
      budget_offPathWaits: this.counters["budgetWaits"] ?? 0,
    };
    // each refused frame once, by reason (what hft_venue_messages_malformed_total adds up): a bad frame
    // counts in badFrames and in one bad:<why>, so only the latter are reported as malformed
    for (const [key, n] of Object.entries(this.counters))
      if (key.startsWith("bad:")) out[`malformed:${key.slice(4)}`] = n;
    out["malformed:trade_history_row"] = this.counters["badTradeRows"] ?? 0;
    const b = this.orders.batchStats();
    if (b.requests > 0) {
      out["batchRequests"] = b.requests;
      out["batchedRequests"] = b.batches;
      out["batchedOrders"] = b.items;
    }
    return out;
  }

  onEvent(listener: VenueListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  instruments(): ReadonlyMap<string, InstrumentInfo> {
    return this.instr;
  }

  book(symbol: string): OrderBook | undefined {
    return this.md.book(symbol);
  }

  bookHealth(symbol: string): BookHealth | undefined {
    return this.md.health(symbol);
  }

  async connect(): Promise<void> {
    this.session.closed = false;
    if (this.lifetime.signal.aborted) this.lifetime = new AbortController();
    const body = await this.instrumentsOnConnect();
    const data = body["data"];
    if (!Array.isArray(data)) throw new Error(`okx ${this.name}: instruments response without data[]`);
    for (const d of data) if (isObj(d)) this.addInstrument(d);
    const cfg = this.cfg;
    const period = Math.min(watchPeriodMs(cfg.staleness), Math.max(10, Math.min(1000, cfg.pingIdleMs / 4)));
    if (this.watchdog === undefined) this.watchdog = cfg.clock.setRepeating(period, () => this.checkIdle());
    if (cfg.apiKey.length > 0) await this.orders.ensurePrivate();
  }

  /**
   * connect()'s instruments request. A venue 50011 (the IP's limit spent, by another client say) is
   * waited out a window at a time for up to CONNECT_MAX_WAIT_MS, logged and counted once; close() ends
   * the wait at once with an error naming it.
   */
  private async instrumentsOnConnect(): Promise<Obj> {
    const clock = this.cfg.clock;
    const deadline = clock.nowMs() + CONNECT_MAX_WAIT_MS;
    for (let refused = 0; ; refused++) {
      try {
        return await this.rest.call("GET", INSTRUMENTS_PATH, undefined, false);
      } catch (e) {
        const limited = e instanceof VenueRejectError && e.reason === "rate_limited";
        if (!limited || clock.nowMs() + RATE_LIMIT_WINDOW_MS > deadline) throw e;
      }
      if (refused === 0) {
        this.counters["budgetWaits"] = (this.counters["budgetWaits"] ?? 0) + 1;
        this.cfg.log.warn(
          `venue {venue}: connect: GET ${INSTRUMENTS_PATH} refused for the rate limit (50011); asks again every {waitMs} ms for up to ${CONNECT_MAX_WAIT_MS} ms`,
          { event: "budget_wait", venue: this.name, waitMs: RATE_LIMIT_WINDOW_MS },
        );
      }
      if ((await pauseForBudget(clock, RATE_LIMIT_WINDOW_MS, this.lifetime.signal)) === "aborted")
        throw new VenueRejectError(
          "rate_limited",
          "closed",
          `okx ${this.name}: closed while connect: GET ${INSTRUMENTS_PATH} waited for the rate limit; never sent again`,
        );
    }
  }

  private addInstrument(d: Obj): void {
    try {
      const info = parseInstrument(d);
      this.instr.set(info.symbol, info);
    } catch {
      this.counters["badInstruments"] = (this.counters["badInstruments"] ?? 0) + 1;
    }
  }

  /** Pings idle sockets and drops ones whose pong never came (the 30 s rule); rotates the public one. */
  private checkIdle(): void {
    const now = this.cfg.clock.nowMs();
    this.md.checkIdle(now);
    this.orders.checkIdle(now);
  }

  /**
   * Keep-warm (VenueAdapter.rehearse): parses the last applied `books` update again and applies it to
   * a scratch book, and encodes `sample` as the private socket's `order` op exactly as a submit would,
   * without sending it or touching any book, counter, id map or rate budget.
   */
  rehearse(sample?: OrderRequest): void {
    try {
      this.md.rehearse();
      this.orders.rehearse(sample);
    } catch {
      // a rehearsal must never disturb trading; a bad sample is simply not rehearsed
    }
  }

  async close(): Promise<void> {
    this.session.closed = true;
    this.lifetime.abort();
    if (this.watchdog !== undefined) this.cfg.clock.clearTimer(this.watchdog);
    this.watchdog = undefined;
    this.md.close();
    this.orders.close();
  }

  subscribeQuotes(symbols: readonly string[]): Promise<void> {
    return this.md.subscribe(symbols);
  }

  /**
   * Public socket frame: pong, events, books, bbo-tbt, trades. Never throws. `from` is the socket it
   * came on (omitted for frames fed in directly, e.g. by tests).
   */
  onPublic(text: string, from?: Conn): void {
    this.md.onPublic(text, from);
  }

  /** Feeds one public frame's bytes as the wire socket would (benchmarks, tests). */
  ingestBytes(buf: Uint8Array, start: number, end: number): void {
    this.md.ingestBytes(buf, start, end);
  }

  /** One `orders` push → one OrderUpdate; fills deduplicated by tradeId and cumulative size. */
  onOrderPush(d: Obj, recvNs: number): void {
    this.orders.onOrderPush(d, recvNs);
  }

  submitOrder(order: OrderRequest): Promise<string> {
    return this.orders.submitOrder(order);
  }

  cancelOrder(symbol: string, clientId: string): Promise<void> {
    return this.orders.cancelOrder(symbol, clientId);
  }

  cancelAll(symbol: string): Promise<number> {
    return this.orders.cancelAll(symbol);
  }

  openOrders(symbol?: string, all = false): Promise<OpenOrder[]> {
    return this.orders.openOrders(symbol, all);
  }

  orderStatus(symbol: string, clientId: string): Promise<OpenOrder | undefined> {
    return this.orders.orderStatus(symbol, clientId);
  }

  balances(): Promise<Balance[]> {
    return this.orders.balances();
  }

  /**
   * The account's trades on a symbol from GET /api/v5/trade/fills (falling back to fills-history for
   * ranges older than 3 days), oldest first, paged by billId within OKX's per-user limits; fees are
   * the fee paid (OKX's sign flipped), bad rows counted (stats badTradeRows) and skipped.
   */
  tradeHistory(query: TradeQuery): Promise<VenueTrade[]> {
    const info = this.instr.get(query.symbol);
    if (info === undefined)
      return Promise.reject(new VenueRejectError("bad_symbol", "", `okx ${this.name}: unknown symbol ${query.symbol}`));
    return this.history.trades(info, query);
  }

  /** GET /api/v5/account/trade-fee per symbol; OKX reports a charge as negative, so the sign flips. */
  async feeRates(symbols: readonly string[]): Promise<FeeRates[]> {
    const out: FeeRates[] = [];
    for (const symbol of symbols) {
      const info = this.instr.get(symbol);
      if (info === undefined) throw new Error(`okx ${this.name}: unknown symbol ${symbol}`);
      const path = `/api/v5/account/trade-fee?instType=SPOT&instId=${encodeURIComponent(info.venueSymbol)}`;
      const res = await this.rest.call("GET", path, undefined);
      const d = Array.isArray(res["data"]) ? res["data"][0] : undefined;
      const maker = isObj(d) ? d["maker"] : undefined;
      const taker = isObj(d) ? d["taker"] : undefined;
      if (typeof maker !== "string" || typeof taker !== "string") {
        throw new Error(`okx ${this.name} ${symbol}: trade-fee answer has no maker/taker rate`);
      }
      out.push({ symbol, maker: negateFeeRate(maker), taker: negateFeeRate(taker) });
    }
    return out;
  }
}

/** Factory used by the venue registry. */
export function createOkxAdapter(cfg: OkxConfig): OkxAdapter {
  return new OkxAdapter(cfg);
}
