/**
 * Paper trading: the engine trades on a venue's real market data (here the simulator core behind
 * sim-direct) while its orders are filled locally by the fill model: it gets fills, and the venue
 * never sees a single order of ours.
 */
import { describe, expect, test } from "bun:test";
import { Engine } from "../src/engine/index.ts";
import { ConstantLatency, queueModel } from "../src/fills/index.ts";
import { Rng, VirtualClock } from "../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import type { OrderUpdate } from "../src/types/index.ts";
import { PaperAdapter } from "../src/venues/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { recordedRunConfig, testConfig } from "./support/recorded-run.ts";
import { drive, run } from "./support/virtual-time.ts";

describe("paper venue", () => {
  test("fills come from the local fill model on live data; the venue sees no order", async () => {
    const seed = "paper-1";
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const core = new SimCore({ clock, seed, symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT") });
    const inner = new SimDirectAdapter({
      name: "sim",
      core,
      clock,
      accountId: "watcher",
      clientIdPrefix: "pp1",
      marketDataMs: 1,
    });
    const paper = new PaperAdapter({
      name: "sim",
      inner,
      clock,
      fees: { maker: 0, taker: 0.001 },
      queue: queueModel("risk_averse"),
      latency: new ConstantLatency(2, 2),
      balances: { USDT: "100000", BTC: "1" },
      clientIdPrefix: "bt1",
    });
    const config = testConfig(recordedRunConfig("/unused"));
    core.start();
    const engine = new Engine({ config, clock, rng: new Rng(seed), adapters: [paper] });
    const fills: OrderUpdate[] = [];
    paper.onEvent((e) => {
      if (e.type === "order" && e.update.exec === "fill") fills.push(e.update);
    });
    await drive(clock, engine.start());
    await run(clock, 120_000);
    const report = await drive(clock, engine.stop("end"));
    core.stop();
    expect({ seed, fills: engine.counters.fills > 5 }).toEqual({ seed, fills: true });
    expect({ seed, venueOrders: core.openOrders("watcher").length, open: report.openOrders }).toEqual({
      seed,
      venueOrders: 0,
      open: 0,
    });
    expect(paper.stats().paperPlaced).toBeGreaterThan(5);
    const info = () => {
      const i = paper.instruments().get("BTC-USDT");
      if (i === undefined) throw new Error("no BTC-USDT on the paper venue");
      return i;
    };
    // its trade history lists exactly the fills the engine was told of, with their ids, prices and fees
    const history = await drive(clock, paper.tradeHistory({ symbol: "BTC-USDT" }));
    const journaled = fills.filter((u) => u.symbol === "BTC-USDT");
    expect({ seed, trades: history.map((t) => `${t.tradeId} ${t.clientId} ${t.price} ${t.qty} ${t.fee}`) }).toEqual({
      seed,
      trades: journaled.map(
        (u) =>
          `${u.tradeId} ${u.clientId} ${info().price.format(u.lastPriceTicks)} ${info().qty.format(u.lastLots)} ${u.fee}`,
      ),
    });
    const later = await drive(
      clock,
      paper.tradeHistory({ symbol: "BTC-USDT", afterTradeId: history[1]?.tradeId ?? "0" }),
    );
    expect(later.map((t) => t.tradeId)).toEqual(history.slice(2).map((t) => t.tradeId));
  }, 60_000);
});
