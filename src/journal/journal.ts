/**
 * The journal's front: what the engine calls during a handler turn, and the batching that keeps
 * durable writes out of that turn. Order and fill calls only fill a reused slot (no I/O, no string
 * building); right after the turn (setImmediate, or at most every commitIntervalMs) the slots become
 * records and the whole batch commits in one transaction on the primary store, then goes to every
 * other sink. A failing commit keeps the batch, is counted, logged and retried with backoff; when
 * commits fail for too long or the queue outgrows its bound, the journal reports itself unhealthy
 * so the engine can stop quoting rather than trade without memory.
 */
import type { JournalMetrics } from "../metrics/index.ts";
import type { Clock, Logger, TimerId } from "../services/index.ts";
import { silentLogger } from "../services/index.ts";
import type { InstrumentInfo } from "../types/index.ts";
import { formatMoney } from "../types/index.ts";
import type { FillRecord, JournalRecord, JournalSink, OrderEventRecord, OrderRecord } from "./records.ts";
import { sqliteCode } from "./sqlite-open.ts";

/** An order as the journal reads it (the order manager's ManagedOrder fits). */
export interface JournalOrder {
  readonly clientId: string;
  readonly venue: string;
  readonly symbol: string;
  readonly side: number;
  readonly type: string;
  readonly tif: string;
  readonly priceTicks: number;
  readonly lots: number;
  readonly strategy: string | null;
  readonly createdMs: number;
  readonly state: string;
  readonly cumLots: number;
  readonly venueOrderId: string;
  readonly rejectReason: string | undefined;
  readonly updatedMs: number;
}

/** A fill as the journal reads it (execution's FillEvent fits). */
export interface JournalFill {
  readonly venue: string;
  readonly symbol: string;
  readonly clientId: string;
  readonly side: number;
  readonly lots: number;
  readonly priceTicks: number;
  readonly fee: string;
  readonly feeAsset: string;
  readonly isMaker: boolean;
  /** Numeric venue trade id, -1 when the venue gave none. */
  readonly tradeId: number;
  /** The venue's trade id as it wrote it (trade history), when known. */
  readonly venueTradeId?: string;
  readonly venueOrderId?: string;
  readonly venueTimeMs?: number;
  /** The order's filled quantity after this fill (keys fills that have no trade id). */
  readonly cumLots?: number;
  readonly source?: "stream" | "history";
}

/** How the journal commits and when it gives up. */
export interface JournalOptions {
  readonly primary: JournalSink;
  /** More destinations of the same batches (a replicated stream, say). */
  readonly sinks?: readonly JournalSink[];
  readonly clock: Clock;
  readonly log?: Logger;
  readonly metrics?: JournalMetrics;
  /** 0: commit right after each handler turn; n: at most one commit every n ms. */
  readonly commitIntervalMs?: number;
  /** Records waiting beyond this count mean the journal cannot keep up (unhealthy). */
  readonly maxQueue?: number;
  /** Commits failing for this long mean the journal cannot be trusted (unhealthy). */
  readonly maxFailingMs?: number;
  /** How a commit is scheduled after the turn (default setImmediate; tests run it by hand). */
  readonly schedule?: (task: () => void) => void;
}

/** What the engine plugs in once it knows its instruments and state. */
export interface JournalHooks {
  /** The instrument of venue + symbol, to write prices and quantities as exact decimals. */
  instrument(venue: string, symbol: string): InstrumentInfo | undefined;
  /** Snapshots to commit with the batch (positions and balances that moved, risk state if it changed). */
  beforeCommit?(): readonly JournalRecord[];
  /** Told once when the journal turns unhealthy (and again after it recovered and failed anew). */
  onUnhealthy?(reason: string): void;
}

/** Counters of the journal itself. */
export interface JournalStats {
  committed: number;
  batches: number;
  commitErrors: number;
  sinkErrors: number;
  /** Clock time of the last successful commit. */
  lastCommitMs: number;
}

const SLOT_ORDER = 1;
const SLOT_ORDER_STATE = 2;
const SLOT_FILL = 3;
const SIDES = ["buy", "sell"] as const;
const MAX_BATCH = 20_000;
const MAX_BACKOFF_MS = 2000;

/** One staged record: a reused object filled field by field during the handler turn. */
class Slot {
  kind = 0;
  tsMs = 0;
  order: JournalOrder | undefined = undefined;
  fill: JournalFill | undefined = undefined;
  from = "";
  to = "";
  cumLots = 0;
  venueOrderId = "";
  text = "";
  rejectReason: string | undefined = undefined;
  currency = "";
  realized = 0n;
  feeQuote: bigint | undefined = undefined;
  ephemeral = false;

  clear(): void {
    this.order = undefined;
    this.fill = undefined;
    this.rejectReason = undefined;
  }
}

/** The engine's journal: staging, batching, commit, retry and health. */
export class Journal {
  readonly stats: JournalStats = { committed: 0, batches: 0, commitErrors: 0, sinkErrors: 0, lastCommitMs: 0 };
  readonly primary: JournalSink;
  private readonly sinks: readonly JournalSink[];
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: JournalMetrics | undefined;
  private readonly schedule: (task: () => void) => void;
  private readonly commitIntervalMs: number;
  private readonly maxQueue: number;
  private readonly maxFailingMs: number;
  private hooks: JournalHooks | undefined;
  private readonly slots: Slot[] = [];
  private staged = 0;
  private readonly pending: JournalRecord[] = [];
  private scheduled = false;
  private timer: TimerId = 0;
  private failures = 0;
  private failingSinceMs = 0;
  private lastFailLogMs = 0;
  private retryAtMs = 0;
  private unhealthyReason: string | null = null;
  private closed = false;
  private readonly flushTask = () => this.flush();

  constructor(opts: JournalOptions) {
    this.primary = opts.primary;
    this.sinks = opts.sinks ?? [];
    this.clock = opts.clock;
    this.log = (opts.log ?? silentLogger).child({ component: "journal" });
    this.metrics = opts.metrics;
    this.schedule = opts.schedule ?? ((task) => setImmediate(task));
    this.commitIntervalMs = opts.commitIntervalMs ?? 0;
    this.maxQueue = opts.maxQueue ?? 100_000;
    this.maxFailingMs = opts.maxFailingMs ?? 5000;
  }

  /** Connects the engine's lookups and snapshots (once its venues are known). */
  attach(hooks: JournalHooks): void {
    this.hooks = hooks;
  }

  /** Records waiting for a commit (staged this turn plus batches not yet committed). */
  get depth(): number {
    return this.staged + this.pending.length;
  }

  /** False while commits fail for too long or the queue is over its bound. */
  get healthy(): boolean {
    return this.unhealthyReason === null;
  }

  /** Why it is unhealthy (null when healthy). */
  get problem(): string | null {
    return this.unhealthyReason;
  }

  /** An order was created (hot path: fills a slot, nothing else). */
  orderCreated(o: JournalOrder): void {
    const s = this.slot(SLOT_ORDER);
    s.tsMs = o.createdMs;
    s.order = o;
    this.staged1();
  }

  /** An order moved from `from` to its current state because of `cause` (hot path). */
  orderState(o: JournalOrder, from: string, cause: string): void {
    const s = this.slot(SLOT_ORDER_STATE);
    s.tsMs = o.updatedMs;
    s.order = o;
    s.from = from;
    s.to = o.state;
    s.cumLots = o.cumLots;
    s.venueOrderId = o.venueOrderId;
    s.text = cause;
    s.rejectReason = o.rejectReason;
    this.staged1();
  }

  /**
   * A fill was booked: its realized PnL and fee in the quote asset (fee undefined when unvalued);
   * ephemeral when its venue starts afresh every run (trade ids repeat across runs).
   */
  fill(f: JournalFill, currency: string, realized: bigint, feeQuote: bigint | undefined, ephemeral = false): void {
    const s = this.slot(SLOT_FILL);
    s.tsMs = this.clock.nowMs();
    s.fill = f;
    s.currency = currency;
    s.realized = realized;
    s.feeQuote = feeQuote;
    s.ephemeral = ephemeral;
    this.staged1();
  }

  /** Any other record (snapshots, risk, orders found at start-up); off the hot path. */
  record(r: JournalRecord): void {
    this.stageSlots();
    this.pending.push(r);
    this.wake();
  }

  /** Asks for a commit after the current turn (snapshots may be due without any new record). */
  wake(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    this.schedule(this.flushTask);
  }

  /** Commits everything now (start-up steps, shutdown); false when the commit failed. */
  flushNow(): boolean {
    this.stage();
    while (this.pending.length > 0) if (!this.commitOne()) return false;
    return true;
  }

  /** Final commit and close of every sink; returns how many records could not be written. */
  close(): number {
    if (this.closed) return 0;
    for (let attempt = 0; attempt < 3 && !this.flushNow(); attempt++) Bun.sleepSync(50 * (attempt + 1));
    this.closed = true;
    if (this.timer !== 0) this.clock.clearTimer(this.timer);
    const lost = this.depth;
    if (lost > 0) this.log.error(`journal closed with ${lost} records not written`, { problem: this.unhealthyReason });
    for (const s of [...this.sinks, this.primary]) {
      try {
        s.close();
      } catch (e) {
        this.log.error(`journal sink ${s.name} failed to close`, { error: (e as Error).message });
      }
    }
    return lost;
  }

  /** The next free slot (filled by the caller, then counted by staged1). */
  private slot(kind: number): Slot {
    let s = this.slots[this.staged];
    if (s === undefined) {
      s = new Slot();
      this.slots.push(s);
    }
    s.kind = kind;
    return s;
  }

  /** Counts the slot just filled and asks for a commit after the turn. */
  private staged1(): void {
    this.staged++;
    if (!this.scheduled) this.wake();
  }

  private flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    const now = this.clock.nowMs();
    const waitMs = Math.max(this.retryAtMs - now, this.stats.lastCommitMs + this.commitIntervalMs - now);
    if (waitMs > 0) {
      this.stage();
      this.armTimer(waitMs);
      return;
    }
    this.stage();
    while (this.pending.length > 0) if (!this.commitOne()) return;
  }

  private armTimer(ms: number): void {
    if (this.timer !== 0) return;
    this.timer = this.clock.setTimer(ms, () => {
      this.timer = 0;
      this.flush();
    });
  }

  /** Turns the staged slots into records (formatted with the instruments' grids), then adds snapshots. */
  private stage(): void {
    this.stageSlots();
    const snaps = this.hooks?.beforeCommit?.();
    if (snaps !== undefined) for (const r of snaps) this.pending.push(r);
    this.checkHealth();
  }

  /** Staged slots → records, in the order they were staged. */
  private stageSlots(): void {
    const hooks = this.hooks;
    for (let i = 0; i < this.staged; i++) {
      const s = this.slots[i] as Slot;
      const r = this.toRecord(s, hooks);
      if (r !== undefined) this.pending.push(r);
      s.clear();
    }
    this.staged = 0;
  }

  private toRecord(s: Slot, hooks: JournalHooks | undefined): JournalRecord | undefined {
    const o = s.order;
    if (s.kind === SLOT_ORDER && o !== undefined) return orderRecord(o, hooks?.instrument(o.venue, o.symbol));
    if (s.kind === SLOT_ORDER_STATE && o !== undefined) {
      const info = hooks?.instrument(o.venue, o.symbol);
      const r: OrderEventRecord = {
        kind: "order_event",
        tsMs: s.tsMs,
        clientId: o.clientId,
        from: s.from,
        to: s.to,
        filledQty: info?.qty.format(s.cumLots) ?? String(s.cumLots),
        venueOrderId: s.venueOrderId,
        reason: s.text,
        rejectReason: s.rejectReason ?? null,
      };
      return r;
    }
    const f = s.fill;
    if (s.kind === SLOT_FILL && f !== undefined) return fillRecord(s, f, hooks?.instrument(f.venue, f.symbol));
    return undefined;
  }

  /** Commits up to MAX_BATCH records; false (batch kept, retry armed) when the primary failed. */
  private commitOne(): boolean {
    const n = Math.min(this.pending.length, MAX_BATCH);
    const batch = this.pending.slice(0, n);
    const t0 = this.clock.monoNs();
    try {
      this.primary.write(batch);
    } catch (e) {
      this.onFailure(e);
      return false;
    }
    this.metrics?.commitLatency.observeNs(this.clock.monoNs() - t0);
    for (const r of batch) this.metrics?.committed(r.kind).inc();
    for (const sink of this.sinks) this.toSink(sink, batch);
    this.pending.splice(0, n);
    this.stats.committed += n;
    this.stats.batches++;
    this.stats.lastCommitMs = this.clock.nowMs();
    this.onSuccess();
    return true;
  }

  private toSink(sink: JournalSink, batch: readonly JournalRecord[]): void {
    try {
      sink.write(batch);
    } catch (e) {
      this.stats.sinkErrors++;
      this.metrics?.sinkErrors(sink.name).inc();
      this.log.error(`journal sink ${sink.name} refused a batch`, {
        records: batch.length,
        error: (e as Error).message,
      });
    }
  }

  private onFailure(e: unknown): void {
    const now = this.clock.nowMs();
    const code = sqliteCode(e) || "error";
    this.stats.commitErrors++;
    this.metrics?.commitErrors(code).inc();
    if (this.failures === 0) this.failingSinceMs = now;
    this.failures++;
    const delay = Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(this.failures - 1, 10));
    this.retryAtMs = now + delay;
    if (this.failures === 1 || now - this.lastFailLogMs >= 5000) {
      this.lastFailLogMs = now;
      this.log.error(`journal commit failed (${code}); retrying in ${delay} ms`, {
        error: (e as Error).message,
        attempts: this.failures,
        waiting: this.depth,
      });
    }
    this.checkHealth();
    this.armTimer(delay);
  }

  private onSuccess(): void {
    if (this.failures > 0) {
      this.log.warn(`journal commits again after ${this.failures} failed attempts`, { waiting: this.depth });
      this.failures = 0;
      this.retryAtMs = 0;
    }
    this.checkHealth();
  }

  /** Unhealthy after maxFailingMs of failing commits, or with more than maxQueue records waiting. */
  private checkHealth(): void {
    const now = this.clock.nowMs();
    let reason: string | null = null;
    if (this.failures > 0 && now - this.failingSinceMs >= this.maxFailingMs) {
      reason = `commits failing for ${now - this.failingSinceMs} ms (${this.failures} attempts)`;
    } else if (this.depth > this.maxQueue) {
      reason = `${this.depth} records waiting (more than ${this.maxQueue}): the journal cannot keep up`;
    }
    if (reason === null) {
      if (this.unhealthyReason !== null && this.failures === 0 && this.depth <= this.maxQueue / 2) {
        this.log.warn("journal healthy again", { was: this.unhealthyReason });
        this.unhealthyReason = null;
      }
      return;
    }
    if (this.unhealthyReason !== null) return;
    this.unhealthyReason = reason;
    this.log.error(`journal unhealthy: ${reason}`);
    this.hooks?.onUnhealthy?.(reason);
  }
}

function orderRecord(o: JournalOrder, info: InstrumentInfo | undefined): OrderRecord {
  return {
    kind: "order",
    tsMs: o.createdMs,
    clientId: o.clientId,
    venue: o.venue,
    symbol: o.symbol,
    side: SIDES[o.side] ?? "buy",
    type: o.type,
    tif: o.tif,
    price: info?.price.format(o.priceTicks) ?? String(o.priceTicks),
    qty: info?.qty.format(o.lots) ?? String(o.lots),
    strategy: o.strategy,
  };
}

function fillRecord(s: Slot, f: JournalFill, info: InstrumentInfo | undefined): FillRecord {
  const keyed = f.venueTradeId !== undefined && f.venueTradeId !== "";
  const tradeId = keyed ? (f.venueTradeId as string) : f.tradeId >= 0 ? String(f.tradeId) : "";
  return {
    kind: "fill",
    venue: f.venue,
    symbol: f.symbol,
    tradeId: tradeId !== "" ? tradeId : `noid:${f.clientId}:${f.cumLots ?? 0}`,
    clientId: f.clientId,
    venueOrderId: f.venueOrderId ?? "",
    side: SIDES[f.side] ?? "buy",
    price: info?.price.format(f.priceTicks) ?? String(f.priceTicks),
    qty: info?.qty.format(f.lots) ?? String(f.lots),
    fee: f.fee,
    feeAsset: f.feeAsset,
    isMaker: f.isMaker,
    venueTimeMs: f.venueTimeMs ?? 0,
    localTimeMs: s.tsMs,
    source: f.source ?? "stream",
    estimated: tradeId === "",
    currency: s.currency,
    realizedPnl: formatMoney(s.realized),
    feeQuote: s.feeQuote === undefined ? "" : formatMoney(s.feeQuote),
    ephemeral: s.ephemeral,
  };
}
