/**
 * Deterministic simulation: the whole engine (config, strategy, execution, risk, positions) trading
 * against the simulator's matching core through the in-process sim-direct adapter, on a seeded
 * VirtualClock. Many simulated minutes run in seconds of wall time, and the same seed replays the
 * same run exactly; every assertion message carries the seed.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { Engine, parseConfig } from "../src/engine/index.ts";
import type { FillEvent } from "../src/execution/index.ts";
import { VirtualClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import type { OrderRequest } from "../src/types/index.ts";
import { Side } from "../src/types/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { drive, flush, STEP_MS, toUnits } from "./support/virtual-time.ts";

const CONFIG = `
engine:
  client_id_prefix: dst1
  shutdown_timeout_ms: 5000
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT, ETH-USDT]
simulator:
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters:
    spread: 0.00004
    max_position: 0.02
    min_profit: 0.00001
    order_size: 0.005
    levels: 2
    level_spacing: 0.0002
    inventory_skew: 0.0003
    refresh_tolerance: 0.0001
risk:
  max_position_base: 0.05
  max_position_notional: 10000
  max_order_base: 0.05
  max_order_notional: 5000
  max_total_notional: 20000
  price_band_bps: 100
  max_orders_per_second: 20
  max_cancels_per_second: 40
  max_open_orders: 20
  daily_loss_limit: 500
  symbols:
    ETH-USDT: { max_position_base: 0.5, max_order_base: 0.5 }
http:
  enabled: false
`;

/** Simulated minutes per run (HFT_SIM_MINUTES overrides). */
const MINUTES = Number(process.env.HFT_SIM_MINUTES ?? 10);
const MAX_POSITION = 0.02; // strategy.parameters.max_position, base units

interface RunResult {
  readonly seed: string;
  readonly fills: string[];
  readonly fillHash: string;
  readonly violations: string[];
  readonly worstPositionBase: number;
  readonly sent: Map<string, OrderRequest>;
  readonly engine: Engine;
  readonly adapter: SimDirectAdapter;
  readonly core: SimCore;
  readonly initial: Map<string, string>;
  readonly report: Awaited<ReturnType<Engine["stop"]>>;
}

async function simulate(seed: string, minutes: number): Promise<RunResult> {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const rng = new Rng(seed);
  const { config } = parseConfig(CONFIG, "simulation.test.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const core = new SimCore({
    clock,
    seed,
    symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT" || s.symbol === "ETHUSDT"),
    speed: 1,
  });
  const adapter = new SimDirectAdapter({
    name: "sim",
    core,
    clock,
    accountId: "engine",
    balances: { USDT: "100000", BTC: "1", ETH: "10" },
    fees: { maker: "0", taker: "0.001" },
    clientIdPrefix: config.engine.client_id_prefix,
    marketDataMs: 1,
    orderEntryMs: 2,
    jitterMs: 2,
    rng: rng.fork("latency"),
  });
  const initial = new Map(
    (core.balances("engine") ?? []).map((b) => [b.asset, core.formatAsset(b.asset, b.freeUnits)]),
  );
  core.start();
  const fills: string[] = [];
  const violations: string[] = [];
  const sent = new Map<string, OrderRequest>();
  const sentTimes: number[] = [];
  let worstAtFill = 0;
  const engine: Engine = new Engine({
    config,
    clock,
    rng,
    adapters: [adapter],
    orders: { submitTimeoutMs: 2000, cancelTimeoutMs: 2000, statusRetryMs: 200 },
    onFill: (f: FillEvent) => {
      fills.push(`${clock.nowMs()} ${f.symbol} ${f.side} ${f.lots}@${f.priceTicks} ${f.fee}${f.feeAsset} ${f.tradeId}`);
      // exact: the position right after every fill, not only at sampling steps
      const lots = engine.desk.registry.get("sim", f.symbol)?.position.lots ?? 0;
      const base = Math.abs(adapter.instruments().get(f.symbol)?.qty.toNumber(lots) ?? 0);
      if (base > worstAtFill) worstAtFill = base;
    },
    onOrderSent: (venue, req) => {
      sent.set(req.clientId, req);
      // audit every order against the configured limits, independently of the risk gate
      const info = adapter.instruments().get(req.symbol);
      const book = adapter.book(req.symbol);
      if (info === undefined || book === undefined) {
        violations.push(`${req.clientId}: unknown instrument ${venue} ${req.symbol}`);
        return;
      }
      const size = info.qty.toNumber(req.lots);
      const price = info.price.toNumber(req.priceTicks);
      const maxOrder = req.symbol === "ETH-USDT" ? 0.5 : 0.05;
      if (size > maxOrder + 1e-12) violations.push(`${req.clientId}: size ${size} > ${maxOrder}`);
      if (size * price > 5000 + 1e-6) violations.push(`${req.clientId}: notional ${size * price} > 5000`);
      const mid = info.price.toNumber(book.mid());
      if (Math.abs(price - mid) > mid * 0.01 + 1e-9)
        violations.push(`${req.clientId}: price ${price} outside band of ${mid}`);
      const now = clock.nowMs();
      sentTimes.push(now);
      while ((sentTimes[0] as number) <= now - 1000) sentTimes.shift();
      if (sentTimes.length > 20) violations.push(`${req.clientId}: ${sentTimes.length} orders in 1 s`);
      const open = engine.desk.oms.openOrderCount();
      if (open > 20) violations.push(`${req.clientId}: ${open} open orders`);
    },
  });
  await drive(clock, engine.start());
  let worst = 0;
  const end = clock.nowMs() + minutes * 60_000;
  while (clock.nowMs() < end) {
    clock.advance(STEP_MS);
    await flush();
    for (const symbol of ["BTC-USDT", "ETH-USDT"]) {
      const lots = engine.desk.registry.get("sim", symbol)?.position.lots ?? 0;
      const base = Math.abs(adapter.instruments().get(symbol)?.qty.toNumber(lots) ?? 0);
      if (base > worst) worst = base;
    }
  }
  const report = await drive(clock, engine.stop("end of simulation"));
  core.stop();
  await drive(clock, new Promise<void>((r) => clock.setTimer(500, r)));
  worst = Math.max(worst, worstAtFill);
  const fillHash = createHash("sha256").update(fills.join("\n")).digest("hex");
  return { seed, fills, fillHash, violations, worstPositionBase: worst, sent, engine, adapter, core, initial, report };
}

describe("deterministic simulation: engine + simulator core on a seeded virtual clock", () => {
  const seed = process.env.HFT_SIM_SEED ?? "dst-1";
  let first: RunResult | undefined;

  test("limits hold, every order ends terminal, and the engine's books equal the simulator's accounts", async () => {
    const r = await simulate(seed, MINUTES);
    first = r;
    const e = r.engine;
    expect(`${seed}: fills ${r.fills.length > 10}`).toBe(`${seed}: fills true`);
    expect(`${seed}: orders sent ${r.sent.size > 50}`).toBe(`${seed}: orders sent true`);
    expect(
      `${seed}: worst position ${r.worstPositionBase} <= ${MAX_POSITION}: ${r.worstPositionBase <= MAX_POSITION}`,
    ).toBe(`${seed}: worst position ${r.worstPositionBase} <= ${MAX_POSITION}: true`);
    expect({ seed, violations: r.violations }).toEqual({ seed, violations: [] });
    expect({ seed, errors: e.counters.eventErrors, halted: e.desk.kill.isHalted() }).toEqual({
      seed,
      errors: 0,
      halted: false,
    });
    // shutdown: nothing live locally or on the venue, every order sent ended terminal
    expect({ seed, ...r.report, durationMs: 0 }).toEqual({
      seed,
      reason: "end of simulation",
      openOrders: 0,
      inFlight: 0,
      venueOpenOrders: 0,
      durationMs: 0,
    });
    expect({ seed, venueOpen: r.core.openOrders("engine").length }).toEqual({ seed, venueOpen: 0 });
    const notTerminal: string[] = [];
    for (const id of r.sent.keys()) {
      const o = e.desk.oms.get(id);
      const v = r.core.getOrder("engine", r.sent.get(id)?.symbol.replace("-", "") ?? "", { clientOrderId: id });
      if (o !== undefined && !["filled", "canceled", "rejected", "expired"].includes(o.state))
        notTerminal.push(`${id} local ${o.state}`);
      if (v !== undefined && (v.status === "NEW" || v.status === "PARTIALLY_FILLED"))
        notTerminal.push(`${id} venue ${v.status}`);
    }
    expect({ seed, notTerminal }).toEqual({ seed, notTerminal: [] });
    // money: the engine's balances equal the simulator's account, asset by asset
    const final = new Map(
      (r.core.balances("engine") ?? []).map((b) => [b.asset, r.core.formatAsset(b.asset, b.freeUnits + b.lockedUnits)]),
    );
    const ours = e.desk.balances;
    const diffs = ours.compare(
      "sim",
      [...final].map(([asset, total]) => ({ asset, free: total, locked: "0" })),
    );
    expect({ seed, diffs }).toEqual({ seed, diffs: [] });
    // positions: lots traded = base received + base fees paid − base at the start
    for (const [symbol, base] of [
      ["BTC-USDT", "BTC"],
      ["ETH-USDT", "ETH"],
    ] as const) {
      const v = e.desk.positions.view("sim", symbol);
      const info = r.adapter.instruments().get(symbol);
      const fee = v?.feesByAsset.get(base) ?? 0n;
      const delta = toUnits(final.get(base) ?? "0") - toUnits(r.initial.get(base) ?? "0") + fee;
      const lotsUnits = toUnits(info?.qty.format(Math.abs(v?.lots ?? 0)) ?? "0") * ((v?.lots ?? 0) < 0 ? -1n : 1n);
      expect(`${seed} ${symbol}: ${delta}`).toBe(`${seed} ${symbol}: ${lotsUnits}`);
    }
    const buys = r.fills.filter((f) => f.split(" ")[2] === String(Side.Buy)).length;
    expect(`${seed}: both sides filled ${buys > 0 && buys < r.fills.length}`).toBe(`${seed}: both sides filled true`);
  }, 120_000);

  test("the same seed gives the same fills; another seed gives different ones", async () => {
    const a = first ?? (await simulate(seed, MINUTES));
    const b = await simulate(seed, MINUTES);
    console.log(`seed ${seed}: ${a.fills.length} fills, ${a.sent.size} orders in ${MINUTES} simulated minutes`);
    expect({ seed, hash: b.fillHash, n: b.fills.length }).toEqual({ seed, hash: a.fillHash, n: a.fills.length });
    const other = `${seed}-other`;
    const c = await simulate(other, 3);
    expect(`${seed} vs ${other}: ${c.fillHash === a.fillHash}`).toBe(`${seed} vs ${other}: false`);
  }, 180_000);
});
