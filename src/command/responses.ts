/**
 * The HTTP replies every route group shares: JSON bodies with the same headers, and the counting of
 * each reply under its route template (and of each refusal under its reason), so no group can forget
 * a metric or count a reply twice.
 */
import type { EngineMetrics } from "../metrics/index.ts";
import type { FieldIssue } from "./validation.ts";

/** One set of headers for every JSON reply, so no answer is ever cached by a proxy. */
export const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

/** A JSON reply, so handlers never hand-build headers. */
export function json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...extra } });
}

/**
 * A 413 in the shape of every refusal; `connection: close` so the client stops sending the rest of
 * a body nobody will read (Bun closes the connection after this reply instead of draining it).
 */
export function tooLarge(message: string): Response {
  return json(413, { error: message }, { connection: "close" });
}

/** A 400 naming the first offending field, so the operator knows what to fix without reading all issues. */
export function invalid(issues: readonly FieldIssue[]): Response {
  const first = issues[0] ?? { field: "(body)", message: "invalid" };
  return json(400, { error: `invalid field "${first.field}": ${first.message}`, field: first.field, issues });
}

/** Counts replies in the metrics, so every route group reports the same way. */
export interface ReplyCounter {
  /** Counts a reply under its route template and returns it. */
  done(route: string, res: Response): Response;
  /** Counts a refusal under its reason (and the reply under its route) and returns it. */
  refuse(route: string, reason: string, res: Response): Response;
}

/** The reply counter over the engine's metrics, built once per app. */
export function replyCounter(metrics: EngineMetrics): ReplyCounter {
  const done = (route: string, res: Response): Response => {
    metrics.http.request(route, res.status).inc();
    return res;
  };
  return {
    done,
    refuse: (route, reason, res) => {
      metrics.http.rejected(reason).inc();
      return done(route, res);
    },
  };
}
