/**
 * The strategy API: the one entry point a strategy imports, users' files and the built-ins alike
 * (`import { defineStrategy, QuotingStrategy, v } from "hft-engine/strategy"` inside the project). It
 * holds the contract (Strategy, its context, the events it gets and the intents it emits), the book view
 * and domain values, the helpers the built-ins quote with (tick rounding, fee-aware edge, inventory skew,
 * the quoting base with its safety rules, ranged parameter fields), the test harness, and valibot as `v`
 * so a module's schema is made by the engine's own copy. The built-ins may import nothing else (checked
 * by `bun run deps`), so anything they need is here by construction.
 *
 * Kept stable under STRATEGY_API_VERSION: additions raise the minor, changes or removals the major, and
 * the engine refuses a module that declares a version it cannot run.
 */
export * as v from "valibot";
export type { Clock } from "../services/index.ts";
export {
  type BookHealth,
  type BookView,
  baseToLots,
  type CommonGrid,
  commonGrid,
  DecimalGrid,
  type InstrumentInfo,
  type Lots,
  type NoQuoteReason,
  type OrderType,
  type OrderUpdate,
  Side,
  type Ticks,
  type TimeInForce,
} from "../types/index.ts";
export { BaseStrategy } from "./base-strategy.ts";
export {
  apiVersionProblem,
  defineStrategy,
  STRATEGY_API_VERSION,
  STRATEGY_KIND_RE,
  type StrategyDefinition,
} from "./definition.ts";
export {
  baseAmount,
  fractionField,
  intField,
  MAX_BASE_AMOUNT,
  MAX_QUOTE_AMOUNT,
  moneyAmount,
  numberIn,
  positiveFraction,
  positiveUpTo,
  type Range,
} from "./fields.ts";
export {
  type BookLevel,
  type BookScript,
  bookUpdate,
  type DecimalLevel,
  type Emitted,
  type FillScript,
  type HarnessOptions,
  type On,
  RecordingSink,
  ScriptedBook,
  StrategyHarness,
  StrategyHarnessError,
  type TestInstrumentRules,
  type TradeScript,
  testContext,
  testInstrument,
} from "./harness.ts";
export {
  lotCountIssues,
  type ParamsSchema,
  parseParams,
  StrategyParamsError,
  toValidation,
  validateUpdate,
} from "./params.ts";
export { askTicks, bidTicks, edgeAfterFee, GRID_EPS, inventoryRatio, quoteEdge, skewedCenter } from "./pricing.ts";
export {
  buildAsks,
  buildBids,
  InstrumentGrid,
  MAX_LEVELS,
  type QuoteState,
  type QuotingParams,
  QuotingStrategy,
  quotingParamsEntries,
  RawQuote,
  SideBuffer,
  type SideLimits,
} from "./quoting.ts";
export type { GuardLimits, StrategyFault } from "./supervisor.ts";
export {
  type BookUpdate,
  type IntentSink,
  newQuoteDecision,
  type OrderIntent,
  type ParamIssue,
  type ParamsValidation,
  type ParentOrderUpdate,
  type PositionUpdate,
  type QuoteDecision,
  type QuoteIntent,
  type QuoteLevel,
  type RouteIntent,
  type Strategy,
  type StrategyContext,
  type StrategyInstrument,
  type StrategyState,
  type TradeTick,
} from "./types.ts";
