/**
 * Execution hot path: the pre-trade risk check, the order manager's submit (risk + state machine +
 * client id + adapter call), applying venue events, and a no-change quote pass (what every book
 * tick costs when the strategy's quotes are already resting), and the risk check with a desk's firm
 * share (src/execution/firm-share.ts). Run: `bun bench/execution.bench.ts`.
 */
import { bench, do_not_optimize, run, summary } from "mitata";
import { Execution, type FirmShareCell, type RiskLimits } from "../src/execution/index.ts";
import { SystemClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import type { InstrumentInfo, OpenOrder, OrderRequest, OrderUpdate } from "../src/types/index.ts";
import { DecimalGrid, type Lots, Side, type Ticks } from "../src/types/index.ts";
import type { VenueAdapter } from "../src/venues/contract.ts";

const info: InstrumentInfo = {
  symbol: "BTC-USDT",
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

const acked = Promise.resolve("1");
const done = Promise.resolve();

/** A venue that answers instantly and keeps nothing: measures only our side. */
const nullVenue: VenueAdapter = {
  name: "null",
  kind: "null",
  connect: async () => {},
  close: async () => {},
  instruments: () => new Map([[info.symbol, info]]),
  subscribeQuotes: async () => {},
  book: () => undefined,
  bookHealth: () => "live",
  submitOrder: (_o: OrderRequest) => acked,
  cancelOrder: () => done,
  cancelAll: async () => 0,
  openOrders: async (): Promise<OpenOrder[]> => [],
  orderStatus: async () => undefined,
  balances: async () => [],
  tradeHistory: async () => [],
  feeRates: async () => [],
  onEvent: () => () => {},
};

const limits: RiskLimits = {
  defaults: { maxPositionBase: "1000000", maxPositionNotional: "1e12", maxOrderBase: "100", maxOrderNotional: "1e9" },
  maxTotalNotional: "1e13",
  priceBandBps: 1000,
  maxOrdersPerSecond: 1_000_000,
  maxCancelsPerSecond: 1_000_000,
  maxOpenOrders: 1_000_000,
  dailyLossLimit: "1e12",
};

/** Real timers, but wall time that moves 1 ms per reading so rate windows never fill mid-benchmark. */
class BenchClock extends SystemClock {
  private t = Date.now();
  override nowMs(): number {
    this.t += 1;
    return this.t;
  }
}

const desk = new Execution({ clock: new BenchClock(), rng: new Rng("bench"), clientIdPrefix: "bench", limits });
desk.addVenue(nullVenue);
const venueState = desk.registry.venues.get("null");
if (venueState !== undefined) venueState.ready = true;
desk.setBookHealth("null", "BTC-USDT", "live");
desk.setTopOfBook("null", "BTC-USDT", 4_999_999, 5_000_001);

// the same gate on a desk of engines: each order also checked against this engine's firm share
const firmDesk = new Execution({
  clock: new BenchClock(),
  rng: new Rng("bench-firm"),
  clientIdPrefix: "benchf",
  limits,
});
firmDesk.addVenue(nullVenue);
const firmVenue = firmDesk.registry.venues.get("null");
if (firmVenue !== undefined) firmVenue.ready = true;
firmDesk.setBookHealth("null", "BTC-USDT", "live");
firmDesk.setTopOfBook("null", "BTC-USDT", 4_999_999, 5_000_001);
const firmCell: FirmShareCell = {
  positionBase: 10n ** 24n,
  notional: undefined,
  version: 1,
  validUntilNs: Number.MAX_SAFE_INTEGER,
  refused: () => {},
};
firmDesk.risk.setFirmShares({ cellOf: () => firmCell });

function update(o: { clientId: string; side: Side; lots: number }, status: OrderUpdate["status"]): OrderUpdate {
  return {
    venue: "null",
    symbol: "BTC-USDT",
    clientId: o.clientId,
    venueOrderId: "1",
    side: o.side,
    status,
    exec: status === "canceled" ? "canceled" : "ack",
    priceTicks: 5_000_000 as Ticks,
    origLots: o.lots as Lots,
    cumLots: 0 as Lots,
    lastLots: 0 as Lots,
    lastPriceTicks: 0 as Ticks,
    fee: "0",
    feeAsset: "",
    isMaker: true,
    tradeId: -1,
    venueTimeMs: 0,
  };
}

// a resting two-sided quote for the no-change pass
const desired = {
  symbol: "BTC-USDT",
  bids: [
    { priceTicks: 4_999_000, lots: 10 },
    { priceTicks: 4_998_000, lots: 10 },
  ],
  asks: [
    { priceTicks: 5_001_000, lots: 10 },
    { priceTicks: 5_002_000, lots: 10 },
  ],
};
desk.quote("null", desired);

summary(() => {
  bench("risk.checkOrder (pass)", () => {
    do_not_optimize(desk.risk.checkOrder("null", "BTC-USDT", Side.Buy, 4_999_000, 10));
  });
  bench("risk.checkOrder (pass, with a desk's firm share)", () => {
    do_not_optimize(firmDesk.risk.checkOrder("null", "BTC-USDT", Side.Buy, 4_999_000, 10));
  });
  bench("submit (risk + order manager + adapter call)", () => {
    const o = desk.submit("null", "BTC-USDT", Side.Sell, 5_010_000, 1);
    if (typeof o !== "string") desk.oms.onUpdate(update(o, "canceled")); // keep the book of live orders flat
  });
  bench("onUpdate ack + canceled (event path)", () => {
    const o = desk.oms.submit("null", "BTC-USDT", Side.Sell, 5_010_000, 1);
    desk.oms.onUpdate(update(o, "new"));
    desk.oms.onUpdate(update(o, "canceled"));
  });
  bench("quote() with nothing to change (4 levels resting)", () => {
    do_not_optimize(desk.quote("null", desired));
  });
});

await run();
const refused = [desk, firmDesk].flatMap((d) => Object.entries(d.risk.stats.rejections).filter(([, n]) => n > 0));
if (refused.length > 0) throw new Error(`the gate refused orders during the bench: ${JSON.stringify(refused)}`);
console.log(`orders passed the gate: ${desk.risk.stats.ordersPassed}; live at end: ${desk.oms.openOrderCount()}`);
