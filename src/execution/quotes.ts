/**
 * Quote reconciliation: turns a strategy's desired quote set into the fewest cancels and places
 * against the orders already live, so resting orders keep their queue position and nothing is
 * stacked while a request is in flight. Pure: it reads orders and returns a plan; the caller
 * executes it through the risk gate and the order manager.
 */
import { Side } from "../types/index.ts";
import type { OrderState } from "./order-state.ts";

/** One desired price level (integer ticks and lots of the instrument's grids). */
export interface QuoteLevel {
  readonly priceTicks: number;
  readonly lots: number;
}

/** What a strategy wants resting for one symbol: bids best first, asks best first. */
export interface DesiredQuotes {
  readonly symbol: string;
  readonly bids: readonly QuoteLevel[];
  readonly asks: readonly QuoteLevel[];
}

/** The fields of a live order that reconciliation reads (ManagedOrder satisfies it). */
export interface RestingOrder {
  readonly clientId: string;
  readonly priceTicks: number;
  readonly lots: number;
  readonly cumLots: number;
  readonly state: OrderState;
  readonly cancelWanted: boolean;
}

/** One order to place. */
export interface QuotePlace {
  readonly side: Side;
  readonly priceTicks: number;
  readonly lots: number;
}

/** The actions that take live orders to the desired set: cancels first, then places. */
export interface QuotePlan {
  readonly cancels: string[];
  readonly places: QuotePlace[];
  /** Live orders left alone because they already match a desired level. */
  kept: number;
}

/** How closely a live order must match a level to be kept. */
export interface QuoteMatchOptions {
  /**
   * A partly filled order at the right price is kept while its remaining quantity is at most this
   * many lots below the desired size (default 0: replace once it no longer equals the level).
   */
  readonly remainingSlackLots?: number;
}

/** An empty plan to fill. */
export function emptyPlan(): QuotePlan {
  return { cancels: [], places: [], kept: 0 };
}

/** A place record the planner may overwrite (planQuotesInto reuses them from call to call). */
interface PlaceRecord {
  side: Side;
  priceTicks: number;
  lots: number;
}

/**
 * Place records and a plan kept by one caller (the execution desk) and refilled on every call, so
 * planning a quote allocates nothing: what a plan holds is valid until the caller plans again.
 */
export class PlanBuffer {
  readonly plan: QuotePlan = emptyPlan();
  private readonly records: PlaceRecord[] = [];

  /** Empties the plan (arrays keep their capacity). */
  reset(): QuotePlan {
    const p = this.plan;
    p.cancels.length = 0;
    p.places.length = 0;
    p.kept = 0;
    return p;
  }

  /** The i-th place record, made on first use. */
  record(i: number): PlaceRecord {
    let r = this.records[i];
    if (r === undefined) {
      r = { side: Side.Buy, priceTicks: 0, lots: 0 };
      this.records[i] = r;
    }
    return r;
  }
}

/**
 * Plans one side. Rules: a pending_new order at a desired price occupies that level whatever its
 * size (never stack a second order while the first is in flight; a later pass resizes it); a live
 * order is kept when its price matches and its remaining lots are within the slack of the desired
 * lots; pending_cancel orders are already leaving and match nothing; every other live order is
 * cancelled; every unmatched level is placed.
 */
export function planSide(
  side: Side,
  desired: readonly QuoteLevel[],
  resting: Iterable<RestingOrder>,
  plan: QuotePlan,
  opts: QuoteMatchOptions = {},
  buffer?: PlanBuffer,
): void {
  const slack = opts.remainingSlackLots ?? 0;
  const n = desired.length;
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  const used = scratch; // reused between calls: the single writer never plans two sides at once
  used.fill(0, 0, n);
  for (const o of resting) {
    if (o.state === "pending_cancel" || o.cancelWanted) continue;
    const pending = o.state === "pending_new";
    const remaining = o.lots - o.cumLots;
    let match = -1;
    for (let i = 0; i < n; i++) {
      if (used[i] === 1) continue;
      const d = desired[i] as QuoteLevel;
      if (d.priceTicks !== o.priceTicks) continue;
      if (pending || (remaining <= d.lots && remaining >= d.lots - slack)) {
        match = i;
        break;
      }
    }
    if (match >= 0) {
      used[match] = 1;
      plan.kept++;
    } else {
      plan.cancels.push(o.clientId);
    }
  }
  for (let i = 0; i < n; i++) {
    if (used[i] === 1) continue;
    const d = desired[i] as QuoteLevel;
    if (d.lots <= 0) continue;
    if (buffer === undefined) {
      plan.places.push({ side, priceTicks: d.priceTicks, lots: d.lots });
    } else {
      const r = buffer.record(plan.places.length);
      r.side = side;
      r.priceTicks = d.priceTicks;
      r.lots = d.lots;
      plan.places.push(r);
    }
  }
}

let scratch = new Uint8Array(32);

/**
 * The orders of one side already are its desired levels: how many are kept, or -1 when planSide
 * would cancel or place anything. The same rules as planSide, without building a plan: the common
 * case of a book event that leaves the quotes as they are costs no allocation.
 */
function keptAsIs(desired: readonly QuoteLevel[], resting: Iterable<RestingOrder>, slack: number): number {
  const n = desired.length;
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  const used = scratch;
  used.fill(0, 0, n);
  let kept = 0;
  for (const o of resting) {
    if (o.state === "pending_cancel" || o.cancelWanted) continue;
    const pending = o.state === "pending_new";
    const remaining = o.lots - o.cumLots;
    let match = -1;
    for (let i = 0; i < n; i++) {
      if (used[i] === 1) continue;
      const d = desired[i] as QuoteLevel;
      if (d.priceTicks !== o.priceTicks) continue;
      if (pending || (remaining <= d.lots && remaining >= d.lots - slack)) {
        match = i;
        break;
      }
    }
    if (match < 0) return -1; // planSide would cancel it
    used[match] = 1;
    kept++;
  }
  for (let i = 0; i < n; i++) if (used[i] === 0 && (desired[i] as QuoteLevel).lots > 0) return -1;
  return kept;
}

/** Both sides already are the desired quotes: the orders kept, or -1 when planQuotes has work to do. */
export function quotesKeptAsIs(
  desired: DesiredQuotes,
  restingBids: Iterable<RestingOrder>,
  restingAsks: Iterable<RestingOrder>,
  opts: QuoteMatchOptions = {},
): number {
  const slack = opts.remainingSlackLots ?? 0;
  const bids = keptAsIs(desired.bids, restingBids, slack);
  if (bids < 0) return -1;
  const asks = keptAsIs(desired.asks, restingAsks, slack);
  return asks < 0 ? -1 : bids + asks;
}

/** Plans both sides of one symbol (into a fresh plan, or into `buffer`'s, reused). */
export function planQuotes(
  desired: DesiredQuotes,
  restingBids: Iterable<RestingOrder>,
  restingAsks: Iterable<RestingOrder>,
  opts: QuoteMatchOptions = {},
  buffer?: PlanBuffer,
): QuotePlan {
  const plan = buffer === undefined ? emptyPlan() : buffer.reset();
  planSide(Side.Buy, desired.bids, restingBids, plan, opts, buffer);
  planSide(Side.Sell, desired.asks, restingAsks, plan, opts, buffer);
  return plan;
}
