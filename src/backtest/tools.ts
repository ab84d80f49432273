/**
 * Dispatches the history tools by name (`bun run record`, `bun run backtest`, `bun run tardis`), so one
 * entry point (src/cli.ts) installs dependencies once and every tool reports errors the same way.
 */
import { BACKTEST_USAGE, runBacktestTool } from "./backtest-tool.ts";
import { RECORD_USAGE, runRecord, toolFailure } from "./record.ts";
import { runTardis, TARDIS_USAGE } from "./tardis-tool.ts";
import { ToolUsageError } from "./tool-args.ts";

interface Tool {
  readonly run: (argv: readonly string[]) => Promise<number>;
  readonly usage: string;
}

const TOOLS: Readonly<Record<string, Tool>> = {
  record: { run: runRecord, usage: RECORD_USAGE },
  backtest: { run: runBacktestTool, usage: BACKTEST_USAGE },
  tardis: { run: runTardis, usage: TARDIS_USAGE },
};

/** Runs the named tool; resolves to the process exit code (1 for usage and start-up errors). */
export async function runTool(name: string | undefined, argv: readonly string[]): Promise<number> {
  const tool = name === undefined ? undefined : TOOLS[name];
  if (tool === undefined) {
    process.stderr.write(`unknown tool ${JSON.stringify(name)} (known: ${Object.keys(TOOLS).join(", ")})\n`);
    return 1;
  }
  try {
    return await tool.run(argv);
  } catch (e) {
    process.stderr.write(`${toolFailure(name ?? "", e)}\n`);
    if (e instanceof ToolUsageError) process.stderr.write(`${tool.usage}\n`);
    return 1;
  }
}
