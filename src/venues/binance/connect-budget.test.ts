/**
 * A Binance adapter started while the minute's request weight is spent (a crash loop, another process
 * on the same key or IP) against the simulator on a virtual clock shared with the adapter: connect()
 * waits for the next weight window instead of failing, close() ends that wait at once, and the order
 * path still refuses at once rather than queue a minute. Virtual time moves only when the test moves
 * it, so "at once" means: settled with the clock standing still.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { waitUntil, watch } from "../../../test/support/wait.ts";
import { createLogger, Rng, VirtualClock } from "../../services/index.ts";
import { type RunningSim, startSim } from "../../sim/index.ts";
import { type Lots, Side, type Ticks, VenueRejectError } from "../../types/index.ts";
import { type BinanceAdapter, createBinanceAdapter } from "./index.ts";

const SEED = "binance-connect-budget";
/** 30 s into a minute: the venue's weight window ends 30 s after the start. */
const START_MS = Date.UTC(2026, 0, 5, 12, 0, 30);
/** The simulator's weight limit per minute in these tests (the adapter uses 80% of it: 160). */
const LIMIT = 200;

let sim: RunningSim | undefined;
let adapter: BinanceAdapter | undefined;

afterEach(async () => {
  await adapter?.close();
  await sim?.close();
  adapter = undefined;
  sim = undefined;
});

/** A quiet simulator on the virtual clock whose minute weight is already `spent` (a multiple of 5). */
async function spentVenue(clock: VirtualClock, spent: number): Promise<RunningSim> {
  const s = await startSim({
    seed: SEED,
    symbols: ["BTCUSDT"],
    clock,
    agents: false,
    rateLimits: { requestWeightPerMinute: LIMIT },
  });
  sim = s;
  await spend(s, spent);
  return s;
}

/** Uses the venue's weight of this minute up to at least `upTo`, as another client on the same IP would. */
async function spend(s: RunningSim, upTo: number): Promise<void> {
  for (let used = 0; used < upTo; ) {
    const res = await fetch(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=100`); // weight 5
    if (!res.ok) throw new Error(`spending weight: HTTP ${res.status}`);
    used = Number(res.headers.get("x-mbx-used-weight-1m"));
  }
}

function binance(s: RunningSim, clock: VirtualClock, lines: string[], orderEntry: "wsapi" | "rest"): BinanceAdapter {
  const a = createBinanceAdapter({
    name: "bn_budget",
    apiKey: s.apiKey,
    apiSecret: s.apiSecret,
    restUrl: s.restUrl,
    streamUrl: s.streamUrl,
    wsApiUrl: s.wsApiUrl,
    symbols: ["BTC-USDT"],
    clientIdPrefix: "b1",
    clock,
    rng: new Rng(SEED),
    orderEntry,
    log: createLogger({ level: "warn", write: (line) => lines.push(line) }),
    // the clock moves only when a test moves it, by whole windows: no probe or subscribe deadline in between
    staleness: { suspectAfterMs: 60_000, probeTimeoutMs: 60_000 },
    timeouts: { subscribeMs: 300_000, firstEventWaitMs: 100 },
  });
  adapter = a;
  return a;
}

/** Virtual ms until the venue's weight window rolls over, plus the adapter's boundary margin and a little. */
function toNextWindow(clock: VirtualClock): number {
  return 60_000 - (clock.nowMs() % 60_000) + 300;
}

const waits = (a: BinanceAdapter): number => a.stats()["budget_offPathWaits"] ?? 0;

describe("Binance connect with the minute's weight spent", () => {
  test("connect() waits for the next window (logged once, counted), then an order is refused at once", async () => {
    const clock = new VirtualClock(START_MS);
    const s = await spentVenue(clock, 150); // the adapter's share is 160: time and exchangeInfo fit, no more
    const lines: string[] = [];
    const a = binance(s, clock, lines, "wsapi");
    const o = watch(a.connect());
    const ctx = (): string =>
      `seed ${SEED}; connect ${o.state} ${String(o.error ?? "")}; stats ${JSON.stringify(a.stats())}`;
    await waitUntil(() => waits(a) === 1 || o.state !== "pending", "connect to wait for budget", undefined, ctx);
    expect(o.state, ctx()).toBe("pending");
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("bn_budget: WS API connection waits");
    expect(lines[0]).toContain("for rate-limit budget (REQUEST_WEIGHT:60000 near its limit)");
    clock.advance(toNextWindow(clock) - 1000); // not yet: the window has not rolled
    await Bun.sleep(50);
    expect(o.state, ctx()).toBe("pending");
    clock.advance(1000);
    await waitUntil(() => o.state !== "pending", "connect to finish after the window rolled", undefined, ctx);
    expect(o.state, ctx()).toBe("settled");
    expect(a.instruments().has("BTC-USDT")).toBe(true);
    expect(waits(a)).toBe(1);
    expect(lines.length).toBe(1);
    expect(s.admin.counters().rateLimited).toBe(0); // the venue never had to refuse a request

    // the minute spent again (the venue's count, learned from the adapter's own answer): orders refuse at once
    await spend(s, 150);
    await a.balances(); // its X-MBX-USED-WEIGHT-1M header tells the adapter
    const order = watch(
      a.submitOrder({
        clientId: "b1-spent-1",
        symbol: "BTC-USDT",
        side: Side.Buy,
        type: "limit",
        tif: "GTC",
        priceTicks: 100 as Ticks,
        lots: 100 as Lots,
      }) as unknown as Promise<void>,
    );
    await waitUntil(
      () => order.state !== "pending",
      "the order to be refused with the clock standing still",
      undefined,
      ctx,
    );
    expect(order.error instanceof VenueRejectError && order.error.reason === "rate_limited", String(order.error)).toBe(
      true,
    );
    expect(String(order.error)).toContain("would wait");
    expect(waits(a)).toBe(1); // an order is not an off-path wait

    // a balance read is never on the order path: it waits for the next window like connect
    const balances = watch(a.balances().then(() => undefined));
    await waitUntil(
      () => waits(a) === 2 || balances.state !== "pending",
      "balances to wait for budget",
      undefined,
      ctx,
    );
    expect(balances.state, ctx()).toBe("pending");
    clock.advance(toNextWindow(clock));
    await waitUntil(() => balances.state !== "pending", "balances after the window rolled", undefined, ctx);
    expect(balances.state, ctx()).toBe("settled");
  }, 60_000);

  test("a venue 429 on exchangeInfo is waited out and connect() completes (REST order entry, listenKey)", async () => {
    const clock = new VirtualClock(START_MS);
    const s = await spentVenue(clock, 195); // exchangeInfo's 20 draws a 429 until the window rolls
    const lines: string[] = [];
    const a = binance(s, clock, lines, "rest");
    const o = watch(a.connect());
    const ctx = (): string =>
      `seed ${SEED}; connect ${o.state} ${String(o.error ?? "")}; stats ${JSON.stringify(a.stats())}`;
    await waitUntil(() => waits(a) === 1 || o.state !== "pending", "connect to wait out the 429", undefined, ctx);
    expect(o.state, ctx()).toBe("pending");
    expect(s.admin.counters().rateLimited).toBe(1);
    expect(lines[0]).toContain("connect: GET /api/v3/exchangeInfo waits");
    clock.advance(toNextWindow(clock));
    await waitUntil(() => o.state !== "pending", "connect to finish after the window rolled", undefined, ctx);
    expect(o.state, ctx()).toBe("settled");
    expect(s.admin.counters().rateLimited).toBe(1); // waited out, never sent into the block again
    expect(await a.openOrders("BTC-USDT")).toEqual([]);
  }, 60_000);

  test("close() during the wait ends connect() at once, with an error naming the wait", async () => {
    const clock = new VirtualClock(START_MS);
    const s = await spentVenue(clock, 150);
    const a = binance(s, clock, [], "rest");
    const o = watch(a.connect());
    const ctx = (): string =>
      `seed ${SEED}; connect ${o.state} ${String(o.error ?? "")}; stats ${JSON.stringify(a.stats())}`;
    await waitUntil(() => waits(a) === 1 || o.state !== "pending", "connect to wait for budget", undefined, ctx);
    expect(o.state, ctx()).toBe("pending");
    const sent = s.admin.counters().restRequests;
    await a.close();
    await waitUntil(() => o.state !== "pending", "connect to end with the clock standing still", undefined, ctx);
    expect(o.state).toBe("failed");
    expect(String(o.error)).toContain(
      "bn_budget: closed while connect: GET /api/v3/account waited for rate-limit budget; never sent",
    );
    expect(s.admin.counters().restRequests).toBe(sent);
  }, 60_000);

  test("a book's snapshot waits for the next window too, then the book goes live", async () => {
    const clock = new VirtualClock(START_MS);
    const s = await spentVenue(clock, 0);
    const lines: string[] = [];
    const a = binance(s, clock, lines, "wsapi");
    await a.connect();
    await spend(s, 100);
    await a.balances(); // the adapter learns the venue's count (120 of its 160): a snapshot's 50 does not fit
    const sub = watch(a.subscribeQuotes(["BTC-USDT"]));
    const ctx = (): string =>
      `seed ${SEED}; subscribe ${sub.state} ${String(sub.error ?? "")}; stats ${JSON.stringify(a.stats())}`;
    // the first-event wait (100 ms of virtual time) must pass before the snapshot is asked for
    await waitUntil(
      async () => {
        if (waits(a) === 0 && sub.state === "pending") clock.advance(20);
        await Bun.sleep(5);
        return waits(a) === 1 || sub.state !== "pending";
      },
      "the snapshot to wait for budget",
      undefined,
      ctx,
    );
    expect(sub.state, ctx()).toBe("pending");
    expect(lines.at(-1)).toContain("bn_budget: depth snapshot BTCUSDT waits");
    expect(a.bookHealth("BTC-USDT")).toBe("syncing");
    clock.advance(toNextWindow(clock));
    await waitUntil(() => sub.state !== "pending", "the book to go live after the window rolled", undefined, ctx);
    expect(sub.state, ctx()).toBe("settled");
    expect(a.bookHealth("BTC-USDT")).toBe("live");
    expect(a.stats()["md_snapshotErrors"]).toBe(0);
    expect(waits(a)).toBe(1);
  }, 60_000);
});
