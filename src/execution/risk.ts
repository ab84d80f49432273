/**
 * The pre-trade risk gate and the kill switch. Every new order passes `checkOrder` before the order
 * manager sends it, and every cancel passes `checkCancel`; each rejection is counted by reason.
 * Position limits count the worst case: the position plus every live order on the same side, as if
 * all of them filled. Quantities are compared in lots or in exact 10^-18 units (money.ts), never
 * in floats, so an order exactly at a limit passes and one lot more is rejected.
 */
import type { Clock } from "../services/index.ts";
import { Side } from "../types/index.ts";
import type { FirmExposure, FirmShareCell, FirmShareProvider } from "./firm-share.ts";
import { type Money, moneyOrThrow } from "./money.ts";
import type { InstrumentState, Registry, VenueState } from "./registry.ts";

/** Why the gate refused an order or a cancel. */
export type RiskReason =
  | "halted"
  | "venue_not_ready"
  | "unknown_instrument"
  | "bad_order"
  | "book_not_live"
  | "no_reference_price"
  | "max_order_lots"
  | "max_order_notional"
  | "price_band"
  | "max_open_orders"
  | "order_rate"
  | "cancel_rate"
  | "max_position_base"
  | "max_position_notional"
  | "max_total_notional"
  /** Beyond this engine's share of a firm-wide limit (a desk), or its lease on the share ran out. */
  | "firm_share";

/** Every reason, for metrics that pre-create their series. */
export const RISK_REASONS: readonly RiskReason[] = [
  "halted",
  "venue_not_ready",
  "unknown_instrument",
  "bad_order",
  "book_not_live",
  "no_reference_price",
  "max_order_lots",
  "max_order_notional",
  "price_band",
  "max_open_orders",
  "order_rate",
  "cancel_rate",
  "max_position_base",
  "max_position_notional",
  "max_total_notional",
  "firm_share",
];

/** A decimal amount from config: a string ("0.5") or a plain number (0.5). */
export type DecimalInput = string | number;

/** Limits of one symbol (over all venues), in base and quote asset amounts. */
export interface SymbolLimits {
  /** Largest absolute position, base asset (e.g. "1.0" BTC), counting live orders as filled. */
  readonly maxPositionBase: DecimalInput;
  /** Largest absolute position value at the mid, quote asset. */
  readonly maxPositionNotional: DecimalInput;
  /** Largest single order, base asset. */
  readonly maxOrderBase: DecimalInput;
  /** Largest single order value at its limit price, quote asset. */
  readonly maxOrderNotional: DecimalInput;
}

/** All pre-trade limits. Per-venue limits apply to each venue separately. */
export interface RiskLimits {
  /** Limits of every symbol not listed in perSymbol. */
  readonly defaults: SymbolLimits;
  readonly perSymbol?: Readonly<Record<string, Partial<SymbolLimits>>>;
  /** Largest sum of absolute position values over all symbols (quote assets added at par). */
  readonly maxTotalNotional: DecimalInput;
  /** Largest distance of a limit price from the reference mid, in basis points (integer). */
  readonly priceBandBps: number;
  /** New orders per venue in any sliding 1000 ms window. */
  readonly maxOrdersPerSecond: number;
  /** Cancels per venue in any sliding 1000 ms window. */
  readonly maxCancelsPerSecond: number;
  /** Live orders per venue. */
  readonly maxOpenOrders: number;
  /** Largest loss since UTC midnight (realized + unrealized − fees), quote asset; trips the kill switch. */
  readonly dailyLossLimit: DecimalInput;
}

/** Counters read by metrics. */
export interface RiskStats {
  ordersPassed: number;
  cancelsPassed: number;
  /** Rejections by reason (every reason present, starting at 0). */
  readonly rejections: Record<RiskReason, number>;
}

const ONE = 10n ** 18n;
const DAY_MS = 86_400_000;
/** totalClearly's answer when the doubles cannot decide: the exact check must. */
const TOO_CLOSE = Symbol("too close to the limit");
/** How far (relatively) a double total must be from the limit to be decided without BigInt. */
const FILTER_MARGIN = 1e-9;

interface CompiledSymbol {
  readonly maxPositionBase: Money;
  /** The notional limit × 2 × 10^18, so it compares with base × mid2 × tickUnits directly. */
  readonly maxPositionNotional2: Money;
  readonly maxOrderBase: Money;
  readonly maxOrderNotional: Money;
}

interface CompiledInstrument {
  readonly symbol: CompiledSymbol;
  /** Largest order in lots (floor of the base limit over the step). */
  readonly maxOrderLots: number;
  /** Largest order in lots × ticks (floor of the notional limit over tick × step). */
  readonly maxOrderTickLots: number;
  /** Fast-path forms of the position limits for a symbol traded on this one venue only:
   * lots, and lots × mid2 (floor of 2 × notional over tick × step); capped at 2^53. */
  readonly maxPositionLots: number;
  readonly maxPositionTickLots2: number;
  readonly maxTotalTickLots2: number;
}

/** The gate's lot forms of a symbol's firm share on one instrument, redone when the cell's version moves. */
interface FirmCompiled {
  readonly cell: FirmShareCell;
  version: number;
  /** Largest worst-case directional position in lots (−1: no firm position limit). */
  maxLots: number;
  /** Largest lots × mid2 (−1: no firm notional limit). */
  maxTickLots2: number;
}

/** Upper bound of every count limit: the sliding windows preallocate one slot per allowed event. */
const MAX_COUNT_LIMIT = 1_000_000;

function positiveInt(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v <= 0 || v > MAX_COUNT_LIMIT) {
    throw new Error(`${what}: expected an integer from 1 to ${MAX_COUNT_LIMIT}, got ${v}`);
  }
  return v;
}

function nonNegative(v: DecimalInput, what: string): Money {
  const m = moneyOrThrow(v, what);
  if (m < 0n) throw new Error(`${what}: expected a non-negative amount, got ${v}`);
  return m;
}

/** Counts events in a sliding window with a ring of timestamps (no allocation per event). */
export class SlidingWindow {
  private readonly times: Float64Array;
  private head = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
  ) {
    this.times = new Float64Array(Math.max(1, capacity));
  }

  /** Events inside (nowMs − windowMs, nowMs]. */
  inWindow(nowMs: number): number {
    const cutoff = nowMs - this.windowMs;
    while (this.count > 0 && (this.times[this.head] as number) <= cutoff) {
      this.head = (this.head + 1) % this.times.length;
      this.count--;
    }
    return this.count;
  }

  /** Whether the window has no room at nowMs (dry checks and quoting ask without recording). */
  isFull(nowMs: number): boolean {
    return this.inWindow(nowMs) >= this.capacity;
  }

  /** Records an event if the window has room; false when full. */
  tryAdd(nowMs: number): boolean {
    if (this.isFull(nowMs)) return false;
    this.times[(this.head + this.count) % this.times.length] = nowMs;
    this.count++;
    return true;
  }
}

/** Halts all trading: every new order is refused until someone explicitly resumes. */
export class KillSwitch {
  private halted_ = false;
  private reason_ = "";
  private trippedAtMs_ = 0;
  /** Times it went from running to halted. */
  trips = 0;
  private readonly listeners: ((reason: string) => void)[] = [];

  constructor(private readonly clock: Clock) {}

  /** Halts (idempotent: a second trip while halted only keeps the first reason). Returns true if it tripped now. */
  trip(reason: string): boolean {
    if (this.halted_) return false;
    this.halted_ = true;
    this.reason_ = reason;
    this.trippedAtMs_ = this.clock.nowMs();
    this.trips++;
    for (const l of this.listeners) l(reason);
    return true;
  }

  /**
   * Puts back a halt a journal remembers from an earlier run, without the trip's side effects (no
   * listener: nothing is open yet to cancel). It stays until an explicit resume.
   */
  restore(reason: string, trippedAtMs: number, trips: number): void {
    this.halted_ = true;
    this.reason_ = reason;
    this.trippedAtMs_ = trippedAtMs;
    this.trips = trips;
  }

  /** Lifts the halt; only an explicit command may call this. */
  resume(): void {
    this.halted_ = false;
    this.reason_ = "";
  }

  isHalted(): boolean {
    return this.halted_;
  }

  /** Why it is halted ("" when running). */
  reason(): string {
    return this.reason_;
  }

  trippedAtMs(): number {
    return this.trippedAtMs_;
  }

  /** Called on every trip: cancel everything, halt strategies. */
  onTrip(listener: (reason: string) => void): void {
    this.listeners.push(listener);
  }
}

/** The gate itself; reads exposure from the registry shared with the order manager and positions. */
export class RiskGate {
  readonly stats: RiskStats;
  private limits!: RiskLimits;
  private maxTotalNotional2: Money = 0n;
  /** The total-notional limit × 2 in quote units of 10^-18, as a double: the filter of totalClearly. */
  private maxTotal2Double = 0;
  private dailyLossLimit: Money = 0n;
  private readonly compiled = new Map<InstrumentState, CompiledInstrument>();
  private readonly orderWindows = new Map<VenueState, SlidingWindow>();
  private readonly cancelWindows = new Map<VenueState, SlidingWindow>();
  private firm: FirmShareProvider | undefined;
  /** null: the desk sets no firm limit on the instrument's symbol. */
  private readonly firmCompiled = new Map<InstrumentState, FirmCompiled | null>();
  private day = -1;
  private dayStartPnl: Money = 0n;
  private dailyPnl_: Money = 0n;
  /** PnL already made today that the next baseline must not swallow (fills recovered after a restart). */
  private carryToday: Money = 0n;

  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
    readonly kill: KillSwitch,
    limits: RiskLimits,
  ) {
    const rejections = {} as Record<RiskReason, number>;
    for (const r of RISK_REASONS) rejections[r] = 0;
    this.stats = { ordersPassed: 0, cancelsPassed: 0, rejections };
    this.setLimits(limits);
    // the engine starts flat: today's baseline is zero, not whatever the first evaluation sees
    this.day = Math.floor(clock.nowMs() / DAY_MS);
  }

  /** Validates and installs limits (at start or when changed at run time); throws naming the field. */
  setLimits(limits: RiskLimits): void {
    positiveInt(limits.priceBandBps, "risk.priceBandBps");
    positiveInt(limits.maxOrdersPerSecond, "risk.maxOrdersPerSecond");
    positiveInt(limits.maxCancelsPerSecond, "risk.maxCancelsPerSecond");
    positiveInt(limits.maxOpenOrders, "risk.maxOpenOrders");
    const total = nonNegative(limits.maxTotalNotional, "risk.maxTotalNotional");
    const loss = nonNegative(limits.dailyLossLimit, "risk.dailyLossLimit");
    this.compileSymbol(limits.defaults, undefined, "risk.defaults");
    for (const [sym, over] of Object.entries(limits.perSymbol ?? {})) {
      this.compileSymbol(limits.defaults, over, `risk.perSymbol.${sym}`);
    }
    this.limits = limits;
    this.maxTotalNotional2 = total * 2n * ONE;
    this.maxTotal2Double = Number(total * 2n);
    this.dailyLossLimit = loss;
    this.compiled.clear();
    this.orderWindows.clear();
    this.cancelWindows.clear();
  }

  /** The limits in force. */
  current(): RiskLimits {
    return this.limits;
  }

  /**
   * Checks one new order; undefined = pass (and the order uses one slot of the venue's order rate),
   * otherwise the reason, already counted.
   */
  checkOrder(venue: string, symbol: string, side: Side, priceTicks: number, lots: number): RiskReason | undefined {
    const reason = this.evaluate(venue, symbol, side, priceTicks, lots);
    if (reason !== undefined) {
      this.stats.rejections[reason]++;
      return reason;
    }
    this.stats.ordersPassed++;
    return undefined;
  }

  /**
   * The same checks as checkOrder with nothing recorded (no rate slot used, no counter moved): the
   * engine's keep-warm rehearsal runs the gate's code between sparse frames without trading.
   */
  dryCheckOrder(venue: string, symbol: string, side: Side, priceTicks: number, lots: number): RiskReason | undefined {
    return this.evaluate(venue, symbol, side, priceTicks, lots, true);
  }

  /**
   * Whether the venue's order-rate window is full right now. Quoting asks first and defers its
   * places instead of having each refused: a strategy re-quoting on every book event would
   * otherwise turn one full window into thousands of "order_rate" rejections a second.
   */
  orderRateFull(venue: string): boolean {
    const v = this.registry.venues.get(venue);
    return v !== undefined && this.window(this.orderWindows, v).isFull(this.clock.nowMs());
  }

  /** Checks one cancel against the venue's cancel rate; emergency cancels (kill switch, shutdown) always pass. */
  checkCancel(venue: string, emergency = false): RiskReason | undefined {
    const v = this.registry.venues.get(venue);
    if (v !== undefined && !emergency && !this.window(this.cancelWindows, v).tryAdd(this.clock.nowMs())) {
      this.stats.rejections.cancel_rate++;
      return "cancel_rate";
    }
    this.stats.cancelsPassed++;
    return undefined;
  }

  /**
   * Feeds the current total net PnL (Positions.totalNet) and trips the kill switch when the loss
   * since the last UTC midnight (or since start, on the first day) exceeds the limit. The day's
   * baseline is the PnL at the first evaluation after midnight; a tripped switch stays tripped
   * across it. Returns the day's PnL.
   */
  evaluateDailyLoss(totalNetPnl: Money): Money {
    const day = Math.floor(this.clock.nowMs() / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayStartPnl = totalNetPnl - this.carryToday;
      this.carryToday = 0n;
    }
    this.dailyPnl_ = totalNetPnl - this.dayStartPnl;
    if (-this.dailyPnl_ > this.dailyLossLimit) {
      this.kill.trip(
        `daily_loss: lost ${-this.dailyPnl_} units > limit ${this.dailyLossLimit} units since UTC midnight`,
      );
    }
    return this.dailyPnl_;
  }

  /** PnL since the last UTC midnight as of the last evaluation, in quote units of 10^-18. */
  dailyPnl(): Money {
    return this.dailyPnl_;
  }

  /** The UTC day (days since the epoch) the daily loss is measured in, and its baseline (total net PnL then). */
  dayState(): { readonly day: number; readonly baseline: Money } {
    return { day: this.day, baseline: this.dayStartPnl };
  }

  /**
   * Restores a journaled day: the same UTC day keeps its baseline (a restart does not forgive
   * today's loss); an earlier day leaves the baseline to the next evaluation, as at midnight.
   */
  restoreDay(day: number, baseline: Money): void {
    const today = Math.floor(this.clock.nowMs() / DAY_MS);
    if (day === today) {
      this.day = day;
      this.dayStartPnl = baseline;
    } else {
      this.day = day;
      this.carryToday = 0n;
    }
  }

  /**
   * PnL of fills made today that are booked before today's baseline is taken (fills the venue
   * made while the engine was down across midnight): they count as today's, not as the baseline.
   */
  carryIntoToday(pnl: Money): void {
    if (this.day !== Math.floor(this.clock.nowMs() / DAY_MS)) this.carryToday += pnl;
  }

  private evaluate(
    venue: string,
    symbol: string,
    side: Side,
    priceTicks: number,
    lots: number,
    dry = false,
  ): RiskReason | undefined {
    if (this.kill.isHalted()) return "halted";
    const v = this.registry.venues.get(venue);
    const inst = v?.instruments.get(symbol);
    if (v === undefined || inst === undefined) return "unknown_instrument";
    if (!v.ready) return "venue_not_ready";
    if (
      !Number.isSafeInteger(lots) ||
      lots <= 0 ||
      !Number.isSafeInteger(priceTicks) ||
      priceTicks <= 0 ||
      (side !== Side.Buy && side !== Side.Sell)
    ) {
      return "bad_order";
    }
    if (inst.health !== "live") return "book_not_live";
    const mid2 = inst.mid2();
    if (mid2 === 0) return "no_reference_price";
    const c = this.compiledOf(inst);
    if (lots > c.maxOrderLots) return "max_order_lots";
    const tickLots = lots * priceTicks;
    if (!Number.isSafeInteger(tickLots) || tickLots > c.maxOrderTickLots) return "max_order_notional";
    // |price − mid| ≤ mid × bps / 10000, doubled to stay in integers for half-tick mids
    if (Math.abs(2 * priceTicks - mid2) * 10_000 > mid2 * this.limits.priceBandBps) return "price_band";
    if (v.openOrders >= this.limits.maxOpenOrders) return "max_open_orders";
    const posReason = this.checkPosition(inst, c, side, lots, mid2);
    if (posReason !== undefined) return posReason;
    if (this.firm !== undefined && this.checkFirm(inst, side, lots, mid2, dry)) return "firm_share";
    // last, so a rejected order does not use up a rate slot
    const w = this.window(this.orderWindows, v);
    const now = this.clock.nowMs();
    return (dry ? w.isFull(now) : !w.tryAdd(now)) ? "order_rate" : undefined;
  }

  /**
   * Worst-case position of the symbol over all venues (position plus every live order on the
   * order's side, plus the order), in base, in value at the mid, and in total over all symbols.
   * Only exposure in the order's direction is limited: an order that reduces a position passes.
   * A symbol on one venue is checked in lots with plain integers (exact below 2^53); otherwise,
   * or when a product would pass 2^53, in BigInt units.
   */
  private checkPosition(
    inst: InstrumentState,
    c: CompiledInstrument,
    side: Side,
    lots: number,
    mid2: number,
  ): RiskReason | undefined {
    const list = this.registry.bySymbol.get(inst.info.symbol) ?? [inst];
    if (list.length === 1) {
      const pos = inst.position.lots;
      const directional = (side === Side.Buy ? pos : -pos) + inst.openLots[side] + lots;
      if (directional > c.maxPositionLots) return "max_position_base";
      if (directional <= 0) return undefined;
      const value2 = directional * mid2;
      if (Number.isSafeInteger(value2)) {
        if (value2 > c.maxPositionTickLots2) return "max_position_notional";
        if (this.registry.bySymbol.size === 1) return value2 > c.maxTotalTickLots2 ? "max_total_notional" : undefined;
        const clear = this.totalClearly(inst, value2);
        if (clear !== TOO_CLOSE) return clear;
      }
    }
    return this.checkPositionExact(inst, c.symbol, list, side, lots, mid2);
  }

  /**
   * The total-notional check of an order on a one-venue symbol when other symbols are quoted too,
   * without BigInt (which allocated ~11 BigInts per order with four symbols): the total of every
   * symbol's value at its mid is summed in doubles, each term an exact integer product times a
   * rounded factor, so the sum is within 10^-12 of the exact one relatively. Only a total clearly inside (below the
   * limit by more than 10^-9 of it) or clearly outside is decided here; one that close to the limit,
   * or any term that is not exact (a product past 2^53, a symbol on several venues), goes to the
   * exact BigInt check. So the answer is always the exact check's.
   */
  private totalClearly(inst: InstrumentState, value2: number): RiskReason | undefined | typeof TOO_CLOSE {
    let total = value2 * inst.math.tickLotUnitsDouble;
    const all = this.registry.all;
    for (let i = 0; i < all.length; i++) {
      const o = all[i] as InstrumentState;
      if (o === inst) continue;
      if (o.sameSymbol.length !== 1) return TOO_CLOSE;
      const lots = o.position.lots;
      const m = o.mid2();
      if (lots === 0 || m === 0) continue;
      const x = (lots < 0 ? -lots : lots) * m;
      if (!Number.isSafeInteger(x)) return TOO_CLOSE;
      total += x * o.math.tickLotUnitsDouble;
    }
    const limit = this.maxTotal2Double;
    if (total < limit * (1 - FILTER_MARGIN)) return undefined;
    if (total > limit * (1 + FILTER_MARGIN)) return "max_total_notional";
    return TOO_CLOSE;
  }

  private checkPositionExact(
    inst: InstrumentState,
    lim: CompiledSymbol,
    list: readonly InstrumentState[],
    side: Side,
    lots: number,
    mid2: number,
  ): RiskReason | undefined {
    let worst = side === Side.Buy ? inst.math.base(lots) : -inst.math.base(lots);
    for (const i of list) {
      worst += i.math.base(i.position.lots);
      worst += side === Side.Buy ? i.math.base(i.openLots[Side.Buy]) : -i.math.base(i.openLots[Side.Sell]);
    }
    const directional = side === Side.Buy ? worst : -worst;
    if (directional > lim.maxPositionBase) return "max_position_base";
    const value2 = directional > 0n ? directional * BigInt(mid2) * inst.math.tickUnits : 0n;
    if (value2 > lim.maxPositionNotional2) return "max_position_notional";
    if (value2 === 0n) return undefined;
    let total2 = value2;
    for (const [sym, insts] of this.registry.bySymbol) {
      if (sym === inst.info.symbol) continue;
      total2 += symbolValue2(insts);
    }
    if (total2 > this.maxTotalNotional2) return "max_total_notional";
    return undefined;
  }

  /**
   * Installs the desk's shares of firm-wide limits (several engines, one limit): from now on an
   * order must also keep the symbol's worst-case exposure within this engine's share.
   */
  setFirmShares(provider: FirmShareProvider | undefined): void {
    this.firm = provider;
    this.firmCompiled.clear();
  }

  /**
   * This engine's worst-case exposure of a symbol over all its venues, for the desk's reports:
   * max(position + live buys, live sells − position), and that valued at the mid (rounded up).
   */
  firmExposure(symbol: string): FirmExposure {
    const list = this.registry.bySymbol.get(symbol);
    if (list === undefined) return { base: 0n, notional: 0n };
    let pos = 0n;
    let buys = 0n;
    let sells = 0n;
    let mark: InstrumentState | undefined;
    for (const i of list) {
      pos += i.math.base(i.position.lots);
      buys += i.math.base(i.openLots[Side.Buy]);
      sells += i.math.base(i.openLots[Side.Sell]);
      if (mark === undefined && i.mid2() > 0) mark = i;
    }
    const long = pos + buys;
    const short = sells - pos;
    const base = long > short ? (long > 0n ? long : 0n) : short > 0n ? short : 0n;
    if (mark === undefined || base === 0n) return { base, notional: 0n };
    const den = 2n * ONE;
    const num = base * BigInt(mark.mid2()) * mark.math.tickUnits;
    return { base, notional: (num + den - 1n) / den };
  }

  /**
   * Whether the order would take the symbol's worst-case directional exposure beyond this engine's
   * firm share (or adds any while the lease is out). Plain numbers on one venue; BigInt otherwise.
   */
  private checkFirm(inst: InstrumentState, side: Side, lots: number, mid2: number, dry: boolean): boolean {
    const f = this.firmOf(inst);
    if (f === null) return false;
    const list = this.registry.bySymbol.get(inst.info.symbol) ?? [inst];
    if (list.length !== 1) return this.checkFirmExact(inst, f.cell, list, side, lots, mid2, dry);
    const pos = inst.position.lots;
    const directional = (side === Side.Buy ? pos : -pos) + inst.openLots[side] + lots;
    if (directional <= 0) return false;
    if (this.clock.monoNs() >= f.cell.validUntilNs) return true;
    if (f.version !== f.cell.version) this.compileFirm(inst, f);
    const value2 = directional * mid2;
    if (!Number.isSafeInteger(value2)) return this.checkFirmExact(inst, f.cell, list, side, lots, mid2, dry);
    if ((f.maxLots >= 0 && directional > f.maxLots) || (f.maxTickLots2 >= 0 && value2 > f.maxTickLots2)) {
      // a dry check (keep-warm) is no order: it asks the desk for nothing
      if (!dry) f.cell.refused(inst.math.base(directional), quoteValueOf(inst.math.base(directional), mid2, inst));
      return true;
    }
    return false;
  }

  private checkFirmExact(
    inst: InstrumentState,
    cell: FirmShareCell,
    list: readonly InstrumentState[],
    side: Side,
    lots: number,
    mid2: number,
    dry: boolean,
  ): boolean {
    let worst = side === Side.Buy ? inst.math.base(lots) : -inst.math.base(lots);
    for (const i of list) {
      worst += i.math.base(i.position.lots);
      worst += side === Side.Buy ? i.math.base(i.openLots[Side.Buy]) : -i.math.base(i.openLots[Side.Sell]);
    }
    const directional = side === Side.Buy ? worst : -worst;
    if (directional <= 0n) return false;
    if (this.clock.monoNs() >= cell.validUntilNs) return true;
    const over =
      (cell.positionBase !== undefined && directional > cell.positionBase) ||
      (cell.notional !== undefined && directional * BigInt(mid2) * inst.math.tickUnits > cell.notional * 2n * ONE);
    if (over && !dry) cell.refused(directional, quoteValueOf(directional, mid2, inst));
    return over;
  }

  private firmOf(inst: InstrumentState): FirmCompiled | null {
    let f = this.firmCompiled.get(inst);
    if (f === undefined) {
      const cell = this.firm?.cellOf(inst.info.symbol);
      f = cell === undefined ? null : { cell, version: -1, maxLots: -1, maxTickLots2: -1 };
      this.firmCompiled.set(inst, f);
    }
    return f;
  }

  private compileFirm(inst: InstrumentState, f: FirmCompiled): void {
    const cap = BigInt(Number.MAX_SAFE_INTEGER);
    const num = (x: bigint): number => Number(x > cap ? cap : x);
    const { positionBase, notional, version } = f.cell;
    f.maxLots = positionBase === undefined ? -1 : num(positionBase / inst.math.lotUnits);
    f.maxTickLots2 = notional === undefined ? -1 : num((notional * 2n) / inst.math.tickLotUnits);
    f.version = version;
  }

  private compiledOf(inst: InstrumentState): CompiledInstrument {
    let c = this.compiled.get(inst);
    if (c === undefined) {
      const sym = this.compileSymbol(
        this.limits.defaults,
        this.limits.perSymbol?.[inst.info.symbol],
        `risk.perSymbol.${inst.info.symbol}`,
      );
      const tickLotUnits = inst.math.tickLotUnits;
      const maxOrderLots = sym.maxOrderBase / inst.math.lotUnits;
      const maxOrderTickLots = sym.maxOrderNotional / tickLotUnits;
      const cap = BigInt(Number.MAX_SAFE_INTEGER);
      const num = (x: bigint): number => Number(x > cap ? cap : x);
      // value2 = lots × mid2 × tickLot × 10^18 against limit × 2 × 10^18
      const perTickLot2 = tickLotUnits * ONE;
      c = {
        symbol: sym,
        maxOrderLots: num(maxOrderLots),
        maxOrderTickLots: num(maxOrderTickLots),
        maxPositionLots: num(sym.maxPositionBase / inst.math.lotUnits),
        maxPositionTickLots2: num(sym.maxPositionNotional2 / perTickLot2),
        maxTotalTickLots2: num(this.maxTotalNotional2 / perTickLot2),
      };
      this.compiled.set(inst, c);
    }
    return c;
  }

  private compileSymbol(defaults: SymbolLimits, over: Partial<SymbolLimits> | undefined, path: string): CompiledSymbol {
    const pick = (k: keyof SymbolLimits): DecimalInput => over?.[k] ?? defaults[k];
    const at = (k: keyof SymbolLimits): string => (over?.[k] !== undefined ? `${path}.${k}` : `risk.defaults.${k}`);
    return {
      maxPositionBase: nonNegative(pick("maxPositionBase"), at("maxPositionBase")),
      maxPositionNotional2: nonNegative(pick("maxPositionNotional"), at("maxPositionNotional")) * 2n * ONE,
      maxOrderBase: nonNegative(pick("maxOrderBase"), at("maxOrderBase")),
      maxOrderNotional: nonNegative(pick("maxOrderNotional"), at("maxOrderNotional")),
    };
  }

  /**
   * Remaining fraction (0..1) of the order and cancel rate limits on a venue right now, so metrics
   * can show how close quoting runs to the limit kept below the venue's own.
   */
  rateHeadroom(venue: string): { orders: number; cancels: number } {
    const v = this.registry.venues.get(venue);
    if (v === undefined) return { orders: 1, cancels: 1 };
    const now = this.clock.nowMs();
    const free = (w: SlidingWindow) => Math.max(0, 1 - w.inWindow(now) / w.capacity);
    return { orders: free(this.window(this.orderWindows, v)), cancels: free(this.window(this.cancelWindows, v)) };
  }

  private window(map: Map<VenueState, SlidingWindow>, v: VenueState): SlidingWindow {
    let w = map.get(v);
    if (w === undefined) {
      const cap = map === this.orderWindows ? this.limits.maxOrdersPerSecond : this.limits.maxCancelsPerSecond;
      w = new SlidingWindow(cap, 1000);
      map.set(v, w);
    }
    return w;
  }
}

/** Quote units of `base` units at the mid (rounded up: it sizes a request for more share). */
function quoteValueOf(base: Money, mid2: number, inst: InstrumentState): Money {
  const den = 2n * ONE;
  return (base * BigInt(mid2) * inst.math.tickUnits + den - 1n) / den;
}

/** |net position| of a symbol × 2 × mid × 10^18, marked at the first instrument with a mid. */
function symbolValue2(insts: readonly InstrumentState[]): Money {
  let base = 0n;
  let mark: InstrumentState | undefined;
  for (const i of insts) {
    base += i.math.base(i.position.lots);
    if (mark === undefined && i.mid2() > 0) mark = i;
  }
  if (base === 0n || mark === undefined) return 0n;
  const abs = base < 0n ? -base : base;
  return abs * BigInt(mark.mid2()) * mark.math.tickUnits;
}
