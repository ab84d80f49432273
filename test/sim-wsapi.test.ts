/** Conformance of the simulator's WebSocket API (`/ws-api/v3`) with a plain WebSocket client. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPrivateKey, sign } from "node:crypto";
import { VirtualClock } from "../src/services/clock.ts";
import {
  type RunningSim,
  SIM_ED25519_API_KEY,
  SIM_ED25519_PRIVATE_KEY_PEM,
  startSim,
  wsApiSignedPayload,
} from "../src/sim/index.ts";
import { qs, restingBuyPrice, WsClient, wsApi } from "./sim-helpers.ts";

const SEED = "wsapi-conformance";
let sim: RunningSim;
let c: WsClient;

beforeAll(async () => {
  sim = await startSim({ seed: SEED, symbols: ["BTCUSDT", "ETHUSDT"] });
  await Bun.sleep(100);
  c = await WsClient.open(sim.wsApiUrl);
});
afterAll(async () => {
  c.close();
  await sim.close();
});

describe("WS API", () => {
  test("ping and time, with rateLimits", async () => {
    const p = await wsApi(c, sim, "ping");
    expect(p["status"]).toBe(200);
    expect(p["result"]).toEqual({});
    const limits = p["rateLimits"] as Array<Record<string, unknown>>;
    expect(limits[0]).toMatchObject({
      rateLimitType: "REQUEST_WEIGHT",
      interval: "MINUTE",
      intervalNum: 1,
      limit: 6000,
    });
    const t = await wsApi(c, sim, "time");
    expect(Math.abs(((t["result"] as Record<string, number>)["serverTime"] ?? 0) - Date.now())).toBeLessThan(5000);
    const hidden = await wsApi(c, sim, "time", { returnRateLimits: false });
    expect(hidden).not.toHaveProperty("rateLimits");
    const quiet = await WsClient.open(`${sim.wsApiUrl}?returnRateLimits=false`);
    expect(await wsApi(quiet, sim, "ping")).not.toHaveProperty("rateLimits");
    quiet.close();
  });

  test("order.place / order.status / openOrders.status / order.cancel / openOrders.cancelAll", async () => {
    const price = restingBuyPrice(sim, "BTCUSDT");
    const base = { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price };
    const placed = await wsApi(c, sim, "order.place", { ...base, newClientOrderId: "ws-1" }, { signed: true });
    expect(placed["status"]).toBe(200);
    const r = placed["result"] as Record<string, unknown>;
    expect(r["status"]).toBe("NEW");
    expect(r["clientOrderId"]).toBe("ws-1");
    const kinds = (placed["rateLimits"] as Array<Record<string, unknown>>).map(
      (l) => `${l["rateLimitType"]}/${l["interval"]}`,
    );
    expect(kinds).toEqual(["ORDERS/SECOND", "ORDERS/DAY", "REQUEST_WEIGHT/MINUTE"]);
    const st = await wsApi(c, sim, "order.status", { symbol: "BTCUSDT", orderId: r["orderId"] }, { signed: true });
    expect((st["result"] as Record<string, unknown>)["isWorking"]).toBe(true);
    const open = await wsApi(c, sim, "openOrders.status", { symbol: "BTCUSDT" }, { signed: true });
    expect((open["result"] as unknown[]).length).toBe(1);
    const cx = await wsApi(c, sim, "order.cancel", { symbol: "BTCUSDT", origClientOrderId: "ws-1" }, { signed: true });
    expect((cx["result"] as Record<string, unknown>)["status"]).toBe("CANCELED");
    await wsApi(c, sim, "order.place", base, { signed: true });
    await wsApi(c, sim, "order.place", base, { signed: true });
    const all = await wsApi(c, sim, "openOrders.cancelAll", { symbol: "BTCUSDT" }, { signed: true });
    expect((all["result"] as unknown[]).length).toBe(2);
    const unknown = await wsApi(c, sim, "order.status", { symbol: "BTCUSDT", orderId: 987654321 }, { signed: true });
    expect(unknown["status"]).toBe(400);
    expect(unknown["error"]).toEqual({ code: -2013, msg: "Order does not exist." });
  });

  test("errors: bad signature, insufficient balance, missing param, unknown method, malformed JSON, wrong types", async () => {
    const price = restingBuyPrice(sim, "BTCUSDT");
    const base = { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price };
    const bad = await wsApi(c, sim, "order.place", base, { signed: true, secret: "nope" });
    expect(bad["error"]).toEqual({ code: -1022, msg: "Signature for this request is not valid." });
    expect(bad["status"]).toBe(400);
    const poor = await wsApi(c, sim, "order.place", { ...base, quantity: "50" }, { signed: true });
    expect(poor["error"]).toEqual({ code: -2010, msg: "Account has insufficient balance for requested action." });
    const { quantity: _q, ...noQty } = base;
    const missing = await wsApi(c, sim, "order.place", noQty, { signed: true });
    expect((missing["error"] as Record<string, unknown>)["code"]).toBe(-1102);
    const um = await wsApi(c, sim, "order.explode", {});
    expect(um["status"]).toBe(400);
    expect((um["error"] as Record<string, unknown>)["code"]).toBe(-1020);
    const from = c.messages.length;
    c.send("{oops");
    const mj = await c.waitFor((m) => m["id"] === null && m["status"] === 400, "malformed JSON reply", { from });
    expect((mj["error"] as Record<string, unknown>)["code"]).toBe(-1000);
    const wt = await wsApi(c, sim, "order.place", { ...base, quantity: { x: 1 } }, { signed: true });
    expect((wt["error"] as Record<string, unknown>)["code"]).toBe(-1102);
    const oldTs = await wsApi(c, sim, "order.place", { ...base, timestamp: Date.now() - 60_000 }, { signed: true });
    expect((oldTs["error"] as Record<string, unknown>)["code"]).toBe(-1021);
    expect(sim.admin.counters().malformedJson).toBeGreaterThan(0);
  });

  test("userDataStream.subscribe.signature delivers wrapped events; unsubscribe ends them", async () => {
    const u = await WsClient.open(sim.wsApiUrl);
    const sub = await wsApi(u, sim, "userDataStream.subscribe.signature", {}, { signed: true });
    expect(sub["status"]).toBe(200);
    const subId = (sub["result"] as Record<string, number>)["subscriptionId"];
    expect(typeof subId).toBe("number");
    const m = await wsApi(
      u,
      sim,
      "order.place",
      { symbol: "ETHUSDT", side: "BUY", type: "MARKET", quantity: "0.01" },
      { signed: true },
    );
    expect((m["result"] as Record<string, unknown>)["status"]).toBe("FILLED");
    const trade = await u.waitFor(
      (x) => x["subscriptionId"] === subId && (x["event"] as Record<string, unknown>)["x"] === "TRADE",
      "TRADE executionReport",
    );
    const ev = trade["event"] as Record<string, unknown>;
    expect(ev["e"]).toBe("executionReport");
    expect(ev["m"]).toBe(false);
    expect(Number(ev["l"])).toBeGreaterThan(0);
    expect(ev["N"]).toBe("ETH");
    await u.waitFor(
      (x) => (x["event"] as Record<string, unknown> | undefined)?.["e"] === "outboundAccountPosition",
      "position",
    );
    const noLogon = await wsApi(u, sim, "userDataStream.subscribe");
    expect(noLogon["status"]).toBe(401);
    expect((noLogon["error"] as Record<string, unknown>)["code"]).toBe(-1002);
    const un = await wsApi(u, sim, "userDataStream.unsubscribe", { subscriptionId: subId });
    expect(un["status"]).toBe(200);
    await u.waitFor(
      (x) => (x["event"] as Record<string, unknown> | undefined)?.["e"] === "eventStreamTerminated",
      "terminated",
    );
    u.close();
  });
});

test("WS API rate limit: 429 with error.data.retryAfter, then 418", async () => {
  const s = await startSim({
    seed: SEED,
    symbols: ["BTCUSDT"],
    agents: false,
    clock: new VirtualClock(Date.now()), // no minute rollover mid-test
    rateLimits: { requestWeightPerMinute: 6 },
  });
  try {
    const w = await WsClient.open(s.wsApiUrl); // the connection itself costs 2
    const statuses: number[] = [];
    let retryAfter: unknown;
    for (let i = 0; i < 6; i++) {
      const r = await wsApi(w, s, "ping");
      statuses.push(r["status"] as number);
      const e = r["error"] as Record<string, unknown> | undefined;
      if (r["status"] === 429) retryAfter = (e?.["data"] as Record<string, unknown> | undefined)?.["retryAfter"];
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 418]);
    expect(retryAfter).toBeGreaterThan(s.clock.nowMs());
    w.close();
  } finally {
    await s.close();
  }
});

test("Ed25519 key: session.logon, then unsigned requests and userDataStream.subscribe; REST Ed25519 signature", async () => {
  const key = createPrivateKey(SIM_ED25519_PRIVATE_KEY_PEM);
  const ed = (payload: string): string => sign(null, Buffer.from(payload), key).toString("base64");
  const w = await WsClient.open(sim.wsApiUrl);
  const hmacLogon = await wsApi(w, sim, "session.logon", {}, { signed: true });
  expect((hmacLogon["error"] as Record<string, unknown>)["code"]).toBe(-4056);
  const params: Record<string, unknown> = { apiKey: SIM_ED25519_API_KEY, timestamp: sim.clock.nowMs() };
  params["signature"] = ed(wsApiSignedPayload(params));
  const from = w.messages.length;
  w.send({ id: "logon", method: "session.logon", params });
  const logon = await w.waitFor((m) => m["id"] === "logon", "logon reply", { from });
  expect(logon["status"]).toBe(200);
  expect((logon["result"] as Record<string, unknown>)["apiKey"]).toBe(SIM_ED25519_API_KEY);
  const sub = await wsApi(w, sim, "userDataStream.subscribe");
  expect(sub["status"]).toBe(200);
  const price = restingBuyPrice(sim, "BTCUSDT");
  const placed = await wsApi(w, sim, "order.place", {
    symbol: "BTCUSDT",
    side: "BUY",
    type: "LIMIT",
    timeInForce: "GTC",
    quantity: "0.01",
    price,
    newClientOrderId: "ed-1",
    timestamp: sim.clock.nowMs(),
  });
  expect(placed["status"]).toBe(200);
  await w.waitFor(
    (m) => (m["event"] as Record<string, unknown> | undefined)?.["c"] === "ed-1",
    "executionReport via session",
  );
  const status = await wsApi(w, sim, "session.status");
  expect((status["result"] as Record<string, unknown>)["userDataStream"]).toBe(true);
  const out = await wsApi(w, sim, "session.logout");
  expect((out["result"] as Record<string, unknown>)["apiKey"]).toBeNull();
  const after = await wsApi(w, sim, "order.status", {
    symbol: "BTCUSDT",
    origClientOrderId: "ed-1",
    timestamp: sim.clock.nowMs(),
  });
  expect((after["error"] as Record<string, unknown>)["code"]).toBe(-1102);
  w.close();
  // REST with the Ed25519 key: base64 signature, URL-encoded.
  const query = qs({ symbol: "BTCUSDT", origClientOrderId: "ed-1", timestamp: sim.clock.nowMs() });
  const r = await fetch(`${sim.restUrl}/api/v3/order?${query}&signature=${encodeURIComponent(ed(query))}`, {
    method: "DELETE",
    headers: { "X-MBX-APIKEY": SIM_ED25519_API_KEY },
  });
  expect(((await r.json()) as Record<string, unknown>)["status"]).toBe("CANCELED");
  const bad = await fetch(`${sim.restUrl}/api/v3/openOrders?${query}&signature=${encodeURIComponent(ed("other"))}`, {
    headers: { "X-MBX-APIKEY": SIM_ED25519_API_KEY },
  });
  expect(((await bad.json()) as Record<string, unknown>)["code"]).toBe(-1022);
});
