/**
 * Binance's account trade list (GET /api/v3/myTrades) as the venue contract's trade history: paged
 * forward by fromId under the adapter's weight budget, each row checked (a bad one is counted and
 * skipped, never a crash), so fills missed while the engine was down or disconnected come back with
 * the venue's own price, fee and fee asset.
 */
import { checkTradeQuery, isDecimalString, selectTrades } from "../../gateways/index.ts";
import {
  type InstrumentInfo,
  type Lots,
  Side,
  type Ticks,
  type TradeQuery,
  VenueRejectError,
  type VenueTrade,
} from "../../types/index.ts";
import { OFF_PATH_MAX_WAIT_MS } from "./budget-feed.ts";
import type { BinanceRest } from "./rest.ts";

type Obj = Record<string, unknown>;
type Params = Record<string, string | number>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Request weights of myTrades (Binance's table): 5 for one order's trades, 20 otherwise. */
const WEIGHT_BY_ORDER = 5;
const WEIGHT = 20;
/**
 * How long a page may wait for weight budget: a full minute window and a bit. A history read is off the
 * hot path and must not fail because orders used the minute's weight; it waits for the next window.
 */
export const HISTORY_MAX_WAIT_MS = OFF_PATH_MAX_WAIT_MS;

/** Counters the reader reports into (the adapter's stats()). */
export interface TradeHistoryCounters {
  tradeHistoryPages: number;
  badTradeRows: number;
}

/** One myTrades row → VenueTrade; undefined when a field is missing, malformed or off the grid. */
export function venueTradeOf(venue: string, r: unknown, info: InstrumentInfo): VenueTrade | undefined {
  if (!isObj(r) || r["symbol"] !== info.venueSymbol) return undefined;
  const id = r["id"];
  const orderId = r["orderId"];
  const price = r["price"];
  const qty = r["qty"];
  const time = r["time"];
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) return undefined;
  if (typeof orderId !== "number" && typeof orderId !== "string") return undefined;
  if (typeof price !== "string" || typeof qty !== "string") return undefined;
  if (typeof time !== "number" || !Number.isSafeInteger(time)) return undefined;
  if (!isDecimalString(r["commission"]) || typeof r["commissionAsset"] !== "string") return undefined;
  if (typeof r["isBuyer"] !== "boolean" || typeof r["isMaker"] !== "boolean") return undefined;
  const priceTicks = info.price.parse(price);
  const lots = info.qty.parse(qty);
  if (!(priceTicks > 0 && lots > 0)) return undefined;
  return {
    venue,
    symbol: info.symbol,
    tradeId: String(id),
    venueOrderId: String(orderId),
    clientId: "", // myTrades does not carry the order's client id
    side: r["isBuyer"] ? Side.Buy : Side.Sell,
    priceTicks: priceTicks as Ticks,
    lots: lots as Lots,
    price,
    qty,
    fee: r["commission"],
    feeAsset: r["commissionAsset"],
    isMaker: r["isMaker"],
    venueTimeMs: time,
  };
}

/** The trade-history reader of one Binance adapter. */
export class BinanceTradeHistory {
  constructor(
    private readonly venue: string,
    private readonly rest: BinanceRest,
    private readonly pageSize: number,
    private readonly counters: TradeHistoryCounters,
    private readonly maxWaitMs = HISTORY_MAX_WAIT_MS,
    /** Aborted when the adapter closes: a page waiting for budget ends at once, nothing sent. */
    private readonly closed: AbortSignal = new AbortController().signal,
  ) {}

  /**
   * The account's trades of one instrument a TradeQuery asks for, oldest first. After a trade id: pages
   * from the next id. From a time: the newest trade before it (endTime alone, one request) marks where
   * the forward pages start, so no 24 h window is ever needed. Neither: from the first trade.
   */
  async trades(info: InstrumentInfo, q: TradeQuery): Promise<VenueTrade[]> {
    checkTradeQuery(this.venue, q);
    let fromId = 0;
    if (q.afterTradeId !== undefined) {
      fromId = Number(q.afterTradeId) + 1;
      if (!Number.isSafeInteger(fromId))
        throw new VenueRejectError("invalid_request", "afterTradeId", `${this.venue}: afterTradeId is out of range`);
    } else if (q.sinceMs !== undefined && q.sinceMs > 0) {
      const before = await this.page(info, { symbol: info.venueSymbol, endTime: q.sinceMs - 1, limit: 1 }, WEIGHT);
      const last = before.trades.at(-1);
      if (last !== undefined) fromId = Number(last.tradeId) + 1;
    }
    const got = await this.forward(info, { symbol: info.venueSymbol }, WEIGHT, fromId, q);
    return selectTrades(got, q);
  }

  /** Every trade of one order, oldest first (orderId, paged by fromId; weight 5 a page). */
  async orderTrades(info: InstrumentInfo, venueOrderId: string): Promise<VenueTrade[]> {
    const orderId = Number(venueOrderId);
    if (!Number.isSafeInteger(orderId) || orderId < 0)
      throw new VenueRejectError(
        "invalid_request",
        "orderId",
        `${this.venue}: order id ${venueOrderId} is not a number`,
      );
    const q: TradeQuery = { symbol: info.symbol };
    const got = await this.forward(info, { symbol: info.venueSymbol, orderId }, WEIGHT_BY_ORDER, 0, q);
    return selectTrades(
      got.filter((t) => t.venueOrderId === venueOrderId),
      q,
    );
  }

  /** Pages forward from fromId until the venue runs out or the query's limit is reached. */
  private async forward(
    info: InstrumentInfo,
    base: Params,
    weight: number,
    fromId: number,
    q: TradeQuery,
  ): Promise<VenueTrade[]> {
    const out: VenueTrade[] = [];
    let from = fromId;
    for (;;) {
      const p = await this.page(info, { ...base, fromId: from, limit: this.pageSize }, weight);
      out.push(...p.trades);
      if (p.rows < this.pageSize) return out;
      if (p.maxId < 0) throw new Error(`${this.venue}: a full myTrades page had no readable row; cannot page on`);
      if (q.limit !== undefined && selectTrades(out, q).length >= q.limit) return out;
      from = p.maxId + 1;
    }
  }

  /** One myTrades request: its good rows, how many rows came, and the highest id among them (-1: none). */
  private async page(
    info: InstrumentInfo,
    params: Params,
    weight: number,
  ): Promise<{ trades: VenueTrade[]; rows: number; maxId: number }> {
    const body = await this.rest.call("GET", "/api/v3/myTrades", params, {
      signed: true,
      weight,
      maxWaitMs: this.maxWaitMs,
      offPath: { signal: this.closed, what: `GET /api/v3/myTrades ${info.venueSymbol}` },
    });
    this.counters.tradeHistoryPages++;
    if (!Array.isArray(body)) {
      this.counters.badTradeRows++;
      throw new Error(`${this.venue}: myTrades answer is not a list`);
    }
    const trades: VenueTrade[] = [];
    let maxId = -1;
    for (const row of body) {
      const t = venueTradeOf(this.venue, row, info);
      if (t === undefined) {
        this.counters.badTradeRows++;
        continue;
      }
      trades.push(t);
      maxId = Math.max(maxId, Number(t.tradeId));
    }
    return { trades, rows: body.length, maxId };
  }
}
