/**
 * Public face of the simulator core: a deterministic, venue-neutral exchange (matching, balances,
 * living market, events) that the simulator's protocol layers wrap.
 */
export { adminField, checkAdminToken, startAdminHttp } from "./admin-http.ts";
export {
  ArmedFaults,
  adminFrameFault,
  type CorruptField,
  checkFrameFault,
  corruptValue,
  FRAME_CORRUPTIONS,
  type FrameCorruption,
  type FrameFault,
  frameMangler,
  GARBAGE_FRAME,
  isValueCorruption,
  truncateFrame,
} from "./corrupt.ts";
export { DEFAULT_FEES, SimCore } from "./exchange.ts";
export { SharedFairValue, type SharedFairValueOptions } from "./fairvalue.ts";
export { DEFAULT_SYMBOLS } from "./symbols.ts";
export type {
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
  FilterName,
  OrderRef,
  OrderSide,
  OrderStatus,
  OrderType,
  OrderView,
  PlaceOrderRequest,
  PlaceOrderTicksRequest,
  PlaceResult,
  PlaceTicksResult,
  SharedFairValueOption,
  SimCoreOptions,
  SimSymbol,
  StpMode,
  SymbolSpec,
  SymbolStatus,
  TimeInForce,
  TradeView,
  ValidateResult,
} from "./types.ts";
