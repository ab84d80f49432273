/**
 * `bun run backtest --config X --data DIR [--from T] [--to T] [--report DIR] [--seed S]`: runs the
 * unchanged engine on recorded market data and writes report.json and report.html (self-contained)
 * into the report directory; a progress bar on stderr while it runs. Exit 0, or 1 on a usage,
 * config or data error (data issues skipped under on_bad_data: skip are listed in the report).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chooseConfigPath, loadConfig } from "../engine/index.ts";
import { createLogger, SystemClock } from "../services/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../strategy/index.ts";
import { ProgressBar } from "./progress.ts";
import { reportHtml } from "./report-html.ts";
import { runBacktest } from "./runner.ts";
import { parseToolArgs, str, ToolUsageError, timeArg } from "./tool-args.ts";

/** Printed with --help and after a command-line error. */
export const BACKTEST_USAGE = `usage: bun run backtest --config <file.yaml> --data <dir> [--from T] [--to T] [--report <dir>] [--seed S] [--quiet]
  Replays the recordings under <dir>/<venue>/<symbol>/ through the unchanged engine (every venue of the
  config, by name) and writes report.json and report.html into --report (default: backtest-report).
  T is an ISO time (2026-01-05T12:00:00Z), a day (2026-01-05) or epoch ms.`;

const OPTIONS = {
  config: { type: "string", short: "c" },
  data: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  report: { type: "string" },
  seed: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs a backtest from the command line; resolves to the exit code. */
export async function runBacktestTool(argv: readonly string[]): Promise<number> {
  const args = parseToolArgs("backtest", argv, OPTIONS);
  if (args["help"] === true) {
    console.log(BACKTEST_USAGE);
    return 0;
  }
  const loaded = loadConfig(chooseConfigPath(str(args, "config")), {
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const data = str(args, "data") ?? loaded.config.backtest.data;
  if (data === undefined)
    throw new ToolUsageError("--data: no recordings directory given (nor backtest.data in the config)");
  const fromMs = timeArg(args, "from");
  const toMs = timeArg(args, "to");
  const seed = str(args, "seed");
  const out = str(args, "report") ?? "backtest-report";
  const bar = args["quiet"] === true ? undefined : new ProgressBar();
  let last = { framesDone: 0, totalFrames: 0 };
  const log = createLogger({ clock: new SystemClock(), level: "warn", secrets: loaded.secrets });
  const result = await runBacktest({
    config: loaded.config,
    configFile: loaded.file,
    dataDir: data,
    log,
    ...(fromMs !== undefined ? { fromMs } : {}),
    ...(toMs !== undefined ? { toMs } : {}),
    ...(seed !== undefined ? { seed } : {}),
    onProgress: (p) => {
      last = p;
      bar?.update(p.framesDone, p.totalFrames);
    },
  });
  bar?.finish(last.framesDone, last.totalFrames);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "report.json"), `${JSON.stringify(result.report, null, 1)}\n`);
  writeFileSync(join(out, "report.html"), reportHtml(result.report, `Backtest ${loaded.file}`));
  const s = result.report.summary;
  console.log(
    `backtest: ${s.fills} fills, PnL ${s.pnlNet} ${s.currency} net of ${s.fees} fees, Sharpe ${s.sharpe.toFixed(2)}, max drawdown ${s.maxDrawdown.toFixed(2)}, ${Math.round(s.eventsPerSecond)} events/s; report in ${out}/`,
  );
  if (Object.keys(s.dataIssues).length > 0) console.log(`data issues (skipped): ${JSON.stringify(s.dataIssues)}`);
  return 0;
}
