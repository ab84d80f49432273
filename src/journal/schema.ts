/**
 * The journal's SQLite schema as a list of numbered migrations: a file records the version it is at
 * (PRAGMA user_version) and each start brings it up to date, one transaction per step, so an old
 * journal is upgraded in place and a half-applied step never exists. A file from a newer engine is
 * refused rather than guessed at.
 */
import type { Database } from "bun:sqlite";

/** Marks a SQLite file as this engine's journal (PRAGMA application_id, "HFTJ"). */
export const JOURNAL_APPLICATION_ID = 0x4846544a;

/** One step of the schema: applied inside a transaction that also moves user_version to `version`. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  up(db: Database): void;
}

/**
 * Version 1: runs, orders and their transitions, fills (with the highest numeric trade id per
 * instrument kept aside, so restart finds where each venue's history picks up without an index on
 * every fill), position and balance snapshots, PnL by day, risk state.
 */
const V1_TABLES = `
CREATE TABLE runs (
  run_id INTEGER PRIMARY KEY,
  started_ms INTEGER NOT NULL,
  stopped_ms INTEGER,
  stop_reason TEXT,
  clean INTEGER NOT NULL DEFAULT 0,
  recovered_ms INTEGER,
  config_hash TEXT NOT NULL,
  code_version TEXT NOT NULL,
  client_id_head TEXT NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL
);
CREATE TABLE orders (
  client_id TEXT PRIMARY KEY,
  run_id INTEGER NOT NULL,
  venue TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  type TEXT NOT NULL,
  tif TEXT NOT NULL,
  price TEXT NOT NULL,
  qty TEXT NOT NULL,
  strategy TEXT,
  created_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  filled_qty TEXT NOT NULL,
  venue_order_id TEXT NOT NULL DEFAULT '',
  reject_reason TEXT,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX orders_created ON orders (created_ms);
CREATE INDEX orders_venue_order ON orders (venue, venue_order_id);
CREATE INDEX orders_live ON orders (state) WHERE state IN ('pending_new', 'new', 'partially_filled', 'pending_cancel');
CREATE TABLE order_events (
  id INTEGER PRIMARY KEY,
  client_id TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  filled_qty TEXT NOT NULL,
  venue_order_id TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX order_events_order ON order_events (client_id, id);
CREATE TABLE fills (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  venue TEXT NOT NULL,
  symbol TEXT NOT NULL,
  trade_id TEXT NOT NULL,
  trade_num INTEGER,
  client_id TEXT NOT NULL,
  venue_order_id TEXT NOT NULL,
  side TEXT NOT NULL,
  price TEXT NOT NULL,
  qty TEXT NOT NULL,
  fee TEXT NOT NULL,
  fee_asset TEXT NOT NULL,
  is_maker INTEGER NOT NULL,
  venue_time_ms INTEGER NOT NULL,
  local_time_ms INTEGER NOT NULL,
  source TEXT NOT NULL,
  estimated INTEGER NOT NULL,
  realized_pnl TEXT NOT NULL,
  fee_quote TEXT NOT NULL,
  currency TEXT NOT NULL,
  day TEXT NOT NULL,
  epoch INTEGER NOT NULL DEFAULT 0,
  UNIQUE (venue, symbol, epoch, trade_id, side)
);
CREATE INDEX fills_venue_time ON fills (venue_time_ms);
CREATE INDEX fills_client ON fills (client_id);
CREATE TABLE last_fills (
  venue TEXT NOT NULL,
  symbol TEXT NOT NULL,
  trade_num INTEGER NOT NULL,
  trade_id TEXT NOT NULL,
  venue_time_ms INTEGER NOT NULL,
  PRIMARY KEY (venue, symbol)
);
CREATE TABLE position_snapshots (
  id INTEGER PRIMARY KEY,
  ts_ms INTEGER NOT NULL,
  venue TEXT NOT NULL,
  symbol TEXT NOT NULL,
  tick TEXT NOT NULL,
  step TEXT NOT NULL,
  lots INTEGER NOT NULL,
  position TEXT NOT NULL,
  entries TEXT NOT NULL,
  open_cost TEXT NOT NULL,
  realized TEXT NOT NULL,
  fees TEXT NOT NULL,
  fees_by_asset TEXT NOT NULL,
  unvalued_fees INTEGER NOT NULL,
  fills INTEGER NOT NULL,
  bought_lots INTEGER NOT NULL,
  sold_lots INTEGER NOT NULL
);
CREATE INDEX position_snapshots_instrument ON position_snapshots (venue, symbol, id);
CREATE TABLE balance_snapshots (
  id INTEGER PRIMARY KEY,
  ts_ms INTEGER NOT NULL,
  venue TEXT NOT NULL,
  balances TEXT NOT NULL
);
CREATE INDEX balance_snapshots_venue ON balance_snapshots (venue, id);
CREATE TABLE pnl_days (
  day TEXT NOT NULL,
  venue TEXT NOT NULL,
  symbol TEXT NOT NULL,
  currency TEXT NOT NULL,
  realized TEXT NOT NULL,
  fees TEXT NOT NULL,
  fills INTEGER NOT NULL,
  PRIMARY KEY (day, venue, symbol)
);
CREATE TABLE risk_state (
  id INTEGER PRIMARY KEY,
  ts_ms INTEGER NOT NULL,
  day INTEGER NOT NULL,
  baseline TEXT NOT NULL,
  halted INTEGER NOT NULL,
  reason TEXT NOT NULL,
  tripped_ms INTEGER NOT NULL,
  trips INTEGER NOT NULL
);
`;

/** Every migration of the journal, oldest first; the last one's version is SCHEMA_VERSION. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "runs, orders, order events, fills, position and balance snapshots, PnL by day, risk state",
    up: (db) => db.exec(V1_TABLES),
  },
];

/** The schema version this engine writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** The version a file is at (0 = a new, empty file). */
export function schemaVersion(db: Database): number {
  const row = db.query("PRAGMA user_version").get() as { user_version: number } | null;
  return row?.user_version ?? 0;
}

/**
 * Applies every migration above the file's version, each in its own transaction (a failing step
 * leaves the file at the previous version, untouched). Returns the versions applied.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const applied: number[] = [];
  let at = schemaVersion(db);
  for (const m of migrations) {
    if (m.version <= at) continue;
    if (m.version !== at + 1) throw new Error(`migration ${m.version} follows ${at}: the list has a gap`);
    db.exec("BEGIN IMMEDIATE");
    try {
      m.up(db);
      db.exec(`PRAGMA user_version = ${m.version}`);
      if (m.version === 1) db.exec(`PRAGMA application_id = ${JOURNAL_APPLICATION_ID}`);
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      throw new Error(`migration ${m.version} (${m.description}) failed: ${(e as Error).message}`, { cause: e });
    }
    at = m.version;
    applied.push(m.version);
  }
  return applied;
}
