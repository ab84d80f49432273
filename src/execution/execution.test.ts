import { describe, expect, test } from "bun:test";
import { flush, makeDesk } from "../../test/support/fake-venue.ts";
import { Side } from "../types/index.ts";
import type { ManagedOrder } from "./order-state.ts";
import type { RiskReason } from "./risk.ts";

function placed(r: ManagedOrder | string): ManagedOrder {
  if (typeof r === "string") throw new Error(`refused: ${r}`);
  return r;
}

describe("execution desk", () => {
  test("fills move positions and balances, which then agree with the venue's accounts", async () => {
    const { desk, venue } = makeDesk();
    venue.venueBalances = [
      { asset: "BTC", free: "1", locked: "0" },
      { asset: "USDT", free: "100000", locked: "0" },
    ];
    await desk.syncBalances("fake");
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 2_000)); // 0.02 BTC at 50000.00
    await flush();
    venue.fill(o.clientId, 2_000, 5_000_000, true, "0.00002", "BTC");
    // the venue's own figures after that fill: +0.02 − 0.00002 BTC, −1000 USDT
    venue.venueBalances = [
      { asset: "BTC", free: "1.01998", locked: "0" },
      { asset: "USDT", free: "99000", locked: "0" },
    ];
    expect(await desk.compareBalances("fake")).toEqual([]);
    const [s] = desk.positionSamples();
    expect(s).toEqual({
      venue: "fake",
      symbol: "BTC-USDT",
      currency: "USDT",
      positionBase: 0.02,
      notionalExposure: 1000,
      realizedPnl: 0,
      unrealizedPnl: 0,
      fees: 1, // 0.00002 BTC at 50000.00
    });
  });

  test("a self-trade is two fills under one trade id: both sides are booked, each once", async () => {
    const { desk, venue } = makeDesk();
    const buy = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 300));
    const sell = placed(desk.submit("fake", "BTC-USDT", Side.Sell, 5_000_100, 300));
    await flush();
    const [b, s] = venue.selfTrade(buy.clientId, sell.clientId, 200, 5_000_000);
    // the seller's side again, from the venue's trade history: a duplicate; the buyer's side never was one
    const listed = venue.trades.find((t) => t.side === Side.Sell);
    if (listed === undefined) throw new Error("the venue lists no seller's side");
    expect(desk.applyVenueTrade(listed, s.clientId)).toBe("duplicate");
    const p = desk.positions.view("fake", "BTC-USDT");
    expect({
      sameTradeId: b.tradeId === s.tradeId,
      fills: p?.fills,
      bought: p?.boughtLots,
      sold: p?.soldLots,
      lots: p?.lots,
      duplicates: desk.stats.duplicateTrades,
    }).toEqual({ sameTradeId: true, fills: 2, bought: 200, sold: 200, lots: 0, duplicates: 0 });
  });

  test("status snapshots for the control API: exact decimal strings", async () => {
    const { desk, venue } = makeDesk();
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Sell, 5_000_100, 300, "limit", "GTC", "mm1"));
    await flush();
    venue.fill(o.clientId, 100, 5_000_100, true, "0.05", "USDT");
    expect(desk.openOrderStatus()).toEqual([
      {
        venue: "fake",
        symbol: "BTC-USDT",
        clientId: o.clientId,
        side: "sell",
        price: "50001.00",
        qty: "0.00300",
        filled: "0.00100",
        status: "partially_filled",
        strategy: "mm1",
      },
    ]);
    // short 0.001 BTC from 50001.00, marked at 50000.00
    expect(desk.positionStatus()).toEqual([
      {
        venue: "fake",
        symbol: "BTC-USDT",
        position: "-0.001",
        currency: "USDT",
        notional: "50",
        realizedPnl: "0",
        unrealizedPnl: "0.001",
        fees: "0.05",
      },
    ]);
    expect(desk.pnlStatus()).toEqual([{ currency: "USDT", realized: "0", unrealized: "0.001", fees: "0.05" }]);
    const risk = desk.riskStatus();
    expect([risk.halted, risk.haltReason, risk.killSwitchTrips, risk.dailyPnl]).toEqual([false, null, 0, "-0.049"]);
    expect(risk.limits["defaults.maxPositionBase"]).toBe("1000");
    expect(risk.limits.priceBandBps).toBe(1000);
    desk.halt("operator");
    expect(desk.riskStatus().haltReason).toBe("operator");
  });

  test("a strategy's sink: quotes and orders go through the gate tagged with its name", async () => {
    const { desk } = makeDesk();
    const sink = desk.sinkFor("mm");
    sink.quotes({ venue: "fake", symbol: "BTC-USDT", bids: [{ priceTicks: 4_999_000, lots: 2 }], asks: [] });
    sink.order({
      venue: "fake",
      symbol: "BTC-USDT",
      side: Side.Sell,
      type: "limit",
      tif: "IOC",
      priceTicks: 4_999_990,
      lots: 1,
    });
    await flush();
    const live = desk.openOrderStatus();
    expect(live.map((o) => `${o.side}:${o.price}:${o.strategy}`).sort()).toEqual([
      "buy:49990.00:mm",
      "sell:49999.90:mm",
    ]);
    expect([...desk.oms.allLive()].map((o) => `${o.type}/${o.tif}`).sort()).toEqual(["limit/IOC", "limit_maker/GTC"]);
  });

  test("every risk refusal is reported to the hook with venue and symbol", () => {
    const seen: [string, string, RiskReason][] = [];
    const { desk } = makeDesk({ onRiskReject: (v, s, r) => seen.push([v, s, r]) });
    desk.halt("test");
    expect(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 1)).toBe("halted");
    expect(seen).toEqual([["fake", "BTC-USDT", "halted"]]);
  });

  test("book health and bbo events drive the gate", () => {
    const { desk, venue } = makeDesk();
    venue.emit({ type: "book_health", venue: "fake", symbol: "BTC-USDT", health: "resyncing", reason: "gap" });
    expect(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 1)).toBe("book_not_live");
    venue.emit({ type: "book_health", venue: "fake", symbol: "BTC-USDT", health: "live", reason: "" });
    venue.emit({
      type: "bbo",
      venue: "fake",
      symbol: "BTC-USDT",
      bidTicks: 6_000_000,
      bidLots: 1,
      askTicks: 6_000_002,
      askLots: 1,
      recvNs: 0,
    });
    expect(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 1)).toBe("price_band");
    expect(typeof desk.submit("fake", "BTC-USDT", Side.Buy, 6_000_000, 1)).toBe("object");
  });

  test("a requote writes the new order before the stale one's cancel, unless the new one would meet it", async () => {
    const { desk, venue } = makeDesk();
    const wire: string[] = [];
    const submit = venue.submitOrder.bind(venue);
    const cancel = venue.cancelOrder.bind(venue);
    venue.submitOrder = (r) => {
      wire.push(`new ${r.side} ${r.priceTicks}`);
      return submit(r);
    };
    venue.cancelOrder = (symbol, id) => {
      wire.push(`cancel ${id}`);
      return cancel(symbol, id);
    };
    const lv = (priceTicks: number) => [{ priceTicks, lots: 100 }];
    desk.quote("fake", { symbol: "BTC-USDT", bids: lv(4_999_000), asks: lv(5_001_000) });
    await flush();
    const [bid] = [...desk.oms.liveOrders("fake", "BTC-USDT", Side.Buy)];
    const [ask] = [...desk.oms.liveOrders("fake", "BTC-USDT", Side.Sell)];
    expect(bid?.state).toBe("new");
    expect(ask?.state).toBe("new");
    // the bid moves up 1 tick, the ask stays: new bid first, then the stale bid's cancel
    wire.length = 0;
    desk.quote("fake", { symbol: "BTC-USDT", bids: lv(4_999_001), asks: lv(5_001_000) });
    expect(wire).toEqual([`new 0 4999001`, `cancel ${bid?.clientId}`]);
    await flush();
    // the market jumps: the new ask (4999500) would meet our own bid (4999001) being cancelled → cancels first
    wire.length = 0;
    const [bid2] = [...desk.oms.liveOrders("fake", "BTC-USDT", Side.Buy)].filter((o) => o.state === "new");
    desk.quote("fake", { symbol: "BTC-USDT", bids: lv(4_998_000), asks: lv(4_999_000) });
    expect(wire.slice(0, 2)).toEqual([`cancel ${bid2?.clientId}`, `cancel ${ask?.clientId}`]);
    expect(wire.slice(2)).toEqual(["new 0 4998000", "new 1 4999000"]);
  });
});
