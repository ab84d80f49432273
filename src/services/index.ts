/**
 * Public face of services: time, randomness, configuration, logging and unit conversion. The
 * bootstrap (install/build on a fresh clone) is deliberately not re-exported: importing it here
 * would tie every consumer to its file-system work.
 */

export {
  BINANCE_URLS,
  binanceUrls,
  CONFIG_ENV_VAR,
  ConfigError,
  type ConfigIssue,
  controlToken,
  DEFAULT_CONFIG_PATH,
  formatPath,
  isSimVenue,
  issuesFromValibot,
  type LoadedConfig,
  type LoadOptions,
  loadConfig,
  needsSimulator,
  OKX_URLS,
  okxUrls,
  parseConfig,
  type RiskLimitsInput,
  type RiskSymbolLimits,
  redactConfig,
  redactText,
  resolveConfigPath,
  riskLimits,
  type StrategySchemaLookup,
  simulatorSymbols,
  simVenueSettings,
  strategyTargets,
  substituteString,
  venueFees,
} from "../engine/config.ts";
export {
  BINANCE_DEFAULT_FEES,
  type Config,
  ConfigSchema,
  type EngineConfig,
  type Fees,
  type HttpConfig,
  OKX_DEFAULT_FEES,
  type RiskConfig,
  type SimulatorConfig,
  type SimVenueConfig,
  type StrategyConfig,
  SYMBOL_RE,
  type VenueConfig,
} from "../engine/config-schema.ts";
export {
  baseToLots,
  fractionToTicks,
  incrementOf,
  minTickLotsForNotional,
  priceToTicks,
  type Rounding,
} from "../types/units.ts";
export { type Clock, SystemClock, type TimerId, VirtualClock } from "./clock.ts";
export {
  createLogger,
  isSecretKey,
  type LogFields,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  REDACTED,
  redactValue,
  SECRET_KEY_RE,
  silentLogger,
} from "./log.ts";
export { Rng } from "./rng.ts";
