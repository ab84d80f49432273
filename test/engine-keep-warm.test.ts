/**
 * The keep-warm rehearsal (engine.keep_warm_ms) runs the hot path between frames without trading:
 * on a virtual clock with the market frozen (no frames), it rehearses every live book many times,
 * hands the venue valid sample orders to encode, and in all that time sends no order or cancel,
 * uses no rate slot, moves no risk counter, and leaves the real strategy's quotes alone.
 */
import { describe, expect, test } from "bun:test";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { VirtualClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import type { OrderRequest } from "../src/types/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { drive, run } from "./support/virtual-time.ts";

const CONFIG = (keepWarmMs: number, busy = false) => `
engine:
  client_id_prefix: kw1
  keep_warm_ms: ${keepWarmMs}
  busy_poll: ${busy}
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT, ETH-USDT]
simulator:
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.00004, min_profit: 0.00001, max_position: 0.02, order_size: 0.005, levels: 2, level_spacing: 0.0002 }
risk:
  max_position_base: 0.05
  max_orders_per_second: 50
http:
  enabled: false
`;

/** The sim-direct adapter plus a rehearse() that records what it was asked to rehearse. */
class RehearsingAdapter extends SimDirectAdapter {
  readonly samples: (OrderRequest | undefined)[] = [];
  submits = 0;
  cancels = 0;
  rehearse(sample?: OrderRequest): void {
    this.samples.push(sample);
  }
  override submitOrder(order: OrderRequest): Promise<string> {
    this.submits++;
    return super.submitOrder(order);
  }
  override cancelOrder(symbol: string, clientId: string): Promise<void> {
    this.cancels++;
    return super.cancelOrder(symbol, clientId);
  }
}

function setup(seed: string, keepWarmMs: number, busy = false) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const core = new SimCore({
    clock,
    seed,
    symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT" || s.symbol === "ETHUSDT"),
  });
  const { config } = parseConfig(CONFIG(keepWarmMs, busy), "keep-warm.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const adapter = new RehearsingAdapter({
    name: "sim",
    core,
    clock,
    accountId: "engine",
    balances: { USDT: "100000", BTC: "1", ETH: "10" },
    fees: { maker: "0", taker: "0.001" },
    clientIdPrefix: "kw1",
    orderEntryMs: 1,
    marketDataMs: 1,
  });
  core.start();
  const engine = new Engine({ config, clock, rng: new Rng(seed), adapters: [adapter] });
  return { clock, core, adapter, engine };
}

describe("engine keep-warm rehearsal", () => {
  test("rehearses live books between frames and never trades, counts or re-quotes", async () => {
    const seed = "keep-warm-1";
    const { clock, core, adapter, engine } = setup(seed, 1);
    await drive(clock, engine.start());
    await run(clock, 1500); // quotes rest
    core.pauseMarket(true); // no more frames: only the rehearsal runs
    await run(clock, 1200); // in-flight acks settle and the 1 s rate windows empty
    const kw = engine.keepWarm;
    expect(kw === undefined ? `${seed}: keep-warm missing` : "ok").toBe("ok");
    if (kw === undefined) return;
    const before = {
      submits: adapter.submits,
      cancels: adapter.cancels,
      risk: JSON.stringify(engine.desk.risk.stats),
      headroom: engine.desk.risk.rateHeadroom("sim"),
      open: core.openOrders("engine").map((o) => o.clientOrderId),
      quotes: engine.strategy?.currentQuotes(),
      rehearsals: kw.stats.rehearsals,
      samples: adapter.samples.length,
    };
    await run(clock, 500);
    expect({
      seed,
      submits: adapter.submits,
      cancels: adapter.cancels,
      risk: JSON.stringify(engine.desk.risk.stats),
      headroom: engine.desk.risk.rateHeadroom("sim"),
      open: core.openOrders("engine").map((o) => o.clientOrderId),
    }).toEqual({
      seed,
      submits: before.submits,
      cancels: before.cancels,
      risk: before.risk,
      headroom: { orders: 1, cancels: 1 }, // full: nothing used a rate slot
      open: before.open,
    });
    // the real strategy's last quotes are the same objects: the shadow never fed it anything
    const after = engine.strategy?.currentQuotes() ?? [];
    expect(after.length, `seed ${seed}`).toBe(before.quotes?.length ?? -1);
    after.forEach((q, i) => {
      expect(q === before.quotes?.[i], `seed ${seed}: quote ${i} replaced`).toBe(true);
    });
    // 2 books x ~500 ticks, each rehearsed (with the market frozen no book is fresh)
    const rehearsed = kw.stats.rehearsals - before.rehearsals;
    expect(rehearsed, `seed ${seed}`).toBeGreaterThan(500);
    expect(kw.stats.errors, `seed ${seed}`).toBe(0);
    const samples = adapter.samples.slice(before.samples);
    expect(samples.length, `seed ${seed}`).toBeGreaterThanOrEqual(rehearsed);
    const real = samples.filter((s): s is OrderRequest => s !== undefined);
    expect(real.length, `seed ${seed}: samples carry orders`).toBeGreaterThan(0);
    for (const s of real) {
      expect(s.clientId, `seed ${seed}`).toBe("kw1-warm");
      expect(Number.isSafeInteger(s.lots) && s.lots > 0, `seed ${seed}: lots ${s.lots}`).toBe(true);
      expect(Number.isSafeInteger(s.priceTicks) && s.priceTicks > 0, `seed ${seed}: price ${s.priceTicks}`).toBe(true);
      expect(["BTC-USDT", "ETH-USDT"], `seed ${seed}`).toContain(s.symbol);
    }
    const report = await drive(clock, engine.stop());
    expect({ seed, open: report.openOrders, venue: report.venueOpenOrders }).toEqual({ seed, open: 0, venue: 0 });
    // stopped: no more rehearsals
    const n = kw.stats.rehearsals;
    await run(clock, 100);
    expect(kw.stats.rehearsals, `seed ${seed}`).toBe(n);
    core.stop();
  }, 60_000);

  test("the same seed trades the same with the rehearsal on and off", async () => {
    const seed = "keep-warm-same";
    const trace = async (keepWarmMs: number) => {
      const { clock, core, adapter, engine } = setup(seed, keepWarmMs);
      const sent: string[] = [];
      const orig = adapter.submitOrder.bind(adapter);
      adapter.submitOrder = (o: OrderRequest) => {
        sent.push(`${clock.nowMs()} ${o.clientId} ${o.symbol} ${o.side} ${o.priceTicks} ${o.lots}`);
        return orig(o);
      };
      await drive(clock, engine.start());
      await run(clock, 5000);
      const fills = engine.counters.fills;
      await drive(clock, engine.stop());
      core.stop();
      return { sent, fills, rehearsals: engine.keepWarm?.stats.rehearsals ?? 0 };
    };
    const off = await trace(0);
    const on = await trace(1);
    expect(on.rehearsals, `seed ${seed}`).toBeGreaterThan(0);
    expect(off.sent.length, `seed ${seed}: the run placed orders`).toBeGreaterThan(0);
    expect({ seed, sent: on.sent, fills: on.fills }).toEqual({ seed, sent: off.sent, fills: off.fills });
  }, 60_000);

  test("books that just had a frame are skipped; paused and halted engines do not rehearse", async () => {
    const seed = "keep-warm-2";
    const { clock, core, engine } = setup(seed, 5);
    await drive(clock, engine.start());
    await run(clock, 1000);
    const kw = engine.keepWarm;
    if (kw === undefined) throw new Error(`${seed}: keep-warm missing`);
    // with the market running, frames arrive every few ms: some ticks find fresh books
    expect(kw.stats.skippedFresh + kw.stats.rehearsals, `seed ${seed}`).toBeGreaterThan(0);
    engine.desk.halt("test halt");
    const n = kw.stats.rehearsals;
    await run(clock, 300);
    expect(kw.stats.rehearsals, `seed ${seed}: halted engine rehearsed`).toBe(n);
    await drive(clock, engine.stop());
    core.stop();
  }, 60_000);

  test("busy_poll rehearses back to back without trading, and stops with the engine", async () => {
    const seed = "keep-warm-busy";
    const { clock, core, adapter, engine } = setup(seed, 0, true);
    await drive(clock, engine.start());
    await run(clock, 1000);
    core.pauseMarket(true);
    await run(clock, 1200);
    const kw = engine.keepWarm;
    if (kw === undefined) throw new Error(`${seed}: keep-warm missing`);
    const submits = adapter.submits;
    const cancels = adapter.cancels;
    const risk = JSON.stringify(engine.desk.risk.stats);
    const before = kw.stats.rehearsals;
    // no virtual time passes here: the rehearsals come from the event loop spinning, not from timers
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(kw.stats.rehearsals - before, `seed ${seed}`).toBeGreaterThan(20);
    expect({
      seed,
      submits: adapter.submits,
      cancels: adapter.cancels,
      risk: JSON.stringify(engine.desk.risk.stats),
    }).toEqual({
      seed,
      submits,
      cancels,
      risk,
    });
    await drive(clock, engine.stop());
    const n = kw.stats.rehearsals;
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(kw.stats.rehearsals, `seed ${seed}: still spinning after stop`).toBe(n);
    core.stop();
  }, 60_000);

  test("keep_warm_ms 0 (the default) builds no rehearsal", async () => {
    const { clock, core, engine } = setup("keep-warm-off", 0);
    await drive(clock, engine.start());
    expect(engine.keepWarm).toBeUndefined();
    await drive(clock, engine.stop());
    core.stop();
  }, 60_000);
});
