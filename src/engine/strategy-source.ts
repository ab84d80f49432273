/**
 * Where the configured strategy comes from: a built-in by `strategy.type`, or a user's file by
 * `strategy.module`, loaded with Bun's dynamic import. Either way it ends as a checked definition and
 * parameters validated by the definition's own schema, with every problem reported like any other
 * config error (the config file, the path such as strategy.parameters.spread or strategy.module, and
 * for a module its file), before a venue is connected.
 */
import * as v from "valibot";
import {
  builtinStrategy,
  loadStrategyModule,
  STRATEGY_TYPES,
  type StrategyDefinition,
  StrategyModuleError,
} from "../strategy/index.ts";
import { ConfigError, issuesFromValibot } from "./config.ts";
import type { Config } from "./config-schema.ts";

/** The strategy a config asks for, ready to build. */
export interface ResolvedStrategy {
  readonly definition: StrategyDefinition;
  /** Parameters validated by the definition's schema, defaults applied. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The name the control API, logs and metrics use (strategy.name, else the type, else the module's kind). */
  readonly name: string;
  /** The module's absolute path, or undefined for a built-in. */
  readonly module: string | undefined;
  /** What messages name: "built-in market_making" or the module's path. */
  readonly source: string;
}

/**
 * Loads and checks the configured strategy; throws ConfigError naming `file` and the path at fault.
 * A module is imported once per process (Bun caches it by path).
 */
export async function resolveStrategy(config: Config, file = "config"): Promise<ResolvedStrategy> {
  const s = config.strategy;
  const definition = s.module !== undefined ? await moduleDefinition(s.module, file) : builtinDefinition(s.type, file);
  const r = v.safeParse(definition.paramsSchema, s.parameters, { abortEarly: false });
  if (!r.success) {
    throw new ConfigError(file, issuesFromValibot(definition.paramsSchema, r.issues, ["strategy", "parameters"]));
  }
  return {
    definition,
    params: r.output as Record<string, unknown>,
    name: s.name ?? s.type ?? definition.kind,
    module: s.module,
    source: s.module ?? `built-in ${definition.kind}`,
  };
}

function builtinDefinition(type: string | undefined, file: string): StrategyDefinition {
  const d = type === undefined ? undefined : builtinStrategy(type);
  if (d !== undefined) return d;
  const known = STRATEGY_TYPES.map((t) => JSON.stringify(t)).join(", ");
  throw new ConfigError(file, [
    { path: "strategy.type", message: `unknown strategy type ${JSON.stringify(type)}: expected one of ${known}` },
  ]);
}

async function moduleDefinition(path: string, file: string): Promise<StrategyDefinition> {
  try {
    return await loadStrategyModule(path);
  } catch (e) {
    if (!(e instanceof StrategyModuleError)) throw e;
    throw new ConfigError(
      file,
      e.problems.map((p) => ({ path: "strategy.module", message: `${e.file}: ${p}` })),
    );
  }
}
