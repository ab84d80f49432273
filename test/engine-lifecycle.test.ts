/**
 * Engine lifecycle and control on a virtual clock (sim-direct venue): orphans of an earlier run are
 * cancelled before quoting, control commands drained from the queue pause, halt and resume
 * trading, and start-up errors name the venue.
 */
import { describe, expect, test } from "bun:test";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { VirtualClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { drive, run } from "./support/virtual-time.ts";

const CONFIG = (symbols: string) => `
engine:
  client_id_prefix: lc1
venues:
  - name: sim
    type: sim
    symbols: [${symbols}]
simulator:
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.00004, min_profit: 0.00001, max_position: 0.02, order_size: 0.005, levels: 1 }
risk:
  max_position_base: 0.05
http:
  enabled: false
`;

function setup(seed: string, symbols = "BTC-USDT") {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const core = new SimCore({ clock, seed, symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT") });
  const { config } = parseConfig(CONFIG(symbols), "lifecycle.yaml", {
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
    fees: { maker: "0", taker: "0.001" },
    clientIdPrefix: "lc1",
    orderEntryMs: 1,
    marketDataMs: 1,
  });
  core.start();
  const engine = new Engine({ config, clock, rng: new Rng(seed), adapters: [adapter] });
  return { clock, core, adapter, engine };
}

const place = (core: SimCore, clientOrderId: string, price: string) =>
  core.placeOrder({
    accountId: "engine",
    symbol: "BTCUSDT",
    side: "BUY",
    type: "LIMIT",
    timeInForce: "GTC",
    price,
    quantity: "0.001",
    clientOrderId,
  });

describe("engine lifecycle", () => {
  test("orders an earlier run left open are cancelled before quoting; other prefixes are untouched", async () => {
    const seed = "orphans";
    const { clock, core, engine } = setup(seed);
    expect(place(core, "lc1-oldrun-1", "55000.00").ok).toBe(true);
    expect(place(core, "lc1-oldrun-2", "55001.00").ok).toBe(true);
    expect(place(core, "manual-7", "55002.00").ok).toBe(true);
    await drive(clock, engine.start());
    const ids = core.openOrders("engine").map((o) => o.clientOrderId);
    expect({ seed, orphansLeft: ids.filter((i) => i.startsWith("lc1-oldrun")) }).toEqual({ seed, orphansLeft: [] });
    expect({ seed, manual: ids.includes("manual-7") }).toEqual({ seed, manual: true });
    await run(clock, 2000);
    const quoting = core.openOrders("engine").filter((o) => o.clientOrderId.startsWith("lc1-")).length;
    expect(`${seed}: quoting ${quoting > 0}`).toBe(`${seed}: quoting true`);
    const report = await drive(clock, engine.stop());
    expect({ seed, open: report.openOrders, venue: report.venueOpenOrders }).toEqual({ seed, open: 0, venue: 0 });
    // the operator's own order survives the shutdown sweep too
    expect(core.openOrders("engine").map((o) => o.clientOrderId)).toEqual(["manual-7"]);
  }, 60_000);

  test("commands: kill switch cancels everything and halts; resume trades again; pause stops quoting", async () => {
    const seed = "commands";
    const { clock, core, engine } = setup(seed);
    await drive(clock, engine.start());
    await run(clock, 2000);
    const live = () => core.openOrders("engine").length;
    expect(`${seed}: live before ${live() > 0}`).toBe(`${seed}: live before true`);

    const kill = engine.commands.submit({ kind: "kill_switch", reason: "test" });
    if (!kill.accepted) throw new Error("kill_switch refused");
    await run(clock, 500);
    expect(engine.commands.result(kill.command.id)?.ok).toBe(true);
    expect({ seed, live: live(), halted: engine.status().risk.halted }).toEqual({ seed, live: 0, halted: true });
    expect(engine.status().strategies[0]?.state).toBe("halted");
    await run(clock, 2000);
    expect({ seed, liveWhileHalted: live() }).toEqual({ seed, liveWhileHalted: 0 });

    const resume = engine.commands.submit({ kind: "resume_trading", reason: "test over" });
    if (!resume.accepted) throw new Error("resume refused");
    await run(clock, 2000);
    expect(`${seed}: live after resume ${live() > 0}`).toBe(`${seed}: live after resume true`);

    const pause = engine.commands.submit({ kind: "pause_strategy", strategy: "mm" });
    if (!pause.accepted) throw new Error("pause refused");
    await run(clock, 2000);
    expect({ seed, liveWhilePaused: live(), state: engine.status().strategies[0]?.state }).toEqual({
      seed,
      liveWhilePaused: 0,
      state: "paused",
    });
    const unknown = engine.commands.submit({ kind: "pause_strategy", strategy: "nope" });
    if (!unknown.accepted) throw new Error("refused");
    await run(clock, 100);
    expect(engine.commands.result(unknown.command.id)?.ok).toBe(false);
    await drive(clock, engine.stop());
  }, 60_000);

  test("a symbol the venue does not list is a start-up error naming the venue and symbol", async () => {
    const { clock, engine } = setup("bad-symbol", "DOGE-USDT");
    const err = await drive(clock, engine.start()).catch((e: unknown) => e);
    expect(err instanceof Error ? err.message : String(err)).toContain("venue sim: symbol DOGE-USDT is not listed");
  });
});
