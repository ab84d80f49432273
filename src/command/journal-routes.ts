/**
 * Read-only routes over the journal (what the engine did, not what it is doing): fills, orders with
 * their transitions, and realized PnL by UTC day, filtered and paged. Open like /api/status (nothing
 * here changes state); every query parameter is checked strictly, and a bad one gets a 400 naming it
 * and a count under reason `invalid_query`.
 */
import { Elysia } from "elysia";
import type {
  FillQuery,
  FillRow,
  JournalPage,
  OrderQuery,
  OrderRow,
  PnlDayRow,
  PnlQuery,
  PnlTotal,
} from "../types/index.ts";
import { API_ROUTES, type ApiRoute } from "./openapi.ts";
import { json, type ReplyCounter } from "./responses.ts";

/** The parameters a route accepts: those its entry in API_ROUTES documents, and no other. */
const accepted = (route: ApiRoute): readonly string[] => (route.query ?? []).map((p) => p.name);

/** What the routes read (the engine's journal store implements it). */
export interface JournalReader {
  fills(q: FillQuery): JournalPage<FillRow>;
  orders(q: OrderQuery): JournalPage<OrderRow>;
  pnl(q: PnlQuery): JournalPage<PnlDayRow>;
  pnlTotals(q: PnlQuery): PnlTotal[];
}

/** A query parameter the journal cannot answer; `field` names it. */
export class QueryParamError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "QueryParamError";
  }
}

/** Largest page the API hands out (the export tool pages through everything). */
export const MAX_API_PAGE = 1000;
const DEFAULT_PAGE = 100;
const NAME_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses a time bound: a UTC day (2026-12-01), an ISO date-time, or epoch milliseconds. */
export function parseTime(field: string, s: string): number {
  if (/^\d{1,15}$/.test(s)) return Number(s);
  const ms = DAY_RE.test(s) ? Date.parse(`${s}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : Number.NaN;
  // a day that does not exist (2026-02-30) must not roll over into another one
  if (!Number.isFinite(ms) || (DAY_RE.test(s) && new Date(ms).toISOString().slice(0, 10) !== s))
    throw new QueryParamError(
      field,
      `${field}: expected a UTC day (2026-12-01), an ISO time or epoch ms, got ${JSON.stringify(s)}`,
    );
  return ms;
}

/** The query string as a map, refusing unknown and repeated parameters. */
export function strictParams(url: URL, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of url.searchParams) {
    if (!allowed.includes(k)) throw new QueryParamError(k, `${k}: unknown parameter (allowed: ${allowed.join(", ")})`);
    if (out.has(k)) throw new QueryParamError(k, `${k}: given more than once`);
    out.set(k, v);
  }
  return out;
}

function name(p: Map<string, string>, key: string): string | undefined {
  const v = p.get(key);
  if (v === undefined) return undefined;
  if (!NAME_RE.test(v)) throw new QueryParamError(key, `${key}: expected 1-64 letters, digits or _ . : -`);
  return v;
}

function paging(p: Map<string, string>): { limit: number; cursor?: string } {
  const raw = p.get("limit");
  const limit = raw === undefined ? DEFAULT_PAGE : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_API_PAGE || (raw !== undefined && !/^\d+$/.test(raw)))
    throw new QueryParamError(
      "limit",
      `limit: expected an integer from 1 to ${MAX_API_PAGE}, got ${JSON.stringify(raw)}`,
    );
  const cursor = p.get("cursor");
  if (cursor !== undefined && (cursor.length === 0 || cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)))
    throw new QueryParamError("cursor", "cursor: pass back nextCursor as given");
  return cursor === undefined ? { limit } : { limit, cursor };
}

function order(p: Map<string, string>): "asc" | "desc" {
  const o = p.get("order") ?? "asc";
  if (o !== "asc" && o !== "desc") throw new QueryParamError("order", `order: expected "asc" or "desc"`);
  return o;
}

function window(p: Map<string, string>): { sinceMs?: number; untilMs?: number } {
  const since = p.get("since");
  const until = p.get("until");
  const out: { sinceMs?: number; untilMs?: number } = {};
  if (since !== undefined) out.sinceMs = parseTime("since", since);
  if (until !== undefined) out.untilMs = parseTime("until", until);
  return out;
}

/** Every filter defined, nothing undefined (the queries are strict about absent keys). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** GET /api/fills parameters. */
export function fillQueryOf(url: URL): FillQuery {
  const p = strictParams(url, accepted(API_ROUTES.fills));
  return defined({
    venue: name(p, "venue"),
    symbol: name(p, "symbol"),
    clientId: name(p, "client_id"),
    ...window(p),
    ...paging(p),
    order: order(p),
  });
}

/** GET /api/orders parameters. */
export function orderQueryOf(url: URL): OrderQuery {
  const p = strictParams(url, accepted(API_ROUTES.orders));
  const events = p.get("events");
  if (events !== undefined && events !== "true" && events !== "false")
    throw new QueryParamError("events", `events: expected "true" or "false"`);
  return defined({
    venue: name(p, "venue"),
    symbol: name(p, "symbol"),
    clientId: name(p, "client_id"),
    state: name(p, "state"),
    ...window(p),
    ...paging(p),
    order: order(p),
    events: events === "true",
  });
}

/** GET /api/pnl parameters (since/until as UTC days, both included). */
export function pnlQueryOf(url: URL): PnlQuery {
  const p = strictParams(url, accepted(API_ROUTES.pnl));
  const day = (key: string): string | undefined => {
    const v = p.get(key);
    return v === undefined ? undefined : new Date(parseTime(key, v)).toISOString().slice(0, 10);
  };
  return defined({
    venue: name(p, "venue"),
    symbol: name(p, "symbol"),
    sinceDay: day("since"),
    untilDay: day("until"),
    ...paging(p),
  });
}

/** The field a query error names, when it is one (the journal's own errors carry `field` too). */
function fieldOf(e: unknown): string | undefined {
  const f = (e as { field?: unknown } | null)?.field;
  return typeof f === "string" ? f : undefined;
}

/** What the journal routes need. */
export interface JournalRouteDeps {
  readonly journal: JournalReader | undefined;
  readonly replies: ReplyCounter;
}

/** /api/fills, /api/orders and /api/pnl, as an Elysia plugin for createHttpApp. */
export function journalRoutes(deps: JournalRouteDeps) {
  const { journal, replies } = deps;
  const serve = (route: string, request: Request, read: (j: JournalReader, url: URL) => unknown): Response => {
    if (journal === undefined)
      return replies.refuse(
        route,
        "journal_disabled",
        json(404, { error: "no journal: this engine runs with engine.journal.enabled: false" }),
      );
    try {
      return replies.done(route, json(200, read(journal, new URL(request.url))));
    } catch (e) {
      const field = fieldOf(e);
      if (field === undefined) throw e;
      return replies.refuse(route, "invalid_query", json(400, { error: (e as Error).message, field }));
    }
  };
  const { fills, orders, pnl } = API_ROUTES;
  return new Elysia()
    .get(fills.path, ({ request }) => serve(fills.path, request, (j, url) => j.fills(fillQueryOf(url))))
    .get(orders.path, ({ request }) => serve(orders.path, request, (j, url) => j.orders(orderQueryOf(url))))
    .get(pnl.path, ({ request }) =>
      serve(pnl.path, request, (j, url) => {
        const q = pnlQueryOf(url);
        return { ...j.pnl(q), totals: j.pnlTotals(q) };
      }),
    );
}
