/**
 * Exact money arithmetic for positions, PnL, fees, balances and notional limits. Every amount is a
 * BigInt count of 10^-18 of its asset ("units"), so sums of fills never round; prices and
 * quantities still travel as integer ticks and lots and only become units here, at the edge.
 */
import { type DecimalGrid, MONEY_DECIMALS, type Money } from "../types/index.ts";

export {
  formatMoney,
  MONEY_DECIMALS,
  type Money,
  moneyOrThrow,
  moneyToNumber,
  mulDivRound,
  parseMoney,
} from "../types/index.ts";

/**
 * The money factors of one instrument's grids: one lot in base units, one tick in quote units per
 * base, and one lot at one tick in quote units. Exact because both grids are decimals.
 */
export class InstrumentMath {
  /** Base units in one lot (the step size × 10^18). */
  readonly lotUnits: bigint;
  /** Quote units per base for one tick (the tick size × 10^18). */
  readonly tickUnits: bigint;
  /** Quote units of one lot traded at one tick: tick × step × 10^18 (always even, see constructor). */
  readonly tickLotUnits: bigint;
  /**
   * tickLotUnits as a double (rounded when it exceeds 2^53): only for the risk gate's filter, which
   * decides in doubles only what is far from a limit and leaves the rest to exact BigInt.
   */
  readonly tickLotUnitsDouble: number;

  constructor(price: DecimalGrid, qty: DecimalGrid) {
    // ≤ 17 keeps tickLotUnits a multiple of 10, so a half-tick mid is still an exact unit count.
    if (price.decimals + qty.decimals > MONEY_DECIMALS - 1) {
      throw new Error(`tick ${price.increment} × step ${qty.increment} has more than 17 decimals`);
    }
    this.lotUnits = BigInt(qty.unit) * 10n ** BigInt(MONEY_DECIMALS - qty.decimals);
    this.tickUnits = BigInt(price.unit) * 10n ** BigInt(MONEY_DECIMALS - price.decimals);
    this.tickLotUnits =
      BigInt(price.unit) * BigInt(qty.unit) * 10n ** BigInt(MONEY_DECIMALS - price.decimals - qty.decimals);
    this.tickLotUnitsDouble = Number(this.tickLotUnits);
  }

  /** Quote units of lots traded at priceTicks. */
  notional(lots: number, priceTicks: number): Money {
    return BigInt(lots) * BigInt(priceTicks) * this.tickLotUnits;
  }

  /** Base units of a lot count. */
  base(lots: number): Money {
    return BigInt(lots) * this.lotUnits;
  }
}
