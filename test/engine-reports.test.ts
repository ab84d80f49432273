/**
 * What the engine counts and logs from the order manager and the venue event stream, staged event by
 * event on a fake venue and a virtual clock: every rejection once with its reason (at submit time, on
 * the order stream, or both), reconnects and resyncs only after a loss (never for the first connection
 * or the first sync), every gap and crossed book, and every unknown order outcome once, whether the
 * adapter or the order manager settled it.
 */
import { describe, expect, test } from "bun:test";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { createLogger, Rng, VirtualClock } from "../src/services/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { type OrderUpdate, Side, type VenueEvent } from "../src/types/index.ts";
import { FakeVenue } from "./support/fake-venue.ts";
import { drive, flush, run } from "./support/virtual-time.ts";

const CONFIG = `
engine:
  client_id_prefix: rp1
venues:
  - name: fake
    type: sim
    symbols: [BTC-USDT]
strategy:
  type: market_making
  name: mm
http:
  enabled: false
`;

async function setup(seed: string) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const venue = new FakeVenue("fake");
  const { config } = parseConfig(CONFIG, "reports.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const lines: string[] = [];
  const log = createLogger({ clock, write: (line) => lines.push(line) });
  const metrics = createEngineMetrics({ processMetrics: false });
  const engine = new Engine({
    config,
    clock,
    rng: new Rng(seed),
    adapters: [venue],
    metrics,
    log,
    orders: { statusRetryMs: 100, submitTimeoutMs: 500 },
  });
  await drive(clock, engine.start());
  // the strategy (which sees no book here) would cancel the orders a test places by hand: pause it
  engine.commands.submit({ kind: "pause_strategy", strategy: "mm" });
  engine.drainCommands();
  await flush();
  /** One sample of the scrape, by its exact series text (undefined when the series is absent). */
  const sample = async (series: string): Promise<number | undefined> => {
    const line = (await metrics.scrape()).split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const logged = (part: string) => lines.filter((l) => l.includes(part));
  return { clock, venue, engine, sample, logged, lines };
}

/** Rejections the log accounts for: full lines, plus the counts of the summary lines that fold repeats. */
function rejectionsLogged(lines: readonly string[], where: string): number {
  let n = 0;
  for (const l of lines) {
    if (!l.includes(`order rejected ${where}`)) continue;
    const folded = / count=(\d+)/.exec(l);
    n += folded === null ? 1 : Number(folded[1]);
  }
  return n;
}

/** The update a venue streams when it refuses an order (or cancels a crossing post-only one). */
function refusal(clientId: string, exec: "rejected" | "canceled", reason: OrderUpdate["rejectReason"]): OrderUpdate {
  return {
    venue: "fake",
    symbol: "BTC-USDT",
    clientId,
    venueOrderId: "",
    side: Side.Buy,
    status: exec,
    exec,
    priceTicks: 100 as OrderUpdate["priceTicks"],
    origLots: 10 as OrderUpdate["origLots"],
    cumLots: 0 as OrderUpdate["cumLots"],
    lastLots: 0 as OrderUpdate["lastLots"],
    lastPriceTicks: 0 as OrderUpdate["lastPriceTicks"],
    fee: "0",
    feeAsset: "",
    isMaker: false,
    tradeId: -1,
    ...(reason !== undefined ? { rejectReason: reason } : {}),
    venueTimeMs: 0,
  };
}

const REJECTED = (reason: string) => `hft_orders_rejected_total{venue="fake",symbol="BTC-USDT",reason="${reason}"}`;

describe("engine reports: rejections", () => {
  test("a refusal at submit time is counted and logged once, also when the venue streams it too", async () => {
    const seed = "reports-reject";
    const { clock, engine, venue, sample, logged, lines } = await setup(seed);
    expect({ seed, before: await sample(REJECTED("insufficient_balance")) }).toEqual({ seed, before: 0 });
    venue.submitMode = "reject";
    venue.rejectReason = "insufficient_balance";
    const only = engine.desk.oms.submit("fake", "BTC-USDT", Side.Buy, 100, 10);
    const twice = engine.desk.oms.submit("fake", "BTC-USDT", Side.Buy, 100, 10);
    await flush();
    venue.deliver(refusal(twice.clientId, "rejected", "insufficient_balance")); // the stream repeats it
    await flush();
    expect({ seed, states: [only.state, twice.state] }).toEqual({ seed, states: ["rejected", "rejected"] });
    expect({ seed, counted: await sample(REJECTED("insufficient_balance")) }).toEqual({ seed, counted: 2 });
    const first = logged("order rejected fake BTC-USDT buy");
    expect({ seed, lines: first.length }).toEqual({ seed, lines: 1 }); // the repeat is folded, not lost
    expect(first[0]).toContain("reason=insufficient_balance");
    expect(first[0]).toContain(`clientId=${only.clientId}`);
    expect(first[0]).toContain("rejected by fake"); // the venue's own words
    expect({ seed, status: engine.desk.oms.stats.rejected }).toEqual({ seed, status: 2 });
    // a repeat after the window is logged in full again; the folded one is summarised with its count
    await run(clock, 11_000);
    const later = engine.desk.oms.submit("fake", "BTC-USDT", Side.Buy, 100, 10);
    await flush();
    expect({ seed, state: later.state, full: logged("order rejected fake BTC-USDT buy").length }).toEqual({
      seed,
      state: "rejected",
      full: 2,
    });
    await drive(clock, engine.stop());
    expect({
      seed,
      logged: rejectionsLogged(lines, "fake BTC-USDT"),
      counted: await sample(REJECTED("insufficient_balance")),
    }).toEqual({
      seed,
      logged: 3,
      counted: 3,
    });
  });

  test("a rejection only on the order stream, and a post-only order the venue cancels, count once each", async () => {
    const seed = "reports-stream";
    const { clock, engine, venue, sample, logged } = await setup(seed);
    venue.submitMode = "hang_lost"; // no answer: the stream says what happened
    const streamed = engine.desk.oms.submit("fake", "BTC-USDT", Side.Buy, 100, 10);
    const postOnly = engine.desk.oms.submit("fake", "BTC-USDT", Side.Buy, 100, 10, "limit_maker");
    venue.deliver(refusal(streamed.clientId, "rejected", "filter"));
    venue.deliver(refusal(postOnly.clientId, "canceled", "would_take")); // OKX cancels a crossing post-only order
    venue.deliver(refusal(postOnly.clientId, "canceled", "would_take")); // a duplicate changes nothing
    await flush();
    expect({ seed, states: [streamed.state, postOnly.state] }).toEqual({ seed, states: ["rejected", "rejected"] });
    expect({
      seed,
      filter: await sample(REJECTED("filter")),
      wouldTake: await sample(REJECTED("would_take")),
      cancelled: await sample('hft_orders_cancelled_total{venue="fake",symbol="BTC-USDT"}'),
    }).toEqual({ seed, filter: 1, wouldTake: 1, cancelled: 0 });
    expect({ seed, lines: logged("order rejected").length }).toEqual({ seed, lines: 2 }); // two reasons, two lines
    await drive(clock, engine.stop());
  });
});

describe("engine reports: connections and books", () => {
  const connection = (stream: "market" | "orders", state: "connecting" | "connected" | "reconnecting"): VenueEvent => ({
    type: "connection",
    venue: "fake",
    stream,
    state,
    reason: "test",
  });
  const health = (h: "live" | "stale" | "resyncing", extra: { gap?: boolean; crossed?: boolean } = {}): VenueEvent => ({
    type: "book_health",
    venue: "fake",
    symbol: "BTC-USDT",
    health: h,
    reason: "test",
    ...extra,
  });

  test("the first connection is no reconnect; each connection after a loss is one", async () => {
    const seed = "reports-reconnect";
    const { clock, engine, venue, sample } = await setup(seed);
    for (const stream of ["market", "orders"] as const) {
      venue.emit(connection(stream, "connecting"));
      venue.emit(connection(stream, "connected"));
    }
    const reconnects = () => sample('hft_venue_reconnects_total{venue="fake"}');
    expect({ seed, afterStart: await reconnects() }).toEqual({ seed, afterStart: 0 });
    venue.emit(connection("market", "connected")); // a repeated state (a replaced stream) is no loss
    expect({ seed, repeated: await reconnects() }).toEqual({ seed, repeated: 0 });
    for (const state of ["reconnecting", "connecting", "connected"] as const) venue.emit(connection("market", state));
    expect({ seed, afterLoss: await reconnects() }).toEqual({ seed, afterLoss: 1 });
    await drive(clock, engine.stop());
  });

  test("one resync per loss of sync, never for the first sync; every gap and crossed book counted", async () => {
    const seed = "reports-resync";
    const { clock, engine, venue, sample } = await setup(seed);
    const series = (name: string) => sample(`${name}{venue="fake",symbol="BTC-USDT"}`);
    expect({ seed, firstSync: await series("hft_book_resyncs_total") }).toEqual({ seed, firstSync: 0 });
    // a disconnect: stale while the socket is down, resyncing once it is back, then live
    for (const h of ["stale", "resyncing", "stale", "resyncing", "live"] as const) venue.emit(health(h));
    expect({ seed, disconnect: await series("hft_book_resyncs_total") }).toEqual({ seed, disconnect: 1 });
    // a gap, then a crossed snapshot during that resync (same health, still reported), then live
    venue.emit(health("resyncing", { gap: true }));
    venue.emit(health("resyncing", { crossed: true }));
    venue.emit(health("live"));
    expect({
      seed,
      resyncs: await series("hft_book_resyncs_total"),
      gaps: await series("hft_book_gaps_total"),
      crossed: await series("hft_book_crossed_total"),
    }).toEqual({ seed, resyncs: 2, gaps: 1, crossed: 1 });
    await drive(clock, engine.stop());
  });
});

describe("engine reports: unknown order outcomes", () => {
  const OUTCOME = (result: string) => `hft_order_unknown_outcomes_total{venue="fake",result="${result}"}`;

  test("each settled unknown outcome is counted and logged once, by the adapter or the order manager", async () => {
    const seed = "reports-unknown";
    const { clock, engine, venue, sample, logged } = await setup(seed);
    expect({ seed, zero: await sample(OUTCOME("filled")) }).toEqual({ seed, zero: 0 });
    const settled: VenueEvent = {
      type: "unknown_outcome",
      venue: "fake",
      symbol: "BTC-USDT",
      clientId: "rp1-x-1",
      result: "open",
      detail: "HTTP 503; the status query found it new",
    };
    venue.emit(settled);
    venue.emit(settled); // the same order settled again (say by the order manager too): reported once
    venue.emit({ ...settled, clientId: "rp1-x-2", result: "unanswered", detail: "no status query answered" });
    expect({ seed, open: await sample(OUTCOME("open")), unanswered: await sample(OUTCOME("unanswered")) }).toEqual({
      seed,
      open: 1,
      unanswered: 1,
    });
    expect({ seed, lines: logged("unknown order outcome fake BTC-USDT rp1-x-1: open").length }).toEqual({
      seed,
      lines: 1,
    });
    // a transport error after the venue took the order: the order manager asks, finds it open
    venue.submitMode = "error_placed";
    const o = engine.desk.oms.submit("fake", "BTC-USDT", Side.Buy, 100, 10);
    await run(clock, 1000);
    expect({ seed, state: o.state, open: await sample(OUTCOME("open")) }).toEqual({ seed, state: "new", open: 2 });
    const line = logged(`unknown order outcome fake BTC-USDT ${o.clientId}: open`);
    expect({ seed, lines: line.length }).toEqual({ seed, lines: 1 });
    expect(line[0]).toContain("order manager");
    // a submit lost before it reached the venue: the query finds nothing
    venue.submitMode = "error_lost";
    const lost = engine.desk.oms.submit("fake", "BTC-USDT", Side.Buy, 100, 10);
    await run(clock, 1000);
    expect({ seed, state: lost.state, notFound: await sample(OUTCOME("not_found")) }).toEqual({
      seed,
      state: "rejected",
      notFound: 1,
    });
    await drive(clock, engine.stop());
  });
});
