/**
 * Public face of fills: the local fill model shared by the replay and paper venues (our orders
 * matched against an observed book with queue-position and latency models, fees and balances exact).
 */
export { FillModel, type FillModelOptions, type FillModelStats, levelLots } from "./exchange.ts";
export { ConstantLatency, type LatencyModel, readLatencySamples, SampledLatency } from "./latency.ts";
export { formatUnits, InstrumentUnits, rateString, unitsOf } from "./money.ts";
export {
  fillableLots,
  ProbabilisticQueue,
  type QueueModel,
  type QueuePos,
  queueModel,
  RiskAverseQueue,
} from "./queue.ts";
