/**
 * The Binance trade-history reader against a tiny local myTrades mock: pages forward by fromId, starts
 * from the newest trade before `sinceMs` (endTime alone), keeps every page inside the weight budget
 * (refusing rather than drawing a 429), and counts and skips rows it cannot read.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { VenueBudget } from "../../gateways/index.ts";
import { Rng, SystemClock } from "../../services/index.ts";
import { DecimalGrid, type InstrumentInfo, type Lots, Side, VenueRejectError } from "../../types/index.ts";
import { resolveBinanceConfig } from "./config.ts";
import { BinanceRest, ServerTime } from "./rest.ts";
import { BinanceTradeHistory, venueTradeOf } from "./trades.ts";

const INFO: InstrumentInfo = {
  symbol: "BTC-USDT",
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  price: new DecimalGrid("0.01"),
  qty: new DecimalGrid("0.00001"),
  minQtyLots: 1 as Lots,
  maxQtyLots: 0 as Lots,
  minNotional: "5",
  maxNotional: "0",
  trading: true,
};
const T0 = 1_800_000_000_000;

/** Trade i (1..n) of the mock account: one a minute from T0, alternately bought and sold. */
function row(i: number): Record<string, unknown> {
  return {
    symbol: "BTCUSDT",
    id: i,
    orderId: 100 + (i % 4),
    orderListId: -1,
    price: "60000.01000000",
    qty: "0.00100000",
    quoteQty: "60.00001000",
    commission: i % 2 === 0 ? "0.00000100" : "0.06000001",
    commissionAsset: i % 2 === 0 ? "BTC" : "USDT",
    time: T0 + i * 60_000,
    isBuyer: i % 2 === 0,
    isMaker: i % 3 !== 0,
    isBestMatch: true,
  };
}

let server: ReturnType<typeof Bun.serve>;
let trades: Record<string, unknown>[] = [];
const seen: URLSearchParams[] = [];

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const q = new URL(req.url).searchParams;
      seen.push(q);
      const limit = Number(q.get("limit") ?? "500");
      const byOrder = q.get("orderId");
      let list = trades.filter((t) => byOrder === null || String(t["orderId"]) === byOrder);
      const from = q.get("fromId");
      const end = q.get("endTime");
      if (from !== null) list = list.filter((t) => Number(t["id"]) >= Number(from)).slice(0, limit);
      else if (end !== null) list = list.filter((t) => Number(t["time"]) <= Number(end)).slice(-limit);
      else list = list.slice(-limit);
      return Response.json(list);
    },
  });
});
afterAll(() => server.stop(true));

/** A reader on a fresh client whose budget allows `weightPerMinute` (headroom 1). */
function reader(pageSize: number, weightPerMinute = 6000): { h: BinanceTradeHistory; c: Record<string, number> } {
  const cfg = resolveBinanceConfig({
    name: "bn_hist",
    apiKey: "k",
    apiSecret: "s",
    restUrl: `http://127.0.0.1:${server.port}`,
    streamUrl: "ws://127.0.0.1:1",
    wsApiUrl: "ws://127.0.0.1:1/ws-api/v3",
    symbols: ["BTC-USDT"],
    clientIdPrefix: "h1",
    clock: new SystemClock(),
    rng: new Rng(1),
    timeouts: { maxThrottleWaitMs: 100 },
  });
  const time = new ServerTime(() => Date.now());
  // history pages wait at most 100 ms here (a minute in the adapter), so running out of budget shows
  const budget = new VenueBudget(() => time.now(), 1);
  budget.setLimit("REQUEST_WEIGHT:60000", weightPerMinute, 60_000);
  const rest = new BinanceRest(cfg, budget, time, (ms) => Bun.sleep(ms));
  const c = { tradeHistoryPages: 0, badTradeRows: 0 };
  return { h: new BinanceTradeHistory("bn_hist", rest, pageSize, c, 100), c };
}

describe("Binance trade history", () => {
  test("pages forward by fromId: every trade once, oldest first, with the venue's price and fee", async () => {
    trades = Array.from({ length: 23 }, (_, i) => row(i + 1));
    seen.length = 0;
    const { h, c } = reader(5);
    const all = await h.trades(INFO, { symbol: "BTC-USDT" });
    expect(all.map((t) => Number(t.tradeId))).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(seen.map((q) => q.get("fromId"))).toEqual(["0", "6", "11", "16", "21"]);
    expect(seen.every((q) => q.get("limit") === "5" && q.get("signature") !== null)).toBe(true);
    expect(c.tradeHistoryPages).toBe(5);
    expect(all[1]).toMatchObject({
      tradeId: "2",
      venueOrderId: "102",
      clientId: "",
      side: Side.Buy,
      price: "60000.01000000",
      fee: "0.00000100",
      feeAsset: "BTC",
      isMaker: true,
      venueTimeMs: T0 + 120_000,
    });
    expect(Number(all[1]?.priceTicks)).toBe(6_000_001);
    expect(Number(all[1]?.lots)).toBe(100);
    expect(all[2]?.isMaker).toBe(false);
    const after = await h.trades(INFO, { symbol: "BTC-USDT", afterTradeId: "20" });
    expect(after.map((t) => t.tradeId)).toEqual(["21", "22", "23"]);
    const capped = await h.trades(INFO, { symbol: "BTC-USDT", afterTradeId: "3", limit: 7 });
    expect(capped.map((t) => t.tradeId)).toEqual(["4", "5", "6", "7", "8", "9", "10"]);
  });

  test("from a time: the newest trade before it marks the start (endTime alone, no 24 h window)", async () => {
    trades = Array.from({ length: 23 }, (_, i) => row(i + 1));
    seen.length = 0;
    const { h } = reader(10);
    const got = await h.trades(INFO, { symbol: "BTC-USDT", sinceMs: T0 + 15 * 60_000 });
    expect(got.map((t) => t.tradeId)).toEqual(["15", "16", "17", "18", "19", "20", "21", "22", "23"]);
    expect(seen[0]?.get("endTime")).toBe(String(T0 + 15 * 60_000 - 1));
    expect(seen[0]?.get("limit")).toBe("1");
    expect(seen[1]?.get("fromId")).toBe("15");
    expect(seen.every((q) => q.get("startTime") === null)).toBe(true);
    const none = await h.trades(INFO, { symbol: "BTC-USDT", sinceMs: T0 + 999 * 60_000 });
    expect(none).toEqual([]);
  });

  test("one order's trades: orderId with fromId paging", async () => {
    trades = Array.from({ length: 23 }, (_, i) => row(i + 1));
    seen.length = 0;
    const { h } = reader(2);
    const got = await h.orderTrades(INFO, "101");
    expect(got.map((t) => t.tradeId)).toEqual(["1", "5", "9", "13", "17", "21"]);
    expect(seen.every((q) => q.get("orderId") === "101")).toBe(true);
    expect(seen.map((q) => q.get("fromId"))).toEqual(["0", "6", "14", "22"]);
  });

  test("every page takes its weight from the budget: beyond it the reader refuses before sending", async () => {
    trades = Array.from({ length: 23 }, (_, i) => row(i + 1));
    seen.length = 0;
    const { h } = reader(5, 60); // three pages of weight 20 fit in the minute, a fourth does not
    const err = await h.trades(INFO, { symbol: "BTC-USDT" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err instanceof VenueRejectError && err.reason === "rate_limited", String(err)).toBe(true);
    expect(seen.length).toBe(3);
  });

  test("bad rows are counted and skipped, never a crash", async () => {
    trades = [
      row(1),
      { ...row(2), price: "60000.015" }, // off the tick grid
      { ...row(3), id: "3" },
      { ...row(4), commission: null },
      { ...row(5), symbol: "ETHUSDT" },
      { ...row(6), isBuyer: "yes" },
      row(7),
    ];
    seen.length = 0;
    const { h, c } = reader(1000);
    const got = await h.trades(INFO, { symbol: "BTC-USDT" });
    expect(got.map((t) => t.tradeId)).toEqual(["1", "7"]);
    expect(c.badTradeRows).toBe(5);
    expect(venueTradeOf("bn", "nonsense", INFO)).toBeUndefined();
    const bad = await h.trades(INFO, { symbol: "BTC-USDT", afterTradeId: "-1" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(bad instanceof VenueRejectError && bad.reason === "invalid_request").toBe(true);
  });
});
