/**
 * Public face of strategies for the rest of the engine: the strategy API (the contract, helpers and
 * harness strategies themselves use, api.ts), the built-ins and their catalogue, the loader of users'
 * strategy files, and the guard the engine runs every strategy inside.
 */
export * from "./api.ts";
export {
  AvellanedaStoikov,
  type AvellanedaStoikovParams,
  avellanedaStoikov,
  avellanedaStoikovParamsSchema,
} from "./builtins/avellaneda-stoikov.ts";
export {
  CrossVenueMm,
  type CrossVenueMmParams,
  type CrossVenueStats,
  crossVenueMm,
  crossVenueMmParamsSchema,
} from "./builtins/cross-venue-mm.ts";
export {
  MarketMaking,
  type MarketMakingParams,
  marketMaking,
  marketMakingParamsSchema,
} from "./builtins/market-making.ts";
export {
  builtinStrategy,
  type CreateStrategyOptions,
  createStrategy,
  STRATEGY_TYPES,
  strategyParamsJsonSchemas,
  strategyParamsSchema,
  validateStrategyParams,
} from "./catalog.ts";
export { definitionProblems, schemaProblems } from "./definition.ts";
export { formatBound, isExactMoney, openRanges, paramsJsonSchema, rangeOf, rangeText } from "./fields.ts";
export { loadStrategyModule, StrategyModuleError } from "./module-loader.ts";
export {
  type GuardStats,
  INTENT_DROP_REASONS,
  type IntentDropReason,
  MAX_INTENT_LEVELS,
  MIN_TIMER_MS,
  STRATEGY_CALLBACKS,
  type StrategyCallback,
  StrategySupervisor,
  type SupervisorOptions,
  UNLIMITED_GUARD,
} from "./supervisor.ts";
