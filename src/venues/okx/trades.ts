/**
 * OKX's transaction details as the venue contract's trade history: GET /api/v5/trade/fills (last 3
 * days) paged back by billId (`after`), falling back to /api/v5/trade/fills-history (last 3 months)
 * when the range reaches further, each endpoint under its own per-user rate limit (60 and 10 per 2 s),
 * rows checked (a bad one counted and skipped) and fees turned the engine's way (OKX: negative = paid).
 */
import {
  checkTradeQuery,
  compareTradeIds,
  isDecimalString,
  SlidingWindow,
  selectTrades,
} from "../../gateways/index.ts";
import {
  type InstrumentInfo,
  type Lots,
  Side,
  type Ticks,
  type TradeQuery,
  VenueRejectError,
  type VenueTrade,
} from "../../types/index.ts";
import { fromOkxClOrdId } from "./client-id.ts";
import type { OkxRest } from "./rest.ts";
import { isObj, type Obj, type OkxSession, str } from "./session.ts";

/** The two endpoints, newest data first. */
type Endpoint = "fills" | "fills-history";
const PATH: Readonly<Record<Endpoint, string>> = {
  fills: "/api/v5/trade/fills",
  "fills-history": "/api/v5/trade/fills-history",
};
/** What `fills` reaches back (3 days), less an hour for the two clocks' disagreement. */
const FILLS_REACH_MS = 3 * 86_400_000 - 3_600_000;
/** A venue 50011 (someone else used the budget): wait a window and retry, this many times. */
const RATE_LIMIT_RETRIES = 3;

/** OKX fees are negative when charged (the account's view); the engine reports a charged fee as positive. */
export function negateDecimal(s: string): string {
  if (s.startsWith("-")) return s.slice(1);
  if (/^0*(\.0*)?$/.test(s)) return s;
  return `-${s}`;
}

/** One transaction-details row → VenueTrade; undefined when a field is missing, malformed or off the grid. */
export function okxTradeOf(venue: string, d: unknown, info: InstrumentInfo): VenueTrade | undefined {
  if (!isObj(d) || str(d, "instId") !== info.venueSymbol) return undefined;
  const tradeId = str(d, "tradeId");
  const side = str(d, "side");
  const px = str(d, "fillPx");
  const sz = str(d, "fillSz");
  const fee = str(d, "fee");
  const time = Number(str(d, "fillTime") || str(d, "ts"));
  if (!/^\d{1,40}$/.test(tradeId) || (side !== "buy" && side !== "sell")) return undefined;
  if (!isDecimalString(fee) || str(d, "feeCcy") === "" || !Number.isSafeInteger(time)) return undefined;
  const priceTicks = info.price.parse(px);
  const lots = info.qty.parse(sz);
  if (!(priceTicks > 0 && lots > 0)) return undefined;
  const clOrdId = str(d, "clOrdId");
  return {
    venue,
    symbol: info.symbol,
    tradeId,
    venueOrderId: str(d, "ordId"),
    clientId: clOrdId === "" ? "" : (fromOkxClOrdId(clOrdId) ?? clOrdId),
    side: side === "buy" ? Side.Buy : Side.Sell,
    priceTicks: priceTicks as Ticks,
    lots: lots as Lots,
    price: px,
    qty: sz,
    fee: negateDecimal(fee),
    feeAsset: str(d, "feeCcy"),
    isMaker: str(d, "execType") === "M",
    venueTimeMs: time,
  };
}

/** Where a backwards scan stops: at the query's bounds (an order's scan has none but its ordId). */
interface Scan {
  readonly info: InstrumentInfo;
  readonly afterTradeId?: string;
  readonly sinceMs?: number;
  readonly ordId?: string;
}

/** The trade-history reader of one OKX adapter. */
export class OkxTradeHistory {
  private readonly windows: Record<Endpoint, SlidingWindow>;

  constructor(
    private readonly s: OkxSession,
    private readonly rest: OkxRest,
  ) {
    const c = s.cfg;
    this.windows = {
      fills: new SlidingWindow(c.fillsRateLimit.count, c.fillsRateLimit.windowMs),
      "fills-history": new SlidingWindow(c.fillsHistoryRateLimit.count, c.fillsHistoryRateLimit.windowMs),
    };
  }

  private count(key: string, n = 1): void {
    this.s.counters[key] = (this.s.counters[key] ?? 0) + n;
  }

  /** The trades a TradeQuery asks for, oldest first (see scan for how far back it reads). */
  async trades(info: InstrumentInfo, q: TradeQuery): Promise<VenueTrade[]> {
    checkTradeQuery(this.s.name, q);
    const scan: Scan = {
      info,
      ...(q.afterTradeId !== undefined ? { afterTradeId: q.afterTradeId } : {}),
      ...(q.sinceMs !== undefined ? { sinceMs: q.sinceMs } : {}),
    };
    return selectTrades(await this.scan(scan), q);
  }

  /** Every trade of one order, oldest first. */
  async orderTrades(info: InstrumentInfo, ordId: string): Promise<VenueTrade[]> {
    const got = await this.scan({ info, ordId });
    return selectTrades(
      got.filter((t) => t.venueOrderId === ordId),
      { symbol: info.symbol },
    );
  }

  /**
   * Pages back from the newest fill (`after` = the oldest billId seen) until a row reaches the bound
   * (a trade id at or below afterTradeId, a time before sinceMs) or the venue runs out. `fills` holds 3
   * days: when it runs out and the bound may be older, fills-history continues from the same cursor.
   */
  private async scan(sc: Scan): Promise<VenueTrade[]> {
    const out: VenueTrade[] = [];
    let after = "";
    for (const endpoint of ["fills", "fills-history"] as const) {
      if (endpoint === "fills-history" && !this.reachesBack(sc)) break;
      for (;;) {
        const page = await this.page(endpoint, sc, after);
        out.push(...page.trades);
        if (page.oldestBillId !== "") after = page.oldestBillId;
        if (page.reachedBound) return out;
        if (page.rows < this.s.cfg.tradeHistoryPageSize) break;
        if (page.oldestBillId === "") throw new Error(`okx ${this.s.name}: a full ${endpoint} page had no billId`);
      }
    }
    return out;
  }

  /** Whether the bound can lie beyond `fills`' 3 days (then fills-history is asked too). */
  private reachesBack(sc: Scan): boolean {
    if (sc.afterTradeId !== undefined || sc.ordId !== undefined) return true;
    return sc.sinceMs === undefined || sc.sinceMs < this.s.cfg.clock.nowMs() - FILLS_REACH_MS;
  }

  /** One request (waiting for its endpoint's budget): the good rows, and whether a row reached the bound. */
  private async page(
    endpoint: Endpoint,
    sc: Scan,
    after: string,
  ): Promise<{ trades: VenueTrade[]; rows: number; oldestBillId: string; reachedBound: boolean }> {
    const params = new URLSearchParams({ instType: "SPOT", instId: sc.info.venueSymbol });
    if (sc.ordId !== undefined) params.set("ordId", sc.ordId);
    if (after !== "") params.set("after", after);
    if (sc.sinceMs !== undefined) params.set("begin", String(sc.sinceMs));
    params.set("limit", String(this.s.cfg.tradeHistoryPageSize));
    const data = await this.request(endpoint, `${PATH[endpoint]}?${params.toString()}`);
    const trades: VenueTrade[] = [];
    let oldestBillId = "";
    let reachedBound = false;
    for (const row of data) {
      const billId = isObj(row) ? str(row, "billId") : "";
      if (/^\d+$/.test(billId) && (oldestBillId === "" || compareTradeIds(billId, oldestBillId) < 0))
        oldestBillId = billId;
      const t = okxTradeOf(this.s.name, row, sc.info);
      if (t === undefined) {
        this.count("badTradeRows");
        continue;
      }
      trades.push(t);
      if (sc.afterTradeId !== undefined && compareTradeIds(t.tradeId, sc.afterTradeId) <= 0) reachedBound = true;
      if (sc.sinceMs !== undefined && t.venueTimeMs < sc.sinceMs) reachedBound = true;
    }
    return { trades, rows: data.length, oldestBillId, reachedBound };
  }

  /** A signed GET within the endpoint's per-user limit; a venue 50011 waits a window and retries. */
  private async request(endpoint: Endpoint, path: string): Promise<unknown[]> {
    const w = this.windows[endpoint];
    const clock = this.s.cfg.clock;
    for (let attempt = 0; ; attempt++) {
      const wait = w.waitMs(clock.nowMs());
      if (wait > 0) {
        this.count("tradeHistoryWaits");
        await new Promise<void>((r) => clock.setTimer(wait, r));
      }
      w.record(clock.nowMs());
      let body: Obj;
      try {
        body = await this.rest.call("GET", path, undefined);
      } catch (e) {
        if (!(e instanceof VenueRejectError && e.reason === "rate_limited") || attempt >= RATE_LIMIT_RETRIES) throw e;
        this.count("tradeHistoryThrottled");
        await new Promise<void>((r) => clock.setTimer(w.windowMs, r));
        continue;
      }
      this.count("tradeHistoryPages");
      const data = body["data"];
      if (!Array.isArray(data)) {
        this.count("badTradeRows");
        throw new Error(`okx ${this.s.name}: ${endpoint} answer without data[]`);
      }
      return data;
    }
  }
}
