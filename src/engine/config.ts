/**
 * Loads the engine's YAML configuration: picks the file (--config, HFT_CONFIG, config/default.yaml),
 * substitutes ${VAR} and ${VAR:-default} from the environment (or from the file VAR_FILE names, for
 * Docker secrets), reads the control token the same way, validates it strictly and reports
 * every problem at once, each naming the file, the dotted path and what was expected. Credentials
 * never appear in an error, a log line or the status API.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import * as v from "valibot";
import { isMap, isPair, isScalar, isSeq, type Node, parseDocument, parse as parseYaml, Scalar } from "yaml";
import { isSecretKey, REDACTED, redactValue, secretFromEnv } from "../services/index.ts";
import { parseEngineArgs } from "./cli.ts";
import {
  BINANCE_DEFAULT_FEES,
  type Config,
  ConfigSchema,
  type Fees,
  OKX_DEFAULT_FEES,
  type RiskConfig,
  SimVenueSchema,
  type VenueConfig,
} from "./config-schema.ts";

/** Project root (two levels above this file), so the default config is found from any cwd. */
const ROOT = resolve(import.meta.dir, "../..");
/** The file `bun run start` runs with no arguments. */
export const DEFAULT_CONFIG_PATH = resolve(ROOT, "config", "default.yaml");
/** Environment variable naming the config file when --config is not given. */
export const CONFIG_ENV_VAR = "HFT_CONFIG";

/** One problem in a config file: where (dotted path, "(root)" for the document) and what is wrong. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** Every problem found in one file; the message lists them one per line, secrets excluded. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`invalid config ${file}:\n${issues.map((i) => `  ${file}: ${i.path}: ${i.message}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** The parameter schema of a strategy type, or undefined when no strategy has that type. */
export type StrategySchemaLookup = (type: string) => v.GenericSchema | undefined;

export interface LoadOptions {
  /** Environment for ${VAR} substitution (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Validates strategy.parameters with the strategy's own schema (pass the strategy module's
   * lookup); without it parameters are only checked to be a mapping.
   */
  readonly strategies?: StrategySchemaLookup;
  /** Known strategy types, listed in the error for an unknown strategy.type. */
  readonly strategyTypes?: readonly string[];
}

/** A validated config plus what is needed to keep its secrets out of output. */
export interface LoadedConfig {
  readonly file: string;
  readonly config: Config;
  /** Every secret value in the file (keys, secrets, tokens), for the logger to mask. */
  readonly secrets: readonly string[];
  /** The control API's bearer token (from http.control_token_env or its _FILE); undefined = control routes locked. */
  readonly controlToken: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;
type PathKey = string | number;

/** Dotted path as people write it: strategy.parameters.spread, venues[0].api_key. */
export function formatPath(path: readonly PathKey[]): string {
  if (path.length === 0) return "(root)";
  let out = "";
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    else out += out === "" ? k : `.${k}`;
  }
  return out;
}

function isSecretPath(path: readonly PathKey[]): boolean {
  return path.some((k) => typeof k === "string" && isSecretKey(k));
}

const REF_RE = /\$\$|\$\{([^}]*)\}/g;
const VAR_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Expands ${VAR}, ${VAR:-default} ($$ stays a literal $) in one string, each VAR read from the
 * environment or from the file VAR_FILE names; problems go to issues naming the variable (and the
 * file's path) and the config path, never the value.
 */
export function substituteString(s: string, env: Env, path: readonly PathKey[], issues: ConfigIssue[]): string {
  if (!s.includes("$")) return s;
  if (/\$\{[^}]*$/.test(s)) {
    issues.push({ path: formatPath(path), message: "unterminated $" + "{...} reference" });
    return s;
  }
  return s.replace(REF_RE, (whole, body: string | undefined) => {
    if (body === undefined) return "$";
    const sep = body.indexOf(":-");
    const varName = sep >= 0 ? body.slice(0, sep) : body;
    if (!VAR_NAME_RE.test(varName)) {
      issues.push({
        path: formatPath(path),
        message: `invalid reference ${whole}: expected \${NAME} or \${NAME:-default}`,
      });
      return whole;
    }
    const found = secretFromEnv(env, varName);
    if (!found.ok) {
      issues.push({ path: formatPath(path), message: found.message });
      return "";
    }
    if (sep >= 0) return found.value ?? body.slice(sep + 2);
    if (found.value === undefined && env[varName] === undefined) {
      issues.push({
        path: formatPath(path),
        message: `environment variable ${varName} is not set, nor ${varName}_FILE (and no default given)`,
      });
      return "";
    }
    return found.value ?? "";
  });
}

/**
 * Substitutes in every scalar of the YAML tree, in place. A plain (unquoted) scalar is re-read as
 * YAML after substitution so `port: ${PORT:-8080}` is a number; quoted ones and secrets stay strings.
 */
function substituteNode(node: unknown, env: Env, path: PathKey[], issues: ConfigIssue[]): void {
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      path.push(key);
      substituteNode(item.value, env, path, issues);
      path.pop();
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      path.push(i);
      substituteNode(item, env, path, issues);
      path.pop();
    });
  } else if (isScalar(node) && typeof node.value === "string" && node.value.includes("$")) {
    const out = substituteString(node.value, env, path, issues);
    if (out === node.value) return;
    node.value = out;
    if (node.type === Scalar.PLAIN && !isSecretPath(path)) {
      try {
        const reread: unknown = parseYaml(out);
        if (reread === null || ["number", "boolean"].includes(typeof reread)) node.value = reread;
      } catch {
        // not a scalar YAML value: it stays the string it is
      }
    }
  }
}

/** Line and column (1-based) of a character offset, for YAML syntax errors. */
function lineCol(text: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return `line ${line}, column ${offset - last}`;
}

/** The schema reached by following path from root, unwrapping optional/pipe wrappers. */
function schemaAt(root: v.GenericSchema, path: readonly PathKey[]): v.GenericSchema | undefined {
  let s: v.GenericSchema | undefined = root;
  const unwrap = (x: v.GenericSchema): v.GenericSchema => {
    let cur = x as v.GenericSchema & { wrapped?: v.GenericSchema; pipe?: readonly unknown[] };
    for (let guard = 0; guard < 8; guard++) {
      if (cur.wrapped !== undefined) cur = cur.wrapped as typeof cur;
      else if (cur.pipe !== undefined && cur.pipe[0] !== undefined && cur.pipe[0] !== cur)
        cur = cur.pipe[0] as typeof cur;
      else break;
    }
    return cur;
  };
  for (const k of path) {
    if (s === undefined) return undefined;
    const u = unwrap(s) as v.GenericSchema & {
      entries?: Record<string, v.GenericSchema>;
      item?: v.GenericSchema;
      value?: v.GenericSchema;
    };
    if (u.entries !== undefined && typeof k === "string") s = u.entries[k];
    else if (u.item !== undefined && typeof k === "number") s = u.item;
    else if (u.value !== undefined && typeof k === "string") s = u.value;
    else return undefined;
  }
  return s === undefined ? undefined : unwrap(s);
}

/** Turns valibot issues into ConfigIssues: clear wording, unknown keys listed, secret values omitted. */
export function issuesFromValibot(
  schema: v.GenericSchema,
  issues: readonly v.BaseIssue<unknown>[],
  prefix: readonly PathKey[] = [],
): ConfigIssue[] {
  const out = issues.map((issue) => {
    const rel: PathKey[] = (issue.path ?? []).map((p) => p.key as PathKey);
    const path = [...prefix, ...rel];
    const where = formatPath(path);
    if (issue.type === "strict_object" && issue.expected === "never") {
      const parent = schemaAt(schema, rel.slice(0, -1)) as { entries?: Record<string, unknown> } | undefined;
      const allowed = parent?.entries !== undefined ? Object.keys(parent.entries).join(", ") : "";
      return { path: where, message: `unknown key${allowed === "" ? "" : ` (allowed: ${allowed})`}` };
    }
    if (issue.received === "undefined") {
      return { path: where, message: "required, but missing" };
    }
    const expected = issue.message.startsWith("Invalid ") ? (issue.expected ?? "a valid value") : issue.message;
    const got = isSecretPath(path) ? "" : `, got ${issue.received}`;
    return { path: where, message: `expected ${expected}${got}` };
  });
  // a value failing several checks of one range (Infinity: finite and the bound) is reported once
  return out.filter((x, k) => out.findIndex((y) => y.path === x.path && y.message === x.message) === k);
}

const CREDENTIAL_KEYS = ["api_key", "api_secret", "passphrase"] as const;
/** Endpoint keys each real venue type takes under urls. */
const URL_KEYS: Record<"binance" | "okx", readonly string[]> = {
  binance: ["rest", "stream", "ws_api"],
  okx: ["rest", "ws_public", "ws_private"],
};

/** Checks what one schema cannot see: unique names, credentials per venue type, cross-references. */
function semanticIssues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, number>();
  const allSymbols = new Set<string>();
  config.venues.forEach((venue, i) => {
    const first = names.get(venue.name);
    if (first !== undefined) {
      issues.push({ path: `venues[${i}].name`, message: `duplicate venue name (also venues[${first}])` });
    } else names.set(venue.name, i);
    const seen = new Set<string>();
    venue.symbols.forEach((s, j) => {
      if (seen.has(s)) issues.push({ path: `venues[${i}].symbols[${j}]`, message: `duplicate symbol ${s}` });
      seen.add(s);
      allSymbols.add(s);
    });
    if (venue.type === "binance" || venue.type === "okx") {
      const env = venue.type === "binance" ? "BINANCE" : "OKX";
      const keys = venue.type === "binance" ? (["api_key", "api_secret"] as const) : CREDENTIAL_KEYS;
      for (const key of keys) {
        if (venue[key] === undefined || venue[key] === "") {
          issues.push({
            path: `venues[${i}].${key}`,
            message: `required for type ${venue.type}: set it from the environment, e.g. \${${env}_${key.toUpperCase()}}`,
          });
        }
      }
      const allowed = URL_KEYS[venue.type];
      for (const k of Object.keys(venue.urls ?? {})) {
        if (!allowed.includes(k))
          issues.push({
            path: `venues[${i}].urls.${k}`,
            message: `not an endpoint of type ${venue.type} (allowed: ${allowed.join(", ")})`,
          });
      }
    } else if (venue.urls !== undefined && venue.type !== "paper") {
      issues.push({
        path: `venues[${i}].urls`,
        message: `not allowed for type ${venue.type} (the engine points it at its simulator)`,
      });
    }
    if (venue.type === "paper" && venue.source === undefined)
      issues.push({ path: `venues[${i}].source`, message: 'required for type paper: "binance" or "okx"' });
    if (venue.type !== "paper" && venue.source !== undefined)
      issues.push({ path: `venues[${i}].source`, message: "only for type paper" });
    if (venue.type !== "okx" && venue.passphrase !== undefined) {
      issues.push({ path: `venues[${i}].passphrase`, message: "only for type okx" });
    }
    if (venue.batch_orders !== undefined && venue.type !== "okx" && venue.type !== "sim-okx")
      issues.push({ path: `venues[${i}].batch_orders`, message: "only for types okx and sim-okx" });
    if (isSimVenue(venue) && config.simulator.symbols.length > 0) {
      venue.symbols.forEach((s, j) => {
        if (!config.simulator.symbols.includes(s)) {
          issues.push({ path: `venues[${i}].symbols[${j}]`, message: `${s} is not in simulator.symbols` });
        }
      });
    }
  });
  for (const n of Object.keys(config.simulator.venues)) {
    const venue = config.venues.find((vc) => vc.name === n);
    if (venue === undefined || !isSimVenue(venue)) {
      issues.push({ path: `simulator.venues.${n}`, message: `no venue named ${n} of type sim or sim-okx` });
    }
  }
  const cpu = config.engine.cpu;
  if (cpu !== null && config.simulator.cpu === cpu) {
    issues.push({
      path: "simulator.cpu",
      message: `must differ from engine.cpu (${cpu}): the engine's order writes wake the simulator, which would preempt the engine on its own CPU`,
    });
  }
  const strat = config.strategy;
  issues.push(...strategySourceIssues(strat));
  strat.venues?.forEach((n, i) => {
    if (!names.has(n)) issues.push({ path: `strategy.venues[${i}]`, message: `no venue named ${n}` });
  });
  const traded = new Set(
    config.venues
      .filter((vc) => strat.venues === undefined || strat.venues.includes(vc.name))
      .flatMap((vc) => vc.symbols),
  );
  strat.symbols?.forEach((s, i) => {
    if (!traded.has(s))
      issues.push({ path: `strategy.symbols[${i}]`, message: `${s} is not a symbol of the strategy's venues` });
  });
  for (const s of Object.keys(config.risk.symbols)) {
    if (!allSymbols.has(s)) issues.push({ path: `risk.symbols.${s}`, message: `${s} is not a symbol of any venue` });
  }
  return issues;
}

/** A strategy is a built-in (type) or a user's file (module): exactly one of the two. */
function strategySourceIssues(strat: Config["strategy"]): ConfigIssue[] {
  if (strat.type !== undefined && strat.module !== undefined) {
    return [
      { path: "strategy", message: "expected either type (a built-in strategy) or module (a strategy file), not both" },
    ];
  }
  if (strat.type === undefined && strat.module === undefined) {
    return [{ path: "strategy", message: "expected type (a built-in strategy) or module (a strategy file)" }];
  }
  return [];
}

/**
 * Validates strategy.parameters with the strategy's schema, straight from the raw document so its
 * problems are reported together with every other; the parsed parameters (defaults applied) or issues.
 */
function strategyParams(raw: Record<string, unknown>, opts: LoadOptions): { issues: ConfigIssue[]; output?: unknown } {
  if (opts.strategies === undefined) return { issues: [] };
  const strat = raw.strategy;
  if (strat === null || typeof strat !== "object" || Array.isArray(strat)) return { issues: [] };
  const { type, parameters } = strat as { type?: unknown; parameters?: unknown };
  if (typeof type !== "string") return { issues: [] };
  const schema = opts.strategies(type);
  if (schema === undefined) {
    const known = opts.strategyTypes?.map((t) => JSON.stringify(t)).join(", ");
    const message = `unknown strategy type ${JSON.stringify(type)}${known ? `: expected one of ${known}` : ""}`;
    return { issues: [{ path: "strategy.type", message }] };
  }
  const r = v.safeParse(schema, parameters ?? {}, { abortEarly: false });
  return r.success
    ? { issues: [], output: r.output }
    : { issues: issuesFromValibot(schema, r.issues, ["strategy", "parameters"]) };
}

/** Collects every secret value (so the logger can mask them wherever they turn up). */
function collectSecrets(value: unknown, out: string[], token: string | undefined): void {
  const walk = (x: unknown, key: string): void => {
    if (typeof x === "string") {
      if (isSecretKey(key) && x !== "") out.push(x);
    } else if (Array.isArray(x)) {
      for (const item of x) walk(item, key);
    } else if (x !== null && typeof x === "object") {
      for (const [k, val] of Object.entries(x)) walk(val, k);
    }
  };
  walk(value, "");
  if (token !== undefined && token !== "") out.push(token);
}

/** Parses and validates config text; throws ConfigError listing every problem. */
export function parseConfig(text: string, file: string, opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Positions only: a YAML error's source excerpt could contain a credential.
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        path: "(yaml)",
        message: `${e.code} at ${lineCol(text, e.pos[0])}: ${e.message.split("\n")[0]}`,
      })),
    );
  }
  // Substitution problems are collected and validation goes on, so one run reports everything.
  const envIssues: ConfigIssue[] = [];
  substituteNode(doc.contents as Node | null, env, [], envIssues);
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(file, [{ path: "(root)", message: "expected a mapping with venues and strategy" }]);
  }
  const fail = (issues: ConfigIssue[]): never => {
    const envPaths = new Set(envIssues.map((i) => i.path));
    throw new ConfigError(file, [...envIssues, ...issues.filter((i) => !envPaths.has(i.path))]);
  };
  const r = v.safeParse(ConfigSchema, raw, { abortEarly: false });
  const params = strategyParams(raw as Record<string, unknown>, opts);
  if (!r.success) return fail([...issuesFromValibot(ConfigSchema, r.issues), ...params.issues]);
  const config = r.output;
  const tokenIssues: ConfigIssue[] = [];
  let token: string | undefined;
  try {
    token = controlToken(config, env);
  } catch (e) {
    tokenIssues.push({ path: "http.control_token_env", message: (e as Error).message });
  }
  const more = [...semanticIssues(config), ...params.issues, ...tokenIssues];
  if (more.length > 0 || envIssues.length > 0) return fail(more);
  if (params.output !== undefined) {
    (config.strategy as { parameters: Record<string, unknown> }).parameters = params.output as Record<string, unknown>;
  }
  // a strategy file is named relative to the config file, wherever the engine was started from
  const module = config.strategy.module;
  if (module !== undefined) (config.strategy as { module: string }).module = resolve(dirname(file), module);
  const secrets: string[] = [];
  collectSecrets(config, secrets, token);
  return { file, config, secrets, controlToken: token };
}

/** Reads and validates a config file; a missing or unreadable file is a ConfigError too. */
export function loadConfig(path: string, opts: LoadOptions = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code ?? "read error";
    throw new ConfigError(path, [{ path: "(file)", message: `cannot read the file (${code})` }]);
  }
  return parseConfig(text, path, opts);
}

/**
 * Which file to load: `--config <path>` / `--config=<path>`, else $HFT_CONFIG, else
 * config/default.yaml. Relative paths are taken from the working directory. Parses argv strictly
 * (see cli.ts), so an unknown flag throws a UsageError here too.
 */
export function resolveConfigPath(
  argv: readonly string[] = Bun.argv.slice(2),
  env: Env = process.env,
  cwd: string = process.cwd(),
): string {
  return chooseConfigPath(parseEngineArgs(argv).config, env, cwd);
}

/** The --config fallback chain on an already parsed flag, so main parses its command line once. */
export function chooseConfigPath(
  flag: string | undefined,
  env: Env = process.env,
  cwd: string = process.cwd(),
): string {
  if (flag !== undefined) return resolve(cwd, flag);
  const fromEnv = env[CONFIG_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== "") return resolve(cwd, fromEnv);
  return DEFAULT_CONFIG_PATH;
}

/** A copy safe to print or serve: credentials replaced by "[redacted]". */
export function redactConfig<T>(value: T, secrets: readonly string[] = []): T {
  return redactValue(value, secrets) as T;
}

/** Masks secret values inside any text (error messages from libraries, URLs with keys). */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length >= 6 && out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out;
}

/** The fee rates the strategy assumes on a venue: its own, else the simulator's or the venue's defaults. */
export function venueFees(config: Config, venue: VenueConfig): Fees {
  if (venue.fees !== undefined) return venue.fees;
  if (isSimVenue(venue)) return config.simulator.fees;
  return venue.type === "okx" || venue.source === "okx" ? OKX_DEFAULT_FEES : BINANCE_DEFAULT_FEES;
}

/** Whether the engine's simulator serves this venue (type sim or sim-okx). */
export function isSimVenue(venue: VenueConfig): boolean {
  return venue.type === "sim" || venue.type === "sim-okx";
}

/** Symbols the simulator must list: its own list, or every symbol of every sim venue. */
export function simulatorSymbols(config: Config): string[] {
  if (config.simulator.symbols.length > 0) return [...config.simulator.symbols];
  return [...new Set(config.venues.filter(isSimVenue).flatMap((vc) => vc.symbols))];
}

/** Whether any venue needs the engine to start the simulator. */
export function needsSimulator(config: Config): boolean {
  return config.venues.some(isSimVenue);
}

/** A sim venue's knobs with every default applied (from SimVenueSchema and simulator.latency_ms). */
export function simVenueSettings(
  config: Config,
  venue: VenueConfig,
): { lagMs: number; noiseBps: number; marketDataMs: number; orderEntryMs: number } {
  const sv = config.simulator.venues[venue.name] ?? v.parse(SimVenueSchema, {});
  const latency = sv.latency_ms ?? config.simulator.latency_ms;
  return {
    lagMs: sv.lag_ms,
    noiseBps: sv.noise_bps,
    marketDataMs: latency.market_data,
    orderEntryMs: latency.order_entry,
  };
}

/** Binance endpoints (production and the spot testnet), as in shared/venue-protocols.md. */
export const BINANCE_URLS = {
  live: {
    rest: "https://api.binance.com",
    stream: "wss://stream.binance.com:9443",
    ws_api: "wss://ws-api.binance.com:443/ws-api/v3",
  },
  testnet: {
    rest: "https://testnet.binance.vision",
    stream: "wss://stream.testnet.binance.vision",
    ws_api: "wss://ws-api.testnet.binance.vision/ws-api/v3",
  },
} as const;

/** OKX endpoints (production and demo trading), as in shared/venue-protocols.md. */
export const OKX_URLS = {
  live: {
    rest: "https://www.okx.com",
    ws_public: "wss://ws.okx.com:8443/ws/v5/public",
    ws_private: "wss://ws.okx.com:8443/ws/v5/private",
  },
  testnet: {
    rest: "https://www.okx.com",
    ws_public: "wss://wspap.okx.com:8443/ws/v5/public",
    ws_private: "wss://wspap.okx.com:8443/ws/v5/private",
  },
} as const;

/** Endpoints of an okx venue: its overrides, else live or demo defaults. */
export function okxUrls(venue: VenueConfig): { rest: string; ws_public: string; ws_private: string } {
  const base = venue.testnet ? OKX_URLS.testnet : OKX_URLS.live;
  return {
    rest: venue.urls?.rest ?? base.rest,
    ws_public: venue.urls?.ws_public ?? base.ws_public,
    ws_private: venue.urls?.ws_private ?? base.ws_private,
  };
}

/** Endpoints of a binance venue: its overrides, else live or testnet defaults. Sim venues get theirs from the running simulator. */
export function binanceUrls(venue: VenueConfig): { rest: string; stream: string; ws_api: string } {
  const base = venue.testnet ? BINANCE_URLS.testnet : BINANCE_URLS.live;
  return {
    rest: venue.urls?.rest ?? base.rest,
    stream: venue.urls?.stream ?? base.stream,
    ws_api: venue.urls?.ws_api ?? base.ws_api,
  };
}

/**
 * The control API token from the environment variable the config names, or from the file its _FILE
 * variable names; undefined = control routes locked. Throws naming the variable (and the file's
 * path) when both are set or the file is unreadable or empty.
 */
export function controlToken(config: Config, env: Env = process.env): string | undefined {
  const t = secretFromEnv(env, config.http.control_token_env);
  if (!t.ok) throw new Error(t.message);
  return t.value?.trim();
}

/** Every (venue, symbol) the strategy trades. */
export function strategyTargets(config: Config): { venue: VenueConfig; symbol: string }[] {
  const s = config.strategy;
  const out: { venue: VenueConfig; symbol: string }[] = [];
  for (const venue of config.venues) {
    if (s.venues !== undefined && !s.venues.includes(venue.name)) continue;
    for (const symbol of venue.symbols)
      if (s.symbols === undefined || s.symbols.includes(symbol)) out.push({ venue, symbol });
  }
  return out;
}

/** Structurally the execution module's SymbolLimits (decimal inputs in natural units). */
export interface RiskSymbolLimits {
  readonly maxPositionBase: number;
  readonly maxPositionNotional: number;
  readonly maxOrderBase: number;
  readonly maxOrderNotional: number;
}

/** Structurally the execution module's RiskLimits, so the engine passes it straight to Execution. */
export interface RiskLimitsInput {
  readonly defaults: RiskSymbolLimits;
  readonly perSymbol: Readonly<Record<string, Partial<RiskSymbolLimits>>>;
  readonly maxTotalNotional: number;
  readonly priceBandBps: number;
  readonly maxOrdersPerSecond: number;
  readonly maxCancelsPerSecond: number;
  readonly maxOpenOrders: number;
  readonly dailyLossLimit: number;
}

/** The risk block in the shape the risk gate takes. */
export function riskLimits(risk: RiskConfig): RiskLimitsInput {
  const perSymbol: Record<string, Partial<RiskSymbolLimits>> = {};
  for (const [sym, o] of Object.entries(risk.symbols)) {
    perSymbol[sym] = {
      ...(o.max_position_base !== undefined ? { maxPositionBase: o.max_position_base } : {}),
      ...(o.max_position_notional !== undefined ? { maxPositionNotional: o.max_position_notional } : {}),
      ...(o.max_order_base !== undefined ? { maxOrderBase: o.max_order_base } : {}),
      ...(o.max_order_notional !== undefined ? { maxOrderNotional: o.max_order_notional } : {}),
    };
  }
  return {
    defaults: {
      maxPositionBase: risk.max_position_base,
      maxPositionNotional: risk.max_position_notional,
      maxOrderBase: risk.max_order_base,
      maxOrderNotional: risk.max_order_notional,
    },
    perSymbol,
    maxTotalNotional: risk.max_total_notional,
    priceBandBps: risk.price_band_bps,
    maxOrdersPerSecond: risk.max_orders_per_second,
    maxCancelsPerSecond: risk.max_cancels_per_second,
    maxOpenOrders: risk.max_open_orders,
    dailyLossLimit: risk.daily_loss_limit,
  };
}
