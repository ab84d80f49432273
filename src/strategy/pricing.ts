/**
 * The small pricing rules every quoting strategy needs and gets subtly wrong when it writes them
 * itself: rounding a wanted price onto the tick grid in the direction that never gives away edge,
 * measuring a quote's edge against fair value before and after the maker fee, and shifting quotes
 * against inventory. The built-ins use exactly these, and user strategies get them from the public
 * API, so one strategy's "edge" means what another's does. Prices here are ticks (fractional while a
 * price is only wanted, whole once it is on the grid).
 */
import { Side } from "../types/index.ts";

/** Float noise in wanted prices (fractional ticks) that must not move a quote by a whole tick. */
export const GRID_EPS = 1e-6;

/** A wanted bid on the tick grid: rounded down, so a bid never pays more than asked (float noise forgiven). */
export function bidTicks(wantedTicks: number): number {
  return Math.floor(wantedTicks + GRID_EPS);
}

/** A wanted ask on the tick grid: rounded up, so an ask never sells for less than asked (float noise forgiven). */
export function askTicks(wantedTicks: number): number {
  return Math.ceil(wantedTicks - GRID_EPS);
}

/**
 * What a fill of a resting order at `priceTicks` earns against fair value, before fees, as a fraction of
 * fair value: positive when a bid is below fair or an ask above it. NaN without a fair value.
 */
export function quoteEdge(side: Side, priceTicks: number, fairTicks: number): number {
  return side === Side.Buy ? (fairTicks - priceTicks) / fairTicks : (priceTicks - fairTicks) / fairTicks;
}

/**
 * The same edge after the maker fee (a fraction; a negative fee is a rebate and adds to it): a level is
 * worth quoting only when this is at least min_profit.
 */
export function edgeAfterFee(side: Side, priceTicks: number, fairTicks: number, makerFee: number): number {
  return quoteEdge(side, priceTicks, fairTicks) - makerFee;
}

/** Position as a fraction of its limit, clamped to [-1, 1]: how hard to lean against it (0 without a limit). */
export function inventoryRatio(positionLots: number, maxPositionLots: number): number {
  if (!(maxPositionLots > 0)) return 0;
  return Math.max(-1, Math.min(1, positionLots / maxPositionLots));
}

/**
 * The price to quote around: fair value moved against inventory by `skew` (a fraction of fair value at a
 * full limit), so a long position sells more readily and buys less, and a short one the reverse.
 */
export function skewedCenter(fairTicks: number, skew: number, ratio: number): number {
  return fairTicks * (1 - skew * ratio);
}
