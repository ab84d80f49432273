/**
 * Fair value of a symbol: the one drift/volatility/jump model behind every simulated price, and a
 * SharedFairValue that runs that model once per symbol for several venues, so their books move
 * together (each venue adds its own lag and noise) and cross-venue strategies have something real
 * to find.
 */
import type { Clock } from "../../services/index.ts";
import { Rng } from "../../services/index.ts";
import { DecimalGrid } from "../../types/index.ts";
import type { SymbolSpec } from "./types.ts";

const MS_PER_YEAR = 365 * 24 * 3600 * 1000;

/** The symbol fields the fair-value model needs (a CompiledSymbol has them all). */
export interface FairValueSymbol {
  readonly spec: SymbolSpec;
  readonly initialMidTicks: number;
  readonly minPriceTicks: number;
  readonly maxPriceTicks: number;
}

/**
 * Geometric random walk with the symbol's drift and volatility plus rare jumps, clamped to the
 * symbol's price range. Shared by the agents' own walk and SharedFairValue so both are the same model.
 */
export class FairValueModel {
  readonly volPerSqrtMs: number;
  readonly driftPerMs: number;
  readonly jumpsPerMs: number;
  readonly jumpSize: number;
  private readonly lo: number;
  private readonly hi: number;

  constructor(sym: FairValueSymbol) {
    const spec = sym.spec;
    this.volPerSqrtMs = (spec.volatility ?? 0.3) / Math.sqrt(MS_PER_YEAR);
    this.driftPerMs = (spec.drift ?? 0) / MS_PER_YEAR;
    this.jumpsPerMs = (spec.jumpsPerHour ?? 12) / 3_600_000;
    this.jumpSize = spec.jumpSize ?? 0.002;
    this.lo = sym.minPriceTicks * 1000;
    this.hi = sym.maxPriceTicks > 0 ? sym.maxPriceTicks * 0.9 : Number.POSITIVE_INFINITY;
  }

  /** The value dt market-milliseconds after fv (draws one normal, one chance, and a normal on a jump). */
  step(fv: number, dt: number, rng: Rng): number {
    let r = this.driftPerMs * dt + this.volPerSqrtMs * Math.sqrt(dt) * rng.normal();
    if (rng.chance(this.jumpsPerMs * dt)) r += this.jumpSize * rng.normal();
    return this.clamp(fv * Math.exp(r));
  }

  /** Keeps a value inside the symbol's quotable range. */
  clamp(fv: number): number {
    return Math.min(this.hi, Math.max(this.lo, fv));
  }
}

/** Options of a SharedFairValue. */
export interface SharedFairValueOptions {
  readonly clock: Clock;
  /** Seed of the fair-value paths; same seed + same symbols → same paths. */
  readonly seed: string | number;
  /** Symbols to run (their tick sizes are the unit of valueAt; other grids convert with ticksPer). */
  readonly symbols: readonly SymbolSpec[];
  /** Market time per clock millisecond (default 1), like SimCore's speed. */
  readonly speed?: number;
  /** Grid step of the path in clock milliseconds (default 50); valueAt interpolates between steps. */
  readonly stepMs?: number;
  /** How far back valueAt can look, in clock milliseconds (default 10000). */
  readonly historyMs?: number;
}

/** The price side of a symbol spec in ticks (all the fair-value model needs), errors naming the field. */
function priceSymbol(spec: SymbolSpec): FairValueSymbol & { readonly tick: string } {
  const at = (f: string): string => `symbol ${spec.symbol}: ${f}`;
  const grid = new DecimalGrid(spec.tickSize);
  const disabled = (s: string | undefined): boolean => s === undefined || /^0*(\.0*)?$/.test(s);
  const initialMidTicks = grid.parseOrThrow(spec.initialMid, at("initialMid"));
  if (initialMidTicks < 10) throw new Error(at("initialMid must be at least 10 ticks"));
  if (spec.volatility !== undefined && !(spec.volatility >= 0 && spec.volatility < 10))
    throw new Error(at("volatility must be in [0, 10)"));
  return {
    spec,
    tick: grid.increment,
    initialMidTicks,
    minPriceTicks: disabled(spec.minPrice) ? 1 : Math.max(1, grid.parseOrThrow(spec.minPrice ?? "", at("minPrice"))),
    maxPriceTicks: disabled(spec.maxPrice) ? 0 : grid.parseOrThrow(spec.maxPrice ?? "", at("maxPrice")),
  };
}

/** One symbol's path: a ring of grid values, grid point k at startMs + k × stepMs. */
interface Path {
  readonly tick: string;
  readonly model: FairValueModel;
  readonly rng: Rng;
  readonly ring: Float64Array;
  /** Index of the newest computed grid point. */
  last: number;
}

/**
 * One fair-value process per symbol, shared by several SimCores. The path lives on a fixed time grid
 * from construction time and is computed lazily up to the latest time asked, so it is a pure function
 * of (seed, symbols, speed, grid) however many venues query it and in whatever order.
 */
export class SharedFairValue {
  readonly clock: Clock;
  readonly seed: string;
  readonly speed: number;
  readonly stepMs: number;
  readonly historyMs: number;
  /** Clock time of grid point 0. */
  readonly startMs: number;
  private readonly paths = new Map<string, Path>();

  /** Throws an error naming the field on a bad option or symbol spec. */
  constructor(opts: SharedFairValueOptions) {
    this.clock = opts.clock;
    this.seed = String(opts.seed);
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0 && this.speed <= 10_000)) throw new Error(`speed must be in (0, 10000], got ${opts.speed}`);
    this.stepMs = opts.stepMs ?? 50;
    if (!(this.stepMs >= 1 && this.stepMs <= 1000)) throw new Error(`stepMs must be in [1, 1000], got ${opts.stepMs}`);
    this.historyMs = opts.historyMs ?? 10_000;
    if (!(this.historyMs >= 0 && this.historyMs <= 600_000))
      throw new Error(`historyMs must be in [0, 600000], got ${opts.historyMs}`);
    if (opts.symbols.length === 0) throw new Error("symbols: at least one symbol is required");
    this.startMs = this.clock.nowMs();
    const root = new Rng(this.seed).fork("shared-fair-value");
    const cap = Math.ceil(this.historyMs / this.stepMs) + 3;
    for (const spec of opts.symbols) {
      if (this.paths.has(spec.symbol)) throw new Error(`symbols: duplicate symbol ${spec.symbol}`);
      const sym = priceSymbol(spec);
      const ring = new Float64Array(cap);
      ring[0] = sym.initialMidTicks;
      const rng = root.fork(spec.symbol);
      this.paths.set(spec.symbol, { tick: sym.tick, model: new FairValueModel(sym), rng, ring, last: 0 });
    }
  }

  /** Symbol names, in configuration order. */
  symbols(): string[] {
    return [...this.paths.keys()];
  }

  /** The normalised tick size valueAt counts in for a symbol ("0.01"), or undefined when unknown. */
  tickSize(symbol: string): string | undefined {
    return this.paths.get(symbol)?.tick;
  }

  /**
   * The factor turning valueAt's ticks into ticks of another grid (0.01 → 0.1 gives 0.1), so venues with
   * different tick sizes follow one price path; exactly 1 on the same grid (values stay bit-identical).
   * Undefined for an unknown symbol; throws naming the field on a malformed tick size.
   */
  ticksPer(symbol: string, tickSize: string): number | undefined {
    const p = this.paths.get(symbol);
    if (p === undefined) return undefined;
    const own = new DecimalGrid(p.tick);
    const other = new DecimalGrid(tickSize);
    if (own.increment === other.increment) return 1;
    // Both increments as integers over the same power of ten: one exact division, correctly rounded.
    const d = Math.max(own.decimals, other.decimals);
    return (own.unit * 10 ** (d - own.decimals)) / (other.unit * 10 ** (d - other.decimals));
  }

  /**
   * Fair value of a symbol at clock time tMs in (fractional) ticks; undefined for an unknown symbol.
   * Before the start it is the initial mid; older than historyMs behind the newest computed point it
   * is the oldest value kept.
   */
  valueAt(symbol: string, tMs: number): number | undefined {
    const p = this.paths.get(symbol);
    if (p === undefined) return undefined;
    const x = (tMs - this.startMs) / this.stepMs;
    if (!(x > 0)) return this.at(p, 0);
    const k = Math.floor(x);
    const frac = x - k;
    this.advance(p, frac > 0 ? k + 1 : k);
    const v0 = this.at(p, k);
    return frac > 0 ? v0 + (this.at(p, k + 1) - v0) * frac : v0;
  }

  /** Fair value now. */
  valueNow(symbol: string): number | undefined {
    return this.valueAt(symbol, this.clock.nowMs());
  }

  /** Computes grid points up to k. */
  private advance(p: Path, k: number): void {
    const cap = p.ring.length;
    const dt = this.stepMs * this.speed;
    let v = p.ring[p.last % cap] as number;
    while (p.last < k) {
      v = p.model.step(v, dt, p.rng);
      p.last++;
      p.ring[p.last % cap] = v;
    }
  }

  /** Grid point k, or the oldest one kept when k fell out of the ring. */
  private at(p: Path, k: number): number {
    const cap = p.ring.length;
    const oldest = Math.max(0, p.last - cap + 1);
    return p.ring[Math.max(k, oldest) % cap] as number;
  }
}
