/**
 * The living market: seeded background agents on internal accounts that trade through the same
 * matching engine as clients. Per symbol, a fair-value process (drift, volatility, occasional jumps),
 * two layered market makers quoting hundreds of levels per side around it, and Poisson noise takers.
 * Cheap by construction: makers only touch the levels that the fair value's move invalidated.
 */
import type { Rng } from "../../services/index.ts";
import { Side } from "../../types/index.ts";
import type { Account, IntOrder, Order, SymbolBook } from "./book.ts";
import { FairValueModel } from "./fairvalue.ts";
import type { FairValueFeed } from "./types.ts";

/** The narrow engine surface the agents use (the core passes closures over its internals). */
export interface AgentVenue {
  readonly books: readonly SymbolBook[];
  account(id: string): Account;
  submit(o: IntOrder): Order | null;
  cancel(o: Order): void;
  speed(): number;
}

/** Average noise-taker arrivals per second per symbol at speed 1. */
const TAKER_RATE_PER_S = 3;

/** One price slot of a maker's ladder: the order resting there, or null when it must be re-placed. */
interface Slot {
  price: number;
  order: Order | null;
}

/** A layered market maker: `levels` prices per side every `gap` ticks, `half` ticks from fair value. */
class Maker {
  /** Bids ascending, asks descending: the best slot is last on both sides. */
  readonly bids: Slot[] = [];
  readonly asks: Slot[] = [];
  constructor(
    readonly account: Account,
    readonly gap: number,
    readonly levels: number,
    readonly half: number,
    readonly sizeLots: number,
  ) {}
}

/**
 * Where a venue's agents take their fair value from when it is shared with other venues: the shared
 * path seen lagMs late, times the venue's own mean-reverting noise.
 */
export interface AgentSharedFairValue {
  readonly shared: FairValueFeed;
  /** This venue's ticks per shared tick, by symbol (1 on the same grid). */
  readonly ticksPer: ReadonlyMap<string, number>;
  readonly lagMs: number;
  readonly noiseBps: number;
  /** Clock time now (the shared path is indexed by clock time). */
  nowMs(): number;
  /** The venue's noise stream (forked per symbol). */
  readonly rng: Rng;
}

/** Mean-reversion time of a venue's fair-value noise, in market milliseconds. */
const NOISE_TAU_MS = 3000;

/** A venue's Ornstein-Uhlenbeck deviation from the shared fair value, in basis points. */
class VenueNoise {
  bps: number;
  constructor(
    readonly sdBps: number,
    readonly rng: Rng,
  ) {
    // Start from the stationary distribution so venues differ from the first quote.
    this.bps = sdBps > 0 ? sdBps * rng.normal() : 0;
  }

  /** Exact OU transition over dt market milliseconds (stationary sd stays sdBps). */
  step(dt: number): void {
    if (this.sdBps <= 0 || dt <= 0) return;
    const a = Math.exp(-dt / NOISE_TAU_MS);
    this.bps = this.bps * a + this.sdBps * Math.sqrt(1 - a * a) * this.rng.normal();
  }
}

/** All agents of one symbol. */
class SymbolAgents {
  fv: number;
  readonly makers: Maker[];
  readonly model: FairValueModel;
  readonly noise: VenueNoise | null;
  readonly minLots: number;

  constructor(
    readonly book: SymbolBook,
    readonly rng: Rng,
    venue: AgentVenue,
    readonly taker: Account,
    shared: AgentSharedFairValue | undefined,
  ) {
    const sym = book.sym;
    this.fv = sym.initialMidTicks;
    this.model = new FairValueModel(sym);
    this.noise = shared === undefined ? null : new VenueNoise(shared.noiseBps, shared.rng.fork(sym.name));
    const notionalLots = Math.ceil((sym.minNotionalUnits * 1.2) / Math.max(1, sym.notionalOf(sym.initialMidTicks, 1)));
    this.minLots = Math.max(sym.minQtyLots, notionalLots);
    const size = Math.max(sym.makerSizeLots, this.minLots);
    this.makers = [
      new Maker(venue.account("__agent_mm_tight"), 1, 120, 1, size),
      new Maker(venue.account("__agent_mm_deep"), 3, 200, 3, size * 3),
    ];
  }
}

/** Drives every symbol's agents from one repeating clock timer. */
export class MarketAgents {
  /** Step period in clock milliseconds; `speed` scales market time per step. */
  readonly stepMs = 100;
  private readonly syms: SymbolAgents[] = [];

  /** Without `shared` every symbol walks on its own; with it the agents follow the shared path. */
  constructor(
    private readonly venue: AgentVenue,
    rng: Rng,
    private readonly shared?: AgentSharedFairValue,
  ) {
    const taker = venue.account("__agent_taker");
    for (const book of venue.books)
      this.syms.push(new SymbolAgents(book, rng.fork(book.sym.name), venue, taker, shared));
  }

  /** Fair value of symbol i in fractional ticks. */
  fairValue(i: number): number | undefined {
    return this.syms[i]?.fv;
  }

  /** Advances market time by dtMs × speed: move fair values, requote, send takers. */
  step(dtMs: number, paused: boolean): void {
    if (paused) return;
    const dt = dtMs * this.venue.speed();
    for (const s of this.syms) {
      if (s.book.sym.status !== "TRADING") continue;
      if (s.noise !== null) this.followShared(s, dt);
      else if (dt > 0) this.moveFairValue(s, dt);
      for (const m of s.makers) this.dropStale(s, m);
      for (const m of s.makers) this.quote(s, m);
      if (dt > 0) this.takers(s, dt);
    }
  }

  /** Geometric random walk with the symbol's drift and volatility, plus rare jumps. */
  private moveFairValue(s: SymbolAgents, dt: number): void {
    s.fv = s.model.step(s.fv, dt, s.rng);
  }

  /** The shared path lagMs ago, moved by this venue's noise. */
  private followShared(s: SymbolAgents, dt: number): void {
    const sh = this.shared;
    const noise = s.noise;
    if (sh === undefined || noise === null) return;
    noise.step(dt);
    const v = sh.shared.valueAt(s.book.sym.name, sh.nowMs() - sh.lagMs);
    const k = sh.ticksPer.get(s.book.sym.name) ?? 1;
    if (v !== undefined) s.fv = s.model.clamp(v * k * Math.exp(noise.bps / 10_000));
  }

  /** Best bid / best ask prices this maker wants now (on its lattice). */
  private tops(s: SymbolAgents, m: Maker): [number, number] {
    const g = m.gap;
    const bid = Math.max(s.book.sym.minPriceTicks, Math.floor((s.fv - m.half) / g) * g);
    const ask = Math.ceil((s.fv + m.half) / g) * g;
    return [bid, ask > bid ? ask : bid + g];
  }

  /** Cancels slots that are now inside the maker's spread or beyond its depth. */
  private dropStale(s: SymbolAgents, m: Maker): void {
    const [bidTop, askTop] = this.tops(s, m);
    const span = (m.levels - 1) * m.gap;
    const v = this.venue;
    const b = m.bids;
    while (b.length > 0 && (b[b.length - 1] as Slot).price > bidTop) cancelSlot(v, b.pop() as Slot);
    while (b.length > 0 && (b[0] as Slot).price < bidTop - span) cancelSlot(v, b.shift() as Slot);
    const a = m.asks;
    while (a.length > 0 && (a[a.length - 1] as Slot).price < askTop) cancelSlot(v, a.pop() as Slot);
    while (a.length > 0 && (a[0] as Slot).price > askTop + span) cancelSlot(v, a.shift() as Slot);
  }

  /** Extends the ladders to the wanted range and re-places empty slots (never crossing the book). */
  private quote(s: SymbolAgents, m: Maker): void {
    const [bidTop, askTop] = this.tops(s, m);
    const span = (m.levels - 1) * m.gap;
    extend(m.bids, bidTop, bidTop - span, -m.gap);
    extend(m.asks, askTop, askTop + span, m.gap);
    this.fill(s, m, m.bids, Side.Buy, bidTop);
    this.fill(s, m, m.asks, Side.Sell, askTop);
  }

  private fill(s: SymbolAgents, m: Maker, slots: Slot[], side: Side, top: number): void {
    const book = s.book;
    const opp = side === Side.Buy ? book.asks : book.bids;
    for (let i = slots.length - 1; i >= 0; i--) {
      const slot = slots[i] as Slot;
      if (slot.order !== null && slot.order.level !== null) continue;
      const best = opp.best();
      if (best !== undefined && (side === Side.Buy ? slot.price >= best.ticks : slot.price <= best.ticks)) continue;
      const depth = Math.abs(top - slot.price) / m.gap;
      const lots = Math.max(
        s.minLots,
        Math.round(m.sizeLots * (1 + depth / 25) * Math.exp(0.5 * s.rng.normal() - 0.125)),
      );
      slot.order = this.venue.submit(limitOrder(m.account, book, side, slot.price, lots, "GTC"));
    }
  }

  /** Poisson noise takers: market or marketable IOC orders, sides leaning towards fair value. */
  private takers(s: SymbolAgents, dt: number): void {
    const n = poisson(s.rng, (TAKER_RATE_PER_S * dt) / 1000);
    const book = s.book;
    for (let i = 0; i < n; i++) {
      const bid = book.bids.best();
      const ask = book.asks.best();
      const mid = bid !== undefined && ask !== undefined ? (bid.ticks + ask.ticks) / 2 : s.fv;
      const lean = Math.max(-0.2, Math.min(0.2, (s.fv - mid) / 20));
      const side = s.rng.chance(0.5 + lean) ? Side.Buy : Side.Sell;
      const base = s.makers[0]?.sizeLots ?? s.minLots;
      const lots = Math.max(s.minLots, Math.round(base * 0.6 * Math.exp(1.1 * s.rng.normal())));
      const capped = Math.min(lots, book.sym.marketMaxQtyLots > 0 ? book.sym.marketMaxQtyLots : lots, base * 40);
      if (s.rng.chance(0.7)) {
        this.venue.submit({ ...limitOrder(s.taker, book, side, 0, capped, "GTC"), type: "MARKET" });
      } else {
        const touch = side === Side.Buy ? ask : bid;
        if (touch === undefined) continue;
        const through = s.rng.int(4);
        const price = side === Side.Buy ? touch.ticks + through : Math.max(1, touch.ticks - through);
        this.venue.submit(limitOrder(s.taker, book, side, price, capped, "IOC"));
      }
    }
  }
}

function cancelSlot(v: AgentVenue, slot: Slot): void {
  if (slot.order !== null && slot.order.level !== null) v.cancel(slot.order);
}

/** Adds empty slots so the ladder covers [far, top] on its lattice (best slot last). */
function extend(slots: Slot[], top: number, far: number, dir: number): void {
  // dir < 0 for bids (prices fall away from the top), > 0 for asks.
  if (slots.length === 0) {
    for (let p = far; dir < 0 ? p <= top : p >= top; p -= dir) slots.push({ price: p, order: null });
    return;
  }
  for (let p = (slots[slots.length - 1] as Slot).price - dir; dir < 0 ? p <= top : p >= top; p -= dir) {
    slots.push({ price: p, order: null });
  }
  const front: Slot[] = [];
  for (let p = (slots[0] as Slot).price + dir; dir < 0 ? p >= far : p <= far; p += dir)
    front.push({ price: p, order: null });
  if (front.length > 0) slots.unshift(...front.reverse());
}

function limitOrder(
  account: Account,
  book: SymbolBook,
  side: Side,
  price: number,
  lots: number,
  tif: "GTC" | "IOC",
): IntOrder {
  return {
    account,
    book,
    side,
    type: "LIMIT",
    tif,
    stp: "NONE",
    priceTicks: price,
    lots,
    quoteUnits: 0,
    clientOrderId: "",
  };
}

/** Poisson variate (Knuth for small means, a rounded normal for large ones). */
function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}
