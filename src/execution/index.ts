/**
 * Public face of execution: the order manager (state machine, client ids, in-flight tracking,
 * start-up and reconnect reconciliation), quote reconciliation, positions/PnL/balances with exact
 * money maths, the pre-trade risk gate with its kill switch, and parent orders routed across venues.
 * The engine normally needs only `Execution`; the parts are exported for tests, metrics and tools.
 */

export { type CommonGrid, commonGrid, isOwnClientId, MAX_CLIENT_ID_LENGTH } from "../types/index.ts";
export { type BalanceDiff, Balances } from "./balances.ts";
export { ClientIdGenerator } from "./client-id.ts";
export {
  Execution,
  type ExecutionOptions,
  type ExecutionStats,
  type FillBooking,
  type OrderIntentLike,
  type PositionSample,
  type QuoteResult,
  type RouteIntentLike,
  type StrategySink,
  type TradeOutcome,
  type VenueQuotes,
} from "./execution.ts";
export type { FirmExposure, FirmShareCell, FirmShareProvider } from "./firm-share.ts";
export {
  formatMoney,
  InstrumentMath,
  MONEY_DECIMALS,
  type Money,
  moneyOrThrow,
  moneyToNumber,
  parseMoney,
} from "./money.ts";
export {
  type FillEvent,
  type OrderListener,
  OrderManager,
  type OrderManagerOptions,
  type OrderManagerStats,
  type OrphanReport,
  type ReconcileReport,
} from "./order-manager.ts";
export {
  IllegalTransitionError,
  isLegalTransition,
  isLive,
  isTerminal,
  type ManagedOrder,
  ORDER_STATES,
  OrderLog,
  type OrderState,
} from "./order-state.ts";
export {
  PARENT_UNFILLED_REASONS,
  type ParentOrderOptions,
  ParentOrders,
  type ParentRequest,
  type ParentStats,
  type ParentStatus,
  type ParentUnfilledReason,
  type ParentUpdate,
} from "./parent-order.ts";
export { PnlByDay, type PnlDay } from "./pnl-days.ts";
export {
  type PnlView,
  type PositionSnapshot,
  type PositionStats,
  Positions,
  type PositionView,
} from "./positions.ts";
export {
  type DesiredQuotes,
  emptyPlan,
  PlanBuffer,
  planQuotes,
  planSide,
  type QuoteLevel,
  type QuoteMatchOptions,
  type QuotePlace,
  type QuotePlan,
  type RestingOrder,
} from "./quotes.ts";
export { InstrumentState, PositionState, Registry, VenueState } from "./registry.ts";
export {
  type DecimalInput,
  KillSwitch,
  RISK_REASONS,
  RiskGate,
  type RiskLimits,
  type RiskReason,
  type RiskStats,
  SlidingWindow,
  type SymbolLimits,
} from "./risk.ts";
export { TradeKeys } from "./trade-keys.ts";
