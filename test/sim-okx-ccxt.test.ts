/**
 * The OKX simulator against ccxt (pinned in package.json), the client that found the gap of issue #17:
 * with keys it loads currencies, and it sends every order through OKX's batch operations, over REST and
 * over the private socket. A normal session — markets and currencies, balance, book, create / edit /
 * cancel orders, open / closed orders, trades — must work unmodified, pointed at the simulator only
 * through the client's URL settings.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import ccxt from "ccxt";
import { type RunningOkxSim, startOkxSim } from "../src/sim/okx/index.ts";

const SEED = "okx-ccxt";
let sim: RunningOkxSim;

beforeAll(async () => {
  sim = await startOkxSim({ seed: SEED, speed: 4 });
});
afterAll(async () => {
  await sim.close();
});

/** A ccxt client on the simulator: REST through urls.api.rest, the sockets through urls.api.ws. */
function client(): InstanceType<typeof ccxt.pro.okx> {
  const ex = new ccxt.pro.okx({ apiKey: sim.apiKey, secret: sim.apiSecret, password: sim.passphrase });
  ex.urls["api"] = { rest: sim.restUrl, ws: sim.wsPublicUrl.replace(/\/public$/, "") };
  return ex;
}

/** A buy price 10 % under the best bid, on BTC-USDT's 0.1 grid. */
async function restingPx(ex: InstanceType<typeof ccxt.pro.okx>, offset = 0): Promise<number> {
  const ob = await ex.fetchOrderBook("BTC/USDT", 5);
  return Math.floor(Number(ob.bids[0]?.[0]) * 0.9) - offset;
}

test("REST session: markets and currencies with keys, orders through batch ops, edits, history, trades", async () => {
  const ex = client();
  try {
    const markets = await ex.loadMarkets();
    expect(markets["BTC/USDT"], `seed ${SEED}`).toMatchObject({ id: "BTC-USDT", spot: true });
    expect(ex.currencies["USDT"]?.networks).toBeDefined();
    const balance = await ex.fetchBalance();
    expect(balance["USDT"]?.free).toBe(100000);
    const px = await restingPx(ex);
    const order = await ex.createOrder("BTC/USDT", "limit", "buy", 0.001, px);
    expect(order.id).toMatch(/^\d+$/);
    const id = String(order.id);
    const edited = await ex.editOrder(id, "BTC/USDT", "limit", "buy", 0.002, px - 1);
    expect(edited.id).toBe(order.id);
    const open = await ex.fetchOpenOrders("BTC/USDT");
    expect(open.map((o) => [o.id, o.amount, o.price])).toContainEqual([order.id, 0.002, px - 1]);
    await ex.cancelOrder(id, "BTC/USDT");
    const market = await ex.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, { tgtCcy: "base_ccy" });
    expect((await ex.fetchOrder(String(market.id), "BTC/USDT")).status).toBe("closed");
    const closed = await ex.fetchClosedOrders("BTC/USDT");
    expect(closed.map((o) => o.id)).toContain(market.id);
    const canceled = await ex.fetchCanceledOrders("BTC/USDT");
    expect(canceled.map((o) => o.id)).toContain(order.id);
    const trades = await ex.fetchMyTrades("BTC/USDT");
    expect(trades.some((t) => t.order === market.id && t.amount !== undefined && t.amount > 0)).toBe(true);
    const many = await ex.createOrders([
      { symbol: "BTC/USDT", type: "limit", side: "buy", amount: 0.001, price: px },
      { symbol: "BTC/USDT", type: "limit", side: "buy", amount: 0.001, price: px - 2 },
    ]);
    expect(many.every((o) => typeof o.id === "string" && o.id !== "")).toBe(true);
    await ex.cancelOrders(
      many.map((o) => o.id as string),
      "BTC/USDT",
    );
    expect((await ex.fetchOpenOrders("BTC/USDT")).length).toBe(0);
  } finally {
    await ex.close();
  }
}, 30_000);

// cancelOrdersWs is left out: ccxt 4.5.84 sends batch-cancel-orders but has no handler for its reply
// (its handleMessage table lacks the op), so the call never settles even though the orders are canceled.
test("private socket: createOrderWs (batch-orders by instIdCode), editOrderWs (amend-order), cancelOrderWs", async () => {
  const ex = client();
  try {
    await ex.loadMarkets();
    await ex.loadHttpProxyAgent(); // ccxt's own step before it opens a plain ws:// (not TLS) socket
    const px = await restingPx(ex);
    const order = await ex.createOrderWs("BTC/USDT", "limit", "buy", 0.001, px);
    expect(order.id, `seed ${SEED}`).toMatch(/^\d+$/);
    const id = String(order.id);
    await ex.editOrderWs(id, "BTC/USDT", "limit", "buy", 0.003, px);
    const open = await ex.fetchOpenOrders("BTC/USDT");
    expect(open.find((o) => o.id === id)?.amount).toBe(0.003);
    await ex.cancelOrderWs(id, "BTC/USDT");
    expect((await ex.fetchOpenOrders("BTC/USDT")).length).toBe(0);
  } finally {
    await ex.close();
  }
}, 30_000);
