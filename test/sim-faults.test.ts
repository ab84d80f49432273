/** Every fault knob and the latency model of the simulator, each observed through the wire protocol. */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../src/services/clock.ts";
import { type RunningSim, type StartSimOptions, startSim } from "../src/sim/index.ts";
import { rawWebSocket, rest, restingBuyPrice, WsClient, wsApi } from "./sim-helpers.ts";

const SEED = "faults";
type Depth = { U: number; u: number };

/** Runs body against a simulator on a virtual clock, closing it afterwards. */
async function withSim(
  opts: StartSimOptions,
  body: (sim: RunningSim, clock: VirtualClock) => Promise<void>,
): Promise<void> {
  const clock = new VirtualClock(Date.now());
  const sim = await startSim({ seed: SEED, symbols: ["BTCUSDT"], clock, ...opts });
  try {
    clock.advance(1000);
    await body(sim, clock);
  } finally {
    await sim.close();
  }
}

/** Collects n depth events, driving virtual time meanwhile. */
async function depthEvents(c: WsClient, clock: VirtualClock, n: number): Promise<Depth[]> {
  await c.waitFor(() => c.messages.length >= n, `${n} depth events`, { onIdle: () => clock.advance(100) });
  return c.messages.slice(0, n) as Depth[];
}

describe("depth faults", () => {
  test("drop event N leaves exactly one gap", () =>
    withSim({}, async (sim, clock) => {
      const c = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@depth@100ms`);
      sim.admin.dropDepthEvent("BTCUSDT", 3);
      const evs = await depthEvents(c, clock, 8);
      const gaps = evs.slice(1).filter((e, i) => e.U !== (evs[i]?.u ?? 0) + 1);
      expect(gaps.length, `seed ${SEED}`).toBe(1);
      expect(evs[2]?.U).toBeGreaterThan((evs[1]?.u ?? 0) + 1);
      expect(sim.admin.counters().depthEventsDropped).toBeGreaterThanOrEqual(1);
      c.close();
    }));

  test("duplicate event N arrives twice", () =>
    withSim({}, async (sim, clock) => {
      const c = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@depth@100ms`);
      sim.admin.duplicateDepthEvent("BTCUSDT", 2);
      const evs = await depthEvents(c, clock, 6);
      expect(evs[2]).toEqual(evs[1] as Depth);
      expect(evs[3]?.U).toBe((evs[2]?.u ?? 0) + 1);
      c.close();
    }));

  test("reorder event N swaps it with N+1", () =>
    withSim({}, async (sim, clock) => {
      const c = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@depth@100ms`);
      sim.admin.reorderDepthEvent("BTCUSDT", 2);
      const evs = await depthEvents(c, clock, 6);
      // Sent order: 1, 3, 2, 4 ...
      expect(evs[1]?.U).toBe((evs[2]?.u ?? 0) + 1);
      expect(evs[2]?.U).toBe((evs[0]?.u ?? 0) + 1);
      expect(evs[3]?.U).toBe((evs[1]?.u ?? 0) + 1);
      c.close();
    }));

  test("stale snapshot: the next /depth is an old one, then live again", () =>
    withSim({}, async (sim, clock) => {
      sim.admin.serveStaleSnapshot("BTCUSDT");
      const before = sim.exchange.depthSnapshot("BTCUSDT")?.lastUpdateId ?? 0;
      clock.advance(2000);
      const now = sim.exchange.depthSnapshot("BTCUSDT")?.lastUpdateId ?? 0;
      expect(now).toBeGreaterThan(before);
      const stale = await rest(sim, "GET", "/api/v3/depth", { symbol: "BTCUSDT" });
      expect(stale.obj["lastUpdateId"]).toBe(before);
      const live = await rest(sim, "GET", "/api/v3/depth", { symbol: "BTCUSDT" });
      expect(live.obj["lastUpdateId"]).toBe(now);
      expect(sim.admin.counters().staleSnapshotsServed).toBe(1);
    }));
});

describe("connection faults", () => {
  test("close market / wsapi / user connections cleanly or abruptly, separately", () =>
    withSim({ agents: false }, async (sim) => {
      const m1 = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@trade`);
      const api = await WsClient.open(sim.wsApiUrl);
      const key = (await rest(sim, "POST", "/api/v3/userDataStream")).obj["listenKey"] as string;
      const user = await WsClient.open(`${sim.streamUrl}/ws/${key}`);
      await Bun.sleep(50);
      expect(sim.admin.counters().connections).toEqual({ market: 1, wsapi: 1, user: 1 });
      expect(sim.admin.closeConnections("market", "clean")).toBe(1);
      expect(await m1.waitClosed()).toBe(1000);
      expect(api.closed).toBe(false);
      expect(sim.admin.closeConnections("wsapi", "abrupt")).toBe(1);
      expect(await api.waitClosed()).not.toBe(1000);
      expect(user.closed).toBe(false);
      expect(sim.admin.closeConnections("user", "clean")).toBe(1);
      await user.waitClosed();
    }));

  test("ignorePings: the WS API ping goes unanswered until turned off", () =>
    withSim({ agents: false }, async (sim) => {
      const api = await WsClient.open(sim.wsApiUrl);
      sim.admin.ignorePings(true);
      api.send({ id: "p1", method: "ping" });
      await Bun.sleep(300);
      expect(api.messages.length).toBe(0);
      sim.admin.ignorePings(false);
      expect((await wsApi(api, sim, "ping"))["status"]).toBe(200);
      api.close();
    }));

  test("stopPings: no keepalive pings, and nobody is dropped for not answering them", () =>
    withSim({ agents: false }, async (sim, clock) => {
      sim.admin.stopPings(true);
      const mute = await rawWebSocket(sim.port, "/ws/btcusdt@trade");
      await Bun.sleep(50);
      for (let i = 0; i < 5; i++) {
        clock.advance(20_000);
        await Bun.sleep(50);
      }
      expect(mute.pings).toBe(0);
      expect(mute.closeFrame).toBe(false);
      mute.socket.destroy();
    }));

  test("silence: a stream connection goes quiet, then resumes", () =>
    withSim({}, async (sim, clock) => {
      const c = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@depth@100ms`);
      await c.waitFor(() => true, "a depth event", { onIdle: () => clock.advance(100) });
      sim.admin.silence(["market"], true);
      await Bun.sleep(50);
      const n = c.messages.length;
      for (let i = 0; i < 10; i++) clock.advance(100);
      await Bun.sleep(200);
      expect(c.messages.length).toBe(n);
      sim.admin.silence(["market"], false);
      await c.waitFor(() => c.messages.length > n, "events after silence", { onIdle: () => clock.advance(100) });
      c.close();
    }));
});

describe("stream freeze", () => {
  type Frame = { stream?: string; id?: number; data?: { U?: number; u?: number } };
  const of = (m: unknown): Frame => (typeof m === "object" && m !== null ? (m as Frame) : {});
  const DEPTH = "btcusdt@depth@100ms";
  const TICKER = "btcusdt@bookTicker";

  test("freezeStream: one stream stops while the others and control replies carry on; it resumes with a gap", () =>
    withSim({}, async (sim, clock) => {
      const advance = () => clock.advance(100);
      const c = await WsClient.open(`${sim.streamUrl}/stream?streams=${DEPTH}/${TICKER}`);
      await c.waitFor((m) => of(m).stream === DEPTH, "a depth event", { onIdle: advance });
      sim.admin.freezeStream("BTCUSDT", "depth", true);
      // A control reply is a barrier: every frame the server sent before it has arrived.
      c.send({ method: "LIST_SUBSCRIPTIONS", id: 1 });
      await c.waitFor((m) => of(m).id === 1, "reply 1");
      const from = c.messages.length;
      const lastU =
        c.messages
          .filter((m) => of(m).stream === DEPTH)
          .map((m) => of(m).data?.u ?? 0)
          .at(-1) ?? 0;
      for (let i = 0; i < 30; i++) advance(); // three seconds of a moving market
      c.send({ method: "LIST_SUBSCRIPTIONS", id: 2 });
      await c.waitFor((m) => of(m).id === 2, "reply 2 while frozen", { from });
      const during = c.messages.slice(from);
      expect(during.filter((m) => of(m).stream === DEPTH).length, `seed ${SEED}`).toBe(0);
      expect(during.filter((m) => of(m).stream === TICKER).length, `seed ${SEED}`).toBeGreaterThan(0);
      expect(sim.admin.counters().streamEventsFrozen).toBeGreaterThan(0);
      sim.admin.freezeStream("BTCUSDT", "depth", false);
      const next = await c.waitFor<Frame>((m) => of(m).stream === DEPTH, "depth after the thaw", {
        from: c.messages.length,
        onIdle: advance,
      });
      expect(next.data?.U ?? 0, "events of the freeze are lost: a gap").toBeGreaterThan(lastU + 1);
      c.close();
    }));

  test("freezeStream over the admin port: a bad stream kind is a 400 naming the field", () =>
    withSim({}, async (sim, clock) => {
      const call = (body: unknown) =>
        fetch(`${sim.adminUrl}/admin/freezeStream`, {
          method: "POST",
          headers: { Authorization: `Bearer ${sim.adminToken}` },
          body: JSON.stringify(body),
        });
      const bad = await call({ symbol: "BTCUSDT", stream: "klines" });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Record<string, string>)["error"]).toContain("stream");
      const badSymbol = await call({ symbol: "NOPE", stream: "depth" });
      expect(badSymbol.status).toBe(400);
      expect(((await badSymbol.json()) as Record<string, string>)["error"]).toContain("symbol");
      expect((await call({ symbol: "BTCUSDT", stream: "trade", on: true })).status).toBe(200);
      sim.admin.clearFaults(); // clears freezes too
      const c = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@trade`);
      await c.waitFor((m) => m["e"] === "trade", "a trade after clearFaults", { onIdle: () => clock.advance(100) });
      c.close();
    }));
});

describe("order-entry faults", () => {
  test("rejectNextOrder refuses exactly the next order with the given code", () =>
    withSim({}, async (sim) => {
      const price = restingBuyPrice(sim, "BTCUSDT");
      const p = { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price };
      sim.admin.rejectNextOrder(-2010, "Market is closed.");
      const r1 = await rest(sim, "POST", "/api/v3/order", p, { signed: true });
      expect(r1.body).toEqual({ code: -2010, msg: "Market is closed." });
      const r2 = await rest(sim, "POST", "/api/v3/order", p, { signed: true });
      expect(r2.status).toBe(200);
    }));

  test("failAfterPlace: 5xx, yet the order is on the book (REST and WS API)", () =>
    withSim({}, async (sim) => {
      const price = restingBuyPrice(sim, "BTCUSDT");
      const p = { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price };
      sim.admin.failAfterPlace(503);
      const r = await rest(sim, "POST", "/api/v3/order", { ...p, newClientOrderId: "lost-1" }, { signed: true });
      expect(r.status).toBe(503);
      const q = await rest(
        sim,
        "GET",
        "/api/v3/order",
        { symbol: "BTCUSDT", origClientOrderId: "lost-1" },
        { signed: true },
      );
      expect(q.obj["status"]).toBe("NEW");
      sim.admin.failAfterPlace(500);
      const api = await WsClient.open(sim.wsApiUrl);
      const w = await wsApi(api, sim, "order.place", { ...p, newClientOrderId: "lost-2" }, { signed: true });
      expect(w["status"]).toBe(500);
      const q2 = await wsApi(
        api,
        sim,
        "order.status",
        { symbol: "BTCUSDT", origClientOrderId: "lost-2" },
        { signed: true },
      );
      expect((q2["result"] as Record<string, unknown>)["status"]).toBe("NEW");
      expect(sim.admin.counters().failedAfterPlace).toBe(2);
      api.close();
    }));

  test("delayResponses holds answers for the given (virtual) time", () =>
    withSim({ agents: false }, async (sim, clock) => {
      sim.admin.delayResponses(3000, { count: 1 });
      let done = false;
      const pending = rest(sim, "GET", "/api/v3/ping").then((r) => {
        done = true;
        return r;
      });
      await Bun.sleep(200);
      expect(done).toBe(false);
      clock.advance(3000);
      expect((await pending).status).toBe(200);
      const next = await rest(sim, "GET", "/api/v3/ping");
      expect(next.status).toBe(200);
    }));

  test("delayResponses over the admin port holds only the kinds it names", () =>
    withSim({ agents: false }, async (sim, clock) => {
      const admin = (body: unknown) =>
        fetch(`${sim.adminUrl}/admin/delayResponses`, {
          method: "POST",
          headers: { Authorization: `Bearer ${sim.adminToken}` },
          body: JSON.stringify(body),
        });
      const refused = await admin({ ms: 3000, kinds: ["rest", "fix"] });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toContain("kinds");
      expect((await admin({ ms: 3000, kinds: ["wsapi"] })).status).toBe(200);
      // REST is not named: it answers with virtual time standing still (before the fix it hung here)
      const ping = await Promise.race([rest(sim, "GET", "/api/v3/ping"), Bun.sleep(10_000).then(() => undefined)]);
      expect(ping?.status, "REST answered without waiting for the WS API's delay").toBe(200);
      const api = await WsClient.open(sim.wsApiUrl);
      const t0 = clock.nowMs();
      api.send({ id: "held", method: "ping", params: {} });
      await api.waitFor((m) => m["id"] === "held", "the delayed WS API answer", { onIdle: () => clock.advance(100) });
      expect(clock.nowMs() - t0, "the WS API answer waited out the delay").toBeGreaterThanOrEqual(3000);
      api.close();
    }));

  test("skewClock shifts /time and the recvWindow check", () =>
    withSim({ agents: false }, async (sim, clock) => {
      sim.admin.skewClock(10_000);
      const t = await rest(sim, "GET", "/api/v3/time");
      expect(t.obj["serverTime"]).toBe(clock.nowMs() + 10_000);
      const r = await rest(sim, "GET", "/api/v3/openOrders", {}, { signed: true });
      expect(r.obj["code"]).toBe(-1021);
      sim.admin.skewClock(0);
      expect((await rest(sim, "GET", "/api/v3/openOrders", {}, { signed: true })).status).toBe(200);
    }));

  test("pauseMarket stops the book from moving", () =>
    withSim({}, async (sim, clock) => {
      sim.admin.pauseMarket(true);
      const a = sim.exchange.depthSnapshot("BTCUSDT")?.lastUpdateId;
      clock.advance(5000);
      expect(sim.exchange.depthSnapshot("BTCUSDT")?.lastUpdateId).toBe(a as number);
      sim.admin.pauseMarket(false);
      clock.advance(5000);
      expect(sim.exchange.depthSnapshot("BTCUSDT")?.lastUpdateId).toBeGreaterThan(a as number);
    }));
});

describe("admin interface and latency", () => {
  test("admin HTTP needs its token; the public port has no admin routes", () =>
    withSim({ agents: false }, async (sim) => {
      const s = sim as RunningSim;
      const noToken = await fetch(`${s.adminUrl}/admin/counters`, { method: "POST" });
      expect(noToken.status).toBe(401);
      const withKey = await fetch(`${s.adminUrl}/admin/counters`, {
        method: "POST",
        headers: { "X-MBX-APIKEY": s.apiKey },
      });
      expect(withKey.status).toBe(401);
      const pub = await fetch(`${s.restUrl}/admin/counters`, {
        method: "POST",
        headers: { Authorization: `Bearer ${s.adminToken}` },
      });
      expect(pub.status).toBe(404);
      const ok = await fetch(`${s.adminUrl}/admin/rejectNextOrder`, {
        method: "POST",
        headers: { Authorization: `Bearer ${s.adminToken}` },
        body: JSON.stringify({ code: -1013, msg: "Filter failure: LOT_SIZE" }),
      });
      expect(ok.status).toBe(200);
      const bad = await fetch(`${s.adminUrl}/admin/dropDepthEvent`, {
        method: "POST",
        headers: { Authorization: `Bearer ${s.adminToken}` },
        body: JSON.stringify({ n: 1 }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Record<string, string>)["error"]).toContain("symbol");
      const price = restingBuyPrice(s, "BTCUSDT");
      const r = await rest(
        s,
        "POST",
        "/api/v3/order",
        { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price },
        { signed: true },
      );
      expect(r.body).toEqual({ code: -1013, msg: "Filter failure: LOT_SIZE" });
    }));

  test("order-entry latency delays WS API answers by two one-way trips; market-data latency delays streams", () =>
    withSim({ latency: { orderEntryMs: 5, marketDataMs: 50 } }, async (sim, clock) => {
      const api = await WsClient.open(sim.wsApiUrl);
      const from = api.messages.length;
      api.send({ id: "t1", method: "order.status", params: {} });
      await Bun.sleep(200);
      expect(api.messages.length).toBe(from);
      clock.advance(5);
      clock.advance(5);
      await api.waitFor((m) => m["id"] === "t1", "delayed answer", { from });
      const c = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@depth@100ms`);
      // Every event is delivered at least 50 ms (virtual) after its event time E.
      for (let i = 0; i < 3; i++) {
        const ev = await c.waitFor((m) => typeof m["E"] === "number", "a depth event", {
          from: i,
          onIdle: () => clock.advance(10),
        });
        expect(clock.nowMs() - (ev["E"] as number)).toBeGreaterThanOrEqual(50);
      }
      api.close();
      c.close();
    }));
});
