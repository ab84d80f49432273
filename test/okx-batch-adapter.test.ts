/**
 * The OKX adapter's batchOrderEntry against the OKX simulator: the placements one turn asks for go out
 * as OKX batch ops (≤ 20 per request), each caller gets its own answer (a refused item refuses only its
 * own submit), cancelAll cancels in batches, and without the option nothing is batched.
 */
import { afterEach, expect, test } from "bun:test";
import { SystemClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { type RunningOkxSim, startOkxSim } from "../src/sim/okx/index.ts";
import { type Lots, type OrderRequest, Side, type Ticks } from "../src/types/index.ts";
import type { VenueAdapter } from "../src/venues/contract.ts";
import { createOkxAdapter } from "../src/venues/okx/index.ts";

const SEED = "okx-batch-adapter";
let sim: RunningOkxSim | undefined;
let adapter: VenueAdapter | undefined;

afterEach(async () => {
  await adapter?.close();
  await sim?.close();
  adapter = undefined;
  sim = undefined;
});

/** A quiet simulator (no agents: orders rest where they are put) and a connected adapter on it. */
async function setUp(
  orderEntry: "ws" | "rest",
  batchOrderEntry: boolean,
): Promise<{ s: RunningOkxSim; a: VenueAdapter }> {
  const s = await startOkxSim({ seed: SEED, agents: false });
  sim = s;
  const a = createOkxAdapter({
    name: "okx_batch",
    restUrl: s.restUrl,
    wsPublicUrl: s.wsPublicUrl,
    wsPrivateUrl: s.wsPrivateUrl,
    apiKey: s.apiKey,
    secret: s.apiSecret,
    passphrase: s.passphrase,
    clientIdPrefix: "bt1",
    clock: new SystemClock(),
    rng: new Rng(SEED),
    orderEntry,
    batchOrderEntry,
  });
  adapter = a;
  await a.connect();
  return { s, a };
}

/** A resting limit buy on BTC-USDT (tick 0.1, lot 1e-8): price 20000.0 - i ticks, 0.001 BTC unless given. */
function buy(i: number, lots = 100_000): OrderRequest {
  return {
    clientId: `bt1-r1-${i + 1}`,
    symbol: "BTC-USDT",
    side: Side.Buy,
    type: "limit",
    tif: "GTC",
    priceTicks: (200_000 - i) as Ticks,
    lots: lots as Lots,
  };
}

for (const orderEntry of ["ws", "rest"] as const) {
  test(`${orderEntry}: one turn's submits go out as one batch; a refused item refuses only its own submit`, async () => {
    const { s, a } = await setUp(orderEntry, true);
    const orders = [buy(0), buy(1), buy(2, 1_000_000_000), buy(3)]; // the third wants 10 BTC ≈ 200000 USDT
    const results = await Promise.allSettled(orders.map((o) => a.submitOrder(o)));
    expect(
      results.map((r) => r.status),
      `seed ${SEED}`,
    ).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    const refused = results[2] as PromiseRejectedResult;
    expect((refused.reason as { reason?: string }).reason).toBe("insufficient_balance");
    expect(s.exchange.openOrders("okx-sim-test").length).toBe(3);
    expect(a.stats?.()).toMatchObject({ batchRequests: 1, batchedRequests: 1, batchedOrders: 4 });
  });
}

test("more than 20 in a turn are split into batches of 20; cancelAll cancels in batches", async () => {
  const { s, a } = await setUp("ws", true);
  const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => a.submitOrder(buy(i))));
  expect(new Set(ids).size, `seed ${SEED}`).toBe(25);
  expect(a.stats?.()).toMatchObject({ batchRequests: 2, batchedRequests: 2, batchedOrders: 25 });
  expect(await a.cancelAll("BTC-USDT")).toBe(25);
  expect(s.exchange.openOrders("okx-sim-test").length).toBe(0);
  expect(a.stats?.()).toMatchObject({ batchRequests: 4, batchedRequests: 4, batchedOrders: 50 });
});

test("without batchOrderEntry every order goes alone", async () => {
  const { s, a } = await setUp("ws", false);
  await Promise.all([0, 1, 2].map((i) => a.submitOrder(buy(i))));
  expect(s.exchange.openOrders("okx-sim-test").length, `seed ${SEED}`).toBe(3);
  expect(a.stats?.()["batchRequests"]).toBeUndefined();
});
