/**
 * The safety rules every quoting strategy shares, written once: quote only on live, uncrossed
 * books; prices on the tick grid and never crossing the opposite best; sizes on the lot grid and
 * at least the venue's minimum quantity and notional; no level whose expected edge after the maker
 * fee is below min_profit; never more resting on a side than would take the position past
 * max_position if it all filled; and no cancel/replace churn when the new quote is within the
 * refresh tolerance of the last. Evaluation runs on every book update, so it works in
 * preallocated buffers and allocates only when the emitted quote actually changes.
 */

import * as v from "valibot";
import type { BookHealth, BookView, NoQuoteReason, OrderUpdate } from "../types/index.ts";
import { baseToLots, minTickLotsForNotional, Side } from "../types/index.ts";
import { baseAmount, fractionField, intField } from "./fields.ts";
import { lotCountIssues, type ParamsSchema, StrategyParamsError, toValidation, validateUpdate } from "./params.ts";
import { askTicks, bidTicks, edgeAfterFee, quoteEdge } from "./pricing.ts";
import type { ParamIssue } from "./types.ts";
import {
  type BookUpdate,
  newQuoteDecision,
  type ParamsValidation,
  type PositionUpdate,
  type QuoteDecision,
  type QuoteIntent,
  type QuoteLevel,
  type Strategy,
  type StrategyContext,
  type StrategyInstrument,
  type StrategyState,
  type TradeTick,
} from "./types.ts";

/** Most levels per side any quoting strategy may ask for (the parameter schemas cap `levels` here). */
export const MAX_LEVELS = 20;

const NO_LEVELS: readonly QuoteLevel[] = Object.freeze([]);

/** Grid facts of one instrument, computed once. */
export class InstrumentGrid {
  readonly minQtyLots: number;
  readonly maxQtyLots: number;
  /** Smallest ticks × lots that meets the venue's minimum notional. */
  readonly minTickLots: number;
  constructor(readonly inst: StrategyInstrument) {
    const info = inst.info;
    this.minQtyLots = Math.max(1, info.minQtyLots);
    this.maxQtyLots = info.maxQtyLots > 0 ? info.maxQtyLots : Number.MAX_SAFE_INTEGER;
    this.minTickLots = minTickLotsForNotional(info.minNotional === "" ? "0" : info.minNotional, info.price, info.qty);
  }

  /** The maker fee in force: read at each use, since the engine keeps it current with the venue's. */
  get makerFee(): number {
    return this.inst.fees.maker;
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

/** One side of a quote under construction: prices and lots of up to MAX_LEVELS levels. */
export class SideBuffer {
  readonly px = new Float64Array(MAX_LEVELS);
  readonly lots = new Float64Array(MAX_LEVELS);
  n = 0;
  /** Why the side came out empty (null when it has levels). */
  reason: NoQuoteReason | null = null;
  /** The best candidate level's edge against fair value before fees, a fraction (NaN when none was priced). */
  edge = Number.NaN;
}

/** Why a side whose levels were all priced came out empty: the fee alone eats the edge, or min_profit does. */
function noEdgeReason(bestEdge: number, makerFee: number): NoQuoteReason {
  if (Number.isNaN(bestEdge)) return "no_market";
  return bestEdge <= makerFee ? "fees_exceed_spread" : "min_profit";
}

/**
 * Where a strategy would like to quote, before the safety rules: the strategy writes fractional
 * tick prices (best first) into bids/asks for `levels` levels and sets the fair value.
 */
export class RawQuote {
  /** Fair value in ticks against which edge is measured; NaN = no opinion (no quote). */
  fairTicks = Number.NaN;
  levels = 0;
  readonly bids = new Float64Array(MAX_LEVELS);
  readonly asks = new Float64Array(MAX_LEVELS);
}

/** The limits the safety rules apply to one side. */
export interface SideLimits {
  readonly minProfit: number;
  readonly maxPositionLots: number;
  /** Desired lots per level. */
  readonly lots: number;
}

/** Lots for one level: desired, raised to the venue minimum, cut to the room left; 0 = none fits. */
function sizeLevel(want: number, priceTicks: number, room: number, grid: InstrumentGrid): number {
  const min = grid.minLotsAt(priceTicks);
  const lots = Math.min(Math.max(want, min), grid.maxQtyLots, room);
  return lots < min ? 0 : lots;
}

/**
 * Bids that obey every rule: strictly below the best ask and descending, edge ≥ min_profit after
 * the maker fee, total lots within the room left below max_position.
 */
export function buildBids(
  raw: RawQuote,
  bestAskTicks: number,
  positionLots: number,
  grid: InstrumentGrid,
  limits: SideLimits,
  out: SideBuffer,
): void {
  startSide(out);
  let room = limits.maxPositionLots - positionLots;
  let prev = bestAskTicks; // every bid must be below the best ask and below the previous level
  const fair = raw.fairTicks;
  if (room <= 0) out.reason = "position_limit";
  for (let i = 0; i < raw.levels && room > 0; i++) {
    let p = bidTicks(raw.bids[i] as number);
    if (p >= prev) p = prev - 1;
    if (!(p > 0)) break;
    const edge = quoteEdge(Side.Buy, p, fair);
    if (!(edge <= out.edge)) out.edge = edge;
    if (edge - grid.makerFee < limits.minProfit) continue;
    const lots = sizeLevel(limits.lots, p, room, grid);
    if (lots === 0) {
      if (out.n === 0) out.reason = "position_limit";
      break;
    }
    out.px[out.n] = p;
    out.lots[out.n] = lots;
    out.n++;
    room -= lots;
    prev = p;
  }
  if (out.n === 0 && out.reason === null) out.reason = noEdgeReason(out.edge, grid.makerFee);
}

function startSide(out: SideBuffer): void {
  out.n = 0;
  out.reason = null;
  out.edge = Number.NaN;
}

/** Asks that obey every rule (mirror of buildBids). */
export function buildAsks(
  raw: RawQuote,
  bestBidTicks: number,
  positionLots: number,
  grid: InstrumentGrid,
  limits: SideLimits,
  out: SideBuffer,
): void {
  startSide(out);
  let room = limits.maxPositionLots + positionLots;
  let prev = bestBidTicks;
  const fair = raw.fairTicks;
  if (room <= 0) out.reason = "position_limit";
  for (let i = 0; i < raw.levels && room > 0; i++) {
    let p = askTicks(raw.asks[i] as number);
    if (p <= prev) p = prev + 1;
    if (!Number.isSafeInteger(p)) break;
    const edge = quoteEdge(Side.Sell, p, fair);
    if (!(edge <= out.edge)) out.edge = edge;
    if (edge - grid.makerFee < limits.minProfit) continue;
    const lots = sizeLevel(limits.lots, p, room, grid);
    if (lots === 0) {
      if (out.n === 0) out.reason = "position_limit";
      break;
    }
    out.px[out.n] = p;
    out.lots[out.n] = lots;
    out.n++;
    room -= lots;
    prev = p;
  }
  if (out.n === 0 && out.reason === null) out.reason = noEdgeReason(out.edge, grid.makerFee);
}

/**
 * Whether the previous side may stay: same sizes, every price within the tolerance of the new
 * one, and still safe now (not crossing the opposite best, enough edge at the current fair value).
 */
function keepSide(
  prev: readonly QuoteLevel[],
  next: SideBuffer,
  tolTicks: number,
  isBid: boolean,
  bestOpposite: number,
  fair: number,
  fee: number,
  minProfit: number,
): boolean {
  if (prev.length !== next.n) return false;
  for (let i = 0; i < next.n; i++) {
    const a = prev[i] as QuoteLevel;
    const p = a.priceTicks;
    if (a.lots !== next.lots[i] || Math.abs(p - (next.px[i] as number)) > tolTicks) return false;
    if (
      edgeAfterFee(isBid ? Side.Buy : Side.Sell, p, fair, fee) < minProfit ||
      (isBid ? p >= bestOpposite : p <= bestOpposite)
    )
      return false;
  }
  return true;
}

function toLevels(buf: SideBuffer): readonly QuoteLevel[] {
  if (buf.n === 0) return NO_LEVELS;
  const out: QuoteLevel[] = new Array(buf.n);
  for (let i = 0; i < buf.n; i++) out[i] = { priceTicks: buf.px[i] as number, lots: buf.lots[i] as number };
  return out;
}

/** Per-instrument state a quoting strategy keeps. */
export class QuoteState {
  book: BookView | undefined;
  health: BookHealth = "syncing";
  positionLots = 0;
  last: QuoteIntent;
  readonly grid: InstrumentGrid;
  /** Parameters in lots of this instrument, refreshed when parameters change. */
  maxPositionLots = 0;
  orderLots = 0;
  readonly raw = new RawQuote();
  readonly bidBuf = new SideBuffer();
  readonly askBuf = new SideBuffer();
  /** Why each side is (not) quoted, updated on every evaluation. */
  readonly decision: QuoteDecision;
  /** What the last full evaluation saw (top of book, position, parameters), for topOfBookQuotes(). */
  readonly seen = { bid: -2, ask: -2, bidLots: 0, askLots: 0, positionLots: 0, params: undefined as unknown };
  constructor(readonly inst: StrategyInstrument) {
    this.grid = new InstrumentGrid(inst);
    this.last = { venue: inst.venue, symbol: inst.symbol, bids: NO_LEVELS, asks: NO_LEVELS };
    this.decision = newQuoteDecision(inst.venue, inst.symbol);
  }

  /** Records that neither side is quoted, for one reason. */
  decideNone(reason: NoQuoteReason): void {
    const d = this.decision;
    d.bid = reason;
    d.ask = reason;
    d.bidEdge = Number.NaN;
    d.askEdge = Number.NaN;
  }
}

/**
 * The parameters every QuotingStrategy reads, with their ranges and defaults written once: a quoting
 * strategy spreads them into its own schema (`v.strictObject({ ...quotingParamsEntries, spread: ... })`).
 */
export const quotingParamsEntries = {
  /** Largest absolute position in base units; the side that would add to it stops quoting there. */
  max_position: v.optional(baseAmount, 1),
  /** Least expected edge per side after the maker fee, fraction of fair value. */
  min_profit: v.optional(fractionField(0.5), 0.0001),
  /** Size of each level in base units (raised to the venue's minimum quantity/notional). */
  order_size: v.optional(baseAmount, 0.01),
  /** Levels per side. */
  levels: v.optional(intField(1, MAX_LEVELS), 1),
  /** A new quote within this fraction of fair value of the resting one replaces nothing. */
  refresh_tolerance: v.optional(fractionField(0.5), 0.0001),
  /** The same tolerance in ticks; the larger of the two applies. */
  refresh_tolerance_ticks: v.optional(intField(0, 1_000_000), 0),
};

/** Parameters every quoting strategy has (natural units). */
export interface QuotingParams {
  readonly max_position: number;
  readonly min_profit: number;
  readonly order_size: number;
  readonly levels: number;
  readonly refresh_tolerance: number;
  readonly refresh_tolerance_ticks: number;
}

/**
 * Base of the built-in quoting strategies: routes events to per-instrument state, enforces the
 * safety rules and the refresh tolerance, and emits one QuoteIntent per evaluation (the same
 * object while nothing changes). Subclasses only say where they would like to quote (fillRaw).
 */
export abstract class QuotingStrategy<P extends QuotingParams & Record<string, unknown>> implements Strategy {
  abstract readonly kind: string;
  readonly timerIntervalMs: number = 1000;
  protected current: P;
  protected running = false;
  protected readonly states = new Map<string, Map<string, QuoteState>>();
  private readonly list: QuoteState[] = [];
  private readonly decisions: QuoteDecision[] = [];
  private lastState: QuoteState | undefined;
  /** Events for instruments this strategy does not trade (wiring mistakes show up here). */
  unknownEvents = 0;

  constructor(
    readonly name: string,
    protected readonly ctx: StrategyContext,
    readonly paramsSchema: ParamsSchema,
    params: P,
  ) {
    const lots = lotCountIssues(params, ctx.instruments);
    if (lots.length > 0) throw new StrategyParamsError(name, lots);
    this.current = params;
    for (const inst of ctx.instruments) {
      let byVenue = this.states.get(inst.venue);
      if (byVenue === undefined) {
        byVenue = new Map();
        this.states.set(inst.venue, byVenue);
      }
      const s = new QuoteState(inst);
      byVenue.set(inst.symbol, s);
      this.list.push(s);
      this.decisions.push(s.decision);
    }
    this.derive();
  }

  /**
   * Writes where the strategy would quote now into s.raw (fairTicks, levels, bids, asks);
   * leaving fairTicks NaN means no quote.
   */
  protected abstract fillRaw(s: QuoteState, book: BookView, nowMs: number): void;

  /** Hook for subclasses that learn from each live book update (volatility, liquidity). */
  protected observe(_s: QuoteState, _book: BookView, _nowMs: number): void {}

  /**
   * True when fillRaw reads nothing but the best prices and sizes, the position and the parameters
   * (no time, no history, no other book): then an update that changed none of them (a level deeper
   * in the book) re-emits the last quote without computing it again. Off unless a subclass says so.
   */
  protected topOfBookQuotes(): boolean {
    return false;
  }

  params(): Readonly<Record<string, unknown>> {
    return this.current;
  }

  /**
   * Rules on the merged parameter set a schema field cannot state alone (one bound below another):
   * a subclass names them here so a PATCH that breaks one is refused with 400 before it applies.
   */
  protected crossFieldIssues(_p: Readonly<Record<string, unknown>>): ParamIssue[] {
    return [];
  }

  /** Sizes must stay exact lot counts on every instrument traded (known only now, not at config time). */
  private readonly lotCheck = (p: Readonly<Record<string, unknown>>) => [
    ...lotCountIssues(p, this.ctx.instruments),
    ...this.crossFieldIssues(p),
  ];

  validateParams(partial: unknown): ParamsValidation {
    return toValidation(validateUpdate(this.paramsSchema, this.current, partial, this.lotCheck));
  }

  updateParams(partial: unknown): Readonly<Record<string, unknown>> {
    const r = validateUpdate<P>(this.paramsSchema, this.current, partial, this.lotCheck);
    if (!r.ok) throw new StrategyParamsError(this.name, r.issues);
    this.current = r.merged;
    this.derive();
    this.requoteAll();
    return this.params();
  }

  /** Recomputes the per-instrument lot figures from the parameters. */
  private derive(): void {
    for (const s of this.list) {
      s.maxPositionLots = s.grid.lots(this.current.max_position);
      s.orderLots = s.grid.lots(this.current.order_size);
    }
  }

  start(): void {
    this.running = true;
    this.requoteAll();
  }

  stop(): void {
    this.running = false;
    for (const s of this.list) {
      s.decideNone("stopped");
      this.emitEmpty(s);
    }
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
    for (const s of this.list) this.evaluate(s, nowMs);
  }

  currentQuotes(): readonly QuoteIntent[] {
    return this.list.map((s) => s.last);
  }

  quoteDecisions(): readonly QuoteDecision[] {
    return this.decisions;
  }

  protected requoteAll(): void {
    const now = this.ctx.clock.nowMs();
    for (const s of this.list) this.evaluate(s, now);
  }

  /** The instrument's state; the last one found is remembered (book events come per instrument in runs). */
  protected stateOf(venue: string, symbol: string): QuoteState | undefined {
    const last = this.lastState;
    if (last !== undefined && last.inst.symbol === symbol && last.inst.venue === venue) return last;
    const s = this.states.get(venue)?.get(symbol);
    if (s === undefined) this.unknownEvents++;
    else this.lastState = s;
    return s;
  }

  /** Computes and emits the quote for one instrument (empty when it must not quote). */
  protected evaluate(s: QuoteState, nowMs: number): void {
    if (!this.running) return;
    const d = s.decision;
    d.makerFee = s.grid.makerFee;
    d.minProfit = this.current.min_profit;
    d.positionLots = s.positionLots;
    d.maxPositionLots = s.maxPositionLots;
    const book = s.book;
    if (book === undefined || s.health !== "live") {
      this.pass(s, "book_not_live");
      return;
    }
    const bid = book.bestBidTicks();
    const ask = book.bestAskTicks();
    if (this.sameInputs(s, book, bid, ask)) {
      this.ctx.sink.quotes(s.last); // the same object: the execution layer has nothing to plan
      return;
    }
    const raw = s.raw;
    raw.fairTicks = Number.NaN;
    raw.levels = 0;
    if (!(bid >= 0 && ask >= 0 && bid < ask)) {
      this.pass(s, "no_market");
      return;
    }
    if (s.orderLots <= 0) {
      this.pass(s, "below_min_size");
      return;
    }
    this.fillRaw(s, book, nowMs);
    if (!(raw.fairTicks > 0) || raw.levels <= 0) {
      this.pass(s, "no_fair_value");
      return;
    }
    raw.levels = Math.min(raw.levels, MAX_LEVELS);
    const p = this.current;
    const limits: SideLimits = { minProfit: p.min_profit, maxPositionLots: s.maxPositionLots, lots: s.orderLots };
    buildBids(raw, ask, s.positionLots, s.grid, limits, s.bidBuf);
    buildAsks(raw, bid, s.positionLots, s.grid, limits, s.askBuf);
    const tol = Math.max(p.refresh_tolerance_ticks, Math.floor(p.refresh_tolerance * raw.fairTicks));
    this.emit(s, tol, raw.fairTicks, bid, ask);
    // an empty side without a reason of its own was pulled because it would meet our other side
    d.bid = s.last.bids.length > 0 ? null : (s.bidBuf.reason ?? "self_cross");
    d.ask = s.last.asks.length > 0 ? null : (s.askBuf.reason ?? "self_cross");
    d.bidEdge = s.bidBuf.edge;
    d.askEdge = s.askBuf.edge;
  }

  /** Quotes nothing on the instrument, for one reason. */
  private pass(s: QuoteState, reason: NoQuoteReason): void {
    s.decideNone(reason);
    this.emitEmpty(s);
  }

  /**
   * Whether the inputs of a top-of-book strategy are those of its last evaluation (and remembers
   * them when not): the same inputs give the same quote, so it need not be computed again.
   */
  private sameInputs(s: QuoteState, book: BookView, bid: number, ask: number): boolean {
    if (!this.topOfBookQuotes()) return false;
    const seen = s.seen;
    const bidLots = book.bestBidLots();
    const askLots = book.bestAskLots();
    if (
      seen.bid === bid &&
      seen.ask === ask &&
      seen.bidLots === bidLots &&
      seen.askLots === askLots &&
      seen.positionLots === s.positionLots &&
      seen.params === this.current
    )
      return true;
    seen.bid = bid;
    seen.ask = ask;
    seen.bidLots = bidLots;
    seen.askLots = askLots;
    seen.positionLots = s.positionLots;
    seen.params = this.current;
    return false;
  }

  /** Emits, keeping each side's previous levels when the new ones are within tolerance. */
  private emit(s: QuoteState, tol: number, fair: number, bestBid: number, bestAsk: number): void {
    const fee = s.grid.makerFee;
    const minProfit = this.current.min_profit;
    const prev = s.last;
    const keepBids = keepSide(prev.bids, s.bidBuf, tol, true, bestAsk, fair, fee, minProfit);
    const keepAsks = keepSide(prev.asks, s.askBuf, tol, false, bestBid, fair, fee, minProfit);
    if (!(keepBids && keepAsks)) {
      let b = keepBids ? prev.bids : toLevels(s.bidBuf);
      let a = keepAsks ? prev.asks : toLevels(s.askBuf);
      // A kept side must not cross the fresh other side (our own quotes would trade with each other).
      if (crosses(b, a)) {
        b = toLevels(s.bidBuf);
        a = toLevels(s.askBuf);
        if (crosses(b, a)) {
          b = NO_LEVELS;
          a = NO_LEVELS;
        }
      }
      s.last = { venue: s.inst.venue, symbol: s.inst.symbol, bids: b, asks: a };
    }
    this.ctx.sink.quotes(s.last);
  }

  /**
   * Pulls every quote of an instrument. Emitted on every evaluation (the same object while
   * nothing changes) so the execution layer can retry cancels it had to defer.
   */
  protected emitEmpty(s: QuoteState): void {
    s.seen.params = undefined; // the quote was pulled: the next evaluation computes it afresh
    if (s.last.bids.length !== 0 || s.last.asks.length !== 0) {
      s.last = { venue: s.inst.venue, symbol: s.inst.symbol, bids: NO_LEVELS, asks: NO_LEVELS };
    }
    this.ctx.sink.quotes(s.last);
  }
}

/** Whether our best bid would meet our best ask. */
function crosses(bids: readonly QuoteLevel[], asks: readonly QuoteLevel[]): boolean {
  const b = bids[0];
  const a = asks[0];
  return b !== undefined && a !== undefined && b.priceTicks >= a.priceTicks;
}
