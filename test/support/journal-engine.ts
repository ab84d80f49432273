/**
 * An engine with a journal on a temporary file and a FakeVenue whose account, orders and trade
 * history outlive the engine: a "run" can be killed (its store closed without a final commit, its
 * venue listener dropped, nothing stopped) and a new engine started on the same file and venue, as
 * after a kill -9. Test support only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReferenceBook } from "../../src/book/index.ts";
import { Engine, parseConfig } from "../../src/engine/index.ts";
import { Journal, SqliteJournal } from "../../src/journal/index.ts";
import { createEngineMetrics, type EngineMetrics } from "../../src/metrics/index.ts";
import { Rng, type VirtualClock } from "../../src/services/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../../src/strategy/index.ts";
import { type OrderUpdate, Side } from "../../src/types/index.ts";
import type { FakeVenue } from "./fake-venue.ts";
import { drive } from "./virtual-time.ts";

/** The config of every journaled test engine: one binance-type venue (its account persists). */
export function journalConfig(extra = "", risk = "daily_loss_limit: 1000"): string {
  return `
engine:
  client_id_prefix: jr1
  journal:
    max_failing_ms: 100
${extra}
venues:
  - name: bin
    type: binance
    api_key: testKey
    api_secret: testSecret
    symbols: [BTC-USDT]
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.0004, min_profit: 0.0001, max_position: 0.5, order_size: 0.005, levels: 1 }
risk:
  max_position_base: 1
  max_order_base: 0.5
  ${risk}
http:
  enabled: false
`;
}

/** A temporary folder for journal files, removed by cleanup(). */
export function journalDir(): { path: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "journal-engine-"));
  return {
    path: (name = "journal.sqlite") => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** One engine run on a journal file. */
export interface JournalRun {
  readonly engine: Engine;
  readonly journal: Journal;
  readonly store: SqliteJournal;
  readonly metrics: EngineMetrics;
  /** The venue it trades on (outlives the run). */
  readonly venue: FakeVenue;
}

/** Lets the event loop turn so the journal's post-turn commits run. */
export async function commits(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Starts an engine on the journal file and venue (the venue keeps everything across runs). */
export async function startRun(
  clock: VirtualClock,
  path: string,
  venue: FakeVenue,
  seed: string,
  config = journalConfig(),
  maxPages?: number,
): Promise<JournalRun> {
  const { config: cfg } = parseConfig(config, "journal-test.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const store = SqliteJournal.open(path, maxPages !== undefined ? { maxPages } : {});
  const metrics = createEngineMetrics({ processMetrics: false });
  const journal = new Journal({
    primary: store,
    clock,
    metrics: metrics.journal,
    maxFailingMs: cfg.engine.journal.max_failing_ms,
  });
  const engine = new Engine({
    config: cfg,
    clock,
    rng: new Rng(seed),
    adapters: [venue],
    journal: { journal, store },
    metrics,
  });
  await drive(clock, engine.start());
  await commits();
  return { engine, journal, store, metrics, venue };
}

/** kill -9: nothing more reaches the engine and nothing more is committed; the lock is released. */
export function kill(run: JournalRun, venue: FakeVenue): void {
  venue.dropListeners();
  run.store.close();
}

/** Graceful stop: cancel, final commit, close. */
export async function stopRun(clock: VirtualClock, run: JournalRun): Promise<void> {
  await drive(clock, run.engine.stop("test over"));
  run.journal.close();
}

/**
 * A fresh book on the venue's instrument (one level each side), so the risk gate has a mid,
 * unrealized PnL a mark, and the fill guard a book updated just now (a fill on a book never updated
 * pauses quoting on it).
 */
export function mark(run: JournalRun, bidTicks = 5_999_900, askTicks = 6_000_100): void {
  if (run.engine.status().strategies[0]?.state === "running") {
    // the strategy would quote on this book and trade on the venue the tests fill by hand
    run.engine.commands.submit({ kind: "pause_strategy", strategy: "mm" });
    run.engine.drainCommands();
  }
  const book = new ReferenceBook({ maxLevels: 4 });
  book.beginUpdate();
  book.stage(Side.Buy, bidTicks, 100_000);
  book.stage(Side.Sell, askTicks, 100_000);
  book.applySnapshot();
  run.venue.emit({
    type: "book",
    venue: "bin",
    symbol: "BTC-USDT",
    book,
    seq: 0,
    snapshot: true,
    recvNs: 0,
    venueTimeMs: 0,
  });
}

/** Places a limit order through the desk (risk-checked) and returns its client id. */
export async function place(run: JournalRun, side: "buy" | "sell", priceTicks: number, lots: number): Promise<string> {
  const o = run.engine.desk.submit("bin", "BTC-USDT", side === "buy" ? Side.Buy : Side.Sell, priceTicks, lots);
  if (typeof o === "string") throw new Error(`order refused: ${o}`);
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return o.clientId;
}

/** Fills an order at the venue; `deliver` false = the engine never hears of it (it is down). */
export function venueFill(
  venue: FakeVenue,
  clientId: string,
  lots: number,
  priceTicks: number,
  fee: string,
  feeAsset: string,
  deliver = true,
): OrderUpdate {
  return venue.fill(clientId, lots, priceTicks, deliver, fee, feeAsset);
}
