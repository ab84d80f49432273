/**
 * GET /api/fills, /api/orders and /api/pnl through the HTTP app over a real journal file: pages that
 * chain without gaps, filters, every bad parameter refused with a 400 naming it (and counted), 404
 * without a journal, and an OpenAPI document whose journal responses resolve to typed schemas.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandQueue, ControlAuth, createHttpApp, type EngineStatus } from "../src/command/index.ts";
import { type FillRecord, SqliteJournal } from "../src/journal/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { VirtualClock } from "../src/services/index.ts";
import type { FillRow, JournalPage, OrderRow, PnlDayRow, PnlTotal } from "../src/types/index.ts";

const DAY = Date.UTC(2026, 11, 1);
let dir = "";
let store: SqliteJournal;

function fill(i: number): FillRecord {
  return {
    kind: "fill",
    venue: i % 3 === 0 ? "okx" : "bin",
    symbol: "BTC-USDT",
    tradeId: String(i),
    clientId: `e1-r1-${i}`,
    venueOrderId: String(100 + i),
    side: i % 2 === 0 ? "sell" : "buy",
    price: "60000.10",
    qty: "0.00100",
    fee: "0.06",
    feeAsset: "USDT",
    isMaker: true,
    venueTimeMs: DAY + i * 3_600_000,
    localTimeMs: DAY + i * 3_600_000,
    source: "stream",
    estimated: false,
    currency: "USDT",
    realizedPnl: i % 2 === 0 ? "1.5" : "0",
    feeQuote: "0.06",
    ephemeral: false,
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "journal-api-"));
  store = SqliteJournal.open(join(dir, "j.sqlite"));
  store.beginRun({ startedMs: DAY, configHash: "h", codeVersion: "v", clientIdHead: "e1-r1-" });
  store.write(Array.from({ length: 60 }, (_, i) => fill(i + 1)));
  store.write([
    {
      kind: "order",
      tsMs: DAY,
      clientId: "e1-r1-1",
      venue: "bin",
      symbol: "BTC-USDT",
      side: "buy",
      type: "limit_maker",
      tif: "GTC",
      price: "60000.10",
      qty: "0.00100",
      strategy: "mm",
    },
    {
      kind: "order_event",
      tsMs: DAY + 5,
      clientId: "e1-r1-1",
      from: "pending_new",
      to: "new",
      filledQty: "0.00000",
      venueOrderId: "101",
      reason: "ack event",
      rejectReason: null,
    },
  ]);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function app(withJournal = true) {
  const metrics = createEngineMetrics({ processMetrics: false });
  const status = { status: () => ({}) as EngineStatus };
  const deps = {
    metrics,
    status,
    strategies: { paramsValidator: () => undefined },
    commands: new CommandQueue({ clock: new VirtualClock() }),
    auth: new ControlAuth(undefined),
    ...(withJournal ? { journal: store } : {}),
  };
  const a = createHttpApp(deps);
  return {
    metrics,
    get: async <T>(path: string): Promise<{ status: number; body: T }> => {
      const res = await a.handle(new Request(`http://localhost${path}`));
      return { status: res.status, body: (await res.json()) as T };
    },
  };
}

describe("journal routes", () => {
  test("fills page by page: every row once, in journal order, the last page without a cursor", async () => {
    const h = app();
    const ids: string[] = [];
    let path = "/api/fills?limit=25";
    for (;;) {
      const { status, body } = await h.get<JournalPage<FillRow>>(path);
      expect(status).toBe(200);
      ids.push(...body.items.map((f) => f.tradeId));
      if (body.nextCursor === null) break;
      path = `/api/fills?limit=25&cursor=${body.nextCursor}`;
    }
    expect(ids).toEqual(Array.from({ length: 60 }, (_, i) => String(i + 1)));
  });

  test("fills filtered by venue, client id and a venue-time window (days or ISO times), newest first", async () => {
    const h = app();
    const okx = await h.get<JournalPage<FillRow>>("/api/fills?venue=okx&limit=1000");
    expect(okx.body.items.length).toBe(20);
    const one = await h.get<JournalPage<FillRow>>("/api/fills?client_id=e1-r1-7");
    expect(one.body.items.map((f) => [f.tradeId, f.price, f.fee, f.feeAsset])).toEqual([
      ["7", "60000.10", "0.06", "USDT"],
    ]);
    const window = await h.get<JournalPage<FillRow>>(
      `/api/fills?since=2026-12-02&until=${encodeURIComponent("2026-12-02T03:00:00Z")}&order=desc`,
    );
    expect(window.body.items.map((f) => f.tradeId)).toEqual(["26", "25", "24"]);
  });

  test("orders with their transitions; PnL by day with totals per currency", async () => {
    const h = app();
    const orders = await h.get<JournalPage<OrderRow>>("/api/orders?events=true");
    expect(orders.body.items[0]).toMatchObject({ clientId: "e1-r1-1", state: "new", venueOrderId: "101" });
    expect(orders.body.items[0]?.events?.map((e) => e.reason)).toEqual(["ack event"]);
    const pnl = await h.get<JournalPage<PnlDayRow> & { totals: PnlTotal[] }>(
      "/api/pnl?venue=bin&since=2026-12-02&until=2026-12-02",
    );
    expect(pnl.body.items.map((d) => [d.day, d.fills, d.realized, d.fees, d.net])).toEqual([
      ["2026-12-02", 16, "12", "0.96", "11.04"],
    ]);
    expect(pnl.body.totals).toEqual([{ currency: "USDT", realized: "12", fees: "0.96", net: "11.04" }]);
  });

  test("every bad parameter is a 400 naming it, counted as invalid_query; nothing is guessed", async () => {
    const h = app();
    const cases: [string, string][] = [
      ["/api/fills?limit=0", "limit"],
      ["/api/fills?limit=1001", "limit"],
      ["/api/fills?limit=1e2", "limit"],
      ["/api/fills?since=yesterday", "since"],
      ["/api/fills?until=2026-13-45", "until"],
      ["/api/fills?until=2026-02-30", "until"],
      ["/api/fills?venue=bin&venue=okx", "venue"],
      ["/api/fills?symbol=BTC%20USDT", "symbol"],
      ["/api/fills?sort=asc", "sort"],
      ["/api/fills?order=up", "order"],
      ["/api/fills?cursor=%22%3E", "cursor"],
      ["/api/fills?cursor=WyJvcmRlcnMiLDFd", "cursor"],
      ["/api/orders?events=yes", "events"],
      ["/api/pnl?client_id=x", "client_id"],
    ];
    for (const [path, field] of cases) {
      const { status, body } = await h.get<{ error: string; field: string }>(path);
      expect({ path, status, field: body.field }).toEqual({ path, status: 400, field });
      expect(body.error.startsWith(field)).toBe(true);
    }
    const scrape = await h.metrics.scrape();
    expect(scrape).toContain(`hft_http_rejected_requests_total{reason="invalid_query"} ${cases.length}`);
  });

  test("without a journal the routes answer 404 saying why", async () => {
    const h = app(false);
    const { status, body } = await h.get<{ error: string }>("/api/fills");
    expect({ status, body }).toEqual({
      status: 404,
      body: { error: "no journal: this engine runs with engine.journal.enabled: false" },
    });
  });

  test("the OpenAPI document types the journal responses (every $ref resolves)", async () => {
    const h = app();
    const { body } = await h.get<{ paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>(
      "/openapi.json",
    );
    const refs = [...JSON.stringify(body).matchAll(/"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1] ?? "");
    expect(refs).toContain("FillPage");
    expect(refs.filter((r) => body.components.schemas[r] === undefined)).toEqual([]);
    const fillRow = body.components.schemas.FillRow as { required: string[] };
    expect(fillRow.required).toContain("tradeId");
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(["/api/fills", "/api/orders", "/api/pnl"]));
  });
});
