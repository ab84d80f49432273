/**
 * Every fault knob of the OKX simulator, armed over its admin HTTP port and observed through the OKX
 * wire protocol (public/private WebSocket, signed REST), plus the admin port's token and bad-body rules.
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

const SEED = "okx-faults";
const INST = "BTC-USDT";

let sim: RunningOkxSim;
let clock: VirtualClock;
const clients: WsClient[] = [];

/** Starts a simulator on a virtual clock for one test. */
async function start(opts: StartOkxSimOptions = {}): Promise<void> {
  clock = new VirtualClock(Date.now());
  sim = await startOkxSim({ seed: SEED, clock, speed: 4, ...opts });
  clock.advance(1000);
}
beforeEach(() => {
  clients.length = 0;
});
afterEach(async () => {
  for (const c of clients) c.close();
  await sim?.close();
});

type Body = { code: string; msg: string; data: Record<string, unknown>[] };

/** Calls one admin function over HTTP. */
async function admin(name: string, body?: unknown, token = sim.adminToken): Promise<{ status: number; j: unknown }> {
  const r = await fetch(`${sim.adminUrl}/admin/${name}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: r.status, j: await r.json() };
}

/** Calls an admin function that must succeed; returns its result. */
async function arm(name: string, body?: unknown): Promise<unknown> {
  const r = await admin(name, body);
  expect(r.status, `${name}: ${JSON.stringify(r.j)} (seed ${SEED})`).toBe(200);
  return (r.j as { result: unknown }).result;
}

/** A signed OKX REST call with the simulator's test key. */
async function signed(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; j: Body }> {
  const ts = new Date(clock.nowMs()).toISOString();
  const b = body === undefined ? "" : JSON.stringify(body);
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

async function ws(url: string): Promise<WsClient> {
  const c = await WsClient.open(url);
  clients.push(c);
  return c;
}

/** A logged-in private socket. */
async function privateWs(): Promise<WsClient> {
  const c = await ws(sim.wsPrivateUrl);
  const ts = String(Math.floor(clock.nowMs() / 1000));
  const sign = okxSign(sim.apiSecret, okxLoginPrehash(ts));
  c.send({ op: "login", args: [{ apiKey: sim.apiKey, passphrase: sim.passphrase, timestamp: ts, sign }] });
  await c.waitFor((m) => m["event"] === "login" && m["code"] === "0", "login");
  return c;
}

/** Polls cond (driving virtual time when asked) until it holds; fails naming what it waited for. */
async function until(cond: () => boolean, what: string, advanceMs = 0): Promise<void> {
  const end = Date.now() + WAIT_MS;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what} (seed ${SEED})`);
    if (advanceMs > 0) clock.advance(advanceMs);
    await Bun.sleep(10);
  }
}

type BookData = { prevSeqId: number; seqId: number; asks: unknown[]; bids: unknown[] };

/** books frames (snapshot and updates) received so far. */
function books(c: WsClient): { action: string; d: BookData }[] {
  const out: { action: string; d: BookData }[] = [];
  for (const m of c.messages) {
    const f = m as { arg?: { channel?: string }; action?: string; data?: BookData[] };
    if (f.arg?.channel === "books" && f.data?.[0] !== undefined) out.push({ action: f.action ?? "", d: f.data[0] });
  }
  return out;
}

/** Non-empty books updates (keepalives excluded) after the snapshot, waiting for n of them. */
async function updates(c: WsClient, n: number): Promise<BookData[]> {
  const get = () => books(c).filter((b) => b.action === "update" && b.d.seqId !== b.d.prevSeqId);
  await until(() => get().length >= n, `${n} books updates`, 100);
  return get()
    .slice(0, n)
    .map((b) => b.d);
}

/** A public socket subscribed to books of INST, after its snapshot. */
async function booksWs(): Promise<WsClient> {
  const c = await ws(sim.wsPublicUrl);
  c.send({ op: "subscribe", args: [{ channel: "books", instId: INST }] });
  await c.waitFor((m) => m["action"] === "snapshot", "books snapshot");
  return c;
}

/** A price well below the best bid, so a buy rests. */
function restingBuyPx(): string {
  const sym = sim.exchange.symbol("BTCUSDT");
  const bid = sim.exchange.bookTop("BTCUSDT")?.bidTicks ?? 0;
  if (sym === undefined || bid <= 0) throw new Error("no book");
  return sym.formatPrice(Math.floor(bid * 0.95));
}

describe("books faults", () => {
  test("dropDepthEvent n=3 leaves exactly one prevSeqId gap", async () => {
    await start();
    const c = await booksWs();
    await arm("dropDepthEvent", { instId: INST, n: 3 });
    const u = await updates(c, 8);
    const gaps = u.slice(1).filter((x, i) => x.prevSeqId !== u[i]?.seqId);
    expect(gaps.length, `seed ${SEED}`).toBe(1);
    expect(u[2]?.prevSeqId).toBeGreaterThan(u[1]?.seqId ?? 0);
    expect(((await arm("counters")) as Record<string, number>)["booksDropped"]).toBe(1);
  });

  test("duplicateDepthEvent n=2 sends that update twice", async () => {
    await start();
    const c = await booksWs();
    await arm("duplicateDepthEvent", { instId: INST, n: 2 });
    const u = await updates(c, 5);
    expect(u[2], `seed ${SEED}`).toEqual(u[1] as BookData);
    expect(u[3]?.prevSeqId).toBe(u[2]?.seqId as number);
  });

  test("reorderDepthEvent n=2 swaps it with the next one", async () => {
    await start();
    const c = await booksWs();
    await arm("reorderDepthEvent", { instId: INST, n: 2 });
    const u = await updates(c, 5);
    // Sent order: 1, 3, 2, 4 …
    expect(u[1]?.prevSeqId, `seed ${SEED}`).toBe(u[2]?.seqId as number);
    expect(u[2]?.prevSeqId).toBe(u[0]?.seqId as number);
    expect(u[3]?.prevSeqId).toBe(u[1]?.seqId as number);
  });

  test("breakSeqChain gives one update a wrong prevSeqId, the chain continues after it", async () => {
    await start();
    const c = await booksWs();
    await arm("breakSeqChain", { instId: INST, n: 1 });
    const u = await updates(c, 3);
    const snap = books(c)[0]?.d as BookData;
    expect(u[0]?.prevSeqId, `seed ${SEED}`).not.toBe(snap.seqId);
    expect(u[1]?.prevSeqId).toBe(u[0]?.seqId as number);
  });

  test("serveStaleSnapshot: the next subscription gets the old book and seqId, the keepalive reveals it", async () => {
    await start();
    await arm("pauseMarket", { paused: false });
    const before = sim.exchange.depthSnapshot("BTCUSDT", 1)?.lastUpdateId ?? 0;
    await arm("serveStaleSnapshot", { instId: INST });
    clock.advance(3000);
    const now = sim.exchange.depthSnapshot("BTCUSDT", 1)?.lastUpdateId ?? 0;
    expect(now, `seed ${SEED}: the market moved`).toBeGreaterThan(before);
    await arm("pauseMarket", { paused: true });
    const stale = await booksWs();
    expect(books(stale)[0]?.d.seqId).toBe(before);
    // The quiet-period keepalive carries the current seqId, which does not chain onto the stale one.
    await until(() => books(stale).length >= 2, "keepalive", 200);
    const ka = books(stale)[1]?.d as BookData;
    expect([ka.prevSeqId, ka.seqId, ka.asks.length + ka.bids.length]).toEqual([now, now, 0]);
    const fresh = await booksWs();
    expect(books(fresh)[0]?.d.seqId).toBe(now);
    expect(((await arm("counters")) as Record<string, number>)["staleSnapshotsServed"]).toBe(1);
  });
});

describe("connection faults", () => {
  test("closeConnections: public and private separately, clean or abrupt", async () => {
    await start({ agents: false });
    const pub = await ws(sim.wsPublicUrl);
    const priv = await privateWs();
    expect(((await arm("counters")) as { connections: unknown }).connections).toEqual({ public: 1, private: 1 });
    expect(await arm("closeConnections", { kind: "public", mode: "clean" })).toEqual({ closed: 1 });
    expect(await pub.waitClosed()).toBe(1001);
    expect(priv.closed).toBe(false);
    expect(await arm("closeConnections", { kind: "private", mode: "abrupt" })).toEqual({ closed: 1 });
    expect(await priv.waitClosed()).not.toBe(1001);
  });

  test("silence: a public socket goes quiet (no data, no pong), then resumes", async () => {
    await start();
    const c = await booksWs();
    await arm("silence", { kind: "public", on: true });
    const n = c.messages.length;
    c.send("ping");
    for (let i = 0; i < 20; i++) clock.advance(100);
    await Bun.sleep(200);
    expect(c.messages.length, `seed ${SEED}`).toBe(n);
    await arm("silence", { kind: "public", on: false });
    c.send("ping");
    await until(() => c.raw.includes("pong"), "pong after silence");
    await updates(c, 1);
  });

  test("ignorePings: text ping gets no pong until turned off", async () => {
    await start({ agents: false });
    const c = await ws(sim.wsPublicUrl);
    await arm("ignorePings", { on: true });
    c.send("ping");
    await Bun.sleep(300);
    expect(c.raw).toEqual([]);
    await arm("ignorePings", { on: false });
    c.send("ping");
    await until(() => c.raw.includes("pong"), "pong");
    expect(((await arm("counters")) as Record<string, number>)["pingsIgnored"]).toBe(1);
  });
});

describe("channel freeze", () => {
  type Push = { arg?: { channel?: string }; event?: string; data?: { seqId?: number; prevSeqId?: number }[] };
  const of = (m: unknown): Push => (typeof m === "object" && m !== null ? (m as Push) : {});

  /** Sends a text ping and waits for its pong: every frame pushed before it has arrived. */
  async function barrier(c: WsClient): Promise<number> {
    const k = c.raw.length;
    c.send("ping");
    await until(() => c.raw.slice(k).includes("pong"), "pong");
    return c.raw.length;
  }

  test("freezeChannel: books stops (no updates, no keepalive, no snapshot) while bbo-tbt and pongs carry on", async () => {
    await start();
    const c = await booksWs();
    c.send({ op: "subscribe", args: [{ channel: "bbo-tbt", instId: INST }] });
    await updates(c, 1);
    await arm("freezeChannel", { instId: INST, channel: "books", on: true });
    const from = await barrier(c);
    const lastSeq = books(c).at(-1)?.d.seqId ?? 0;
    for (let i = 0; i < 30; i++) clock.advance(100); // three seconds of a moving market (and keepalive periods)
    const to = await barrier(c);
    const during = c.messages.slice(from, to).map(of);
    expect(during.filter((m) => m.arg?.channel === "books").length, `seed ${SEED}`).toBe(0);
    expect(during.filter((m) => m.arg?.channel === "bbo-tbt").length, `seed ${SEED}`).toBeGreaterThan(0);
    const fresh = await ws(sim.wsPublicUrl); // a new subscription is acknowledged but gets no snapshot
    fresh.send({ op: "subscribe", args: [{ channel: "books", instId: INST }] });
    await fresh.waitFor((m) => m["event"] === "subscribe", "subscribe ack");
    await barrier(fresh);
    expect(books(fresh)).toEqual([]);
    expect(((await arm("counters")) as Record<string, number>)["framesFrozen"]).toBeGreaterThan(0);
    await arm("freezeChannel", { instId: INST, channel: "books", on: false });
    const n = books(c).length;
    await until(() => books(c).length > n, "books after the thaw", 100);
    const next = books(c)[n]?.d;
    expect(next?.prevSeqId, "updates of the freeze are lost: the chain has a gap").not.toBe(lastSeq);
  });
});

describe("order faults", () => {
  const order = (clOrdId: string) => ({
    instId: INST,
    tdMode: "cash",
    clOrdId,
    side: "buy",
    ordType: "limit",
    px: restingBuyPx(),
    sz: "0.001",
  });

  test("rejectNextOrder refuses exactly the next placement with the given sCode", async () => {
    await start();
    await arm("rejectNextOrder", { sCode: "51008", msg: "Order failed. Insufficient USDT balance" });
    const r1 = await signed("POST", "/api/v5/trade/order", order("rej1"));
    expect(r1.j.code, `seed ${SEED}`).toBe("1");
    expect(r1.j.data[0]?.["sCode"]).toBe("51008");
    const r2 = await signed("POST", "/api/v5/trade/order", order("rej2"));
    expect(r2.j.data[0]?.["sCode"]).toBe("0");
  });

  test("failAfterPlace: REST answers 5xx and WS sCode 50004, yet the orders rest on the book", async () => {
    await start();
    await arm("failAfterPlace", { status: 503 });
    const r = await signed("POST", "/api/v5/trade/order", order("lost1"));
    expect(r.status, `seed ${SEED}`).toBe(503);
    const q = await signed("GET", `/api/v5/trade/order?instId=${INST}&clOrdId=lost1`);
    expect(q.j.data[0]?.["state"]).toBe("live");
    await arm("failAfterPlace", {});
    const c = await privateWs();
    c.send({ id: "w1", op: "order", args: [order("lost2")] });
    const w = await c.waitFor<Body>((m) => m["id"] === "w1", "order reply");
    expect(w.data[0]?.["sCode"]).toBe("50004");
    const q2 = await signed("GET", `/api/v5/trade/order?instId=${INST}&clOrdId=lost2`);
    expect(q2.j.data[0]?.["state"]).toBe("live");
    expect(((await arm("counters")) as Record<string, number>)["failedAfterPlace"]).toBe(2);
  });

  test("setOrderRateLimit: placements beyond the budget get HTTP 429 / 50011 and are counted", async () => {
    await start();
    await arm("setOrderRateLimit", { count: 2, windowMs: 10_000 });
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await signed("POST", "/api/v5/trade/order", order(`rl${i}`));
      codes.push(r.status === 429 ? r.j.code : (r.j.data[0]?.["sCode"] as string));
    }
    expect(codes, `seed ${SEED}`).toEqual(["0", "0", "50011"]);
    expect(((await arm("counters")) as Record<string, number>)["rateLimited"]).toBe(1);
    clock.advance(10_001);
    expect((await signed("POST", "/api/v5/trade/order", order("rl3"))).j.data[0]?.["sCode"]).toBe("0");
  });

  test("trade: another account fills a resting order, the orders channel reports the fill", async () => {
    await start();
    await arm("pauseMarket", { paused: true });
    const sym = sim.exchange.symbol("BTCUSDT");
    const top = sim.exchange.bookTop("BTCUSDT");
    if (sym === undefined || top === undefined) throw new Error("no book");
    const px = sym.formatPrice(top.bidTicks + 1); // our order becomes the best bid
    const c = await privateWs();
    c.send({ op: "subscribe", args: [{ channel: "orders", instType: "SPOT" }] });
    await c.waitFor((m) => m["event"] === "subscribe", "orders subscribed");
    const p = await signed("POST", "/api/v5/trade/order", { ...order("tr1"), px, sz: "0.002" });
    expect(p.j.data[0]?.["sCode"], `seed ${SEED}`).toBe("0");
    expect(await arm("trade", { instId: INST, side: "sell", px, sz: "0.001" })).toEqual({
      filled: "0.001",
    });
    const fill = await c.waitFor<{ data: Record<string, string>[] }>(
      (m) =>
        (m["data"] as Record<string, string>[] | undefined)?.[0]?.["tradeId"] !== undefined &&
        (m["data"] as Record<string, string>[])[0]?.["fillSz"] !== "0",
      "fill push",
    );
    expect(fill.data[0]).toMatchObject({
      clOrdId: "tr1",
      state: "partially_filled",
      fillSz: "0.001",
    });
  });
});

describe("admin port", () => {
  test("needs its token; the trading port has no admin routes", async () => {
    await start({ agents: false });
    expect((await admin("counters", undefined, "wrong")).status).toBe(401);
    const viaKey = await fetch(`${sim.adminUrl}/admin/counters`, {
      method: "POST",
      headers: { "OK-ACCESS-KEY": sim.apiKey },
    });
    expect(viaKey.status).toBe(401);
    const pub = await fetch(`${sim.restUrl}/admin/counters`, {
      method: "POST",
      headers: { Authorization: `Bearer ${sim.adminToken}` },
    });
    expect(pub.status).not.toBe(200);
    expect(JSON.stringify(await pub.json())).not.toContain("booksSent");
  });

  test("bad bodies get a 400 naming the field, and the simulator keeps running", async () => {
    await start({ agents: false });
    const cases: [string, unknown, string][] = [
      ["dropDepthEvent", {}, "instId"],
      ["dropDepthEvent", { instId: 5 }, "instId"],
      ["dropDepthEvent", { instId: "NOPE-USDT" }, "instId"],
      ["dropDepthEvent", { instId: INST, n: -1 }, "'n'"],
      ["dropDepthEvent", { instId: INST, n: "x" }, "'n'"],
      ["serveStaleSnapshot", { instId: INST, count: 1.5 }, "count"],
      ["closeConnections", { kind: "market" }, "kind"],
      ["closeConnections", { mode: "gentle" }, "mode"],
      ["silence", { on: "yes" }, "on"],
      ["freezeChannel", { instId: INST, channel: "tickers" }, "channel"],
      ["freezeChannel", { instId: "NOPE-USDT", channel: "books" }, "instId"],
      ["rejectNextOrder", { sCode: 51008 }, "sCode"],
      ["rejectNextOrder", { sCode: "abc" }, "sCode"],
      ["failAfterPlace", { status: 200 }, "status"],
      ["setOrderRateLimit", { count: 0, windowMs: 1000 }, "count"],
      ["setOrderRateLimit", { count: 5 }, "windowMs"],
      ["trade", { instId: INST, side: "both", px: "1", sz: "1" }, "side"],
      ["trade", { instId: INST, side: "buy", px: 1, sz: "1" }, "px"],
      ["pauseMarket", { paused: null }, "paused"],
      ["noSuchKnob", {}, "noSuchKnob"],
      ["dropDepthEvent", "not json", "JSON"],
      ["dropDepthEvent", "[1,2]", "JSON"],
    ];
    for (const [name, body, field] of cases) {
      const r = await admin(name, body);
      expect(r.status, `${name} ${JSON.stringify(body)}`).toBe(400);
      expect((r.j as { error: string }).error, `${name} ${JSON.stringify(body)}`).toContain(field);
    }
    const ok = await admin("counters");
    expect(ok.status).toBe(200);
    expect((await fetch(`${sim.restUrl}/api/v5/public/time`)).status).toBe(200);
  });

  test("clearFaults disarms everything", async () => {
    await start();
    await arm("rejectNextOrder", { sCode: "51008" });
    await arm("silence", { on: true });
    await arm("clearFaults");
    const r = await signed("POST", "/api/v5/trade/order", {
      instId: INST,
      tdMode: "cash",
      clOrdId: "clr1",
      side: "buy",
      ordType: "limit",
      px: restingBuyPx(),
      sz: "0.001",
    });
    expect(r.j.data[0]?.["sCode"], `seed ${SEED}`).toBe("0");
    const c = await ws(sim.wsPublicUrl);
    c.send("ping");
    await until(() => c.raw.includes("pong"), "pong");
  });
});
