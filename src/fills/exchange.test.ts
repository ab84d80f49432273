/**
 * The fill model against a real C book: a recording run's own orders inside the depth are nobody's
 * queue and nobody's liquidity, depth changes of one venue instant move our queue once (and before a
 * trade that printed after them), post-only and balances as a venue would have them.
 */
import { describe, expect, test } from "bun:test";
import { OrderBook } from "../book/index.ts";
import {
  DecimalGrid,
  type InstrumentInfo,
  type Lots,
  type OrderRequest,
  type OrderUpdate,
  Side,
  type Ticks,
  VenueRejectError,
} from "../types/index.ts";
import { FillModel } from "./exchange.ts";
import { RiskAverseQueue } from "./queue.ts";

const SYMBOL = "BTC-USDT";
const INFO: InstrumentInfo = {
  symbol: SYMBOL,
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  price: new DecimalGrid("0.01"),
  qty: new DecimalGrid("0.00001"),
  minQtyLots: 1 as Lots,
  maxQtyLots: 0 as Lots,
  minNotional: "0",
  maxNotional: "0",
  trading: true,
};
const P = 6_000_000;

/** A venue book, the recording run's own lots, a fill model over both, and what it reported. */
function setup(withOwn = true) {
  const book = new OrderBook({ maxLevels: 64 });
  const own = new Map<string, number>();
  const reports: OrderUpdate[] = [];
  const model = new FillModel({
    venue: "sim",
    instruments: new Map([[SYMBOL, INFO]]),
    book: () => book,
    fees: { maker: 0, taker: 0.001 },
    queue: new RiskAverseQueue(),
    balances: { USDT: "1000000", BTC: "10" },
    nowMs: () => 0,
    report: (u) => reports.push(u),
    ...(withOwn ? { ownLots: (_s: string, side: Side, ticks: number) => own.get(`${side}/${ticks}`) ?? 0 } : {}),
  });
  /** Sets levels of the venue book as one recorded frame, and tells the model. */
  const depth = (...levels: [Side, number, number][]) => {
    book.beginUpdate();
    for (const [side, ticks, lots] of levels) book.stage(side, ticks, lots);
    expect(book.applyUpdate()).toBe(0);
    model.onDepth(SYMBOL, book.appliedLevels(), 0, levels.length, false);
  };
  const setOwn = (side: Side, ticks: number, lots: number) => {
    own.set(`${side}/${ticks}`, lots);
    model.onOwnLevel(SYMBOL, side, ticks);
  };
  const filled = () => reports.filter((r) => r.exec === "fill").map((r) => r.lastLots as number);
  return { book, model, depth, setOwn, filled, reports };
}

function order(clientId: string, side: Side, priceTicks: number, lots: number, type: OrderRequest["type"] = "limit") {
  return {
    symbol: SYMBOL,
    clientId,
    side,
    type,
    tif: "GTC",
    priceTicks: priceTicks as Ticks,
    lots: lots as Lots,
  } as OrderRequest;
}

describe("fill model: a recording run's own orders in the depth", () => {
  test("a backtest order queues behind the others at its level, not behind the live run's order", () => {
    for (const withOwn of [true, false]) {
      const { model, depth, setOwn, filled } = setup(withOwn);
      depth([Side.Buy, P, 1000], [Side.Sell, P + 10, 500]);
      setOwn(Side.Buy, P, 200); // 200 of the 1000 were the live run's order
      model.settleDepth(SYMBOL);
      model.place(order("bt-1", Side.Buy, P, 100));
      model.onTrade(SYMBOL, Side.Sell, P, 800); // the 800 others ahead of us traded
      model.onTrade(SYMBOL, Side.Sell, P, 100);
      expect({ withOwn, filled: filled() }).toEqual({ withOwn, filled: withOwn ? [100] : [] });
    }
  });

  test("the live run's order alone at the opposite best is no liquidity: post-only rests, the book is not crossed", () => {
    for (const withOwn of [true, false]) {
      const { model, depth, setOwn, reports } = setup(withOwn);
      depth([Side.Buy, P - 10, 1000], [Side.Sell, P, 200], [Side.Sell, P + 5, 700]);
      setOwn(Side.Sell, P, 200); // the best ask is the live run's own sell
      model.settleDepth(SYMBOL);
      let refused = "";
      try {
        model.place(order("bt-1", Side.Buy, P, 100, "limit_maker"));
      } catch (e) {
        refused = (e as VenueRejectError).reason;
      }
      model.settleDepth(SYMBOL);
      const execs = reports.map((r) => r.exec);
      expect({ withOwn, refused, execs }).toEqual(
        withOwn ? { withOwn, refused: "", execs: ["ack"] } : { withOwn, refused: "would_take", execs: [] },
      );
    }
  });
});

describe("fill model: one venue instant at a time", () => {
  test("depth that emptied our level before a trade printed moves us up before the trade reaches us", () => {
    const { model, depth, setOwn, filled } = setup();
    depth([Side.Buy, P, 809], [Side.Sell, P + 10, 500]);
    setOwn(Side.Buy, P, 200);
    model.settleDepth(SYMBOL);
    model.place(order("bt-1", Side.Buy, P, 200)); // 609 others ahead
    // one instant: the others cancel (only the live order's 200 is left), then a seller takes 148 + 52
    depth([Side.Buy, P, 200]);
    model.onTrade(SYMBOL, Side.Sell, P, 148);
    model.onTrade(SYMBOL, Side.Sell, P, 52);
    depth([Side.Buy, P, 0]);
    setOwn(Side.Buy, P, 0);
    model.settleDepth(SYMBOL);
    expect(filled()).toEqual([148, 52]);
  });

  test("the live order leaving the depth and its own record, in one instant, do not move us up", () => {
    const { model, depth, setOwn, filled } = setup();
    depth([Side.Buy, P, 1000], [Side.Sell, P + 10, 500]);
    setOwn(Side.Buy, P, 200);
    model.settleDepth(SYMBOL);
    model.place(order("bt-1", Side.Buy, P, 100)); // 800 others ahead
    // the live run cancels its 200: the depth shows it first, the own record a moment later, same instant
    depth([Side.Buy, P, 800]);
    setOwn(Side.Buy, P, 0);
    model.settleDepth(SYMBOL);
    model.onTrade(SYMBOL, Side.Sell, P, 700);
    expect(filled()).toEqual([]); // 100 others still ahead: a cap at 600 would have filled 100
    model.onTrade(SYMBOL, Side.Sell, P, 150);
    expect(filled()).toEqual([50]);
  });

  test("a refused order throws the venue's reason and leaves balances untouched", () => {
    const { model, depth } = setup();
    depth([Side.Buy, P, 1000], [Side.Sell, P + 10, 500]);
    model.settleDepth(SYMBOL);
    expect(() => model.place(order("bt-1", Side.Sell, P + 20, 100_000_000))).toThrow(VenueRejectError);
    expect(model.balanceList()).toEqual([
      { asset: "USDT", free: "1000000", locked: "0" },
      { asset: "BTC", free: "10", locked: "0" },
    ]);
  });
});
