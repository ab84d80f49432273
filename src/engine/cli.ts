/**
 * The command line of `bun run start`, parsed strictly with node:util parseArgs (as `bun run sim`
 * is): a mistyped flag or a stray argument stops the engine before it loads anything, instead of
 * being ignored while the engine trades on a config nobody asked for.
 */
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import type { LogFormat } from "../services/index.ts";

/** Printed by --help and after every command-line error, so the fix is on the screen. */
export const ENGINE_USAGE = `usage: bun run start [--config <file.yaml>] [--log text|json] [--help]
  -c, --config  config file (default: $HFT_CONFIG, else config/default.yaml)
  --log         console format: readable text lines (default) or one JSON object per line
  -h, --help    print this and exit`;

/** The engine's options as given on the command line; what is absent falls back to env and config. */
export interface EngineArgs {
  readonly help: boolean;
  /** The --config value as typed (relative paths are resolved later against the working directory). */
  readonly config?: string;
  readonly log?: LogFormat;
}

/** A command-line mistake (exit code 1 with the usage), told apart from start-up failures. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const OPTIONS = {
  config: { type: "string", short: "c" },
  log: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

/** What each valued option expects, for the error when its value is missing. */
const EXPECTED: Readonly<Record<string, string>> = {
  config: "a file path",
  log: '"json" or "text"',
};

/** Parses `bun run start` arguments; throws UsageError naming the offending flag or argument. */
export function parseEngineArgs(argv: readonly string[]): EngineArgs {
  let values: { config?: string | undefined; log?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(explainRejected(argv) ?? (e as Error).message);
  }
  if (values.config === "") throw new UsageError("--config: expected a file path");
  const log = values.log;
  if (log !== undefined && log !== "json" && log !== "text")
    throw new UsageError(`--log: expected "json" or "text", got ${JSON.stringify(log)}`);
  return {
    help: values.help === true,
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(log !== undefined ? { log } : {}),
  };
}

/**
 * Why strict parsing refused argv, worded with the flag first ("--confg: unknown option"): a
 * lenient re-parse yields tokens to inspect, so the message never depends on parseArgs' own wording.
 */
function explainRejected(argv: readonly string[]): string | undefined {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, tokens: true });
  for (const t of tokens) {
    if (t.kind === "positional")
      return `unexpected argument ${JSON.stringify(t.value)}: bun run start takes only options`;
    if (t.kind !== "option") continue;
    const expected = EXPECTED[t.name];
    const known = Object.hasOwn(OPTIONS, t.name);
    if (!known) return `${t.rawName}: unknown option (known: --config, --log, --help)`;
    if (expected === undefined && t.value !== undefined) return `${t.rawName}: takes no value`;
    if (expected !== undefined && (t.value === undefined || (!t.inlineValue && t.value.startsWith("-"))))
      return `${t.rawName}: expected ${expected} after it`;
  }
  return undefined;
}
