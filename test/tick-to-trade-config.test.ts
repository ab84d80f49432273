/**
 * The tick-to-trade bench measures orders caused by depth frames, so its strategy must keep quoting
 * on every book: in particular at its position cap, where the side that would add is full and only
 * the side that reduces can still trade. With inventory_skew equal to half the spread that side sat
 * exactly on fair value, the min_profit rule dropped it, and the engine quoted nothing at all once a
 * symbol reached the cap (most frames caused no order; bench/RESULTS.md). This test holds the bench's
 * config to quoting the reducing side at a full position, long and short, on each of its symbols.
 */
import { describe, expect, test } from "bun:test";
import { TICK_TO_TRADE_SYMBOLS, tickToTradeConfig } from "../bench/tick-to-trade.config.ts";
import { parseConfig } from "../src/engine/index.ts";
import { DEFAULT_SYMBOLS } from "../src/sim/index.ts";
import { MarketMaking, STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { DecimalGrid } from "../src/types/index.ts";
import { bookUpdate, FakeBook, fakeContext, fakeInstrument } from "./support/strategy-harness.ts";

const { config } = parseConfig(tickToTradeConfig(1, false), "tick-to-trade.bench.yaml", {
  env: {},
  strategies: strategyParamsSchema,
  strategyTypes: STRATEGY_TYPES,
});

describe("tick-to-trade bench config", () => {
  for (const symbol of TICK_TO_TRADE_SYMBOLS) {
    test(`${symbol}: at a full position, long or short, the reducing side is still quoted`, () => {
      const spec = DEFAULT_SYMBOLS.find((s) => s.symbol === symbol.replace("-", ""));
      if (spec === undefined) throw new Error(`the simulator does not list ${symbol}`);
      const inst = fakeInstrument({ symbol, tick: spec.tickSize, step: spec.stepSize, minNotional: spec.minNotional });
      const { ctx, sink } = fakeContext([inst]);
      const mm = new MarketMaking("mm", ctx, config.strategy.parameters);
      const mid = new DecimalGrid(spec.tickSize).parseOrThrow(spec.initialMid, "initialMid");
      const book = new FakeBook().set(mid - 1, mid + 1);
      mm.start();
      mm.onBook(bookUpdate(book, "live", "sim", symbol));
      const maxLots = inst.info.qty.parseOrThrow(String(config.strategy.parameters["max_position"]), "max_position");
      mm.onPosition({ venue: "sim", symbol, positionLots: maxLots });
      const long = sink.last("sim", symbol);
      mm.onPosition({ venue: "sim", symbol, positionLots: -maxLots });
      const short = sink.last("sim", symbol);
      expect({ longAsks: long?.asks.length, shortBids: short?.bids.length }).toEqual({ longAsks: 1, shortBids: 1 });
      expect({ longBids: long?.bids.length, shortAsks: short?.asks.length }).toEqual({ longBids: 0, shortAsks: 0 });
    });
  }
});
