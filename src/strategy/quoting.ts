/**
 * The safety rules every quoting strategy shares, written once: quote only on live, uncrossed
 * books; prices on the tick grid and never crossing the opposite best; sizes on the lot grid and
 * at least the venue's minimum quantity and notional; no level whose expected edge after the maker
 * fee is below min_profit; never more resting on a side than would take the position past
 * max_position if it all filled; and no cancel/replace churn when the new quote is within the
 * refresh tolerance of the last.
 */

import type { BookView } from "../book/index.ts";
import { baseToLots, minTickLotsForNotional } from "../services/index.ts";
import type { BookHealth, OrderUpdate } from "../venues/types.ts";
import { type ParamsSchema, StrategyParamsError, toValidation, validateUpdate } from "./params.ts";
import type {
  BookUpdate,
  ParamsValidation,
  PositionUpdate,
  QuoteIntent,
  QuoteLevel,
  Strategy,
  StrategyContext,
  StrategyInstrument,
  StrategyState,
  TradeTick,
} from "./types.ts";

/** Float noise in raw prices (fractional ticks) that must not move a quote by a whole tick. */
const GRID_EPS = 1e-6;

const NO_LEVELS: readonly QuoteLevel[] = Object.freeze([]);

/** Grid facts of one instrument, computed once. */
export class InstrumentGrid {
  readonly minQtyLots: number;
  readonly maxQtyLots: number;
  /** Smallest ticks × lots that meets the venue's minimum notional. */
  readonly minTickLots: number;
  readonly makerFee: number;
  constructor(readonly inst: StrategyInstrument) {
    const info = inst.info;
    this.minQtyLots = Math.max(1, info.minQtyLots);
    this.maxQtyLots = info.maxQtyLots > 0 ? info.maxQtyLots : Number.MAX_SAFE_INTEGER;
    this.minTickLots = minTickLotsForNotional(info.minNotional === "" ? "0" : info.minNotional, info.price, info.qty);
    this.makerFee = inst.fees.maker;
  }

  /** Base units to whole lots, rounding down (never more than asked). */
  lots(base: number): number {
    return baseToLots(base, this.inst.info.qty, "floor");
  }

  /** Fewest lots a level at this price may have (minimum quantity and notional). */
  minLotsAt(priceTicks: number): number {
    if (this.minTickLots === 0) return this.minQtyLots;
    return Math.max(this.minQtyLots, Math.ceil(this.minTickLots / priceTicks));
  }
}

/** What a strategy wants before the safety rules: raw prices (fractional ticks) per level. */
export interface RawQuote {
  /** Fair value in ticks against which edge is measured (mid or microprice). */
  readonly fairTicks: number;
  /** Desired bid prices, best first (fractional ticks; rounded down to the grid). */
  readonly bids: readonly number[];
  /** Desired ask prices, best first (rounded up). */
  readonly asks: readonly number[];
  /** Desired lots per level. */
  readonly lots: number;
}

/** The limits the safety rules need. */
export interface SafetyLimits {
  readonly minProfit: number;
  readonly maxPositionLots: number;
  readonly toleranceTicks: number;
}

/**
 * Bids that obey every rule: strictly below the best ask and descending, edge ≥ min_profit after
 * the maker fee, total lots within the room left below max_position.
 */
export function safeBids(
  raw: RawQuote,
  bestAskTicks: number,
  positionLots: number,
  grid: InstrumentGrid,
  limits: SafetyLimits,
): QuoteLevel[] {
  const out: QuoteLevel[] = [];
  let room = limits.maxPositionLots - positionLots;
  let prev = bestAskTicks; // every bid must be below the best ask and below the previous level
  for (const px of raw.bids) {
    if (room <= 0) break;
    let p = Math.floor(px + GRID_EPS);
    if (p >= prev) p = prev - 1;
    if (!(p > 0)) break;
    if ((raw.fairTicks - p) / raw.fairTicks - grid.makerFee < limits.minProfit) continue;
    const lots = sizeLevel(raw.lots, p, room, grid);
    if (lots === 0) break;
    out.push({ priceTicks: p, lots });
    room -= lots;
    prev = p;
  }
  return out;
}

/** Asks that obey every rule (mirror of safeBids). */
export function safeAsks(
  raw: RawQuote,
  bestBidTicks: number,
  positionLots: number,
  grid: InstrumentGrid,
  limits: SafetyLimits,
): QuoteLevel[] {
  const out: QuoteLevel[] = [];
  let room = limits.maxPositionLots + positionLots;
  let prev = bestBidTicks;
  for (const px of raw.asks) {
    if (room <= 0) break;
    let p = Math.ceil(px - GRID_EPS);
    if (p <= prev) p = prev + 1;
    if (!Number.isSafeInteger(p)) break;
    if ((p - raw.fairTicks) / raw.fairTicks - grid.makerFee < limits.minProfit) continue;
    const lots = sizeLevel(raw.lots, p, room, grid);
    if (lots === 0) break;
    out.push({ priceTicks: p, lots });
    room -= lots;
    prev = p;
  }
  return out;
}

/** Lots for one level: desired, raised to the venue minimum, cut to the room left; 0 = none fits. */
function sizeLevel(want: number, priceTicks: number, room: number, grid: InstrumentGrid): number {
  const min = grid.minLotsAt(priceTicks);
  let lots = Math.min(Math.max(want, min), grid.maxQtyLots, room);
  if (lots < min) lots = 0;
  return lots;
}

/**
 * The previous side is kept when the new one has the same sizes and every price moved at most
 * the tolerance, provided the previous side is still safe now (not crossing, enough edge).
 */
export function withinTolerance(
  prev: readonly QuoteLevel[],
  next: readonly QuoteLevel[],
  tolTicks: number,
  stillSafe: (p: QuoteLevel) => boolean,
): boolean {
  if (prev.length !== next.length) return false;
  for (let i = 0; i < prev.length; i++) {
    const a = prev[i] as QuoteLevel;
    const b = next[i] as QuoteLevel;
    if (a.lots !== b.lots || Math.abs(a.priceTicks - b.priceTicks) > tolTicks || !stillSafe(a)) return false;
  }
  return true;
}

/** Whether our best bid would meet our best ask. */
function crosses(bids: readonly QuoteLevel[], asks: readonly QuoteLevel[]): boolean {
  const b = bids[0];
  const a = asks[0];
  return b !== undefined && a !== undefined && b.priceTicks >= a.priceTicks;
}

/** Per-instrument state a quoting strategy keeps. */
export class QuoteState {
  book: BookView | undefined;
  health: BookHealth = "syncing";
  positionLots = 0;
  last: QuoteIntent;
  readonly grid: InstrumentGrid;
  constructor(readonly inst: StrategyInstrument) {
    this.grid = new InstrumentGrid(inst);
    this.last = { venue: inst.venue, symbol: inst.symbol, bids: NO_LEVELS, asks: NO_LEVELS };
  }
}

/** Parameters every quoting strategy has (natural units). */
export interface QuotingParams {
  readonly max_position: number;
  readonly min_profit: number;
  readonly order_size: number;
  readonly refresh_tolerance: number;
  readonly refresh_tolerance_ticks: number;
}

/**
 * Base of the built-in quoting strategies: routes events to per-instrument state, enforces the
 * safety rules and the refresh tolerance, and emits one QuoteIntent per evaluation. Subclasses
 * only say where they would like to quote (rawQuote).
 */
export abstract class QuotingStrategy<P extends QuotingParams & Record<string, unknown>> implements Strategy {
  abstract readonly kind: string;
  readonly timerIntervalMs: number = 1000;
  protected current: P;
  protected running = false;
  protected readonly states = new Map<string, Map<string, QuoteState>>();
  /** Events for instruments this strategy does not trade (wiring mistakes show up here). */
  unknownEvents = 0;

  constructor(
    readonly name: string,
    protected readonly ctx: StrategyContext,
    protected readonly schema: ParamsSchema,
    params: P,
  ) {
    this.current = params;
    for (const inst of ctx.instruments) {
      let byVenue = this.states.get(inst.venue);
      if (byVenue === undefined) {
        byVenue = new Map();
        this.states.set(inst.venue, byVenue);
      }
      byVenue.set(inst.symbol, new QuoteState(inst));
    }
  }

  /** Where the strategy would quote now, before the safety rules; undefined = no opinion (no quote). */
  protected abstract rawQuote(s: QuoteState, book: BookView, nowMs: number): RawQuote | undefined;

  /** Hook for subclasses that learn from each book update (volatility, liquidity). */
  protected observe(_s: QuoteState, _book: BookView, _nowMs: number): void {}

  params(): Readonly<Record<string, unknown>> {
    return this.current;
  }

  validateParams(partial: unknown): ParamsValidation {
    return toValidation(validateUpdate(this.schema, this.current, partial));
  }

  updateParams(partial: unknown): Readonly<Record<string, unknown>> {
    const r = validateUpdate<P>(this.schema, this.current, partial);
    if (!r.ok) throw new StrategyParamsError(this.name, r.issues);
    this.current = r.merged;
    this.onParamsChanged();
    this.requoteAll();
    return this.params();
  }

  /** Hook for subclasses that cache values derived from parameters. */
  protected onParamsChanged(): void {}

  start(): void {
    this.running = true;
    this.requoteAll();
  }

  stop(): void {
    this.running = false;
    for (const s of this.allStates()) this.emitEmpty(s);
  }

  state(): StrategyState {
    return this.running ? "running" : "stopped";
  }

  onBook(u: BookUpdate): void {
    const s = this.stateOf(u.venue, u.symbol);
    if (s === undefined) return;
    s.book = u.book;
    s.health = u.health;
    const now = this.ctx.clock.nowMs();
    if (u.health === "live") this.observe(s, u.book, now);
    this.evaluate(s, now);
  }

  onBookHealth(venue: string, symbol: string, health: BookHealth): void {
    const s = this.stateOf(venue, symbol);
    if (s === undefined) return;
    s.health = health;
    this.evaluate(s, this.ctx.clock.nowMs());
  }

  onTrade(_trade: TradeTick): void {}

  onOrder(_update: OrderUpdate): void {}

  onPosition(p: PositionUpdate): void {
    const s = this.stateOf(p.venue, p.symbol);
    if (s === undefined || !Number.isFinite(p.positionLots)) return;
    s.positionLots = p.positionLots;
    this.evaluate(s, this.ctx.clock.nowMs());
  }

  onTimer(nowMs: number): void {
    for (const s of this.allStates()) this.evaluate(s, nowMs);
  }

  currentQuotes(): readonly QuoteIntent[] {
    return [...this.allStates()].map((s) => s.last);
  }

  protected requoteAll(): void {
    const now = this.ctx.clock.nowMs();
    for (const s of this.allStates()) this.evaluate(s, now);
  }

  protected *allStates(): IterableIterator<QuoteState> {
    for (const byVenue of this.states.values()) yield* byVenue.values();
  }

  protected stateOf(venue: string, symbol: string): QuoteState | undefined {
    const s = this.states.get(venue)?.get(symbol);
    if (s === undefined) this.unknownEvents++;
    return s;
  }

  /** Computes and emits the quote for one instrument (empty when it must not quote). */
  protected evaluate(s: QuoteState, nowMs: number): void {
    if (!this.running) return;
    const book = s.book;
    if (book === undefined || s.health !== "live") {
      this.emitEmpty(s);
      return;
    }
    const bid = book.bestBidTicks();
    const ask = book.bestAskTicks();
    if (bid < 0 || ask < 0 || bid >= ask) {
      this.emitEmpty(s);
      return;
    }
    const raw = this.rawQuote(s, book, nowMs);
    if (raw === undefined || !(raw.fairTicks > 0) || !(raw.lots > 0)) {
      this.emitEmpty(s);
      return;
    }
    const p = this.current;
    const limits: SafetyLimits = {
      minProfit: p.min_profit,
      maxPositionLots: s.grid.lots(p.max_position),
      toleranceTicks: Math.max(p.refresh_tolerance_ticks, Math.floor(p.refresh_tolerance * raw.fairTicks)),
    };
    const bids = safeBids(raw, ask, s.positionLots, s.grid, limits);
    const asks = safeAsks(raw, bid, s.positionLots, s.grid, limits);
    this.emit(s, bids, asks, raw.fairTicks, bid, ask, limits);
  }

  /** Emits, keeping each side's previous levels when the new ones are within tolerance. */
  private emit(
    s: QuoteState,
    bids: QuoteLevel[],
    asks: QuoteLevel[],
    fair: number,
    bestBid: number,
    bestAsk: number,
    limits: SafetyLimits,
  ): void {
    const fee = s.grid.makerFee;
    const prev = s.last;
    const keepBids = withinTolerance(
      prev.bids,
      bids,
      limits.toleranceTicks,
      (l) => l.priceTicks < bestAsk && (fair - l.priceTicks) / fair - fee >= limits.minProfit,
    );
    const keepAsks = withinTolerance(
      prev.asks,
      asks,
      limits.toleranceTicks,
      (l) => l.priceTicks > bestBid && (l.priceTicks - fair) / fair - fee >= limits.minProfit,
    );
    if (!(keepBids && keepAsks)) {
      let b: readonly QuoteLevel[] = keepBids ? prev.bids : bids;
      let a: readonly QuoteLevel[] = keepAsks ? prev.asks : asks;
      // A kept side must not cross the fresh other side (our own quotes would trade with each other).
      if (crosses(b, a)) {
        b = bids;
        a = asks;
        if (crosses(b, a)) {
          b = NO_LEVELS;
          a = NO_LEVELS;
        }
      }
      s.last = {
        venue: s.inst.venue,
        symbol: s.inst.symbol,
        bids: b.length === 0 ? NO_LEVELS : b,
        asks: a.length === 0 ? NO_LEVELS : a,
      };
    }
    this.ctx.sink.quotes(s.last);
  }

  /**
   * Pulls every quote of an instrument. Emitted on every evaluation (the same object while
   * nothing changes) so the execution layer can retry cancels it had to defer.
   */
  protected emitEmpty(s: QuoteState): void {
    if (s.last.bids.length !== 0 || s.last.asks.length !== 0) {
      s.last = { venue: s.inst.venue, symbol: s.inst.symbol, bids: NO_LEVELS, asks: NO_LEVELS };
    }
    this.ctx.sink.quotes(s.last);
  }
}
