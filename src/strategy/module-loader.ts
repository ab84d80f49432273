/**
 * Loads a user's strategy file with Bun's dynamic import and checks it before the engine trusts it:
 * the file exists and imports, its default export is a definition (defineStrategy) of a compatible API
 * version with a strict, bounded parameter schema and a constructor. Every problem is an error naming
 * the file and what was wrong, so a bad module stops start-up with a message instead of failing later
 * inside the hot path.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute } from "node:path";
import { definitionProblems, type StrategyDefinition } from "./definition.ts";

/** A strategy file that could not be used; `problems` say what was wrong, one line each. */
export class StrategyModuleError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`strategy module ${file}: ${problems.join("; ")}`);
    this.name = "StrategyModuleError";
  }
}

/** The public API's package path, which only files inside the project can resolve. */
const API_SPECIFIER = "hft-engine/strategy";

/** Imports the file at an absolute path and returns its checked definition; throws StrategyModuleError. */
export async function loadStrategyModule(file: string): Promise<StrategyDefinition> {
  if (!isAbsolute(file)) throw new StrategyModuleError(file, ["expected an absolute path"]);
  if (!existsSync(file)) throw new StrategyModuleError(file, ["no such file"]);
  if (!statSync(file).isFile()) throw new StrategyModuleError(file, ["not a file"]);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(file)) as Record<string, unknown>;
  } catch (e) {
    throw new StrategyModuleError(file, [importFailure(e)]);
  }
  if (!("default" in mod) || mod.default === undefined) {
    const names = Object.keys(mod);
    throw new StrategyModuleError(file, [
      `expected a default export made with defineStrategy({ apiVersion, kind, paramsSchema, create })${names.length > 0 ? ` (the module exports only: ${names.join(", ")})` : ""}`,
    ]);
  }
  const problems = definitionProblems(mod.default);
  if (problems.length > 0)
    throw new StrategyModuleError(
      file,
      problems.map((p) => `default export: ${p}`),
    );
  return mod.default as StrategyDefinition;
}

/** Why the import failed, with a hint for the one mistake users make most: the API path from outside the project. */
function importFailure(e: unknown): string {
  const msg = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
  const first = msg.split("\n")[0] ?? msg;
  if (first.includes(API_SPECIFIER) || first.includes("'hft-engine'")) {
    return `failed to load: ${first} (the "${API_SPECIFIER}" path resolves only for files inside the engine's project; elsewhere import the file src/strategy/api.ts of the project by its path)`;
  }
  return `failed to load: ${first}`;
}
