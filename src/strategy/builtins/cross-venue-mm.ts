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
import {
  askTicks,
  type BookHealth,
  type BookUpdate,
  type BookView,
  baseAmount,
  bidTicks,
  type CommonGrid,
  commonGrid,
  defineStrategy,
  fractionField,
  InstrumentGrid,
  intField,
  lotCountIssues,
  type NoQuoteReason,
  newQuoteDecision,
  type OrderUpdate,
  type ParamIssue,
  type ParamsValidation,
  type ParentOrderUpdate,
  type PositionUpdate,
  parseParams,
  type QuoteDecision,
  type QuoteIntent,
  type QuoteLevel,
  Side,
  type Strategy,
  type StrategyContext,
  type StrategyInstrument,
  StrategyParamsError,
  type StrategyState,
  type TradeTick,
  toValidation,
  v,
  validateUpdate,
} from "../api.ts";

const venueName = v.pipe(v.string(), v.minLength(1, "a venue name"));

/** Parameters of cross_venue_mm in natural units; every default is written here once. */
export const crossVenueMmParamsSchema = v.strictObject({
  /** The venue quoted on ("" = the first venue the strategy is given). */
  quote_venue: v.optional(v.union([v.literal(""), venueName], "a venue name"), ""),
  /** Venues hedges are routed to (empty = every other venue the strategy is given). */
  hedge_venues: v.optional(v.array(venueName, "a list of venue names"), []),
  /** Least edge kept per round trip after the quote venue's maker fee and the hedge venues' taker fees, fraction of price. */
  min_profit: v.optional(fractionField(0.5), 0.00002),
  /** Size of each quote in base units (raised to the quote venue's minimum quantity/notional). */
  order_size: v.optional(baseAmount, 0.002),
  /** Largest absolute net position over all venues, base units; a side that could pass it is cut or pulled. */
  max_position: v.optional(baseAmount, 0.05),
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
  min_quote_life_ms: v.optional(intField(0, 60_000), 500),
});

export type CrossVenueMmParams = v.InferOutput<typeof crossVenueMmParamsSchema>;

const NO_LEVELS: readonly QuoteLevel[] = Object.freeze([]);

/** Largest hedge_depth_levels (the per-leg level buffers are allocated once at this size). */
const MAX_DEPTH_LEVELS = 50;

/** A venue's book as last seen: one mutable record per venue and symbol, updated in place. */
interface BookSlot {
  book: BookView | undefined;
  health: BookHealth;
}

/** One venue's instrument of the symbol, mapped to the common grid, with its level buffers. */
class Leg {
  /** Position on this venue, venue lots. */
  positionLots = 0;
  /** Levels read by the last walk, and the next one to take. */
  readonly ticks = new Float64Array(MAX_DEPTH_LEVELS);
  readonly lots = new Float64Array(MAX_DEPTH_LEVELS);
  count = 0;
  next = 0;
  constructor(
    readonly inst: StrategyInstrument,
    readonly priceMult: number,
    readonly qtyMult: number,
    readonly slot: BookSlot,
  ) {}
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
  /** Net position over the quote and hedge venues, common lots. */
  net = 0;
  /** Why each side of the quote venue's instrument is (not) quoted, updated on every evaluation. */
  readonly decision: QuoteDecision;
  constructor(
    readonly symbol: string,
    readonly quote: Leg,
    readonly hedgeLegs: readonly Leg[],
    readonly common: CommonGrid,
  ) {
    this.grid = new InstrumentGrid(quote.inst);
    this.last = { venue: quote.inst.venue, symbol, bids: NO_LEVELS, asks: NO_LEVELS };
    this.decision = newQuoteDecision(quote.inst.venue, symbol);
    let min = Number.MAX_SAFE_INTEGER;
    for (const h of hedgeLegs) min = Math.min(min, h.qtyMult * Math.max(1, h.inst.info.minQtyLots));
    this.minHedgeCommon = min;
    this.net = quote.positionLots * quote.qtyMult;
    for (const h of hedgeLegs) this.net += h.positionLots * h.qtyMult;
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
  /** Sizes must stay exact lot counts on every venue's grid (and so on the common grid, the finest of them). */
  private readonly lotCheck = (p: Readonly<Record<string, unknown>>) => [
    ...lotCountIssues(p, this.ctx.instruments),
    ...this.venueIssues(p),
  ];
  private current: CrossVenueMmParams;
  private running = false;
  private states: SymbolState[] = [];
  private decisions: QuoteDecision[] = [];
  /** Position per venue then symbol, venue lots (kept across parameter changes). */
  private readonly positions = new Map<string, Map<string, number>>();
  /** Books per venue then symbol (kept across parameter changes; legs share these records). */
  private readonly books = new Map<string, Map<string, BookSlot>>();
  /** The symbol states each venue's symbol takes part in (as quote or hedge leg). */
  private legsOf = new Map<string, Map<string, { state: SymbolState; leg: Leg }[]>>();
  private hedgeSeq = 0;
  // the last walk's result (no object per call)
  private walkEff = Number.NaN;
  private walkPx = Number.NaN;

  constructor(
    readonly name: string,
    private readonly ctx: StrategyContext,
    params: unknown,
  ) {
    if (ctx.sink.route === undefined) {
      throw new StrategyParamsError(name, [{ field: "(sink)", message: "this engine cannot route hedge orders" }]);
    }
    this.current = parseParams<CrossVenueMmParams>(crossVenueMmParamsSchema, name, params, this.lotCheck);
    this.states = this.build(this.current);
    this.decisions = this.states.map((x) => x.decision);
    this.legsOf = this.index(this.states);
  }

  /** The shared book record of a venue's symbol. */
  private slot(venue: string, symbol: string): BookSlot {
    let byVenue = this.books.get(venue);
    if (byVenue === undefined) {
      byVenue = new Map();
      this.books.set(venue, byVenue);
    }
    let slot = byVenue.get(symbol);
    if (slot === undefined) {
      slot = { book: undefined, health: "syncing" };
      byVenue.set(symbol, slot);
    }
    return slot;
  }

  /**
   * The quote and hedge venues must be venues this strategy trades: checked on the merged set, so a
   * PATCH naming an unknown venue is refused (400) before anything changes, like any bad value.
   */
  private venueIssues(p: Readonly<Record<string, unknown>>): ParamIssue[] {
    const venues = [...new Set(this.ctx.instruments.map((i) => i.venue))];
    const asked = typeof p.quote_venue === "string" ? p.quote_venue : "";
    const quoteVenue = asked === "" ? venues[0] : asked;
    if (quoteVenue === undefined || !venues.includes(quoteVenue))
      return [{ field: "quote_venue", message: `expected one of ${venues.join(", ")}, got ${asked}` }];
    const listed = Array.isArray(p.hedge_venues) ? p.hedge_venues.filter((h) => typeof h === "string") : [];
    for (const h of listed.length > 0 ? listed : venues.filter((x) => x !== quoteVenue)) {
      if (!venues.includes(h) || h === quoteVenue) {
        const message = `expected venues other than ${quoteVenue} among ${venues.join(", ")}, got ${h}`;
        return [{ field: "hedge_venues", message }];
      }
    }
    return [];
  }

  /** Quote and hedge legs per symbol for these parameters; throws naming the field on a bad venue. */
  private build(p: CrossVenueMmParams): SymbolState[] {
    const insts = this.ctx.instruments;
    const venues = [...new Set(insts.map((i) => i.venue))];
    const issues = this.venueIssues(p);
    if (issues.length > 0) throw new StrategyParamsError(this.name, issues);
    const quoteVenue = p.quote_venue === "" ? (venues[0] ?? "") : p.quote_venue;
    const hedgeVenues = p.hedge_venues.length > 0 ? p.hedge_venues : venues.filter((x) => x !== quoteVenue);
    const out: SymbolState[] = [];
    for (const q of insts) {
      if (q.venue !== quoteVenue) continue;
      const hedges = insts.filter((i) => i.symbol === q.symbol && hedgeVenues.includes(i.venue));
      if (hedges.length === 0) continue;
      const all = [q, ...hedges];
      const grid = commonGrid(all.map((i) => i.info));
      const legs = all.map((inst, k): Leg => {
        const leg = new Leg(inst, grid.priceMult[k] ?? 1, grid.qtyMult[k] ?? 1, this.slot(inst.venue, inst.symbol));
        leg.positionLots = this.positions.get(inst.venue)?.get(inst.symbol) ?? 0;
        return leg;
      });
      const s = new SymbolState(q.symbol, legs[0] as Leg, legs.slice(1), grid);
      s.orderLots = s.grid.lots(p.order_size);
      // max_position in common lots: the quote venue's lots of it, on the common grid
      s.maxPositionCommon = s.grid.lots(p.max_position) * s.quote.qtyMult;
      out.push(s);
    }
    return out;
  }

  /** Which states each venue's symbol feeds, for the per-event lookups. */
  private index(states: readonly SymbolState[]): Map<string, Map<string, { state: SymbolState; leg: Leg }[]>> {
    const out = new Map<string, Map<string, { state: SymbolState; leg: Leg }[]>>();
    for (const state of states) {
      for (const leg of [state.quote, ...state.hedgeLegs]) {
        let byVenue = out.get(leg.inst.venue);
        if (byVenue === undefined) {
          byVenue = new Map();
          out.set(leg.inst.venue, byVenue);
        }
        const list = byVenue.get(state.symbol) ?? [];
        list.push({ state, leg });
        byVenue.set(state.symbol, list);
      }
    }
    return out;
  }

  params(): Readonly<Record<string, unknown>> {
    return this.current;
  }

  validateParams(partial: unknown): ParamsValidation {
    return toValidation(validateUpdate(this.paramsSchema, this.current, partial, this.lotCheck));
  }

  updateParams(partial: unknown): Readonly<Record<string, unknown>> {
    const r = validateUpdate<CrossVenueMmParams>(this.paramsSchema, this.current, partial, this.lotCheck);
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
    this.decisions = next.map((x) => x.decision);
    this.legsOf = this.index(next);
    this.requoteAll();
    return this.params();
  }

  start(): void {
    this.running = true;
    this.requoteAll();
  }

  stop(): void {
    this.running = false;
    for (const s of this.states) this.pass(s, "stopped");
  }

  state(): StrategyState {
    return this.running ? "running" : "stopped";
  }

  onBook(u: BookUpdate): void {
    const slot = this.slot(u.venue, u.symbol);
    slot.book = u.book;
    slot.health = u.health;
    this.requoteFor(u.venue, u.symbol);
  }

  onBookHealth(venue: string, symbol: string, health: BookHealth): void {
    this.slot(venue, symbol).health = health;
    this.requoteFor(venue, symbol);
  }

  onTrade(_trade: TradeTick): void {}

  onOrder(_update: OrderUpdate): void {}

  /** A fill moved a position: on the quote venue, hedge the change at once. */
  onPosition(u: PositionUpdate): void {
    if (!Number.isSafeInteger(u.positionLots)) return;
    let byVenue = this.positions.get(u.venue);
    if (byVenue === undefined) {
      byVenue = new Map();
      this.positions.set(u.venue, byVenue);
    }
    byVenue.set(u.symbol, u.positionLots);
    const list = this.legsOf.get(u.venue)?.get(u.symbol);
    if (list === undefined) {
      this.unknownEvents++;
      return;
    }
    for (const { state, leg } of list) {
      const delta = u.positionLots - leg.positionLots;
      leg.positionLots = u.positionLots;
      state.net += delta * leg.qtyMult;
      if (leg === state.quote && delta !== 0) this.hedge(state, -delta * leg.qtyMult);
      this.evaluate(state);
    }
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
      const net = s.net;
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

  quoteDecisions(): readonly QuoteDecision[] {
    return this.decisions;
  }

  /** Net position over the quote and hedge venues, common lots (status, tests). */
  netCommon(symbol: string): number {
    return this.states.find((x) => x.symbol === symbol)?.net ?? 0;
  }

  /** Hedges still working for a symbol (tags), for status and tests. */
  workingHedges(symbol: string): number {
    return this.states.find((x) => x.symbol === symbol)?.hedges.size ?? 0;
  }

  /** Re-evaluates every symbol state the venue's symbol takes part in. */
  private requoteFor(venue: string, symbol: string): void {
    const list = this.legsOf.get(venue)?.get(symbol);
    if (list === undefined) {
      this.unknownEvents++;
      return;
    }
    for (const e of list) this.evaluate(e.state);
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
    let px = this.walk(s, side, lots) ? this.walkPx : 0;
    if (!(px > 0)) {
      const b = s.quote.slot.book;
      const top = b === undefined ? -1 : side === Side.Buy ? b.bestAskTicks() : b.bestBidTicks();
      px = top > 0 ? top * s.quote.priceMult : 0;
    }
    if (!(px > 0)) return 0;
    const slip = this.current.hedge_slippage;
    return side === Side.Buy ? askTicks(px * (1 + slip)) : Math.max(1, bidTicks(px * (1 - slip)));
  }

  /**
   * Sweeps the live hedge books for `lots` common lots on the side a hedge of `side` takes, best
   * effective price (after taker fee) first, merging the venues' ladders level by level (equal
   * prices: the earlier venue first). True when they are deep enough; then walkEff and walkPx hold
   * the worst effective and raw price (common ticks) needed.
   */
  private walk(s: SymbolState, side: Side, lots: number): boolean {
    const buying = side === Side.Buy;
    const bookSide = buying ? Side.Sell : Side.Buy;
    const n = this.current.hedge_depth_levels;
    const legs = s.hedgeLegs;
    for (const h of legs) {
      const b = h.slot.book;
      h.count = b !== undefined && h.slot.health === "live" ? b.topLevels(bookSide, n, h.ticks, h.lots) : 0;
      h.next = 0;
    }
    let need = lots;
    let worstPx = buying ? 0 : Number.POSITIVE_INFINITY;
    for (;;) {
      let best: Leg | undefined;
      let bestEff = buying ? Number.POSITIVE_INFINITY : 0;
      let bestPx = 0;
      for (const h of legs) {
        if (h.next >= h.count) continue;
        const px = (h.ticks[h.next] as number) * h.priceMult;
        const fee = h.inst.fees.taker;
        const eff = buying ? px * (1 + fee) : px * (1 - fee);
        if (buying ? eff < bestEff : eff > bestEff) {
          best = h;
          bestEff = eff;
          bestPx = px;
        }
      }
      if (best === undefined) {
        this.walkEff = Number.NaN;
        this.walkPx = Number.NaN;
        return false;
      }
      need -= (best.lots[best.next] as number) * best.qtyMult;
      best.next++;
      worstPx = buying ? Math.max(worstPx, bestPx) : Math.min(worstPx, bestPx);
      if (need <= 0) {
        this.walkEff = bestEff;
        this.walkPx = worstPx;
        return true;
      }
    }
  }

  /** Computes and emits the quote of one symbol (empty when it must not quote). */
  private evaluate(s: SymbolState): void {
    if (!this.running) return;
    const q = s.quote;
    const d = s.decision;
    d.makerFee = q.inst.fees.maker;
    d.minProfit = this.current.min_profit;
    d.positionLots = s.net / q.qtyMult;
    d.maxPositionLots = s.maxPositionCommon / q.qtyMult;
    const book = q.slot.book;
    if (book === undefined || q.slot.health !== "live") {
      this.pass(s, "book_not_live");
      return;
    }
    if (s.orderLots <= 0) {
      this.pass(s, "below_min_size");
      return;
    }
    const bestBid = book.bestBidTicks();
    const bestAsk = book.bestAskTicks();
    if (!(bestBid > 0 && bestAsk > bestBid)) {
      this.pass(s, "no_market");
      return;
    }
    const p = this.current;
    const maker = q.inst.fees.maker;
    // bid: a fill is hedged by selling on the hedge venues
    const roomBuy = Math.floor((s.maxPositionCommon - s.net) / q.qtyMult);
    const bidWhy = this.price(s, Side.Sell, roomBuy);
    const bidPx = bidWhy === null ? Math.min(bidTicks(this.hedgeBound(maker, true) / q.priceMult), bestAsk - 1) : 0;
    const bidLots = bidWhy === null ? this.size(s, Math.min(s.orderLots, roomBuy), bidPx) : 0;
    // ask: a fill is hedged by buying on the hedge venues
    const roomSell = Math.floor((s.maxPositionCommon + s.net) / q.qtyMult);
    const askWhy = this.price(s, Side.Buy, roomSell);
    const askPx = askWhy === null ? Math.max(askTicks(this.hedgeBound(maker, false) / q.priceMult), bestBid + 1) : 0;
    const askLots = askWhy === null ? this.size(s, Math.min(s.orderLots, roomSell), askPx) : 0;
    const tol = Math.max(p.refresh_tolerance_ticks, Math.floor(p.refresh_tolerance * bestBid));
    const now = this.ctx.clock.nowMs();
    const bids = this.side(s, s.last.bids, bidPx, bidLots, tol, true, now);
    const asks = this.side(s, s.last.asks, askPx, askLots, tol, false, now);
    if (bids !== s.last.bids || asks !== s.last.asks) {
      if ((bids.length === 0 && s.last.bids.length > 0) || (asks.length === 0 && s.last.asks.length > 0))
        this.stats.quotesPulled++;
      s.last = { venue: q.inst.venue, symbol: s.symbol, bids, asks };
    }
    d.bid = bids.length > 0 ? null : (bidWhy ?? this.emptyWhy(s, roomBuy, bidLots));
    d.ask = asks.length > 0 ? null : (askWhy ?? this.emptyWhy(s, roomSell, askLots));
    this.ctx.sink.quotes(s.last);
  }

  /**
   * Whether a side can be priced: room under max_position and hedge books deep enough for order_size
   * on the side its hedge takes (`hedgeSide`); null when it can (walkEff then holds the hedge price).
   */
  private price(s: SymbolState, hedgeSide: Side, roomLots: number): NoQuoteReason | null {
    if (roomLots <= 0) return "position_limit";
    return this.walk(s, hedgeSide, s.orderLots * s.quote.qtyMult) ? null : "no_hedge_price";
  }

  /** The safe quote price in common ticks from the last walk: min_profit kept after the maker and taker fees. */
  private hedgeBound(maker: number, isBid: boolean): number {
    const m = this.current.min_profit;
    return isBid ? (this.walkEff * (1 - m)) / (1 + maker) : (this.walkEff * (1 + m)) / (1 - maker);
  }

  /** Why a priced side ended empty: too little room or size for the venue minimum, else min_quote_life_ms. */
  private emptyWhy(s: SymbolState, roomLots: number, lots: number): NoQuoteReason {
    if (lots > 0) return "quote_life";
    return roomLots < s.orderLots ? "position_limit" : "below_min_size";
  }

  /** Quotes nothing on the symbol, for one reason. */
  private pass(s: SymbolState, reason: NoQuoteReason): void {
    s.decision.bid = reason;
    s.decision.ask = reason;
    this.emitEmpty(s);
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

/** cross_venue_mm as the engine loads it: config `type: cross_venue_mm`. */
export const crossVenueMm = defineStrategy({
  apiVersion: "1.0",
  kind: "cross_venue_mm",
  paramsSchema: crossVenueMmParamsSchema,
  create: (name, ctx, params) => new CrossVenueMm(name, ctx, params),
});
