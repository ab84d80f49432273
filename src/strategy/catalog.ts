/**
 * The catalogue of built-in strategies by config `type`: each is a definition like a user's module
 * (defineStrategy, written against the public API), so config loading, the control API and the engine
 * handle built-ins and users' files the same way.
 */
import * as v from "valibot";
import { avellanedaStoikov } from "./builtins/avellaneda-stoikov.ts";
import { crossVenueMm } from "./builtins/cross-venue-mm.ts";
import { marketMaking } from "./builtins/market-making.ts";
import type { StrategyDefinition } from "./definition.ts";
import { paramsJsonSchema } from "./fields.ts";
import { type ParamsSchema, paramIssues, StrategyParamsError, toValidation, validateUpdate } from "./params.ts";
import type { ParamsValidation, Strategy, StrategyContext } from "./types.ts";

const CATALOG: Readonly<Record<string, StrategyDefinition>> = {
  market_making: marketMaking,
  avellaneda_stoikov: avellanedaStoikov,
  cross_venue_mm: crossVenueMm,
};

/** Every built-in strategy type. */
export const STRATEGY_TYPES: readonly string[] = Object.keys(CATALOG);

/** The definition of a built-in type, or undefined. */
export function builtinStrategy(type: string): StrategyDefinition | undefined {
  return Object.hasOwn(CATALOG, type) ? CATALOG[type] : undefined;
}

/** The parameter schema of a strategy type (pass to loadConfig's `strategies`), or undefined. */
export function strategyParamsSchema(type: string): v.GenericSchema | undefined {
  return builtinStrategy(type)?.paramsSchema;
}

/**
 * The JSON Schema of a parameter update for every strategy type, read from each type's schema, so
 * the API description (OpenAPI) states exactly the ranges the checks apply.
 */
export function strategyParamsJsonSchemas(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(CATALOG).map(([type, d]) => [type, paramsJsonSchema(d.paramsSchema)]));
}

/**
 * Validates a partial parameter update for a strategy type against its defaults, without a
 * running instance (the running strategy's validateParams also checks against its current values).
 */
export function validateStrategyParams(type: string, partial: unknown): ParamsValidation {
  const entry = builtinStrategy(type);
  if (entry === undefined) return { ok: false, issues: [{ field: "type", message: `unknown strategy type ${type}` }] };
  const defaults = paramsDefaults(entry.paramsSchema);
  return toValidation(validateUpdate(entry.paramsSchema, defaults, partial));
}

/** Every field has a default or is optional, so an empty object parses to the defaults. */
function paramsDefaults(schema: ParamsSchema): Record<string, unknown> {
  const r = v.safeParse(schema, {});
  if (!r.success) throw new StrategyParamsError("defaults", paramIssues(r.issues));
  return r.output as Record<string, unknown>;
}

/** Options of createStrategy. */
export interface CreateStrategyOptions {
  readonly type: string;
  /** Name for the control API and logs (default: the type). */
  readonly name?: string;
  /** Parameters in natural units (config's strategy.parameters); validated here. */
  readonly params?: unknown;
  readonly ctx: StrategyContext;
}

/** Builds a built-in strategy by type; throws StrategyParamsError (unknown type or bad parameters). */
export function createStrategy(opts: CreateStrategyOptions): Strategy {
  const name = opts.name ?? opts.type;
  const entry = builtinStrategy(opts.type);
  if (entry === undefined) {
    throw new StrategyParamsError(name, [
      {
        field: "type",
        message: `unknown strategy type ${JSON.stringify(opts.type)} (known: ${STRATEGY_TYPES.join(", ")})`,
      },
    ]);
  }
  const r = v.safeParse(entry.paramsSchema, opts.params ?? {}, { abortEarly: false });
  if (!r.success) throw new StrategyParamsError(name, paramIssues(r.issues));
  return entry.create(name, opts.ctx, r.output);
}
