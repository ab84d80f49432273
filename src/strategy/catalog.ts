/**
 * The catalogue of built-in strategies by config `type`: how each is created and which schema its
 * parameters follow, so config loading and the control API validate with each strategy's own schema.
 */
import * as v from "valibot";
import { AvellanedaStoikov, avellanedaStoikovParamsSchema } from "./avellaneda-stoikov.ts";
import { CrossVenueMm, crossVenueMmParamsSchema } from "./cross-venue-mm.ts";
import { paramsJsonSchema } from "./fields.ts";
import { MarketMaking, marketMakingParamsSchema } from "./market-making.ts";
import { type ParamsSchema, paramIssues, StrategyParamsError, toValidation, validateUpdate } from "./params.ts";
import type { ParamsValidation, Strategy, StrategyContext } from "./types.ts";

/** One built-in strategy: its parameter schema and its constructor. */
interface Entry {
  readonly schema: ParamsSchema;
  readonly create: (name: string, ctx: StrategyContext, params: unknown) => Strategy;
}

const CATALOG: Readonly<Record<string, Entry>> = {
  market_making: { schema: marketMakingParamsSchema, create: (n, c, p) => new MarketMaking(n, c, p) },
  avellaneda_stoikov: { schema: avellanedaStoikovParamsSchema, create: (n, c, p) => new AvellanedaStoikov(n, c, p) },
  cross_venue_mm: { schema: crossVenueMmParamsSchema, create: (n, c, p) => new CrossVenueMm(n, c, p) },
};

/** Every built-in strategy type. */
export const STRATEGY_TYPES: readonly string[] = Object.keys(CATALOG);

/** The parameter schema of a strategy type (pass to loadConfig's `strategies`), or undefined. */
export function strategyParamsSchema(type: string): v.GenericSchema | undefined {
  return Object.hasOwn(CATALOG, type) ? CATALOG[type]?.schema : undefined;
}

/**
 * The JSON Schema of a parameter update for every strategy type, read from each type's schema, so
 * the API description (OpenAPI) states exactly the ranges the checks apply.
 */
export function strategyParamsJsonSchemas(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(CATALOG).map(([type, e]) => [type, paramsJsonSchema(e.schema)]));
}

/**
 * Validates a partial parameter update for a strategy type against its defaults, without a
 * running instance (the running strategy's validateParams also checks against its current values).
 */
export function validateStrategyParams(type: string, partial: unknown): ParamsValidation {
  const entry = Object.hasOwn(CATALOG, type) ? CATALOG[type] : undefined;
  if (entry === undefined) return { ok: false, issues: [{ field: "type", message: `unknown strategy type ${type}` }] };
  const defaults = paramsDefaults(entry.schema);
  return toValidation(validateUpdate(entry.schema, defaults, partial));
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

/** Builds a strategy by type; throws StrategyParamsError (unknown type or bad parameters). */
export function createStrategy(opts: CreateStrategyOptions): Strategy {
  const name = opts.name ?? opts.type;
  const entry = Object.hasOwn(CATALOG, opts.type) ? CATALOG[opts.type] : undefined;
  if (entry === undefined) {
    throw new StrategyParamsError(name, [
      {
        field: "type",
        message: `unknown strategy type ${JSON.stringify(opts.type)} (known: ${STRATEGY_TYPES.join(", ")})`,
      },
    ]);
  }
  return entry.create(name, opts.ctx, opts.params ?? {});
}
