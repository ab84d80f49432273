/**
 * Positions and PnL per instrument, per symbol and in total, exact to the last unit.
 *
 * Money maths: every amount is a BigInt of 10^-18 units of its asset (see money.ts). A fill of
 * `lots` at `ticks` is worth lots × ticks × (tick size × step size) quote, which is an exact unit
 * count because both grids are decimals. Realized PnL uses FIFO lot matching, which is exact in
 * integers (average-cost accounting would need division); the average entry price is reported
 * (rounded to 10^-18) for display only. Unrealized PnL marks open entries to the mid, which may be a
 * half tick and is still exact. Fees: charged in the quote asset they count as they are; charged in
 * the base asset (Binance buys) they are valued at the fill price, exact whenever the fee has at
 * most 18 − price decimals places (Binance sends 8), otherwise rounded half away from zero to
 * 10^-18; charged in a third asset (BNB) they are valued with a rate given by setFeeRate (rounded
 * to 10^-18), or, without one, kept only per asset and counted as unvalued. The position in lots is
 * what was traded: a base-asset fee reduces the base balance (Balances), not the lot position.
 */
import { Side } from "../types/index.ts";
import { type Money, moneyToNumber, mulDivRound, parseMoney } from "./money.ts";
import type { FillEvent } from "./order-manager.ts";
import type { InstrumentState, PositionState, Registry } from "./registry.ts";

const ONE = 10n ** 18n;

/** PnL of one instrument, or summed over several; every figure in quote units of 10^-18. */
export interface PnlView {
  readonly realized: Money;
  readonly unrealized: Money;
  readonly fees: Money;
  /** realized + unrealized − fees. */
  readonly net: Money;
}

/** A snapshot of one instrument's position, for status, logs and metrics. */
export interface PositionView extends PnlView {
  readonly venue: string;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  /** Signed position in lots and in base units of 10^-18. */
  readonly lots: number;
  readonly baseUnits: Money;
  /** Average entry price of the open position in quote units per base (0 when flat), rounded. */
  readonly avgEntryPrice: Money;
  /** The mid × 2 in ticks the unrealized PnL was marked at (0 when no book yet). */
  readonly markMid2Ticks: number;
  readonly fills: number;
  readonly boughtLots: number;
  readonly soldLots: number;
  readonly unvaluedFees: number;
  readonly feesByAsset: ReadonlyMap<string, Money>;
}

/**
 * One instrument's position as a journal keeps it: FIFO entries in lots and ticks on the current
 * grids, cost and realized PnL and fees in 10^-18 quote units.
 */
export interface PositionSnapshot {
  readonly lots: number;
  /** Open entries, oldest first: [lots > 0, priceTicks]. */
  readonly entries: readonly (readonly [number, number])[];
  readonly openCost: Money;
  readonly realized: Money;
  readonly fees: Money;
  readonly feesByAsset: ReadonlyMap<string, Money>;
  readonly unvaluedFees: number;
  readonly fills: number;
  readonly boughtLots: number;
  readonly soldLots: number;
}

/** Counters of bad input, read by metrics. */
export interface PositionStats {
  fillsApplied: number;
  unknownInstrumentFills: number;
  badFees: number;
  unvaluedFees: number;
}

/** Position and PnL keeping for every instrument in the registry. */
export class Positions {
  readonly stats: PositionStats = { fillsApplied: 0, unknownInstrumentFills: 0, badFees: 0, unvaluedFees: 0 };
  /** Quote units per whole unit of a fee asset, keyed "ASSET/QUOTE". */
  private readonly feeRates = new Map<string, Money>();

  constructor(private readonly registry: Registry) {}

  /** Sets the price used to value fees charged in a third asset, e.g. ("BNB", "USDT", "612.5"). */
  setFeeRate(asset: string, quote: string, price: string): void {
    const units = parseMoney(price);
    if (units === undefined || units < 0n) throw new Error(`fee rate ${asset}/${quote}: ${JSON.stringify(price)}`);
    this.feeRates.set(`${asset}/${quote}`, units);
  }

  /** Marks an instrument to the top of book (the mid for unrealized PnL and risk). */
  mark(venue: string, symbol: string, bidTicks: number, askTicks: number): void {
    const inst = this.registry.get(venue, symbol);
    if (inst === undefined) return;
    inst.bidTicks = bidTicks;
    inst.askTicks = askTicks;
  }

  /** Applies one fill (called exactly once per fill by the order manager's listener). */
  applyFill(fill: FillEvent): InstrumentState | undefined {
    const inst = this.registry.get(fill.venue, fill.symbol);
    if (inst === undefined) {
      this.stats.unknownInstrumentFills++;
      return undefined;
    }
    const pos = inst.position;
    applyTrade(inst, fill.side, fill.lots, fill.priceTicks);
    pos.fills++;
    if (fill.side === Side.Buy) pos.boughtLots += fill.lots;
    else pos.soldLots += fill.lots;
    this.applyFee(inst, fill);
    this.stats.fillsApplied++;
    return inst;
  }

  /**
   * Puts a journaled position back (start-up, before any fill of this run). Throws naming the
   * instrument when the snapshot contradicts itself (entries that do not add up to the position or
   * its cost): a corrupt memory must stop the start, not trade.
   */
  restore(inst: InstrumentState, snap: PositionSnapshot): void {
    const what = `position ${inst.venue} ${inst.info.symbol}`;
    let sum = 0;
    let cost = 0n;
    for (const [lots, ticks] of snap.entries) {
      if (!Number.isSafeInteger(lots) || lots <= 0 || !Number.isSafeInteger(ticks) || ticks <= 0)
        throw new Error(`${what}: entry [${lots}, ${ticks}] is not positive whole lots and ticks`);
      sum += lots;
      cost += inst.math.notional(lots, ticks);
    }
    if (sum !== Math.abs(snap.lots))
      throw new Error(`${what}: entries add up to ${sum} lots, position is ${snap.lots}`);
    if (cost !== snap.openCost) throw new Error(`${what}: entries cost ${cost} units, snapshot says ${snap.openCost}`);
    const pos = inst.position;
    pos.lots = snap.lots;
    pos.entryLots.length = 0;
    pos.entryTicks.length = 0;
    pos.entryHead = 0;
    for (const [lots, ticks] of snap.entries) {
      pos.entryLots.push(lots);
      pos.entryTicks.push(ticks);
    }
    pos.openCost = snap.openCost;
    pos.realized = snap.realized;
    pos.fees = snap.fees;
    pos.feesByAsset.clear();
    for (const [asset, amount] of snap.feesByAsset) pos.feesByAsset.set(asset, amount);
    pos.unvaluedFeeCount = snap.unvaluedFees;
    pos.fills = snap.fills;
    pos.boughtLots = snap.boughtLots;
    pos.soldLots = snap.soldLots;
  }

  /** The position of one instrument as a journal snapshot (entries copied). */
  snapshot(inst: InstrumentState): PositionSnapshot {
    const pos = inst.position;
    const entries: [number, number][] = [];
    for (let i = pos.entryHead; i < pos.entryLots.length; i++) {
      entries.push([pos.entryLots[i] as number, pos.entryTicks[i] as number]);
    }
    return {
      lots: pos.lots,
      entries,
      openCost: pos.openCost,
      realized: pos.realized,
      fees: pos.fees,
      feesByAsset: new Map(pos.feesByAsset),
      unvaluedFees: pos.unvaluedFeeCount,
      fills: pos.fills,
      boughtLots: pos.boughtLots,
      soldLots: pos.soldLots,
    };
  }

  /** Unrealized PnL of one instrument at its current mark. */
  unrealized(inst: InstrumentState): Money {
    const pos = inst.position;
    const mid2 = inst.mid2();
    if (pos.lots === 0 || mid2 === 0) return 0n;
    const abs = Math.abs(pos.lots);
    const markValue = inst.math.notional(abs, mid2) / 2n; // tickLotUnits is even: exact
    return pos.lots > 0 ? markValue - pos.openCost : pos.openCost - markValue;
  }

  /** PnL of one instrument. */
  pnl(inst: InstrumentState): PnlView {
    const pos = inst.position;
    const unrealized = this.unrealized(inst);
    return { realized: pos.realized, unrealized, fees: pos.fees, net: pos.realized + unrealized - pos.fees };
  }

  /** A snapshot of one instrument, or undefined when not registered. */
  view(venue: string, symbol: string): PositionView | undefined {
    const inst = this.registry.get(venue, symbol);
    return inst === undefined ? undefined : this.viewOf(inst);
  }

  /** Snapshots of every instrument. */
  views(): PositionView[] {
    const out: PositionView[] = [];
    for (const inst of this.registry.instruments()) out.push(this.viewOf(inst));
    return out;
  }

  /** Net position of a symbol over all venues, in base units of 10^-18. */
  symbolBase(symbol: string): Money {
    let sum = 0n;
    for (const inst of this.registry.bySymbol.get(symbol) ?? []) sum += inst.math.base(inst.position.lots);
    return sum;
  }

  /** PnL summed per quote asset (instruments quoted in different assets are not added up). */
  totalsByQuote(): Map<string, PnlView> {
    const out = new Map<string, PnlView>();
    for (const inst of this.registry.instruments()) {
      const p = this.pnl(inst);
      const q = inst.info.quote;
      const t = out.get(q);
      out.set(
        q,
        t === undefined
          ? p
          : {
              realized: t.realized + p.realized,
              unrealized: t.unrealized + p.unrealized,
              fees: t.fees + p.fees,
              net: t.net + p.net,
            },
      );
    }
    return out;
  }

  /**
   * Net PnL over every instrument, quote assets added at par (the engine quotes in one stable
   * asset; the daily loss limit reads this).
   */
  totalNet(): Money {
    let sum = 0n;
    for (const inst of this.registry.instruments()) {
      const pos = inst.position;
      sum += pos.realized + this.unrealized(inst) - pos.fees;
    }
    return sum;
  }

  /** Approximate total net PnL as a double, for metrics. */
  totalNetNumber(): number {
    return moneyToNumber(this.totalNet());
  }

  private viewOf(inst: InstrumentState): PositionView {
    const pos = inst.position;
    const p = this.pnl(inst);
    const abs = Math.abs(pos.lots);
    return {
      ...p,
      venue: inst.venue,
      symbol: inst.info.symbol,
      base: inst.info.base,
      quote: inst.info.quote,
      lots: pos.lots,
      baseUnits: inst.math.base(pos.lots),
      avgEntryPrice: abs === 0 ? 0n : mulDivRound(pos.openCost, ONE, inst.math.base(abs)),
      markMid2Ticks: inst.mid2(),
      fills: pos.fills,
      boughtLots: pos.boughtLots,
      soldLots: pos.soldLots,
      unvaluedFees: pos.unvaluedFeeCount,
      feesByAsset: new Map(pos.feesByAsset),
    };
  }

  private applyFee(inst: InstrumentState, fill: FillEvent): void {
    if (fill.fee === "" || fill.feeAsset === "") return;
    const amount = parseMoney(fill.fee);
    if (amount === undefined) {
      this.stats.badFees++;
      return;
    }
    if (amount === 0n) return;
    const pos = inst.position;
    pos.feesByAsset.set(fill.feeAsset, (pos.feesByAsset.get(fill.feeAsset) ?? 0n) + amount);
    const { base, quote } = inst.info;
    let valued: Money | undefined;
    if (fill.feeAsset === quote) valued = amount;
    else if (fill.feeAsset === base) valued = mulDivRound(amount, BigInt(fill.priceTicks) * inst.math.tickUnits, ONE);
    else {
      const rate = this.feeRates.get(`${fill.feeAsset}/${quote}`);
      if (rate !== undefined) valued = mulDivRound(amount, rate, ONE);
    }
    if (valued === undefined) {
      pos.unvaluedFeeCount++;
      this.stats.unvaluedFees++;
      return;
    }
    pos.fees += valued;
  }
}

/** FIFO: a trade first closes the oldest opposite entries (realizing PnL), the rest opens a new one. */
function applyTrade(inst: InstrumentState, side: Side, lots: number, ticks: number): void {
  const pos: PositionState = inst.position;
  const math = inst.math;
  const closesLong = side === Side.Sell;
  let remaining = lots;
  while (remaining > 0 && pos.lots !== 0 && pos.lots > 0 === closesLong) {
    const head = pos.entryHead;
    const entryLots = pos.entryLots[head] as number;
    const entryTicks = pos.entryTicks[head] as number;
    const k = Math.min(entryLots, remaining);
    const diff = closesLong ? ticks - entryTicks : entryTicks - ticks;
    pos.realized += BigInt(k) * BigInt(diff) * math.tickLotUnits;
    pos.openCost -= math.notional(k, entryTicks);
    if (k === entryLots) pos.entryHead++;
    else pos.entryLots[head] = entryLots - k;
    pos.lots += closesLong ? -k : k;
    remaining -= k;
  }
  if (pos.lots === 0) {
    pos.entryLots.length = 0;
    pos.entryTicks.length = 0;
    pos.entryHead = 0;
  } else if (pos.entryHead > 64 && pos.entryHead * 2 > pos.entryLots.length) {
    pos.entryLots.splice(0, pos.entryHead);
    pos.entryTicks.splice(0, pos.entryHead);
    pos.entryHead = 0;
  }
  if (remaining > 0) {
    pos.entryLots.push(remaining);
    pos.entryTicks.push(ticks);
    pos.openCost += math.notional(remaining, ticks);
    pos.lots += closesLong ? -remaining : remaining;
  }
}
