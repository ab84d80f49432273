/**
 * Public face of the domain model, the ground floor every other folder stands on: integer values and
 * grids, exact money, unit conversion, instruments, orders, venue events, book views and health, client-id rules.
 * It imports nothing outside itself.
 */
export { type BookConfig, type BookHealth, type BookView, STALE_CHECKS, type StaleCheck } from "./book.ts";
export {
  ClientIdSequence,
  isOwnClientId,
  isValidClientId,
  isValidClientIdPrefix,
  MAX_CLIENT_ID_LENGTH,
} from "./client-id.ts";
export {
  type ConnectionState,
  UNKNOWN_OUTCOME_RESULTS,
  type UnknownOutcomeResult,
  unknownOutcomeResultOf,
  type VenueEvent,
  type VenueListener,
} from "./events.ts";
export { addFeeRates, type FeeRates, maxFeeRate, negateFeeRate } from "./fees.ts";
export { type CommonGrid, commonGrid } from "./grid.ts";
export type { InstrumentInfo } from "./instruments.ts";
export type {
  FillQuery,
  FillRow,
  JournalPage,
  OrderEventRow,
  OrderQuery,
  OrderRow,
  PnlDayRow,
  PnlQuery,
  PnlTotal,
} from "./journal.ts";
export {
  formatMoney,
  MONEY_DECIMALS,
  type Money,
  moneyOrThrow,
  moneyToNumber,
  mulDivRound,
  parseMoney,
} from "./money.ts";
export {
  type Balance,
  type OpenOrder,
  type OrderRequest,
  type OrderStatus,
  type OrderType,
  type OrderUpdate,
  type RejectReason,
  type TimeInForce,
  type TradeQuery,
  VenueRejectError,
  type VenueTrade,
} from "./orders.ts";
export {
  NO_QUOTE_REASONS,
  type NoQuoteReason,
  type OpenOrderStatus,
  type PnlStatus,
  type PositionStatus,
  type RiskStatus,
} from "./status.ts";
export {
  baseToLots,
  fractionToTicks,
  incrementOf,
  minTickLotsForNotional,
  priceToTicks,
  type Rounding,
} from "./units.ts";
export { type Brand, DecimalGrid, type Lots, type Nanos, Side, type Ticks } from "./values.ts";
