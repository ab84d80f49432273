/**
 * The HTTP face of the engine (Elysia on Bun): monitoring routes (/health, /ready, /metrics,
 * /api/status, /openapi.json) and the authenticated control routes, which validate a request and
 * enqueue a Command for the engine; no handler here ever changes trading state itself.
 */
import { Elysia } from "elysia";
import type { EngineMetrics } from "../metrics/index.ts";
import type { ControlAuth } from "./auth.ts";
import { DEFAULT_MAX_BODY_BYTES } from "./body.ts";
import type { CommandSink } from "./commands.ts";
import { controlPipeline } from "./control-pipeline.ts";
import { orderAndRiskRoutes, strategyRoutes } from "./control-routes.ts";
import { monitoringRoutes } from "./monitoring-routes.ts";
import { openApiDocument } from "./openapi.ts";
import { json, type ReplyCounter, replyCounter } from "./responses.ts";
import type { StatusSource } from "./status.ts";
import type { StrategyCatalog } from "./validation.ts";

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

/** Unknown routes and thrown errors answer in JSON and are counted, never leaking an error's details. */
function errorReplies(replies: ReplyCounter) {
  return ({ code, request }: { code: unknown; request: Request }): Response => {
    if (code === "NOT_FOUND") {
      const path = new URL(request.url).pathname;
      return replies.refuse("unmatched", "not_found", json(404, { error: `no route ${request.method} ${path}` }));
    }
    return replies.refuse("unmatched", "internal_error", json(500, { error: "internal error" }));
  };
}

/** Builds the Elysia app; serve it with startHttpServer or call app.handle(request) in tests. */
export function createHttpApp(deps: HttpAppDeps) {
  const { metrics, auth, commands, strategies } = deps;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxWaitMs = deps.maxWaitMs ?? 5000;
  const replies = replyCounter(metrics);
  const openapi = JSON.stringify(openApiDocument({ maxBodyBytes, maxWaitMs }));
  const control = controlPipeline({ metrics, auth, commands, strategies, replies, maxBodyBytes, maxWaitMs });
  return new Elysia()
    .onError(errorReplies(replies))
    .use(monitoringRoutes({ metrics, status: deps.status, replies, openapi }))
    .use(strategyRoutes(control, strategies))
    .use(orderAndRiskRoutes(control));
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
