/**
 * The authenticated control routes, one line of intent each: which command a request becomes. The
 * checks and the enqueueing live in the control pipeline, so a route cannot skip them.
 */
import { Elysia } from "elysia";
import { type Control, noBody, paramsBuild, withSchema } from "./control-pipeline.ts";
import { CancelAllBody, ReasonBody, type StrategyCatalog } from "./validation.ts";

/** Control routes read their raw body themselves (size cap, media type), so Elysia must not parse it. */
const RAW_BODY = { parse: "none" } as const;

/** Pause, resume and re-parameterize one strategy, as an Elysia plugin for createHttpApp. */
export function strategyRoutes(control: Control, strategies: StrategyCatalog) {
  return new Elysia()
    .post(
      "/api/strategies/:name/pause",
      ({ request, params }) =>
        control(
          "/api/strategies/:name/pause",
          request,
          noBody(() => ({ kind: "pause_strategy", strategy: params.name })),
          params.name,
        ),
      RAW_BODY,
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
      RAW_BODY,
    )
    .patch(
      "/api/strategies/:name/params",
      ({ request, params }) =>
        control(
          "/api/strategies/:name/params",
          request,
          paramsBuild(params.name, strategies.paramsValidator(params.name)),
          params.name,
        ),
      RAW_BODY,
    );
}

/** Cancel-all, kill switch and resume: the routes that act on every strategy at once. */
export function orderAndRiskRoutes(control: Control) {
  return new Elysia()
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
      RAW_BODY,
    )
    .post(
      "/api/risk/kill-switch",
      ({ request }) =>
        control(
          "/api/risk/kill-switch",
          request,
          withSchema(ReasonBody, (b) => ({ kind: "kill_switch", reason: b.reason ?? "operator kill switch" })),
        ),
      RAW_BODY,
    )
    .post(
      "/api/risk/resume",
      ({ request }) =>
        control(
          "/api/risk/resume",
          request,
          withSchema(ReasonBody, (b) => ({ kind: "resume_trading", reason: b.reason ?? "operator resume" })),
        ),
      RAW_BODY,
    );
}
