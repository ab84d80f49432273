import { describe, expect, test } from "bun:test";
import { Rng, SystemClock } from "../../services/index.ts";
import type { InstrumentInfo, OpenOrder, OrderStatus, Ticks, VenueTrade } from "../../types/index.ts";
import { DecimalGrid, type Lots, Side } from "../../types/index.ts";
import { resolveBinanceConfig } from "./config.ts";
import { parseInstruments } from "./instruments.ts";
import { FillLedger, orderUpdateOf } from "./orders.ts";

const INFO: InstrumentInfo = {
  symbol: "ETH-BTC",
  venueSymbol: "ETHBTC",
  base: "ETH",
  quote: "BTC",
  price: new DecimalGrid("0.00000010"),
  qty: new DecimalGrid("0.001"),
  minQtyLots: 1 as Lots,
  maxQtyLots: 0 as Lots,
  minNotional: "0",
  maxNotional: "0",
  trading: true,
};

/** The §A.9 executionReport example, with fields overridable. */
function report(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    e: "executionReport",
    E: 1499405658658,
    s: "ETHBTC",
    c: "mUvoqJxFIILMdfAW5iGSOW",
    S: "BUY",
    o: "LIMIT",
    f: "GTC",
    q: "1.00000000",
    p: "0.10264410",
    x: "TRADE",
    X: "PARTIALLY_FILLED",
    r: "NONE",
    i: 4293153,
    l: "0.40000000",
    z: "0.40000000",
    L: "0.10264410",
    n: "0.00004000",
    N: "ETH",
    T: 1499405658657,
    t: 12345,
    m: true,
    C: "",
    ...over,
  };
}

describe("executionReport mapping (§A.9)", () => {
  test("a partial fill", () => {
    const u = orderUpdateOf("bn", report(), INFO);
    expect(u).toMatchObject({
      clientId: "mUvoqJxFIILMdfAW5iGSOW",
      venueOrderId: "4293153",
      side: Side.Buy,
      status: "partially_filled",
      exec: "fill",
      priceTicks: 1026441,
      origLots: 1000,
      cumLots: 400,
      lastLots: 400,
      lastPriceTicks: 1026441,
      fee: "0.00004000",
      feeAsset: "ETH",
      isMaker: true,
      tradeId: 12345,
    });
  });
  test("a cancel reports the original client id (C)", () => {
    const u = orderUpdateOf("bn", report({ x: "CANCELED", X: "CANCELED", c: "cancelReq1", C: "orig1", t: -1 }), INFO);
    expect(u?.clientId).toBe("orig1");
    expect(u?.exec).toBe("canceled");
    expect(u?.lastLots).toBe(0 as Lots);
  });
  test("malformed reports are refused", () => {
    expect(orderUpdateOf("bn", report({ z: "abc" }), INFO)).toBeUndefined();
    expect(orderUpdateOf("bn", report({ x: "WHAT" }), INFO)).toBeUndefined();
    expect(orderUpdateOf("bn", report({ i: "x" }), INFO)).toBeUndefined();
  });
});

describe("FillLedger: each fill exactly once", () => {
  /** The order of report() as the venue reports it, and as its trade history lists its fills. */
  const venueOrder = (cum: number, status: OrderStatus = "partially_filled"): OpenOrder => ({
    symbol: "ETH-BTC",
    clientId: "mUvoqJxFIILMdfAW5iGSOW",
    venueOrderId: "4293153",
    side: Side.Buy,
    priceTicks: 1026441 as Ticks,
    origLots: 1000 as Lots,
    cumLots: cum as Lots,
    status,
  });
  const trade = (id: number, lots: number, px: number, fee: string): VenueTrade => ({
    venue: "bn",
    symbol: "ETH-BTC",
    tradeId: String(id),
    venueOrderId: "4293153",
    clientId: "",
    side: Side.Buy,
    priceTicks: px as Ticks,
    lots: lots as Lots,
    price: INFO.price.format(px),
    qty: INFO.qty.format(lots),
    fee,
    feeAsset: "ETH",
    isMaker: true,
    venueTimeMs: 1499405658700 + id,
  });

  test("duplicates by trade id are dropped; recovery applies the missed trade once, with its price and fee", () => {
    const l = new FillLedger();
    const ack = orderUpdateOf("bn", report({ x: "NEW", X: "NEW", z: "0", l: "0", t: -1 }), INFO);
    const f1 = orderUpdateOf("bn", report(), INFO);
    const f3 = orderUpdateOf("bn", report({ t: 12347, z: "0.90000000", l: "0.10000000" }), INFO);
    if (ack === undefined || f1 === undefined || f3 === undefined) throw new Error("mapping failed");
    expect(l.accept(ack)).toBe(true);
    expect(l.accept(f1)).toBe(true);
    expect(l.accept(f1)).toBe(false); // replayed
    // The venue says 0.8 filled while we saw 0.4: its history holds the missed trade 12346.
    expect(l.missedLots(venueOrder(800))).toBe(400);
    const history = [trade(12345, 400, 1026441, "0.00040000"), trade(12346, 400, 1026430, "0.00040100")];
    const rec = l.recover("bn", venueOrder(800), history, 1);
    expect(rec.complete).toBe(true);
    expect(
      rec.updates.map((u) => `${u.exec} ${u.tradeId} ${u.lastLots} ${u.cumLots} ${u.lastPriceTicks} ${u.fee}`),
    ).toEqual(["fill 12346 400 800 1026430 0.00040100"]);
    expect(rec.updates[0]?.feeAsset).toBe("ETH");
    expect(l.recover("bn", venueOrder(800), history, 2).updates).toEqual([]); // recovered once
    // The missed report itself arrives late: already counted.
    expect(l.accept(orderUpdateOf("bn", report({ t: 12346, z: "0.80000000" }), INFO) ?? f1)).toBe(false);
    expect(l.accept(f3)).toBe(true);
    expect(l.duplicatesDropped).toBe(2);
    expect(l.openOrders().map((o) => o.clientId)).toEqual([f1.clientId]);
  });

  test("a missed fill is recovered even when a later one streamed first; the final state waits for the history", () => {
    const l = new FillLedger();
    const f1 = orderUpdateOf("bn", report(), INFO); // trade 12345, cum 0.4
    const f3 = orderUpdateOf("bn", report({ t: 12347, z: "0.90000000", l: "0.10000000" }), INFO);
    if (f1 === undefined || f3 === undefined) throw new Error("mapping failed");
    expect(l.accept(f1)).toBe(true);
    expect(l.accept(f3)).toBe(true); // 12346 (0.4) was missed, 12347 streamed after the reconnect
    const o = venueOrder(900, "canceled");
    expect(l.missedLots(o)).toBe(400);
    // The history lags: it does not list 12346 yet, so nothing final is reported.
    const early = l.recover("bn", o, [trade(12345, 400, 1026441, "0.0004"), trade(12347, 100, 1026441, "0.0001")], 1);
    expect(early).toEqual({ updates: [], complete: false });
    const all = [
      trade(12345, 400, 1026441, "0.0004"),
      trade(12346, 400, 1026441, "0.0004"),
      trade(12347, 100, 1026441, "0.0001"),
    ];
    const rec = l.recover("bn", o, all, 2);
    expect(rec.complete).toBe(true);
    expect(rec.updates.map((u) => `${u.exec} ${u.tradeId} ${u.lastLots} ${u.status}`)).toEqual([
      "fill 12346 400 partially_filled",
      "canceled -1 0 canceled",
    ]);
    expect(l.openOrders()).toEqual([]);
  });
});

describe("config and instruments", () => {
  const base = {
    name: "bn_test",
    apiKey: "k",
    apiSecret: "s",
    restUrl: "http://127.0.0.1:1",
    streamUrl: "ws://127.0.0.1:1",
    wsApiUrl: "ws://127.0.0.1:1/ws-api/v3",
    symbols: ["BTC-USDT"],
    clientIdPrefix: "e1",
    clock: new SystemClock(),
    rng: new Rng(1),
  };
  test("missing keys and bad fields are start-up errors naming the venue and field", () => {
    expect(() => resolveBinanceConfig({ ...base, apiKey: "" })).toThrow('binance venue "bn_test": apiKey is missing');
    expect(() => resolveBinanceConfig({ ...base, apiSecret: " " })).toThrow("apiSecret is missing");
    expect(() => resolveBinanceConfig({ ...base, restUrl: "ftp://x" })).toThrow("restUrl");
    expect(() => resolveBinanceConfig({ ...base, symbols: ["BTCUSDT"] })).toThrow("symbols");
    expect(() => resolveBinanceConfig({ ...base, clientIdPrefix: "too-long-prefix" })).toThrow("clientIdPrefix");
    expect(() => resolveBinanceConfig({ ...base, maxOutgoingPerSec: 6 })).toThrow("maxOutgoingPerSec");
    expect(resolveBinanceConfig({ ...base, apiKey: "", apiSecret: "", marketDataOnly: true }).maxLevels).toBe(5000);
  });
  test("exchangeInfo parsing", () => {
    const body = {
      symbols: [
        {
          symbol: "BTCUSDT",
          status: "TRADING",
          baseAsset: "BTC",
          quoteAsset: "USDT",
          filters: [
            { filterType: "PRICE_FILTER", tickSize: "0.01000000" },
            { filterType: "LOT_SIZE", minQty: "0.00001000", maxQty: "9000.00000000", stepSize: "0.00001000" },
            { filterType: "NOTIONAL", minNotional: "5.00000000", maxNotional: "9000000.00000000" },
          ],
        },
      ],
    };
    const m = parseInstruments("bn", body, ["BTC-USDT"]);
    const i = m.get("BTC-USDT");
    expect(i?.venueSymbol).toBe("BTCUSDT");
    expect(i?.price.parse("60000.01")).toBe(6000001);
    expect(i?.minQtyLots).toBe(1 as Lots);
    expect(i?.maxQtyLots).toBe(900_000_000 as Lots);
    expect(i?.minNotional).toBe("5.00000000");
    expect(() => parseInstruments("bn", body, ["ETH-USDT"])).toThrow("ETH-USDT");
    expect(() => parseInstruments("bn", {}, ["BTC-USDT"])).toThrow("no symbols");
  });
});
