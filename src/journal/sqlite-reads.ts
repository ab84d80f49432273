/**
 * The journal's queries for people: fills, orders and realized PnL by day, filtered and paged with
 * opaque keyset cursors (a page never shifts when new rows arrive, and a cursor from another query
 * is refused rather than misread). Each query is one indexed SELECT of at most `limit + 1` rows.
 */
import type { Database, SQLQueryBindings } from "bun:sqlite";
import type {
  FillQuery,
  FillRow,
  JournalPage,
  OrderEventRow,
  OrderQuery,
  OrderRow,
  PnlDayRow,
  PnlQuery,
  PnlTotal,
} from "../types/index.ts";
import { formatMoney, parseMoney } from "../types/index.ts";

/** A query the journal cannot answer as asked; `field` names the parameter. */
export class JournalQueryError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "JournalQueryError";
  }
}

/** Largest page any query returns. */
export const MAX_PAGE = 10_000;

/** A cursor is the last row's key, tagged with the query kind. */
function encodeCursor(kind: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([kind, ...key])).toString("base64url");
}

function decodeCursor(kind: string, cursor: string, types: readonly ("string" | "number")[]): (string | number)[] {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    v = undefined;
  }
  const ok =
    Array.isArray(v) &&
    v.length === types.length + 1 &&
    v[0] === kind &&
    types.every((t, i) => typeof v[i + 1] === t && (t === "string" || Number.isSafeInteger(v[i + 1])));
  if (!ok)
    throw new JournalQueryError("cursor", `cursor: not a cursor of a ${kind} query (pass back nextCursor as given)`);
  return (v as (string | number)[]).slice(1);
}

/** WHERE clauses and their values, built filter by filter. */
class Where {
  readonly parts: string[] = [];
  readonly args: SQLQueryBindings[] = [];

  add(sql: string, ...args: SQLQueryBindings[]): void {
    this.parts.push(sql);
    this.args.push(...args);
  }

  sql(): string {
    return this.parts.length === 0 ? "" : ` WHERE ${this.parts.join(" AND ")}`;
  }
}

function limitOf(q: { limit: number }): number {
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(q.limit)));
}

interface FillDbRow {
  id: number;
  run_id: number;
  venue: string;
  symbol: string;
  trade_id: string;
  client_id: string;
  venue_order_id: string;
  side: string;
  price: string;
  qty: string;
  fee: string;
  fee_asset: string;
  is_maker: number;
  venue_time_ms: number;
  local_time_ms: number;
  source: string;
  estimated: number;
  realized_pnl: string;
  fee_quote: string;
  currency: string;
}

function fillOf(r: FillDbRow): FillRow {
  return {
    id: r.id,
    venue: r.venue,
    symbol: r.symbol,
    tradeId: r.trade_id,
    clientId: r.client_id,
    venueOrderId: r.venue_order_id,
    side: r.side === "sell" ? "sell" : "buy",
    price: r.price,
    qty: r.qty,
    fee: r.fee,
    feeAsset: r.fee_asset,
    isMaker: r.is_maker === 1,
    venueTimeMs: r.venue_time_ms,
    localTimeMs: r.local_time_ms,
    source: r.source === "history" ? "history" : "stream",
    estimated: r.estimated === 1,
    realizedPnl: r.realized_pnl,
    feeQuote: r.fee_quote,
    currency: r.currency,
    runId: r.run_id,
  };
}

/** Fills by venue time window, instrument and client id, in journal order. */
export function queryFills(db: Database, q: FillQuery): JournalPage<FillRow> {
  const w = new Where();
  if (q.venue !== undefined) w.add("venue = ?", q.venue);
  if (q.symbol !== undefined) w.add("symbol = ?", q.symbol);
  if (q.clientId !== undefined) w.add("client_id = ?", q.clientId);
  if (q.sinceMs !== undefined) w.add("venue_time_ms >= ?", q.sinceMs);
  if (q.untilMs !== undefined) w.add("venue_time_ms < ?", q.untilMs);
  const desc = q.order === "desc";
  if (q.cursor !== undefined) w.add(desc ? "id < ?" : "id > ?", decodeCursor("fills", q.cursor, ["number"])[0] ?? 0);
  const limit = limitOf(q);
  const rows = db
    .query(`SELECT * FROM fills${w.sql()} ORDER BY id ${desc ? "DESC" : "ASC"} LIMIT ?`)
    .all(...w.args, limit + 1) as FillDbRow[];
  const items = rows.slice(0, limit).map(fillOf);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor("fills", [last.id]) : null };
}

interface OrderDbRow {
  rowid: number;
  client_id: string;
  run_id: number;
  venue: string;
  symbol: string;
  side: string;
  type: string;
  tif: string;
  price: string;
  qty: string;
  filled_qty: string;
  state: string;
  venue_order_id: string;
  strategy: string | null;
  reject_reason: string | null;
  created_ms: number;
  updated_ms: number;
}

/** Orders by creation time window, instrument, client id and state, in journal order. */
export function queryOrders(db: Database, q: OrderQuery): JournalPage<OrderRow> {
  const w = new Where();
  if (q.venue !== undefined) w.add("venue = ?", q.venue);
  if (q.symbol !== undefined) w.add("symbol = ?", q.symbol);
  if (q.clientId !== undefined) w.add("client_id = ?", q.clientId);
  if (q.state !== undefined) w.add("state = ?", q.state);
  if (q.sinceMs !== undefined) w.add("created_ms >= ?", q.sinceMs);
  if (q.untilMs !== undefined) w.add("created_ms < ?", q.untilMs);
  const desc = q.order === "desc";
  if (q.cursor !== undefined)
    w.add(desc ? "rowid < ?" : "rowid > ?", decodeCursor("orders", q.cursor, ["number"])[0] ?? 0);
  const limit = limitOf(q);
  const rows = db
    .query(`SELECT rowid, * FROM orders${w.sql()} ORDER BY rowid ${desc ? "DESC" : "ASC"} LIMIT ?`)
    .all(...w.args, limit + 1) as OrderDbRow[];
  const page = rows.slice(0, limit);
  const events = q.events === true ? db.query("SELECT * FROM order_events WHERE client_id = ? ORDER BY id") : undefined;
  const items = page.map((r): OrderRow => {
    const row: OrderRow = {
      clientId: r.client_id,
      runId: r.run_id,
      venue: r.venue,
      symbol: r.symbol,
      side: r.side === "sell" ? "sell" : "buy",
      type: r.type,
      tif: r.tif,
      price: r.price,
      qty: r.qty,
      filledQty: r.filled_qty,
      state: r.state,
      venueOrderId: r.venue_order_id,
      strategy: r.strategy,
      rejectReason: r.reject_reason,
      createdMs: r.created_ms,
      updatedMs: r.updated_ms,
    };
    return events === undefined ? row : { ...row, events: eventsOf(events.all(r.client_id) as EventDbRow[]) };
  });
  const last = page[page.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor("orders", [last.rowid]) : null,
  };
}

interface EventDbRow {
  ts_ms: number;
  from_state: string;
  to_state: string;
  filled_qty: string;
  venue_order_id: string;
  reason: string;
}

function eventsOf(rows: EventDbRow[]): OrderEventRow[] {
  return rows.map((e) => ({
    tsMs: e.ts_ms,
    from: e.from_state,
    to: e.to_state,
    filledQty: e.filled_qty,
    venueOrderId: e.venue_order_id,
    reason: e.reason,
  }));
}

interface PnlDbRow {
  day: string;
  venue: string;
  symbol: string;
  currency: string;
  realized: string;
  fees: string;
  fills: number;
}

function pnlWhere(q: PnlQuery): Where {
  const w = new Where();
  if (q.venue !== undefined) w.add("venue = ?", q.venue);
  if (q.symbol !== undefined) w.add("symbol = ?", q.symbol);
  if (q.sinceDay !== undefined) w.add("day >= ?", q.sinceDay);
  if (q.untilDay !== undefined) w.add("day <= ?", q.untilDay);
  return w;
}

/** Realized PnL rows by day (oldest first), then venue and symbol. */
export function queryPnl(db: Database, q: PnlQuery): JournalPage<PnlDayRow> {
  const w = pnlWhere(q);
  if (q.cursor !== undefined) {
    const [day = "", venue = "", symbol = ""] = decodeCursor("pnl", q.cursor, ["string", "string", "string"]);
    w.add("(day, venue, symbol) > (?, ?, ?)", day, venue, symbol);
  }
  const limit = limitOf(q);
  const rows = db
    .query(`SELECT * FROM pnl_days${w.sql()} ORDER BY day, venue, symbol LIMIT ?`)
    .all(...w.args, limit + 1) as PnlDbRow[];
  const items = rows.slice(0, limit).map(
    (r): PnlDayRow => ({
      day: r.day,
      venue: r.venue,
      symbol: r.symbol,
      currency: r.currency,
      realized: r.realized,
      fees: r.fees,
      net: formatMoney((parseMoney(r.realized) ?? 0n) - (parseMoney(r.fees) ?? 0n)),
      fills: r.fills,
    }),
  );
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > limit && last !== undefined ? encodeCursor("pnl", [last.day, last.venue, last.symbol]) : null,
  };
}

/** Every PnL row the query's filters match (cursor and limit ignored), summed exactly per currency. */
export function queryPnlTotals(db: Database, q: PnlQuery): PnlTotal[] {
  const w = pnlWhere(q);
  const rows = db.query(`SELECT currency, realized, fees FROM pnl_days${w.sql()}`).all(...w.args) as PnlDbRow[];
  const sums = new Map<string, { realized: bigint; fees: bigint }>();
  for (const r of rows) {
    const s = sums.get(r.currency) ?? { realized: 0n, fees: 0n };
    s.realized += parseMoney(r.realized) ?? 0n;
    s.fees += parseMoney(r.fees) ?? 0n;
    sums.set(r.currency, s);
  }
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, s]) => ({
      currency,
      realized: formatMoney(s.realized),
      fees: formatMoney(s.fees),
      net: formatMoney(s.realized - s.fees),
    }));
}
