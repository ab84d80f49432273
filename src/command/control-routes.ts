/**
 * The authenticated control routes, one line of intent each: which command a request becomes. The
 * checks and the enqueueing live in the control pipeline, so a route cannot skip them; each route's
 * path and body schema come from its API_ROUTES entry, the same one the OpenAPI document is built
 * from, so what is documented is what is validated.
 */
import { Elysia } from "elysia";
import { type Build, type Control, noBody, paramsBuild, withSchema } from "./control-pipeline.ts";
import { API_ROUTES, type ApiRoute, elysiaPath } from "./openapi.ts";
import type { StrategyCatalog } from "./validation.ts";

/** Control routes read their raw body themselves (size cap, media type), so Elysia must not parse it. */
const RAW_BODY = { parse: "none" } as const;

/** Registers one control route: its request runs through the pipeline with the route's own build. */
function controlRoute(
  app: Elysia,
  control: Control,
  route: ApiRoute,
  build: (params: Record<string, string>) => Build,
  strategy?: (params: Record<string, string>) => string,
) {
  const path = elysiaPath(route);
  const handler = ({ request, params }: { request: Request; params: Record<string, string> }) =>
    control(path, request, build(params), strategy?.(params));
  return route.method === "patch" ? app.patch(path, handler, RAW_BODY) : app.post(path, handler, RAW_BODY);
}

const strategyName = (params: Record<string, string>) => params.name ?? "";

/** Pause, resume and re-parameterize one strategy, as an Elysia plugin for createHttpApp. */
export function strategyRoutes(control: Control, strategies: StrategyCatalog) {
  const app = new Elysia();
  const { pause, resume, params } = API_ROUTES;
  controlRoute(
    app,
    control,
    pause,
    (p) => noBody(() => ({ kind: "pause_strategy", strategy: strategyName(p) })),
    strategyName,
  );
  controlRoute(
    app,
    control,
    resume,
    (p) => noBody(() => ({ kind: "resume_strategy", strategy: strategyName(p) })),
    strategyName,
  );
  controlRoute(
    app,
    control,
    params,
    (p) => paramsBuild(strategyName(p), strategies.paramsValidator(strategyName(p))),
    strategyName,
  );
  return app;
}

/** Cancel-all, kill switch and resume: the routes that act on every strategy at once. */
export function orderAndRiskRoutes(control: Control) {
  const app = new Elysia();
  const { cancelAll, killSwitch, resumeTrading } = API_ROUTES;
  controlRoute(app, control, cancelAll, () =>
    withSchema(cancelAll.body, (b) => ({
      kind: "cancel_all",
      ...(b.venue === undefined ? {} : { venue: b.venue }),
      ...(b.symbol === undefined ? {} : { symbol: b.symbol }),
    })),
  );
  controlRoute(app, control, killSwitch, () =>
    withSchema(killSwitch.body, (b) => ({ kind: "kill_switch", reason: b.reason ?? "operator kill switch" })),
  );
  controlRoute(app, control, resumeTrading, () =>
    withSchema(resumeTrading.body, (b) => ({ kind: "resume_trading", reason: b.reason ?? "operator resume" })),
  );
  return app;
}
