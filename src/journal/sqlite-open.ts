/**
 * Opening the journal file, and every way that can fail, told plainly: a corrupt or foreign file, a
 * file another engine holds, a full disk, a schema from a newer engine. Each is a start-up error that
 * names the file and what to do; none ever turns into a silent fresh start. One engine per file is
 * enforced with an exclusive SQLite lock on a companion `.lock` file, which the OS releases when the
 * process dies (kill -9 included), while readers (the export tool, a second connection) stay free.
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { JOURNAL_APPLICATION_ID, migrate, SCHEMA_VERSION, schemaVersion } from "./schema.ts";

/** What went wrong when opening, so callers (and tests) can tell the cases apart. */
export type JournalProblem = "corrupt" | "foreign" | "locked" | "full" | "newer" | "unwritable" | "missing";

/** A journal that cannot be opened; the message names the file and what to do. */
export class JournalOpenError extends Error {
  constructor(
    readonly path: string,
    readonly problem: JournalProblem,
    message: string,
  ) {
    super(message);
    this.name = "JournalOpenError";
  }
}

/** How to open. */
export interface JournalOpenOptions {
  /** normal: a committed batch survives a process kill (an OS crash may lose the last ones); full: fsync every commit. */
  readonly synchronous?: "normal" | "full";
  /** Read only (the export tool next to a running engine); the file must exist. */
  readonly readonly?: boolean;
  /** Caps the file at this many pages (SQLite max_page_count): a full disk on demand, for tests. */
  readonly maxPages?: number;
  /** How long a write waits for a lock another process holds before failing (default 2000 ms). */
  readonly busyTimeoutMs?: number;
}

/** An open journal database and what opening it found. */
export interface OpenedJournal {
  readonly db: Database;
  readonly path: string;
  /** The file did not exist (or was empty) and was created. */
  readonly created: boolean;
  /** Migrations applied while opening (empty when the file was current). */
  readonly migrated: readonly number[];
  /** The exclusive owner lock (undefined when read only); closing it lets another engine in. */
  readonly lock: Database | undefined;
}

/** The SQLite result code of an error or of its cause ("SQLITE_BUSY"), or "" for anything else. */
export function sqliteCode(e: unknown): string {
  const err = e as { code?: unknown; cause?: unknown } | null;
  const code = err?.code;
  if (typeof code === "string") return code;
  return err?.cause !== undefined && err.cause !== e ? sqliteCode(err.cause) : "";
}

/** Turns a SQLite failure while opening into the start-up error that says what to do. */
export function openError(path: string, e: unknown): JournalOpenError {
  if (e instanceof JournalOpenError) return e;
  const code = sqliteCode(e);
  const detail = `${code === "" ? "" : `${code}: `}${(e as Error).message}`;
  if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) return corrupt(path, detail);
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
    return new JournalOpenError(
      path,
      "locked",
      `journal ${path}: in use by another process (${detail}). Stop the other engine or tool holding it, or give this engine its own engine.journal.path.`,
    );
  if (code === "SQLITE_FULL")
    return new JournalOpenError(
      path,
      "full",
      `journal ${path}: the disk is full (${detail}). Free space on that disk, or point engine.journal.path at a larger one, and start again; the journal is intact.`,
    );
  return new JournalOpenError(
    path,
    "unwritable",
    `journal ${path}: cannot be opened for writing (${detail}). Check that the folder exists and this user may write to it.`,
  );
}

function corrupt(path: string, detail: string): JournalOpenError {
  return new JournalOpenError(
    path,
    "corrupt",
    `journal ${path}: not a readable journal (${detail}). The engine will not start a new journal on its own: move the file aside (keep it: \`sqlite3 ${path} .recover\` may save its rows) or restore it from a backup, then start again.`,
  );
}

/** Opens (creating when new) the journal at path, checks it and brings its schema up to date. */
export function openJournalFile(path: string, opts: JournalOpenOptions = {}): OpenedJournal {
  const abs = resolve(path);
  const existed = existsSync(abs) && statSync(abs).size > 0;
  if (opts.readonly === true && !existed)
    throw new JournalOpenError(abs, "missing", `journal ${abs}: no such file (nothing journaled there yet).`);
  if (opts.readonly !== true) ensureFolder(abs);
  const lock = opts.readonly === true ? undefined : takeOwnerLock(abs);
  let db: Database | undefined;
  try {
    db = new Database(abs, opts.readonly === true ? { readonly: true } : { create: true });
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 2000))}`);
    if (existed) checkFile(db, abs);
    if (opts.readonly === true) return { db, path: abs, created: false, migrated: [], lock };
    const mode = db.query("PRAGMA journal_mode = WAL").get() as { journal_mode: string } | null;
    if (mode?.journal_mode !== "wal") throw new Error(`could not switch to WAL mode (got ${mode?.journal_mode})`);
    db.exec(`PRAGMA synchronous = ${opts.synchronous === "full" ? "FULL" : "NORMAL"}`);
    db.exec("PRAGMA foreign_keys = OFF");
    if (opts.maxPages !== undefined) db.exec(`PRAGMA max_page_count = ${Math.floor(opts.maxPages)}`);
    const migrated = migrate(db);
    // a write lock held by another process (a tool with an open transaction) shows here, not later
    db.exec("BEGIN IMMEDIATE");
    db.exec("COMMIT");
    return { db, path: abs, created: !existed, migrated, lock };
  } catch (e) {
    db?.close();
    lock?.close();
    throw openError(abs, e);
  }
}

function ensureFolder(abs: string): void {
  try {
    mkdirSync(dirname(abs), { recursive: true });
  } catch (e) {
    throw new JournalOpenError(
      abs,
      "unwritable",
      `journal ${abs}: cannot create its folder (${(e as Error).message}). Create it, or point engine.journal.path elsewhere.`,
    );
  }
}

/** Integrity, identity and version of an existing file; throws the matching start-up error. */
function checkFile(db: Database, abs: string): void {
  const check = db.query("PRAGMA quick_check").all() as { quick_check: string }[];
  const first = check[0]?.quick_check ?? "no answer";
  if (first !== "ok") throw corrupt(abs, `integrity check: ${check.map((r) => r.quick_check).join("; ")}`);
  const version = schemaVersion(db);
  const app = (db.query("PRAGMA application_id").get() as { application_id: number } | null)?.application_id ?? 0;
  const tables = (db.query("SELECT count(*) AS n FROM sqlite_master").get() as { n: number }).n;
  if (app !== JOURNAL_APPLICATION_ID && (version > 0 || tables > 0))
    throw new JournalOpenError(
      abs,
      "foreign",
      `journal ${abs}: a SQLite database, but not a journal of this engine. Point engine.journal.path at a new file.`,
    );
  if (version > SCHEMA_VERSION)
    throw new JournalOpenError(
      abs,
      "newer",
      `journal ${abs}: written by a newer engine (schema version ${version}, this engine knows up to ${SCHEMA_VERSION}). Run that newer engine, or move the file aside to start a new journal.`,
    );
}

/**
 * Holds `<path>.lock` with an exclusive SQLite lock for as long as this process keeps it open: a
 * second engine on the same journal fails at start instead of interleaving its runs with ours.
 */
function takeOwnerLock(abs: string): Database {
  const lockPath = `${abs}.lock`;
  let lock: Database | undefined;
  try {
    lock = new Database(lockPath, { create: true });
    lock.exec("PRAGMA busy_timeout = 0");
    lock.exec("PRAGMA locking_mode = EXCLUSIVE");
    lock.exec("CREATE TABLE IF NOT EXISTS owner (pid INTEGER NOT NULL, since_ms INTEGER NOT NULL)");
    lock.exec("BEGIN EXCLUSIVE");
    lock.exec("DELETE FROM owner");
    lock.run("INSERT INTO owner (pid, since_ms) VALUES (?, ?)", [process.pid, Date.now()]);
    lock.exec("COMMIT");
    return lock;
  } catch (e) {
    lock?.close();
    const code = sqliteCode(e);
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
      throw new JournalOpenError(
        abs,
        "locked",
        `journal ${abs}: another engine is running on it (${lockPath} is held). Stop that engine, or give this one its own engine.journal.path.`,
      );
    throw openError(abs, e);
  }
}
