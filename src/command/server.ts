/**
 * The HTTP face of the engine (Elysia on Bun): monitoring routes (/health, /ready, /metrics,
 * /api/status), the API description and its page (/openapi.json, /docs) and the authenticated control routes, which validate a request and
 * enqueue a Command for the engine; no handler here ever changes trading state itself.
 */
import { Elysia } from "elysia";
import type { EngineMetrics } from "../metrics/index.ts";
import type { ControlAuth } from "./auth.ts";
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_REQUEST_BODY_BYTES } from "./body.ts";
import type { CommandSink } from "./commands.ts";
import { controlPipeline } from "./control-pipeline.ts";
import { orderAndRiskRoutes, strategyRoutes } from "./control-routes.ts";
import { type DeskViewReader, deskRoutes } from "./desk-routes.ts";
import { docsRoutes } from "./docs-page.ts";
import { type JournalReader, journalRoutes } from "./journal-routes.ts";
import { monitoringRoutes } from "./monitoring-routes.ts";
import { openApiDocument } from "./openapi.ts";
import { json, type ReplyCounter, replyCounter, tooLarge } from "./responses.ts";
import type { StatusSource } from "./status.ts";
import type { StrategyCatalog } from "./validation.ts";

/** What the HTTP app needs from the rest of the engine. */
export interface HttpAppDeps {
  readonly metrics: EngineMetrics;
  readonly status: StatusSource;
  readonly strategies: StrategyCatalog;
  readonly commands: CommandSink;
  readonly auth: ControlAuth;
  /** The journal's queries (/api/fills, /api/orders, /api/pnl); absent: those routes answer 404. */
  readonly journal?: JournalReader;
  /** The desk view (/api/desk); absent: that route answers 404. */
  readonly desk?: DeskViewReader;
  /** Largest accepted control body (default 16 KiB; never above maxRequestBodyBytes). */
  readonly maxBodyBytes?: number;
  /** Largest body any request may carry, whatever the route (default 64 KiB). */
  readonly maxRequestBodyBytes?: number;
  /** Longest ?wait a caller may ask for, in ms (default 5000). */
  readonly maxWaitMs?: number;
  /** JSON Schema of each strategy type's parameter update (by type), for the API description. */
  readonly strategyParamSchemas?: Readonly<Record<string, object>>;
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

/**
 * The server-wide body cap, checked on the declared length before any route runs (so a huge upload
 * is refused without reading it, in the same JSON shape as every refusal). Streamed bodies without a
 * length are capped while read: only control routes read bodies, at maxBodyBytes or less.
 */
function refuseOversized(replies: ReplyCounter, maxBytes: number) {
  return ({ request }: { request: Request }): Response | undefined => {
    const declared = request.headers.get("content-length");
    if (declared === null || !(Number(declared) > maxBytes)) return undefined;
    const message = `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`;
    return replies.refuse("unmatched", "too_large", tooLarge(message));
  };
}

/** Builds the Elysia app; serve it with startHttpServer or call app.handle(request) in tests. */
export function createHttpApp(deps: HttpAppDeps) {
  const { metrics, auth, commands, strategies } = deps;
  const maxRequestBodyBytes = deps.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
  const maxBodyBytes = Math.min(deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, maxRequestBodyBytes);
  const maxWaitMs = deps.maxWaitMs ?? 5000;
  const replies = replyCounter(metrics);
  const limits = { maxBodyBytes, maxWaitMs, maxRequestBodyBytes };
  const openapi = JSON.stringify(openApiDocument(limits, deps.strategyParamSchemas));
  const control = controlPipeline({ metrics, auth, commands, strategies, replies, maxBodyBytes, maxWaitMs });
  return new Elysia()
    .onRequest(refuseOversized(replies, maxRequestBodyBytes))
    .onError(errorReplies(replies))
    .use(monitoringRoutes({ metrics, status: deps.status, replies, openapi }))
    .use(journalRoutes({ journal: deps.journal, replies }))
    .use(deskRoutes({ desk: deps.desk, replies }))
    .use(docsRoutes(replies))
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
}

/**
 * Bun's own body limit, set out of reach on purpose: Bun answers it with a bare, empty 413 before
 * the app runs. The app enforces its caps itself (HttpAppDeps.maxRequestBodyBytes on the declared
 * length, the control cap while streaming) and answers in JSON; a body no route reads is discarded
 * by Bun as it arrives, never buffered (300 MB sent to /health left the server's RSS flat).
 */
const BUN_BODY_LIMIT_BYTES = Number.MAX_SAFE_INTEGER;

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
    maxRequestBodySize: BUN_BODY_LIMIT_BYTES,
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
  const out: { host?: string; port?: number } = { ...configured };
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
