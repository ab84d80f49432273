/**
 * Reads the Grafana dashboard and pulls the metric names out of its PromQL, so tests can check that
 * every panel queries metrics the engine really defines (a typo would otherwise show as an empty
 * panel in production) and can replay every query against a real Prometheus.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const DASHBOARD_PATH = join(import.meta.dir, "..", "..", "grafana", "dashboards", "hft-engine.json");

/** One query of one panel. */
export interface DashboardQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

interface PanelJson {
  title?: string;
  targets?: { refId?: string; expr?: string }[];
  panels?: PanelJson[];
}

/** Every PromQL query in the dashboard, including those inside rows; template-variable queries too. */
export function dashboardQueries(path = DASHBOARD_PATH): DashboardQuery[] {
  const doc = JSON.parse(readFileSync(path, "utf8")) as {
    panels?: PanelJson[];
    templating?: { list?: { name?: string; definition?: string }[] };
  };
  const out: DashboardQuery[] = [];
  const walk = (panels: PanelJson[] | undefined) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) {
        if (t.expr !== undefined) out.push({ panel: p.title ?? "(untitled)", refId: t.refId ?? "?", expr: t.expr });
      }
      walk(p.panels);
    }
  };
  walk(doc.panels);
  return out;
}

/** The template variables' label_values() queries, as metric + label pairs. */
export function dashboardVariables(path = DASHBOARD_PATH): { name: string; metric: string; label: string }[] {
  const doc = JSON.parse(readFileSync(path, "utf8")) as {
    templating?: { list?: { name?: string; definition?: string }[] };
  };
  const out: { name: string; metric: string; label: string }[] = [];
  for (const v of doc.templating?.list ?? []) {
    const m = /^label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*(\w+)\s*\)$/.exec(v.definition ?? "");
    if (m !== null) out.push({ name: v.name ?? "", metric: m[1] ?? "", label: m[2] ?? "" });
  }
  return out;
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "and",
  "or",
  "unless",
  "inf",
  "nan",
]);

/** Metric names referenced by a PromQL expression (functions, labels, keywords and numbers excluded). */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.$])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const name = m[1] ?? "";
    if (m[2] !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** Maps a series name to its family: histogram series carry _bucket/_sum/_count suffixes. */
export function familyOf(name: string, families: ReadonlyMap<string, string>): string | undefined {
  if (families.has(name)) return name;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m !== null && families.get(m[1] ?? "") === "histogram") return m[1];
  return undefined;
}

/** Substitutes Grafana's variables so a query runs as-is against Prometheus' HTTP API. */
export function expandForPrometheus(expr: string, rateInterval = "30s"): string {
  return expr.replace(/\$__rate_interval/g, rateInterval).replace(/\$venue/g, ".*");
}
