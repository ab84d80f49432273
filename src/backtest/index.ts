/**
 * Public face of backtest, the floor above the engine: running the unchanged engine on recorded
 * market data (replay venues on a virtual clock), its report, and the history command-line tools
 * (record, backtest, tardis import/export).
 */

export { BACKTEST_USAGE, runBacktestTool } from "./backtest-tool.ts";
export { driveReplay, driveUntilSettled } from "./driver.ts";
export { RECORD_USAGE, runRecord, toolFailure } from "./record.ts";
export { drawdowns, inventory, type ReportData, type ReportSummary, sharpe } from "./report.ts";
export { reportHtml } from "./report-html.ts";
export { type BacktestOptions, type BacktestResult, runBacktest } from "./runner.ts";
export { parseToolArgs, ToolUsageError, timeArg } from "./tool-args.ts";
export { runTool } from "./tools.ts";
