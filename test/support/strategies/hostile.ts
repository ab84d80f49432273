/**
 * A hostile strategy file, loaded by the engine like any user's module: in each `mode` it does one thing
 * a buggy or malicious strategy might, after first quoting normally for `calm_events` book events (so
 * there are resting orders for a halt to cancel). Test double for test/hostile-strategy.test.ts.
 *
 * - huge: quotes and IOC orders of absurd sizes (up to 2^53 - 1 lots)
 * - crossing: quotes through the book and IOC orders far beyond the price band
 * - flood: `flood` orders and a quote with 100 levels a side per misbehaving event
 * - foreign: orders and quotes for instruments it was not given
 * - throw: throws from onBook once, on event calm_events + 1, and quotes normally otherwise
 * - slow: busy-waits slow_ms of wall time in every onBook
 * - garbage: numbers no order can carry (NaN, infinities, negatives, fractions, strings, null levels),
 *   sides, types and times in force that do not exist
 */
import {
  BaseStrategy,
  type BookUpdate,
  defineStrategy,
  intField,
  type OrderIntent,
  type QuoteLevel,
  Side,
  type StrategyContext,
  v,
} from "hft-engine/strategy";

const schema = v.strictObject({
  mode: v.picklist(["huge", "crossing", "flood", "foreign", "throw", "slow", "garbage"]),
  calm_events: v.optional(intField(0, 1_000_000), 20),
  slow_ms: v.optional(intField(0, 1000), 3),
  /** Misbehave on every n-th book event only (the simulator sends thousands a second). */
  every: v.optional(intField(1, 1_000_000), 1),
  /** Intents per misbehaving event in mode flood. */
  flood: v.optional(intField(1, 1_000_000), 5000),
});
type Params = v.InferOutput<typeof schema>;

class Hostile extends BaseStrategy<typeof schema> {
  readonly kind = "hostile";
  events = 0;
  private readonly anchors = new Map<string, number>();

  constructor(name: string, ctx: StrategyContext, params: Params) {
    super(name, ctx, schema, params);
  }

  override onBook(u: BookUpdate): void {
    if (!this.running) return;
    const bid = u.book.bestBidTicks();
    const ask = u.book.bestAskTicks();
    if (!(bid > 0 && ask > bid)) return;
    this.events++;
    const mode = this.current.mode;
    if (mode === "throw" && this.events === this.current.calm_events + 1) {
      throw new TypeError(`hostile: cannot read the book of ${u.symbol}`);
    }
    if (this.events <= this.current.calm_events || mode === "throw") {
      // a plain quote 0.3 % either side of the first mid it saw: it rests, unmoved, while the price stays near
      const anchor = this.anchors.get(u.symbol) ?? Math.round((bid + ask) / 2);
      this.anchors.set(u.symbol, anchor);
      const away = Math.ceil(anchor * 0.003);
      const lots = u.symbol === "BTC-USDT" ? 200 : 50;
      this.quote(u.venue, u.symbol, [{ priceTicks: anchor - away, lots }], [{ priceTicks: anchor + away, lots }]);
      return;
    }
    if ((this.events - this.current.calm_events) % this.current.every === 0) this.misbehave(u, bid, ask);
  }

  /** What garbage mode emits through (the same sink as every other intent). */
  emitQuote(venue: string, symbol: string, bids: QuoteLevel[], asks: QuoteLevel[]): void {
    this.quote(venue, symbol, bids, asks);
  }
  emitOrder(o: OrderIntent): void {
    this.order(o);
  }

  private garbage(u: BookUpdate, bid: number, ask: number): void {
    garbageIntents(this, u, bid, ask);
  }

  private misbehave(u: BookUpdate, bid: number, ask: number): void {
    const { venue, symbol } = u;
    const ioc = (side: Side, priceTicks: number, lots: number) =>
      this.order({ venue, symbol, side, type: "limit", tif: "IOC", priceTicks, lots });
    switch (this.current.mode) {
      case "throw":
        return;
      case "huge":
        this.quote(
          venue,
          symbol,
          [{ priceTicks: bid, lots: Number.MAX_SAFE_INTEGER }],
          [{ priceTicks: ask, lots: 1e12 }],
        );
        ioc(Side.Buy, ask, 1e9);
        return;
      case "crossing":
        this.quote(venue, symbol, [{ priceTicks: ask + 5, lots: 200 }], [{ priceTicks: bid - 5, lots: 200 }]);
        ioc(Side.Buy, ask * 2, 200);
        ioc(Side.Sell, Math.floor(bid / 2), 200);
        return;
      case "flood": {
        for (let i = 0; i < this.current.flood; i++)
          ioc(i % 2 === 0 ? Side.Buy : Side.Sell, i % 2 === 0 ? bid : ask, 50);
        const side = (from: number, dir: number): QuoteLevel[] =>
          Array.from({ length: 100 }, (_, k) => ({ priceTicks: from + dir * (k + 5), lots: 50 }));
        this.quote(venue, symbol, side(bid, -1), side(ask, 1));
        return;
      }
      case "foreign":
        this.order({
          venue: "elsewhere",
          symbol,
          side: Side.Buy,
          type: "limit",
          tif: "IOC",
          priceTicks: ask,
          lots: 50,
        });
        this.quote(venue, "DOGE-USDT", [{ priceTicks: 1, lots: 1 }], []);
        return;
      case "garbage":
        this.garbage(u, bid, ask);
        return;
      case "slow": {
        const until = Bun.nanoseconds() + this.current.slow_ms * 1e6;
        while (Bun.nanoseconds() < until) {
          // burning the engine's only thread
        }
        return;
      }
    }
  }
}

/** Values a typed strategy cannot write but a buggy one computes (NaN, fractions) or casts (strings). */
const BAD_NUMBERS: readonly number[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -200,
  0,
  0.5,
  2 ** 60,
  "100" as unknown as number,
];

/** garbage mode: every bad number as price and as size, in quotes and orders, and shapes that lie. */
function garbageIntents(h: Hostile, u: BookUpdate, bid: number, ask: number): void {
  const { venue, symbol } = u;
  for (const bad of BAD_NUMBERS) {
    h.emitQuote(venue, symbol, [{ priceTicks: bad, lots: 200 }], [{ priceTicks: ask + 10, lots: bad }]);
    h.emitOrder({ venue, symbol, side: Side.Buy, type: "limit", tif: "IOC", priceTicks: bad, lots: 50 });
    h.emitOrder({ venue, symbol, side: Side.Sell, type: "limit", tif: "GTC", priceTicks: ask + 10, lots: bad });
  }
  const lie = <T>(x: unknown) => x as T;
  h.emitOrder({ venue, symbol, side: lie<Side>(7), type: "limit", tif: "IOC", priceTicks: bid, lots: 50 });
  h.emitOrder({ venue, symbol, side: Side.Buy, type: lie<"limit">("stop"), tif: "IOC", priceTicks: bid, lots: 50 });
  h.emitOrder({ venue, symbol, side: Side.Buy, type: "limit", tif: lie<"IOC">("GTD"), priceTicks: bid, lots: 50 });
  h.emitQuote(venue, symbol, lie<QuoteLevel[]>([null]), lie<QuoteLevel[]>("asks"));
  h.emitQuote(venue, symbol, lie<QuoteLevel[]>([{}]), []);
}

export default defineStrategy({
  apiVersion: "1.0",
  kind: "hostile",
  paramsSchema: schema,
  create: (name, ctx, params) => new Hostile(name, ctx, params),
});
