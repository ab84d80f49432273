import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FillRecord, OrderEventRecord, OrderRecord, PositionRecord } from "./records.ts";
import { JournalQueryError } from "./sqlite-reads.ts";
import { SqliteJournal } from "./sqlite-store.ts";

const dirs: string[] = [];
function open(): SqliteJournal {
  const d = mkdtempSync(join(tmpdir(), "journal-store-"));
  dirs.push(d);
  return SqliteJournal.open(join(d, "j.sqlite"));
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const DAY = Date.UTC(2026, 11, 1);

function fill(tradeId: string, over: Partial<FillRecord> = {}): FillRecord {
  return {
    kind: "fill",
    venue: "bin",
    symbol: "BTC-USDT",
    tradeId,
    clientId: "e1-r1-1",
    venueOrderId: "100",
    side: "buy",
    price: "60000.10",
    qty: "0.00100",
    fee: "0.00000100",
    feeAsset: "BTC",
    isMaker: true,
    venueTimeMs: DAY + Number(tradeId) * 1000,
    localTimeMs: DAY + Number(tradeId) * 1000 + 3,
    source: "stream",
    estimated: false,
    currency: "USDT",
    realizedPnl: "0.1",
    feeQuote: "0.06000010",
    ephemeral: false,
    ...over,
  };
}

function order(clientId: string, over: Partial<OrderRecord> = {}): OrderRecord {
  return {
    kind: "order",
    tsMs: DAY,
    clientId,
    venue: "bin",
    symbol: "BTC-USDT",
    side: "buy",
    type: "limit_maker",
    tif: "GTC",
    price: "60000.10",
    qty: "0.00100",
    strategy: "mm",
    ...over,
  };
}

function moved(clientId: string, from: string, to: string, venueOrderId = "", tsMs = DAY + 1): OrderEventRecord {
  return {
    kind: "order_event",
    tsMs,
    clientId,
    from,
    to,
    filledQty: to === "filled" ? "0.00100" : "0.00000",
    venueOrderId,
    reason: `${to} event`,
    rejectReason: null,
  };
}

function position(lots: number, realized: string): PositionRecord {
  return {
    kind: "position",
    tsMs: DAY,
    venue: "bin",
    symbol: "BTC-USDT",
    tick: "0.01",
    step: "0.00001",
    lots,
    position: String(lots / 100000),
    entries: lots === 0 ? [] : [[Math.abs(lots), 6000010]],
    openCost: "0",
    realized,
    fees: "0",
    feesByAsset: {},
    unvaluedFees: 0,
    fills: 1,
    boughtLots: lots,
    soldLots: 0,
  };
}

describe("SqliteJournal: writing and restoring", () => {
  test("a batch is one transaction: restore sees the latest snapshots, risk and where each history picks up", () => {
    const s = open();
    s.beginRun({ startedMs: DAY - 10, configHash: "h", codeVersion: "v", clientIdHead: "e1-r1-" });
    s.write([order("e1-r1-1"), moved("e1-r1-1", "pending_new", "new", "100"), fill("5"), position(100, "0.1")]);
    s.write([fill("9"), fill("12", { symbol: "ETH-USDT", venueOrderId: "7" }), position(200, "0.2")]);
    s.write([
      { kind: "balances", tsMs: DAY, venue: "bin", balances: [{ asset: "BTC", total: "1.002" }] },
      {
        kind: "risk",
        tsMs: DAY,
        day: 20_423,
        baseline: "-12.5",
        halted: true,
        reason: "operator: test",
        trippedAtMs: DAY,
        trips: 1,
      },
    ]);
    const r = s.restore(DAY + 5_000);
    expect(r.positions.map((p) => [p.symbol, p.lots, p.realized, p.entries])).toEqual([
      ["BTC-USDT", 200, "0.2", [[200, 6000010]]],
    ]);
    expect(r.balances.map((b) => b.balances)).toEqual([[{ asset: "BTC", total: "1.002" }]]);
    expect(r.risk).toMatchObject({ day: 20_423, baseline: "-12.5", halted: true, reason: "operator: test" });
    expect(r.lastFills.map((f) => [f.symbol, f.tradeId]).sort()).toEqual([
      ["BTC-USDT", "9"],
      ["ETH-USDT", "12"],
    ]);
    expect(r.recentTrades.map((t) => t.tradeId)).toEqual(["12", "9", "5"]);
    expect({ runs: r.runs, fills: r.fills, first: r.firstRunStartedMs }).toEqual({
      runs: 1,
      fills: 3,
      first: DAY - 10,
    });
    s.close();
  });

  test("a trade already journaled is ignored, and its PnL is not counted twice", () => {
    const s = open();
    s.beginRun({ startedMs: DAY, configHash: "h", codeVersion: "v", clientIdHead: "e1-r1-" });
    s.write([fill("1", { realizedPnl: "1.000000000000000001", feeQuote: "0.1" })]);
    s.write([fill("1", { realizedPnl: "1.000000000000000001", feeQuote: "0.1" }), fill("2", { realizedPnl: "-0.5" })]);
    const page = s.pnl({ limit: 10 });
    expect(page.items).toEqual([
      {
        day: "2026-12-01",
        venue: "bin",
        symbol: "BTC-USDT",
        currency: "USDT",
        realized: "0.500000000000000001",
        fees: "0.1600001",
        net: "0.339999900000000001",
        fills: 2,
      },
    ]);
    expect(s.restore(DAY).fills).toBe(2);
    s.close();
  });

  test("fills of a venue that starts afresh every run are kept per run and never picked up as history", () => {
    const s = open();
    s.beginRun({ startedMs: DAY, configHash: "h", codeVersion: "v", clientIdHead: "e1-r1-" });
    s.write([fill("1", { ephemeral: true })]);
    s.beginRun({ startedMs: DAY + 1, configHash: "h", codeVersion: "v", clientIdHead: "e1-r2-" });
    s.write([fill("1", { ephemeral: true, clientId: "e1-r2-1" })]);
    const r = s.restore(DAY);
    expect({ fills: r.fills, last: r.lastFills, recent: r.recentTrades }).toEqual({ fills: 2, last: [], recent: [] });
    s.close();
  });

  test("orders: live orders of earlier runs, unclean runs with their last journaled sequence, venue ids", () => {
    const s = open();
    s.beginRun({ startedMs: DAY, configHash: "h", codeVersion: "v", clientIdHead: "e1-r1-" });
    s.write([
      order("e1-r1-1"),
      order("e1-r1-2"),
      order("e1-r1-10"),
      moved("e1-r1-1", "pending_new", "new", "100"),
      moved("e1-r1-2", "pending_new", "new", "101"),
      moved("e1-r1-2", "new", "filled", "101"),
    ]);
    s.beginRun({ startedMs: DAY + 1, configHash: "h", codeVersion: "v", clientIdHead: "e1-r2-" });
    expect(s.unsettledOrders().map((o) => [o.clientId, o.state, o.venueOrderId])).toEqual([
      ["e1-r1-1", "new", "100"],
      ["e1-r1-10", "pending_new", ""],
    ]);
    expect(s.uncleanRuns()).toEqual([{ runId: 1, clientIdHead: "e1-r1-", maxSeq: 10 }]);
    expect([...s.clientIdsOfVenueOrders("bin", ["101", "999", ""])]).toEqual([["101", "e1-r1-2"]]);
    s.markRecovered([1], DAY + 2);
    expect(s.uncleanRuns()).toEqual([]);
    s.endRun(DAY + 3, "SIGINT", true);
    s.close();
  });
});

describe("SqliteJournal: queries", () => {
  function seeded(): SqliteJournal {
    const s = open();
    s.beginRun({ startedMs: DAY, configHash: "h", codeVersion: "v", clientIdHead: "e1-r1-" });
    const batch: FillRecord[] = [];
    for (let i = 1; i <= 25; i++) {
      batch.push(fill(String(i), { symbol: i % 2 === 0 ? "ETH-USDT" : "BTC-USDT", clientId: `e1-r1-${i}` }));
    }
    s.write(batch);
    s.write([
      order("e1-r1-1"),
      moved("e1-r1-1", "pending_new", "new", "100"),
      moved("e1-r1-1", "new", "filled", "100"),
    ]);
    return s;
  }

  test("pages of fills follow each other without gaps or repeats, in both orders", () => {
    const s = seeded();
    for (const order of ["asc", "desc"] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const p = s.fills({ limit: 7, order, ...(cursor !== undefined ? { cursor } : {}) });
        seen.push(...p.items.map((f) => f.tradeId));
        cursor = p.nextCursor ?? undefined;
      } while (cursor !== undefined);
      const expected = Array.from({ length: 25 }, (_, i) => String(i + 1));
      expect(seen).toEqual(order === "asc" ? expected : expected.reverse());
    }
    s.close();
  });

  test("filters: symbol, client id and a venue-time window", () => {
    const s = seeded();
    expect(s.fills({ limit: 100, symbol: "ETH-USDT" }).items.length).toBe(12);
    expect(s.fills({ limit: 100, clientId: "e1-r1-3" }).items.map((f) => f.tradeId)).toEqual(["3"]);
    const w = s.fills({ limit: 100, sinceMs: DAY + 5000, untilMs: DAY + 8000 }).items.map((f) => f.tradeId);
    expect(w).toEqual(["5", "6", "7"]);
    expect(s.fills({ limit: 100, venue: "okx" }).items).toEqual([]);
    s.close();
  });

  test("orders carry their transitions on request", () => {
    const s = seeded();
    const [o] = s.orders({ limit: 10, events: true }).items;
    expect(o).toMatchObject({ clientId: "e1-r1-1", state: "filled", venueOrderId: "100", strategy: "mm" });
    expect(o?.events?.map((e) => `${e.from}>${e.to}`)).toEqual(["pending_new>new", "new>filled"]);
    expect(s.orders({ limit: 10 }).items[0]?.events).toBeUndefined();
    s.close();
  });

  test("a cursor from another query, or a forged one, is refused naming the cursor", () => {
    const s = seeded();
    const fromOrders = s.fills({ limit: 1 }).nextCursor ?? "";
    expect(() => s.orders({ limit: 1, cursor: fromOrders })).toThrow(JournalQueryError);
    expect(() => s.fills({ limit: 1, cursor: "bm9wZQ" })).toThrow("cursor");
    expect(() => s.pnl({ limit: 1, cursor: Buffer.from('["pnl",1,2,3]').toString("base64url") })).toThrow("cursor");
    s.close();
  });
});
