import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  JOURNAL_APPLICATION_ID,
  MIGRATIONS,
  type Migration,
  migrate,
  SCHEMA_VERSION,
  schemaVersion,
} from "./schema.ts";
import { SqliteJournal } from "./sqlite-store.ts";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "journal-schema-"));
  dirs.push(d);
  return join(d, "j.sqlite");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A second step as a later engine might add it: a column and an index, with a backfill. */
const V2: Migration = {
  version: 2,
  description: "fills.note",
  up: (db) => {
    db.exec("ALTER TABLE fills ADD COLUMN note TEXT NOT NULL DEFAULT ''");
    db.exec("UPDATE fills SET note = 'from v1'");
  },
};

function insertFill(db: Database, tradeId: string): void {
  db.run(
    "INSERT INTO fills (run_id, venue, symbol, trade_id, trade_num, client_id, venue_order_id, side, price, qty, fee, fee_asset, is_maker, venue_time_ms, local_time_ms, source, estimated, realized_pnl, fee_quote, currency, day) VALUES (1, 'v', 'BTC-USDT', ?, 1, 'c', 'o', 'buy', '1', '1', '0', 'USDT', 1, 0, 0, 'stream', 0, '0', '0', 'USDT', '2026-01-01')",
    [tradeId],
  );
}

describe("journal migrations", () => {
  test("a new file is brought to the current version and marked as a journal", () => {
    const path = tmp();
    const store = SqliteJournal.open(path);
    expect(store.created).toBe(true);
    expect(store.migrated).toEqual(MIGRATIONS.map((m) => m.version));
    store.close();
    const db = new Database(path, { readonly: true });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect((db.query("PRAGMA application_id").get() as { application_id: number }).application_id).toBe(
      JOURNAL_APPLICATION_ID,
    );
    expect((db.query("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
    db.close();
  });

  test("reopening a current file applies nothing and keeps its rows", () => {
    const path = tmp();
    const a = SqliteJournal.open(path);
    a.beginRun({ startedMs: 1, configHash: "h", codeVersion: "v", clientIdHead: "x-1-" });
    a.close();
    const b = SqliteJournal.open(path);
    expect({ created: b.created, migrated: b.migrated }).toEqual({ created: false, migrated: [] });
    expect(b.restore(0).runs).toBe(1);
    b.close();
  });

  test("an old file is upgraded in place: its rows survive and the new step sees them", () => {
    const path = tmp();
    const db = new Database(path, { create: true });
    expect(migrate(db, MIGRATIONS)).toEqual([1]);
    insertFill(db, "7");
    expect(migrate(db, [...MIGRATIONS, V2])).toEqual([2]);
    expect(schemaVersion(db)).toBe(2);
    expect(db.query("SELECT trade_id, note FROM fills").all()).toEqual([{ trade_id: "7", note: "from v1" }]);
    expect(migrate(db, [...MIGRATIONS, V2])).toEqual([]);
    db.close();
  });

  test("a failing step leaves the file at the previous version with nothing of the step applied", () => {
    const path = tmp();
    const db = new Database(path, { create: true });
    migrate(db, MIGRATIONS);
    insertFill(db, "1");
    const broken: Migration = {
      version: 2,
      description: "half a step",
      up: (d) => {
        d.exec("ALTER TABLE fills ADD COLUMN note TEXT");
        d.exec("THIS IS NOT SQL");
      },
    };
    expect(() => migrate(db, [...MIGRATIONS, broken])).toThrow("migration 2 (half a step) failed");
    expect(schemaVersion(db)).toBe(1);
    const cols = (db.query("PRAGMA table_info(fills)").all() as { name: string }[]).map((c) => c.name);
    expect(cols.includes("note")).toBe(false);
    expect((db.query("SELECT count(*) AS n FROM fills").get() as { n: number }).n).toBe(1);
    db.close();
  });

  test("a list with a gap is refused before anything runs", () => {
    const db = new Database(":memory:");
    expect(() => migrate(db, [{ ...V2, version: 3 }])).toThrow("migration 3 follows 0");
    expect(schemaVersion(db)).toBe(0);
  });
});
