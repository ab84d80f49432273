/**
 * An unmodified third-party Binance client (the `binance` npm package, v3.6.5) against the
 * simulator: if it trades and streams here, the simulator speaks Binance closely enough.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { MainClient, WebsocketAPIClient, WebsocketClient } from "binance";
import { type RunningSim, startSim } from "../src/sim/index.ts";
import { restingBuyPrice } from "./sim-helpers.ts";

const SEED = "third-party";
let sim: RunningSim;
const silent = { trace: () => {}, info: () => {}, error: () => {} };

beforeAll(async () => {
  sim = await startSim({ seed: SEED, symbols: ["BTCUSDT", "ETHUSDT"] });
  await Bun.sleep(200);
});
afterAll(async () => {
  await sim.close();
});

test("MainClient (REST): depth, place, query, cancel", async () => {
  const client = new MainClient({ api_key: sim.apiKey, api_secret: sim.apiSecret, baseUrl: sim.restUrl });
  expect(await client.testConnectivity()).toEqual({});
  const book = await client.getOrderBook({ symbol: "BTCUSDT", limit: 10 });
  expect(book.bids.length).toBe(10);
  expect(Number(book.bids[0]?.[0])).toBeLessThan(Number(book.asks[0]?.[0]));
  const price = restingBuyPrice(sim, "BTCUSDT");
  const placed = await client.submitNewOrder({
    symbol: "BTCUSDT",
    side: "BUY",
    type: "LIMIT",
    timeInForce: "GTC",
    quantity: 0.01,
    price: Number(price),
  });
  expect(placed.clientOrderId.length).toBeGreaterThan(0);
  const q = await client.getOrder({ symbol: "BTCUSDT", orderId: placed.orderId });
  expect(q.status).toBe("NEW");
  const c = await client.cancelOrder({ symbol: "BTCUSDT", orderId: placed.orderId });
  expect(c.status).toBe("CANCELED");
  const acct = await client.getAccountInformation();
  expect(acct.balances.some((b) => b.asset === "USDT")).toBe(true);
  // Errors come back as the client's parsed Binance error.
  const err = await client.getOrder({ symbol: "BTCUSDT", orderId: 123456789 }).catch((e: unknown) => e);
  expect(JSON.stringify(err)).toContain("-2013");
});

test("WebsocketClient: consumes a diff-depth stream via SUBSCRIBE on /stream", async () => {
  const ws = new WebsocketClient({ wsUrl: sim.streamUrl }, silent);
  const events: Array<Record<string, unknown>> = [];
  ws.on("message", (m: unknown) => {
    events.push(m as Record<string, unknown>);
  });
  await ws.subscribe(["btcusdt@depth@100ms"], "main");
  const deadline = Date.now() + 15_000;
  while (events.filter((e) => JSON.stringify(e).includes("depthUpdate")).length < 3 && Date.now() < deadline)
    await Bun.sleep(50);
  const depth = events.filter((e) => JSON.stringify(e).includes("depthUpdate"));
  expect(depth.length, `seed ${SEED}`).toBeGreaterThanOrEqual(3);
  ws.closeAll(true);
});

test("WebsocketAPIClient: places and cancels over /ws-api/v3 with its own signing", async () => {
  const api = new WebsocketAPIClient({ api_key: sim.apiKey, api_secret: sim.apiSecret, wsUrl: sim.streamUrl }, silent);
  const price = restingBuyPrice(sim, "ETHUSDT");
  // The client's request type omits timestamp, but Binance requires it on signed requests.
  const order = {
    symbol: "ETHUSDT",
    side: "BUY",
    type: "LIMIT",
    timeInForce: "GTC",
    quantity: "0.1",
    price,
    timestamp: Date.now(),
  } as const;
  const placed = await api.submitNewSpotOrder(order);
  const r = placed.result as { orderId: number; status: string };
  expect(r.status).toBe("NEW");
  const cancelled = await api.cancelSpotOrder({ symbol: "ETHUSDT", orderId: r.orderId, timestamp: Date.now() });
  expect((cancelled.result as { status: string }).status).toBe("CANCELED");
  api.getWSClient().closeAll(true);
});

test("MainClient: getAccountTradeList reads GET /api/v3/myTrades (all, by order, from an id)", async () => {
  const client = new MainClient({ api_key: sim.apiKey, api_secret: sim.apiSecret, baseUrl: sim.restUrl });
  const placed = await client.submitNewOrder({ symbol: "ETHUSDT", side: "BUY", type: "MARKET", quantity: 0.05 });
  expect(placed.status, `seed ${SEED}`).toBe("FILLED");
  const fills = (placed as { fills?: Array<{ tradeId: number; price: string; commission: string }> }).fills ?? [];
  expect(fills.length).toBeGreaterThan(0);
  const mine = await client.getAccountTradeList({ symbol: "ETHUSDT", orderId: placed.orderId });
  expect(mine.map((t) => t.id)).toEqual(fills.map((f) => f.tradeId));
  const first = mine[0];
  expect(first).toMatchObject({ symbol: "ETHUSDT", orderId: placed.orderId, isBuyer: true, isMaker: false });
  expect(first?.commissionAsset).toBe("ETH");
  expect(first?.commission).toBe(fills[0]?.commission as string);
  expect(first?.price).toBe(fills[0]?.price as string);
  const all = await client.getAccountTradeList({ symbol: "ETHUSDT", limit: 1000 });
  expect(all.some((t) => t.id === first?.id)).toBe(true);
  const from = await client.getAccountTradeList({ symbol: "ETHUSDT", fromId: first?.id as number, limit: 1 });
  expect(from.map((t) => t.id)).toEqual([first?.id as number]);
});

test("MainClient: the account's commission rates are the fees the simulator charges (getCommissionRates, getAccountInformation)", async () => {
  const fees = { maker: "0.00075", taker: "0.0012" };
  const own = await startSim({ seed: `${SEED}-fees`, symbols: ["BTCUSDT"], fees });
  try {
    const client = new MainClient({ api_key: own.apiKey, api_secret: own.apiSecret, baseUrl: own.restUrl });
    const rates = await client.getCommissionRates({ symbol: "BTCUSDT" });
    expect(rates).toMatchObject({
      symbol: "BTCUSDT",
      standardCommission: { maker: "0.00075000", taker: "0.00120000", buyer: "0.00000000", seller: "0.00000000" },
      taxCommission: { maker: "0.00000000", taker: "0.00000000" },
    });
    const acct = await client.getAccountInformation();
    expect(acct.commissionRates).toEqual({
      maker: "0.00075000",
      taker: "0.00120000",
      buyer: "0.00000000",
      seller: "0.00000000",
    });
    // what it reports is what it charges: a taker buy pays the taker rate on the base received
    const book = await client.getOrderBook({ symbol: "BTCUSDT", limit: 5 });
    const ask = book.asks[0]?.[0];
    const placed = await client.submitNewOrder({
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "IOC",
      quantity: 0.001,
      price: Number(ask),
      newOrderRespType: "FULL",
    });
    const fills = "fills" in placed ? placed.fills : [];
    expect(fills.length, `seed ${SEED}-fees`).toBeGreaterThan(0);
    for (const f of fills) expect(Number(f.commission)).toBeCloseTo(Number(f.qty) * 0.0012, 10);
    const bad = await client.getCommissionRates({ symbol: "NOPEUSDT" }).catch((e: unknown) => e);
    expect(JSON.stringify(bad)).toContain("-1121");
  } finally {
    await own.close();
  }
});
