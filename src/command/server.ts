/**
 * The HTTP face of the engine (Elysia on Bun): monitoring routes (/health, /ready, /metrics,
 * /api/status, /openapi.json) and the authenticated control routes, which validate a request and
 * enqueue a Command for the engine; no handler here ever changes trading state itself.
 */
import { Elysia } from "elysia";
import type * as v from "valibot";
import type { EngineMetrics } from "../metrics/index.ts";
import type { ControlAuth } from "./auth.ts";
import { BodyError, DEFAULT_MAX_BODY_BYTES, readJsonBody } from "./body.ts";
import type { CommandBody, CommandSink } from "./commands.ts";
import { openApiDocument } from "./openapi.ts";
import { type Readiness, readinessOf, redactSecrets, type StatusSource } from "./status.ts";
import {
  CancelAllBody,
  type FieldIssue,
  isJsonObject,
  ReasonBody,
  type StrategyCatalog,
  type StrategyParamsValidator,
  type Validation,
  validate,
} from "./validation.ts";

/** What the HTTP app needs from the rest of the engine. */
export interface HttpAppDeps {
  readonly metrics: EngineMetrics;
  readonly status: StatusSource;
  readonly strategies: StrategyCatalog;
  readonly commands: CommandSink;
  readonly auth: ControlAuth;
  /** Largest accepted control body (default 16 KiB). */
  readonly maxBodyBytes?: number;
  /** Longest ?wait a caller may ask for, in ms (default 5000). */
  readonly maxWaitMs?: number;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

function json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...extra } });
}

function invalid(issues: readonly FieldIssue[]): Response {
  const first = issues[0] ?? { field: "(body)", message: "invalid" };
  return json(400, { error: `invalid field "${first.field}": ${first.message}`, field: first.field, issues });
}

/** A control request's own part: turn the parsed body into a command, or refuse it. */
type Build = (body: unknown) => Validation<CommandBody>;

/** Builds the Elysia app; serve it with startHttpServer or call app.handle(request) in tests. */
export function createHttpApp(deps: HttpAppDeps) {
  const { metrics, auth, commands } = deps;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxWaitMs = deps.maxWaitMs ?? 5000;
  const openapi = JSON.stringify(openApiDocument({ maxBodyBytes, maxWaitMs }));

  /** Counts a response under its route template and returns it. */
  const done = (route: string, res: Response): Response => {
    metrics.http.request(route, res.status).inc();
    return res;
  };
  const refuse = (route: string, reason: string, res: Response): Response => {
    metrics.http.rejected(reason).inc();
    return done(route, res);
  };

  function authorize(route: string, request: Request): Response | undefined {
    const verdict = auth.check(request.headers.get("authorization"));
    if (verdict === "ok") return undefined;
    if (verdict === "disabled") {
      const msg = `control API disabled: set ${auth.envName} (or ${auth.envName}_FILE) to a token of 16+ characters to enable it`;
      return refuse(route, "control_disabled", json(403, { error: msg }));
    }
    const challenge = { "www-authenticate": 'Bearer realm="hft-control"' };
    return verdict === "missing"
      ? refuse(
          route,
          "auth_missing",
          json(401, { error: "missing bearer token (Authorization: Bearer <token>)" }, challenge),
        )
      : refuse(route, "auth_invalid", json(401, { error: "invalid bearer token" }, challenge));
  }

  function parseWait(url: string): Validation<number> {
    const raw = new URL(url).searchParams.get("wait");
    if (raw === null || raw === "") return { ok: true, value: 0 };
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) {
      return {
        ok: false,
        issues: [{ field: "wait", message: `expected a whole number of milliseconds, got ${JSON.stringify(raw)}` }],
      };
    }
    return { ok: true, value: Math.min(n, maxWaitMs) };
  }

  /** The shared control pipeline: auth, wait param, body, validation, enqueue, optional wait. */
  async function control(route: string, request: Request, build: Build, strategy?: string): Promise<Response> {
    const denied = authorize(route, request);
    if (denied !== undefined) return denied;
    if (strategy !== undefined && deps.strategies.paramsValidator(strategy) === undefined) {
      return refuse(
        route,
        "unknown_strategy",
        json(404, { error: `no strategy named ${JSON.stringify(strategy)}`, field: "name" }),
      );
    }
    const wait = parseWait(request.url);
    if (!wait.ok) return refuse(route, "invalid_body", invalid(wait.issues));
    let body: unknown;
    try {
      body = await readJsonBody(request, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyError) return refuse(route, err.reason, json(err.status, { error: err.message }));
      throw err;
    }
    const cmd = build(body);
    if (!cmd.ok) return refuse(route, "invalid_body", invalid(cmd.issues));
    const submitted = commands.submit(cmd.value);
    if (!submitted.accepted)
      return refuse(route, "queue_full", json(503, { error: submitted.message }, { "retry-after": "1" }));
    const { id, kind } = submitted.command;
    metrics.http.commandAccepted(kind).inc();
    const result = wait.value > 0 ? await commands.waitFor(id, wait.value) : undefined;
    if (result === undefined) {
      return done(
        route,
        json(202, { status: "accepted", commandId: id, kind, ...(wait.value > 0 ? { pending: true } : {}) }),
      );
    }
    return done(
      route,
      json(result.ok ? 200 : 409, { status: result.ok ? "completed" : "failed", commandId: id, kind, result }),
    );
  }

  /** Validates an optional body (empty = {}) against a schema and maps it to a command. */
  function withSchema<S extends v.GenericSchema>(schema: S, make: (value: v.InferOutput<S>) => CommandBody): Build {
    return (body) => {
      const r = validate(schema, body ?? {});
      return r.ok ? { ok: true, value: make(r.value) } : r;
    };
  }

  const noBody =
    (make: () => CommandBody): Build =>
    (body) =>
      body === undefined || (isJsonObject(body) && Object.keys(body).length === 0)
        ? { ok: true, value: make() }
        : { ok: false, issues: [{ field: "(body)", message: "this route takes no body" }] };

  const paramsBuild =
    (strategy: string, validator: StrategyParamsValidator | undefined): Build =>
    (body) => {
      if (validator === undefined) return { ok: false, issues: [{ field: "name", message: "unknown strategy" }] };
      if (body === undefined)
        return { ok: false, issues: [{ field: "(body)", message: "expected a JSON object of parameters" }] };
      const r = validator(body);
      return r.ok ? { ok: true, value: { kind: "set_strategy_params", strategy, params: r.value } } : r;
    };

  return new Elysia()
    .onError(({ code, request }) => {
      if (code === "NOT_FOUND") {
        const path = new URL(request.url).pathname;
        return refuse("unmatched", "not_found", json(404, { error: `no route ${request.method} ${path}` }));
      }
      return refuse("unmatched", "internal_error", json(500, { error: "internal error" }));
    })
    .get("/health", () => done("/health", json(200, { status: "ok" })))
    .get("/ready", () => {
      let r: Readiness;
      try {
        r = deps.status.readiness?.() ?? readinessOf(deps.status.status());
      } catch (err) {
        // An engine that cannot report its state is not ready; say so rather than failing the probe with a 500.
        r = { ready: false, reasons: [`engine status unavailable: ${(err as Error).message}`] };
      }
      return done("/ready", json(r.ready ? 200 : 503, { ready: r.ready, reasons: r.reasons }));
    })
    .get("/metrics", async () =>
      done("/metrics", new Response(await metrics.scrape(), { headers: { "content-type": metrics.contentType } })),
    )
    .get("/api/status", () => done("/api/status", json(200, redactSecrets(deps.status.status()))))
    .get("/openapi.json", () => done("/openapi.json", new Response(openapi, { headers: JSON_HEADERS })))
    .post(
      "/api/strategies/:name/pause",
      ({ request, params }) =>
        control(
          "/api/strategies/:name/pause",
          request,
          noBody(() => ({ kind: "pause_strategy", strategy: params.name })),
          params.name,
        ),
      { parse: "none" },
    )
    .post(
      "/api/strategies/:name/resume",
      ({ request, params }) =>
        control(
          "/api/strategies/:name/resume",
          request,
          noBody(() => ({ kind: "resume_strategy", strategy: params.name })),
          params.name,
        ),
      { parse: "none" },
    )
    .patch(
      "/api/strategies/:name/params",
      ({ request, params }) =>
        control(
          "/api/strategies/:name/params",
          request,
          paramsBuild(params.name, deps.strategies.paramsValidator(params.name)),
          params.name,
        ),
      { parse: "none" },
    )
    .post(
      "/api/orders/cancel-all",
      ({ request }) =>
        control(
          "/api/orders/cancel-all",
          request,
          withSchema(CancelAllBody, (b) => ({
            kind: "cancel_all",
            ...(b.venue === undefined ? {} : { venue: b.venue }),
            ...(b.symbol === undefined ? {} : { symbol: b.symbol }),
          })),
        ),
      { parse: "none" },
    )
    .post(
      "/api/risk/kill-switch",
      ({ request }) =>
        control(
          "/api/risk/kill-switch",
          request,
          withSchema(ReasonBody, (b) => ({ kind: "kill_switch", reason: b.reason ?? "operator kill switch" })),
        ),
      { parse: "none" },
    )
    .post(
      "/api/risk/resume",
      ({ request }) =>
        control(
          "/api/risk/resume",
          request,
          withSchema(ReasonBody, (b) => ({ kind: "resume_trading", reason: b.reason ?? "operator resume" })),
        ),
      { parse: "none" },
    );
}

/** The app type, for callers that hold one. */
export type HttpApp = ReturnType<typeof createHttpApp>;

/** Where and how to listen. */
export interface HttpServerOptions {
  /** Interface to bind (default 127.0.0.1: never exposed unless asked; Docker sets 0.0.0.0). */
  readonly host?: string;
  /** TCP port (default 8080; 0 = any free port). */
  readonly port?: number;
  /** Bun's own cap on any request body, rejected before a handler runs (default 64 KiB). */
  readonly maxRequestBodySize?: number;
}

/** A listening server. */
export interface RunningHttpServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves the app with Bun.serve. */
export function startHttpServer(app: HttpApp, opts: HttpServerOptions = {}): RunningHttpServer {
  const host = opts.host ?? "127.0.0.1";
  const server = Bun.serve({
    hostname: host,
    port: opts.port ?? 8080,
    maxRequestBodySize: opts.maxRequestBodySize ?? 64 * 1024,
    fetch: (request) => app.handle(request),
  });
  const port = server.port ?? 0;
  return {
    host,
    port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    stop: async () => {
      await server.stop(true);
    },
  };
}

/**
 * Listen options from the environment, over the configured values: HFT_HTTP_HOST and HFT_HTTP_PORT
 * (Docker sets HFT_HTTP_HOST=0.0.0.0 so Prometheus can scrape the container).
 */
export function httpOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  configured: HttpServerOptions = {},
): HttpServerOptions {
  const out: { host?: string; port?: number; maxRequestBodySize?: number } = { ...configured };
  const host = env.HFT_HTTP_HOST;
  if (host !== undefined && host !== "") out.host = host;
  const port = env.HFT_HTTP_PORT;
  if (port !== undefined && port !== "") {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`HFT_HTTP_PORT: expected 0..65535, got ${JSON.stringify(port)}`);
    out.port = n;
  }
  return out;
}
