/**
 * Public face of the engine: the single writer and its wiring (config loading and schema, venue
 * construction, the simulator child, keep-warm) and `runEngine`, what `bun run start` runs.
 */
export {
  BINANCE_URLS,
  binanceUrls,
  CONFIG_ENV_VAR,
  ConfigError,
  type ConfigIssue,
  chooseConfigPath,
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
} from "./config.ts";
export {
  type BacktestConfig,
  BINANCE_DEFAULT_FEES,
  type Config,
  ConfigSchema,
  type EngineConfig,
  type Fees,
  type FillModelConfig,
  type HttpConfig,
  type JournalConfig,
  OKX_DEFAULT_FEES,
  type RecordConfig,
  type RiskConfig,
  type SimulatorConfig,
  type SimVenueConfig,
  type StrategyConfig,
  type StrategyGuardConfig,
  SYMBOL_RE,
  type VenueConfig,
} from "./config-schema.ts";
export {
  Engine,
  type EngineOptions,
  type ShutdownReport,
  type StrategyFactory,
} from "./engine.ts";
export { KeepWarm, type KeepWarmOptions, type KeepWarmStats, type WarmBook } from "./keep-warm.ts";
export { type EngineHttpAppDeps, engineHttpApp, journalPath, openConfiguredJournal, runEngine } from "./main.ts";
export { type SimChild, type SimChildSpec, type SimReady, spawnSimChild } from "./sim-child.ts";
export { guardLimits, StrategyGuard, type StrategyGuardOptions } from "./strategy-guard.ts";
export { type ResolvedStrategy, resolveStrategy } from "./strategy-source.ts";
export { type ConfiguredVenues, createConfiguredVenues, simChildSpec } from "./venues.ts";
