import { describe, expect, test } from "bun:test";
import type { OrderUpdate } from "../types/index.ts";
import { Side } from "../types/index.ts";
import { v } from "./api.ts";
import { BaseStrategy } from "./base-strategy.ts";
import { defineStrategy } from "./definition.ts";
import { intField } from "./fields.ts";
import { StrategyHarness, StrategyHarnessError, testInstrument } from "./harness.ts";
import { askTicks, bidTicks, edgeAfterFee, inventoryRatio, quoteEdge, skewedCenter } from "./pricing.ts";
import type { BookUpdate, PositionUpdate, StrategyContext, TradeTick } from "./types.ts";

const schema = v.strictObject({
  every_ms: v.optional(intField(100, 10_000), 1000),
  fail_on: v.optional(v.string(), ""),
});
type Params = v.InferOutput<typeof schema>;

/** Records what it was told, quotes one tick inside the book, and throws on command. */
class Echo extends BaseStrategy<typeof schema> {
  readonly kind = "echo";
  override readonly timerIntervalMs: number;
  readonly seen: string[] = [];
  constructor(name: string, ctx: StrategyContext, params: Params) {
    super(name, ctx, schema, params);
    this.timerIntervalMs = params.every_ms;
  }
  private note(what: string): void {
    this.seen.push(what);
    if (this.current.fail_on === what.split(" ")[0]) throw new Error(`failing on ${what}`);
  }
  override onBook(u: BookUpdate): void {
    this.note(`book ${u.symbol} ${u.book.bestBidTicks()}/${u.book.bestAskTicks()} ${u.health}`);
    if (!this.running) return;
    const bid = u.book.bestBidTicks() + 1;
    this.quote(u.venue, u.symbol, [{ priceTicks: bid, lots: 5 }], [{ priceTicks: u.book.bestAskTicks() - 1, lots: 5 }]);
  }
  override onTrade(t: TradeTick): void {
    this.note(`trade ${t.priceTicks}x${t.lots} ${t.aggressor === Side.Buy ? "buy" : "sell"}`);
  }
  override onOrder(u: OrderUpdate): void {
    this.note(`order ${u.exec} ${u.lastLots}@${u.lastPriceTicks}`);
  }
  override onPosition(p: PositionUpdate): void {
    this.note(`position ${p.symbol} ${p.positionLots}`);
  }
  override onTimer(nowMs: number): void {
    this.note(`timer ${nowMs}`);
  }
}

const echo = defineStrategy({
  apiVersion: "1.0",
  kind: "echo",
  paramsSchema: schema,
  create: (name, ctx, params) => new Echo(name, ctx, params),
});

const ETH = testInstrument({ symbol: "ETH-USDT", step: "0.0001" });

function harness(parameters: Record<string, unknown> = {}) {
  const h = new StrategyHarness(echo, { parameters, startMs: 1_000_000, instruments: [testInstrument(), ETH] });
  const st = h.strategy as Echo;
  return { h, st };
}

describe("the strategy harness", () => {
  test("books in decimals become ticks and lots; each step returns what it emitted", () => {
    const { h, st } = harness();
    h.start();
    const out = h.book({
      bids: [
        ["59999.90", "0.5"],
        ["60000.00", "1"],
      ],
      asks: [["60000.10", "2"]],
    });
    expect(st.seen).toEqual(["book BTC-USDT 6000000/6000010 live"]);
    expect(out.quotes).toEqual([
      {
        venue: "sim",
        symbol: "BTC-USDT",
        bids: [{ priceTicks: 6000001, lots: 5 }],
        asks: [{ priceTicks: 6000009, lots: 5 }],
      },
    ]);
    expect(h.quoted()).toEqual({ bids: [["60000.01", "0.00005"]], asks: [["60000.09", "0.00005"]] });
    expect(h.book({ symbol: "ETH-USDT", bids: [["3000.00", "1"]], asks: [["3000.05", "1"]] }).quotes[0]?.symbol).toBe(
      "ETH-USDT",
    );
    expect(() => h.book({ bids: [["60000.001", "1"]], asks: [] })).toThrow(
      'book price: "60000.001" is not a multiple of 0.01',
    );
    expect(() => h.book({ venue: "x", bids: [], asks: [] })).toThrow("the harness has no instrument x BTC-USDT");
  });

  test("a fill moves the position, then reports the order, as the engine does; trades and health arrive as given", () => {
    const { h, st } = harness();
    h.start();
    h.fill({ side: "buy", price: "60000.00", size: "0.01" });
    h.fill({ side: "sell", price: "60001.00", size: "0.004" });
    h.trade({ price: "60000.50", size: "0.2", aggressor: "sell" });
    expect(st.seen).toEqual([
      "position BTC-USDT 1000",
      "order fill 1000@6000000",
      "position BTC-USDT 600",
      "order fill 400@6000100",
      "trade 6000050x20000 sell",
    ]);
    expect(h.positionLots()).toBe(600);
  });

  test("time passes only when advanced; the strategy's timer fires on the virtual clock", () => {
    const { h, st } = harness({ every_ms: 250 });
    h.start();
    h.advance(1000);
    expect(st.seen).toEqual(["timer 1000250", "timer 1000500", "timer 1000750", "timer 1001000"]);
    h.stop();
    h.advance(1000);
    expect(st.seen.length).toBe(4);
  });

  test("stop withdraws every quote (BaseStrategy); decisions say why nothing is quoted", () => {
    const { h, st } = harness();
    h.start();
    h.book({ bids: [["60000.00", "1"]], asks: [["60000.10", "1"]] });
    const out = h.stop();
    expect(out.quotes.map((q) => [q.symbol, q.bids.length, q.asks.length])).toEqual([
      ["BTC-USDT", 0, 0],
      ["ETH-USDT", 0, 0],
    ]);
    expect(st.quoteDecisions().map((d) => [d.symbol, d.bid, d.ask])).toEqual([
      ["BTC-USDT", "stopped", "stopped"],
      ["ETH-USDT", "stopped", "stopped"],
    ]);
  });

  test("a throw fails the step with the strategy's own error as cause, and halts it like the engine would", () => {
    const { h } = harness({ fail_on: "trade" });
    h.start();
    let caught: unknown;
    try {
      h.trade({ price: "60000.00", size: "1", aggressor: "buy" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(StrategyHarnessError);
    expect((caught as Error).message).toBe("strategy halted: trade threw Error: failing on trade 6000000x100000 buy");
    expect(((caught as Error).cause as Error).stack).toContain("harness.test.ts");
    expect(h.book({ bids: [["1.00", "1"]], asks: [["2.00", "1"]] }).quotes).toEqual([]);
  });

  test('with onFault "record" the step returns and the fault is read from the harness', () => {
    const h = new StrategyHarness(echo, { parameters: { fail_on: "book" }, onFault: "record" });
    h.start();
    h.book({ bids: [["1.00", "1"]], asks: [["2.00", "1"]] });
    expect(h.fault?.callback).toBe("book");
  });

  test("parameters are validated by the definition's schema, by field", () => {
    expect(() => harness({ every_ms: 5 })).toThrow("every_ms: expected an integer in [100, 10000], got 5");
    expect(() => harness({ every: 5 })).toThrow("every: unknown parameter");
  });
});

describe("pricing helpers", () => {
  test("rounding onto the grid never gives away edge, float noise forgiven", () => {
    expect([bidTicks(100.9999999), bidTicks(100.5), askTicks(100.0000001), askTicks(100.5)]).toEqual([
      101, 100, 100, 101,
    ]);
  });
  test("edge against fair value, before and after the maker fee (a rebate adds)", () => {
    expect(quoteEdge(Side.Buy, 99, 100)).toBeCloseTo(0.01, 12);
    expect(quoteEdge(Side.Sell, 99, 100)).toBeCloseTo(-0.01, 12);
    expect(edgeAfterFee(Side.Sell, 101, 100, 0.001)).toBeCloseTo(0.009, 12);
    expect(edgeAfterFee(Side.Buy, 99, 100, -0.0002)).toBeCloseTo(0.0102, 12);
  });
  test("inventory skew leans against the position, clamped at the limit", () => {
    expect([inventoryRatio(5, 10), inventoryRatio(-30, 10), inventoryRatio(5, 0)]).toEqual([0.5, -1, 0]);
    expect(skewedCenter(1000, 0.01, 1)).toBeCloseTo(990, 9);
    expect(skewedCenter(1000, 0.01, -0.5)).toBeCloseTo(1005, 9);
  });
});
