/**
 * The execution desk: one object the engine's single writer owns, wiring the risk gate, the order
 * manager, positions, balances and quote reconciliation together, and routing venue events to
 * them. Strategies' intents come in as desired quotes or single orders; everything that leaves
 * goes through the risk gate first.
 */
import type { Clock, Rng } from "../services/index.ts";
import type {
  Balance,
  BookHealth,
  InstrumentInfo,
  OpenOrderStatus,
  OrderType,
  PnlStatus,
  PositionStatus,
  RiskStatus,
  TimeInForce,
  UnknownOutcomeResult,
  VenueEvent,
  VenueTrade,
} from "../types/index.ts";
import { Side } from "../types/index.ts";
import type { VenueAdapter } from "../venues/index.ts";
import { type BalanceDiff, Balances } from "./balances.ts";
import { ClientIdGenerator } from "./client-id.ts";
import { formatMoney, type Money, moneyToNumber } from "./money.ts";
import {
  type FillEvent,
  type OrderListener,
  OrderManager,
  type OrderManagerOptions,
  type OrphanReport,
  type ReconcileReport,
} from "./order-manager.ts";
import { IllegalTransitionError, type ManagedOrder, type OrderState } from "./order-state.ts";
import { type ParentOrderOptions, ParentOrders, type ParentRequest } from "./parent-order.ts";
import { PnlByDay } from "./pnl-days.ts";
import { type PositionSnapshot, Positions, type PositionView } from "./positions.ts";
import {
  type DesiredQuotes,
  PlanBuffer,
  planQuotes,
  type QuoteMatchOptions,
  type QuotePlace,
  type QuotePlan,
  quotesKeptAsIs,
} from "./quotes.ts";
import { type InstrumentState, Registry } from "./registry.ts";
import { KillSwitch, RiskGate, type RiskLimits, type RiskReason } from "./risk.ts";
import { TradeKeys } from "./trade-keys.ts";

const ONE = 10n ** 18n;
const DAY_MS = 86_400_000;

/** What one booked fill did to its instrument's money; a reused object, valid during the call. */
export interface FillBooking {
  inst: InstrumentState | undefined;
  /** Realized PnL the fill booked, before fees, in quote units of 10^-18. */
  realized: Money;
  /** The fee valued in the quote asset; undefined when it could not be valued (third asset, no rate). */
  feeQuote: Money | undefined;
}

/** What became of a trade from the venue's trade history. */
export type TradeOutcome = "applied" | "duplicate" | "unknown_instrument";

/** Construction options; timeouts of the order manager may be overridden. */
export interface ExecutionOptions {
  readonly clock: Clock;
  readonly rng: Rng;
  /** Client id prefix naming this engine (1–8 letters or digits), e.g. "hft1". */
  readonly clientIdPrefix: string;
  readonly limits: RiskLimits;
  readonly orders?: Partial<
    Pick<
      OrderManagerOptions,
      "submitTimeoutMs" | "cancelTimeoutMs" | "statusRetryMs" | "maxCancelAttempts" | "retainTerminal" | "deliver"
    >
  >;
  readonly quoteMatch?: QuoteMatchOptions;
  /** How often start() re-evaluates the daily loss at the current marks (default 1000 ms). */
  readonly riskEvalMs?: number;
  /** Told on every fill (after positions moved) and state change: strategies, logs. */
  readonly onFill?: (fill: FillEvent) => void;
  /** Told once per fill that moved positions, with what it booked (the journal records it here). */
  readonly onFillBooked?: (fill: FillEvent, booking: FillBooking) => void;
  /** Told when an order is created (its request already handed to the adapter). */
  readonly onOrderCreated?: (order: ManagedOrder) => void;
  readonly onOrderState?: (order: ManagedOrder, from: OrderState, cause: string) => void;
  /** Trade ids remembered across orders and runs to book each fill once (default 100000). */
  readonly tradeMemory?: number;
  /** Told when a submission whose outcome was unknown is settled (metrics and the log). */
  readonly onUnknownOutcome?: (order: ManagedOrder, result: UnknownOutcomeResult, detail: string) => void;
  /** Told when the kill switch trips: the engine halts its strategies here. */
  readonly onHalt?: (reason: string) => void;
  /** Told about errors that were contained (an illegal transition trips the kill switch too). */
  readonly onError?: (error: Error) => void;
  /** Told about every risk refusal (metrics bump their hot counters here). */
  readonly onRiskReject?: (venue: string, symbol: string, reason: RiskReason) => void;
  /** Bounds of parent orders routed across venues (attempts, age, retry delay). */
  readonly parents?: ParentOrderOptions;
}

/** Position and PnL of one instrument as doubles, for metrics and status (never for order maths). */
export interface PositionSample {
  readonly venue: string;
  readonly symbol: string;
  /** Quote currency of the money figures. */
  readonly currency: string;
  /** Signed position in base-asset units. */
  readonly positionBase: number;
  /** |position| valued at the mid, in the quote currency (0 without a mid). */
  readonly notionalExposure: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly fees: number;
}

/** Desired quotes for one symbol on a named venue (the strategy's QuoteIntent). */
export interface VenueQuotes extends DesiredQuotes {
  readonly venue: string;
}

/** A one-off order (the strategy's OrderIntent). */
export interface OrderIntentLike {
  readonly venue: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly priceTicks: number;
  readonly lots: number;
}

/** A parent order routed across venues (the strategy's RouteIntent); common-grid lots and ticks. */
export type RouteIntentLike = Omit<ParentRequest, "strategy">;

/** Where one strategy's intents go (the strategy's IntentSink); refusals are counted, not returned. */
export interface StrategySink {
  quotes(intent: VenueQuotes): void;
  order(intent: OrderIntentLike): void;
  route(intent: RouteIntentLike): void;
}

/** What quote() did; valid until the next quote() call (its records are reused). */
export interface QuoteResult {
  readonly plan: QuotePlan;
  readonly placed: ManagedOrder[];
  readonly refused: { readonly place: QuotePlace; readonly reason: RiskReason }[];
  /** Cancels the gate deferred (cancel rate); the next quote() retries them. */
  readonly cancelsDeferred: number;
  /** Places deferred because the venue's order-rate window was full; the next quote() retries them. */
  readonly placesDeferred: number;
}

/** QuoteResult as quote() fills it. */
interface MutableQuoteResult {
  plan: QuotePlan;
  readonly placed: ManagedOrder[];
  readonly refused: { place: QuotePlace; reason: RiskReason }[];
  cancelsDeferred: number;
  placesDeferred: number;
}

function newQuoteResult(): MutableQuoteResult {
  return { plan: { cancels: [], places: [], kept: 0 }, placed: [], refused: [], cancelsDeferred: 0, placesDeferred: 0 };
}

/** Counters of the desk itself (the parts have their own). */
export interface ExecutionStats {
  illegalTransitions: number;
  eventErrors: number;
  reconciles: number;
  /** Quote places deferred on a full order-rate window (not refusals: the next quote retries). */
  placesDeferred: number;
  /** Fills dropped because their venue trade id was booked already (another path, an earlier run). */
  duplicateTrades: number;
}

/** The execution desk (one per engine). */
export class Execution {
  readonly registry = new Registry();
  readonly ids: ClientIdGenerator;
  readonly kill: KillSwitch;
  readonly risk: RiskGate;
  readonly oms: OrderManager;
  readonly positions: Positions;
  /** Parent orders split across venues by the router (children go through submit like any order). */
  readonly parents: ParentOrders;
  readonly balances = new Balances();
  readonly stats: ExecutionStats = {
    illegalTransitions: 0,
    eventErrors: 0,
    reconciles: 0,
    placesDeferred: 0,
    duplicateTrades: 0,
  };
  /** Realized PnL and fees by UTC day of the fill (recent days, for metrics). */
  readonly pnlDays = new PnlByDay();
  /** Venue trade ids already booked (seeded from the journal at start-up). */
  readonly trades: TradeKeys;
  /** The last balances each venue pushed, for comparison with ours. */
  readonly reportedBalances = new Map<string, readonly Balance[]>();
  private readonly clock: Clock;
  private readonly opts: ExecutionOptions;
  private timer = 0;
  private readonly disconnected = new Set<string>();
  /** quote()'s plan and result, refilled on every call: quoting allocates nothing on its own. */
  private readonly planBuffer = new PlanBuffer();
  private readonly quoteResult = newQuoteResult();
  private quoting = false;
  private readonly orderListeners: OrderListener[] = [];
  /** quote() answers that did nothing, by how many orders they kept (shared, frozen). */
  private readonly keptResults: QuoteResult[] = [];
  private readonly booking: FillBooking = { inst: undefined, realized: 0n, feeQuote: undefined };

  constructor(opts: ExecutionOptions) {
    this.opts = opts;
    this.clock = opts.clock;
    this.ids = new ClientIdGenerator(opts.clientIdPrefix, opts.clock, opts.rng.fork("client-ids"));
    this.kill = new KillSwitch(opts.clock);
    this.risk = new RiskGate(this.registry, opts.clock, this.kill, opts.limits);
    this.positions = new Positions(this.registry);
    this.trades = new TradeKeys(opts.tradeMemory);
    this.oms = new OrderManager({
      ...opts.orders,
      clock: opts.clock,
      ids: this.ids,
      registry: this.registry,
      onError: (e) => this.contain(e),
      listener: {
        onFill: (f) => this.onFill(f),
        onCreated: (o) => this.opts.onOrderCreated?.(o),
        onState: (o, from, cause) => {
          for (const l of this.orderListeners) l.onState?.(o, from, cause);
          this.opts.onOrderState?.(o, from, cause);
        },
        onUnknownOutcome: (o, result, detail) => this.opts.onUnknownOutcome?.(o, result, detail),
      },
    });
    this.kill.onTrip((reason) => {
      this.oms.cancelAll();
      this.opts.onHalt?.(reason);
    });
    this.parents = new ParentOrders(this, opts.clock, opts.parents);
  }

  /** Lets a part of execution (parent orders) follow every order's fills and state changes. */
  addOrderListener(listener: OrderListener): void {
    this.orderListeners.push(listener);
  }

  /** Whether every order/user stream of the venue is up (the market stream does not count). */
  isConnected(venue: string): boolean {
    if (this.disconnected.size === 0) return true;
    for (const key of this.disconnected) if (key.startsWith(`${venue}/`)) return false;
    return true;
  }

  /** Registers a connected venue and every instrument it reports. */
  addVenue(adapter: VenueAdapter): void {
    this.registry.addVenue(adapter.name, adapter);
    for (const info of adapter.instruments().values()) this.registry.addInstrument(adapter.name, info);
  }

  /** Registers one instrument (tests, or venues that learn instruments late). */
  addInstrument(venue: string, info: InstrumentInfo): void {
    this.registry.addInstrument(venue, info);
  }

  /**
   * Start-up: cancels what an earlier run of this engine left open on the venue and, once none is
   * left, allows orders there. Call after connect and before the strategy starts quoting.
   */
  async startVenue(venue: string): Promise<OrphanReport> {
    const report = await this.oms.cancelOrphans(venue);
    const v = this.registry.venues.get(venue);
    if (v !== undefined) v.ready = report.remaining === 0;
    return report;
  }

  /** Whether new orders may go to the venue (start-up cleanup done). */
  isReady(venue: string): boolean {
    return this.registry.venues.get(venue)?.ready === true;
  }

  /** Starts the periodic daily-loss evaluation. */
  start(): void {
    if (this.timer !== 0) return;
    this.timer = this.clock.setRepeating(this.opts.riskEvalMs ?? 1000, () => this.evaluateRisk());
  }

  /** Stops the periodic work (orders are the engine's to cancel on shutdown). */
  stop(): void {
    if (this.timer !== 0) this.clock.clearTimer(this.timer);
    this.timer = 0;
  }

  /** Routes one venue event; errors are contained and counted so one bad event never stops the engine. */
  onVenueEvent(ev: VenueEvent): void {
    try {
      switch (ev.type) {
        case "order":
          this.oms.onUpdate(ev.update);
          break;
        case "bbo":
          this.setTopOfBook(ev.venue, ev.symbol, ev.bidTicks, ev.askTicks);
          break;
        case "book_health":
          this.setBookHealth(ev.venue, ev.symbol, ev.health);
          break;
        case "balances":
          this.reportedBalances.set(ev.venue, ev.balances);
          break;
        case "connection":
          this.onConnection(ev.venue, ev.stream, ev.state);
          break;
        default:
          break; // book and trade events are for strategies; the engine marks from its books
      }
    } catch (e) {
      this.contain(e);
    }
  }

  /** Marks an instrument to its top of book (reference mid for risk and unrealized PnL). */
  setTopOfBook(venue: string, symbol: string, bidTicks: number, askTicks: number): void {
    this.positions.mark(venue, symbol, bidTicks, askTicks);
  }

  /** Records book health: only a live book lets orders through. */
  setBookHealth(venue: string, symbol: string, health: BookHealth): void {
    const inst = this.registry.get(venue, symbol);
    if (inst !== undefined) inst.health = health;
  }

  /** Sends one order through the risk gate; the order, or the reason it was refused. */
  submit(
    venue: string,
    symbol: string,
    side: Side,
    priceTicks: number,
    lots: number,
    type: OrderType = "limit",
    tif: TimeInForce = "GTC",
    strategy: string | null = null,
  ): ManagedOrder | RiskReason {
    const reason = this.risk.checkOrder(venue, symbol, side, priceTicks, lots);
    if (reason !== undefined) {
      this.opts.onRiskReject?.(venue, symbol, reason);
      return reason;
    }
    return this.oms.submit(venue, symbol, side, priceTicks, lots, type, tif, strategy);
  }

  /** Cancels one order through the cancel-rate check; true when sent (or already on its way). */
  cancel(clientId: string): boolean | RiskReason {
    const o = this.oms.get(clientId);
    if (o === undefined) return false;
    if (o.state === "new" || o.state === "partially_filled") {
      const reason = this.risk.checkCancel(o.venue);
      if (reason !== undefined) {
        this.opts.onRiskReject?.(o.venue, o.symbol, reason);
        return reason;
      }
    }
    return this.oms.cancel(clientId);
  }

  /**
   * Cancels everything (shutdown, operator); emergency: no rate check. Without a venue, working
   * parent orders end too (canceled), so nothing re-routes afterwards. Returns orders asked.
   */
  cancelAll(venue?: string): number {
    if (venue === undefined) this.parents.cancelAll();
    return this.oms.cancelAll(venue);
  }

  /**
   * Moves one symbol's resting orders on a venue to the desired quotes with the fewest actions:
   * places (risk-checked, type limit_maker / GTC unless given), then cancels (rate-checked), so the
   * new quote reaches the wire first. That is as safe as cancelling first: an order being cancelled
   * keeps counting in the gate (its remaining lots as potential position, its open-order slot) until
   * the venue confirms the cancel, so every place is checked against the same worst case in either
   * order. A place that would meet one of our own orders being cancelled on the other side (bid at or
   * above that ask, ask at or below that bid) would trade with it or be refused as post-only, so
   * then the cancels go first (one venue socket is processed in order).
   */
  quote(
    venue: string,
    desired: DesiredQuotes,
    type: OrderType = "limit_maker",
    strategy: string | null = null,
  ): QuoteResult {
    // Most book events leave the quotes as they rest. The same desired object (strategies emit a new
    // one only when their quotes change) checked against orders that have not changed since is
    // answered from the memo; nothing is planned or allocated.
    const inst = this.registry.get(venue, desired.symbol);
    if (inst !== undefined && inst.quotedDesired === desired && inst.quotedVersion === inst.ordersVersion)
      return this.nothingDone(inst.quotedKept);
    const bids = this.oms.liveOrders(venue, desired.symbol, 0);
    const asks = this.oms.liveOrders(venue, desired.symbol, 1);
    const kept = quotesKeptAsIs(desired, bids, asks, this.opts.quoteMatch);
    if (inst !== undefined) inst.quotedDesired = kept >= 0 ? desired : undefined;
    if (kept >= 0 && inst !== undefined) {
      inst.quotedVersion = inst.ordersVersion;
      inst.quotedKept = kept;
    }
    if (kept >= 0) return this.nothingDone(kept);
    // A quote() inside a quote() (a listener that re-quotes synchronously) gets its own records, so the
    // outer call's plan is never overwritten under it; the common, outermost call reuses the desk's.
    if (this.quoting) {
      return this.quoteInto(new PlanBuffer(), newQuoteResult(), venue, desired, bids, asks, type, strategy);
    }
    this.quoting = true;
    try {
      return this.quoteInto(this.planBuffer, this.quoteResult, venue, desired, bids, asks, type, strategy);
    } finally {
      this.quoting = false;
    }
  }

  /** quote()'s planning and sending, into the plan and result records given. */
  private quoteInto(
    buffer: PlanBuffer,
    result: MutableQuoteResult,
    venue: string,
    desired: DesiredQuotes,
    bids: Iterable<ManagedOrder>,
    asks: Iterable<ManagedOrder>,
    type: OrderType,
    strategy: string | null,
  ): QuoteResult {
    const plan = planQuotes(desired, bids, asks, this.opts.quoteMatch, buffer);
    result.plan = plan;
    const cancelsFirst = plan.cancels.length > 0 && this.placesMeetCancels(plan);
    let cancelsDeferred = cancelsFirst ? this.sendCancels(plan.cancels) : 0;
    const placed = result.placed;
    const refused = result.refused;
    placed.length = 0;
    refused.length = 0;
    let placesDeferred = 0;
    for (const p of plan.places) {
      // a full order-rate window defers the rest of the quote to a later call, uncounted as refusals
      if (this.risk.orderRateFull(venue)) {
        placesDeferred = plan.places.length - placed.length - refused.length;
        this.stats.placesDeferred += placesDeferred;
        break;
      }
      const r = this.submit(venue, desired.symbol, p.side, p.priceTicks, p.lots, type, "GTC", strategy);
      if (typeof r === "string") refused.push({ place: p, reason: r });
      else placed.push(r);
    }
    if (!cancelsFirst && plan.cancels.length > 0) cancelsDeferred = this.sendCancels(plan.cancels);
    result.cancelsDeferred = cancelsDeferred;
    result.placesDeferred = placesDeferred;
    return result;
  }

  /** The answer of a quote() that found every order as desired: one frozen result per kept count. */
  private nothingDone(kept: number): QuoteResult {
    let r = this.keptResults[kept];
    if (r === undefined) {
      const cancels: string[] = [];
      const places: QuotePlace[] = [];
      const placed: ManagedOrder[] = [];
      const refused: QuoteResult["refused"] = [];
      for (const a of [cancels, places, placed, refused]) Object.freeze(a);
      r = { plan: { cancels, places, kept }, placed, refused, cancelsDeferred: 0, placesDeferred: 0 };
      Object.freeze(r.plan);
      Object.freeze(r);
      this.keptResults[kept] = r;
    }
    return r;
  }

  /** Sends a plan's cancels; how many the cancel rate deferred. */
  private sendCancels(ids: readonly string[]): number {
    let deferred = 0;
    for (const id of ids) if (this.cancel(id) === "cancel_rate") deferred++;
    return deferred;
  }

  /** Whether a planned place would meet (cross or touch) one of our orders being cancelled on the other side. */
  private placesMeetCancels(plan: QuotePlan): boolean {
    for (const id of plan.cancels) {
      const o = this.oms.get(id);
      if (o === undefined) continue;
      for (const p of plan.places) {
        if (p.side === o.side) continue;
        if (p.side === Side.Buy ? p.priceTicks >= o.priceTicks : p.priceTicks <= o.priceTicks) return true;
      }
    }
    return false;
  }

  /** An intent sink for one strategy: its quotes and orders go through the gate tagged with its name. */
  sinkFor(strategy: string): StrategySink {
    return {
      quotes: (q) => {
        this.quote(q.venue, q, "limit_maker", strategy);
      },
      order: (o) => {
        this.submit(o.venue, o.symbol, o.side, o.priceTicks, o.lots, o.type, o.tif, strategy);
      },
      route: (r) => {
        this.parents.submit({ ...r, strategy });
      },
    };
  }

  /**
   * Re-evaluates the daily loss at current marks (also done on every fill and by start()). Skipped
   * while an open position has no mark yet (a restored position before its book is live): its
   * unrealized PnL is unknown, not zero.
   */
  evaluateRisk(): Money {
    for (const inst of this.registry.instruments()) {
      if (inst.position.lots !== 0 && inst.mid2() === 0) return this.risk.dailyPnl();
    }
    return this.risk.evaluateDailyLoss(this.positions.totalNet());
  }

  /**
   * Books a trade from the venue's trade history (one missed while the engine was down) exactly
   * once, through the same path as a streamed fill: positions, balances, daily loss, listeners.
   */
  applyVenueTrade(t: VenueTrade, clientId: string): TradeOutcome {
    if (this.registry.get(t.venue, t.symbol) === undefined) return "unknown_instrument";
    if (this.trades.has(t.venue, t.symbol, t.tradeId, t.side)) return "duplicate";
    const num = Number(t.tradeId);
    this.onFill({
      venue: t.venue,
      symbol: t.symbol,
      clientId,
      side: t.side,
      lots: t.lots,
      priceTicks: t.priceTicks,
      fee: t.fee,
      feeAsset: t.feeAsset,
      isMaker: t.isMaker,
      tradeId: Number.isSafeInteger(num) && num >= 0 ? num : -1,
      order: this.oms.get(clientId),
      venueTradeId: t.tradeId,
      venueOrderId: t.venueOrderId,
      venueTimeMs: t.venueTimeMs,
      source: "history",
    });
    return "applied";
  }

  /** Puts a journaled position back on a registered instrument (start-up); throws naming it when inconsistent. */
  restorePosition(venue: string, symbol: string, snap: PositionSnapshot): void {
    const inst = this.registry.get(venue, symbol);
    if (inst === undefined) throw new Error(`position ${venue} ${symbol}: the venue does not list it now`);
    this.positions.restore(inst, snap);
  }

  /** Trips the kill switch: cancels every order, halts strategies, refuses orders until resumed. */
  halt(reason: string): boolean {
    return this.kill.trip(reason);
  }

  /** Lifts the kill switch (explicit operator command only). */
  resume(): void {
    this.kill.resume();
  }

  /** Positions and PnL of every instrument as doubles (display and metrics only). */
  positionSamples(): PositionSample[] {
    const out: PositionSample[] = [];
    for (const v of this.positions.views()) {
      out.push({
        venue: v.venue,
        symbol: v.symbol,
        currency: v.quote,
        positionBase: moneyToNumber(v.baseUnits),
        // |base| × mid: units 10^-18 base × (mid2 × tick units) / 2 / 10^18
        notionalExposure: moneyToNumber(this.exposure(v)),
        realizedPnl: moneyToNumber(v.realized),
        unrealizedPnl: moneyToNumber(v.unrealized),
        fees: moneyToNumber(v.fees),
      });
    }
    return out;
  }

  /** Positions as exact decimal strings, for the control API's status. */
  positionStatus(): PositionStatus[] {
    return this.positions.views().map((v) => ({
      venue: v.venue,
      symbol: v.symbol,
      position: formatMoney(v.baseUnits),
      currency: v.quote,
      notional: formatMoney(this.exposure(v)),
      realizedPnl: formatMoney(v.realized),
      unrealizedPnl: formatMoney(v.unrealized),
      fees: formatMoney(v.fees),
    }));
  }

  /** Live orders as decimal strings, for the control API's status. */
  openOrderStatus(): OpenOrderStatus[] {
    const out: OpenOrderStatus[] = [];
    for (const o of this.oms.allLive()) {
      const info = this.registry.get(o.venue, o.symbol)?.info;
      if (info === undefined) continue;
      out.push({
        venue: o.venue,
        symbol: o.symbol,
        clientId: o.clientId,
        side: o.side === 0 ? "buy" : "sell",
        price: info.price.format(o.priceTicks),
        qty: info.qty.format(o.lots),
        filled: info.qty.format(o.cumLots),
        status: o.state,
        strategy: o.strategy,
      });
    }
    return out;
  }

  /** PnL totals per quote currency, as decimal strings. */
  pnlStatus(): PnlStatus[] {
    return [...this.positions.totalsByQuote()].map(([currency, p]) => ({
      currency,
      realized: formatMoney(p.realized),
      unrealized: formatMoney(p.unrealized),
      fees: formatMoney(p.fees),
    }));
  }

  /** Halt state and the limits in force, flattened for display. */
  riskStatus(): RiskStatus {
    const limits: Record<string, string | number | boolean> = {};
    const flatten = (prefix: string, obj: object): void => {
      for (const [k, v] of Object.entries(obj)) {
        if (v !== null && typeof v === "object") flatten(`${prefix}${k}.`, v);
        else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") limits[`${prefix}${k}`] = v;
      }
    };
    flatten("", this.risk.current());
    const halted = this.kill.isHalted();
    return {
      halted,
      haltReason: halted ? this.kill.reason() : null,
      killSwitchEngaged: halted,
      killSwitchTrips: this.kill.trips,
      dailyPnl: formatMoney(this.risk.dailyPnl()),
      ...this.dailyState(),
      limits,
    };
  }

  /** The day the daily loss is measured in and its baseline, for display. */
  dailyState(): { dailyDay: string; dailyBaseline: string } {
    const { day, baseline } = this.risk.dayState();
    return {
      dailyDay: day < 0 ? "" : new Date(day * DAY_MS).toISOString().slice(0, 10),
      dailyBaseline: formatMoney(baseline),
    };
  }

  /** Seeds local balances from the venue (start of run); later fills move them. */
  async syncBalances(venue: string): Promise<void> {
    const adapter = this.registry.venues.get(venue)?.adapter;
    if (adapter === undefined) throw new Error(`venue ${venue} has no adapter`);
    this.balances.set(venue, await adapter.balances());
  }

  /** Every asset where our balances and the venue's differ now (empty = in agreement). */
  async compareBalances(venue: string): Promise<BalanceDiff[]> {
    const adapter = this.registry.venues.get(venue)?.adapter;
    if (adapter === undefined) throw new Error(`venue ${venue} has no adapter`);
    return this.balances.compare(venue, await adapter.balances());
  }

  /** Compares the venue's open orders with ours and fixes divergences (also run after reconnects). */
  async reconcile(venue: string): Promise<ReconcileReport> {
    this.stats.reconciles++;
    return this.oms.reconcile(venue);
  }

  /** |position| × mid in quote units (0 without a mid). */
  private exposure(v: PositionView): Money {
    const tickUnits = this.registry.get(v.venue, v.symbol)?.math.tickUnits ?? 0n;
    const abs = v.baseUnits < 0n ? -v.baseUnits : v.baseUnits;
    // 10^-18 base × (mid2 × 10^-18 quote per base) / 2 / 10^18 → 10^-18 quote
    return (abs * BigInt(v.markMid2Ticks) * tickUnits) / (2n * ONE);
  }

  private onFill(f: FillEvent): void {
    const key = TradeKeys.keyOf(f);
    if (!this.trades.admit(key)) {
      this.stats.duplicateTrades++;
      return;
    }
    const before = this.registry.get(f.venue, f.symbol)?.position;
    const realized0 = before?.realized ?? 0n;
    const fees0 = before?.fees ?? 0n;
    const unvalued0 = before?.unvaluedFeeCount ?? 0;
    const inst = this.positions.applyFill(f);
    if (inst === undefined)
      this.trades.forget(key); // not booked: the trade history may bring it again
    else this.book(inst, f, realized0, fees0, unvalued0);
    this.evaluateRisk();
    for (const l of this.orderListeners) l.onFill?.(f);
    if (inst !== undefined) this.opts.onFillBooked?.(f, this.booking);
    this.opts.onFill?.(f);
  }

  /** Balances, PnL by day and the booking the journal reads, after positions took the fill. */
  private book(inst: InstrumentState, f: FillEvent, realized0: Money, fees0: Money, unvalued0: number): void {
    this.balances.applyFill(inst, f);
    const pos = inst.position;
    const b = this.booking;
    b.inst = inst;
    b.realized = pos.realized - realized0;
    b.feeQuote = pos.unvaluedFeeCount > unvalued0 ? undefined : pos.fees - fees0;
    const now = this.clock.nowMs();
    const at = f.venueTimeMs !== undefined && f.venueTimeMs > 0 ? f.venueTimeMs : now;
    this.pnlDays.add(at, f.venue, f.symbol, inst.info.quote, b.realized, b.feeQuote ?? 0n);
    // a fill the venue made today while we were down is today's, even if booked before today's baseline
    if (f.source === "history" && Math.floor(at / DAY_MS) === Math.floor(now / DAY_MS))
      this.risk.carryIntoToday(b.realized - (b.feeQuote ?? 0n));
  }

  private onConnection(venue: string, stream: string, state: string): void {
    if (stream === "market") return;
    const key = `${venue}/${stream}`;
    if (state === "disconnected" || state === "reconnecting") this.disconnected.add(key);
    else if (state === "connected" && this.disconnected.delete(key)) {
      // events may have been missed while the order stream was down
      this.reconcile(venue).catch((e: unknown) => this.contain(e));
    }
  }

  private contain(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    if (err instanceof IllegalTransitionError) {
      this.stats.illegalTransitions++;
      // local order state can no longer be trusted: stop trading until an operator looks
      this.kill.trip(`illegal_transition: ${err.order.clientId}`);
    } else {
      this.stats.eventErrors++;
    }
    this.opts.onError?.(err);
  }
}
