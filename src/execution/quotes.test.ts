import { describe, expect, test } from "bun:test";
import { FakeVenue, flush, looseLimits, makeDesk } from "../../test/support/fake-venue.ts";
import { Rng } from "../services/index.ts";
import { Side } from "../types/index.ts";
import type { OrderState } from "./order-state.ts";
import { planQuotes, type QuoteLevel, quotesKeptAsIs, type RestingOrder } from "./quotes.ts";

let n = 0;
function resting(priceTicks: number, lots: number, state: OrderState = "new", cumLots = 0): RestingOrder {
  return { clientId: `o${++n}`, priceTicks, lots, cumLots, state, cancelWanted: false };
}

describe("quote reconciliation (pure)", () => {
  test("nothing live: every level is placed", () => {
    const plan = planQuotes(
      { symbol: "X", bids: [{ priceTicks: 99, lots: 1 }], asks: [{ priceTicks: 101, lots: 2 }] },
      [],
      [],
    );
    expect(plan.cancels).toEqual([]);
    expect(plan.places).toEqual([
      { side: Side.Buy, priceTicks: 99, lots: 1 },
      { side: Side.Sell, priceTicks: 101, lots: 2 },
    ]);
  });

  test("orders that already match are kept: no action", () => {
    const bids = [resting(99, 1), resting(98, 2)];
    const plan = planQuotes(
      {
        symbol: "X",
        bids: [
          { priceTicks: 99, lots: 1 },
          { priceTicks: 98, lots: 2 },
        ],
        asks: [],
      },
      bids,
      [],
    );
    expect(plan).toEqual({ cancels: [], places: [], kept: 2 });
  });

  test("a level that moved is replaced; the unchanged one stays", () => {
    const a = resting(99, 1);
    const b = resting(98, 2);
    const plan = planQuotes(
      {
        symbol: "X",
        bids: [
          { priceTicks: 99, lots: 1 },
          { priceTicks: 97, lots: 2 },
        ],
        asks: [],
      },
      [a, b],
      [],
    );
    expect(plan.cancels).toEqual([b.clientId]);
    expect(plan.places).toEqual([{ side: Side.Buy, priceTicks: 97, lots: 2 }]);
    expect(plan.kept).toBe(1);
  });

  test("a size change at the same price is a replace", () => {
    const a = resting(99, 1);
    const plan = planQuotes({ symbol: "X", bids: [{ priceTicks: 99, lots: 3 }], asks: [] }, [a], []);
    expect(plan.cancels).toEqual([a.clientId]);
    expect(plan.places).toEqual([{ side: Side.Buy, priceTicks: 99, lots: 3 }]);
  });

  test("a pending_new order occupies its level whatever its size: never stacked", () => {
    const p = resting(99, 1, "pending_new");
    const plan = planQuotes({ symbol: "X", bids: [{ priceTicks: 99, lots: 3 }], asks: [] }, [p], []);
    expect(plan).toEqual({ cancels: [], places: [], kept: 1 });
  });

  test("a pending_new order no longer wanted is cancelled (deferred by the manager); pending_cancel is ignored", () => {
    const p = resting(99, 1, "pending_new");
    const c = resting(98, 1, "pending_cancel");
    const plan = planQuotes({ symbol: "X", bids: [{ priceTicks: 98, lots: 1 }], asks: [] }, [p, c], []);
    expect(plan.cancels).toEqual([p.clientId]);
    expect(plan.places).toEqual([{ side: Side.Buy, priceTicks: 98, lots: 1 }]);
  });

  test("partial fills are kept within the slack, replaced beyond it", () => {
    const part = resting(99, 10, "partially_filled", 3); // 7 remaining
    const keep = planQuotes({ symbol: "X", bids: [{ priceTicks: 99, lots: 10 }], asks: [] }, [part], [], {
      remainingSlackLots: 3,
    });
    expect(keep).toEqual({ cancels: [], places: [], kept: 1 });
    const replace = planQuotes({ symbol: "X", bids: [{ priceTicks: 99, lots: 10 }], asks: [] }, [part], [], {
      remainingSlackLots: 2,
    });
    expect(replace.cancels).toEqual([part.clientId]);
    expect(replace.places.length).toBe(1);
  });

  test("duplicates at one price: one kept, the extra cancelled", () => {
    const a = resting(99, 1);
    const b = resting(99, 1);
    const plan = planQuotes({ symbol: "X", bids: [{ priceTicks: 99, lots: 1 }], asks: [] }, [a, b], []);
    expect(plan.cancels).toEqual([b.clientId]);
    expect(plan.places).toEqual([]);
  });

  test("many levels (beyond the preallocated scratch) still match one to one", () => {
    const levels = Array.from({ length: 100 }, (_, i) => ({ priceTicks: 1000 - i, lots: 1 + (i % 3) }));
    const live = levels.slice(0, 70).map((l) => resting(l.priceTicks, l.lots));
    const plan = planQuotes({ symbol: "X", bids: levels, asks: [] }, live, []);
    expect(plan.kept).toBe(70);
    expect(plan.cancels).toEqual([]);
    expect(plan.places.map((p) => p.priceTicks)).toEqual(levels.slice(70).map((l) => l.priceTicks));
  });

  test("property: after the plan, live orders equal the desired set, with no needless action", () => {
    for (let s = 0; s < 300; s++) {
      const seed = `quotes-${s}`;
      const rng = new Rng(seed);
      const levels = (): QuoteLevel[] => {
        const out: QuoteLevel[] = [];
        const used = new Set<number>();
        for (let i = rng.int(5); i > 0; i--) {
          const p = 90 + rng.int(10);
          if (used.has(p)) continue;
          used.add(p);
          out.push({ priceTicks: p, lots: 1 + rng.int(3) });
        }
        return out;
      };
      const desired = levels();
      const live = levels().map((l) => resting(l.priceTicks, l.lots));
      const plan = planQuotes({ symbol: "X", bids: desired, asks: [] }, live, []);
      const cancelled = new Set(plan.cancels);
      const after = [
        ...live.filter((o) => !cancelled.has(o.clientId)).map((o) => `${o.priceTicks}x${o.lots}`),
        ...plan.places.map((p) => `${p.priceTicks}x${p.lots}`),
      ].sort();
      const want = desired.map((d) => `${d.priceTicks}x${d.lots}`).sort();
      expect(`${seed}: ${after.join(",")}`).toBe(`${seed}: ${want.join(",")}`);
      // minimal: every kept order matched exactly, and no cancel + place of the same level
      const placedKeys = new Set(plan.places.map((p) => `${p.priceTicks}x${p.lots}`));
      for (const o of live) {
        if (cancelled.has(o.clientId)) {
          expect(`${seed}: ${placedKeys.has(`${o.priceTicks}x${o.lots}`)}`).toBe(`${seed}: false`);
        }
      }
      expect(plan.kept + plan.cancels.length).toBe(live.length);
    }
  });
});

describe("quotes kept as they rest (the no-allocation check)", () => {
  test("agrees with planQuotes on random books: -1 exactly when the plan has work, else the orders kept", () => {
    const seed = Number(process.env.HFT_QUOTES_SEED ?? 11);
    const rng = new Rng(seed);
    const states: OrderState[] = ["pending_new", "new", "partially_filled", "pending_cancel"];
    for (let round = 0; round < 5000; round++) {
      const levels = (): QuoteLevel[] =>
        Array.from({ length: rng.int(3) }, () => ({ priceTicks: 95 + rng.int(4), lots: 1 + rng.int(2) }));
      const live = (): RestingOrder[] =>
        Array.from({ length: rng.int(3) }, () => ({
          ...resting(95 + rng.int(4), 1 + rng.int(2), states[rng.int(states.length)] as OrderState, rng.int(2)),
          cancelWanted: rng.chance(0.1),
        }));
      const desired = { symbol: "X", bids: levels(), asks: levels() };
      const bids = live();
      const asks = live();
      const slack = rng.int(2);
      const plan = planQuotes(desired, bids, asks, { remainingSlackLots: slack });
      const kept = quotesKeptAsIs(desired, bids, asks, { remainingSlackLots: slack });
      const idle = plan.cancels.length === 0 && plan.places.length === 0;
      expect(`seed ${seed} round ${round}: ${kept}`).toBe(`seed ${seed} round ${round}: ${idle ? plan.kept : -1}`);
    }
  });
});

describe("quote reconciliation through the desk", () => {
  test("the same quote object again is answered from the memo until one of its orders changes", async () => {
    const { desk, venue } = makeDesk();
    const desired = { symbol: "BTC-USDT", bids: [{ priceTicks: 4_999_000, lots: 5 }], asks: [] };
    expect(desk.quote("fake", desired).placed.length).toBe(1);
    await flush();
    const idle = desk.quote("fake", desired);
    expect({ kept: idle.plan.kept, places: idle.plan.places.length }).toEqual({ kept: 1, places: 0 });
    expect(desk.quote("fake", desired)).toBe(idle); // the memo: nothing planned again
    // the venue cancels our order: the same desired object must place it again
    const id = [...desk.oms.liveOrders("fake", "BTC-USDT", Side.Buy)][0]?.clientId ?? "";
    venue.finish(id, "canceled");
    await flush();
    const again = desk.quote("fake", desired);
    expect(again.placed.length).toBe(1);
    await flush();
    // a partial fill leaves 3 of 5 lots: the order no longer is the level, it is replaced
    const next = [...desk.oms.liveOrders("fake", "BTC-USDT", Side.Buy)][0]?.clientId ?? "";
    venue.fill(next, 2);
    await flush();
    const refill = desk.quote("fake", desired);
    expect({ cancels: refill.plan.cancels, placed: refill.placed.length }).toEqual({ cancels: [next], placed: 1 });
    expect(venue.submits.length).toBe(3);
  });

  test("the same desired quotes twice: the second pass does nothing; a move replaces one order", async () => {
    const { desk, venue } = makeDesk();
    const desired = {
      symbol: "BTC-USDT",
      bids: [
        { priceTicks: 4_999_000, lots: 5 },
        { priceTicks: 4_998_000, lots: 5 },
      ],
      asks: [{ priceTicks: 5_001_000, lots: 5 }],
    };
    const first = desk.quote("fake", desired);
    expect(first.placed.length).toBe(3);
    const again = desk.quote("fake", desired); // still pending_new: nothing stacked
    expect(again.plan.places).toEqual([]);
    expect(again.plan.cancels).toEqual([]);
    await flush();
    const moved = desk.quote("fake", { ...desired, asks: [{ priceTicks: 5_002_000, lots: 5 }] });
    expect(moved.plan.cancels.length).toBe(1);
    expect(moved.placed.length).toBe(1);
    expect(moved.placed[0]?.type).toBe("limit_maker");
    await flush();
    expect(venue.submits.length).toBe(4);
    expect(desk.oms.liveOrders("fake", "BTC-USDT", Side.Sell).size).toBe(1);
    expect(desk.oms.liveOrders("fake", "BTC-USDT", Side.Buy).size).toBe(2);
  });

  test("a full order-rate window defers the rest of a quote (no refusal counted); the next quote places it", async () => {
    const { desk, venue, clock } = makeDesk({ limits: looseLimits({ maxOrdersPerSecond: 2 }) });
    const desired = {
      symbol: "BTC-USDT",
      bids: [
        { priceTicks: 4_999_000, lots: 5 },
        { priceTicks: 4_998_000, lots: 5 },
      ],
      asks: [
        { priceTicks: 5_001_000, lots: 5 },
        { priceTicks: 5_002_000, lots: 5 },
      ],
    };
    const first = desk.quote("fake", desired);
    expect({ placed: first.placed.length, refused: first.refused, deferred: first.placesDeferred }).toEqual({
      placed: 2,
      refused: [],
      deferred: 2,
    });
    // re-quoting on every book event while the window is full: nothing sent, nothing counted as refused
    for (let i = 0; i < 100; i++) expect(desk.quote("fake", desired).placesDeferred).toBe(2);
    expect(desk.risk.stats.rejections.order_rate).toBe(0);
    expect(desk.stats.placesDeferred).toBe(202);
    await flush();
    clock.advance(1000);
    const later = desk.quote("fake", desired);
    expect({ placed: later.placed.length, deferred: later.placesDeferred }).toEqual({ placed: 2, deferred: 0 });
    await flush();
    expect(venue.submits.length).toBe(4);
  });

  test("places the gate refuses are reported with the reason", () => {
    const { desk } = makeDesk();
    const r = desk.quote("fake", { symbol: "BTC-USDT", bids: [{ priceTicks: 1_000_000, lots: 1 }], asks: [] });
    expect(r.refused).toEqual([{ place: { side: Side.Buy, priceTicks: 1_000_000, lots: 1 }, reason: "price_band" }]);
    expect(desk.risk.stats.rejections.price_band).toBe(1);
  });
});

describe("quote() reuses its records", () => {
  test("a quote() inside a quote() (a venue answering synchronously) leaves the outer plan whole", async () => {
    const venue = new FakeVenue();
    const { desk } = makeDesk({}, venue);
    const outer = {
      symbol: "BTC-USDT",
      bids: [
        { priceTicks: 4_999_000, lots: 5 },
        { priceTicks: 4_998_000, lots: 5 },
      ],
      asks: [{ priceTicks: 5_001_000, lots: 5 }],
    };
    const inner = { symbol: "BTC-USDT", bids: [], asks: [{ priceTicks: 5_003_000, lots: 7 }] };
    let nested: ReturnType<typeof desk.quote> | undefined;
    let innerPlaces = "";
    const submit = venue.submitOrder.bind(venue);
    venue.submitOrder = (req) => {
      if (nested === undefined) {
        nested = desk.quote("fake", inner); // re-entrant: while the outer quote walks its places
        innerPlaces = nested.plan.places.map((p) => `${p.side}:${p.priceTicks}x${p.lots}`).join(",");
      }
      return submit(req);
    };
    const r = desk.quote("fake", outer);
    expect(r.placed.map((o) => `${o.side}:${o.priceTicks}x${o.lots}`)).toEqual([
      "0:4999000x5",
      "0:4998000x5",
      "1:5001000x5",
    ]);
    expect(innerPlaces).toBe("1:5003000x7");
    await flush();
    // the inner quote wanted no bids, so it cancelled the outer's first bid (then pending): the next
    // outermost quote puts it back, and it returns the desk's own reused records again
    const again = desk.quote("fake", outer);
    expect(again.plan.places.map((p) => `${p.side}:${p.priceTicks}x${p.lots}`)).toEqual(["0:4999000x5"]);
    // a later quote that has planning to do (cancel everything) fills the same records
    const none = desk.quote("fake", { symbol: "BTC-USDT", bids: [], asks: [] });
    expect(none.plan.cancels.length).toBeGreaterThan(0);
    expect(none).toBe(again);
  });
});
