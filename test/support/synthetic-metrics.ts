/**
 * SYNTHETIC metrics driver: fills every metric the engine defines with plausible values, without an
 * engine, on the 2 venues × 10 symbols shape. It exists for what a short real run cannot give: the
 * scrape benchmark at full size, the metrics unit tests, and `promtool check metrics` on every
 * family with every kind of label set (.ci/checks/promtool.sh). The Prometheus dashboard test uses
 * the real engine trading against the simulator instead.
 */
import type { EngineMetrics, JournalMetricsSource, MetricsSource, StrategyState } from "../../src/metrics/index.ts";
import { Rng } from "../../src/services/rng.ts";
import { STRATEGY_CALLBACKS } from "../../src/strategy/index.ts";
import type { BookHealth } from "../../src/types/index.ts";

/** The 2 venues × 10 symbols shape the scrape budget is defined for. */
export const SYNTHETIC_VENUES: readonly string[] = ["binance", "sim"];
export const SYNTHETIC_SYMBOLS: readonly string[] = [
  "BTC-USDT",
  "ETH-USDT",
  "SOL-USDT",
  "BNB-USDT",
  "XRP-USDT",
  "ADA-USDT",
  "DOGE-USDT",
  "AVAX-USDT",
  "LINK-USDT",
  "DOT-USDT",
];

/** A fake engine state that the synthetic driver mutates; implements the scrape-time source. */
export class SyntheticState implements MetricsSource, JournalMetricsSource {
  health: BookHealth = "live";
  halted = false;
  strategy: StrategyState = "running";
  private step = 0;

  constructor(private readonly rng: Rng) {}

  /** Remaining rate-limit fractions, redrawn on each tick (reads must not consume randomness). */
  private headroom = [1, 1, 1, 1];

  /** Moves the fake state on by one tick (positions drift, one book flips health now and then). */
  advance(): void {
    this.step++;
    this.headroom = this.headroom.map(
      (_, i) => (i % 2 === 0 ? 0.5 : 0.7) + this.rng.next() * (i % 2 === 0 ? 0.5 : 0.3),
    );
  }

  books() {
    return SYNTHETIC_VENUES.flatMap((venue) =>
      SYNTHETIC_SYMBOLS.map((symbol, i) => ({
        venue,
        symbol,
        health: i === 0 && this.step % 10 === 5 ? ("resyncing" as const) : this.health,
        ageMs: 50 + ((this.step * 37 + i * 11) % 900),
        quotingPaused: i === 1 && this.step % 10 === 7,
      })),
    );
  }

  venues() {
    return SYNTHETIC_VENUES.map((venue, v) => ({
      venue,
      streams: [
        { stream: "market", connected: true },
        { stream: "user", connected: true },
      ],
      rateLimits: [
        { limit: "orders_10s", headroomRatio: this.headroom[2 * v] ?? 1 },
        { limit: "request_weight_1m", headroomRatio: this.headroom[2 * v + 1] ?? 1 },
      ],
    }));
  }

  positions() {
    return SYNTHETIC_VENUES.flatMap((venue) =>
      SYNTHETIC_SYMBOLS.map((symbol, i) => {
        const pos = Math.sin(this.step / 7 + i) * 0.1;
        return {
          venue,
          symbol,
          currency: "USDT",
          positionBase: pos,
          notionalExposure: Math.abs(pos) * 1000 * (i + 1),
          realizedPnl: this.step * 0.01 * (i + 1),
          unrealizedPnl: pos * 3,
        };
      }),
    );
  }

  risk() {
    return { halted: this.halted, killSwitchEngaged: this.halted, dailyPnl: -250.5, dailyLossLimit: 1000 };
  }

  strategies() {
    return [
      { name: "mm_btc", state: this.strategy },
      { name: "as_eth", state: "running" as const },
    ];
  }

  /** Every instrument side quoting, but the first symbol's bids held by the position limit now and then. */
  quoting() {
    return SYNTHETIC_VENUES.flatMap((venue) =>
      SYNTHETIC_SYMBOLS.flatMap((symbol, i) => [
        { venue, symbol, side: "bid" as const, state: i === 0 && this.step % 4 < 2 ? "position_limit" : "quoting" },
        { venue, symbol, side: "ask" as const, state: "quoting" },
      ]),
    );
  }

  /** A week of days per instrument, as the engine keeps them. */
  pnlByDay() {
    const days = ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01"];
    return SYNTHETIC_VENUES.flatMap((venue) =>
      SYNTHETIC_SYMBOLS.flatMap((symbol, i) =>
        days.map((day, d) => ({
          day,
          venue,
          symbol,
          currency: "USDT",
          realized: Math.cos(d + i) * 10,
          fees: 0.5 * (d + 1),
        })),
      ),
    );
  }

  queueDepth(): number {
    return this.step % 3;
  }

  healthy(): boolean {
    return true;
  }

  balanceMismatches() {
    return [{ venue: "binance", asset: "BTC", diff: 0.001 }];
  }
}

/** Bumps every hot metric once per call, as a burst of engine activity would. */
export function driveOnce(metrics: EngineMetrics, rng: Rng, state: SyntheticState): void {
  state.advance();
  for (const venue of SYNTHETIC_VENUES) {
    const v = metrics.forVenue(venue);
    v.messages.inc(20);
    v.malformed("json").inc();
    v.dropped("stale").inc();
    v.reconnects.inc(rng.next() < 0.1 ? 1 : 0);
    v.unknownOutcome("open").inc(rng.next() < 0.05 ? 1 : 0);
    v.unknownOutcome("not_found").inc(0);
    for (let k = 0; k < 5; k++) {
      v.tickToTrade.observeNs(2_000 + rng.next() * 40_000);
      v.ackLatency.observeNs(200_000 + rng.next() * 3_000_000);
    }
    for (const symbol of SYNTHETIC_SYMBOLS) {
      const s = v.forSymbol(symbol);
      s.bookUpdates.inc(2);
      s.bookGaps.inc(rng.next() < 0.05 ? 1 : 0);
      s.bookResyncs.inc(rng.next() < 0.05 ? 1 : 0);
      s.bookCrossed.inc(rng.next() < 0.01 ? 1 : 0);
      s.stale("stream_behind").inc(rng.next() < 0.01 ? 1 : 0);
      s.stale("probe_unanswered").inc(rng.next() < 0.01 ? 1 : 0);
      s.quotePauses.inc(rng.next() < 0.01 ? 1 : 0);
      s.ordersSent.inc(2);
      s.ordersCancelled.inc(1);
      s.fills.inc(1);
      s.rejected("would_take").inc();
    }
  }
  const st = metrics.forStrategy("mm_btc", STRATEGY_CALLBACKS);
  for (const h of st.callbacks) h.observeNs(500 + rng.next() * 20_000);
  st.overruns.inc(rng.next() < 0.01 ? 1 : 0);
  st.errors.inc(0);
  st.halts("error").inc(0);
  st.intentsDropped("over_cap").inc(0);
  metrics.risk.killSwitchTrips.inc(0);
  metrics.risk.rejected("max_position").inc();
  metrics.eventLoopLag.observeNs(50_000 + rng.next() * 500_000);
  metrics.http.request("/metrics", 200).inc();
  metrics.http.rejected("malformed_json").inc(0);
  metrics.http.commandAccepted("pause_strategy").inc(0);
  metrics.journal.commitLatency.observeNs(50_000 + rng.next() * 500_000);
  metrics.journal.commitErrors("SQLITE_BUSY").inc(rng.next() < 0.05 ? 1 : 0);
  for (const kind of ["order", "order_event", "fill", "position", "balances", "risk", "run"])
    metrics.journal.committed(kind).inc(3);
  metrics.journal.sinkErrors("stream").inc(0);
  metrics.journal.reconciledFills("binance").inc(0);
}

/** Wires a synthetic state into metrics and drives it once; returns the state for further ticks. */
export function populateSynthetic(metrics: EngineMetrics, seed: number): { state: SyntheticState; rng: Rng } {
  const rng = new Rng(seed);
  const state = new SyntheticState(rng);
  metrics.setSource(state);
  metrics.setJournalSource(state);
  metrics.setCommandQueueDepth(() => 0);
  driveOnce(metrics, rng, state);
  return { state, rng };
}
