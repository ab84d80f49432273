/**
 * The simulator core: accounts, balances, per-symbol matching engines, event fan-out and the event-log
 * hash. Venue-neutral; the Binance (and later OKX) protocol layers wrap it.
 */
import type {
  BalanceView,
  BookTop,
  CancelledOrder,
  CancelResult,
  CoreListener,
  DepthSnapshot,
  FeeSpec,
  OrderRef,
  OrderView,
  PlaceOrderRequest,
  PlaceResult,
  SimCoreOptions,
  SimSymbol,
  SymbolStatus,
  TradeView,
  ValidateResult,
} from "./types.ts";

/** Default fee rates (Binance's VIP 0 spot rates). */
export const DEFAULT_FEES: FeeSpec = { maker: "0.001", taker: "0.001" };

/** A deterministic in-process exchange: the one engine behind every simulator protocol surface. */
export class SimCore {
  constructor(opts: SimCoreOptions) {
    void opts;
    throw new Error("SimCore: implementation in progress");
  }
  /** Every configured symbol, in configuration order. */
  symbols(): readonly SimSymbol[] {
    return [];
  }
  /** A symbol by venue name ("BTCUSDT"), or undefined. */
  symbol(name: string): SimSymbol | undefined {
    void name;
    return undefined;
  }
  /** Changes a symbol's trading status; orders are rejected "market_closed" unless TRADING. */
  setSymbolStatus(name: string, status: SymbolStatus): boolean {
    void name;
    void status;
    return false;
  }
  /** Creates an account with decimal-string balances per asset; internal accounts (agents) skip balance checks and emit no execution/account events. Throws on bad input. */
  createAccount(
    id: string,
    balances: Readonly<Record<string, string>>,
    fees?: FeeSpec,
    opts?: { internal?: boolean },
  ): void {
    void id;
    void balances;
    void fees;
    void opts;
  }
  hasAccount(id: string): boolean {
    void id;
    return false;
  }
  /** Changes an account's fee rates. */
  setFees(id: string, fees: FeeSpec): boolean {
    void id;
    void fees;
    return false;
  }
  /** The account's fee rates as given. */
  fees(id: string): FeeSpec | undefined {
    void id;
    return undefined;
  }
  /** Adds (or with a leading "-" removes) free balance, e.g. for a deposit; emits an account update. */
  adjustBalance(id: string, asset: string, amount: string): boolean {
    void id;
    void asset;
    void amount;
    return false;
  }
  /** All balances of an account (assets ever held), or undefined for an unknown account. */
  balances(id: string): BalanceView[] | undefined {
    void id;
    return undefined;
  }
  placeOrder(req: PlaceOrderRequest): PlaceResult {
    void req;
    return { ok: false, reason: "unknown_symbol" };
  }
  validateOrder(req: PlaceOrderRequest): ValidateResult {
    void req;
    return { ok: false, reason: "unknown_symbol" };
  }
  cancelOrder(accountId: string, symbol: string, ref: OrderRef, cancelClientOrderId?: string): CancelResult {
    void accountId;
    void symbol;
    void ref;
    void cancelClientOrderId;
    return { ok: false, reason: "unknown_order" };
  }
  cancelAllOrders(accountId: string, symbol: string): CancelledOrder[] {
    void accountId;
    void symbol;
    return [];
  }
  openOrders(accountId: string, symbol?: string): OrderView[] {
    void accountId;
    void symbol;
    return [];
  }
  getOrder(accountId: string, symbol: string, ref: OrderRef): OrderView | undefined {
    void accountId;
    void symbol;
    void ref;
    return undefined;
  }
  recentTrades(symbol: string, limit?: number): TradeView[] {
    void symbol;
    void limit;
    return [];
  }
  depthSnapshot(symbol: string, limit?: number): DepthSnapshot | undefined {
    void symbol;
    void limit;
    return undefined;
  }
  bookTop(symbol: string): BookTop | undefined {
    void symbol;
    return undefined;
  }
  addListener(listener: CoreListener): () => void {
    void listener;
    return () => {};
  }
  start(): void {}
  stop(): void {}
  pauseMarket(paused: boolean): void {
    void paused;
  }
  isMarketPaused(): boolean {
    return false;
  }
  setSpeed(speed: number): void {
    void speed;
  }
  eventLogHash(): string {
    return "";
  }
  eventCount(): number {
    return 0;
  }
  feesCollected(asset: string): number {
    void asset;
    return 0;
  }
  formatAsset(asset: string, units: number): string {
    void asset;
    return String(units);
  }
  assetPrecision(asset: string): number {
    void asset;
    return 8;
  }
  fairValueTicks(symbol: string): number | undefined {
    void symbol;
    return undefined;
  }
}
