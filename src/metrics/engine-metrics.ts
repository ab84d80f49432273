/**
 * Every metric the engine exposes, on one private prom-client registry (never the global one, so
 * tests and several engines in one process cannot collide). Hot-path code keeps pre-resolved
 * handles (`forVenue`, `forInstrument`) and bumps plain fields; state that is costly to keep
 * current (positions, PnL, book health, risk) is read from a MetricsSource at scrape time.
 */
import { Registry } from "prom-client";
import type { Clock } from "../services/index.ts";
import type { BookHealth } from "../types/index.ts";
import { EventLoopLagMonitor } from "./event-loop.ts";
import { HotCounterFamily, HotHistogramFamily, isFastExposition, type Labels, SampledGauge } from "./families.ts";
import {
  ACK_LATENCY_BUCKETS,
  type HotCounter,
  type HotHistogram,
  LOOP_LAG_BUCKETS,
  STRATEGY_CALLBACK_BUCKETS,
  TICK_TO_TRADE_BUCKETS,
} from "./hot.ts";
import { registerProcessMetrics } from "./process.ts";

/** Book health of one instrument, as the engine sees it at scrape time. */
export interface BookSample {
  readonly venue: string;
  readonly symbol: string;
  readonly health: BookHealth;
  /** Age of the book's last update, ms (null or absent before the first one). */
  readonly ageMs?: number | null;
  /** The fill guard has paused quoting on this symbol. */
  readonly quotingPaused?: boolean;
}

/** Connection and rate-limit state of one venue at scrape time. */
export interface VenueSample {
  readonly venue: string;
  /** One entry per stream (e.g. "market", "orders", "user"). */
  readonly streams: readonly { readonly stream: string; readonly connected: boolean }[];
  /** Remaining fraction (0..1) of each venue rate limit, e.g. { limit: "orders_10s", headroomRatio: 0.8 }. */
  readonly rateLimits: readonly { readonly limit: string; readonly headroomRatio: number }[];
}

/** Position and PnL of one instrument, as doubles for display only (never for order maths). */
export interface PositionSample {
  readonly venue: string;
  readonly symbol: string;
  /** Quote currency the money figures are in, e.g. "USDT". */
  readonly currency: string;
  /** Signed position in base-asset units. */
  readonly positionBase: number;
  /** Absolute notional of the position at the reference price, in the quote currency. */
  readonly notionalExposure: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
}

/** Risk state at scrape time. */
export interface RiskSample {
  /** Trading halted (by a risk limit or the kill switch); only an operator resume clears it. */
  readonly halted: boolean;
  readonly killSwitchEngaged: boolean;
  /** PnL since the last UTC midnight (realized + unrealized − fees), quote units: what the daily loss limit watches. */
  readonly dailyPnl?: number;
  /** The configured daily loss limit, quote units (a positive number). */
  readonly dailyLossLimit?: number;
}

/** "failed": the engine's guard halted the strategy (it threw, or was over its time budget too often). */
export type StrategyState = "running" | "paused" | "halted" | "failed";

/** State of one configured strategy at scrape time. */
export interface StrategySample {
  readonly name: string;
  readonly state: StrategyState;
}

/**
 * What the engine implements so the scrape can read its state. Called on the engine's event loop,
 * possibly several times per scrape (once per family that needs it): keep each method a cheap read,
 * no I/O. A method that throws only drops its own series from that scrape.
 */
export interface MetricsSource {
  books(): readonly BookSample[];
  venues(): readonly VenueSample[];
  positions(): readonly PositionSample[];
  risk(): RiskSample;
  strategies(): readonly StrategySample[];
  /** Parent orders still working, per symbol (engines without routing may leave it out). */
  parentsWorking?(): readonly { symbol: string; count: number }[];
  /** Each quoted instrument side: "quoting", or why not (engines without a strategy may leave it out). */
  quoting?(): readonly QuoteStateSample[];
  /** Realized PnL and fees by UTC day per instrument (the recent days the engine keeps). */
  pnlByDay?(): readonly PnlDaySample[];
}

/** Whether one side of one instrument is quoted, and why not when it is not. */
export interface QuoteStateSample {
  readonly venue: string;
  readonly symbol: string;
  readonly side: "bid" | "ask";
  /** "quoting", or the reason it is not (a NoQuoteReason). */
  readonly state: string;
}

/** Realized PnL of one instrument on one UTC day, as doubles for display only. */
export interface PnlDaySample {
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  readonly venue: string;
  readonly symbol: string;
  readonly currency: string;
  /** Before fees. */
  readonly realized: number;
  readonly fees: number;
}

/** The journal's state at scrape time. */
export interface JournalMetricsSource {
  /** Records waiting to be committed. */
  queueDepth(): number;
  /** false while commits fail for too long or the queue is over its bound. */
  healthy(): boolean;
  /** Balances where the venue and the journal disagreed at start-up: journal − venue, asset units. */
  balanceMismatches(): readonly { venue: string; asset: string; diff: number }[];
}

/** Hot handles of the journal: bumped when a batch commits, not on the trading path. */
export interface JournalMetrics {
  /** Time one batch took to commit. */
  readonly commitLatency: HotHistogram;
  /** Failed commits, by SQLite result code (or "error"). */
  commitErrors(reason: string): HotCounter;
  /** Committed records, by kind (order, order_event, fill, position, balances, risk, run). */
  committed(kind: string): HotCounter;
  /** Batches a secondary sink failed to take, by sink name. */
  sinkErrors(sink: string): HotCounter;
  /** Fills missed while the engine was down, recovered from the venue's trade history. */
  reconciledFills(venue: string): HotCounter;
}

/** Hot-path handles for one instrument (venue + symbol); resolve once, bump forever. */
export interface InstrumentMetrics {
  readonly venue: string;
  readonly symbol: string;
  readonly bookUpdates: HotCounter;
  readonly bookGaps: HotCounter;
  readonly bookResyncs: HotCounter;
  /** Book updates or snapshots refused because they would have crossed the book. */
  readonly bookCrossed: HotCounter;
  readonly ordersSent: HotCounter;
  readonly ordersCancelled: HotCounter;
  readonly fills: HotCounter;
  /** Fill guard trips: quoting paused after a fill on a book older than its limit. */
  readonly quotePauses: HotCounter;
  /** Counter of orders the venue (or our own checks) rejected, by reason; cached per reason. */
  rejected(reason: string): HotCounter;
  /** Books found stale, by the check that fired (probe_unanswered, stream_behind, connection_lost). */
  stale(check: string): HotCounter;
}

/** Hot-path handles for one venue. */
export interface VenueMetrics {
  readonly venue: string;
  /** Frames received from the venue (all streams). */
  readonly messages: HotCounter;
  readonly reconnects: HotCounter;
  /** Frame arrival (recvNs) to order handed to the venue socket; observeNs(sentNs - recvNs). */
  readonly tickToTrade: HotHistogram;
  /** Order sent to the venue's acknowledgement. */
  readonly ackLatency: HotHistogram;
  /** Frames that could not be decoded, by reason (e.g. "json", "schema", "unknown_symbol"). */
  malformed(reason: string): HotCounter;
  /** Frames or events dropped on purpose, by reason (e.g. "stale", "queue_full"). */
  dropped(reason: string): HotCounter;
  /** Submissions whose outcome was unknown (timeout, 5xx), by how they were settled (an UnknownOutcomeResult). */
  unknownOutcome(result: string): HotCounter;
  /** Calls off the order path (connect, resync) that waited for the venue's rate-limit budget. */
  readonly budgetWaits: HotCounter;
  forSymbol(symbol: string): InstrumentMetrics;
}

/** Hot-path handles for one strategy: the engine's guard around its code bumps these. */
export interface StrategyMetrics {
  /** Duration of each callback kind, in the order of the callback names given to forStrategy. */
  readonly callbacks: readonly HotHistogram[];
  /** Callbacks over the per-event time budget. */
  readonly overruns: HotCounter;
  /** Throws out of the strategy's code (each halts it). */
  readonly errors: HotCounter;
  /** Halts by reason ("error", "time_budget"). */
  halts(reason: string): HotCounter;
  /** Intents the guard did not pass on, by reason (over_cap, foreign_instrument, malformed). */
  intentsDropped(reason: string): HotCounter;
}

/** Risk-gate counters. */
/** Parent orders (routed across venues) as they end. */
export interface ParentMetrics {
  /** One parent ended: outcome "filled" or its unfilled reason (limit, no_liquidity, ...). */
  ended(symbol: string, outcome: string): HotCounter;
}

/** Bucket bounds (seconds) of a journal commit: a batch in a transaction, 10 µs to 1 s. */
export const JOURNAL_COMMIT_BUCKETS: readonly number[] = [
  1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1, 0.25, 1,
];

export interface RiskMetrics {
  readonly killSwitchTrips: HotCounter;
  /** Intents the risk gate refused, by reason (e.g. "max_position", "max_notional", "halted"). */
  rejected(reason: string): HotCounter;
}

/** Counters of the HTTP server (src/command). */
export interface HttpMetrics {
  /** Requests served, by matched route template and status code. */
  request(route: string, code: number): HotCounter;
  /** Requests refused before reaching a handler's logic, by reason (malformed_json, too_large, auth_missing, ...). */
  rejected(reason: string): HotCounter;
  /** Commands accepted into the engine's queue, by kind. */
  commandAccepted(kind: string): HotCounter;
}

/** Options for createEngineMetrics. */
export interface EngineMetricsOptions {
  /** Register the cheap process_* metrics (default true). */
  readonly processMetrics?: boolean;
}

const STATES: readonly BookHealth[] = ["syncing", "live", "stale", "resyncing"];
const STRATEGY_STATES: readonly StrategyState[] = ["running", "paused", "halted", "failed"];

/** Caches a child per key so the lookup happens once, off the hot path. */
function memo<T>(make: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) {
      v = make(key);
      cache.set(key, v);
    }
    return v;
  };
}

/** The engine's metrics: definitions, hot-path handles and the scrape. */
export class EngineMetrics {
  readonly registry = new Registry();
  readonly contentType: string = Registry.PROMETHEUS_CONTENT_TYPE;
  readonly risk: RiskMetrics;
  readonly parents: ParentMetrics;
  readonly http: HttpMetrics;
  readonly journal: JournalMetrics;
  readonly eventLoopLag: HotHistogram;

  private source: MetricsSource | undefined;
  private journalSource: JournalMetricsSource | undefined;
  private queueDepth: (() => number) | undefined;
  private readonly venues = new Map<string, VenueMetrics>();
  private readonly strategies = new Map<string, StrategyMetrics>();
  private readonly f;

  constructor(opts: EngineMetricsOptions = {}) {
    const registry = this.registry;
    const counter = (name: string, help: string, labelNames: readonly string[]) =>
      new HotCounterFamily({ name, help, labelNames, registry });
    const histogram = (name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) =>
      new HotHistogramFamily({ name, help, labelNames, registry }, buckets);
    const V = ["venue"];
    const VS = ["venue", "symbol"];
    this.f = {
      tickToTrade: histogram(
        "hft_tick_to_trade_seconds",
        "Market-data frame arrival to order sent, in seconds.",
        V,
        TICK_TO_TRADE_BUCKETS,
      ),
      ackLatency: histogram(
        "hft_order_ack_latency_seconds",
        "Order sent to venue acknowledgement, in seconds.",
        V,
        ACK_LATENCY_BUCKETS,
      ),
      messages: counter("hft_venue_messages_total", "Frames received from the venue.", V),
      malformed: counter("hft_venue_messages_malformed_total", "Venue frames that could not be decoded.", [
        "venue",
        "reason",
      ]),
      dropped: counter("hft_venue_messages_dropped_total", "Venue frames or events dropped on purpose.", [
        "venue",
        "reason",
      ]),
      reconnects: counter(
        "hft_venue_reconnects_total",
        "Venue stream connections re-established after a loss (the first connection and planned make-before-break replacements are not counted).",
        V,
      ),
      budgetWaits: counter(
        "hft_venue_budget_waits_total",
        "Venue calls off the order path (connect, book resync, user data) that waited for the rate-limit budget, e.g. a connect held for the next weight window.",
        V,
      ),
      unknownOutcomes: counter(
        "hft_order_unknown_outcomes_total",
        "Order submissions whose outcome was unknown (timeout, 5xx, lost socket), by how the status query settled them.",
        ["venue", "result"],
      ),
      bookUpdates: counter("hft_book_updates_total", "Order book updates applied.", VS),
      bookGaps: counter("hft_book_gaps_total", "Sequence gaps detected in the book stream.", VS),
      bookResyncs: counter(
        "hft_book_resyncs_total",
        "Times a book that had been live lost sync and was rebuilt from a snapshot (the first sync is not counted).",
        VS,
      ),
      bookCrossed: counter(
        "hft_book_crossed_total",
        "Book updates or snapshots refused because they would have crossed the book (each forces a resync).",
        VS,
      ),
      ordersSent: counter("hft_orders_sent_total", "Orders sent to the venue.", VS),
      ordersCancelled: counter("hft_orders_cancelled_total", "Orders cancelled (confirmed by the venue).", VS),
      ordersRejected: counter("hft_orders_rejected_total", "Orders rejected, by reason.", [...VS, "reason"]),
      fills: counter("hft_fills_total", "Fills received.", VS),
      bookStale: counter("hft_book_stale_total", "Books found stale, by the check that fired.", [...VS, "check"]),
      quotePauses: counter(
        "hft_quote_pauses_total",
        "Quoting paused on a symbol by the fill guard (a fill on a book older than its limit).",
        VS,
      ),
      killSwitchTrips: counter("hft_risk_kill_switch_trips_total", "Times the kill switch was engaged.", []),
      parentsEnded: counter(
        "hft_parent_orders_total",
        "Parent orders routed across venues that ended, by outcome (filled or the unfilled reason).",
        ["symbol", "outcome"],
      ),
      riskRejected: counter("hft_risk_rejections_total", "Order intents refused by the risk gate, by reason.", [
        "reason",
      ]),
      httpRequests: counter("hft_http_requests_total", "HTTP requests served, by route and status code.", [
        "route",
        "code",
      ]),
      httpRejected: counter("hft_http_rejected_requests_total", "HTTP requests refused, by reason.", ["reason"]),
      commands: counter("hft_commands_total", "Control commands accepted into the engine queue, by kind.", ["kind"]),
      strategyCallback: histogram(
        "hft_strategy_callback_seconds",
        "Time the strategy's code took per callback (book, trade, order, position, timer, ...), in seconds.",
        ["strategy", "callback"],
        STRATEGY_CALLBACK_BUCKETS,
      ),
      strategyOverruns: counter(
        "hft_strategy_budget_overruns_total",
        "Strategy callbacks over the per-event time budget (strategy.guard.event_budget_us).",
        ["strategy"],
      ),
      strategyErrors: counter("hft_strategy_errors_total", "Throws out of the strategy's code (each halts it).", [
        "strategy",
      ]),
      strategyHalts: counter(
        "hft_strategy_halts_total",
        "Strategies halted by the engine's guard, orders cancelled, by reason (error, time_budget).",
        ["strategy", "reason"],
      ),
      strategyDropped: counter(
        "hft_strategy_intents_dropped_total",
        "Strategy intents not passed on, by reason (over_cap, foreign_instrument, malformed).",
        ["strategy", "reason"],
      ),
      loopLag: histogram("hft_event_loop_lag_seconds", "Delay of a repeating timer, in seconds.", [], LOOP_LAG_BUCKETS),
      journalCommit: histogram(
        "hft_journal_commit_seconds",
        "Time to commit one journal batch (one transaction), in seconds.",
        [],
        JOURNAL_COMMIT_BUCKETS,
      ),
      journalErrors: counter("hft_journal_commit_errors_total", "Journal commits that failed, by reason.", ["reason"]),
      journalRecords: counter("hft_journal_records_total", "Journal records committed, by kind.", ["kind"]),
      journalSinkErrors: counter("hft_journal_sink_errors_total", "Batches a secondary journal sink failed to take.", [
        "sink",
      ]),
      reconciledFills: counter(
        "hft_journal_reconciled_fills_total",
        "Fills missed while the engine was down, recovered from the venue's trade history at start-up.",
        ["venue"],
      ),
    };
    this.registerSampled();
    if (opts.processMetrics !== false) registerProcessMetrics(registry);

    const f = this.f;
    const riskRejected = memo((reason) => f.riskRejected.child(reason));
    this.risk = { killSwitchTrips: f.killSwitchTrips.child(), rejected: riskRejected };
    const parentEnded = memo((key) => {
      const [symbol = "", outcome = ""] = key.split(" ");
      return f.parentsEnded.child(symbol, outcome);
    });
    this.parents = { ended: (symbol, outcome) => parentEnded(`${symbol} ${outcome}`) };
    const httpRejected = memo((reason) => f.httpRejected.child(reason));
    const commandAccepted = memo((kind) => f.commands.child(kind));
    const httpRequest = memo((key) => {
      const [route = "", code = ""] = key.split(" ");
      return f.httpRequests.child(route, code);
    });
    this.http = {
      request: (route, code) => httpRequest(`${route} ${code}`),
      rejected: httpRejected,
      commandAccepted,
    };
    this.eventLoopLag = f.loopLag.child();
    this.journal = {
      commitLatency: f.journalCommit.child(),
      commitErrors: memo((reason) => f.journalErrors.child(reason)),
      committed: memo((kind) => f.journalRecords.child(kind)),
      sinkErrors: memo((sink) => f.journalSinkErrors.child(sink)),
      reconciledFills: memo((venue) => f.reconciledFills.child(venue)),
    };
  }

  /** Plugs in (or removes) the engine state read at scrape time. */
  setSource(source: MetricsSource | undefined): void {
    this.source = source;
  }

  /** Plugs in (or removes) the journal's state read at scrape time. */
  setJournalSource(source: JournalMetricsSource | undefined): void {
    this.journalSource = source;
  }

  /** Plugs in the command queue's depth, read at scrape time. */
  setCommandQueueDepth(read: (() => number) | undefined): void {
    this.queueDepth = read;
  }

  /** Hot-path handles for a venue, created once and cached. */
  forVenue(venue: string): VenueMetrics {
    const found = this.venues.get(venue);
    if (found !== undefined) return found;
    const f = this.f;
    const instruments = memo((symbol) => this.makeInstrument(venue, symbol));
    const handle: VenueMetrics = {
      venue,
      messages: f.messages.child(venue),
      reconnects: f.reconnects.child(venue),
      tickToTrade: f.tickToTrade.child(venue),
      ackLatency: f.ackLatency.child(venue),
      malformed: memo((reason) => f.malformed.child(venue, reason)),
      dropped: memo((reason) => f.dropped.child(venue, reason)),
      unknownOutcome: memo((result) => f.unknownOutcomes.child(venue, result)),
      budgetWaits: f.budgetWaits.child(venue),
      forSymbol: instruments,
    };
    this.venues.set(venue, handle);
    return handle;
  }

  /** Hot-path handles for one strategy and the callback kinds its guard times, created once and cached. */
  forStrategy(name: string, callbacks: readonly string[]): StrategyMetrics {
    const found = this.strategies.get(name);
    if (found !== undefined) return found;
    const f = this.f;
    const handle: StrategyMetrics = {
      callbacks: callbacks.map((c) => f.strategyCallback.child(name, c)),
      overruns: f.strategyOverruns.child(name),
      errors: f.strategyErrors.child(name),
      halts: memo((reason) => f.strategyHalts.child(name, reason)),
      intentsDropped: memo((reason) => f.strategyDropped.child(name, reason)),
    };
    this.strategies.set(name, handle);
    return handle;
  }

  /** Hot-path handles for one instrument, created once and cached. */
  forInstrument(venue: string, symbol: string): InstrumentMetrics {
    return this.forVenue(venue).forSymbol(symbol);
  }

  /** Starts sampling event-loop lag on this clock; returns the function that stops it. */
  startEventLoopMonitor(clock: Clock, periodMs = 100): () => void {
    const monitor = new EventLoopLagMonitor(clock, this.eventLoopLag, periodMs);
    monitor.start();
    return () => monitor.stop();
  }

  /**
   * The Prometheus text exposition of every metric. Our families write their own text from cached
   * label strings; should a foreign metric ever be registered, prom-client formats everything.
   */
  async scrape(): Promise<string> {
    const out: string[] = [];
    for (const m of this.registry.getMetricsAsArray()) {
      if (!isFastExposition(m)) return this.registry.metrics();
      m.expose(out);
    }
    return out.join("");
  }

  /** Every metric family name with its type, for checks (dashboard queries, promtool). */
  families(): { name: string; type: string }[] {
    return this.registry.getMetricsAsArray().map((m) => ({ name: m.name, type: String(m.type) }));
  }

  private makeInstrument(venue: string, symbol: string): InstrumentMetrics {
    const f = this.f;
    return {
      venue,
      symbol,
      bookUpdates: f.bookUpdates.child(venue, symbol),
      bookGaps: f.bookGaps.child(venue, symbol),
      bookResyncs: f.bookResyncs.child(venue, symbol),
      bookCrossed: f.bookCrossed.child(venue, symbol),
      ordersSent: f.ordersSent.child(venue, symbol),
      ordersCancelled: f.ordersCancelled.child(venue, symbol),
      fills: f.fills.child(venue, symbol),
      quotePauses: f.quotePauses.child(venue, symbol),
      rejected: memo((reason) => f.ordersRejected.child(venue, symbol, reason)),
      stale: memo((check) => f.bookStale.child(venue, symbol, check)),
    };
  }

  private registerJournalSampled(): void {
    const registry = this.registry;
    const gauge = (
      name: string,
      help: string,
      labelNames: readonly string[],
      sample: (s: JournalMetricsSource, emit: (l: Labels, v: number) => void) => void,
    ) =>
      new SampledGauge({ name, help, labelNames, registry }, (emit) => {
        const src = this.journalSource;
        if (src !== undefined) sample(src, emit);
      });
    gauge("hft_journal_queue_depth", "Journal records waiting to be committed.", [], (s, emit) =>
      emit({}, s.queueDepth()),
    );
    gauge(
      "hft_journal_healthy",
      "1 while the journal commits; 0 when commits fail for too long or it falls behind.",
      [],
      (s, emit) => emit({}, s.healthy() ? 1 : 0),
    );
    gauge(
      "hft_journal_balance_mismatch",
      "Balance the journal expected minus the venue's, per asset, when they disagreed at start-up.",
      ["venue", "asset"],
      (s, emit) => {
        for (const m of s.balanceMismatches()) emit({ venue: m.venue, asset: m.asset }, m.diff);
      },
    );
  }

  private registerSampled(): void {
    const registry = this.registry;
    const gauge = (
      name: string,
      help: string,
      labelNames: readonly string[],
      sample: (src: MetricsSource, emit: (l: Labels, v: number) => void) => void,
    ) =>
      new SampledGauge({ name, help, labelNames, registry }, (emit) => {
        const src = this.source;
        if (src !== undefined) sample(src, emit);
      });
    gauge(
      "hft_book_health",
      "1 for the book's current health state, 0 for the others.",
      ["venue", "symbol", "state"],
      (s, emit) => {
        for (const b of s.books()) {
          for (const st of STATES) emit({ venue: b.venue, symbol: b.symbol, state: st }, b.health === st ? 1 : 0);
        }
      },
    );
    gauge("hft_book_age_seconds", "Age of the book's last update, in seconds.", ["venue", "symbol"], (s, emit) => {
      for (const b of s.books())
        if (b.ageMs !== undefined && b.ageMs !== null) emit({ venue: b.venue, symbol: b.symbol }, b.ageMs / 1000);
    });
    gauge(
      "hft_quoting_paused",
      "1 while the fill guard has paused quoting on the symbol (until its next book update).",
      ["venue", "symbol"],
      (s, emit) => {
        for (const b of s.books()) emit({ venue: b.venue, symbol: b.symbol }, b.quotingPaused === true ? 1 : 0);
      },
    );
    gauge(
      "hft_parent_orders_working",
      "Parent orders still working (routing or re-routing).",
      ["symbol"],
      (s, emit) => {
        for (const p of s.parentsWorking?.() ?? []) emit({ symbol: p.symbol }, p.count);
      },
    );
    gauge("hft_venue_connected", "1 when the venue stream is connected.", ["venue", "stream"], (s, emit) => {
      for (const v of s.venues())
        for (const st of v.streams) emit({ venue: v.venue, stream: st.stream }, st.connected ? 1 : 0);
    });
    gauge(
      "hft_rate_limit_headroom_ratio",
      "Remaining fraction (0..1) of a venue rate limit.",
      ["venue", "limit"],
      (s, emit) => {
        for (const v of s.venues())
          for (const r of v.rateLimits) emit({ venue: v.venue, limit: r.limit }, r.headroomRatio);
      },
    );
    gauge("hft_position", "Signed position, in base-asset units.", ["venue", "symbol"], (s, emit) => {
      for (const p of s.positions()) emit({ venue: p.venue, symbol: p.symbol }, p.positionBase);
    });
    const money = (name: string, help: string, pick: (p: PositionSample) => number) =>
      gauge(name, help, ["venue", "symbol", "currency"], (s, emit) => {
        for (const p of s.positions()) emit({ venue: p.venue, symbol: p.symbol, currency: p.currency }, pick(p));
      });
    money(
      "hft_notional_exposure",
      "Absolute notional of the position, in the quote currency.",
      (p) => p.notionalExposure,
    );
    money("hft_pnl_realized", "Realized PnL, in the quote currency.", (p) => p.realizedPnl);
    money(
      "hft_pnl_unrealized",
      "Unrealized PnL at the reference price, in the quote currency.",
      (p) => p.unrealizedPnl,
    );
    gauge("hft_risk_halted", "1 while trading is halted.", [], (s, emit) => emit({}, s.risk().halted ? 1 : 0));
    gauge("hft_risk_kill_switch_engaged", "1 while the kill switch is engaged.", [], (s, emit) =>
      emit({}, s.risk().killSwitchEngaged ? 1 : 0),
    );
    gauge(
      "hft_risk_daily_pnl",
      "PnL since the last UTC midnight (realized + unrealized - fees), in the quote currency; the daily loss limit watches it.",
      [],
      (s, emit) => {
        const pnl = s.risk().dailyPnl;
        if (pnl !== undefined) emit({}, pnl);
      },
    );
    gauge(
      "hft_risk_daily_loss_limit",
      "The daily loss limit, in the quote currency: the kill switch trips when hft_risk_daily_pnl falls to minus this.",
      [],
      (s, emit) => {
        const limit = s.risk().dailyLossLimit;
        if (limit !== undefined) emit({}, limit);
      },
    );
    gauge(
      "hft_strategy_state",
      "1 for the strategy's current state, 0 for the others.",
      ["strategy", "state"],
      (s, emit) => {
        for (const st of s.strategies()) {
          for (const state of STRATEGY_STATES) emit({ strategy: st.name, state }, st.state === state ? 1 : 0);
        }
      },
    );
    gauge(
      "hft_strategy_quote_state",
      'One series per quoted instrument side, value 1: state="quoting", or the reason it is not quoted.',
      ["venue", "symbol", "side", "state"],
      (s, emit) => {
        for (const q of s.quoting?.() ?? [])
          emit({ venue: q.venue, symbol: q.symbol, side: q.side, state: q.state }, 1);
      },
    );
    const day = (name: string, help: string, pick: (p: PnlDaySample) => number) =>
      gauge(name, help, ["day", "venue", "symbol", "currency"], (s, emit) => {
        for (const p of s.pnlByDay?.() ?? [])
          emit({ day: p.day, venue: p.venue, symbol: p.symbol, currency: p.currency }, pick(p));
      });
    day(
      "hft_pnl_realized_by_day",
      "Realized PnL (before fees) by UTC day of the fill, recent days, in the quote currency.",
      (p) => p.realized,
    );
    day("hft_fees_by_day", "Fees valued in the quote currency by UTC day of the fill, recent days.", (p) => p.fees);
    this.registerJournalSampled();
    new SampledGauge(
      { name: "hft_command_queue_depth", help: "Control commands waiting for the engine.", labelNames: [], registry },
      (emit) => {
        const read = this.queueDepth;
        if (read !== undefined) emit({}, read());
      },
    );
  }
}

/** Creates the engine's metrics on a fresh private registry. */
export function createEngineMetrics(opts: EngineMetricsOptions = {}): EngineMetrics {
  return new EngineMetrics(opts);
}
