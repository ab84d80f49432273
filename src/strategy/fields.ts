/**
 * Numeric parameter and limit fields with their ranges written once, in the schema: the bounds live
 * in valibot actions that both validate (config and control API alike, with one message stating
 * the whole range, so a refusal says what is allowed) and can be read back (rangeOf,
 * paramsJsonSchema) for the OpenAPI document and the docs check. Nothing numeric is unbounded: a
 * value like 1e300 is refused before it can become an inexact lot count or an absurd limit.
 */
import * as v from "valibot";

/**
 * Largest amount in base units (an order size, a position) any parameter or limit takes: above any
 * position a desk holds even in a coin priced at 1e-5, and small enough that it stays an exact
 * integer count of lots on any grid with a step of 1e-3 or coarser. Finer grids are checked per
 * instrument once the venue reports them (lotCountIssues).
 */
export const MAX_BASE_AMOUNT = 1e12;
/** Largest amount in quote units (a notional limit, a loss limit): a trillion USDT. */
export const MAX_QUOTE_AMOUNT = 1e12;
/** Decimal places of an exact money amount (the execution desk's 10^-18 units). */
export const MONEY_DECIMAL_PLACES = 18;

/** The interval a numeric field accepts; each bound included or not. */
export interface Range {
  readonly min: number;
  readonly minIncluded: boolean;
  readonly max: number;
  readonly maxIncluded: boolean;
  readonly integer: boolean;
}

/** A bound as people read it: 1e12 rather than 1000000000000. */
export function formatBound(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) >= 1e6) return n.toExponential().replace("e+", "e");
  return String(n);
}

/** The interval in the usual notation, "(0, 1e12]", "[1, 20]": what the docs and errors show. */
export function rangeText(r: Range): string {
  return `${r.minIncluded ? "[" : "("}${formatBound(r.min)}, ${formatBound(r.max)}${r.maxIncluded ? "]" : ")"}`;
}

/** A number (or, with integer, a whole number) in the range; every check reports the whole range. */
export function numberIn(what: string, r: Range): v.GenericSchema<number> {
  const msg = `${what} in ${rangeText(r)}`;
  type Check = v.PipeItem<number, number, v.BaseIssue<unknown>>;
  const lower: Check = r.minIncluded
    ? v.minValue<number, number, string>(r.min, msg)
    : v.gtValue<number, number, string>(r.min, msg);
  const upper: Check = r.maxIncluded
    ? v.maxValue<number, number, string>(r.max, msg)
    : v.ltValue<number, number, string>(r.max, msg);
  return r.integer
    ? v.pipe(v.number(msg), v.integer(msg), lower, upper)
    : v.pipe(v.number(msg), v.finite(msg), lower, upper);
}

/** A fraction in [0, max). */
export const fractionField = (max = 1) =>
  numberIn("a fraction", { min: 0, minIncluded: true, max, maxIncluded: false, integer: false });
/** A strictly positive fraction below max: (0, max). */
export const positiveFraction = (max = 1) =>
  numberIn("a fraction", { min: 0, minIncluded: false, max, maxIncluded: false, integer: false });
/** A strictly positive number up to max: (0, max]. */
export const positiveUpTo = (max: number) =>
  numberIn("a number", { min: 0, minIncluded: false, max, maxIncluded: true, integer: false });
/** A whole number in [min, max]. */
export const intField = (min: number, max: number) =>
  numberIn("an integer", { min, minIncluded: true, max, maxIncluded: true, integer: true });
/** An amount in base units (order size, position): (0, MAX_BASE_AMOUNT]. */
export const baseAmount = positiveUpTo(MAX_BASE_AMOUNT);

/** Whether a number is a whole count of 10^-18, so it converts to exact money without rounding. */
export function isExactMoney(n: number): boolean {
  return Number(n.toFixed(MONEY_DECIMAL_PLACES)) === n;
}

/** A money amount (limit, notional) in (0, max] with at most 18 decimal places, so it converts exactly. */
export const moneyAmount = (max: number) =>
  v.pipe(positiveUpTo(max), v.check(isExactMoney, `at most ${MONEY_DECIMAL_PLACES} decimal places`));

type Inspectable = {
  readonly type: string;
  readonly wrapped?: Inspectable;
  readonly pipe?: readonly Inspectable[];
  readonly requirement?: unknown;
  readonly default?: unknown;
  readonly options?: readonly unknown[];
  readonly item?: Inspectable;
  readonly literal?: unknown;
};

/** The schema under optional/nullable wrappers, where its type and pipe are. */
function unwrap(schema: Inspectable): Inspectable {
  let s = schema;
  while (s.wrapped !== undefined) s = s.wrapped;
  return s;
}

/** A pipe's schema and actions in order, nested pipes (a pipe of a piped schema) flattened. */
function flatPipe(s: Inspectable): Inspectable[] {
  if (s.pipe === undefined) return [s];
  return s.pipe.flatMap((item, k) => (k === 0 && item !== s ? flatPipe(item) : [item]));
}

/** The range a numeric field accepts, read from its schema's actions; undefined for a non-numeric field. */
export function rangeOf(schema: v.GenericSchema): Range | undefined {
  const s = unwrap(schema as unknown as Inspectable);
  const actions = flatPipe(s);
  const base = actions[0] ?? s;
  if (base.type !== "number") return undefined;
  const r = { min: -Infinity, minIncluded: false, max: Infinity, maxIncluded: false, integer: false };
  for (const a of actions) {
    const n = a.requirement;
    if (a.type === "integer") r.integer = true;
    else if (typeof n !== "number") continue;
    else if (a.type === "min_value") Object.assign(r, { min: n, minIncluded: true });
    else if (a.type === "gt_value") Object.assign(r, { min: n, minIncluded: false });
    else if (a.type === "max_value") Object.assign(r, { max: n, maxIncluded: true });
    else if (a.type === "lt_value") Object.assign(r, { max: n, maxIncluded: false });
  }
  return r;
}

/** JSON Schema (2020-12, as OpenAPI 3.1 takes it) of one field, bounds and default included. */
function fieldJsonSchema(schema: Inspectable): Record<string, unknown> {
  const dflt = schema.default !== undefined && typeof schema.default !== "function" ? { default: schema.default } : {};
  const s = unwrap(schema);
  const range = rangeOf(s as unknown as v.GenericSchema);
  if (range !== undefined) {
    return {
      type: range.integer ? "integer" : "number",
      ...(range.minIncluded ? { minimum: range.min } : { exclusiveMinimum: range.min }),
      ...(range.maxIncluded ? { maximum: range.max } : { exclusiveMaximum: range.max }),
      ...dflt,
    };
  }
  const base = flatPipe(s)[0] ?? s;
  if (base.type === "picklist") return { enum: base.options, ...dflt };
  if (base.type === "literal") return { const: base.literal, ...dflt };
  if (base.type === "union") return { anyOf: (base.options as Inspectable[]).map(fieldJsonSchema), ...dflt };
  if (base.type === "array" && base.item !== undefined)
    return { type: "array", items: fieldJsonSchema(base.item), ...dflt };
  if (base.type === "string" || base.type === "boolean") return { type: base.type, ...dflt };
  return { ...dflt };
}

/**
 * JSON Schema of a parameter update (any subset of the fields, at least one, nothing else), read
 * from the strategy's own schema, so the API description states the same ranges the checks apply.
 */
export function paramsJsonSchema(
  schema: v.ObjectSchema<v.ObjectEntries, undefined> | v.GenericSchema,
): Record<string, unknown> {
  const entries = (schema as unknown as { entries?: Record<string, Inspectable> }).entries ?? {};
  const properties = Object.fromEntries(Object.entries(entries).map(([k, f]) => [k, fieldJsonSchema(f)]));
  return { type: "object", additionalProperties: false, minProperties: 1, properties };
}

type Walkable = {
  readonly wrapped?: Walkable;
  readonly entries?: Readonly<Record<string, Walkable>>;
  readonly item?: Walkable;
  readonly value?: Walkable;
  readonly options?: readonly unknown[];
  readonly pipe?: readonly Walkable[];
};

/**
 * The dotted path of every numeric field under a schema that lacks a finite range (through optional
 * wrappers, objects, arrays, records and unions): "nothing numeric is unbounded", checked for any
 * schema, the engine's own and users' strategy parameters alike.
 */
export function openRanges(schema: v.GenericSchema, at = ""): string[] {
  const out: string[] = [];
  const walk = (s: Walkable, path: string): void => {
    if (s.wrapped !== undefined) {
      walk(s.wrapped, path);
      return;
    }
    const base = s.pipe !== undefined && s.pipe[0] !== undefined && s.pipe[0] !== s ? s.pipe[0] : s;
    for (const [k, f] of Object.entries(base.entries ?? {})) walk(f, path === "" ? k : `${path}.${k}`);
    if (base.item !== undefined) walk(base.item, `${path}[]`);
    if (base.value !== undefined) walk(base.value, `${path}.<key>`);
    for (const o of base.options ?? []) if (typeof o === "object" && o !== null) walk(o as Walkable, path);
    const r = rangeOf(s as unknown as v.GenericSchema);
    if (r !== undefined && !(Number.isFinite(r.min) && Number.isFinite(r.max)))
      out.push(path === "" ? "(value)" : path);
  };
  walk(schema as unknown as Walkable, at);
  return [...new Set(out)];
}
