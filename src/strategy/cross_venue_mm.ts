/**
 * Cross-venue market making: quote on one venue at prices where a fill can be hedged at once on the
 * other venues, at their current depth and after their taker fees, and still earn min_profit; on
 * every fill on the quote venue, hedge the filled lots through the smart order router (a routed
 * parent order). Net position is counted across all venues; each side's quote is cut so that, even
 * if it filled completely before any hedge did, the net position stays within max_position. A hedge
 * that ends unfilled (limit, no liquidity, halted) leaves its remainder in the net position, which
 * the timer flattens again with a fresh hedge.
 *
 * Quantities are handled in the symbol's common grid (execution's commonGrid over the quote and
 * hedge venues' instruments), so lots of venues with different steps add up exactly.
 */
import * as v from "valibot";
import type { BookView } from "../book/index.ts";
import { type CommonGrid, commonGrid } from "../execution/index.ts";
import { Side } from "../types.ts";
import type { BookHealth, OrderUpdate } from "../venues/types.ts";
import {
  fractionField,
  intField,
  parseParams,
  positiveNumber,
  StrategyParamsError,
  toValidation,
  validateUpdate,
} from "./params.ts";
import { InstrumentGrid } from "./quoting.ts";
import type {
  BookUpdate,
  ParamsValidation,
  ParentOrderUpdate,
  PositionUpdate,
  QuoteIntent,
  QuoteLevel,
  Strategy,
  StrategyContext,
  StrategyInstrument,
  StrategyState,
  TradeTick,
} from "./types.ts";

const venueName = v.pipe(v.string(), v.minLength(1, "a venue name"));

/** Parameters of cross_venue_mm in natural units; every default is written here once. */
export const crossVenueMmParamsSchema = v.strictObject({
  /** The venue quoted on ("" = the first venue the strategy is given). */
  quote_venue: v.optional(v.union([v.literal(""), venueName], "a venue name"), ""),
  /** Venues hedges are routed to (empty = every other venue the strategy is given). */
  hedge_venues: v.optional(v.array(venueName, "a list of venue names"), []),
  /** Least edge kept per round trip after the quote venue's maker fee and the hedge venues' taker fees, fraction of price. */
  min_profit: v.optional(fractionField(0.5), 0.0002),
  /** Size of each quote in base units (raised to the quote venue's minimum quantity/notional). */
  order_size: v.optional(positiveNumber, 0.01),
  /** Largest absolute net position over all venues, base units; a side that could pass it is cut or pulled. */
  max_position: v.optional(positiveNumber, 0.05),
  /** Share of each displayed hedge level the router counts on, per mille. */
  hedge_urgency: v.optional(intField(1, 1000), 1000),
  /** How far beyond the hedge venues' current price a hedge may sweep, fraction of price. */
  hedge_slippage: v.optional(fractionField(0.5), 0.002),
  /** Book levels per hedge venue read to price a hedge of order_size. */
  hedge_depth_levels: v.optional(intField(1, 50), 10),
  /** A new quote within this fraction of price of the resting one (and still safe) replaces nothing. */
  refresh_tolerance: v.optional(fractionField(0.5), 0.0001),
  /** The same tolerance in ticks of the quote venue; the larger of the two applies. */
  refresh_tolerance_ticks: v.optional(intField(0, 1_000_000), 0),
  /**
   * Least time between two new prices on a side, ms (0 = none). A quote that must move sooner is
   * pulled instead, so fast hedge prices do not stack replacement orders while earlier ones are in flight.
   */
  min_quote_life_ms: v.optional(intField(0, 60_000), 200),
});

export type CrossVenueMmParams = v.InferOutput<typeof crossVenueMmParamsSchema>;

const NO_LEVELS: readonly QuoteLevel[] = Object.freeze([]);
const GRID_EPS = 1e-6;

/** One venue's instrument of the symbol, mapped to the common grid. */
interface Leg {
  readonly inst: StrategyInstrument;
  readonly priceMult: number;
  readonly qtyMult: number;
  book: BookView | undefined;
  health: BookHealth;
}

/** Per-symbol state: the quote leg, the hedge legs and the hedges in flight. */
class SymbolState {
  last: QuoteIntent;
  readonly grid: InstrumentGrid;
  orderLots = 0;
  /** When each side (0 bid, 1 ask) last got a new price, clock ms. */
  readonly placedMs = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  maxPositionCommon = 0;
  /** Smallest hedge worth routing, common lots (one lot of the finest hedge venue). */
  minHedgeCommon = 1;
  /** Working hedges by tag: signed common lots still to be hedged (+ buy, − sell). */
  readonly hedges = new Map<string, number>();
  constructor(
    readonly symbol: string,
    readonly quote: Leg,
    readonly hedgeLegs: readonly Leg[],
    readonly common: CommonGrid,
  ) {
    this.grid = new InstrumentGrid(quote.inst);
    this.last = { venue: quote.inst.venue, symbol, bids: NO_LEVELS, asks: NO_LEVELS };
    let min = Number.MAX_SAFE_INTEGER;
    for (const h of hedgeLegs) min = Math.min(min, h.qtyMult * Math.max(1, h.inst.info.minQtyLots));
    this.minHedgeCommon = min;
  }
}

/** Hedge outcome counters (status, tests). */
export interface CrossVenueStats {
  hedgesSent: number;
  hedgesFilled: number;
  hedgesUnfilled: number;
  /** Lots (common) left unhedged by unfilled hedges, before re-hedging. */
  unhedgedLots: number;
  rehedges: number;
  /** Times a side went from quoted to pulled (no hedge price, no room, below the venue minimum). */
  quotesPulled: number;
}

/** The cross-venue market maker (see the file comment). */
export class CrossVenueMm implements Strategy {
  readonly kind = "cross_venue_mm";
  readonly timerIntervalMs = 1000;
  readonly paramsSchema = crossVenueMmParamsSchema;
  readonly stats: CrossVenueStats = {
    hedgesSent: 0,
    hedgesFilled: 0,
    hedgesUnfilled: 0,
    unhedgedLots: 0,
    rehedges: 0,
    quotesPulled: 0,
  };
  unknownEvents = 0;
  private current: CrossVenueMmParams;
  private running = false;
  private states: SymbolState[] = [];
  /** Position per venue and symbol, venue lots (kept across parameter changes). */
  private readonly positions = new Map<string, number>();
  private readonly books = new Map<string, { book: BookView | undefined; health: BookHealth }>();
  private hedgeSeq = 0;
  // scratch for reading book levels
  private readonly ticksBuf: Float64Array;
  private readonly lotsBuf: Float64Array;
  private readonly merged: { eff: number; px: number; lots: number }[] = [];

  constructor(
    readonly name: string,
    private readonly ctx: StrategyContext,
    params: unknown,
  ) {
    if (ctx.sink.route === undefined) {
      throw new StrategyParamsError(name, [{ field: "(sink)", message: "this engine cannot route hedge orders" }]);
    }
    this.current = parseParams<CrossVenueMmParams>(crossVenueMmParamsSchema, name, params);
    this.ticksBuf = new Float64Array(50);
    this.lotsBuf = new Float64Array(50);
    this.states = this.build(this.current);
  }

  /** Quote and hedge legs per symbol for these parameters; throws naming the field on a bad venue. */
  private build(p: CrossVenueMmParams): SymbolState[] {
    const insts = this.ctx.instruments;
    const venues = [...new Set(insts.map((i) => i.venue))];
    const quoteVenue = p.quote_venue === "" ? venues[0] : p.quote_venue;
    if (quoteVenue === undefined || !venues.includes(quoteVenue)) {
      throw new StrategyParamsError(this.name, [
        { field: "quote_venue", message: `expected one of ${venues.join(", ")}, got ${p.quote_venue}` },
      ]);
    }
    const hedgeVenues = p.hedge_venues.length > 0 ? p.hedge_venues : venues.filter((x) => x !== quoteVenue);
    for (const h of hedgeVenues) {
      if (!venues.includes(h) || h === quoteVenue) {
        throw new StrategyParamsError(this.name, [
          {
            field: "hedge_venues",
            message: `expected venues other than ${quoteVenue} among ${venues.join(", ")}, got ${h}`,
          },
        ]);
      }
    }
    const out: SymbolState[] = [];
    for (const q of insts) {
      if (q.venue !== quoteVenue) continue;
      const hedges = insts.filter((i) => i.symbol === q.symbol && hedgeVenues.includes(i.venue));
      if (hedges.length === 0) continue;
      const all = [q, ...hedges];
      const grid = commonGrid(all.map((i) => i.info));
      const legs = all.map((inst, k): Leg => {
        const b = this.books.get(`${inst.venue}/${inst.symbol}`);
        return {
          inst,
          priceMult: grid.priceMult[k] ?? 1,
          qtyMult: grid.qtyMult[k] ?? 1,
          book: b?.book,
          health: b?.health ?? "syncing",
        };
      });
      const s = new SymbolState(q.symbol, legs[0] as Leg, legs.slice(1), grid);
      s.orderLots = s.grid.lots(p.order_size);
      // max_position in common lots: the quote venue's lots of it, on the common grid
      s.maxPositionCommon = s.grid.lots(p.max_position) * s.quote.qtyMult;
      out.push(s);
    }
    return out;
  }

  params(): Readonly<Record<string, unknown>> {
    return this.current;
  }

  validateParams(partial: unknown): ParamsValidation {
    return toValidation(validateUpdate(this.paramsSchema, this.current, partial));
  }

  updateParams(partial: unknown): Readonly<Record<string, unknown>> {
    const r = validateUpdate<CrossVenueMmParams>(this.paramsSchema, this.current, partial);
    if (!r.ok) throw new StrategyParamsError(this.name, r.issues);
    const next = this.build(r.merged);
    // hedges in flight stay tracked under the same symbol
    for (const s of next) {
      const old = this.states.find((o) => o.symbol === s.symbol);
      if (old === undefined) continue;
      for (const [tag, lots] of old.hedges) s.hedges.set(tag, lots);
      if (old.quote.inst.venue !== s.quote.inst.venue) this.emitEmpty(old);
    }
    this.current = r.merged;
    this.states = next;
    this.requoteAll();
    return this.params();
  }

  start(): void {
    this.running = true;
    this.requoteAll();
  }

  stop(): void {
    this.running = false;
    for (const s of this.states) this.emitEmpty(s);
  }

  state(): StrategyState {
    return this.running ? "running" : "stopped";
  }

  onBook(u: BookUpdate): void {
    this.setBook(u.venue, u.symbol, u.book, u.health);
    this.requoteFor(u.symbol);
  }

  onBookHealth(venue: string, symbol: string, health: BookHealth): void {
    const key = `${venue}/${symbol}`;
    const b = this.books.get(key);
    this.setBook(venue, symbol, b?.book, health);
    this.requoteFor(symbol);
  }

  onTrade(_trade: TradeTick): void {}

  onOrder(_update: OrderUpdate): void {}

  /** A fill moved a position: on the quote venue, hedge the change at once. */
  onPosition(u: PositionUpdate): void {
    if (!Number.isSafeInteger(u.positionLots)) return;
    const key = `${u.venue}/${u.symbol}`;
    const before = this.positions.get(key) ?? 0;
    this.positions.set(key, u.positionLots);
    const s = this.states.find((x) => x.symbol === u.symbol);
    if (s === undefined) {
      this.unknownEvents++;
      return;
    }
    const delta = u.positionLots - before;
    if (u.venue === s.quote.inst.venue && delta !== 0) this.hedge(s, -delta * s.quote.qtyMult);
    this.evaluate(s);
  }

  /** A hedge progressed or ended: an unfilled remainder stays in the net position (re-hedged on the timer). */
  onParent(u: ParentOrderUpdate): void {
    if (u.tag === undefined) return;
    for (const s of this.states) {
      if (!s.hedges.has(u.tag)) continue;
      if (u.status === "working") {
        s.hedges.set(u.tag, (u.side === Side.Buy ? 1 : -1) * u.remainingLots);
        return;
      }
      s.hedges.delete(u.tag);
      if (u.status === "filled") this.stats.hedgesFilled++;
      else {
        this.stats.hedgesUnfilled++;
        this.stats.unhedgedLots += u.remainingLots;
      }
      this.evaluate(s);
      return;
    }
  }

  onTimer(_nowMs: number): void {
    for (const s of this.states) {
      // a hedge that ended unfilled left net exposure behind: flatten it once nothing else is in flight
      const net = this.netCommon(s);
      if (this.running && s.hedges.size === 0 && Math.abs(net) >= s.minHedgeCommon) {
        this.stats.rehedges++;
        this.hedge(s, -net);
      }
      this.evaluate(s);
    }
  }

  currentQuotes(): readonly QuoteIntent[] {
    return this.states.map((s) => s.last);
  }

  /** Net position over the quote and hedge venues, common lots. */
  netCommon(symbolOrState: string | SymbolState): number {
    const s = typeof symbolOrState === "string" ? this.states.find((x) => x.symbol === symbolOrState) : symbolOrState;
    if (s === undefined) return 0;
    let net = (this.positions.get(`${s.quote.inst.venue}/${s.symbol}`) ?? 0) * s.quote.qtyMult;
    for (const h of s.hedgeLegs) net += (this.positions.get(`${h.inst.venue}/${s.symbol}`) ?? 0) * h.qtyMult;
    return net;
  }

  /** Hedges still working for a symbol (tags), for status and tests. */
  workingHedges(symbol: string): number {
    return this.states.find((x) => x.symbol === symbol)?.hedges.size ?? 0;
  }

  private setBook(venue: string, symbol: string, book: BookView | undefined, health: BookHealth): void {
    this.books.set(`${venue}/${symbol}`, { book, health });
    for (const s of this.states) {
      if (s.symbol !== symbol) continue;
      for (const leg of [s.quote, ...s.hedgeLegs]) {
        if (leg.inst.venue !== venue) continue;
        leg.book = book;
        leg.health = health;
      }
    }
  }

  private requoteFor(symbol: string): void {
    let found = false;
    for (const s of this.states) {
      if (s.symbol !== symbol) continue;
      found = true;
      this.evaluate(s);
    }
    if (!found) this.unknownEvents++;
  }

  private requoteAll(): void {
    for (const s of this.states) this.evaluate(s);
  }

  /** Routes a hedge of `signedCommon` lots (+ buy, − sell) to the hedge venues. */
  private hedge(s: SymbolState, signedCommon: number): void {
    const route = this.ctx.sink.route;
    if (signedCommon === 0 || route === undefined) return;
    const side = signedCommon > 0 ? Side.Buy : Side.Sell;
    const lots = Math.abs(signedCommon);
    const limit = this.hedgeLimit(s, side, lots);
    if (limit <= 0) {
      // no price to hedge against anywhere: the exposure stays in the net position for the timer
      this.stats.hedgesUnfilled++;
      this.stats.unhedgedLots += lots;
      return;
    }
    const tag = `${this.name}-h${++this.hedgeSeq}`;
    s.hedges.set(tag, signedCommon);
    this.stats.hedgesSent++;
    route.call(this.ctx.sink, {
      symbol: s.symbol,
      side,
      lots,
      limitTicks: limit,
      urgencyPermille: this.current.hedge_urgency,
      venues: s.hedgeLegs.map((h) => h.inst.venue),
      tag,
    });
  }

  /**
   * Limit of a hedge, common ticks: the worst price sweeping `lots` on the hedge venues now, moved by
   * hedge_slippage; the quote venue's top when the hedge books are thin. 0 = no price at all.
   */
  private hedgeLimit(s: SymbolState, side: Side, lots: number): number {
    const walk = this.walk(s, side, lots);
    let px = walk.worstPx;
    if (!(px > 0)) {
      const b = s.quote.book;
      const top = b === undefined ? -1 : side === Side.Buy ? b.bestAskTicks() : b.bestBidTicks();
      px = top > 0 ? top * s.quote.priceMult : 0;
    }
    if (!(px > 0)) return 0;
    const slip = this.current.hedge_slippage;
    return side === Side.Buy
      ? Math.ceil(px * (1 + slip) - GRID_EPS)
      : Math.max(1, Math.floor(px * (1 - slip) + GRID_EPS));
  }

  /**
   * Sweeps the live hedge books for `lots` common lots on the side a hedge of `side` takes, best
   * effective price (after taker fee) first: the worst effective and raw price needed, or NaN when
   * the books are too thin.
   */
  private walk(s: SymbolState, side: Side, lots: number): { worstEff: number; worstPx: number } {
    const m = this.merged;
    m.length = 0;
    const bookSide = side === Side.Buy ? Side.Sell : Side.Buy;
    const n = this.current.hedge_depth_levels;
    for (const h of s.hedgeLegs) {
      if (h.book === undefined || h.health !== "live") continue;
      const k = h.book.topLevels(bookSide, n, this.ticksBuf, this.lotsBuf);
      const fee = h.inst.fees.taker;
      for (let i = 0; i < k; i++) {
        const px = (this.ticksBuf[i] as number) * h.priceMult;
        const eff = side === Side.Buy ? px * (1 + fee) : px * (1 - fee);
        m.push({ eff, px, lots: (this.lotsBuf[i] as number) * h.qtyMult });
      }
    }
    m.sort(side === Side.Buy ? (a, b) => a.eff - b.eff : (a, b) => b.eff - a.eff);
    let need = lots;
    let worstPx = side === Side.Buy ? 0 : Number.POSITIVE_INFINITY;
    for (const l of m) {
      need -= l.lots;
      worstPx = side === Side.Buy ? Math.max(worstPx, l.px) : Math.min(worstPx, l.px);
      if (need <= 0) return { worstEff: l.eff, worstPx };
    }
    return { worstEff: Number.NaN, worstPx: Number.NaN };
  }

  /** Computes and emits the quote of one symbol (empty when it must not quote). */
  private evaluate(s: SymbolState): void {
    if (!this.running) return;
    const q = s.quote;
    const book = q.book;
    if (book === undefined || q.health !== "live" || s.orderLots <= 0) {
      this.emitEmpty(s);
      return;
    }
    const bestBid = book.bestBidTicks();
    const bestAsk = book.bestAskTicks();
    if (!(bestBid > 0 && bestAsk > bestBid)) {
      this.emitEmpty(s);
      return;
    }
    const p = this.current;
    const net = this.netCommon(s);
    const maker = q.inst.fees.maker;
    const orderCommon = s.orderLots * q.qtyMult;
    // bid: a fill is hedged by selling on the hedge venues
    let bidPx = 0;
    let bidLots = 0;
    const roomBuy = Math.floor((s.maxPositionCommon - net) / q.qtyMult);
    const sellWalk = this.walk(s, Side.Sell, orderCommon);
    if (sellWalk.worstEff > 0 && roomBuy > 0) {
      const common = (sellWalk.worstEff * (1 - p.min_profit)) / (1 + maker);
      bidPx = Math.min(Math.floor(common / q.priceMult + GRID_EPS), bestAsk - 1);
      bidLots = this.size(s, Math.min(s.orderLots, roomBuy), bidPx);
    }
    // ask: a fill is hedged by buying on the hedge venues
    let askPx = 0;
    let askLots = 0;
    const roomSell = Math.floor((s.maxPositionCommon + net) / q.qtyMult);
    const buyWalk = this.walk(s, Side.Buy, orderCommon);
    if (buyWalk.worstEff > 0 && roomSell > 0) {
      const common = (buyWalk.worstEff * (1 + p.min_profit)) / (1 - maker);
      askPx = Math.max(Math.ceil(common / q.priceMult - GRID_EPS), bestBid + 1);
      askLots = this.size(s, Math.min(s.orderLots, roomSell), askPx);
    }
    const tol = Math.max(p.refresh_tolerance_ticks, Math.floor(p.refresh_tolerance * bestBid));
    const now = this.ctx.clock.nowMs();
    const bids = this.side(s, s.last.bids, bidPx, bidLots, tol, true, now);
    const asks = this.side(s, s.last.asks, askPx, askLots, tol, false, now);
    if (bids !== s.last.bids || asks !== s.last.asks) {
      if ((bids.length === 0 && s.last.bids.length > 0) || (asks.length === 0 && s.last.asks.length > 0))
        this.stats.quotesPulled++;
      s.last = { venue: q.inst.venue, symbol: s.symbol, bids, asks };
    }
    this.ctx.sink.quotes(s.last);
  }

  /** Lots for a quote: at least the venue's minimum, or 0 when that does not fit the room. */
  private size(s: SymbolState, lots: number, px: number): number {
    if (!(px > 0)) return 0;
    const min = s.grid.minLotsAt(px);
    return lots >= min ? Math.min(lots, s.grid.maxQtyLots) : 0;
  }

  /**
   * The side's levels: the previous one while it has the same size and is still safe (no better
   * for us to fill than the safe price `px` allows) and within the tolerance of it; else a new one
   * half the tolerance inside `px`, which moves of the hedge price in either direction then keep.
   */
  private side(
    s: SymbolState,
    prev: readonly QuoteLevel[],
    px: number,
    lots: number,
    tol: number,
    isBid: boolean,
    nowMs: number,
  ): readonly QuoteLevel[] {
    if (lots === 0) return NO_LEVELS;
    const old = prev[0];
    if (old !== undefined && prev.length === 1 && old.lots === lots) {
      const behind = isBid ? px - old.priceTicks : old.priceTicks - px;
      if (behind >= 0 && behind <= tol) return prev;
    }
    // a new price too soon after the last one: pull the side until the quote may move again
    const k = isBid ? 0 : 1;
    if (nowMs - (s.placedMs[k] as number) < this.current.min_quote_life_ms) return NO_LEVELS;
    s.placedMs[k] = nowMs;
    // placed half the tolerance inside the safe price, so small moves either way keep it
    const half = Math.floor(tol / 2);
    return [{ priceTicks: isBid ? px - half : px + half, lots }];
  }

  private emitEmpty(s: SymbolState): void {
    if (s.last.bids.length !== 0 || s.last.asks.length !== 0) {
      s.last = { venue: s.quote.inst.venue, symbol: s.symbol, bids: NO_LEVELS, asks: NO_LEVELS };
    }
    this.ctx.sink.quotes(s.last);
  }
}
