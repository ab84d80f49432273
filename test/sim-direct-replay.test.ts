/**
 * The in-process path's behaviour, pinned: a seeded engine + simulator run on a VirtualClock through
 * sim-direct must give the same fills, the same order ids (client and venue), the same sequence of
 * book events and the same simulator event log as the code these digests were recorded on. Work that
 * makes the in-process path cheaper (issue #16) must not change what it does; a change that means to
 * alter behaviour re-records the digests and says why in its commit.
 *
 * Two runs: without latency (the hot path, answers in a microtask, lanes on zero-delay timers) and
 * with order-entry and market-data delays plus jitter (the delayed lanes, the promise paths).
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { Rng, VirtualClock } from "../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { drive, flush, STEP_MS } from "./support/virtual-time.ts";

const CONFIG = `
engine: { client_id_prefix: rep1, shutdown_timeout_ms: 5000 }
venues:
  - { name: sim, type: sim, symbols: [BTC-USDT, ETH-USDT] }
simulator: { fees: { maker: 0, taker: 0.001 } }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.00004, max_position: 0.05, min_profit: 0.000005, order_size: 0.005, levels: 1, inventory_skew: 0.00001, refresh_tolerance: 0 }
risk: { max_position_base: 0.1, max_orders_per_second: 1000, max_cancels_per_second: 1000, max_open_orders: 50 }
http: { enabled: false }
`;

/** What a run did, as digests of its streams (and their lengths, to make a mismatch readable). */
interface RunDigest {
  readonly fills: number;
  readonly orders: number;
  readonly orderEvents: number;
  readonly bookEvents: number;
  readonly fillsHash: string;
  readonly ordersHash: string;
  readonly orderEventsHash: string;
  readonly bookEventsHash: string;
  readonly coreEvents: number;
  readonly coreLog: string;
}

interface Latency {
  readonly marketDataMs: number;
  readonly orderEntryMs: number;
  readonly jitterMs: number;
}

const digest = (lines: string[]): string => createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);

async function replay(seed: string, minutes: number, latency: Latency): Promise<RunDigest> {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const rng = new Rng(seed);
  const { config } = parseConfig(CONFIG, "sim-direct-replay.test.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const core = new SimCore({
    clock,
    seed,
    symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT" || s.symbol === "ETHUSDT"),
    speed: 4,
  });
  const adapter = new SimDirectAdapter({
    name: "sim",
    core,
    clock,
    accountId: "engine",
    balances: { USDT: "1000000", BTC: "10", ETH: "100" },
    fees: { maker: "0", taker: "0.001" },
    clientIdPrefix: config.engine.client_id_prefix,
    ...latency,
    rng: rng.fork("latency"),
  });
  const fills: string[] = [];
  const orders: string[] = [];
  const orderEvents: string[] = [];
  const bookEvents: string[] = [];
  adapter.onEvent((ev) => {
    if (ev.type === "order") {
      const u = ev.update;
      orderEvents.push(
        `${clock.nowMs()} ${u.symbol} ${u.clientId} ${u.venueOrderId} ${u.exec} ${u.status} ${u.cumLots} ${u.lastLots}@${u.lastPriceTicks} ${u.fee}${u.feeAsset} ${u.tradeId}`,
      );
    } else if (ev.type === "book") {
      bookEvents.push(
        `${clock.nowMs()} ${ev.symbol} ${ev.seq} ${ev.snapshot} ${ev.book.bestBidTicks()}x${ev.book.bestBidLots()} ${ev.book.bestAskTicks()}x${ev.book.bestAskLots()}`,
      );
    } else if (ev.type === "balances") {
      bookEvents.push(
        `${clock.nowMs()} balances ${ev.balances.map((b) => `${b.asset}:${b.free}/${b.locked}`).join(",")}`,
      );
    }
  });
  core.start();
  const engine = new Engine({
    config,
    clock,
    rng,
    adapters: [adapter],
    orders: { submitTimeoutMs: 2000, cancelTimeoutMs: 2000, statusRetryMs: 200 },
    onFill: (f) =>
      fills.push(`${clock.nowMs()} ${f.symbol} ${f.side} ${f.lots}@${f.priceTicks} ${f.fee}${f.feeAsset} ${f.tradeId}`),
    onOrderSent: (venue, r) =>
      orders.push(`${clock.nowMs()} ${venue} ${r.symbol} ${r.clientId} ${r.side} ${r.type} ${r.lots}@${r.priceTicks}`),
  });
  await drive(clock, engine.start());
  const end = clock.nowMs() + minutes * 60_000;
  while (clock.nowMs() < end) {
    clock.advance(STEP_MS);
    await flush();
  }
  await drive(clock, engine.stop("end of replay"));
  core.stop();
  await adapter.close();
  return {
    fills: fills.length,
    orders: orders.length,
    orderEvents: orderEvents.length,
    bookEvents: bookEvents.length,
    fillsHash: digest(fills),
    ordersHash: digest(orders),
    orderEventsHash: digest(orderEvents),
    bookEventsHash: digest(bookEvents),
    coreEvents: core.eventCount(),
    coreLog: core.eventLogHash(),
  };
}

describe("sim-direct replays a seed exactly as recorded", () => {
  test("without latency (the in-process hot path)", async () => {
    const seed = "replay-hot";
    const got = await replay(seed, 1, { marketDataMs: 0, orderEntryMs: 0, jitterMs: 0 });
    expect({ seed, ...got }).toEqual({ seed, ...RECORDED_HOT });
  }, 120_000);

  test("with order-entry and market-data delays and jitter", async () => {
    const seed = "replay-delayed";
    const got = await replay(seed, 1, { marketDataMs: 1, orderEntryMs: 2, jitterMs: 2 });
    expect({ seed, ...got }).toEqual({ seed, ...RECORDED_DELAYED });
  }, 120_000);
});

// Recorded on main at 0bff37a (before issue #16's in-process cuts).
const RECORDED_HOT: RunDigest = {
  fills: 529,
  orders: 38385,
  orderEvents: 76089,
  bookEvents: 488047,
  fillsHash: "cf1d4fc671988188",
  ordersHash: "06ae17bca30fe4f7",
  orderEventsHash: "6c9cc68b1f92ba97",
  bookEventsHash: "3e0b7461afcd7d55",
  coreEvents: 3209096,
  coreLog: "4f3a5618f49b5172",
};
const RECORDED_DELAYED: RunDigest = {
  fills: 503,
  orders: 31451,
  orderEvents: 62534,
  bookEvents: 467726,
  fillsHash: "dbb49069967c95e6",
  ordersHash: "5d21045645142747",
  orderEventsHash: "8b9c21001cdd3c71",
  bookEventsHash: "10854f472898892c",
  coreEvents: 2988969,
  coreLog: "b264ef9039e02c75",
};
