/**
 * The periodic console status as a person reads it: two venues with long names, two symbols each, a
 * halt on the way. Every status line, with the log's own time, level and component in front, fits a
 * 120-column terminal, and each venue/symbol has its own line.
 */
import { describe, expect, test } from "bun:test";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { createLogger, Rng, VirtualClock } from "../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { drive, run } from "./support/virtual-time.ts";

const VENUES = ["binance_main_account", "okx_secondary_account"] as const;
const CONFIG = `
engine:
  client_id_prefix: sl1
  status_interval_ms: 1000
venues:
${VENUES.map((v) => `  - { name: ${v}, type: sim, symbols: [BTC-USDT, ETH-USDT] }`).join("\n")}
simulator:
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.00004, min_profit: 0.00001, max_position: 0.02, order_size: 0.005 }
risk:
  max_position_base: 0.05
  symbols:
    ETH-USDT: { max_position_base: 2, max_order_base: 0.5 }
http:
  enabled: false
`;

describe("the console status line", () => {
  test("fits 120 columns, one line per venue and symbol", async () => {
    const seed = "status-line";
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const core = new SimCore({
      clock,
      seed,
      symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT" || s.symbol === "ETHUSDT"),
    });
    const { config } = parseConfig(CONFIG, "status-line.yaml", {
      env: {},
      strategies: strategyParamsSchema,
      strategyTypes: STRATEGY_TYPES,
    });
    const adapters = VENUES.map(
      (name) =>
        new SimDirectAdapter({
          name,
          core,
          clock,
          accountId: name,
          balances: { USDT: "1000000", BTC: "5", ETH: "100" },
          fees: { maker: "0", taker: "0.001" },
          clientIdPrefix: "sl1",
          orderEntryMs: 1,
          marketDataMs: 1,
        }),
    );
    core.start();
    const lines: string[] = [];
    const log = createLogger({ clock, write: (line) => lines.push(line) });
    const engine = new Engine({ config, clock, rng: new Rng(seed), adapters, log });
    await drive(clock, engine.start());
    await run(clock, 10_000);
    engine.commands.submit({ kind: "kill_switch", reason: "status line test" });
    await run(clock, 2000);
    await drive(clock, engine.stop());

    const status = lines.filter((l) => l.includes("[engine] status: "));
    const tooWide = status.filter((l) => l.length > 120);
    expect({ seed, tooWide }).toEqual({ seed, tooWide: [] });
    for (const v of VENUES) {
      for (const sym of ["BTC-USDT", "ETH-USDT"]) {
        expect({ seed, v, sym, lines: status.some((l) => l.includes(`status: ${v} ${sym} live `)) }).toEqual({
          seed,
          v,
          sym,
          lines: true,
        });
      }
    }
    expect(status.some((l) => /status: fills \d+ orders \d+ /.test(l))).toBe(true);
    if (process.env.SHOW_STATUS === "1") console.log(status.slice(0, 12).join("\n"));
    expect(status.some((l) => / HALTED$/.test(l))).toBe(true);
    // nothing had to be cut: long names wrap onto a second line for the same book instead
    expect(status.filter((l) => l.endsWith("…"))).toEqual([]);
    expect(status.some((l) => / binance_main_account BTC-USDT .*pos -?\d/.test(l))).toBe(true);
    expect(status.some((l) => l.includes("status: PnL USDT realized "))).toBe(true);
  }, 120_000);
});
