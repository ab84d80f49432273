/**
 * Avellaneda–Stoikov market making: quotes around a reservation price that moves against the
 * inventory, r = s − q·γ·σ²·τ, with total spread δ = γ·σ²·τ + (2/γ)·ln(1 + γ/κ). Written in
 * relative terms so one parameter set suits BTC and ETH alike: s is the mid, σ the volatility of
 * mid log-returns (per √second), q the inventory in order sizes, κ the order-arrival decay per
 * unit of relative distance, τ the rolling horizon in seconds; r and δ are applied as fractions of
 * s. Safety rules come from the shared QuotingStrategy base.
 */
import {
  type BookView,
  defineStrategy,
  fractionField,
  intField,
  type ParamIssue,
  parseParams,
  positiveUpTo,
  type QuoteState,
  QuotingStrategy,
  quotingParamsEntries,
  Side,
  type StrategyContext,
  v,
} from "../api.ts";

const SECONDS_PER_YEAR = 365 * 24 * 3600;

/** Parameters of avellaneda_stoikov; every default is written here once. */
export const avellanedaStoikovParamsSchema = v.strictObject({
  /** γ: inventory risk aversion (larger = stronger skew and wider quotes). */
  risk_aversion: v.optional(positiveUpTo(1e6), 50),
  /** Starting volatility estimate, annualised (0.5 = 50 %); used until the EWMA has samples. */
  volatility: v.optional(positiveUpTo(10), 0.5),
  /** Lowest volatility the estimate may fall to, annualised. */
  volatility_floor: v.optional(positiveUpTo(10), 0.1),
  /** EWMA window of mid log-returns, in samples. */
  volatility_window: v.optional(intField(2, 100_000), 60),
  /** Interval between mid samples, ms. */
  volatility_sample_ms: v.optional(intField(10, 3_600_000), 1000),
  /** κ given explicitly (per unit of relative distance); absent = estimated from book depth. */
  kappa: v.optional(positiveUpTo(1e9)),
  /** Levels per side the κ estimate reads. */
  kappa_levels: v.optional(intField(1, 1000), 10),
  /** Bounds of the κ estimate. */
  kappa_min: v.optional(positiveUpTo(1e9), 100),
  kappa_max: v.optional(positiveUpTo(1e9), 100_000),
  /** Rolling horizon T − t, seconds (at most a day). */
  horizon_s: v.optional(positiveUpTo(86_400), 60),
  ...quotingParamsEntries,
  level_spacing: v.optional(fractionField(0.5), 0.0005),
});

export type AvellanedaStoikovParams = v.InferOutput<typeof avellanedaStoikovParamsSchema>;

/** The κ estimate is clamped to [kappa_min, kappa_max]: bounds the wrong way round would pin it silently. */
function kappaBoundsIssues(p: Readonly<Record<string, unknown>>): ParamIssue[] {
  const lo = p.kappa_min;
  const hi = p.kappa_max;
  if (typeof lo !== "number" || typeof hi !== "number" || lo <= hi) return [];
  return [{ field: "kappa_min", message: `expected at most kappa_max (${hi}), got ${lo}` }];
}

/** Estimates kept per instrument. */
interface Estimates {
  lastSampleMs: number;
  lastMid: number;
  /** EWMA of squared log-returns per second; NaN until the first return. */
  variancePerS: number;
  /** Smoothed κ from the book; NaN until the first estimate. */
  kappa: number;
}

/** A-S quoting with an EWMA volatility and a book-depth liquidity estimate. */
export class AvellanedaStoikov extends QuotingStrategy<AvellanedaStoikovParams> {
  readonly kind = "avellaneda_stoikov";
  private readonly est = new Map<QuoteState, Estimates>();
  private readonly levelTicks = new Float64Array(1000);
  private readonly levelLots = new Float64Array(1000);
  /** Scratch sums of bookKappa (fields, so the per-update estimate allocates nothing). */
  private depthWeighted = 0;
  private depthTotal = 0;

  constructor(name: string, ctx: StrategyContext, params: unknown) {
    super(
      name,
      ctx,
      avellanedaStoikovParamsSchema,
      parseParams<AvellanedaStoikovParams>(avellanedaStoikovParamsSchema, name, params, kappaBoundsIssues),
    );
  }

  protected override crossFieldIssues(p: Readonly<Record<string, unknown>>): ParamIssue[] {
    return kappaBoundsIssues(p);
  }

  /** Current volatility used for quoting (annualised), for status and tests. */
  volatility(venue: string, symbol: string): number {
    const s = this.states.get(venue)?.get(symbol);
    return Math.sqrt(this.variancePerS(s === undefined ? undefined : this.est.get(s)) * SECONDS_PER_YEAR);
  }

  /** Current κ used for quoting, for status and tests. */
  kappa(venue: string, symbol: string): number {
    const s = this.states.get(venue)?.get(symbol);
    return this.kappaOf(s === undefined ? undefined : this.est.get(s));
  }

  protected override observe(s: QuoteState, book: BookView, nowMs: number): void {
    let e = this.est.get(s);
    if (e === undefined) {
      e = { lastSampleMs: Number.NaN, lastMid: Number.NaN, variancePerS: Number.NaN, kappa: Number.NaN };
      this.est.set(s, e);
    }
    const p = this.current;
    const mid = book.mid();
    if (mid > 0 && !(nowMs - e.lastSampleMs < p.volatility_sample_ms)) {
      if (e.lastMid > 0 && nowMs > e.lastSampleMs) {
        const r = Math.log(mid / e.lastMid);
        const perS = (r * r * 1000) / (nowMs - e.lastSampleMs);
        const alpha = 2 / (p.volatility_window + 1);
        e.variancePerS = Number.isNaN(e.variancePerS) ? perS : (1 - alpha) * e.variancePerS + alpha * perS;
      }
      e.lastMid = mid;
      e.lastSampleMs = nowMs;
    }
    if (p.kappa === undefined && mid > 0) {
      const k = this.bookKappa(book, mid, p.kappa_levels);
      // Smoothed over ~10 updates so one thin snapshot does not swing the spread.
      if (k > 0) e.kappa = Number.isNaN(e.kappa) ? k : 0.9 * e.kappa + 0.1 * k;
    }
  }

  /** κ ≈ 1 / (depth-weighted mean relative distance of the best levels from the mid). */
  private bookKappa(book: BookView, mid: number, levels: number): number {
    const n = Math.min(levels, this.levelTicks.length);
    this.depthWeighted = 0;
    this.depthTotal = 0;
    this.accumulateDepth(book, Side.Buy, n, mid);
    this.accumulateDepth(book, Side.Sell, n, mid);
    if (!(this.depthTotal > 0) || !(this.depthWeighted > 0)) return Number.NaN;
    return this.depthTotal / this.depthWeighted;
  }

  private accumulateDepth(book: BookView, side: Side, n: number, mid: number): void {
    const k = book.topLevels(side, n, this.levelTicks, this.levelLots);
    for (let i = 0; i < k; i++) {
      const lots = this.levelLots[i] as number;
      this.depthWeighted += (lots * Math.abs((this.levelTicks[i] as number) - mid)) / mid;
      this.depthTotal += lots;
    }
  }

  private variancePerS(e: Estimates | undefined): number {
    const p = this.current;
    const floor = (p.volatility_floor * p.volatility_floor) / SECONDS_PER_YEAR;
    const est =
      e === undefined || Number.isNaN(e.variancePerS)
        ? (p.volatility * p.volatility) / SECONDS_PER_YEAR
        : e.variancePerS;
    return Math.max(est, floor);
  }

  private kappaOf(e: Estimates | undefined): number {
    const p = this.current;
    if (p.kappa !== undefined) return p.kappa;
    const k = e === undefined || Number.isNaN(e.kappa) ? Math.sqrt(p.kappa_min * p.kappa_max) : e.kappa;
    return Math.min(p.kappa_max, Math.max(p.kappa_min, k));
  }

  protected fillRaw(s: QuoteState, book: BookView): void {
    const p = this.current;
    const mid = book.mid();
    if (!(mid > 0)) return;
    const e = this.est.get(s);
    const gamma = p.risk_aversion;
    const var_ = this.variancePerS(e);
    const tau = p.horizon_s;
    const q = s.positionLots / s.orderLots; // inventory in order sizes
    const reservation = mid * (1 - q * gamma * var_ * tau);
    const spread = gamma * var_ * tau + (2 / gamma) * Math.log(1 + gamma / this.kappaOf(e));
    const half = (mid * spread) / 2;
    const step = mid * p.level_spacing;
    const raw = s.raw;
    for (let i = 0; i < p.levels; i++) {
      raw.bids[i] = reservation - half - i * step;
      raw.asks[i] = reservation + half + i * step;
    }
    raw.levels = p.levels;
    raw.fairTicks = mid;
  }
}

/** avellaneda_stoikov as the engine loads it: config `type: avellaneda_stoikov`. */
export const avellanedaStoikov = defineStrategy({
  apiVersion: "1.0",
  kind: "avellaneda_stoikov",
  paramsSchema: avellanedaStoikovParamsSchema,
  create: (name, ctx, params) => new AvellanedaStoikov(name, ctx, params),
});
