/**
 * Entry point of the history tools: `bun run record`, `bun run backtest`, `bun run tardis`. Like
 * main.ts it installs dependencies and builds the C library first, and only then imports the tools.
 */
import { ensureReady, rerunIfInstalled } from "./bootstrap.ts";

try {
  await rerunIfInstalled(ensureReady(), ["src/cli.ts", ...Bun.argv.slice(2)]);
} catch (e) {
  process.stderr.write(`start-up failed: ${(e as Error).message}\n`);
  process.exit(1);
}
const { runTool } = await import("./backtest/index.ts");
const [tool, ...args] = Bun.argv.slice(2);
process.exit(await runTool(tool, args));
