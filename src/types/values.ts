/**
 * Core value types shared by every module. Prices and quantities are exact integers (ticks of the
 * instrument's tick size, lots of its step size); decimal strings become integers only here, at the
 * edge, and never pass through a float.
 */

declare const brand: unique symbol;
/** Nominal typing so ticks, lots and nanos cannot be mixed up by accident. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A price as a whole number of the instrument's tick size. */
export type Ticks = Brand<number, "Ticks">;
/** A quantity as a whole number of the instrument's step size. */
export type Lots = Brand<number, "Lots">;
/** Monotonic nanoseconds (process-relative, fits a double exactly for ~104 days). */
export type Nanos = Brand<number, "Nanos">;

/** Numeric sides so they cross FFI and typed arrays without conversion. */
export const Side = { Buy: 0, Sell: 1 } as const;
export type Side = (typeof Side)[keyof typeof Side];

/** Largest integer a double holds exactly; every tick/lot count must stay below it. */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/**
 * A decimal grid such as a tick size "0.01" or a step size "0.00100000": converts venue decimal
 * strings to whole increments exactly (rejecting off-grid values) and back, without floats.
 */
export class DecimalGrid {
  /** Digits after the point in the increment, e.g. 2 for "0.01". */
  readonly decimals: number;
  /** The increment in units of 10^-decimals, e.g. 1 for "0.01", 5 for "0.05". */
  readonly unit: number;
  /** The increment exactly as given (trailing zeros trimmed). */
  readonly increment: string;

  constructor(increment: string) {
    const m = /^(\d+)(?:\.(\d+))?$/.exec(increment);
    if (!m) throw new Error(`invalid increment ${JSON.stringify(increment)}: expected a plain decimal like "0.01"`);
    const frac = (m[2] ?? "").replace(/0+$/, "");
    this.decimals = frac.length;
    this.unit = Number(m[1] + frac);
    if (!(this.unit > 0) || this.unit > MAX_EXACT) throw new Error(`invalid increment ${JSON.stringify(increment)}`);
    this.increment = frac.length > 0 ? `${BigInt(m[1] ?? "0")}.${frac}` : String(BigInt(m[1] ?? "0"));
  }

  /**
   * Whole increments in a non-negative decimal string, or NaN when it is malformed, off the grid
   * or too large. Hot path: a char-code loop with no allocation.
   */
  parse(s: string): number {
    const len = s.length;
    if (len === 0) return Number.NaN;
    let units = 0; // value in units of 10^-decimals
    let i = 0;
    let digits = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c === 46) break; // '.'
      if (c < 48 || c > 57) return Number.NaN;
      units = units * 10 + (c - 48);
      digits++;
    }
    let fracDigits = 0;
    if (i < len) {
      i++; // skip '.'
      if (i === len && digits === 0) return Number.NaN;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c < 48 || c > 57) return Number.NaN;
        if (fracDigits < this.decimals) {
          units = units * 10 + (c - 48);
          fracDigits++;
        } else if (c !== 48) {
          return Number.NaN; // more precision than the grid has
        }
        digits++;
      }
    }
    if (digits === 0) return Number.NaN;
    for (; fracDigits < this.decimals; fracDigits++) units *= 10;
    if (units > MAX_EXACT) return Number.NaN;
    const n = units / this.unit;
    return Number.isInteger(n) ? n : Number.NaN;
  }

  /** Parses or throws an error naming what was parsed, for non-hot paths (config, REST). */
  parseOrThrow(s: string, what: string): number {
    const n = this.parse(s);
    if (Number.isNaN(n)) throw new Error(`${what}: ${JSON.stringify(s)} is not a multiple of ${this.increment}`);
    return n;
  }

  /** The decimal string of n increments, with exactly `decimals` fraction digits. */
  format(n: number): string {
    if (!Number.isSafeInteger(n)) throw new Error(`cannot format ${n}: not a safe integer`);
    const neg = n < 0;
    const units = String(Math.abs(n) * this.unit);
    if (this.decimals === 0) return neg ? `-${units}` : units;
    const padded = units.padStart(this.decimals + 1, "0");
    const out = `${padded.slice(0, -this.decimals)}.${padded.slice(-this.decimals)}`;
    return neg ? `-${out}` : out;
  }

  /** Approximate value as a double, for display and metrics only (never for order maths). */
  toNumber(n: number): number {
    return (n * this.unit) / 10 ** this.decimals;
  }
}
