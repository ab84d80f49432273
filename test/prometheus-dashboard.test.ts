/**
 * Every Grafana dashboard query, run through a real Prometheus that scrapes our HTTP server.
 *
 * The metrics come from a SYNTHETIC driver (test/support/synthetic-metrics.ts), not the engine: it
 * bumps every metric the way trading would. When the engine exists, the driver is replaced by the
 * engine trading against the simulator; the rest of this test stays as it is.
 *
 * Needs the `prometheus` binary (Debian package `prometheus`); skipped with a message when absent.
 * `.ci/checks/prometheus-dashboard.sh` installs it and sets HFT_REQUIRE_PROMETHEUS=1, so CI never skips.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CommandQueue,
  ControlAuth,
  createHttpApp,
  type RunningHttpServer,
  startHttpServer,
} from "../src/command/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { SystemClock } from "../src/services/clock.ts";
import { dashboardQueries, dashboardVariables, expandForPrometheus } from "./support/dashboard.ts";
import { driveOnce, populateSynthetic } from "./support/synthetic-metrics.ts";

const SEED = Number(process.env.SEED ?? 20261125);
const PROMETHEUS = Bun.which("prometheus");
const REQUIRED = process.env.HFT_REQUIRE_PROMETHEUS === "1";
if (PROMETHEUS === null) {
  const msg = "prometheus-dashboard: `prometheus` is not installed; skipping (install the Debian package `prometheus`)";
  if (REQUIRED) throw new Error(`${msg}; HFT_REQUIRE_PROMETHEUS=1 forbids skipping`);
  console.warn(msg);
}

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
    await Bun.sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (seed ${SEED}); last error: ${String(last)}`);
}

interface QueryResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

describe.skipIf(PROMETHEUS === null)("dashboard queries against a real Prometheus (synthetic driver)", () => {
  const dir = mkdtempSync(join(tmpdir(), "hft-prom-"));
  const metrics = createEngineMetrics();
  let server: RunningHttpServer | undefined;
  let prom: ReturnType<typeof Bun.spawn> | undefined;
  let driver: ReturnType<typeof setInterval> | undefined;
  let promUrl = "";

  beforeAll(async () => {
    const { state, rng } = populateSynthetic(metrics, SEED);
    driver = setInterval(() => driveOnce(metrics, rng, state), 100);
    const clock = new SystemClock();
    const app = createHttpApp({
      metrics,
      status: { status: () => ({ ...emptyStatus(), nowMs: clock.nowMs() }) },
      strategies: { paramsValidator: () => undefined },
      commands: new CommandQueue({ clock }),
      auth: new ControlAuth(undefined),
    });
    server = startHttpServer(app, { port: 0 });
    const promPort = freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
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
      { stdout: "ignore", stderr: "pipe", env: process.env },
    );
    await until("Prometheus to be ready", 60_000, async () =>
      (await fetch(`${promUrl}/-/ready`)).ok ? true : undefined,
    );
    // rate() needs two samples inside its window and histogram_quantile needs increasing buckets: wait
    // for a handful of scrapes.
    await until("five scrapes of the engine", 60_000, async () => {
      const r = await query("count_over_time(hft_venue_messages_total[1m])");
      const first = r.data?.result[0] as { value?: [number, string] } | undefined;
      return Number(first?.value?.[1] ?? 0) >= 5 ? true : undefined;
    });
  }, 120_000);

  afterAll(async () => {
    if (driver !== undefined) clearInterval(driver);
    if (prom !== undefined) {
      prom.kill();
      await prom.exited;
    }
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function query(expr: string): Promise<QueryResponse> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as QueryResponse;
  }

  test("Prometheus scrapes the endpoint successfully", async () => {
    const r = await query('up{job="hft-engine"}');
    expect(r.status).toBe("success");
    expect(r.data?.result).toHaveLength(1);
  });

  test("every dashboard query returns data", async () => {
    const failures: string[] = [];
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(20);
    for (const q of queries) {
      const expr = expandForPrometheus(q.expr);
      const r = await query(expr);
      if (r.status !== "success") failures.push(`${q.panel}/${q.refId}: ${r.error} in ${expr}`);
      else if ((r.data?.result.length ?? 0) === 0) failures.push(`${q.panel}/${q.refId}: no data for ${expr}`);
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
  }, 60_000);

  test("every template variable has values", async () => {
    for (const v of dashboardVariables()) {
      const res = await fetch(`${promUrl}/api/v1/label/${v.label}/values?match[]=${encodeURIComponent(v.metric)}`);
      const body = (await res.json()) as { data: string[] };
      expect(body.data.length, `variable ${v.name}, seed ${SEED}`).toBeGreaterThan(0);
    }
  });
});

function emptyStatus() {
  return {
    nowMs: 0,
    startedAtMs: 0,
    venues: [],
    books: [],
    positions: [],
    openOrders: [],
    pnl: [],
    risk: { halted: false, haltReason: null, killSwitchEngaged: false, killSwitchTrips: 0, limits: {} },
    strategies: [],
  };
}
