/**
 * The OKX adapter against a tiny local OKX-speaking mock (127.0.0.1, port 0): books sync and resync on
 * a gap, keepalive, bbo/trades, ping/pong and the idle rule, signed login and REST, order entry over
 * the private socket, the `orders` channel, idempotent submits, unknown outcomes and cancelAll.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import type { ServerWebSocket } from "bun";
import { SystemClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import {
  type Lots,
  type OrderRequest,
  type OrderUpdate,
  Side,
  type Ticks,
  type VenueEvent,
  VenueRejectError,
} from "../src/types/index.ts";
import { createOkxAdapter, type OkxAdapter, type OkxConfig } from "../src/venues/okx/index.ts";

const SEED = 4242;
const KEY = "k1";
const SECRET = "s3cr3t";
const PASS = "pp";
const b64 = (m: string): string => createHmac("sha256", SECRET).update(m).digest("base64");

type WsData = { kind: "public" | "private" };
type Obj = Record<string, unknown>;

/** A minimal OKX venue: enough REST and WS to drive every adapter path under test. */
class MockOkx {
  readonly server: ReturnType<typeof Bun.serve<WsData>>;
  pub: ServerWebSocket<WsData> | undefined;
  priv: ServerWebSocket<WsData> | undefined;
  answerPings = true;
  publicConnections = 0;
  pingsSeen = 0;
  bookSubs = 0;
  snapshotSeq = 100;
  readonly orders = new Map<string, Obj>();
  readonly placeOps: Obj[] = [];
  readonly canceled: string[] = [];
  silentClOrdIds = new Set<string>();
  badRestSigns = 0;
  /** The account's transaction details, any order (served newest first by billId); `ts` epoch ms. */
  fillRows: Obj[] = [];
  /** Trade-history requests seen, as "endpoint?query". */
  readonly fillsRequests: string[] = [];
  /** The next this-many trade-history requests are refused with 429 / 50011. */
  fillsRefusals = 0;
  private ordSeq = 1000;

  constructor() {
    this.server = Bun.serve<WsData>({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req, srv) => {
        const url = new URL(req.url);
        if (url.pathname === "/ws/v5/public" || url.pathname === "/ws/v5/private") {
          const kind = url.pathname.endsWith("public") ? "public" : "private";
          return srv.upgrade(req, { data: { kind } }) ? undefined : new Response("no", { status: 400 });
        }
        return this.rest(req, url);
      },
      websocket: {
        open: (ws) => {
          if (ws.data.kind === "public") {
            this.pub = ws;
            this.publicConnections++;
          } else this.priv = ws;
        },
        message: (ws, m) => this.onWs(ws, typeof m === "string" ? m : m.toString()),
      },
    });
  }

  get port(): number {
    return this.server.port ?? 0;
  }

  private async rest(req: Request, url: URL): Promise<Response> {
    const path = url.pathname + url.search;
    const body = req.method === "POST" ? await req.text() : "";
    if (url.pathname === "/api/v5/public/instruments") {
      return Response.json({
        code: "0",
        data: [
          {
            instId: "BTC-USDT",
            baseCcy: "BTC",
            quoteCcy: "USDT",
            tickSz: "0.1",
            lotSz: "0.00000001",
            minSz: "0.00001",
            maxLmtSz: "9999999",
            state: "live",
          },
          { instId: "BAD", tickSz: "x" },
        ],
      });
    }
    const ts = req.headers.get("OK-ACCESS-TIMESTAMP") ?? "";
    const sign = req.headers.get("OK-ACCESS-SIGN") ?? "";
    if (req.headers.get("OK-ACCESS-PASSPHRASE") !== PASS || sign !== b64(ts + req.method + path + body)) {
      this.badRestSigns++;
      return Response.json({ code: "50113", msg: "Invalid Sign" }, { status: 401 });
    }
    if (url.pathname === "/api/v5/trade/order" && req.method === "GET") {
      const o = this.orders.get(url.searchParams.get("clOrdId") ?? "");
      return o === undefined
        ? Response.json({ code: "51603", msg: "Order does not exist", data: [] })
        : Response.json({ code: "0", data: [o] });
    }
    if (url.pathname === "/api/v5/trade/order" && req.method === "POST") {
      const a = JSON.parse(body) as Obj;
      this.placeOps.push(a);
      const clOrdId = String(a["clOrdId"]);
      if (Number(a["sz"]) === 777) return Response.json({ code: "50011", msg: "Too Many Requests" }, { status: 429 });
      if (Number(a["sz"]) === 999) {
        const d = { ordId: "", clOrdId, sCode: "51008", sMsg: "Insufficient USDT balance" };
        return Response.json({ code: "1", msg: "All operations failed", data: [d] });
      }
      const ordId = String(this.ordSeq++);
      this.orders.set(clOrdId, {
        instId: a["instId"],
        ordId,
        clOrdId,
        px: a["px"],
        sz: a["sz"],
        side: a["side"],
        state: "live",
        accFillSz: "0",
      });
      return Response.json({ code: "0", msg: "", data: [{ ordId, clOrdId, sCode: "0", sMsg: "Order placed" }] });
    }
    if (url.pathname === "/api/v5/trade/orders-pending") {
      const list = [...this.orders.values()].filter((o) => o["state"] === "live");
      return Response.json({ code: "0", data: list });
    }
    if (url.pathname === "/api/v5/trade/cancel-order") {
      const a = JSON.parse(body) as Obj;
      return Response.json({ code: "0", data: [this.cancel(String(a["clOrdId"]))] });
    }
    if (url.pathname === "/api/v5/trade/fills" || url.pathname === "/api/v5/trade/fills-history") {
      return this.fills(url);
    }
    if (url.pathname === "/api/v5/account/balance") {
      return Response.json({ code: "0", data: [{ details: [{ ccy: "USDT", availBal: "100.5", frozenBal: "1" }] }] });
    }
    return Response.json({ code: "51000", msg: `unknown path ${path}` });
  }

  /** OKX's fills (3 days) / fills-history: newest first, `after` = older than that billId, `limit` rows. */
  private fills(url: URL): Response {
    this.fillsRequests.push(`${url.pathname.split("/").pop()}?${url.searchParams.toString()}`);
    if (this.fillsRefusals > 0) {
      this.fillsRefusals--;
      return Response.json({ code: "50011", msg: "Too Many Requests", data: [] }, { status: 429 });
    }
    const q = url.searchParams;
    const reach = url.pathname.endsWith("fills") ? 3 * 86_400_000 : 90 * 86_400_000;
    const after = q.get("after");
    const rows = this.fillRows
      .filter((r) => Number(r["ts"]) >= Date.now() - reach)
      .filter((r) => q.get("instId") === null || r["instId"] === q.get("instId"))
      .filter((r) => q.get("ordId") === null || r["ordId"] === q.get("ordId"))
      .filter((r) => after === null || Number(r["billId"]) < Number(after))
      .filter((r) => q.get("begin") === null || Number(r["ts"]) >= Number(q.get("begin")))
      .sort((x, y) => Number(y["billId"]) - Number(x["billId"]))
      .slice(0, Number(q.get("limit") ?? "100"));
    return Response.json({ code: "0", msg: "", data: rows });
  }

  private cancel(clOrdId: string): Obj {
    const o = this.orders.get(clOrdId);
    if (o === undefined || o["state"] !== "live") return { clOrdId, ordId: "", sCode: "51400", sMsg: "cancel failed" };
    o["state"] = "canceled";
    this.canceled.push(clOrdId);
    return { clOrdId, ordId: o["ordId"], sCode: "0", sMsg: "" };
  }

  sendBook(action: string, prevSeqId: number, seqId: number, bids: string[][], asks: string[][]): void {
    this.pub?.send(
      JSON.stringify({
        arg: { channel: "books", instId: "BTC-USDT" },
        action,
        data: [{ asks, bids, ts: "1597026383085", checksum: 0, prevSeqId, seqId }],
      }),
    );
  }

  pushOrder(o: Obj): void {
    this.priv?.send(JSON.stringify({ arg: { channel: "orders", instType: "SPOT" }, data: [o] }));
  }

  private onWs(ws: ServerWebSocket<WsData>, text: string): void {
    if (text === "ping") {
      this.pingsSeen++;
      if (this.answerPings) ws.send("pong");
      return;
    }
    const m = JSON.parse(text) as Obj;
    const args = (m["args"] ?? []) as Obj[];
    if (m["op"] === "login") {
      const a = args[0] ?? {};
      const ok =
        a["apiKey"] === KEY && a["passphrase"] === PASS && a["sign"] === b64(`${a["timestamp"]}GET/users/self/verify`);
      ws.send(
        JSON.stringify(
          ok ? { event: "login", code: "0", msg: "" } : { event: "error", code: "60009", msg: "Login failed" },
        ),
      );
      return;
    }
    if (m["op"] === "subscribe") {
      for (const a of args) {
        ws.send(JSON.stringify({ event: "subscribe", arg: a, connId: "c1" }));
        if (a["channel"] === "books") {
          this.bookSubs++;
          this.sendBook(
            "snapshot",
            -1,
            this.snapshotSeq,
            [
              ["100.0", "1", "0", "1"],
              ["99.9", "2", "0", "1"],
            ],
            [["100.1", "3", "0", "1"]],
          );
        }
        if (a["channel"] === "bbo-tbt") {
          ws.send(
            JSON.stringify({
              arg: a,
              data: [{ asks: [["100.1", "3", "0", "1"]], bids: [["100.0", "1", "0", "1"]], ts: "1", seqId: 5 }],
            }),
          );
        }
        if (a["channel"] === "trades") {
          ws.send(
            JSON.stringify({
              arg: a,
              data: [{ instId: "BTC-USDT", tradeId: "77", px: "100.1", sz: "0.5", side: "buy", ts: "2" }],
            }),
          );
        }
      }
      return;
    }
    if (m["op"] === "order") {
      const a = args[0] ?? {};
      this.placeOps.push(a);
      const clOrdId = String(a["clOrdId"]);
      if (Number(a["sz"]) === 999) {
        ws.send(
          JSON.stringify({
            id: m["id"],
            op: "order",
            code: "1",
            msg: "",
            data: [{ ordId: "", clOrdId, sCode: "51008", sMsg: "Insufficient USDT balance" }],
          }),
        );
        return;
      }
      const ordId = String(this.ordSeq++);
      const o: Obj = {
        instId: a["instId"],
        ordId,
        clOrdId,
        px: a["px"],
        sz: a["sz"],
        side: a["side"],
        ordType: a["ordType"],
        state: "live",
        accFillSz: "0",
      };
      this.orders.set(clOrdId, o);
      if (this.silentClOrdIds.has(clOrdId)) return; // placed, but the reply is lost
      ws.send(
        JSON.stringify({
          id: m["id"],
          op: "order",
          code: "0",
          msg: "",
          data: [{ ordId, clOrdId, sCode: "0", sMsg: "Order placed" }],
        }),
      );
      if (a["ordType"] === "post_only") {
        o["state"] = "canceled";
        this.pushOrder({ ...o, cancelSource: "31", cancelSourceReason: "POST_ONLY would take liquidity", uTime: "3" });
      } else this.pushOrder({ ...o, uTime: "3" });
      return;
    }
    if (m["op"] === "cancel-order") {
      const a = args[0] ?? {};
      ws.send(
        JSON.stringify({
          id: m["id"],
          op: "cancel-order",
          code: "0",
          msg: "",
          data: [this.cancel(String(a["clOrdId"]))],
        }),
      );
    }
  }
}

let mock: MockOkx | undefined;
let adapter: OkxAdapter | undefined;
afterEach(async () => {
  await adapter?.close();
  mock?.server.stop(true);
  adapter = undefined;
  mock = undefined;
});

function make(
  m: MockOkx,
  extra: {
    pingIdleMs?: number;
    pongTimeoutMs?: number;
    keys?: boolean;
    orderEntry?: "ws" | "rest";
    history?: Partial<Pick<OkxConfig, "tradeHistoryPageSize" | "fillsRateLimit" | "fillsHistoryRateLimit">>;
    budget?: Partial<Pick<OkxConfig, "orderRateLimit" | "maxThrottleWaitMs">>;
  } = {},
): OkxAdapter {
  const base = `127.0.0.1:${m.port}`;
  return createOkxAdapter({
    name: "okx_test",
    restUrl: `http://${base}`,
    wsPublicUrl: `ws://${base}/ws/v5/public`,
    wsPrivateUrl: `ws://${base}/ws/v5/private`,
    ...(extra.keys === false ? {} : { apiKey: KEY, secret: SECRET, passphrase: PASS }),
    clientIdPrefix: "eng1",
    clock: new SystemClock(),
    rng: new Rng(SEED),
    backoff: { baseMs: 20, maxMs: 200, factor: 2 },
    pingIdleMs: extra.pingIdleMs ?? 20_000,
    pongTimeoutMs: extra.pongTimeoutMs ?? 10_000,
    requestMs: 1_500,
    subscribeMs: 15_000,
    orderEntry: extra.orderEntry ?? "ws",
    batchOrderEntry: false, // this mock speaks the single-order ops; batching is tested against the simulator
    ...extra.history,
    ...extra.budget,
  });
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`seed ${SEED}: timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

describe("okx adapter: market data", () => {
  test("snapshot, contiguous updates, keepalive, gap → resubscribe → live again", async () => {
    const m = new MockOkx();
    mock = m;
    const a = make(m, { keys: false });
    adapter = a;
    const events: VenueEvent["type"][] = [];
    const health: string[] = [];
    let lastSeq = -1;
    let bbo = "";
    let trade = "";
    a.onEvent((e) => {
      events.push(e.type);
      if (e.type === "book") lastSeq = e.seq;
      if (e.type === "book_health") health.push(e.gap === true ? `${e.health}:gap` : e.health);
      if (e.type === "bbo") bbo = `${e.bidTicks}/${e.bidLots}@${e.askTicks}/${e.askLots}`;
      if (e.type === "trade") trade = `${e.priceTicks}x${e.lots}:${e.aggressor}:${e.tradeId}`;
    });
    await a.connect();
    expect(a.instruments().has("BTC-USDT"), `seed ${SEED}`).toBe(true);
    expect(Number(a.instruments().get("BTC-USDT")?.minQtyLots), `seed ${SEED}`).toBe(1000);
    await a.subscribeQuotes(["BTC-USDT"]);
    const book = a.book("BTC-USDT");
    if (book === undefined) throw new Error("no book");
    expect(a.bookHealth("BTC-USDT")).toBe("live");
    expect(book.bestBidTicks()).toBe(1000);
    expect(book.bestAskTicks()).toBe(1001);
    await until(() => bbo !== "" && trade !== "", "bbo and trade");
    expect(bbo).toBe("1000/100000000@1001/300000000");
    expect(trade).toBe(`1001x50000000:${Side.Buy}:77`);

    m.sendBook("update", 100, 101, [["100.0", "0", "0", "0"]], [["100.2", "4", "0", "1"]]);
    await until(() => lastSeq === 101, "update 101");
    expect(book.bestBidTicks()).toBe(999);
    expect(book.levelCount(Side.Sell)).toBe(2);
    m.sendBook("update", 101, 101, [], []); // keepalive
    m.sendBook("update", 100, 101, [["99.9", "0", "0", "0"]], []); // duplicate of an applied frame
    m.sendBook("update", 101, 102, [["99.8", "1", "0", "1"]], []);
    await until(() => lastSeq === 102, "update 102");
    expect(book.bestBidTicks()).toBe(999);
    expect(a.stats?.()["keepalives"]).toBe(1);
    expect(a.stats?.()["duplicates"]).toBe(1);

    m.snapshotSeq = 500;
    m.sendBook("update", 105, 106, [["99.0", "1", "0", "1"]], []); // gap
    await until(() => lastSeq === 500, "resync snapshot");
    expect(m.bookSubs).toBe(2);
    expect(health, `seed ${SEED}: only the seq gap flags gap`).toEqual(["live", "resyncing:gap", "live"]);
    expect(book.bestBidTicks()).toBe(1000);
    expect(a.stats?.()["gaps"]).toBe(1);

    m.pub?.send("{not json");
    m.pub?.send(
      JSON.stringify({ arg: { channel: "books", instId: "BTC-USDT" }, action: "update", data: [{ seqId: "x" }] }),
    );
    m.sendBook("update", 500, 501, [["abc", "1", "0", "1"]], []);
    await until(() => (a.stats?.()["badFrames"] ?? 0) >= 3, "bad frames counted");
    await until(
      () => lastSeq === 500 && a.bookHealth("BTC-USDT") === "live" && m.bookSubs === 3,
      "resync after bad levels",
    );
    // Bad levels resync too, but that is not a sequence gap: hft_book_gaps_total must not count it.
    expect(health.slice(3), `seed ${SEED}`).toEqual(["resyncing", "live"]);
    expect(events.includes("book")).toBe(true);
  }, 30_000);

  test("idle socket sends ping; a missing pong reconnects and resubscribes", async () => {
    const m = new MockOkx();
    mock = m;
    const a = make(m, { keys: false, pingIdleMs: 150, pongTimeoutMs: 1_000 });
    adapter = a;
    await a.connect();
    await a.subscribeQuotes(["BTC-USDT"]);
    await until(() => m.pingsSeen >= 1, "first ping");
    expect(a.stats?.()["reconnects"], `seed ${SEED}`).toBe(0);
    m.answerPings = false;
    const health: string[] = [];
    a.onEvent((e) => {
      if (e.type === "book_health") health.push(e.health);
    });
    await until(() => health.includes("stale"), "the silent socket dropped");
    m.answerPings = true; // the replacement socket is healthy: exactly one loss of sync
    await until(() => m.publicConnections >= 2 && a.bookHealth("BTC-USDT") === "live" && m.bookSubs >= 2, "reconnect");
    // stale while the socket is gone, resyncing while the resubscription's snapshot is awaited: one resync
    expect(health.slice(0, 3), `seed ${SEED}`).toEqual(["stale", "resyncing", "live"]);
    expect(a.stats?.()["reconnects"]).toBeGreaterThanOrEqual(1);
    expect(a.stats?.()["resyncs"], `seed ${SEED}: one loss of sync, one resync`).toBe(1);
  }, 30_000);
});

describe("okx adapter: orders", () => {
  test("login, place, ack on the orders channel, fills once, idempotent resubmit, reject, post-only would_take", async () => {
    const m = new MockOkx();
    mock = m;
    const a = make(m);
    adapter = a;
    const updates: OrderUpdate[] = [];
    a.onEvent((e) => {
      if (e.type === "order") updates.push(e.update);
    });
    await a.connect();
    const req: OrderRequest = {
      clientId: "eng1-r1-1",
      symbol: "BTC-USDT",
      side: Side.Buy,
      type: "limit",
      tif: "GTC",
      priceTicks: 1000 as Ticks,
      lots: 50_000_000 as Lots,
    };
    const [id1, id2] = await Promise.all([a.submitOrder(req), a.submitOrder(req)]);
    expect(id1, `seed ${SEED}`).toBe(id2);
    expect(await a.submitOrder(req)).toBe(id1);
    expect(m.placeOps.length).toBe(1);
    expect(m.placeOps[0]).toMatchObject({
      instId: "BTC-USDT",
      tdMode: "cash",
      clOrdId: "eng1r11462",
      side: "buy",
      ordType: "limit",
      px: "100.0",
      sz: "0.50000000",
    });
    await until(() => updates.length >= 1, "ack");
    expect(updates[0]).toMatchObject({ clientId: "eng1-r1-1", exec: "ack", status: "new", venueOrderId: id1 });

    const fill = {
      instId: "BTC-USDT",
      ordId: id1,
      clOrdId: "eng1r11462",
      px: "100",
      sz: "0.5",
      side: "buy",
      state: "partially_filled",
      accFillSz: "0.2",
      fillSz: "0.2",
      fillPx: "100",
      tradeId: "9001",
      fillFee: "-0.02",
      fillFeeCcy: "USDT",
      execType: "M",
      uTime: "4",
    };
    m.pushOrder(fill);
    m.pushOrder(fill); // duplicate
    m.pushOrder({ ...fill, state: "filled", accFillSz: "0.5", fillSz: "0.3", tradeId: "9002", execType: "T" });
    await until(() => updates.length >= 3, "fills");
    await Bun.sleep(50);
    const fills = updates.filter((u) => u.exec === "fill");
    expect(fills.length).toBe(2);
    expect(fills[0]).toMatchObject({
      lastLots: 20_000_000,
      cumLots: 20_000_000,
      lastPriceTicks: 1000,
      fee: "0.02",
      feeAsset: "USDT",
      isMaker: true,
      tradeId: 9001,
      status: "partially_filled",
    });
    expect(fills[1]).toMatchObject({
      lastLots: 30_000_000,
      cumLots: 50_000_000,
      isMaker: false,
      tradeId: 9002,
      status: "filled",
    });
    expect(a.stats?.()["duplicateFills"]).toBe(1);

    const rej = a.submitOrder({ ...req, clientId: "eng1-r1-2", lots: 99_900_000_000 as Lots });
    await expect(rej).rejects.toBeInstanceOf(VenueRejectError);
    await rej.catch((e: unknown) => expect(e instanceof VenueRejectError && e.reason).toBe("insufficient_balance"));

    // OKX acks a crossing post_only and cancels it (cancelSource 31): the submit itself ends in would_take.
    const po = await a
      .submitOrder({ ...req, clientId: "eng1-r1-3", type: "limit_maker", priceTicks: 1002 as Ticks })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(po instanceof VenueRejectError && po.reason, String(po)).toBe("would_take");
    await until(() => updates.some((u) => u.clientId === "eng1-r1-3" && u.exec === "canceled"), "post-only cancel");
    expect(updates.find((u) => u.clientId === "eng1-r1-3" && u.exec === "canceled")?.rejectReason).toBe("would_take");

    const bal = await a.balances();
    expect(bal).toEqual([{ asset: "USDT", free: "100.5", locked: "1" }]);
    expect(m.badRestSigns).toBe(0);
  }, 30_000);

  test("lost reply is resolved by querying, never resent; cancelAll touches only our prefix", async () => {
    const m = new MockOkx();
    mock = m;
    const a = make(m);
    adapter = a;
    await a.connect();
    m.silentClOrdIds.add("eng1r15462");
    const base: Omit<OrderRequest, "clientId"> = {
      symbol: "BTC-USDT",
      side: Side.Sell,
      type: "limit",
      tif: "GTC",
      priceTicks: 1010 as Ticks,
      lots: 100_000 as Lots,
    };
    const id = await a.submitOrder({ ...base, clientId: "eng1-r1-5" });
    expect(id, `seed ${SEED}`).toBe(m.orders.get("eng1r15462")?.["ordId"] as string);
    expect(m.placeOps.length).toBe(1);
    expect(a.stats?.()["unknownOutcomes"]).toBe(1);

    await a.submitOrder({ ...base, clientId: "eng1-r1-6" });
    m.orders.set("other9", {
      instId: "BTC-USDT",
      ordId: "1",
      clOrdId: "other9",
      px: "101",
      sz: "1",
      side: "sell",
      state: "live",
      accFillSz: "0",
    });
    const own = await a.openOrders("BTC-USDT");
    expect(own.map((o) => o.clientId).sort()).toEqual(["eng1-r1-5", "eng1-r1-6"]);
    expect((await a.openOrders("BTC-USDT", true)).length).toBe(3);
    expect(await a.cancelAll("BTC-USDT")).toBe(2);
    expect(m.canceled.sort()).toEqual(["eng1r15462", "eng1r16462"]);
    expect(m.orders.get("other9")?.["state"]).toBe("live");
    expect(await a.orderStatus("BTC-USDT", "eng1-r1-404")).toBeUndefined();
    expect(m.badRestSigns).toBe(0);
  }, 30_000);

  test("an order cancelled while it waits for the order budget (a kill) is withdrawn at once, never sent", async () => {
    const m = new MockOkx();
    mock = m;
    const a = make(m, { budget: { orderRateLimit: { count: 1, windowMs: 60_000 }, maxThrottleWaitMs: 120_000 } });
    adapter = a;
    await a.connect();
    const base = {
      symbol: "BTC-USDT",
      side: Side.Sell,
      type: "limit" as const,
      tif: "GTC" as const,
      priceTicks: 1010 as Ticks,
      lots: 100_000 as Lots,
    };
    await a.submitOrder({ ...base, clientId: "eng1-w-1" });
    const waiting: OrderRequest & { cancelWanted: boolean } = { ...base, clientId: "eng1-w-2", cancelWanted: false };
    let settled: unknown = "pending";
    a.submitOrder(waiting).then(
      () => {
        settled = "sent";
      },
      (e: unknown) => {
        settled = e;
      },
    );
    await Bun.sleep(50); // it waits for the budget (a minute): nothing may have settled
    expect(settled, `seed ${SEED}`).toBe("pending");
    waiting.cancelWanted = true;
    await until(() => settled !== "pending", "the withdrawn order to end");
    expect(settled instanceof VenueRejectError && settled.reason === "rate_limited", String(settled)).toBe(true);
    expect(String(settled)).toContain("withdrawn while waiting for the order budget");
    expect(m.placeOps.length).toBe(1);
  });

  test("REST order entry: signed POST body, sCode and HTTP 429 mapped, cancel by clOrdId", async () => {
    const m = new MockOkx();
    mock = m;
    const a = make(m, { orderEntry: "rest" });
    adapter = a;
    await a.connect();
    const base: Omit<OrderRequest, "clientId"> = {
      symbol: "BTC-USDT",
      side: Side.Buy,
      type: "limit",
      tif: "IOC",
      priceTicks: 999 as Ticks,
      lots: 200_000 as Lots,
    };
    const id = await a.submitOrder({ ...base, clientId: "eng1-r2-1" });
    expect(id, `seed ${SEED}`).toBe(m.orders.get("eng1r21462")?.["ordId"] as string);
    expect(m.placeOps[0]).toMatchObject({ ordType: "ioc", px: "99.9", sz: "0.00200000", clOrdId: "eng1r21462" });
    const reasons: string[] = [];
    for (const [cid, lots] of [
      ["eng1-r2-2", 99_900_000_000],
      ["eng1-r2-3", 77_700_000_000],
    ] as const) {
      await a.submitOrder({ ...base, clientId: cid, lots: lots as Lots }).then(
        () => reasons.push("placed"),
        (e: unknown) => reasons.push(e instanceof VenueRejectError ? e.reason : String(e)),
      );
    }
    expect(reasons, `seed ${SEED}`).toEqual(["insufficient_balance", "rate_limited"]);
    await a.cancelOrder("BTC-USDT", "eng1-r2-1");
    expect(m.canceled).toEqual(["eng1r21462"]);
    const again = await a.cancelOrder("BTC-USDT", "eng1-r2-1").then(
      () => "ok",
      (e: unknown) => (e instanceof VenueRejectError ? e.reason : String(e)),
    );
    expect(again).toBe("unknown_order");
    expect(m.badRestSigns).toBe(0);
  }, 30_000);

  test("fills missed while the private socket was down are recovered once, from the trade history", async () => {
    const m = new MockOkx();
    mock = m;
    const a = make(m);
    adapter = a;
    const updates: OrderUpdate[] = [];
    a.onEvent((e) => {
      if (e.type === "order") updates.push(e.update);
    });
    await a.connect();
    const req: OrderRequest = {
      clientId: "eng1-r3-1",
      symbol: "BTC-USDT",
      side: Side.Sell,
      type: "limit",
      tif: "GTC",
      priceTicks: 1005 as Ticks,
      lots: 1_000_000 as Lots,
    };
    await a.submitOrder(req);
    await until(() => updates.some((u) => u.exec === "ack"), "ack");
    const firstPriv = m.priv;
    const o = m.orders.get("eng1r31462");
    if (o === undefined) throw new Error("order not on mock");
    o["state"] = "partially_filled";
    o["accFillSz"] = "0.004";
    // the venue's record of the missed fill: a better price than the limit, a fee charged in USDT
    const row = {
      instType: "SPOT",
      instId: "BTC-USDT",
      tradeId: "555",
      ordId: o["ordId"],
      clOrdId: "eng1r31462",
      billId: "9001",
      side: "sell",
      fillPx: "100.6",
      fillSz: "0.004",
      execType: "M",
      fee: "-0.0004024",
      feeCcy: "USDT",
      fillTime: String(Date.now() - 1000),
      ts: String(Date.now() - 1000),
    };
    m.fillRows.push(row, { ...row, tradeId: "x", billId: "9000" }); // and a garbled row
    m.fillsRefusals = 1; // the first history request draws a 50011: waited out, then retried
    firstPriv?.close();
    await until(() => updates.some((u) => u.exec === "fill"), "recovered fill");
    const f = updates.filter((u) => u.exec === "fill");
    expect(f.length, `seed ${SEED}`).toBe(1);
    expect(f[0]).toMatchObject({
      clientId: "eng1-r3-1",
      lastLots: 400_000,
      cumLots: 400_000,
      lastPriceTicks: 1006,
      tradeId: 555,
      fee: "0.0004024",
      feeAsset: "USDT",
      isMaker: true,
    });
    expect(m.priv).not.toBe(firstPriv);
    expect(a.stats()["badTradeRows"]).toBe(1);
    expect(a.stats()["tradeHistoryThrottled"]).toBe(1);
    // the fill pushed again (a replay) is not counted twice
    m.pushOrder({ ...o, state: "partially_filled", tradeId: "555", fillSz: "0.004", fillPx: "100.6", uTime: "9" });
    await Bun.sleep(100);
    expect(updates.filter((u) => u.exec === "fill").length).toBe(1);
  }, 30_000);

  test("bad keys are refused at login with reason auth", async () => {
    const m = new MockOkx();
    mock = m;
    const base = `127.0.0.1:${m.port}`;
    const a = createOkxAdapter({
      name: "okx_bad",
      restUrl: `http://${base}`,
      wsPublicUrl: `ws://${base}/ws/v5/public`,
      wsPrivateUrl: `ws://${base}/ws/v5/private`,
      apiKey: KEY,
      secret: "wrong",
      passphrase: PASS,
      clientIdPrefix: "eng1",
      clock: new SystemClock(),
      rng: new Rng(SEED),
    });
    adapter = a;
    const err = await a.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err instanceof VenueRejectError, `seed ${SEED}: ${String(err)}`).toBe(true);
  }, 30_000);
});

describe("okx adapter: trade history", () => {
  /** 250 BTC-USDT fills: ids 1..100 ten days old (only fills-history has them), 101..250 in the last hour. */
  function seedFills(m: MockOkx): number[] {
    const now = Date.now();
    const times: number[] = [];
    for (let i = 1; i <= 250; i++) {
      const ts = i <= 100 ? now - 10 * 86_400_000 + i * 1000 : now - 3_600_000 + i * 1000;
      times.push(ts);
      m.fillRows.push({
        instType: "SPOT",
        instId: "BTC-USDT",
        tradeId: String(i),
        ordId: String(5000 + (i % 7)),
        clOrdId: "eng1r31462",
        billId: String(100_000 + i),
        side: i % 2 === 0 ? "buy" : "sell",
        fillPx: "100.5",
        fillSz: "0.001",
        execType: i % 3 === 0 ? "T" : "M",
        fee: i % 2 === 0 ? "-0.000001" : "-0.0001005",
        feeCcy: i % 2 === 0 ? "BTC" : "USDT",
        fillTime: String(ts),
        ts: String(ts),
      });
    }
    return times;
  }

  test("fills paged back by billId, then fills-history for older trades; exactly the trades asked for", async () => {
    const m = new MockOkx();
    mock = m;
    const times = seedFills(m);
    const a = make(m, {
      history: { tradeHistoryPageSize: 40, fillsHistoryRateLimit: { count: 2, windowMs: 300 } },
    });
    adapter = a;
    await a.connect();
    const all = await a.tradeHistory({ symbol: "BTC-USDT" });
    expect(
      all.map((t) => t.tradeId),
      `seed ${SEED}`,
    ).toEqual(Array.from({ length: 250 }, (_, i) => String(i + 1)));
    const endpoints = m.fillsRequests.map((r) => r.split("?")[0]);
    expect(endpoints).toEqual(["fills", "fills", "fills", "fills", "fills-history", "fills-history", "fills-history"]);
    expect(m.fillsRequests[4]).toContain("after=100101"); // fills-history goes on from the oldest billId fills gave
    expect(a.stats()["tradeHistoryWaits"] ?? 0, "fills-history's 2 per 300 ms made the adapter wait").toBeGreaterThan(
      0,
    );
    const t2 = all[1];
    expect(t2).toMatchObject({
      side: Side.Buy,
      fee: "0.000001",
      feeAsset: "BTC",
      isMaker: true,
      clientId: "eng1-r3-1",
    });
    expect(Number(t2?.priceTicks)).toBe(1005);
    expect(Number(t2?.lots)).toBe(100_000);
    expect(t2?.venueTimeMs).toBe(times[1] as number);
    expect(all[2]?.isMaker).toBe(false);

    m.fillsRequests.length = 0;
    const after = await a.tradeHistory({ symbol: "BTC-USDT", afterTradeId: "200" });
    expect(after.map((t) => Number(t.tradeId))).toEqual(Array.from({ length: 50 }, (_, i) => 201 + i));
    expect(m.fillsRequests.length, "stops at the page that reaches the bound").toBe(2);
    const since = await a.tradeHistory({ symbol: "BTC-USDT", sinceMs: times[49] as number });
    expect(since.length).toBe(201);
    expect(since[0]?.tradeId).toBe("50");
    const some = await a.tradeHistory({ symbol: "BTC-USDT", afterTradeId: "10", limit: 5 });
    expect(some.map((t) => t.tradeId)).toEqual(["11", "12", "13", "14", "15"]);
    expect(a.stats()["badTradeRows"] ?? 0).toBe(0);
  }, 30_000);

  test("bad rows are counted and skipped; a refusal is typed; an unknown symbol never reaches the venue", async () => {
    const m = new MockOkx();
    mock = m;
    const a = make(m, { history: { fillsRateLimit: { count: 60, windowMs: 100 } } }); // a 50011 waits 100 ms
    adapter = a;
    await a.connect();
    const good = {
      instType: "SPOT",
      instId: "BTC-USDT",
      tradeId: "7",
      ordId: "1",
      clOrdId: "",
      billId: "70",
      side: "buy",
      fillPx: "100.5",
      fillSz: "0.001",
      execType: "T",
      fee: "-0.000001",
      feeCcy: "BTC",
      fillTime: String(Date.now()),
      ts: String(Date.now()),
    };
    m.fillRows.push(
      good,
      { ...good, billId: "71", fillPx: "100.55" }, // off the tick grid
      { ...good, billId: "72", side: "short" },
      { ...good, billId: "73", fee: "a lot" },
      { ...good, billId: "74", fillTime: "yesterday" },
      { ...good, billId: "75", tradeId: "" },
    );
    const got = await a.tradeHistory({ symbol: "BTC-USDT" });
    expect(got.map((t) => t.tradeId)).toEqual(["7"]);
    expect(got[0]?.clientId).toBe("");
    expect(a.stats()["badTradeRows"]).toBe(5);
    expect(a.stats()["malformed:trade_history_row"]).toBe(5); // what hft_venue_messages_malformed_total adds
    m.fillsRefusals = 10; // more 50011s than the adapter retries
    const err = await a.tradeHistory({ symbol: "BTC-USDT" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err instanceof VenueRejectError && err.reason === "rate_limited", String(err)).toBe(true);
    const before = m.fillsRequests.length;
    const bad = await a.tradeHistory({ symbol: "DOGE-USDT" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(bad instanceof VenueRejectError && bad.reason === "bad_symbol").toBe(true);
    expect(m.fillsRequests.length).toBe(before);
  }, 30_000);
});
