import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCHEMA_VERSION } from "./schema.ts";
import { JournalOpenError, type JournalProblem } from "./sqlite-open.ts";
import { SqliteJournal } from "./sqlite-store.ts";

const dirs: string[] = [];
function tmpDir(): string {
  const d = mkdtempSync(join(tmpdir(), "journal-open-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o755);
    rmSync(d, { recursive: true, force: true });
  }
});

/** Opening fails with this problem, and the message names the file and says what to do. */
function refused(path: string, problem: JournalProblem, advice: string, opts = {}): void {
  let err: unknown;
  try {
    SqliteJournal.open(path, opts).close();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(JournalOpenError);
  const e = err as JournalOpenError;
  expect({ problem: e.problem, namesFile: e.message.includes(path) }).toEqual({ problem, namesFile: true });
  expect(e.message).toContain(advice);
}

describe("opening a journal that cannot be used is a start-up error, never a fresh start", () => {
  test("a corrupt file: refused, left exactly as it was", () => {
    const path = join(tmpDir(), "j.sqlite");
    const junk = Buffer.from("this is not a database, but someone's precious bytes ".repeat(200));
    writeFileSync(path, junk);
    refused(path, "corrupt", "move the file aside");
    expect(readFileSync(path).equals(junk)).toBe(true);
  });

  test("a journal whose pages were damaged: refused by the integrity check", () => {
    const path = join(tmpDir(), "j.sqlite");
    const s = SqliteJournal.open(path);
    s.beginRun({ startedMs: 1, configHash: "h", codeVersion: "v", clientIdHead: "a-1-" });
    s.close();
    const bytes = readFileSync(path);
    // keep the header, scribble over the first table's pages
    for (let i = 4096; i < Math.min(bytes.length, 4096 * 4); i++) bytes[i] = 0x5a;
    writeFileSync(path, bytes);
    refused(path, "corrupt", "restore it from a backup");
  });

  test("another SQLite database is not mistaken for a journal", () => {
    const path = join(tmpDir(), "other.sqlite");
    const db = new Database(path, { create: true });
    db.exec("CREATE TABLE notes (x TEXT)");
    db.close();
    refused(path, "foreign", "new file");
  });

  test("a second engine on the same file is refused while the first runs", () => {
    const path = join(tmpDir(), "j.sqlite");
    const first = SqliteJournal.open(path);
    refused(path, "locked", "its own engine.journal.path");
    first.close();
    SqliteJournal.open(path).close(); // free again once the first is gone
  });

  test("a tool holding a write transaction on the file: refused as locked", () => {
    const path = join(tmpDir(), "j.sqlite");
    SqliteJournal.open(path).close();
    const tool = new Database(path);
    tool.exec("BEGIN IMMEDIATE");
    refused(path, "locked", "Stop the other engine or tool", { busyTimeoutMs: 50 });
    tool.exec("ROLLBACK");
    tool.close();
  });

  test("a file from a newer engine: refused, naming both versions", () => {
    const path = join(tmpDir(), "j.sqlite");
    SqliteJournal.open(path).close();
    const db = new Database(path);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    refused(path, "newer", `schema version ${SCHEMA_VERSION + 5}, this engine knows up to ${SCHEMA_VERSION}`);
  });

  test("a full disk at start: refused, saying to free space", () => {
    // three pages of room: the schema does not fit, exactly as on a disk with no space left
    refused(join(tmpDir(), "j.sqlite"), "full", "Free space on that disk", { maxPages: 3 });
  });

  test("a folder that cannot be written: refused, saying so", () => {
    const dir = join(tmpDir(), "ro");
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    if (process.getuid?.() === 0) return; // root writes anywhere: nothing to check
    refused(join(dir, "j.sqlite"), "unwritable", "may write to it");
  });

  test("read-only opening (the export tool) needs an existing file and takes no lock", () => {
    const path = join(tmpDir(), "j.sqlite");
    refused(path, "missing", "no such file", { readonly: true });
    const engine = SqliteJournal.open(path);
    const reader = SqliteJournal.open(path, { readonly: true });
    expect(reader.restore(0).runs).toBe(0);
    reader.close();
    engine.close();
  });
});
