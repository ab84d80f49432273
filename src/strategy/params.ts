/**
 * Strategy parameters change while the engine runs (control API, operator), so every strategy
 * validates updates with its own exported schema and refuses them with a typed error naming the
 * field, leaving the running parameters untouched.
 */
import * as v from "valibot";
import { baseToLots } from "../types/index.ts";
import type { ParamIssue, ParamsValidation, StrategyInstrument } from "./types.ts";

/** A refused parameter set or update; issues name each field. */
export class StrategyParamsError extends Error {
  constructor(
    readonly strategy: string,
    readonly issues: readonly ParamIssue[],
  ) {
    super(`strategy ${strategy}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`);
    this.name = "StrategyParamsError";
  }
}

/** A strict object schema of parameters, every field optional with its default. */
export type ParamsSchema = v.StrictObjectSchema<v.ObjectEntries, v.ErrorMessage<v.StrictObjectIssue> | undefined>;

/**
 * Turns valibot issues into field issues with readable wording; a value failing several checks of
 * one range (Infinity: finite and the upper bound) is reported once.
 */
export function paramIssues(issues: readonly v.BaseIssue<unknown>[]): ParamIssue[] {
  const out = issues.map((i) => {
    const field = v.getDotPath(i) ?? "(params)";
    if (i.type === "strict_object" && i.expected === "never") return { field, message: "unknown parameter" };
    const expected = i.message.startsWith("Invalid ") ? (i.expected ?? "a valid value") : i.message;
    return { field, message: `expected ${expected}, got ${i.received}` };
  });
  return out.filter((x, k) => out.findIndex((y) => y.field === x.field && y.message === x.message) === k);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Rules a schema cannot see (they need the instruments a strategy trades): issues for a merged set. */
export type MergedCheck = (merged: Readonly<Record<string, unknown>>) => ParamIssue[];

/**
 * Validates a partial update against the current parameters: unknown fields and bad values are
 * refused, and the merged set must pass the full schema (cross-field rules) and `check`.
 */
export function validateUpdate<P extends Record<string, unknown>>(
  schema: ParamsSchema,
  current: Readonly<P>,
  partial: unknown,
  check: MergedCheck = () => [],
): { ok: true; merged: P; changed: Record<string, unknown> } | { ok: false; issues: ParamIssue[] } {
  if (!isObject(partial))
    return { ok: false, issues: [{ field: "(params)", message: "expected an object of parameters" }] };
  const part = v.safeParse(v.strictObject(v.partial(schema).entries), partial, { abortEarly: false });
  if (!part.success) return { ok: false, issues: paramIssues(part.issues) };
  const changed = part.output as Record<string, unknown>;
  if (Object.keys(changed).length === 0)
    return { ok: false, issues: [{ field: "(params)", message: "no parameter to change" }] };
  const full = v.safeParse(schema, { ...current, ...changed }, { abortEarly: false });
  if (!full.success) return { ok: false, issues: paramIssues(full.issues) };
  const more = check(full.output as P);
  if (more.length > 0) return { ok: false, issues: more };
  return { ok: true, merged: full.output as P, changed };
}

/** The control API's view of validateUpdate. */
export function toValidation(
  r: { ok: true; changed: Record<string, unknown> } | { ok: false; issues: ParamIssue[] },
): ParamsValidation {
  return r.ok ? { ok: true, value: r.changed } : { ok: false, issues: r.issues };
}

/** Parses a full parameter set (config) or throws StrategyParamsError; `check` as in validateUpdate. */
export function parseParams<P>(schema: ParamsSchema, name: string, raw: unknown, check: MergedCheck = () => []): P {
  const r = v.safeParse(schema, raw ?? {}, { abortEarly: false });
  if (!r.success) throw new StrategyParamsError(name, paramIssues(r.issues));
  const more = check(r.output as Record<string, unknown>);
  if (more.length > 0) throw new StrategyParamsError(name, more);
  return r.output as P;
}

/** The parameters in base units that become lot counts on every instrument a strategy trades. */
const LOT_PARAMS = ["order_size", "max_position"] as const;

/**
 * Base amounts must stay exact whole-lot counts (at most 2^53 − 1 lots) on every instrument: the
 * schema bounds them in base units, but how many lots that is depends on each venue's step, known
 * only once the venue has reported its instruments.
 */
export function lotCountIssues(
  params: Readonly<Record<string, unknown>>,
  instruments: readonly StrategyInstrument[],
): ParamIssue[] {
  const issues: ParamIssue[] = [];
  for (const field of LOT_PARAMS) {
    const base = params[field];
    if (typeof base !== "number") continue;
    const inst = instruments.find((i) => baseToLots(base, i.info.qty, "floor") > Number.MAX_SAFE_INTEGER);
    if (inst === undefined) continue;
    const most = inst.info.qty.toNumber(Number.MAX_SAFE_INTEGER).toPrecision(4);
    issues.push({
      field,
      message: `expected at most ${most} base units (2^53 - 1 lots of ${inst.info.qty.increment} on ${inst.venue} ${inst.symbol}), got ${base}`,
    });
  }
  return issues;
}
