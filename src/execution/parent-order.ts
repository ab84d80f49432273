/**
 * Parent orders: one order a strategy wants done on a symbol, whatever venue it trades on. The C
 * router splits it across the venues' live books by effective price after taker fees; each child
 * goes out as an IOC limit order through the same risk gate and order manager as every other order;
 * the tracker adds up the children's fills and, once every child is terminal, re-routes what is left
 * (bounded attempts and age, a retry delay on the Clock), never sending more than the parent's
 * quantity in total and never a child beyond the parent's limit. Every parent ends `filled` or
 * `unfilled` with a reason, so nothing a strategy asked for is silently dropped.
 *
 * Prices and quantities of a parent are in the symbol's common grid: the largest tick and step that
 * divide every venue's tick and step (see commonGrid), so each venue maps onto it exactly.
 */
import { ConsolidatedBook, type OrderBook, ROUTE, routeBufferLength } from "../book/index.ts";
import type { Clock, TimerId } from "../services/index.ts";
import { type CommonGrid, commonGrid, type OrderType, Side, type TimeInForce } from "../types/index.ts";
import type { FillEvent, OrderListener } from "./order-manager.ts";
import { isTerminal, type ManagedOrder } from "./order-state.ts";
import type { InstrumentState, Registry } from "./registry.ts";
import type { KillSwitch, RiskGate, RiskReason } from "./risk.ts";

/**
 * What parent orders need of the desk that owns them (Execution implements it): the registry, the
 * risk gate and kill switch, order events, and the one submit path every order takes. Owned here,
 * so this file does not depend on execution.ts.
 */
export interface ParentDesk {
  readonly registry: Registry;
  readonly kill: KillSwitch;
  readonly risk: RiskGate;
  addOrderListener(listener: OrderListener): void;
  isConnected(venue: string): boolean;
  submit(
    venue: string,
    symbol: string,
    side: Side,
    priceTicks: number,
    lots: number,
    type: OrderType,
    tif: TimeInForce,
    strategy: string | null,
  ): ManagedOrder | RiskReason;
}

/** Why a parent ended without its whole quantity. */
export type ParentUnfilledReason =
  | "limit"
  | "no_liquidity"
  | "attempts_exhausted"
  | "risk_refused"
  | "halted"
  | "canceled"
  | "invalid";

/** Every unfilled reason, for counters and metrics that enumerate them. */
export const PARENT_UNFILLED_REASONS: readonly ParentUnfilledReason[] = [
  "limit",
  "no_liquidity",
  "attempts_exhausted",
  "risk_refused",
  "halted",
  "canceled",
  "invalid",
];

export type ParentStatus = "working" | "filled" | "unfilled";

/** What a strategy (or an operator tool) asks for. Quantities in the symbol's common grid. */
export interface ParentRequest {
  readonly symbol: string;
  readonly side: Side;
  /** Common lots (commonGrid of the symbol's venues). */
  readonly lots: number;
  /** Worst price, common ticks: buys take prices <= limit, sells >= limit. */
  readonly limitTicks: number;
  /** Share of each displayed level the router counts on, per mille (default 1000). */
  readonly urgencyPermille?: number;
  /** Venues the children may go to (default: every venue listing the symbol). */
  readonly venues?: readonly string[];
  readonly strategy?: string | null;
  /** The caller's own label, echoed in every update (a strategy matches its hedges by it). */
  readonly tag?: string;
}

/** A parent's progress, as strategies and tests see it (a fresh object per update). */
export interface ParentUpdate {
  readonly id: string;
  readonly symbol: string;
  readonly side: Side;
  readonly lots: number;
  readonly limitTicks: number;
  readonly strategy: string | null;
  readonly tag: string | undefined;
  readonly status: ParentStatus;
  /** Filled common lots (children's venue cumulative quantity × qty multiplier). */
  readonly filledLots: number;
  /** Common lots of children still live. */
  readonly inFlightLots: number;
  /** lots − filledLots (what an unfilled parent leaves on the strategy's books). */
  readonly remainingLots: number;
  readonly reason: ParentUnfilledReason | undefined;
  readonly attempts: number;
  readonly childrenSent: number;
  /** The last reason the risk gate gave for refusing a child, if any. */
  readonly lastRefusal: RiskReason | undefined;
}

/** Counters per outcome, read by metrics and tests. */
export interface ParentStats {
  submitted: number;
  filled: number;
  readonly unfilled: Record<ParentUnfilledReason, number>;
  routes: number;
  retries: number;
  childrenSent: number;
  childrenRefused: number;
  /** Fills that arrived for a parent already finished (a late or resurrected child). */
  lateFills: number;
  routerErrors: number;
}

/** Options; every bound has a default. */
export interface ParentOrderOptions {
  /** Routing attempts per parent, the first included (default 5). */
  readonly maxAttempts?: number;
  /** Age after which a parent is not re-routed any more (default 10 000 ms). */
  readonly maxAgeMs?: number;
  /** Delay before re-routing a remainder (default 20 ms), so books can reflect the last sweep. */
  readonly retryDelayMs?: number;
  /** Most children per route (default 16). */
  readonly maxChildren?: number;
  /** Finished parents kept for late fills and lookups (default 1000). */
  readonly retainFinished?: number;
  /** The live book of a venue's symbol (default: the venue adapter's book). */
  readonly bookOf?: (venue: string, symbol: string) => OrderBook | undefined;
}

/** One child order of a parent. */
interface Child {
  readonly parent: Parent;
  readonly qtyMult: number;
  /** Venue lots ordered and filled so far (the venue's cumulative quantity). */
  readonly lots: number;
  cumLots: number;
  live: boolean;
}

/** Mutable parent state (the single writer's). */
class Parent {
  status: ParentStatus = "working";
  reason: ParentUnfilledReason | undefined = undefined;
  filled = 0;
  inFlight = 0;
  liveChildren = 0;
  attempts = 0;
  childrenSent = 0;
  lastRefusal: RiskReason | undefined = undefined;
  /** What the last attempt achieved, the reason given when attempts run out. */
  lastOutcome: ParentUnfilledReason = "attempts_exhausted";
  timer: TimerId = 0;
  readonly childIds: string[] = [];
  constructor(
    readonly id: string,
    readonly req: ParentRequest,
    readonly urgency: number,
    readonly strategy: string | null,
    readonly startMs: number,
  ) {}
}

/** Per-symbol router state: the consolidated book and what is attached at each venue index. */
interface SymbolRouter {
  readonly cb: ConsolidatedBook;
  readonly insts: readonly InstrumentState[];
  readonly grid: CommonGrid;
  readonly attached: (OrderBook | undefined)[];
  readonly fees: number[];
}

/** Tracks every parent order of the engine; owned by Execution (see the file comment). */
export class ParentOrders {
  readonly stats: ParentStats;
  private readonly clock: Clock;
  private readonly maxAttempts: number;
  private readonly maxAgeMs: number;
  private readonly retryDelayMs: number;
  private readonly maxChildren: number;
  private readonly retainFinished: number;
  private readonly bookOf: (venue: string, symbol: string) => OrderBook | undefined;
  private readonly parents = new Map<string, Parent>();
  private readonly children = new Map<string, Child>();
  private readonly finished: string[] = [];
  private readonly routers = new Map<string, SymbolRouter>();
  private readonly feePpm = new Map<string, number>();
  private readonly listeners: ((u: ParentUpdate) => void)[] = [];
  private readonly out: Float64Array;
  private seq = 0;

  constructor(
    private readonly desk: ParentDesk,
    clock: Clock,
    opts: ParentOrderOptions = {},
  ) {
    this.clock = clock;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.maxAgeMs = opts.maxAgeMs ?? 10_000;
    this.retryDelayMs = Math.max(0, opts.retryDelayMs ?? 20);
    this.maxChildren = Math.max(1, opts.maxChildren ?? 16);
    this.retainFinished = Math.max(1, opts.retainFinished ?? 1000);
    this.bookOf = opts.bookOf ?? ((venue, symbol) => desk.registry.venues.get(venue)?.adapter?.book(symbol));
    this.out = new Float64Array(routeBufferLength(this.maxChildren));
    const unfilled = {} as Record<ParentUnfilledReason, number>;
    for (const r of PARENT_UNFILLED_REASONS) unfilled[r] = 0;
    this.stats = {
      submitted: 0,
      filled: 0,
      unfilled,
      routes: 0,
      retries: 0,
      childrenSent: 0,
      childrenRefused: 0,
      lateFills: 0,
      routerErrors: 0,
    };
    desk.addOrderListener({
      onState: (o) => this.onChild(o),
      onFill: (f: FillEvent) => {
        if (f.order !== undefined) this.onChild(f.order);
      },
    });
    desk.kill.onTrip(() => this.onHalt());
  }

  /** Told on every change of every parent (progress and the end). */
  onUpdate(listener: (u: ParentUpdate) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Taker fee the router adds to a venue's prices, parts per million (default 0). */
  setTakerFeePpm(venue: string, ppm: number): void {
    if (!Number.isInteger(ppm) || ppm < 0 || ppm >= 1_000_000) throw new Error(`taker fee ppm ${ppm} out of range`);
    this.feePpm.set(venue, ppm);
  }

  /** The common grid the symbol's parents are expressed in (undefined: symbol unknown). */
  gridOf(symbol: string): CommonGrid | undefined {
    return this.routerOf(symbol)?.grid;
  }

  /** Starts a parent: routes it now; the returned id names it in every update. */
  submit(req: ParentRequest): string {
    const id = `p${++this.seq}`;
    const urgency = req.urgencyPermille ?? 1000;
    const p = new Parent(id, req, urgency, req.strategy ?? null, this.clock.nowMs());
    this.parents.set(id, p);
    this.stats.submitted++;
    if (this.invalid(req, urgency) !== undefined) {
      this.finish(p, "invalid");
      return id;
    }
    this.dispatch(p);
    return id;
  }

  /** A parent's state now (undefined once forgotten). */
  get(id: string): ParentUpdate | undefined {
    const p = this.parents.get(id);
    return p === undefined ? undefined : this.view(p);
  }

  /** Parents still working. */
  working(): ParentUpdate[] {
    const out: ParentUpdate[] = [];
    for (const p of this.parents.values()) if (p.status === "working") out.push(this.view(p));
    return out;
  }

  /**
   * Ends every working parent as canceled (shutdown, operator cancel-all): no re-route follows; the
   * caller cancels the live children (their fills still count). `symbol` limits it to one
   * symbol's parents. Returns how many ended.
   */
  cancelAll(symbol?: string): number {
    let n = 0;
    for (const p of this.parents.values()) {
      if (p.status !== "working" || (symbol !== undefined && p.req.symbol !== symbol)) continue;
      this.finish(p, "canceled");
      n++;
    }
    return n;
  }

  /** Frees the consolidated books (the venue books stay). */
  close(): void {
    for (const r of this.routers.values()) r.cb.close();
    this.routers.clear();
  }

  private invalid(req: ParentRequest, urgency: number): string | undefined {
    if (!Number.isSafeInteger(req.lots) || req.lots <= 0) return "lots";
    if (!Number.isSafeInteger(req.limitTicks) || req.limitTicks <= 0) return "limitTicks";
    if (req.side !== Side.Buy && req.side !== Side.Sell) return "side";
    if (!Number.isInteger(urgency) || urgency < 1 || urgency > 1000) return "urgency";
    const r = this.routerOf(req.symbol);
    if (r === undefined) return "symbol";
    if (req.venues !== undefined && !req.venues.every((v) => r.insts.some((i) => i.venue === v))) return "venues";
    return undefined;
  }

  private routerOf(symbol: string): SymbolRouter | undefined {
    const insts = this.desk.registry.bySymbol.get(symbol);
    if (insts === undefined || insts.length === 0) return undefined;
    let r = this.routers.get(symbol);
    if (r !== undefined && r.insts.length === insts.length) return r;
    r?.cb.close();
    let grid: CommonGrid;
    try {
      grid = commonGrid(insts.map((i) => i.info));
    } catch {
      return undefined;
    }
    const list = [...insts];
    r = {
      cb: new ConsolidatedBook({ maxVenues: Math.max(1, list.length) }),
      insts: list,
      grid,
      attached: list.map(() => undefined),
      fees: list.map(() => -1),
    };
    this.routers.set(symbol, r);
    return r;
  }

  /** Attaches the venues' current books and feeds health and rate-limit headroom. */
  private refresh(r: SymbolRouter, venues: readonly string[] | undefined): void {
    const limits = this.desk.risk.current();
    for (let i = 0; i < r.insts.length; i++) {
      const inst = r.insts[i] as InstrumentState;
      const book = this.bookOf(inst.venue, inst.symbol);
      const fee = this.feePpm.get(inst.venue) ?? 0;
      if (book !== r.attached[i] || fee !== r.fees[i]) {
        const st = r.cb.setVenue(i, book ?? null, {
          priceMult: r.grid.priceMult[i] ?? 1,
          qtyMult: r.grid.qtyMult[i] ?? 1,
          takerFeePpm: fee,
        });
        r.attached[i] = st === 0 ? book : undefined;
        r.fees[i] = fee;
      }
      const v = this.desk.registry.venues.get(inst.venue);
      const allowed = venues === undefined || venues.includes(inst.venue);
      const healthy =
        allowed &&
        r.attached[i] !== undefined &&
        inst.health === "live" &&
        v?.ready === true &&
        this.desk.isConnected(inst.venue);
      const rate = Math.round(this.desk.risk.rateHeadroom(inst.venue).orders * limits.maxOrdersPerSecond);
      const open = limits.maxOpenOrders - (v?.openOrders ?? 0);
      r.cb.setVenueState(i, healthy, Math.max(0, Math.min(rate, open)), 0);
    }
  }

  private dispatch(p: Parent): void {
    if (p.status !== "working") return;
    if (this.desk.kill.isHalted()) {
      this.finish(p, "halted");
      return;
    }
    const need = p.req.lots - p.filled;
    if (need <= 0) {
      this.finish(p, undefined);
      return;
    }
    const r = this.routerOf(p.req.symbol);
    if (r === undefined) {
      this.finish(p, "invalid");
      return;
    }
    p.attempts++;
    this.stats.routes++;
    this.refresh(r, p.req.venues);
    const side = p.req.side;
    const out = this.out;
    const n = r.cb.route(side, need, p.req.limitTicks, p.urgency, 0, out);
    if (n < 0) this.stats.routerErrors++;
    let allocated = 0;
    let refused = 0;
    for (let c = 0; c < n; c++) {
      const k = ROUTE.header + c * ROUTE.stride;
      const idx = out[k + ROUTE.venue] as number;
      const venueLots = out[k + ROUTE.venueQty] as number;
      const venueLimit = out[k + ROUTE.venueLimit] as number;
      const inst = r.insts[idx];
      const qm = r.grid.qtyMult[idx] ?? 1;
      const pm = r.grid.priceMult[idx] ?? 1;
      // the router guarantees both; checked again because an overfill or a crossed limit costs money
      const common = venueLots * qm;
      const beyond = side === Side.Buy ? venueLimit * pm > p.req.limitTicks : venueLimit * pm < p.req.limitTicks;
      if (inst === undefined || !(venueLots > 0) || allocated + common > need || beyond) {
        this.stats.routerErrors++;
        continue;
      }
      const o = this.desk.submit(inst.venue, inst.symbol, side, venueLimit, venueLots, "limit", "IOC", p.strategy);
      if (typeof o === "string") {
        refused++;
        this.stats.childrenRefused++;
        p.lastRefusal = o;
        continue;
      }
      allocated += common;
      const child: Child = { parent: p, qtyMult: qm, lots: venueLots, cumLots: 0, live: true };
      this.children.set(o.clientId, child);
      p.childIds.push(o.clientId);
      p.liveChildren++;
      p.inFlight += common;
      p.childrenSent++;
      this.stats.childrenSent++;
      if (isTerminal(o.state)) this.onChild(o);
    }
    if (allocated > 0) {
      p.lastOutcome = "attempts_exhausted";
      this.emit(p);
      return;
    }
    if (refused > 0) p.lastOutcome = this.desk.kill.isHalted() ? "halted" : "risk_refused";
    else p.lastOutcome = this.emptyReason(r, p, need);
    this.settle(p);
  }

  /** Nothing routable within the limit: would anything be routable without it? */
  private emptyReason(r: SymbolRouter, p: Parent, need: number): ParentUnfilledReason {
    const wide = p.req.side === Side.Buy ? Number.MAX_SAFE_INTEGER : 1;
    const n = r.cb.route(p.req.side, need, wide, p.urgency, 0, this.out);
    return n > 0 ? "limit" : "no_liquidity";
  }

  /** A child order changed (state or fill): update the parent's figures, settle when it ends. */
  private onChild(o: ManagedOrder): void {
    const c = this.children.get(o.clientId);
    if (c === undefined) return;
    const p = c.parent;
    const cum = Math.min(o.cumLots, c.lots);
    const grew = cum > c.cumLots;
    if (grew) {
      const delta = (cum - c.cumLots) * c.qtyMult;
      c.cumLots = cum;
      p.filled += delta;
      if (c.live) p.inFlight -= delta;
      if (p.status !== "working") this.stats.lateFills++;
    }
    if (c.live && isTerminal(o.state)) {
      c.live = false;
      p.liveChildren--;
      p.inFlight -= (c.lots - c.cumLots) * c.qtyMult;
      if (p.liveChildren === 0) {
        this.settle(p);
        return;
      }
    }
    if (grew) this.emit(p);
  }

  /** No child live: done, or re-route the remainder after the retry delay, or give up with a reason. */
  private settle(p: Parent): void {
    if (p.status !== "working") {
      this.emit(p);
      return;
    }
    if (p.filled >= p.req.lots) {
      this.finish(p, undefined);
      return;
    }
    if (this.desk.kill.isHalted()) {
      this.finish(p, "halted");
      return;
    }
    if (p.attempts >= this.maxAttempts || this.clock.nowMs() - p.startMs >= this.maxAgeMs) {
      this.finish(p, p.lastOutcome);
      return;
    }
    this.emit(p);
    this.stats.retries++;
    p.timer = this.clock.setTimer(this.retryDelayMs, () => {
      p.timer = 0;
      this.dispatch(p);
    });
  }

  /** The kill switch tripped: parents waiting to re-route end now; live children end through their cancels. */
  private onHalt(): void {
    for (const p of this.parents.values()) {
      if (p.status === "working" && p.liveChildren === 0) this.finish(p, "halted");
    }
  }

  private finish(p: Parent, reason: ParentUnfilledReason | undefined): void {
    if (p.timer !== 0) this.clock.clearTimer(p.timer);
    p.timer = 0;
    if (reason === undefined) {
      p.status = "filled";
      this.stats.filled++;
    } else {
      p.status = "unfilled";
      p.reason = reason;
      this.stats.unfilled[reason]++;
    }
    this.emit(p);
    this.finished.push(p.id);
    while (this.finished.length > this.retainFinished) {
      const old = this.parents.get(this.finished.shift() as string);
      if (old === undefined) continue;
      this.parents.delete(old.id);
      for (const id of old.childIds) this.children.delete(id);
    }
  }

  private view(p: Parent): ParentUpdate {
    return {
      id: p.id,
      symbol: p.req.symbol,
      side: p.req.side,
      lots: p.req.lots,
      limitTicks: p.req.limitTicks,
      strategy: p.strategy,
      tag: p.req.tag,
      status: p.status,
      filledLots: p.filled,
      inFlightLots: p.inFlight,
      remainingLots: p.req.lots - p.filled,
      reason: p.reason,
      attempts: p.attempts,
      childrenSent: p.childrenSent,
      lastRefusal: p.lastRefusal,
    };
  }

  private emit(p: Parent): void {
    if (this.listeners.length === 0) return;
    const u = this.view(p);
    for (const l of this.listeners) l(u);
  }
}
