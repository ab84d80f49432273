/**
 * `bun run new-strategy NAME`: writes a commented starter strategy and its harness test from the
 * engine's own starter (src/strategy/starter/, type-checked and tested with the rest of the engine, so
 * what it writes compiles and passes), renamed to NAME. It never overwrites a file, and parses its
 * command line strictly (node:util parseArgs) so a mistyped flag stops it before it writes anything.
 * Imports only Node built-ins: it runs before dependencies are installed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

/** The project root (two levels above this file). */
const ROOT = resolve(import.meta.dir, "../..");
const STARTER_DIR = join(import.meta.dir, "starter");
const STARTER = "starter-mm";
const API_SPECIFIER = "hft-engine/strategy";

/** Printed by --help and after every command-line error. */
export const NEW_STRATEGY_USAGE = `usage: bun run new-strategy NAME [--dir <folder>] [--help]
  NAME         the strategy's name: lower-case words of letters and digits joined by - or _ (my-mm, trend_follow)
  -d, --dir    where to write NAME.ts and NAME.test.ts (default: config/strategies, next to the configs)
  -h, --help   print this and exit`;

/** A command-line mistake or a refusal (exit code 1), with a message naming the argument or file. */
export class NewStrategyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NewStrategyError";
  }
}

const OPTIONS = {
  dir: { type: "string", short: "d" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

/** The arguments of `bun run new-strategy`. */
export interface NewStrategyArgs {
  readonly help: boolean;
  readonly name: string;
  readonly dir: string;
}

/** Parses the command line; throws NewStrategyError naming the offending flag or argument. */
export function parseNewStrategyArgs(argv: readonly string[]): NewStrategyArgs {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    throw new NewStrategyError(explainRejected(argv) ?? (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { help: true, name: "", dir: "" };
  if (positionals.length === 0) throw new NewStrategyError("NAME: expected the strategy's name (e.g. my-mm)");
  if (positionals.length > 1)
    throw new NewStrategyError(`unexpected argument ${JSON.stringify(positionals[1])}: one NAME only`);
  if (values.dir === "") throw new NewStrategyError("--dir: expected a folder");
  return { help: false, name: positionals[0] as string, dir: values.dir ?? join("config", "strategies") };
}

/** Why strict parsing refused argv, flag first: a lenient re-parse gives tokens to inspect. */
function explainRejected(argv: readonly string[]): string | undefined {
  const { tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const t of tokens) {
    if (t.kind !== "option") continue;
    if (!Object.hasOwn(OPTIONS, t.name)) return `${t.rawName}: unknown option (known: --dir, --help)`;
    if (t.name === "help" && t.value !== undefined) return `${t.rawName}: takes no value`;
    if (t.name === "dir" && (t.value === undefined || (!t.inlineValue && t.value.startsWith("-"))))
      return `${t.rawName}: expected a folder after it`;
  }
  return undefined;
}

/** A strategy name's spellings: file (kebab), kind (snake), class (Pascal), variable (camel). */
export interface StrategyNames {
  readonly file: string;
  readonly kind: string;
  readonly className: string;
  readonly camel: string;
}

const NAME_RE = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/** The spellings of NAME; throws NewStrategyError when it is not lower-case words joined by - or _. */
export function strategyNames(name: string): StrategyNames {
  if (!NAME_RE.test(name) || name.length > 32) {
    throw new NewStrategyError(
      `NAME: expected lower-case words of letters and digits joined by - or _, starting with a letter, at most 32 characters (e.g. my-mm), got ${JSON.stringify(name)}`,
    );
  }
  const words = name.split(/[-_]/);
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  const className = words.map(cap).join("");
  return {
    file: words.join("-"),
    kind: words.join("_"),
    className,
    camel: className.charAt(0).toLowerCase() + className.slice(1),
  };
}

/** What was written, and how to go on. */
export interface NewStrategyResult {
  readonly strategyFile: string;
  readonly testFile: string;
  /** How the files import the strategy API: the package path inside the project, a relative path outside it. */
  readonly apiImport: string;
}

/**
 * Writes NAME.ts and NAME.test.ts into dir (relative to cwd), renamed from the starter. Refuses,
 * writing nothing, when either file exists.
 */
export function writeStarter(name: string, dir: string, cwd = process.cwd()): NewStrategyResult {
  const names = strategyNames(name);
  const folder = resolve(cwd, dir);
  const strategyFile = join(folder, `${names.file}.ts`);
  const testFile = join(folder, `${names.file}.test.ts`);
  for (const f of [strategyFile, testFile]) {
    if (existsSync(f)) throw new NewStrategyError(`${f}: already exists; not overwritten (pick another NAME or --dir)`);
  }
  const apiImport = apiImportFrom(folder);
  const render = (text: string) => rename(text, names, apiImport);
  mkdirSync(folder, { recursive: true });
  writeFileSync(strategyFile, render(readFileSync(join(STARTER_DIR, `${STARTER}.ts`), "utf8")), { flag: "wx" });
  writeFileSync(testFile, render(readFileSync(join(STARTER_DIR, `${STARTER}.test.ts`), "utf8")), { flag: "wx" });
  return { strategyFile, testFile, apiImport };
}

/** The package path resolves only inside the project; elsewhere the API file is imported by a relative path. */
function apiImportFrom(folder: string): string {
  const rel = relative(ROOT, folder);
  if (rel === "" || (!rel.startsWith("..") && !isAbsolute(rel))) return API_SPECIFIER;
  const path = relative(folder, join(ROOT, "src", "strategy", "api.ts"))
    .split(sep)
    .join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

/** The starter's text with every spelling of its name replaced, and the API import where it resolves. */
function rename(text: string, n: StrategyNames, apiImport: string): string {
  return text
    .replaceAll(`"${API_SPECIFIER}"`, JSON.stringify(apiImport))
    .replaceAll("StarterMm", n.className)
    .replaceAll("starterMm", n.camel)
    .replaceAll("starter_mm", n.kind)
    .replaceAll(STARTER, n.file);
}

/** A path as the user reads it: relative below the working directory, else absolute. */
function shown(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

/** strategy.module for a config file in config/: relative when the strategy sits below config/, else absolute. */
function moduleFromConfig(file: string): string {
  const rel = relative(join(ROOT, "config"), file).split(sep).join("/");
  return rel.startsWith("..") || isAbsolute(rel) ? file : `./${rel}`;
}

/** Runs the command; returns the exit code (0 written, 1 usage error or refusal). */
export function newStrategyMain(argv: readonly string[], cwd = process.cwd()): number {
  try {
    const args = parseNewStrategyArgs(argv);
    if (args.help) {
      console.log(NEW_STRATEGY_USAGE);
      return 0;
    }
    const r = writeStarter(args.name, args.dir, cwd);
    console.log(`wrote ${shown(r.strategyFile, cwd)} (the strategy) and ${shown(r.testFile, cwd)} (its test)
next:
  bun test ${shown(r.testFile, cwd)}
  in a config file in config/:  strategy: { module: ${moduleFromConfig(r.strategyFile)}, parameters: { spread: 0.002 } }
  bun run start --config <that file>      (README: "Write your own strategy")`);
    return 0;
  } catch (e) {
    if (!(e instanceof NewStrategyError)) throw e;
    process.stderr.write(`bun run new-strategy: ${e.message}\n${NEW_STRATEGY_USAGE}\n`);
    return 1;
  }
}

if (import.meta.main) process.exit(newStrategyMain(Bun.argv.slice(2)));
