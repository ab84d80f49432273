/** Public face of the metrics module: definitions, hot-path handles and the scrape. */

export { type DeskLeaseSample, type DeskLimitMetricsSource, registerDeskLimitMetrics } from "./desk-limit-metrics.ts";
export { type DeskMetricsSample, registerDeskMetrics } from "./desk-metrics.ts";
export {
  type BookSample,
  createEngineMetrics,
  EngineMetrics,
  type EngineMetricsOptions,
  type HttpMetrics,
  type InstrumentMetrics,
  JOURNAL_COMMIT_BUCKETS,
  type JournalMetrics,
  type JournalMetricsSource,
  type MetricsSource,
  type PnlDaySample,
  type PositionSample,
  type QuoteStateSample,
  type RiskMetrics,
  type RiskSample,
  type StrategyMetrics,
  type StrategySample,
  type StrategyState,
  type VenueMetrics,
  type VenueSample,
} from "./engine-metrics.ts";
export { EventLoopLagMonitor } from "./event-loop.ts";
export {
  ACK_LATENCY_BUCKETS,
  HotCounter,
  HotGauge,
  HotHistogram,
  LOOP_LAG_BUCKETS,
  STRATEGY_CALLBACK_BUCKETS,
  TICK_TO_TRADE_BUCKETS,
} from "./hot.ts";
export { LatencySamples, percentileOf } from "./latency.ts";
