import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngineMetrics } from "../metrics/index.ts";
import { VirtualClock } from "../services/index.ts";
import { DecimalGrid, type InstrumentInfo, type Lots } from "../types/index.ts";
import { Journal, type JournalFill, type JournalOrder } from "./journal.ts";
import type { JournalRecord, JournalSink } from "./records.ts";
import { SqliteJournal } from "./sqlite-store.ts";

/** A sink that keeps every batch and fails the next `failures` writes. */
class MemorySink implements JournalSink {
  readonly batches: JournalRecord[][] = [];
  failures = 0;
  closed = false;
  constructor(readonly name = "memory") {}
  write(batch: readonly JournalRecord[]): void {
    if (this.failures > 0) {
      this.failures--;
      throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    }
    this.batches.push([...batch]);
  }
  close(): void {
    this.closed = true;
  }
  kinds(): string[] {
    return this.batches.flat().map((r) => r.kind);
  }
}

const INFO: InstrumentInfo = {
  symbol: "BTC-USDT",
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  price: new DecimalGrid("0.01"),
  qty: new DecimalGrid("0.00001"),
  minQtyLots: 1 as Lots,
  maxQtyLots: 0 as Lots,
  minNotional: "0",
  maxNotional: "0",
  trading: true,
};

function order(seq: number, state = "pending_new"): JournalOrder {
  return {
    clientId: `e1-r-${seq}`,
    venue: "bin",
    symbol: "BTC-USDT",
    side: 0,
    type: "limit_maker",
    tif: "GTC",
    priceTicks: 6_000_010,
    lots: 100,
    strategy: "mm",
    createdMs: 1000,
    state,
    cumLots: state === "filled" ? 100 : 0,
    venueOrderId: state === "pending_new" ? "" : "77",
    rejectReason: undefined,
    updatedMs: 1001,
  };
}

const FILL: JournalFill = {
  venue: "bin",
  symbol: "BTC-USDT",
  clientId: "e1-r-1",
  side: 0,
  lots: 100,
  priceTicks: 6_000_010,
  fee: "0.00000100",
  feeAsset: "BTC",
  isMaker: true,
  tradeId: 42,
  venueOrderId: "77",
  venueTimeMs: 999,
  cumLots: 100,
};

function setup(opts: { maxFailingMs?: number; maxQueue?: number; sinks?: JournalSink[] } = {}) {
  const clock = new VirtualClock(1_000);
  const primary = new MemorySink("primary");
  const tasks: (() => void)[] = [];
  const unhealthy: string[] = [];
  const metrics = createEngineMetrics({ processMetrics: false });
  const journal = new Journal({
    primary,
    clock,
    metrics: metrics.journal,
    schedule: (t) => tasks.push(t),
    ...opts,
  });
  journal.attach({ instrument: () => INFO, onUnhealthy: (r) => unhealthy.push(r) });
  /** The event loop's next turn: whatever the journal scheduled runs. */
  const turn = () => {
    for (const t of tasks.splice(0)) t();
  };
  return { clock, primary, journal, turn, unhealthy, metrics, tasks };
}

describe("Journal: staging during the turn, one commit after it", () => {
  test("orders and fills of one handler turn commit together, in order, as exact decimals", () => {
    const { primary, journal, turn, tasks } = setup();
    journal.orderCreated(order(1));
    journal.orderState(order(1, "new"), "pending_new", "ack event");
    journal.fill(FILL, "USDT", 10n ** 17n, 6n * 10n ** 16n);
    expect({ scheduled: tasks.length, written: primary.batches.length, depth: journal.depth }).toEqual({
      scheduled: 1,
      written: 0,
      depth: 3,
    });
    turn();
    expect(primary.batches.length).toBe(1);
    const [o, e, f] = primary.batches[0] ?? [];
    expect(o).toMatchObject({ kind: "order", clientId: "e1-r-1", price: "60000.10", qty: "0.00100", side: "buy" });
    expect(e).toMatchObject({
      kind: "order_event",
      from: "pending_new",
      to: "new",
      venueOrderId: "77",
      reason: "ack event",
    });
    expect(f).toMatchObject({
      kind: "fill",
      tradeId: "42",
      price: "60000.10",
      qty: "0.00100",
      realizedPnl: "0.1",
      feeQuote: "0.06",
      estimated: false,
    });
    expect(journal.depth).toBe(0);
  });

  test("a fill without a venue trade id gets a key from its order and filled quantity, marked estimated", () => {
    const { primary, journal, turn } = setup();
    journal.fill({ ...FILL, tradeId: -1, cumLots: 250 }, "USDT", 0n, undefined);
    turn();
    expect(primary.batches[0]?.[0]).toMatchObject({ tradeId: "noid:e1-r-1:250", estimated: true, feeQuote: "" });
  });

  test("snapshots join the batch they belong to", () => {
    const { primary, journal, turn } = setup();
    journal.attach({
      instrument: () => INFO,
      beforeCommit: () => [{ kind: "balances", tsMs: 1, venue: "bin", balances: [] }],
    });
    journal.fill(FILL, "USDT", 0n, 0n);
    turn();
    expect(primary.kinds()).toEqual(["fill", "balances"]);
  });
});

describe("Journal: faults while running", () => {
  test("a failing commit is counted and retried with backoff; every record lands once, in order", () => {
    const { clock, primary, journal, turn, metrics } = setup();
    primary.failures = 2;
    journal.orderCreated(order(1));
    turn();
    journal.orderCreated(order(2)); // staged while the first batch waits for its retry
    turn();
    expect({ written: primary.batches.length, errors: journal.stats.commitErrors, depth: journal.depth }).toEqual({
      written: 0,
      errors: 1,
      depth: 2,
    });
    clock.advance(50);
    expect(journal.stats.commitErrors).toBe(2);
    clock.advance(100);
    expect(primary.batches.flat().map((r) => (r.kind === "order" ? r.clientId : r.kind))).toEqual(["e1-r-1", "e1-r-2"]);
    expect(metrics.journal.commitErrors("SQLITE_FULL").value).toBe(2);
    expect(journal.healthy).toBe(true);
  });

  test("commits failing longer than maxFailingMs make it unhealthy once; a commit that works heals it", () => {
    const { clock, primary, journal, turn, unhealthy } = setup({ maxFailingMs: 1000 });
    primary.failures = 1_000_000;
    journal.orderCreated(order(1));
    turn();
    for (let t = 0; t < 3000; t += 50) clock.advance(50);
    expect(unhealthy.length).toBe(1);
    expect(unhealthy[0]).toContain("commits failing for");
    expect(journal.healthy).toBe(false);
    primary.failures = 0;
    clock.advance(2000);
    expect({ healthy: journal.healthy, written: primary.batches.flat().length }).toEqual({ healthy: true, written: 1 });
  });

  test("more records waiting than maxQueue: unhealthy (cannot keep up)", () => {
    const { primary, journal, turn, unhealthy } = setup({ maxQueue: 1000 });
    primary.failures = 1_000_000;
    for (let i = 0; i < 1001; i++) journal.orderCreated(order(i));
    turn();
    expect(unhealthy[0]).toContain("1001 records waiting (more than 1000)");
  });

  test("a second sink gets the same batches; its failure is counted and never holds the primary", () => {
    const second = new MemorySink("stream");
    const { primary, journal, turn, metrics } = setup({ sinks: [second] });
    journal.orderCreated(order(1));
    turn();
    second.failures = 1;
    journal.orderCreated(order(2));
    turn();
    journal.orderCreated(order(3));
    turn();
    expect(primary.batches.length).toBe(3);
    expect(second.batches.flat().map((r) => (r.kind === "order" ? r.clientId : ""))).toEqual(["e1-r-1", "e1-r-3"]);
    expect({ sinkErrors: journal.stats.sinkErrors, metric: metrics.journal.sinkErrors("stream").value }).toEqual({
      sinkErrors: 1,
      metric: 1,
    });
  });

  test("close commits what is waiting and closes every sink; what could not be written is reported", () => {
    const second = new MemorySink("stream");
    const ok = setup({ sinks: [second] });
    ok.journal.orderCreated(order(1));
    expect(ok.journal.close()).toBe(0);
    expect({ written: ok.primary.batches.length, closed: [ok.primary.closed, second.closed] }).toEqual({
      written: 1,
      closed: [true, true],
    });
    const bad = setup();
    bad.primary.failures = 1_000_000;
    bad.journal.orderCreated(order(1));
    expect(bad.journal.close()).toBe(1);
  });

  test("a real file that fills up: the commit fails as SQLITE_FULL, nothing is lost from the queue", () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-full-"));
    try {
      const path = join(dir, "j.sqlite");
      SqliteJournal.open(path).close();
      const store = SqliteJournal.open(path, { maxPages: 40 });
      const clock = new VirtualClock(1_000);
      const metrics = createEngineMetrics({ processMetrics: false });
      const journal = new Journal({ primary: store, clock, metrics: metrics.journal, schedule: (t) => t() });
      journal.attach({ instrument: () => INFO });
      const big = "x".repeat(2000);
      for (let i = 0; i < 200; i++) journal.orderCreated({ ...order(i), strategy: big });
      expect(metrics.journal.commitErrors("SQLITE_FULL").value).toBeGreaterThan(0);
      // what committed before the file filled is in it; the rest waits in the queue, none dropped
      expect(journal.stats.committed).toBeLessThan(200);
      expect(journal.stats.committed + journal.depth).toBe(200);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
