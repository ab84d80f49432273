import { describe, expect, test } from "bun:test";
import type { JournalRecord } from "../journal/index.ts";
import { Rng } from "../services/index.ts";
import { DeskView } from "./desk-view.ts";
import type { DeskMessage } from "./stream-sink.ts";

const SEED = process.env.HFT_DESK_SEED ?? `view-${Date.now().toString(36)}`;
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function position(symbol: string, pos: string, lots: number, openCost: string, realized: string, fees: string) {
  return {
    kind: "position",
    tsMs: 1000,
    venue: "sim",
    symbol,
    tick: "0.1",
    step: "0.001",
    lots,
    position: pos,
    entries: [],
    openCost,
    realized,
    fees,
    feesByAsset: { USDT: fees },
    unvaluedFees: 0,
    fills: 1,
    boughtLots: Math.max(lots, 0),
    soldLots: Math.max(-lots, 0),
  } satisfies JournalRecord;
}

function order(clientId: string, side: "buy" | "sell", price: string): JournalRecord {
  return {
    kind: "order",
    tsMs: 1000,
    clientId,
    venue: "sim",
    symbol: "BTC/USDT",
    side,
    type: "limit",
    tif: "GTC",
    price,
    qty: "0.002",
    strategy: "mm",
  };
}

function event(clientId: string, from: string, to: string, filled = "0"): JournalRecord {
  return {
    kind: "order_event",
    tsMs: 1001,
    clientId,
    from,
    to,
    filledQty: filled,
    venueOrderId: "v1",
    reason: "ack event",
    rejectReason: null,
  };
}

function fill(tradeId: string, side: "buy" | "sell", price: string, localTimeMs: number): JournalRecord {
  return {
    kind: "fill",
    venue: "sim",
    symbol: "BTC/USDT",
    tradeId,
    clientId: "a-1-1",
    venueOrderId: "v1",
    side,
    price,
    qty: "0.002",
    fee: "0.01",
    feeAsset: "USDT",
    isMaker: false,
    venueTimeMs: localTimeMs,
    localTimeMs,
    source: "stream",
    estimated: false,
    currency: "USDT",
    realizedPnl: "0",
    feeQuote: "0.01",
    ephemeral: true,
  };
}

/** Two engines' histories, the second over two sessions (a restart), as their sinks number them. */
function history(): DeskMessage[] {
  const a: JournalRecord[] = [
    order("a-1-1", "buy", "50000"),
    event("a-1-1", "pending_new", "new"),
    order("a-1-2", "sell", "50010"),
    event("a-1-2", "pending_new", "new"),
    event("a-1-1", "new", "filled", "0.002"),
    fill("7", "buy", "50000", 2000),
    position("BTC/USDT", "0.002", 2, "100", "0", "0.01"),
  ];
  const b1: JournalRecord[] = [
    order("b-1-1", "sell", "50020"),
    event("b-1-1", "pending_new", "new"),
    fill("3", "sell", "50020", 1500),
    position("BTC/USDT", "-0.002", -2, "100.04", "0.5", "0.02"),
  ];
  const b2: JournalRecord[] = [
    // the restarted engine settles its earlier run's order at start-up, then trades on
    event("b-1-1", "new", "canceled"),
    fill("3", "sell", "50030", 2500), // the venue restarted too: the same trade id is a new trade
    position("BTC/USDT", "-0.004", -4, "200.1", "0.5", "0.04"),
  ];
  const msgs = (engine: string, session: string, rs: JournalRecord[]) =>
    rs.map((record, i): DeskMessage => ({ engine, session, seq: i + 1, record }));
  return [...msgs("a", "sa", a), ...msgs("b", "sb1", b1), ...msgs("b", "sb2", b2)];
}

/** Moves b's first session's first message before anything of its second (as a stream has them). */
function sessionsInOrder(msgs: DeskMessage[]): void {
  const first = msgs.findIndex((m) => m.session === "sb1");
  const second = msgs.findIndex((m) => m.session === "sb2");
  if (second < first) msgs.splice(second, 0, ...msgs.splice(first, 1));
}

describe("the desk view", () => {
  test("folds positions, PnL, fees and open orders per engine and for the firm", () => {
    const v = new DeskView();
    for (const m of history()) v.apply(m);
    const s = v.snapshot();
    const [a, b] = s.engines;
    expect(a?.positions.map((p) => p.position)).toEqual(["0.002"]);
    expect(a?.openOrders.map((o) => o.clientId)).toEqual(["a-1-2"]);
    expect(b?.positions.map((p) => p.position)).toEqual(["-0.004"]);
    expect(b?.openOrders).toEqual([]);
    expect(b?.sessions).toBe(2);
    expect(b?.fills).toBe(2);
    // marked at the desk's last fill (50030, b's second session): a long 0.002 bought for 100
    expect(a?.positions[0]?.mark).toBe("50030");
    expect(a?.positions[0]?.unrealized).toBe("0.06");
    // b short 0.004 for 200.1 at 50030: 200.1 - 200.12
    expect(b?.positions[0]?.unrealized).toBe("-0.02");
    expect(s.firm.positions).toEqual([{ symbol: "BTC/USDT", asset: "BTC", position: "-0.002" }]);
    expect(s.firm.pnl).toEqual([{ currency: "USDT", realized: "0.5", unrealized: "0.04", fees: "0.05", net: "0.49" }]);
    expect(s.firm.openOrders).toBe(1);
  });

  // sessions of one engine follow each other (a process starts after the previous one ended), so
  // the stream shows a session's first message before any of the next session's
  test("duplicates and any delivery order within that give the same view", () => {
    const base = new DeskView();
    for (const m of history()) base.apply(m);
    const want = base.snapshot();
    const rng = new Rng(SEED);
    for (let round = 0; round < 50; round++) {
      const msgs = history();
      const doubled = [...msgs, ...msgs.filter(() => rng.next() < 0.5)];
      for (let i = doubled.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [doubled[i], doubled[j]] = [doubled[j] as DeskMessage, doubled[i] as DeskMessage];
      }
      sessionsInOrder(doubled);
      const v = new DeskView();
      for (const m of doubled) v.applyBytes(enc(m), `hft.desk.${m.engine}.${m.record.kind}`);
      const got = v.snapshot();
      expect(got.engines, `seed ${SEED} round ${round}`).toEqual(want.engines);
      expect(got.firm, `seed ${SEED} round ${round}`).toEqual(want.firm);
      expect(got.stats.duplicates, `seed ${SEED}`).toBe(doubled.length - msgs.length);
    }
  });

  test("a sequence that never arrives is counted as missing and does not stall what follows", () => {
    const v = new DeskView();
    const msgs = history().filter((m) => !(m.engine === "a" && m.seq === 4));
    for (const m of msgs) v.apply(m);
    const a = v.snapshot().engines[0];
    expect(a?.missing).toBe(1);
    expect(a?.positions.map((p) => p.position)).toEqual(["0.002"]);
    // a-1-2 never got its "new": it is still pending, so still open
    expect(a?.openOrders.map((o) => [o.clientId, o.state])).toEqual([["a-1-2", "pending_new"]]);
    expect(v.stats.outOfOrder).toBeGreaterThan(0);
  });

  test("closed orders are counted and let go; a late copy of their records does not bring them back", () => {
    const v = new DeskView();
    const msgs: DeskMessage[] = [];
    for (let i = 0; i < 3000; i++) {
      const id = `c-1-${i}`;
      for (const record of [order(id, "buy", "50000"), event(id, "pending_new", "new"), event(id, "new", "canceled")])
        msgs.push({ engine: "c", session: "sc", seq: msgs.length + 1, record });
    }
    msgs.push({ engine: "c", session: "sc", seq: msgs.length + 1, record: order("c-1-live", "sell", "50001") });
    for (const m of msgs) v.apply(m);
    const c = v.snapshot().engines[0];
    expect(c?.closedOrders).toBe(3000);
    expect(c?.openOrders.map((o) => o.clientId)).toEqual(["c-1-live"]);
    for (const m of msgs.slice(0, 30)) expect(v.apply(m)).toBe(false);
    expect(v.snapshot().engines[0]).toEqual(c);
  });

  test("hostile or malformed messages are counted by reason and change nothing", () => {
    const v = new DeskView();
    for (const m of history()) v.apply(m);
    const want = v.snapshot();
    const good = history()[0] as DeskMessage;
    const hostile: [Uint8Array, string][] = [
      [new TextEncoder().encode("{not json"), "hft.desk.a.order"],
      [enc([1, 2]), "hft.desk.a.order"],
      [enc({ ...good, seq: -1 }), "hft.desk.a.order"],
      [enc({ ...good, seq: 1.5 }), "hft.desk.a.order"],
      [enc({ ...good, engine: "x".repeat(100) }), "hft.desk.a.order"],
      [enc({ ...good, session: 7 }), "hft.desk.a.order"],
      [enc({ ...good, seq: 99, record: { kind: "position", venue: "sim", symbol: "X" } }), "hft.desk.a.position"],
      [enc({ ...good, seq: 99, record: { ...order("z", "buy", "1e9999999"), kind: "order" } }), "hft.desk.a.order"],
      [enc({ ...good, seq: 99, record: { kind: "nope" } }), "hft.desk.a.nope"],
      // a message claiming to be engine a, published on another engine's subject
      [enc({ ...good, seq: 100 }), "hft.desk.b.order"],
      [enc({ ...good, seq: 101, record: { ...fill("9", "buy", "1", 1), side: "both" } }), "hft.desk.a.fill"],
      [
        enc({ ...good, seq: 102, record: { kind: "balances", tsMs: "soon", venue: "sim", balances: [] } }),
        "hft.desk.a.balances",
      ],
      [enc({ ...good, seq: 103, record: { ...order("y", "buy", "1"), strategy: { evil: true } } }), "hft.desk.a.order"],
    ];
    for (const [bytes, subject] of hostile) expect(v.applyBytes(bytes, subject)).toBe(false);
    const got = v.snapshot();
    expect(got.engines).toEqual(want.engines);
    expect(got.stats.malformed).toEqual({ not_json: 1, envelope: 5, record: 6, subject: 1 });
  });
});
