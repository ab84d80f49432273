import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { dashboardQueries, dashboardVariables, familyOf, metricNamesIn } from "./support/dashboard.ts";

const ROOT = join(import.meta.dir, "..");
const families = new Map(
  createEngineMetrics()
    .families()
    .map((f) => [f.name, f.type]),
);

describe("Grafana dashboard", () => {
  const queries = dashboardQueries();

  test("every panel query references only metrics the registry defines", () => {
    expect(queries.length).toBeGreaterThan(20);
    const unknown: string[] = [];
    for (const q of queries) {
      const names = metricNamesIn(q.expr);
      if (names.length === 0) unknown.push(`${q.panel}/${q.refId}: no metric in ${q.expr}`);
      for (const n of names) if (familyOf(n, families) === undefined) unknown.push(`${q.panel}/${q.refId}: ${n}`);
    }
    expect(unknown).toEqual([]);
  });

  test("template variables read labels of defined metrics", () => {
    const vars = dashboardVariables();
    expect(vars.map((v) => v.name)).toEqual(["venue"]);
    for (const v of vars) expect(families.has(v.metric)).toBe(true);
  });

  test("the metric-name extraction catches typos and ignores PromQL syntax", () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le, venue) (rate(hft_tick_to_trade_seconds_bucket{venue=~"$venue"}[$__rate_interval])))',
      ),
    ).toEqual(["hft_tick_to_trade_seconds_bucket"]);
    expect(metricNamesIn("process_resident_memory_bytes / 1e9 + hft_pnl_realized offset 5m")).toEqual([
      "process_resident_memory_bytes",
      "hft_pnl_realized",
    ]);
    const typo = metricNamesIn('sum by (venue) (rate(hft_ordrs_sent_total{state="live"}[5m]))');
    expect(typo).toEqual(["hft_ordrs_sent_total"]);
    expect(familyOf("hft_ordrs_sent_total", families)).toBeUndefined();
    expect(familyOf("hft_orders_sent_total_bucket", families)).toBeUndefined();
    expect(familyOf("hft_order_ack_latency_seconds_bucket", families)).toBe("hft_order_ack_latency_seconds");
  });

  test("covers what operators watch: tick-to-trade p50/p99, books, messages, orders, fills, position, PnL, risk, rate limits, why not quoting", () => {
    const all = queries.map((q) => q.expr).join("\n");
    expect(all).toContain("histogram_quantile(0.5, sum by (le, venue) (rate(hft_tick_to_trade_seconds_bucket");
    expect(all).toContain("histogram_quantile(0.99, sum by (le, venue) (rate(hft_tick_to_trade_seconds_bucket");
    for (const name of [
      "hft_book_health",
      "hft_venue_messages_total",
      "hft_orders_sent_total",
      "hft_orders_rejected_total",
      "hft_fills_total",
      "hft_position",
      "hft_pnl_realized",
      "hft_pnl_unrealized",
      "hft_risk_halted",
      "hft_rate_limit_headroom_ratio",
      "hft_event_loop_lag_seconds_bucket",
      "hft_book_resyncs_total",
      "hft_book_crossed_total",
      "hft_venue_reconnects_total",
      "hft_order_unknown_outcomes_total",
      "hft_strategy_quote_state",
    ]) {
      expect(all).toContain(name);
    }
  });

  test("panels use the provisioned Prometheus datasource and the provider path is the compose mount", () => {
    const ds = readFileSync(join(ROOT, "grafana/provisioning/datasources/prometheus.yml"), "utf8");
    expect(ds).toContain("uid: prometheus");
    expect(ds).toContain("url: http://prometheus:9090");
    const dash = readFileSync(join(ROOT, "grafana/dashboards/hft-engine.json"), "utf8");
    const uids = new Set([...dash.matchAll(/"uid": "([^"]+)"/g)].map((m) => m[1]));
    expect([...uids].sort()).toEqual(["hft-engine", "prometheus"]);
    const provider = readFileSync(join(ROOT, "grafana/provisioning/dashboards/dashboards.yml"), "utf8");
    const path = /path: (\S+)/.exec(provider)?.[1];
    const compose = readFileSync(join(ROOT, "docker-compose.yml"), "utf8");
    expect(compose).toContain(`./grafana/dashboards:${path}:ro`);
  });
});
