import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { createEngineMetrics } from "../metrics/index.ts";
import { SystemClock, VirtualClock } from "../services/index.ts";
import {
  type Command,
  CommandQueue,
  ControlAuth,
  createHttpApp,
  type EngineStatus,
  type HttpAppDeps,
  httpOptionsFromEnv,
  paramsValidatorFromSchema,
  readControlToken,
  StatusBody,
  startHttpServer,
} from "./index.ts";
import { CancelAllBody } from "./validation.ts";

const TOKEN = "test-token-0123456789abcdef";
const MM_SCHEMA = v.object({
  spread_bps: v.pipe(v.number(), v.minValue(1)),
  max_position_lots: v.pipe(v.number(), v.integer(), v.minValue(0)),
  enabled: v.boolean(),
});

function baseStatus(): EngineStatus {
  return {
    nowMs: 1_700_000_000_000,
    startedAtMs: 1_699_999_000_000,
    venues: [
      {
        name: "binance",
        kind: "binance",
        streams: [
          { stream: "market", state: "connected" },
          { stream: "user", state: "connected" },
        ],
        rateLimits: [{ limit: "orders_10s", used: 3, max: 100 }],
        fees: [
          { symbol: "BTC-USDT", maker: 0.001, taker: 0.001, source: "venue", venueMaker: "0.001", venueTaker: "0.001" },
        ],
        feesCheckedAtMs: 1_699_999_000_000,
      },
    ],
    books: [
      {
        venue: "binance",
        symbol: "BTC-USDT",
        health: "live",
        bestBid: "100.00",
        bestAsk: "100.01",
        lastUpdateMs: 1,
        ageMs: 0,
        quotingPaused: null,
      },
    ],
    positions: [],
    openOrders: [],
    pnl: [{ currency: "USDT", realized: "1.50", unrealized: "-0.25", fees: "0.01" }],
    risk: {
      halted: false,
      haltReason: null,
      killSwitchEngaged: false,
      killSwitchTrips: 0,
      dailyPnl: "0",
      dailyDay: "2026-12-01",
      dailyBaseline: "0",
      limits: { max_position_lots: 10 },
    },
    strategies: [
      {
        name: "mm",
        kind: "market_making",
        state: "running",
        failure: null,
        pausedBy: null,
        venue: "binance",
        symbols: ["BTC-USDT"],
        params: { spread_bps: 5, apiSecret: "must-not-leak", nested: { password: "nope", ok: 1 } },
        quoting: [
          {
            venue: "binance",
            symbol: "BTC-USDT",
            bid: "fees_exceed_spread",
            ask: "fees_exceed_spread",
            detail: "best bid edge 10.00 bps, maker fee 10.00 bps, min_profit 1.00 bps",
            sinceMs: 0,
          },
        ],
      },
    ],
    parents: { working: [], submitted: 0, filled: 0, unfilled: {} },
  };
}

/** A test harness: the app, its queue, and the state it reads. */
function harness(opts: { token?: string | undefined; capacity?: number; clock?: VirtualClock | SystemClock } = {}) {
  const metrics = createEngineMetrics({ processMetrics: false });
  const clock = opts.clock ?? new VirtualClock();
  const queue = new CommandQueue({ clock, capacity: opts.capacity ?? 16 });
  let status = baseStatus();
  const validators = new Map([["mm", paramsValidatorFromSchema(MM_SCHEMA)]]);
  const deps: HttpAppDeps = {
    metrics,
    status: { status: () => status },
    strategies: { paramsValidator: (name) => validators.get(name) },
    commands: queue,
    auth: new ControlAuth("token" in opts ? opts.token : TOKEN),
    maxBodyBytes: 1024,
    maxWaitMs: 2000,
  };
  const app = createHttpApp(deps);
  const drained = (): Command[] => {
    const out: Command[] = [];
    queue.drain((c) => {
      out.push(c);
      return { ok: true, message: "done" };
    });
    return out;
  };
  return {
    app,
    queue,
    metrics,
    drained,
    setStatus: (s: EngineStatus) => {
      status = s;
    },
    call: (
      method: string,
      path: string,
      init: { body?: string | Uint8Array; headers?: Record<string, string>; token?: string | null } = {},
    ) => {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      const token = init.token === undefined ? TOKEN : init.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (init.body !== undefined && headers["content-type"] === undefined)
        headers["content-type"] = "application/json";
      return app.handle(new Request(`http://localhost${path}`, { method, headers, body: init.body ?? null }));
    },
  };
}

async function counter(h: ReturnType<typeof harness>, series: string): Promise<number> {
  const text = await h.metrics.scrape();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe("monitoring routes", () => {
  test("/health answers without auth", async () => {
    const h = harness();
    const res = await h.call("GET", "/health", { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  test("/metrics serves the private registry in Prometheus text format", async () => {
    const h = harness();
    h.metrics.forInstrument("binance", "BTC-USDT").fills.inc(3);
    await h.call("GET", "/health");
    const res = await h.call("GET", "/metrics", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain('hft_fills_total{venue="binance",symbol="BTC-USDT"} 3');
    expect(text).toContain('hft_http_requests_total{route="/health",code="200"} 1');
    expect(text).toContain("# TYPE hft_tick_to_trade_seconds histogram");
  });

  test("/ready is 200 when venues are connected and books live, 503 with reasons otherwise", async () => {
    const h = harness();
    let res = await h.call("GET", "/ready", { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, reasons: [] });
    const s = baseStatus();
    h.setStatus({
      ...s,
      venues: [{ ...s.venues[0]!, streams: [{ stream: "user", state: "reconnecting" }] }],
      books: [{ ...s.books[0]!, health: "stale" }],
    });
    res = await h.call("GET", "/ready", { token: null });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { ready: boolean; reasons: string[] };
    expect(body.ready).toBe(false);
    expect(body.reasons).toEqual([
      "no venue connected",
      "venue binance: user stream reconnecting",
      "book binance BTC-USDT: stale",
    ]);
    h.setStatus({ ...s, venues: [], books: [] });
    res = await h.call("GET", "/ready", { token: null });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { reasons: string[] }).reasons).toContain("no venue configured");
  });

  test("/ready is 503 while the kill switch is engaged, trading is halted, no venue is connected or a strategy stopped by itself; an operator's pause stays ready", async () => {
    const h = harness();
    const s = baseStatus();
    const ready = async (status: EngineStatus) => {
      h.setStatus(status);
      const res = await h.call("GET", "/ready", { token: null });
      return { code: res.status, ...((await res.json()) as { ready: boolean; reasons: string[] }) };
    };
    const risk = { ...s.risk, halted: true, killSwitchEngaged: true, haltReason: "operator: fat finger" };
    expect(await ready({ ...s, risk })).toEqual({
      code: 503,
      ready: false,
      reasons: ["kill switch engaged: operator: fat finger"],
    });
    const halted = { ...s.risk, halted: true, killSwitchEngaged: false, haltReason: "daily loss limit" };
    expect(await ready({ ...s, risk: halted })).toEqual({
      code: 503,
      ready: false,
      reasons: ["trading halted: daily loss limit"],
    });
    const venue = s.venues[0]!;
    const down = { ...venue, streams: venue.streams.map((x) => ({ ...x, state: "disconnected" as const })) };
    const second = { ...venue, name: "okx", streams: [{ stream: "market", state: "connected" as const }] };
    expect((await ready({ ...s, venues: [down] })).reasons).toEqual([
      "no venue connected",
      "venue binance: market stream disconnected",
      "venue binance: user stream disconnected",
    ]);
    // one venue of two down: not ready either, but the engine is still connected somewhere
    expect((await ready({ ...s, venues: [down, second] })).reasons).not.toContain("no venue connected");
    // the fill guard's pause stops quoting on a symbol: not ready until the next book update
    const guarded = { ...s.books[0]!, quotingPaused: { sinceMs: 1, reason: "fill on a book 900 ms old" } };
    expect((await ready({ ...s, books: [guarded] })).reasons).toEqual([
      "quoting paused on binance BTC-USDT: fill on a book 900 ms old",
    ]);
    const strategy = s.strategies[0]!;
    const operatorPaused = { ...strategy, state: "paused" as const, pausedBy: "operator" };
    expect(await ready({ ...s, strategies: [operatorPaused] })).toEqual({ code: 200, ready: true, reasons: [] });
    const stopped = { ...strategy, state: "paused" as const, pausedBy: "strategy stopped" };
    expect(await ready({ ...s, strategies: [stopped] })).toEqual({
      code: 503,
      ready: false,
      reasons: ["strategy mm not quoting: strategy stopped"],
    });
    // halted by its guard (it threw): not ready, with what it threw, until an operator resumes it
    const failure = { reason: "error", callback: "book", message: "boom", atMs: 1 };
    const failed = { ...strategy, state: "failed" as const, failure };
    expect((await ready({ ...s, strategies: [failed] })).reasons).toEqual(["strategy mm failed: error in book: boom"]);
  });

  test("an engine whose status throws is not ready (503), and /api/status fails without leaking details", async () => {
    const metrics = createEngineMetrics({ processMetrics: false });
    const app = createHttpApp({
      metrics,
      status: {
        status: () => {
          throw new Error("books not built yet");
        },
      },
      strategies: { paramsValidator: () => undefined },
      commands: new CommandQueue({ clock: new VirtualClock() }),
      auth: new ControlAuth(undefined),
    });
    const ready = await app.handle(new Request("http://localhost/ready"));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, reasons: ["engine status unavailable: books not built yet"] });
    const status = await app.handle(new Request("http://localhost/api/status"));
    expect(status.status).toBe(500);
    expect(await status.json()).toEqual({ error: "internal error" });
    expect(await metrics.scrape()).toContain('hft_http_rejected_requests_total{reason="internal_error"} 1');
  });

  test("/api/status returns the engine status with secrets redacted", async () => {
    const h = harness();
    const res = await h.call("GET", "/api/status", { token: null });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("must-not-leak");
    expect(text).not.toContain("nope");
    const body = JSON.parse(text) as EngineStatus;
    expect(body.strategies[0]?.params).toEqual({
      spread_bps: 5,
      apiSecret: "[redacted]",
      nested: { password: "[redacted]", ok: 1 },
    });
    expect(body.books[0]?.health).toBe("live");
    expect(body.pnl[0]?.realized).toBe("1.50");
  });

  test("/openapi.json documents exactly the registered routes", async () => {
    const h = harness();
    const res = await h.call("GET", "/openapi.json", { token: null });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    const registered = h.app.routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`).sort();
    expect(documented).toEqual(registered);
  });

  test("/openapi.json states each strategy type's parameter ranges as given (read from its schema)", async () => {
    const mm = {
      type: "object",
      additionalProperties: false,
      minProperties: 1,
      properties: { max_position: { type: "number", exclusiveMinimum: 0, maximum: 1e12 } },
    };
    const app = createHttpApp({
      metrics: createEngineMetrics({ processMetrics: false }),
      status: { status: baseStatus },
      strategies: { paramsValidator: () => undefined },
      commands: new CommandQueue({ clock: new VirtualClock() }),
      auth: new ControlAuth(TOKEN),
      strategyParamSchemas: { market_making: mm },
    });
    const doc = (await (await app.handle(new Request("http://localhost/openapi.json"))).json()) as {
      paths: Record<string, { patch?: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
      components: { schemas: Record<string, unknown> };
    };
    const body = doc.paths["/api/strategies/{name}/params"]?.patch?.requestBody.content["application/json"]?.schema;
    expect(body).toMatchObject({ anyOf: [{ $ref: "#/components/schemas/StrategyParams.market_making" }] });
    expect(doc.components.schemas["StrategyParams.market_making"]).toEqual(mm);
  });

  test("/openapi.json is generated from the schemas that validate requests and type responses", async () => {
    const h = harness();
    const doc = (await (await h.call("GET", "/openapi.json", { token: null })).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    const schemas = doc.components.schemas;
    // /api/status is described field by field, from the schema its type is inferred from
    expect(Object.keys(schemas.Status?.properties ?? {}).sort()).toEqual(Object.keys(StatusBody.entries).sort());
    expect(schemas.Status?.properties?.venues).toEqual({
      type: "array",
      items: { $ref: "#/components/schemas/VenueStatus" },
    });
    expect(schemas.QuotingStatus?.required).toEqual(["venue", "symbol", "bid", "ask", "detail", "sinceMs"]);
    // every section of the status is a named component, the desk's firm limits too
    expect(schemas.Status?.properties?.deskLimits).toEqual({ $ref: "#/components/schemas/DeskLimitsStatus" });
    expect(Object.keys(schemas.DeskLimitsStatus?.properties ?? {}).length).toBeGreaterThan(0);
    // the status the engine serves is exactly what the schema says (valibot checks it at run time too)
    expect(v.safeParse(StatusBody, baseStatus()).success).toBe(true);
    // request bodies: the very schemas the control pipeline validates with
    const { $schema: _, ...cancelAll } = toJsonSchema(CancelAllBody, { target: "draft-2020-12" });
    expect(schemas.CancelAllBody).toEqual(cancelAll);
    expect(schemas.CancelAllBody).toMatchObject({ additionalProperties: false });
    // every route answers with a described body
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect({ route: `${method} ${path}`, answers: Object.keys(op.responses).length > 0 }).toEqual({
          route: `${method} ${path}`,
          answers: true,
        });
      }
    }
  });

  test("/docs serves the API page and its scripts from the engine itself, loading nothing from elsewhere", async () => {
    const h = harness();
    const page = await h.call("GET", "/docs", { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(sources.filter((u) => /^(https?:)?\/\//.test(u))).toEqual([]);
    for (const u of sources.filter((x) => x.startsWith("/docs/"))) {
      const res = await h.call("GET", u, { token: null });
      expect({ u, status: res.status, bytes: (await res.arrayBuffer()).byteLength > 100 }).toEqual({
        u,
        status: 200,
        bytes: true,
      });
    }
    const missing = await h.call("GET", "/docs/package.json", { token: null });
    expect(missing.status).toBe(404);
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="not_found"}')).toBe(1);
  });

  test("unknown routes get a JSON 404", async () => {
    const h = harness();
    const res = await h.call("GET", "/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "no route GET /nope" });
  });
});

describe("control authentication", () => {
  test("without a configured token the control routes are disabled, not open", async () => {
    const h = harness({ token: undefined });
    const res = await h.call("POST", "/api/risk/kill-switch", { token: "anything-at-all-123456" });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toContain("HFT_CONTROL_TOKEN");
    expect(h.queue.size).toBe(0);
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="control_disabled"}')).toBe(1);
  });

  test("a missing token gets 401 with a Bearer challenge", async () => {
    const h = harness();
    const res = await h.call("POST", "/api/risk/kill-switch", { token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(h.queue.size).toBe(0);
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="auth_missing"}')).toBe(1);
  });

  test("a wrong token (same or different length) gets 401 and enqueues nothing", async () => {
    const h = harness();
    for (const token of ["x", `${TOKEN}x`, TOKEN.replace("t", "T")]) {
      const res = await h.call("POST", "/api/risk/kill-switch", { token });
      expect(res.status).toBe(401);
    }
    const basic = await h.call("POST", "/api/risk/kill-switch", {
      token: null,
      headers: { authorization: `Basic ${TOKEN}` },
    });
    expect(basic.status).toBe(401);
    expect(h.queue.size).toBe(0);
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="auth_invalid"}')).toBe(3);
  });

  test("the right token is accepted", async () => {
    const h = harness();
    const res = await h.call("POST", "/api/risk/kill-switch");
    expect(res.status).toBe(202);
    expect(h.queue.size).toBe(1);
  });

  test("short tokens are refused at start-up; tokens can come from a *_FILE", () => {
    expect(() => new ControlAuth("short")).toThrow("at least 16 characters");
    const dir = mkdtempSync(join(tmpdir(), "hft-token-"));
    const file = join(dir, "token");
    writeFileSync(file, `${TOKEN}\n`);
    expect(readControlToken({ HFT_CONTROL_TOKEN_FILE: file })).toBe(TOKEN);
    expect(readControlToken({ MY_TOKEN: TOKEN }, "MY_TOKEN")).toBe(TOKEN);
    expect(readControlToken({})).toBeUndefined();
    expect(() => readControlToken({ HFT_CONTROL_TOKEN: TOKEN, HFT_CONTROL_TOKEN_FILE: file })).toThrow("only one");
    expect(() => readControlToken({ HFT_CONTROL_TOKEN_FILE: join(dir, "missing") })).toThrow("HFT_CONTROL_TOKEN_FILE");
    expect(ControlAuth.fromEnv({ HFT_CONTROL_TOKEN_FILE: file }).check(`Bearer ${TOKEN}`)).toBe("ok");
  });
});

describe("control commands are validated and enqueued, never applied by the handler", () => {
  test("each route enqueues a command of the right shape", async () => {
    const h = harness();
    const calls: [string, string, string | undefined][] = [
      ["POST", "/api/strategies/mm/pause", undefined],
      ["POST", "/api/strategies/mm/resume", undefined],
      ["PATCH", "/api/strategies/mm/params", JSON.stringify({ spread_bps: 7.5, enabled: false })],
      ["POST", "/api/orders/cancel-all", undefined],
      ["POST", "/api/orders/cancel-all", JSON.stringify({ venue: "binance" })],
      ["POST", "/api/orders/cancel-all", JSON.stringify({ venue: "binance", symbol: "BTC-USDT" })],
      ["POST", "/api/orders/cancel-all", JSON.stringify({ symbol: "ETH-USDT" })],
      ["POST", "/api/risk/kill-switch", JSON.stringify({ reason: "runaway quoting" })],
      ["POST", "/api/risk/kill-switch", undefined],
      ["POST", "/api/risk/resume", JSON.stringify({ reason: "checked" })],
    ];
    const ids: string[] = [];
    for (const [method, path, body] of calls) {
      const res = await h.call(method, path, body === undefined ? {} : { body });
      expect(res.status).toBe(202);
      const json = (await res.json()) as { status: string; commandId: string; kind: string };
      expect(json.status).toBe("accepted");
      ids.push(json.commandId);
    }
    const got = h.drained();
    expect(got.map((c) => c.id)).toEqual(ids);
    const shapes = got.map(({ id: _id, receivedAtMs: _t, source: _s, ...rest }) => rest);
    expect(shapes).toEqual([
      { kind: "pause_strategy", strategy: "mm" },
      { kind: "resume_strategy", strategy: "mm" },
      { kind: "set_strategy_params", strategy: "mm", params: { spread_bps: 7.5, enabled: false } },
      { kind: "cancel_all" },
      { kind: "cancel_all", venue: "binance" },
      { kind: "cancel_all", venue: "binance", symbol: "BTC-USDT" },
      { kind: "cancel_all", symbol: "ETH-USDT" },
      { kind: "kill_switch", reason: "runaway quoting" },
      { kind: "kill_switch", reason: "operator kill switch" },
      { kind: "resume_trading", reason: "checked" },
    ]);
    expect(got.every((c) => c.source === "http" && c.receivedAtMs === 1_700_000_000_000)).toBe(true);
    expect(await counter(h, 'hft_commands_total{kind="cancel_all"}')).toBe(4);
  });

  test("a bad parameter gets 400 naming the field, and nothing is enqueued", async () => {
    const h = harness();
    const cases: [string, string][] = [
      [JSON.stringify({ spread_bps: "wide" }), "spread_bps"],
      [JSON.stringify({ spread_bps: 0 }), "spread_bps"],
      [JSON.stringify({ max_position_lots: 1.5 }), "max_position_lots"],
      [JSON.stringify({ spreadBps: 5 }), "spreadBps"],
      [JSON.stringify({}), "(body)"],
      [JSON.stringify([1, 2]), "(body)"],
      [JSON.stringify("x"), "(body)"],
      ["null", "(body)"],
    ];
    for (const [body, field] of cases) {
      const res = await h.call("PATCH", "/api/strategies/mm/params", { body });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: string; field: string };
      expect(json.field).toBe(field);
      expect(json.error).toContain(field);
    }
    const empty = await h.call("PATCH", "/api/strategies/mm/params");
    expect(empty.status).toBe(400);
    expect(h.queue.size).toBe(0);
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="invalid_body"}')).toBe(cases.length + 1);
  });

  test("other routes validate their bodies too", async () => {
    const h = harness();
    const cases: [string, string, string, string][] = [
      ["POST", "/api/orders/cancel-all", JSON.stringify({ venue: 42 }), "venue"],
      ["POST", "/api/orders/cancel-all", JSON.stringify({ venue: "" }), "venue"],
      ["POST", "/api/orders/cancel-all", JSON.stringify({ venue: "a b" }), "venue"],
      ["POST", "/api/orders/cancel-all", JSON.stringify({ everything: true }), "everything"],
      ["POST", "/api/risk/kill-switch", JSON.stringify({ reason: "x".repeat(201) }), "reason"],
      ["POST", "/api/risk/resume", JSON.stringify({ reason: 1 }), "reason"],
      ["POST", "/api/strategies/mm/pause", JSON.stringify({ now: true }), "(body)"],
      ["POST", "/api/risk/resume?wait=soon", "", "wait"],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await h.call(method, path, { body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { field: string }).field).toBe(field);
    }
    expect(h.queue.size).toBe(0);
  });

  test("an unknown strategy gets 404", async () => {
    const h = harness();
    for (const [method, path] of [
      ["POST", "/api/strategies/ghost/pause"],
      ["POST", "/api/strategies/ghost/resume"],
      ["PATCH", "/api/strategies/ghost/params"],
    ] as const) {
      const res = await h.call(method, path, { body: JSON.stringify({ spread_bps: 2 }) });
      expect(res.status).toBe(404);
    }
    expect(h.queue.size).toBe(0);
  });

  test("a full queue refuses with 503", async () => {
    const h = harness({ capacity: 2 });
    expect((await h.call("POST", "/api/risk/kill-switch")).status).toBe(202);
    expect((await h.call("POST", "/api/risk/kill-switch")).status).toBe(202);
    const res = await h.call("POST", "/api/risk/kill-switch");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="queue_full"}')).toBe(1);
  });

  test("?wait returns the engine's result when it finishes in time", async () => {
    const h = harness({ clock: new SystemClock() });
    h.queue.setWakeup(() =>
      queueMicrotask(() =>
        h.queue.drain((c) =>
          c.kind === "resume_trading"
            ? { ok: false, message: "risk limit still breached" }
            : { ok: true, message: "halted" },
        ),
      ),
    );
    let res = await h.call("POST", "/api/risk/kill-switch?wait=2000");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "completed",
      kind: "kill_switch",
      result: { ok: true, message: "halted" },
    });
    res = await h.call("POST", "/api/risk/resume?wait=2000");
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({
      status: "failed",
      result: { ok: false, message: "risk limit still breached" },
    });
  });

  test("?wait gives up with 202 pending when the engine does not answer", async () => {
    const h = harness({ clock: new SystemClock() });
    const res = await h.call("POST", "/api/risk/kill-switch?wait=30");
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: "accepted", pending: true });
    expect(h.queue.size).toBe(1);
  });
});

describe("hostile bodies", () => {
  test("malformed JSON is a 400 with a reason and a counter", async () => {
    const h = harness();
    for (const body of ["{", '{"reason":', "{'a':1}", "NaN", "\u0000"]) {
      const res = await h.call("POST", "/api/risk/kill-switch", { body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain("not valid JSON");
    }
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="malformed_json"}')).toBe(5);
    expect(h.queue.size).toBe(0);
  });

  test("an oversized body is a 413, whether declared or streamed", async () => {
    const h = harness();
    const big = JSON.stringify({ reason: "x".repeat(5000) });
    let res = await h.call("POST", "/api/risk/kill-switch", { body: big });
    expect(res.status).toBe(413);
    const chunk = new TextEncoder().encode(`{"reason":"${"y".repeat(600)}`);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(chunk);
        c.enqueue(chunk);
        c.enqueue(new TextEncoder().encode('"}'));
        c.close();
      },
    });
    res = await h.app.handle(
      new Request("http://localhost/api/risk/kill-switch", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: stream,
      }),
    );
    expect(res.status).toBe(413);
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="too_large"}')).toBe(2);
    expect(h.queue.size).toBe(0);
  });

  test("wrong content type and invalid UTF-8 are refused clearly", async () => {
    const h = harness();
    let res = await h.call("POST", "/api/risk/kill-switch", {
      body: "reason=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    res = await h.call("POST", "/api/risk/kill-switch", { body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("UTF-8");
    expect(h.queue.size).toBe(0);
  });

  test("every control route answers 400 'expected a JSON object' to JSON that is not an object", async () => {
    const h = harness();
    const routes: [string, string][] = [
      ["POST", "/api/orders/cancel-all"],
      ["POST", "/api/risk/kill-switch"],
      ["POST", "/api/risk/resume"],
      ["PATCH", "/api/strategies/mm/params"],
      ["POST", "/api/strategies/mm/pause"],
      ["POST", "/api/strategies/mm/resume"],
    ];
    const bodies: [string, string][] = [
      ["null", "null"],
      ["[]", "an array"],
      ['[{"venue":"binance"}]', "an array"],
      ['"everything"', "a string"],
      ["0", "a number"],
      ["1", "a number"],
      ["true", "a boolean"],
      ["false", "a boolean"],
    ];
    for (const [method, path] of routes) {
      for (const [body, got] of bodies) {
        const res = await h.call(method, path, { body });
        const json = (await res.json()) as { error: string; field: string };
        expect({ method, path, body, status: res.status, field: json.field, error: json.error }).toEqual({
          method,
          path,
          body,
          status: 400,
          field: "(body)",
          error: `invalid field "(body)": expected a JSON object, got ${got}`,
        });
      }
    }
    expect(h.queue.size).toBe(0);
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="invalid_body"}')).toBe(
      routes.length * bodies.length,
    );
  });

  test("invalid JSON and a wrong content type are refused on every control route", async () => {
    const h = harness();
    const routes: [string, string][] = [
      ["POST", "/api/orders/cancel-all"],
      ["POST", "/api/risk/kill-switch"],
      ["POST", "/api/risk/resume"],
      ["PATCH", "/api/strategies/mm/params"],
      ["POST", "/api/strategies/mm/pause"],
      ["POST", "/api/strategies/mm/resume"],
    ];
    for (const [method, path] of routes) {
      const bad = await h.call(method, path, { body: "{null}" });
      expect({ path, status: bad.status }).toEqual({ path, status: 400 });
      expect(((await bad.json()) as { error: string }).error).toContain("not valid JSON");
      const form = await h.call(method, path, { body: "{}", headers: { "content-type": "text/plain" } });
      expect({ path, status: form.status }).toEqual({ path, status: 415 });
      expect(((await form.json()) as { error: string }).error).toContain("application/json");
    }
    expect(h.queue.size).toBe(0);
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="malformed_json"}')).toBe(routes.length);
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="unsupported_media_type"}')).toBe(routes.length);
  });

  test("unauthenticated hostile bodies are refused before the body is read", async () => {
    const h = harness();
    const res = await h.call("POST", "/api/risk/kill-switch", { token: null, body: "{" });
    expect(res.status).toBe(401);
    expect(await counter(h, 'hft_http_rejected_requests_total{reason="malformed_json"}')).toBe(0);
  });
});

describe("the real server", () => {
  /** A body streamed in chunks (no Content-Length: chunked transfer encoding on the wire). */
  const chunked = (bytes: number): ReadableStream<Uint8Array> => {
    const piece = new TextEncoder().encode("y".repeat(1000));
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= bytes) return c.close();
        sent += piece.byteLength;
        c.enqueue(piece);
      },
    });
  };

  test("binds 127.0.0.1 by default-style options and serves control routes", async () => {
    const h = harness({ clock: new SystemClock() });
    const server = startHttpServer(h.app, { port: 0 });
    try {
      expect(server.host).toBe("127.0.0.1");
      expect(server.port).toBeGreaterThan(0);
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      const ok = await fetch(`${server.url}/api/orders/cancel-all`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ venue: "binance" }),
      });
      expect(ok.status).toBe(202);
      expect(h.queue.size).toBe(1);
    } finally {
      await server.stop();
    }
  });

  test("bodies over the server's cap get the same JSON 413 as every refusal, declared or chunked, counted", async () => {
    const metrics = createEngineMetrics({ processMetrics: false });
    const queue = new CommandQueue({ clock: new SystemClock() });
    const app = createHttpApp({
      metrics,
      status: { status: baseStatus },
      strategies: { paramsValidator: () => undefined },
      commands: queue,
      auth: new ControlAuth(TOKEN),
      maxBodyBytes: 16 * 1024,
      maxRequestBodyBytes: 64 * 1024,
    });
    const server = startHttpServer(app, { port: 0 });
    const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    const cases: [string, string, RequestInit][] = [
      [
        "control route, declared",
        "/api/risk/kill-switch",
        { method: "POST", headers: auth, body: "x".repeat(100_000) },
      ],
      ["control route, chunked", "/api/risk/kill-switch", { method: "POST", headers: auth, body: chunked(100_000) }],
      ["any route, declared", "/health", { method: "POST", headers: auth, body: "x".repeat(70_000) }],
      ["unknown route, declared", "/nowhere", { method: "PUT", body: "x".repeat(1_000_000) }],
      [
        "control route under 64 KiB, over 16 KiB",
        "/api/orders/cancel-all",
        { method: "POST", headers: auth, body: "x".repeat(20_000) },
      ],
    ];
    try {
      for (const [what, path, init] of cases) {
        const res = await fetch(`${server.url}${path}`, init);
        const text = await res.text();
        expect({ what, status: res.status, type: res.headers.get("content-type") }).toEqual({
          what,
          status: 413,
          type: "application/json; charset=utf-8",
        });
        const body = JSON.parse(text) as { error: string };
        expect({ what, error: body.error }).toEqual({
          what,
          error: expect.stringMatching(/exceeds the limit of \d+ bytes/),
        });
      }
      expect(queue.size).toBe(0);
      const text = await metrics.scrape();
      expect(text).toContain(`hft_http_rejected_requests_total{reason="too_large"} ${cases.length}`);
      // the server still answers afterwards
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe("listen options", () => {
  test("HFT_HTTP_HOST / HFT_HTTP_PORT override the configured values; bad ports are refused", () => {
    expect(httpOptionsFromEnv({}, { host: "127.0.0.1", port: 8080 })).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(httpOptionsFromEnv({ HFT_HTTP_HOST: "0.0.0.0", HFT_HTTP_PORT: "9100" }, { port: 8080 })).toEqual({
      host: "0.0.0.0",
      port: 9100,
    });
    expect(() => httpOptionsFromEnv({ HFT_HTTP_PORT: "80a" })).toThrow("HFT_HTTP_PORT");
    expect(() => httpOptionsFromEnv({ HFT_HTTP_PORT: "70000" })).toThrow("HFT_HTTP_PORT");
  });
});
