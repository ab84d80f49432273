/**
 * Deterministic simulation of cross-venue market making: two simulator cores ("binance" quoted on,
 * "okx" hedged on) following one shared fair value, with different fees and latencies, each behind
 * a SimDirectAdapter, and the whole engine running cross_venue_mm on one seeded VirtualClock. The
 * quote venue sees the fair value 150 ms late and the hedge venue's taker fee is 2 bp, so quotes
 * priced off the hedge venue do get filled (with a 5 bp taker fee and no lag, fills are rare). Every
 * fill checks the net position across venues; every order sent is audited against the limits; every
 * hedge (a routed parent order) must end filled or unfilled with a reason and its fills must account
 * for the hedge venue's position; the engine's books must equal both simulators' accounts; and the
 * same seed must replay the same fills. Every assertion message carries the seed.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { type FillEvent, PARENT_UNFILLED_REASONS, type ParentUpdate } from "../src/execution/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { VirtualClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { DEFAULT_SYMBOLS, SharedFairValue, SimCore } from "../src/sim/index.ts";
import { type CrossVenueMm, STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import type { OrderRequest } from "../src/types/index.ts";
import { Side } from "../src/types/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { drive, flush, STEP_MS, toUnits } from "./support/virtual-time.ts";

const MAX_POSITION = 0.01; // strategy max_position = risk max_position_base, BTC
const MAX_ORDER = 0.01;
const MAX_NOTIONAL = 1000;
const BAND = 0.01;
const RATE = 20;
const OPEN = 20;

/** The engine's config; `hedge` overrides cross_venue_mm's hedge parameters. */
const configText = (hedge: { slippage: number; urgency: number }, keepWarmMs = 0): string => `
engine:
  client_id_prefix: xv1
  keep_warm_ms: ${keepWarmMs}
  shutdown_timeout_ms: 5000
venues:
  - name: binance
    type: sim
    symbols: [BTC-USDT]
    fees: { maker: 0, taker: 0.001 }
  - name: okx
    type: sim-okx
    symbols: [BTC-USDT]
    fees: { maker: 0.0001, taker: 0.0002 }
strategy:
  type: cross_venue_mm
  name: xmm
  parameters:
    quote_venue: binance
    min_profit: 0.00002
    order_size: 0.002
    max_position: ${MAX_POSITION}
    hedge_slippage: ${hedge.slippage}
    hedge_urgency: ${hedge.urgency}
    refresh_tolerance: 0.00005
    min_quote_life_ms: 50
risk:
  max_position_base: ${MAX_POSITION}
  max_position_notional: 2000
  max_order_base: ${MAX_ORDER}
  max_order_notional: ${MAX_NOTIONAL}
  max_total_notional: 4000
  price_band_bps: ${BAND * 10_000}
  max_orders_per_second: ${RATE}
  max_cancels_per_second: 40
  max_open_orders: ${OPEN}
  daily_loss_limit: 500
http:
  enabled: false
`;

/** Simulated minutes per run (HFT_XV_MINUTES overrides). */
const MINUTES = Number(process.env.HFT_XV_MINUTES ?? 0.75);
const VENUES = ["binance", "okx"] as const;

interface Venue {
  readonly core: SimCore;
  readonly adapter: SimDirectAdapter;
  readonly initial: Map<string, string>;
}

interface RunResult {
  readonly seed: string;
  readonly fills: string[];
  readonly fillHash: string;
  readonly violations: string[];
  readonly worstNetBase: number;
  readonly sent: Map<string, { venue: string; req: OrderRequest }>;
  readonly parents: Map<string, ParentUpdate>;
  readonly engine: Engine;
  readonly venues: Map<string, Venue>;
  readonly report: Awaited<ReturnType<Engine["stop"]>>;
  /** /metrics text at the end of the run. */
  readonly scrape: string;
}

const NORMAL = { slippage: 0.002, urgency: 1000 };

async function simulate(seed: string, minutes: number, hedge = NORMAL, keepWarmMs = 0): Promise<RunResult> {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const rng = new Rng(seed);
  const { config } = parseConfig(configText(hedge, keepWarmMs), "cross-venue-simulation.test.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const symbols = DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT");
  const shared = new SharedFairValue({ clock, seed, symbols });
  const spec = {
    binance: { fees: { maker: "0", taker: "0.001" }, md: 1, oe: 2, jitter: 1, lagMs: 150, noiseBps: 2 },
    okx: { fees: { maker: "0.0001", taker: "0.0002" }, md: 3, oe: 6, jitter: 3, lagMs: 0, noiseBps: 2 },
  } as const;
  const venues = new Map<string, Venue>();
  for (const name of VENUES) {
    const s = spec[name];
    const core = new SimCore({
      clock,
      seed: `${seed}-${name}`,
      symbols,
      speed: 1,
      fairValue: { shared, lagMs: s.lagMs, noiseBps: s.noiseBps },
    });
    const adapter = new SimDirectAdapter({
      name,
      core,
      clock,
      accountId: "engine",
      balances: { USDT: "100000", BTC: "1" },
      fees: s.fees,
      clientIdPrefix: config.engine.client_id_prefix,
      marketDataMs: s.md,
      orderEntryMs: s.oe,
      jitterMs: s.jitter,
      rng: rng.fork(`latency-${name}`),
    });
    const initial = new Map(
      (core.balances("engine") ?? []).map((b) => [b.asset, core.formatAsset(b.asset, b.freeUnits)]),
    );
    venues.set(name, { core, adapter, initial });
  }
  for (const v of venues.values()) v.core.start();
  const fills: string[] = [];
  const violations: string[] = [];
  const sent = new Map<string, { venue: string; req: OrderRequest }>();
  const sentTimes = new Map<string, number[]>();
  const parents = new Map<string, ParentUpdate>();
  let worstNet = 0;
  const netBase = (): number => {
    let net = 0;
    for (const [name, v] of venues) {
      const lots = engine.desk.registry.get(name, "BTC-USDT")?.position.lots ?? 0;
      net += v.adapter.instruments().get("BTC-USDT")?.qty.toNumber(lots) ?? 0;
    }
    return net;
  };
  const metrics = createEngineMetrics({ processMetrics: false });
  const engine: Engine = new Engine({
    config,
    clock,
    rng,
    metrics,
    adapters: [...venues.values()].map((v) => v.adapter),
    orders: { submitTimeoutMs: 2000, cancelTimeoutMs: 2000, statusRetryMs: 200 },
    onFill: (f: FillEvent) => {
      fills.push(
        `${clock.nowMs()} ${f.venue} ${f.side} ${f.lots}@${f.priceTicks} ${f.fee}${f.feeAsset} ${f.isMaker ? "m" : "t"}`,
      );
      // exact: the net position across venues right after every fill
      const net = Math.abs(netBase());
      if (net > worstNet) worstNet = net;
      if (net > MAX_POSITION + 1e-12) violations.push(`${clock.nowMs()}: net ${net} > ${MAX_POSITION} after a fill`);
    },
    onOrderSent: (venue, req) => {
      sent.set(req.clientId, { venue, req });
      // audit every order against the configured limits, independently of the risk gate
      const v = venues.get(venue);
      const info = v?.adapter.instruments().get(req.symbol);
      const book = v?.adapter.book(req.symbol);
      if (info === undefined || book === undefined) {
        violations.push(`${req.clientId}: unknown instrument ${venue} ${req.symbol}`);
        return;
      }
      const size = info.qty.toNumber(req.lots);
      const price = info.price.toNumber(req.priceTicks);
      if (size > MAX_ORDER + 1e-12) violations.push(`${req.clientId}: size ${size} > ${MAX_ORDER}`);
      if (size * price > MAX_NOTIONAL + 1e-6) violations.push(`${req.clientId}: notional ${size * price}`);
      const mid = info.price.toNumber(book.mid());
      if (Math.abs(price - mid) > mid * BAND + 1e-9)
        violations.push(`${req.clientId}: price ${price} outside the band of ${mid} on ${venue}`);
      const now = clock.nowMs();
      const times = sentTimes.get(venue) ?? [];
      sentTimes.set(venue, times);
      times.push(now);
      while ((times[0] as number) <= now - 1000) times.shift();
      if (times.length > RATE) violations.push(`${req.clientId}: ${times.length} orders in 1 s on ${venue}`);
      const open = engine.desk.registry.venues.get(venue)?.openOrders ?? 0;
      if (open > OPEN) violations.push(`${req.clientId}: ${open} open orders on ${venue}`);
      if (venue === "okx" && req.tif !== "IOC") violations.push(`${req.clientId}: a hedge child that is not IOC`);
    },
  });
  engine.desk.parents.onUpdate((u) => {
    parents.set(u.id, u);
    if (u.filledLots > u.lots || u.filledLots + u.inFlightLots > u.lots)
      violations.push(`${u.id}: over-allocated ${u.filledLots}+${u.inFlightLots} > ${u.lots}`);
  });
  await drive(clock, engine.start());
  const end = clock.nowMs() + minutes * 60_000;
  while (clock.nowMs() < end) {
    clock.advance(STEP_MS);
    await flush();
  }
  // stop quoting, then give working hedges time to finish before shutting down
  const st = engine.strategy as CrossVenueMm;
  st.stop();
  await drive(clock, new Promise<void>((r) => clock.setTimer(3000, r)));
  const report = await drive(clock, engine.stop("end of simulation"));
  for (const v of venues.values()) v.core.stop();
  await drive(clock, new Promise<void>((r) => clock.setTimer(500, r)));
  const fillHash = createHash("sha256").update(fills.join("\n")).digest("hex");
  const scrape = await metrics.scrape();
  return { seed, fills, fillHash, violations, worstNetBase: worstNet, sent, parents, engine, venues, report, scrape };
}

/** Every invariant of a run (see the file comment); messages carry the seed. */
function checkRun(r: RunResult): void {
  const seed = r.seed;
  const e = r.engine;
  const st = e.strategy as CrossVenueMm;
  const quoteFills = r.fills.filter((f) => f.split(" ")[1] === "binance").length;
  const hedgeFills = r.fills.filter((f) => f.split(" ")[1] === "okx").length;
  console.log(
    `seed ${seed}: ${quoteFills} quote fills, ${hedgeFills} hedge fills, ${r.parents.size} hedges, ` +
      `worst net ${r.worstNetBase}, ${r.sent.size} orders sent, risk ${JSON.stringify(e.desk.risk.stats.rejections)}, strategy ${JSON.stringify(st.stats)}, parents ${JSON.stringify(e.desk.parents.stats)}`,
  );
  expect(`${seed}: quote fills ${quoteFills > 3}, hedges ${r.parents.size > 3}`).toBe(
    `${seed}: quote fills true, hedges true`,
  );
  expect({ seed, violations: r.violations }).toEqual({ seed, violations: [] });
  expect(`${seed}: worst net ${r.worstNetBase} <= ${MAX_POSITION}: ${r.worstNetBase <= MAX_POSITION}`).toBe(
    `${seed}: worst net ${r.worstNetBase} <= ${MAX_POSITION}: true`,
  );
  expect({ seed, errors: e.counters.eventErrors, halted: e.desk.kill.isHalted() }).toEqual({
    seed,
    errors: 0,
    halted: false,
  });
  // every hedge ended: filled, or unfilled with a known reason
  const open: string[] = [];
  const badReason: string[] = [];
  for (const p of r.parents.values()) {
    if (p.status === "working") open.push(p.id);
    if (p.status === "unfilled" && !PARENT_UNFILLED_REASONS.includes(p.reason ?? "invalid"))
      badReason.push(`${p.id} ${p.reason}`);
    if (p.status === "filled" && p.filledLots !== p.lots) badReason.push(`${p.id} filled ${p.filledLots}/${p.lots}`);
  }
  expect({ seed, open, badReason }).toEqual({ seed, open: [], badReason: [] });
  // what an operator sees: /metrics and /api/status count the same parents as the strategy was told
  const outcomes = new Map<string, number>();
  for (const p of r.parents.values()) {
    const k = p.status === "filled" ? "filled" : (p.reason ?? "");
    outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
  }
  const scraped = new Map<string, number>();
  for (const m of r.scrape.matchAll(/^hft_parent_orders_total\{symbol="BTC-USDT",outcome="(\w+)"\} (\d+)$/gm))
    scraped.set(m[1] as string, Number(m[2]));
  expect({ seed, metrics: Object.fromEntries(scraped) }).toEqual({ seed, metrics: Object.fromEntries(outcomes) });
  const ps = e.status().parents;
  expect({ seed, submitted: ps.submitted, filled: ps.filled, working: ps.working.length }).toEqual({
    seed,
    submitted: r.parents.size,
    filled: outcomes.get("filled") ?? 0,
    working: 0,
  });
  // hedges account for the hedge venue exactly: its position is the sum of the parents' fills
  // (one venue, same grid as the common one), and the quote venue's position is the quote fills'
  const hedged = [...r.parents.values()].reduce((a, p) => a + (p.side === Side.Buy ? 1 : -1) * p.filledLots, 0);
  const okxLots = e.desk.registry.get("okx", "BTC-USDT")?.position.lots ?? 0;
  const binanceLots = e.desk.registry.get("binance", "BTC-USDT")?.position.lots ?? 0;
  expect({ seed, okx: okxLots }).toEqual({ seed, okx: hedged });
  const unhedged = [...r.parents.values()]
    .filter((p) => p.status === "unfilled")
    .reduce((a, p) => a + p.remainingLots, 0);
  // what is left unhedged is the net position, no more than the unfilled hedges left (re-hedges shrink it)
  const net = Math.abs(binanceLots + okxLots);
  expect(`${seed}: net ${net} <= unfilled remainders ${unhedged}: ${net <= unhedged}`).toBe(
    `${seed}: net ${net} <= unfilled remainders ${unhedged}: true`,
  );
  // shutdown left nothing open, locally or on either venue
  expect({ seed, ...r.report, durationMs: 0 }).toEqual({
    seed,
    reason: "end of simulation",
    openOrders: 0,
    inFlight: 0,
    venueOpenOrders: 0,
    durationMs: 0,
  });
  // money: the engine's balances equal each simulator's account, asset by asset
  for (const [name, v] of r.venues) {
    const final = new Map(
      (v.core.balances("engine") ?? []).map((b) => [b.asset, v.core.formatAsset(b.asset, b.freeUnits + b.lockedUnits)]),
    );
    const diffs = e.desk.balances.compare(
      name,
      [...final].map(([asset, total]) => ({ asset, free: total, locked: "0" })),
    );
    expect({ seed, name, diffs }).toEqual({ seed, name, diffs: [] });
    const pv = e.desk.positions.view(name, "BTC-USDT");
    const info = v.adapter.instruments().get("BTC-USDT");
    const fee = pv?.feesByAsset.get("BTC") ?? 0n;
    const delta = toUnits(final.get("BTC") ?? "0") - toUnits(v.initial.get("BTC") ?? "0") + fee;
    const lots = pv?.lots ?? 0;
    const lotsUnits = toUnits(info?.qty.format(Math.abs(lots)) ?? "0") * (lots < 0 ? -1n : 1n);
    expect(`${seed} ${name}: ${delta}`).toBe(`${seed} ${name}: ${lotsUnits}`);
  }
}

describe("deterministic simulation: cross-venue market making on two simulated venues", () => {
  const seed = process.env.HFT_XV_SEED ?? "xv-1";
  let first: RunResult | undefined;

  test("net position within max_position after every fill, hedges accounted for, books equal the venues'", async () => {
    const r = await simulate(seed, MINUTES);
    first = r;
    checkRun(r);
  }, 120_000);

  test("hedges with no slippage allowance run out at their limit: each is accounted for and re-hedged", async () => {
    const r = await simulate(`${seed}-tight`, MINUTES, { slippage: 0, urgency: 500 });
    checkRun(r);
    const st = r.engine.strategy as CrossVenueMm;
    const unfilled = [...r.parents.values()].filter((p) => p.status === "unfilled").length;
    expect(`${r.seed}: unfilled hedges ${unfilled > 0}, re-hedges ${st.stats.rehedges > 0}`).toBe(
      `${r.seed}: unfilled hedges true, re-hedges true`,
    );
  }, 120_000);

  test("the same seed gives the same fills, with the keep-warm rehearsal on as well", async () => {
    const a = first ?? (await simulate(seed, MINUTES));
    const b = await simulate(seed, MINUTES, NORMAL, 2); // a shadow cross_venue_mm rehearses every 2 ms
    expect(b.engine.keepWarm?.stats.rehearsals ?? 0, `seed ${seed}: rehearsals`).toBeGreaterThan(0);
    expect(b.engine.keepWarm?.stats.errors, `seed ${seed}`).toBe(0);
    expect({ seed, hash: b.fillHash, n: b.fills.length }).toEqual({ seed, hash: a.fillHash, n: a.fills.length });
  }, 120_000);
});
