/**
 * Matching properties over seeded random order flow (places, cancels and amends), checked after every
 * action against a naive reference: no crossed book, balances conserved (fees included), locks equal
 * open-order needs, price-time priority (an amend that changes the price or raises the size goes to the
 * back of the queue, one that lowers the size keeps its place), exact fees, and a book rebuilt from the
 * events equal to the snapshot.
 */
import { expect, test } from "bun:test";
import { Rng, VirtualClock } from "../../services/index.ts";
import { Side } from "../../types/index.ts";
import {
  type ExecutionReport,
  type OrderView,
  type PlaceOrderRequest,
  SimCore,
  type SimSymbol,
  type StpMode,
} from "./index.ts";

const ACCOUNTS: [string, { maker: string; taker: string }][] = [
  ["alice", { maker: "0.001", taker: "0.002" }],
  ["bob", { maker: "0", taker: "0.00075" }],
  ["carol", { maker: "0.00012345", taker: "0.001" }],
];
const STP: StpMode[] = ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"];
const ASSETS = ["BTC", "USDT"];

function rateE8(s: string): bigint {
  const [i = "0", f = ""] = s.split(".");
  return BigInt(i) * 100000000n + BigInt(f.padEnd(8, "0"));
}

function runSeed(seed: string, actions: number): void {
  const rng = new Rng(seed);
  const clock = new VirtualClock();
  const core = new SimCore({ clock, seed, agents: false });
  const sym = core.symbol("BTCUSDT") as SimSymbol;
  const fees = new Map(ACCOUNTS.map(([id, f]) => [id, f]));
  for (const [id, f] of ACCOUNTS) core.createAccount(id, { USDT: "2000000", BTC: "30" }, f);
  const total = (asset: string): number => {
    let t = core.feesCollected(asset);
    for (const [id] of ACCOUNTS) {
      const b = core.balances(id)?.find((x) => x.asset === asset);
      t += (b?.freeUnits ?? 0) + (b?.lockedUnits ?? 0);
    }
    return t;
  };
  const initial = ASSETS.map(total);
  const local = [new Map<number, number>(), new Map<number, number>()];
  let lastU = 0;
  let reports: ExecutionReport[] = [];
  core.addListener({
    onBookLevel: (_s, u, side, ticks, lots) => {
      if (u !== lastU && u !== lastU + 1) throw new Error(`seed ${seed}: update id jumped ${lastU} → ${u}`);
      lastU = u;
      if (lots === 0) local[side]?.delete(ticks);
      else local[side]?.set(ticks, lots);
    },
    onExecution: (r) => reports.push(r),
    onBookTop: (_s, u, bt, bl, at, al) => {
      lastTop = [u, bt, bl, at, al];
    },
    onTrade: (_s, _id, _p, lots) => {
      tradedLots += lots;
    },
  });
  let lastTop: number[] = [0, 0, 0, 0, 0];
  let tradedLots = 0;
  // The reference's time priority: a stamp per order, renewed when an amend loses the queue place.
  const stamps = new Map<number, number>();
  let nextStamp = 1;
  const msg = (i: number, what: string): string => `seed ${seed} action ${i}: ${what}`;
  /** A new size for an amend: smaller (keeps the place), any (often larger), or at most what filled. */
  const newLots = (o: OrderView): number => {
    const k = rng.int(3);
    if (k === 0 && o.origLots - o.executedLots > 1) return rng.range(o.executedLots + 1, o.origLots - 1);
    if (k === 1) return rng.range(10, 3000);
    return rng.range(Math.max(1, o.executedLots - 5), Math.max(1, o.executedLots));
  };
  /** Amends an open order (size, price or both) and checks the priority rule and any fills it caused. */
  const amendOne = (before: OrderView[], o: OrderView, i: number): void => {
    const what = rng.int(4);
    const newQuantity = what !== 1 ? sym.formatQty(what === 3 ? o.origLots : newLots(o)) : undefined;
    const newPrice = what === 1 || what === 2 ? sym.formatPrice(5000000 + rng.range(-15, 15)) : undefined;
    const r = core.amendOrder({
      accountId: o.accountId,
      symbol: "BTCUSDT",
      ref: rng.chance(0.5) ? { orderId: o.orderId } : { clientOrderId: o.clientOrderId },
      ...(newQuantity !== undefined ? { newQuantity } : {}),
      ...(newPrice !== undefined ? { newPrice } : {}),
    });
    if (!r.ok) {
      const now = core.getOrder(o.accountId, "BTCUSDT", { orderId: o.orderId });
      expect([now?.priceTicks, now?.origLots, now?.status], msg(i, "a refused amend changed the order")).toEqual([
        o.priceTicks,
        o.origLots,
        o.status,
      ]);
      return;
    }
    if (r.fills.length === 0 && r.order.status === "FILLED") {
      // A new size at or below the filled size ends the order: it must be off the book.
      expect(
        core.openOrders(o.accountId).some((x) => x.orderId === o.orderId),
        msg(i, "amended to filled"),
      ).toBe(false);
      expect(r.keptPriority, msg(i, "amended to filled")).toBe(false);
      return;
    }
    const lost = r.order.priceTicks !== o.priceTicks || r.order.origLots > o.origLots;
    expect(r.keptPriority, msg(i, "amend priority rule")).toBe(!lost);
    if (!lost) return;
    stamps.set(o.orderId, nextStamp++);
    const req: PlaceOrderRequest = {
      accountId: o.accountId,
      symbol: "BTCUSDT",
      side: o.side,
      type: o.type,
      timeInForce: "GTC",
      price: sym.formatPrice(r.order.priceTicks),
      quantity: sym.formatQty(r.order.origLots),
      stpMode: o.stpMode,
    };
    checkPriority(before, req, r.order, reports, stamps, msg(i, "amend priority"));
  };

  for (let i = 0; i < actions; i++) {
    clock.advance(rng.int(5));
    tradedLots = 0;
    const before = ACCOUNTS.flatMap(([id]) => core.openOrders(id));
    reports = [];
    const acct = (ACCOUNTS[rng.int(ACCOUNTS.length)] as [string, unknown])[0];
    const roll = rng.next();
    let req: PlaceOrderRequest | null = null;
    if (roll < 0.14) {
      const mine = before.filter((o) => o.accountId === acct);
      if (mine.length > 0) {
        const o = rng.pick(mine);
        const ref = rng.chance(0.5) ? { orderId: o.orderId } : { clientOrderId: o.clientOrderId };
        const r = core.cancelOrder(acct, "BTCUSDT", ref);
        expect(r.ok, msg(i, "cancel of an open order")).toBe(true);
      }
    } else if (roll < 0.34) {
      const mine = before.filter((o) => o.accountId === acct);
      if (mine.length > 0) amendOne(before, rng.pick(mine), i);
    } else {
      const side = rng.chance(0.5) ? "BUY" : "SELL";
      const price = sym.formatPrice(5000000 + rng.range(-15, 15));
      const quantity = sym.formatQty(rng.range(10, 3000));
      const stpMode = rng.pick(STP);
      const common = { accountId: acct, symbol: "BTCUSDT", side, stpMode } as const;
      if (roll < 0.59) req = { ...common, type: "LIMIT", timeInForce: "GTC", price, quantity };
      else if (roll < 0.69) req = { ...common, type: "LIMIT", timeInForce: "IOC", price, quantity };
      else if (roll < 0.79) req = { ...common, type: "LIMIT", timeInForce: "FOK", price, quantity };
      else if (roll < 0.87) req = { ...common, type: "LIMIT_MAKER", price, quantity };
      else if (roll < 0.95) req = { ...common, type: "MARKET", quantity };
      else req = { ...common, type: "MARKET", quoteOrderQty: String(rng.range(5, 3000)) };
      const r = core.placeOrder(req);
      if (r.ok) {
        stamps.set(r.order.orderId, nextStamp++);
        checkPriority(before, req, r.order, reports, stamps, msg(i, "priority"));
      }
    }
    // The book never rests crossed.
    const top = core.bookTop("BTCUSDT");
    if (top && top.bidLots > 0 && top.askLots > 0) {
      expect(top.bidTicks, msg(i, "crossed book")).toBeLessThan(top.askTicks);
    }
    // Conservation per asset (accounts + fees collected).
    ASSETS.forEach((a, k) => {
      expect(total(a), msg(i, `${a} not conserved`)).toBe(initial[k] as number);
    });
    // Locks equal exactly what open orders need, and nothing is negative.
    for (const [id] of ACCOUNTS) {
      const open = core.openOrders(id);
      const needQuote = open
        .filter((o) => o.side === "BUY")
        .reduce((s, o) => s + o.priceTicks * (o.origLots - o.executedLots) * sym.quoteUnitsPerTickLot, 0);
      const needBase = open
        .filter((o) => o.side === "SELL")
        .reduce((s, o) => s + (o.origLots - o.executedLots) * sym.baseUnitsPerLot, 0);
      const b = core.balances(id) ?? [];
      const get = (a: string) => b.find((x) => x.asset === a) ?? { freeUnits: 0, lockedUnits: 0 };
      expect(get("USDT").lockedUnits, msg(i, `${id} USDT lock`)).toBe(needQuote);
      expect(get("BTC").lockedUnits, msg(i, `${id} BTC lock`)).toBe(needBase);
      expect(get("USDT").freeUnits >= 0 && get("BTC").freeUnits >= 0, msg(i, `${id} negative`)).toBe(true);
    }
    // Fees exact: floor(received × rate) in the asset received.
    for (const r of reports) {
      if (r.execType !== "TRADE") continue;
      const f = fees.get(r.accountId) as { maker: string; taker: string };
      const rate = rateE8(r.isMaker ? f.maker : f.taker);
      const received = r.side === "BUY" ? BigInt(r.lastLots * sym.baseUnitsPerLot) : BigInt(r.lastQuoteUnits);
      expect(r.commissionUnits, msg(i, "fee")).toBe(Number((received * rate) / 100000000n));
      expect(r.commissionAsset, msg(i, "fee asset")).toBe(r.side === "BUY" ? "BTC" : "USDT");
      expect(r.lastQuoteUnits, msg(i, "quote")).toBe(r.lastLots * r.lastPriceTicks * sym.quoteUnitsPerTickLot);
    }
    // Quantity is conserved: maker fills = taker fills = traded quantity.
    const sumLots = (maker: boolean) =>
      reports.filter((r) => r.execType === "TRADE" && r.isMaker === maker).reduce((a, r) => a + r.lastLots, 0);
    expect([sumLots(true), sumLots(false)], msg(i, "fill quantities")).toEqual([tradedLots, tradedLots]);
    // The last best bid/ask event matches the book's top.
    const t = core.bookTop("BTCUSDT");
    if (t !== undefined && t.updateId > 0 && lastTop[0] !== 0) {
      expect(lastTop.slice(1), msg(i, "bookTop event")).toEqual([t.bidTicks, t.bidLots, t.askTicks, t.askLots]);
    }
    // Each order's last report of the action states its current status and cumulative fill.
    const lastReport = new Map<number, ExecutionReport>();
    for (const r of reports) lastReport.set(r.orderId, r);
    for (const r of lastReport.values()) {
      const o = core.getOrder(r.accountId, "BTCUSDT", { orderId: r.orderId });
      const want: unknown[] = [o?.status, o?.executedLots, o?.cumQuoteUnits];
      expect([r.status, r.cumLots, r.cumQuoteUnits] as unknown[], msg(i, `last report of ${r.orderId}`)).toEqual(want);
    }
    // The book rebuilt from level events equals the snapshot.
    const snap = core.depthSnapshot("BTCUSDT", 5000);
    expect(snap?.lastUpdateId, msg(i, "lastUpdateId")).toBe(lastU);
    expect(sorted(local[Side.Buy] as Map<number, number>, -1), msg(i, "bids")).toEqual(
      snap?.bids as [number, number][],
    );
    expect(sorted(local[Side.Sell] as Map<number, number>, 1), msg(i, "asks")).toEqual(
      snap?.asks as [number, number][],
    );
  }
}

function sorted(m: Map<number, number>, dir: number): [number, number][] {
  return [...m.entries()].sort((a, b) => dir * (a[0] - b[0]));
}

/**
 * Naive price-time reference (time = the order's stamp): the makers a taker touched (traded or STP-expired) must be exactly
 * the first ones of the opposite side in (price, orderId) order, all but the last fully consumed,
 * and a quantity order left unfilled without STP must have consumed every crossing maker.
 */
function checkPriority(
  before: OrderView[],
  req: PlaceOrderRequest,
  taker: OrderView,
  reports: ExecutionReport[],
  stamps: ReadonlyMap<number, number>,
  msg: string,
): void {
  const stampOf = (o: OrderView): number => stamps.get(o.orderId) ?? 0;
  const buy = req.side === "BUY";
  const limit = req.type === "MARKET" ? (buy ? Number.POSITIVE_INFINITY : 0) : taker.priceTicks;
  const queue = before
    .filter((o) => o.side !== req.side && (buy ? o.priceTicks <= limit : o.priceTicks >= limit))
    .sort((a, b) => (buy ? a.priceTicks - b.priceTicks : b.priceTicks - a.priceTicks) || stampOf(a) - stampOf(b));
  const touched: number[] = [];
  const consumed = new Map<number, number>();
  for (const r of reports) {
    const isMakerEvent =
      (r.execType === "TRADE" && r.isMaker) || (r.execType === "TRADE_PREVENTION" && r.orderId !== taker.orderId);
    if (!isMakerEvent) continue;
    if (touched.at(-1) !== r.orderId) touched.push(r.orderId);
    consumed.set(r.orderId, r.execType === "TRADE_PREVENTION" || r.status === "FILLED" ? 1 : 0);
  }
  expect(touched, msg).toEqual(queue.slice(0, touched.length).map((o) => o.orderId));
  for (const id of touched.slice(0, -1)) expect(consumed.get(id), `${msg}: maker ${id} skipped early`).toBe(1);
  const unfilled = taker.executedLots < taker.origLots && req.quoteOrderQty === undefined;
  const killedFok = req.timeInForce === "FOK" && taker.executedLots === 0;
  if (unfilled && taker.status !== "EXPIRED_IN_MATCH" && !killedFok && req.type !== "LIMIT_MAKER") {
    const untouched = queue.slice(touched.length);
    const otherAccount = untouched.filter((o) => o.accountId !== req.accountId || req.stpMode === "NONE");
    expect(otherAccount.length, `${msg}: crossing makers left while the taker had quantity`).toBe(0);
  }
}

for (const seed of ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10"]) {
  test(`random order flow keeps every matching invariant (seed ${seed})`, () => {
    runSeed(seed, 800);
  });
}
