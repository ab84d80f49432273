/** Bad input never crashes the simulator or corrupts its book: it is refused Binance-style and counted. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { VirtualClock } from "../src/services/clock.ts";
import { type RunningSim, startSim } from "../src/sim/index.ts";
import { rest, WsClient, wsApi } from "./sim-helpers.ts";

const SEED = "bad-input";
let sim: RunningSim;

beforeAll(async () => {
  sim = await startSim({ seed: SEED, symbols: ["BTCUSDT"] });
  await Bun.sleep(100);
});
afterAll(async () => {
  await sim.close();
});

test("REST: malformed encoding, duplicate parameters, oversized body", async () => {
  const bad = await fetch(`${sim.restUrl}/api/v3/depth?symbol=%ZZ`);
  expect(((await bad.json()) as Record<string, unknown>)["code"]).toBe(-1100);
  const dup = await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT&symbol=ETHUSDT`);
  expect(((await dup.json()) as Record<string, unknown>)["code"]).toBe(-1101);
  const before = sim.admin.counters().oversized;
  const big = await fetch(`${sim.restUrl}/api/v3/order`, {
    method: "POST",
    headers: { "X-MBX-APIKEY": sim.apiKey, "Content-Type": "application/x-www-form-urlencoded" },
    body: `symbol=${"A".repeat(1_100_000)}`,
  });
  expect(big.status).toBe(413);
  expect(sim.admin.counters().oversized).toBe(before + 1);
  expect(sim.admin.counters().badParams).toBeGreaterThanOrEqual(2);
});

test("WS API: non-object JSON, oversized message disconnects and is counted", async () => {
  const c = await WsClient.open(sim.wsApiUrl);
  c.send("[1,2,3]");
  const r = await c.waitFor((m) => m["status"] === 400, "refusal of an array");
  expect(r["id"]).toBeNull();
  c.send("42");
  await c.waitFor((m) => m["status"] === 400, "refusal of a number", { from: 1 });
  const before = sim.admin.counters().oversized;
  c.send(JSON.stringify({ id: 1, method: "ping", params: { pad: "x".repeat(1_100_000) } }));
  await c.waitClosed();
  for (let i = 0; i < 50 && sim.admin.counters().oversized === before; i++) await Bun.sleep(20);
  expect(sim.admin.counters().oversized).toBe(before + 1);
});

test("streams: binary garbage and wrong shapes get Binance error codes", async () => {
  const c = await WsClient.open(`${sim.streamUrl}/ws`);
  c.ws.send(new Uint8Array([0xff, 0x00, 0x13]));
  await c.waitFor((m) => m["code"] === 3, "invalid JSON error");
  c.send({ method: "SUBSCRIBE", params: "btcusdt@trade", id: 7 });
  expect((await c.waitFor((m) => m["id"] === 7, "bad params error"))["code"]).toBe(2);
  c.send({ method: "SUBSCRIBE", params: [], id: { x: 1 } });
  expect((await c.waitFor((m) => m["code"] === 2 && m["id"] === null, "bad id error"))["code"]).toBe(2);
  c.close();
});

test("a flood of junk leaves the simulator serving and the book uncrossed", async () => {
  const clients = await Promise.all([0, 1, 2].map(() => WsClient.open(sim.wsApiUrl)));
  const junk = [
    "{",
    "null",
    '{"method":1}',
    '{"id":"x","method":"order.place","params":{"symbol":5}}',
    '{"id":[],"method":"ping"}',
  ];
  for (let i = 0; i < 300; i++) clients[i % 3]?.send(junk[i % junk.length] as string);
  const streams = await WsClient.open(`${sim.streamUrl}/ws`);
  for (let i = 0; i < 20; i++) streams.send("garbage");
  await streams.waitClosed();
  await Promise.all(clients.map((c) => c.waitFor(() => c.messages.length >= 100, "100 refusals")));
  const top = sim.exchange.bookTop("BTCUSDT");
  expect(top?.bidTicks ?? 0, `seed ${SEED}`).toBeLessThan(top?.askTicks ?? 0);
  const snap = sim.exchange.depthSnapshot("BTCUSDT", 1000);
  const bids = snap?.bids.map(([t]) => t) ?? [];
  expect(bids).toEqual([...bids].sort((a, b) => b - a));
  expect((await wsApi(clients[0] as WsClient, sim, "ping"))["status"]).toBe(200);
  expect((await rest(sim, "GET", "/api/v3/ping")).status).toBe(200);
  const k = sim.admin.counters();
  expect(k.malformedJson).toBeGreaterThan(0);
  expect(k.floodDisconnects).toBeGreaterThan(0);
  expect(k.internalErrors).toBe(0);
  for (const c of clients) c.close();
});

test("determinism: same seed and same client actions → same event-log hash", async () => {
  const run = async (seed: string): Promise<string> => {
    const clock = new VirtualClock(1_780_000_000_000);
    const s = await startSim({ seed, symbols: ["BTCUSDT", "ETHUSDT"], clock });
    try {
      for (let i = 0; i < 10; i++) {
        clock.advance(250);
        const side = i % 2 === 0 ? "BUY" : "SELL";
        const r = await rest(
          s,
          "POST",
          "/api/v3/order",
          { symbol: "BTCUSDT", side, type: "MARKET", quantity: "0.002" },
          { signed: true },
        );
        expect(r.status, `seed ${seed}`).toBe(200);
      }
      clock.advance(1000);
      return s.exchange.eventLogHash();
    } finally {
      await s.close();
    }
  };
  const a = await run(SEED);
  const b = await run(SEED);
  const c = await run(`${SEED}-other`);
  expect(a, `seed ${SEED}`).toBe(b);
  expect(a).not.toBe(c);
});
