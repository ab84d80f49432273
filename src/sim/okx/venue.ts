/**
 * OKX semantics on top of the venue-neutral core: instId naming, auth, order placement/cancel/query,
 * OKX response shapes, the per-instrument placement rate limit and the order-side fault knobs.
 */
import type { Clock } from "../../services/index.ts";
import type { OrderView, PlaceOrderRequest, SimCore, SimSymbol } from "../core/index.ts";
import { coreRejectToOkx, OkxError } from "./errors.ts";
import { OkxFaultState } from "./faults.ts";
import { type FillsEndpoint, fillRow, fillsQuery } from "./fills.ts";
import { okxSign, signaturesEqual } from "./signing.ts";
import { okxDecimal, okxPx, okxSz } from "./symbols.ts";

/** One API key of the OKX simulator. */
export interface OkxAccount {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly passphrase: string;
  readonly accountId: string;
}

/** Fault knobs on the order path and the book stream, mirroring the Binance simulator's where they apply. */
export interface OkxFaults {
  /** Next placement is rejected with this sCode (once). */
  rejectNextOrder: string | undefined;
  /** Next placement executes, but the REST reply is HTTP 500 code 50004 (outcome unknown). */
  error5xxAfterPlace: boolean;
  /** Next books update carries a wrong prevSeqId. */
  breakSeqChain: boolean;
  /** Next books update is dropped / sent twice. */
  dropBookMessage: boolean;
  duplicateBookMessage: boolean;
  /** Next books snapshot claims an older seqId than its contents. */
  staleSnapshot: boolean;
  /** Text "ping" gets no "pong". */
  ignorePings: boolean;
}

/** A post_only order that would have crossed: OKX accepts then cancels it (cancelSource 31). */
interface SyntheticCancel {
  readonly sym: SimSymbol;
  readonly accountId: string;
  readonly ordId: string;
  readonly clOrdId: string;
  readonly side: "buy" | "sell";
  readonly px: string;
  readonly sz: string;
  readonly ts: number;
}

/** Listener for order updates the venue produces outside the core (synthetic post_only cancels). */
export type OrderPush = (accountId: string, row: Record<string, unknown>) => void;

/** The OKX venue: converts OKX requests into core calls and core state into OKX rows. */
export class OkxVenue {
  readonly faults: OkxFaults = {
    rejectNextOrder: undefined,
    error5xxAfterPlace: false,
    breakSeqChain: false,
    dropBookMessage: false,
    duplicateBookMessage: false,
    staleSnapshot: false,
    ignorePings: false,
  };
  /** Counted, per-instrument faults armed through the admin API. */
  readonly state = new OkxFaultState();
  private readonly byKey = new Map<string, OkxAccount>();
  private readonly placeTimes = new Map<string, number[]>();
  /** Trade-history request times per account and endpoint (OKX limits these per user). */
  private readonly fillsTimes = new Map<string, number[]>();
  private readonly synthetic = new Map<string, SyntheticCancel>();
  private nextSynthetic = 1;
  pushOrder: OrderPush = () => {};

  constructor(
    readonly core: SimCore,
    readonly clock: Clock,
    accounts: readonly OkxAccount[],
  ) {
    for (const a of accounts) this.byKey.set(a.apiKey, a);
  }

  /** OKX instId ("BTC-USDT") of a core symbol. */
  instId(sym: SimSymbol): string {
    return `${sym.base}-${sym.quote}`;
  }

  /** Core symbol of an instId; undefined for unknown or malformed ids. */
  symbolOf(instId: unknown): SimSymbol | undefined {
    if (typeof instId !== "string") return undefined;
    const parts = instId.split("-");
    if (parts.length !== 2) return undefined;
    return this.core.symbols().find((s) => s.base === parts[0] && s.quote === parts[1]);
  }

  /** Verifies an OKX signature for a key; throws the OKX auth error codes. */
  authenticate(apiKey: unknown, passphrase: unknown, prehash: string, sign: unknown): OkxAccount {
    const a = typeof apiKey === "string" ? this.byKey.get(apiKey) : undefined;
    if (a === undefined) throw new OkxError("50111", "Invalid OK-ACCESS-KEY", 401);
    if (passphrase !== a.passphrase) throw new OkxError("50105", "Invalid OK-ACCESS-PASSPHRASE", 401);
    if (typeof sign !== "string" || !signaturesEqual(okxSign(a.apiSecret, prehash), sign))
      throw new OkxError("50113", "Invalid Sign", 401);
    return a;
  }

  /** The instruments list (D.7), derived from the core's filters. */
  instruments(): Record<string, unknown>[] {
    return this.core.symbols().map((s) => ({
      instType: "SPOT",
      instId: this.instId(s),
      baseCcy: s.base,
      quoteCcy: s.quote,
      tickSz: s.priceGrid.increment,
      lotSz: s.qtyGrid.increment,
      minSz: okxSz(s, s.minQtyLots),
      maxLmtSz: s.maxQtyLots > 0 ? okxSz(s, s.maxQtyLots) : "",
      maxMktSz: s.marketMaxQtyLots > 0 ? okxSz(s, s.marketMaxQtyLots) : "",
      maxLmtAmt: s.maxNotionalUnits > 0 ? okxDecimal(s.formatQuote(s.maxNotionalUnits)) : "",
      maxMktAmt: s.maxNotionalUnits > 0 ? okxDecimal(s.formatQuote(s.maxNotionalUnits)) : "",
      state: s.status === "TRADING" ? "live" : "suspend",
    }));
  }

  /** Places an order from an OKX argument object; returns the OKX data row (sCode "0") or throws OkxError. */
  place(acct: OkxAccount, args: Record<string, unknown>): Record<string, unknown> {
    const sym = this.symbolOf(args.instId);
    if (sym === undefined) throw new OkxError("51001", "Instrument ID does not exist");
    const clOrdId = typeof args.clOrdId === "string" ? args.clOrdId : "";
    const reject = this.faults.rejectNextOrder;
    if (reject !== undefined) {
      this.faults.rejectNextOrder = undefined;
      throw new OkxError(reject, "Order rejected (injected fault)");
    }
    const queued = this.state.rejectQueue.shift();
    if (queued !== undefined) {
      this.state.counters.injectedRejects++;
      throw new OkxError(queued.sCode, queued.msg);
    }
    this.checkRate(sym);
    const side: "BUY" | "SELL" | undefined = args.side === "buy" ? "BUY" : args.side === "sell" ? "SELL" : undefined;
    if (side === undefined) throw new OkxError("51000", "Parameter side error");
    if (typeof args.sz !== "string") throw new OkxError("51000", "Parameter sz error");
    const px = typeof args.px === "string" ? args.px : undefined;
    const base = { accountId: acct.accountId, symbol: sym.name, side, ...(clOrdId ? { clientOrderId: clOrdId } : {}) };
    let req: PlaceOrderRequest;
    switch (args.ordType) {
      case "limit":
      case "post_only":
      case "ioc":
      case "fok":
        if (px === undefined) throw new OkxError("51000", "Parameter px error");
        req = {
          ...base,
          type: args.ordType === "post_only" ? "LIMIT_MAKER" : "LIMIT",
          ...(args.ordType === "post_only"
            ? {}
            : { timeInForce: args.ordType === "limit" ? "GTC" : args.ordType === "ioc" ? "IOC" : "FOK" }),
          price: px,
          quantity: args.sz,
        };
        break;
      case "market": {
        const inQuote = side === "BUY" && args.tgtCcy !== "base_ccy";
        req = { ...base, type: "MARKET", ...(inQuote ? { quoteOrderQty: args.sz } : { quantity: args.sz }) };
        break;
      }
      default:
        throw new OkxError("51000", "Parameter ordType error");
    }
    const r = this.core.placeOrder(req);
    if (!r.ok) {
      if (r.reason === "would_take" && px !== undefined) return this.syntheticCancel(acct, sym, clOrdId, args, px);
      throw coreRejectToOkx(r.reason, side === "BUY" ? sym.quote : sym.base);
    }
    if (this.faults.error5xxAfterPlace) {
      this.faults.error5xxAfterPlace = false;
      this.state.counters.failedAfterPlace++;
      throw new OkxError("50004", "Endpoint request timeout", 500);
    }
    const failStatus = this.state.failAfterPlace.shift();
    if (failStatus !== undefined) {
      this.state.counters.failedAfterPlace++;
      throw new OkxError("50004", "Endpoint request timeout", failStatus);
    }
    return {
      ordId: String(r.order.orderId),
      clOrdId: r.order.clientOrderId,
      tag: "",
      ts: String(r.transactTimeMs),
      sCode: "0",
      sMsg: "Order placed",
    };
  }

  /** Cancels by ordId or clOrdId; returns the OKX data row or throws OkxError. */
  cancel(acct: OkxAccount, args: Record<string, unknown>): Record<string, unknown> {
    const sym = this.symbolOf(args.instId);
    if (sym === undefined) throw new OkxError("51001", "Instrument ID does not exist");
    const ref = this.ref(args);
    const r = this.core.cancelOrder(acct.accountId, sym.name, ref);
    if (!r.ok)
      throw r.reason === "unknown_order"
        ? new OkxError("51400", "Order cancellation failed as the order has been filled, canceled or does not exist")
        : coreRejectToOkx(r.reason, sym.quote);
    return {
      ordId: String(r.order.orderId),
      clOrdId: r.origClientOrderId,
      ts: String(r.transactTimeMs),
      sCode: "0",
      sMsg: "",
    };
  }

  /** One order in OKX's order-detail shape, or throws 51603. */
  query(acct: OkxAccount, args: Record<string, unknown>): Record<string, unknown> {
    const sym = this.symbolOf(args.instId);
    if (sym === undefined) throw new OkxError("51001", "Instrument ID does not exist");
    const ordId = typeof args.ordId === "string" ? args.ordId : undefined;
    const syn = ordId !== undefined ? this.synthetic.get(ordId) : undefined;
    if (syn !== undefined && syn.accountId === acct.accountId) return this.syntheticRow(syn);
    const o = this.core.getOrder(acct.accountId, sym.name, this.ref(args));
    if (o === undefined) throw new OkxError("51603", "Order does not exist");
    return this.orderRow(o);
  }

  /** Open orders of an account (optionally one instrument). */
  pending(acct: OkxAccount, instId: unknown): Record<string, unknown>[] {
    const sym = instId === undefined ? undefined : this.symbolOf(instId);
    if (instId !== undefined && sym === undefined) throw new OkxError("51001", "Instrument ID does not exist");
    return this.core.openOrders(acct.accountId, sym?.name).map((o) => this.orderRow(o));
  }

  /**
   * GET /api/v5/trade/fills or fills-history: the account's transaction details, newest first
   * (fills.ts), after the per-user rate limit of the endpoint (HTTP 429, 50011 beyond it).
   */
  fills(acct: OkxAccount, endpoint: FillsEndpoint, q: Record<string, string>): Record<string, unknown>[] {
    this.checkFillsRate(acct, endpoint);
    const fq = fillsQuery(endpoint, q, (instId) => this.symbolOf(instId), this.clock.nowMs());
    if (!fq.spot || fq.impossible) return [];
    const fees = this.core.fees(acct.accountId) ?? { maker: "0", taker: "0" };
    return this.core
      .accountTrades(acct.accountId, fq.filter)
      .reverse()
      .map((t) => fillRow(this.core, t, this.instId(t.symbol), t.isMaker ? fees.maker : fees.taker));
  }

  private checkFillsRate(acct: OkxAccount, endpoint: FillsEndpoint): void {
    const now = this.clock.nowMs();
    const { count, windowMs } = this.state.fillsLimits[endpoint];
    const key = `${acct.accountId} ${endpoint}`;
    const times = (this.fillsTimes.get(key) ?? []).filter((t) => now - t < windowMs);
    this.fillsTimes.set(key, times);
    if (times.length >= count) {
      this.state.counters.fillsRateLimited++;
      throw new OkxError("50011", "Too Many Requests", 429);
    }
    times.push(now);
  }

  /** Balance in OKX's account/balance shape. */
  balance(acct: OkxAccount): Record<string, unknown> {
    const bals = this.core.balances(acct.accountId) ?? [];
    return {
      uTime: String(this.clock.nowMs()),
      totalEq: "",
      details: bals.map((b) => ({
        ccy: b.asset,
        availBal: okxDecimal(this.core.formatAsset(b.asset, b.freeUnits)),
        frozenBal: okxDecimal(this.core.formatAsset(b.asset, b.lockedUnits)),
        cashBal: okxDecimal(this.core.formatAsset(b.asset, b.freeUnits + b.lockedUnits)),
        eq: okxDecimal(this.core.formatAsset(b.asset, b.freeUnits + b.lockedUnits)),
      })),
    };
  }

  /** OKX order state of a core status. */
  static state(status: string): string {
    if (status === "NEW" || status === "PENDING_NEW") return "live";
    if (status === "PARTIALLY_FILLED") return "partially_filled";
    if (status === "FILLED") return "filled";
    return "canceled";
  }

  /** An order in OKX's shape (REST detail and the orders channel share it). */
  orderRow(o: OrderView): Record<string, unknown> {
    const s = o.symbol;
    const avg =
      o.executedLots > 0 ? okxPx(s, Math.round(o.cumQuoteUnits / (o.executedLots * s.quoteUnitsPerTickLot))) : "";
    return {
      instType: "SPOT",
      instId: this.instId(s),
      ordId: String(o.orderId),
      clOrdId: o.clientOrderId,
      px: o.type === "MARKET" ? "" : okxPx(s, o.priceTicks),
      sz: o.origLots > 0 ? okxSz(s, o.origLots) : okxDecimal(s.formatQuote(o.origQuoteUnits)),
      ordType:
        o.type === "LIMIT_MAKER"
          ? "post_only"
          : o.type === "MARKET"
            ? "market"
            : o.timeInForce === "GTC"
              ? "limit"
              : o.timeInForce.toLowerCase(),
      side: o.side === "BUY" ? "buy" : "sell",
      tdMode: "cash",
      state: OkxVenue.state(o.status),
      accFillSz: okxSz(s, o.executedLots),
      avgPx: avg,
      cancelSource: "",
      cTime: String(o.timeMs),
      uTime: String(o.updateTimeMs),
    };
  }

  private ref(args: Record<string, unknown>): { orderId?: number; clientOrderId?: string } {
    if (typeof args.ordId === "string" && /^\d+$/.test(args.ordId)) return { orderId: Number(args.ordId) };
    if (typeof args.clOrdId === "string" && args.clOrdId !== "") return { clientOrderId: args.clOrdId };
    throw new OkxError("51000", "Parameter ordId or clOrdId error");
  }

  /** Forgets placement history (after the limit changes). */
  resetRateLimits(): void {
    this.placeTimes.clear();
    this.fillsTimes.clear();
  }

  private checkRate(sym: SimSymbol): void {
    const now = this.clock.nowMs();
    const { count, windowMs } = this.state.placeLimit;
    const times = (this.placeTimes.get(sym.name) ?? []).filter((t) => now - t < windowMs);
    this.placeTimes.set(sym.name, times);
    if (times.length >= count) {
      this.state.counters.rateLimited++;
      throw new OkxError("50011", "Too Many Requests", 429);
    }
    times.push(now);
  }

  private syntheticCancel(
    acct: OkxAccount,
    sym: SimSymbol,
    clOrdId: string,
    args: Record<string, unknown>,
    px: string,
  ): Record<string, unknown> {
    const ordId = `9${String(this.nextSynthetic++).padStart(11, "0")}`;
    const syn: SyntheticCancel = {
      sym,
      accountId: acct.accountId,
      ordId,
      clOrdId,
      side: args.side === "buy" ? "buy" : "sell",
      px,
      sz: String(args.sz),
      ts: this.clock.nowMs(),
    };
    this.synthetic.set(ordId, syn);
    const row = this.syntheticRow(syn);
    queueMicrotask(() => this.pushOrder(acct.accountId, row));
    return { ordId, clOrdId, tag: "", ts: String(syn.ts), sCode: "0", sMsg: "Order placed" };
  }

  private syntheticRow(s: SyntheticCancel): Record<string, unknown> {
    return {
      instType: "SPOT",
      instId: this.instId(s.sym),
      ordId: s.ordId,
      clOrdId: s.clOrdId,
      px: s.px,
      sz: s.sz,
      ordType: "post_only",
      side: s.side,
      tdMode: "cash",
      state: "canceled",
      accFillSz: "0",
      avgPx: "",
      fillPx: "",
      fillSz: "0",
      cancelSource: "31",
      cancelSourceReason: "POST_ONLY would take liquidity",
      cTime: String(s.ts),
      uTime: String(s.ts),
    };
  }
}
