/**
 * What the engine tells its journal, as plain records, and the sink interface every destination
 * implements: the SQLite store is the primary sink (and answers restore and queries); another sink
 * (a replicated stream for several hosts) receives the very same batches without the engine changing.
 * Amounts are exact decimal strings; prices and quantities are on the instrument's grids.
 */
import type { FillRow } from "../types/index.ts";

/** A run of the engine began or ended (written at once, not batched). */
export interface RunRecord {
  readonly kind: "run";
  readonly event: "start" | "stop";
  readonly runId: number;
  readonly tsMs: number;
  /** sha256 of the redacted config (start only). */
  readonly configHash: string;
  readonly codeVersion: string;
  /** `<prefix>-<run>-`: every client id of the run starts with it, so a later run can find its orders. */
  readonly clientIdHead: string;
  /** Why it stopped (stop only) and whether every order was confirmed closed. */
  readonly reason: string;
  readonly clean: boolean;
}

/** An order as it was created (before it went to the venue). */
export interface OrderRecord {
  readonly kind: "order";
  readonly tsMs: number;
  readonly clientId: string;
  readonly venue: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly type: string;
  readonly tif: string;
  readonly price: string;
  readonly qty: string;
  readonly strategy: string | null;
  /** An order of an earlier run found at the venue rather than created by this run: that run's id. */
  readonly discoveredRunId?: number;
}

/** One state transition of an order, with why it happened. */
export interface OrderEventRecord {
  readonly kind: "order_event";
  readonly tsMs: number;
  readonly clientId: string;
  readonly from: string;
  readonly to: string;
  readonly filledQty: string;
  readonly venueOrderId: string;
  readonly reason: string;
  readonly rejectReason: string | null;
}

/**
 * One fill, keyed by the venue's trade id, with what it did to realized PnL: the row the journal will
 * hold (types/journal.ts, one definition of its fields) less what the store assigns (id, run).
 */
export interface FillRecord extends Omit<FillRow, "id" | "runId"> {
  readonly kind: "fill";
  /**
   * The venue starts afresh every run (the engine's own simulator child): its trade ids repeat across
   * runs, so they are unique only within this run and never matched against an earlier run's.
   */
  readonly ephemeral: boolean;
}

/**
 * One instrument's position after a batch: enough to restore it exactly (FIFO entries as lots and
 * ticks on the grids named here, cost, realized PnL and fees).
 */
export interface PositionRecord {
  readonly kind: "position";
  readonly tsMs: number;
  readonly venue: string;
  readonly symbol: string;
  /** The grids the lots and ticks below are counted in. */
  readonly tick: string;
  readonly step: string;
  readonly lots: number;
  /** The position in the base asset, exact. */
  readonly position: string;
  /** Open FIFO entries, oldest first: [lots, priceTicks]. */
  readonly entries: readonly (readonly [number, number])[];
  readonly openCost: string;
  readonly realized: string;
  readonly fees: string;
  readonly feesByAsset: Readonly<Record<string, string>>;
  readonly unvaluedFees: number;
  readonly fills: number;
  readonly boughtLots: number;
  readonly soldLots: number;
}

/** A venue's balances (free + locked per asset) as the engine holds them after a batch. */
export interface BalanceRecord {
  readonly kind: "balances";
  readonly tsMs: number;
  readonly venue: string;
  readonly balances: readonly { readonly asset: string; readonly total: string }[];
}

/** The risk state that must outlive a restart: the daily-loss baseline and the kill switch. */
export interface RiskRecord {
  readonly kind: "risk";
  readonly tsMs: number;
  /** UTC day (days since the epoch) the baseline belongs to. */
  readonly day: number;
  /** Total net PnL at the start of that day (the daily loss is measured from it). */
  readonly baseline: string;
  readonly halted: boolean;
  readonly reason: string;
  readonly trippedAtMs: number;
  readonly trips: number;
}

/** Everything a sink may receive. */
export type JournalRecord =
  | RunRecord
  | OrderRecord
  | OrderEventRecord
  | FillRecord
  | PositionRecord
  | BalanceRecord
  | RiskRecord;

/** The kinds, for metrics that count committed records by kind. */
export const RECORD_KINDS: readonly JournalRecord["kind"][] = [
  "run",
  "order",
  "order_event",
  "fill",
  "position",
  "balances",
  "risk",
];

/**
 * A destination of journal records. `write` gets each batch once, in order, after the handler turn
 * that produced it; it throws when the batch could not be stored (the primary's batch is then kept
 * and retried). A secondary sink's failure is counted and logged, never retried by the journal: a
 * replicated stream owns its own delivery.
 */
export interface JournalSink {
  readonly name: string;
  write(batch: readonly JournalRecord[]): void;
  close(): void;
}
