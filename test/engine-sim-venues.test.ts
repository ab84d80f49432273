/**
 * The engine's simulator child and the adapters built for it: a Binance-protocol sim venue gets an
 * Ed25519 key for the engine's account, so the WS API logs on once (session.logon) and order
 * requests carry no per-request signature; orders still place and cancel.
 */
import { expect, test } from "bun:test";
import { createConfiguredVenues, parseConfig } from "../src/engine/index.ts";
import { SystemClock } from "../src/services/clock.ts";
import { silentLogger } from "../src/services/log.ts";
import { Rng } from "../src/services/rng.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { type Lots, Side, type Ticks } from "../src/types/index.ts";

const CONFIG = `
engine: { client_id_prefix: sv1 }
venues:
  - { name: sim, type: sim, symbols: [BTC-USDT] }
strategy: { type: market_making }
http: { enabled: false }
`;

test("a sim venue's adapter logs on with Ed25519 and trades without per-request signatures", async () => {
  const { config } = parseConfig(CONFIG, "sim-venues.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const venues = await createConfiguredVenues(config, {
    clock: new SystemClock(),
    rng: new Rng("sv"),
    log: silentLogger,
  });
  const a = venues.adapters[0];
  try {
    if (a === undefined) throw new Error("no adapter");
    await a.connect();
    expect(a.stats?.()["wsapi_logons"]).toBe(1);
    await a.subscribeQuotes(["BTC-USDT"]);
    const book = a.book("BTC-USDT");
    const bid = book?.bestBidTicks() ?? 0;
    expect(bid).toBeGreaterThan(0);
    const clientId = "sv1-test-1";
    const id = await a.submitOrder({
      clientId,
      symbol: "BTC-USDT",
      side: Side.Buy,
      type: "limit_maker",
      tif: "GTC",
      priceTicks: (bid - 500) as Ticks,
      lots: 100 as Lots,
    });
    expect(id.length).toBeGreaterThan(0);
    expect((await a.openOrders("BTC-USDT")).map((o) => o.clientId)).toEqual([clientId]);
    await a.cancelOrder("BTC-USDT", clientId);
    expect(await a.openOrders("BTC-USDT")).toEqual([]);
    expect(a.stats?.()["wsapi_logons"]).toBe(1);
  } finally {
    await a?.close();
    await venues.close();
  }
}, 60_000);
