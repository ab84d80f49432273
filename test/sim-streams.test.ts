/** Conformance of the simulator's market and user-data streams with a plain WebSocket client. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { VirtualClock } from "../src/services/clock.ts";
import { type RunningSim, startSim } from "../src/sim/index.ts";
import { rawWebSocket, rest, restingBuyPrice, WsClient } from "./sim-helpers.ts";

const SEED = "streams-conformance";

type Depth = { e: string; E: number; s: string; U: number; u: number; b: string[][]; a: string[][] };

describe("live market streams (system clock)", () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim({ seed: SEED, symbols: ["BTCUSDT", "ETHUSDT"] });
  });
  afterAll(async () => {
    await sim.close();
  });

  test("raw @depth@100ms events are contiguous (U = previous u + 1)", async () => {
    const c = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@depth@100ms`);
    await c.waitFor(() => c.messages.length >= 12, "12 depth events");
    const evs = c.messages.slice(0, 12) as Depth[];
    for (const e of evs) {
      expect(e.e).toBe("depthUpdate");
      expect(e.s).toBe("BTCUSDT");
      expect(e.U).toBeLessThanOrEqual(e.u);
    }
    for (let i = 1; i < evs.length; i++) expect(evs[i]?.U, `seed ${SEED} event ${i}`).toBe((evs[i - 1]?.u ?? 0) + 1);
    c.close();
  });

  test("combined streams are wrapped; 1000 ms @depth also contiguous", async () => {
    const c = await WsClient.open(`${sim.streamUrl}/stream?streams=ethusdt@depth/ethusdt@bookTicker`);
    const d1 = await c.waitFor((m) => m["stream"] === "ethusdt@depth", "first ethusdt@depth");
    const idx = c.messages.indexOf(d1);
    const d2 = await c.waitFor((m) => m["stream"] === "ethusdt@depth", "second ethusdt@depth", { from: idx + 1 });
    expect((d2["data"] as Depth).U).toBe((d1["data"] as Depth).u + 1);
    const bt = await c.waitFor((m) => m["stream"] === "ethusdt@bookTicker", "bookTicker");
    expect(Object.keys(bt["data"] as object)).toEqual(["u", "s", "b", "B", "a", "A"]);
    c.close();
  });

  test("SUBSCRIBE, LIST_SUBSCRIPTIONS, UNSUBSCRIBE, trade stream, error codes 2 and 3", async () => {
    const c = await WsClient.open(`${sim.streamUrl}/ws`);
    c.send({ method: "SUBSCRIBE", params: ["btcusdt@trade", "btcusdt@bookTicker"], id: 1 });
    expect(await c.waitFor((m) => m["id"] === 1, "subscribe reply")).toEqual({ result: null, id: 1 });
    c.send({ method: "LIST_SUBSCRIPTIONS", id: "list" });
    const list = await c.waitFor((m) => m["id"] === "list", "list reply");
    expect((list["result"] as string[]).sort()).toEqual(["btcusdt@bookTicker", "btcusdt@trade"]);
    await Bun.sleep(1100); // stay under 5 incoming messages per second
    const t = await c.waitFor((m) => m["e"] === "trade", "a trade", { timeoutMs: 20_000 });
    expect(Object.keys(t)).toEqual(["e", "E", "s", "t", "p", "q", "T", "m", "M"]);
    const bt = await c.waitFor((m) => "u" in m && "b" in m && !("e" in m), "raw bookTicker");
    expect(bt).not.toHaveProperty("E");
    c.send({ method: "UNSUBSCRIBE", params: ["btcusdt@trade"], id: 2 });
    expect(await c.waitFor((m) => m["id"] === 2, "unsubscribe reply")).toEqual({ result: null, id: 2 });
    c.send({ method: "SUBSCRIBE", params: ["nosuch@depth"], id: 3 });
    const e2 = await c.waitFor((m) => m["id"] === 3, "error 2");
    expect(e2["code"]).toBe(2);
    c.send("{not json");
    const e3 = await c.waitFor((m) => m["code"] === 3, "error 3");
    expect(String(e3["msg"])).toContain("Invalid JSON");
    c.close();
  });

  test("partial depth stream sends top-N snapshots; listenKey works inside /stream", async () => {
    const c = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@depth5@100ms`);
    const snap = await c.waitFor((m) => "lastUpdateId" in m, "a partial depth snapshot");
    expect((snap["bids"] as unknown[]).length).toBe(5);
    expect((snap["asks"] as unknown[]).length).toBe(5);
    c.close();
    const key = (await rest(sim, "POST", "/api/v3/userDataStream")).obj["listenKey"] as string;
    const u = await WsClient.open(`${sim.streamUrl}/stream?streams=${key}/btcusdt@bookTicker`);
    const price = restingBuyPrice(sim, "BTCUSDT");
    await rest(
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
        newClientOrderId: "ud-comb",
      },
      { signed: true },
    );
    const er = await u.waitFor((m) => m["stream"] === key, "wrapped user event");
    expect((er["data"] as Record<string, unknown>)["e"]).toBeOneOf(["executionReport", "outboundAccountPosition"]);
    await rest(sim, "DELETE", "/api/v3/order", { symbol: "BTCUSDT", origClientOrderId: "ud-comb" }, { signed: true });
    u.close();
  });

  test("more than 5 incoming messages per second disconnects", async () => {
    const c = await WsClient.open(`${sim.streamUrl}/ws`);
    const before = sim.admin.counters().floodDisconnects;
    for (let i = 0; i < 15; i++) c.send({ method: "LIST_SUBSCRIPTIONS", id: i });
    await c.waitClosed();
    expect(sim.admin.counters().floodDisconnects).toBe(before + 1);
  });

  test("listenKey user stream: executionReport and outboundAccountPosition, listenKeyExpired", async () => {
    const key = (await rest(sim, "POST", "/api/v3/userDataStream")).obj["listenKey"] as string;
    const c = await WsClient.open(`${sim.streamUrl}/ws/${key}`);
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
        newClientOrderId: "ud-1",
      },
      { signed: true },
    );
    expect(p.status).toBe(200);
    const er = await c.waitFor((m) => m["e"] === "executionReport", "executionReport");
    const fields = "e E s c S o f q p P F g C x X r i l z L n N T t I w m M O Z Y Q W V".split(" ");
    for (const f of fields) expect(er, `field ${f}`).toHaveProperty(f);
    expect(er["x"]).toBe("NEW");
    expect(er["X"]).toBe("NEW");
    expect(er["c"]).toBe("ud-1");
    expect(er["i"]).toBe(p.obj["orderId"] as number);
    const pos = await c.waitFor((m) => m["e"] === "outboundAccountPosition", "outboundAccountPosition");
    const usdt = (pos["B"] as Array<Record<string, string>>).find((b) => b["a"] === "USDT");
    expect(Number(usdt?.["l"])).toBeGreaterThan(0);
    await rest(sim, "DELETE", "/api/v3/order", { symbol: "BTCUSDT", origClientOrderId: "ud-1" }, { signed: true });
    const cx = await c.waitFor((m) => m["e"] === "executionReport" && m["x"] === "CANCELED", "CANCELED report");
    expect(cx["C"]).toBe("ud-1");
    expect(sim.admin.expireListenKey(key)).toBe(true);
    const exp = await c.waitFor((m) => m["e"] === "listenKeyExpired", "listenKeyExpired");
    expect(exp["listenKey"]).toBe(key);
    await c.waitClosed();
  });
});

describe("virtual clock", () => {
  test("a client syncing per §A.3 ends with exactly the core's book", async () => {
    const clock = new VirtualClock(Date.now());
    const sim = await startSim({ seed: SEED, symbols: ["BTCUSDT"], clock });
    try {
      clock.advance(2000);
      const c = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@depth@100ms`);
      const step = () => clock.advance(100);
      const first = await c.waitFor<Depth>(() => true, "first event", { onIdle: step });
      const snap = (await rest(sim, "GET", "/api/v3/depth", { symbol: "BTCUSDT", limit: 5000 })).obj as {
        lastUpdateId: number;
        bids: string[][];
        asks: string[][];
      };
      expect(snap.lastUpdateId).toBeGreaterThanOrEqual(first.U - 1);
      for (let i = 0; i < 20; i++) step();
      sim.exchange.pauseMarket(true);
      clock.advance(1000);
      const target = sim.exchange.depthSnapshot("BTCUSDT", 5000)?.lastUpdateId ?? -1;
      await c.waitFor<Depth>((m) => (m as unknown as Depth).u >= target, `event reaching u=${target}`);
      const bids = new Map(snap.bids.map(([p, q]) => [p as string, q as string]));
      const asks = new Map(snap.asks.map(([p, q]) => [p as string, q as string]));
      let localId = snap.lastUpdateId;
      let applied = 0;
      for (const m of c.messages as Depth[]) {
        if (m.u <= localId) continue;
        expect(m.U, `seed ${SEED}: gap`).toBeLessThanOrEqual(localId + 1);
        for (const [p, q] of m.b) q === "0.00000000" ? bids.delete(p as string) : bids.set(p as string, q as string);
        for (const [p, q] of m.a) q === "0.00000000" ? asks.delete(p as string) : asks.set(p as string, q as string);
        localId = m.u;
        applied++;
      }
      expect(applied).toBeGreaterThan(0);
      const truth = sim.exchange.depthSnapshot("BTCUSDT", 5000);
      const sym = sim.exchange.symbol("BTCUSDT");
      if (truth === undefined || sym === undefined) throw new Error("no book");
      expect(localId).toBe(truth.lastUpdateId);
      const fmt = (lv: ReadonlyArray<readonly [number, number]>) =>
        lv.map(([t, l]) => [sym.formatPrice(t), sym.formatQty(l)]);
      const sortDesc = [...bids.entries()].sort((x, y) => Number(y[0]) - Number(x[0]));
      const sortAsc = [...asks.entries()].sort((x, y) => Number(x[0]) - Number(y[0]));
      expect(sortDesc, `seed ${SEED}`).toEqual(fmt(truth.bids) as [string, string][]);
      expect(sortAsc, `seed ${SEED}`).toEqual(fmt(truth.asks) as [string, string][]);
      c.close();
    } finally {
      await sim.close();
    }
  });

  test("connection lifetime ends with serverShutdown (raw and combined)", async () => {
    const clock = new VirtualClock(Date.now());
    const sim = await startSim({ seed: SEED, symbols: ["BTCUSDT"], clock, agents: false, connectionLifetimeMs: 5000 });
    try {
      const raw = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@trade`);
      const comb = await WsClient.open(`${sim.streamUrl}/stream?streams=btcusdt@trade`);
      await Bun.sleep(50);
      clock.advance(5000);
      expect((await raw.waitFor((m) => m["e"] === "serverShutdown", "serverShutdown"))["E"]).toBeNumber();
      expect(
        (await comb.waitFor((m) => m["stream"] === "!serverShutdown", "wrapped serverShutdown"))["data"],
      ).toHaveProperty("e");
      await raw.waitClosed();
      await comb.waitClosed();
      expect(sim.admin.counters().lifetimeShutdowns).toBe(2);
    } finally {
      await sim.close();
    }
  });

  test("keepalive: a client that answers pings stays, one that never pongs is dropped after 60 s", async () => {
    const clock = new VirtualClock(Date.now());
    const sim = await startSim({ seed: SEED, symbols: ["BTCUSDT"], clock, agents: false });
    try {
      const good = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@trade`);
      const mute = await rawWebSocket(sim.port, "/ws/btcusdt@trade");
      await Bun.sleep(50);
      for (let i = 0; i < 5; i++) {
        clock.advance(20_000);
        await Bun.sleep(300);
      }
      expect(mute.pings).toBeGreaterThanOrEqual(3);
      expect(mute.closeFrame).toBe(true);
      expect(good.closed).toBe(false);
      expect(sim.admin.counters().pingTimeouts).toBe(1);
      mute.socket.destroy();
      good.close();
    } finally {
      await sim.close();
    }
  });
});
