/** Unit tests of the simulator core through its public API: every order type, TIF, STP mode and reject. */
import { describe, expect, test } from "bun:test";
import { Rng, VirtualClock } from "../../services/index.ts";
import { Side } from "../../types/index.ts";
import { type BalanceView, type ExecutionReport, type PlaceResult, SimCore, type SimSymbol } from "./index.ts";

interface Harness {
  core: SimCore;
  clock: VirtualClock;
  reports: ExecutionReport[];
  levels: [number, number, number, number][]; // updateId, side, ticks, lots
  trades: { id: number; price: number; lots: number; buyerIsMaker: boolean }[];
  accountUpdates: { id: string; balances: readonly BalanceView[] }[];
  sym: SimSymbol;
}

function harness(fees = { maker: "0.001", taker: "0.002" }): Harness {
  const clock = new VirtualClock();
  const core = new SimCore({ clock, seed: "unit", agents: false });
  const h: Harness = {
    core,
    clock,
    reports: [],
    levels: [],
    trades: [],
    accountUpdates: [],
    sym: core.symbol("BTCUSDT") as SimSymbol,
  };
  core.addListener({
    onExecution: (r) => h.reports.push(r),
    onBookLevel: (_s, u, side, ticks, lots) => h.levels.push([u, side, ticks, lots]),
    onTrade: (_s, id, price, lots, bm) => h.trades.push({ id, price, lots, buyerIsMaker: bm }),
    onAccountUpdate: (id, _t, balances) => h.accountUpdates.push({ id, balances }),
  });
  core.createAccount("alice", { USDT: "1000000", BTC: "100" }, fees);
  core.createAccount("bob", { USDT: "1000000", BTC: "100" }, fees);
  return h;
}

function bal(core: SimCore, id: string, asset: string): { free: number; locked: number } {
  const b = core.balances(id)?.find((x) => x.asset === asset);
  return { free: b?.freeUnits ?? 0, locked: b?.lockedUnits ?? 0 };
}

function ok(r: PlaceResult): Extract<PlaceResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.reason)}`);
  return r;
}

function limit(
  core: SimCore,
  acct: string,
  side: "BUY" | "SELL",
  price: string,
  qty: string,
  tif: "GTC" | "IOC" | "FOK" = "GTC",
  extra: Partial<{ clientOrderId: string; stpMode: "NONE" | "EXPIRE_TAKER" | "EXPIRE_MAKER" | "EXPIRE_BOTH" }> = {},
): PlaceResult {
  return core.placeOrder({
    accountId: acct,
    symbol: "BTCUSDT",
    side,
    type: "LIMIT",
    timeInForce: tif,
    price,
    quantity: qty,
    ...extra,
  });
}

const USDT = 1e8; // units per USDT
const BTC = 1e8;

describe("limit orders", () => {
  test("a GTC limit rests, locks quote at its price, reports NEW and one book level", () => {
    const h = harness();
    const r = ok(limit(h.core, "alice", "BUY", "50000.00", "0.01", "GTC", { clientOrderId: "a1" }));
    expect(r.order.status).toBe("NEW");
    expect(r.order.isWorking).toBe(true);
    expect(r.order.clientOrderId).toBe("a1");
    expect(r.fills).toHaveLength(0);
    expect(bal(h.core, "alice", "USDT")).toEqual({ free: 1000000 * USDT - 500 * USDT, locked: 500 * USDT });
    expect(h.reports.map((x) => [x.execType, x.status, x.tradeId, x.isWorking])).toEqual([["NEW", "NEW", -1, true]]);
    expect(h.levels).toEqual([[1, Side.Buy, 5000000, 1000]]);
    const snap = h.core.depthSnapshot("BTCUSDT", 5);
    expect(snap).toEqual({ lastUpdateId: 1, bids: [[5000000, 1000]], asks: [] });
    expect(h.accountUpdates).toHaveLength(1);
    expect(h.accountUpdates[0]?.balances.map((b) => b.asset)).toEqual(["USDT"]);
    expect(h.core.openOrders("alice").map((o) => o.orderId)).toEqual([r.order.orderId]);
  });

  test("a crossing limit fills at the maker's price, partially, and rests the rest; fees exact", () => {
    const h = harness();
    const maker = ok(limit(h.core, "bob", "SELL", "50000.00", "0.03"));
    const taker = ok(limit(h.core, "alice", "BUY", "50010.00", "0.05"));
    expect(taker.fills).toHaveLength(1);
    const f = taker.fills[0];
    expect(f?.priceTicks).toBe(5000000);
    expect(f?.lots).toBe(3000);
    expect(f?.quoteUnits).toBe(1500 * USDT);
    // Taker buyer pays 0.2 % of the base it receives: 0.03 BTC × 0.002 = 0.00006 BTC.
    expect(f?.commissionUnits).toBe(6000);
    expect(f?.commissionAsset).toBe("BTC");
    expect(taker.order.status).toBe("PARTIALLY_FILLED");
    expect(taker.order.executedLots).toBe(3000);
    expect(taker.order.cumQuoteUnits).toBe(1500 * USDT);
    expect(taker.order.isWorking).toBe(true);
    // Alice: paid 1500, keeps 0.02 × 50010 = 1000.2 locked for the resting remainder.
    expect(bal(h.core, "alice", "USDT")).toEqual({
      free: 1000000 * USDT - 1500 * USDT - 1000.2 * USDT,
      locked: 1000.2 * USDT,
    });
    expect(bal(h.core, "alice", "BTC").free).toBe(100 * BTC + 3000 * 1000 - 6000);
    // Bob, maker seller: receives 1500 USDT less 0.1 % = 1.5 USDT.
    expect(bal(h.core, "bob", "USDT").free).toBe(1000000 * USDT + 1500 * USDT - 1.5 * USDT);
    expect(bal(h.core, "bob", "BTC")).toEqual({ free: 100 * BTC - 3 * 1e6, locked: 0 });
    expect(h.core.feesCollected("BTC")).toBe(6000);
    expect(h.core.feesCollected("USDT")).toBe(1.5 * USDT);
    expect(h.trades).toEqual([{ id: 1, price: 5000000, lots: 3000, buyerIsMaker: false }]);
    const makerView = h.core.getOrder("bob", "BTCUSDT", { orderId: maker.order.orderId });
    expect(makerView?.status).toBe("FILLED");
    const trades = h.reports.filter((r) => r.execType === "TRADE");
    expect(
      trades.map((r) => [
        r.accountId,
        r.isMaker,
        r.commissionUnits,
        r.commissionAsset,
        r.tradeId,
        r.isWorking,
        r.status,
      ]),
    ).toEqual([
      ["bob", true, 1.5 * USDT, "USDT", 1, false, "FILLED"],
      ["alice", false, 6000, "BTC", 1, true, "PARTIALLY_FILLED"],
    ]);
    // The action removed the ask level and added the bid level under one update id.
    expect(h.levels.slice(1)).toEqual([
      [2, Side.Sell, 5000000, 0],
      [2, Side.Buy, 5001000, 2000],
    ]);
    expect(h.core.bookTop("BTCUSDT")).toMatchObject({ updateId: 2, bidTicks: 5001000, bidLots: 2000, askLots: 0 });
  });

  test("price-time priority: better price first, then earlier order", () => {
    const h = harness();
    const a1 = ok(limit(h.core, "bob", "SELL", "50001.00", "0.01"));
    const a2 = ok(limit(h.core, "bob", "SELL", "50000.00", "0.01"));
    const a3 = ok(limit(h.core, "alice", "SELL", "50000.00", "0.01"));
    h.core.createAccount("carol", { USDT: "100000" });
    const t = ok(limit(h.core, "carol", "BUY", "50001.00", "0.025"));
    expect(t.fills.map((f) => [f.priceTicks, f.lots])).toEqual([
      [5000000, 1000],
      [5000000, 1000],
      [5000100, 500],
    ]);
    const makerIds = h.reports.filter((r) => r.execType === "TRADE" && r.isMaker).map((r) => r.orderId);
    expect(makerIds).toEqual([a2.order.orderId, a3.order.orderId, a1.order.orderId]);
  });

  test("IOC fills what it can and expires the rest", () => {
    const h = harness();
    ok(limit(h.core, "bob", "SELL", "50000.00", "0.01"));
    const r = ok(limit(h.core, "alice", "BUY", "50000.00", "0.03", "IOC"));
    expect(r.order.status).toBe("EXPIRED");
    expect(r.order.executedLots).toBe(1000);
    expect(r.order.isWorking).toBe(false);
    expect(bal(h.core, "alice", "USDT").locked).toBe(0);
    const mine = h.reports.filter((x) => x.accountId === "alice").map((x) => x.execType);
    expect(mine).toEqual(["NEW", "TRADE", "EXPIRED"]);
    expect(h.core.depthSnapshot("BTCUSDT")?.bids).toEqual([]);
  });

  test("FOK is all or nothing", () => {
    const h = harness();
    ok(limit(h.core, "bob", "SELL", "50000.00", "0.01"));
    ok(limit(h.core, "bob", "SELL", "50001.00", "0.01"));
    const before = h.core.depthSnapshot("BTCUSDT");
    const miss = ok(limit(h.core, "alice", "BUY", "50001.00", "0.03", "FOK"));
    expect(miss.order.status).toBe("EXPIRED");
    expect(miss.order.executedLots).toBe(0);
    expect(h.core.depthSnapshot("BTCUSDT")).toEqual(before);
    expect(bal(h.core, "alice", "USDT")).toEqual({ free: 1000000 * USDT, locked: 0 });
    const hit = ok(limit(h.core, "alice", "BUY", "50001.00", "0.02", "FOK"));
    expect(hit.order.status).toBe("FILLED");
    expect(hit.fills).toHaveLength(2);
  });

  test("LIMIT_MAKER rests when passive and is rejected when it would take", () => {
    const h = harness();
    ok(limit(h.core, "bob", "SELL", "50000.00", "0.01"));
    const rest = h.core.placeOrder({
      accountId: "alice",
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT_MAKER",
      price: "49999.99",
      quantity: "0.01",
    });
    expect(ok(rest).order.status).toBe("NEW");
    const take = h.core.placeOrder({
      accountId: "alice",
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT_MAKER",
      price: "50000.00",
      quantity: "0.01",
    });
    expect(take).toEqual({ ok: false, reason: "would_take" });
  });
});

describe("market orders", () => {
  function book(h: Harness): void {
    ok(limit(h.core, "bob", "SELL", "50000.00", "0.01"));
    ok(limit(h.core, "bob", "SELL", "50010.00", "0.02"));
    ok(limit(h.core, "bob", "BUY", "49990.00", "0.01"));
  }

  test("by quantity sweeps levels and fills", () => {
    const h = harness();
    book(h);
    const r = ok(
      h.core.placeOrder({ accountId: "alice", symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.02" }),
    );
    expect(r.order.status).toBe("FILLED");
    expect(r.fills.map((f) => [f.priceTicks, f.lots])).toEqual([
      [5000000, 1000],
      [5001000, 1000],
    ]);
    expect(r.order.cumQuoteUnits).toBe(500 * USDT + 500.1 * USDT);
    expect(bal(h.core, "alice", "USDT")).toEqual({ free: 1000000 * USDT - 1000.1 * USDT, locked: 0 });
  });

  test("by quantity ends EXPIRED with a partial fill when liquidity runs out", () => {
    const h = harness();
    book(h);
    const r = ok(
      h.core.placeOrder({ accountId: "alice", symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.05" }),
    );
    expect(r.order.status).toBe("EXPIRED");
    expect(r.order.executedLots).toBe(3000);
    expect(bal(h.core, "alice", "USDT").locked).toBe(0);
    expect(h.core.depthSnapshot("BTCUSDT")?.asks).toEqual([]);
  });

  test("by quote quantity spends at most the amount and reports the executed quantity", () => {
    const h = harness();
    book(h);
    const r = ok(
      h.core.placeOrder({ accountId: "alice", symbol: "BTCUSDT", side: "BUY", type: "MARKET", quoteOrderQty: "750" }),
    );
    expect(r.order.status).toBe("FILLED");
    expect(r.order.origQuoteUnits).toBe(750 * USDT);
    // 500 at 50000 (0.01), then 250 / 50010 → 0.00499 BTC (floor to the step).
    expect(r.fills.map((f) => [f.priceTicks, f.lots])).toEqual([
      [5000000, 1000],
      [5001000, 499],
    ]);
    expect(r.order.origLots).toBe(1499);
    expect(r.order.executedLots).toBe(1499);
    expect(r.order.cumQuoteUnits).toBeLessThanOrEqual(750 * USDT);
    expect(bal(h.core, "alice", "USDT")).toEqual({ free: 1000000 * USDT - r.order.cumQuoteUnits, locked: 0 });
    // The last report of the order carries its final status and size.
    const mine = h.reports.filter((x) => x.accountId === "alice");
    expect(mine.map((x) => [x.execType, x.status])).toEqual([
      ["NEW", "NEW"],
      ["TRADE", "PARTIALLY_FILLED"],
      ["TRADE", "FILLED"],
    ]);
    expect(mine.at(-1)?.origLots).toBe(1499);
    expect(mine.at(-1)?.cumLots).toBe(1499);
  });

  test("sell by quote quantity that outruns the book ends EXPIRED", () => {
    const h = harness();
    book(h);
    const r = ok(
      h.core.placeOrder({
        accountId: "alice",
        symbol: "BTCUSDT",
        side: "SELL",
        type: "MARKET",
        quoteOrderQty: "10000",
      }),
    );
    expect(r.order.status).toBe("EXPIRED");
    expect(r.order.executedLots).toBe(1000);
    expect(bal(h.core, "alice", "BTC")).toEqual({ free: 100 * BTC - 1000 * 1000, locked: 0 });
    // Seller taker pays 0.2 % of the 499.9 USDT it receives.
    expect(bal(h.core, "alice", "USDT").free).toBe(1000000 * USDT + 499.9 * USDT - Math.floor(499.9 * USDT * 0.002));
  });
});

describe("cancel and queries", () => {
  test("cancel by orderId and by client id; unknown orders; closed orders stay queryable", () => {
    const h = harness();
    const a = ok(limit(h.core, "alice", "BUY", "50000.00", "0.01", "GTC", { clientOrderId: "keep" }));
    const b = ok(limit(h.core, "alice", "SELL", "60000.00", "0.01", "GTC", { clientOrderId: "other" }));
    const c1 = h.core.cancelOrder("alice", "BTCUSDT", { orderId: a.order.orderId }, "cxl-1");
    expect(c1.ok).toBe(true);
    if (!c1.ok) return;
    expect(c1.order.status).toBe("CANCELED");
    expect(c1.origClientOrderId).toBe("keep");
    expect(c1.cancelClientOrderId).toBe("cxl-1");
    const rep = h.reports.at(-1);
    expect([rep?.execType, rep?.clientOrderId, rep?.origClientOrderId]).toEqual(["CANCELED", "cxl-1", "keep"]);
    expect(bal(h.core, "alice", "USDT")).toEqual({ free: 1000000 * USDT, locked: 0 });
    expect(h.core.cancelOrder("alice", "BTCUSDT", { orderId: a.order.orderId })).toEqual({
      ok: false,
      reason: "unknown_order",
    });
    expect(h.core.cancelOrder("bob", "BTCUSDT", { orderId: b.order.orderId })).toEqual({
      ok: false,
      reason: "unknown_order",
    });
    expect(h.core.cancelOrder("alice", "BTCUSDT", { clientOrderId: "other" }).ok).toBe(true);
    expect(bal(h.core, "alice", "BTC")).toEqual({ free: 100 * BTC, locked: 0 });
    expect(h.core.getOrder("alice", "BTCUSDT", { clientOrderId: "keep" })?.status).toBe("CANCELED");
    expect(h.core.getOrder("alice", "BTCUSDT", { orderId: b.order.orderId })?.status).toBe("CANCELED");
    expect(h.core.getOrder("bob", "BTCUSDT", { orderId: b.order.orderId })).toBeUndefined();
    expect(h.core.openOrders("alice")).toEqual([]);
    expect(h.core.depthSnapshot("BTCUSDT")).toEqual({ lastUpdateId: 4, bids: [], asks: [] });
  });

  test("cancelAllOrders cancels every open order of the account on the symbol", () => {
    const h = harness();
    for (let i = 0; i < 5; i++) ok(limit(h.core, "alice", "BUY", `4000${i}.00`, "0.01"));
    ok(limit(h.core, "bob", "BUY", "40000.00", "0.01"));
    const out = h.core.cancelAllOrders("alice", "BTCUSDT");
    expect(out).toHaveLength(5);
    expect(out.every((c) => c.order.status === "CANCELED")).toBe(true);
    expect(h.core.openOrders("alice")).toHaveLength(0);
    expect(h.core.openOrders("bob")).toHaveLength(1);
    expect(bal(h.core, "alice", "USDT").locked).toBe(0);
  });

  test("a client id can be reused once its order is closed; closed orders are evicted beyond the cap", () => {
    const clock = new VirtualClock();
    const core = new SimCore({ clock, seed: 1, agents: false, closedOrdersKept: 3 });
    core.createAccount("a", { USDT: "100000" });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = ok(
        core.placeOrder({
          accountId: "a",
          symbol: "BTCUSDT",
          side: "BUY",
          type: "LIMIT",
          timeInForce: "GTC",
          price: "100.00",
          quantity: "0.1",
          clientOrderId: "same",
        }),
      );
      ids.push(r.order.orderId);
      expect(core.cancelOrder("a", "BTCUSDT", { clientOrderId: "same" }).ok).toBe(true);
    }
    expect(core.getOrder("a", "BTCUSDT", { orderId: ids[0] as number })).toBeUndefined();
    expect(core.getOrder("a", "BTCUSDT", { orderId: ids[4] as number })?.status).toBe("CANCELED");
    expect(core.getOrder("a", "BTCUSDT", { clientOrderId: "same" })?.orderId).toBe(ids[4] as number);
  });

  test("recent trades are kept oldest first", () => {
    const h = harness();
    for (let i = 0; i < 3; i++) {
      ok(limit(h.core, "bob", "SELL", "50000.00", "0.01"));
      ok(limit(h.core, "alice", "BUY", "50000.00", "0.01"));
    }
    const t = h.core.recentTrades("BTCUSDT", 2);
    expect(t.map((x) => x.tradeId)).toEqual([2, 3]);
    expect(t[0]).toMatchObject({ priceTicks: 5000000, lots: 1000, buyerIsMaker: false, quoteUnits: 500 * USDT });
  });
});

describe("self-trade prevention", () => {
  function setup(): Harness {
    const h = harness();
    ok(limit(h.core, "alice", "SELL", "50000.00", "0.01")); // own order at the front
    ok(limit(h.core, "bob", "SELL", "50000.00", "0.01"));
    return h;
  }

  test("EXPIRE_TAKER (default) expires the taker in match and leaves the maker", () => {
    const h = setup();
    const r = ok(limit(h.core, "alice", "BUY", "50000.00", "0.02"));
    expect(r.order.status).toBe("EXPIRED_IN_MATCH");
    expect(r.order.stpMode).toBe("EXPIRE_TAKER");
    expect(r.fills).toHaveLength(0);
    const last = h.reports.at(-1);
    expect([last?.execType, last?.status, last?.preventedLots]).toEqual(["TRADE_PREVENTION", "EXPIRED_IN_MATCH", 2000]);
    expect(last?.preventedMatchId).toBeGreaterThan(0);
    expect(h.core.depthSnapshot("BTCUSDT")?.asks).toEqual([[5000000, 2000]]);
    expect(bal(h.core, "alice", "USDT")).toEqual({ free: 1000000 * USDT, locked: 0 });
  });

  test("EXPIRE_MAKER expires the own maker and keeps matching", () => {
    const h = setup();
    const r = ok(limit(h.core, "alice", "BUY", "50000.00", "0.01", "GTC", { stpMode: "EXPIRE_MAKER" }));
    expect(r.order.status).toBe("FILLED");
    expect(r.fills).toHaveLength(1);
    const prevented = h.reports.filter((x) => x.execType === "TRADE_PREVENTION");
    expect(prevented.map((x) => [x.accountId, x.status, x.side])).toEqual([["alice", "EXPIRED_IN_MATCH", "SELL"]]);
    expect(h.core.depthSnapshot("BTCUSDT")?.asks).toEqual([]);
    expect(bal(h.core, "alice", "BTC").locked).toBe(0);
    expect(h.core.openOrders("alice")).toEqual([]);
  });

  test("EXPIRE_BOTH expires both orders", () => {
    const h = setup();
    const r = ok(limit(h.core, "alice", "BUY", "50000.00", "0.01", "GTC", { stpMode: "EXPIRE_BOTH" }));
    expect(r.order.status).toBe("EXPIRED_IN_MATCH");
    const prevented = h.reports.filter((x) => x.execType === "TRADE_PREVENTION");
    expect(prevented.map((x) => x.side).sort()).toEqual(["BUY", "SELL"]);
    expect(h.core.depthSnapshot("BTCUSDT")?.asks).toEqual([[5000000, 1000]]);
  });

  test("NONE lets the account trade with itself, paying both fees", () => {
    const h = setup();
    const r = ok(limit(h.core, "alice", "BUY", "50000.00", "0.01", "GTC", { stpMode: "NONE" }));
    expect(r.order.status).toBe("FILLED");
    const mine = h.reports.filter((x) => x.execType === "TRADE").map((x) => [x.accountId, x.isMaker]);
    expect(mine).toEqual([
      ["alice", true],
      ["alice", false],
    ]);
  });
});

describe("rejections", () => {
  const base = { accountId: "alice", symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC" } as const;
  const cases: [string, Record<string, string>, unknown][] = [
    ["off-tick price", { price: "50000.001", quantity: "0.01" }, { filter: "PRICE_FILTER" }],
    ["price below min", { price: "0", quantity: "0.01" }, { filter: "PRICE_FILTER" }],
    ["price above max", { price: "1000000.01", quantity: "0.00001" }, { filter: "PRICE_FILTER" }],
    ["off-step qty", { price: "50000", quantity: "0.000015" }, { filter: "LOT_SIZE" }],
    ["qty above max", { price: "1", quantity: "9000.1" }, { filter: "LOT_SIZE" }],
    ["notional too small", { price: "100", quantity: "0.01" }, { filter: "NOTIONAL" }],
    ["notional too large", { price: "999999", quantity: "10" }, { filter: "NOTIONAL" }],
    ["too much precision", { price: "50000.000000001", quantity: "0.01" }, { tooMuchPrecision: "price" }],
    ["malformed qty", { price: "50000", quantity: "1e3" }, { invalidParam: "quantity", message: "Invalid quantity." }],
    [
      "missing price",
      { quantity: "0.01" },
      { invalidParam: "price", message: "Mandatory parameter 'price' was not sent." },
    ],
    ["insufficient quote", { price: "50000", quantity: "21" }, "insufficient_balance"],
  ];
  for (const [name, fields, reason] of cases) {
    test(name, () => {
      const h = harness();
      const r = h.core.placeOrder({ ...base, ...fields });
      expect(r).toEqual({ ok: false, reason } as PlaceResult);
      expect(h.core.validateOrder({ ...base, ...fields })).toEqual({ ok: false, reason } as PlaceResult);
      expect(h.reports).toHaveLength(0);
      expect(h.core.depthSnapshot("BTCUSDT")?.lastUpdateId).toBe(0);
    });
  }

  test("insufficient base for a sell, MARKET_LOT_SIZE, market notional", () => {
    const h = harness();
    const sell = { ...base, side: "SELL", price: "50000", quantity: "100.00001" } as const;
    expect(h.core.placeOrder(sell)).toEqual({ ok: false, reason: "insufficient_balance" });
    const mkt = { accountId: "alice", symbol: "BTCUSDT", side: "BUY", type: "MARKET" } as const;
    expect(h.core.placeOrder({ ...mkt, quantity: "121" })).toEqual({
      ok: false,
      reason: { filter: "MARKET_LOT_SIZE" },
    });
    expect(h.core.placeOrder({ ...mkt, quantity: "0.00001" })).toEqual({ ok: false, reason: { filter: "NOTIONAL" } });
    expect(h.core.placeOrder({ ...mkt, quoteOrderQty: "1" })).toEqual({ ok: false, reason: { filter: "NOTIONAL" } });
  });

  test("duplicate client id among open orders, MAX_NUM_ORDERS, unknown symbol/account, market closed", () => {
    const h = harness();
    ok(limit(h.core, "alice", "BUY", "100.00", "0.1", "GTC", { clientOrderId: "dup" }));
    expect(limit(h.core, "alice", "BUY", "100.00", "0.1", "GTC", { clientOrderId: "dup" })).toEqual({
      ok: false,
      reason: "duplicate_client_id",
    });
    // Another account may use the same id.
    ok(limit(h.core, "bob", "BUY", "100.00", "0.1", "GTC", { clientOrderId: "dup" }));
    for (let i = 1; i < 200; i++) ok(limit(h.core, "alice", "BUY", "100.00", "0.1"));
    expect(limit(h.core, "alice", "BUY", "100.00", "0.1")).toEqual({ ok: false, reason: { filter: "MAX_NUM_ORDERS" } });
    expect(h.core.placeOrder({ ...base, symbol: "NOPE", price: "1", quantity: "1" })).toEqual({
      ok: false,
      reason: "unknown_symbol",
    });
    expect(h.core.placeOrder({ ...base, accountId: "nobody", price: "1", quantity: "1" })).toEqual({
      ok: false,
      reason: "unknown_account",
    });
    h.core.setSymbolStatus("BTCUSDT", "HALT");
    expect(limit(h.core, "bob", "BUY", "100.00", "0.1")).toEqual({ ok: false, reason: "market_closed" });
  });

  test("fields of the wrong type are typed rejections, not crashes", () => {
    const h = harness();
    const bad = JSON.parse(
      '{"accountId":"alice","symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","price":null,"quantity":1}',
    );
    expect(h.core.placeOrder(bad)).toEqual({ ok: false, reason: { invalidParam: "price", message: "Invalid price." } });
    const side = JSON.parse(
      '{"accountId":"alice","symbol":"BTCUSDT","side":"HOLD","type":"LIMIT","price":"1","quantity":"1"}',
    );
    expect(h.core.placeOrder(side)).toEqual({ ok: false, reason: { invalidParam: "side", message: "Invalid side." } });
    const ref = JSON.parse('{"orderId":"1","clientOrderId":7}');
    expect(h.core.cancelOrder("alice", "BTCUSDT", ref)).toEqual({ ok: false, reason: "unknown_order" });
  });

  test("bad config is refused with the field named", () => {
    const clock = new VirtualClock();
    const core = new SimCore({ clock, seed: 1, agents: false });
    expect(() => core.createAccount("x", { USDT: "abc" })).toThrow(/USDT/);
    expect(() => core.createAccount("y", {}, { maker: "0.5", taker: "0" })).toThrow(/fees.maker/);
    expect(
      () =>
        new SimCore({
          clock,
          seed: 1,
          agents: false,
          symbols: [{ ...(core.symbol("BTCUSDT") as SimSymbol).spec, tickSize: "0.0000001" }],
        }),
    ).toThrow(/tickSize/);
  });
});

describe("events", () => {
  test("calling the core from inside a callback throws instead of corrupting the book", () => {
    const h = harness();
    let err: unknown;
    h.core.addListener({
      onExecution: () => {
        try {
          limit(h.core, "alice", "BUY", "101.00", "0.1");
        } catch (e) {
          err = e;
        }
      },
    });
    ok(limit(h.core, "alice", "BUY", "100.00", "0.1"));
    expect(String(err)).toContain("re-entrant");
    expect(h.core.openOrders("alice")).toHaveLength(1);
  });

  test("removing a listener stops its events", () => {
    const h = harness();
    let n = 0;
    const off = h.core.addListener({ onBookLevel: () => n++ });
    ok(limit(h.core, "alice", "BUY", "100.00", "0.1"));
    off();
    ok(limit(h.core, "alice", "BUY", "101.00", "0.1"));
    expect(n).toBe(1);
  });

  test("adjustBalance credits and debits free balance with an account update", () => {
    const h = harness();
    expect(h.core.adjustBalance("alice", "ETH", "1.5")).toBe(true);
    expect(bal(h.core, "alice", "ETH").free).toBe(1.5e8);
    expect(h.core.adjustBalance("alice", "ETH", "-2")).toBe(false);
    expect(h.core.adjustBalance("alice", "ETH", "-0.5")).toBe(true);
    expect(h.accountUpdates.map((u) => u.balances[0]?.freeUnits)).toEqual([1.5e8, 1e8]);
  });
});

describe("account trade history", () => {
  test("both sides keep their trade with price, fee, asset and maker flag, after the orders are closed", () => {
    const clock = new VirtualClock(1_000_000);
    const core = new SimCore({ clock, seed: "unit", agents: false, closedOrdersKept: 1 });
    core.createAccount("alice", { USDT: "1000000", BTC: "100" }, { maker: "0.001", taker: "0.002" });
    core.createAccount("bob", { USDT: "1000000", BTC: "100" }, { maker: "0.001", taker: "0.002" });
    const maker = ok(limit(core, "alice", "SELL", "50000.00", "0.02", "GTC", { clientOrderId: "m1" }));
    clock.advance(5);
    ok(limit(core, "bob", "BUY", "50000.00", "0.02", "IOC", { clientOrderId: "t1" }));
    // more closed orders than kept: the first ones are no longer queryable, their trades still are
    for (let i = 0; i < 3; i++) ok(limit(core, "alice", "SELL", "90000.00", "0.01", "IOC"));
    expect(core.getOrder("alice", "BTCUSDT", { orderId: maker.order.orderId })).toBeUndefined();
    const a = core.accountTrades("alice", { limit: 10 });
    const b = core.accountTrades("bob", { limit: 10 });
    expect(a.length).toBe(1);
    expect(b.length).toBe(1);
    const [ta, tb] = [a[0], b[0]];
    expect(ta?.tradeId).toBe(tb?.tradeId as number);
    expect(ta).toMatchObject({ side: "SELL", isMaker: true, commissionAsset: "USDT", clientOrderId: "m1" });
    expect(tb).toMatchObject({ side: "BUY", isMaker: false, commissionAsset: "BTC", clientOrderId: "t1" });
    expect(ta?.orderId).toBe(maker.order.orderId);
    expect(ta?.priceTicks).toBe(5_000_000);
    expect(ta?.lots).toBe(2000);
    expect(ta?.quoteUnits).toBe(1000 * USDT);
    expect(ta?.commissionUnits).toBe(USDT); // 0.1 % of 1000 USDT
    expect(tb?.commissionUnits).toBe(4000); // 0.2 % of 0.02 BTC = 0.00004 BTC
    expect(ta?.timeMs).toBe(1_000_005);
    expect((tb?.seq ?? 0) !== (ta?.seq ?? 0)).toBe(true);
  });

  test("filters: symbol, order, trade id, seq cursors, time window, limit from either end", () => {
    const clock = new VirtualClock(0);
    const core = new SimCore({ clock, seed: "unit", agents: false });
    core.createAccount("alice", { USDT: "1000000", BTC: "100" });
    core.createAccount("bob", { USDT: "1000000", BTC: "100" });
    const resting = ok(limit(core, "alice", "SELL", "50000.00", "1", "GTC"));
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      ok(limit(core, "bob", "BUY", "50000.00", "0.01", "IOC"));
    }
    const all = core.accountTrades("alice", { limit: 100 });
    expect(all.map((t) => t.timeMs)).toEqual([1000, 2000, 3000, 4000, 5000, 6000]);
    const ids = all.map((t) => t.tradeId);
    expect(core.accountTrades("alice", { limit: 2 }).map((t) => t.tradeId)).toEqual(ids.slice(0, 2));
    expect(core.accountTrades("alice", { limit: 2, newest: true }).map((t) => t.tradeId)).toEqual(ids.slice(4));
    expect(core.accountTrades("alice", { limit: 100, fromTradeId: ids[3] }).length).toBe(3);
    expect(core.accountTrades("alice", { limit: 100, startMs: 2000, endMs: 4000 }).length).toBe(3);
    const seqs = all.map((t) => t.seq);
    const mid = core.accountTrades("alice", { limit: 100, seqAbove: seqs[1], seqBelow: seqs[4] });
    expect(mid.map((t) => t.seq)).toEqual(seqs.slice(2, 4));
    expect(core.accountTrades("alice", { limit: 100, symbol: "ETHUSDT" })).toEqual([]);
    expect(core.accountTrades("alice", { limit: 100, symbol: "BTCUSDT", orderId: resting.order.orderId }).length).toBe(
      6,
    );
    expect(core.accountTrades("alice", { limit: 0 })).toEqual([]);
    expect(core.accountTrades("nobody", { limit: 10 })).toEqual([]);
  });

  test("bounded: the oldest trades go first", () => {
    const core = new SimCore({ clock: new VirtualClock(0), seed: "unit", agents: false, accountTradesKept: 3 });
    core.createAccount("alice", { USDT: "1000000", BTC: "100" });
    core.createAccount("bob", { USDT: "1000000", BTC: "100" });
    ok(limit(core, "alice", "SELL", "50000.00", "1", "GTC"));
    for (let i = 0; i < 5; i++) ok(limit(core, "bob", "BUY", "50000.00", "0.01", "IOC"));
    const kept = core.accountTrades("alice", { limit: 100 });
    expect(kept.length).toBe(3);
    expect(kept.map((t) => t.tradeId)).toEqual([3, 4, 5]);
    expect(() => new SimCore({ clock: new VirtualClock(0), seed: "x", agents: false, accountTradesKept: -1 })).toThrow(
      "accountTradesKept",
    );
  });
});

describe("amend", () => {
  const amend = (h: Harness, acct: string, orderId: number, change: { newQuantity?: string; newPrice?: string }) =>
    h.core.amendOrder({ accountId: acct, symbol: "BTCUSDT", ref: { orderId }, ...change });
  const queue = (h: Harness, acct: string) => h.core.openOrders(acct).map((o) => o.orderId);

  test("a smaller size keeps the queue place: the level shrinks, the lock follows, a taker still meets it first", () => {
    const h = harness({ maker: "0", taker: "0" });
    const a = ok(limit(h.core, "alice", "BUY", "50000.00", "0.03")).order;
    const b = ok(limit(h.core, "bob", "BUY", "50000.00", "0.01")).order;
    h.reports.length = 0;
    h.levels.length = 0;
    const r = amend(h, "alice", a.orderId, { newQuantity: "0.02" });
    if (!r.ok) throw new Error(JSON.stringify(r.reason));
    expect(r.keptPriority).toBe(true);
    expect(r.order.origLots).toBe(2000);
    expect(r.order.amendCount).toBe(1);
    expect(h.reports.map((x) => [x.execType, x.status, x.origLots])).toEqual([["REPLACED", "NEW", 2000]]);
    expect(h.levels.at(-1)?.slice(1)).toEqual([Side.Buy, 5000000, 3000]);
    expect(bal(h.core, "alice", "USDT").locked).toBe(1000 * USDT);
    const t = ok(limit(h.core, "bob", "SELL", "50000.00", "0.02", "IOC"));
    expect(t.fills.map((f) => f.lots)).toEqual([2000]);
    expect(h.core.getOrder("alice", "BTCUSDT", { orderId: a.orderId })?.status).toBe("FILLED");
    expect(h.core.getOrder("bob", "BTCUSDT", { orderId: b.orderId })?.executedLots).toBe(0);
  });

  test("a larger size or a new price sends the order to the back of its level", () => {
    const h = harness({ maker: "0", taker: "0" });
    const a = ok(limit(h.core, "alice", "SELL", "50001.00", "0.01")).order;
    ok(limit(h.core, "bob", "SELL", "50001.00", "0.01"));
    const up = amend(h, "alice", a.orderId, { newQuantity: "0.02" });
    expect(up.ok && up.keptPriority).toBe(false);
    const t = ok(limit(h.core, "bob", "BUY", "50001.00", "0.01", "IOC", { stpMode: "NONE" }));
    expect(t.fills.length).toBe(1);
    expect(h.core.getOrder("alice", "BTCUSDT", { orderId: a.orderId })?.executedLots).toBe(0);
    const moved = amend(h, "alice", a.orderId, { newPrice: "50002.00" });
    expect(moved.ok && moved.keptPriority).toBe(false);
    expect(h.core.bookTop("BTCUSDT")).toMatchObject({ askTicks: 5000200, askLots: 2000 });
    expect(bal(h.core, "alice", "BTC").locked).toBe(2_000_000);
  });

  test("a new price that crosses trades at once as a taker and rests the remainder at the new price", () => {
    const h = harness({ maker: "0.001", taker: "0.002" });
    ok(limit(h.core, "bob", "SELL", "50001.00", "0.01"));
    const a = ok(limit(h.core, "alice", "BUY", "49990.00", "0.03")).order;
    h.reports.length = 0;
    const r = amend(h, "alice", a.orderId, { newPrice: "50001.00" });
    if (!r.ok) throw new Error(JSON.stringify(r.reason));
    expect(r.fills.map((f) => [f.lots, f.priceTicks, f.isMaker])).toEqual([[1000, 5000100, false]]);
    expect(h.reports.filter((x) => x.accountId === "alice").map((x) => [x.execType, x.status])).toEqual([
      ["REPLACED", "NEW"],
      ["TRADE", "PARTIALLY_FILLED"],
    ]);
    expect(r.order).toMatchObject({ status: "PARTIALLY_FILLED", priceTicks: 5000100, executedLots: 1000 });
    expect(r.order.commissionUnits).toBe(2000); // 0.002 × 0.01 BTC received, in BTC units
    expect(h.core.bookTop("BTCUSDT")).toMatchObject({ bidTicks: 5000100, bidLots: 2000, askLots: 0 });
    expect(bal(h.core, "alice", "USDT").locked).toBe(100_002_000_000); // 0.02 BTC left at 50001 USDT
  });

  test("a new size at or below the filled size ends the order FILLED and frees its lock", () => {
    const h = harness();
    const a = ok(limit(h.core, "alice", "BUY", "50000.00", "0.03")).order;
    ok(limit(h.core, "bob", "SELL", "50000.00", "0.01", "IOC"));
    const r = amend(h, "alice", a.orderId, { newQuantity: "0.005" });
    if (!r.ok) throw new Error(JSON.stringify(r.reason));
    expect(r.order).toMatchObject({ status: "FILLED", origLots: 1000, executedLots: 1000, isWorking: false });
    expect(bal(h.core, "alice", "USDT").locked).toBe(0);
    expect(h.core.openOrders("alice")).toEqual([]);
    expect(h.core.bookTop("BTCUSDT")?.bidLots).toBe(0);
    expect(h.core.closedOrders("alice").map((o) => o.orderId)).toEqual([a.orderId]);
  });

  test("refusals leave the order untouched: unknown order, bad grid, post-only that would cross, balance", () => {
    const h = harness();
    h.core.createAccount("poor", { USDT: "600", BTC: "0" });
    const a = ok(limit(h.core, "poor", "BUY", "50000.00", "0.01")).order;
    ok(limit(h.core, "bob", "SELL", "50010.00", "0.01"));
    const maker = ok(
      h.core.placeOrder({
        accountId: "alice",
        symbol: "BTCUSDT",
        side: "BUY",
        type: "LIMIT_MAKER",
        price: "50000.00",
        quantity: "0.01",
      }),
    ).order;
    const before = [h.core.openOrders("poor"), bal(h.core, "poor", "USDT")];
    const reason = (r: ReturnType<typeof amend>) => (r.ok ? "ok" : r.reason);
    expect(reason(amend(h, "poor", 999, { newPrice: "1.00" }))).toBe("unknown_order");
    expect(reason(amend(h, "bob", a.orderId, { newPrice: "1.00" }))).toBe("unknown_order");
    expect(reason(amend(h, "poor", a.orderId, {}))).toMatchObject({ invalidParam: "newQuantity" });
    expect(reason(amend(h, "poor", a.orderId, { newPrice: "50000.005" }))).toEqual({ filter: "PRICE_FILTER" });
    expect(reason(amend(h, "poor", a.orderId, { newPrice: "1.000000001" }))).toEqual({ tooMuchPrecision: "price" });
    expect(reason(amend(h, "poor", a.orderId, { newQuantity: "0" }))).toMatchObject({ invalidParam: "newQuantity" });
    expect(reason(amend(h, "poor", a.orderId, { newQuantity: "abc" }))).toMatchObject({ invalidParam: "newQuantity" });
    expect(reason(amend(h, "poor", a.orderId, { newQuantity: "0.02" }))).toBe("insufficient_balance");
    expect(reason(amend(h, "alice", maker.orderId, { newPrice: "50010.00" }))).toBe("would_take");
    expect([h.core.openOrders("poor"), bal(h.core, "poor", "USDT")]).toEqual(before);
    expect(queue(h, "alice")).toEqual([maker.orderId]);
  });
});

describe("placeOrderTicks and cancelOrderQuiet: the in-process venue's entries", () => {
  type Kind = "LIMIT" | "LIMIT_MAKER" | "MARKET";
  const KINDS: readonly Kind[] = ["LIMIT", "LIMIT_MAKER", "MARKET"];
  const TIFS = ["GTC", "IOC", "FOK"] as const;

  /** One order both ways: the decimal strings the count formats to, or the counts themselves. */
  function both(rng: Rng, seed: string, step: number, a: Harness, b: Harness): void {
    const type = KINDS[rng.int(3)] as Kind;
    const side = rng.chance(0.5) ? "BUY" : "SELL";
    const tif = type === "LIMIT" ? TIFS[rng.int(3)] : undefined;
    const mid = 6_000_000; // BTCUSDT starts at 60000.00
    // near the touch mostly, sometimes far, off-limits or zero, so fills, rests and refusals all occur
    const priceTicks = rng.chance(0.03) ? 0 : rng.chance(0.03) ? 2 ** 40 : mid + rng.int(41) - 20;
    const lots = rng.chance(0.03) ? 0 : rng.chance(0.03) ? 2 ** 45 : 1 + rng.int(300);
    const clientOrderId = rng.chance(0.03) ? "bad id!" : `o-${seed}-${step}`;
    const acct = rng.chance(0.3) ? "bob" : "alice";
    const exact = (type === "MARKET" || a.sym.exactTicks(priceTicks)) && a.sym.exactLots(lots);
    const head = { accountId: acct, symbol: "BTCUSDT", side, type, timeInForce: tif, clientOrderId } as const;
    const viaStrings = a.core.placeOrder({
      ...head,
      price: type === "MARKET" ? undefined : a.sym.priceGrid.format(priceTicks),
      quantity: a.sym.qtyGrid.format(lots),
    });
    const want = viaStrings.ok ? viaStrings.order.orderId : viaStrings;
    const got = exact ? b.core.placeOrderTicks({ ...head, priceTicks, lots }) : want;
    expect({ seed, step, got }).toEqual({ seed, step, got: want });
    if (rng.chance(0.3)) {
      // and a cancel of an earlier order (often gone by now) by client id, both ways
      const id = `o-${seed}-${rng.chance(0.5) ? step : rng.int(step + 1)}`;
      const c = a.core.cancelOrder(acct, "BTCUSDT", { clientOrderId: id });
      const cancelWant = c.ok ? null : c.reason;
      expect({ seed, step, id, got: b.core.cancelOrderQuiet(acct, "BTCUSDT", id) }).toEqual({
        seed,
        step,
        id,
        got: cancelWant,
      });
    }
  }

  test("gives the same ids, refusals, events and balances as the decimal entry (and cancelOrderQuiet as cancelOrder)", () => {
    for (const seed of ["t1", "t2", "t3"]) {
      const a = harness();
      const b = harness();
      const rng = new Rng(seed);
      for (let step = 0; step < 400; step++) both(rng, seed, step, a, b);
      expect({ seed, log: b.core.eventLogHash(), n: b.core.eventCount() }).toEqual({
        seed,
        log: a.core.eventLogHash(),
        n: a.core.eventCount(),
      });
      const ids = (h: Harness) => h.reports.map((r) => `${r.execType} ${r.orderId} ${r.clientOrderId} ${r.status}`);
      expect({ seed, reports: ids(b), alice: b.core.balances("alice") }).toEqual({
        seed,
        reports: ids(a),
        alice: a.core.balances("alice"),
      });
      expect(`${seed}: cancels ${a.reports.filter((r) => r.execType === "CANCELED").length > 10}`).toBe(
        `${seed}: cancels true`,
      );
    }
  });

  test("counts the core cannot hold exactly are refused by name, as their decimal strings are", () => {
    const h = harness();
    const head = { accountId: "alice", symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC" } as const;
    expect(h.sym.exactTicks(-1)).toBe(false);
    expect(h.sym.exactTicks(1.5)).toBe(false);
    expect(h.sym.exactTicks(Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(h.sym.exactLots(2 ** 60)).toBe(false);
    expect(h.core.placeOrderTicks({ ...head, priceTicks: -1, lots: 1 })).toEqual({
      ok: false,
      reason: { invalidParam: "price", message: "Invalid price." },
    });
    expect(h.core.placeOrderTicks({ ...head, priceTicks: 6_000_000, lots: Number.NaN })).toEqual({
      ok: false,
      reason: { invalidParam: "quantity", message: "Invalid quantity." },
    });
    expect(h.core.placeOrderTicks({ ...head, priceTicks: 6_000_000, lots: 1, clientOrderId: "no spaces" })).toEqual({
      ok: false,
      reason: {
        invalidParam: "newClientOrderId",
        message: "Illegal characters found in parameter 'newClientOrderId'.",
      },
    });
    expect(h.reports.length).toBe(0);
  });
});
