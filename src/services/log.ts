/**
 * A small structured logger: an operator watching the console reads one plain line per event,
 * a log shipper gets one JSON object per line, and neither ever sees a credential (secret-looking
 * field names and every registered secret value are redacted before anything is written).
 */
import type { Clock } from "./clock.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";
/** Structured context of one line; values are printed, never interpreted. */
export type LogFields = Readonly<Record<string, unknown>>;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are credentials wherever they appear. */
export const SECRET_KEY_RE = /secret|password|passphrase|token|api_?key|private_?key|credential|signature/i;
export const REDACTED = "[redacted]";

/** Whether a field holds a credential; `*_env` fields only name the variable that holds one. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY_RE.test(key) && !key.endsWith("_env");
}

/**
 * The logging face the engine and its modules depend on. A message may name fields in braces
 * (`fill {venue} {symbol}`): text lines show them in place, JSON lines carry them as fields too. An
 * `event` field names the kind of line for machines (fill, order, order_rejected, ...); text lines omit it.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds these fields (e.g. { component: "engine" }) to every line. */
  child(fields: LogFields): Logger;
  /** Whether a level would be written (skip building expensive fields otherwise). */
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  readonly format?: LogFormat;
  readonly level?: LogLevel;
  /** Time source for timestamps (wall time of the Clock). */
  readonly clock?: Pick<Clock, "nowMs">;
  /** Where finished lines go (default: stdout for debug/info, stderr for warn/error). */
  readonly write?: (line: string, level: LogLevel) => void;
  /** Secret values (API keys, tokens) to mask wherever they appear in messages or fields. */
  readonly secrets?: Iterable<string>;
}

/** Shortest secret worth masking by value: shorter strings would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;

/** Replaces every registered secret value inside a string. */
function scrub(s: string, secrets: readonly string[]): string {
  let out = s;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * Deep copy with secret-looking keys and registered secret values replaced, so a credential can
 * never reach a log line, the status API or an error message by accident.
 */
export function redactValue(value: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  if (depth > 32) return "[too deep]";
  if (typeof value === "string") return scrub(value, secrets);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return scrub(value.message, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        isSecretKey(k) && v !== undefined && v !== null && v !== "" ? REDACTED : redactValue(v, secrets, depth + 1);
    }
    return out;
  }
  return value;
}

/** One field value as text: strings plain unless they need quotes, everything else as JSON. */
function textValue(v: unknown): string {
  if (typeof v !== "string") return v === undefined ? "undefined" : JSON.stringify(v);
  return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
}

/** `{name}` in a message: a field shown in place in text lines. */
const PLACEHOLDER = /\{(\w+)\}/g;

/**
 * A message template filled from the fields: `fill {venue} {symbol} {side} {quantity} @ {price}`
 * reads as a sentence in both formats, while JSON lines also carry each of those values as its own
 * typed field (so a machine filters on `venue` or `price` instead of parsing `msg`). Returns the
 * sentence and the fields it used (text lines leave those out of their key=value tail).
 */
function render(msg: string, fields: Readonly<Record<string, unknown>>): { text: string; used: Set<string> } {
  const used = new Set<string>();
  if (!msg.includes("{")) return { text: msg, used };
  const text = msg.replace(PLACEHOLDER, (whole, name: string) => {
    if (!(name in fields)) return whole;
    used.add(name);
    const v = fields[name];
    return typeof v === "string" ? v : JSON.stringify(v);
  });
  return { text, used };
}

class StructuredLogger implements Logger {
  constructor(
    private readonly format: LogFormat,
    private readonly minRank: number,
    private readonly clock: Pick<Clock, "nowMs">,
    private readonly sink: (line: string, level: LogLevel) => void,
    private readonly secrets: readonly string[],
    private readonly base: LogFields,
  ) {}

  debug(msg: string, fields?: LogFields): void {
    this.log("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log("error", msg, fields);
  }

  child(fields: LogFields): Logger {
    return new StructuredLogger(this.format, this.minRank, this.clock, this.sink, this.secrets, {
      ...this.base,
      ...fields,
    });
  }

  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= this.minRank;
  }

  private log(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (LEVEL_RANK[level] < this.minRank) return;
    const all = redactValue(fields === undefined ? this.base : { ...this.base, ...fields }, this.secrets) as Record<
      string,
      unknown
    >;
    const time = new Date(this.clock.nowMs()).toISOString();
    const { text, used } = render(scrub(msg, this.secrets), all);
    if (this.format === "json") {
      this.sink(JSON.stringify({ time, level, msg: text, ...all }), level);
      return;
    }
    const component = typeof all.component === "string" ? all.component : "";
    let line = `${time} ${level.toUpperCase().padEnd(5)} ${component === "" ? "" : `[${component}] `}${text}`;
    // an empty text field (a reason not given, no detail) says nothing to a reader: JSON keeps it
    for (const [k, v] of Object.entries(all)) {
      if (k !== "component" && k !== "event" && !used.has(k) && v !== "") line += ` ${k}=${textValue(v)}`;
    }
    this.sink(line, level);
  }
}

function defaultWrite(line: string, level: LogLevel): void {
  if (level === "warn" || level === "error") process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}

/** Builds a logger; text lines by default, JSON lines when format is "json". */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const secrets = [...(opts.secrets ?? [])].filter((s) => s.length >= MIN_SECRET_LENGTH);
  // Longest first so a secret containing another is masked whole.
  secrets.sort((a, b) => b.length - a.length);
  return new StructuredLogger(
    opts.format ?? "text",
    LEVEL_RANK[opts.level ?? "info"],
    opts.clock ?? { nowMs: () => Date.now() },
    opts.write ?? defaultWrite,
    secrets,
    {},
  );
}

/** A logger that drops everything, for tests and tools that must stay quiet. */
export const silentLogger: Logger = createLogger({ level: "error", write: () => {} });
