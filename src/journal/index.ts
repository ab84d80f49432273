/**
 * Public face of the journal: the engine's durable memory of runs, orders, fills, positions,
 * balances, PnL by day and risk state. `Journal` batches what the engine hands it off the hot path;
 * `SqliteJournal` is the embedded default store (one WAL file per engine) and answers restore and
 * queries; any other `JournalSink` receives the same batches.
 */
export {
  Journal,
  type JournalFill,
  type JournalHooks,
  type JournalOptions,
  type JournalOrder,
  type JournalStats,
} from "./journal.ts";
export {
  type BalanceRecord,
  type FillRecord,
  type JournalRecord,
  type JournalSink,
  type OrderEventRecord,
  type OrderRecord,
  type PositionRecord,
  RECORD_KINDS,
  type RiskRecord,
  type RunRecord,
} from "./records.ts";
export {
  JOURNAL_APPLICATION_ID,
  MIGRATIONS,
  type Migration,
  migrate,
  SCHEMA_VERSION,
  schemaVersion,
} from "./schema.ts";
export {
  JournalOpenError,
  type JournalOpenOptions,
  type JournalProblem,
  openJournalFile,
  sqliteCode,
} from "./sqlite-open.ts";
export { JournalQueryError, MAX_PAGE } from "./sqlite-reads.ts";
export {
  dayOf,
  type LastFill,
  type RestoredState,
  type RunStart,
  SqliteJournal,
  type UncleanRun,
  type UnsettledOrder,
} from "./sqlite-store.ts";
