/**
 * The engine's fill guard on a virtual clock: a sim-direct venue whose market data is frozen while
 * orders and fills keep flowing (a stall the adapter did not notice: its books stay "live"). A fill
 * on a book older than the venue's staleness.max_book_age_ms must pause quoting on that symbol — its
 * orders cancelled, nothing new sent, visible in /api/status, a metric and a log line — until fresh
 * book data arrives; then quoting resumes by itself. And the adapter's own stale verdict stops
 * quoting at once and is counted by the check that fired.
 */
import { describe, expect, test } from "bun:test";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { VirtualClock } from "../src/services/clock.ts";
import { createLogger } from "../src/services/log.ts";
import { Rng } from "../src/services/rng.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { FreezableVenue } from "./support/freezable-venue.ts";
import { drive, flush, run, STEP_MS } from "./support/virtual-time.ts";

const MAX_BOOK_AGE_MS = 1000;
const CONFIG = `
engine:
  client_id_prefix: fg1
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT]
    staleness: { max_book_age_ms: ${MAX_BOOK_AGE_MS} }
simulator:
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.00004, min_profit: 0.00001, max_position: 0.05, order_size: 0.005, levels: 1 }
risk:
  max_position_base: 0.1
http:
  enabled: false
`;

/** What happened, in order: orders handed to the venue and fills, with their virtual time. */
type Happening = { kind: "sent" | "fill"; atMs: number };

function setup(seed: string) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const core = new SimCore({ clock, seed, symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT") });
  const { config } = parseConfig(CONFIG, "fill-guard.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const venue = new FreezableVenue(
    new SimDirectAdapter({
      name: "sim",
      core,
      clock,
      accountId: "engine",
      balances: { USDT: "100000", BTC: "1" },
      fees: { maker: "0", taker: "0.001" },
      clientIdPrefix: "fg1",
      orderEntryMs: 1,
      marketDataMs: 1,
    }),
  );
  core.start();
  const log: string[] = [];
  const happened: Happening[] = [];
  const metrics = createEngineMetrics({ processMetrics: false });
  const engine = new Engine({
    config,
    clock,
    rng: new Rng(seed),
    adapters: [venue],
    metrics,
    log: createLogger({ level: "info", clock, write: (line) => log.push(line) }),
    onFill: () => happened.push({ kind: "fill", atMs: clock.nowMs() }),
    onOrderSent: () => happened.push({ kind: "sent", atMs: clock.nowMs() }),
  });
  return { clock, core, venue, engine, log, happened, metrics };
}

/** Lets virtual time pass until cond holds (bounded); returns whether it did. */
async function runUntil(clock: VirtualClock, cond: () => boolean, maxMs: number): Promise<boolean> {
  for (let t = 0; t < maxMs && !cond(); t += STEP_MS) {
    clock.advance(STEP_MS);
    await flush();
  }
  return cond();
}

describe("fill guard", () => {
  for (const seed of ["fill-guard-1", "fill-guard-2"]) {
    test(`a fill on a book older than max_book_age_ms pauses quoting until fresh data arrives (seed ${seed})`, async () => {
      const { clock, core, venue, engine, log, happened, metrics } = setup(seed);
      const ours = () => core.openOrders("engine").filter((o) => o.clientOrderId.startsWith("fg1-")).length;
      await drive(clock, engine.start());
      await run(clock, 3000);
      expect({ seed, quoting: ours() > 0 }).toEqual({ seed, quoting: true });
      const pausesWhileFresh = engine.counters.quotePauses; // fills on a fresh book never trip the guard

      const frozenAt = clock.nowMs();
      venue.frozen = true;
      // the market moves on; our quotes, priced on the frozen book, get hit
      const tripped = await runUntil(
        clock,
        () => happened.some((h) => h.kind === "fill" && h.atMs - frozenAt > MAX_BOOK_AGE_MS),
        120_000,
      );
      expect(tripped, `seed ${seed}: no fill on the frozen book within 120 s of market time`).toBe(true);
      const trip = happened.findIndex((h) => h.kind === "fill" && h.atMs - frozenAt > MAX_BOOK_AGE_MS);
      await run(clock, 5000); // still frozen
      const sentAfter = happened.slice(trip + 1).filter((h) => h.kind === "sent");
      expect({ seed, ordersSentAfterTheFill: sentAfter.length }).toEqual({ seed, ordersSentAfterTheFill: 0 });
      expect({ seed, restingWhilePaused: ours() }).toEqual({ seed, restingWhilePaused: 0 });

      const book = engine.status().books[0];
      expect(book?.quotingPaused?.reason ?? "", `seed ${seed}`).toContain("ms old (limit 1000 ms)");
      expect(book?.health, `seed ${seed}: the adapter never noticed`).toBe("live");
      expect((book?.ageMs ?? 0) > MAX_BOOK_AGE_MS, `seed ${seed}`).toBe(true);
      expect({ seed, pausesWhileFresh, pauses: engine.counters.quotePauses }).toEqual({
        seed,
        pausesWhileFresh: 0,
        pauses: 1,
      });
      expect(engine.status().strategies[0]?.state, `seed ${seed}: only the symbol pauses`).toBe("running");
      const text = await metrics.scrape();
      expect(text).toContain('hft_quote_pauses_total{venue="sim",symbol="BTC-USDT"} 1');
      expect(text).toContain('hft_quoting_paused{venue="sim",symbol="BTC-USDT"} 1');
      expect(
        log.some((l) => l.includes("quoting paused on sim BTC-USDT")),
        `seed ${seed}`,
      ).toBe(true);

      venue.frozen = false; // fresh data: quoting resumes by itself
      const resumed = await runUntil(
        clock,
        () => engine.status().books[0]?.quotingPaused === null && ours() > 0,
        30_000,
      );
      expect(resumed, `seed ${seed}: quoting resumed after the feed came back`).toBe(true);
      expect(
        log.some((l) => l.includes("quoting resumed on sim BTC-USDT")),
        `seed ${seed}`,
      ).toBe(true);
      expect(await metrics.scrape()).toContain('hft_quoting_paused{venue="sim",symbol="BTC-USDT"} 0');
      const report = await drive(clock, engine.stop());
      expect({ seed, open: report.openOrders }).toEqual({ seed, open: 0 });
    }, 60_000);
  }

  test("an adapter's stale verdict stops quoting at once and is counted and logged by the check that fired", async () => {
    const seed = "stale-verdict";
    const { clock, core, venue, engine, log, happened, metrics } = setup(seed);
    const ours = () => core.openOrders("engine").filter((o) => o.clientOrderId.startsWith("fg1-")).length;
    await drive(clock, engine.start());
    await run(clock, 3000);
    expect({ seed, quoting: ours() > 0 }).toEqual({ seed, quoting: true });
    venue.frozen = true; // the feed the adapter judged frozen delivers nothing
    venue.inject({
      type: "book_health",
      venue: "sim",
      symbol: "BTC-USDT",
      health: "stale",
      reason: "depth stream behind bookTicker for 1200 ms",
      check: "stream_behind",
    });
    const at = happened.length;
    await run(clock, 2000);
    expect({ seed, resting: ours(), sent: happened.slice(at).filter((h) => h.kind === "sent").length }).toEqual({
      seed,
      resting: 0,
      sent: 0,
    });
    expect(engine.status().books[0]?.health).toBe("stale");
    expect(await metrics.scrape()).toContain(
      'hft_book_stale_total{venue="sim",symbol="BTC-USDT",check="stream_behind"} 1',
    );
    expect(
      log.some((l) => l.includes("book sim BTC-USDT stale") && l.includes("stream_behind")),
      `seed ${seed}`,
    ).toBe(true);
    venue.frozen = false; // data flows again: the adapter's live book brings quoting back
    const back = await runUntil(clock, () => engine.status().books[0]?.health === "live" && ours() > 0, 30_000);
    expect(back, `seed ${seed}`).toBe(true);
    await drive(clock, engine.stop());
  }, 60_000);
});
