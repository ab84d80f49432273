/**
 * The living market and determinism: agents keep a realistic book and a steady trade flow over
 * simulated minutes on a VirtualClock, and the event-log hash is a pure function of seed + actions.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../services/index.ts";
import { SimCore } from "./index.ts";

/** Runs a core with agents and a fixed script of client actions; returns the hash and stats. */
function scripted(seed: string, clientQty = "0.01"): { hash: string; events: number; trades: number } {
  const clock = new VirtualClock();
  const core = new SimCore({ clock, seed, symbols: undefined, speed: 1 });
  core.createAccount("client", { USDT: "1000000", BTC: "10" });
  let trades = 0;
  core.addListener({ onTrade: () => trades++ });
  core.start();
  for (let s = 0; s < 30; s++) {
    clock.advance(1000);
    const top = core.bookTop("BTCUSDT");
    if (top === undefined) throw new Error("no book");
    const sym = core.symbol("BTCUSDT");
    const price = sym?.formatPrice(s % 2 === 0 ? top.bidTicks - 5 : top.askTicks + 5) ?? "";
    core.placeOrder({
      accountId: "client",
      symbol: "BTCUSDT",
      side: s % 2 === 0 ? "BUY" : "SELL",
      type: "LIMIT",
      timeInForce: "GTC",
      price,
      quantity: clientQty,
      clientOrderId: `c${s}`,
    });
    if (s % 5 === 4)
      core.placeOrder({ accountId: "client", symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.001" });
    if (s % 3 === 2) core.cancelOrder("client", "BTCUSDT", { clientOrderId: `c${s - 1}` });
  }
  core.stop();
  return { hash: core.eventLogHash(), events: core.eventCount(), trades };
}

describe("determinism", () => {
  test("same seed and same client actions give the same event-log hash", () => {
    const a = scripted("det-1");
    const b = scripted("det-1");
    expect(a.events, "seed det-1: events were emitted").toBeGreaterThan(1000);
    expect(a.trades, "seed det-1: trades happened").toBeGreaterThan(0);
    expect(b, "seed det-1: second run must replay exactly").toEqual(a);
  });

  test("a different seed or different client actions give a different hash", () => {
    const a = scripted("det-1");
    expect(scripted("det-2").hash, "seeds det-1 vs det-2").not.toBe(a.hash);
    expect(scripted("det-1", "0.02").hash, "seed det-1 with other client sizes").not.toBe(a.hash);
  });
});

describe("living market", () => {
  test("agents keep hundreds of levels, a spread of a few ticks and steady trades for 3 simulated minutes", () => {
    const seed = "market-1";
    const clock = new VirtualClock();
    const core = new SimCore({ clock, seed });
    const trades = new Map<string, number>();
    let depthEvents = 0;
    let lastU = new Map<string, number>();
    core.addListener({
      onTrade: (s) => trades.set(s.name, (trades.get(s.name) ?? 0) + 1),
      onBookLevel: () => depthEvents++,
      onBookUpdateEnd: (s, u) => {
        const prev = lastU.get(s.name) ?? 0;
        if (u !== prev + 1) throw new Error(`seed ${seed}: ${s.name} update id ${prev} → ${u}`);
        lastU.set(s.name, u);
      },
    });
    core.start();
    const spreads: number[] = [];
    for (let sec = 0; sec < 180; sec++) {
      clock.advance(1000);
      for (const sym of core.symbols()) {
        const snap = core.depthSnapshot(sym.name, 5000);
        const top = core.bookTop(sym.name);
        if (snap === undefined || top === undefined) throw new Error("missing symbol");
        expect(snap.bids.length, `seed ${seed} t=${sec}s ${sym.name} bid levels`).toBeGreaterThanOrEqual(200);
        expect(snap.asks.length, `seed ${seed} t=${sec}s ${sym.name} ask levels`).toBeGreaterThanOrEqual(200);
        expect(top.askTicks - top.bidTicks, `seed ${seed} t=${sec}s ${sym.name} crossed`).toBeGreaterThan(0);
        spreads.push(top.askTicks - top.bidTicks);
        const fv = core.fairValueTicks(sym.name) ?? 0;
        const mid = (top.askTicks + top.bidTicks) / 2;
        expect(Math.abs(mid - fv), `seed ${seed} t=${sec}s ${sym.name} mid far from fair value`).toBeLessThan(50);
      }
    }
    spreads.sort((a, b) => a - b);
    const median = spreads[Math.floor(spreads.length / 2)] as number;
    expect(median, `seed ${seed}: median spread in ticks`).toBeGreaterThanOrEqual(1);
    expect(median, `seed ${seed}: median spread in ticks`).toBeLessThanOrEqual(8);
    for (const sym of core.symbols()) {
      const n = trades.get(sym.name) ?? 0;
      expect(n / 180, `seed ${seed}: ${sym.name} trades per second`).toBeGreaterThan(2);
      expect(core.recentTrades(sym.name, 1000).length, `seed ${seed}: recent trades kept`).toBe(Math.min(1000, n));
    }
    expect(
      depthEvents / 180 / core.symbols().length,
      `seed ${seed}: depth events per second per symbol`,
    ).toBeGreaterThan(50);
    lastU = new Map();
  });

  test("pauseMarket freezes the agents; clients still trade against the resting book", () => {
    const clock = new VirtualClock();
    const core = new SimCore({ clock, seed: "pause", symbols: undefined });
    core.createAccount("c", { USDT: "100000" });
    let trades = 0;
    core.addListener({ onTrade: () => trades++ });
    core.start();
    clock.advance(5000);
    core.pauseMarket(true);
    expect(core.isMarketPaused()).toBe(true);
    const before = core.depthSnapshot("BTCUSDT", 5000);
    const fv = core.fairValueTicks("BTCUSDT");
    trades = 0;
    clock.advance(10_000);
    expect(trades, "seed pause: no agent trades while paused").toBe(0);
    expect(core.depthSnapshot("BTCUSDT", 5000)).toEqual(before);
    expect(core.fairValueTicks("BTCUSDT")).toBe(fv);
    const r = core.placeOrder({ accountId: "c", symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.001" });
    expect(r.ok && r.order.status).toBe("FILLED");
    core.pauseMarket(false);
    clock.advance(5000);
    expect(trades, "seed pause: trading resumes").toBeGreaterThan(1);
    core.stop();
    const after = core.eventCount();
    clock.advance(5000);
    expect(core.eventCount(), "seed pause: stop() stops the agents").toBe(after);
  });

  test("drift moves the fair value in its direction; the book follows", () => {
    const clock = new VirtualClock();
    const base = { symbol: "BTCUSDT", base: "BTC", quote: "USDT", tickSize: "0.01", stepSize: "0.00001" } as const;
    const spec = {
      ...base,
      minPrice: "0.01",
      maxPrice: "1000000",
      minQty: "0.00001",
      maxQty: "9000",
      minNotional: "5",
      maxNotional: "9000000",
      initialMid: "60000.00",
      volatility: 0,
      drift: 5,
      jumpsPerHour: 0,
    };
    const core = new SimCore({ clock, seed: "drift", symbols: [spec], speed: 10 });
    core.start();
    clock.advance(60_000);
    // +500 %/year for 600 s of market time: about +0.0095 %, i.e. ~570 ticks.
    const fv = core.fairValueTicks("BTCUSDT") ?? 0;
    expect(fv, "seed drift: fair value rose").toBeGreaterThan(6_000_000 + 450);
    const top = core.bookTop("BTCUSDT");
    expect(Math.abs((top?.bidTicks ?? 0) - fv), "seed drift: book follows").toBeLessThan(20);
  });

  test("speed scales agent activity", () => {
    const count = (speed: number): number => {
      const clock = new VirtualClock();
      const core = new SimCore({ clock, seed: "speed", speed, symbols: undefined });
      let n = 0;
      core.addListener({ onTrade: () => n++ });
      core.start();
      clock.advance(20_000);
      return n;
    };
    const slow = count(1);
    const fast = count(5);
    expect(fast, `seed speed: trades at speed 5 (${fast}) vs speed 1 (${slow})`).toBeGreaterThan(slow * 3);
  });
});
