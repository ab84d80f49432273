/**
 * The ranges in config/README.md are the schemas' ranges: each Range column (the three strategies'
 * parameters, the risk block, venues[].staleness and the strategy guard) is compared with what the schema itself accepts, so the document
 * cannot drift from the checks the engine applies.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as v from "valibot";
import { RiskSchema, StalenessSchema, StrategyGuardSchema } from "../src/engine/config-schema.ts";
import { rangeOf, rangeText, strategyParamsSchema } from "../src/strategy/index.ts";

const README = readFileSync(join(import.meta.dir, "..", "config", "README.md"), "utf8");

type Entries = Readonly<Record<string, v.GenericSchema>>;
const entriesOf = (s: unknown): Entries => (s as { entries: Entries }).entries;

/** The line that opens each documented table, and the schema its rows describe. */
const TABLES: [string, RegExp, Entries][] = [
  ["market_making", /^`market_making` /, entriesOf(strategyParamsSchema("market_making"))],
  ["avellaneda_stoikov", /^`avellaneda_stoikov` /, entriesOf(strategyParamsSchema("avellaneda_stoikov"))],
  ["cross_venue_mm", /^`cross_venue_mm` /, entriesOf(strategyParamsSchema("cross_venue_mm"))],
  ["risk", /^\*\*`risk`\*\*/, entriesOf(RiskSchema)],
  ["venues[].staleness", /^\*\*`venues\[\]\.staleness`\*\*/, entriesOf(StalenessSchema)],
  ["strategy.guard", /^\*\*`strategy\.guard`\*\*/, entriesOf(StrategyGuardSchema)],
];

/** Rows of the first table after the line matching `opener`: [names in column 1, Range cell]. */
function rowsAfter(opener: RegExp): { names: string[]; range: string }[] {
  const lines = README.split("\n");
  const start = lines.findIndex((l) => opener.test(l));
  expect(start).toBeGreaterThanOrEqual(0);
  let i = start;
  while (i < lines.length && !lines[i]?.startsWith("|")) i++;
  const header = (lines[i] ?? "").split("|").map((c) => c.trim());
  const col = header.indexOf("Range");
  expect(col).toBeGreaterThan(0);
  const rows: { names: string[]; range: string }[] = [];
  for (i += 2; lines[i]?.startsWith("|"); i++) {
    const cells = (lines[i] ?? "").split("|").map((c) => c.trim());
    rows.push({ names: [...(cells[1] ?? "").matchAll(/`(\w+)`/g)].map((m) => m[1] ?? ""), range: cells[col] ?? "" });
  }
  return rows;
}

/** What the Range cell must say for these fields of a schema. */
function expectedRange(entries: Entries, names: readonly string[]): string {
  const texts = names.map((n) => {
    const field = entries[n];
    expect({ field: n, known: field !== undefined }).toEqual({ field: n, known: true });
    const r = field === undefined ? undefined : rangeOf(field);
    return r === undefined ? "—" : rangeText(r);
  });
  return texts.every((t) => t === "—") ? "—" : texts.join(", ");
}

describe("config/README.md states the schemas' ranges", () => {
  for (const [what, opener, entries] of TABLES) {
    test(`${what}: every row's Range is the schema's, and every field has a row`, () => {
      const rows = rowsAfter(opener);
      const documented = new Set<string>();
      for (const { names, range } of rows) {
        for (const n of names) documented.add(n);
        if (range === "as for `market_making`") {
          const mm = entriesOf(strategyParamsSchema("market_making"));
          expect({ names, here: expectedRange(entries, names) }).toEqual({ names, here: expectedRange(mm, names) });
        } else {
          expect({ names, range }).toEqual({ names, range: expectedRange(entries, names) });
        }
      }
      expect([...documented].sort()).toEqual(Object.keys(entries).sort());
    });
  }
});
