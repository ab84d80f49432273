/**
 * The OKX simulator's batch and amend surface, order history, currencies and account config, over the
 * wire as a client sends them (signed REST, the private socket): OKX's shapes, per-item sCode/sMsg, the
 * top-level code 0/1/2, the 20-item cap, the documented rate limits (50011), and the fault knobs
 * (5xx after place, one-way latency, swallowed replies) on the batch forms as on single orders.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { VirtualClock } from "../src/services/clock.ts";
import {
  okxLoginPrehash,
  okxRestPrehash,
  okxSign,
  type RunningOkxSim,
  type StartOkxSimOptions,
  startOkxSim,
} from "../src/sim/okx/index.ts";
import { WsClient } from "./sim-helpers.ts";
import { WAIT_MS } from "./support/wait.ts";

const SEED = "okx-batch";
const BTC = "BTC-USDT";
const ETH = "ETH-USDT";

let sim: RunningOkxSim;
let clock: VirtualClock;
const clients: WsClient[] = [];

/** Starts a quiet simulator (no agents: every order rests where it is put) on a virtual clock. */
async function start(opts: StartOkxSimOptions = {}): Promise<void> {
  clock = new VirtualClock(Date.now());
  sim = await startOkxSim({ seed: SEED, clock, agents: false, ...opts });
}
beforeEach(async () => {
  clients.length = 0;
  await start();
});
afterEach(async () => {
  for (const c of clients) c.close();
  await sim.close();
});

type Row = Record<string, unknown>;
type Body = { code: string; msg: string; data: Row[]; inTime?: string; outTime?: string };

/** A signed OKX REST call with the simulator's test key; `raw` sends the body text as it is. */
async function signed(
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  raw?: string,
): Promise<{ status: number; j: Body }> {
  const ts = new Date(clock.nowMs()).toISOString();
  const b = raw ?? (body === undefined ? "" : JSON.stringify(body));
  const r = await fetch(sim.restUrl + path, {
    method,
    headers: {
      "OK-ACCESS-KEY": sim.apiKey,
      "OK-ACCESS-PASSPHRASE": sim.passphrase,
      "OK-ACCESS-TIMESTAMP": ts,
      "OK-ACCESS-SIGN": okxSign(sim.apiSecret, okxRestPrehash(ts, method, path, b)),
      "content-type": "application/json",
    },
    ...(method === "POST" ? { body: b } : {}),
  });
  return { status: r.status, j: (await r.json()) as Body };
}

/**
 * A logged-in private socket subscribed to the orders channel; with a one-way delay on the socket the
 * clock is driven while it waits for the login and subscribe replies.
 */
async function privateWs(): Promise<WsClient> {
  const c = await WsClient.open(sim.wsPrivateUrl);
  clients.push(c);
  const ts = String(Math.floor(clock.nowMs() / 1000));
  const sign = okxSign(sim.apiSecret, okxLoginPrehash(ts));
  const onIdle = () => clock.advance(10);
  c.send({ op: "login", args: [{ apiKey: sim.apiKey, passphrase: sim.passphrase, timestamp: ts, sign }] });
  await c.waitFor((m) => m["event"] === "login" && m["code"] === "0", "login", { onIdle });
  c.send({ op: "subscribe", args: [{ channel: "orders", instType: "SPOT" }] });
  await c.waitFor((m) => m["event"] === "subscribe", "orders subscribe", { onIdle });
  return c;
}

/** Sends an op and waits for its reply (matched by id). */
async function op(c: WsClient, id: string, name: string, args: unknown): Promise<Body> {
  c.send({ id, op: name, args });
  return c.waitFor<Body>((m) => m["id"] === id, `${name} reply ${id} (seed ${SEED})`);
}

/** A resting limit buy on BTC-USDT (nothing sells: agents are off). */
const buy = (clOrdId: string, px = "20000", sz = "0.001", instId = BTC): Row => ({
  instId,
  tdMode: "cash",
  clOrdId,
  side: "buy",
  ordType: "limit",
  px,
  sz,
});

/** Open orders of the test account, by clOrdId. */
async function openByClOrdId(): Promise<Map<string, Row>> {
  const r = await signed("GET", "/api/v5/trade/orders-pending");
  return new Map(r.j.data.map((o) => [String(o["clOrdId"]), o]));
}

const sCodes = (b: Body): unknown[] => b.data.map((d) => d["sCode"]);

/** Polls cond until it holds; fails naming what it waited for. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + WAIT_MS;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what} (seed ${SEED})`);
    await Bun.sleep(10);
  }
}

describe("REST batch-orders", () => {
  test("all placed: code 0, one row per order in request order, each resting", async () => {
    const r = await signed("POST", "/api/v5/trade/batch-orders", [
      buy("a1"),
      buy("a2", "20001"),
      buy("e1", "1000", "0.01", ETH),
    ]);
    expect(r.status, `seed ${SEED}`).toBe(200);
    expect(r.j.code).toBe("0");
    expect(r.j.msg).toBe("");
    expect(r.j.data.map((d) => d["clOrdId"])).toEqual(["a1", "a2", "e1"]);
    expect(sCodes(r.j)).toEqual(["0", "0", "0"]);
    for (const d of r.j.data) expect(d).toMatchObject({ sMsg: "Order placed", tag: "" });
    expect(new Set(r.j.data.slice(0, 2).map((d) => d["ordId"])).size).toBe(2);
    const open = await openByClOrdId();
    expect(open.get("a2")).toMatchObject({ instId: BTC, px: "20001", sz: "0.001", state: "live" });
    expect(open.get("e1")).toMatchObject({ instId: ETH, state: "live" });
  });

  test("partial success is code 2 with each bad item's own sCode; all failed is code 1", async () => {
    const r = await signed("POST", "/api/v5/trade/batch-orders", [
      buy("ok1"),
      buy("bad1", "20000", "0.001", "NOPE-USDT"),
      { ...buy("bad2"), sz: "0.000000001" },
      "not an order",
      buy("poor", "20000", "100"),
    ]);
    expect(r.j.code, `seed ${SEED}`).toBe("2");
    expect(r.j.msg).toBe("Bulk operation partially succeeded");
    expect(sCodes(r.j)).toEqual(["0", "51001", "51000", "51000", "51008"]);
    expect(String(r.j.data[2]?.["sMsg"])).toContain("sz");
    expect(r.j.data[1]).toMatchObject({ ordId: "", clOrdId: "bad1" });
    expect(String(r.j.data[4]?.["sMsg"])).toContain("Insufficient USDT");
    expect([...(await openByClOrdId()).keys()]).toEqual(["ok1"]);
    const none = await signed("POST", "/api/v5/trade/batch-orders", [
      buy("x", "20000", "100"),
      buy("y", "20000", "100"),
    ]);
    expect(none.j.code).toBe("1");
    expect(none.j.msg).toBe("All operations failed");
    expect(sCodes(none.j)).toEqual(["51008", "51008"]);
  });

  test("a malformed request as a whole: more than 20, empty, not a list, not JSON — nothing placed", async () => {
    const many = Array.from({ length: 21 }, (_, i) => buy(`m${i}`, String(20000 + i)));
    const r = await signed("POST", "/api/v5/trade/batch-orders", many);
    expect(r.j.code, `seed ${SEED}`).toBe("51000");
    expect(r.j.msg).toContain("20");
    expect(r.j.data).toEqual([]);
    expect((await signed("POST", "/api/v5/trade/batch-orders", [])).j.code).toBe("51000");
    expect((await signed("POST", "/api/v5/trade/batch-orders", buy("obj"))).j.code).toBe("51000");
    const bad = await signed("POST", "/api/v5/trade/batch-orders", undefined, "[{");
    expect(bad.j.code).toBe("50002");
    expect((await openByClOrdId()).size).toBe(0);
    const twenty = Array.from({ length: 20 }, (_, i) => buy(`t${i}`, String(20000 + i)));
    expect((await signed("POST", "/api/v5/trade/batch-orders", twenty)).j.code).toBe("0");
    expect((await openByClOrdId()).size).toBe(20);
  });
});

describe("REST cancel-batch-orders, amend-order, amend-batch-orders", () => {
  test("cancel-batch-orders by ordId and clOrdId; an unknown order fails alone with 51400", async () => {
    const placed = await signed("POST", "/api/v5/trade/batch-orders", [buy("c1"), buy("c2", "20001")]);
    const ordId = String(placed.j.data[0]?.["ordId"]);
    const r = await signed("POST", "/api/v5/trade/cancel-batch-orders", [
      { instId: BTC, ordId },
      { instId: BTC, clOrdId: "c2" },
      { instId: BTC, clOrdId: "never" },
    ]);
    expect(r.j.code, `seed ${SEED}`).toBe("2");
    expect(sCodes(r.j)).toEqual(["0", "0", "51400"]);
    expect(r.j.data[0]).toMatchObject({ ordId, clOrdId: "c1" });
    expect(r.j.data[2]).toMatchObject({ ordId: "", clOrdId: "never" });
    expect((await openByClOrdId()).size).toBe(0);
  });

  test("amend-order: new price and size, reqId echoed, the orders push says amendResult 0", async () => {
    const c = await privateWs();
    await signed("POST", "/api/v5/trade/order", buy("am1", "20000", "0.002"));
    const r = await signed("POST", "/api/v5/trade/amend-order", {
      instId: BTC,
      clOrdId: "am1",
      reqId: "r1",
      newPx: "20100.5",
      newSz: "0.003",
    });
    expect(r.j.code, `seed ${SEED}`).toBe("0");
    expect(r.j.data[0]).toMatchObject({ clOrdId: "am1", reqId: "r1", sCode: "0", sMsg: "" });
    expect((await openByClOrdId()).get("am1")).toMatchObject({ px: "20100.5", sz: "0.003", state: "live" });
    const push = await c.waitFor<{ data: Row[] }>(
      (m) => (m as { data?: Row[] }).data?.[0]?.["amendResult"] === "0",
      "amend push",
    );
    expect(push.data[0]).toMatchObject({ clOrdId: "am1", reqId: "r1", px: "20100.5", sz: "0.003", state: "live" });
  });

  test("amend-order errors: nothing to change 51500, unknown order 51503, off-grid price as a placement (51006)", async () => {
    await signed("POST", "/api/v5/trade/order", buy("ae1"));
    const none = await signed("POST", "/api/v5/trade/amend-order", { instId: BTC, clOrdId: "ae1" });
    expect(none.j.code, `seed ${SEED}`).toBe("1");
    expect(none.j.data[0]).toMatchObject({ clOrdId: "ae1", sCode: "51500" });
    const gone = await signed("POST", "/api/v5/trade/amend-order", { instId: BTC, clOrdId: "zz", newSz: "0.002" });
    expect(gone.j.data[0]?.["sCode"]).toBe("51503");
    const grid = await signed("POST", "/api/v5/trade/amend-order", { instId: BTC, clOrdId: "ae1", newPx: "20000.05" });
    expect(grid.j.data[0]?.["sCode"]).toBe("51006");
    expect((await openByClOrdId()).get("ae1")).toMatchObject({ px: "20000", sz: "0.001" });
  });

  test("a refused amend with cxlOnFail cancels the order (push amendResult 1); without, it stays (-1)", async () => {
    const c = await privateWs();
    await signed("POST", "/api/v5/trade/batch-orders", [buy("cf1"), buy("cf2")]);
    const keep = await signed("POST", "/api/v5/trade/amend-order", {
      instId: BTC,
      clOrdId: "cf1",
      newSz: "100",
      reqId: "k",
    });
    expect(keep.j.data[0]).toMatchObject({ sCode: "51502", subCode: "1030", reqId: "k" });
    await c.waitFor((m) => (m as { data?: Row[] }).data?.[0]?.["amendResult"] === "-1", "failed amend push");
    const cxl = await signed("POST", "/api/v5/trade/amend-order", {
      instId: BTC,
      clOrdId: "cf2",
      newSz: "100",
      cxlOnFail: true,
      reqId: "x",
    });
    expect(cxl.j.data[0]?.["sCode"], `seed ${SEED}`).toBe("51502");
    const push = await c.waitFor<{ data: Row[] }>(
      (m) => (m as { data?: Row[] }).data?.[0]?.["amendResult"] === "1",
      "cxlOnFail push",
    );
    expect(push.data[0]).toMatchObject({ clOrdId: "cf2", state: "canceled", reqId: "x" });
    expect([...(await openByClOrdId()).keys()]).toEqual(["cf1"]);
  });

  test("amend-batch-orders: each item amended or refused on its own (code 2)", async () => {
    await signed("POST", "/api/v5/trade/batch-orders", [buy("ab1"), buy("ab2")]);
    const r = await signed("POST", "/api/v5/trade/amend-batch-orders", [
      { instId: BTC, clOrdId: "ab1", newSz: "0.0005" },
      { instId: BTC, clOrdId: "ab2", newSz: "-1" },
      { instId: BTC, clOrdId: "missing", newPx: "1" },
    ]);
    expect(r.j.code, `seed ${SEED}`).toBe("2");
    expect(sCodes(r.j)).toEqual(["0", "51000", "51503"]);
    const open = await openByClOrdId();
    expect(open.get("ab1")?.["sz"]).toBe("0.0005");
    expect(open.get("ab2")?.["sz"]).toBe("0.001");
  });

  test("a smaller size keeps the queue place, a new price loses it (the other account's taker fills the first)", async () => {
    await signed("POST", "/api/v5/trade/batch-orders", [buy("q1", "20000", "0.002"), buy("q2", "20000", "0.002")]);
    await signed("POST", "/api/v5/trade/amend-order", { instId: BTC, clOrdId: "q1", newSz: "0.001" });
    sim.admin.trade(BTC, "sell", "20000", "0.001");
    expect((await openByClOrdId()).has("q1"), `seed ${SEED}`).toBe(false);
    await signed("POST", "/api/v5/trade/cancel-order", { instId: BTC, clOrdId: "q2" });
    await signed("POST", "/api/v5/trade/batch-orders", [buy("p1", "19000", "0.001"), buy("p2", "19000", "0.001")]);
    await signed("POST", "/api/v5/trade/amend-order", { instId: BTC, clOrdId: "p1", newPx: "18999.9" });
    await signed("POST", "/api/v5/trade/amend-order", { instId: BTC, clOrdId: "p1", newPx: "19000" });
    sim.admin.trade(BTC, "sell", "19000", "0.001");
    const open = await openByClOrdId();
    expect(open.has("p1")).toBe(true);
    expect(open.has("p2")).toBe(false);
  });
});

describe("rate limits (50011)", () => {
  test("batch items count per instrument against batch-orders; a fully limited request is HTTP 429", async () => {
    sim.admin.setRateLimit("batch-orders", 3, 2000);
    const items = [0, 1, 2, 3].map((i) => buy(`rl${i}`, String(20000 + i)));
    const r = await signed("POST", "/api/v5/trade/batch-orders", [...items, buy("rle", "1000", "0.01", ETH)]);
    expect(r.j.code, `seed ${SEED}`).toBe("2");
    expect(sCodes(r.j)).toEqual(["0", "0", "0", "50011", "0"]);
    const all = await signed("POST", "/api/v5/trade/batch-orders", [buy("rl8"), buy("rl9")]);
    expect(all.status).toBe(429);
    expect(all.j.code).toBe("50011");
    // the single endpoint has its own window, and so does a batch of one
    expect((await signed("POST", "/api/v5/trade/batch-orders", [buy("one")])).j.code).toBe("0");
    expect(sim.admin.counters().rateLimited).toBe(3);
    clock.advance(2001);
    expect((await signed("POST", "/api/v5/trade/batch-orders", [buy("b1"), buy("b2")])).j.code).toBe("0");
  });

  test("REST and the private socket share a window (OKX: shared with the REST endpoint)", async () => {
    sim.admin.setRateLimit("amend-order", 2, 2000);
    await signed("POST", "/api/v5/trade/order", buy("s1"));
    const c = await privateWs();
    expect(
      (await signed("POST", "/api/v5/trade/amend-order", { instId: BTC, clOrdId: "s1", newSz: "0.002" })).j.code,
    ).toBe("0");
    const w = await op(c, "w1", "amend-order", [{ instId: BTC, clOrdId: "s1", newSz: "0.003" }]);
    expect(w.code, `seed ${SEED}`).toBe("0");
    const w2 = await op(c, "w2", "amend-order", [{ instId: BTC, clOrdId: "s1", newSz: "0.004" }]);
    expect(w2.code).toBe("1");
    expect(w2.data[0]?.["sCode"]).toBe("50011");
  });

  test("queries are limited per user: currencies 6 per second, account config 5 per 2 s", async () => {
    for (let i = 0; i < 6; i++) expect((await signed("GET", "/api/v5/asset/currencies")).status).toBe(200);
    const cur = await signed("GET", "/api/v5/asset/currencies");
    expect(cur.status, `seed ${SEED}`).toBe(429);
    expect(cur.j.code).toBe("50011");
    for (let i = 0; i < 5; i++) expect((await signed("GET", "/api/v5/account/config")).status).toBe(200);
    expect((await signed("GET", "/api/v5/account/config")).j.code).toBe("50011");
    expect(sim.admin.counters().queriesRateLimited).toBe(2);
    clock.advance(2001);
    expect((await signed("GET", "/api/v5/asset/currencies")).j.code).toBe("0");
  });
});

describe("private socket ops", () => {
  test("batch-orders, batch-amend-orders, batch-cancel-orders: OKX's reply shape, id and op echoed", async () => {
    const c = await privateWs();
    const placed = await op(c, "p", "batch-orders", [buy("w1"), buy("w2", "20001"), buy("w3", "20000", "100")]);
    expect(placed, `seed ${SEED}`).toMatchObject({ id: "p", op: "batch-orders", code: "2" });
    expect(sCodes(placed)).toEqual(["0", "0", "51008"]);
    expect(placed.inTime).toMatch(/^\d+$/);
    const amended = await op(c, "a", "batch-amend-orders", [
      { instId: BTC, clOrdId: "w1", newPx: "20002", reqId: "ra" },
      { instId: BTC, clOrdId: "w2", newSz: "0.004" },
    ]);
    expect(amended).toMatchObject({ op: "batch-amend-orders", code: "0" });
    expect(amended.data[0]).toMatchObject({ clOrdId: "w1", reqId: "ra", sCode: "0" });
    const open = await openByClOrdId();
    expect(open.get("w1")?.["px"]).toBe("20002");
    expect(open.get("w2")?.["sz"]).toBe("0.004");
    const cancelled = await op(c, "c", "batch-cancel-orders", [
      { instId: BTC, clOrdId: "w1" },
      { instId: BTC, clOrdId: "w2" },
    ]);
    expect(cancelled).toMatchObject({ op: "batch-cancel-orders", code: "0" });
    expect((await openByClOrdId()).size).toBe(0);
  });

  test("amend-order op; bad requests: 21 items, args not a list, not logged in", async () => {
    const c = await privateWs();
    await op(c, "o", "order", [buy("x1")]);
    const a = await op(c, "a", "amend-order", [{ instId: BTC, clOrdId: "x1", newSz: "0.002", reqId: "q" }]);
    expect(a, `seed ${SEED}`).toMatchObject({ op: "amend-order", code: "0" });
    expect(a.data[0]).toMatchObject({ reqId: "q", sCode: "0" });
    const many = Array.from({ length: 21 }, (_, i) => buy(`m${i}`));
    const big = await op(c, "b", "batch-orders", many);
    expect(big).toMatchObject({ code: "51000", data: [] });
    expect((await op(c, "n", "batch-cancel-orders", { instId: BTC })).code).toBe("51000");
    const anon = await WsClient.open(sim.wsPrivateUrl);
    clients.push(anon);
    anon.send({ id: "z", op: "batch-orders", args: [buy("anon")] });
    const err = await anon.waitFor((m) => m["event"] === "error", "not logged in");
    expect(err["code"]).toBe("60011");
    expect([...(await openByClOrdId()).keys()]).toEqual(["x1"]);
  });
});

describe("fault knobs on the batch forms", () => {
  test("failAfterPlace: a REST batch answers the 5xx with sCode 50004 for the hit item; WS items say 50004; all rest", async () => {
    sim.admin.failAfterPlace(503, 1);
    const r = await signed("POST", "/api/v5/trade/batch-orders", [buy("f1"), buy("f2", "20001")]);
    expect(r.status, `seed ${SEED}`).toBe(503);
    expect(sCodes(r.j)).toEqual(["50004", "0"]);
    sim.admin.failAfterPlace(500, 2);
    const c = await privateWs();
    const w = await op(c, "w", "batch-orders", [buy("f3", "20002"), buy("f4", "20003")]);
    expect(sCodes(w)).toEqual(["50004", "50004"]);
    expect([...(await openByClOrdId()).keys()].sort()).toEqual(["f1", "f2", "f3", "f4"]);
    expect(sim.admin.counters().failedAfterPlace).toBe(3);
  });

  test("rejectNextOrder hits the next placement inside a batch", async () => {
    sim.admin.rejectNextOrder("51008", "Order failed. Insufficient USDT balance", 1);
    const r = await signed("POST", "/api/v5/trade/batch-orders", [buy("j1"), buy("j2")]);
    expect(sCodes(r.j), `seed ${SEED}`).toEqual(["51008", "0"]);
  });

  test("dropOrderReplies: the batch is carried out, the socket reply never comes; the next one does", async () => {
    const c = await privateWs();
    sim.admin.dropOrderReplies(1);
    c.send({ id: "lost", op: "batch-orders", args: [buy("d1"), buy("d2", "20001")] });
    await until(() => sim.exchange.openOrders("okx-sim-test").length === 2, "dropped batch placed");
    const next = await op(c, "next", "batch-cancel-orders", [{ instId: BTC, clOrdId: "d1" }]);
    expect(next.code, `seed ${SEED}`).toBe("0");
    expect(c.messages.some((m) => (m as { id?: string }).id === "lost")).toBe(false);
    expect(sim.admin.counters().repliesDropped).toBe(1);
  });

  test("dropOrderReplies on REST: the batch is placed, the request stays unanswered while later ones are", async () => {
    sim.admin.dropOrderReplies(1);
    const ts = new Date(clock.nowMs()).toISOString();
    const path = "/api/v5/trade/batch-orders";
    const b = JSON.stringify([buy("rd1"), buy("rd2", "20001")]);
    const abort = new AbortController();
    let settled = false;
    const lost = fetch(sim.restUrl + path, {
      method: "POST",
      signal: abort.signal,
      headers: {
        "OK-ACCESS-KEY": sim.apiKey,
        "OK-ACCESS-PASSPHRASE": sim.passphrase,
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-SIGN": okxSign(sim.apiSecret, okxRestPrehash(ts, "POST", path, b)),
      },
      body: b,
    }).then(
      () => {
        settled = true;
      },
      () => {},
    );
    await until(() => sim.exchange.openOrders("okx-sim-test").length === 2, "dropped batch placed");
    const next = await signed("POST", "/api/v5/trade/cancel-order", { instId: BTC, clOrdId: "rd1" });
    expect(next.j.code, `seed ${SEED}`).toBe("0");
    expect(settled).toBe(false);
    abort.abort();
    await lost;
    expect(settled).toBe(false);
  });

  test("order-entry latency delays batch and amend ops both ways, on the clock", async () => {
    await sim.close();
    await start({ latency: { marketDataMs: 0, orderEntryMs: 50 } });
    const c = await privateWs();
    c.send({ id: "late", op: "batch-orders", args: [buy("l1"), buy("l2", "20001")] });
    await Bun.sleep(50);
    expect(sim.exchange.openOrders("okx-sim-test").length, `seed ${SEED}`).toBe(0);
    clock.advance(50);
    await until(() => sim.exchange.openOrders("okx-sim-test").length === 2, "batch reaches the venue");
    expect(c.messages.some((m) => (m as { id?: string }).id === "late")).toBe(false);
    clock.advance(50);
    await c.waitFor((m) => m["id"] === "late", "delayed reply");
    c.send({ id: "am", op: "batch-amend-orders", args: [{ instId: BTC, clOrdId: "l1", newSz: "0.002" }] });
    await Bun.sleep(50);
    expect(sim.exchange.openOrders("okx-sim-test").find((o) => o.clientOrderId === "l1")?.origLots).toBe(100_000);
    clock.advance(50);
    await until(
      () => sim.exchange.openOrders("okx-sim-test").find((o) => o.clientOrderId === "l1")?.origLots === 200_000,
      "amend reaches the venue",
    );
  });
});

describe("order history, currencies, account config", () => {
  test("orders-history: completed orders newest first, filters, paging by ordId, the 2-hour rule", async () => {
    await signed("POST", "/api/v5/trade/batch-orders", [buy("h1"), buy("h2", "20001"), buy("h3", "20002")]);
    clock.advance(10);
    await signed("POST", "/api/v5/trade/cancel-batch-orders", [
      { instId: BTC, clOrdId: "h1" },
      { instId: BTC, clOrdId: "h2" },
    ]);
    sim.admin.trade(BTC, "sell", "20002", "0.001");
    const all = await signed("GET", "/api/v5/trade/orders-history?instType=SPOT");
    expect(all.j.code, `seed ${SEED}`).toBe("0");
    expect(all.j.data.map((o) => o["clOrdId"])).toEqual(["h3", "h2", "h1"]);
    expect(all.j.data[0]).toMatchObject({ state: "filled", accFillSz: "0.001", fillPx: "20002", feeCcy: "BTC" });
    expect(all.j.data[1]).toMatchObject({ state: "canceled", cancelSource: "1" });
    const filled = await signed("GET", "/api/v5/trade/orders-history?instType=SPOT&state=filled");
    expect(filled.j.data.map((o) => o["clOrdId"])).toEqual(["h3"]);
    const page = await signed(
      "GET",
      `/api/v5/trade/orders-history?instType=SPOT&limit=1&after=${all.j.data[0]?.["ordId"]}`,
    );
    expect(page.j.data.map((o) => o["clOrdId"])).toEqual(["h2"]);
    expect((await signed("GET", "/api/v5/trade/orders-history")).j.code).toBe("50014");
    expect((await signed("GET", "/api/v5/trade/orders-history?instType=SPOT&limit=101")).j.code).toBe("51000");
    clock.advance(2 * 3_600_000 + 1000);
    const later = await signed("GET", "/api/v5/trade/orders-history-archive?instType=SPOT");
    expect(later.j.data.map((o) => o["clOrdId"])).toEqual(["h3"]);
  });

  test("currencies: one row per currency and chain with the fields clients read; ccy filter; needs a key", async () => {
    const r = await signed("GET", "/api/v5/asset/currencies");
    expect(r.j.code, `seed ${SEED}`).toBe("0");
    const usdt = r.j.data.filter((d) => d["ccy"] === "USDT");
    expect(usdt.length).toBeGreaterThan(1);
    expect(usdt[0]).toMatchObject({ name: "Tether", canDep: true, canWd: true, wdTickSz: "6" });
    for (const d of r.j.data)
      for (const k of ["chain", "minWd", "minFee", "maxFee"]) expect(typeof d[k]).toBe("string");
    const btc = await signed("GET", "/api/v5/asset/currencies?ccy=BTC,ETH");
    expect(new Set(btc.j.data.map((d) => d["ccy"]))).toEqual(new Set(["BTC", "ETH"]));
    const anon = await fetch(`${sim.restUrl}/api/v5/asset/currencies`);
    expect(anon.status).toBe(401);
  });

  test("account config: a spot account with a stable uid", async () => {
    const r = await signed("GET", "/api/v5/account/config");
    expect(r.j.code, `seed ${SEED}`).toBe("0");
    expect(r.j.data[0]).toMatchObject({ acctLv: "1", posMode: "net_mode", perm: "read_only,trade" });
    expect(String(r.j.data[0]?.["uid"])).toMatch(/^\d{16}$/);
    expect((await signed("GET", "/api/v5/account/config")).j.data[0]?.["uid"]).toBe(r.j.data[0]?.["uid"]);
  });
});

describe("instruments and instIdCode", () => {
  test("instruments of other types are empty, instType is required; orders may name the instrument by instIdCode", async () => {
    const ins = (q: string) =>
      fetch(`${sim.restUrl}/api/v5/public/instruments${q}`).then((r) => r.json() as Promise<Body>);
    const spot = await ins("?instType=SPOT");
    const btc = spot.data.find((i) => i["instId"] === BTC);
    expect(typeof btc?.["instIdCode"], `seed ${SEED}`).toBe("number");
    expect(await ins("?instType=SWAP")).toMatchObject({ code: "0", data: [] });
    expect((await ins("")).code).toBe("50014");
    expect((await ins("?instType=BOND")).code).toBe("51000");
    const c = await privateWs();
    const { instId: _named, ...unnamed } = buy("ic1");
    const byCode: Row = { ...unnamed, instIdCode: btc?.["instIdCode"] };
    const placed = await op(c, "ic", "batch-orders", [byCode]);
    expect(placed.code).toBe("0");
    const cancel = await op(c, "icc", "batch-cancel-orders", [{ instIdCode: btc?.["instIdCode"], clOrdId: "ic1" }]);
    expect(cancel.code).toBe("0");
    const bad = await op(c, "icb", "order", [{ ...byCode, clOrdId: "ic2", instIdCode: 1 }]);
    expect(bad.data[0]?.["sCode"]).toBe("51001");
  });
});

describe("admin port", () => {
  /** Calls one admin function over HTTP. */
  async function admin(name: string, body: unknown): Promise<{ status: number; j: Record<string, unknown> }> {
    const r = await fetch(`${sim.adminUrl}/admin/${name}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${sim.adminToken}` },
      body: JSON.stringify(body),
    });
    return { status: r.status, j: (await r.json()) as Record<string, unknown> };
  }

  test("setRateLimit and dropOrderReplies over HTTP; bad bodies get a 400 naming the field", async () => {
    const bad = await admin("setRateLimit", { endpoint: "nope", count: 1, windowMs: 1000 });
    expect(bad.status, `seed ${SEED}`).toBe(400);
    expect(JSON.stringify(bad.j)).toContain("endpoint");
    expect((await admin("setRateLimit", { endpoint: "cancel-batch-orders", count: 0, windowMs: 1000 })).status).toBe(
      400,
    );
    expect((await admin("dropOrderReplies", { count: -1 })).status).toBe(400);
    expect((await admin("setRateLimit", { endpoint: "cancel-batch-orders", count: 1, windowMs: 1000 })).status).toBe(
      200,
    );
    await signed("POST", "/api/v5/trade/batch-orders", [buy("k1"), buy("k2")]);
    const r = await signed("POST", "/api/v5/trade/cancel-batch-orders", [
      { instId: BTC, clOrdId: "k1" },
      { instId: BTC, clOrdId: "k2" },
    ]);
    expect(sCodes(r.j)).toEqual(["0", "50011"]);
    expect((await admin("dropOrderReplies", { count: 1 })).status).toBe(200);
    expect(sim.admin.counters().repliesDropped).toBe(0);
  });
});
