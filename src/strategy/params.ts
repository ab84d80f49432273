/**
 * Strategy parameters change while the engine runs (control API, operator), so every strategy
 * validates updates with its own exported schema and refuses them with a typed error naming the
 * field, leaving the running parameters untouched.
 */
import * as v from "valibot";
import type { ParamIssue, ParamsValidation } from "./types.ts";

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

/** Turns valibot issues into field issues with readable wording. */
export function paramIssues(issues: readonly v.BaseIssue<unknown>[]): ParamIssue[] {
  return issues.map((i) => {
    const field = v.getDotPath(i) ?? "(params)";
    if (i.type === "strict_object" && i.expected === "never") return { field, message: "unknown parameter" };
    const expected = i.message.startsWith("Invalid ") ? (i.expected ?? "a valid value") : i.message;
    return { field, message: `expected ${expected}, got ${i.received}` };
  });
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * Validates a partial update against the current parameters: unknown fields and bad values are
 * refused, and the merged set must pass the full schema (cross-field rules).
 */
export function validateUpdate<P extends Record<string, unknown>>(
  schema: ParamsSchema,
  current: Readonly<P>,
  partial: unknown,
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
  return { ok: true, merged: full.output as P, changed };
}

/** The control API's view of validateUpdate. */
export function toValidation(
  r: { ok: true; changed: Record<string, unknown> } | { ok: false; issues: ParamIssue[] },
): ParamsValidation {
  return r.ok ? { ok: true, value: r.changed } : { ok: false, issues: r.issues };
}

/** Parses a full parameter set (config) or throws StrategyParamsError. */
export function parseParams<P>(schema: ParamsSchema, name: string, raw: unknown): P {
  const r = v.safeParse(schema, raw ?? {}, { abortEarly: false });
  if (!r.success) throw new StrategyParamsError(name, paramIssues(r.issues));
  return r.output as P;
}

// Reusable field schemas in natural units.
/** A fraction in [0, max). */
export const fractionField = (max = 1) =>
  v.pipe(v.number(), v.finite(), v.minValue(0, "a fraction >= 0"), v.ltValue(max, `a fraction < ${max}`));
/** A strictly positive fraction below max. */
export const positiveFraction = (max = 1) =>
  v.pipe(v.number(), v.finite(), v.gtValue(0, "a fraction > 0"), v.ltValue(max, `a fraction < ${max}`));
/** A strictly positive amount (base units, seconds, ...). */
export const positiveNumber = v.pipe(v.number(), v.finite(), v.gtValue(0, "a number > 0"));
/** A whole number in [min, max]. */
export const intField = (min: number, max: number) =>
  v.pipe(
    v.number(),
    v.integer("an integer"),
    v.minValue(min, `an integer >= ${min}`),
    v.maxValue(max, `an integer <= ${max}`),
  );
