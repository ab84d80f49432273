import { describe, expect, test } from "bun:test";
import { FakeVenue, flush, makeDesk, PlacingFakeVenue } from "../../test/support/fake-venue.ts";
import { Rng, VirtualClock } from "../services/index.ts";
import { Side } from "../types/index.ts";
import { ClientIdGenerator } from "./client-id.ts";
import type { ManagedOrder } from "./order-state.ts";

function placed(r: ManagedOrder | string): ManagedOrder {
  if (typeof r === "string") throw new Error(`order refused: ${r}`);
  return r;
}

describe("order manager: normal life", () => {
  test("submit, ack (stream before REST), partial fill, fill; open-order counters follow", async () => {
    const { desk, venue } = makeDesk();
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 10));
    expect(o.state).toBe("pending_new");
    const inst = desk.registry.get("fake", "BTC-USDT");
    expect(inst?.openLots[Side.Buy]).toBe(10);
    expect(desk.registry.venues.get("fake")?.openOrders).toBe(1);
    await flush();
    expect(o.state).toBe("new");
    expect(o.venueOrderId).not.toBe("");
    venue.fill(o.clientId, 4);
    expect(o.state).toBe("partially_filled");
    expect(o.cumLots).toBe(4);
    expect(inst?.openLots[Side.Buy]).toBe(6);
    venue.fill(o.clientId, 6);
    expect(o.state).toBe("filled");
    expect(inst?.openLots[Side.Buy]).toBe(0);
    expect(desk.registry.venues.get("fake")?.openOrders).toBe(0);
    expect(inst?.live[Side.Buy].size).toBe(0);
    expect(desk.oms.stats.fills).toBe(2);
    expect(desk.positions.view("fake", "BTC-USDT")?.lots).toBe(10);
    expect(venue.submits.length).toBe(1);
    expect(o.history.join("\n")).toContain("pending_new -> new");
  });

  test("duplicate and out-of-order fills are applied exactly once; the venue's cumulative wins", async () => {
    const { desk, venue } = makeDesk();
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Sell, 5_000_000, 9));
    await flush();
    const f1 = venue.fill(o.clientId, 2, undefined, false);
    const f2 = venue.fill(o.clientId, 3, undefined, false);
    const f3 = venue.fill(o.clientId, 4, undefined, false);
    venue.deliver(f3); // the last one first
    expect(o.state).toBe("filled");
    venue.deliver(f1);
    venue.deliver(f1);
    venue.deliver(f2);
    venue.deliver(f3);
    venue.deliver(f2);
    expect(o.state).toBe("filled");
    expect(o.cumLots).toBe(9);
    expect(o.appliedLots).toBe(9);
    expect(desk.oms.stats.fills).toBe(3);
    expect(desk.oms.stats.duplicateFills).toBe(3);
    expect(desk.positions.view("fake", "BTC-USDT")?.lots).toBe(-9);
  });

  test("fills without a trade id are deduplicated by cumulative quantity", async () => {
    const { desk, venue } = makeDesk();
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    const f = { ...venue.fill(o.clientId, 2, undefined, false), tradeId: -1 };
    venue.deliver(f);
    venue.deliver(f);
    expect(o.appliedLots).toBe(2);
    expect(desk.oms.stats.duplicateFills).toBe(1);
  });

  test("a venue reject ends in rejected with its reason", async () => {
    const { desk, venue } = makeDesk();
    venue.submitMode = "reject";
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    expect(o.state).toBe("rejected");
    expect(o.rejectReason).toBe("insufficient_balance");
    expect(desk.registry.get("fake", "BTC-USDT")?.openLots[Side.Buy]).toBe(0);
    expect(desk.oms.stats.rejected).toBe(1);
  });

  test("cancel: new -> pending_cancel -> canceled", async () => {
    const { desk, venue } = makeDesk();
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    venue.emitCancels = false;
    expect(desk.cancel(o.clientId)).toBe(true);
    expect(o.state).toBe("pending_cancel");
    expect(desk.registry.get("fake", "BTC-USDT")?.openLots[Side.Buy]).toBe(5); // still potential position
    await flush();
    expect(o.state).toBe("pending_cancel");
    venue.deliver({ ...venue.fill(o.clientId, 1, undefined, false) }); // a fill races the cancel
    expect(o.state).toBe("pending_cancel");
    expect(o.cumLots).toBe(1);
    venue.finish(o.clientId, "canceled");
    expect(o.state).toBe("canceled");
    expect(desk.registry.get("fake", "BTC-USDT")?.openLots[Side.Buy]).toBe(0);
    expect(desk.positions.view("fake", "BTC-USDT")?.lots).toBe(1);
  });

  test("pending_cancel that gets completely filled ends filled", async () => {
    const { desk, venue } = makeDesk();
    venue.emitCancels = false;
    venue.cancelMode = "hang";
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    desk.cancel(o.clientId);
    venue.fill(o.clientId, 5);
    expect(o.state).toBe("filled");
  });

  test("a cancel asked while pending_new is sent once the order is acked, never before", async () => {
    const { desk, venue, clock } = makeDesk();
    venue.submitMode = "hang_placed";
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    expect(desk.cancel(o.clientId)).toBe(true);
    expect(o.cancelWanted).toBe(true);
    expect(venue.cancels.length).toBe(0);
    clock.advance(5000); // submit timeout -> status query -> new -> deferred cancel
    await flush();
    expect(venue.statusQueries).toEqual([o.clientId]);
    expect(venue.cancels).toEqual([o.clientId]);
    await flush();
    expect(o.state).toBe("canceled");
    expect(venue.submits.length).toBe(1);
  });

  test("a refused cancel returns the order to its live state", async () => {
    const { desk, venue } = makeDesk();
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    venue.fill(o.clientId, 2);
    venue.cancelMode = "reject";
    desk.cancel(o.clientId);
    await flush();
    expect(o.state).toBe("partially_filled");
    expect(desk.oms.stats.cancelRejects).toBe(1);
  });
});

describe("order manager: unknown outcomes are resolved by status queries, never by resending", () => {
  test("no answer, the venue has it: tracked as new after the timeout", async () => {
    const { desk, venue, clock } = makeDesk({ orders: { submitTimeoutMs: 2000 } });
    venue.submitMode = "hang_placed";
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    clock.advance(1999);
    await flush();
    expect(venue.statusQueries.length).toBe(0);
    expect(o.state).toBe("pending_new");
    clock.advance(1);
    await flush();
    expect(venue.statusQueries).toEqual([o.clientId]);
    expect(o.state).toBe("new");
    expect(o.venueOrderId).not.toBe("");
    expect(venue.submits.length).toBe(1);
    expect(desk.oms.stats.submitTimeouts).toBe(1);
    // a fill then arrives normally
    venue.fill(o.clientId, 5);
    expect(o.state).toBe("filled");
  });

  test("no answer, the venue never got it: rejected as lost; a later ack is cancelled at the venue", async () => {
    const { desk, venue, clock } = makeDesk();
    venue.submitMode = "hang_lost";
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    clock.advance(5000);
    await flush();
    expect(o.state).toBe("rejected");
    expect(o.rejectReason).toBe("lost");
    expect(desk.oms.stats.lostOrders).toBe(1);
    expect(venue.submits.length).toBe(1);
    clock.advance(60_000);
    await flush();
    expect(venue.submits.length).toBe(1);
    // the order turns up after all (a very late delivery): it must not stay on the venue
    venue.seed("BTC-USDT", o.clientId, Side.Buy, 5_000_000, 5);
    venue.deliver(venue.ackUpdate(o.clientId));
    expect(venue.cancels).toEqual([o.clientId]);
    await flush();
    expect(venue.venueOrder(o.clientId)?.status).toBe("canceled");
    expect(desk.kill.isHalted()).toBe(false);
    expect(desk.stats.illegalTransitions).toBe(0);
    expect(o.history.join("\n")).toContain("resurrected");
    expect(desk.oms.stats.resurrectedOrders).toBe(1);
    expect(o.state).toBe("rejected");
  });

  test("transport error on submit: outcome unknown, resolved by status (exists -> new)", async () => {
    const { desk, venue, clock } = makeDesk({ orders: { statusRetryMs: 500 } });
    venue.submitMode = "error_placed";
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    expect(o.state).toBe("pending_new");
    expect(desk.oms.stats.unknownOutcomes).toBe(1);
    clock.advance(500);
    await flush();
    expect(o.state).toBe("new");
    expect(venue.submits.length).toBe(1);
  });

  test("a settled unknown outcome is told once, with how it turned out (open; not found)", async () => {
    const told: string[] = [];
    const { desk, venue, clock } = makeDesk({
      orders: { statusRetryMs: 500 },
      onUnknownOutcome: (o, result) => told.push(`${o.clientId} ${result}`),
    });
    venue.submitMode = "error_placed";
    const placedLate = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    venue.submitMode = "error_lost";
    const lost = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    venue.submitMode = "ack";
    const normal = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    clock.advance(500);
    await flush();
    clock.advance(10_000);
    await flush();
    expect([placedLate.state, lost.state, normal.state]).toEqual(["new", "rejected", "new"]);
    expect(told).toEqual([`${placedLate.clientId} open`, `${lost.clientId} not_found`]);
    expect(desk.oms.stats.unknownOutcomes).toBe(2);
  });

  test("a pending order the venue ends with a reject reason (OKX post-only) is rejected, not canceled", async () => {
    const { desk, venue } = makeDesk();
    venue.submitMode = "hang_placed";
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5, "limit_maker"));
    await flush();
    const u = venue.finish(o.clientId, "canceled", false);
    venue.deliver({ ...u, rejectReason: "would_take" });
    expect({ state: o.state, reason: o.rejectReason }).toEqual({ state: "rejected", reason: "would_take" });
    expect({ rejected: desk.oms.stats.rejected, canceled: desk.oms.stats.canceled }).toEqual({
      rejected: 1,
      canceled: 0,
    });
  });

  test("transport error on submit, venue has nothing: rejected as lost", async () => {
    const { desk, venue, clock } = makeDesk({ orders: { statusRetryMs: 500 } });
    venue.submitMode = "error_lost";
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    clock.advance(500);
    await flush();
    expect(o.state).toBe("rejected");
    expect(venue.submits.length).toBe(1);
  });

  test("duplicate_client_id means the venue has it: status query, not a reject", async () => {
    const { desk, venue, clock } = makeDesk({ orders: { statusRetryMs: 100 } });
    venue.submitMode = "duplicate";
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    venue.seed("BTC-USDT", o.clientId, Side.Buy, 5_000_000, 5);
    await flush();
    expect(o.state).toBe("pending_new");
    clock.advance(100);
    await flush();
    expect(o.state).toBe("new");
  });

  test("failing status queries are retried with backoff; the order is never resent", async () => {
    const { desk, venue, clock } = makeDesk({ orders: { submitTimeoutMs: 1000, statusRetryMs: 1000 } });
    venue.submitMode = "hang_placed";
    venue.statusMode = "error";
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      await flush();
    }
    const tries = venue.statusQueries.length;
    expect(tries).toBeGreaterThan(2);
    expect(tries).toBeLessThan(20);
    expect(o.state).toBe("pending_new");
    venue.statusMode = "ok";
    clock.advance(60_000);
    await flush();
    expect(o.state).toBe("new");
    expect(venue.submits.length).toBe(1);
    expect(desk.oms.stats.statusErrors).toBe(tries);
  });

  test("cancel with no final event: status query, cancel re-sent only while the venue shows it open", async () => {
    const { desk, venue, clock } = makeDesk({ orders: { cancelTimeoutMs: 1000, maxCancelAttempts: 3 } });
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    venue.cancelMode = "hang";
    desk.cancel(o.clientId);
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      await flush();
    }
    expect(venue.cancels.length).toBe(3);
    expect(o.state).toBe("new");
    expect(desk.oms.stats.cancelFailures).toBe(1);
  });

  test("cancel refused as unknown order: the status query finds it filled", async () => {
    const { desk, venue } = makeDesk();
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    venue.fill(o.clientId, 5, undefined, false); // filled on the venue; the event is still on its way
    desk.cancel(o.clientId);
    await flush();
    expect(venue.statusQueries).toEqual([o.clientId]);
    expect(o.state).toBe("filled");
    expect(o.appliedLots).toBe(0); // the money waits for the fill event
  });
});

describe("order manager: reconciliation", () => {
  test("start-up cleanup cancels only this engine's orphans, then allows quoting", async () => {
    const venue = new FakeVenue();
    const earlier = new ClientIdGenerator("hft1", new VirtualClock(1_600_000_000_000), new Rng("old"));
    const orphanA = earlier.next();
    const orphanB = earlier.next();
    venue.seed("BTC-USDT", orphanA, Side.Buy, 4_900_000, 3);
    venue.seed("BTC-USDT", orphanB, Side.Sell, 5_100_000, 3);
    venue.seed("BTC-USDT", "hft12-xyz-1", Side.Buy, 4_900_000, 3);
    venue.seed("BTC-USDT", "manual_order_7", Side.Sell, 5_200_000, 3);
    const { desk } = makeDesk({}, venue);
    const v = desk.registry.venues.get("fake");
    if (v !== undefined) v.ready = false;
    expect(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 1)).toBe("venue_not_ready");
    const report = await desk.startVenue("fake");
    expect(report).toEqual({ venue: "fake", found: 2, canceled: 2, remaining: 0, foreign: 2 });
    expect(venue.cancels.sort()).toEqual([orphanA, orphanB].sort());
    expect(venue.venueOrder("hft12-xyz-1")?.status).toBe("new");
    expect(venue.venueOrder("manual_order_7")?.status).toBe("new");
    expect(desk.isReady("fake")).toBe(true);
    expect(typeof desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 1)).toBe("object");
  });

  test("reconnect: missing local orders are queried, unknown own orders cancelled, missed fills caught up", async () => {
    const { desk, venue, clock } = makeDesk();
    const a = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 4_999_000, 5));
    const b = placed(desk.submit("fake", "BTC-USDT", Side.Sell, 5_001_000, 5));
    await flush();
    clock.advance(10);
    venue.finish(a.clientId, "canceled", false); // cancelled by the venue while we were away
    venue.fill(b.clientId, 2, undefined, false); // filled while we were away
    const stray = `${desk.ids.prefix}-zzz-9`;
    venue.seed("BTC-USDT", stray, Side.Buy, 4_000_000, 1);
    venue.seed("BTC-USDT", "other-1", Side.Buy, 4_000_000, 1);
    // finished here, still open there (the venue lost our cancel's effect)
    const c = placed(desk.submit("fake", "BTC-USDT", Side.Sell, 5_002_000, 5));
    await flush();
    venue.deliver({ ...venue.ackUpdate(c.clientId), status: "canceled", exec: "canceled" });
    expect(c.state).toBe("canceled");
    expect(venue.venueOrder(c.clientId)?.status).toBe("new");
    const report = await desk.reconcile("fake");
    await flush();
    expect(report).toEqual({ venue: "fake", updated: 1, orphans: 2, queried: 1, foreign: 1 });
    expect(a.state).toBe("canceled");
    expect(b.state).toBe("partially_filled");
    expect(b.cumLots).toBe(2);
    expect(venue.cancels.sort()).toEqual([stray, c.clientId].sort());
    expect(venue.venueOrder(c.clientId)?.status).toBe("canceled");
  });

  test("a reconnect event triggers reconciliation", async () => {
    const { desk, venue } = makeDesk();
    venue.emit({ type: "connection", venue: "fake", stream: "orders", state: "disconnected", reason: "test" });
    venue.emit({ type: "connection", venue: "fake", stream: "orders", state: "connected", reason: "test" });
    await flush();
    expect(venue.openOrdersCalls).toBe(1);
    expect(desk.stats.reconciles).toBe(1);
  });

  test("fills of untracked own orders still reach positions, once", async () => {
    const { desk, venue } = makeDesk();
    venue.seed("BTC-USDT", "hft1-old-1", Side.Buy, 5_000_000, 4);
    const f = venue.fill("hft1-old-1", 4, undefined, false);
    venue.deliver(f);
    venue.deliver(f);
    expect(desk.positions.view("fake", "BTC-USDT")?.lots).toBe(4);
    venue.seed("BTC-USDT", "web-1", Side.Buy, 5_000_000, 4);
    venue.fill("web-1", 4);
    expect(desk.positions.view("fake", "BTC-USDT")?.lots).toBe(4);
    expect(desk.oms.stats.foreignUpdates).toBe(1);
  });

  test("a contradiction in an async status answer is contained too (no unhandled rejection)", async () => {
    const errors: Error[] = [];
    const { desk, venue } = makeDesk({ onError: (e) => errors.push(e) });
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    venue.finish(o.clientId, "rejected", false); // nonsense: an acked order "rejected" later
    venue.cancelMode = "unknown_order";
    desk.cancel(o.clientId);
    await flush();
    expect(venue.statusQueries).toEqual([o.clientId]);
    expect(errors.map((e) => e.message.split(";")[0])).toEqual([
      `illegal order transition pending_cancel -> rejected for ${o.clientId} (status query)`,
    ]);
    expect(desk.kill.isHalted()).toBe(true);
  });

  test("a contradiction from the venue is an illegal transition: contained, kill switch tripped", async () => {
    const errors: Error[] = [];
    const { desk, venue } = makeDesk({ onError: (e) => errors.push(e) });
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    venue.fill(o.clientId, 5, undefined, false);
    venue.finish(o.clientId, "canceled"); // the venue says canceled (cum 5) ...
    expect(o.state).toBe("canceled");
    venue.deliver({ ...venue.finish(o.clientId, "expired", false), status: "filled", cumLots: 5 as never });
    expect(errors.length).toBe(1);
    expect(errors[0]?.message).toContain("illegal order transition canceled -> filled");
    expect(errors[0]?.message).toContain("created pending_new");
    expect(desk.kill.isHalted()).toBe(true);
    expect(desk.stats.illegalTransitions).toBe(1);
  });
});

describe("order manager: an adapter's promise-free placeOrder", () => {
  test("is used instead of submitOrder, and its answers move orders as a promise's would (ack, reject, unknown outcome)", async () => {
    const told: string[] = [];
    const venue = new PlacingFakeVenue();
    const { desk, clock } = makeDesk(
      { orders: { statusRetryMs: 500 }, onUnknownOutcome: (o, result) => told.push(`${o.clientId} ${result}`) },
      venue,
    );
    const acked = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    venue.submitMode = "reject";
    const refused = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    venue.submitMode = "error_placed";
    const unknown = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    expect([acked.state, refused.state, unknown.state]).toEqual(["pending_new", "pending_new", "pending_new"]);
    await flush();
    expect([acked.state, refused.state, unknown.state]).toEqual(["new", "rejected", "pending_new"]);
    expect(acked.venueOrderId).not.toBe("");
    expect(refused.rejectReason).toBe("insufficient_balance");
    clock.advance(500);
    await flush();
    expect(unknown.state).toBe("new");
    expect(told).toEqual([`${unknown.clientId} open`]);
    expect(venue.placeCalls).toBe(3);
  });

  test("an adapter that throws inside placeOrder: the order's outcome is unknown, answered after submit returned", async () => {
    const venue = new PlacingFakeVenue();
    venue.placeOrder = () => {
      throw new Error("adapter bug");
    };
    const { desk } = makeDesk({ orders: { statusRetryMs: 500 } }, venue);
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    expect(o.state).toBe("pending_new");
    await flush();
    expect(o.state).toBe("pending_new");
    expect(desk.oms.stats.unknownOutcomes).toBe(1);
    expect(o.history.join("\n")).toContain("submit outcome unknown: adapter bug");
  });
});

describe("order manager: an adapter's promise-free requestCancel", () => {
  test("is used instead of cancelOrder, and its answers move orders as a promise's would (accepted, refused, unknown order, no answer)", async () => {
    const venue = new PlacingFakeVenue();
    venue.emitCancels = false; // the final "canceled" would come on the order stream: here it does not
    const { desk, clock } = makeDesk({ orders: { cancelTimeoutMs: 1000, maxCancelAttempts: 2 } }, venue);
    const [ok, refused, gone, hung] = [1, 2, 3, 4].map(() =>
      placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5)),
    ) as [ManagedOrder, ManagedOrder, ManagedOrder, ManagedOrder];
    await flush();
    desk.cancel(ok.clientId);
    venue.cancelMode = "reject";
    desk.cancel(refused.clientId);
    venue.cancelMode = "unknown_order";
    desk.cancel(gone.clientId);
    venue.cancelMode = "hang";
    desk.cancel(hung.clientId);
    expect([ok.state, refused.state, gone.state, hung.state]).toEqual(Array(4).fill("pending_cancel"));
    await flush();
    expect(ok.state).toBe("pending_cancel");
    expect(ok.history.join("\n")).toContain("cancel accepted");
    expect(refused.state).toBe("new");
    expect(desk.oms.stats.cancelRejects).toBe(1);
    // unknown_order: the status query asks the venue, which still shows it open
    expect(gone.history.join("\n")).toContain("cancel outcome unknown");
    expect(venue.statusQueries).toContain(gone.clientId);
    // no answer: the cancel timer queries and re-sends, through requestCancel again
    clock.advance(1000);
    await flush();
    expect(venue.statusQueries).toContain(hung.clientId);
    expect(venue.requestCancelCalls).toBeGreaterThanOrEqual(5);
    expect(venue.cancels.filter((id) => id === hung.clientId).length).toBe(2);
  });

  test("an adapter that throws inside requestCancel: answered after cancel returned, as an unknown outcome", async () => {
    const venue = new PlacingFakeVenue();
    const { desk } = makeDesk({}, venue);
    const o = placed(desk.submit("fake", "BTC-USDT", Side.Buy, 5_000_000, 5));
    await flush();
    venue.requestCancel = () => {
      throw new Error("adapter bug");
    };
    desk.cancel(o.clientId);
    expect(o.history.join("\n")).not.toContain("adapter bug");
    await flush();
    expect(o.history.join("\n")).toContain("cancel outcome unknown: adapter bug");
    // the venue still shows it open: re-sent up to maxCancelAttempts (3), then back to live
    expect(venue.statusQueries).toEqual([o.clientId, o.clientId, o.clientId]);
    expect(o.state).toBe("new");
    expect(desk.oms.stats.cancelFailures).toBe(1);
  });
});
