/**
 * Fees from the venue: the whole engine on the in-process simulator venue and a virtual clock. The
 * config assumes the simulator's default rates, the venue account is charged others: the strategy's
 * edge checks follow what the venue reports, at start and on each refresh, and a venue's `fees` in
 * the config overrides the venue (the difference logged once). /api/status says which rates are in
 * force and where they come from.
 */
import { describe, expect, test } from "bun:test";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { createLogger, Rng, VirtualClock } from "../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { drive, run } from "./support/virtual-time.ts";

// half of a 0.0016 spread is 8 bps a side: below a 10 bps maker fee, above a 2 bps one
const CONFIG = (venueFees: string) => `
engine:
  client_id_prefix: fe1
  fee_refresh_s: 1
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT]
${venueFees}
simulator:
  fees: { maker: 0.001, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.0016, min_profit: 0.00001, max_position: 0.02, order_size: 0.005 }
risk:
  max_position_base: 0.05
http:
  enabled: false
`;

function setup(seed: string, venueFees = "") {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const core = new SimCore({ clock, seed, symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT") });
  const { config } = parseConfig(CONFIG(venueFees), "fees.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const adapter = new SimDirectAdapter({
    name: "sim",
    core,
    clock,
    accountId: "engine",
    balances: { USDT: "100000", BTC: "1" },
    // what the venue really charges this account
    fees: { maker: "0.0002", taker: "0.0007" },
    clientIdPrefix: "fe1",
    orderEntryMs: 1,
    marketDataMs: 1,
  });
  core.start();
  const lines: string[] = [];
  const log = createLogger({ clock, write: (line) => lines.push(line) });
  const engine = new Engine({
    config,
    clock,
    rng: new Rng(seed),
    adapters: [adapter],
    metrics: createEngineMetrics({ processMetrics: false }),
    log,
  });
  const quoting = () => {
    const q = engine.status().strategies[0]?.quoting[0];
    return { bid: q?.bid, ask: q?.ask };
  };
  const fees = () => engine.status().venues[0]?.fees[0];
  const logged = (part: string) => lines.filter((l) => l.includes(part)).length;
  return { clock, core, engine, quoting, fees, logged };
}

describe("fees from the venue", () => {
  test("the edge checks use the venue's rates, read at start and again when they change", async () => {
    const seed = "fees-venue";
    const s = setup(seed);
    try {
      await drive(s.clock, s.engine.start());
      await run(s.clock, 3000);
      // with the config's 10 bps maker fee nothing would be quoted; the venue charges 2 bps
      expect({ seed, ...s.quoting(), fees: s.fees() }).toEqual({
        seed,
        bid: null,
        ask: null,
        fees: {
          symbol: "BTC-USDT",
          maker: 0.0002,
          taker: 0.0007,
          source: "venue",
          venueMaker: "0.0002",
          venueTaker: "0.0007",
        },
      });
      expect(s.engine.status().venues[0]?.feesCheckedAtMs).toBeGreaterThan(0);
      expect({ seed, lines: s.logged("fees on sim BTC-USDT: maker 0.0002 taker 0.0007 (from the venue)") }).toEqual({
        seed,
        lines: 1,
      });

      // the account's tier changes: 12 bps maker; the next refresh (1 s) moves the edge check
      s.core.setFees("engine", { maker: "0.0012", taker: "0.0015" });
      await run(s.clock, 3000);
      expect({ seed, ...s.quoting(), maker: s.fees()?.maker }).toEqual({
        seed,
        bid: "fees_exceed_spread",
        ask: "fees_exceed_spread",
        maker: 0.0012,
      });
      expect(s.engine.status().strategies[0]?.quoting[0]?.detail).toContain("maker fee 12.00 bps");
      expect({ seed, lines: s.logged("fees on sim BTC-USDT: maker 0.0012 taker 0.0015 (from the venue)") }).toEqual({
        seed,
        lines: 1,
      });
    } finally {
      await drive(s.clock, s.engine.stop());
    }
  }, 60_000);

  test("a venue's fees in the config override the venue's; the difference is logged once", async () => {
    const seed = "fees-override";
    const s = setup(seed, "    fees: { maker: 0.001, taker: 0.001 }");
    try {
      await drive(s.clock, s.engine.start());
      await run(s.clock, 5000);
      expect({ seed, ...s.quoting(), fees: s.fees() }).toEqual({
        seed,
        bid: "fees_exceed_spread",
        ask: "fees_exceed_spread",
        fees: {
          symbol: "BTC-USDT",
          maker: 0.001,
          taker: 0.001,
          source: "config",
          venueMaker: "0.0002",
          venueTaker: "0.0007",
        },
      });
      // read at start and on five refreshes, the same difference is said once
      expect({
        seed,
        lines: s.logged("the config says maker 0.001 taker 0.001, the venue charges maker 0.0002"),
      }).toEqual({ seed, lines: 1 });
    } finally {
      await drive(s.clock, s.engine.stop());
    }
  }, 60_000);
});
