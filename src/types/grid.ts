/**
 * One grid for a symbol traded on several venues: the finest tick and step that every venue's tick
 * and step are whole multiples of. Parent orders and cross-venue strategies express quantities in it,
 * so each venue's prices and quantities map onto it exactly (BigInt, 10^-18 units: no float).
 */
import type { InstrumentInfo } from "./instruments.ts";
import type { DecimalGrid } from "./values.ts";

/** The common grid of a symbol over several venues, in 10^-18 units, and each venue's multipliers. */
export interface CommonGrid {
  readonly tickUnits: bigint;
  readonly lotUnits: bigint;
  /** Common ticks per venue tick, common lots per venue lot, in the order of the infos given. */
  readonly priceMult: readonly number[];
  readonly qtyMult: readonly number[];
}

const UNITS_DECIMALS = 18;
const MAX_MULT = 2_147_483_647;

function gridUnits(g: DecimalGrid): bigint {
  if (g.decimals > UNITS_DECIMALS) throw new Error(`grid ${g.increment} has more than 18 decimals`);
  return BigInt(g.unit) * 10n ** BigInt(UNITS_DECIMALS - g.decimals);
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/**
 * The finest grid every venue's tick and step are whole multiples of (their gcd), so a venue's
 * prices and quantities map to it exactly; strategies use it to express parent orders. Throws when a
 * multiplier would not fit the router's int32.
 */
export function commonGrid(infos: readonly InstrumentInfo[]): CommonGrid {
  if (infos.length === 0) throw new Error("commonGrid: no instruments");
  const ticks = infos.map((i) => gridUnits(i.price));
  const lots = infos.map((i) => gridUnits(i.qty));
  const tickUnits = ticks.reduce(gcd);
  const lotUnits = lots.reduce(gcd);
  const mult = (u: bigint, common: bigint): number => {
    const m = u / common;
    if (m > BigInt(MAX_MULT)) throw new Error(`commonGrid: multiplier ${m} too large for the router`);
    return Number(m);
  };
  return {
    tickUnits,
    lotUnits,
    priceMult: ticks.map((t) => mult(t, tickUnits)),
    qtyMult: lots.map((l) => mult(l, lotUnits)),
  };
}
