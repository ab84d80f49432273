/**
 * The OpenAPI 3.1 description of the HTTP API, generated: every route is one entry of API_ROUTES,
 * which the route plugins register from (path, and the body schema the control pipeline validates
 * with), and every request and response schema is converted from the valibot schema that validates
 * or types it (@valibot/to-json-schema). Nothing here is a hand-kept copy of a shape.
 */
import { toJsonSchemaDefs } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { API_COMPONENTS } from "./api-schemas.ts";
import { CancelAllBody, ReasonBody } from "./validation.ts";

/** A response schema by component name (text bodies have none). */
type Component = keyof typeof API_COMPONENTS;

/** One documented answer of a route. */
interface ResponseDoc {
  readonly description: string;
  /** JSON body described by this component. */
  readonly schema?: Component;
  /** A non-JSON body (metrics text, the docs page). */
  readonly mediaType?: string;
}

/** One query parameter a route accepts (the journal routes refuse every other one). */
export interface QueryParam {
  readonly name: string;
  readonly description: string;
  /** Its JSON Schema (query values arrive as text; this says what text is accepted). */
  readonly schema: Readonly<Record<string, unknown>>;
}

/** One route: what the server registers and what the document says about it. */
export interface ApiRoute {
  readonly method: "get" | "post" | "patch";
  /** OpenAPI path ("{name}" for a path parameter; Elysia's ":name" is derived). */
  readonly path: string;
  readonly tag: "monitoring" | "control" | "docs" | "journal" | "desk";
  readonly summary: string;
  /** More than the summary says, when there is more. */
  readonly description?: string;
  /** Control routes: bearer auth, ?wait, the control pipeline's answers. */
  readonly control?: boolean;
  /** The route acts on a named strategy (path parameter `name`, 404 when unknown). */
  readonly strategy?: boolean;
  /** The request body's schema: the very one the pipeline validates with; "strategy_params" = the running strategy's. */
  readonly body?: v.GenericSchema | "strategy_params";
  readonly responses?: Readonly<Record<string, ResponseDoc>>;
  /** The query parameters it reads, the only ones it accepts. */
  readonly query?: readonly QueryParam[];
}

/** Elysia's form of an OpenAPI path ("{name}" → ":name"). */
export function elysiaPath(route: ApiRoute): string {
  return route.path.replace(/\{(\w+)\}/g, ":$1");
}

const json = (description: string, schema: Component): ResponseDoc => ({ description, schema });

/** A query parameter, text unless its schema says otherwise. */
const q = (name: string, description: string, schema: Record<string, unknown> = { type: "string" }): QueryParam => ({
  name,
  description,
  schema,
});
const time = (name: string, what: string) =>
  q(name, `${what}: a UTC day (2026-12-01), an ISO date-time or epoch milliseconds`);
const NAME_FILTERS = [q("venue", "Only this venue"), q("symbol", "Only this unified symbol, e.g. BTC-USDT")];
const PAGE_PARAMS = [
  q("limit", "Rows per page (default 100)", { type: "integer", minimum: 1, maximum: 1000 }),
  q("cursor", "The nextCursor of the previous page"),
];
const ORDER_PARAM = q("order", "asc: oldest journaled first (default); desc: newest first", { enum: ["asc", "desc"] });

/** The answers of a journal route: a page, 400 naming a bad parameter, 404 without a journal. */
const journalAnswers = (page: Component): Readonly<Record<string, ResponseDoc>> => ({
  "200": json("One page; pass nextCursor back for the next", page),
  "400": json("A query parameter is unknown, repeated or malformed (named in `field`)", "Error"),
  "404": json("The engine runs without a journal (engine.journal.enabled: false)", "Error"),
});

/** Every route the server registers, by a stable key the route plugins use. */
export const API_ROUTES = {
  health: {
    method: "get",
    path: "/health",
    tag: "monitoring",
    summary: "Liveness: the process answers",
    responses: { "200": json("Alive", "Health") },
  },
  ready: {
    method: "get",
    path: "/ready",
    tag: "monitoring",
    summary: "Readiness: can the engine trade? 503 with the reasons when not",
    description:
      "503 while the kill switch is engaged, trading is halted by a risk limit, no venue is connected, a venue " +
      "stream is down, a book is not live, the fill guard has paused quoting on a symbol or a strategy stopped " +
      "quoting by itself (each a reason in the body), and before start-up has finished; an operator's pause of a " +
      "strategy does not make the engine unready.",
    responses: {
      "200": json("Ready", "Readiness"),
      "503": json("Not ready; `reasons` says why", "Readiness"),
    },
  },
  metrics: {
    method: "get",
    path: "/metrics",
    tag: "monitoring",
    summary: "Prometheus metrics",
    responses: { "200": { description: "Text exposition format 0.0.4", mediaType: "text/plain" } },
  },
  status: {
    method: "get",
    path: "/api/status",
    tag: "monitoring",
    summary:
      "Venues (streams, fees), book health, positions, open orders, PnL, risk state, strategy parameters and why each instrument is (not) quoted (no secrets)",
    responses: { "200": json("Engine status", "Status") },
  },
  openapi: {
    method: "get",
    path: "/openapi.json",
    tag: "docs",
    summary: "This document (OpenAPI 3.1)",
    responses: { "200": { description: "OpenAPI 3.1 document", mediaType: "application/json" } },
  },
  docs: {
    method: "get",
    path: "/docs",
    tag: "docs",
    summary: "This API as a page to read and try (Swagger UI, served by the engine: no internet needed)",
    responses: { "200": { description: "HTML page", mediaType: "text/html" } },
  },
  docsAsset: {
    method: "get",
    path: "/docs/{file}",
    tag: "docs",
    summary: "The docs page's scripts and styles (from the swagger-ui-dist package)",
    responses: {
      "200": { description: "A script or style sheet", mediaType: "application/javascript" },
      "404": json("No such file", "Error"),
    },
  },
  fills: {
    method: "get",
    path: "/api/fills",
    tag: "journal",
    summary: "Journaled fills: the venue's trades with real price and fee, filtered by venue time",
    query: [
      ...NAME_FILTERS,
      q("client_id", "Only this order"),
      time("since", "From (venue time)"),
      time("until", "Before (venue time)"),
      ...PAGE_PARAMS,
      ORDER_PARAM,
    ],
    responses: journalAnswers("FillPage"),
  },
  orders: {
    method: "get",
    path: "/api/orders",
    tag: "journal",
    summary:
      "Journaled orders with their last state (and every transition with events=true), filtered by creation time",
    query: [
      ...NAME_FILTERS,
      q("client_id", "Only this order"),
      q("state", "Only orders in this state"),
      time("since", "Created from"),
      time("until", "Created before"),
      ...PAGE_PARAMS,
      ORDER_PARAM,
      q("events", "Include every transition", { enum: ["true", "false"] }),
    ],
    responses: journalAnswers("OrderPage"),
  },
  pnl: {
    method: "get",
    path: "/api/pnl",
    tag: "journal",
    summary: "Realized PnL by UTC day and instrument, with totals per currency",
    query: [...NAME_FILTERS, time("since", "First day"), time("until", "Last day (included)"), ...PAGE_PARAMS],
    responses: journalAnswers("PnlPage"),
  },
  desk: {
    method: "get",
    path: "/api/desk",
    tag: "desk",
    summary:
      "The whole desk from its stream: every engine's positions, PnL, fees and open orders, and the firm's totals (desk.view: true)",
    responses: {
      "200": json("The desk view", "DeskView"),
      "400": json("A query parameter was given (none is accepted)", "Error"),
      "404": json("This engine does not fold the desk view (desk.view is not true)", "Error"),
    },
  },
  pause: {
    method: "post",
    path: "/api/strategies/{name}/pause",
    tag: "control",
    summary: "Pause a strategy (cancels its quotes)",
    control: true,
    strategy: true,
  },
  resume: {
    method: "post",
    path: "/api/strategies/{name}/resume",
    tag: "control",
    summary: "Resume a paused strategy",
    control: true,
    strategy: true,
  },
  params: {
    method: "patch",
    path: "/api/strategies/{name}/params",
    tag: "control",
    summary: "Change some of a strategy's parameters (validated by the strategy's schema)",
    control: true,
    strategy: true,
    body: "strategy_params",
  },
  cancelAll: {
    method: "post",
    path: "/api/orders/cancel-all",
    tag: "control",
    summary: "Cancel open orders: on one venue, one symbol, both, or everywhere (empty body)",
    control: true,
    body: CancelAllBody,
  },
  killSwitch: {
    method: "post",
    path: "/api/risk/kill-switch",
    tag: "control",
    summary: "Engage the kill switch: cancel everything and halt trading",
    control: true,
    body: ReasonBody,
  },
  resumeTrading: {
    method: "post",
    path: "/api/risk/resume",
    tag: "control",
    summary: "Resume trading after a halt (kill switch or risk limit)",
    control: true,
    body: ReasonBody,
  },
} as const satisfies Record<string, ApiRoute>;

/** The answers every control route can give, from the control pipeline. */
const CONTROL_RESPONSES: Readonly<Record<string, ResponseDoc>> = {
  "200": json("Done within ?wait and succeeded", "Completed"),
  "202": json("Accepted into the engine's command queue", "Accepted"),
  "400": json(
    "Malformed JSON, a body that is not a JSON object, or a field failed validation (named in `field`)",
    "Error",
  ),
  "401": json("Missing or wrong bearer token", "Error"),
  "403": json("Control API disabled: no token configured", "Error"),
  "409": json("Done within ?wait but the engine refused it", "Completed"),
  "413": json("Body larger than the limit (declared or streamed)", "Error"),
  "415": json("Body is not application/json", "Error"),
  "503": json("Command queue full", "Error"),
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The request-body schemas by component name, so each is converted once and referred to. */
function bodyComponentName(schema: v.GenericSchema): string {
  if (schema === CancelAllBody) return "CancelAllBody";
  if (schema === ReasonBody) return "ReasonBody";
  throw new Error("a route's body schema has no component name: add it to bodyComponentName");
}

/** Component name of a strategy type's parameter schema. */
const paramsComponent = (type: string) => `StrategyParams.${type}`;

/**
 * The body of a parameter change: the schema of each strategy type (read from the strategy's own
 * schema, ranges included), any of which the named strategy's type picks; an object without them.
 */
function paramsBody(paramSchemas: Readonly<Record<string, object>>): object {
  const types = Object.keys(paramSchemas);
  if (types.length === 0) return { type: "object", additionalProperties: true, minProperties: 1 };
  return {
    description:
      "Some of the named strategy's parameters; which schema applies depends on its type (`kind` in /api/status)",
    anyOf: types.map((t) => ref(paramsComponent(t))),
  };
}

function responsesOf(r: ApiRoute): Record<string, object> {
  const docs = r.control
    ? { ...CONTROL_RESPONSES, ...(r.strategy ? { "404": json("No strategy with this name", "Error") } : {}) }
    : (r.responses ?? {});
  return Object.fromEntries(
    Object.entries(docs).map(([code, d]) => {
      const content =
        d.schema !== undefined
          ? { "application/json": { schema: ref(d.schema) } }
          : d.mediaType !== undefined
            ? { [d.mediaType]: {} }
            : undefined;
      return [code, { description: d.description, ...(content === undefined ? {} : { content }) }];
    }),
  );
}

function parametersOf(r: ApiRoute, maxWaitMs: number): object[] {
  const out: object[] = [];
  for (const m of r.path.matchAll(/\{(\w+)\}/g)) {
    out.push({ name: m[1], in: "path", required: true, schema: { type: "string" } });
  }
  for (const p of r.query ?? []) {
    out.push({ name: p.name, in: "query", required: false, description: p.description, schema: p.schema });
  }
  if (r.control) {
    out.push({
      name: "wait",
      in: "query",
      required: false,
      description: `Milliseconds to wait for the engine's result (0 = return at once; capped at ${maxWaitMs}).`,
      schema: { type: "integer", minimum: 0 },
    });
  }
  return out;
}

function operationOf(r: ApiRoute, maxWaitMs: number, paramSchemas: Readonly<Record<string, object>>): object {
  const params = parametersOf(r, maxWaitMs);
  const body =
    r.body === undefined
      ? undefined
      : r.body === "strategy_params"
        ? paramsBody(paramSchemas)
        : ref(bodyComponentName(r.body));
  return {
    summary: r.summary,
    ...(r.description === undefined ? {} : { description: r.description }),
    tags: [r.tag],
    ...(r.control ? { security: [{ bearer: [] }] } : {}),
    ...(params.length === 0 ? {} : { parameters: params }),
    ...(body === undefined
      ? {}
      : { requestBody: { required: r.body === "strategy_params", content: { "application/json": { schema: body } } } }),
    responses: responsesOf(r),
  };
}

/** JSON Schema (2020-12) of every named shape, references pointing into components. */
function componentSchemas(): Record<string, unknown> {
  return toJsonSchemaDefs(
    { ...API_COMPONENTS, CancelAllBody, ReasonBody },
    {
      target: "draft-2020-12",
      errorMode: "throw",
      // readonly only shapes the TypeScript type; a check's rule is in the field's message
      ignoreActions: ["readonly", "check"],
      overrideRef: (c) => `#/components/schemas/${c.referenceId}`,
    },
  );
}

/**
 * Builds the document; `maxBodyBytes` and `maxWaitMs` are the server's actual limits, and
 * `paramSchemas` the JSON Schema of each strategy type's parameter update (by type).
 */
export function openApiDocument(
  limits: { maxBodyBytes: number; maxWaitMs: number; maxRequestBodyBytes?: number },
  paramSchemas: Readonly<Record<string, object>> = {},
): Record<string, unknown> {
  const paths: Record<string, Record<string, object>> = {};
  for (const r of Object.values(API_ROUTES) as ApiRoute[]) {
    paths[r.path] = { ...paths[r.path], [r.method]: operationOf(r, limits.maxWaitMs, paramSchemas) };
  }
  const strategyParams = Object.fromEntries(Object.entries(paramSchemas).map(([t, s]) => [paramsComponent(t), s]));
  return {
    openapi: "3.1.0",
    info: {
      title: "hft-engine control and monitoring API",
      version: "1.0.0",
      description:
        "Monitoring (health, readiness, metrics, status) is open; control routes need `Authorization: Bearer <token>` " +
        "(token from HFT_CONTROL_TOKEN or HFT_CONTROL_TOKEN_FILE) and are disabled when no token is configured. " +
        `Control routes only enqueue a command for the engine. A control body is absent or a JSON object of at most ${limits.maxBodyBytes} bytes` +
        `${limits.maxRequestBodyBytes === undefined ? "" : ` (any request: ${limits.maxRequestBodyBytes} bytes)`}; ` +
        `?wait is capped at ${limits.maxWaitMs} ms.`,
    },
    tags: [
      { name: "monitoring", description: "Probes, metrics and status: open, read-only" },
      { name: "control", description: "Bearer-token commands, queued for the engine" },
      { name: "journal", description: "What the engine did, read from its journal: open, read-only, paged" },
      { name: "desk", description: "Every engine of the desk, folded from the desk stream: open, read-only" },
      { name: "docs", description: "This description and its page" },
    ],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { ...componentSchemas(), ...strategyParams },
    },
  };
}
