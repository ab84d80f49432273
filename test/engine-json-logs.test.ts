/**
 * `--log json` lines a machine can read: the whole engine on the in-process simulator venue and a
 * virtual clock, logging JSON at debug level. A fill, an order, a rejection and a reconnect each
 * carry their values (venue, symbol, side, price, quantity, reason, ids) as typed JSON fields, not only
 * inside `msg`; the same lines in text format still read as sentences.
 */
import { describe, expect, test } from "bun:test";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { createLogger, type LogFormat, Rng, VirtualClock } from "../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { drive, run } from "./support/virtual-time.ts";

const CONFIG = `
engine:
  client_id_prefix: jl1
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT]
simulator:
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.00004, min_profit: 0.00001, max_position: 0.02, order_size: 0.005 }
risk:
  max_position_base: 0.05
http:
  enabled: false
`;

async function runEngine(seed: string, format: LogFormat, balances: Record<string, string>) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const core = new SimCore({ clock, seed, symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT") });
  const { config } = parseConfig(CONFIG, "json-logs.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const adapter = new SimDirectAdapter({
    name: "sim",
    core,
    clock,
    accountId: "engine",
    balances,
    fees: { maker: "0", taker: "0.001" },
    clientIdPrefix: "jl1",
    orderEntryMs: 1,
    marketDataMs: 1,
  });
  core.start();
  const lines: string[] = [];
  const log = createLogger({ clock, format, level: "debug", write: (line) => lines.push(line) });
  const engine = new Engine({ config, clock, rng: new Rng(seed), adapters: [adapter], log });
  await drive(clock, engine.start());
  for (let i = 0; i < 60 && engine.counters.fills === 0; i++) await run(clock, 1000);
  // a market stream lost and regained: the second connection is a reconnect
  engine.onVenueEvent({
    type: "connection",
    venue: "sim",
    stream: "market",
    state: "disconnected",
    reason: "test cut",
  });
  engine.onVenueEvent({ type: "connection", venue: "sim", stream: "market", state: "connected", reason: "test back" });
  await drive(clock, engine.stop());
  return lines;
}

type Line = Record<string, unknown>;
const first = (lines: Line[], event: string) => lines.find((l) => l.event === event);

describe("JSON log lines carry their fields", () => {
  test("fill, order, rejection and reconnect: venue, symbol, side, price, quantity, reason and ids as fields", async () => {
    const seed = "json-logs";
    // enough to sell, too little quote to buy: every bid is rejected, asks rest and fill
    const parsed = (await runEngine(seed, "json", { USDT: "10", BTC: "1" })).map((l) => JSON.parse(l) as Line);
    const fill = first(parsed, "fill");
    // the sentence is still there for people; the values are fields for machines
    expect(String(fill?.msg)).toBe(`fill sim BTC-USDT ${fill?.side} ${fill?.quantity} @ ${fill?.price}`);
    expect({ seed, fill }).toMatchObject({
      seed,
      fill: {
        level: "info",
        venue: "sim",
        symbol: "BTC-USDT",
        side: expect.stringMatching(/^(buy|sell)$/),
        price: expect.stringMatching(/^\d+\.\d+$/),
        quantity: expect.stringMatching(/^\d+\.\d+$/),
        maker: expect.any(Boolean),
        fee: expect.any(String),
        feeAsset: expect.any(String),
        clientId: expect.stringMatching(/^jl1/),
        venueOrderId: expect.any(String),
        tradeId: expect.any(Number),
      },
    });
    expect({ seed, order: first(parsed, "order") }).toMatchObject({
      seed,
      order: {
        level: "debug",
        venue: "sim",
        symbol: "BTC-USDT",
        side: expect.stringMatching(/^(buy|sell)$/),
        price: expect.stringMatching(/^\d+\.\d+$/),
        quantity: expect.stringMatching(/^\d+\.\d+$/),
        type: "limit_maker",
        clientId: expect.stringMatching(/^jl1/),
      },
    });
    expect({ seed, rejected: first(parsed, "order_rejected") }).toMatchObject({
      seed,
      rejected: {
        venue: "sim",
        symbol: "BTC-USDT",
        side: "buy",
        reason: "insufficient_balance",
        price: expect.stringMatching(/^\d+\.\d+$/),
        quantity: "0.00500",
        clientId: expect.stringMatching(/^jl1/),
      },
    });
    expect({ seed, reconnect: first(parsed, "reconnect") }).toMatchObject({
      seed,
      reconnect: { level: "info", venue: "sim", stream: "market", state: "connected", reason: "test back" },
    });
  }, 120_000);

  test("the same lines in text format read as sentences, without repeating the values", async () => {
    const lines = await runEngine("json-logs", "text", { USDT: "10", BTC: "1" });
    const fill = lines.find((l) => / fill sim BTC-USDT (buy|sell) /.test(l)) ?? "";
    expect(fill).toMatch(/ fill sim BTC-USDT (buy|sell) \d+\.\d+ @ \d+\.\d+ maker=/);
    expect(fill).not.toContain("venue=");
    expect(fill).not.toContain("event=");
    expect(
      lines.some((l) => / order rejected sim BTC-USDT buy 0\.00500 @ \d+\.\d+ reason=insufficient_balance/.test(l)),
    ).toBe(true);
    expect(lines.some((l) => l.includes("venue sim market stream connected again (reconnect)"))).toBe(true);
  }, 120_000);
});
