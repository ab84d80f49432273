/**
 * The engine: the single writer that owns books, orders, positions and risk. Venue events, timers
 * and HTTP commands are only handed to it, and it handles each synchronously in arrival order on
 * the one JS thread, so no trading state is ever touched from two places. It wires the pieces
 * (venue adapters, execution desk, strategy, metrics, control API) and runs their lifecycle:
 * connect, clean up orphans, sync books, quote, and shut down without leaving an order behind.
 * Its fill guard backs up the adapters' stale-feed detection: a fill on a book older than the
 * venue's staleness.max_book_age_ms pauses quoting on that symbol until the next book update.
 */

import { pinThread } from "../book/index.ts";
import {
  CommandQueue,
  type CommandResult,
  type Command as EngineCommand,
  type EngineStatus,
  type Readiness,
  readinessOf,
  type StatusSource,
} from "../command/index.ts";
import {
  Execution,
  type ExecutionOptions,
  type FillEvent,
  formatMoney,
  isTerminal,
  type ManagedOrder,
  RISK_REASONS,
  type RiskReason,
} from "../execution/index.ts";
import { Codec, Recorder } from "../history/index.ts";
import type { Journal, SqliteJournal } from "../journal/index.ts";
import { type EngineMetrics, LatencySamples, type MetricsSource, type VenueMetrics } from "../metrics/index.ts";
import type { Clock, Rng, TimerId } from "../services/index.ts";
import { type Logger, silentLogger } from "../services/index.ts";
import type {
  IntentSink,
  ParamsValidation,
  Strategy,
  StrategyContext,
  StrategyFault,
  StrategyInstrument,
  StrategySupervisor,
} from "../strategy/index.ts";
import type {
  BookHealth,
  BookView,
  ConnectionState,
  InstrumentInfo,
  OrderRequest,
  OrderUpdate,
  StaleCheck,
  TradeQuery,
  VenueEvent,
  VenueTrade,
} from "../types/index.ts";
import { Side, STALE_CHECKS } from "../types/index.ts";
import type { CancelReplies, OrderReplies, VenueAdapter } from "../venues/index.ts";
import { codeVersion } from "./code-version.ts";
import { isSimVenue, redactConfig, riskLimits, strategyTargets } from "./config.ts";
import type { Config, RecordConfig, StrategyConfig } from "./config-schema.ts";
import { FeeBook } from "./fee-rates.ts";
import { EngineJournal } from "./journal-recorder.ts";
import { KeepWarm } from "./keep-warm.ts";
import { OrderReports } from "./order-reports.ts";
import { QuoteWatch, type QuotingGate } from "./quote-watch.ts";
import { StrategyGuard } from "./strategy-guard.ts";
import { type ResolvedStrategy, resolveStrategy } from "./strategy-source.ts";

/** Builds a strategy object directly (tests): replaces the configured type or module. */
export type StrategyFactory = (config: StrategyConfig, ctx: StrategyContext) => Strategy;

/** Construction options: everything the engine does not build itself. */
export interface EngineOptions {
  readonly config: Config;
  readonly clock: Clock;
  readonly rng: Rng;
  /** Connected or unconnected adapters, one per configured venue (names must match the config). */
  readonly adapters: readonly VenueAdapter[];
  /**
   * The configured strategy, already loaded and checked (main resolves it before starting venues, so
   * a bad module fails first). Default: start() resolves config.strategy (built-in type or module).
   */
  readonly strategy?: ResolvedStrategy;
  /** Builds the strategy object instead of config.strategy's type or module (tests). */
  readonly strategyFactory?: StrategyFactory;
  /**
   * Monotonic ns the strategy guard times callbacks with. Default: the clock's, so live it is wall time
   * and on a virtual clock no time passes inside a callback (deterministic runs never halt for time);
   * a test of the time budget on a virtual clock passes Bun.nanoseconds.
   */
  readonly strategyTimeNs?: () => number;
  readonly log?: Logger;
  readonly metrics?: EngineMetrics;
  /** Order manager timeouts (simulations shorten them). */
  readonly orders?: ExecutionOptions["orders"];
  /** How long start() waits for every book to become live (default 30 s of clock time). */
  readonly bookWaitMs?: number;
  /** Told on every fill after positions moved (tests record fills here). */
  readonly onFill?: (fill: FillEvent) => void;
  /** Told on every risk refusal (tests check that no order broke a limit). */
  readonly onRiskReject?: (venue: string, symbol: string, reason: RiskReason) => void;
  /** Told on every order request handed to an adapter (tests audit every order against the limits). */
  readonly onOrderSent?: (venue: string, req: OrderRequest) => void;
  /** Ring size of the raw tick-to-trade and ack samples (default 65536). */
  readonly sampleCapacity?: number;
  /** false: ignore engine.record (a backtest replaying recordings does not record them again). */
  readonly record?: boolean;
  /**
   * The engine's durable memory (config engine.journal): restored before quoting, fed after every
   * handler turn. The caller opened it and closes it after stop().
   */
  readonly journal?: { readonly journal: Journal; readonly store: SqliteJournal };
  /**
   * Told when the kill switch trips (halted, its reason) and when an operator resumes (the desk
   * shares it with the other engines; src/engine/desk-bus.ts).
   */
  readonly onKillSwitch?: (halted: boolean, reason: string) => void;
  /** Asked at start, after the journal's restore: a reason to start halted (a killed desk), if any. */
  readonly haltAtStart?: () => string | undefined;
  /** The desk's firm-wide limit leases as /api/status shows them (src/engine/desk-limits.ts). */
  readonly deskLimitsStatus?: () => NonNullable<EngineStatus["deskLimits"]>;
}

/** The recorder engine.record asks for. */
function recorderOf(cfg: RecordConfig, clock: Clock): Recorder {
  const codec = cfg.compression === "zstd" ? Codec.Zstd : cfg.compression === "gzip" ? Codec.Gzip : Codec.None;
  return new Recorder({
    dir: cfg.dir,
    clock,
    snapshotIntervalMs: cfg.snapshot_interval_s * 1000,
    sealEveryMs: cfg.seal_every_ms,
    codec,
  });
}

/** What shutdown achieved. */
export interface ShutdownReport {
  readonly reason: string;
  /** Orders still live locally when the bounded wait ended (0 = clean). */
  readonly openOrders: number;
  readonly inFlight: number;
  /** Orders of this engine's prefix still open on the venues after the final sweep. */
  readonly venueOpenOrders: number;
  readonly durationMs: number;
}

/** Per-venue state the engine keeps for status and routing. */
interface VenueEntry {
  readonly adapter: VenueAdapter;
  readonly metrics: VenueMetrics | undefined;
  readonly symbols: readonly string[];
  /** Fill guard limit of the venue's books (staleness.max_book_age_ms). */
  readonly maxBookAgeMs: number;
  readonly streams: Map<string, ConnectionState>;
  /** Streams that have been connected once: connecting again after that is a reconnect. */
  readonly everConnected: Set<string>;
  /** connect() succeeded (only connected venues are swept on shutdown). */
  connected: boolean;
  unlisten: (() => void) | undefined;
}

/** Per-instrument state: health and the last book update time. */
interface BookEntry {
  readonly venue: string;
  readonly symbol: string;
  readonly info: InstrumentInfo;
  health: BookHealth;
  /** The book has been live once: leaving live after that is a loss of sync, not the first sync. */
  everLive: boolean;
  /** This loss of sync was counted as a resync (reset when the book is live again). */
  resyncCounted: boolean;
  lastUpdateMs: number | null;
  book: BookView | undefined;
  updates: number;
  /** The venue's metric handles, resolved once (undefined without metrics). */
  readonly metrics: VenueMetrics | undefined;
  /** Reused for every strategy call (the strategy contract allows reuse): no allocation per event. */
  update: { venue: string; symbol: string; book: BookView; health: BookHealth; recvNs: number } | undefined;
  /** A fill on this book older than this (ms) pauses quoting on it: the venue's staleness.max_book_age_ms. */
  readonly maxBookAgeMs: number;
  /** Clock ms the fill guard paused quoting here, and why; null while quoting normally. */
  pausedSinceMs: number | null;
  pauseReason: string | null;
}

type Phase = "created" | "starting" | "running" | "stopping" | "stopped";

/**
 * The adapter the execution desk talks to: the real one, plus the moment each order is handed to
 * it, which closes the tick-to-trade measurement (recvNs of the frame being handled → now).
 */
class TimedAdapter implements VenueAdapter {
  /** The inner adapter's promise-free order path, timed the same way; absent when it has none. */
  readonly placeOrder?: (order: OrderRequest, replies: OrderReplies) => void;
  /** The inner adapter's promise-free cancel, forwarded; absent when it has none. */
  readonly requestCancel?: (order: OrderRequest, replies: CancelReplies) => void;

  constructor(
    private readonly inner: VenueAdapter,
    private readonly engine: Engine,
  ) {
    if (inner.placeOrder !== undefined) this.placeOrder = this.timedPlace;
    if (inner.requestCancel !== undefined) this.requestCancel = this.forwardCancel;
  }

  /** requestCancel of an inner adapter that has one (cancels close no tick-to-trade span: not timed). */
  private forwardCancel(order: OrderRequest, replies: CancelReplies): void {
    this.inner.requestCancel?.(order, replies);
  }

  /** placeOrder of an inner adapter that has one (a method, so no closure is made per adapter either). */
  private timedPlace(order: OrderRequest, replies: OrderReplies): void {
    this.inner.placeOrder?.(order, replies);
    this.engine.orderSent(this.inner.name, order);
  }
  get name(): string {
    return this.inner.name;
  }
  get kind(): string {
    return this.inner.kind;
  }
  connect(): Promise<void> {
    return this.inner.connect();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  instruments(): ReadonlyMap<string, InstrumentInfo> {
    return this.inner.instruments();
  }
  subscribeQuotes(symbols: readonly string[]): Promise<void> {
    return this.inner.subscribeQuotes(symbols);
  }
  book(symbol: string) {
    return this.inner.book(symbol);
  }
  bookHealth(symbol: string): BookHealth | undefined {
    return this.inner.bookHealth(symbol);
  }
  submitOrder(order: OrderRequest): Promise<string> {
    const p = this.inner.submitOrder(order);
    this.engine.orderSent(this.inner.name, order);
    return p;
  }
  cancelOrder(symbol: string, clientId: string): Promise<void> {
    return this.inner.cancelOrder(symbol, clientId);
  }
  cancelAll(symbol: string): Promise<number> {
    return this.inner.cancelAll(symbol);
  }
  openOrders(symbol?: string, all?: boolean) {
    return this.inner.openOrders(symbol, all);
  }
  orderStatus(symbol: string, clientId: string) {
    return this.inner.orderStatus(symbol, clientId);
  }
  balances() {
    return this.inner.balances();
  }
  tradeHistory(query: TradeQuery): Promise<VenueTrade[]> {
    return this.inner.tradeHistory(query);
  }
  feeRates(symbols: readonly string[]) {
    return this.inner.feeRates(symbols);
  }
  onEvent(listener: Parameters<VenueAdapter["onEvent"]>[0]): () => void {
    return this.inner.onEvent(listener);
  }
}

const SIDE_NAME = ["buy", "sell"] as const;

/**
 * How often the quote watch looks for a changed reason not to quote (a reason shorter than this is not
 * logged) and ended rejection windows are summarised.
 */
const QUOTE_CHECK_MS = 1000;

/**
 * Adapter stats that feed the malformed and dropped counters. Malformed frames come only from the
 * `malformed:<reason>` keys, where each refused frame is counted once (an adapter's other counters
 * overlap: a total beside its per-reason parts); the reason label is the part after the colon.
 */
const MALFORMED_PREFIX = "malformed:";
const DROPPED_STAT = /dropped/i;
/** The adapter stat counting calls off the order path that waited for rate-limit budget (hft_venue_budget_waits_total). */
const BUDGET_WAITS_STAT = "budget_offPathWaits";

/** The trading engine (one per process in production; several per process in tests). */
export class Engine implements StatusSource, MetricsSource {
  readonly desk: Execution;
  readonly commands: CommandQueue;
  /** Book event → order written by the adapter (tick-to-trade), ns (exact percentiles for bench and status). */
  readonly tickToTrade: LatencySamples;
  /** Book event → order request handed to the adapter (the engine's own share), ns. */
  readonly tickToAdapter: LatencySamples;
  /** Order handed to the adapter → venue ack, ns. */
  readonly ackLatency: LatencySamples;
  readonly config: Config;
  /** The running strategy object (status, tests); the engine calls it only through its guard. */
  strategy: Strategy | undefined;
  /** The guard around the strategy's code: timing, halting, intent checks. */
  private strategyGuard: StrategyGuard | undefined;
  private readonly opts: EngineOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly venueMap = new Map<string, VenueEntry>();
  private readonly bookMap = new Map<string, BookEntry>();
  /** The same entries by venue then symbol: hot-path lookups without building a key string. */
  private readonly bookIndex = new Map<string, Map<string, BookEntry>>();
  /** The book entry of the last book event (consecutive events are mostly of one book). */
  private lastBook: BookEntry | undefined;
  private phase: Phase = "created";
  private startedAtMs = 0;
  /** recvNs of the frame being handled right now (0 outside a market-data handler). */
  private tickRecvNs = 0;
  /** The keep-warm rehearsal, when engine.keep_warm_ms > 0 (tests and status read its stats). */
  keepWarm: KeepWarm | undefined;
  /** The market-data recorder, when engine.record is set. */
  readonly recorder: Recorder | undefined;
  private tickVenue: VenueMetrics | undefined;
  /** Orders of the frame whose end-of-turn microtask is queued, the frame's arrival and its venue metrics. */
  private turnOrders = 0;
  private turnRecvNs = 0;
  private turnVenue: VenueMetrics | undefined;
  private readonly endOfTurnTask = (): void => this.endOfTurn();
  private readonly sentNs = new Map<string, number>();
  private readonly timers: TimerId[] = [];
  private paused = false;
  private drainScheduled = false;
  private lastHaltReason: string | null = null;
  private stopLoopMonitor: (() => void) | undefined;
  /** Adapter stats already copied into the malformed/dropped counters, by venue then stat name. */
  private readonly statsSeen = new Map<string, Map<string, number>>();
  readonly counters = {
    fills: 0,
    ordersSent: 0,
    riskRejects: 0,
    bookEvents: 0,
    commands: 0,
    eventErrors: 0,
    /** Fill guard trips (quoting paused on a symbol after a fill on an old book). */
    quotePauses: 0,
    strategyHalts: 0,
  };
  /** Rejections and settled unknown outcomes, counted and logged once each. */
  private readonly reports: OrderReports;
  /** Why quotes are missing: logged on change, in status and metrics. */
  readonly quoteWatch: QuoteWatch;
  /** The journal's engine side (undefined without a journal). */
  readonly journal: EngineJournal | undefined;
  /** The fee rates the strategy quotes with: the venue's, or the config's override. */
  readonly fees: FeeBook;

  constructor(opts: EngineOptions) {
    this.opts = opts;
    this.config = opts.config;
    this.clock = opts.clock;
    this.log = (opts.log ?? silentLogger).child({ component: "engine" });
    this.tickToTrade = new LatencySamples(opts.sampleCapacity);
    this.tickToAdapter = new LatencySamples(opts.sampleCapacity);
    this.ackLatency = new LatencySamples(opts.sampleCapacity);
    this.reports = new OrderReports({
      log: this.log,
      clock: opts.clock,
      metricsOf: (venue) => this.venueMap.get(venue)?.metrics,
      info: (venue, symbol) => this.bookIndex.get(venue)?.get(symbol)?.info,
    });
    this.quoteWatch = new QuoteWatch({
      log: this.log,
      gate: () => this.quotingGate(),
      health: (venue, symbol) => {
        const b = this.bookIndex.get(venue)?.get(symbol);
        return b === undefined ? undefined : this.shownHealth(b); // a fill-guard pause shows as stale
      },
      info: (venue, symbol) => this.bookIndex.get(venue)?.get(symbol)?.info,
      hasLive: (venue, symbol, side) => this.desk.oms.liveOrders(venue, symbol, side).size > 0,
    });
    const rec = opts.config.engine.record;
    this.recorder = rec !== undefined && opts.record !== false ? recorderOf(rec, opts.clock) : undefined;
    this.commands = new CommandQueue({ clock: opts.clock });
    this.commands.setWakeup(() => this.scheduleDrain());
    this.desk = this.buildDesk(opts);
    // routed parent orders report progress to the strategy like order events do
    this.desk.parents.onUpdate((u) => {
      if (u.status !== "working") this.opts.metrics?.parents.ended(u.symbol, u.reason ?? u.status).inc();
      if (this.phase === "running" || this.phase === "stopping") this.supervised?.onParent(u);
    });
    for (const adapter of opts.adapters) {
      const vc = opts.config.venues.find((v) => v.name === adapter.name);
      if (vc === undefined) throw new Error(`adapter ${adapter.name} has no venue of that name in the config`);
      this.venueMap.set(adapter.name, {
        adapter,
        metrics: opts.metrics?.forVenue(adapter.name),
        symbols: vc.symbols,
        maxBookAgeMs: vc.staleness.max_book_age_ms,
        streams: new Map(),
        everConnected: new Set(),
        connected: false,
        unlisten: undefined,
      });
    }
    for (const vc of opts.config.venues) {
      if (!this.venueMap.has(vc.name)) throw new Error(`venue ${vc.name}: no adapter was created for it`);
    }
    this.journal = opts.journal === undefined ? undefined : this.journalOf(opts.journal);
    this.fees = new FeeBook(opts.config, this.log, (venue, taker) =>
      this.desk.parents.setTakerFeePpm(venue, Math.round(taker * 1_000_000)),
    );
    opts.metrics?.setSource(this);
    opts.metrics?.setCommandQueueDepth(() => this.commands.size);
    // known label sets start at 0, so dashboards show "none yet" rather than "no data"
    for (const r of RISK_REASONS) opts.metrics?.risk.rejected(r);
  }

  /** The execution desk, with the engine's hooks: fills, halts, order states, reports, the journal. */
  private buildDesk(opts: EngineOptions): Execution {
    return new Execution({
      clock: opts.clock,
      rng: opts.rng.fork("execution"),
      clientIdPrefix: opts.config.engine.client_id_prefix,
      limits: riskLimits(opts.config.risk),
      ...(opts.orders !== undefined ? { orders: opts.orders } : {}),
      onFill: (f) => this.onFill(f),
      onFillBooked: (f, b) => this.journal?.fillBooked(f, b),
      onOrderCreated: (o) => this.journal?.orderCreated(o),
      onHalt: (reason) => this.onHalt(reason),
      onOrderState: (o, from, cause) => {
        this.journal?.orderState(o, from, cause);
        // counted on the state change: once per order, whichever report (answer, stream, query) came first
        if (o.state === "rejected") this.reports.rejected(o);
        else if (o.state === "canceled") this.venueMap.get(o.venue)?.metrics?.forSymbol(o.symbol).ordersCancelled.inc();
      },
      onUnknownOutcome: (o, result, detail) =>
        this.reports.unknownOutcome(o.venue, o.symbol, o.clientId, result, `order manager: ${detail}`),
      onError: (e) => {
        this.counters.eventErrors++;
        this.log.error("execution error contained", { error: e.message });
      },
      onRiskReject: (venue, symbol, reason) => {
        this.counters.riskRejects++;
        this.opts.metrics?.risk.rejected(reason).inc();
        this.opts.onRiskReject?.(venue, symbol, reason);
      },
    });
  }

  private journalOf(j: { journal: Journal; store: SqliteJournal }): EngineJournal {
    const hash = new Bun.CryptoHasher("sha256").update(JSON.stringify(redactConfig(this.config))).digest("hex");
    return new EngineJournal({
      ...j,
      desk: this.desk,
      clock: this.clock,
      log: this.log,
      settings: this.config.engine.journal,
      metrics: this.opts.metrics,
      configHash: hash,
      codeVersion: codeVersion(),
    });
  }

  /** The phase of the lifecycle (status, tests). */
  get state(): Phase {
    return this.phase;
  }

  /**
   * Connects every venue, cancels orphans of earlier runs, seeds balances (with a journal: restores
   * and settles with each venue instead), subscribes books, waits for them to be live, then starts
   * the strategy. Throws with the venue's name on failure.
   */
  async start(): Promise<void> {
    if (this.phase !== "created") throw new Error(`engine already ${this.phase}`);
    const cpu = this.config.engine.cpu;
    if (cpu !== null) {
      pinThread([cpu], "engine.cpu");
      this.log.info(`event loop pinned to CPU ${cpu}`, { cpu });
    }
    this.phase = "starting";
    this.startedAtMs = this.clock.nowMs();
    // the strategy's code loads first: a module that does not load stops start-up before any venue is touched
    const resolved =
      this.opts.strategyFactory !== undefined
        ? undefined
        : (this.opts.strategy ?? (await resolveStrategy(this.config)));
    this.assertStarting();
    this.journal?.begin(this.startedAtMs, `${this.config.engine.client_id_prefix}-${this.desk.ids.runId}-`);
    const haltReason = this.opts.haltAtStart?.();
    if (haltReason !== undefined) this.desk.halt(haltReason);
    for (const [name, v] of this.venueMap) await this.startVenue(name, v);
    await this.waitForBooks(this.opts.bookWaitMs ?? 30_000);
    this.assertStarting();
    this.journal?.endStart();
    this.desk.start();
    const st = this.startStrategy(resolved);
    const feeEveryS = this.config.engine.fee_refresh_s;
    if (feeEveryS > 0) this.timers.push(this.clock.setRepeating(feeEveryS * 1000, () => this.refreshFees()));
    const every = this.config.engine.status_interval_ms;
    this.timers.push(this.clock.setRepeating(every, () => this.logProgress()));
    this.timers.push(
      this.clock.setRepeating(QUOTE_CHECK_MS, () =>
        this.guard(() => {
          this.quoteWatch.check(this.supervised, this.clock.nowMs());
          this.reports.flush();
          this.strategyGuard?.report(this.clock.nowMs());
        }),
      ),
    );
    // only once running: a start-up that fails leaves no timer behind
    this.stopLoopMonitor = this.opts.metrics?.startEventLoopMonitor(this.clock);
    this.phase = "running";
    if (!this.desk.kill.isHalted())
      this.log.info(`quoting started`, {
        strategy: st.name,
        kind: st.kind,
        ...(resolved?.module !== undefined ? { module: resolved.module } : {}),
      });
    this.startKeepWarm(st, resolved);
    for (const b of this.bookMap.values()) {
      if (b.book !== undefined && b.health === "live") this.feedBook(b, b.book, 0);
    }
  }

  /** One venue's start-up: events, connect, books, restore, orphans, settle or balances, quotes. */
  private async startVenue(name: string, v: VenueEntry): Promise<void> {
    const adapter = v.adapter;
    const vm = v.metrics;
    v.unlisten = adapter.onEvent((ev) => {
      vm?.messages.inc();
      this.onVenueEvent(ev);
    });
    try {
      await adapter.connect();
    } catch (e) {
      throw new Error(`venue ${name} (${adapter.kind}): connect failed: ${(e as Error).message}`);
    }
    v.connected = true;
    this.assertStarting();
    for (const s of v.symbols) this.addBook(name, v, s);
    this.recorder?.attach(adapter, v.symbols);
    this.desk.addVenue(new TimedAdapter(adapter, this));
    this.log.info(`venue ${name} connected`, { kind: adapter.kind, symbols: v.symbols.join(",") });
    const simChild = this.simChild(name);
    // in the same turn as addVenue: no fill can reach positions before they are restored
    this.journal?.restoreVenue(name, simChild);
    const orphans = await this.desk.startVenue(name);
    if (orphans.found > 0 || orphans.remaining > 0) {
      this.log.warn(`venue ${name}: cancelled orders an earlier run left open`, { ...orphans });
    }
    if (orphans.remaining > 0)
      throw new Error(`venue ${name}: ${orphans.remaining} orphan orders could not be cancelled`);
    this.assertStarting();
    if (this.journal === undefined) await this.desk.syncBalances(name);
    else await this.journal.settleVenue(adapter, v.symbols, simChild, (ms) => this.sleep(ms));
    this.assertStarting();
    await this.fees.refresh(adapter, () => this.clock.nowMs());
    this.assertStarting();
    await adapter.subscribeQuotes(v.symbols);
    this.assertStarting();
  }

  /** Registers one instrument's book entry (health, staleness, reports, the hot-path index). */
  private addBook(name: string, v: VenueEntry, s: string): void {
    const info = v.adapter.instruments().get(s);
    if (info === undefined) throw new Error(`venue ${name}: symbol ${s} is not listed by the venue`);
    this.reports.prepare(name, s);
    for (const c of STALE_CHECKS) v.metrics?.forSymbol(s).stale(c);
    const entry: BookEntry = {
      venue: name,
      symbol: s,
      info,
      health: "syncing",
      everLive: false,
      resyncCounted: false,
      lastUpdateMs: null,
      book: undefined,
      updates: 0,
      metrics: v.metrics,
      update: undefined,
      maxBookAgeMs: v.maxBookAgeMs,
      pausedSinceMs: null,
      pauseReason: null,
    };
    this.bookMap.set(`${name}/${s}`, entry);
    let bySymbol = this.bookIndex.get(name);
    if (bySymbol === undefined) {
      bySymbol = new Map();
      this.bookIndex.set(name, bySymbol);
    }
    bySymbol.set(s, entry);
  }

  /** Builds and starts the strategy (not while trading is halted: a restored kill switch waits for resume). */
  /** Builds the strategy in its guard, tells it what it missed, and starts it unless trading is halted. */
  private startStrategy(resolved: ResolvedStrategy | undefined): Strategy {
    const st = this.buildStrategy(resolved);
    // books may have gone live before the strategy existed: give it what it has missed
    for (const b of this.bookMap.values()) st.onBookHealth(b.venue, b.symbol, b.health);
    if (this.desk.kill.isHalted()) {
      this.lastHaltReason = this.desk.kill.reason();
      this.log.warn(`not quoting: trading is halted (${this.desk.kill.reason()}); POST /api/risk/resume to trade`);
    } else st.start();
    if (st.timerIntervalMs > 0) {
      this.timers.push(this.clock.setRepeating(st.timerIntervalMs, () => st.onTimer(this.clock.nowMs())));
    }
    return st;
  }

  /**
   * Graceful shutdown: stops quoting, cancels this engine's orders on every venue, waits (bounded)
   * for the venues to confirm, sweeps each venue for anything of ours still open, and closes.
   */
  async stop(reason = "shutdown"): Promise<ShutdownReport> {
    const t0 = this.clock.nowMs();
    if (this.phase === "stopped" || this.phase === "stopping") {
      return { reason, openOrders: 0, inFlight: 0, venueOpenOrders: 0, durationMs: 0 };
    }
    const wasRunning = this.phase === "running";
    this.phase = "stopping";
    this.log.info(`shutting down (${reason}): stop quoting, cancel every order`);
    for (const t of this.timers) this.clock.clearTimer(t);
    this.timers.length = 0;
    this.keepWarm?.stop();
    this.stopLoopMonitor?.();
    this.stopLoopMonitor = undefined;
    if (wasRunning) this.supervised?.stop();
    this.desk.cancelAll();
    const deadline = this.clock.nowMs() + this.config.engine.shutdown_timeout_ms;
    while (this.clock.nowMs() < deadline && (this.desk.oms.openOrderCount() > 0 || this.desk.oms.inFlight() > 0)) {
      this.desk.cancelAll();
      await this.sleep(20);
    }
    let venueOpen = 0;
    for (const [name, v] of this.venueMap) {
      if (!v.connected) continue;
      for (const s of v.symbols) {
        try {
          const n = await v.adapter.cancelAll(s);
          if (n > 0) this.log.warn(`venue ${name} ${s}: swept ${n} orders left open`);
        } catch (e) {
          this.log.error(`venue ${name} ${s}: final cancel sweep failed`, { error: (e as Error).message });
        }
      }
      try {
        venueOpen += (await v.adapter.openOrders()).length;
      } catch (e) {
        this.log.error(`venue ${name}: open-order check failed`, { error: (e as Error).message });
      }
    }
    // let the final cancel events arrive so every local order ends terminal
    const settle = this.clock.nowMs() + Math.min(2000, this.config.engine.shutdown_timeout_ms);
    while (this.clock.nowMs() < settle && (this.desk.oms.openOrderCount() > 0 || this.desk.oms.inFlight() > 0)) {
      await this.sleep(20);
    }
    this.desk.stop();
    const report: ShutdownReport = {
      reason,
      openOrders: this.desk.oms.openOrderCount(),
      inFlight: this.desk.oms.inFlight(),
      venueOpenOrders: venueOpen,
      durationMs: this.clock.nowMs() - t0,
    };
    this.logProgress();
    this.reports.flush(true);
    this.journal?.finish(reason, report.openOrders === 0 && report.inFlight === 0 && report.venueOpenOrders === 0);
    for (const v of this.venueMap.values()) {
      v.unlisten?.();
      await v.adapter.close().catch(() => {});
    }
    this.opts.metrics?.setSource(undefined);
    await this.closeRecorder();
    this.phase = "stopped";
    this.log.info("engine stopped", { ...report });
    return report;
  }

  /** Hands every venue event to its owner, synchronously, in arrival order. */
  onVenueEvent(ev: VenueEvent): void {
    if (this.phase === "stopped") return;
    try {
      switch (ev.type) {
        case "book":
          this.onBook(ev);
          return;
        case "order":
          this.onOrder(ev.update, ev.recvNs);
          return;
        case "trade":
          if (this.phase === "running")
            this.supervised?.onTrade({
              venue: ev.venue,
              symbol: ev.symbol,
              priceTicks: ev.priceTicks,
              lots: ev.lots,
              aggressor: ev.aggressor,
              venueTimeMs: ev.venueTimeMs,
            });
          return;
        case "book_health": {
          const im = this.venueMap.get(ev.venue)?.metrics?.forSymbol(ev.symbol);
          if (ev.gap === true) im?.bookGaps.inc();
          if (ev.crossed === true) im?.bookCrossed.inc();
          if (ev.health === "stale") im?.stale(ev.check ?? "unspecified").inc();
          // onBookHealth tells the desk (the health it shows may differ: the fill guard's pause)
          this.onBookHealth(ev.venue, ev.symbol, ev.health, ev.reason, ev.check);
          return;
        }
        case "unknown_outcome":
          this.reports.unknownOutcome(ev.venue, ev.symbol, ev.clientId, ev.result, `adapter: ${ev.detail}`);
          return;
        case "connection": {
          const v = this.venueMap.get(ev.venue);
          const before = v?.streams.get(ev.stream);
          v?.streams.set(ev.stream, ev.state);
          if (before !== ev.state) this.onConnection(v, ev, before === undefined);
          this.desk.onVenueEvent(ev);
          return;
        }
        default:
          this.desk.onVenueEvent(ev);
      }
    } catch (e) {
      this.counters.eventErrors++;
      this.log.error("venue event failed", { type: ev.type, error: (e as Error).message });
    }
  }

  /** A stream changed state: logged with its fields, and a connection after a loss counted as a reconnect. */
  private onConnection(
    v: VenueEntry | undefined,
    ev: Extract<VenueEvent, { type: "connection" }>,
    first: boolean,
  ): void {
    const { venue, stream, state, reason } = ev;
    // the first connection of a stream is not a reconnect; every later one follows a loss
    const reconnect = state === "connected" && v !== undefined && v.everConnected.has(stream);
    const fields = { event: reconnect ? "reconnect" : "connection", venue, stream, state, reason };
    if (reconnect) this.log.info("venue {venue} {stream} stream {state} again (reconnect)", fields);
    else if (state === "connected" || (state === "connecting" && first)) {
      this.log.info("venue {venue} {stream} stream {state}", fields);
    } else this.log.warn("venue {venue} {stream} stream {state}", fields);
    if (state === "connected" && v !== undefined) {
      if (reconnect) v.metrics?.reconnects.inc();
      v.everConnected.add(stream);
    }
  }

  /**
   * Called by TimedAdapter the moment an order request has been handed to the venue adapter. The
   * "end of turn" sample is taken in a microtask queued behind the handler, so it counts everything
   * the engine still did in the same turn: one microtask per frame, recording one sample per order
   * the frame caused (no closure per order).
   */
  orderSent(venue: string, req: OrderRequest): void {
    const now = this.clock.monoNs();
    this.counters.ordersSent++;
    const recv = this.tickRecvNs;
    if (recv > 0) {
      this.tickToAdapter.record(now - recv);
      if (this.turnOrders > 0 && this.turnRecvNs !== recv) this.endOfTurn(); // another frame: close the last one
      if (this.turnOrders++ === 0) {
        this.turnRecvNs = recv;
        this.turnVenue = this.tickVenue;
        queueMicrotask(this.endOfTurnTask);
      }
    }
    this.sentNs.set(req.clientId, now);
    const v = this.venueMap.get(venue);
    v?.metrics?.forSymbol(req.symbol).ordersSent.inc();
    this.opts.onOrderSent?.(venue, req);
    if (this.log.enabled("debug")) this.logOrder(venue, req);
  }

  /** One line per order sent (debug level: a market maker sends many), every value a field. */
  private logOrder(venue: string, req: OrderRequest): void {
    const info = this.bookIndex.get(venue)?.get(req.symbol)?.info;
    this.log.debug("order {venue} {symbol} {side} {quantity} @ {price}", {
      event: "order",
      venue,
      symbol: req.symbol,
      side: SIDE_NAME[req.side],
      quantity: info?.qty.format(req.lots) ?? `${req.lots} lots`,
      price: req.type === "market" ? "market" : (info?.price.format(req.priceTicks) ?? `${req.priceTicks} ticks`),
      type: req.type,
      tif: req.tif,
      clientId: req.clientId,
    });
  }

  /** Records the end-of-turn tick-to-trade sample of each order of the frame being closed. */
  private endOfTurn(): void {
    const n = this.turnOrders;
    if (n === 0) return;
    this.turnOrders = 0;
    const ns = this.clock.monoNs() - this.turnRecvNs;
    const vm = this.turnVenue;
    this.turnVenue = undefined;
    for (let i = 0; i < n; i++) {
      this.tickToTrade.record(ns);
      vm?.tickToTrade.observeNs(ns);
    }
  }

  // ---------------------------------------------------------------- status and metrics

  status(): EngineStatus {
    const positions = [];
    for (const v of this.desk.positions.views()) {
      const sample = this.desk.positionSamples().find((s) => s.venue === v.venue && s.symbol === v.symbol);
      positions.push({
        venue: v.venue,
        symbol: v.symbol,
        position: formatMoney(v.baseUnits),
        currency: v.quote,
        notional: String(sample?.notionalExposure ?? 0),
        realizedPnl: formatMoney(v.realized),
        unrealizedPnl: formatMoney(v.unrealized),
        fees: formatMoney(v.fees),
      });
    }
    const pnl = [];
    for (const [currency, p] of this.desk.positions.totalsByQuote()) {
      pnl.push({
        currency,
        realized: formatMoney(p.realized),
        unrealized: formatMoney(p.unrealized),
        fees: formatMoney(p.fees),
      });
    }
    return {
      nowMs: this.clock.nowMs(),
      startedAtMs: this.startedAtMs,
      venues: [...this.venueMap.values()].map((v) => ({
        name: v.adapter.name,
        kind: v.adapter.kind,
        streams: [...v.streams].map(([stream, state]) => ({ stream, state })),
        rateLimits: [],
        fees: this.fees.status(v.adapter.name).fees,
        feesCheckedAtMs: this.fees.status(v.adapter.name).checkedAtMs,
      })),
      books: [...this.bookMap.values()].map((b) => {
        const bid = b.book?.bestBidTicks() ?? -1;
        const ask = b.book?.bestAskTicks() ?? -1;
        return {
          venue: b.venue,
          symbol: b.symbol,
          health: b.health,
          bestBid: bid >= 0 ? b.info.price.format(bid) : null,
          bestAsk: ask >= 0 ? b.info.price.format(ask) : null,
          lastUpdateMs: b.lastUpdateMs,
          ageMs: b.lastUpdateMs === null ? null : this.clock.nowMs() - b.lastUpdateMs,
          quotingPaused: b.pausedSinceMs === null ? null : { sinceMs: b.pausedSinceMs, reason: b.pauseReason ?? "" },
        };
      }),
      positions,
      openOrders: [...this.desk.oms.allLive()].map((o) => this.orderStatusOf(o)),
      pnl,
      risk: this.riskStatus(),
      parents: this.parentsStatus(),
      ...(this.journal === undefined ? {} : { journal: this.journal.status() }),
      ...(this.opts.deskLimitsStatus === undefined ? {} : { deskLimits: this.opts.deskLimitsStatus() }),
      strategies: this.strategyStatus(),
    };
  }

  /** The risk part of the status: halt, kill switch, daily loss and its baseline, the configured limits. */
  private riskStatus(): EngineStatus["risk"] {
    const limits = this.config.risk;
    const halted = this.desk.kill.isHalted();
    return {
      halted,
      haltReason: halted ? this.desk.kill.reason() : null,
      killSwitchEngaged: halted,
      killSwitchTrips: this.killTrips,
      dailyPnl: this.desk.riskStatus().dailyPnl,
      ...this.desk.dailyState(),
      limits: {
        max_position_base: limits.max_position_base,
        max_position_notional: limits.max_position_notional,
        max_order_base: limits.max_order_base,
        max_order_notional: limits.max_order_notional,
        max_total_notional: limits.max_total_notional,
        price_band_bps: limits.price_band_bps,
        max_orders_per_second: limits.max_orders_per_second,
        max_cancels_per_second: limits.max_cancels_per_second,
        max_open_orders: limits.max_open_orders,
        daily_loss_limit: limits.daily_loss_limit,
      },
    };
  }

  private strategyStatus(): EngineStatus["strategies"] {
    const st = this.supervised;
    if (st === undefined) return [];
    const f = st.fault;
    const targets = strategyTargets(this.config);
    return [
      {
        name: st.name,
        kind: st.kind,
        state: this.strategyState(),
        pausedBy: this.pausedBy(),
        failure: f === undefined ? null : { reason: f.reason, callback: f.callback, message: f.message, atMs: f.atMs },
        venue: [...new Set(targets.map((t) => t.venue.name))].join(","),
        symbols: [...new Set(targets.map((t) => t.symbol))],
        params: st.params(),
        quoting: this.quoteWatch.status(st, this.clock.nowMs()),
      },
    ];
  }

  private parentsStatus(): EngineStatus["parents"] {
    const p = this.desk.parents;
    return {
      working: p.working().map((u) => ({
        id: u.id,
        symbol: u.symbol,
        side: u.side === Side.Buy ? ("buy" as const) : ("sell" as const),
        lots: u.lots,
        filledLots: u.filledLots,
        inFlightLots: u.inFlightLots,
        attempts: u.attempts,
        childrenSent: u.childrenSent,
        strategy: u.strategy,
      })),
      submitted: p.stats.submitted,
      filled: p.stats.filled,
      unfilled: { ...p.stats.unfilled },
    };
  }

  readiness(): Readiness {
    const r = readinessOf(this.status());
    if (this.phase !== "running") return { ready: false, reasons: [`engine ${this.phase}`, ...r.reasons] };
    return r;
  }

  /** MetricsSource: book health, age and the fill guard's pause per instrument. */
  books(): readonly {
    venue: string;
    symbol: string;
    health: BookHealth;
    ageMs: number | null;
    quotingPaused: boolean;
  }[] {
    const now = this.clock.nowMs();
    return [...this.bookMap.values()].map((b) => ({
      venue: b.venue,
      symbol: b.symbol,
      health: b.health,
      ageMs: b.lastUpdateMs === null ? null : now - b.lastUpdateMs,
      quotingPaused: b.pausedSinceMs !== null,
    }));
  }

  /**
   * MetricsSource: stream connectivity and the risk gate's rate-limit headroom per venue. Also
   * brings the malformed/dropped counters up to the adapter's own stats (read here, at scrape time,
   * so the hot path never pays for it).
   */
  venues(): readonly {
    venue: string;
    streams: { stream: string; connected: boolean }[];
    rateLimits: { limit: string; headroomRatio: number }[];
  }[] {
    return [...this.venueMap.values()].map((v) => {
      const name = v.adapter.name;
      this.syncAdapterStats(v);
      const h = this.desk.risk.rateHeadroom(name);
      return {
        venue: name,
        streams: [...v.streams].map(([stream, state]) => ({ stream, connected: state === "connected" })),
        rateLimits: [
          { limit: "orders_1s", headroomRatio: h.orders },
          { limit: "cancels_1s", headroomRatio: h.cancels },
        ],
      };
    });
  }

  positions() {
    return this.desk.positionSamples();
  }

  risk() {
    return {
      halted: this.desk.kill.isHalted(),
      killSwitchEngaged: this.desk.kill.isHalted(),
      dailyPnl: Number(this.desk.riskStatus().dailyPnl),
      dailyLossLimit: this.config.risk.daily_loss_limit,
    };
  }

  strategies() {
    const st = this.supervised;
    return st === undefined ? [] : [{ name: st.name, state: this.strategyState() }];
  }

  /** MetricsSource: realized PnL and fees by UTC day, the recent days. */
  pnlByDay() {
    return this.desk.pnlDays.samples(this.clock.nowMs());
  }

  /** MetricsSource: each quoted instrument side, "quoting" or why not. */
  quoting() {
    return this.quoteWatch.samples(this.supervised);
  }

  /** MetricsSource: working parent orders per symbol (every traded symbol, 0 when none). */
  parentsWorking(): readonly { symbol: string; count: number }[] {
    const counts = new Map<string, number>();
    for (const b of this.bookMap.values()) counts.set(b.symbol, 0);
    for (const p of this.desk.parents.working()) counts.set(p.symbol, (counts.get(p.symbol) ?? 0) + 1);
    return [...counts].map(([symbol, count]) => ({ symbol, count }));
  }

  /**
   * How the control API checks a parameter update for the strategy of that name (undefined: no such
   * strategy): through its guard, so a module's declared schema is applied before its own checks.
   */
  strategyParamsValidator(name: string): ((body: unknown) => ParamsValidation) | undefined {
    const st = this.supervised;
    return st !== undefined && st.name === name ? (body) => st.validateParams(body) : undefined;
  }

  /** Drains waiting control commands now (the engine also schedules this itself on arrival). */
  drainCommands(): number {
    this.drainScheduled = false;
    return this.commands.drain((c) => this.applyCommand(c));
  }

  // ---------------------------------------------------------------- internals

  /** Writes what the recorder still holds; a failure is logged, never thrown into the shutdown. */
  private async closeRecorder(): Promise<void> {
    const r = this.recorder;
    if (r === undefined) return;
    try {
      await r.close();
      const s = r.sink.stats;
      this.log.info(`recorder closed: ${r.stats.events} events in ${s.chunks} chunks`, {
        dir: this.config.engine.record?.dir,
        bytes: s.storedBytes,
        errors: s.errors,
      });
      if (s.errors > 0) this.log.error("recorder could not write everything", { lastError: s.lastError });
    } catch (e) {
      this.log.error("recorder close failed", { error: (e as Error).message });
    }
  }

  /** Adds what an adapter's bad-frame, dropped and budget-wait counters grew by since the last read. */
  private syncAdapterStats(v: VenueEntry): void {
    const m = v.metrics;
    const stats = m === undefined ? undefined : v.adapter.stats?.();
    if (m === undefined || stats === undefined) return;
    let seen = this.statsSeen.get(v.adapter.name);
    if (seen === undefined) {
      seen = new Map();
      this.statsSeen.set(v.adapter.name, seen);
    }
    for (const [key, value] of Object.entries(stats)) {
      const malformed = key.startsWith(MALFORMED_PREFIX);
      const waits = key === BUDGET_WAITS_STAT;
      if (!malformed && !waits && !DROPPED_STAT.test(key)) continue;
      const delta = value - (seen.get(key) ?? 0);
      seen.set(key, value);
      const c = waits ? m.budgetWaits : malformed ? m.malformed(key.slice(MALFORMED_PREFIX.length)) : m.dropped(key);
      c.inc(Math.max(delta, 0));
    }
  }

  private killTrips = 0;
  /** The running strategy's name: its orders are tagged with it. */
  private strategyName = "";

  /** engine.keep_warm_ms > 0: rehearse the hot path between sparse frames (see keep-warm.ts). */
  private startKeepWarm(st: Strategy, resolved: ResolvedStrategy | undefined): void {
    const periodMs = this.config.engine.keep_warm_ms;
    const busy = this.config.engine.busy_poll;
    if (periodMs <= 0 && !busy) return;
    const adapters = new Map<string, VenueAdapter>();
    for (const [name, v] of this.venueMap) adapters.set(name, v.adapter);
    try {
      this.keepWarm = new KeepWarm({
        clock: this.clock,
        periodMs,
        busy,
        desk: this.desk,
        strategy: st,
        createShadow: (ctx) => this.createRaw(resolved, ctx),
        context: this.strategyContext(),
        adapters,
        books: () => this.bookMap.values(),
        active: () =>
          this.phase === "running" &&
          !this.paused &&
          !this.desk.kill.isHalted() &&
          this.supervised?.fault === undefined,
        clientIdPrefix: this.config.engine.client_id_prefix,
      });
      this.keepWarm.start();
      this.log.info(busy ? "keep-warm rehearsal busy-polling (one core)" : `keep-warm rehearsal every ${periodMs} ms`);
    } catch (e) {
      this.log.warn("keep-warm disabled: the shadow strategy could not be built", { error: (e as Error).message });
    }
  }

  /** Reads every connected venue's fee rates again, off the hot path (the answers land as events do). */
  private refreshFees(): void {
    for (const v of this.venueMap.values()) {
      if (v.connected) void this.fees.refresh(v.adapter, () => this.clock.nowMs());
    }
  }

  /** A stop() (signal) during start-up wins: start() gives up instead of quoting afterwards. */
  private assertStarting(): void {
    if (this.phase !== "starting") throw new Error(`start-up interrupted: engine ${this.phase}`);
  }

  /** What the engine's own state allows of quoting (the quote watch reads it). */
  private quotingGate(): QuotingGate {
    if (this.phase !== "running") return "stopped";
    if (this.desk.kill.isHalted()) return "halted";
    if (this.supervised?.fault !== undefined) return "strategy_failed";
    return this.paused ? "paused" : "running";
  }

  /** Who paused the strategy: the operator, or (a strategy that stopped by itself) nobody asked. */
  private pausedBy(): string | null {
    if (this.strategyState() !== "paused") return null;
    return this.paused ? "operator" : "strategy stopped";
  }

  private strategyState(): "running" | "paused" | "halted" | "failed" {
    if (this.desk.kill.isHalted()) return "halted";
    if (this.supervised?.fault !== undefined) return "failed";
    if (this.paused || this.supervised?.state() !== "running") return "paused";
    return "running";
  }

  /** The strategy behind its guard: every call the engine makes into strategy code goes through it. */
  private get supervised(): StrategySupervisor | undefined {
    return this.strategyGuard?.supervisor;
  }

  /**
   * Builds the strategy inside its guard. A constructor that throws is a start-up error naming the
   * module (or the built-in) and what it threw.
   */
  private buildStrategy(resolved: ResolvedStrategy | undefined): StrategySupervisor {
    const cfg = this.config.strategy;
    const name = resolved?.name ?? cfg.name ?? cfg.type ?? "strategy";
    this.strategyName = name;
    const ctx = this.strategyContext();
    const guard = new StrategyGuard({
      name,
      config: cfg.guard,
      clock: this.clock,
      log: this.log,
      metrics: this.opts.metrics,
      sink: ctx.sink,
      instruments: ctx.instruments,
      schema: resolved?.definition.paramsSchema,
      ...(this.opts.strategyTimeNs !== undefined ? { timeNs: this.opts.strategyTimeNs } : {}),
      onHalt: (f) => this.onStrategyHalt(f),
    });
    try {
      this.strategy = guard.supervisor.attach((guarded) => this.createRaw(resolved, guarded));
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      throw new Error(`strategy ${resolved?.source ?? name}: create() threw ${err.name}: ${err.message}`);
    }
    this.strategyGuard = guard;
    return guard.supervisor;
  }

  /** The bare strategy object (the guard's context for the real one, keep-warm's for its shadow). */
  private createRaw(resolved: ResolvedStrategy | undefined, ctx: StrategyContext): Strategy {
    const factory = this.opts.strategyFactory;
    if (factory !== undefined) return factory(this.config.strategy, ctx);
    if (resolved === undefined) throw new Error("strategy: neither resolved nor a factory");
    return resolved.definition.create(resolved.name, ctx, resolved.params);
  }

  /**
   * The guard halted the strategy (it threw, or was too slow too often): cancel everything it has
   * working, parents first so nothing re-routes. The engine, its HTTP API and every venue's state
   * stay up; an operator's resume runs the strategy again.
   */
  private onStrategyHalt(_fault: StrategyFault): void {
    this.counters.strategyHalts++;
    const targets = strategyTargets(this.config);
    for (const symbol of new Set(targets.map((t) => t.symbol))) this.desk.parents.cancelAll(symbol);
    for (const { venue, symbol } of targets) this.desk.oms.cancelAll(venue.name, symbol);
  }

  /** The instruments the strategy trades and where its intents go (the execution desk, tagged with its name). */
  private strategyContext(): StrategyContext {
    const instruments: StrategyInstrument[] = [];
    for (const { venue, symbol } of strategyTargets(this.config)) {
      const info = this.venueMap.get(venue.name)?.adapter.instruments().get(symbol);
      if (info === undefined) throw new Error(`strategy: venue ${venue.name} does not list ${symbol}`);
      instruments.push({ venue: venue.name, symbol, info, fees: this.fees.live(venue.name, symbol) });
    }
    const sink: IntentSink = {
      quotes: (intent) => {
        if (this.phase !== "running" && intent.bids.length + intent.asks.length > 0) return;
        const r = this.desk.quote(intent.venue, intent, "limit_maker", this.strategyName);
        this.quoteWatch.noteQuote(intent.venue, intent.symbol, r);
      },
      order: (o) => {
        if (this.phase !== "running") return;
        this.desk.submit(o.venue, o.symbol, o.side, o.priceTicks, o.lots, o.type, o.tif, this.strategyName);
      },
      route: (intent) => {
        if (this.phase !== "running") return;
        this.desk.parents.submit({ ...intent, strategy: this.strategyName });
      },
    };
    return { clock: this.clock, instruments, sink };
  }

  private onBook(ev: Extract<VenueEvent, { type: "book" }>): void {
    const last = this.lastBook;
    const b =
      last !== undefined && last.symbol === ev.symbol && last.venue === ev.venue
        ? last
        : this.bookIndex.get(ev.venue)?.get(ev.symbol);
    if (b === undefined) return;
    this.lastBook = b;
    this.counters.bookEvents++;
    b.book = ev.book;
    b.updates++;
    b.lastUpdateMs = this.clock.nowMs();
    b.metrics?.forSymbol(ev.symbol).bookUpdates.inc();
    if (b.health !== "live") {
      // adapters report health separately; trust the adapter's current view too
      const h = this.venueMap.get(ev.venue)?.adapter.bookHealth(ev.symbol);
      if (h === "live") this.onBookHealth(ev.venue, ev.symbol, "live", "book event");
      else return;
    }
    if (b.pausedSinceMs !== null) this.resumeQuoting(b);
    this.feedBook(b, ev.book, ev.recvNs);
  }

  /** The health strategies and the risk gate see: a live book the fill guard paused shows as stale. */
  private shownHealth(b: BookEntry): BookHealth {
    return b.pausedSinceMs !== null && b.health === "live" ? "stale" : b.health;
  }

  /**
   * Fill guard: a fill on a book whose last update is older than the venue's max_book_age_ms means
   * we may be quoting on a frozen feed the adapter has not caught (yet): stop quoting on the symbol,
   * cancel its orders, until fresh data arrives. Runs before the strategy hears of the fill, so it
   * cannot re-quote on the old book first.
   */
  private guardFill(b: BookEntry): void {
    if (b.pausedSinceMs !== null || this.phase !== "running") return;
    const now = this.clock.nowMs();
    const age = b.lastUpdateMs === null ? Number.POSITIVE_INFINITY : now - b.lastUpdateMs;
    if (age <= b.maxBookAgeMs) return;
    b.pausedSinceMs = now;
    b.pauseReason = `fill on a book ${b.lastUpdateMs === null ? "never updated" : `${age} ms old`} (limit ${b.maxBookAgeMs} ms)`;
    this.counters.quotePauses++;
    b.metrics?.forSymbol(b.symbol).quotePauses.inc();
    const cancelled = this.desk.oms.cancelAll(b.venue, b.symbol);
    this.log.warn(`quoting paused on ${b.venue} ${b.symbol}: ${b.pauseReason}; resumes with the next book update`, {
      cancelled,
    });
    const shown = this.shownHealth(b);
    this.desk.setBookHealth(b.venue, b.symbol, shown);
    this.supervised?.onBookHealth(b.venue, b.symbol, shown);
  }

  /** Fresh book data after a fill-guard pause: quoting resumes by itself. */
  private resumeQuoting(b: BookEntry): void {
    const pausedMs = this.clock.nowMs() - (b.pausedSinceMs ?? 0);
    b.pausedSinceMs = null;
    b.pauseReason = null;
    this.log.info(`quoting resumed on ${b.venue} ${b.symbol}: fresh book data after ${pausedMs} ms`);
    this.desk.setBookHealth(b.venue, b.symbol, b.health);
    if (this.phase === "running") this.supervised?.onBookHealth(b.venue, b.symbol, b.health);
  }

  /** Marks the desk to the book, then lets the strategy decide; orders it sends close tick-to-trade. */
  private feedBook(b: BookEntry, book: BookView, recvNs: number): void {
    const bid = book.bestBidTicks();
    const ask = book.bestAskTicks();
    if (bid > 0 && ask > 0) this.desk.setTopOfBook(b.venue, b.symbol, bid, ask);
    const st = this.supervised;
    if (this.phase !== "running" || this.paused || st === undefined) return;
    this.tickRecvNs = recvNs;
    this.tickVenue = b.metrics;
    let u = b.update;
    if (u === undefined) {
      u = { venue: b.venue, symbol: b.symbol, book, health: b.health, recvNs };
      b.update = u;
    } else {
      u.book = book;
      u.health = b.health;
      u.recvNs = recvNs;
    }
    try {
      st.onBook(u);
    } finally {
      this.tickRecvNs = 0;
      this.tickVenue = undefined;
    }
  }

  private onBookHealth(venue: string, symbol: string, health: BookHealth, reason: string, check?: StaleCheck): void {
    const b = this.bookMap.get(`${venue}/${symbol}`);
    if (b === undefined) {
      this.desk.setBookHealth(venue, symbol, health);
      return;
    }
    if (b.health === health) return;
    b.health = health;
    const shown = this.shownHealth(b);
    this.desk.setBookHealth(venue, symbol, shown);
    if (health === "live") this.log.info(`book ${venue} ${symbol} live`);
    else this.log.warn(`book ${venue} ${symbol} ${health}`, check === undefined ? { reason } : { reason, check });
    if (health === "live") {
      b.everLive = true;
      b.resyncCounted = false;
    } else if (health === "resyncing" && b.everLive && !b.resyncCounted) {
      // one resync per loss of sync, however many states the book passes through on the way back
      b.resyncCounted = true;
      this.venueMap.get(venue)?.metrics?.forSymbol(symbol).bookResyncs.inc();
    }
    if (this.phase === "running") this.supervised?.onBookHealth(venue, symbol, shown);
  }

  private onOrder(u: OrderUpdate, recvNs: number): void {
    if (u.exec === "ack") {
      const sent = this.sentNs.get(u.clientId);
      if (sent !== undefined) {
        const ns = (recvNs > 0 ? recvNs : this.clock.monoNs()) - sent;
        this.ackLatency.record(ns);
        this.venueMap.get(u.venue)?.metrics?.ackLatency.observeNs(ns);
      }
    }
    if (u.status !== "new" && u.status !== "partially_filled") this.sentNs.delete(u.clientId);
    else if (u.exec !== "ack") this.sentNs.delete(u.clientId);
    this.desk.onVenueEvent({ type: "order", update: u, recvNs });
    if (this.phase === "running" || this.phase === "stopping") this.supervised?.onOrder(u);
  }

  private onFill(f: FillEvent): void {
    this.counters.fills++;
    this.venueMap.get(f.venue)?.metrics?.forSymbol(f.symbol).fills.inc();
    const b = this.bookMap.get(`${f.venue}/${f.symbol}`);
    const inst = this.desk.registry.get(f.venue, f.symbol);
    const pos = inst?.position.lots ?? 0;
    if (b !== undefined && this.log.enabled("info")) {
      this.log.info("fill {venue} {symbol} {side} {quantity} @ {price}", {
        event: "fill",
        venue: f.venue,
        symbol: f.symbol,
        side: SIDE_NAME[f.side],
        quantity: b.info.qty.format(f.lots),
        price: b.info.price.format(f.priceTicks),
        maker: f.isMaker,
        fee: f.fee,
        feeAsset: f.feeAsset,
        position: b.info.qty.format(pos),
        clientId: f.clientId,
        venueOrderId: f.order?.venueOrderId ?? "",
        tradeId: f.tradeId,
        ...(f.order?.strategy != null ? { strategy: f.order.strategy } : {}),
      });
    }
    if (b !== undefined) this.guardFill(b);
    this.opts.onFill?.(f);
    this.supervised?.onPosition({ venue: f.venue, symbol: f.symbol, positionLots: pos });
  }

  /** Whether a venue is one the engine's own simulator child runs (its account starts afresh each run). */
  private simChild(venue: string): boolean {
    const vc = this.config.venues.find((v) => v.name === venue);
    return vc !== undefined && isSimVenue(vc);
  }

  private onHalt(reason: string): void {
    this.killTrips++;
    this.lastHaltReason = reason;
    this.journal?.riskChanged();
    this.opts.metrics?.risk.killSwitchTrips.inc();
    this.log.error(`KILL SWITCH: ${reason}; every order cancelled, strategies halted until resumed`);
    this.supervised?.stop();
    this.opts.onKillSwitch?.(true, reason);
  }

  private applyCommand(c: EngineCommand): CommandResult {
    this.counters.commands++;
    this.log.info(`command ${c.kind}`, { id: c.id });
    const st = this.supervised;
    switch (c.kind) {
      case "pause_strategy":
      case "resume_strategy":
      case "set_strategy_params":
        if (st === undefined || st.name !== c.strategy)
          return { ok: false, message: `no strategy named ${c.strategy}` };
        return this.strategyCommand(st, c);
      case "cancel_all": {
        // parents span venues: a cancel-all over every venue ends them, so none re-routes afterwards
        const parents = c.venue === undefined ? this.desk.parents.cancelAll(c.symbol) : 0;
        const n = this.desk.oms.cancelAll(c.venue, c.symbol);
        return {
          ok: true,
          message: `cancel requested for ${n} orders${parents > 0 ? `, ${parents} parent orders ended` : ""}`,
          details: { orders: n, parents },
        };
      }
      case "kill_switch": {
        const tripped = this.desk.halt(`operator: ${c.reason}`);
        return { ok: true, message: tripped ? "kill switch engaged" : "already halted" };
      }
      case "resume_trading": {
        if (!this.desk.kill.isHalted()) return { ok: true, message: "not halted" };
        this.desk.resume();
        this.journal?.riskChanged();
        this.log.warn(`trading resumed by operator: ${c.reason}`, { haltReason: this.lastHaltReason });
        if (!this.paused) st?.start();
        this.opts.onKillSwitch?.(false, c.reason);
        return { ok: true, message: "trading resumed" };
      }
      default:
        return { ok: false, message: "unknown command" };
    }
  }

  /** Pause, resume (which also runs again a strategy its guard halted) or new parameters. */
  private strategyCommand(
    st: StrategySupervisor,
    c: Extract<EngineCommand, { kind: "pause_strategy" | "resume_strategy" | "set_strategy_params" }>,
  ): CommandResult {
    if (c.kind === "pause_strategy") {
      this.paused = true;
      st.stop();
      return { ok: true, message: `strategy ${st.name} paused; its quotes are being cancelled` };
    }
    if (c.kind === "resume_strategy") {
      if (this.desk.kill.isHalted()) return { ok: false, message: "trading is halted; resume_trading first" };
      const fault = st.fault;
      if (fault !== undefined) {
        this.log.warn(`strategy ${st.name} resumed by operator after its guard halted it`, { fault: fault.message });
        st.clearFault();
      }
      this.paused = false;
      st.start();
      return { ok: true, message: `strategy ${st.name} resumed` };
    }
    const params = st.updateParams(c.params);
    return { ok: true, message: `strategy ${st.name} parameters updated`, details: { params } };
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    // run on the engine's own turn, never inside the HTTP handler's stack
    queueMicrotask(() => this.drainCommands());
  }

  private async waitForBooks(maxMs: number): Promise<void> {
    const deadline = this.clock.nowMs() + maxMs;
    for (;;) {
      this.assertStarting();
      const waiting = [...this.bookMap.values()].filter((b) => b.health !== "live" && this.healthOf(b) !== "live");
      if (waiting.length === 0) return;
      if (this.clock.nowMs() >= deadline) {
        const list = waiting.map((b) => `${b.venue} ${b.symbol} (${b.health})`).join(", ");
        throw new Error(`books not live after ${maxMs} ms: ${list}`);
      }
      await this.sleep(10);
    }
  }

  private healthOf(b: BookEntry): BookHealth | undefined {
    const h = this.venueMap.get(b.venue)?.adapter.bookHealth(b.symbol);
    if (h === "live" && b.health !== "live") {
      this.onBookHealth(b.venue, b.symbol, "live", "adapter reports live");
      const book = this.venueMap.get(b.venue)?.adapter.book(b.symbol);
      if (book !== undefined) b.book = book;
    }
    return h;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimer(ms, resolve));
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.counters.eventErrors++;
      this.log.error("handler failed", { error: (e as Error).message });
    }
  }

  private orderStatusOf(o: ManagedOrder) {
    const info = this.bookMap.get(`${o.venue}/${o.symbol}`)?.info;
    const st = o.state;
    return {
      venue: o.venue,
      symbol: o.symbol,
      clientId: o.clientId,
      side: SIDE_NAME[o.side],
      price: info?.price.format(o.priceTicks) ?? String(o.priceTicks),
      qty: info?.qty.format(o.lots) ?? String(o.lots),
      filled: info?.qty.format(o.cumLots) ?? String(o.cumLots),
      status: st === "pending_new" || st === "pending_cancel" ? st : isTerminal(st) ? "canceled" : st,
      strategy: o.strategy,
    } as const;
  }

  /** The most frequent risk refusal reasons, e.g. " (order_rate 12, price_band 3)". */
  private refusalSummary(): string {
    const top = Object.entries(this.desk.risk.stats.rejections)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2);
    return top.length === 0 ? "" : ` (${top.map(([r, n]) => `${r} ${n}`).join(", ")})`;
  }

  /**
   * The periodic status, one short line per subject so it fits a 120-column terminal with the log's
   * time, level and component in front: the counters and latency, then each book (venue, symbol,
   * health, top of book, our resting quotes, position), then PnL per quote currency.
   */
  private logProgress(): void {
    if (!this.log.enabled("info")) return;
    const [p50, p99] = this.tickToTrade.percentiles([50, 99]);
    const counts = [
      `fills ${this.counters.fills}`,
      `orders ${this.counters.ordersSent}`,
      `risk-refused ${this.counters.riskRejects}${this.refusalSummary()}`,
      `venue-rejected ${this.desk.oms.stats.rejected}`,
      ...(this.tickToTrade.count > 0 ? [`tick-to-trade p50 ${us(p50)} p99 ${us(p99)}`] : []),
      ...(this.desk.kill.isHalted() ? ["HALTED"] : []),
    ];
    for (const line of statusLines("", counts)) this.log.info(line);
    for (const b of this.bookMap.values()) {
      for (const line of statusLines(`${b.venue} ${b.symbol}`, this.bookParts(b))) this.log.info(line);
    }
    for (const [currency, p] of this.desk.positions.totalsByQuote()) {
      const net = p.realized + p.unrealized - p.fees;
      const parts = [
        `realized ${fmt2(p.realized)}`,
        `unrealized ${fmt2(p.unrealized)}`,
        `fees ${fmt2(p.fees)}`,
        `net ${fmt2(net)}`,
      ];
      for (const line of statusLines(`PnL ${currency}`, parts)) this.log.info(line);
    }
  }

  /** One book's status: health, top of book, our resting bids/asks, position. */
  private bookParts(b: BookEntry): string[] {
    const bid = b.book?.bestBidTicks() ?? -1;
    const ask = b.book?.bestAskTicks() ?? -1;
    let bids = 0;
    let asks = 0;
    for (const o of this.desk.oms.liveOrders(b.venue, b.symbol, Side.Buy)) if (o.state !== "pending_cancel") bids++;
    for (const o of this.desk.oms.liveOrders(b.venue, b.symbol, Side.Sell)) if (o.state !== "pending_cancel") asks++;
    const pos = this.desk.registry.get(b.venue, b.symbol)?.position.lots ?? 0;
    const top = `${bid >= 0 ? b.info.price.format(bid) : "-"}/${ask >= 0 ? b.info.price.format(ask) : "-"}`;
    return [`${b.health} ${top}`, `resting ${bids}b/${asks}a`, `pos ${b.info.qty.format(pos)}`];
  }
}

/**
 * Longest status message: 120 columns less the log's own prefix ("2026-01-05T12:00:05.100Z INFO
 * [engine] ", 40 columns), so every status line fits a 120-column terminal.
 */
export const STATUS_MESSAGE_MAX = 80;

/**
 * "status: <head> <parts...>" packed into as few lines as fit STATUS_MESSAGE_MAX, the head repeated on
 * each (so every line says what it is about); a part too long even alone is cut with an ellipsis.
 */
function statusLines(head: string, parts: readonly string[]): string[] {
  const prefix = `status: ${head === "" ? "" : `${head} `}`;
  const out: string[] = [];
  let line = "";
  for (const part of parts) {
    const next = line === "" ? `${prefix}${part}` : `${line} ${part}`;
    if (next.length <= STATUS_MESSAGE_MAX || line === "") {
      line = next;
      continue;
    }
    out.push(line);
    line = `${prefix}${part}`;
  }
  if (line !== "") out.push(line);
  return out.map((l) => (l.length <= STATUS_MESSAGE_MAX ? l : `${l.slice(0, STATUS_MESSAGE_MAX - 1)}…`));
}

/** A Money amount rounded to 2 decimals for the console (display only). */
function fmt2(x: bigint): string {
  const s = formatMoney(x);
  const dot = s.indexOf(".");
  return dot < 0 ? s : s.slice(0, dot + 3);
}

function us(ns: number | undefined): string {
  return ns === undefined || Number.isNaN(ns) ? "-" : `${(ns / 1000).toFixed(1)}µs`;
}
