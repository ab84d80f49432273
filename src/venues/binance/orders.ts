/**
 * Binance order objects and executionReports → the engine's normalised OrderUpdate / OpenOrder,
 * plus the ledger that makes each fill count exactly once: a fill with a trade id is applied when the
 * id is new and the order's applied quantity stays within what the venue reports filled; fills
 * recovered after a reconnect come from the venue's trade history with their own ids, price and fee,
 * so replays, duplicates and recovered fills never double-count.
 */

import type { InstrumentInfo, OpenOrder, OrderStatus, OrderUpdate, VenueTrade } from "../../types/index.ts";
import { type Lots, Side, type Ticks } from "../../types/index.ts";

type Obj = Record<string, unknown>;

const STATUS: Readonly<Record<string, OrderStatus>> = {
  NEW: "new",
  PENDING_NEW: "new",
  PARTIALLY_FILLED: "partially_filled",
  FILLED: "filled",
  CANCELED: "canceled",
  PENDING_CANCEL: "canceled",
  REJECTED: "rejected",
  EXPIRED: "expired",
  EXPIRED_IN_MATCH: "expired",
};

const EXEC: Readonly<Record<string, OrderUpdate["exec"]>> = {
  NEW: "ack",
  REPLACED: "ack",
  TRADE: "fill",
  CANCELED: "canceled",
  REJECTED: "rejected",
  EXPIRED: "expired",
  TRADE_PREVENTION: "expired",
};

/** Maps a Binance status string, or undefined when unknown. */
export function orderStatusOf(s: unknown): OrderStatus | undefined {
  return typeof s === "string" ? STATUS[s] : undefined;
}

/** An order object (REST/WS API order, openOrders entry) → OpenOrder; undefined when malformed. */
export function openOrderOf(o: Obj, info: InstrumentInfo): OpenOrder | undefined {
  const status = orderStatusOf(o["status"]);
  const price = typeof o["price"] === "string" ? info.price.parse(o["price"]) : Number.NaN;
  const orig = typeof o["origQty"] === "string" ? info.qty.parse(o["origQty"]) : Number.NaN;
  const cum = typeof o["executedQty"] === "string" ? info.qty.parse(o["executedQty"]) : Number.NaN;
  const cid = o["clientOrderId"] ?? o["origClientOrderId"];
  if (status === undefined || Number.isNaN(price) || Number.isNaN(orig) || Number.isNaN(cum)) return undefined;
  if (typeof cid !== "string" || (typeof o["orderId"] !== "number" && typeof o["orderId"] !== "string"))
    return undefined;
  return {
    symbol: info.symbol,
    clientId: cid,
    venueOrderId: String(o["orderId"]),
    side: o["side"] === "SELL" ? Side.Sell : Side.Buy,
    priceTicks: price as Ticks,
    origLots: orig as Lots,
    cumLots: cum as Lots,
    status,
  };
}

/** An executionReport → OrderUpdate; undefined when a field is missing or malformed. */
export function orderUpdateOf(venue: string, e: Obj, info: InstrumentInfo): OrderUpdate | undefined {
  const x = typeof e["x"] === "string" ? EXEC[e["x"]] : undefined;
  const status = orderStatusOf(e["X"]);
  if (x === undefined || status === undefined) return undefined;
  const num = (k: string, grid: "price" | "qty"): number =>
    typeof e[k] === "string" ? info[grid].parse(e[k] as string) : Number.NaN;
  const price = num("p", "price");
  const orig = num("q", "qty");
  const cum = num("z", "qty");
  const last = num("l", "qty");
  const lastPx = num("L", "price");
  if ([price, orig, cum, last, lastPx].some(Number.isNaN)) return undefined;
  // On a cancel, `c` is the cancel request's id and `C` the order's own.
  const C = e["C"];
  const clientId = x === "canceled" && typeof C === "string" && C !== "" ? C : e["c"];
  if (typeof clientId !== "string" || typeof e["i"] !== "number") return undefined;
  const r = e["r"];
  return {
    venue,
    symbol: info.symbol,
    clientId,
    venueOrderId: String(e["i"]),
    side: e["S"] === "SELL" ? Side.Sell : Side.Buy,
    status,
    exec: x,
    priceTicks: price as Ticks,
    origLots: orig as Lots,
    cumLots: cum as Lots,
    lastLots: (x === "fill" ? last : 0) as Lots,
    lastPriceTicks: (x === "fill" ? lastPx : 0) as Ticks,
    fee: typeof e["n"] === "string" ? e["n"] : "0",
    feeAsset: typeof e["N"] === "string" ? e["N"] : "",
    isMaker: e["m"] === true,
    tradeId: typeof e["t"] === "number" ? e["t"] : -1,
    ...(typeof r === "string" && r !== "NONE" ? { text: r } : {}),
    venueTimeMs: typeof e["T"] === "number" ? e["T"] : 0,
  };
}

/** Per-order fill progress, to apply every fill exactly once. */
interface Tracked {
  symbol: string;
  /** The highest cumulative quantity the venue reported. */
  cumLots: number;
  /** The sum of the fills applied (below cumLots while a missed fill is not yet recovered). */
  appliedLots: number;
  status: OrderStatus;
  priceTicks: number;
  origLots: number;
  side: Side;
  venueOrderId: string;
}

const FINAL: ReadonlySet<OrderStatus> = new Set(["filled", "canceled", "rejected", "expired"]);

/** Known orders of this engine and the fills already applied. */
export class FillLedger {
  private readonly orders = new Map<string, Tracked>();
  private readonly seenTrades = new Set<string>();
  private readonly tradeOrder: string[] = [];
  duplicatesDropped = 0;

  /** Client ids of finished orders, oldest first, so memory stays bounded. */
  private readonly finals: string[] = [];

  constructor(
    private readonly maxTrades = 100_000,
    private readonly maxFinalOrders = 50_000,
  ) {}

  /**
   * Whether an update should be emitted; records its effect. A fill is dropped when its trade id was
   * seen, or when it would take the applied quantity past what the venue reports filled (a fill
   * already counted some other way); a fill without a trade id must advance the cumulative quantity.
   */
  accept(u: OrderUpdate): boolean {
    const t = this.orders.get(u.clientId);
    if (u.exec === "fill") {
      const key = `${u.symbol}:${u.tradeId}`;
      const dup =
        u.tradeId >= 0
          ? this.seenTrades.has(key) || (t !== undefined && t.appliedLots + u.lastLots > Math.max(t.cumLots, u.cumLots))
          : t !== undefined && u.cumLots <= t.cumLots;
      if (dup) {
        this.duplicatesDropped++;
        return false;
      }
      if (u.tradeId >= 0) this.remember(key);
    } else if (t !== undefined && FINAL.has(t.status) && t.status === u.status) {
      this.duplicatesDropped++;
      return false;
    }
    this.track(u.clientId, {
      symbol: u.symbol,
      cumLots: Math.max(u.cumLots, t?.cumLots ?? 0),
      appliedLots: (t?.appliedLots ?? 0) + (u.exec === "fill" ? u.lastLots : 0),
      status: u.status,
      priceTicks: u.priceTicks,
      origLots: u.origLots,
      side: u.side,
      venueOrderId: u.venueOrderId,
    });
    return true;
  }

  /** Registers an order we placed (so reconciliation knows to check it). */
  placed(
    clientId: string,
    symbol: string,
    side: Side,
    priceTicks: number,
    origLots: number,
    venueOrderId: string,
  ): void {
    if (this.orders.has(clientId)) return;
    this.track(clientId, {
      symbol,
      cumLots: 0,
      appliedLots: 0,
      status: "new",
      priceTicks,
      origLots,
      side,
      venueOrderId,
    });
  }

  /** Orders not yet final, for reconciliation after a reconnect. */
  openOrders(): { clientId: string; symbol: string }[] {
    const out: { clientId: string; symbol: string }[] = [];
    for (const [clientId, t] of this.orders) if (!FINAL.has(t.status)) out.push({ clientId, symbol: t.symbol });
    return out;
  }

  /** What the venue filled of an order that we never applied: recovery must fetch its trades. */
  missedLots(o: OpenOrder): number {
    return o.cumLots - (this.orders.get(o.clientId)?.appliedLots ?? 0);
  }

  /**
   * The updates missed while disconnected, from the venue's view of an order and its trades (oldest
   * first, from the trade history): each fill not yet applied, with the venue's trade id, price, fee
   * and maker flag, then the final state if it changed. `complete` is false while the history does
   * not yet account for everything the venue reports filled (the final state then waits too).
   */
  recover(
    venue: string,
    o: OpenOrder,
    trades: readonly VenueTrade[],
    nowMs: number,
  ): { updates: OrderUpdate[]; complete: boolean } {
    const t = this.orders.get(o.clientId);
    const out: OrderUpdate[] = [];
    const base = {
      venue,
      symbol: o.symbol,
      clientId: o.clientId,
      venueOrderId: o.venueOrderId,
      side: o.side,
      priceTicks: o.priceTicks,
      origLots: o.origLots,
    };
    let cum = 0;
    for (const tr of trades) {
      const tradeId = Number(tr.tradeId);
      if (tr.venueOrderId !== o.venueOrderId || !Number.isSafeInteger(tradeId)) continue;
      cum += tr.lots;
      if (this.seenTrades.has(`${o.symbol}:${tradeId}`)) continue;
      const u: OrderUpdate = {
        ...base,
        status: cum >= o.origLots ? "filled" : "partially_filled",
        exec: "fill",
        cumLots: cum as Lots,
        lastLots: tr.lots,
        lastPriceTicks: tr.priceTicks,
        fee: tr.fee,
        feeAsset: tr.feeAsset,
        isMaker: tr.isMaker,
        tradeId,
        venueTimeMs: tr.venueTimeMs,
        text: "recovered from the venue's trade history after a reconnect",
      };
      if (this.accept(u)) out.push(u);
    }
    const complete = this.missedLots(o) <= 0;
    if (complete && FINAL.has(o.status) && o.status !== "filled" && t?.status !== o.status) {
      const exec = o.status === "canceled" ? "canceled" : o.status === "rejected" ? "rejected" : "expired";
      const fin: OrderUpdate = {
        ...base,
        status: o.status,
        exec,
        cumLots: o.cumLots,
        lastLots: 0 as Lots,
        lastPriceTicks: 0 as Ticks,
        fee: "0",
        feeAsset: "",
        isMaker: false,
        tradeId: -1,
        venueTimeMs: nowMs,
      };
      if (this.accept(fin)) out.push(fin);
    }
    return { updates: out, complete };
  }

  private remember(key: string): void {
    this.seenTrades.add(key);
    this.tradeOrder.push(key);
    if (this.tradeOrder.length > this.maxTrades) {
      const old = this.tradeOrder.splice(0, this.tradeOrder.length - this.maxTrades);
      for (const k of old) this.seenTrades.delete(k);
    }
  }

  private track(clientId: string, t: Tracked): void {
    this.orders.set(clientId, t);
    if (FINAL.has(t.status)) {
      this.finals.push(clientId);
      if (this.finals.length > this.maxFinalOrders) {
        // Forget the oldest finished orders (Map keeps insertion order); open ones are never dropped.
        for (const id of this.finals.splice(0, this.finals.length - this.maxFinalOrders)) {
          const o = this.orders.get(id);
          if (o !== undefined && FINAL.has(o.status)) this.orders.delete(id);
        }
      }
    }
  }
}
