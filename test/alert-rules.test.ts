/**
 * The alerting rules shipped in grafana/prometheus/alerts.yml: every metric they read exists in the
 * engine's registry (a renamed metric must not silence an alert), every rule has a promtool unit test
 * in alerts.test.yml, they cover what the operator must hear about, and — when promtool is installed
 * (Debian package `prometheus`; CI runs the same in .ci/checks/promtool.sh) — `promtool test rules`
 * passes. The Alertmanager config is checked with amtool when it is installed.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { familyOf, metricNamesIn } from "./support/dashboard.ts";

const ROOT = join(import.meta.dir, "..");
const RULES = join(ROOT, "grafana/prometheus/alerts.yml");
const RULE_TESTS = join(ROOT, "grafana/prometheus/alerts.test.yml");
const ALERTMANAGER = join(ROOT, "grafana/alertmanager/alertmanager.yml");

/** Series Prometheus itself makes for every target, not the engine's registry. */
const PROMETHEUS_SERIES = new Set(["up"]);

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

const families = new Map(
  createEngineMetrics()
    .families()
    .map((f) => [f.name, f.type]),
);
const rules = (parse(readFileSync(RULES, "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

describe("alerting rules", () => {
  test("every metric a rule reads is defined by the engine's registry", () => {
    expect(rules.length).toBeGreaterThanOrEqual(10);
    const unknown: string[] = [];
    for (const r of rules) {
      const names = metricNamesIn(r.expr);
      if (names.length === 0) unknown.push(`${r.alert}: no metric in ${r.expr}`);
      for (const n of names) {
        if (!PROMETHEUS_SERIES.has(n) && familyOf(n, families) === undefined) unknown.push(`${r.alert}: ${n}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  test("every rule has a severity, a summary, and a promtool unit test", () => {
    const tests = parse(readFileSync(RULE_TESTS, "utf8")) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const firing = new Set(
      tests.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    for (const r of rules) {
      expect({ alert: r.alert, severity: r.labels?.severity, summary: typeof r.annotations?.summary }).toEqual({
        alert: r.alert,
        severity: expect.stringMatching(/^(page|warn)$/),
        summary: "string",
      });
      expect({ alert: r.alert, testedFiring: firing.has(r.alert) }).toEqual({ alert: r.alert, testedFiring: true });
    }
  });

  test("cover what an operator must hear about", () => {
    const all = rules.map((r) => r.expr).join("\n");
    for (const name of [
      "up{",
      "hft_risk_kill_switch_engaged",
      "hft_risk_daily_pnl",
      "hft_risk_daily_loss_limit",
      "hft_book_health",
      "hft_venue_connected",
      "hft_rate_limit_headroom_ratio",
      "hft_orders_rejected_total",
      "hft_tick_to_trade_seconds_bucket",
      "hft_journal_healthy",
      "hft_journal_queue_depth",
      "hft_journal_commit_errors_total",
    ]) {
      expect({ name, used: all.includes(name) }).toEqual({ name, used: true });
    }
  });

  test.skipIf(Bun.which("promtool") === null)("pass their unit tests under promtool", () => {
    const check = Bun.spawnSync(["promtool", "check", "rules", RULES]);
    expect({ out: check.stdout.toString() + check.stderr.toString(), code: check.exitCode }).toMatchObject({ code: 0 });
    const run = Bun.spawnSync(["promtool", "test", "rules", RULE_TESTS]);
    expect({ out: run.stdout.toString() + run.stderr.toString(), code: run.exitCode }).toMatchObject({ code: 0 });
  });

  test.skipIf(Bun.which("amtool") === null)("the Alertmanager config is valid", () => {
    const run = Bun.spawnSync(["amtool", "check-config", ALERTMANAGER]);
    expect({ out: run.stdout.toString() + run.stderr.toString(), code: run.exitCode }).toMatchObject({ code: 0 });
  });
});
