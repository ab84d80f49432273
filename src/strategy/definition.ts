/**
 * What a strategy module hands the engine: its kind, the API version it was written against, the
 * valibot schema of its parameters and a constructor. Built-ins and users' files describe themselves
 * the same way (`defineStrategy`), so the engine loads, validates and builds both through one path,
 * and the API version lets the engine refuse a module written for an incompatible engine with a
 * message instead of failing somewhere inside it.
 */
import type * as v from "valibot";
import { openRanges } from "./fields.ts";
import type { ParamsSchema } from "./params.ts";
import type { Strategy, StrategyContext } from "./types.ts";

/**
 * The strategy API this engine provides, MAJOR.MINOR. The minor grows when the API gains something
 * (a module written for 1.0 runs on 1.3); the major grows when something a module may use changes or
 * goes (a module written for 1.x does not run on 2.0). A module declares the version it was written
 * against as a literal, so an engine that moved on can tell.
 */
export const STRATEGY_API_VERSION = "1.0";

/** A strategy's kind: snake_case, like the built-ins' config types (it is the default name too). */
export const STRATEGY_KIND_RE = /^[a-z][a-z0-9_]{0,31}$/;

/** How a strategy describes itself to the engine (see defineStrategy). */
export interface StrategyDefinition<S extends ParamsSchema = ParamsSchema> {
  /** The strategy API version the module was written against, as a literal ("1.0"), never the imported constant. */
  readonly apiVersion: string;
  /** Snake_case kind shown in status, logs and metrics (e.g. "imbalance_mm"). */
  readonly kind: string;
  /** Strict valibot object schema of the parameters; every number needs a range (fields.ts helpers). */
  readonly paramsSchema: S;
  /** Builds the strategy from parameters already validated by paramsSchema (defaults applied). */
  create(name: string, ctx: StrategyContext, params: v.InferOutput<S>): Strategy;
}

/**
 * Declares a strategy module (its default export): typed so `create` receives the schema's output
 * type, frozen so nothing changes it after the engine has checked it.
 */
export function defineStrategy<S extends ParamsSchema>(definition: StrategyDefinition<S>): StrategyDefinition<S> {
  return Object.freeze({ ...definition });
}

const VERSION_RE = /^(\d{1,4})\.(\d{1,4})$/;

/**
 * Why a module's declared API version cannot run on this engine (undefined when it can): a different
 * major, or a newer minor than the engine provides, or not a "MAJOR.MINOR" string at all.
 */
export function apiVersionProblem(declared: unknown, engine = STRATEGY_API_VERSION): string | undefined {
  const ours = VERSION_RE.exec(engine);
  const theirs = typeof declared === "string" ? VERSION_RE.exec(declared) : null;
  if (ours === null) throw new Error(`engine API version ${engine} is not MAJOR.MINOR`);
  if (theirs === null) {
    return `apiVersion: expected a "MAJOR.MINOR" string like "${engine}" (the strategy API the module was written against), got ${describe(declared)}`;
  }
  const [major, minor] = [Number(theirs[1]), Number(theirs[2])];
  if (major !== Number(ours[1])) {
    return `apiVersion: the module was written for strategy API ${declared}, this engine provides ${engine}: a different major version is incompatible (port the module to ${ours[1]}.x, or run the engine it was written for)`;
  }
  if (minor > Number(ours[2])) {
    return `apiVersion: the module needs strategy API ${declared}, this engine provides only ${engine} (it may use what ${declared} added): upgrade the engine`;
  }
  return undefined;
}

/** A value as an error message shows it: strings quoted, objects by kind. */
function describe(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "function") return "a function";
  return typeof x === "object" ? "an object" : String(x);
}

/** What a schema looks like to inspect it (valibot schemas are plain objects). */
type SchemaShape = {
  readonly type?: unknown;
  readonly entries?: Readonly<Record<string, v.GenericSchema>>;
  readonly wrapped?: SchemaShape;
  readonly "~run"?: unknown;
};

/**
 * Every way a candidate definition falls short, each naming its field; empty when the engine can use
 * it. The API version is checked first and alone: a module written for another API fails its shape
 * for that reason, and saying so is the useful message.
 */
export function definitionProblems(candidate: unknown, engine = STRATEGY_API_VERSION): string[] {
  if (typeof candidate !== "object" || candidate === null) {
    return [
      `expected an object made with defineStrategy({ apiVersion, kind, paramsSchema, create }), got ${describe(candidate)}`,
    ];
  }
  const d = candidate as Record<string, unknown>;
  const version = apiVersionProblem(d.apiVersion, engine);
  if (version !== undefined) return [version];
  const out: string[] = [];
  if (typeof d.kind !== "string" || !STRATEGY_KIND_RE.test(d.kind)) {
    out.push(`kind: expected snake_case of 1-32 letters, digits and _ starting with a letter, got ${describe(d.kind)}`);
  }
  if (typeof d.create !== "function")
    out.push(`create: expected a function (name, ctx, params) => Strategy, got ${describe(d.create)}`);
  out.push(...schemaProblems(d.paramsSchema));
  return out;
}

/**
 * A parameter schema the engine accepts: a valibot strict object (unknown keys refused, as for the
 * built-ins) whose numeric fields all have a finite range, so a value like 1e300 is refused before it
 * becomes an inexact lot count or an absurd size.
 */
export function schemaProblems(schema: unknown): string[] {
  const s = schema as SchemaShape | null | undefined;
  if (typeof s !== "object" || s === null || typeof s["~run"] !== "function") {
    return [
      `paramsSchema: expected a valibot schema (v.strictObject({...}) from the strategy API), got ${describe(schema)}`,
    ];
  }
  if (s.type !== "strict_object" || s.entries === undefined) {
    return [
      `paramsSchema: expected v.strictObject({...}) so unknown parameters are refused, got a ${String(s.type)} schema`,
    ];
  }
  return openRanges(schema as v.GenericSchema).map(
    (path) =>
      `paramsSchema.${path}: a number needs a finite range (numberIn, intField, positiveUpTo, fractionField, ...)`,
  );
}
