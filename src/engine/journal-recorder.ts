/**
 * The engine's side of the journal: it hands every order creation, order transition and booked
 * fill to the journal's staging slots during the handler turn, adds the snapshots (positions and
 * balances that moved, risk state when it changed) to each batch, and runs the journal's part of
 * start-up (restore, then settle each venue) and shutdown. Its policy: a journal that cannot keep
 * up, or a start-up check the venue fails, halts trading unless the config says warn.
 */
import type { JournalStatus } from "../command/index.ts";
import type { InstrumentState } from "../execution/index.ts";
import { Balances, type Execution, type FillBooking, type FillEvent, type ManagedOrder } from "../execution/index.ts";
import type { Journal, JournalRecord, RestoredState, RiskRecord, SqliteJournal } from "../journal/index.ts";
import type { EngineMetrics, JournalMetricsSource } from "../metrics/index.ts";
import type { Clock, Logger, TimerId } from "../services/index.ts";
import { formatMoney, moneyToNumber } from "../types/index.ts";
import type { VenueAdapter } from "../venues/index.ts";
import type { JournalConfig } from "./config-schema.ts";
import {
  type RestoredSummary,
  restoreEngineWide,
  restoreVenueBalances,
  restoreVenuePositions,
} from "./journal-restore.ts";
import {
  catchUpTrades,
  checkBalances,
  probeRun,
  type SettleContext,
  settleOrders,
  type TradeCatchUp,
} from "./journal-settle.ts";

/** What the recorder needs from the engine. */
export interface EngineJournalDeps {
  readonly journal: Journal;
  readonly store: SqliteJournal;
  readonly desk: Execution;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: JournalConfig;
  readonly metrics?: EngineMetrics | undefined;
  /** sha256 of the redacted config and the code version, recorded with the run. */
  readonly configHash: string;
  readonly codeVersion: string;
}

/** One balance the journal and the venue disagree on at start-up. */
interface Mismatch {
  readonly venue: string;
  readonly asset: string;
  readonly journal: bigint;
  readonly reported: bigint;
}

/** The journal as the engine uses it. */
export class EngineJournal implements JournalMetricsSource {
  private readonly d: EngineJournalDeps;
  private readonly dirtyInstruments = new Set<InstrumentState>();
  private readonly dirtyVenues = new Set<string>();
  private lastRisk: Omit<RiskRecord, "tsMs" | "kind"> | undefined;
  private riskTimer: TimerId = 0;
  private state: RestoredState | undefined;
  private summary: RestoredSummary | undefined;
  private restoredPositions = 0;
  private settled = 0;
  private discovered = 0;
  private readonly catchUps: TradeCatchUp[] = [];
  private readonly mismatches: Mismatch[] = [];
  private readonly problems: string[] = [];
  private readonly baselines = new Set<string>();
  private readonly venueOrders = new Map<string, string>();
  /** Venues the engine's own simulator child runs: their accounts and trade ids start afresh every run. */
  private readonly ephemeral = new Set<string>();

  constructor(deps: EngineJournalDeps) {
    this.d = deps;
    deps.journal.attach({
      instrument: (venue, symbol) => deps.desk.registry.get(venue, symbol)?.info,
      beforeCommit: () => this.snapshots(),
      onUnhealthy: (reason) => this.onUnhealthy(reason),
    });
    deps.metrics?.setJournalSource(this);
  }

  // ---------------------------------------------------------------- the handler turn (hot path)

  /** An order was created: staged, nothing else. */
  orderCreated(o: ManagedOrder): void {
    this.d.journal.orderCreated(o);
  }

  /** An order moved: staged with its cause. */
  orderState(o: ManagedOrder, from: string, cause: string): void {
    this.d.journal.orderState(o, from, cause);
  }

  /** A fill was booked: staged, and its instrument and venue get a snapshot in the batch. */
  fillBooked(f: FillEvent, b: FillBooking): void {
    const inst = b.inst;
    if (inst === undefined) return;
    this.d.journal.fill(f, inst.info.quote, b.realized, b.feeQuote, this.ephemeral.has(f.venue));
    this.dirtyInstruments.add(inst);
    this.dirtyVenues.add(f.venue);
  }

  /** The kill switch or the daily baseline may have changed: commit a risk record soon. */
  riskChanged(): void {
    if (this.riskRecordDue()) this.d.journal.wake();
  }

  // ---------------------------------------------------------------- start-up

  /** Restores engine-wide state and records this run; before any venue connects. */
  begin(startedMs: number, clientIdHead: string): void {
    const { desk, store, log } = this.d;
    const state = store.restore(startedMs);
    this.state = state;
    if (state.runs > 0) this.summary = restoreEngineWide(desk, state, log);
    const runId = store.beginRun({
      startedMs,
      configHash: this.d.configHash,
      codeVersion: this.d.codeVersion,
      clientIdHead,
    });
    this.d.journal.record({
      kind: "run",
      event: "start",
      runId,
      tsMs: startedMs,
      configHash: this.d.configHash,
      codeVersion: this.d.codeVersion,
      clientIdHead,
      reason: "",
      clean: false,
    });
    const s = this.summary;
    log.info(
      state.runs === 0 ? `journal ${store.path}: new, run ${runId}` : `journal ${store.path}: run ${runId} restores`,
      s === undefined
        ? {}
        : {
            runs: s.runs,
            fills: s.fills,
            killSwitch: s.killSwitch ?? "off",
            dailyBaseline: formatMoney(BigInt(s.baseline)),
          },
    );
  }

  /** Positions and balances of one venue (its instruments are registered); synchronous. */
  restoreVenue(venue: string, simChild: boolean): void {
    if (simChild) this.ephemeral.add(venue);
    const state = this.state;
    if (state === undefined || state.runs === 0) return;
    const n = restoreVenuePositions(this.d.desk, state, venue, this.d.log);
    this.restoredPositions += n;
    if (!simChild && restoreVenueBalances(this.d.desk, state, venue)) this.baselines.add(venue);
    const held = [...(this.d.desk.registry.venues.get(venue)?.instruments.values() ?? [])]
      .filter((i) => i.position.lots !== 0)
      .map((i) => `${i.info.symbol} ${formatMoney(i.math.base(i.position.lots))}`);
    this.d.log.info(`journal: venue ${venue} positions restored`, {
      instruments: n,
      open: held.join(", ") || "flat",
      ...(simChild ? { note: "the engine's own simulator starts afresh: its balances are not compared" } : {}),
    });
  }

  /**
   * After the venue's orphans are cancelled: settles earlier orders, catches up the fills missed
   * while down, checks balances. Failures become start-up problems (see endStart), not exceptions.
   */
  async settleVenue(
    adapter: VenueAdapter,
    symbols: readonly string[],
    simChild: boolean,
    sleep: (ms: number) => Promise<void>,
  ): Promise<void> {
    const { desk, log } = this.d;
    const venue = adapter.name;
    const state = this.state;
    const ctx: SettleContext = {
      desk,
      store: this.d.store,
      journal: this.d.journal,
      adapter,
      venue,
      symbols,
      log,
      nowMs: () => this.d.clock.nowMs(),
      sleep,
      venueOrders: this.venueOrders,
    };
    if (state === undefined || state.runs === 0 || simChild) {
      await desk.syncBalances(venue);
      if (state !== undefined && state.runs > 0) this.settled += await settleOrders(ctx);
      this.dirtyVenues.add(venue);
      return;
    }
    this.settled += await settleOrders(ctx);
    for (const run of this.d.store.uncleanRuns()) {
      try {
        this.discovered += await probeRun(ctx, run);
      } catch (e) {
        this.problem(`venue ${venue}: orders of run ${run.runId} could not be looked up: ${(e as Error).message}`);
      }
    }
    await this.catchUp(ctx, state);
    await this.compareBalances(ctx);
    this.dirtyVenues.add(venue);
  }

  private async catchUp(ctx: SettleContext, state: RestoredState): Promise<void> {
    if (ctx.adapter.tradeHistory === undefined) {
      this.d.log.warn(
        `journal: venue ${ctx.venue} cannot list its trade history; fills made while the engine was down are found only by the balance check`,
      );
      return;
    }
    try {
      for (const c of await catchUpTrades(ctx, state)) {
        this.catchUps.push(c);
        this.d.metrics?.journal.reconciledFills(c.venue).inc(c.applied);
        if (c.applied + c.duplicates + c.foreign > 0)
          this.d.log.info(`journal: ${c.venue} ${c.symbol} trade history ${c.from}`, {
            recovered: c.applied,
            alreadyBooked: c.duplicates,
            notOurs: c.foreign,
          });
      }
    } catch (e) {
      this.problem(`venue ${ctx.venue}: the trade history could not be read: ${(e as Error).message}`);
    }
  }

  private async compareBalances(ctx: SettleContext): Promise<void> {
    const hasBaseline = this.baselines.has(ctx.venue);
    let diffs: Awaited<ReturnType<typeof checkBalances>>;
    try {
      diffs = await checkBalances(ctx, hasBaseline);
    } catch (e) {
      this.problem(`venue ${ctx.venue}: balances could not be read: ${(e as Error).message}`);
      return;
    }
    if (diffs.length === 0) return;
    for (const x of diffs)
      this.mismatches.push({ venue: ctx.venue, asset: x.asset, journal: x.local, reported: x.venue });
    this.problem(
      `venue ${ctx.venue}: balances differ from the journal beyond what the fills explain: ${Balances.describe(diffs).replaceAll("local", "journal")}`,
    );
  }

  private problem(text: string): void {
    this.problems.push(text);
    this.d.log.error(`journal: ${text}`);
  }

  /** Every venue settled: earlier runs are settled, the first snapshots commit, problems are acted on. */
  endStart(): void {
    const { desk, store, journal, clock, settings } = this.d;
    if (this.problems.length === 0 && this.state !== undefined && this.state.runs > 0)
      store.markRecovered(
        store.uncleanRuns().map((r) => r.runId),
        clock.nowMs(),
      );
    for (const inst of desk.registry.instruments()) this.dirtyInstruments.add(inst);
    journal.flushNow();
    this.riskTimer = clock.setRepeating(1000, () => this.riskChanged());
    if (this.problems.length === 0) return;
    const reason = `journal: start-up check failed: ${this.problems[0]}${this.problems.length > 1 ? ` (+${this.problems.length - 1} more, see /api/status)` : ""}`;
    if (settings.on_mismatch === "halt") desk.halt(reason);
    else this.d.log.warn(`${reason}; quoting anyway (engine.journal.on_mismatch: warn)`);
  }

  // ---------------------------------------------------------------- shutdown

  /** Commits what is left and records how the run ended. */
  finish(reason: string, clean: boolean): void {
    const { journal, store, clock, log } = this.d;
    if (this.riskTimer !== 0) clock.clearTimer(this.riskTimer);
    this.riskTimer = 0;
    for (const inst of this.d.desk.registry.instruments()) this.dirtyInstruments.add(inst);
    journal.record({
      kind: "run",
      event: "stop",
      runId: store.runId,
      tsMs: clock.nowMs(),
      configHash: this.d.configHash,
      codeVersion: this.d.codeVersion,
      clientIdHead: "",
      reason,
      clean,
    });
    const ok = journal.flushNow();
    try {
      store.endRun(clock.nowMs(), reason, clean && ok);
    } catch (e) {
      log.error("journal: the end of the run could not be recorded", { error: (e as Error).message });
    }
  }

  // ---------------------------------------------------------------- snapshots, status, metrics

  /** Snapshots of what moved since the last batch, and the risk state when it changed. */
  private snapshots(): JournalRecord[] {
    const { desk, clock } = this.d;
    const now = clock.nowMs();
    const out: JournalRecord[] = [];
    for (const inst of this.dirtyInstruments) {
      const s = desk.positions.snapshot(inst);
      const feesByAsset: Record<string, string> = {};
      for (const [asset, amount] of s.feesByAsset) feesByAsset[asset] = formatMoney(amount);
      out.push({
        kind: "position",
        tsMs: now,
        venue: inst.venue,
        symbol: inst.info.symbol,
        tick: inst.info.price.increment,
        step: inst.info.qty.increment,
        lots: s.lots,
        position: formatMoney(inst.math.base(s.lots)),
        entries: s.entries,
        openCost: formatMoney(s.openCost),
        realized: formatMoney(s.realized),
        fees: formatMoney(s.fees),
        feesByAsset,
        unvaluedFees: s.unvaluedFees,
        fills: s.fills,
        boughtLots: s.boughtLots,
        soldLots: s.soldLots,
      });
    }
    this.dirtyInstruments.clear();
    for (const venue of this.dirtyVenues) {
      const balances = [...desk.balances.snapshot(venue)]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([asset, total]) => ({ asset, total: formatMoney(total) }));
      out.push({ kind: "balances", tsMs: now, venue, balances });
    }
    this.dirtyVenues.clear();
    const risk = this.riskRecordDue();
    if (risk !== undefined) {
      this.lastRisk = risk;
      out.push({ kind: "risk", tsMs: now, ...risk });
    }
    return out;
  }

  /** The risk state when it differs from the last one journaled. */
  private riskRecordDue(): Omit<RiskRecord, "tsMs" | "kind"> | undefined {
    const { desk } = this.d;
    const { day, baseline } = desk.risk.dayState();
    const halted = desk.kill.isHalted();
    const r = {
      day,
      baseline: formatMoney(baseline),
      halted,
      reason: halted ? desk.kill.reason() : "",
      trippedAtMs: halted ? desk.kill.trippedAtMs() : 0,
      trips: desk.kill.trips,
    };
    const l = this.lastRisk;
    if (
      l !== undefined &&
      l.day === r.day &&
      l.baseline === r.baseline &&
      l.halted === r.halted &&
      l.reason === r.reason
    )
      return undefined;
    return r;
  }

  private onUnhealthy(reason: string): void {
    if (this.d.settings.on_failure !== "halt") {
      this.d.log.warn(`journal unhealthy (${reason}); trading on (engine.journal.on_failure: warn)`);
      return;
    }
    // not from inside the journal's own commit: the halt's cancels stage new records
    queueMicrotask(() => this.d.desk.halt(`journal: ${reason}`));
  }

  /** The journal part of /api/status. */
  status(): JournalStatus {
    const { journal, store } = this.d;
    const s = this.summary;
    return {
      path: store.path,
      healthy: journal.healthy,
      problem: journal.problem,
      queueDepth: journal.depth,
      committed: journal.stats.committed,
      commitErrors: journal.stats.commitErrors,
      lastCommitMs: journal.stats.lastCommitMs,
      restored:
        s === undefined
          ? null
          : { runs: s.runs, fills: s.fills, positions: this.restoredPositions, killSwitch: s.killSwitch },
      catchUp: this.catchUps,
      settledOrders: this.settled,
      discoveredOrders: this.discovered,
      balanceMismatches: this.mismatches.map((m) => ({
        venue: m.venue,
        asset: m.asset,
        journal: formatMoney(m.journal),
        reported: formatMoney(m.reported),
        diff: formatMoney(m.journal - m.reported),
      })),
      startupProblems: [...this.problems],
    };
  }

  /** JournalMetricsSource: records waiting for a commit. */
  queueDepth(): number {
    return this.d.journal.depth;
  }

  /** JournalMetricsSource: false while the journal cannot keep up or keeps failing. */
  healthy(): boolean {
    return this.d.journal.healthy;
  }

  /** JournalMetricsSource: what the start-up balance check found (journal − venue, as doubles). */
  balanceMismatches(): readonly { venue: string; asset: string; diff: number }[] {
    return this.mismatches.map((m) => ({
      venue: m.venue,
      asset: m.asset,
      diff: moneyToNumber(m.journal - m.reported),
    }));
  }
}
