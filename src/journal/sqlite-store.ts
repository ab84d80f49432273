/**
 * The embedded default journal: one SQLite file per engine (WAL), written in one transaction per
 * batch with prepared statements, and read back by the engine's restore and by the API and export
 * tool. It is the primary sink: what it committed is what a restarted engine remembers.
 */
import type { Database, Statement } from "bun:sqlite";
import { hostname } from "node:os";
import type { FillQuery, JournalPage, OrderQuery, PnlDayRow, PnlQuery, PnlTotal } from "../types/index.ts";
import { formatMoney, parseMoney } from "../types/index.ts";
import type {
  BalanceRecord,
  FillRecord,
  JournalRecord,
  JournalSink,
  OrderEventRecord,
  OrderRecord,
  PositionRecord,
  RiskRecord,
} from "./records.ts";
import { type JournalOpenOptions, type OpenedJournal, openJournalFile } from "./sqlite-open.ts";
import { queryFills, queryOrders, queryPnl, queryPnlTotals } from "./sqlite-reads.ts";

/** What a run records about itself when it starts. */
export interface RunStart {
  readonly startedMs: number;
  readonly configHash: string;
  readonly codeVersion: string;
  readonly clientIdHead: string;
}

/** The last keyed fill of one instrument: where the venue's trade history picks up after a restart. */
export interface LastFill {
  readonly venue: string;
  readonly symbol: string;
  readonly tradeId: string;
  readonly venueTimeMs: number;
}

/** Everything a starting engine reloads before it quotes. */
export interface RestoredState {
  /** Latest snapshot of each instrument. */
  readonly positions: readonly PositionRecord[];
  /** Latest balances of each venue. */
  readonly balances: readonly BalanceRecord[];
  readonly risk: RiskRecord | undefined;
  readonly lastFills: readonly LastFill[];
  /** The most recent fills' trade keys (of venues that keep their ids), so a fill sent again is recognised. */
  readonly recentTrades: readonly { venue: string; symbol: string; tradeId: string; side: "buy" | "sell" }[];
  /** When the first run of this journal started (no earlier trade can be this engine's). */
  readonly firstRunStartedMs: number | undefined;
  /** Realized PnL of recent UTC days (from sinceDay on). */
  readonly pnlDays: readonly PnlDayRow[];
  readonly fills: number;
  readonly runs: number;
}

/** An order an earlier run left in a live state: its end is known only to the venue. */
export interface UnsettledOrder {
  readonly clientId: string;
  readonly runId: number;
  readonly venue: string;
  readonly symbol: string;
  readonly state: string;
  readonly venueOrderId: string;
  readonly filledQty: string;
}

/** An earlier run that did not stop cleanly: orders it sent may be missing from the journal. */
export interface UncleanRun {
  readonly runId: number;
  readonly clientIdHead: string;
  /** Highest sequence number of its journaled client ids (0 when none). */
  readonly maxSeq: number;
}

const LIVE_STATES = "('pending_new', 'new', 'partially_filled', 'pending_cancel')";
const RECENT_TRADES = 5000;
const DAY_MS = 86_400_000;

/** The highest numeric trade id of an instrument within one batch. */
interface Last {
  venue: string;
  symbol: string;
  num: number;
  tradeId: string;
  venueTimeMs: number;
}

/** A fill's realized PnL and fee summed per day and instrument within one batch. */
interface DayDelta {
  day: string;
  venue: string;
  symbol: string;
  currency: string;
  realized: bigint;
  fees: bigint;
  fills: number;
}

/** The SQLite journal store (primary sink, restore source, query engine). */
export class SqliteJournal implements JournalSink {
  readonly name = "sqlite";
  readonly path: string;
  readonly created: boolean;
  readonly migrated: readonly number[];
  /** This run's id (0 until beginRun, and in read-only mode). */
  runId = 0;
  private readonly db: Database;
  private readonly lock: Database | undefined;
  private closed = false;
  private stmts: ReturnType<typeof prepare> | undefined;

  private constructor(opened: OpenedJournal) {
    this.db = opened.db;
    this.path = opened.path;
    this.created = opened.created;
    this.migrated = opened.migrated;
    this.lock = opened.lock;
  }

  /** Opens the journal at path; throws JournalOpenError naming the file and what to do. */
  static open(path: string, opts: JournalOpenOptions = {}): SqliteJournal {
    const store = new SqliteJournal(openJournalFile(path, opts));
    if (opts.readonly !== true) store.stmts = prepare(store.db);
    return store;
  }

  /** Records the start of a run at once (not batched) and returns its id. */
  beginRun(run: RunStart): number {
    const r = this.db
      .query(
        "INSERT INTO runs (started_ms, config_hash, code_version, client_id_head, pid, host) VALUES (?, ?, ?, ?, ?, ?) RETURNING run_id",
      )
      .get(run.startedMs, run.configHash, run.codeVersion, run.clientIdHead, process.pid, hostname()) as {
      run_id: number;
    };
    this.runId = r.run_id;
    return this.runId;
  }

  /** Records the end of this run: clean when every order was confirmed closed. */
  endRun(stoppedMs: number, reason: string, clean: boolean): void {
    if (this.runId === 0) return;
    this.db.run("UPDATE runs SET stopped_ms = ?, stop_reason = ?, clean = ? WHERE run_id = ?", [
      stoppedMs,
      reason,
      clean ? 1 : 0,
      this.runId,
    ]);
  }

  /** Marks earlier unclean runs as settled (their orders were resolved at the venue). */
  markRecovered(runIds: readonly number[], nowMs: number): void {
    const st = this.db.prepare("UPDATE runs SET recovered_ms = ? WHERE run_id = ?");
    this.db.transaction(() => {
      for (const id of runIds) st.run(nowMs, id);
    })();
  }

  /** Commits one batch in one transaction; throws (nothing committed) when it could not. */
  write(batch: readonly JournalRecord[]): void {
    const s = this.stmts;
    if (s === undefined) throw new Error(`journal ${this.path} is read only`);
    const days = new Map<string, DayDelta>();
    const lasts = new Map<string, Last>();
    s.begin.run();
    try {
      for (const r of batch) this.writeOne(s, r, days, lasts);
      for (const d of days.values()) mergeDay(s, d);
      for (const l of lasts.values()) s.lastPut.run(l.venue, l.symbol, l.num, l.tradeId, l.venueTimeMs);
      s.commit.run();
    } catch (e) {
      if (this.db.inTransaction) s.rollback.run();
      throw e;
    }
  }

  private writeOne(s: Stmts, r: JournalRecord, days: Map<string, DayDelta>, lasts: Map<string, Last>): void {
    switch (r.kind) {
      case "order":
        writeOrder(s, r, this.runId);
        return;
      case "order_event":
        writeOrderEvent(s, r);
        return;
      case "fill":
        if (writeFill(s, r, this.runId)) {
          addToDay(days, r);
          if (!r.ephemeral) noteLast(lasts, r);
        }
        return;
      case "position":
        writePosition(s, r);
        return;
      case "balances":
        s.balance.run(r.tsMs, r.venue, JSON.stringify(r.balances));
        return;
      case "risk":
        writeRisk(s, r);
        return;
      case "run":
        return; // runs are written at once by beginRun / endRun
    }
  }

  /** What a starting engine reloads: latest snapshots, risk, where each venue's history picks up. */
  restore(nowMs: number, pnlDays = 7): RestoredState {
    const db = this.db;
    const positions = (
      db
        .query(
          "SELECT p.* FROM position_snapshots p JOIN (SELECT MAX(id) AS id FROM position_snapshots GROUP BY venue, symbol) m ON p.id = m.id ORDER BY p.venue, p.symbol",
        )
        .all() as PositionRow[]
    ).map(positionOf);
    const balances = (
      db
        .query(
          "SELECT b.* FROM balance_snapshots b JOIN (SELECT MAX(id) AS id FROM balance_snapshots GROUP BY venue) m ON b.id = m.id",
        )
        .all() as { ts_ms: number; venue: string; balances: string }[]
    ).map(
      (b): BalanceRecord => ({ kind: "balances", tsMs: b.ts_ms, venue: b.venue, balances: JSON.parse(b.balances) }),
    );
    const riskRow = db.query("SELECT * FROM risk_state ORDER BY id DESC LIMIT 1").get() as RiskRow | null;
    const since = new Date(Math.floor(nowMs / DAY_MS - pnlDays + 1) * DAY_MS).toISOString().slice(0, 10);
    return {
      positions,
      balances,
      risk: riskRow === null ? undefined : riskOf(riskRow),
      lastFills: this.lastFills(),
      recentTrades: (
        db
          .query("SELECT venue, symbol, trade_id, side FROM fills WHERE epoch = 0 ORDER BY id DESC LIMIT ?")
          .all(RECENT_TRADES) as { venue: string; symbol: string; trade_id: string; side: string }[]
      ).map((t) => ({
        venue: t.venue,
        symbol: t.symbol,
        tradeId: t.trade_id,
        side: t.side === "sell" ? ("sell" as const) : ("buy" as const),
      })),
      firstRunStartedMs:
        (db.query("SELECT MIN(started_ms) AS t FROM runs").get() as { t: number | null }).t ?? undefined,
      pnlDays: queryPnl(db, { sinceDay: since, limit: 100_000 }).items,
      fills: (db.query("SELECT count(*) AS n FROM fills").get() as { n: number }).n,
      runs: (db.query("SELECT count(*) AS n FROM runs").get() as { n: number }).n,
    };
  }

  /** The keyed fill with the highest numeric trade id of each instrument. */
  private lastFills(): LastFill[] {
    const rows = this.db
      .query("SELECT venue, symbol, trade_id, venue_time_ms FROM last_fills ORDER BY venue, symbol")
      .all() as { venue: string; symbol: string; trade_id: string; venue_time_ms: number }[];
    return rows.map((r) => ({ venue: r.venue, symbol: r.symbol, tradeId: r.trade_id, venueTimeMs: r.venue_time_ms }));
  }

  /** Orders earlier runs left live in the journal (killed before their end was journaled). */
  unsettledOrders(): UnsettledOrder[] {
    return (
      this.db
        .query(
          `SELECT client_id, run_id, venue, symbol, state, venue_order_id, filled_qty FROM orders WHERE state IN ${LIVE_STATES} AND run_id <> ? ORDER BY rowid`,
        )
        .all(this.runId) as {
        client_id: string;
        run_id: number;
        venue: string;
        symbol: string;
        state: string;
        venue_order_id: string;
        filled_qty: string;
      }[]
    ).map((o) => ({
      clientId: o.client_id,
      runId: o.run_id,
      venue: o.venue,
      symbol: o.symbol,
      state: o.state,
      venueOrderId: o.venue_order_id,
      filledQty: o.filled_qty,
    }));
  }

  /** Earlier runs that neither stopped cleanly nor were settled by a later run. */
  uncleanRuns(): UncleanRun[] {
    const runs = this.db
      .query("SELECT run_id, client_id_head FROM runs WHERE clean = 0 AND recovered_ms IS NULL AND run_id <> ?")
      .all(this.runId) as { run_id: number; client_id_head: string }[];
    const seq = this.db.query(
      "SELECT MAX(CAST(substr(client_id, ?) AS INTEGER)) AS s FROM orders WHERE run_id = ? AND substr(client_id, 1, ?) = ?",
    );
    return runs.map((r) => {
      const head = r.client_id_head;
      const row = seq.get(head.length + 1, r.run_id, head.length, head) as { s: number | null };
      return { runId: r.run_id, clientIdHead: head, maxSeq: row.s ?? 0 };
    });
  }

  /** Client ids of journaled orders by their venue order id (trades the venue lists without one). */
  clientIdsOfVenueOrders(venue: string, venueOrderIds: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    const st = this.db.query("SELECT client_id FROM orders WHERE venue = ? AND venue_order_id = ?");
    for (const id of new Set(venueOrderIds)) {
      if (id === "") continue;
      const row = st.get(venue, id) as { client_id: string } | null;
      if (row !== null) out.set(id, row.client_id);
    }
    return out;
  }

  /**
   * Quantities journaled as estimated fills (no venue trade id: recovered from an order's status),
   * per client id and with each order's venue id: the venue's own trades for those orders are
   * already in the position and must not be booked again.
   */
  estimatedFills(venue: string, symbol: string): { clientId: string; venueOrderId: string; qty: string }[] {
    return (
      this.db
        .query(
          "SELECT client_id, venue_order_id, qty FROM fills WHERE venue = ? AND symbol = ? AND estimated = 1 AND epoch = 0",
        )
        .all(venue, symbol) as { client_id: string; venue_order_id: string; qty: string }[]
    ).map((r) => ({ clientId: r.client_id, venueOrderId: r.venue_order_id, qty: r.qty }));
  }

  /** Fills, newest or oldest first, filtered and paged. */
  fills(q: FillQuery) {
    return queryFills(this.db, q);
  }

  /** Orders (with their transitions on request), filtered and paged. */
  orders(q: OrderQuery) {
    return queryOrders(this.db, q);
  }

  /** Realized PnL by UTC day and instrument, filtered and paged. */
  pnl(q: PnlQuery): JournalPage<PnlDayRow> {
    return queryPnl(this.db, q);
  }

  /** The PnL rows a query matches, summed per currency. */
  pnlTotals(q: PnlQuery): PnlTotal[] {
    return queryPnlTotals(this.db, q);
  }

  /** Schema version, counts and the last runs, for `bun run journal info`. */
  info(): Record<string, unknown> {
    const count = (t: string) => (this.db.query(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return {
      path: this.path,
      schemaVersion: (this.db.query("PRAGMA user_version").get() as { user_version: number }).user_version,
      runs: count("runs"),
      orders: count("orders"),
      orderEvents: count("order_events"),
      fills: count("fills"),
      lastRuns: this.db.query("SELECT * FROM runs ORDER BY run_id DESC LIMIT 5").all(),
    };
  }

  /**
   * Closes the file and releases the owner lock (idempotent). A writer first folds the WAL back into
   * the file (a clean file for backups and copies); if that fails the WAL still holds every commit.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.stmts !== undefined) {
      for (const st of Object.values(this.stmts)) st.finalize();
      try {
        this.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch {
        // busy (a reader) or full: the WAL keeps the data and the next open replays it
      }
    }
    this.db.close();
    this.lock?.close();
  }
}

// ---------------------------------------------------------------- statements and row mapping

function prepare(db: Database) {
  return {
    begin: db.prepare("BEGIN"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
    order: db.prepare(
      "INSERT INTO orders (client_id, run_id, venue, symbol, side, type, tif, price, qty, strategy, created_ms, state, filled_qty, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending_new', '0', ?) ON CONFLICT (client_id) DO NOTHING",
    ),
    orderEvent: db.prepare(
      "INSERT INTO order_events (client_id, ts_ms, from_state, to_state, filled_qty, venue_order_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    orderState: db.prepare(
      "UPDATE orders SET state = ?, filled_qty = ?, venue_order_id = CASE WHEN ? <> '' THEN ? ELSE venue_order_id END, reject_reason = COALESCE(?, reject_reason), updated_ms = ? WHERE client_id = ?",
    ),
    fill: db.prepare(
      "INSERT OR IGNORE INTO fills (run_id, venue, symbol, trade_id, trade_num, client_id, venue_order_id, side, price, qty, fee, fee_asset, is_maker, venue_time_ms, local_time_ms, source, estimated, realized_pnl, fee_quote, currency, day, epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    position: db.prepare(
      "INSERT INTO position_snapshots (ts_ms, venue, symbol, tick, step, lots, position, entries, open_cost, realized, fees, fees_by_asset, unvalued_fees, fills, bought_lots, sold_lots) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    balance: db.prepare("INSERT INTO balance_snapshots (ts_ms, venue, balances) VALUES (?, ?, ?)"),
    risk: db.prepare(
      "INSERT INTO risk_state (ts_ms, day, baseline, halted, reason, tripped_ms, trips) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    dayGet: db.prepare("SELECT realized, fees, fills FROM pnl_days WHERE day = ? AND venue = ? AND symbol = ?"),
    lastPut: db.prepare(
      "INSERT INTO last_fills (venue, symbol, trade_num, trade_id, venue_time_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (venue, symbol) DO UPDATE SET trade_num = excluded.trade_num, trade_id = excluded.trade_id, venue_time_ms = excluded.venue_time_ms WHERE excluded.trade_num > last_fills.trade_num",
    ),
    dayPut: db.prepare(
      "INSERT INTO pnl_days (day, venue, symbol, currency, realized, fees, fills) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, venue, symbol) DO UPDATE SET realized = excluded.realized, fees = excluded.fees, fills = excluded.fills, currency = excluded.currency",
    ),
  } satisfies Record<string, Statement>;
}

type Stmts = ReturnType<typeof prepare>;

function writeOrder(s: Stmts, r: OrderRecord, runId: number): void {
  s.order.run(
    r.clientId,
    r.discoveredRunId ?? runId,
    r.venue,
    r.symbol,
    r.side,
    r.type,
    r.tif,
    r.price,
    r.qty,
    r.strategy,
    r.tsMs,
    r.tsMs,
  );
}

function writeOrderEvent(s: Stmts, r: OrderEventRecord): void {
  s.orderEvent.run(r.clientId, r.tsMs, r.from, r.to, r.filledQty, r.venueOrderId, r.reason);
  s.orderState.run(r.to, r.filledQty, r.venueOrderId, r.venueOrderId, r.rejectReason, r.tsMs, r.clientId);
}

/** A trade id as a number when it is one (every venue we speak numbers its trades), else null. */
function tradeNum(tradeId: string): number | null {
  return /^\d{1,15}$/.test(tradeId) ? Number(tradeId) : null;
}

function noteLast(lasts: Map<string, Last>, r: FillRecord): void {
  const num = tradeNum(r.tradeId);
  if (num === null) return;
  const key = `${r.venue}|${r.symbol}`;
  const l = lasts.get(key);
  if (l === undefined || num > l.num)
    lasts.set(key, { venue: r.venue, symbol: r.symbol, num, tradeId: r.tradeId, venueTimeMs: r.venueTimeMs });
}

/** Inserts a fill unless its trade key is already journaled; true when it was new. */
function writeFill(s: Stmts, r: FillRecord, runId: number): boolean {
  const num = tradeNum(r.tradeId);
  const res = s.fill.run(
    runId,
    r.venue,
    r.symbol,
    r.tradeId,
    num,
    r.clientId,
    r.venueOrderId,
    r.side,
    r.price,
    r.qty,
    r.fee,
    r.feeAsset,
    r.isMaker ? 1 : 0,
    r.venueTimeMs,
    r.localTimeMs,
    r.source,
    r.estimated ? 1 : 0,
    r.realizedPnl,
    r.feeQuote,
    r.currency,
    dayOf(r.venueTimeMs > 0 ? r.venueTimeMs : r.localTimeMs),
    r.ephemeral ? runId : 0,
  );
  return res.changes > 0;
}

function writePosition(s: Stmts, r: PositionRecord): void {
  s.position.run(
    r.tsMs,
    r.venue,
    r.symbol,
    r.tick,
    r.step,
    r.lots,
    r.position,
    JSON.stringify(r.entries),
    r.openCost,
    r.realized,
    r.fees,
    JSON.stringify(r.feesByAsset),
    r.unvaluedFees,
    r.fills,
    r.boughtLots,
    r.soldLots,
  );
}

function writeRisk(s: Stmts, r: RiskRecord): void {
  s.risk.run(r.tsMs, r.day, r.baseline, r.halted ? 1 : 0, r.reason, r.trippedAtMs, r.trips);
}

const dayNames = new Map<number, string>();

/** The UTC day of an epoch-ms time, YYYY-MM-DD (names cached: a commit asks for the same few days). */
export function dayOf(ms: number): string {
  const n = Math.floor(ms / DAY_MS);
  let name = dayNames.get(n);
  if (name === undefined) {
    name = new Date(n * DAY_MS).toISOString().slice(0, 10);
    if (dayNames.size > 1000) dayNames.clear();
    dayNames.set(n, name);
  }
  return name;
}

function addToDay(days: Map<string, DayDelta>, r: FillRecord): void {
  const day = dayOf(r.venueTimeMs > 0 ? r.venueTimeMs : r.localTimeMs);
  const key = `${day}|${r.venue}|${r.symbol}`;
  let d = days.get(key);
  if (d === undefined) {
    d = { day, venue: r.venue, symbol: r.symbol, currency: r.currency, realized: 0n, fees: 0n, fills: 0 };
    days.set(key, d);
  }
  d.realized += parseMoney(r.realizedPnl) ?? 0n;
  d.fees += r.feeQuote === "" ? 0n : (parseMoney(r.feeQuote) ?? 0n);
  d.fills++;
}

/** Adds one batch's PnL of a day to what the journal already holds for it (exact). */
function mergeDay(s: Stmts, d: DayDelta): void {
  const old = s.dayGet.get(d.day, d.venue, d.symbol) as { realized: string; fees: string; fills: number } | null;
  const realized = d.realized + (old === null ? 0n : (parseMoney(old.realized) ?? 0n));
  const fees = d.fees + (old === null ? 0n : (parseMoney(old.fees) ?? 0n));
  s.dayPut.run(
    d.day,
    d.venue,
    d.symbol,
    d.currency,
    formatMoney(realized),
    formatMoney(fees),
    d.fills + (old?.fills ?? 0),
  );
}

interface PositionRow {
  ts_ms: number;
  venue: string;
  symbol: string;
  tick: string;
  step: string;
  lots: number;
  position: string;
  entries: string;
  open_cost: string;
  realized: string;
  fees: string;
  fees_by_asset: string;
  unvalued_fees: number;
  fills: number;
  bought_lots: number;
  sold_lots: number;
}

function positionOf(p: PositionRow): PositionRecord {
  return {
    kind: "position",
    tsMs: p.ts_ms,
    venue: p.venue,
    symbol: p.symbol,
    tick: p.tick,
    step: p.step,
    lots: p.lots,
    position: p.position,
    entries: JSON.parse(p.entries) as [number, number][],
    openCost: p.open_cost,
    realized: p.realized,
    fees: p.fees,
    feesByAsset: JSON.parse(p.fees_by_asset) as Record<string, string>,
    unvaluedFees: p.unvalued_fees,
    fills: p.fills,
    boughtLots: p.bought_lots,
    soldLots: p.sold_lots,
  };
}

interface RiskRow {
  ts_ms: number;
  day: number;
  baseline: string;
  halted: number;
  reason: string;
  tripped_ms: number;
  trips: number;
}

function riskOf(r: RiskRow): RiskRecord {
  return {
    kind: "risk",
    tsMs: r.ts_ms,
    day: r.day,
    baseline: r.baseline,
    halted: r.halted === 1,
    reason: r.reason,
    trippedAtMs: r.tripped_ms,
    trips: r.trips,
  };
}
