/**
 * The engine says why it does not quote, and counts every rejection: the whole engine on the in-process
 * simulator venue and a virtual clock. A spread no wider than the maker fee quotes nothing and says
 * so once (log, /api/status, hft_strategy_quote_state); widening it quotes again and says that; a
 * min_profit above the edge, a pause and a halt are each named. An account too poor to buy has every
 * bid refused at submit time, and each refusal reaches hft_orders_rejected_total and the log.
 */
import { describe, expect, test } from "bun:test";
import type { CommandBody } from "../src/command/index.ts";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { createLogger, Rng, VirtualClock } from "../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { drive, run } from "./support/virtual-time.ts";

const CONFIG = (maker: number, strategy: string) => `
engine:
  client_id_prefix: qr1
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT]
simulator:
  fees: { maker: ${maker}, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters: { ${strategy} }
risk:
  max_position_base: 0.05
http:
  enabled: false
`;

function setup(seed: string, opts: { maker: number; strategy: string; balances: Record<string, string> }) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const core = new SimCore({ clock, seed, symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT") });
  const { config } = parseConfig(CONFIG(opts.maker, opts.strategy), "quote-reasons.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const adapter = new SimDirectAdapter({
    name: "sim",
    core,
    clock,
    accountId: "engine",
    balances: opts.balances,
    fees: { maker: String(opts.maker), taker: "0.001" },
    clientIdPrefix: "qr1",
    orderEntryMs: 1,
    marketDataMs: 1,
  });
  core.start();
  const lines: string[] = [];
  const log = createLogger({ clock, write: (line) => lines.push(line) });
  const metrics = createEngineMetrics({ processMetrics: false });
  const engine = new Engine({ config, clock, rng: new Rng(seed), adapters: [adapter], metrics, log });
  const sample = async (series: string): Promise<number | undefined> => {
    const line = (await metrics.scrape()).split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const logged = (part: string) => lines.filter((l) => l.includes(part)).length;
  /** Runs one control command through the queue and a little virtual time. */
  const command = async (c: CommandBody) => {
    const r = engine.commands.submit(c);
    if (!r.accepted) throw new Error(`${c.kind} refused`);
    await run(clock, 1500);
    return engine.commands.result(r.command.id);
  };
  const quoting = () => {
    const q = engine.status().strategies[0]?.quoting[0];
    return { bid: q?.bid, ask: q?.ask };
  };
  return { clock, core, engine, sample, logged, command, quoting, lines };
}

const STATE = (side: string, state: string) =>
  `hft_strategy_quote_state{venue="sim",symbol="BTC-USDT",side="${side}",state="${state}"}`;

describe("why the engine does not quote", () => {
  test("fees above the spread, min_profit, pause and halt are each named once; quoting again is said too", async () => {
    const seed = "quote-reasons";
    // half of a 0.0016 spread is 8 bps: less than the 10 bps maker fee
    const { clock, core, engine, sample, logged, command, quoting } = setup(seed, {
      maker: 0.001,
      strategy: "spread: 0.0016, min_profit: 0.0001, max_position: 0.02, order_size: 0.005",
      balances: { USDT: "100000", BTC: "1" },
    });
    await drive(clock, engine.start());
    await run(clock, 5000);
    const own = () => core.openOrders("engine").filter((o) => o.clientOrderId.startsWith("qr1-")).length;
    expect({ seed, sent: engine.counters.ordersSent, resting: own(), ...quoting() }).toEqual({
      seed,
      sent: 0,
      resting: 0,
      bid: "fees_exceed_spread",
      ask: "fees_exceed_spread",
    });
    const status = engine.status().strategies[0]?.quoting[0];
    expect(status?.detail).toContain("maker fee 10.00 bps, min_profit 1.00 bps");
    expect(status?.detail).toContain("best bid edge 8.0");
    expect({ seed, lines: logged("not quoting sim BTC-USDT: fees_exceed_spread") }).toEqual({ seed, lines: 1 });
    expect({ seed, metric: await sample(STATE("bid", "fees_exceed_spread")) }).toEqual({ seed, metric: 1 });
    expect({ seed, quotingSeries: await sample(STATE("bid", "quoting")) }).toEqual({ seed, quotingSeries: undefined });

    // 40 bps wide: 20 bps a side, 10 bps left after the fee
    await command({ kind: "set_strategy_params", strategy: "mm", params: { spread: 0.004 } });
    await run(clock, 2000);
    expect({ seed, ...quoting(), resting: own() > 0 }).toEqual({ seed, bid: null, ask: null, resting: true });
    expect({ seed, lines: logged("quoting sim BTC-USDT on both sides again") }).toEqual({ seed, lines: 1 });
    expect({ seed, metric: await sample(STATE("ask", "quoting")) }).toEqual({ seed, metric: 1 });

    await command({ kind: "set_strategy_params", strategy: "mm", params: { min_profit: 0.0015 } });
    await run(clock, 2000);
    expect({ seed, ...quoting(), resting: own() }).toEqual({ seed, bid: "min_profit", ask: "min_profit", resting: 0 });
    expect({ seed, lines: logged("not quoting sim BTC-USDT: min_profit") }).toEqual({ seed, lines: 1 });

    await command({ kind: "pause_strategy", strategy: "mm" });
    expect({ seed, ...quoting() }).toEqual({ seed, bid: "paused", ask: "paused" });
    await command({ kind: "resume_strategy", strategy: "mm" });
    await run(clock, 2000);
    expect({ seed, ...quoting() }).toEqual({ seed, bid: "min_profit", ask: "min_profit" });
    await command({ kind: "kill_switch", reason: "test" });
    expect({ seed, ...quoting() }).toEqual({ seed, bid: "halted", ask: "halted" });
    // pause and halt have their own log lines; the reason was logged once and has not changed since
    expect({ seed, lines: logged("not quoting sim BTC-USDT") }).toEqual({ seed, lines: 2 });
    await drive(clock, engine.stop());
  }, 60_000);
});

describe("rejections on a real venue", () => {
  test("an account too poor to buy: every bid refused at submit time is counted and logged with its reason", async () => {
    const seed = "quote-rejects";
    const { clock, engine, sample, logged, lines } = setup(seed, {
      maker: 0,
      strategy: "spread: 0.0004, min_profit: 0.00001, max_position: 0.02, order_size: 0.005",
      balances: { USDT: "1", BTC: "1" },
    });
    await drive(clock, engine.start());
    await run(clock, 5000);
    await drive(clock, engine.stop());
    const rejected = engine.desk.oms.stats.rejected;
    expect({ seed, some: rejected > 1 }).toEqual({ seed, some: true });
    const metric = await sample(
      'hft_orders_rejected_total{venue="sim",symbol="BTC-USDT",reason="insufficient_balance"}',
    );
    // every rejection is in the log: the first in full, the repeats of the next 10 s as one counted line
    let inLog = 0;
    for (const l of lines.filter((x) => x.includes("order rejected sim BTC-USDT"))) {
      inLog += Number(/ count=(\d+)/.exec(l)?.[1] ?? "1");
    }
    expect({ seed, metric, inLog, full: logged("order rejected sim BTC-USDT buy 0.00500") }).toEqual({
      seed,
      metric: rejected,
      inLog: rejected,
      full: 1,
    });
  }, 60_000);
});
