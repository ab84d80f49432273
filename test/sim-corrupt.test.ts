/**
 * The frame-corruption knobs, observed on the wire with plain WebSocket clients: each armed frame goes
 * out as garbage, truncated JSON, a crossed book or a value out of range, exactly once, in the frame's
 * own envelope (or none, for garbage), and is counted; the frames around it are untouched. The market
 * stands still (no agents, virtual clock) and the test makes every book change itself.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { VirtualClock } from "../src/services/clock.ts";
import { GARBAGE_FRAME, OKX_SIM_ACCOUNT_ID, type RunningSim, startSim } from "../src/sim/index.ts";
import {
  OKX_SIM_OTHER_ACCOUNT,
  okxLoginPrehash,
  okxSign,
  type RunningOkxSim,
  startOkxSim,
} from "../src/sim/okx/index.ts";
import { rest, WsClient, wsApi } from "./sim-helpers.ts";
import { waitUntil } from "./support/wait.ts";

const SEED = "corrupt-binance";
const OTHER = { apiKey: "o".repeat(64), apiSecret: "other-secret", accountId: "corrupt-other" };

type Obj = Record<string, unknown>;

describe("Binance simulator: corrupted frames on the wire", () => {
  let sim: RunningSim;
  let clock: VirtualClock;
  let bidTicks = 5_999_000; // 59990.00: each change adds a bid one tick higher
  beforeAll(async () => {
    clock = new VirtualClock(Date.now());
    sim = await startSim({ seed: SEED, symbols: ["BTCUSDT"], clock, agents: false, accounts: [OTHER] });
    order(sim.accountId, "SELL", "60000.00");
    order(sim.accountId, "BUY", "59990.00");
    clock.advance(1000);
  });
  afterAll(async () => {
    await sim?.close();
  });

  function order(accountId: string, side: "BUY" | "SELL", price: string, tif: "GTC" | "IOC" = "GTC"): void {
    const r = sim.exchange.placeOrder({
      accountId,
      symbol: "BTCUSDT",
      side,
      type: "LIMIT",
      timeInForce: tif,
      price,
      quantity: "0.01",
    });
    if (!r.ok) throw new Error(`seed ${SEED}: order refused: ${JSON.stringify(r)}`);
  }

  /** A book change: a new best bid one tick up (a depth event, a bookTicker). */
  function newBestBid(): string {
    bidTicks++;
    const price = (bidTicks / 100).toFixed(2);
    order(sim.accountId, "BUY", price);
    return price;
  }

  /** The next raw frame on c after `from` (JSON or not), driving virtual time meanwhile. */
  async function nextRaw(c: WsClient, from: number, what: string): Promise<string> {
    await waitUntil(() => {
      if (c.raw.length > from) return true;
      clock.advance(100);
      return false;
    }, what);
    return c.raw[from] as string;
  }

  test("depth: garbage, truncated, out-of-range and crossed events, one each, counted", async () => {
    const c = await WsClient.open(`${sim.streamUrl}/stream?streams=btcusdt@depth@100ms`);
    const before = sim.admin.counters().corruptedMarketFrames;
    const cases: Array<[Parameters<RunningSim["admin"]["corruptMarketFrame"]>, (raw: string) => void]> = [
      [["BTCUSDT", "depth", "garbage"], (raw) => expect(raw).toBe(GARBAGE_FRAME)],
      [["BTCUSDT", "depth", "garbage", { text: "[1,2,3]" }], (raw) => expect(raw).toBe("[1,2,3]")],
      [
        ["BTCUSDT", "depth", "truncated"],
        (raw) => {
          expect(() => JSON.parse(raw)).toThrow();
          expect(raw.startsWith('{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate"')).toBe(true);
        },
      ],
      [["BTCUSDT", "depth", "negative"], (raw) => expect(depthData(raw).b[0]?.[0]).toMatch(/^-\d+\.\d+$/)],
      [["BTCUSDT", "depth", "huge", { field: "qty" }], (raw) => expect(depthData(raw).b[0]?.[1]).toMatch(/^9{24}\./)],
      [["BTCUSDT", "depth", "decimals"], (raw) => expect(depthData(raw).b[0]?.[0]).toMatch(/^\d+\.\d{15}$/)],
      [["BTCUSDT", "depth", "wrongType", { field: "qty" }], (raw) => expect(depthData(raw).b[0]?.[1]).toBe(0.01)],
      [
        ["BTCUSDT", "depth", "crossed"],
        (raw) => expect(depthData(raw).b).toContainEqual(["60000.00000000", "0.00001000"]),
      ],
    ];
    for (const [args, check] of cases) {
      sim.admin.corruptMarketFrame(...args);
      const from = c.raw.length;
      newBestBid();
      check(await nextRaw(c, from, `a corrupted depth event (${args[2]})`));
    }
    // the knob fired once per arming: the next event is clean
    const from = c.raw.length;
    newBestBid();
    const clean = depthData(await nextRaw(c, from, "a clean depth event"));
    expect(clean.b.length).toBeGreaterThan(0);
    expect(sim.admin.counters().corruptedMarketFrames - before, `seed ${SEED}`).toBe(cases.length);
    c.close();
  });

  test("bookTicker and trade frames: crossed and out-of-range values", async () => {
    const c = await WsClient.open(`${sim.streamUrl}/ws/btcusdt@bookTicker/btcusdt@trade`);
    sim.admin.corruptMarketFrame("BTCUSDT", "bookTicker", "crossed");
    let from = c.raw.length;
    newBestBid();
    const bt = JSON.parse(await nextRaw(c, from, "a crossed bookTicker")) as Obj;
    expect(Number(bt["b"])).toBeGreaterThan(Number(bt["a"]));
    sim.admin.corruptMarketFrame("BTCUSDT", "bookTicker", "negative", { field: "qty" });
    from = c.raw.length;
    newBestBid();
    expect((JSON.parse(await nextRaw(c, from, "a bookTicker")) as Obj)["B"]).toMatch(/^-/);
    expect(() => sim.admin.corruptMarketFrame("BTCUSDT", "trade", "crossed")).toThrow(/crossed does not apply/);
    sim.admin.corruptMarketFrame("BTCUSDT", "trade", "wrongType");
    from = c.raw.length;
    order(OTHER.accountId, "SELL", "59000.00", "IOC"); // hits our best bid: a trade (and a new top)
    await c.waitFor((m) => m["e"] === "trade", "a trade", { from, onIdle: () => clock.advance(100) });
    const trade = c.messages.slice(from).find((m) => (m as Obj)["e"] === "trade") as Obj;
    expect(typeof trade["p"]).toBe("number");
    c.close();
  });

  test("user data: a corrupted executionReport on the listenKey stream and the WS API subscription", async () => {
    const key = (await rest(sim, "POST", "/api/v3/userDataStream")).obj["listenKey"] as string;
    const user = await WsClient.open(`${sim.streamUrl}/ws/${key}`);
    const api = await WsClient.open(sim.wsApiUrl);
    const sub = await wsApi(api, sim, "userDataStream.subscribe.signature", {}, { signed: true });
    expect(sub["status"], JSON.stringify(sub)).toBe(200);
    const before = sim.admin.counters().corruptedUserFrames;
    sim.admin.corruptUserFrame("executionReport", "negative", { field: "qty" });
    let fromUser = user.raw.length;
    let fromApi = api.messages.length;
    newBestBid();
    const er = await user.waitFor((m) => m["e"] === "executionReport", "executionReport", { from: fromUser });
    expect(er["q"]).toBe("-0.01000000");
    const ev = await api.waitFor((m) => m["subscriptionId"] !== undefined, "subscription event", { from: fromApi });
    expect((ev["event"] as Obj)["q"]).toBe("-0.01000000");
    sim.admin.corruptUserFrame("executionReport", "garbage", { text: "not json at all" });
    fromUser = user.raw.length;
    fromApi = api.raw.length;
    newBestBid();
    await waitUntil(() => user.raw.slice(fromUser).includes("not json at all"), "garbage on the listenKey stream");
    await waitUntil(() => api.raw.slice(fromApi).includes("not json at all"), "garbage on the WS API");
    expect(sim.admin.counters().corruptedUserFrames - before, `seed ${SEED}`).toBe(2);
    user.close();
    api.close();
  });

  test("the admin port arms the knobs and refuses bad bodies naming the field", async () => {
    const call = async (fn: string, body: unknown) => {
      const r = await fetch(`${sim.adminUrl}/admin/${fn}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${sim.adminToken}` },
        body: JSON.stringify(body),
      });
      return { status: r.status, error: ((await r.json()) as { error?: string }).error ?? "" };
    };
    expect((await call("corruptMarketFrame", { symbol: "BTCUSDT", stream: "depth", kind: "truncated" })).status).toBe(
      200,
    );
    expect((await call("corruptUserFrame", { kind: "huge", field: "qty", n: 2 })).status).toBe(200);
    const bad: Array<[string, unknown, string]> = [
      ["corruptMarketFrame", { symbol: "BTCUSDT", stream: "depth", kind: "melted" }, "kind"],
      ["corruptMarketFrame", { symbol: "BTCUSDT", stream: "trade", kind: "crossed" }, "kind"],
      ["corruptMarketFrame", { symbol: "BTCUSDT", stream: "klines", kind: "garbage" }, "stream"],
      ["corruptMarketFrame", { symbol: "NOPE", stream: "depth", kind: "garbage" }, "NOPE"],
      ["corruptMarketFrame", { symbol: "BTCUSDT", stream: "depth", kind: "huge", field: "size" }, "field"],
      ["corruptMarketFrame", { symbol: "BTCUSDT", stream: "depth", kind: "huge", text: "x" }, "text"],
      ["corruptMarketFrame", { symbol: "BTCUSDT", stream: "depth", kind: "garbage", n: 0 }, "n"],
      ["corruptUserFrame", { kind: "crossed" }, "kind"],
      ["corruptUserFrame", { event: "balanceUpdate", kind: "garbage" }, "event"],
    ];
    for (const [fn, body, field] of bad) {
      const r = await call(fn, body);
      expect(r.status, `${fn} ${JSON.stringify(body)}`).toBe(400);
      expect(r.error).toContain(field);
    }
    sim.admin.clearFaults();
  });
});

describe("OKX simulator: corrupted pushes on the wire", () => {
  let sim: RunningOkxSim;
  let clock: VirtualClock;
  let bidTenths = 599_900; // 59990.0: each change adds a bid one tick (0.1) higher
  beforeAll(async () => {
    clock = new VirtualClock(Date.now());
    sim = await startOkxSim({ seed: "corrupt-okx", clock, agents: false });
    order(OKX_SIM_ACCOUNT_ID, "SELL", "60000");
    order(OKX_SIM_ACCOUNT_ID, "BUY", "59990");
    clock.advance(1000);
  });
  afterAll(async () => {
    await sim?.close();
  });

  function order(accountId: string, side: "BUY" | "SELL", price: string, tif: "GTC" | "IOC" = "GTC"): void {
    const r = sim.exchange.placeOrder({
      accountId,
      symbol: "BTCUSDT",
      side,
      type: "LIMIT",
      timeInForce: tif,
      price,
      quantity: "0.01",
    });
    if (!r.ok) throw new Error(`seed corrupt-okx: order refused: ${JSON.stringify(r)}`);
  }

  function newBestBid(): void {
    bidTenths++;
    order(OKX_SIM_ACCOUNT_ID, "BUY", (bidTenths / 10).toFixed(1));
  }

  /** The next raw push on c after `from` that is not a keepalive or an ack, driving virtual time. */
  async function nextPush(c: WsClient, from: number, what: string): Promise<string> {
    const isPush = (t: string) => !t.includes('"seqId":') || !/"asks":\[\],"bids":\[\]/.test(t);
    let found: string | undefined;
    await waitUntil(() => {
      found = c.raw.slice(from).find((t) => !t.startsWith('{"event"') && isPush(t));
      if (found !== undefined) return true;
      clock.advance(100);
      return false;
    }, what);
    return found as string;
  }

  async function publicWs(channel: string): Promise<WsClient> {
    const c = await WsClient.open(sim.wsPublicUrl);
    c.send({ op: "subscribe", args: [{ channel, instId: "BTC-USDT" }] });
    await c.waitFor((m) => m["event"] === "subscribe", `${channel} subscribed`);
    if (channel === "books") await c.waitFor((m) => m["action"] === "snapshot", "books snapshot");
    return c;
  }

  test("books: garbage, truncated, out-of-range and crossed updates, one each, counted", async () => {
    const c = await publicWs("books");
    const before = sim.admin.counters().corruptedMarketFrames;
    const row = (t: string) => (JSON.parse(t) as { data: Array<{ bids: unknown[][]; asks: unknown[][] }> }).data[0];
    const cases: Array<[Parameters<RunningOkxSim["admin"]["corruptMarketFrame"]>, (raw: string) => void]> = [
      [["BTC-USDT", "books", "garbage"], (raw) => expect(raw).toBe(GARBAGE_FRAME)],
      [["BTC-USDT", "books", "garbage", { text: "{}" }], (raw) => expect(raw).toBe("{}")],
      [["BTC-USDT", "books", "truncated"], (raw) => expect(() => JSON.parse(raw)).toThrow()],
      [["BTC-USDT", "books", "negative", { field: "qty" }], (raw) => expect(row(raw)?.bids[0]?.[1]).toBe("-0.01")],
      [["BTC-USDT", "books", "huge"], (raw) => expect(row(raw)?.bids[0]?.[0]).toMatch(/^9{24}\.\d$/)],
      [["BTC-USDT", "books", "decimals"], (raw) => expect(row(raw)?.bids[0]?.[0]).toMatch(/^\d+\.\d0000001$/)],
      [["BTC-USDT", "books", "wrongType"], (raw) => expect(typeof row(raw)?.bids[0]?.[0]).toBe("number")],
      [
        ["BTC-USDT", "books", "crossed"],
        (raw) => expect(row(raw)?.bids).toContainEqual(["60000", "0.00000001", "0", "1"]),
      ],
    ];
    for (const [args, check] of cases) {
      sim.admin.corruptMarketFrame(...args);
      const from = c.raw.length;
      newBestBid();
      check(await nextPush(c, from, `a corrupted books update (${args[2]})`));
    }
    const from = c.raw.length;
    newBestBid();
    expect(row(await nextPush(c, from, "a clean books update"))?.bids.length).toBeGreaterThan(0);
    expect(sim.admin.counters().corruptedMarketFrames - before, "seed corrupt-okx").toBe(cases.length);
    c.close();
  });

  test("bbo-tbt crossed, trades out of range, and an orders push with a corrupted fill", async () => {
    const bbo = await publicWs("bbo-tbt");
    sim.admin.corruptMarketFrame("BTC-USDT", "bbo-tbt", "crossed");
    let from = bbo.raw.length;
    newBestBid();
    const top = (JSON.parse(await nextPush(bbo, from, "a crossed bbo-tbt")) as { data: Array<Obj> }).data[0] ?? {};
    const px = (side: string) => Number((top[side] as string[][])[0]?.[0]);
    expect(px("bids")).toBeGreaterThan(px("asks"));
    expect(() => sim.admin.corruptMarketFrame("BTC-USDT", "trades", "crossed")).toThrow(/crossed does not apply/);
    const trades = await publicWs("trades");
    const priv = await WsClient.open(sim.wsPrivateUrl);
    const ts = String(Math.floor(clock.nowMs() / 1000));
    const sign = okxSign(sim.apiSecret, okxLoginPrehash(ts));
    priv.send({ op: "login", args: [{ apiKey: sim.apiKey, passphrase: sim.passphrase, timestamp: ts, sign }] });
    await priv.waitFor((m) => m["event"] === "login" && m["code"] === "0", "login");
    priv.send({ op: "subscribe", args: [{ channel: "orders", instType: "SPOT" }] });
    await priv.waitFor((m) => m["event"] === "subscribe", "orders subscribed");
    sim.admin.corruptMarketFrame("BTC-USDT", "trades", "huge", { field: "qty" });
    sim.admin.corruptUserFrame("decimals", { field: "qty" });
    from = trades.raw.length;
    const fromPriv = priv.raw.length;
    order(OKX_SIM_OTHER_ACCOUNT, "SELL", "59000", "IOC"); // fills our best bid
    const trade = (JSON.parse(await nextPush(trades, from, "a trade")) as { data: Array<Obj> }).data[0] ?? {};
    expect(trade["sz"]).toMatch(/^9{24}\.\d+$/);
    const push = (JSON.parse(await nextPush(priv, fromPriv, "an orders push")) as { data: Array<Obj> }).data[0] ?? {};
    expect(push["tradeId"]).not.toBe("");
    expect(push["fillSz"]).toBe("0.010000001");
    expect(sim.admin.counters().corruptedUserFrames).toBe(1);
    for (const c of [bbo, trades, priv]) c.close();
  });

  test("the admin port arms the knobs and refuses bad bodies naming the field", async () => {
    const call = async (fn: string, body: unknown) => {
      const r = await fetch(`${sim.adminUrl}/admin/${fn}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${sim.adminToken}` },
        body: JSON.stringify(body),
      });
      return { status: r.status, error: ((await r.json()) as { error?: string }).error ?? "" };
    };
    expect((await call("corruptMarketFrame", { instId: "BTC-USDT", channel: "books", kind: "crossed" })).status).toBe(
      200,
    );
    expect((await call("corruptUserFrame", { kind: "truncated" })).status).toBe(200);
    const bad: Array<[string, unknown, string]> = [
      ["corruptMarketFrame", { instId: "BTC-USDT", channel: "books", kind: "melted" }, "kind"],
      ["corruptMarketFrame", { instId: "BTC-USDT", channel: "trades", kind: "crossed" }, "kind"],
      ["corruptMarketFrame", { instId: "BTC-USDT", channel: "tickers", kind: "garbage" }, "channel"],
      ["corruptMarketFrame", { instId: "NOPE-USDT", channel: "books", kind: "garbage" }, "instId"],
      ["corruptUserFrame", { channel: "account", kind: "garbage" }, "channel"],
      ["corruptUserFrame", { kind: "crossed" }, "kind"],
    ];
    for (const [fn, body, field] of bad) {
      const r = await call(fn, body);
      expect(r.status, `${fn} ${JSON.stringify(body)}`).toBe(400);
      expect(r.error).toContain(field);
    }
    sim.admin.clearFaults();
  });
});

/** The data of a combined depth frame. */
function depthData(raw: string): { b: unknown[][]; a: unknown[][] } {
  return (JSON.parse(raw) as { data: { b: unknown[][]; a: unknown[][] } }).data;
}
