/**
 * Parent orders against fake venues with real C books: the split across venues, re-routing of a
 * partly filled remainder, the limit, venue health, risk refusals and the kill switch, plus a
 * seeded property test that no parent ever sends or fills more than its quantity or crosses its limit.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { FakeVenue, flush, looseLimits, testInstrument } from "../../test/support/fake-venue.ts";
import { BookStatus, OrderBook } from "../book/index.ts";
import { Rng, VirtualClock } from "../services/index.ts";
import type { OrderRequest } from "../types/index.ts";
import { commonGrid, Side } from "../types/index.ts";
import { Execution } from "./execution.ts";
import type { ParentUpdate } from "./index.ts";
import type { RiskLimits } from "./risk.ts";

type Levels = [number, number][];

/** One venue of a test: the fake adapter, its C book and how much of each IOC really fills. */
interface Venue {
  readonly fake: FakeVenue;
  readonly book: OrderBook;
  /** Lots of an IOC that fill (default: all). */
  fillable: (req: OrderRequest) => number;
}

const books: OrderBook[] = [];
afterEach(() => {
  for (const b of books.splice(0)) b.close();
});

function setBook(book: OrderBook, bids: Levels, asks: Levels): void {
  book.beginUpdate();
  for (const [p, q] of bids) book.stage(Side.Buy, p, q);
  for (const [p, q] of asks) book.stage(Side.Sell, p, q);
  if (book.applySnapshot() !== BookStatus.Ok) throw new Error("bad test book");
}

interface Setup {
  desk: Execution;
  clock: VirtualClock;
  venues: Map<string, Venue>;
  updates: ParentUpdate[];
}

/**
 * A desk with venues "a" (tick 0.01, step 0.00001) and "b" (tick 0.1, step 0.0001: ×10 on both
 * grids) unless given, whose fakes answer every IOC: fill what `fillable` says, expire the rest.
 */
function setup(
  grids: [string, string, string][] = [
    ["a", "0.01", "0.00001"],
    ["b", "0.1", "0.0001"],
  ],
  limits: RiskLimits = looseLimits({ priceBandBps: 5000 }),
  parents = {},
): Setup {
  const clock = new VirtualClock(1_700_000_000_000);
  const venues = new Map<string, Venue>();
  const desk = new Execution({
    clock,
    rng: new Rng("parent"),
    clientIdPrefix: "hft1",
    limits,
    onError: (e) => {
      throw e;
    },
    parents: { bookOf: (v) => venues.get(v)?.book, retryDelayMs: 10, ...parents },
  });
  for (const [name, tick, step] of grids) {
    const fake = new FakeVenue(name, [testInstrument("BTC-USDT", tick, step)]);
    const book = new OrderBook({ maxLevels: 64 });
    books.push(book);
    venues.set(name, { fake, book, fillable: (r) => r.lots });
    desk.addVenue(fake);
    fake.onEvent((ev) => desk.onVenueEvent(ev));
    const vs = desk.registry.venues.get(name);
    if (vs !== undefined) vs.ready = true;
    desk.setBookHealth(name, "BTC-USDT", "live");
  }
  const updates: ParentUpdate[] = [];
  desk.parents.onUpdate((u) => updates.push(u));
  return { desk, clock, venues, updates };
}

/** Marks each venue at its book's top (the risk gate needs a reference price). */
function mark(s: Setup): void {
  for (const [name, v] of s.venues) {
    const bid = v.book.bestBidTicks();
    const ask = v.book.bestAskTicks();
    if (bid > 0 && ask > 0) s.desk.setTopOfBook(name, "BTC-USDT", bid, ask);
  }
}

/** Answers every IOC sent since the last call (fill, then expire the rest), then settles promises. */
async function answer(s: Setup): Promise<number> {
  await flush();
  let n = 0;
  for (const v of s.venues.values()) {
    for (const req of v.fake.submits) {
      const o = v.fake.venueOrder(req.clientId);
      if (o === undefined || (o.status !== "new" && o.status !== "partially_filled")) continue;
      n++;
      const lots = Math.min(req.lots, Math.max(0, v.fillable(req)));
      if (lots > 0) v.fake.fill(req.clientId, lots);
      if (lots < req.lots) v.fake.finish(req.clientId, "expired");
    }
  }
  await flush();
  return n;
}

/** Answers and advances time until no parent is working (bounded). */
async function runOut(s: Setup, maxRounds = 50): Promise<void> {
  for (let i = 0; i < maxRounds && s.desk.parents.working().length > 0; i++) {
    await answer(s);
    s.clock.advance(20);
    await flush();
  }
}

/** A sent order with plain numbers (the request's branded integers compare badly with literals). */
interface Sent {
  readonly clientId: string;
  readonly side: number;
  readonly priceTicks: number;
  readonly lots: number;
  readonly tif: string;
}

function sent(s: Setup, venue: string): Sent[] {
  return (s.venues.get(venue)?.fake.submits ?? []).map((r) => ({
    clientId: r.clientId,
    side: r.side as number,
    priceTicks: r.priceTicks as number,
    lots: r.lots as number,
    tif: r.tif,
  }));
}

describe("commonGrid", () => {
  test("the gcd of the venues' ticks and steps, with exact multipliers", () => {
    const g = commonGrid([
      testInstrument("BTC-USDT", "0.01", "0.00001"),
      testInstrument("BTC-USDT", "0.1", "0.0001"),
      testInstrument("BTC-USDT", "0.05", "0.00002"),
    ]);
    expect({ tick: g.tickUnits, lot: g.lotUnits, pm: g.priceMult, qm: g.qtyMult }).toEqual({
      tick: 10n ** 16n,
      lot: 10n ** 13n,
      pm: [1, 10, 5],
      qm: [1, 10, 2],
    });
    const odd = commonGrid([testInstrument("BTC-USDT", "0.04", "0.003"), testInstrument("BTC-USDT", "0.06", "0.002")]);
    expect({ pm: odd.priceMult, qm: odd.qtyMult }).toEqual({ pm: [2, 3], qm: [3, 2] });
  });
});

describe("ParentOrders", () => {
  test("splits across venues by price after fees, mapping the coarser venue's grid exactly", async () => {
    const s = setup();
    const a = s.venues.get("a") as Venue;
    const b = s.venues.get("b") as Venue;
    // common grid = a's grid; b's ticks and lots are ×10
    setBook(a.book, [[4_999_000, 500]], [[5_000_000, 300]]); // 300 common lots at 50000.00
    setBook(b.book, [[499_900, 50]], [[500_010, 40]]); // 400 common lots at 50001.0
    mark(s);
    s.desk.parents.setTakerFeePpm("a", 0);
    s.desk.parents.setTakerFeePpm("b", 0);
    const id = s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 550, limitTicks: 5_000_200 });
    expect(sent(s, "a").map((r) => [r.priceTicks, r.lots, r.tif])).toEqual([[5_000_000, 300, "IOC"]]);
    expect(sent(s, "b").map((r) => [r.priceTicks, r.lots, r.tif])).toEqual([[500_010, 25, "IOC"]]);
    await runOut(s);
    const u = s.desk.parents.get(id);
    expect({ status: u?.status, filled: u?.filledLots, remaining: u?.remainingLots, attempts: u?.attempts }).toEqual({
      status: "filled",
      filled: 550,
      remaining: 0,
      attempts: 1,
    });
    expect(s.desk.parents.stats.filled).toBe(1);
    // the strategy's position moved by exactly the parent (in each venue's own lots)
    expect(s.desk.registry.get("a", "BTC-USDT")?.position.lots).toBe(300);
    expect(s.desk.registry.get("b", "BTC-USDT")?.position.lots).toBe(25);
  });

  test("a taker fee moves the split to the cheaper venue after fees", () => {
    const s = setup();
    setBook((s.venues.get("a") as Venue).book, [[4_999_000, 500]], [[5_000_000, 300]]);
    setBook((s.venues.get("b") as Venue).book, [[499_900, 50]], [[500_010, 40]]);
    mark(s);
    s.desk.parents.setTakerFeePpm("a", 1000); // 50000.00 × 1.001 = 50050 > 50001 × 1.0
    s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 200, limitTicks: 5_000_200 });
    expect({ a: sent(s, "a").length, b: sent(s, "b").map((r) => r.lots) }).toEqual({ a: 0, b: [20] });
  });

  test("a partial fill is re-routed to the next best venue; the total never passes the parent", async () => {
    const s = setup();
    const a = s.venues.get("a") as Venue;
    const b = s.venues.get("b") as Venue;
    setBook(a.book, [[4_999_000, 500]], [[5_000_000, 500]]);
    setBook(b.book, [[499_900, 50]], [[500_010, 50]]);
    mark(s);
    a.fillable = () => 120; // the book showed 500 but only 120 were still there
    const id = s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 400, limitTicks: 5_000_200 });
    expect(sent(s, "a").map((r) => r.lots)).toEqual([400]);
    await answer(s);
    expect(s.desk.parents.get(id)).toMatchObject({ status: "working", filledLots: 120, inFlightLots: 0 });
    // the venue's book now shows the level gone
    setBook(a.book, [[4_999_000, 500]], [[5_000_300, 500]]);
    s.clock.advance(10);
    await flush();
    expect(sent(s, "b").map((r) => [r.priceTicks, r.lots])).toEqual([[500_010, 28]]);
    await runOut(s);
    expect(s.desk.parents.get(id)).toMatchObject({ status: "filled", filledLots: 400, attempts: 2 });
    expect(s.desk.parents.stats.retries).toBe(1);
  });

  test("a remainder the coarser venue cannot hold (under one of its lots) ends unfilled, accounted for", async () => {
    const s = setup();
    setBook((s.venues.get("a") as Venue).book, [[4_999_000, 500]], []);
    setBook((s.venues.get("b") as Venue).book, [[499_900, 50]], [[500_010, 50]]);
    mark(s);
    const id = s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 105, limitTicks: 5_000_200 });
    expect(sent(s, "b").map((r) => r.lots)).toEqual([10]);
    await runOut(s);
    expect(s.desk.parents.get(id)).toMatchObject({
      status: "unfilled",
      reason: "no_liquidity",
      filledLots: 100,
      remainingLots: 5,
    });
  });

  test("children never go beyond the limit; what the limit leaves ends unfilled with reason limit", async () => {
    const s = setup();
    const a = s.venues.get("a") as Venue;
    setBook(
      a.book,
      [[4_999_000, 500]],
      [
        [5_000_000, 100],
        [5_000_100, 100],
        [5_000_200, 100],
      ],
    );
    setBook((s.venues.get("b") as Venue).book, [[499_900, 50]], [[500_030, 50]]);
    mark(s);
    const id = s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 250, limitTicks: 5_000_100 });
    expect(sent(s, "a").map((r) => [r.priceTicks, r.lots])).toEqual([[5_000_100, 200]]);
    expect(sent(s, "b")).toEqual([]);
    setBook(a.book, [[4_999_000, 500]], [[5_000_200, 100]]);
    await runOut(s);
    const u = s.desk.parents.get(id);
    expect(u).toMatchObject({ status: "unfilled", reason: "limit", filledLots: 200, remainingLots: 50 });
    expect(u?.attempts).toBe(5);
    expect(s.desk.parents.stats.unfilled.limit).toBe(1);
    for (const r of [...sent(s, "a"), ...sent(s, "b").map((x) => ({ ...x, priceTicks: x.priceTicks * 10 }))]) {
      const common = r.priceTicks;
      expect(`${r.clientId} ${common} <= 5000100: ${common <= 5_000_100}`).toBe(
        `${r.clientId} ${common} <= 5000100: true`,
      );
    }
  });

  test("sells take bids down to the limit", async () => {
    const s = setup();
    setBook(
      (s.venues.get("a") as Venue).book,
      [
        [4_999_900, 100],
        [4_999_800, 100],
      ],
      [[5_000_000, 100]],
    );
    setBook((s.venues.get("b") as Venue).book, [[499_985, 5]], [[500_010, 50]]);
    mark(s);
    const id = s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Sell, lots: 180, limitTicks: 4_999_800 });
    expect(sent(s, "b").map((r) => [r.side, r.priceTicks, r.lots])).toEqual([[Side.Sell, 499_985, 5]]);
    expect(sent(s, "a").map((r) => [r.side, r.priceTicks, r.lots])).toEqual([[Side.Sell, 4_999_800, 130]]);
    await runOut(s);
    expect(s.desk.parents.get(id)).toMatchObject({ status: "filled", filledLots: 180 });
  });

  test("an unhealthy venue (book not live, or order stream down) gets no child", () => {
    const s = setup();
    setBook((s.venues.get("a") as Venue).book, [[4_999_000, 500]], [[5_000_000, 100]]);
    setBook((s.venues.get("b") as Venue).book, [[499_900, 50]], [[500_010, 50]]);
    mark(s);
    s.desk.setBookHealth("a", "BTC-USDT", "syncing");
    s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 300, limitTicks: 5_000_200 });
    expect({ a: sent(s, "a").length, b: sent(s, "b").map((r) => r.lots) }).toEqual({ a: 0, b: [30] });
    s.desk.setBookHealth("a", "BTC-USDT", "live");
    s.desk.onVenueEvent({ type: "connection", venue: "b", stream: "user", state: "disconnected", reason: "test" });
    s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 300, limitTicks: 5_000_200 });
    expect({ a: sent(s, "a").map((r) => r.lots), b: sent(s, "b").length }).toEqual({ a: [100], b: 1 });
  });

  test("a venue left out of the parent's venue list gets no child", () => {
    const s = setup();
    setBook((s.venues.get("a") as Venue).book, [[4_999_000, 500]], [[5_000_000, 100]]);
    setBook((s.venues.get("b") as Venue).book, [[499_900, 50]], [[500_010, 50]]);
    mark(s);
    s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 50, limitTicks: 5_000_200, venues: ["b"] });
    expect({ a: sent(s, "a").length, b: sent(s, "b").map((r) => r.lots) }).toEqual({ a: 0, b: [5] });
  });

  test("children the risk gate refuses end the parent as risk_refused, with the gate's reason", async () => {
    const s = setup(
      undefined,
      looseLimits({ priceBandBps: 5000, defaults: { ...looseLimits().defaults, maxOrderBase: "0.0001" } }),
    );
    setBook((s.venues.get("a") as Venue).book, [[4_999_000, 500]], [[5_000_000, 100]]);
    setBook((s.venues.get("b") as Venue).book, [[499_900, 50]], [[500_010, 50]]);
    mark(s);
    const id = s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 300, limitTicks: 5_000_200 });
    await runOut(s);
    expect(s.desk.parents.get(id)).toMatchObject({
      status: "unfilled",
      reason: "risk_refused",
      lastRefusal: "max_order_lots",
      filledLots: 0,
    });
    expect(s.desk.parents.stats.childrenRefused).toBeGreaterThan(0);
  });

  test("the kill switch stops re-routing: a parent waiting to retry ends halted, nothing more is sent", async () => {
    const s = setup();
    const a = s.venues.get("a") as Venue;
    setBook(a.book, [[4_999_000, 500]], [[5_000_000, 500]]);
    setBook((s.venues.get("b") as Venue).book, [[499_900, 50]], [[500_010, 50]]);
    mark(s);
    a.fillable = () => 100;
    const id = s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 400, limitTicks: 5_000_200 });
    await answer(s);
    expect(s.desk.parents.get(id)).toMatchObject({ status: "working", filledLots: 100 });
    s.desk.halt("operator");
    const before = sent(s, "a").length + sent(s, "b").length;
    s.clock.advance(1000);
    await flush();
    expect(sent(s, "a").length + sent(s, "b").length).toBe(before);
    expect(s.desk.parents.get(id)).toMatchObject({ status: "unfilled", reason: "halted", remainingLots: 300 });
    // while halted a new parent ends at once
    const id2 = s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 10, limitTicks: 5_000_200 });
    expect(s.desk.parents.get(id2)).toMatchObject({ status: "unfilled", reason: "halted" });
    expect(s.desk.parents.stats.unfilled.halted).toBe(2);
  });

  test("a kill switch with children live ends the parent halted once they are cancelled", async () => {
    const s = setup();
    setBook((s.venues.get("a") as Venue).book, [[4_999_000, 500]], [[5_000_000, 500]]);
    setBook((s.venues.get("b") as Venue).book, [[499_900, 50]], [[500_010, 50]]);
    mark(s);
    const id = s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 400, limitTicks: 5_000_200 });
    await flush(); // acked, not answered
    s.desk.halt("operator");
    await flush();
    expect(s.desk.parents.get(id)).toMatchObject({ status: "unfilled", reason: "halted", filledLots: 0 });
  });

  test("cancel-all ends working parents as canceled; their children's fills still count", async () => {
    const s = setup();
    const a = s.venues.get("a") as Venue;
    setBook(a.book, [[4_999_000, 500]], [[5_000_000, 500]]);
    setBook((s.venues.get("b") as Venue).book, [[499_900, 50]], [[500_010, 50]]);
    mark(s);
    const id = s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 400, limitTicks: 5_000_200 });
    await flush();
    const child = sent(s, "a")[0]?.clientId ?? "";
    a.fake.fill(child, 50);
    s.desk.cancelAll();
    await flush();
    s.clock.advance(1000);
    await flush();
    expect(s.desk.parents.get(id)).toMatchObject({ status: "unfilled", reason: "canceled", filledLots: 50 });
    expect(sent(s, "a").length + sent(s, "b").length).toBe(1);
  });

  test("cancel-all for one symbol ends only that symbol's working parents", async () => {
    const s = setup();
    setBook((s.venues.get("a") as Venue).book, [[4_999_000, 500]], [[5_000_000, 500]]);
    setBook((s.venues.get("b") as Venue).book, [[499_900, 50]], [[500_010, 50]]);
    mark(s);
    const id = s.desk.parents.submit({ symbol: "BTC-USDT", side: Side.Buy, lots: 400, limitTicks: 5_000_200 });
    await flush();
    expect(s.desk.parents.cancelAll("ETH-USDT")).toBe(0);
    expect(s.desk.parents.get(id)?.status).toBe("working");
    expect(s.desk.parents.cancelAll("BTC-USDT")).toBe(1);
    expect(s.desk.parents.get(id)).toMatchObject({ status: "unfilled", reason: "canceled" });
  });

  test("bad requests end as invalid without sending anything", () => {
    const s = setup();
    for (const bad of [
      { symbol: "BTC-USDT", side: Side.Buy, lots: 0, limitTicks: 1 },
      { symbol: "BTC-USDT", side: Side.Buy, lots: 1.5, limitTicks: 1 },
      { symbol: "BTC-USDT", side: Side.Buy, lots: 1, limitTicks: -1 },
      { symbol: "NOPE", side: Side.Buy, lots: 1, limitTicks: 1 },
      { symbol: "BTC-USDT", side: Side.Buy, lots: 1, limitTicks: 1, venues: ["zz"] },
      { symbol: "BTC-USDT", side: Side.Buy, lots: 1, limitTicks: 1, urgencyPermille: 0 },
    ]) {
      const id = s.desk.parents.submit(bad);
      expect({ bad, status: s.desk.parents.get(id)?.status, reason: s.desk.parents.get(id)?.reason }).toEqual({
        bad,
        status: "unfilled",
        reason: "invalid",
      });
    }
    expect(sent(s, "a").length + sent(s, "b").length).toBe(0);
  });

  test("property: random books, grids and partial fills never over-allocate nor cross the limit", async () => {
    const master = process.env.HFT_PARENT_SEED ?? "parent-prop";
    for (let run = 0; run < 40; run++) {
      const seed = `${master}-${run}`;
      const rng = new Rng(seed);
      const grids: [string, string, string][] = [
        ["a", "0.01", "0.00001"],
        ["b", rng.pick(["0.01", "0.02", "0.1"]), rng.pick(["0.00001", "0.00002", "0.0001"])],
        ["c", rng.pick(["0.01", "0.05"]), rng.pick(["0.00001", "0.00005"])],
      ];
      const s = setup(grids, looseLimits({ priceBandBps: 5000 }), { maxAttempts: rng.range(1, 6) });
      const g = commonGrid(grids.map(([, t, st]) => testInstrument("BTC-USDT", t, st)));
      const pm = new Map(grids.map(([n], i) => [n, g.priceMult[i] ?? 1]));
      const qm = new Map(grids.map(([n], i) => [n, g.qtyMult[i] ?? 1]));
      const side = rng.chance(0.5) ? Side.Buy : Side.Sell;
      const randomise = (): void => {
        for (const [name, v] of s.venues) {
          const p = pm.get(name) ?? 1;
          const mid = Math.round(5_000_000 / p);
          const lv = (dir: 1 | -1): Levels => {
            const out: Levels = [];
            let px = mid + dir * rng.range(1, 3);
            for (let k = rng.range(0, 4); k > 0; k--) {
              out.push([px, rng.range(1, 40)]);
              px += dir * rng.range(1, 4);
            }
            return out;
          };
          setBook(v.book, lv(-1), lv(1));
          v.fillable = (r) => (rng.chance(0.5) ? r.lots : rng.range(0, r.lots));
        }
        mark(s);
      };
      randomise();
      const lots = rng.range(1, 400);
      const limit = 5_000_000 + (side === Side.Buy ? 1 : -1) * rng.range(0, 40);
      const id = s.desk.parents.submit({
        symbol: "BTC-USDT",
        side,
        lots,
        limitTicks: limit,
        urgencyPermille: rng.pick([1000, 500]),
      });
      for (let i = 0; i < 30 && s.desk.parents.working().length > 0; i++) {
        await answer(s);
        randomise();
        s.clock.advance(20);
        await flush();
      }
      const u = s.desk.parents.get(id);
      let filled = 0;
      let sentLots = 0;
      for (const [name, v] of s.venues) {
        for (const r of v.fake.submits) {
          const common = r.priceTicks * (pm.get(name) ?? 1);
          const ok = side === Side.Buy ? common <= limit : common >= limit;
          expect(`${seed}: ${name} child at ${common} within ${limit}: ${ok}`).toBe(
            `${seed}: ${name} child at ${common} within ${limit}: true`,
          );
          expect(`${seed}: tif ${r.tif} type ${r.type}`).toBe(`${seed}: tif IOC type limit`);
          filled += (v.fake.venueOrder(r.clientId)?.cumLots ?? 0) * (qm.get(name) ?? 1);
          sentLots += r.lots * (qm.get(name) ?? 1);
        }
      }
      expect(`${seed}: filled ${filled} <= ${lots}: ${filled <= lots}`).toBe(
        `${seed}: filled ${filled} <= ${lots}: true`,
      );
      expect({
        seed,
        status: u?.status === "working",
        filled: u?.filledLots,
        sum: (u?.filledLots ?? 0) + (u?.remainingLots ?? 0),
      }).toEqual({
        seed,
        status: false,
        filled,
        sum: lots,
      });
      expect({ seed, done: u?.status === "filled" }).toEqual({ seed, done: filled === lots });
      // at every moment, filled plus what live children may still fill stays within the parent
      const over = s.updates.filter((x) => x.filledLots + x.inFlightLots > lots || x.inFlightLots < 0);
      expect({ seed, over }).toEqual({ seed, over: [] });
      // "attempts_exhausted" means children went out and did not fill; otherwise the reason says why none could
      const sentSome = sentLots > 0;
      expect({ seed, reason: u?.reason, sentSome }).toEqual({
        seed,
        reason: u?.reason,
        sentSome: u?.reason === "attempts_exhausted" ? true : sentSome,
      });
      expect(s.desk.parents.stats.lateFills).toBe(0);
    }
  });
});
