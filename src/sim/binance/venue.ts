/**
 * The Binance protocol layer's shared state and operations: accounts and keys, authentication,
 * parameter validation, rate limits, faults and every endpoint's logic. REST and the WebSocket API
 * both call these operations, so the two surfaces cannot disagree about an order or an error.
 */
import type { KeyObject } from "node:crypto";
import type { Clock } from "../../services/index.ts";
import type {
  FeeSpec,
  OrderSide,
  OrderType,
  PlaceOrderRequest,
  SimCore,
  SimSymbol,
  StpMode,
  TimeInForce,
} from "../core/index.ts";
import { BinanceError, coreRejectToError, Err } from "./errors.ts";
import { FaultState, newCounters, type SimCounters } from "./faults.ts";
import { fixed8, orderAck, orderCancel, orderFull, orderQuery, orderResult } from "./format.ts";
import { myTradeRow, myTradesFilter } from "./my-trades.ts";
import { DEFAULT_RATE_LIMITS, type RateLimitConfig, RateLimiter } from "./ratelimit.ts";
import { ed25519Matches, hmacMatches } from "./signing.ts";

/** Reads one request parameter as the client sent it (REST string or WS API JSON value as text). */
export interface ParamSource {
  get(name: string): string | undefined;
}

/** A trading account reachable with an API key. */
export interface SimAccount {
  readonly apiKey: string;
  /** HMAC secret ("" for an Ed25519 key). */
  readonly apiSecret: string;
  readonly accountId: string;
  /** Set for an Ed25519 key: its public key; signatures are then base64 Ed25519, not hex HMAC. */
  readonly ed25519PublicKey?: KeyObject;
}

/** An extra trading account of the simulator (beyond the documented test account). */
export interface SimAccountSpec {
  readonly apiKey: string;
  /** HMAC secret; "" for an Ed25519 key (a key is HMAC or Ed25519, never both: startSim refuses both). */
  readonly apiSecret: string;
  /** Makes this an Ed25519 key (PEM, SPKI): REST and WS API signatures are verified with it, HMAC ones refused. */
  readonly ed25519PublicKeyPem?: string;
  /**
   * Core account id (default: "acct-" + first 8 chars of the key). Keys with the same id reach one
   * account (an HMAC key and an Ed25519 key of it); only the first of them may give balances and fees.
   */
  readonly accountId?: string;
  /** Starting balances as decimal strings (default: DEFAULT_BALANCES). */
  readonly balances?: Readonly<Record<string, string>>;
  readonly fees?: FeeSpec;
}

/** Binance's parameter patterns, quoted in -1100 messages. */
const RE_SYMBOL = /^[A-Z0-9\-_.]{1,20}$/;
const RE_DECIMAL = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;
const RE_INT = /^[0-9]{1,20}$/;
const RE_CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const RE_API_KEY = /^[A-Za-z0-9]{64}$/;
const LEGAL_SYMBOL = "^[A-Z0-9-_.]{1,20}$";
const LEGAL_DECIMAL = "^([0-9]{1,20})(\\.[0-9]{1,20})?$";
const LEGAL_INT = "^[0-9]{1,20}$";
const LEGAL_CLIENT_ID = "^[\\.A-Z\\:/a-z0-9_-]{1,36}$";

const SIDES: readonly string[] = ["BUY", "SELL"];
const TYPES: readonly string[] = ["LIMIT", "MARKET", "LIMIT_MAKER"];
const KNOWN_UNSUPPORTED_TYPES: readonly string[] = ["STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"];
const TIFS: readonly string[] = ["GTC", "IOC", "FOK"];
const STP_MODES: readonly string[] = ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"];
const RESP_TYPES: readonly string[] = ["ACK", "RESULT", "FULL"];

/** Options of the protocol layer. */
export interface VenueOptions {
  readonly clock: Clock;
  readonly core: SimCore;
  readonly accounts: readonly SimAccount[];
  readonly rateLimits?: Partial<RateLimitConfig>;
}

/** Shared state of one simulated Binance venue. */
export class BinanceVenue {
  readonly clock: Clock;
  readonly core: SimCore;
  readonly limiter: RateLimiter;
  readonly faults = new FaultState();
  readonly counters: SimCounters = newCounters();
  private readonly byKey = new Map<string, SimAccount>();

  constructor(opts: VenueOptions) {
    this.clock = opts.clock;
    this.core = opts.core;
    this.limiter = new RateLimiter(() => this.serverTime(), { ...DEFAULT_RATE_LIMITS, ...opts.rateLimits });
    for (const a of opts.accounts) this.byKey.set(a.apiKey, a);
  }

  /** The venue's clock as it reports and checks it (skewed by the clock-skew fault). */
  serverTime(): number {
    return this.clock.nowMs() + this.faults.clockSkewMs;
  }

  /** The account of an API key, or -2014 (missing/malformed) / -2015 (unknown). */
  account(apiKey: string | undefined): SimAccount {
    if (apiKey === undefined || !RE_API_KEY.test(apiKey)) {
      this.counters.authFailures++;
      throw Err.badKeyFormat();
    }
    const a = this.byKey.get(apiKey);
    if (a === undefined) {
      this.counters.authFailures++;
      throw Err.rejectedKey();
    }
    return a;
  }

  /** Checks timestamp and recvWindow like Binance: ahead by ≥1 s or older than recvWindow → -1021. */
  checkTimestamp(p: ParamSource): void {
    const ts = p.get("timestamp");
    if (ts === undefined || ts === "") throw Err.mandatory("timestamp");
    if (!RE_INT.test(ts)) throw Err.illegalChars("timestamp", LEGAL_INT);
    const rw = p.get("recvWindow");
    let recvWindow = 5000;
    if (rw !== undefined) {
      if (!/^[0-9]{1,10}(\.[0-9]{1,3})?$/.test(rw))
        throw Err.illegalChars("recvWindow", "^[0-9]{1,10}(\\.[0-9]{1,3})?$");
      recvWindow = Number(rw);
      if (recvWindow > 60000) throw Err.badRecvWindow();
    }
    const now = this.serverTime();
    const t = Number(ts);
    if (t >= now + 1000) throw Err.timestampAhead();
    if (now - t > recvWindow) throw Err.timestampOutside();
  }

  /** Verifies an HMAC signature of payload for account, counting failures. */
  checkSignature(acct: SimAccount, payload: string, signature: string | undefined): void {
    if (signature === undefined || signature === "") throw Err.mandatory("signature");
    const ok =
      acct.ed25519PublicKey !== undefined
        ? ed25519Matches(acct.ed25519PublicKey, payload, signature)
        : hmacMatches(acct.apiSecret, payload, signature);
    if (!ok) {
      this.counters.authFailures++;
      throw Err.badSignature();
    }
  }

  /** A required, well-formed symbol that the venue lists. */
  symbolParam(p: ParamSource): SimSymbol {
    const s = p.get("symbol");
    if (s === undefined || s === "") throw Err.mandatory("symbol");
    if (!RE_SYMBOL.test(s)) throw Err.illegalChars("symbol", LEGAL_SYMBOL);
    const sym = this.core.symbol(s);
    if (sym === undefined) throw Err.badSymbol();
    return sym;
  }

  /** GET /api/v3/exchangeInfo and WS `exchangeInfo`. */
  exchangeInfo(p: ParamSource): Record<string, unknown> {
    let syms: readonly SimSymbol[] = this.core.symbols();
    const one = p.get("symbol");
    const many = p.get("symbols");
    if (one !== undefined) syms = [this.symbolParam(p)];
    else if (many !== undefined) syms = this.symbolList(many);
    return {
      timezone: "UTC",
      serverTime: this.serverTime(),
      rateLimits: this.limiter.describe(),
      exchangeFilters: [],
      symbols: syms.map((s) => symbolInfo(s)),
      sors: [],
    };
  }

  /** Parses Binance's `symbols=["A","B"]` list parameter. */
  symbolList(raw: string): SimSymbol[] {
    let list: unknown;
    try {
      list = JSON.parse(raw);
    } catch {
      throw Err.illegalChars("symbols", '["SYMBOL",...]');
    }
    if (!Array.isArray(list) || list.length === 0) throw Err.mandatory("symbols");
    return list.map((n) => {
      if (typeof n !== "string" || !RE_SYMBOL.test(n)) throw Err.illegalChars("symbols", LEGAL_SYMBOL);
      const sym = this.core.symbol(n);
      if (sym === undefined) throw Err.badSymbol();
      return sym;
    });
  }

  /** Weight of a depth request, by its limit (Binance's table). */
  depthWeight(p: ParamSource): number {
    const l = this.depthLimit(p);
    return l <= 100 ? 5 : l <= 500 ? 25 : l <= 1000 ? 50 : 250;
  }

  private depthLimit(p: ParamSource): number {
    const raw = p.get("limit");
    if (raw === undefined || raw === "") return 100;
    if (!RE_INT.test(raw)) throw Err.illegalChars("limit", LEGAL_INT);
    const n = Number(raw);
    if (n < 1) throw Err.invalidParam("Invalid limit.");
    return Math.min(n, 5000);
  }

  /** GET /api/v3/depth as a JSON string (the stale-snapshot fault may answer an old one). */
  depthBody(p: ParamSource): string {
    const sym = this.symbolParam(p);
    const limit = this.depthLimit(p);
    const stale = this.faults.staleSnapshots.get(sym.name);
    if (stale !== undefined) {
      stale.remaining--;
      if (stale.remaining <= 0) this.faults.staleSnapshots.delete(sym.name);
      this.counters.staleSnapshotsServed++;
      return stale.body;
    }
    return this.liveDepthBody(sym, limit);
  }

  /** The current snapshot of sym as Binance prints it. */
  liveDepthBody(sym: SimSymbol, limit: number): string {
    const snap = this.core.depthSnapshot(sym.name, limit);
    if (snap === undefined) throw Err.badSymbol();
    const side = (levels: ReadonlyArray<readonly [number, number]>): string[][] =>
      levels.map(([t, l]) => [sym.formatPrice(t), sym.formatQty(l)]);
    return JSON.stringify({ lastUpdateId: snap.lastUpdateId, bids: side(snap.bids), asks: side(snap.asks) });
  }

  /** GET /api/v3/ticker/bookTicker: one object for `symbol`, an array otherwise. */
  bookTicker(p: ParamSource): unknown {
    const one = p.get("symbol");
    const many = p.get("symbols");
    if (one !== undefined) return this.tickerOf(this.symbolParam(p));
    const syms = many !== undefined ? this.symbolList(many) : this.core.symbols();
    return syms.map((s) => this.tickerOf(s));
  }

  private tickerOf(sym: SimSymbol): Record<string, string> {
    const t = this.core.bookTop(sym.name);
    return {
      symbol: sym.name,
      bidPrice: sym.formatPrice(t?.bidTicks ?? 0),
      bidQty: sym.formatQty(t?.bidLots ?? 0),
      askPrice: sym.formatPrice(t?.askTicks ?? 0),
      askQty: sym.formatQty(t?.askLots ?? 0),
    };
  }

  /** GET /api/v3/trades: recent trades, oldest first. */
  trades(p: ParamSource): unknown[] {
    const sym = this.symbolParam(p);
    const raw = p.get("limit");
    let limit = 500;
    if (raw !== undefined && raw !== "") {
      if (!RE_INT.test(raw)) throw Err.illegalChars("limit", LEGAL_INT);
      limit = Math.max(1, Math.min(1000, Number(raw)));
    }
    return this.core.recentTrades(sym.name, limit).map((t) => ({
      id: t.tradeId,
      price: sym.formatPrice(t.priceTicks),
      qty: sym.formatQty(t.lots),
      quoteQty: sym.formatQuote(t.quoteUnits),
      time: t.timeMs,
      isBuyerMaker: t.buyerIsMaker,
      isBestMatch: true,
    }));
  }

  /** Validates a new-order request's parameters into a core request (-1102/-1100/-1106/-111x on bad input). */
  parseOrder(acct: SimAccount, p: ParamSource): { req: PlaceOrderRequest; respType: string } {
    const sym = this.symbolParam(p);
    const side = required(p, "side");
    if (!SIDES.includes(side)) throw Err.invalidSide();
    const type = required(p, "type");
    if (!TYPES.includes(type)) throw KNOWN_UNSUPPORTED_TYPES.includes(type) ? Err.unsupported() : Err.invalidType();
    const tif = p.get("timeInForce");
    const price = decimal(p, "price");
    const quantity = decimal(p, "quantity");
    const quoteOrderQty = decimal(p, "quoteOrderQty");
    if (type === "LIMIT") {
      if (tif === undefined || tif === "") throw Err.mandatory("timeInForce");
      if (quantity === undefined) throw Err.mandatory("quantity");
      if (price === undefined) throw Err.mandatory("price");
      if (quoteOrderQty !== undefined) throw Err.notRequired("quoteOrderQty");
    } else if (type === "LIMIT_MAKER") {
      if (quantity === undefined) throw Err.mandatory("quantity");
      if (price === undefined) throw Err.mandatory("price");
      if (tif !== undefined) throw Err.notRequired("timeInForce");
      if (quoteOrderQty !== undefined) throw Err.notRequired("quoteOrderQty");
    } else {
      if (quantity === undefined && quoteOrderQty === undefined) throw Err.mandatoryEither("quantity", "quoteOrderQty");
      if (quantity !== undefined && quoteOrderQty !== undefined) throw Err.notRequired("quoteOrderQty");
      if (price !== undefined) throw Err.notRequired("price");
      if (tif !== undefined) throw Err.notRequired("timeInForce");
    }
    if (tif !== undefined && !TIFS.includes(tif)) throw Err.invalidTif();
    const clientId = p.get("newClientOrderId");
    if (clientId !== undefined && !RE_CLIENT_ID.test(clientId))
      throw Err.illegalChars("newClientOrderId", LEGAL_CLIENT_ID);
    const stp = p.get("selfTradePreventionMode");
    if (stp !== undefined && !STP_MODES.includes(stp)) throw Err.invalidParam("Invalid selfTradePreventionMode.");
    const respType = p.get("newOrderRespType") ?? (type === "LIMIT_MAKER" ? "ACK" : "FULL");
    if (!RESP_TYPES.includes(respType)) throw Err.invalidParam("Invalid newOrderRespType.");
    for (const unsupported of ["stopPrice", "trailingDelta", "icebergQty", "strategyId", "strategyType"]) {
      if (p.get(unsupported) !== undefined) throw Err.notRequired(unsupported);
    }
    const req: PlaceOrderRequest = {
      accountId: acct.accountId,
      symbol: sym.name,
      side: side as OrderSide,
      type: type as OrderType,
      ...(tif !== undefined ? { timeInForce: tif as TimeInForce } : {}),
      ...(price !== undefined ? { price } : {}),
      ...(quantity !== undefined ? { quantity } : {}),
      ...(quoteOrderQty !== undefined ? { quoteOrderQty } : {}),
      ...(clientId !== undefined ? { clientOrderId: clientId } : {}),
      ...(stp !== undefined ? { stpMode: stp as StpMode } : {}),
    };
    return { req, respType };
  }

  /** POST /api/v3/order/test: validation only, `{}`. */
  testOrder(acct: SimAccount, p: ParamSource): Record<string, unknown> {
    const { req } = this.parseOrder(acct, p);
    const r = this.core.validateOrder(req);
    if (!r.ok) throw coreRejectToError(r.reason, "place");
    return {};
  }

  /**
   * POST /api/v3/order. Returns the response and whether the fail-after-place fault wants it
   * replaced by a 5xx (the order stands either way).
   */
  placeOrder(acct: SimAccount, p: ParamSource): { body: Record<string, unknown>; failStatus: number } {
    const { req, respType } = this.parseOrder(acct, p);
    const injected = this.faults.rejectQueue.shift();
    if (injected !== undefined) {
      this.counters.injectedRejects++;
      throw Err.injected(injected.code, injected.msg);
    }
    this.limiter.chargeOrder(acct.accountId);
    const r = this.core.placeOrder(req);
    if (!r.ok) throw coreRejectToError(r.reason, "place");
    const failStatus = this.faults.failAfterPlace.shift() ?? 0;
    if (failStatus !== 0) this.counters.failedAfterPlace++;
    const body =
      respType === "ACK"
        ? orderAck(r.order, r.transactTimeMs)
        : respType === "RESULT"
          ? orderResult(r.order, r.transactTimeMs)
          : orderFull(this.core, r.order, r.fills, r.transactTimeMs);
    return { body, failStatus };
  }

  /** DELETE /api/v3/order. */
  cancelOrder(acct: SimAccount, p: ParamSource): Record<string, unknown> {
    const sym = this.symbolParam(p);
    const ref = orderRef(p);
    const cancelId = p.get("newClientOrderId");
    if (cancelId !== undefined && !RE_CLIENT_ID.test(cancelId))
      throw Err.illegalChars("newClientOrderId", LEGAL_CLIENT_ID);
    const restriction = p.get("cancelRestrictions");
    if (restriction !== undefined) {
      if (restriction !== "ONLY_NEW" && restriction !== "ONLY_PARTIALLY_FILLED")
        throw Err.invalidParam("Invalid cancelRestrictions.");
      const o = this.core.getOrder(acct.accountId, sym.name, ref);
      if (o === undefined) throw Err.cancelUnknown();
      const want = restriction === "ONLY_NEW" ? "NEW" : "PARTIALLY_FILLED";
      if (o.status !== want) throw new BinanceError(400, -2011, "Order was not canceled due to cancel restrictions.");
    }
    const r = this.core.cancelOrder(acct.accountId, sym.name, ref, cancelId);
    if (!r.ok) throw coreRejectToError(r.reason, "cancel");
    return orderCancel(r.order, r.origClientOrderId, r.cancelClientOrderId, r.transactTimeMs);
  }

  /** GET /api/v3/order. */
  queryOrder(acct: SimAccount, p: ParamSource): Record<string, unknown> {
    const sym = this.symbolParam(p);
    const o = this.core.getOrder(acct.accountId, sym.name, orderRef(p));
    if (o === undefined) throw Err.noSuchOrder();
    return orderQuery(o);
  }

  /** Weight of GET openOrders: 6 for one symbol, 80 for all. */
  openOrdersWeight(p: ParamSource): number {
    return p.get("symbol") === undefined ? 80 : 6;
  }

  /** GET /api/v3/openOrders. */
  openOrders(acct: SimAccount, p: ParamSource): unknown[] {
    const symbol = p.get("symbol") === undefined ? undefined : this.symbolParam(p).name;
    return this.core.openOrders(acct.accountId, symbol).map(orderQuery);
  }

  /** DELETE /api/v3/openOrders: -2011 when nothing was open. */
  cancelAll(acct: SimAccount, p: ParamSource): unknown[] {
    const sym = this.symbolParam(p);
    const done = this.core.cancelAllOrders(acct.accountId, sym.name);
    if (done.length === 0) throw Err.cancelUnknown();
    return done.map((c) => orderCancel(c.order, c.origClientOrderId, c.cancelClientOrderId, c.transactTimeMs));
  }

  /** GET /api/v3/myTrades: the account's trades on one symbol, oldest first (my-trades.ts). */
  myTrades(acct: SimAccount, p: ParamSource): unknown[] {
    const sym = this.symbolParam(p);
    const filter = myTradesFilter(sym.name, p);
    return this.core.accountTrades(acct.accountId, filter).map((t) => myTradeRow(this.core, t));
  }

  /** GET /api/v3/account. */
  /** GET /api/v3/account/commission: the fee rates this account is charged on the symbol. */
  commission(acct: SimAccount, p: ParamSource): Record<string, unknown> {
    const sym = this.symbolParam(p);
    return commissionOf(this.core.fees(acct.accountId) ?? { maker: "0.001", taker: "0.001" }, sym.name);
  }

  accountInfo(acct: SimAccount, p: ParamSource): Record<string, unknown> {
    const fees = this.core.fees(acct.accountId) ?? { maker: "0.001", taker: "0.001" };
    const omitZero = p.get("omitZeroBalances") === "true";
    const balances = (this.core.balances(acct.accountId) ?? [])
      .filter((b) => !omitZero || b.freeUnits !== 0 || b.lockedUnits !== 0)
      .map((b) => ({
        asset: b.asset,
        free: this.core.formatAsset(b.asset, b.freeUnits),
        locked: this.core.formatAsset(b.asset, b.lockedUnits),
      }));
    const bps = (rate: string): number => Math.round(Number(rate) * 10000);
    return {
      makerCommission: bps(fees.maker),
      takerCommission: bps(fees.taker),
      buyerCommission: 0,
      sellerCommission: 0,
      commissionRates: {
        maker: fixed8(fees.maker),
        taker: fixed8(fees.taker),
        buyer: "0.00000000",
        seller: "0.00000000",
      },
      canTrade: true,
      canWithdraw: false,
      canDeposit: false,
      brokered: false,
      requireSelfTradePrevention: false,
      preventSor: false,
      updateTime: this.serverTime(),
      accountType: "SPOT",
      balances,
      permissions: ["SPOT"],
      uid: uidOf(acct.accountId),
    };
  }
}

/**
 * GET /api/v3/account/commission: the account's rates on one symbol, as Binance reports them
 * (standard, tax and special commission, and the BNB discount); the simulator charges the standard
 * rates only, so tax and special are zero and the discount is off.
 */
export function commissionOf(fees: { maker: string; taker: string }, symbol: string): Record<string, unknown> {
  const zero = { maker: "0.00000000", taker: "0.00000000", buyer: "0.00000000", seller: "0.00000000" };
  return {
    symbol,
    standardCommission: { ...zero, maker: fixed8(fees.maker), taker: fixed8(fees.taker) },
    specialCommission: zero,
    taxCommission: zero,
    discount: { enabledForAccount: false, enabledForSymbol: false, discountAsset: "BNB", discount: "0.00000000" },
  };
}

/** A required parameter (-1102 when absent or empty). */
function required(p: ParamSource, name: string): string {
  const v = p.get(name);
  if (v === undefined || v === "") throw Err.mandatory(name);
  return v;
}

/** An optional decimal parameter, checked against Binance's pattern. */
function decimal(p: ParamSource, name: string): string | undefined {
  const v = p.get(name);
  if (v === undefined) return undefined;
  if (v === "") throw Err.mandatory(name);
  if (!RE_DECIMAL.test(v)) throw Err.illegalChars(name, LEGAL_DECIMAL);
  return v;
}

/** orderId or origClientOrderId, one of which is required. */
function orderRef(p: ParamSource): { orderId?: number; clientOrderId?: string } {
  const id = p.get("orderId");
  const cid = p.get("origClientOrderId");
  if ((id === undefined || id === "") && (cid === undefined || cid === ""))
    throw Err.mandatoryEither("origClientOrderId", "orderId");
  if (id !== undefined && id !== "") {
    if (!RE_INT.test(id)) throw Err.illegalChars("orderId", LEGAL_INT);
    return { orderId: Number(id) };
  }
  return { clientOrderId: cid as string };
}

/** A stable numeric uid for an account id. */
function uidOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return 100000000 + (h % 900000000);
}

/** One exchangeInfo `symbols[]` entry with its filters. */
function symbolInfo(s: SimSymbol): Record<string, unknown> {
  const spec = s.spec;
  return {
    symbol: s.name,
    status: s.status,
    baseAsset: s.base,
    baseAssetPrecision: s.basePrecision,
    quoteAsset: s.quote,
    quotePrecision: s.quotePrecision,
    quoteAssetPrecision: s.quotePrecision,
    baseCommissionPrecision: s.basePrecision,
    quoteCommissionPrecision: s.quotePrecision,
    orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET"],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    amendAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: "PRICE_FILTER",
        minPrice: fixed8(spec.minPrice),
        maxPrice: fixed8(spec.maxPrice),
        tickSize: fixed8(spec.tickSize),
      },
      {
        filterType: "LOT_SIZE",
        minQty: fixed8(spec.minQty),
        maxQty: fixed8(spec.maxQty),
        stepSize: fixed8(spec.stepSize),
      },
      {
        filterType: "MARKET_LOT_SIZE",
        minQty: fixed8(spec.marketMinQty ?? spec.minQty),
        maxQty: fixed8(spec.marketMaxQty ?? spec.maxQty),
        stepSize: "0.00000000",
      },
      {
        filterType: "NOTIONAL",
        minNotional: fixed8(spec.minNotional),
        applyMinToMarket: true,
        maxNotional: fixed8(spec.maxNotional),
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: "MAX_NUM_ORDERS", maxNumOrders: s.maxNumOrders },
    ],
    permissions: [],
    permissionSets: [["SPOT"]],
    defaultSelfTradePreventionMode: "EXPIRE_TAKER",
    allowedSelfTradePreventionModes: ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
  };
}
