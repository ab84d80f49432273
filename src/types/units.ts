/**
 * Config speaks natural units (a spread of 0.002, a position of 1.0 BTC, a fee of 0.001) because
 * that is what people write; orders speak integer ticks and lots. These helpers convert once an
 * instrument's grids are known, rounding in the direction the caller names so a limit is never
 * loosened by a float error.
 */
import type { DecimalGrid } from "./values.ts";

/** Which way a value that falls between two grid points goes. */
export type Rounding = "floor" | "ceil" | "nearest";

/** Slack against binary float error: 0.3 / 0.1 must count as 3 increments, not 2.9999999999999996. */
const EPS = 1e-9;

/** Rounds x (in increments) to a whole number, absorbing float noise before floor/ceil. */
function roundIncrements(x: number, rounding: Rounding): number {
  if (!Number.isFinite(x)) throw new Error(`cannot convert ${x} to grid increments`);
  const near = Math.round(x);
  if (Math.abs(x - near) <= EPS * Math.max(1, Math.abs(x))) return near;
  if (rounding === "floor") return Math.floor(x);
  if (rounding === "ceil") return Math.ceil(x);
  return near;
}

/** Size of one increment of a grid as a double (display/config conversion only). */
export function incrementOf(grid: DecimalGrid): number {
  return grid.toNumber(1);
}

/** A quantity in base units (e.g. 0.5 BTC) as whole lots of the step-size grid. */
export function baseToLots(base: number, qty: DecimalGrid, rounding: Rounding = "floor"): number {
  return roundIncrements((base * 10 ** qty.decimals) / qty.unit, rounding);
}

/** A price in quote units (e.g. 60000.5) as whole ticks of the tick-size grid. */
export function priceToTicks(price: number, grid: DecimalGrid, rounding: Rounding = "nearest"): number {
  return roundIncrements((price * 10 ** grid.decimals) / grid.unit, rounding);
}

/** A fraction of a reference price (e.g. 0.002 of the mid) as a whole number of ticks. */
export function fractionToTicks(fraction: number, refTicks: number, rounding: Rounding = "ceil"): number {
  return roundIncrements(fraction * refTicks, rounding);
}

/**
 * The smallest ticks × lots product whose notional reaches a decimal amount (a venue's
 * minNotional), exactly: parsed with BigInt once per instrument, never on the hot path.
 */
export function minTickLotsForNotional(notional: string, price: DecimalGrid, qty: DecimalGrid): number {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(notional.trim());
  if (m === null) throw new Error(`notional ${JSON.stringify(notional)}: expected a plain decimal`);
  const frac = m[2] ?? "";
  const num = BigInt((m[1] ?? "0") + frac); // notional × 10^frac.length
  if (num === 0n) return 0;
  // notional / (tickSize × stepSize) = num × 10^(pd+qd) / (10^fd × pu × qu)
  const top = num * 10n ** BigInt(price.decimals + qty.decimals);
  const bottom = 10n ** BigInt(frac.length) * BigInt(price.unit) * BigInt(qty.unit);
  const q = (top + bottom - 1n) / bottom;
  if (q > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  return Number(q);
}
