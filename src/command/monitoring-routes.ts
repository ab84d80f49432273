/**
 * The unauthenticated read-only routes (probes, Prometheus scrape, status, the API description),
 * kept apart from the control routes so nothing here can reach the command queue.
 */
import { Elysia } from "elysia";
import type { EngineMetrics } from "../metrics/index.ts";
import { API_ROUTES } from "./openapi.ts";
import { JSON_HEADERS, json, type ReplyCounter } from "./responses.ts";
import { type Readiness, readinessOf, redactSecrets, type StatusSource } from "./status.ts";

/** What the monitoring routes read. */
export interface MonitoringDeps {
  readonly metrics: EngineMetrics;
  readonly status: StatusSource;
  readonly replies: ReplyCounter;
  /** The OpenAPI document, serialized once at start-up. */
  readonly openapi: string;
}

/** Readiness that never throws: an engine that cannot report its state is not ready, and /ready says why. */
function safeReadiness(status: StatusSource): Readiness {
  try {
    return status.readiness?.() ?? readinessOf(status.status());
  } catch (err) {
    // An engine that cannot report its state is not ready; say so rather than failing the probe with a 500.
    return { ready: false, reasons: [`engine status unavailable: ${(err as Error).message}`] };
  }
}

/** /health, /ready, /metrics, /api/status and /openapi.json, as an Elysia plugin for createHttpApp. */
export function monitoringRoutes(deps: MonitoringDeps) {
  const { metrics, status, replies, openapi } = deps;
  const { health, ready, metrics: scrape, status: statusRoute, openapi: doc } = API_ROUTES;
  return new Elysia()
    .get(health.path, () => replies.done(health.path, json(200, { status: "ok" })))
    .get(ready.path, () => {
      const r = safeReadiness(status);
      return replies.done(ready.path, json(r.ready ? 200 : 503, { ready: r.ready, reasons: r.reasons }));
    })
    .get(scrape.path, async () =>
      replies.done(
        scrape.path,
        new Response(await metrics.scrape(), { headers: { "content-type": metrics.contentType } }),
      ),
    )
    .get(statusRoute.path, () => replies.done(statusRoute.path, json(200, redactSecrets(status.status()))))
    .get(doc.path, () => replies.done(doc.path, new Response(openapi, { headers: JSON_HEADERS })));
}
