/**
 * The OKX simulator's one-way latency model, observed on the wire: public pushes, private WS replies and
 * orders pushes, and trade REST responses arrive no earlier than their delay (virtual clock), and a
 * socket's frames keep their order (books seqId chain) on the wall clock too.
 */
import { expect, test } from "bun:test";
import { SystemClock, VirtualClock } from "../src/services/clock.ts";
import {
  okxLoginPrehash,
  okxRestPrehash,
  okxSign,
  type RunningOkxSim,
  type StartOkxSimOptions,
  startOkxSim,
} from "../src/sim/okx/index.ts";
import { WsClient } from "./sim-helpers.ts";

const SEED = "okx-latency";
type Frame = Record<string, unknown>;
type BooksData = { seqId: number; prevSeqId: number; ts: string };

/** Runs body against an OKX simulator on a virtual clock, closing it afterwards. */
async function withSim(
  opts: StartOkxSimOptions,
  body: (sim: RunningOkxSim, clock: VirtualClock) => Promise<void>,
): Promise<void> {
  const clock = new VirtualClock(Date.now());
  const sim = await startOkxSim({ seed: SEED, clock, adminPort: -1, booksKeepaliveMs: 0, ...opts });
  try {
    await body(sim, clock);
  } finally {
    await sim.close();
  }
}

/** Opens a socket that also notes the virtual time each frame arrived at. */
async function open(url: string, clock: VirtualClock): Promise<{ c: WsClient; at: number[] }> {
  const c = await WsClient.open(url);
  const at: number[] = [];
  c.ws.addEventListener("message", () => at.push(clock.nowMs()));
  return { c, at };
}

/** Gives the loopback sockets real time to deliver whatever is already sent. */
const settle = () => Bun.sleep(150);

/** Drives virtual time in small steps until p settles. */
async function drive<T>(p: Promise<T>, clock: VirtualClock, stepMs = 1): Promise<T> {
  let done = false;
  const q = p.finally(() => {
    done = true;
  });
  const end = Date.now() + 15_000;
  while (!done && Date.now() < end) {
    await Bun.sleep(10);
    if (!done) clock.advance(stepMs);
  }
  return q;
}

function loginFrame(sim: RunningOkxSim, clock: VirtualClock): Frame {
  const ts = String(Math.floor(clock.nowMs() / 1000));
  return {
    op: "login",
    args: [
      {
        apiKey: sim.apiKey,
        passphrase: sim.passphrase,
        timestamp: ts,
        sign: okxSign(sim.apiSecret, okxLoginPrehash(ts)),
      },
    ],
  };
}

test(
  "public pushes: subscribe ack and snapshot wait marketDataMs; every update arrives ≥ marketDataMs after its ts, chained",
  () =>
    withSim({ latency: { marketDataMs: 50 } }, async (sim, clock) => {
      const { c, at } = await open(sim.wsPublicUrl, clock);
      c.send({ op: "subscribe", args: [{ channel: "books", instId: "BTC-USDT" }] });
      await settle();
      expect(c.messages.length, `seed ${SEED}: nothing before the delay`).toBe(0);
      clock.advance(49);
      await settle();
      expect(c.messages.length, `seed ${SEED}: nothing 1 ms before the delay`).toBe(0);
      clock.advance(1);
      const snap = await c.waitFor((m) => m["action"] === "snapshot", "snapshot");
      expect((c.messages[0] as Frame)["event"], `seed ${SEED}: the ack keeps its place before the snapshot`).toBe(
        "subscribe",
      );
      let last = (snap["data"] as BooksData[])[0]?.seqId ?? -1;
      // Updates from the agents: each reaches the client no earlier than 50 ms after the venue stamped it, in order.
      let from = c.messages.indexOf(snap) + 1;
      for (let i = 0; i < 15; i++) {
        const upd = await c.waitFor((m) => m["action"] === "update", `update ${i}`, {
          from,
          onIdle: () => clock.advance(7),
        });
        const idx = c.messages.indexOf(upd);
        from = idx + 1;
        const d = (upd["data"] as BooksData[])[0];
        if (d === undefined) throw new Error(`seed ${SEED}: update without data`);
        expect(d.prevSeqId, `seed ${SEED}: update ${i} follows the one before (order kept)`).toBe(last);
        last = d.seqId;
        expect((at[idx] ?? 0) - Number(d.ts), `seed ${SEED}: update ${i} came early`).toBeGreaterThanOrEqual(50);
      }
      c.close();
    }),
  30_000,
);

test(
  "private WS: login reply waits orderEntryMs; an order op is answered after two one-way trips, its push too, in order",
  () =>
    withSim({ agents: false, latency: { orderEntryMs: 20, marketDataMs: 5 } }, async (sim, clock) => {
      const { c, at } = await open(sim.wsPrivateUrl, clock);
      c.send(loginFrame(sim, clock));
      await settle();
      expect(c.messages.length, `seed ${SEED}`).toBe(0);
      await c.waitFor((m) => m["event"] === "login", "login", { onIdle: () => clock.advance(20) });
      c.send({ op: "subscribe", args: [{ channel: "orders", instType: "SPOT" }] });
      await c.waitFor((m) => m["event"] === "subscribe", "orders subscribe", { onIdle: () => clock.advance(20) });
      const from = c.messages.length;
      const sentAt = clock.nowMs();
      const ids = ["o1", "o2", "o3", "o4"];
      for (const [i, id] of ids.entries()) {
        const px = String(1000 + i);
        c.send({
          id,
          op: "order",
          args: [
            { instId: "BTC-USDT", tdMode: "cash", side: "buy", ordType: "limit", px, sz: "0.01", clOrdId: `c${id}` },
          ],
        });
      }
      await settle(); // the requests reach the venue (virtual time stands still meanwhile)
      clock.advance(39);
      await settle();
      expect(c.messages.length - from, `seed ${SEED}: no reply before two one-way trips`).toBe(0);
      clock.advance(1);
      await c.waitFor((m) => m["id"] === "o4", "last reply");
      await c.waitFor(
        (m) => (m["data"] as Frame[] | undefined)?.[0]?.["clOrdId"] === "co4" && m["arg"] !== undefined,
        "last push",
      );
      const got = c.messages.slice(from) as Frame[];
      for (let i = from; i < c.messages.length; i++)
        expect((at[i] ?? 0) - sentAt, `seed ${SEED}: frame ${i} early`).toBeGreaterThanOrEqual(40);
      const replies = got.filter((m) => typeof m["id"] === "string").map((m) => m["id"]);
      expect(replies, `seed ${SEED}: replies in request order`).toEqual(ids);
      const pushes = got.filter((m) => m["arg"] !== undefined).map((m) => (m["data"] as Frame[])[0]?.["clOrdId"]);
      expect(pushes, `seed ${SEED}: pushes in placement order`).toEqual(ids.map((id) => `c${id}`));
      for (const r of got.filter((m) => typeof m["id"] === "string"))
        expect((r["data"] as Frame[])[0]?.["sCode"], `seed ${SEED}`).toBe("0");
      c.close();
    }),
  30_000,
);

test(
  "REST: /api/v5/trade/ answers after two one-way trips, public REST is not delayed",
  () =>
    withSim({ agents: false, latency: { orderEntryMs: 30 } }, async (sim, clock) => {
      const pub = await fetch(`${sim.restUrl}/api/v5/public/time`);
      expect(pub.status, `seed ${SEED}: public REST answers without the clock moving`).toBe(200);
      const path = "/api/v5/trade/order";
      const body = JSON.stringify({
        instId: "BTC-USDT",
        tdMode: "cash",
        side: "buy",
        ordType: "limit",
        px: "1000",
        sz: "0.01",
      });
      const ts = new Date(clock.nowMs()).toISOString();
      const start = clock.nowMs();
      let answered = false;
      const p = fetch(sim.restUrl + path, {
        method: "POST",
        headers: {
          "OK-ACCESS-KEY": sim.apiKey,
          "OK-ACCESS-PASSPHRASE": sim.passphrase,
          "OK-ACCESS-TIMESTAMP": ts,
          "OK-ACCESS-SIGN": okxSign(sim.apiSecret, okxRestPrehash(ts, "POST", path, body)),
          "content-type": "application/json",
        },
        body,
      }).then((r) => {
        answered = true;
        return r;
      });
      await settle();
      expect(answered, `seed ${SEED}`).toBe(false);
      const r = await drive(p, clock);
      expect(clock.nowMs() - start, `seed ${SEED}: answered early`).toBeGreaterThanOrEqual(60);
      expect(((await r.json()) as { code: string }).code, `seed ${SEED}`).toBe("0");
    }),
  30_000,
);

test("wall clock: with latency on, the public books chain stays unbroken (frames keep their order)", async () => {
  const sim = await startOkxSim({
    seed: SEED,
    clock: new SystemClock(),
    adminPort: -1,
    speed: 4,
    latency: { marketDataMs: 15 },
  });
  try {
    const c = await WsClient.open(sim.wsPublicUrl);
    c.send({ op: "subscribe", args: [{ channel: "books", instId: "BTC-USDT" }] });
    const snap = await c.waitFor((m) => m["action"] === "snapshot", "snapshot");
    let last = (snap["data"] as BooksData[])[0]?.seqId ?? -1;
    let from = c.messages.indexOf(snap) + 1;
    for (let i = 0; i < 30; i++) {
      const upd = await c.waitFor((m) => m["action"] === "update", `update ${i}`, { from });
      from = c.messages.indexOf(upd) + 1;
      const d = (upd["data"] as BooksData[])[0];
      if (d === undefined) throw new Error(`seed ${SEED}: update without data`);
      expect(d.prevSeqId, `seed ${SEED}: update ${i} out of order`).toBe(last);
      last = d.seqId;
    }
    c.close();
  } finally {
    await sim.close();
  }
}, 30_000);

test("bad latency values are refused naming the field", async () => {
  await expect(startOkxSim({ adminPort: -1, latency: { orderEntryMs: -1 } })).rejects.toThrow("latency.orderEntryMs");
  await expect(startOkxSim({ adminPort: -1, latency: { marketDataMs: Number.NaN } })).rejects.toThrow(
    "latency.marketDataMs",
  );
});
