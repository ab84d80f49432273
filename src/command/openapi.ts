/**
 * The OpenAPI 3.1 description of the HTTP API, written by hand: the routes are few and stable, and
 * a generator plugin would be a new dependency for one JSON document. A test checks it lists
 * exactly the routes the server registers.
 */

import { NO_QUOTE_REASONS } from "../types/index.ts";

const json = (schema: object) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, content: json(ref("Error")) });

const controlResponses = {
  "200": { description: "Done within ?wait and succeeded", content: json(ref("Completed")) },
  "202": { description: "Accepted into the engine's command queue", content: json(ref("Accepted")) },
  "400": error("Malformed JSON, a body that is not a JSON object, or a field failed validation (named in `field`)"),
  "401": error("Missing or wrong bearer token"),
  "403": error("Control API disabled: no token configured"),
  "409": error("Done within ?wait but the engine refused it"),
  "413": error("Body larger than the limit (declared or streamed)"),
  "415": error("Body is not application/json"),
  "503": error("Command queue full"),
};

const waitParam = {
  name: "wait",
  in: "query",
  required: false,
  description: "Milliseconds to wait for the engine's result (0 = return at once; capped by the server).",
  schema: { type: "integer", minimum: 0 },
};
const strategyParam = { name: "name", in: "path", required: true, schema: { type: "string" } };

/** A query parameter of the journal routes. */
const q = (name: string, description: string, schema: object = { type: "string" }) => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
});
const time = (name: string, what: string) =>
  q(name, `${what}: a UTC day (2026-12-01), an ISO date-time or epoch milliseconds`, { type: "string" });
const PAGE_PARAMS = [
  q("limit", "Rows per page (default 100)", { type: "integer", minimum: 1, maximum: 1000 }),
  q("cursor", "The nextCursor of the previous page"),
];
const ORDER_PARAM = q("order", "asc: oldest journaled first (default); desc: newest first", { enum: ["asc", "desc"] });
const FILTERS = [q("venue", "Only this venue"), q("symbol", "Only this unified symbol, e.g. BTC-USDT")];

/** The answer of a journal route: a page of rows, 400 naming a bad parameter, 404 without a journal. */
function journalRead(summary: string, parameters: object[], page: object) {
  return {
    summary,
    parameters,
    responses: {
      "200": { description: "One page; pass nextCursor back for the next", content: json(page) },
      "400": error("A query parameter is unknown, repeated or malformed (named in `field`)"),
      "404": error("The engine runs without a journal (engine.journal.enabled: false)"),
    },
  };
}

const pageOf = (item: string, extra: Record<string, object> = {}) => ({
  type: "object",
  required: ["items", "nextCursor", ...Object.keys(extra)],
  properties: {
    items: { type: "array", items: ref(item) },
    nextCursor: { type: ["string", "null"], description: "null: no more rows" },
    ...extra,
  },
});

const str = { type: "string" };
const int = { type: "integer" };
const dec = { type: "string", description: "Exact decimal" };

/** Schemas of the journal's rows (src/types/journal.ts). */
const JOURNAL_SCHEMAS = {
  FillRow: {
    type: "object",
    required: [
      "id",
      "venue",
      "symbol",
      "tradeId",
      "clientId",
      "venueOrderId",
      "side",
      "price",
      "qty",
      "fee",
      "feeAsset",
      "isMaker",
      "venueTimeMs",
      "localTimeMs",
      "source",
      "estimated",
      "realizedPnl",
      "feeQuote",
      "currency",
      "runId",
    ],
    properties: {
      id: { ...int, description: "Journal sequence (paging order)" },
      venue: str,
      symbol: str,
      tradeId: { ...str, description: "The venue's trade id (noid:<clientId>:<filled> when it gave none)" },
      clientId: str,
      venueOrderId: str,
      side: { enum: ["buy", "sell"] },
      price: dec,
      qty: dec,
      fee: { ...dec, description: "As the venue charged it, in feeAsset" },
      feeAsset: str,
      isMaker: { type: "boolean" },
      venueTimeMs: int,
      localTimeMs: int,
      source: {
        enum: ["stream", "history"],
        description: "history: recovered from the venue's trade history at start-up",
      },
      estimated: { type: "boolean", description: "No venue trade id: price and fee may be guesses" },
      realizedPnl: { ...dec, description: "Realized PnL this fill booked (FIFO), before fees, in currency" },
      feeQuote: { type: "string", description: 'The fee valued in currency ("" when it could not be valued)' },
      currency: str,
      runId: int,
    },
  },
  OrderEventRow: {
    type: "object",
    required: ["tsMs", "from", "to", "filledQty", "venueOrderId", "reason"],
    properties: { tsMs: int, from: str, to: str, filledQty: dec, venueOrderId: str, reason: str },
  },
  OrderRow: {
    type: "object",
    required: [
      "clientId",
      "runId",
      "venue",
      "symbol",
      "side",
      "type",
      "tif",
      "price",
      "qty",
      "filledQty",
      "state",
      "venueOrderId",
      "strategy",
      "rejectReason",
      "createdMs",
      "updatedMs",
    ],
    properties: {
      clientId: str,
      runId: int,
      venue: str,
      symbol: str,
      side: { enum: ["buy", "sell"] },
      type: str,
      tif: str,
      price: dec,
      qty: dec,
      filledQty: dec,
      state: { ...str, description: "The last journaled state" },
      venueOrderId: str,
      strategy: { type: ["string", "null"] },
      rejectReason: { type: ["string", "null"] },
      createdMs: int,
      updatedMs: int,
      events: { type: "array", items: ref("OrderEventRow"), description: "With events=true" },
    },
  },
  PnlDayRow: {
    type: "object",
    required: ["day", "venue", "symbol", "currency", "realized", "fees", "net", "fills"],
    properties: {
      day: { ...str, description: "UTC day, YYYY-MM-DD" },
      venue: str,
      symbol: str,
      currency: str,
      realized: { ...dec, description: "Before fees" },
      fees: dec,
      net: dec,
      fills: int,
    },
  },
  PnlTotal: {
    type: "object",
    required: ["currency", "realized", "fees", "net"],
    properties: { currency: str, realized: dec, fees: dec, net: dec },
  },
  FillPage: pageOf("FillRow"),
  OrderPage: pageOf("OrderRow"),
  PnlPage: pageOf("PnlDayRow", {
    totals: { type: "array", items: ref("PnlTotal"), description: "Every matching row summed per currency" },
  }),
};

const JOURNAL_PATHS = {
  "/api/fills": {
    get: journalRead(
      "Journaled fills: the venue's trades with real price and fee, filtered by venue time",
      [
        ...FILTERS,
        q("client_id", "Only this order"),
        time("since", "From (venue time)"),
        time("until", "Before (venue time)"),
        ...PAGE_PARAMS,
        ORDER_PARAM,
      ],
      ref("FillPage"),
    ),
  },
  "/api/orders": {
    get: journalRead(
      "Journaled orders with their last state (and every transition with events=true), filtered by creation time",
      [
        ...FILTERS,
        q("client_id", "Only this order"),
        q("state", "Only orders in this state"),
        time("since", "Created from"),
        time("until", "Created before"),
        ...PAGE_PARAMS,
        ORDER_PARAM,
        q("events", "Include every transition", { enum: ["true", "false"] }),
      ],
      ref("OrderPage"),
    ),
  },
  "/api/pnl": {
    get: journalRead(
      "Realized PnL by UTC day and instrument, with totals per currency",
      [...FILTERS, time("since", "First day"), time("until", "Last day (included)"), ...PAGE_PARAMS],
      ref("PnlPage"),
    ),
  },
};

function control(summary: string, opts: { body?: object; strategy?: boolean; notFound?: boolean }) {
  return {
    summary,
    security: [{ bearer: [] }],
    parameters: opts.strategy ? [strategyParam, waitParam] : [waitParam],
    ...(opts.body === undefined ? {} : { requestBody: { required: false, content: json(opts.body) } }),
    responses: opts.strategy ? { ...controlResponses, "404": error("No strategy with this name") } : controlResponses,
  };
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

/**
 * Builds the document; `maxBodyBytes` and `maxWaitMs` are the server's actual limits, and
 * `paramSchemas` the JSON Schema of each strategy type's parameter update (by type).
 */
export function openApiDocument(
  limits: { maxBodyBytes: number; maxWaitMs: number; maxRequestBodyBytes?: number },
  paramSchemas: Readonly<Record<string, object>> = {},
): Record<string, unknown> {
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
    paths: {
      "/health": {
        get: { summary: "Liveness: the process answers", responses: { "200": { description: "Alive" } } },
      },
      "/ready": {
        get: {
          summary: "Readiness: venues connected and books live",
          responses: {
            "200": { description: "Ready", content: json(ref("Readiness")) },
            "503": { description: "Not ready; `reasons` says why", content: json(ref("Readiness")) },
          },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics",
          responses: { "200": { description: "Text exposition format 0.0.4", content: { "text/plain": {} } } },
        },
      },
      "/api/status": {
        get: {
          summary:
            "Venues, book health, positions, open orders, PnL, risk state, strategy parameters and why each instrument is (not) quoted (no secrets)",
          responses: { "200": { description: "Engine status", content: json(ref("Status")) } },
        },
      },
      ...JOURNAL_PATHS,
      "/openapi.json": {
        get: { summary: "This document", responses: { "200": { description: "OpenAPI 3.1 document" } } },
      },
      "/api/strategies/{name}/pause": { post: control("Pause a strategy (cancels its quotes)", { strategy: true }) },
      "/api/strategies/{name}/resume": { post: control("Resume a paused strategy", { strategy: true }) },
      "/api/strategies/{name}/params": {
        patch: control("Change some of a strategy's parameters (validated by the strategy's schema)", {
          strategy: true,
          body: paramsBody(paramSchemas),
        }),
      },
      "/api/orders/cancel-all": {
        post: control("Cancel open orders: on one venue, one symbol, both, or everywhere (empty body)", {
          body: ref("CancelAllBody"),
        }),
      },
      "/api/risk/kill-switch": {
        post: control("Engage the kill switch: cancel everything and halt trading", { body: ref("ReasonBody") }),
      },
      "/api/risk/resume": {
        post: control("Resume trading after a halt (kill switch or risk limit)", { body: ref("ReasonBody") }),
      },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        ...JOURNAL_SCHEMAS,
        Accepted: {
          type: "object",
          required: ["status", "commandId", "kind"],
          properties: {
            status: { const: "accepted" },
            commandId: { type: "string" },
            kind: { type: "string" },
            pending: { type: "boolean", description: "true when ?wait ran out before the engine finished" },
          },
        },
        Completed: {
          type: "object",
          required: ["status", "commandId", "kind", "result"],
          properties: {
            status: { enum: ["completed", "failed"] },
            commandId: { type: "string" },
            kind: { type: "string" },
            result: {
              type: "object",
              required: ["ok", "message"],
              properties: { ok: { type: "boolean" }, message: { type: "string" }, details: { type: "object" } },
            },
          },
        },
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: { type: "string" },
            field: { type: "string", description: "The first offending field, for validation errors" },
            issues: {
              type: "array",
              items: {
                type: "object",
                properties: { field: { type: "string" }, message: { type: "string" } },
              },
            },
          },
        },
        Readiness: {
          type: "object",
          required: ["ready", "reasons"],
          properties: { ready: { type: "boolean" }, reasons: { type: "array", items: { type: "string" } } },
        },
        Status: {
          type: "object",
          description: "Engine status; money and quantities are exact decimal strings.",
          required: ["nowMs", "startedAtMs", "venues", "books", "positions", "openOrders", "pnl", "risk", "strategies"],
          properties: {
            nowMs: { type: "integer" },
            startedAtMs: { type: "integer" },
            venues: { type: "array", items: { type: "object" } },
            books: { type: "array", items: { type: "object" } },
            positions: { type: "array", items: { type: "object" } },
            openOrders: { type: "array", items: { type: "object" } },
            pnl: { type: "array", items: { type: "object" } },
            risk: { type: "object" },
            parents: { type: "object" },
            strategies: { type: "array", items: ref("StrategyStatus") },
          },
        },
        StrategyStatus: {
          type: "object",
          required: ["name", "kind", "state", "failure", "venue", "symbols", "params", "quoting"],
          properties: {
            name: { type: "string" },
            kind: { type: "string" },
            state: {
              enum: ["running", "paused", "halted", "failed"],
              description: "failed: the engine's guard halted it (it threw, or was over its time budget too often)",
            },
            failure: {
              description: "Why the guard halted it, while it stays halted; null otherwise",
              oneOf: [
                { type: "null" },
                {
                  type: "object",
                  required: ["reason", "callback", "message", "atMs"],
                  properties: {
                    reason: { enum: ["error", "time_budget"] },
                    callback: { type: "string" },
                    message: { type: "string" },
                    atMs: { type: "number" },
                  },
                },
              ],
            },
            venue: { type: "string", description: "The venues it trades, comma-separated" },
            symbols: { type: "array", items: { type: "string" } },
            params: { type: "object", additionalProperties: true },
            quoting: { type: "array", items: ref("QuotingStatus") },
          },
        },
        QuotingStatus: {
          type: "object",
          description: "Whether each side of one instrument is quoted and, when not, why (logged once when it changes)",
          required: ["venue", "symbol", "bid", "ask", "detail", "sinceMs"],
          properties: {
            venue: { type: "string" },
            symbol: { type: "string" },
            bid: { description: "null while a bid is quoted", oneOf: [{ type: "null" }, ref("NoQuoteReason")] },
            ask: { description: "null while an ask is quoted", oneOf: [{ type: "null" }, ref("NoQuoteReason")] },
            detail: {
              type: "string",
              description: "The figures that decided it: edges, maker fee and min_profit in bps; position and limit",
            },
            sinceMs: { type: "integer", description: "Since when the instrument is in this state (clock ms)" },
          },
        },
        NoQuoteReason: { enum: [...NO_QUOTE_REASONS] },
        CancelAllBody: {
          type: "object",
          additionalProperties: false,
          properties: { venue: { type: "string" }, symbol: { type: "string" } },
        },
        ReasonBody: {
          type: "object",
          additionalProperties: false,
          properties: { reason: { type: "string", maxLength: 200 } },
        },
        ...strategyParams,
      },
    },
  };
}
