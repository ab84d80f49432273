/**
 * The engine's side of the guard around its strategy (src/strategy/supervisor.ts): the guard's
 * measurements go to metrics on the hot path (one histogram bump per callback), a halt is logged at
 * once with the error's stack and handed to the engine to cancel the strategy's orders, and overruns
 * and dropped intents, which can come thousands a second, are counted and summed up in one log line
 * at most every ten seconds.
 */
import type { EngineMetrics, StrategyMetrics } from "../metrics/index.ts";
import type { Clock, Logger } from "../services/index.ts";
import {
  type GuardLimits,
  INTENT_DROP_REASONS,
  type IntentDropReason,
  type IntentSink,
  type ParamsSchema,
  STRATEGY_CALLBACKS,
  type StrategyCallback,
  type StrategyFault,
  type StrategyInstrument,
  StrategySupervisor,
} from "../strategy/index.ts";
import type { StrategyGuardConfig } from "./config-schema.ts";

/** Least time between two summary lines of overruns or dropped intents. */
const REPORT_EVERY_MS = 10_000;

/** The guard's limits in the supervisor's units, from config strategy.guard. */
export function guardLimits(cfg: StrategyGuardConfig): GuardLimits {
  return {
    eventBudgetNs: cfg.event_budget_us * 1000,
    maxOverruns: cfg.max_overruns,
    overrunWindowMs: cfg.overrun_window_ms,
    maxIntentsPerEvent: cfg.max_intents_per_event,
  };
}

/** What the engine gives its guard. */
export interface StrategyGuardOptions {
  /** The strategy's configured name. */
  readonly name: string;
  readonly config: StrategyGuardConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: EngineMetrics | undefined;
  /** The engine's sink: intents that pass the guard go here. */
  readonly sink: IntentSink;
  readonly instruments: readonly StrategyInstrument[];
  /** The module's declared schema (updates are checked against it first); undefined for a prebuilt strategy. */
  readonly schema: ParamsSchema | undefined;
  /** Monotonic ns to time callbacks with (default the clock's: wall time live, none on a virtual clock). */
  readonly timeNs?: () => number;
  /** The strategy was halted: cancel its orders. */
  readonly onHalt: (fault: StrategyFault) => void;
}

/** The supervisor wired to the engine's metrics and log (see the file comment). */
export class StrategyGuard {
  readonly supervisor: StrategySupervisor;
  private readonly metrics: StrategyMetrics | undefined;
  private overrunsSince = 0;
  private slowestNs = 0;
  private slowestIn: StrategyCallback = "book";
  private readonly dropsSince: Record<IntentDropReason, number> = { over_cap: 0, foreign_instrument: 0, malformed: 0 };
  private lastReportMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: StrategyGuardOptions) {
    const m = opts.metrics?.forStrategy(opts.name, STRATEGY_CALLBACKS);
    this.metrics = m;
    // known label sets start at 0, so a dashboard shows "none yet" rather than "no data"
    m?.halts("error");
    m?.halts("time_budget");
    for (const r of INTENT_DROP_REASONS) m?.intentsDropped(r);
    const histograms = m?.callbacks;
    this.supervisor = new StrategySupervisor({
      name: opts.name,
      clock: opts.clock,
      sink: opts.sink,
      instruments: opts.instruments,
      limits: guardLimits(opts.config),
      ...(opts.schema !== undefined ? { schema: opts.schema } : {}),
      ...(opts.timeNs !== undefined ? { timeNs: opts.timeNs } : {}),
      ...(histograms !== undefined ? { observe: (cb: number, ns: number) => histograms[cb]?.observeNs(ns) } : {}),
      onOverrun: (cb, ns) => this.overrun(cb, ns),
      onDrop: (reason) => this.drop(reason),
      onFault: (f) => this.fault(f),
    });
  }

  /** Logs what was counted since the last line (overruns, dropped intents), at most every ten seconds. */
  report(nowMs: number): void {
    const dropped = INTENT_DROP_REASONS.filter((r) => this.dropsSince[r] > 0);
    if ((this.overrunsSince === 0 && dropped.length === 0) || nowMs - this.lastReportMs < REPORT_EVERY_MS) return;
    this.lastReportMs = nowMs;
    const name = this.opts.name;
    const budgetUs = this.opts.config.event_budget_us;
    if (this.overrunsSince > 0) {
      // a stray GC pause or preemption is worth a note; half of what halts the strategy is a warning
      const worrying = this.overrunsSince * 2 >= this.opts.config.max_overruns;
      (worrying ? this.opts.log.warn : this.opts.log.info).call(
        this.opts.log,
        `strategy ${name}: ${this.overrunsSince} callbacks over the ${budgetUs} µs budget`,
        {
          slowest: `${this.slowestIn} ${(this.slowestNs / 1000).toFixed(0)} µs`,
          halts_at: `${this.opts.config.max_overruns} within ${this.opts.config.overrun_window_ms} ms`,
        },
      );
    }
    if (dropped.length > 0) {
      this.opts.log.warn(`strategy ${name}: intents dropped by the engine's guard`, {
        dropped: dropped.map((r) => `${r} ${this.dropsSince[r]}`).join(", "),
        max_intents_per_event: this.opts.config.max_intents_per_event,
      });
    }
    this.overrunsSince = 0;
    this.slowestNs = 0;
    for (const r of INTENT_DROP_REASONS) this.dropsSince[r] = 0;
  }

  private overrun(cb: StrategyCallback, ns: number): void {
    this.metrics?.overruns.inc();
    this.overrunsSince++;
    if (ns > this.slowestNs) {
      this.slowestNs = ns;
      this.slowestIn = cb;
    }
  }

  private drop(reason: IntentDropReason): void {
    this.metrics?.intentsDropped(reason).inc();
    this.dropsSince[reason]++;
  }

  private fault(f: StrategyFault): void {
    if (f.reason === "error") this.metrics?.errors.inc();
    this.metrics?.halts(f.reason).inc();
    this.opts.log.error(
      `strategy ${this.opts.name} halted: ${f.message}; its orders are being cancelled, the engine keeps running (POST /api/strategies/${this.opts.name}/resume runs it again)`,
      { reason: f.reason, callback: f.callback, ...(f.error?.stack !== undefined ? { stack: f.error.stack } : {}) },
    );
    this.opts.onHalt(f);
  }
}
