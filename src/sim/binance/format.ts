/**
 * Binance JSON shapes of the core's orders, fills, execution reports and balances, in Binance's field
 * order, so every surface (REST, WS API, user streams) prints exactly what Binance prints.
 */
import type { BalanceView, ExecutionReport, Fill, OrderView, SimCore, SimSymbol } from "../core/index.ts";

/** A decimal string normalised to exactly 8 fraction digits ("0.01" → "0.01000000"), as Binance prints filters. */
export function fixed8(s: string): string {
  const [int = "0", frac = ""] = s.split(".");
  return `${int}.${frac.padEnd(8, "0").slice(0, 8)}`;
}

/** Price field of an order: Binance prints zero for MARKET orders. */
function orderPrice(o: OrderView): string {
  return o.symbol.formatPrice(o.priceTicks);
}

/** The fields shared by RESULT/FULL order responses, in Binance's order. */
export function orderResult(o: OrderView, transactTimeMs: number): Record<string, unknown> {
  const s = o.symbol;
  return {
    symbol: s.name,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    transactTime: transactTimeMs,
    price: orderPrice(o),
    origQty: s.formatQty(o.origLots),
    executedQty: s.formatQty(o.executedLots),
    origQuoteOrderQty: s.formatQuote(o.origQuoteUnits),
    cummulativeQuoteQty: s.formatQuote(o.cumQuoteUnits),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    workingTime: o.workingTimeMs,
    selfTradePreventionMode: o.stpMode,
  };
}

/** ACK response: only the identifiers. */
export function orderAck(o: OrderView, transactTimeMs: number): Record<string, unknown> {
  return {
    symbol: o.symbol.name,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    transactTime: transactTimeMs,
  };
}

/** FULL response: RESULT plus the fills. */
export function orderFull(
  core: SimCore,
  o: OrderView,
  fills: readonly Fill[],
  transactTimeMs: number,
): Record<string, unknown> {
  const r = orderResult(o, transactTimeMs);
  r["fills"] = fills.map((f) => ({
    price: o.symbol.formatPrice(f.priceTicks),
    qty: o.symbol.formatQty(f.lots),
    commission: core.formatAsset(f.commissionAsset, f.commissionUnits),
    commissionAsset: f.commissionAsset,
    tradeId: f.tradeId,
  }));
  return r;
}

/** GET /api/v3/order and openOrders entries. */
export function orderQuery(o: OrderView): Record<string, unknown> {
  const s = o.symbol;
  return {
    symbol: s.name,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: orderPrice(o),
    origQty: s.formatQty(o.origLots),
    executedQty: s.formatQty(o.executedLots),
    cummulativeQuoteQty: s.formatQuote(o.cumQuoteUnits),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    stopPrice: s.formatPrice(0),
    icebergQty: s.formatQty(0),
    time: o.timeMs,
    updateTime: o.updateTimeMs,
    isWorking: o.isWorking,
    workingTime: o.workingTimeMs,
    origQuoteOrderQty: s.formatQuote(o.origQuoteUnits),
    selfTradePreventionMode: o.stpMode,
  };
}

/** DELETE /api/v3/order response (and each entry of DELETE openOrders). */
export function orderCancel(
  o: OrderView,
  origClientOrderId: string,
  cancelClientOrderId: string,
  transactTimeMs: number,
): Record<string, unknown> {
  const s = o.symbol;
  return {
    symbol: s.name,
    origClientOrderId,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: cancelClientOrderId,
    transactTime: transactTimeMs,
    price: orderPrice(o),
    origQty: s.formatQty(o.origLots),
    executedQty: s.formatQty(o.executedLots),
    origQuoteOrderQty: s.formatQuote(o.origQuoteUnits),
    cummulativeQuoteQty: s.formatQuote(o.cumQuoteUnits),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    selfTradePreventionMode: o.stpMode,
  };
}

/** The `executionReport` event with every documented field, in Binance's order. */
export function executionReport(core: SimCore, r: ExecutionReport): Record<string, unknown> {
  const s: SimSymbol = r.symbol;
  const ev: Record<string, unknown> = {
    e: "executionReport",
    E: r.eventTimeMs,
    s: s.name,
    c: r.clientOrderId,
    S: r.side,
    o: r.type,
    f: r.timeInForce,
    q: s.formatQty(r.origLots),
    p: s.formatPrice(r.priceTicks),
    P: s.formatPrice(0),
    F: s.formatQty(0),
    g: -1,
    C: r.origClientOrderId,
    x: r.execType,
    X: r.status,
    r: r.rejectReason,
    i: r.orderId,
    l: s.formatQty(r.lastLots),
    z: s.formatQty(r.cumLots),
    L: s.formatPrice(r.lastPriceTicks),
    n: r.commissionAsset === null ? "0" : core.formatAsset(r.commissionAsset, r.commissionUnits),
    N: r.commissionAsset,
    T: r.transactTimeMs,
    t: r.tradeId,
  };
  if (r.execType === "TRADE_PREVENTION") {
    ev["v"] = r.preventedMatchId;
  }
  ev["I"] = r.executionId;
  ev["w"] = r.isWorking;
  ev["m"] = r.isMaker;
  ev["M"] = false;
  ev["O"] = r.creationTimeMs;
  ev["Z"] = s.formatQuote(r.cumQuoteUnits);
  ev["Y"] = s.formatQuote(r.lastQuoteUnits);
  ev["Q"] = s.formatQuote(r.origQuoteUnits);
  ev["W"] = r.workingTimeMs;
  ev["V"] = r.stpMode;
  if (r.execType === "TRADE_PREVENTION") {
    ev["u"] = r.preventedMatchId;
    ev["U"] = r.counterOrderId;
    ev["A"] = s.formatQty(r.preventedLots);
    ev["B"] = s.formatQty(r.preventedLots);
  }
  return ev;
}

/** The `outboundAccountPosition` event: changed assets only. */
export function accountPosition(
  core: SimCore,
  timeMs: number,
  eventTimeMs: number,
  balances: readonly BalanceView[],
): Record<string, unknown> {
  return {
    e: "outboundAccountPosition",
    E: eventTimeMs,
    u: timeMs,
    B: balances.map((b) => ({
      a: b.asset,
      f: core.formatAsset(b.asset, b.freeUnits),
      l: core.formatAsset(b.asset, b.lockedUnits),
    })),
  };
}
