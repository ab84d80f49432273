/**
 * OKX semantics on top of the venue-neutral core: instId naming, auth, order placement/cancel/amend/query,
 * OKX response shapes, the documented rate limits and the order-side fault knobs.
 */
import type { Clock } from "../../services/index.ts";
import type { OrderRef, OrderView, PlaceOrderRequest, SimCore, SimSymbol } from "../core/index.ts";
import { currencyRows } from "./currencies.ts";
import { amendRejectToOkx, coreRejectToOkx, OkxError } from "./errors.ts";
import { OkxFaultState } from "./faults.ts";
import { type FillsEndpoint, fillRow, fillsQuery } from "./fills.ts";
import { type HistoryEndpoint, type HistoryOrder, historyPage, historyQuery } from "./history.ts";
import { type OkxLimitedEndpoint, OkxRateLimiter } from "./limits.ts";
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
  /** Every documented request limit, REST and private socket alike. */
  private readonly limiter = new OkxRateLimiter(() => this.state.limits);
  private readonly synthetic = new Map<string, SyntheticCancel>();
  private nextSynthetic = 1;
  pushOrder: OrderPush = () => {};
  /**
   * The amend the core is applying right now: its `orders` push (REPLACED, or the cancel of a refused
   * amend with cxlOnFail) carries the client's reqId and OKX's amendResult (0 amended, 1 canceled).
   */
  amendPush: { readonly reqId: string; readonly amendResult: "0" | "1" } | undefined;

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

  /**
   * OKX's numeric instrument code (`instIdCode`, listed by public/instruments): OKX's WebSocket trade ops
   * name the instrument by it. Stable for a simulator's instrument list (its position, from 10001).
   */
  instIdCode(sym: SimSymbol): number {
    return 10_001 + this.core.symbols().findIndex((s) => s.name === sym.name);
  }

  /** The instrument of an order-entry argument object: `instId`, or else `instIdCode` (number or digits). */
  symbolOfArgs(args: Record<string, unknown>): SimSymbol | undefined {
    if (args.instId !== undefined && args.instId !== "") return this.symbolOf(args.instId);
    const code = args.instIdCode;
    const n = typeof code === "number" ? code : typeof code === "string" && /^\d{1,9}$/.test(code) ? Number(code) : -1;
    return this.core.symbols().find((s) => this.instIdCode(s) === n);
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
      instIdCode: this.instIdCode(s),
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

  /**
   * Places an order from an OKX argument object; returns the OKX data row (sCode "0") or throws OkxError.
   * `endpoint` is the window it counts against (a batch's orders count against batch-orders).
   */
  place(
    acct: OkxAccount,
    args: Record<string, unknown>,
    endpoint: OkxLimitedEndpoint = "order",
  ): Record<string, unknown> {
    const sym = this.symbolOfArgs(args);
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
    this.take(endpoint, acct, this.instId(sym));
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
      tag: typeof args.tag === "string" ? args.tag : "",
      ts: String(r.transactTimeMs),
      sCode: "0",
      sMsg: "Order placed",
    };
  }

  /** Cancels by ordId or clOrdId; returns the OKX data row or throws OkxError (`endpoint` as for place). */
  cancel(
    acct: OkxAccount,
    args: Record<string, unknown>,
    endpoint: OkxLimitedEndpoint = "cancel-order",
  ): Record<string, unknown> {
    const sym = this.symbolOfArgs(args);
    if (sym === undefined) throw new OkxError("51001", "Instrument ID does not exist");
    const ref = this.ref(args);
    this.take(endpoint, acct, this.instId(sym));
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

  /**
   * Amends a live order (newSz = new total size and/or newPx, by ordId or clOrdId): the OKX data row with
   * the client's reqId, or throws OkxError. With cxlOnFail a refused amend cancels the order (its push
   * says canceled) and the refusal is still the answer, as OKX does.
   */
  amend(
    acct: OkxAccount,
    args: Record<string, unknown>,
    endpoint: OkxLimitedEndpoint = "amend-order",
  ): Record<string, unknown> {
    const sym = this.symbolOfArgs(args);
    if (sym === undefined) throw new OkxError("51001", "Instrument ID does not exist");
    const reqId = args.reqId ?? "";
    if (typeof reqId !== "string" || !/^[A-Za-z0-9]{0,32}$/.test(reqId))
      throw new OkxError("51000", "Parameter reqId error");
    const cxlOnFail = args.cxlOnFail ?? false;
    if (typeof cxlOnFail !== "boolean" && cxlOnFail !== "true" && cxlOnFail !== "false")
      throw new OkxError("51000", "Parameter cxlOnFail error");
    const ref = this.ref(args);
    for (const k of ["newSz", "newPx"] as const)
      if (args[k] !== undefined && (typeof args[k] !== "string" || args[k] === ""))
        throw new OkxError("51000", `Parameter ${k} error`);
    if (args.newSz === undefined && args.newPx === undefined)
      throw new OkxError("51500", "You must enter a price, quantity, or TP/SL");
    this.take(endpoint, acct, this.instId(sym));
    const ordId = typeof args.ordId === "string" ? args.ordId : undefined;
    if (ordId !== undefined && this.synthetic.get(ordId)?.accountId === acct.accountId)
      throw new OkxError("51503", "Your order has already been filled or canceled.");
    const r = this.withAmendPush(reqId, "0", () =>
      this.core.amendOrder({
        accountId: acct.accountId,
        symbol: sym.name,
        ref,
        ...(typeof args.newSz === "string" ? { newQuantity: args.newSz } : {}),
        ...(typeof args.newPx === "string" ? { newPrice: args.newPx } : {}),
      }),
    );
    if (!r.ok) {
      if (cxlOnFail === true || cxlOnFail === "true")
        this.withAmendPush(reqId, "1", () => this.core.cancelOrder(acct.accountId, sym.name, ref));
      else this.pushAmendFailure(acct, sym, ref, reqId);
      throw amendRejectToOkx(r.reason, sym);
    }
    return {
      ordId: String(r.order.orderId),
      clOrdId: r.order.clientOrderId,
      ts: String(r.transactTimeMs),
      reqId,
      sCode: "0",
      sMsg: "",
      subCode: "",
    };
  }

  /** Runs a core call with the amend's push context set (the `orders` pushes it causes carry it). */
  private withAmendPush<T>(reqId: string, amendResult: "0" | "1", f: () => T): T {
    this.amendPush = { reqId, amendResult };
    try {
      return f();
    } finally {
      this.amendPush = undefined;
    }
  }

  /** A refused amend of a live order is pushed on the orders channel with amendResult -1, as OKX does. */
  private pushAmendFailure(acct: OkxAccount, sym: SimSymbol, ref: OrderRef, reqId: string): void {
    const o = this.core.getOrder(acct.accountId, sym.name, ref);
    if (o === undefined || !o.isWorking) return;
    const row = { ...this.orderRow(o), amendResult: "-1", reqId, uTime: String(this.clock.nowMs()) };
    queueMicrotask(() => this.pushOrder(acct.accountId, row));
  }

  /** One order in OKX's order-detail shape, or throws 51603. */
  query(acct: OkxAccount, args: Record<string, unknown>): Record<string, unknown> {
    const sym = this.symbolOfArgs(args);
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
    this.take(endpoint, acct, "");
    const fq = fillsQuery(endpoint, q, (instId) => this.symbolOf(instId), this.clock.nowMs());
    if (!fq.spot || fq.impossible) return [];
    const fees = this.core.fees(acct.accountId) ?? { maker: "0", taker: "0" };
    return this.core
      .accountTrades(acct.accountId, fq.filter)
      .reverse()
      .map((t) => fillRow(this.core, t, this.instId(t.symbol), t.isMaker ? fees.maker : fees.taker));
  }

  /**
   * GET /api/v5/trade/orders-history or orders-history-archive: the account's completed orders, newest
   * first (history.ts), after the per-user limit of the endpoint (HTTP 429, 50011 beyond it).
   */
  history(acct: OkxAccount, endpoint: HistoryEndpoint, q: Record<string, string>): Record<string, unknown>[] {
    this.take(endpoint, acct, "");
    const hq = historyQuery(
      q,
      (instId) => this.symbolOf(instId),
      (sym) => this.instId(sym),
    );
    const orders: HistoryOrder[] = [];
    for (const o of this.core.closedOrders(acct.accountId)) {
      orders.push({
        instId: this.instId(o.symbol),
        ordId: String(o.orderId),
        ordType: okxOrdType(o),
        state: o.status === "FILLED" ? "filled" : "canceled",
        filled: o.executedLots > 0,
        cTimeMs: o.timeMs,
        uTimeMs: o.updateTimeMs,
        row: () => this.orderRow(o),
      });
    }
    for (const syn of this.synthetic.values()) {
      if (syn.accountId !== acct.accountId) continue;
      const row = this.syntheticRow(syn);
      const base = { instId: this.instId(syn.sym), ordId: syn.ordId, ordType: "post_only", filled: false };
      orders.push({ ...base, state: "canceled", cTimeMs: syn.ts, uTimeMs: syn.ts, row: () => row });
    }
    return historyPage(orders, hq, endpoint, this.clock.nowMs());
  }

  /** GET /api/v5/asset/currencies: every currency of the instruments and balances, per chain (currencies.ts). */
  currencies(acct: OkxAccount, q: Record<string, string>): Record<string, unknown>[] {
    this.take("currencies", acct, "");
    const ccys = new Set<string>();
    for (const s of this.core.symbols()) ccys.add(s.base).add(s.quote);
    for (const b of this.core.balances(acct.accountId) ?? []) ccys.add(b.asset);
    return currencyRows([...ccys], q);
  }

  /**
   * GET /api/v5/account/config: a spot-mode account (acctLv 1, net positions) with trade permission; the
   * uid is a stable number derived from the account id, as clients key their state by it.
   */
  accountConfig(acct: OkxAccount): Record<string, unknown> {
    this.take("account-config", acct, "");
    let h = 0n;
    for (const ch of acct.accountId) h = (h * 131n + BigInt(ch.charCodeAt(0))) % 10n ** 15n;
    const uid = String(h + 10n ** 15n);
    return {
      uid,
      mainUid: uid,
      acctLv: "1",
      acctStpMode: "cancel_maker",
      posMode: "net_mode",
      autoLoan: false,
      greeksType: "PA",
      level: "Lv1",
      levelTmp: "",
      ctIsoMode: "automatic",
      mgnIsoMode: "automatic",
      spotOffsetType: "",
      roleType: "0",
      traderInsts: [],
      spotRoleType: "0",
      spotTraderInsts: [],
      opAuth: "0",
      kycLv: "2",
      label: "okx-sim",
      ip: "",
      perm: "read_only,trade",
      liquidationGear: "-1",
      enableSpotBorrow: false,
      spotBorrowAutoRepay: false,
      type: "0",
      settleCcy: "",
      settleCcyList: [],
    };
  }

  /**
   * GET /api/v5/account/trade-fee: the rates this account is charged, in OKX's sign convention (a
   * charge is negative, a rebate positive), for SPOT, one instrument or the account's level.
   */
  tradeFee(acct: OkxAccount, q: Readonly<Record<string, string>>): Record<string, unknown> {
    if (q.instType === undefined || q.instType === "") throw new OkxError("51000", "Parameter instType error");
    if (q.instType !== "SPOT") throw new OkxError("51000", "Parameter instType error");
    if (q.instId !== undefined && this.symbolOf(q.instId) === undefined) {
      throw new OkxError("51001", "Instrument ID does not exist");
    }
    const fees = this.core.fees(acct.accountId) ?? { maker: "0.001", taker: "0.001" };
    const charge = (rate: string) => {
      const d = okxDecimal(rate);
      return /^0(\.0*)?$/.test(d) ? "0" : d.startsWith("-") ? d.slice(1) : `-${d}`;
    };
    return {
      category: "1",
      delivery: "",
      exercise: "",
      instType: "SPOT",
      level: "Lv1",
      maker: charge(fees.maker),
      taker: charge(fees.taker),
      makerU: "",
      takerU: "",
      makerUSDC: "",
      takerUSDC: "",
      ruleType: "normal",
      ts: String(this.clock.nowMs()),
      fiat: [],
    };
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

  /**
   * An order in OKX's order-detail shape: order details, pending orders and the order history share it
   * (fee so far, the latest fill, why it was canceled), with the fields OKX lists for spot.
   */
  orderRow(o: OrderView): Record<string, unknown> {
    const s = o.symbol;
    const avg =
      o.executedLots > 0 ? okxPx(s, Math.round(o.cumQuoteUnits / (o.executedLots * s.quoteUnitsPerTickLot))) : "";
    const feeCcy = o.side === "BUY" ? s.base : s.quote;
    const fee = okxDecimal(this.core.formatAsset(feeCcy, o.commissionUnits));
    const filled = o.lastTradeId >= 0;
    return {
      instType: "SPOT",
      instId: this.instId(s),
      tgtCcy: o.type !== "MARKET" ? "" : o.origQuoteUnits > 0 ? "quote_ccy" : "base_ccy",
      ccy: "",
      ordId: String(o.orderId),
      clOrdId: o.clientOrderId,
      tag: "",
      px: o.type === "MARKET" ? "" : okxPx(s, o.priceTicks),
      pxUsd: "",
      pxVol: "",
      pxType: "",
      sz: o.origQuoteUnits > 0 ? okxDecimal(s.formatQuote(o.origQuoteUnits)) : okxSz(s, o.origLots),
      pnl: "0",
      ordType: okxOrdType(o),
      side: o.side === "BUY" ? "buy" : "sell",
      posSide: "",
      tdMode: "cash",
      accFillSz: okxSz(s, o.executedLots),
      fillPx: filled ? okxPx(s, o.lastFillPriceTicks) : "",
      tradeId: filled ? String(o.lastTradeId) : "",
      fillSz: filled ? okxSz(s, o.lastFillLots) : "0",
      fillTime: filled ? String(o.lastFillTimeMs) : "",
      avgPx: avg,
      state: OkxVenue.state(o.status),
      stpId: "",
      stpMode: OKX_STP_MODE[o.stpMode] ?? "",
      lever: "",
      attachAlgoClOrdId: "",
      tpTriggerPx: "",
      tpTriggerPxType: "",
      tpOrdPx: "",
      slTriggerPx: "",
      slTriggerPxType: "",
      slOrdPx: "",
      attachAlgoOrds: [],
      linkedAlgoOrd: { algoId: "" },
      feeCcy,
      fee: /^0*(\.0*)?$/.test(fee) ? "0" : `-${fee}`,
      rebateCcy: o.side === "BUY" ? s.quote : s.base,
      rebate: "0",
      source: "",
      category: "normal",
      reduceOnly: "false",
      isTpLimit: "false",
      cancelSource: cancelSourceOf(o),
      cancelSourceReason: "",
      quickMgnType: "",
      algoClOrdId: "",
      algoId: "",
      uTime: String(o.updateTimeMs),
      cTime: String(o.timeMs),
      tradeQuoteCcy: s.quote,
    };
  }

  private ref(args: Record<string, unknown>): { orderId?: number; clientOrderId?: string } {
    if (typeof args.ordId === "string" && /^\d+$/.test(args.ordId)) return { orderId: Number(args.ordId) };
    if (typeof args.clOrdId === "string" && args.clOrdId !== "") return { clientOrderId: args.clOrdId };
    throw new OkxError("51000", "Parameter ordId or clOrdId error");
  }

  /** Forgets every rate-limit window (after a limit changes). */
  resetRateLimits(): void {
    this.limiter.reset();
  }

  /**
   * Takes one request from an endpoint's window (per user, and per instrument for trading endpoints):
   * beyond the limit OKX answers HTTP 429 with code 50011, counted by kind.
   */
  take(endpoint: OkxLimitedEndpoint, acct: OkxAccount, instId: string): void {
    if (this.limiter.take(endpoint, acct.accountId, instId, this.clock.nowMs())) return;
    const c = this.state.counters;
    if (endpoint === "fills" || endpoint === "fills-history") c.fillsRateLimited++;
    else if (instId === "") c.queriesRateLimited++;
    else c.rateLimited++;
    throw new OkxError("50011", "Too Many Requests", 429);
  }

  /**
   * Takes one request of a public endpoint, limited per IP (every client of the simulator is on one):
   * beyond the limit HTTP 429 with code 50011, counted as a query.
   */
  takePublic(endpoint: OkxLimitedEndpoint): void {
    if (this.limiter.take(endpoint, "public-ip", "", this.clock.nowMs())) return;
    this.state.counters.queriesRateLimited++;
    throw new OkxError("50011", "Too Many Requests", 429);
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

/** OKX's stpMode for the core's (the core expires; OKX cancels). */
const OKX_STP_MODE: Readonly<Record<string, string>> = {
  EXPIRE_TAKER: "cancel_taker",
  EXPIRE_MAKER: "cancel_maker",
  EXPIRE_BOTH: "cancel_both",
};

/** OKX ordType of a core order. */
export function okxOrdType(o: { type: string; timeInForce: string }): string {
  if (o.type === "LIMIT_MAKER") return "post_only";
  if (o.type === "MARKET") return "market";
  return o.timeInForce === "GTC" ? "limit" : o.timeInForce.toLowerCase();
}

/** OKX's cancelSource of a closed order: 1 by the user, 13 FOK / 14 IOC unfilled remainder, 32 self-trade prevention. */
function cancelSourceOf(o: OrderView): string {
  if (o.status === "CANCELED") return "1";
  if (o.status === "EXPIRED_IN_MATCH") return "32";
  if (o.status === "EXPIRED") return o.timeInForce === "FOK" && o.type === "LIMIT" ? "13" : "14";
  return "";
}
