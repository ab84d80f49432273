/**
 * GET /api/desk: the whole desk (every engine's positions, PnL, fees and open orders, and the firm's
 * totals) as the engine's desk view folded it from the desk stream. Open like /api/status (it reads,
 * it changes nothing); 404 on an engine that does not fold the view (desk.view is not true). Query
 * parameters are refused: the view is small and always whole.
 */
import { Elysia } from "elysia";
import type { DeskViewAnswer } from "./desk-schemas.ts";
import { API_ROUTES } from "./openapi.ts";
import { json, type ReplyCounter } from "./responses.ts";

/** What the route reads (the engine's desk view implements it). */
export interface DeskViewReader {
  deskView(): DeskViewAnswer;
}

/** What the route needs. */
export interface DeskRouteDeps {
  readonly desk: DeskViewReader | undefined;
  readonly replies: ReplyCounter;
}

/** /api/desk as an Elysia plugin for createHttpApp. */
export function deskRoutes(deps: DeskRouteDeps) {
  const { desk, replies } = deps;
  const route = API_ROUTES.desk.path;
  return new Elysia().get(route, ({ request }) => {
    if (desk === undefined)
      return replies.refuse(
        route,
        "desk_view_disabled",
        json(404, { error: "no desk view on this engine: set desk.view: true (or run `bun run desk`)" }),
      );
    const param = new URL(request.url).searchParams.keys().next();
    if (param.done !== true)
      return replies.refuse(
        route,
        "invalid_query",
        json(400, { error: `${param.value}: unknown parameter`, field: param.value }),
      );
    return replies.done(route, json(200, desk.deskView()));
  });
}
