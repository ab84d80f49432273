/** Conformance of the simulator's Binance Spot REST surface, with a plain fetch client. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { VirtualClock } from "../src/services/clock.ts";
import { hmacSha256Hex, type RunningSim, startSim } from "../src/sim/index.ts";
import { rest, restingBuyPrice } from "./sim-helpers.ts";

const SEED = "rest-conformance";
let sim: RunningSim;

beforeAll(async () => {
  sim = await startSim({ seed: SEED, symbols: ["BTCUSDT", "ETHUSDT"] });
  await Bun.sleep(200);
});
afterAll(async () => {
  await sim.close();
});

describe("market data", () => {
  test("ping, time, unknown path", async () => {
    const p = await rest(sim, "GET", "/api/v3/ping");
    expect(p.status).toBe(200);
    expect(p.body).toEqual({});
    expect(Number(p.headers.get("x-mbx-used-weight-1m"))).toBeGreaterThan(0);
    const t = await rest(sim, "GET", "/api/v3/time");
    expect(Math.abs(Number(t.obj["serverTime"]) - Date.now())).toBeLessThan(5000);
    const n = await rest(sim, "GET", "/api/v3/nope");
    expect(n.status).toBe(404);
  });

  test("exchangeInfo lists symbols with filters and rateLimits", async () => {
    const r = await rest(sim, "GET", "/api/v3/exchangeInfo");
    expect(r.status).toBe(200);
    const syms = r.obj["symbols"] as Array<Record<string, unknown>>;
    expect(syms.map((s) => s["symbol"])).toEqual(["BTCUSDT", "ETHUSDT"]);
    const filters = syms[0]?.["filters"] as Array<Record<string, unknown>>;
    expect(filters.find((f) => f["filterType"] === "PRICE_FILTER")).toEqual({
      filterType: "PRICE_FILTER",
      minPrice: "0.01000000",
      maxPrice: "1000000.00000000",
      tickSize: "0.01000000",
    });
    expect(filters.find((f) => f["filterType"] === "LOT_SIZE")?.["stepSize"]).toBe("0.00001000");
    expect(filters.some((f) => f["filterType"] === "NOTIONAL")).toBe(true);
    const limits = r.obj["rateLimits"] as Array<Record<string, unknown>>;
    expect(limits).toContainEqual({ rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 6000 });
    const one = await rest(sim, "GET", "/api/v3/exchangeInfo", { symbol: "ETHUSDT" });
    expect((one.obj["symbols"] as unknown[]).length).toBe(1);
    const bad = await rest(sim, "GET", "/api/v3/exchangeInfo", { symbol: "NOPEUSDT" });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ code: -1121, msg: "Invalid symbol." });
    const chars = await rest(sim, "GET", "/api/v3/exchangeInfo", { symbol: "btc-usdt!" });
    expect(chars.obj["code"]).toBe(-1100);
  });

  test("depth: shape, limit, weights by limit, errors", async () => {
    const w0 = Number((await rest(sim, "GET", "/api/v3/ping")).headers.get("x-mbx-used-weight-1m"));
    const r = await rest(sim, "GET", "/api/v3/depth", { symbol: "BTCUSDT", limit: 5 });
    expect(r.status).toBe(200);
    expect(Number(r.headers.get("x-mbx-used-weight-1m")) - w0).toBe(5);
    const bids = r.obj["bids"] as string[][];
    const asks = r.obj["asks"] as string[][];
    expect(typeof r.obj["lastUpdateId"]).toBe("number");
    expect(bids.length).toBe(5);
    expect(asks.length).toBe(5);
    expect(bids[0]?.[0]).toMatch(/^\d+\.\d{8}$/);
    expect(Number(bids[0]?.[0])).toBeLessThan(Number(asks[0]?.[0]));
    expect(Number(bids[0]?.[0])).toBeGreaterThan(Number(bids[1]?.[0]));
    const big = await rest(sim, "GET", "/api/v3/depth", { symbol: "BTCUSDT", limit: 5000 });
    const w1 = Number(big.headers.get("x-mbx-used-weight-1m"));
    const mid = await rest(sim, "GET", "/api/v3/depth", { symbol: "BTCUSDT", limit: 500 });
    expect(Number(mid.headers.get("x-mbx-used-weight-1m")) - w1).toBe(25);
    expect((big.obj["bids"] as unknown[]).length).toBeGreaterThan(100);
    expect((await rest(sim, "GET", "/api/v3/depth", {})).obj["code"]).toBe(-1102);
    expect((await rest(sim, "GET", "/api/v3/depth", { symbol: "XXXUSDT" })).obj["code"]).toBe(-1121);
    expect((await rest(sim, "GET", "/api/v3/depth", { symbol: "BTCUSDT", limit: "abc" })).obj["code"]).toBe(-1100);
  });

  test("bookTicker and trades", async () => {
    const one = await rest(sim, "GET", "/api/v3/ticker/bookTicker", { symbol: "BTCUSDT" });
    expect(Object.keys(one.obj)).toEqual(["symbol", "bidPrice", "bidQty", "askPrice", "askQty"]);
    expect(Number(one.obj["bidPrice"])).toBeLessThan(Number(one.obj["askPrice"]));
    const all = await rest(sim, "GET", "/api/v3/ticker/bookTicker");
    expect((all.body as unknown[]).length).toBe(2);
    // A market order makes at least one trade.
    const m = await rest(
      sim,
      "POST",
      "/api/v3/order",
      { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.001" },
      { signed: true },
    );
    expect(m.status).toBe(200);
    const tr = await rest(sim, "GET", "/api/v3/trades", { symbol: "BTCUSDT", limit: 5 });
    const trades = tr.body as Array<Record<string, unknown>>;
    expect(trades.length).toBeGreaterThan(0);
    expect(Object.keys(trades[0] ?? {})).toEqual([
      "id",
      "price",
      "qty",
      "quoteQty",
      "time",
      "isBuyerMaker",
      "isBestMatch",
    ]);
  });
});

describe("orders", () => {
  test("LIMIT lifecycle: place, query, open orders, cancel, unknown order codes", async () => {
    const price = restingBuyPrice(sim, "BTCUSDT");
    const p = await rest(
      sim,
      "POST",
      "/api/v3/order",
      {
        symbol: "BTCUSDT",
        side: "BUY",
        type: "LIMIT",
        timeInForce: "GTC",
        quantity: "0.01",
        price,
        newClientOrderId: "life-1",
      },
      { signed: true },
    );
    expect(p.status).toBe(200);
    expect(p.obj["status"]).toBe("NEW");
    expect(p.obj["clientOrderId"]).toBe("life-1");
    expect(p.obj["fills"]).toEqual([]);
    expect(p.headers.get("x-mbx-order-count-10s")).toBe(String(Number(p.headers.get("x-mbx-order-count-10s"))));
    expect(Number(p.headers.get("x-mbx-order-count-10s"))).toBeGreaterThan(0);
    const orderId = p.obj["orderId"] as number;
    const q = await rest(sim, "GET", "/api/v3/order", { symbol: "BTCUSDT", orderId }, { signed: true });
    expect(q.obj["status"]).toBe("NEW");
    expect(q.obj["isWorking"]).toBe(true);
    for (const k of ["time", "updateTime", "stopPrice", "icebergQty", "workingTime", "origQuoteOrderQty"])
      expect(q.obj).toHaveProperty(k);
    const open = await rest(sim, "GET", "/api/v3/openOrders", { symbol: "BTCUSDT" }, { signed: true });
    expect((open.body as Array<Record<string, unknown>>).map((o) => o["orderId"])).toContain(orderId);
    const c = await rest(
      sim,
      "DELETE",
      "/api/v3/order",
      { symbol: "BTCUSDT", origClientOrderId: "life-1" },
      { signed: true },
    );
    expect(c.status).toBe(200);
    expect(c.obj["status"]).toBe("CANCELED");
    expect(c.obj["origClientOrderId"]).toBe("life-1");
    const again = await rest(sim, "DELETE", "/api/v3/order", { symbol: "BTCUSDT", orderId }, { signed: true });
    expect(again.body).toEqual({ code: -2011, msg: "Unknown order sent." });
    const none = await rest(sim, "GET", "/api/v3/order", { symbol: "BTCUSDT", orderId: 99999999 }, { signed: true });
    expect(none.body).toEqual({ code: -2013, msg: "Order does not exist." });
    const either = await rest(sim, "DELETE", "/api/v3/order", { symbol: "BTCUSDT" }, { signed: true });
    expect(either.obj["code"]).toBe(-1102);
  });

  test("MARKET FULL response with fills; ACK and RESULT shapes", async () => {
    const m = await rest(
      sim,
      "POST",
      "/api/v3/order",
      { symbol: "ETHUSDT", side: "SELL", type: "MARKET", quantity: "0.01" },
      { signed: true },
    );
    expect(m.obj["status"]).toBe("FILLED");
    const fills = m.obj["fills"] as Array<Record<string, unknown>>;
    expect(fills.length).toBeGreaterThan(0);
    expect(Object.keys(fills[0] ?? {})).toEqual(["price", "qty", "commission", "commissionAsset", "tradeId"]);
    expect(fills[0]?.["commissionAsset"]).toBe("USDT");
    const ack = await rest(
      sim,
      "POST",
      "/api/v3/order",
      { symbol: "ETHUSDT", side: "BUY", type: "MARKET", quoteOrderQty: "20", newOrderRespType: "ACK" },
      { signed: true },
    );
    expect(Object.keys(ack.obj)).toEqual(["symbol", "orderId", "orderListId", "clientOrderId", "transactTime"]);
    const res = await rest(
      sim,
      "POST",
      "/api/v3/order",
      { symbol: "ETHUSDT", side: "BUY", type: "MARKET", quantity: "0.01", newOrderRespType: "RESULT" },
      { signed: true },
    );
    expect(res.obj).not.toHaveProperty("fills");
    expect(res.obj["executedQty"]).toBe("0.01000000");
  });

  test("order/test, parameters sent in the body, DELETE openOrders", async () => {
    const t = await rest(
      sim,
      "POST",
      "/api/v3/order/test",
      { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.001" },
      { signed: true },
    );
    expect(t.status).toBe(200);
    expect(t.body).toEqual({});
    const price = restingBuyPrice(sim, "ETHUSDT");
    for (let i = 0; i < 2; i++) {
      const b = await rest(
        sim,
        "POST",
        "/api/v3/order",
        { symbol: "ETHUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price },
        { signed: true, body: true },
      );
      expect(b.status).toBe(200);
    }
    const all = await rest(sim, "DELETE", "/api/v3/openOrders", { symbol: "ETHUSDT" }, { signed: true });
    expect((all.body as Array<Record<string, unknown>>).length).toBe(2);
    expect((all.body as Array<Record<string, unknown>>).every((o) => o["status"] === "CANCELED")).toBe(true);
    const empty = await rest(sim, "DELETE", "/api/v3/openOrders", { symbol: "ETHUSDT" }, { signed: true });
    expect(empty.obj["code"]).toBe(-2011);
  });

  test("rejections: filters, precision, balance, LIMIT_MAKER, duplicate, missing and bad params", async () => {
    const base = { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC" };
    const price = restingBuyPrice(sim, "BTCUSDT");
    const place = (p: Record<string, string | number>) => rest(sim, "POST", "/api/v3/order", p, { signed: true });
    expect((await place({ ...base, quantity: "0.01", price: "50000.001" })).body).toEqual({
      code: -1013,
      msg: "Filter failure: PRICE_FILTER",
    });
    expect((await place({ ...base, quantity: "0.000001", price })).obj["code"]).toBeOneOf([-1013, -1111]);
    expect((await place({ ...base, quantity: "0.00001", price })).body).toEqual({
      code: -1013,
      msg: "Filter failure: NOTIONAL",
    });
    expect((await place({ ...base, quantity: "0.01", price: "50000.000000001" })).obj["code"]).toBe(-1111);
    expect((await place({ ...base, quantity: "5", price })).body).toEqual({
      code: -2010,
      msg: "Account has insufficient balance for requested action.",
    });
    const ask = sim.exchange.bookTop("BTCUSDT")?.askTicks ?? 0;
    const crossing = sim.exchange.symbol("BTCUSDT")?.priceGrid.format(ask + 1000) ?? "";
    expect(
      (await place({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT_MAKER", quantity: "0.001", price: crossing })).body,
    ).toEqual({
      code: -2010,
      msg: "Order would immediately match and take.",
    });
    expect((await place({ ...base, quantity: "0.01", price, newClientOrderId: "dup-1" })).status).toBe(200);
    expect((await place({ ...base, quantity: "0.01", price, newClientOrderId: "dup-1" })).body).toEqual({
      code: -2010,
      msg: "Duplicate order sent.",
    });
    expect((await place({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.01", price })).body).toEqual({
      code: -1102,
      msg: "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
    });
    expect((await place({ ...base, symbol: "NOPEUSDT", quantity: "0.01", price })).obj["code"]).toBe(-1121);
    expect((await place({ ...base, quantity: "abc", price })).obj["code"]).toBe(-1100);
    expect((await place({ ...base, side: "UP", quantity: "0.01", price })).obj["code"]).toBe(-1117);
    expect((await place({ ...base, type: "WHATEVER", quantity: "0.01", price })).obj["code"]).toBe(-1116);
  });
});

describe("authentication", () => {
  const params = { symbol: "BTCUSDT" };
  test("key errors: missing/malformed → -2014, unknown → -2015", async () => {
    const missing = await rest(sim, "GET", "/api/v3/openOrders", params, { signed: true, key: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ code: -2014, msg: "API-key format invalid." });
    expect((await rest(sim, "GET", "/api/v3/openOrders", params, { signed: true, key: "short" })).obj["code"]).toBe(
      -2014,
    );
    const unknown = await rest(sim, "GET", "/api/v3/openOrders", params, { signed: true, key: "A".repeat(64) });
    expect(unknown.body).toEqual({ code: -2015, msg: "Invalid API-key, IP, or permissions for action." });
  });

  test("signature and timestamp", async () => {
    const bad = await rest(sim, "GET", "/api/v3/openOrders", params, { signed: true, secret: "wrong" });
    expect(bad.body).toEqual({ code: -1022, msg: "Signature for this request is not valid." });
    const old = await rest(sim, "GET", "/api/v3/openOrders", params, {
      signed: true,
      timestamp: sim.clock.nowMs() - 10_000,
    });
    expect(old.body).toEqual({ code: -1021, msg: "Timestamp for this request is outside of the recvWindow." });
    const ahead = await rest(sim, "GET", "/api/v3/openOrders", params, {
      signed: true,
      timestamp: sim.clock.nowMs() + 5_000,
    });
    expect(ahead.obj["code"]).toBe(-1021);
    const wide = await rest(sim, "GET", "/api/v3/openOrders", { ...params, recvWindow: 70000 }, { signed: true });
    expect(wide.obj["code"]).toBe(-1131);
    const noTs = await fetch(`${sim.restUrl}/api/v3/account?signature=00`, { headers: { "X-MBX-APIKEY": sim.apiKey } });
    expect(((await noTs.json()) as Record<string, unknown>)["code"]).toBe(-1102);
    // Query and body signed together, in the order sent (no separator).
    const q = "symbol=BTCUSDT";
    const b = `timestamp=${sim.clock.nowMs()}`;
    const sig = hmacSha256Hex(sim.apiSecret, q + b);
    const mixed = await fetch(`${sim.restUrl}/api/v3/openOrders?${q}`, {
      method: "DELETE",
      headers: { "X-MBX-APIKEY": sim.apiKey, "Content-Type": "application/x-www-form-urlencoded" },
      body: `${b}&signature=${sig}`,
    });
    expect(((await mixed.json()) as Record<string, unknown>)["code"]).not.toBe(-1022);
  });

  test("account and listenKey lifecycle", async () => {
    const a = await rest(sim, "GET", "/api/v3/account", {}, { signed: true });
    expect(a.status).toBe(200);
    const bal = a.obj["balances"] as Array<Record<string, string>>;
    expect(bal.find((b) => b["asset"] === "USDT")).toBeDefined();
    expect(a.obj["accountType"]).toBe("SPOT");
    const c = await rest(sim, "POST", "/api/v3/userDataStream");
    const key = c.obj["listenKey"] as string;
    expect(key).toMatch(/^[A-Za-z0-9]{60}$/);
    expect((await rest(sim, "PUT", "/api/v3/userDataStream", { listenKey: key })).body).toEqual({});
    expect((await rest(sim, "DELETE", "/api/v3/userDataStream", { listenKey: key })).body).toEqual({});
    const gone = await rest(sim, "PUT", "/api/v3/userDataStream", { listenKey: key });
    expect(gone.body).toEqual({ code: -1125, msg: "This listenKey does not exist." });
    expect((await rest(sim, "POST", "/api/v3/userDataStream", {}, { key: null })).obj["code"]).toBe(-2014);
  });
});

describe("rate limits", () => {
  test("REQUEST_WEIGHT: 429 with Retry-After, then 418 ban", async () => {
    const s = await startSim({
      seed: SEED,
      symbols: ["BTCUSDT"],
      agents: false,
      clock: new VirtualClock(Date.now()), // no minute rollover mid-test
      rateLimits: { requestWeightPerMinute: 10 },
    });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 14; i++) {
        const r = await rest(s, "GET", "/api/v3/ping");
        statuses.push(r.status);
        if (r.status === 429) {
          retryAfter = r.headers.get("retry-after");
          expect(r.obj["code"]).toBe(-1003);
        }
        if (r.status === 418) expect(String(r.obj["msg"])).toContain("IP banned until");
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
      expect(statuses[10]).toBe(429);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(statuses.slice(11)).toEqual([418, 418, 418]);
      expect(s.admin.counters().rateLimit418).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });

  test("ORDERS per 10 s: -1015 with the order-count header", async () => {
    const s = await startSim({ seed: SEED, symbols: ["BTCUSDT"], rateLimits: { ordersPer10s: 2 } });
    try {
      await Bun.sleep(100);
      const price = restingBuyPrice(s, "BTCUSDT");
      const p = { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price };
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await rest(s, "POST", "/api/v3/order", p, { signed: true }));
      const codes = results.map((r) => r.status);
      // A window boundary may fall between the requests; at most one reset can happen in 3 quick calls.
      if (codes[2] === 429) {
        expect(results[2]?.obj["code"]).toBe(-1015);
        expect(results[2]?.headers.get("x-mbx-order-count-10s")).toBe("2");
        expect(results[2]?.headers.get("retry-after")).not.toBeNull();
      } else {
        expect(codes).toContain(200);
      }
    } finally {
      await s.close();
    }
  });
});

describe("GET /api/v3/myTrades", () => {
  const T0 = 1_800_000_000_000;
  const HOUR = 3_600_000;
  let ts: RunningSim;
  let clock: VirtualClock;
  let restingId = 0;
  /** Trade times, in order: 1 200 fills against one resting sell (a second apart, a 2-day pause halfway), then one more. */
  const times: number[] = [];

  beforeAll(async () => {
    clock = new VirtualClock(T0);
    ts = await startSim({ seed: `${SEED}-mytrades`, symbols: ["BTCUSDT", "ETHUSDT"], clock, agents: false });
    const core = ts.exchange;
    core.createAccount("counterparty", { USDT: "10000000", BTC: "1000" });
    const sell = core.placeOrder({
      accountId: "sim-test",
      symbol: "BTCUSDT",
      side: "SELL",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "50000.00",
      quantity: "1.2",
      clientOrderId: "mt-rest",
    });
    if (!sell.ok) throw new Error(JSON.stringify(sell.reason));
    restingId = sell.order.orderId;
    for (let i = 0; i < 1200; i++) {
      clock.advance(i === 600 ? 2 * 24 * HOUR : 1000); // few clock jumps: every jump runs the sim's timers
      const r = core.placeOrder({
        accountId: "counterparty",
        symbol: "BTCUSDT",
        side: "BUY",
        type: "LIMIT",
        timeInForce: "IOC",
        price: "50000.00",
        quantity: "0.001",
      });
      if (!r.ok) throw new Error(JSON.stringify(r.reason));
      times.push(clock.nowMs());
    }
    // a taker buy of ours on another order, so orderId filters have something to tell apart
    clock.advance(1000);
    core.placeOrder({
      accountId: "counterparty",
      symbol: "BTCUSDT",
      side: "SELL",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "50001.00",
      quantity: "0.002",
    });
    const buy = core.placeOrder({
      accountId: "sim-test",
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "IOC",
      price: "50001.00",
      quantity: "0.002",
      clientOrderId: "mt-taker",
    });
    if (!buy.ok) throw new Error(JSON.stringify(buy.reason));
    times.push(clock.nowMs());
  }, 60_000);
  afterAll(async () => {
    await ts?.close();
  });

  const trades = async (params: Record<string, string | number>) => {
    const r = await rest(ts, "GET", "/api/v3/myTrades", { symbol: "BTCUSDT", ...params }, { signed: true });
    return { ...r, rows: Array.isArray(r.body) ? (r.body as Array<Record<string, unknown>>) : [] };
  };

  test("rows in Binance's shape: price, qty, fee and its asset, side and maker flag", async () => {
    const r = await trades({ limit: 1, fromId: 1 });
    expect(r.status, `seed ${SEED}-mytrades`).toBe(200);
    expect(r.rows).toEqual([
      {
        symbol: "BTCUSDT",
        id: 1,
        orderId: restingId,
        orderListId: -1,
        price: "50000.00000000",
        qty: "0.00100000",
        quoteQty: "50.00000000",
        commission: "0.05000000",
        commissionAsset: "USDT",
        time: times[0],
        isBuyer: false,
        isMaker: true,
        isBestMatch: true,
      },
    ]);
    const last = (await trades({ limit: 1 })).rows[0];
    expect(last).toMatchObject({ id: 1201, isBuyer: true, isMaker: false, commissionAsset: "BTC" });
    expect(last?.["commission"]).toBe("0.00000200");
  });

  test("no bound: the most recent 500 (default) or `limit`, at most 1000, oldest first", async () => {
    const d = await trades({});
    expect(d.rows.length).toBe(500);
    expect(d.rows[0]?.["id"]).toBe(702);
    expect(d.rows.at(-1)?.["id"]).toBe(1201);
    const big = await trades({ limit: 5000 });
    expect(big.rows.length).toBe(1000);
    expect(big.rows[0]?.["id"]).toBe(202);
  });

  test("fromId pages forward: id >= fromId, no trade twice, none left out", async () => {
    const seen: number[] = [];
    let from = 0;
    for (;;) {
      const page = await trades({ fromId: from, limit: 1000 });
      expect(page.status).toBe(200);
      const ids = page.rows.map((x) => x["id"] as number);
      seen.push(...ids);
      if (ids.length < 1000) break;
      from = (ids.at(-1) as number) + 1;
    }
    expect(seen).toEqual(Array.from({ length: 1201 }, (_, i) => i + 1));
  });

  test("orderId (weight 5) and orderId + fromId; weight 20 otherwise", async () => {
    const w = (r: { headers: Headers }) => Number(r.headers.get("x-mbx-used-weight-1m"));
    const a = await trades({ limit: 1 });
    const b = await trades({ orderId: restingId, limit: 3 });
    expect(w(b) - w(a)).toBe(5);
    const c = await trades({ limit: 1 });
    expect(w(c) - w(b)).toBe(20);
    expect(b.rows.map((x) => x["id"])).toEqual([1, 2, 3]);
    const d = await trades({ orderId: restingId, fromId: 1199, limit: 10 });
    expect(d.rows.map((x) => x["id"])).toEqual([1199, 1200]);
    const none = await trades({ orderId: 999_999 });
    expect(none.rows).toEqual([]);
  });

  test("startTime pages forward from it, endTime alone gives the newest before it, 24 h at most", async () => {
    const s = await trades({ startTime: times[100] as number, limit: 3 });
    expect(s.rows.map((x) => x["id"])).toEqual([101, 102, 103]);
    const e = await trades({ endTime: times[100] as number, limit: 3 });
    expect(e.rows.map((x) => x["id"])).toEqual([99, 100, 101]);
    const both = await trades({ startTime: times[10] as number, endTime: (times[10] as number) + 2000 });
    expect(both.rows.map((x) => x["id"])).toEqual([11, 12, 13]);
    const wide = await trades({ startTime: T0, endTime: T0 + 24 * HOUR + 1 });
    expect(wide.status).toBe(400);
    expect(wide.body).toEqual({ code: -1127, msg: "More than 24 hours between startTime and endTime." });
    expect((await trades({ startTime: T0, endTime: T0 + 24 * HOUR })).status).toBe(200);
  });

  test("history outlives the orders: a filled order's trades are still listed, other accounts' never", async () => {
    const done = await rest(ts, "GET", "/api/v3/order", { symbol: "BTCUSDT", orderId: restingId }, { signed: true });
    expect(done.obj["status"]).toBe("FILLED");
    expect((await rest(ts, "GET", "/api/v3/openOrders", {}, { signed: true })).body).toEqual([]);
    const r = await trades({ orderId: restingId, limit: 1000 });
    expect(r.rows.length).toBe(1000);
    const other = await trades({ fromId: 0, limit: 1000 });
    expect(other.rows.every((x) => x["orderId"] === restingId || x["id"] === 1201)).toBe(true);
    const eth = await rest(ts, "GET", "/api/v3/myTrades", { symbol: "ETHUSDT" }, { signed: true });
    expect(eth.body).toEqual([]);
  });

  test("errors: combinations, parameters, symbol, signature", async () => {
    const bad = async (params: Record<string, string | number>, code: number, opts = { signed: true }) => {
      const r = await rest(ts, "GET", "/api/v3/myTrades", params, opts);
      expect(r.status, JSON.stringify(params)).toBe(400);
      expect(r.obj["code"], JSON.stringify(r.body)).toBe(code);
    };
    const msg = "Combination of optional parameters invalid.";
    expect((await trades({ fromId: 1, startTime: T0 })).body).toEqual({ code: -1128, msg });
    await bad({ symbol: "BTCUSDT", orderId: 1, startTime: T0 }, -1128);
    await bad({ symbol: "BTCUSDT", fromId: 1, endTime: T0 }, -1128);
    await bad({ symbol: "BTCUSDT", orderId: 1, endTime: T0 }, -1128);
    await bad({}, -1102);
    await bad({ symbol: "NOPEUSDT" }, -1121);
    await bad({ symbol: "BTCUSDT", limit: "abc" }, -1100);
    await bad({ symbol: "BTCUSDT", fromId: "-1" }, -1100);
    await bad({ symbol: "BTCUSDT", startTime: "" }, -1102);
    await bad({ symbol: "BTCUSDT", limit: 0 }, -1130);
    const unsigned = await rest(ts, "GET", "/api/v3/myTrades", { symbol: "BTCUSDT" });
    expect(unsigned.obj["code"]).toBe(-1102);
    const noKey = await rest(ts, "GET", "/api/v3/myTrades", { symbol: "BTCUSDT" }, { signed: true, key: null });
    expect(noKey.obj["code"]).toBe(-2014);
    const badSig = await rest(ts, "GET", "/api/v3/myTrades", { symbol: "BTCUSDT" }, { signed: true, secret: "x" });
    expect(badSig.obj["code"]).toBe(-1022);
  });
});
