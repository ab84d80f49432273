import { describe, expect, test } from "bun:test";
import { FakeVenue, flush, looseLimits, makeDesk, testInstrument } from "../../test/support/fake-venue.ts";
import { Rng, VirtualClock } from "../services/index.ts";
import { Side } from "../types/index.ts";
import type { ManagedOrder } from "./order-state.ts";
import { KillSwitch, type RiskLimits, SlidingWindow } from "./risk.ts";

// BTC-USDT: tick 0.01, step 0.00001; the desk's mid is 50000.00 (bid 49999.90, ask 50000.10).
const MID = 5_000_000;

function deskWith(limits: Partial<RiskLimits>, venue?: FakeVenue) {
  return makeDesk({ limits: looseLimits(limits) }, venue);
}

function order(r: ManagedOrder | string): ManagedOrder {
  if (typeof r === "string") throw new Error(`refused: ${r}`);
  return r;
}

describe("risk gate: each check rejects with its reason and passes just inside", () => {
  test("max order size in base", () => {
    const { desk } = deskWith({ defaults: { ...looseLimits().defaults, maxOrderBase: "0.001" } });
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 100)).toBeUndefined();
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 101)).toBe("max_order_lots");
    expect(desk.risk.stats.rejections.max_order_lots).toBe(1);
  });

  test("max order notional at the limit price", () => {
    const { desk } = deskWith({ defaults: { ...looseLimits().defaults, maxOrderNotional: "50" } });
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 100)).toBeUndefined(); // exactly 50
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID + 1, 100)).toBe("max_order_notional");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Sell, MID, 101)).toBe("max_order_notional");
    expect(desk.risk.stats.rejections.max_order_notional).toBe(2);
  });

  test("per-symbol overrides apply to their symbol only", () => {
    const eth = testInstrument("ETH-USDT", "0.01", "0.0001");
    const venue = new FakeVenue("fake", [testInstrument(), eth]);
    const { desk } = deskWith(
      {
        perSymbol: { "ETH-USDT": { maxOrderBase: "0.5" } },
        defaults: { ...looseLimits().defaults, maxOrderBase: "2" },
      },
      venue,
    );
    desk.setTopOfBook("fake", "ETH-USDT", 300_000, 300_002);
    expect(desk.risk.checkOrder("fake", "ETH-USDT", Side.Buy, 300_000, 5000)).toBeUndefined();
    expect(desk.risk.checkOrder("fake", "ETH-USDT", Side.Buy, 300_000, 5001)).toBe("max_order_lots");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 200_000)).toBeUndefined();
  });

  test("price band around the mid", () => {
    const { desk } = deskWith({ priceBandBps: 100 }); // ±1% of 50000.00 = ±500.00
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, 4_950_000, 1)).toBeUndefined();
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, 4_949_999, 1)).toBe("price_band");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Sell, 5_050_000, 1)).toBeUndefined();
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Sell, 5_050_001, 1)).toBe("price_band");
    expect(desk.risk.stats.rejections.price_band).toBe(2);
  });

  test("max open orders per venue; room again once one ends", async () => {
    const { desk } = deskWith({ maxOpenOrders: 3 });
    const first = order(desk.submit("fake", "BTC-USDT", Side.Buy, MID - 100, 1));
    order(desk.submit("fake", "BTC-USDT", Side.Buy, MID - 200, 1));
    order(desk.submit("fake", "BTC-USDT", Side.Sell, MID + 100, 1));
    expect(desk.submit("fake", "BTC-USDT", Side.Sell, MID + 200, 1)).toBe("max_open_orders");
    await flush();
    desk.cancel(first.clientId);
    await flush();
    expect(first.state).toBe("canceled");
    expect(typeof desk.submit("fake", "BTC-USDT", Side.Sell, MID + 200, 1)).toBe("object");
  });

  test("orders per second per venue: a sliding window on the clock", () => {
    const { desk, clock } = deskWith({ maxOrdersPerSecond: 5 });
    for (let i = 0; i < 5; i++) expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBeUndefined();
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBe("order_rate");
    clock.advance(999);
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBe("order_rate");
    clock.advance(1);
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBeUndefined();
    expect(desk.risk.stats.rejections.order_rate).toBe(2);
  });

  test("a dry check gives checkOrder's verdict but uses no rate slot and moves no counter", () => {
    const { desk } = deskWith({ maxOrdersPerSecond: 2 });
    const stats = JSON.stringify(desk.risk.stats);
    for (let i = 0; i < 10; i++) expect(desk.risk.dryCheckOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBeUndefined();
    expect(desk.risk.dryCheckOrder("fake", "BTC-USDT", Side.Buy, MID * 2, 1)).toBe("price_band");
    expect(desk.risk.dryCheckOrder("fake", "BTC-USDT", Side.Buy, MID, 10 ** 9)).toBe("max_order_lots");
    expect(JSON.stringify(desk.risk.stats)).toBe(stats);
    // the window is untouched: both real slots are still free, then the dry check sees it full
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBeUndefined();
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBeUndefined();
    expect(desk.risk.dryCheckOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBe("order_rate");
    expect(desk.risk.stats.rejections.order_rate).toBe(0);
  });

  test("cancels per second per venue; emergency cancels always pass", async () => {
    const { desk, venue } = deskWith({ maxCancelsPerSecond: 2 });
    const orders = [1, 2, 3].map((i) => order(desk.submit("fake", "BTC-USDT", Side.Buy, MID - i, 1)));
    await flush();
    expect(desk.cancel(orders[0]?.clientId ?? "")).toBe(true);
    expect(desk.cancel(orders[1]?.clientId ?? "")).toBe(true);
    expect(desk.cancel(orders[2]?.clientId ?? "")).toBe("cancel_rate");
    expect(desk.risk.stats.rejections.cancel_rate).toBe(1);
    expect(desk.cancelAll()).toBe(1); // shutdown / kill path: no rate check
    await flush();
    expect(venue.cancels.length).toBe(3);
  });

  test("max position in base counts live orders on the same side as filled", async () => {
    const { desk, venue } = deskWith({ defaults: { ...looseLimits().defaults, maxPositionBase: "0.001" } }); // 100 lots
    const filled = order(desk.submit("fake", "BTC-USDT", Side.Buy, MID, 30));
    await flush();
    venue.fill(filled.clientId, 30);
    order(desk.submit("fake", "BTC-USDT", Side.Buy, MID - 10, 60));
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 10)).toBeUndefined(); // 30 + 60 + 10 = 100
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 11)).toBe("max_position_base");
    // selling reduces the long first: 30 − 130 = −100 is the worst case allowed
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Sell, MID, 130)).toBeUndefined();
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Sell, MID, 131)).toBe("max_position_base");
  });

  test("max position notional at the mid", () => {
    const { desk } = deskWith({ defaults: { ...looseLimits().defaults, maxPositionNotional: "50" } });
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 100)).toBeUndefined(); // 0.001 × 50000
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 101)).toBe("max_position_notional");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Sell, MID, 101)).toBe("max_position_notional");
  });

  test("max total notional over all symbols", async () => {
    const eth = testInstrument("ETH-USDT", "0.01", "0.0001");
    const venue = new FakeVenue("fake", [testInstrument(), eth]);
    const { desk } = deskWith({ maxTotalNotional: "3050" }, venue);
    desk.setTopOfBook("fake", "ETH-USDT", 299_999, 300_001); // mid 3000.00
    const e = order(desk.submit("fake", "ETH-USDT", Side.Sell, 300_000, 10_000)); // 1 ETH short
    await flush();
    venue.fill(e.clientId, 10_000);
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 100)).toBeUndefined(); // 3000 + 50
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 101)).toBe("max_total_notional");
  });

  test("book must be live and have a mid; malformed and unknown orders are refused", () => {
    const { desk } = deskWith({});
    desk.setBookHealth("fake", "BTC-USDT", "stale");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBe("book_not_live");
    desk.setBookHealth("fake", "BTC-USDT", "live");
    desk.setTopOfBook("fake", "BTC-USDT", 0, MID);
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBe("no_reference_price");
    desk.setTopOfBook("fake", "BTC-USDT", MID - 1, MID + 1);
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 0)).toBe("bad_order");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1.5)).toBe("bad_order");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, -5, 1)).toBe("bad_order");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", 7 as Side, MID, 1)).toBe("bad_order");
    expect(desk.risk.checkOrder("fake", "DOGE-USDT", Side.Buy, MID, 1)).toBe("unknown_instrument");
    expect(desk.risk.checkOrder("nope", "BTC-USDT", Side.Buy, MID, 1)).toBe("unknown_instrument");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBeUndefined();
    const r = desk.risk.stats.rejections;
    expect([r.book_not_live, r.no_reference_price, r.bad_order, r.unknown_instrument]).toEqual([1, 1, 4, 2]);
    expect(desk.risk.stats.ordersPassed).toBe(1);
  });

  test("invalid limits are refused naming the field", () => {
    const { desk } = deskWith({});
    expect(() => desk.risk.setLimits(looseLimits({ priceBandBps: 0 }))).toThrow("risk.priceBandBps");
    expect(() => desk.risk.setLimits(looseLimits({ dailyLossLimit: "ten" }))).toThrow("risk.dailyLossLimit");
    expect(() => desk.risk.setLimits(looseLimits({ perSymbol: { "BTC-USDT": { maxPositionBase: "-1" } } }))).toThrow(
      "risk.perSymbol.BTC-USDT.maxPositionBase",
    );
  });
});

describe("risk gate: position limits against a decimal reference", () => {
  /** Decimal string → units of 10^-18, independent of money.ts. */
  const d18 = (x: string): bigint => {
    const [i = "0", f = ""] = x.split(".");
    return BigInt(i) * 10n ** 18n + BigInt((f + "0".repeat(18)).slice(0, 18));
  };

  test("one venue (integer fast path) and two venues (BigInt path) agree with the reference", () => {
    const outcomes = new Map<string, number>();
    for (let s = 0; s < 400; s++) {
      const seed = `pos-${s}`;
      const rng = new Rng(seed);
      const maxBase = `0.${String(rng.int(200_000)).padStart(7, "0")}`; // finer than the 0.00001 step
      const maxNotional = `${rng.int(1000)}.${String(rng.int(100)).padStart(2, "0")}`;
      const maxTotal = `${rng.int(1000)}.${String(rng.int(1000)).padStart(3, "0")}`;
      const limits = {
        defaults: { ...looseLimits().defaults, maxPositionBase: maxBase, maxPositionNotional: maxNotional },
        maxTotalNotional: maxTotal,
      };
      const position = rng.int(2001) - 1000;
      const openBuy = rng.int(500);
      const openSell = rng.int(500);
      const side = rng.chance(0.5) ? Side.Buy : Side.Sell;
      const lots = 1 + rng.int(800);
      const bid = 4_999_000 + rng.int(2000);
      const ask = bid + 1 + rng.int(2);
      const price = side === Side.Buy ? bid : ask;
      // reference: worst case in the order's direction, valued at the mid, decimals throughout
      const directional = (side === Side.Buy ? position : -position) + (side === Side.Buy ? openBuy : openSell) + lots;
      const base18 = BigInt(directional) * d18("0.00001");
      const value36x2 = base18 * BigInt(bid + ask) * d18("0.01"); // 2 × value × 10^36
      let want: string | undefined;
      if (base18 > d18(maxBase)) want = "max_position_base";
      else if (directional > 0 && value36x2 > d18(maxNotional) * 2n * 10n ** 18n) want = "max_position_notional";
      else if (directional > 0 && value36x2 > d18(maxTotal) * 2n * 10n ** 18n) want = "max_total_notional";
      outcomes.set(String(want), (outcomes.get(String(want)) ?? 0) + 1);
      for (const venues of [1, 2]) {
        const instruments = [testInstrument()];
        const a = new FakeVenue("fake", instruments);
        const { desk } = deskWith(limits, a);
        if (venues === 2) {
          const b = new FakeVenue("other", instruments);
          desk.addVenue(b);
        }
        desk.setTopOfBook("fake", "BTC-USDT", bid, ask);
        const inst = desk.registry.get("fake", "BTC-USDT");
        if (inst === undefined) throw new Error("no instrument");
        inst.position.lots = position;
        inst.openLots[Side.Buy] = openBuy;
        inst.openLots[Side.Sell] = openSell;
        const got = desk.risk.checkOrder("fake", "BTC-USDT", side, price, lots);
        expect(`${seed} venues=${venues}: ${got}`).toBe(`${seed} venues=${venues}: ${want}`);
      }
    }
    // the random cases cover every outcome, not just one
    for (const k of ["undefined", "max_position_base", "max_position_notional", "max_total_notional"]) {
      expect(`${k}: ${(outcomes.get(k) ?? 0) >= 20}`).toBe(`${k}: true`);
    }
  });

  test("total notional over several symbols, at and around the limit, agrees with the reference", () => {
    // BTC 0.01 × 0.00001, ETH 0.01 × 0.0001, SOL 0.001 × 0.01: unlike tick × step factors per symbol
    const grids: [string, string, string][] = [
      ["BTC-USDT", "0.01", "0.00001"],
      ["ETH-USDT", "0.01", "0.0001"],
      ["SOL-USDT", "0.001", "0.01"],
    ];
    const outcomes = new Map<string, number>();
    for (let s = 0; s < 300; s++) {
      const seed = `total-${s}`;
      const rng = new Rng(seed);
      const pos = grids.map(() => rng.int(200_001) - 100_000);
      const bids = grids.map(() => 100_000 + rng.int(10_000_000));
      const asks = bids.map((b) => b + 1 + rng.int(3));
      const at = rng.int(grids.length);
      const side = rng.chance(0.5) ? Side.Buy : Side.Sell;
      const lots = 1 + rng.int(100_000);
      // reference: 2 × value × 10^36 of every symbol at its mid, this one's worst case in the order's direction
      const value36x2 = (i: number, l: number): bigint =>
        BigInt(l < 0 ? -l : l) *
        d18(grids[i]?.[2] ?? "") *
        BigInt((bids[i] ?? 0) + (asks[i] ?? 0)) *
        d18(grids[i]?.[1] ?? "");
      const directional = (side === Side.Buy ? (pos[at] ?? 0) : -(pos[at] ?? 0)) + lots;
      let total = directional > 0 ? value36x2(at, directional) : 0n;
      for (let i = 0; i < grids.length; i++) if (i !== at) total += value36x2(i, pos[i] ?? 0);
      // the limit (in 10^-18 units) right at the total, a unit either side, or further off
      const exact = total / (2n * 10n ** 18n);
      const pick = rng.int(6);
      const far = exact / BigInt(2 + rng.int(8));
      const off = [0n, -1n, 1n, BigInt(rng.int(2_000_000)) - 1_000_000n, -far, far][pick] ?? 0n;
      const limit18 = exact + off < 0n ? 0n : exact + off;
      const maxTotal = `${limit18 / 10n ** 18n}.${String(limit18 % 10n ** 18n).padStart(18, "0")}`;
      const want = directional > 0 && total > limit18 * 2n * 10n ** 18n ? "max_total_notional" : undefined;
      outcomes.set(`${pick} ${want}`, (outcomes.get(`${pick} ${want}`) ?? 0) + 1);
      for (const ethVenues of [1, 2]) {
        const venue = new FakeVenue(
          "fake",
          grids.map(([sym, tick, step]) => testInstrument(sym, tick, step)),
        );
        const huge = {
          maxPositionBase: "1000000000",
          maxPositionNotional: "1000000000000",
          maxOrderBase: "1000000000",
          maxOrderNotional: "1000000000000",
        };
        const { desk } = deskWith({ defaults: huge, maxTotalNotional: maxTotal }, venue);
        if (ethVenues === 2) desk.addVenue(new FakeVenue("other", [testInstrument("ETH-USDT", "0.01", "0.0001")]));
        grids.forEach(([sym], i) => {
          desk.setTopOfBook("fake", sym, bids[i] ?? 0, asks[i] ?? 0);
          const inst = desk.registry.get("fake", sym);
          if (inst === undefined) throw new Error(`no ${sym}`);
          inst.position.lots = pos[i] ?? 0;
        });
        const [sym = ""] = grids[at] ?? [];
        const price = side === Side.Buy ? (bids[at] ?? 0) : (asks[at] ?? 0);
        const got = desk.risk.checkOrder("fake", sym, side, price, lots);
        expect(`${seed} eth venues=${ethVenues}: ${got}`).toBe(`${seed} eth venues=${ethVenues}: ${want}`);
      }
    }
    // at the limit and a unit either side, both answers occur (the filter's undecided band is exercised)
    for (const k of ["0 undefined", "1 max_total_notional", "2 undefined", "4 max_total_notional", "5 undefined"]) {
      expect(`${k}: ${(outcomes.get(k) ?? 0) >= 10}`).toBe(`${k}: true`);
    }
  });

  test("a symbol's position on two venues adds up", async () => {
    const venueA = new FakeVenue("a");
    const { desk } = deskWith({ defaults: { ...looseLimits().defaults, maxPositionBase: "0.001" } }, venueA);
    const venueB = new FakeVenue("b");
    desk.addVenue(venueB);
    venueB.onEvent((ev) => desk.onVenueEvent(ev));
    const vb = desk.registry.venues.get("b");
    if (vb !== undefined) vb.ready = true;
    desk.setBookHealth("b", "BTC-USDT", "live");
    desk.setTopOfBook("b", "BTC-USDT", MID - 10, MID + 10);
    const o = order(desk.submit("b", "BTC-USDT", Side.Buy, MID, 70));
    await flush();
    venueB.fill(o.clientId, 70);
    expect(desk.risk.checkOrder("a", "BTC-USDT", Side.Buy, MID, 30)).toBeUndefined();
    expect(desk.risk.checkOrder("a", "BTC-USDT", Side.Buy, MID, 31)).toBe("max_position_base");
  });
});

describe("kill switch and daily loss", () => {
  test("halted: every new order refused with reason halted, cancels still allowed, until resumed", async () => {
    const halts: string[] = [];
    const { desk, venue } = makeDesk({ onHalt: (r) => halts.push(r) });
    const o = order(desk.submit("fake", "BTC-USDT", Side.Buy, MID, 1));
    await flush();
    expect(desk.halt("operator")).toBe(true);
    expect(desk.halt("again")).toBe(false);
    expect(halts).toEqual(["operator"]);
    expect(venue.cancels).toEqual([o.clientId]); // cancel all
    expect(desk.submit("fake", "BTC-USDT", Side.Buy, MID, 1)).toBe("halted");
    expect(desk.risk.stats.rejections.halted).toBe(1);
    await flush();
    expect(o.state).toBe("canceled");
    desk.resume();
    expect(typeof desk.submit("fake", "BTC-USDT", Side.Buy, MID, 1)).toBe("object");
  });

  test("a loss beyond the daily limit trips the switch; it stays tripped across midnight until resumed", async () => {
    const halts: string[] = [];
    const { desk, venue, clock } = makeDesk({
      limits: looseLimits({ dailyLossLimit: "100" }),
      onHalt: (r) => halts.push(r),
    });
    desk.start();
    const buy = order(desk.submit("fake", "BTC-USDT", Side.Buy, MID, 100_000)); // 1 BTC at 50000.00
    const resting = order(desk.submit("fake", "BTC-USDT", Side.Sell, MID + 1000, 1));
    await flush();
    venue.fill(buy.clientId, 100_000);
    desk.setTopOfBook("fake", "BTC-USDT", 4_989_999, 4_990_001); // mid 49900.00: loss exactly 100
    clock.advance(1000);
    expect(desk.kill.isHalted()).toBe(false);
    desk.setTopOfBook("fake", "BTC-USDT", 4_989_998, 4_990_000); // mid 49899.99: loss 100.01
    clock.advance(1000);
    expect(desk.kill.isHalted()).toBe(true);
    expect(desk.kill.reason()).toContain("daily_loss");
    expect(halts.length).toBe(1);
    expect(venue.cancels).toEqual([resting.clientId]);
    clock.advance(86_400_000); // past UTC midnight
    expect(desk.kill.isHalted()).toBe(true);
    expect(desk.submit("fake", "BTC-USDT", Side.Buy, 4_990_000, 1)).toBe("halted");
    desk.resume();
    clock.advance(1000);
    expect(desk.kill.isHalted()).toBe(false); // new day, new baseline
    expect(typeof desk.submit("fake", "BTC-USDT", Side.Buy, 4_990_000, 1)).toBe("object");
    desk.stop();
  });

  test("the daily baseline resets at UTC midnight", async () => {
    const start = Date.UTC(2026, 0, 1, 23, 0, 0);
    const venue = new FakeVenue();
    const { desk, clock } = makeDesk(
      { clock: new VirtualClock(start), limits: looseLimits({ dailyLossLimit: "100" }) },
      venue,
    );
    const buy = order(desk.submit("fake", "BTC-USDT", Side.Buy, MID, 100_000));
    await flush();
    venue.fill(buy.clientId, 100_000);
    desk.setTopOfBook("fake", "BTC-USDT", 4_993_999, 4_994_001); // −60
    expect(desk.evaluateRisk()).toBe(-60n * 10n ** 18n);
    clock.advanceTo(Date.UTC(2026, 0, 2, 0, 0, 0));
    expect(desk.evaluateRisk()).toBe(0n);
    desk.setTopOfBook("fake", "BTC-USDT", 4_987_999, 4_988_001); // another −60: −120 since the fill, −60 today
    expect(desk.evaluateRisk()).toBe(-60n * 10n ** 18n);
    expect(desk.kill.isHalted()).toBe(false);
  });

  test("KillSwitch and SlidingWindow on their own", () => {
    const clock = new VirtualClock(0);
    const k = new KillSwitch(clock);
    const seen: string[] = [];
    k.onTrip((r) => seen.push(r));
    clock.advance(5);
    expect(k.trip("x")).toBe(true);
    expect([k.isHalted(), k.reason(), k.trippedAtMs(), k.trips]).toEqual([true, "x", 5, 1]);
    k.resume();
    expect([k.isHalted(), k.reason()]).toEqual([false, ""]);
    expect(k.trip("y")).toBe(true);
    expect(seen).toEqual(["x", "y"]);
    const w = new SlidingWindow(2, 1000);
    expect([w.tryAdd(0), w.tryAdd(500), w.tryAdd(999), w.tryAdd(1000), w.inWindow(1500)]).toEqual([
      true,
      true,
      false,
      true,
      1,
    ]);
  });
});
