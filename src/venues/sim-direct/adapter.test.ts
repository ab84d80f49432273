import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../../sim/index.ts";
import {
  type Lots,
  type OrderRequest,
  type OrderUpdate,
  Side,
  type Ticks,
  type VenueEvent,
  VenueRejectError,
} from "../../types/index.ts";
import type { CancelReplies, OrderReplies } from "../contract.ts";
import { SimDirectAdapter } from "./index.ts";

function setup(seed: string, latency = 0) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const core = new SimCore({ clock, seed, symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT") });
  const adapter = new SimDirectAdapter({
    name: "simd",
    core,
    clock,
    accountId: "eng",
    balances: { USDT: "100000", BTC: "2" },
    clientIdPrefix: "t1",
    marketDataMs: latency,
    orderEntryMs: latency,
  });
  const events: VenueEvent[] = [];
  const updates: OrderUpdate[] = [];
  adapter.onEvent((ev) => {
    if (ev.type === "order") updates.push(ev.update);
    else if (ev.type !== "book") events.push(ev);
  });
  return { clock, core, adapter, events, updates };
}

async function run(clock: VirtualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    clock.advance(10);
    for (let i = 0; i < 4; i++) await Promise.resolve();
  }
}

describe("sim-direct adapter", () => {
  for (const latency of [0, 3]) {
    test(`its C book equals the core's book after every delivered update (latency ${latency} ms)`, async () => {
      const seed = `book-${latency}`;
      const { clock, core, adapter } = setup(seed, latency);
      core.start();
      await adapter.connect();
      const subscribed = adapter.subscribeQuotes(["BTC-USDT"]);
      await run(clock, 20);
      await subscribed;
      let checked = 0;
      let mismatches = 0;
      adapter.onEvent((ev) => {
        if (ev.type !== "book") return;
        // compare only when no newer core update is still in flight to the adapter
        if (latency !== 0) return;
        const snap = core.depthSnapshot("BTCUSDT", 5000);
        if (snap === undefined || snap.lastUpdateId !== ev.seq) return;
        checked++;
        const top = snap.bids[0];
        const bottom = snap.asks[0];
        if (ev.book.bestBidTicks() !== (top?.[0] ?? -1) || ev.book.bestAskTicks() !== (bottom?.[0] ?? -1)) mismatches++;
        if (ev.book.levelCount(Side.Buy) !== snap.bids.length) mismatches++;
      });
      await run(clock, 20_000);
      core.stop();
      await run(clock, 100);
      const snap = core.depthSnapshot("BTCUSDT", 5000);
      const book = adapter.book("BTC-USDT");
      expect(`${seed}: ${adapter.bookHealth("BTC-USDT")}`).toBe(`${seed}: live`);
      expect(book?.levelCount(Side.Buy)).toBe(snap?.bids.length ?? -1);
      expect(book?.levelCount(Side.Sell)).toBe(snap?.asks.length ?? -1);
      const ticks = new Float64Array(5000);
      const lots = new Float64Array(5000);
      const n = book?.topLevels(Side.Sell, 5000, ticks, lots) ?? 0;
      expect(Array.from(ticks.subarray(0, n))).toEqual(snap?.asks.map((l) => l[0]) ?? []);
      expect(Array.from(lots.subarray(0, n))).toEqual(snap?.asks.map((l) => l[1]) ?? []);
      if (latency === 0) expect(checked).toBeGreaterThan(10);
      expect(`${seed}: mismatches ${mismatches}`).toBe(`${seed}: mismatches 0`);
      await adapter.close();
    });
  }

  test("orders: ack and cancel events; typed refusals; prefix-scoped cancelAll and openOrders", async () => {
    const { clock, core, adapter, updates } = setup("orders", 2);
    await adapter.connect();
    core.start();
    const subscribed = adapter.subscribeQuotes(["BTC-USDT"]);
    await run(clock, 100);
    await subscribed;
    const top = core.bookTop("BTCUSDT");
    if (top === undefined) throw new Error("no top of book");
    const p = adapter.submitOrder({
      clientId: "t1-a-1",
      symbol: "BTC-USDT",
      side: Side.Buy,
      type: "limit",
      tif: "GTC",
      priceTicks: (top.bidTicks - 100) as Ticks,
      lots: 100 as Lots,
    });
    await run(clock, 10);
    expect(typeof (await p)).toBe("string");
    const foreign = core.placeOrder({
      accountId: "eng",
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      price: core.symbol("BTCUSDT")?.formatPrice(top.bidTicks - 200) ?? "",
      quantity: "0.001",
      clientOrderId: "other-1",
    });
    expect(foreign.ok).toBe(true);
    await run(clock, 10);
    expect((await Promise.all([adapter.openOrders(), run(clock, 10)]))[0].map((o) => o.clientId)).toEqual(["t1-a-1"]);
    const allP = adapter.openOrders(undefined, true);
    await run(clock, 10);
    expect((await allP).length).toBe(2);
    const taker = adapter.submitOrder({
      clientId: "t1-a-2",
      symbol: "BTC-USDT",
      side: Side.Buy,
      type: "limit_maker",
      tif: "GTC",
      priceTicks: (top.askTicks + 10) as Ticks,
      lots: 100 as Lots,
    });
    await run(clock, 10);
    const err = await taker.catch((e: unknown) => e);
    expect(err instanceof VenueRejectError && err.reason === "would_take").toBe(true);
    const cancelled = adapter.cancelAll("BTC-USDT");
    await run(clock, 10);
    expect(await cancelled).toBe(1);
    const unknown = adapter.cancelOrder("BTC-USDT", "t1-a-1");
    await run(clock, 10);
    const cerr = await unknown.catch((e: unknown) => e);
    expect(cerr instanceof VenueRejectError && cerr.reason === "unknown_order").toBe(true);
    expect(updates.filter((u) => u.clientId === "t1-a-1").map((u) => u.exec)).toEqual(["ack", "canceled"]);
    const st = adapter.orderStatus("BTC-USDT", "t1-a-1");
    await run(clock, 10);
    expect((await st)?.status).toBe("canceled");
    await adapter.close();
  });

  for (const latency of [0, 2]) {
    test(`placeOrder and requestCancel answer in the order asked, each once, never inside the call (latency ${latency} ms)`, async () => {
      const { clock, core, adapter, updates } = setup(`replies-${latency}`, latency);
      await adapter.connect();
      core.start();
      const subscribed = adapter.subscribeQuotes(["BTC-USDT"]);
      await run(clock, 100);
      await subscribed;
      const top = core.bookTop("BTCUSDT");
      if (top === undefined) throw new Error("no top of book");
      const order = (clientId: string, lots = 100): OrderRequest => ({
        clientId,
        symbol: "BTC-USDT",
        side: Side.Buy,
        type: "limit",
        tif: "GTC",
        priceTicks: (top.bidTicks - 100) as Ticks,
        lots: lots as Lots,
      });
      const answers: string[] = [];
      const late = order("t1-r-late");
      const replies: OrderReplies & CancelReplies = {
        accepted: (o) => answers.push(`accepted ${o.clientId}`),
        failed: (o, e) => answers.push(`failed ${o.clientId} ${e instanceof VenueRejectError ? e.reason : String(e)}`),
        cancelAccepted: (o) => {
          answers.push(`cancelAccepted ${o.clientId}`);
          // a request made while answering is answered later, not inside this answer
          if (o.clientId === "t1-r-1") {
            adapter.requestCancel(late, replies);
            answers.push("asked late");
          }
        },
        cancelFailed: (o, e) =>
          answers.push(`cancelFailed ${o.clientId} ${e instanceof VenueRejectError ? e.reason : String(e)}`),
      };
      const a = order("t1-r-1");
      adapter.placeOrder(a, replies);
      adapter.placeOrder(order("t1-r-2", 0), replies);
      if (latency > 0) await run(clock, 10); // the delayed path: the order reaches the core first
      adapter.requestCancel(a, replies);
      adapter.requestCancel(order("t1-r-3"), replies);
      if (latency === 0) expect(answers).toEqual([]);
      await run(clock, 20);
      expect(answers[0]).toBe("accepted t1-r-1");
      expect(answers.slice(1)).toEqual([
        expect.stringMatching(/^failed t1-r-2 /) as unknown as string,
        "cancelAccepted t1-r-1",
        "asked late",
        "cancelFailed t1-r-3 unknown_order",
        "cancelFailed t1-r-late unknown_order",
      ]);
      expect(updates.filter((u) => u.clientId === "t1-r-1").map((u) => u.exec)).toEqual(["ack", "canceled"]);
      await adapter.close();
    });
  }

  test("orders placed and cancelled from inside the book handler (as the engine does) keep its book equal to the core's", async () => {
    const { clock, core, adapter } = setup("reentrant", 0);
    core.start();
    await adapter.connect();
    const subscribed = adapter.subscribeQuotes(["BTC-USDT"]);
    await run(clock, 20);
    await subscribed;
    let n = 0;
    const ignore: OrderReplies & CancelReplies = {
      accepted: () => {},
      failed: () => {},
      cancelAccepted: () => {},
      cancelFailed: () => {},
    };
    const resting: OrderRequest[] = [];
    adapter.onEvent((ev) => {
      // our own orders raise book events too: a bounded number keeps the chain finite
      if (ev.type !== "book" || ev.snapshot || n >= 300) return;
      const bid = ev.book.bestBidTicks();
      const ask = ev.book.bestAskTicks();
      if (bid <= 0 || ask <= 0) return;
      // each book event rests an order inside the spread's neighbourhood and withdraws an older one:
      // both change the core's book while the adapter is still delivering the update that caused them
      const side = n % 2 === 0 ? Side.Buy : Side.Sell;
      const o: OrderRequest = {
        clientId: `t1-re-${++n}`,
        symbol: "BTC-USDT",
        side,
        type: "limit_maker",
        tif: "GTC",
        priceTicks: (side === Side.Buy ? bid - (n % 3) : ask + (n % 3)) as Ticks,
        lots: 100 as Lots,
      };
      adapter.placeOrder(o, ignore);
      resting.push(o);
      if (resting.length > 4) adapter.requestCancel(resting.shift() as OrderRequest, ignore);
    });
    await run(clock, 5_000);
    core.stop();
    await run(clock, 100);
    expect(n).toBeGreaterThan(50);
    const snap = core.depthSnapshot("BTCUSDT", 5000);
    const book = adapter.book("BTC-USDT");
    expect(adapter.bookHealth("BTC-USDT")).toBe("live");
    for (const [side, levels] of [
      [Side.Buy, snap?.bids ?? []],
      [Side.Sell, snap?.asks ?? []],
    ] as const) {
      const ticks = new Float64Array(5000);
      const lots = new Float64Array(5000);
      const k = book?.topLevels(side, 5000, ticks, lots) ?? 0;
      expect(Array.from(ticks.subarray(0, k))).toEqual(levels.map((l) => l[0]));
      expect(Array.from(lots.subarray(0, k))).toEqual(levels.map((l) => l[1]));
    }
    await adapter.close();
  });

  test("tickToCore: one sample per book event whose handler places an order, from its recvNs to the core; none outside one", async () => {
    const { clock, core, adapter } = setup("tick-to-core");
    core.start();
    await adapter.connect();
    const subscribed = adapter.subscribeQuotes(["BTC-USDT"]);
    await run(clock, 20);
    await subscribed;
    const ignore: OrderReplies = { accepted: () => {}, failed: () => {} };
    let n = 0;
    let placed = 0;
    let booksWithOrders = 0;
    adapter.onEvent((ev) => {
      if (ev.type !== "book" || n >= 6) return;
      n++;
      const bid = adapter.book("BTC-USDT")?.bestBidTicks() ?? 0;
      if (bid <= 200) return;
      booksWithOrders++;
      for (
        let k = 0;
        k < 2;
        k++ // two orders of one event: one sample (its first order)
      )
        adapter.placeOrder(
          {
            clientId: `t1-tc-${++placed}`,
            symbol: "BTC-USDT",
            side: Side.Buy,
            type: "limit",
            tif: "GTC",
            priceTicks: (bid - 200) as Ticks,
            lots: 100 as Lots,
          },
          ignore,
        );
    });
    await run(clock, 200);
    expect(booksWithOrders).toBeGreaterThan(0);
    expect(adapter.tickToCore.count).toBe(booksWithOrders);
    for (const ns of adapter.tickToCore.sorted()) expect(ns).toBeGreaterThanOrEqual(0);
    adapter.placeOrder(
      {
        clientId: "t1-tc-out",
        symbol: "BTC-USDT",
        side: Side.Buy,
        type: "limit",
        tif: "GTC",
        priceTicks: 1 as Ticks,
        lots: 100 as Lots,
      },
      ignore,
    );
    expect(adapter.tickToCore.count).toBe(booksWithOrders); // not caused by a book event
  });
});
