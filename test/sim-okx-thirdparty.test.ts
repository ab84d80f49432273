/**
 * The OKX simulator against an unmodified third-party OKX v5 client (okx-api, pinned in package.json),
 * pointed at the simulator only through the client's documented `baseUrl` / `wsUrl` options: if the
 * simulator speaks OKX faithfully, a real client cannot tell the difference.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { RestClient, WebsocketAPIClient, WebsocketClient } from "okx-api";
import { type RunningOkxSim, startOkxSim } from "../src/sim/okx/index.ts";

const SEED = "okx-thirdparty";
let sim: RunningOkxSim;
let rest: RestClient;
const sockets: WebsocketClient[] = [];

beforeAll(async () => {
  sim = await startOkxSim({ seed: SEED, speed: 4 });
  rest = new RestClient({
    apiKey: sim.apiKey,
    apiSecret: sim.apiSecret,
    apiPass: sim.passphrase,
    baseUrl: sim.restUrl,
  });
});
afterAll(async () => {
  for (const ws of sockets) ws.closeAll(true);
  await sim.close();
});

/** The library's logger, minus the chatter (errors still print). */
const quiet = { trace: () => {}, info: () => {}, error: (...p: unknown[]) => console.error(...p) };

/** A WebSocket client of the library bound to one simulator socket URL (public or private). */
function wsClient(url: string, withKeys: boolean): WebsocketClient {
  const c = new WebsocketClient(
    {
      wsUrl: url,
      ...(withKeys ? { accounts: [{ apiKey: sim.apiKey, apiSecret: sim.apiSecret, apiPass: sim.passphrase }] } : {}),
    },
    quiet,
  );
  sockets.push(c);
  return c;
}

/** Waits until cond holds (polling), failing with what was awaited. */
async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what} (seed ${SEED})`);
    await Bun.sleep(20);
  }
}

test("REST: instruments, order book, balance", async () => {
  const instruments = await rest.getInstruments({ instType: "SPOT" });
  const btc = instruments.find((i) => i.instId === "BTC-USDT");
  expect(btc, `seed ${SEED}`).toMatchObject({ instType: "SPOT", baseCcy: "BTC", quoteCcy: "USDT", state: "live" });
  const [book] = await rest.getOrderBook({ instId: "BTC-USDT", sz: "5" });
  expect(book?.bids.length).toBeGreaterThan(0);
  expect(book?.asks.length).toBeGreaterThan(0);
  expect(Number(book?.bids[0]?.[0])).toBeLessThan(Number(book?.asks[0]?.[0]));
  const bal = await rest.getBalance();
  expect(bal[0]?.details.some((d) => d.ccy === "USDT")).toBe(true);
});

test("REST: place, query and cancel an order; errors are thrown in OKX's shape", async () => {
  const [book] = await rest.getOrderBook({ instId: "BTC-USDT", sz: "1" });
  const bid = Number(book?.bids[0]?.[0]);
  const px = (Math.floor(bid * 0.9 * 10) / 10).toFixed(1);
  const [placed] = await rest.submitOrder({
    instId: "BTC-USDT",
    tdMode: "cash",
    side: "buy",
    ordType: "limit",
    px,
    sz: "0.001",
    clOrdId: "tp1",
  });
  expect(placed?.sCode, `seed ${SEED}`).toBe("0");
  const ordId = placed?.ordId as string;
  const [detail] = await rest.getOrderDetails({ instId: "BTC-USDT", ordId });
  expect(detail).toMatchObject({ ordId, clOrdId: "tp1", state: "live", side: "buy", ordType: "limit" });
  expect(Number(detail?.px)).toBe(Number(px));
  const open = await rest.getOrderList({ instType: "SPOT" });
  expect(open.some((o) => o.ordId === ordId)).toBe(true);
  const [canceled] = await rest.cancelOrder({ instId: "BTC-USDT", ordId });
  expect(canceled?.sCode).toBe("0");
  const [after] = await rest.getOrderDetails({ instId: "BTC-USDT", clOrdId: "tp1" });
  expect(after?.state).toBe("canceled");
  const err: unknown = await rest
    .submitOrder({ instId: "BTC-USDT", tdMode: "cash", side: "buy", ordType: "limit", px, sz: "50" })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(JSON.stringify(err)).toContain("51008");
});

test("WebSocket: public books stream and a private orders-channel update for our order", async () => {
  const pub = wsClient(sim.wsPublicUrl, false);
  const priv = wsClient(sim.wsPrivateUrl, true);
  const books: { action?: string }[] = [];
  const orders: Record<string, string>[] = [];
  pub.on("update", (e: { arg?: { channel?: string }; action?: string }) => {
    if (e.arg?.channel === "books") books.push(e);
  });
  priv.on("update", (e: { arg?: { channel?: string }; data?: Record<string, string>[] }) => {
    if (e.arg?.channel === "orders") orders.push(...(e.data ?? []));
  });
  let subscribed = false;
  priv.on("response", (e: { event?: string; arg?: { channel?: string } }) => {
    if (e.event === "subscribe" && e.arg?.channel === "orders") subscribed = true;
  });
  pub.subscribe({ channel: "books", instId: "BTC-USDT" });
  priv.subscribe({ channel: "orders", instType: "SPOT" });
  await until(() => books.some((b) => b.action === "snapshot") && books.length > 2, "books snapshot and updates");
  await until(() => subscribed, "orders subscription (after the client's login)");

  const [book] = await rest.getOrderBook({ instId: "BTC-USDT", sz: "1" });
  const px = (Math.floor(Number(book?.bids[0]?.[0]) * 0.9 * 10) / 10).toFixed(1);
  const [placed] = await rest.submitOrder({
    instId: "BTC-USDT",
    tdMode: "cash",
    side: "buy",
    ordType: "limit",
    px,
    sz: "0.001",
    clOrdId: "tpws1",
  });
  await until(() => orders.some((o) => o["clOrdId"] === "tpws1" && o["state"] === "live"), "live push");
  await rest.cancelOrder({ instId: "BTC-USDT", ordId: placed?.ordId as string });
  await until(() => orders.some((o) => o["clOrdId"] === "tpws1" && o["state"] === "canceled"), "canceled push");
  expect(orders.find((o) => o["clOrdId"] === "tpws1")?.["ordId"], `seed ${SEED}`).toBe(placed?.ordId as string);
}, 30_000);

test("WebSocket API (private socket): place and cancel through the client's promise wrapper", async () => {
  const api = new WebsocketAPIClient(
    {
      wsUrl: sim.wsPrivateUrl,
      attachEventListeners: false,
      accounts: [{ apiKey: sim.apiKey, apiSecret: sim.apiSecret, apiPass: sim.passphrase }],
    },
    quiet,
  );
  try {
    const [book] = await rest.getOrderBook({ instId: "BTC-USDT", sz: "1" });
    const px = (Math.floor(Number(book?.bids[0]?.[0]) * 0.9 * 10) / 10).toFixed(1);
    const placed = await api.submitNewOrder({
      instId: "BTC-USDT",
      tdMode: "cash",
      side: "buy",
      ordType: "limit",
      px,
      sz: "0.001",
      clOrdId: "tpapi1",
    });
    expect(placed.code, `seed ${SEED}`).toBe("0");
    const ordId = placed.data[0]?.ordId as string;
    const [detail] = await rest.getOrderDetails({ instId: "BTC-USDT", ordId });
    expect(detail?.state).toBe("live");
    const canceled = await api.cancelOrder({ instId: "BTC-USDT", ordId });
    expect(canceled.data[0]?.sCode).toBe("0");
    const [after] = await rest.getOrderDetails({ instId: "BTC-USDT", ordId });
    expect(after?.state).toBe("canceled");
  } finally {
    api.getWSClient().closeAll(true);
  }
}, 30_000);

test("REST: getFills and getFillsHistory read our fills, newest first, paged by billId", async () => {
  const [placed] = await rest.submitOrder({
    instId: "BTC-USDT",
    tdMode: "cash",
    side: "buy",
    ordType: "market",
    tgtCcy: "base_ccy",
    sz: "0.002",
    clOrdId: "tpfill1",
  });
  expect(placed?.sCode, `seed ${SEED}`).toBe("0");
  const ordId = placed?.ordId as string;
  const fills = await rest.getFills({ instType: "SPOT", instId: "BTC-USDT", ordId });
  expect(fills.length).toBeGreaterThan(0);
  const f = fills[0];
  expect(f).toMatchObject({ instId: "BTC-USDT", ordId, clOrdId: "tpfill1", side: "buy", execType: "T", feeCcy: "BTC" });
  expect(Number(f?.fee)).toBeLessThan(0); // OKX: a charged fee is negative
  expect(fills.reduce((t, x) => t + Number(x.fillSz), 0)).toBeCloseTo(0.002, 12);
  const history = await rest.getFillsHistory({ instType: "SPOT", instId: "BTC-USDT", ordId });
  expect(history.map((x) => x.tradeId)).toEqual(fills.map((x) => x.tradeId));
  if (fills.length > 1) {
    const older = await rest.getFills({ instType: "SPOT", ordId, after: fills[0]?.billId as string });
    expect(older.map((x) => x.tradeId)).toEqual(fills.slice(1).map((x) => x.tradeId));
  }
  const err: unknown = await rest.getFills({ instType: "SPOT", limit: "500" }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(JSON.stringify(err)).toContain("51000");
});

/** A price 10 % under the best bid on the simulator's 0.1 grid, so a buy rests. */
async function restingBuyPx(offsetTicks = 0): Promise<string> {
  const [book] = await rest.getOrderBook({ instId: "BTC-USDT", sz: "1" });
  return ((Math.floor(Number(book?.bids[0]?.[0]) * 0.9 * 10) - offsetTicks) / 10).toFixed(1);
}

test("REST: batch placement, amend, batch amend, batch cancel, order history, currencies, account config", async () => {
  const px = await restingBuyPx();
  const order = (clOrdId: string, sz: string) =>
    ({ instId: "BTC-USDT", tdMode: "cash", side: "buy", ordType: "limit", px, sz, clOrdId }) as const;
  const placed = await rest.submitMultipleOrders([
    order("tpb1", "0.001"),
    order("tpb2", "0.001"),
    order("tpb3", "0.002"),
  ]);
  expect(
    placed.map((p) => p.sCode),
    `seed ${SEED}`,
  ).toEqual(["0", "0", "0"]);
  const [amended] = await rest.amendOrder({ instId: "BTC-USDT", clOrdId: "tpb1", newSz: "0.003", reqId: "tpr1" });
  expect(amended).toMatchObject({ clOrdId: "tpb1", reqId: "tpr1", sCode: "0" });
  const lower = await restingBuyPx(5);
  const many = await rest.amendMultipleOrders([
    { instId: "BTC-USDT", clOrdId: "tpb2", newPx: lower },
    { instId: "BTC-USDT", clOrdId: "tpb3", newSz: "0.001" },
  ]);
  expect(many.map((a) => a.sCode)).toEqual(["0", "0"]);
  const [d2] = await rest.getOrderDetails({ instId: "BTC-USDT", clOrdId: "tpb2" });
  expect(Number(d2?.px)).toBe(Number(lower));
  const canceled = await rest.cancelMultipleOrders(
    ["tpb1", "tpb2", "tpb3"].map((clOrdId) => ({ instId: "BTC-USDT", clOrdId })),
  );
  expect(canceled.map((c) => c.sCode)).toEqual(["0", "0", "0"]);
  const history = await rest.getOrderHistory({ instType: "SPOT", instId: "BTC-USDT", state: "canceled" });
  expect(history.slice(0, 3).map((h) => h.clOrdId)).toEqual(["tpb3", "tpb2", "tpb1"]);
  const archive = await rest.getOrderHistoryArchive({ instType: "SPOT", instId: "BTC-USDT" });
  expect(archive.some((h) => h.clOrdId === "tpb1" && h.sz === "0.003")).toBe(true);
  const currencies = await rest.getCurrencies({ ccy: "BTC,USDT" });
  expect(currencies.some((c) => c.ccy === "BTC" && c.chain === "BTC-Bitcoin" && c.canWd)).toBe(true);
  const [config] = await rest.getAccountConfiguration();
  expect(config?.acctLv).toBe("1");
  // a partial failure is code 2 with each item's sCode; this client rejects on any non-zero code
  const mixed: unknown = await rest.submitMultipleOrders([order("tpb4", "0.001"), order("tpb5", "5")]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(mixed).toMatchObject({
    code: "2",
    data: [
      { clOrdId: "tpb4", sCode: "0" },
      { clOrdId: "tpb5", sCode: "51008" },
    ],
  });
  await rest.cancelOrder({ instId: "BTC-USDT", clOrdId: "tpb4" });
});

test("WebSocket API: batch placement, amend, batch amend and batch cancel through the client", async () => {
  const api = new WebsocketAPIClient(
    {
      wsUrl: sim.wsPrivateUrl,
      attachEventListeners: false,
      accounts: [{ apiKey: sim.apiKey, apiSecret: sim.apiSecret, apiPass: sim.passphrase }],
    },
    quiet,
  );
  try {
    const px = await restingBuyPx();
    const order = (clOrdId: string) =>
      ({ instId: "BTC-USDT", tdMode: "cash", side: "buy", ordType: "limit", px, sz: "0.001", clOrdId }) as const;
    const placed = await api.submitMultipleOrders([order("tpw1"), order("tpw2")]);
    expect(placed.code, `seed ${SEED}`).toBe("0");
    expect(placed.data.map((p) => p.sCode)).toEqual(["0", "0"]);
    const amended = await api.amendOrder({ instId: "BTC-USDT", clOrdId: "tpw1", newSz: "0.002" });
    expect(amended.data[0]?.sCode).toBe("0");
    const many = await api.amendMultipleOrders([
      { instId: "BTC-USDT", clOrdId: "tpw1", newSz: "0.003" },
      { instId: "BTC-USDT", clOrdId: "tpw2", newSz: "0.004" },
    ]);
    expect(many.data.map((a) => a.sCode)).toEqual(["0", "0"]);
    const [d] = await rest.getOrderDetails({ instId: "BTC-USDT", clOrdId: "tpw2" });
    expect(d?.sz).toBe("0.004");
    const canceled = await api.cancelMultipleOrders([
      { instId: "BTC-USDT", clOrdId: "tpw1" },
      { instId: "BTC-USDT", clOrdId: "tpw2" },
    ]);
    expect(canceled.data.map((c) => c.sCode)).toEqual(["0", "0"]);
    expect((await rest.getOrderList({ instType: "SPOT" })).some((o) => o.clOrdId?.startsWith("tpw"))).toBe(false);
  } finally {
    api.getWSClient().closeAll(true);
  }
}, 30_000);

test("REST: getFeeRates reports the fees the simulator charges, in OKX's sign convention", async () => {
  const own = await startOkxSim({ seed: `${SEED}-fees`, fees: { maker: "0.0006", taker: "0.0009" } });
  try {
    const client = new RestClient({
      apiKey: own.apiKey,
      apiSecret: own.apiSecret,
      apiPass: own.passphrase,
      baseUrl: own.restUrl,
    });
    const [rates] = await client.getFeeRates({ instType: "SPOT", instId: "BTC-USDT" });
    // OKX: a charge is negative, a rebate positive
    expect(rates, `seed ${SEED}-fees`).toMatchObject({ instType: "SPOT", maker: "-0.0006", taker: "-0.0009" });
    const err = await client.getFeeRates({ instType: "SPOT", instId: "NOPE-USDT" }).catch((e: unknown) => e);
    expect(JSON.stringify(err)).toContain("51001");
  } finally {
    await own.close();
  }
});
