/**
 * A strategy file is trusted code, but what it emits is not trusted: a hostile strategy, loaded from
 * its file like any user's, runs the whole engine on two simulated venues (it trades only `sim`; `sim2`
 * is the engine's other venue). Whatever it does (absurd sizes, prices through the book and far beyond
 * the band, thousands of intents per event, intents for instruments it was not given), every order that
 * reaches a venue is within every risk limit and the venue's order rate stays within the budget,
 * audited independently of the risk gate. When it throws, or is repeatedly over its time budget, the
 * engine halts it and cancels its orders, logs why with the stack, counts it, shows it in /api/status
 * and /metrics, and keeps running: its HTTP API answers and the other venue's books stay live.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Config, parseConfig } from "../src/engine/index.ts";
import { createLogger } from "../src/services/index.ts";
import { type EngineOnSim, startEngineOnSim } from "./support/engine-on-sim.ts";
import { run } from "./support/virtual-time.ts";

const SEED = process.env.SEED ?? "hostile-1";
const MAX_ORDERS_PER_SECOND = 10;

function config(mode: string, guard = "", params = "calm_events: 20"): Config {
  const text = `
engine: { client_id_prefix: hs1 }
venues:
  - { name: sim, type: sim, symbols: [BTC-USDT, ETH-USDT] }
  - { name: sim2, type: sim, symbols: [BTC-USDT, ETH-USDT] }
simulator: { fees: { maker: 0, taker: 0.001 } }
strategy:
  module: ./support/strategies/hostile.ts
  name: evil
  venues: [sim]
  parameters: { mode: ${mode}, slow_ms: 3, ${params} }
  guard: { ${guard} }
risk:
  max_position_base: 0.05
  max_position_notional: 10000
  max_order_base: 0.01
  max_order_notional: 2000
  max_total_notional: 20000
  price_band_bps: 100
  max_orders_per_second: ${MAX_ORDERS_PER_SECOND}
  max_cancels_per_second: 40
  max_open_orders: 20
  daily_loss_limit: 1000
  symbols:
    ETH-USDT: { max_position_base: 1, max_order_base: 0.2 }
http: { enabled: false }
`;
  // the module path is relative to this "file", in test/
  return parseConfig(text, join(import.meta.dir, "hostile.yaml"), { env: {} }).config;
}

/** The engine's log as JSON objects. */
function logSink(): { lines: Record<string, unknown>[]; log: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ format: "json", level: "info", write: (l) => lines.push(JSON.parse(l)) });
  return { lines, log };
}

/** The value of one series in a scrape (NaN when absent). */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

/** Every order within every limit, and the order rate within its budget, on every venue. */
function expectWithinLimits(e: EngineOnSim, mode: string): void {
  expect({ seed: SEED, mode, violations: e.audit.violations }).toEqual({ seed: SEED, mode, violations: [] });
  expect(e.audit.maxOrdersPerSecond, `${SEED} ${mode}`).toBeLessThanOrEqual(MAX_ORDERS_PER_SECOND);
  expect(e.engine.state, `${SEED} ${mode}`).toBe("running");
}

describe(`a hostile strategy cannot breach a limit or flood the venue (seed ${SEED})`, () => {
  test("absurd sizes: refused by the risk gate, none sent", async () => {
    const e = await startEngineOnSim({ config: config("huge"), seed: SEED });
    await run(e.clock, 15_000);
    expectWithinLimits(e, "huge");
    const refused = e.engine.desk.risk.stats.rejections;
    expect(refused.max_order_lots, SEED).toBeGreaterThan(0);
    expect(e.audit.sent.filter((s) => s.req.lots > 1000).length, SEED).toBe(0);
    await e.stop();
  });

  test("prices through the book and beyond the band: refused or rejected as post-only, positions within limits", async () => {
    const e = await startEngineOnSim({ config: config("crossing"), seed: SEED });
    await run(e.clock, 15_000);
    expectWithinLimits(e, "crossing");
    expect(e.engine.desk.risk.stats.rejections.price_band, SEED).toBeGreaterThan(0);
    await e.stop();
  });

  test("thousands of intents per event: dropped past max_intents_per_event, the rest within the order rate", async () => {
    const e = await startEngineOnSim({
      config: config("flood", "max_intents_per_event: 100", "calm_events: 20, flood: 5000, every: 25"),
      seed: SEED,
    });
    await run(e.clock, 15_000);
    expectWithinLimits(e, "flood");
    const scrape = await e.metrics.scrape();
    expect(
      sample(scrape, 'hft_strategy_intents_dropped_total{strategy="evil",reason="over_cap"}'),
      SEED,
    ).toBeGreaterThan(10_000);
    // every second's window was used, never more
    expect(e.audit.maxOrdersPerSecond, SEED).toBe(MAX_ORDERS_PER_SECOND);
    await e.stop();
  });

  test("numbers no order can carry (NaN, infinities, negatives, fractions, strings) and shapes that lie: none sent, the engine unharmed", async () => {
    const e = await startEngineOnSim({ config: config("garbage", "", "calm_events: 20, every: 10"), seed: SEED });
    await run(e.clock, 10_000);
    expectWithinLimits(e, "garbage");
    const s = e.engine.status().strategies[0];
    expect({ seed: SEED, state: s?.state, failure: s?.failure }).toEqual({
      seed: SEED,
      state: "running",
      failure: null,
    });
    const bad = e.audit.sent.filter(
      (x) =>
        !Number.isSafeInteger(x.req.priceTicks) ||
        !Number.isSafeInteger(x.req.lots) ||
        x.req.priceTicks <= 0 ||
        x.req.lots <= 0 ||
        x.req.lots > 1000,
    );
    expect({ seed: SEED, bad }).toEqual({ seed: SEED, bad: [] });
    expect({ seed: SEED, errors: e.engine.counters.eventErrors }).toEqual({ seed: SEED, errors: 0 });
    const rejections = e.engine.desk.risk.stats.rejections;
    expect(rejections.bad_order ?? 0, SEED).toBeGreaterThan(0);
    const scrape = await e.metrics.scrape();
    expect(
      sample(scrape, 'hft_strategy_intents_dropped_total{strategy="evil",reason="malformed"}'),
      SEED,
    ).toBeGreaterThan(0);
    await e.stop();
  });

  test("intents for instruments it was not given never reach a venue", async () => {
    const e = await startEngineOnSim({ config: config("foreign"), seed: SEED });
    await run(e.clock, 10_000);
    expectWithinLimits(e, "foreign");
    expect(e.engine.status().strategies[0]?.state).toBe("running");
    const scrape = await e.metrics.scrape();
    expect(
      sample(scrape, 'hft_strategy_intents_dropped_total{strategy="evil",reason="foreign_instrument"}'),
    ).toBeGreaterThan(0);
    expect(e.audit.sent.filter((s) => s.venue !== "sim" || !["BTC-USDT", "ETH-USDT"].includes(s.req.symbol))).toEqual(
      [],
    );
    await e.stop();
  });
});

describe(`a strategy that fails is halted with its orders cancelled; the engine keeps running (seed ${SEED})`, () => {
  /** What a halt must leave behind, whatever caused it. */
  async function expectHalted(e: EngineOnSim, reason: string, lines: Record<string, unknown>[]) {
    await run(e.clock, 3000); // the cancels' acks
    const st = await e.status();
    const s = st.strategies[0];
    expect({ seed: SEED, state: s?.state, reason: s?.failure?.reason, callback: s?.failure?.callback }).toEqual({
      seed: SEED,
      state: "failed",
      reason,
      callback: "book",
    });
    expect(s?.quoting.map((q) => [q.symbol, q.bid, q.ask])).toEqual([
      ["BTC-USDT", "strategy_failed", "strategy_failed"],
      ["ETH-USDT", "strategy_failed", "strategy_failed"],
    ]);
    expect({ seed: SEED, resting: e.resting("sim"), live: e.engine.desk.oms.openOrderCount() }).toEqual({
      seed: SEED,
      resting: [],
      live: 0,
    });
    const halt = lines.filter((l) => l.level === "error" && String(l.msg).startsWith("strategy evil halted"));
    expect(halt.length, SEED).toBe(1);
    // the engine stays up: its other venue's books keep updating, its API and metrics answer
    const before = st.books.filter((b) => b.venue === "sim2").map((b) => b.lastUpdateMs ?? 0);
    await run(e.clock, 2000);
    const after = (await e.status()).books.filter((b) => b.venue === "sim2");
    expect(after.map((b) => b.health)).toEqual(["live", "live"]);
    for (const [i, b] of after.entries()) expect(b.lastUpdateMs ?? 0, SEED).toBeGreaterThan(before[i] ?? 0);
    const scrape = await e.metrics.scrape();
    expect(sample(scrape, 'hft_strategy_state{strategy="evil",state="failed"}')).toBe(1);
    expect(sample(scrape, `hft_strategy_halts_total{strategy="evil",reason="${reason}"}`)).toBe(1);
    expectWithinLimits(e, reason);
    return halt[0] as Record<string, unknown>;
  }

  test("it throws: halted, counted, logged with its stack; an operator's resume runs it again", async () => {
    const { lines, log } = logSink();
    const e = await startEngineOnSim({ config: config("throw", "", "calm_events: 3000"), seed: SEED, log });
    await run(e.clock, 1000);
    expect(e.resting("sim").length, `${SEED}: quoting before it fails`).toBeGreaterThan(0);
    expect(e.engine.status().strategies[0]?.state).toBe("running");
    await run(e.clock, 20_000);
    const halt = await expectHalted(e, "error", lines);
    expect(halt.msg).toContain("book threw TypeError: hostile: cannot read the book of");
    expect(String(halt.stack)).toContain("hostile.ts");
    expect(sample(await e.metrics.scrape(), 'hft_strategy_errors_total{strategy="evil"}')).toBe(1);
    const resumed = await e.call("POST", "/api/strategies/evil/resume?wait=5000");
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    await run(e.clock, 3000);
    expect((await e.status()).strategies[0]?.state).toBe("running");
    expect(e.resting("sim").length, `${SEED}: quoting again after the resume`).toBeGreaterThan(0);
    await e.stop();
  });

  test("it takes milliseconds per event: over its budget too often, halted the same way", async () => {
    const { lines, log } = logSink();
    const e = await startEngineOnSim({
      config: config("slow", "event_budget_us: 1000, max_overruns: 5, overrun_window_ms: 10000", "calm_events: 3000"),
      seed: SEED,
      log,
      strategyTimeNs: Bun.nanoseconds, // the guard's budget is wall time; the engine's clock here is virtual
    });
    await run(e.clock, 1000);
    expect(e.resting("sim").length, `${SEED}: quoting before it slows down`).toBeGreaterThan(0);
    await run(e.clock, 20_000);
    const halt = await expectHalted(e, "time_budget", lines);
    expect(halt.msg).toContain("5 callbacks over the 1000 µs budget within 10000 ms");
    const scrape = await e.metrics.scrape();
    expect(sample(scrape, 'hft_strategy_budget_overruns_total{strategy="evil"}')).toBeGreaterThanOrEqual(5);
    expect(sample(scrape, 'hft_strategy_callback_seconds_count{strategy="evil",callback="book"}')).toBeGreaterThan(20);
    await e.stop();
  });
});
