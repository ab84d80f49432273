/**
 * The simulator core: accounts, balances, per-symbol matching engines, event fan-out and the event-log
 * hash. Venue-neutral; the Binance (and later OKX) protocol layers wrap it.
 *
 * Exact maths: prices are ticks, quantities lots, money integers of each asset's smallest unit.
 * Notional = ticks × lots × quoteUnitsPerTickLot, exact because every accepted order's notional is
 * kept below 2^53 (larger ones fail NOTIONAL). Fees are charged in the asset received (base for the
 * buyer, quote for the seller) as floor(received × rate), computed in two exact halves so the product
 * never leaves the safe-integer range; the floor favours the client and is what the tests assert.
 */
import type { Clock, TimerId } from "../../services/index.ts";
import { Rng } from "../../services/index.ts";
import { Side } from "../../types/index.ts";
import { type AgentSharedFairValue, MarketAgents } from "./agents.ts";
import { Account, type Balance, type BookSide, type IntOrder, type Level, Order, SymbolBook } from "./book.ts";
import { CompiledSymbol, DEFAULT_SYMBOLS, unitGrid } from "./symbols.ts";
import type {
  AccountTrade,
  AccountTradeFilter,
  AmendOrderRequest,
  AmendResult,
  BalanceView,
  BookTop,
  CancelledOrder,
  CancelResult,
  CoreListener,
  CoreRejectReason,
  DepthSnapshot,
  ExecType,
  ExecutionReport,
  FeeSpec,
  Fill,
  OrderRef,
  OrderStatus,
  OrderView,
  PlaceOrderRequest,
  PlaceOrderTicksRequest,
  PlaceResult,
  PlaceTicksResult,
  SimCoreOptions,
  SimSymbol,
  SymbolStatus,
  TimeInForce,
  TradeView,
  ValidateResult,
} from "./types.ts";

/** Default fee rates (Binance's VIP 0 spot rates). */
export const DEFAULT_FEES: FeeSpec = { maker: "0.001", taker: "0.001" };

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const E8 = 100_000_000;
const RATE_GRID = unitGrid(8);
const CLIENT_ID_RE = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const DECIMAL_RE = /^\d+(\.\d+)?$/;
const STATUS_CODE: Record<OrderStatus, number> = {
  NEW: 1,
  PARTIALLY_FILLED: 2,
  FILLED: 3,
  CANCELED: 4,
  REJECTED: 5,
  EXPIRED: 6,
  EXPIRED_IN_MATCH: 7,
};
const EXEC_CODE: Record<ExecType, number> = {
  NEW: 1,
  CANCELED: 2,
  REJECTED: 3,
  TRADE: 4,
  EXPIRED: 5,
  TRADE_PREVENTION: 6,
  REPLACED: 7,
};

/** floor(units × rateE8 / 1e8) without leaving the safe-integer range (units < 2^53, rate ≤ 1e7). */
export function feeOf(units: number, rateE8: number): number {
  if (rateE8 === 0) return 0;
  const q = Math.floor(units / E8);
  const r = units - q * E8;
  return q * rateE8 + Math.floor((r * rateE8) / E8);
}

/** What a dry run of the book can fill for a taker. */
interface DryRun {
  lots: number;
  quoteUnits: number;
}

type Reject = { ok: false; reason: CoreRejectReason };

/** The decimal-string fields of a new order, whose type placeOrder checks (callers decode JSON). */
const DECIMAL_FIELDS = ["price", "quantity", "quoteOrderQty"] as const;

/** The fields a new order has whatever form its price and size take. */
type OrderHead = Pick<
  PlaceOrderRequest,
  "accountId" | "symbol" | "side" | "type" | "timeInForce" | "clientOrderId" | "stpMode"
>;

/** A refusal naming the parameter at fault (a function, not a closure per call). */
function invalid(invalidParam: string, message: string): Reject {
  return { ok: false, reason: { invalidParam, message } };
}

/** A refusal for a plain reason or a filter. */
function refuse(reason: CoreRejectReason): Reject {
  return { ok: false, reason };
}

/** Book and account events of one action, reported when the action ends. */
interface ActionScratch {
  book: SymbolBook | null;
  sides: number[];
  ticks: number[];
  n: number;
  accounts: Account[];
}

/** A deterministic in-process exchange: the one engine behind every simulator protocol surface. */
export class SimCore {
  readonly clock: Clock;
  readonly seed: string;
  private readonly syms: CompiledSymbol[] = [];
  private readonly books: SymbolBook[] = [];
  private readonly bySymbol = new Map<string, number>();
  private readonly accounts = new Map<string, Account>();
  private readonly precision = new Map<string, number>();
  private readonly feeTotals = new Map<string, number>();
  private readonly closedKept: number;
  private readonly accountTradesKept: number;
  private nextTradeSeq = 1;
  private readonly agents: MarketAgents | null;
  private agentTimer: TimerId | null = null;
  private agentsSteppedMs = 0;
  private paused = false;
  private speed: number;
  private nextExecutionId = 1;
  private nextClientSeq = 1;
  private now = 0;
  private stamp = 0;
  private inAction = false;
  private readonly scratch: ActionScratch = { book: null, sides: [], ticks: [], n: 0, accounts: [] };
  private h1 = 0x811c9dc5;
  private h2 = 0x2545f491;
  private events = 0;
  private pendOrder: Order | null = null;
  private pendLots = 0;
  private pendPrice = 0;
  private pendQuote = 0;
  private pendFee = 0;
  private pendTradeId = 0;
  private pendAsset = "";
  private readonly seenCount = new Map<number, number>();
  private readonly fnLevel: NonNullable<CoreListener["onBookLevel"]>[] = [];
  private readonly fnLevelEnd: NonNullable<CoreListener["onBookUpdateEnd"]>[] = [];
  private readonly fnTop: NonNullable<CoreListener["onBookTop"]>[] = [];
  private readonly fnTrade: NonNullable<CoreListener["onTrade"]>[] = [];
  private readonly fnExec: NonNullable<CoreListener["onExecution"]>[] = [];
  private readonly fnAccount: NonNullable<CoreListener["onAccountUpdate"]>[] = [];

  /** Order ids counted once across books (SimCoreOptions.orderIds), from this counter. */
  private readonly exchangeOrderIds: boolean;
  private nextExchangeOrderId = 1;

  /** Builds the books (empty until start() lets the agents quote). Throws on a bad symbol spec. */
  constructor(opts: SimCoreOptions) {
    this.clock = opts.clock;
    this.seed = String(opts.seed);
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0 && this.speed <= 10_000)) throw new Error(`speed must be in (0, 10000], got ${opts.speed}`);
    this.exchangeOrderIds = opts.orderIds === "per_exchange";
    this.closedKept = opts.closedOrdersKept ?? 10_000;
    this.accountTradesKept = opts.accountTradesKept ?? 100_000;
    if (!(Number.isInteger(this.accountTradesKept) && this.accountTradesKept >= 0))
      throw new Error(`accountTradesKept must be an integer >= 0, got ${opts.accountTradesKept}`);
    const tradesKept = opts.recentTradesKept ?? 1000;
    for (const [asset, p] of Object.entries(opts.assetPrecision ?? {})) {
      if (!Number.isInteger(p) || p < 0 || p > 12) throw new Error(`assetPrecision.${asset}: must be an integer 0..12`);
      this.precision.set(asset, p);
    }
    const specs = opts.symbols ?? DEFAULT_SYMBOLS;
    if (specs.length === 0) throw new Error("symbols: at least one symbol is required");
    for (const spec of specs) {
      if (this.bySymbol.has(spec.symbol)) throw new Error(`symbols: duplicate symbol ${spec.symbol}`);
      const sym = new CompiledSymbol(
        spec,
        this.syms.length,
        this.assetPrecision(spec.base),
        this.assetPrecision(spec.quote),
      );
      this.bySymbol.set(spec.symbol, sym.index);
      this.syms.push(sym);
      this.books.push(new SymbolBook(sym, tradesKept));
    }
    const wantAgents = opts.agents ?? true;
    const shared = this.sharedOption(opts);
    this.agents = wantAgents
      ? new MarketAgents(
          {
            books: this.books,
            account: (id: string) => this.internalAccount(id),
            submit: (o: IntOrder) => this.submitInternal(o),
            cancel: (o: Order) => this.cancelInternal(o),
            speed: () => this.speed,
          },
          new Rng(this.seed).fork("agents"),
          shared,
        )
      : null;
  }

  /** Checks the fairValue option against this core's symbols (errors name the field). */
  private sharedOption(opts: SimCoreOptions): AgentSharedFairValue | undefined {
    const f = opts.fairValue;
    if (f === undefined) return undefined;
    const lagMs = f.lagMs ?? 0;
    if (!(lagMs >= 0 && lagMs <= f.shared.historyMs))
      throw new Error(`fairValue.lagMs must be in [0, ${f.shared.historyMs}], got ${f.lagMs}`);
    const noiseBps = f.noiseBps ?? 0;
    if (!(noiseBps >= 0 && noiseBps <= 1000))
      throw new Error(`fairValue.noiseBps must be in [0, 1000], got ${f.noiseBps}`);
    // A venue on another tick grid (OKX's BTC-USDT 0.1 vs Binance's 0.01) converts the shared path to its ticks.
    const ticksPer = new Map<string, number>();
    for (const sym of this.syms) {
      const k = f.shared.ticksPer(sym.name, sym.priceGrid.increment);
      if (k === undefined) throw new Error(`fairValue: symbol ${sym.name} is not in the shared fair value`);
      ticksPer.set(sym.name, k);
    }
    const clock = this.clock;
    return {
      shared: f.shared,
      ticksPer,
      lagMs,
      noiseBps,
      nowMs: () => clock.nowMs(),
      rng: new Rng(this.seed).fork("fair-value-noise"),
    };
  }

  // ---------------------------------------------------------------- symbols and accounts

  /** Every configured symbol, in configuration order. */
  symbols(): readonly SimSymbol[] {
    return this.syms;
  }

  /** A symbol by venue name ("BTCUSDT"), or undefined. */
  symbol(name: string): SimSymbol | undefined {
    const i = this.bySymbol.get(name);
    return i === undefined ? undefined : this.syms[i];
  }

  /** Changes a symbol's trading status; orders are rejected "market_closed" unless TRADING. */
  setSymbolStatus(name: string, status: SymbolStatus): boolean {
    const i = this.bySymbol.get(name);
    if (i === undefined) return false;
    (this.syms[i] as CompiledSymbol).status = status;
    return true;
  }

  /**
   * Creates an account with decimal-string balances per asset. Internal accounts (agents) skip balance
   * checks and emit no execution/account events. Throws an error naming the field on bad input.
   */
  createAccount(
    id: string,
    balances: Readonly<Record<string, string>>,
    fees: FeeSpec = DEFAULT_FEES,
    opts?: { internal?: boolean },
  ): void {
    if (id.length === 0 || id.length > 64) throw new Error(`account id must be 1..64 characters`);
    if (this.accounts.has(id)) throw new Error(`account ${id} already exists`);
    const acct = new Account(id, opts?.internal ?? false, this.syms.length);
    this.applyFees(acct, fees);
    for (const [asset, amount] of Object.entries(balances)) {
      const units = this.parseAsset(asset, amount);
      if (Number.isNaN(units)) throw new Error(`account ${id}: balance ${asset}=${JSON.stringify(amount)} is invalid`);
      acct.balance(asset).free = units;
    }
    this.accounts.set(id, acct);
  }

  hasAccount(id: string): boolean {
    return this.accounts.has(id);
  }

  /** Changes an account's fee rates (false for an unknown account); throws on a malformed rate. */
  setFees(id: string, fees: FeeSpec): boolean {
    const acct = this.accounts.get(id);
    if (acct === undefined) return false;
    this.applyFees(acct, fees);
    return true;
  }

  /** The account's fee rates as given. */
  fees(id: string): FeeSpec | undefined {
    return this.accounts.get(id)?.fees;
  }

  /** Adds (or with a leading "-" removes) free balance, e.g. a deposit; emits an account update. */
  adjustBalance(id: string, asset: string, amount: string): boolean {
    const acct = this.accounts.get(id);
    if (acct === undefined) return false;
    const neg = amount.startsWith("-");
    const units = this.parseAsset(asset, neg ? amount.slice(1) : amount);
    if (Number.isNaN(units)) return false;
    const b = acct.balance(asset);
    if (neg && b.free < units && !acct.internal) return false;
    this.begin(null);
    b.free += neg ? -units : units;
    this.touchBalance(acct, b);
    this.end();
    return true;
  }

  /** All balances of an account (assets ever held), or undefined for an unknown account. */
  balances(id: string): BalanceView[] | undefined {
    const acct = this.accounts.get(id);
    if (acct === undefined) return undefined;
    const out: BalanceView[] = [];
    for (const b of acct.balances.values()) out.push({ asset: b.asset, freeUnits: b.free, lockedUnits: b.locked });
    return out;
  }

  /** Decimals of an asset's smallest unit. */
  assetPrecision(asset: string): number {
    return this.precision.get(asset) ?? 8;
  }

  /** An asset amount as a decimal string with the asset's precision. */
  formatAsset(asset: string, units: number): string {
    return unitGrid(this.assetPrecision(asset)).format(units);
  }

  /** Fees collected by the venue in an asset, in units (for conservation checks). */
  feesCollected(asset: string): number {
    return this.feeTotals.get(asset) ?? 0;
  }

  // ---------------------------------------------------------------- orders

  /** Validates and executes a new order; every outcome is a typed result, never a throw. */
  placeOrder(req: PlaceOrderRequest): PlaceResult {
    const p = this.parse(req);
    if ("ok" in p) return p;
    const v = this.check(p);
    if (v !== null) return v;
    const fills: Fill[] = [];
    const o = this.execute(p, fills);
    return { ok: true, order: this.view(o), fills, transactTimeMs: o.timeMs };
  }

  /**
   * placeOrder for an in-process caller that holds the price and size as integers on the symbol's
   * grids (sim-direct): no decimal strings formatted and parsed back, no view or fill list built; the
   * new order's id, or the refusal placeOrder would give. The caller keeps to counts the core holds
   * exactly (SimSymbol.exactTicks / exactLots: then the decimal string of the count parses back to
   * it, so both entries take the same path from here); a count outside them is refused as invalid,
   * as its decimal string would be.
   */
  placeOrderTicks(req: PlaceOrderTicksRequest): PlaceTicksResult {
    const p = this.parseHead(req, null);
    if ("ok" in p) return p;
    const sym = p.book.sym;
    if (req.type !== "MARKET") {
      if (!sym.exactTicks(req.priceTicks)) return invalid("price", "Invalid price.");
      p.priceTicks = req.priceTicks;
    }
    if (!sym.exactLots(req.lots)) return invalid("quantity", "Invalid quantity.");
    p.lots = req.lots;
    const v = this.check(p);
    if (v !== null) return v;
    return this.execute(p, null).orderId;
  }

  /** Runs every check placeOrder would (filters, balance, duplicates) without touching the book. */
  validateOrder(req: PlaceOrderRequest): ValidateResult {
    const p = this.parse(req);
    if ("ok" in p) return p;
    return this.check(p) ?? { ok: true };
  }

  /** Cancels an open order by orderId or client id; the cancel gets its own client id. */
  cancelOrder(accountId: string, symbol: string, ref: OrderRef, cancelClientOrderId?: string): CancelResult {
    const bi = this.bySymbol.get(symbol);
    if (bi === undefined) return { ok: false, reason: "unknown_symbol" };
    const acct = this.accounts.get(accountId);
    if (acct === undefined) return { ok: false, reason: "unknown_account" };
    if (cancelClientOrderId !== undefined && !CLIENT_ID_RE.test(cancelClientOrderId)) {
      return {
        ok: false,
        reason: { invalidParam: "newClientOrderId", message: "Illegal characters found in parameter" },
      };
    }
    const o = this.findOpen(acct, bi, ref);
    if (o === undefined) return { ok: false, reason: "unknown_order" };
    const cid = cancelClientOrderId ?? this.genClientId();
    this.begin(o.book);
    this.cancelResting(o, "CANCELED", cid);
    this.end();
    return {
      ok: true,
      order: this.view(o),
      origClientOrderId: o.clientOrderId,
      cancelClientOrderId: cid,
      transactTimeMs: this.now,
    };
  }

  /**
   * cancelOrder by client id for the in-process venue: the same checks, events and generated cancel
   * id, without the result record and order view it would build; the refusal, or null once cancelled.
   */
  cancelOrderQuiet(accountId: string, symbol: string, clientOrderId: string): CoreRejectReason | null {
    const bi = this.bySymbol.get(symbol);
    if (bi === undefined) return "unknown_symbol";
    const acct = this.accounts.get(accountId);
    if (acct === undefined) return "unknown_account";
    const o = acct.openByClient[bi]?.get(clientOrderId);
    if (o === undefined) return "unknown_order";
    const cid = this.genClientId();
    this.begin(o.book);
    this.cancelResting(o, "CANCELED", cid);
    this.end();
    return null;
  }

  /** Cancels every open order of the account on a symbol (oldest first); empty when none. */
  cancelAllOrders(accountId: string, symbol: string): CancelledOrder[] {
    const bi = this.bySymbol.get(symbol);
    const acct = this.accounts.get(accountId);
    if (bi === undefined || acct === undefined) return [];
    const open = [...(acct.openByClient[bi] as Map<string, Order>).values()].sort((a, b) => a.orderId - b.orderId);
    const out: CancelledOrder[] = [];
    for (const o of open) {
      const cid = this.genClientId();
      this.begin(this.books[bi] as SymbolBook);
      this.cancelResting(o, "CANCELED", cid);
      this.end();
      out.push({
        ok: true,
        order: this.view(o),
        origClientOrderId: o.clientOrderId,
        cancelClientOrderId: cid,
        transactTimeMs: this.now,
      });
    }
    return out;
  }

  /**
   * Amends a resting order's total quantity and/or limit price (AmendOrderRequest says how priority
   * goes). Every check a new order passes applies to the amended one (grids, filters, balance for a
   * larger lock, post-only that would cross); a refusal leaves the order untouched.
   */
  amendOrder(req: AmendOrderRequest): AmendResult {
    const bi = this.bySymbol.get(req.symbol);
    if (bi === undefined) return { ok: false, reason: "unknown_symbol" };
    const acct = this.accounts.get(req.accountId);
    if (acct === undefined) return { ok: false, reason: "unknown_account" };
    const o = this.findOpen(acct, bi, req.ref);
    if (o === undefined) return { ok: false, reason: "unknown_order" };
    const plan = this.planAmend(o, req);
    if ("ok" in plan) return plan;
    const fills: Fill[] = [];
    const keptPriority = this.applyAmend(o, plan.ticks, plan.lots, fills);
    return { ok: true, order: this.view(o), fills, keptPriority, transactTimeMs: this.now };
  }

  /** The amended price and total lots after every check, or why the amend is refused. */
  private planAmend(o: Order, req: AmendOrderRequest): { ticks: number; lots: number } | Reject {
    const sym = o.sym;
    if (sym.status !== "TRADING") return { ok: false, reason: "market_closed" };
    if (req.newPrice === undefined && req.newQuantity === undefined)
      return { ok: false, reason: { invalidParam: "newQuantity", message: "A new quantity or price is required." } };
    let ticks = o.priceTicks;
    if (req.newPrice !== undefined) {
      const t = typeof req.newPrice === "string" ? this.ticksOf(sym, req.newPrice, "newPrice") : -2;
      if (t === -2) return { ok: false, reason: { invalidParam: "newPrice", message: "Invalid newPrice." } };
      if (typeof t !== "number") return t;
      if (t < sym.minPriceTicks || (sym.maxPriceTicks > 0 && t > sym.maxPriceTicks))
        return { ok: false, reason: { filter: "PRICE_FILTER" } };
      ticks = t;
    }
    let lots = o.origLots;
    if (req.newQuantity !== undefined) {
      const l = typeof req.newQuantity === "string" ? this.lotsOf(sym, req.newQuantity, "newQuantity") : -2;
      if (l === -2 || l === 0)
        return { ok: false, reason: { invalidParam: "newQuantity", message: "Invalid newQuantity." } };
      if (typeof l !== "number") return l;
      if (l < 0 || (l > o.executedLots && l < sym.minQtyLots) || (sym.maxQtyLots > 0 && l > sym.maxQtyLots))
        return { ok: false, reason: { filter: "LOT_SIZE" } };
      lots = l;
    }
    if (lots <= o.executedLots) return { ticks, lots };
    const notional = sym.notionalOf(ticks, lots);
    if (
      notional < sym.minNotionalUnits ||
      notional > MAX_SAFE ||
      (sym.maxNotionalUnits > 0 && notional > sym.maxNotionalUnits)
    )
      return { ok: false, reason: { filter: "NOTIONAL" } };
    if (o.type === "LIMIT_MAKER" && ticks !== o.priceTicks && this.wouldCross(o.book, o.side, ticks))
      return { ok: false, reason: "would_take" };
    const bal = o.side === Side.Buy ? o.quoteBal : o.baseBal;
    if (this.lockOfResting(o, ticks, lots) - o.lockedUnits > bal.free)
      return { ok: false, reason: "insufficient_balance" };
    return { ticks, lots };
  }

  /** What a resting order at ticks with lots in total keeps locked: its remainder's notional or base. */
  private lockOfResting(o: Order, ticks: number, lots: number): number {
    const remaining = Math.max(0, lots - o.executedLots);
    return o.side === Side.Buy ? o.sym.notionalOf(ticks, remaining) : remaining * o.sym.baseUnitsPerLot;
  }

  /**
   * Applies a checked amend in one action: the REPLACED report, then the book change. Returns whether the
   * order kept its queue place (same price and no larger size; false when the amend ended it).
   */
  private applyAmend(o: Order, ticks: number, lots: number, fills: Fill[]): boolean {
    const book = o.book;
    this.begin(book);
    o.amendCount++;
    o.updateTimeMs = this.now;
    const done = lots <= o.executedLots;
    const keep = !done && ticks === o.priceTicks && lots <= o.origLots;
    if (done) {
      // OKX: a new size at or below the filled size ends the order filled.
      this.removeResting(o);
      o.origLots = o.executedLots;
      o.status = "FILLED";
      this.report(o, "REPLACED", "", 0, 0, 0, 0, -1, false, false);
      this.release(o, o.lockedUnits);
      this.closeOrder(o);
    } else if (keep) {
      const level = o.level as Level;
      level.lots -= o.origLots - lots;
      o.origLots = lots;
      this.touchLevel(o.side, ticks);
      this.release(o, o.lockedUnits - this.lockOfResting(o, ticks, lots));
      this.report(o, "REPLACED", "", 0, 0, 0, 0, -1, false, true);
    } else {
      this.removeResting(o);
      this.relock(o, this.lockOfResting(o, ticks, lots));
      o.priceTicks = ticks;
      o.origLots = lots;
      this.report(o, "REPLACED", "", 0, 0, 0, 0, -1, false, true);
      const stopped = this.match(o, book, fills);
      this.settle(o, book, stopped);
    }
    this.end();
    return keep;
  }

  /** Moves an order's lock to exactly `units` (locking more from free, or releasing the excess). */
  private relock(o: Order, units: number): void {
    if (units <= o.lockedUnits) {
      this.release(o, o.lockedUnits - units);
      return;
    }
    const b = o.side === Side.Buy ? o.quoteBal : o.baseBal;
    const more = units - o.lockedUnits;
    b.free -= more;
    b.locked += more;
    o.lockedUnits = units;
    this.touchBalance(o.account, b);
  }

  /** Would a limit order on `side` at `ticks` take liquidity now. */
  private wouldCross(book: SymbolBook, side: Side, ticks: number): boolean {
    const best = side === Side.Buy ? book.asks.best() : book.bids.best();
    if (best === undefined) return false;
    return side === Side.Buy ? best.ticks <= ticks : best.ticks >= ticks;
  }

  /**
   * The account's kept closed orders (one symbol or all), in the order they closed (oldest first):
   * what a venue's order history answers from, until closedOrdersKept evicts them.
   */
  closedOrders(accountId: string, symbol?: string): OrderView[] {
    const acct = this.accounts.get(accountId);
    if (acct === undefined) return [];
    const bi = symbol === undefined ? undefined : this.bySymbol.get(symbol);
    if (symbol !== undefined && bi === undefined) return [];
    const out: OrderView[] = [];
    const q = acct.closedQueue;
    for (let i = acct.closedHead; i < q.length; i++) {
      const o = q[i] as Order;
      if (bi !== undefined && o.sym.index !== bi) continue;
      if (acct.closedById[o.sym.index]?.get(o.orderId) === o) out.push(this.view(o));
    }
    return out;
  }

  /** Open orders of an account (one symbol or all), oldest first. */
  openOrders(accountId: string, symbol?: string): OrderView[] {
    const acct = this.accounts.get(accountId);
    if (acct === undefined) return [];
    const out: Order[] = [];
    for (let i = 0; i < this.syms.length; i++) {
      if (symbol !== undefined && this.syms[i]?.name !== symbol) continue;
      for (const o of (acct.openByClient[i] as Map<string, Order>).values()) out.push(o);
    }
    out.sort((a, b) => a.sym.index - b.sym.index || a.orderId - b.orderId);
    return out.map((o) => this.view(o));
  }

  /** An open or recently closed order of the account, by orderId or client id. */
  getOrder(accountId: string, symbol: string, ref: OrderRef): OrderView | undefined {
    const bi = this.bySymbol.get(symbol);
    const acct = this.accounts.get(accountId);
    if (bi === undefined || acct === undefined) return undefined;
    const open = this.findOpen(acct, bi, ref);
    if (open !== undefined) return this.view(open);
    const closed =
      ref.orderId !== undefined
        ? acct.closedById[bi]?.get(ref.orderId)
        : ref.clientOrderId !== undefined
          ? acct.closedByClient[bi]?.get(ref.clientOrderId)
          : undefined;
    return closed === undefined ? undefined : this.view(closed);
  }

  /**
   * The account's kept trades matching `f`, oldest first: what a venue's trade history (Binance
   * myTrades, OKX fills) answers from, so a fill stays visible after its order is closed and forgotten.
   */
  accountTrades(accountId: string, f: AccountTradeFilter): AccountTrade[] {
    const acct = this.accounts.get(accountId);
    const limit = Math.floor(f.limit);
    if (acct === undefined || !(limit > 0)) return [];
    const list = acct.trades;
    const out: AccountTrade[] = [];
    if (f.newest === true) {
      for (let i = list.length - 1; i >= acct.tradesHead && out.length < limit; i--) {
        const t = list[i] as AccountTrade;
        if (tradeMatches(t, f)) out.push(t);
      }
      return out.reverse();
    }
    for (let i = acct.tradesHead; i < list.length && out.length < limit; i++) {
      const t = list[i] as AccountTrade;
      if (tradeMatches(t, f)) out.push(t);
    }
    return out;
  }

  // ---------------------------------------------------------------- market data

  /** The last trades of a symbol (oldest first), default 500, at most what is kept. */
  recentTrades(symbol: string, limit = 500): TradeView[] {
    const bi = this.bySymbol.get(symbol);
    return bi === undefined ? [] : (this.books[bi] as SymbolBook).recent(Math.max(0, limit));
  }

  /** Top `limit` levels per side (default 100, max 5000) and the update id they reflect. */
  depthSnapshot(symbol: string, limit = 100): DepthSnapshot | undefined {
    const bi = this.bySymbol.get(symbol);
    if (bi === undefined) return undefined;
    const book = this.books[bi] as SymbolBook;
    const n = Math.max(1, Math.min(5000, Math.floor(limit)));
    return { lastUpdateId: book.updateId, bids: levelsOf(book.bids, n), asks: levelsOf(book.asks, n) };
  }

  /** Best bid and ask now. */
  bookTop(symbol: string): BookTop | undefined {
    const bi = this.bySymbol.get(symbol);
    if (bi === undefined) return undefined;
    const book = this.books[bi] as SymbolBook;
    const b = book.bids.best();
    const a = book.asks.best();
    return {
      updateId: book.updateId,
      bidTicks: b?.ticks ?? 0,
      bidLots: b?.lots ?? 0,
      askTicks: a?.ticks ?? 0,
      askLots: a?.lots ?? 0,
    };
  }

  /** Price of the last trade (or the initial mid), in ticks: the reference price for MARKET filters. */
  lastPriceTicks(symbol: string): number | undefined {
    const bi = this.bySymbol.get(symbol);
    return bi === undefined ? undefined : (this.books[bi] as SymbolBook).lastTradeTicks;
  }

  /** Registers event callbacks; returns the function that removes them. */
  addListener(l: CoreListener): () => void {
    const pairs: [unknown[], unknown][] = [
      [this.fnLevel, l.onBookLevel?.bind(l)],
      [this.fnLevelEnd, l.onBookUpdateEnd?.bind(l)],
      [this.fnTop, l.onBookTop?.bind(l)],
      [this.fnTrade, l.onTrade?.bind(l)],
      [this.fnExec, l.onExecution?.bind(l)],
      [this.fnAccount, l.onAccountUpdate?.bind(l)],
    ];
    for (const [arr, fn] of pairs) if (fn !== undefined) arr.push(fn);
    return () => {
      for (const [arr, fn] of pairs) {
        const i = fn === undefined ? -1 : arr.indexOf(fn);
        if (i >= 0) arr.splice(i, 1);
      }
    };
  }

  // ---------------------------------------------------------------- living market

  /** Starts the agents: quotes the initial books now, then steps on a repeating clock timer. */
  start(): void {
    if (this.agents === null || this.agentTimer !== null) return;
    this.now = this.clock.nowMs();
    this.agents.step(0, false);
    this.agentsSteppedMs = this.now;
    this.agentTimer = this.clock.setRepeating(this.agents.stepMs, () => {
      (this.agents as MarketAgents).step(this.agents?.stepMs ?? 0, this.paused);
      this.agentsSteppedMs = this.clock.nowMs();
    });
  }

  /** Stops the agents' timer (their orders stay on the book). */
  stop(): void {
    if (this.agentTimer !== null) this.clock.clearTimer(this.agentTimer);
    this.agentTimer = null;
  }

  /** Freezes (or resumes) the agents: no quotes, no takers, no fair-value moves. Clients still trade. */
  pauseMarket(paused: boolean): void {
    this.paused = paused;
  }

  isMarketPaused(): boolean {
    return this.paused;
  }

  /** Scales agent activity (fair-value time and taker arrivals), e.g. 10 = ten times busier. */
  setSpeed(speed: number): void {
    if (speed > 0 && speed <= 10_000) this.speed = speed;
  }

  /**
   * Clock time of the agents' last step: the books reflect the fair value as of then (a loaded machine
   * runs the step timer late), so a check of the books against the fair value starts its window here.
   */
  agentsSteppedAtMs(): number {
    return this.agentsSteppedMs;
  }

  /** The agents' fair value of a symbol in (fractional) ticks (with lag and noise when shared), for tests and diagnostics. */
  fairValueTicks(symbol: string): number | undefined {
    const bi = this.bySymbol.get(symbol);
    return bi === undefined || this.agents === null ? undefined : this.agents.fairValue(bi);
  }

  /** Running hash of every event emitted so far (hex), for determinism checks. */
  eventLogHash(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, "0") + (this.h2 >>> 0).toString(16).padStart(8, "0");
  }

  /** Number of events emitted so far. */
  eventCount(): number {
    return this.events;
  }

  // ================================================================ internals

  private applyFees(acct: Account, fees: FeeSpec): void {
    const m = RATE_GRID.parse(fees.maker);
    const t = RATE_GRID.parse(fees.taker);
    if (Number.isNaN(m) || m > E8 / 10) throw new Error(`fees.maker ${JSON.stringify(fees.maker)}: expected 0..0.1`);
    if (Number.isNaN(t) || t > E8 / 10) throw new Error(`fees.taker ${JSON.stringify(fees.taker)}: expected 0..0.1`);
    acct.makerRateE8 = m;
    acct.takerRateE8 = t;
    acct.fees = { maker: fees.maker, taker: fees.taker };
  }

  private parseAsset(asset: string, amount: string): number {
    return unitGrid(this.assetPrecision(asset)).parse(amount);
  }

  private internalAccount(id: string): Account {
    let a = this.accounts.get(id);
    if (a === undefined) {
      a = new Account(id, true, this.syms.length);
      this.applyFees(a, { maker: "0", taker: "0" });
      this.accounts.set(id, a);
    }
    return a;
  }

  private genClientId(): string {
    return `sim-${this.nextClientSeq++}`;
  }

  private findOpen(acct: Account, bi: number, ref: OrderRef): Order | undefined {
    if (ref.orderId !== undefined) {
      const o = (this.books[bi] as SymbolBook).live.get(ref.orderId);
      return o !== undefined && o.account === acct ? o : undefined;
    }
    if (ref.clientOrderId !== undefined) return acct.openByClient[bi]?.get(ref.clientOrderId);
    return undefined;
  }

  /** Decimal strings → integers, naming the field at fault. */
  private parse(req: PlaceOrderRequest): IntOrder | Reject {
    const p = this.parseHead(req, req);
    if ("ok" in p) return p;
    const sym = p.book.sym;
    if (req.type !== "MARKET") {
      if (req.price === undefined) return invalid("price", "Mandatory parameter 'price' was not sent.");
      const t = this.ticksOf(sym, req.price, "price");
      if (typeof t !== "number") return t;
      p.priceTicks = t;
    }
    if (req.type === "MARKET" && req.quantity === undefined) {
      if (req.quoteOrderQty === undefined) return invalid("quantity", "Mandatory parameter 'quantity' was not sent.");
      const q = this.decimal(req.quoteOrderQty, sym.quotePrecision);
      if (typeof q !== "number") {
        return q === "precision" ? tooPrecise("quoteOrderQty") : invalid("quoteOrderQty", "Invalid quoteOrderQty.");
      }
      p.quoteUnits = q;
      if (q === 0) return invalid("quoteOrderQty", "Invalid quoteOrderQty.");
    } else {
      if (req.quantity === undefined) return invalid("quantity", "Mandatory parameter 'quantity' was not sent.");
      if (req.type === "MARKET" && req.quoteOrderQty !== undefined) {
        return invalid("quoteOrderQty", "Send either quantity or quoteOrderQty, not both.");
      }
      const l = this.lotsOf(sym, req.quantity, "quantity");
      if (typeof l !== "number") return l;
      p.lots = l;
    }
    return p;
  }

  /**
   * What every new order shares (symbol, account, side, type, self-trade mode, time in force, client
   * id), checked in placeOrder's order; with the string request, its decimal fields' types too. Price
   * and size are left 0 for the caller.
   */
  private parseHead(req: OrderHead, strings: PlaceOrderRequest | null): IntOrder | Reject {
    const bi = this.bySymbol.get(req.symbol);
    if (bi === undefined) return { ok: false, reason: "unknown_symbol" };
    const book = this.books[bi] as SymbolBook;
    const account = this.accounts.get(req.accountId);
    if (account === undefined) return { ok: false, reason: "unknown_account" };
    // Callers decode JSON: a field of the wrong type is a typed rejection, never a throw.
    if (strings !== null) {
      for (const f of DECIMAL_FIELDS) {
        const v: unknown = strings[f];
        if (v !== undefined && typeof v !== "string") return invalid(f, `Invalid ${f}.`);
      }
    }
    const cid: unknown = req.clientOrderId;
    if (cid !== undefined && typeof cid !== "string") return invalid("newClientOrderId", "Invalid clientOrderId.");
    if (req.side !== "BUY" && req.side !== "SELL") return invalid("side", "Invalid side.");
    if (req.type !== "LIMIT" && req.type !== "MARKET" && req.type !== "LIMIT_MAKER") {
      return invalid("type", "Invalid orderType.");
    }
    const stp = req.stpMode ?? "EXPIRE_TAKER";
    if (stp !== "NONE" && stp !== "EXPIRE_TAKER" && stp !== "EXPIRE_MAKER" && stp !== "EXPIRE_BOTH") {
      return invalid("selfTradePreventionMode", "Invalid selfTradePreventionMode.");
    }
    let tif: TimeInForce = "GTC";
    if (req.type === "LIMIT") {
      if (req.timeInForce === undefined)
        return invalid("timeInForce", "Mandatory parameter 'timeInForce' was not sent.");
      if (req.timeInForce !== "GTC" && req.timeInForce !== "IOC" && req.timeInForce !== "FOK") {
        return invalid("timeInForce", "Invalid timeInForce.");
      }
      tif = req.timeInForce;
    }
    if (cid !== undefined && !CLIENT_ID_RE.test(cid)) {
      return invalid("newClientOrderId", "Illegal characters found in parameter 'newClientOrderId'.");
    }
    const side = req.side === "BUY" ? Side.Buy : Side.Sell;
    return {
      account,
      book,
      side,
      type: req.type,
      tif,
      stp,
      priceTicks: 0,
      lots: 0,
      quoteUnits: 0,
      clientOrderId: cid ?? "",
    };
  }

  /** A price string in ticks (-1 when off the tick grid: PRICE_FILTER), or why it is no price. */
  private ticksOf(sym: CompiledSymbol, price: string, field: "price" | "newPrice"): number | Reject {
    const units = this.decimal(price, sym.quotePrecision);
    if (typeof units !== "number")
      return units === "precision"
        ? tooPrecise("price")
        : { ok: false, reason: { invalidParam: field, message: `Invalid ${field}.` } };
    const perTick = sym.quoteUnitsPerTick;
    return units % perTick === 0 ? units / perTick : -1;
  }

  /** A quantity string in lots (-1 when off the step grid: LOT_SIZE), or why it is no quantity. */
  private lotsOf(sym: CompiledSymbol, qty: string, field: "quantity" | "newQuantity"): number | Reject {
    const units = this.decimal(qty, sym.basePrecision);
    if (typeof units !== "number")
      return units === "precision"
        ? tooPrecise("quantity")
        : { ok: false, reason: { invalidParam: field, message: `Invalid ${field}.` } };
    return units % sym.baseUnitsPerLot === 0 ? units / sym.baseUnitsPerLot : -1;
  }

  /** A decimal string as integer units of 10^-decimals, or why not. */
  private decimal(s: string, decimals: number): number | "precision" | "invalid" {
    const n = unitGrid(decimals).parse(s);
    if (!Number.isNaN(n)) return n;
    if (!DECIMAL_RE.test(s)) return "invalid";
    const frac = s.split(".")[1] ?? "";
    return frac.replace(/0+$/, "").length > decimals ? "precision" : "invalid";
  }

  /** Every pre-trade check, Binance order: status, filters, limits, duplicates, post-only, balance. */
  private check(p: IntOrder): Reject | null {
    const sym = p.book.sym;
    if (sym.status !== "TRADING") return refuse("market_closed");
    const market = p.type === "MARKET";
    if (!market) {
      const t = p.priceTicks;
      if (t < sym.minPriceTicks || (sym.maxPriceTicks > 0 && t > sym.maxPriceTicks))
        return refuse({ filter: "PRICE_FILTER" });
    }
    if (p.quoteUnits === 0) {
      const l = p.lots;
      if (market) {
        if (l < sym.marketMinQtyLots || (sym.marketMaxQtyLots > 0 && l > sym.marketMaxQtyLots)) {
          return refuse({ filter: "MARKET_LOT_SIZE" });
        }
      } else if (l < sym.minQtyLots || (sym.maxQtyLots > 0 && l > sym.maxQtyLots)) {
        return refuse({ filter: "LOT_SIZE" });
      }
    }
    // NOTIONAL: limit price for limit orders, last price for MARKET (applyMinToMarket, not max).
    const notional =
      p.quoteUnits > 0 ? p.quoteUnits : sym.notionalOf(market ? p.book.lastTradeTicks : p.priceTicks, p.lots);
    if (notional < sym.minNotionalUnits) return refuse({ filter: "NOTIONAL" });
    if (!market && sym.maxNotionalUnits > 0 && notional > sym.maxNotionalUnits) return refuse({ filter: "NOTIONAL" });
    if (notional > MAX_SAFE) return refuse({ filter: "NOTIONAL" });
    const open = p.account.openByClient[sym.index] as Map<string, Order>;
    if (!market && p.tif === "GTC" && open.size >= sym.maxNumOrders && !p.account.internal) {
      return refuse({ filter: "MAX_NUM_ORDERS" });
    }
    if (p.clientOrderId !== "" && open.has(p.clientOrderId)) return refuse("duplicate_client_id");
    if (p.type === "LIMIT_MAKER" && this.crosses(p)) return refuse("would_take");
    if (!p.account.internal) {
      const need = this.lockFor(p);
      const bal = p.side === Side.Buy ? p.account.balances.get(sym.quote) : p.account.balances.get(sym.base);
      if (need > MAX_SAFE) return refuse({ filter: "NOTIONAL" });
      if ((bal?.free ?? 0) < need) return refuse("insufficient_balance");
    }
    return null;
  }

  /** Would a limit price at p take liquidity now. */
  private crosses(p: IntOrder): boolean {
    return this.wouldCross(p.book, p.side, p.priceTicks);
  }

  /** Funds to lock: quote at the limit price (or the dry-run cost) for buys, base for sells. */
  private lockFor(p: IntOrder): number {
    const sym = p.book.sym;
    if (p.side === Side.Buy) {
      if (p.type !== "MARKET") return sym.notionalOf(p.priceTicks, p.lots);
      if (p.quoteUnits > 0) return p.quoteUnits;
      return this.dryRun(p).quoteUnits;
    }
    if (p.quoteUnits > 0) return this.dryRun(p).lots * sym.baseUnitsPerLot;
    return p.lots * sym.baseUnitsPerLot;
  }

  /**
   * What the book would fill for p, walking it exactly like the matcher (same STP handling), so a
   * MARKET order's lock and a FOK's all-or-nothing test agree with the real execution.
   */
  private dryRun(p: IntOrder): DryRun {
    const buy = p.side === Side.Buy;
    const opp = buy ? p.book.asks : p.book.bids;
    const k = p.book.sym.quoteUnitsPerTickLot;
    const limit = p.type === "MARKET" ? (buy ? Number.POSITIVE_INFINITY : 0) : p.priceTicks;
    let lots = 0;
    let quote = 0;
    const lv = opp.levels;
    for (let i = lv.length - 1; i >= 0; i--) {
      const l = lv[i] as Level;
      if (buy ? l.ticks > limit : l.ticks < limit) break;
      const perLot = l.ticks * k;
      for (let o = l.head; o !== null; o = o.next) {
        if (o.account === p.account && p.stp !== "NONE") {
          if (p.stp === "EXPIRE_MAKER") continue;
          return { lots, quoteUnits: quote };
        }
        let take = o.remaining();
        if (p.quoteUnits > 0) {
          const can = Math.floor((p.quoteUnits - quote) / perLot);
          if (can === 0) return { lots, quoteUnits: quote };
          if (can < take) take = can;
        } else if (p.lots - lots < take) take = p.lots - lots;
        lots += take;
        quote += take * perLot;
        if (p.quoteUnits === 0 && lots === p.lots) return { lots, quoteUnits: quote };
      }
    }
    return { lots, quoteUnits: quote };
  }

  /** Agents' entry: the same checks (balance skipped for internal accounts) and the same matcher. */
  private submitInternal(p: IntOrder): Order | null {
    if (this.check(p) !== null) return null;
    return this.execute(p, null);
  }

  /** Accepts a checked order: lock, NEW, match, rest or expire, then report. */
  private execute(p: IntOrder, fills: Fill[] | null): Order {
    const book = p.book;
    const sym = book.sym;
    const acct = p.account;
    this.begin(book);
    const now = this.now;
    const cid = p.clientOrderId !== "" || acct.internal ? p.clientOrderId : this.genClientId();
    const o = new Order(
      book,
      acct,
      this.exchangeOrderIds ? this.nextExchangeOrderId++ : book.nextOrderId++,
      cid,
      p.side,
      p.side === Side.Buy ? "BUY" : "SELL",
      p.type,
      p.tif,
      p.stp,
      p.priceTicks,
      p.lots,
      p.quoteUnits,
      now,
      acct.balance(sym.base),
      acct.balance(sym.quote),
    );
    const lock = this.lockFor(p);
    const lb = p.side === Side.Buy ? o.quoteBal : o.baseBal;
    lb.free -= lock;
    lb.locked += lock;
    o.lockedUnits = lock;
    this.touchBalance(acct, lb);
    if (!acct.internal) this.report(o, "NEW", "", 0, 0, 0, 0, -1, false, o.type !== "MARKET" && o.tif === "GTC");
    // FOK: all or nothing, decided on the same walk the matcher will make.
    if (p.tif === "FOK" && p.type === "LIMIT" && this.dryRun(p).lots < p.lots) {
      this.finish(o, "EXPIRED");
    } else {
      const stopped = this.match(o, book, fills);
      this.settle(o, book, stopped);
    }
    this.end();
    return o;
  }

  /**
   * Matches a taker against the opposite side. Returns true when it stopped for lack of liquidity
   * (book empty or price limit), false when the order itself ran out (qty, quote or STP).
   */
  private match(o: Order, book: SymbolBook, fills: Fill[] | null): boolean {
    const buy = o.side === Side.Buy;
    const opp = buy ? book.asks : book.bids;
    const limit = o.type === "MARKET" ? (buy ? Number.POSITIVE_INFINITY : 0) : o.priceTicks;
    const byQuote = o.origQuoteUnits > 0;
    const k = book.sym.quoteUnitsPerTickLot;
    for (;;) {
      const l = opp.best();
      if (l === undefined || (buy ? l.ticks > limit : l.ticks < limit)) return true;
      const perLot = l.ticks * k;
      let m = l.head;
      while (m !== null) {
        const next = m.next;
        let want = byQuote ? Math.floor((o.origQuoteUnits - o.cumQuoteUnits) / perLot) : o.remaining();
        if (want === 0) return false;
        if (m.account === o.account && o.stp !== "NONE") {
          if (this.preventSelfTrade(o, m, book)) return false;
          m = next;
          continue;
        }
        const mr = m.remaining();
        if (mr < want) want = mr;
        this.fill(book, o, m, l, want, fills);
        m = next;
      }
      if (l.count === 0 && opp.best() === l) opp.remove(l);
    }
  }

  /** Applies the taker's STP mode against its own resting order; true when the taker is done. */
  private preventSelfTrade(o: Order, m: Order, book: SymbolBook): boolean {
    this.flushTaker(false);
    const id = book.nextPreventedMatchId++;
    const expireMaker = o.stp === "EXPIRE_MAKER" || o.stp === "EXPIRE_BOTH";
    const expireTaker = o.stp === "EXPIRE_TAKER" || o.stp === "EXPIRE_BOTH";
    if (expireMaker) {
      const lots = m.remaining();
      this.removeResting(m);
      this.finishPrevented(m, id, lots, o.orderId, true);
    }
    if (expireTaker) {
      this.finishPrevented(o, id, o.type === "MARKET" && o.origQuoteUnits > 0 ? 0 : o.remaining(), m.orderId, false);
      return true;
    }
    return false;
  }

  /** One fill between taker o and maker m at the maker's level: balances, fees, trade, reports. */
  private fill(book: SymbolBook, o: Order, m: Order, l: Level, lots: number, fills: Fill[] | null): void {
    this.flushTaker(false);
    const sym = book.sym;
    const price = l.ticks;
    const quote = lots * price * sym.quoteUnitsPerTickLot;
    const base = lots * sym.baseUnitsPerLot;
    const takerBuys = o.side === Side.Buy;
    const buyer = takerBuys ? o : m;
    const seller = takerBuys ? m : o;
    const buyerFee = feeOf(base, takerBuys ? buyer.account.takerRateE8 : buyer.account.makerRateE8);
    const sellerFee = feeOf(quote, takerBuys ? seller.account.makerRateE8 : seller.account.takerRateE8);
    // Buyer pays quote from its lock and receives base less fee; seller the mirror image.
    buyer.quoteBal.locked -= quote;
    buyer.lockedUnits -= quote;
    buyer.baseBal.free += base - buyerFee;
    seller.baseBal.locked -= base;
    seller.lockedUnits -= base;
    seller.quoteBal.free += quote - sellerFee;
    if (buyerFee > 0) this.feeTotals.set(sym.base, (this.feeTotals.get(sym.base) ?? 0) + buyerFee);
    if (sellerFee > 0) this.feeTotals.set(sym.quote, (this.feeTotals.get(sym.quote) ?? 0) + sellerFee);
    this.touchBalance(buyer.account, buyer.quoteBal);
    this.touchBalance(buyer.account, buyer.baseBal);
    this.touchBalance(seller.account, seller.baseBal);
    this.touchBalance(seller.account, seller.quoteBal);
    const now = this.now;
    o.executedLots += lots;
    o.cumQuoteUnits += quote;
    o.updateTimeMs = now;
    m.executedLots += lots;
    m.cumQuoteUnits += quote;
    m.updateTimeMs = now;
    buyer.feeUnits += buyerFee;
    seller.feeUnits += sellerFee;
    l.lots -= lots;
    this.touchLevel(m.side, price);
    const tradeId = book.nextTradeId++;
    noteFill(o, tradeId, price, lots, now);
    noteFill(m, tradeId, price, lots, now);
    book.record(tradeId, price, lots, quote, now, !takerBuys);
    this.emitTrade(book, tradeId, price, lots, !takerBuys, buyer.orderId, seller.orderId);
    this.keepTrade(buyer, book, tradeId, price, lots, quote, buyerFee, !takerBuys);
    this.keepTrade(seller, book, tradeId, price, lots, quote, sellerFee, takerBuys);
    const takerFee = takerBuys ? buyerFee : sellerFee;
    const makerFee = takerBuys ? sellerFee : buyerFee;
    const takerAsset = takerBuys ? sym.base : sym.quote;
    const makerAsset = takerBuys ? sym.quote : sym.base;
    if (m.remaining() === 0) {
      l.unlink(m);
      book.live.delete(m.orderId);
      m.isWorking = false;
      m.status = "FILLED";
      this.closeOrder(m);
    } else {
      m.status = "PARTIALLY_FILLED";
    }
    o.status = o.origQuoteUnits === 0 && o.remaining() === 0 ? "FILLED" : "PARTIALLY_FILLED";
    if (fills !== null) {
      fills.push({
        priceTicks: price,
        lots,
        quoteUnits: quote,
        commissionUnits: takerFee,
        commissionAsset: takerAsset,
        tradeId,
        isMaker: false,
      });
    }
    if (!o.account.internal) {
      // Deferred until the next fill or the end of matching, so the last one carries the final status.
      this.pendOrder = o;
      this.pendLots = lots;
      this.pendPrice = price;
      this.pendQuote = quote;
      this.pendFee = takerFee;
      this.pendTradeId = tradeId;
      this.pendAsset = takerAsset;
    }
    if (!m.account.internal) {
      this.report(m, "TRADE", "", lots, price, quote, makerFee, tradeId, true, m.isWorking, makerAsset);
    }
  }

  /** Adds one side of a fill to a client account's trade history (agents keep none). */
  private keepTrade(
    o: Order,
    book: SymbolBook,
    tradeId: number,
    priceTicks: number,
    lots: number,
    quoteUnits: number,
    commissionUnits: number,
    isMaker: boolean,
  ): void {
    if (o.account.internal) return;
    const sym = book.sym;
    o.account.keepTrade(
      {
        seq: this.nextTradeSeq++,
        symbol: sym,
        tradeId,
        orderId: o.orderId,
        clientOrderId: o.clientOrderId,
        side: o.sideName,
        priceTicks,
        lots,
        quoteUnits,
        commissionUnits,
        commissionAsset: o.side === Side.Buy ? sym.base : sym.quote,
        isMaker,
        timeMs: this.now,
      },
      this.accountTradesKept,
    );
  }

  /** After matching: rest a GTC remainder, or end the order; release any lock it no longer needs. */
  private settle(o: Order, book: SymbolBook, stoppedByLiquidity: boolean): void {
    if (o.origQuoteUnits > 0) {
      // A quote order whose rest cannot buy one more lot is complete; report its size as executed.
      if (o.status === "PARTIALLY_FILLED" && !stoppedByLiquidity) o.status = "FILLED";
      o.origLots = o.executedLots;
    }
    let done = o.status === "EXPIRED_IN_MATCH" || o.status === "FILLED";
    this.flushTaker(!done && o.type !== "MARKET" && o.tif === "GTC");
    done = o.status === "EXPIRED_IN_MATCH" || o.status === "FILLED";
    if (!done) {
      if (o.type === "MARKET") {
        this.finish(o, "EXPIRED");
      } else if (o.tif !== "GTC") {
        this.finish(o, "EXPIRED");
      } else {
        const side = o.side === Side.Buy ? book.bids : book.asks;
        side.levelAt(o.priceTicks).push(o);
        o.isWorking = true;
        book.live.set(o.orderId, o);
        if (!o.account.internal) (o.account.openByClient[book.sym.index] as Map<string, Order>).set(o.clientOrderId, o);
        this.touchLevel(o.side, o.priceTicks);
        // A resting buy keeps exactly the notional of its remainder at its limit price.
        if (o.side === Side.Buy) this.release(o, o.lockedUnits - book.sym.notionalOf(o.priceTicks, o.remaining()));
        return;
      }
    } else {
      this.closeOrder(o);
    }
    this.release(o, o.lockedUnits);
  }

  /** Emits the taker's deferred TRADE report, if any. */
  private flushTaker(isWorking: boolean): void {
    const o = this.pendOrder;
    if (o === null) return;
    this.pendOrder = null;
    this.report(
      o,
      "TRADE",
      "",
      this.pendLots,
      this.pendPrice,
      this.pendQuote,
      this.pendFee,
      this.pendTradeId,
      false,
      isWorking,
      this.pendAsset,
    );
  }

  /** Ends a non-resting order with a final status and reports it. */
  private finish(o: Order, status: "EXPIRED" | "FILLED"): void {
    o.status = status;
    o.updateTimeMs = this.now;
    o.isWorking = false;
    if (status === "EXPIRED" && !o.account.internal) this.report(o, "EXPIRED", "", 0, 0, 0, 0, -1, false, false);
    this.closeOrder(o);
    this.release(o, o.lockedUnits);
  }

  /** Ends an order by self-trade prevention (EXPIRED_IN_MATCH / TRADE_PREVENTION). */
  private finishPrevented(o: Order, matchId: number, lots: number, counterId: number, maker: boolean): void {
    o.status = "EXPIRED_IN_MATCH";
    o.updateTimeMs = this.now;
    o.isWorking = false;
    if (!o.account.internal) {
      this.report(o, "TRADE_PREVENTION", "", 0, 0, 0, 0, -1, false, false, null, matchId, lots, counterId);
    }
    this.release(o, o.lockedUnits);
    if (maker) this.closeOrder(o);
  }

  /** Takes a resting order off the book (level, live map, open map), reporting the level change. */
  private removeResting(o: Order): void {
    const l = o.level;
    if (l === null) return;
    const book = o.book;
    l.lots -= o.remaining();
    l.unlink(o);
    this.touchLevel(o.side, l.ticks);
    if (l.count === 0) (o.side === Side.Buy ? book.bids : book.asks).remove(l);
    book.live.delete(o.orderId);
    if (!o.account.internal) (o.account.openByClient[o.sym.index] as Map<string, Order>).delete(o.clientOrderId);
    o.isWorking = false;
  }

  /** Cancels a resting order (client cancel or agent requote). */
  private cancelResting(o: Order, status: "CANCELED", cancelClientId: string): void {
    this.removeResting(o);
    o.status = status;
    o.updateTimeMs = this.now;
    if (!o.account.internal) this.report(o, "CANCELED", cancelClientId, 0, 0, 0, 0, -1, false, false);
    this.release(o, o.lockedUnits);
    this.closeOrder(o);
  }

  /** Agents' cancel: same path as a client cancel, one action. */
  private cancelInternal(o: Order): void {
    if (o.level === null) return;
    this.begin(o.book);
    this.cancelResting(o, "CANCELED", "");
    this.end();
  }

  /** Returns locked funds of an order to free. */
  private release(o: Order, units: number): void {
    if (units === 0) return;
    const b = o.side === Side.Buy ? o.quoteBal : o.baseBal;
    b.locked -= units;
    b.free += units;
    o.lockedUnits -= units;
    this.touchBalance(o.account, b);
  }

  /** Keeps a finished client order queryable (bounded, oldest evicted first). */
  private closeOrder(o: Order): void {
    const a = o.account;
    if (a.internal) return;
    const i = o.sym.index;
    const open = a.openByClient[i] as Map<string, Order>;
    if (open.get(o.clientOrderId) === o) open.delete(o.clientOrderId);
    if (this.closedKept === 0) return;
    (a.closedById[i] as Map<number, Order>).set(o.orderId, o);
    (a.closedByClient[i] as Map<string, Order>).set(o.clientOrderId, o);
    a.closedQueue.push(o);
    if (a.closedQueue.length - a.closedHead > this.closedKept) {
      const old = a.closedQueue[a.closedHead++] as Order;
      a.closedById[old.sym.index]?.delete(old.orderId);
      const byClient = a.closedByClient[old.sym.index] as Map<string, Order>;
      if (byClient.get(old.clientOrderId) === old) byClient.delete(old.clientOrderId);
      if (a.closedHead > 4096 && a.closedHead * 2 > a.closedQueue.length) {
        a.closedQueue.splice(0, a.closedHead);
        a.closedHead = 0;
      }
    }
  }

  /** A copy of an order's state for callers. */
  private view(o: Order): OrderView {
    return {
      symbol: o.sym,
      accountId: o.account.id,
      orderId: o.orderId,
      clientOrderId: o.clientOrderId,
      side: o.sideName,
      type: o.type,
      timeInForce: o.tif,
      stpMode: o.stp,
      priceTicks: o.priceTicks,
      origLots: o.origLots,
      origQuoteUnits: o.origQuoteUnits,
      executedLots: o.executedLots,
      cumQuoteUnits: o.cumQuoteUnits,
      status: o.status,
      timeMs: o.timeMs,
      updateTimeMs: o.updateTimeMs,
      workingTimeMs: o.workingTimeMs,
      isWorking: o.isWorking,
      commissionUnits: o.feeUnits,
      lastTradeId: o.lastTradeId,
      lastFillPriceTicks: o.lastFillTicks,
      lastFillLots: o.lastFillLots,
      lastFillTimeMs: o.lastFillTimeMs,
      amendCount: o.amendCount,
    };
  }

  // ---------------------------------------------------------------- actions and events

  /** Opens an action: one book-changing unit that gets one updateId. Re-entrant calls throw. */
  private begin(book: SymbolBook | null): void {
    if (this.inAction) throw new Error("SimCore: re-entrant call from inside an event callback");
    this.inAction = true;
    this.stamp++;
    this.now = this.clock.nowMs();
    this.scratch.book = book;
    this.scratch.n = 0;
    this.scratch.accounts.length = 0;
  }

  /** Closes an action: book levels (one updateId), best bid/ask, then account updates. */
  private end(): void {
    const s = this.scratch;
    try {
      this.flushTaker(false);
      const book = s.book;
      if (book !== null && s.n > 0) this.emitBook(book);
      for (const a of s.accounts) this.emitAccount(a);
    } finally {
      s.accounts.length = 0;
      s.n = 0;
      this.inAction = false;
    }
  }

  private touchLevel(side: Side, ticks: number): void {
    const s = this.scratch;
    if (s.n > 0 && s.ticks[s.n - 1] === ticks && s.sides[s.n - 1] === side) return;
    s.sides[s.n] = side;
    s.ticks[s.n] = ticks;
    s.n++;
  }

  private touchBalance(a: Account, b: Balance): void {
    if (a.internal) return;
    if (a.dirtyStamp !== this.stamp) {
      a.dirtyStamp = this.stamp;
      a.dirty.length = 0;
      this.scratch.accounts.push(a);
    }
    if (b.stamp !== this.stamp) {
      b.stamp = this.stamp;
      a.dirty.push(b);
    }
  }

  private emitBook(book: SymbolBook): void {
    const s = this.scratch;
    const u = ++book.updateId;
    const sym = book.sym;
    const fl = this.fnLevel;
    // Report each touched level once, with its final size (dedupe: touched lists are short).
    for (let i = 0; i < s.n; i++) {
      const side = s.sides[i] as Side;
      const ticks = s.ticks[i] as number;
      if (this.seenBefore(i)) continue;
      const lots = (side === Side.Buy ? book.bids : book.asks).byTicks.get(ticks)?.lots ?? 0;
      this.mix(u);
      this.mix(side + 2 * sym.index);
      this.mix(ticks);
      this.mix(lots);
      for (let k = 0; k < fl.length; k++)
        (fl[k] as NonNullable<CoreListener["onBookLevel"]>)(sym, u, side, ticks, lots);
    }
    this.mix(this.now);
    for (const f of this.fnLevelEnd) f(sym, u, this.now);
    const b = book.bids.best();
    const a = book.asks.best();
    const bt = b?.ticks ?? 0;
    const bl = b?.lots ?? 0;
    const at = a?.ticks ?? 0;
    const al = a?.lots ?? 0;
    if (bt !== book.topBidTicks || bl !== book.topBidLots || at !== book.topAskTicks || al !== book.topAskLots) {
      book.topBidTicks = bt;
      book.topBidLots = bl;
      book.topAskTicks = at;
      book.topAskLots = al;
      this.mix(bt);
      this.mix(bl);
      this.mix(at);
      this.mix(al);
      for (const f of this.fnTop) f(sym, u, bt, bl, at, al);
    }
  }

  /** Whether touched entry i repeats an earlier one (a Set for long lists, a scan for short ones). */
  private seenBefore(i: number): boolean {
    const s = this.scratch;
    const side = s.sides[i] as number;
    const ticks = s.ticks[i] as number;
    if (s.n > 32) {
      if (i === 0) {
        this.seenCount.clear();
        for (let j = 0; j < s.n; j++) this.seenCount.set((s.ticks[j] as number) * 2 + (s.sides[j] as number), j);
      }
      // Emit each level at its last occurrence only.
      return this.seenCount.get(ticks * 2 + side) !== i;
    }
    for (let j = i + 1; j < s.n; j++) if (s.ticks[j] === ticks && s.sides[j] === side) return true;
    return false;
  }

  private emitTrade(
    book: SymbolBook,
    id: number,
    price: number,
    lots: number,
    bm: boolean,
    bo: number,
    so: number,
  ): void {
    this.mix(id);
    this.mix(price);
    this.mix(lots);
    this.mix(bm ? 1 : 0);
    this.mix(this.now);
    for (const f of this.fnTrade) f(book.sym, id, price, lots, bm, this.now, bo, so);
  }

  private emitAccount(a: Account): void {
    const out: BalanceView[] = [];
    this.mix(a.idHash);
    for (const b of a.dirty) {
      this.mix(b.free);
      this.mix(b.locked);
      out.push({ asset: b.asset, freeUnits: b.free, lockedUnits: b.locked });
    }
    a.dirty.length = 0;
    for (const f of this.fnAccount) f(a.id, this.now, out);
  }

  /** Builds and emits one execution report for a client account. */
  private report(
    o: Order,
    execType: ExecType,
    cancelClientId: string,
    lastLots: number,
    lastPrice: number,
    lastQuote: number,
    fee: number,
    tradeId: number,
    isMaker: boolean,
    isWorking: boolean,
    feeAsset: string | null = null,
    preventedMatchId = -1,
    preventedLots = 0,
    counterOrderId = -1,
  ): void {
    const execId = this.nextExecutionId++;
    this.mix(o.account.idHash);
    this.mix(o.orderId);
    this.mix(EXEC_CODE[execType] * 16 + STATUS_CODE[o.status]);
    this.mix(lastLots);
    this.mix(lastPrice);
    this.mix(fee);
    this.mix(tradeId);
    this.mix(o.executedLots);
    this.mix(o.cumQuoteUnits);
    this.mix(execId);
    if (this.fnExec.length === 0) return;
    const r: ExecutionReport = {
      accountId: o.account.id,
      symbol: o.sym,
      eventTimeMs: this.now,
      orderId: o.orderId,
      clientOrderId: execType === "CANCELED" ? cancelClientId : o.clientOrderId,
      origClientOrderId: execType === "CANCELED" ? o.clientOrderId : "",
      side: o.sideName,
      type: o.type,
      timeInForce: o.tif,
      stpMode: o.stp,
      origLots: o.origLots,
      priceTicks: o.priceTicks,
      origQuoteUnits: o.origQuoteUnits,
      execType,
      status: o.status,
      rejectReason: "NONE",
      lastLots,
      lastPriceTicks: lastPrice,
      lastQuoteUnits: lastQuote,
      cumLots: o.executedLots,
      cumQuoteUnits: o.cumQuoteUnits,
      commissionUnits: fee,
      commissionAsset: feeAsset,
      tradeId,
      executionId: execId,
      isWorking,
      isMaker,
      transactTimeMs: this.now,
      creationTimeMs: o.timeMs,
      workingTimeMs: o.workingTimeMs,
      preventedMatchId,
      preventedLots,
      counterOrderId,
    };
    for (const f of this.fnExec) f(r);
  }

  /** Folds one integer (up to 2^53, may be negative) into the two 32-bit lanes of the event hash. */
  private mix(x: number): void {
    const lo = x | 0;
    const hi = Math.floor(x / 4294967296) | 0;
    this.h1 = Math.imul(this.h1 ^ lo, 0x01000193) ^ hi;
    this.h2 = Math.imul(this.h2 ^ (lo + Math.imul(hi, 0x27d4eb2d)), 0x85ebca6b);
    this.h2 ^= this.h2 >>> 13;
    this.events++;
  }
}

/** Remembers an order's latest fill (OKX's order details carry it). */
function noteFill(o: Order, tradeId: number, ticks: number, lots: number, timeMs: number): void {
  o.lastTradeId = tradeId;
  o.lastFillTicks = ticks;
  o.lastFillLots = lots;
  o.lastFillTimeMs = timeMs;
}

/** Whether a kept trade passes every bound of a filter. */
function tradeMatches(t: AccountTrade, f: AccountTradeFilter): boolean {
  if (f.symbol !== undefined && t.symbol.name !== f.symbol) return false;
  if (f.orderId !== undefined && t.orderId !== f.orderId) return false;
  if (f.fromTradeId !== undefined && t.tradeId < f.fromTradeId) return false;
  if (f.seqAbove !== undefined && t.seq <= f.seqAbove) return false;
  if (f.seqBelow !== undefined && t.seq >= f.seqBelow) return false;
  if (f.startMs !== undefined && t.timeMs < f.startMs) return false;
  return f.endMs === undefined || t.timeMs <= f.endMs;
}

function tooPrecise(p: "price" | "quantity" | "quoteOrderQty"): Reject {
  return { ok: false, reason: { tooMuchPrecision: p } };
}

function levelsOf(side: BookSide, n: number): [number, number][] {
  const out: [number, number][] = [];
  const lv = side.levels;
  for (let i = lv.length - 1; i >= 0 && out.length < n; i--) {
    const l = lv[i] as Level;
    out.push([l.ticks, l.lots]);
  }
  return out;
}
