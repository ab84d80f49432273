/**
 * Public face of backtest, the floor above the engine: running the unchanged engine on recorded
 * market data (replay venues on a virtual clock), its report, and the history command-line tools
 * (record, backtest, tardis import/export).
 */
export { RECORD_USAGE, runRecord, toolFailure } from "./record.ts";
export { parseToolArgs, ToolUsageError, timeArg } from "./tool-args.ts";
export { runTool } from "./tools.ts";
