/**
 * Public face of strategies: the Strategy contract, the built-in strategies, and a catalogue so
 * config loading and the control API validate parameters with each strategy's own schema.
 */

export {
  AvellanedaStoikov,
  type AvellanedaStoikovParams,
  avellanedaStoikovParamsSchema,
} from "./avellaneda-stoikov.ts";
export {
  type CreateStrategyOptions,
  createStrategy,
  STRATEGY_TYPES,
  strategyParamsJsonSchemas,
  strategyParamsSchema,
  validateStrategyParams,
} from "./catalog.ts";
export {
  CrossVenueMm,
  type CrossVenueMmParams,
  type CrossVenueStats,
  crossVenueMmParamsSchema,
} from "./cross-venue-mm.ts";
export {
  baseAmount,
  formatBound,
  fractionField,
  intField,
  isExactMoney,
  MAX_BASE_AMOUNT,
  MAX_QUOTE_AMOUNT,
  moneyAmount,
  numberIn,
  paramsJsonSchema,
  positiveFraction,
  positiveUpTo,
  type Range,
  rangeOf,
  rangeText,
} from "./fields.ts";
export { MarketMaking, type MarketMakingParams, marketMakingParamsSchema } from "./market-making.ts";
export { lotCountIssues, type ParamsSchema, StrategyParamsError } from "./params.ts";
export {
  buildAsks,
  buildBids,
  InstrumentGrid,
  MAX_LEVELS,
  type QuoteState,
  type QuotingParams,
  QuotingStrategy,
  RawQuote,
  SideBuffer,
  type SideLimits,
} from "./quoting.ts";
export type {
  BookUpdate,
  IntentSink,
  OrderIntent,
  ParamIssue,
  ParamsValidation,
  ParentOrderUpdate,
  PositionUpdate,
  QuoteDecision,
  QuoteIntent,
  QuoteLevel,
  RouteIntent,
  Strategy,
  StrategyContext,
  StrategyInstrument,
  StrategyState,
  TradeTick,
} from "./types.ts";
export { newQuoteDecision } from "./types.ts";
