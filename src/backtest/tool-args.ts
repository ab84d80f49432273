/**
 * Strict command lines for the history tools (`bun run record`, `bun run backtest`, `bun run tardis`):
 * node:util parseArgs with every option declared, so a mistyped flag stops the tool naming it
 * instead of running on defaults nobody asked for.
 */
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

/** A command-line mistake: exit code 1 with the tool's usage. */
export class ToolUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolUsageError";
  }
}

/** Parsed values by option name (strings and booleans only). */
export type ToolArgs = Readonly<Record<string, string | boolean | undefined>>;

/** Parses argv against the options; throws ToolUsageError naming the bad flag or argument. */
export function parseToolArgs(tool: string, argv: readonly string[], options: ParseArgsOptionsConfig): ToolArgs {
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    for (const [k, val] of Object.entries(values)) if (val === "") throw new ToolUsageError(`--${k}: expected a value`);
    return values as ToolArgs;
  } catch (e) {
    if (e instanceof ToolUsageError) throw e;
    const known = Object.keys(options)
      .map((k) => `--${k}`)
      .join(", ");
    throw new ToolUsageError(`bun run ${tool}: ${(e as Error).message} (known: ${known})`);
  }
}

/** A string option's value, or undefined. */
export function str(args: ToolArgs, key: string): string | undefined {
  const v = args[key];
  return typeof v === "string" ? v : undefined;
}

/** A time option: ISO 8601 (2026-01-05T12:00:00Z, or a day 2026-01-05) or epoch ms; undefined when absent. */
export function timeArg(args: ToolArgs, key: string): number | undefined {
  const v = str(args, key);
  if (v === undefined) return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (!Number.isFinite(ms))
    throw new ToolUsageError(`--${key}: expected an ISO time or epoch ms, got ${JSON.stringify(v)}`);
  return ms;
}
