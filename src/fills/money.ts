/**
 * Exact amounts for the local fill model: notional, fees and balances as BigInt units of 10^-18 of
 * their asset, so a backtest's PnL and balances never round (the same convention as execution's
 * money, kept here because fills sit on a lower floor than execution).
 */
import type { DecimalGrid } from "../types/index.ts";

const DECIMALS = 18;
const ONE = 10n ** 18n;

/** Units of 10^-18 in a plain decimal string ("0.001", "-2.5"); throws naming `what` when malformed. */
export function unitsOf(s: string, what: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{0,18}))?$/.exec(s.trim());
  if (m === null) throw new Error(`${what}: ${JSON.stringify(s)} is not a decimal with at most 18 places`);
  const units = BigInt(m[2] ?? "0") * ONE + BigInt(((m[3] ?? "") + "0".repeat(DECIMALS)).slice(0, DECIMALS));
  return m[1] === "-" ? -units : units;
}

/** A fraction from the config (0.001, -0.0001) as a decimal string without exponent. */
export function rateString(x: number): string {
  const s = x.toFixed(12).replace(/0+$/, "").replace(/\.$/, "");
  return s === "-0" || s === "" ? "0" : s;
}

/** The decimal string of units, trailing zeros trimmed. */
export function formatUnits(x: bigint): string {
  const neg = x < 0n;
  const abs = neg ? -x : x;
  const frac = (abs % ONE).toString().padStart(DECIMALS, "0").replace(/0+$/, "");
  const s = frac.length > 0 ? `${abs / ONE}.${frac}` : `${abs / ONE}`;
  return neg ? `-${s}` : s;
}

/** Converts ticks × lots and lots of one instrument into units exactly. */
export class InstrumentUnits {
  private readonly notionalScale: bigint;
  private readonly baseScale: bigint;
  private readonly notionalDiv: bigint;

  constructor(price: DecimalGrid, qty: DecimalGrid) {
    const exp = DECIMALS - price.decimals - qty.decimals;
    const unit = BigInt(price.unit) * BigInt(qty.unit);
    this.notionalScale = exp >= 0 ? unit * 10n ** BigInt(exp) : unit;
    this.notionalDiv = exp >= 0 ? 1n : 10n ** BigInt(-exp);
    this.baseScale = BigInt(qty.unit) * 10n ** BigInt(DECIMALS - qty.decimals);
  }

  /** Quote units of lots at a price (exact unless the grids have more than 18 decimals together). */
  notional(ticks: number, lots: number): bigint {
    return (BigInt(ticks) * BigInt(lots) * this.notionalScale) / this.notionalDiv;
  }

  /** Base units of lots. */
  base(lots: number): bigint {
    return BigInt(lots) * this.baseScale;
  }
}

/** A fee of `rateUnits` (10^-18 per unit notional) on a notional, rounded toward zero. */
export function feeOf(notional: bigint, rateUnits: bigint): bigint {
  return (notional * rateUnits) / ONE;
}
