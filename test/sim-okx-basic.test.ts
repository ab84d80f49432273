/** Exercises the OKX simulator through plain fetch/WebSocket clients, as a third-party OKX client would. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { VirtualClock } from "../src/services/clock.ts";
import { okxLoginPrehash, okxRestPrehash, okxSign, type RunningOkxSim, startOkxSim } from "../src/sim/okx/index.ts";

let sim: RunningOkxSim;
beforeAll(async () => {
  sim = await startOkxSim({ agents: false, seed: "okx-test", idleTimeoutMs: 30_000 });
});
afterAll(async () => {
  await sim.close();
});

type Body = { code: string; msg: string; data: Record<string, unknown>[] };
async function signed(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; j: Body }> {
  const ts = new Date().toISOString();
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

/** Opens a socket and collects parsed frames; `next` waits for the first frame matching a predicate. */
async function openWs(url: string) {
  const ws = new WebSocket(url);
  const frames: unknown[] = [];
  const waiters: { pred: (f: unknown) => boolean; res: (f: unknown) => void }[] = [];
  ws.onmessage = (ev) => {
    const f: unknown = ev.data === "pong" ? "pong" : JSON.parse(String(ev.data));
    frames.push(f);
    for (const w of [...waiters])
      if (w.pred(f)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.res(f);
      }
  };
  await new Promise((r) => {
    ws.onopen = r;
  });
  const next = <T>(pred: (f: T) => boolean): Promise<T> =>
    new Promise((res, rej) => {
      const hit = frames.find((f) => pred(f as T));
      if (hit !== undefined) {
        frames.splice(frames.indexOf(hit), 1);
        return res(hit as T);
      }
      waiters.push({
        pred: (f) => pred(f as T),
        res: (f) => {
          frames.splice(frames.indexOf(f), 1);
          res(f as T);
        },
      });
      setTimeout(() => rej(new Error("timeout waiting for frame")), 8000);
    });
  return { ws, next };
}

test("§G OKX REST sign vector", () => {
  const sig = okxSign(
    "chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO",
    okxRestPrehash("2020-12-08T09:08:57.715Z", "GET", "/api/v5/account/balance", ""),
  );
  expect(sig).toBe("PJ61e1nb2F2Qd7D8SPiaIcx2gjdELc+o0ygzre9z33k=");
});

test("public REST: time, instruments, books", async () => {
  const t = (await (await fetch(`${sim.restUrl}/api/v5/public/time`)).json()) as Body;
  expect(t.code).toBe("0");
  const ins = (await (await fetch(`${sim.restUrl}/api/v5/public/instruments?instType=SPOT`)).json()) as Body;
  const btc = ins.data.find((i) => i.instId === "BTC-USDT");
  // OKX's own grids (GET /api/v5/public/instruments on OKX), not Binance's filters.
  expect(btc).toMatchObject({
    baseCcy: "BTC",
    quoteCcy: "USDT",
    tickSz: "0.1",
    lotSz: "0.00000001",
    minSz: "0.00001",
    state: "live",
  });
  const eth = ins.data.find((i) => i.instId === "ETH-USDT");
  expect(eth).toMatchObject({ tickSz: "0.01", lotSz: "0.000001", minSz: "0.0001", state: "live" });
  const bk = (await (await fetch(`${sim.restUrl}/api/v5/market/books?instId=BTC-USDT&sz=5`)).json()) as Body;
  expect(bk.code).toBe("0");
  expect(Array.isArray(bk.data[0]?.bids)).toBe(true);
});

test("signed REST: auth errors, place/query/pending/cancel, 51008, balance", async () => {
  const bad = await fetch(`${sim.restUrl}/api/v5/account/balance`, { headers: { "OK-ACCESS-KEY": "nope" } });
  expect(((await bad.json()) as Body).code).toBe("50111");
  const ts = new Date().toISOString();
  const wrongSign = await fetch(`${sim.restUrl}/api/v5/account/balance`, {
    headers: {
      "OK-ACCESS-KEY": sim.apiKey,
      "OK-ACCESS-PASSPHRASE": sim.passphrase,
      "OK-ACCESS-TIMESTAMP": ts,
      "OK-ACCESS-SIGN": "x",
    },
  });
  expect(((await wrongSign.json()) as Body).code).toBe("50113");
  const bal = await signed("GET", "/api/v5/account/balance");
  expect(bal.j.code).toBe("0");
  const p = await signed("POST", "/api/v5/trade/order", {
    instId: "BTC-USDT",
    tdMode: "cash",
    clOrdId: "t1",
    side: "buy",
    ordType: "limit",
    px: "1000",
    sz: "0.01",
  });
  expect(p.j.code).toBe("0");
  const ordId = String(p.j.data[0]?.ordId);
  expect(p.j.data[0]).toMatchObject({ clOrdId: "t1", sCode: "0" });
  const q = await signed("GET", `/api/v5/trade/order?instId=BTC-USDT&ordId=${ordId}`);
  expect(q.j.data[0]).toMatchObject({
    ordId,
    state: "live",
    px: "1000",
    sz: "0.01",
    side: "buy",
    ordType: "limit",
  });
  const pend = await signed("GET", "/api/v5/trade/orders-pending?instId=BTC-USDT");
  expect(pend.j.data.some((o) => o.ordId === ordId)).toBe(true);
  const c = await signed("POST", "/api/v5/trade/cancel-order", { instId: "BTC-USDT", ordId });
  expect(c.j.data[0]).toMatchObject({ ordId, sCode: "0" });
  const c2 = await signed("POST", "/api/v5/trade/cancel-order", { instId: "BTC-USDT", ordId });
  expect(c2.j.data[0]?.sCode).toBe("51400");
  const poor = await signed("POST", "/api/v5/trade/order", {
    instId: "BTC-USDT",
    tdMode: "cash",
    side: "buy",
    ordType: "limit",
    px: "50000",
    sz: "100",
  });
  expect(poor.j.code).toBe("1");
  expect(poor.j.data[0]?.sCode).toBe("51008");
  sim.faults.rejectNextOrder = "51000";
  const inj = await signed("POST", "/api/v5/trade/order", {
    instId: "BTC-USDT",
    tdMode: "cash",
    side: "buy",
    ordType: "limit",
    px: "1000",
    sz: "0.01",
  });
  expect(inj.j.data[0]?.sCode).toBe("51000");
});

test("ordIds are unique across instruments, as OKX's are per account (a client keyed by ordId alone)", async () => {
  const place = (instId: string, px: string) =>
    signed("POST", "/api/v5/trade/order", { instId, tdMode: "cash", side: "buy", ordType: "limit", px, sz: "0.01" });
  const ids: string[] = [];
  for (const [instId, px] of [
    ["BTC-USDT", "1000"],
    ["ETH-USDT", "100"],
    ["BTC-USDT", "1001"],
    ["ETH-USDT", "101"],
  ] as const) {
    const r = await place(instId, px);
    expect(r.j.data[0]?.sCode).toBe("0");
    ids.push(String(r.j.data[0]?.ordId));
  }
  expect(new Set(ids).size).toBe(ids.length);
  // an ordId names one order: the same id on the other instrument is not found
  const wrong = await signed("POST", "/api/v5/trade/cancel-order", { instId: "BTC-USDT", ordId: ids[1] });
  expect(wrong.j.data[0]?.sCode).toBe("51400");
  for (const [k, instId] of ["BTC-USDT", "ETH-USDT", "BTC-USDT", "ETH-USDT"].entries()) {
    const c = await signed("POST", "/api/v5/trade/cancel-order", { instId, ordId: ids[k] });
    expect(c.j.data[0]).toMatchObject({ ordId: ids[k], sCode: "0" });
  }
});

test("public WS: ping/pong, books snapshot then chained update, bbo-tbt", async () => {
  const { ws, next } = await openWs(sim.wsPublicUrl);
  ws.send("ping");
  expect(await next<unknown>((f) => f === "pong")).toBe("pong");
  ws.send(
    JSON.stringify({
      op: "subscribe",
      args: [
        { channel: "books", instId: "BTC-USDT" },
        { channel: "bbo-tbt", instId: "BTC-USDT" },
      ],
    }),
  );
  type Bk = {
    action?: string;
    arg?: { channel: string };
    data?: { seqId: number; prevSeqId: number; checksum: number; bids: string[][] }[];
  };
  const snap = await next<Bk>((f) => f.action === "snapshot");
  expect(snap.data?.[0]?.prevSeqId).toBe(-1);
  const seq = snap.data?.[0]?.seqId ?? -99;
  const p = await signed("POST", "/api/v5/trade/order", {
    instId: "BTC-USDT",
    tdMode: "cash",
    side: "buy",
    ordType: "limit",
    px: "1234.5",
    sz: "0.02",
  });
  expect(p.j.code).toBe("0");
  const upd = await next<Bk>((f) => f.action === "update");
  expect(upd.data?.[0]?.prevSeqId).toBe(seq);
  expect(upd.data?.[0]?.checksum).toBe(0);
  // OKX prints numbers at the instrument's precision without trailing zeros.
  expect(upd.data?.[0]?.bids).toContainEqual(["1234.5", "0.02", "0", "1"]);
  const bbo = await next<Bk>((f) => f.arg?.channel === "bbo-tbt" && f.data !== undefined);
  expect(bbo.data?.[0]?.seqId).toBeGreaterThan(seq);
  sim.faults.breakSeqChain = true;
  await signed("POST", "/api/v5/trade/cancel-order", { instId: "BTC-USDT", ordId: String(p.j.data[0]?.ordId) });
  const broken = await next<Bk>((f) => f.action === "update");
  expect(broken.data?.[0]?.prevSeqId).not.toBe(upd.data?.[0]?.seqId ?? 0);
  // The cancel deletes the level: size "0".
  expect(broken.data?.[0]?.bids).toContainEqual(["1234.5", "0", "0", "0"]);
  ws.close();
});

test("private WS: login, order op, orders channel, post_only cross → canceled cancelSource 31", async () => {
  const { ws, next } = await openWs(sim.wsPrivateUrl);
  ws.send(
    JSON.stringify({
      op: "login",
      args: [{ apiKey: sim.apiKey, passphrase: sim.passphrase, timestamp: "1", sign: "bad" }],
    }),
  );
  expect(await next<{ event?: string; code?: string }>((f) => f.event === "error")).toMatchObject({ code: "50113" });
  const tsSec = String(Math.floor(Date.now() / 1000));
  ws.send(
    JSON.stringify({
      op: "login",
      args: [
        {
          apiKey: sim.apiKey,
          passphrase: sim.passphrase,
          timestamp: tsSec,
          sign: okxSign(sim.apiSecret, okxLoginPrehash(tsSec)),
        },
      ],
    }),
  );
  expect(await next<{ event?: string; code?: string }>((f) => f.event === "login")).toMatchObject({ code: "0" });
  ws.send(JSON.stringify({ op: "subscribe", args: [{ channel: "orders", instType: "SPOT" }] }));
  await next<{ event?: string }>((f) => f.event === "subscribe");
  // A resting ask, then a post_only buy at that price would cross.
  ws.send(
    JSON.stringify({
      id: "a1",
      op: "order",
      args: [
        {
          instId: "BTC-USDT",
          tdMode: "cash",
          side: "sell",
          ordType: "limit",
          px: "70000",
          sz: "0.01",
          clOrdId: "ask1",
        },
      ],
    }),
  );
  type R = { id?: string; code?: string; data?: Record<string, unknown>[]; arg?: { channel: string } };
  expect(await next<R>((f) => f.id === "a1")).toMatchObject({ op: "order", code: "0" });
  expect((await next<R>((f) => f.arg?.channel === "orders" && f.data?.[0]?.clOrdId === "ask1")).data?.[0]?.state).toBe(
    "live",
  );
  ws.send(
    JSON.stringify({
      id: "p1",
      op: "order",
      args: [
        {
          instId: "BTC-USDT",
          tdMode: "cash",
          side: "buy",
          ordType: "post_only",
          px: "70000",
          sz: "0.01",
          clOrdId: "po1",
        },
      ],
    }),
  );
  expect((await next<R>((f) => f.id === "p1")).data?.[0]?.sCode).toBe("0");
  const po = await next<R>((f) => f.arg?.channel === "orders" && f.data?.[0]?.clOrdId === "po1");
  expect(po.data?.[0]).toMatchObject({ state: "canceled", cancelSource: "31" });
  ws.send(JSON.stringify({ id: "c1", op: "cancel-order", args: [{ instId: "BTC-USDT", clOrdId: "ask1" }] }));
  expect((await next<R>((f) => f.id === "c1")).data?.[0]?.sCode).toBe("0");
  expect(
    (
      await next<R>(
        (f) => f.arg?.channel === "orders" && f.data?.[0]?.state === "canceled" && f.data?.[0]?.clOrdId === "ask1",
      )
    ).data?.[0]?.ordType,
  ).toBe("limit");
  ws.close();
});

test("idle connection is closed by the server", async () => {
  const s2 = await startOkxSim({ agents: false, idleTimeoutMs: 200 });
  try {
    const ws = new WebSocket(s2.wsPublicUrl);
    const closed = new Promise<number>((r) => {
      ws.onclose = (e) => r(e.code);
    });
    expect(await closed).toBe(4004);
  } finally {
    await s2.close();
  }
});

test("a socket fed by a busy channel stays open without client data; once nothing flows it is closed", async () => {
  // OKX breaks a connection when no data has flowed for 30 s: pushes count, not only client frames
  const s2 = await startOkxSim({ seed: "okx-idle-busy", idleTimeoutMs: 400, booksKeepaliveMs: 0 });
  try {
    const ws = new WebSocket(s2.wsPublicUrl);
    let code = 0;
    let frames = 0;
    ws.onclose = (e) => {
      code = e.code;
    };
    ws.onmessage = () => {
      frames++;
    };
    await new Promise<void>((r) => {
      ws.onopen = () => r();
    });
    ws.send(JSON.stringify({ op: "subscribe", args: [{ channel: "books", instId: "BTC-USDT" }] }));
    await Bun.sleep(1500); // well past the idle limit, books pushed every 100 ms, the client silent
    expect({ frames: frames > 5, code }).toEqual({ frames: true, code: 0 });
    s2.pauseMarket(true); // nothing changes, nothing is pushed
    const deadline = Date.now() + 5000;
    while (code === 0 && Date.now() < deadline) await Bun.sleep(50);
    expect(code).toBe(4004);
  } finally {
    await s2.close();
  }
});

test("faults: 5xx after place still executes; 61st placement in 2 s is rate limited with 50011/429", async () => {
  const s3 = await startOkxSim({ agents: false, seed: "okx-rl", clock: new VirtualClock() });
  const prev = sim;
  sim = s3;
  try {
    s3.faults.error5xxAfterPlace = true;
    const r = await signed("POST", "/api/v5/trade/order", {
      instId: "ETH-USDT",
      tdMode: "cash",
      clOrdId: "x5",
      side: "buy",
      ordType: "limit",
      px: "100",
      sz: "0.1",
    });
    expect(r.status).toBe(500);
    expect(r.j.data[0]?.sCode).toBe("50004");
    const q = await signed("GET", "/api/v5/trade/order?instId=ETH-USDT&clOrdId=x5");
    expect(q.j.data[0]?.state).toBe("live");
    let limited = 0;
    for (let i = 0; i < 61; i++) {
      const p = await signed("POST", "/api/v5/trade/order", {
        instId: "BTC-USDT",
        tdMode: "cash",
        side: "buy",
        ordType: "limit",
        px: "1000",
        sz: "0.01",
      });
      if (p.status === 429) {
        limited++;
        expect(p.j.code).toBe("50011");
      }
    }
    expect(limited).toBeGreaterThanOrEqual(1);
  } finally {
    sim = prev;
    await s3.close();
  }
});

describe("GET /api/v5/trade/fills and fills-history", () => {
  const T0 = 1_800_000_000_000;
  const DAY = 86_400_000;
  let fs: RunningOkxSim;
  let clock: VirtualClock;
  let restingId = "";
  /** Fill times, oldest first: 50 about 10 days ago, then 150 in the last day. */
  const times: number[] = [];

  async function get(path: string, q: Record<string, string> = {}): Promise<{ status: number; j: Body }> {
    const qs = new URLSearchParams(q).toString();
    const p = `${path}${qs === "" ? "" : `?${qs}`}`;
    const ts = new Date(clock.nowMs()).toISOString();
    const r = await fetch(fs.restUrl + p, {
      headers: {
        "OK-ACCESS-KEY": fs.apiKey,
        "OK-ACCESS-PASSPHRASE": fs.passphrase,
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-SIGN": okxSign(fs.apiSecret, okxRestPrehash(ts, "GET", p, "")),
      },
    });
    return { status: r.status, j: (await r.json()) as Body };
  }

  beforeAll(async () => {
    clock = new VirtualClock(T0);
    // no book timers: the test moves the virtual clock by days
    fs = await startOkxSim({
      agents: false,
      seed: "okx-fills",
      clock,
      adminPort: -1,
      booksIntervalMs: 0,
      booksKeepaliveMs: 0,
    });
    const sell = fs.exchange.placeOrder({
      accountId: fs.accountId,
      symbol: "BTCUSDT",
      side: "SELL",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "60000",
      quantity: "1",
      clientOrderId: "fillsrest",
    });
    if (!sell.ok) throw new Error(JSON.stringify(sell.reason));
    restingId = String(sell.order.orderId);
    for (let i = 0; i < 200; i++) {
      clock.advance(i === 50 ? 9 * DAY : i < 50 ? 60_000 : 500_000);
      fs.admin.trade("BTC-USDT", "buy", "60000", "0.001");
      times.push(clock.nowMs());
    }
  });
  afterAll(async () => {
    await fs?.close();
  });

  test("rows in OKX's shape: newest first, negative fee in the received currency, maker flag, billId", async () => {
    const r = await get("/api/v5/trade/fills", { instType: "SPOT", limit: "2" });
    expect(r.status).toBe(200);
    expect(r.j.code).toBe("0");
    const [newest, older] = r.j.data;
    expect(newest).toMatchObject({
      instType: "SPOT",
      instId: "BTC-USDT",
      tradeId: "200",
      ordId: restingId,
      clOrdId: "fillsrest",
      subType: "2",
      fillPx: "60000",
      fillSz: "0.001",
      side: "sell",
      posSide: "net",
      execType: "M",
      feeCcy: "USDT",
      fee: "-0.06",
      feeRate: "-0.001",
      ts: String(times[199]),
      fillTime: String(times[199]),
      tradeQuoteCcy: "USDT",
    });
    expect(Number(newest?.["billId"])).toBeGreaterThan(Number(older?.["billId"]));
    expect(older?.["tradeId"]).toBe("199");
  });

  test("paging by billId: `after` walks back without repeats or gaps, `before` returns the newer ones", async () => {
    const seen: string[] = [];
    let after = "";
    for (;;) {
      const page = await get("/api/v5/trade/fills-history", { instType: "SPOT", ...(after ? { after } : {}) });
      expect(page.j.code, JSON.stringify(page.j)).toBe("0");
      seen.push(...page.j.data.map((d) => String(d["tradeId"])));
      if (page.j.data.length < 100) break;
      after = String(page.j.data.at(-1)?.["billId"]);
      clock.advance(250); // within fills-history's 10 requests per 2 s
    }
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => String(200 - i)));
    const first = await get("/api/v5/trade/fills-history", { instType: "SPOT", limit: "5" });
    const pivot = String(first.j.data.at(-1)?.["billId"]);
    const newer = await get("/api/v5/trade/fills-history", { instType: "SPOT", before: pivot, limit: "2" });
    expect(newer.j.data.map((d) => d["tradeId"])).toEqual(["198", "197"]);
  });

  test("reach: fills covers the last 3 days, fills-history 3 months; begin/end, instId and ordId filter", async () => {
    const recent = await get("/api/v5/trade/fills", { instId: "BTC-USDT" });
    expect(recent.j.data.length).toBe(100);
    const older = await get("/api/v5/trade/fills", { after: String(recent.j.data.at(-1)?.["billId"]) });
    expect(older.j.data.length).toBe(50); // the 50 fills of 10 days ago are out of its reach
    clock.advance(2000);
    const hist = await get("/api/v5/trade/fills-history", {
      instType: "SPOT",
      begin: String(times[0]),
      end: String(times[2]),
    });
    expect(hist.j.data.map((d) => d["tradeId"])).toEqual(["3", "2", "1"]);
    clock.advance(2000);
    const byOrder = await get("/api/v5/trade/fills", { ordId: restingId, limit: "1" });
    expect(byOrder.j.data[0]?.["ordId"]).toBe(restingId);
    expect((await get("/api/v5/trade/fills", { ordId: "99999" })).j.data).toEqual([]);
    expect((await get("/api/v5/trade/fills", { instId: "ETH-USDT" })).j.data).toEqual([]);
    expect((await get("/api/v5/trade/fills", { instType: "SWAP" })).j.data).toEqual([]);
    clock.advance(100 * DAY);
    expect((await get("/api/v5/trade/fills-history", { instType: "SPOT" })).j.data).toEqual([]);
  });

  test("errors: instType required by fills-history, limit at most 100, cursors must be ids, unknown instId", async () => {
    clock.advance(2000);
    const e = async (path: string, q: Record<string, string>, code: string) => {
      const r = await get(path, q);
      expect(r.j.code, `${path} ${JSON.stringify(q)}: ${JSON.stringify(r.j)}`).toBe(code);
      expect(r.j.data).toEqual([]);
    };
    await e("/api/v5/trade/fills-history", {}, "50014");
    await e("/api/v5/trade/fills", { limit: "101" }, "51000");
    await e("/api/v5/trade/fills", { limit: "0" }, "51000");
    await e("/api/v5/trade/fills", { after: "abc" }, "51000");
    await e("/api/v5/trade/fills", { begin: "-5" }, "51000");
    await e("/api/v5/trade/fills", { instType: "STOCK" }, "51000");
    await e("/api/v5/trade/fills", { instId: "NOPE-USDT" }, "51001");
    const unsigned = await fetch(`${fs.restUrl}/api/v5/trade/fills`);
    expect(unsigned.status).toBe(401);
  });

  test("rate limits per user: fills 60 and fills-history 10 per 2 s, then HTTP 429 code 50011", async () => {
    clock.advance(5000);
    for (let i = 0; i < 10; i++)
      expect((await get("/api/v5/trade/fills-history", { instType: "SPOT" })).status).toBe(200);
    const over = await get("/api/v5/trade/fills-history", { instType: "SPOT" });
    expect(over.status).toBe(429);
    expect(over.j).toEqual({ code: "50011", msg: "Too Many Requests", data: [] });
    for (let i = 0; i < 60; i++) expect((await get("/api/v5/trade/fills", {})).status).toBe(200);
    expect((await get("/api/v5/trade/fills", {})).j.code).toBe("50011");
    clock.advance(2000);
    expect((await get("/api/v5/trade/fills-history", { instType: "SPOT" })).status).toBe(200);
    expect((await get("/api/v5/trade/fills", {})).status).toBe(200);
    expect(fs.admin.counters().fillsRateLimited).toBe(2);
  });
});
