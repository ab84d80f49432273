/**
 * ConsolidatedBook: one instrument across venues, in C. It reads the venues' OrderBooks in place
 * (no copies, so it is as current as they are), merges them best-first in one FFI call, and routes
 * parent orders into per-venue children by effective price after taker fees (one FFI call).
 * Venue prices and quantities are mapped to a common grid: common = venue * mult.
 */
import type { Side } from "../types/index.ts";
import { native, type Pointer, pointerFrom } from "./ffi.ts";
import { BookStatus, bookStatusName, CB_RECORD, CBOOK_PARAMS, MAX_VENUES_LIMIT, ROUTE } from "./layout.ts";
import type { OrderBook } from "./order-book.ts";

/** How a venue's book maps to the common grid, and what taking liquidity there costs. */
export interface VenueAttachment {
  /** Common ticks per venue tick (default 1). */
  priceMult?: number;
  /** Common lots per venue lot (default 1). */
  qtyMult?: number;
  /** Taker fee in parts per million of notional (default 0; 1000 = 0.1%). */
  takerFeePpm?: number;
}

/** A route's totals, read from the header of the router's output record. */
export interface RouteTotals {
  filledLots: number;
  unfilledLots: number;
  notional: number;
  fees: number;
}

/** Size of a route output buffer for up to `maxChildren` children. */
export function routeBufferLength(maxChildren: number): number {
  return ROUTE.header + maxChildren * ROUTE.stride;
}

/** Reads a route's totals from its output buffer. */
export function routeTotals(out: Float64Array): RouteTotals {
  return {
    filledLots: out[ROUTE.filled] ?? 0,
    unfilledLots: out[ROUTE.unfilled] ?? 0,
    notional: out[ROUTE.notional] ?? 0,
    fees: out[ROUTE.fees] ?? 0,
  };
}

/** The consolidated book and router handle; see the file comment. */
export class ConsolidatedBook {
  readonly maxVenues: number;
  private handle: Pointer | null;
  private readonly detach: ((() => void) | undefined)[] = [];

  constructor(cfg: { maxVenues: number }) {
    if (!Number.isInteger(cfg.maxVenues) || cfg.maxVenues < 1 || cfg.maxVenues > MAX_VENUES_LIMIT) {
      throw new Error(`${bookStatusName(BookStatus.BadParams)}: maxVenues must be 1..${MAX_VENUES_LIMIT}`);
    }
    this.maxVenues = cfg.maxVenues;
    const params = new DataView(new ArrayBuffer(CBOOK_PARAMS.size));
    params.setInt32(CBOOK_PARAMS.maxVenues, cfg.maxVenues, true);
    const out = new BigUint64Array(1);
    const st = native.hft_cbook_create(new Uint8Array(params.buffer), out);
    const handle = pointerFrom(out);
    if (st !== BookStatus.Ok || handle === null)
      throw new Error(`${bookStatusName(st)}: cannot create consolidated book`);
    this.handle = handle;
  }

  /** Frees the C object (the venue books stay). Idempotent. */
  close(): void {
    const h = this.handle;
    if (h === null) return;
    for (const d of this.detach) d?.();
    this.detach.length = 0;
    this.handle = null;
    native.hft_cbook_destroy(h);
  }

  /**
   * Attaches a venue's book at index `venue` (null detaches). Closing the OrderBook later detaches it
   * automatically, so C never reads a freed book. Returns the status.
   */
  setVenue(venue: number, book: OrderBook | null, opts: VenueAttachment = {}): number {
    if (this.handle === null) return BookStatus.NullHandle;
    if (!Number.isInteger(venue) || venue < 0 || venue >= this.maxVenues) return BookStatus.BadParams;
    this.detach[venue]?.();
    this.detach[venue] = undefined;
    if (book === null) return native.hft_cbook_set_venue(this.handle, venue, null, 1, 1, 0);
    const onClose = (): void => {
      if (this.handle !== null) native.hft_cbook_set_venue(this.handle, venue, null, 1, 1, 0);
      this.detach[venue] = undefined;
    };
    const { handle, detach } = book.attachNative(onClose);
    if (handle === null) return BookStatus.NullHandle;
    const st = native.hft_cbook_set_venue(
      this.handle,
      venue,
      handle,
      opts.priceMult ?? 1,
      opts.qtyMult ?? 1,
      opts.takerFeePpm ?? 0,
    );
    if (st === BookStatus.Ok) this.detach[venue] = detach;
    else detach();
    return st;
  }

  /** Venue health, rate-limit headroom (child orders it may take now) and last book update (Clock ns). */
  setVenueState(venue: number, healthy: boolean, headroom: number, lastUpdateNs: number): number {
    return native.hft_cbook_set_state(this.handle, venue, healthy ? 1 : 0, headroom, lastUpdateNs);
  }

  /** Venues whose book is older than this at read time are left out (0 = never stale). */
  setStaleAfter(ns: number): number {
    return native.hft_cbook_set_stale_after(this.handle, ns);
  }

  /**
   * Merged best-first levels of a side into `out` as {price, lots, venue} records (common grid);
   * returns how many were written (0 on a bad argument).
   */
  top(side: Side, n: number, nowNs: number, out: Float64Array): number {
    const k = Math.min(n, Math.floor(out.length / CB_RECORD.stride));
    if (!(k > 0)) return 0;
    return Math.max(0, native.hft_cbook_top_f64(this.handle, side, k, nowNs, out));
  }

  /**
   * Splits a parent order (Side.Buy takes asks) of `lots` common lots within `limitTicks` into one
   * child per venue, writing totals and children into `out` (see routeBufferLength / ROUTE). Returns
   * the number of children, or a negative status.
   */
  route(
    side: Side,
    lots: number,
    limitTicks: number,
    urgencyPermille: number,
    nowNs: number,
    out: Float64Array,
  ): number {
    const maxChildren = Math.floor((out.length - ROUTE.header) / ROUTE.stride);
    if (maxChildren < 0) return -BookStatus.BadCount;
    return native.hft_route_f64(this.handle, side, lots, limitTicks, urgencyPermille, nowNs, out, maxChildren);
  }
}
