/**
 * Execution against the simulator's matching core through the sim-direct venue, in process on a
 * virtual clock: a small
 * market-making loop quotes through the desk while the simulator's agents trade against it. The
 * engine's balances must equal the simulator's accounts exactly (fees included), positions must
 * match the base traded, every order must end terminal, no limit may be broken, and the same seed
 * must give the same fills.
 */
import { describe, expect, test } from "bun:test";
import { Execution, type FillEvent, type RiskLimits } from "../src/execution/index.ts";
import { Rng, VirtualClock } from "../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { Side } from "../src/types/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { toUnits } from "./support/virtual-time.ts";

const ACCOUNT = "mm";

/** The in-process venue the engine's own simulations use (sim-direct), on this test's core. */
function coreVenue(core: SimCore, clock: VirtualClock): SimDirectAdapter {
  return new SimDirectAdapter({ name: "sim", core, clock, accountId: ACCOUNT, clientIdPrefix: "simmm" });
}

const LIMITS: RiskLimits = {
  defaults: { maxPositionBase: "1", maxPositionNotional: "20000", maxOrderBase: "1", maxOrderNotional: "2000" },
  perSymbol: { "BTC-USDT": { maxPositionBase: "0.01" }, "ETH-USDT": { maxPositionBase: "0.3" } },
  maxTotalNotional: "30000",
  priceBandBps: 200,
  maxOrdersPerSecond: 20,
  maxCancelsPerSecond: 20,
  maxOpenOrders: 40,
  dailyLossLimit: "5000",
};
const SIZE: Record<string, number> = { "BTC-USDT": 200, "ETH-USDT": 500 }; // 0.002 BTC, 0.05 ETH
const MAX_LOTS: Record<string, number> = { "BTC-USDT": 1000, "ETH-USDT": 3000 };

async function settle(clock: VirtualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 50) {
    clock.advance(50);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

async function simulate(seed: string, minutes: number) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const core = new SimCore({
    clock,
    seed,
    symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT" || s.symbol === "ETHUSDT"),
    speed: 4,
  });
  core.createAccount(ACCOUNT, { USDT: "100000", BTC: "1", ETH: "10" });
  const venue = coreVenue(core, clock);
  const fills: string[] = [];
  const errors: Error[] = [];
  const desk = new Execution({
    clock,
    rng: new Rng(seed),
    clientIdPrefix: "simmm",
    limits: LIMITS,
    onFill: (f: FillEvent) => fills.push(`${f.symbol}:${f.side}:${f.lots}@${f.priceTicks}:${f.fee}${f.feeAsset}`),
    onError: (e) => errors.push(e),
  });
  desk.addVenue(venue);
  venue.onEvent((ev) => desk.onVenueEvent(ev));
  await venue.connect();
  expect((await desk.startVenue("sim")).remaining).toBe(0);
  await desk.syncBalances("sim");
  const initialBase = new Map((await venue.balances()).map((b) => [b.asset, b.free]));
  core.start();
  desk.start();
  let worstLots = 0;
  const rng = new Rng(`${seed}/mm`);
  for (let t = 0; t < minutes * 60_000; t += 250) {
    for (const symbol of ["BTC-USDT", "ETH-USDT"]) {
      const top = core.bookTop(symbol.replace("-", ""));
      if (top === undefined || top.bidTicks === 0 || top.askTicks === 0) continue;
      desk.setBookHealth("sim", symbol, "live");
      desk.setTopOfBook("sim", symbol, top.bidTicks, top.askTicks);
      const pos = desk.registry.get("sim", symbol)?.position.lots ?? 0;
      const size = SIZE[symbol] ?? 1;
      const max = MAX_LOTS[symbol] ?? 0;
      const off = 1 + rng.int(3);
      desk.quote("sim", {
        symbol,
        // stop adding to a side at the strategy's own cap, well inside the gate's
        bids: pos + size <= max / 2 ? [{ priceTicks: top.bidTicks - off, lots: size }] : [],
        asks: pos - size >= -max / 2 ? [{ priceTicks: top.askTicks + off, lots: size }] : [],
      });
      worstLots = Math.max(worstLots, Math.abs(pos) / max);
    }
    await settle(clock, 250);
  }
  desk.cancelAll();
  core.stop();
  await settle(clock, 10_000);
  return { desk, venue, core, fills, errors, worstLots, initialBase };
}

describe("execution against the simulator core", () => {
  test("balances equal the simulator's, positions match base traded, every order terminal, limits kept", async () => {
    const seed = "exec-sim-1";
    const { desk, venue, fills, errors, worstLots, initialBase } = await simulate(seed, 8);
    expect(`${seed}: errors ${errors.map((e) => e.message).join("; ")}`).toBe(`${seed}: errors `);
    expect(fills.length).toBeGreaterThan(20);
    expect(await desk.compareBalances("sim")).toEqual([]);
    expect(worstLots).toBeLessThanOrEqual(1);
    expect(desk.oms.openOrderCount()).toBe(0);
    expect(desk.oms.inFlight()).toBe(0);
    expect((await venue.openOrders()).length).toBe(0);
    // position in lots = base received + base paid as fees − base at start
    const final = new Map((await venue.balances()).map((b) => [b.asset, b.free]));
    for (const [symbol, base, step] of [
      ["BTC-USDT", "BTC", 100_000],
      ["ETH-USDT", "ETH", 10_000],
    ] as const) {
      const v = desk.positions.view("sim", symbol);
      const fee = v?.feesByAsset.get(base) ?? 0n;
      const delta = toUnits(final.get(base) ?? "0") - toUnits(initialBase.get(base) ?? "0") + fee;
      expect(`${seed} ${symbol}: ${delta}`).toBe(
        `${seed} ${symbol}: ${(BigInt(v?.lots ?? 0) * 10n ** 18n) / BigInt(step)}`,
      );
    }
    expect(desk.risk.stats.rejections.max_position_base).toBe(0);
    expect(desk.kill.isHalted()).toBe(false);
  }, 120_000);

  test("a restart cancels what the crashed run left open, and nothing else", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const core = new SimCore({
      clock,
      seed: "restart",
      symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT"),
      agents: false,
    });
    core.createAccount(ACCOUNT, { USDT: "100000", BTC: "1" });
    const venue = coreVenue(core, clock);
    const start = async () => {
      const desk = new Execution({ clock, rng: new Rng("restart"), clientIdPrefix: "simmm", limits: LIMITS });
      desk.addVenue(venue);
      venue.onEvent((ev) => desk.onVenueEvent(ev));
      return desk;
    };
    const first = await start();
    await first.startVenue("sim");
    first.setBookHealth("sim", "BTC-USDT", "live");
    first.setTopOfBook("sim", "BTC-USDT", 5_999_000, 6_001_000);
    for (const p of [5_990_000, 5_980_000])
      expect(typeof first.submit("sim", "BTC-USDT", Side.Buy, p, 100)).toBe("object");
    expect(typeof first.submit("sim", "BTC-USDT", Side.Sell, 6_010_000, 100)).toBe("object");
    const manual = core.placeOrder({
      accountId: ACCOUNT,
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "59000.00",
      quantity: "0.001",
      clientOrderId: "manual-1",
    });
    expect(manual.ok).toBe(true);
    await settle(clock, 100);
    expect((await venue.openOrders(undefined, true)).length).toBe(4);
    // the first run dies without cleaning up; a new run starts a second later
    clock.advance(1000);
    const second = await start();
    expect(second.ids.runId).not.toBe(first.ids.runId);
    const report = await second.startVenue("sim");
    expect(report).toEqual({ venue: "sim", found: 3, canceled: 3, remaining: 0, foreign: 1 });
    expect((await venue.openOrders(undefined, true)).map((o) => o.clientId)).toEqual(["manual-1"]);
    expect(second.isReady("sim")).toBe(true);
  });

  test("the same seed gives the same fills", async () => {
    const a = await simulate("exec-sim-2", 3);
    const b = await simulate("exec-sim-2", 3);
    expect(a.fills.length).toBeGreaterThan(0);
    expect(b.fills).toEqual(a.fills);
  }, 120_000);
});
