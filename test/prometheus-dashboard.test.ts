/**
 * Every Grafana dashboard query, run through a real Prometheus that scrapes the real engine while it
 * trades against the exchange simulator (Binance adapter over loopback, in process, real time).
 * The kill switch is tripped and cleared through the control API on the way, so the risk and
 * control panels show what an operator did, not only zeros. `promtool check metrics` lints the
 * engine's own /metrics text from the same run.
 *
 * Needs the `prometheus` binary (Debian package `prometheus`, which also ships promtool); skipped
 * with a message when absent. `.ci/checks/prometheus-dashboard.sh` installs it and sets
 * HFT_REQUIRE_PROMETHEUS=1, so CI never skips.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ControlAuth,
  createHttpApp,
  type RunningHttpServer,
  type StrategyCatalog,
  startHttpServer,
} from "../src/command/index.ts";
import { Engine, openConfiguredJournal, parseConfig } from "../src/engine/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { SystemClock } from "../src/services/clock.ts";
import { silentLogger } from "../src/services/index.ts";
import { Rng } from "../src/services/rng.ts";
import { type RunningSim, startSim } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { createBinanceAdapter } from "../src/venues/binance/index.ts";
import { dashboardQueries, dashboardVariables, expandForPrometheus } from "./support/dashboard.ts";

const SEED = process.env.SEED ?? "prom-dashboard-1";
const PROMETHEUS = Bun.which("prometheus");
const PROMTOOL = Bun.which("promtool");
const REQUIRED = process.env.HFT_REQUIRE_PROMETHEUS === "1";
if (PROMETHEUS === null) {
  const msg = "prometheus-dashboard: `prometheus` is not installed; skipping (install the Debian package `prometheus`)";
  if (REQUIRED) throw new Error(`${msg}; HFT_REQUIRE_PROMETHEUS=1 forbids skipping`);
  console.warn(msg);
}

const API_KEY = "promKey0123456789promKey0123456789promKey0123456789promKey012345";
const API_SECRET = "promSecret";
const TOKEN = "prom-test-control-token-0123456789";

// Tight quotes on a 4× simulator: fills within seconds (as in test/engine-e2e.test.ts).
const CONFIG = `
engine:
  client_id_prefix: prm1
  shutdown_timeout_ms: 5000
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT, ETH-USDT]
simulator:
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters:
    spread: 0.00002
    max_position: 0.05
    min_profit: 0.000005
    order_size: 0.005
    levels: 2
    level_spacing: 0.00002
    inventory_skew: 0.00002
    refresh_tolerance: 0.00003
risk:
  max_position_base: 0.1
  symbols:
    ETH-USDT: { max_position_base: 2, max_order_base: 0.5 }
http:
  enabled: false
`;

/** A free TCP port on 127.0.0.1, found by letting the OS pick one. */
function freePort(): number {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = s.port ?? 0;
  s.stop(true);
  return port;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await Bun.sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (seed ${SEED}); last error: ${String(last)}`);
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

interface QueryResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: Sample[] };
}

describe.skipIf(PROMETHEUS === null)("dashboard queries against a real Prometheus scraping the trading engine", () => {
  const dir = mkdtempSync(join(tmpdir(), "hft-prom-"));
  const clock = new SystemClock();
  const metrics = createEngineMetrics();
  let sim: RunningSim | undefined;
  let engine: Engine | undefined;
  let server: RunningHttpServer | undefined;
  let prom: ReturnType<typeof Bun.spawn> | undefined;
  let closeJournal: (() => void) | undefined;
  let promUrl = "";
  /** The engine's /metrics text, taken after trading and the kill-switch round trip. */
  let exposition = "";

  async function query(expr: string): Promise<QueryResponse> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as QueryResponse;
  }

  /** The first sample's value of an instant query, or undefined while there is none. */
  async function scalar(expr: string): Promise<number | undefined> {
    const v = (await query(expr)).data?.result[0]?.value[1];
    return v === undefined ? undefined : Number(v);
  }

  /** What the engine did and what Prometheus saw of it, for a failure message. */
  async function diagnostics(): Promise<string> {
    const seen: string[] = [];
    for (const e of [
      "sum(hft_orders_sent_total)",
      "sum(hft_fills_total)",
      "sum(hft_order_ack_latency_seconds_count)",
      "sum(changes(hft_order_ack_latency_seconds_count[1m]))",
      "sum(hft_tick_to_trade_seconds_count)",
      "count_over_time(up[5m])",
    ])
      seen.push(`${e} = ${await scalar(e)}`);
    return `; engine counters ${JSON.stringify(engine?.counters)}, acks ${engine?.ackLatency.count}; Prometheus: ${seen.join(", ")}`;
  }

  async function control(path: string, body?: unknown): Promise<Response> {
    return fetch(`${server?.url}${path}?wait=3000`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
  }

  beforeAll(async () => {
    // Prometheus boots while the engine connects
    const promPort = freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    sim = await startSim({
      seed: SEED,
      speed: 4,
      symbols: ["BTCUSDT", "ETHUSDT"],
      accounts: [{ apiKey: API_KEY, apiSecret: API_SECRET, accountId: "engine", fees: { maker: "0", taker: "0.001" } }],
    });
    const rng = new Rng(SEED);
    const { config } = parseConfig(CONFIG, "prometheus-dashboard.yaml", {
      env: {},
      strategies: strategyParamsSchema,
      strategyTypes: STRATEGY_TYPES,
    });
    const adapter = createBinanceAdapter({
      name: "sim",
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      restUrl: sim.restUrl,
      streamUrl: sim.streamUrl,
      wsApiUrl: sim.wsApiUrl,
      symbols: ["BTC-USDT", "ETH-USDT"],
      clientIdPrefix: config.engine.client_id_prefix,
      clock,
      rng: rng.fork("adapter"),
    });
    // the journal's panels read its commits and the PnL-by-day gauges
    const journal = openConfiguredJournal(config, clock, silentLogger, metrics, join(dir, "journal.sqlite"));
    closeJournal = () => journal?.journal.close();
    const running = new Engine({
      config,
      clock,
      rng,
      adapters: [adapter],
      metrics,
      ...(journal !== undefined ? { journal } : {}),
    });
    engine = running;
    // wired as src/engine/main.ts wires it
    const catalog: StrategyCatalog = {
      paramsValidator: (name) => {
        const st = running.strategy;
        return st !== undefined && st.name === name ? (body) => st.validateParams(body) : undefined;
      },
    };
    const app = createHttpApp({
      metrics,
      status: running,
      strategies: catalog,
      commands: running.commands,
      auth: new ControlAuth(TOKEN),
      ...(journal !== undefined ? { journal: journal.store } : {}),
    });
    server = startHttpServer(app, { port: 0 });
    writeFileSync(
      join(dir, "prometheus.yml"),
      [
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 900ms",
        "scrape_configs:",
        "  - job_name: hft-engine",
        "    static_configs:",
        `      - targets: ["127.0.0.1:${server.port}"]`,
        "",
      ].join("\n"),
    );
    prom = Bun.spawn(
      [
        PROMETHEUS ?? "prometheus",
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        "--log.level=warn",
      ],
      { stdout: "ignore", stderr: "ignore", env: process.env },
    );
    await until("Prometheus to be ready", 30_000, async () =>
      (await fetch(`${promUrl}/-/ready`)).ok ? true : undefined,
    );
    // trading starts once Prometheus scrapes, so it sees the whole run
    await running.start();
    try {
      await until("a fill seen by Prometheus", 40_000, async () =>
        ((await scalar("sum(hft_fills_total)")) ?? 0) > 0 ? true : undefined,
      );

      // the operator's side: a refused request, then the kill switch and a resume
      const refused = await fetch(`${server.url}/api/risk/kill-switch`, { method: "POST" });
      expect(`${SEED}: unauthenticated kill switch ${refused.status}`).toBe(`${SEED}: unauthenticated kill switch 401`);
      const kill = await control("/api/risk/kill-switch", { reason: "prometheus dashboard test" });
      expect(`${SEED}: kill switch ${kill.status}`).toBe(`${SEED}: kill switch 200`);
      await until("Prometheus to see the halt", 15_000, async () =>
        (await scalar("max(hft_risk_kill_switch_engaged)")) === 1 ? true : undefined,
      );
      const resume = await control("/api/risk/resume", { reason: "test goes on" });
      expect(`${SEED}: resume ${resume.status}`).toBe(`${SEED}: resume 200`);
      await until("Prometheus to see trading resumed", 15_000, async () =>
        (await scalar("max(hft_risk_halted)")) === 0 ? true : undefined,
      );
      // The dashboard's rates and quantiles look at the last 30 s: wait until that window holds
      // order flow, acks, tick-to-trade and event-loop samples (two scrapes apart at least).
      for (const counter of [
        "hft_orders_sent_total",
        "hft_order_ack_latency_seconds_count",
        "hft_tick_to_trade_seconds_count",
        "hft_event_loop_lag_seconds_count",
      ]) {
        await until(`${counter} to rise within the last 30 s`, 30_000, async () =>
          ((await scalar(`sum(increase(${counter}[30s]))`)) ?? 0) > 0 ? true : undefined,
        );
      }
    } catch (e) {
      throw new Error(`${(e as Error).message}${await diagnostics()}`);
    }
    exposition = await (await fetch(`${server.url}/metrics`)).text();
  }, 150_000);

  afterAll(async () => {
    if (prom !== undefined) {
      prom.kill();
      await prom.exited;
    }
    if (engine !== undefined && engine.state !== "stopped") await engine.stop("test done").catch(() => {});
    closeJournal?.();
    await server?.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("Prometheus scrapes the engine successfully", async () => {
    const r = await query('up{job="hft-engine"}');
    expect(r.status).toBe("success");
    expect(r.data?.result.map((s) => s.value[1])).toEqual(["1"]);
  });

  test("the engine traded: fills, orders and book updates reached Prometheus", async () => {
    const got = {
      fills: ((await scalar("sum(hft_fills_total)")) ?? 0) > 0,
      ordersSent: ((await scalar("sum(hft_orders_sent_total)")) ?? 0) > 0,
      bookUpdates: ((await scalar("sum(hft_book_updates_total)")) ?? 0) > 0,
      venueMessages: ((await scalar("sum(hft_venue_messages_total)")) ?? 0) > 0,
      killSwitchTrips: (await scalar("sum(hft_risk_kill_switch_trips_total)")) ?? 0,
    };
    expect({ seed: SEED, ...got }).toEqual({
      seed: SEED,
      fills: true,
      ordersSent: true,
      bookUpdates: true,
      venueMessages: true,
      killSwitchTrips: 1,
    });
  });

  test("every dashboard query returns data (at least one sample that is a number)", async () => {
    const failures: string[] = [];
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(20);
    for (const q of queries) {
      const expr = expandForPrometheus(q.expr);
      const r = await query(expr);
      const result = r.data?.result ?? [];
      if (r.status !== "success") failures.push(`${q.panel}/${q.refId}: ${r.error} in ${expr}`);
      else if (result.length === 0) failures.push(`${q.panel}/${q.refId}: no data for ${expr}`);
      else if (result.every((s) => Number.isNaN(Number(s.value[1]))))
        failures.push(`${q.panel}/${q.refId}: only NaN for ${expr}`);
    }
    const context = failures.length === 0 ? "" : await diagnostics();
    expect(failures, `seed ${SEED}${context}`).toEqual([]);
  }, 60_000);

  test("every template variable has values", async () => {
    for (const v of dashboardVariables()) {
      const res = await fetch(`${promUrl}/api/v1/label/${v.label}/values?match[]=${encodeURIComponent(v.metric)}`);
      const body = (await res.json()) as { data: string[] };
      expect({ seed: SEED, variable: v.name, values: body.data }).toEqual({
        seed: SEED,
        variable: v.name,
        values: ["sim"],
      });
    }
  });

  test.skipIf(PROMTOOL === null && !REQUIRED)(
    "promtool check metrics passes on the engine's own /metrics",
    async () => {
      expect(exposition).toContain("hft_fills_total{");
      const p = Bun.spawn([PROMTOOL ?? "promtool", "check", "metrics"], {
        stdin: new Blob([exposition]),
        stdout: "pipe",
        stderr: "pipe",
      });
      const [out, err, code] = await Promise.all([
        new Response(p.stdout).text(),
        new Response(p.stderr).text(),
        p.exited,
      ]);
      expect({ seed: SEED, code, problems: `${out}${err}`.trim() }).toEqual({ seed: SEED, code: 0, problems: "" });
    },
  );
});
