/**
 * Validation of control request bodies with valibot. Strategy parameters are validated by a
 * validator the engine injects per strategy (each strategy kind owns its schema); errors always
 * name the offending field so a 400 tells the operator what to fix.
 */
import * as v from "valibot";

/** One problem with a request body: the dotted field path ("(body)" for the whole body) and why. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export type Validation<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly FieldIssue[] };

/** Validates a (partial) parameter update for one strategy. */
export type StrategyParamsValidator = (body: unknown) => Validation<Readonly<Record<string, unknown>>>;

/** Implemented by the engine: which strategies exist and how to validate their parameters. */
export interface StrategyCatalog {
  /** The validator of a configured strategy, or undefined when no strategy has this name. */
  paramsValidator(strategy: string): StrategyParamsValidator | undefined;
}

/** A JSON object (not an array, null or a primitive), the only body shape the control routes take. */
export function isJsonObject(body: unknown): body is Record<string, unknown> {
  return typeof body === "object" && body !== null && !Array.isArray(body);
}

const NOT_AN_OBJECT: Validation<never> = {
  ok: false,
  issues: [{ field: "(body)", message: "expected a JSON object" }],
};

/** Converts valibot issues into field issues. */
export function issuesOf(issues: readonly v.BaseIssue<unknown>[]): FieldIssue[] {
  return issues.map((i) => ({ field: v.getDotPath(i) ?? "(body)", message: i.message }));
}

/** Runs a valibot schema and reports field issues; object schemas never accept arrays. */
export function validate<S extends v.GenericSchema>(schema: S, body: unknown): Validation<v.InferOutput<S>> {
  if ((schema.type === "object" || schema.type === "strict_object") && !isJsonObject(body)) return NOT_AN_OBJECT;
  const r = v.safeParse(schema, body);
  return r.success ? { ok: true, value: r.output } : { ok: false, issues: issuesOf(r.issues) };
}

/**
 * Builds a StrategyParamsValidator from a valibot object schema. Updates are partial (only the
 * fields being changed), unknown fields are errors, and an empty update is refused.
 */
export function paramsValidatorFromSchema(
  schema: v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>,
): StrategyParamsValidator {
  const partial = v.strictObject(v.partial(schema).entries);
  return (body) => {
    if (!isJsonObject(body)) return NOT_AN_OBJECT;
    const r = validate(partial, body);
    if (!r.ok) return r;
    const value = r.value as Record<string, unknown>;
    if (Object.keys(value).length === 0) {
      return { ok: false, issues: [{ field: "(body)", message: "no parameter to change" }] };
    }
    return { ok: true, value };
  };
}

const name = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(64),
  v.regex(/^[\w.:-]+$/, "letters, digits, _ . : - only"),
);

/** Body of POST /api/orders/cancel-all: no field = everything. */
export const CancelAllBody = v.strictObject({ venue: v.optional(name), symbol: v.optional(name) });

/** Body of the kill switch and resume routes: an optional reason for the audit trail. */
export const ReasonBody = v.strictObject({ reason: v.optional(v.pipe(v.string(), v.maxLength(200))) });
