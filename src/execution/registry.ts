/**
 * The execution state shared by the order manager, positions and the risk gate, per venue and per
 * instrument (venue + symbol). One mutable record per instrument, owned by the single writer, so a
 * risk check reads open-order exposure, position and the reference mid with one map lookup and no
 * copying.
 */

import type { BookHealth, InstrumentInfo } from "../types/index.ts";
import type { VenueAdapter } from "../venues/index.ts";
import { InstrumentMath, type Money } from "./money.ts";
import type { ManagedOrder } from "./order-state.ts";

/** Position bookkeeping of one instrument; changed only by Positions. */
export class PositionState {
  /** Signed position in lots (+ long, − short). */
  lots = 0;
  /** Open entries, oldest first (FIFO), as parallel arrays of lots (> 0) and prices. */
  readonly entryLots: number[] = [];
  readonly entryTicks: number[] = [];
  /** Index of the oldest live entry in the arrays (consumed entries before it are garbage). */
  entryHead = 0;
  /** Quote units paid (long) or received (short) for the open entries. */
  openCost: Money = 0n;
  /** Realized PnL in quote units, before fees. */
  realized: Money = 0n;
  /** Fees valued in quote units (fees in other assets are valued at the fill or a given rate). */
  fees: Money = 0n;
  /** Fees that could not be valued in the quote asset (no rate known); kept per asset in Balances. */
  unvaluedFeeCount = 0;
  /** Fees in the asset they were charged in (exact), e.g. BTC on buys, USDT on sells, BNB. */
  readonly feesByAsset = new Map<string, Money>();
  fills = 0;
  boughtLots = 0;
  soldLots = 0;
}

/** Everything the engine tracks about one instrument on one venue. */
export class InstrumentState {
  readonly math: InstrumentMath;
  /** Remaining lots of live orders by side (index Side.Buy / Side.Sell), including pending ones. */
  readonly openLots: [number, number] = [0, 0];
  /** Live orders by side. */
  readonly live: [Set<ManagedOrder>, Set<ManagedOrder>] = [new Set(), new Set()];
  /** Top of book for the reference mid; 0 when unknown. */
  bidTicks = 0;
  askTicks = 0;
  health: BookHealth = "syncing";
  readonly position = new PositionState();
  /** Every instrument of this unified symbol across venues, this one included (the registry's list). */
  sameSymbol: readonly InstrumentState[] = [];
  /** Bumped whenever one of its orders changes in a way quote planning reads (OrderManager). */
  ordersVersion = 0;
  /** The last quote found already resting, at which orders version, with how many orders kept. */
  quotedDesired: object | undefined;
  quotedVersion = -1;
  quotedKept = 0;

  constructor(
    readonly venue: string,
    readonly info: InstrumentInfo,
  ) {
    this.math = new InstrumentMath(info.price, info.qty);
  }

  get symbol(): string {
    return this.info.symbol;
  }

  /** Mid × 2 in ticks (exact for half-tick mids), or 0 when either side of the book is unknown. */
  mid2(): number {
    return this.bidTicks > 0 && this.askTicks > 0 ? this.bidTicks + this.askTicks : 0;
  }
}

/** One venue: its adapter (when connected) and instruments. */
export class VenueState {
  /** Live orders on this venue (all symbols). */
  openOrders = 0;
  /** Start-up orphan cleanup done: new orders may be placed. */
  ready = false;
  readonly instruments = new Map<string, InstrumentState>();

  constructor(
    readonly name: string,
    public adapter: VenueAdapter | undefined,
  ) {}
}

/** Lookup of venues and instruments, plus every instrument of a unified symbol across venues. */
export class Registry {
  readonly venues = new Map<string, VenueState>();
  readonly bySymbol = new Map<string, InstrumentState[]>();
  /** Every instrument in registration order: what a hot loop over all of them walks (no iterator). */
  readonly all: InstrumentState[] = [];
  private lastFound: InstrumentState | undefined;

  /** Adds (or re-attaches after a reconnect) a venue adapter. */
  addVenue(name: string, adapter?: VenueAdapter): VenueState {
    let v = this.venues.get(name);
    if (v === undefined) {
      v = new VenueState(name, adapter);
      this.venues.set(name, v);
    } else if (adapter !== undefined) {
      v.adapter = adapter;
    }
    return v;
  }

  /** Adds an instrument; re-adding the same venue + symbol keeps the existing state. */
  addInstrument(venue: string, info: InstrumentInfo): InstrumentState {
    const v = this.addVenue(venue);
    const existing = v.instruments.get(info.symbol);
    if (existing !== undefined) return existing;
    const inst = new InstrumentState(venue, info);
    v.instruments.set(info.symbol, inst);
    let list = this.bySymbol.get(info.symbol);
    if (list === undefined) {
      list = [];
      this.bySymbol.set(info.symbol, list);
    }
    list.push(inst);
    inst.sameSymbol = list;
    this.all.push(inst);
    return inst;
  }

  /**
   * The instrument, or undefined when the venue or symbol is not registered. The last one found is
   * remembered: every book event looks the same instrument up more than once (instruments are never
   * removed, so the memo cannot go stale).
   */
  get(venue: string, symbol: string): InstrumentState | undefined {
    const last = this.lastFound;
    if (last !== undefined && last.venue === venue && last.info.symbol === symbol) return last;
    const inst = this.venues.get(venue)?.instruments.get(symbol);
    if (inst !== undefined) this.lastFound = inst;
    return inst;
  }

  /** Every registered instrument. */
  *instruments(): Generator<InstrumentState> {
    for (const v of this.venues.values()) yield* v.instruments.values();
  }
}
