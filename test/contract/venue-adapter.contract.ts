/**
 * The VenueAdapter contract suite: written once, run against every adapter through its harness
 * (test/contract/<venue>.contract.test.ts). It checks what the engine relies on — a live book equal
 * to the venue's, recovery from lost/duplicated/reordered data, stale snapshots and disconnects
 * within a stated bound with no crossed book ever emitted, the order lifecycle events, reconciliation
 * of unknown outcomes, rate-limit discipline, and bad frames sent on the wire by the venue (garbage,
 * truncated, crossed, out of range; market data and user streams) refused, counted and recovered from.
 */
import { afterAll, beforeAll, test as bunTest, describe, expect } from "bun:test";
import type { FrameCorruption } from "../../src/sim/index.ts";
import {
  type BookHealth,
  type InstrumentInfo,
  type Lots,
  type OrderUpdate,
  Side,
  type Ticks,
  type TradeQuery,
  type VenueEvent,
  VenueRejectError,
  type VenueTrade,
} from "../../src/types/index.ts";
import type { CancelReplies, OrderReplies, VenueAdapter } from "../../src/venues/contract.ts";
import { eventually, WAIT_MS } from "../support/wait.ts";
import type { ContractHarness, CorruptFrameOptions, HarnessFactory, MarketStream } from "./harness.ts";

/** One market-frame corruption of the wire tests: stream, kind, options. */
type MarketCase = readonly [MarketStream, FrameCorruption, CorruptFrameOptions?];

const LEVELS = 20;
/** Per-test ceiling: generous for a loaded machine; success paths finish in well under a second or two. */
const TEST_TIMEOUT_MS = 30_000;
/**
 * Slack on top of a configured detection bound (suspectAfterMs + probeTimeoutMs): timers on a loaded
 * 2-core machine fire late, by hundreds of milliseconds, not by seconds.
 */
const DETECT_MARGIN_MS = 4000;

/** Tests the current harness declared unsupported (faults that only make sense on a wire). */
let unsupported: ReadonlySet<string> = new Set();

/** bun:test's test with the suite's timeout; an unsupported test is registered as skipped. */
function test(name: string, fn: () => void | Promise<void>): void {
  if (unsupported.has(name)) bunTest.skip(name, fn);
  else bunTest(name, fn, TEST_TIMEOUT_MS);
}

/** Options of one contract run. */
export interface ContractOptions {
  /** Exact names of tests this venue cannot take part in (e.g. wire faults for an in-process venue). */
  readonly unsupported?: readonly string[];
}

/** Records what an adapter emitted, and every contract violation seen while recording. */
class Recorder {
  readonly violations: string[] = [];
  readonly health: { symbol: string; health: BookHealth; atMs: number; gap: boolean; check: string }[] = [];
  readonly orders: OrderUpdate[] = [];
  /** Unknown order outcomes the adapter settled: client id and result. */
  readonly outcomes: { clientId: string; result: string }[] = [];
  bookEvents = 0;
  /** Book updates (not snapshots) since the last snapshot: the book moved on from its last sync. */
  updatesSinceSnapshot = 0;
  lastSeq = new Map<string, number>();
  private readonly off: () => void;

  constructor(private readonly adapter: VenueAdapter) {
    this.off = adapter.onEvent((e) => this.on(e));
  }

  private on(e: VenueEvent): void {
    if (e.type === "book") {
      this.bookEvents++;
      this.updatesSinceSnapshot = e.snapshot ? 0 : this.updatesSinceSnapshot + 1;
      this.lastSeq.set(e.symbol, e.seq);
      const bid = e.book.bestBidTicks();
      const ask = e.book.bestAskTicks();
      if (bid >= 0 && ask >= 0 && bid >= ask) this.violations.push(`crossed book emitted: ${e.symbol} ${bid}/${ask}`);
      if (this.adapter.bookHealth(e.symbol) !== "live") this.violations.push(`book event while not live: ${e.symbol}`);
    } else if (e.type === "bbo") {
      if (e.bidTicks > 0 && e.askTicks > 0 && e.bidTicks >= e.askTicks)
        this.violations.push(`crossed bbo emitted: ${e.bidTicks}/${e.askTicks}`);
    } else if (e.type === "book_health") {
      this.health.push({
        symbol: e.symbol,
        health: e.health,
        atMs: Date.now(),
        gap: e.gap === true,
        check: e.check ?? "",
      });
    } else if (e.type === "order") {
      this.orders.push(e.update);
    } else if (e.type === "unknown_outcome") {
      this.outcomes.push({ clientId: e.clientId, result: e.result });
    }
  }

  ordersOf(clientId: string): OrderUpdate[] {
    return this.orders.filter((o) => o.clientId === clientId);
  }

  stop(): void {
    this.off();
  }
}

/** Waits on a condition (bounded generously: a loaded machine is slower, not wrong). */
const waitFor = (cond: () => boolean, timeoutMs = WAIT_MS): Promise<boolean> => eventually(cond, timeoutMs);

/** What the engine's malformed-frames metric adds up for an adapter: its `malformed:<reason>` stats. */
function malformedTotal(a: VenueAdapter): number {
  let n = 0;
  for (const [key, v] of Object.entries(a.stats?.() ?? {})) if (key.startsWith("malformed:")) n += v;
  return n;
}

/** Top levels of the adapter's book as [ticks, lots] lists. */
function adapterTop(a: VenueAdapter, symbol: string, n: number): { bids: number[][]; asks: number[][] } {
  const book = a.book(symbol);
  if (book === undefined) return { bids: [], asks: [] };
  const t = new Float64Array(n);
  const l = new Float64Array(n);
  const side = (s: Side): number[][] => {
    const k = book.topLevels(s, n, t, l);
    return Array.from({ length: k }, (_, i) => [t[i] ?? 0, l[i] ?? 0]);
  };
  return { bids: side(Side.Buy), asks: side(Side.Sell) };
}

/** With the market paused, waits until the adapter's top levels equal the venue's; returns the diff if not. */
async function converges(h: ContractHarness, a: VenueAdapter, symbol: string, timeoutMs: number): Promise<string> {
  let diff = "";
  const ok = await waitFor(() => {
    if (a.bookHealth(symbol) !== "live") {
      diff = `health ${a.bookHealth(symbol)}`;
      return false;
    }
    const v = h.venueBook(symbol, LEVELS);
    const mine = adapterTop(a, symbol, LEVELS);
    const want = JSON.stringify({ bids: v.bids.map((x) => [...x]), asks: v.asks.map((x) => [...x]) });
    const got = JSON.stringify(mine);
    diff = want === got ? "" : `venue ${want.slice(0, 200)}\nadapter ${got.slice(0, 200)}`;
    return diff === "";
  }, timeoutMs);
  return ok ? "" : diff;
}

/** Lots for an order of about `notionalMultiple` × the instrument's min notional at priceTicks. */
function lotsFor(info: InstrumentInfo, priceTicks: number, notionalMultiple = 2): Lots {
  const px = info.price.toNumber(priceTicks);
  const lotValue = info.qty.toNumber(1);
  const minNotional = Math.max(Number(info.minNotional), 1);
  const lots = Math.ceil((minNotional * notionalMultiple) / (px * lotValue));
  return Math.max(lots, info.minQtyLots) as Lots;
}

/** A decimal string without trailing zeros ("0.05000000" → "0.05"), to compare fees as numbers, exactly. */
function decimal(s: string): string {
  if (!s.includes(".")) return s;
  return s.replace(/0+$/, "").replace(/\.$/, "");
}

/** Runs the whole contract against one venue's harness factory. */
export function runVenueAdapterContract(name: string, makeHarness: HarnessFactory, opts: ContractOptions = {}): void {
  unsupported = new Set(opts.unsupported ?? []);
  describe(`VenueAdapter contract: ${name}`, () => {
    let h: ContractHarness;
    let a: VenueAdapter;
    let rec: Recorder;
    let sym: string;
    let seq = 0;
    const cid = (): string => `${(a as { cfg?: { clientIdPrefix?: string } }).cfg?.clientIdPrefix ?? "x"}-c-${++seq}`;

    beforeAll(async () => {
      h = await makeHarness();
      sym = h.symbol;
      a = await h.createAdapter();
      rec = new Recorder(a);
    });
    afterAll(async () => {
      rec?.stop();
      await h?.close();
    });

    /** Resumes the market, runs body, then pauses and checks convergence and no violations. */
    async function recoverAndConverge(label: string, body: () => Promise<void>): Promise<void> {
      h.pauseMarket(false);
      await body();
      h.pauseMarket(true);
      await Bun.sleep(150); // in-flight events land
      const diff = await converges(h, a, sym, h.recoveryBoundMs);
      expect(diff, `${label}: book differs from the venue`).toBe("");
      expect(rec.violations, label).toEqual([]);
    }

    test("instrument metadata is loaded with grids and limits", () => {
      const info = a.instruments().get(sym);
      expect(info?.symbol).toBe(sym);
      expect(info !== undefined && info.minQtyLots > 0).toBe(true);
      expect(info?.trading).toBe(true);
    });

    test("feeRates: the account's maker and taker rates on each symbol, as exact decimals", async () => {
      const rates = await a.feeRates([sym]);
      expect(rates.map((r) => r.symbol)).toEqual([sym]);
      for (const r of rates) {
        expect(r.maker).toMatch(/^-?\d+(\.\d+)?$/);
        expect(r.taker).toMatch(/^\d+(\.\d+)?$/);
        expect(Math.abs(Number(r.maker))).toBeLessThan(0.01);
        expect(Number(r.taker)).toBeLessThan(0.01);
      }
    });

    test("subscribing gives a live book equal to the venue's", async () => {
      await a.subscribeQuotes([sym]);
      expect(a.bookHealth(sym)).toBe("live");
      await recoverAndConverge("subscribe", async () => {
        await waitFor(() => rec.bookEvents > 3);
      });
      expect(rec.bookEvents).toBeGreaterThan(0);
    });

    for (const fault of ["dropDepth", "reorderDepth"] as const) {
      test(`${fault}: the gap is detected, the book resyncs and converges`, async () => {
        await recoverAndConverge(fault, async () => {
          const before = rec.health.length;
          h.faults[fault](sym);
          const resynced = await waitFor(
            () => rec.health.slice(before).some((x) => x.health === "resyncing") && a.bookHealth(sym) === "live",
            h.recoveryBoundMs,
          );
          expect(resynced, `${fault}: expected resyncing → live within ${h.recoveryBoundMs} ms`).toBe(true);
          const flagged = rec.health.slice(before).some((x) => x.symbol === sym && x.gap);
          expect(flagged, `${fault}: a book_health event with gap === true (hft_book_gaps_total counts it)`).toBe(true);
        });
      });
    }

    test("duplicated event: ignored, book stays live and converges", async () => {
      await recoverAndConverge("duplicate", async () => {
        h.faults.duplicateDepth(sym);
        await Bun.sleep(800);
      });
    });

    test("stale snapshot during a resync is detected and the book converges", async () => {
      await recoverAndConverge("stale snapshot", async () => {
        h.faults.staleSnapshot(sym);
        await Bun.sleep(500); // the venue moves past the captured snapshot
        const before = rec.health.length;
        h.faults.dropDepth(sym); // forces a resync that fetches the stale snapshot
        const ok = await waitFor(
          () => rec.health.slice(before).some((x) => x.health === "resyncing") && a.bookHealth(sym) === "live",
          h.recoveryBoundMs,
        );
        expect(ok, "resync after stale snapshot").toBe(true);
      });
    });

    for (const mode of ["clean", "abrupt"] as const) {
      test(`${mode} disconnect: reconnects and resyncs within the bound`, async () => {
        await recoverAndConverge(`${mode} close`, async () => {
          const before = rec.health.length;
          const t0 = Date.now();
          h.faults.closeMarket(mode);
          const left = await waitFor(() => rec.health.slice(before).some((x) => x.health !== "live"));
          expect(left, "health left live after the disconnect").toBe(true);
          const back = await waitFor(() => a.bookHealth(sym) === "live", h.recoveryBoundMs);
          expect(back, `live again within ${h.recoveryBoundMs} ms (took ${Date.now() - t0})`).toBe(true);
        });
      });
    }

    test("silent connection (ping timeout): marked stale, replaced, resynced", async () => {
      await recoverAndConverge("silence", async () => {
        const before = rec.health.length;
        const bound = h.staleness.suspectAfterMs + h.staleness.probeTimeoutMs + DETECT_MARGIN_MS;
        const t0 = Date.now();
        h.faults.silenceMarket(true);
        const staleAt = (): number | undefined =>
          rec.health.slice(before).find((x) => x.symbol === sym && x.health === "stale")?.atMs;
        await waitFor(() => staleAt() !== undefined, bound + h.recoveryBoundMs);
        h.faults.silenceMarket(false);
        const at = staleAt();
        expect(at !== undefined, "silence detected as stale").toBe(true);
        const took = (at ?? Number.POSITIVE_INFINITY) - t0;
        expect(took, `detected ${took} ms after the silence began; bound ${bound} ms`).toBeLessThanOrEqual(bound);
        const check = rec.health.slice(before).find((x) => x.health === "stale")?.check;
        expect(check, "the check that fired is named").toBe("probe_unanswered");
        const back = await waitFor(() => a.bookHealth(sym) === "live", h.recoveryBoundMs);
        expect(back, "live again after the silence").toBe(true);
      });
    });

    test("frozen depth stream (the socket answers, best bid/ask moves on): stale within the bound, live once it flows", async () => {
      await recoverAndConverge("frozen depth", async () => {
        const before = rec.health.length;
        const bound = h.staleness.suspectAfterMs + h.staleness.probeTimeoutMs + DETECT_MARGIN_MS;
        const t0 = Date.now();
        h.faults.freezeDepth(sym, true);
        const stale = (): { atMs: number; check: string } | undefined =>
          rec.health.slice(before).find((x) => x.symbol === sym && x.health === "stale");
        await waitFor(() => stale() !== undefined, bound + h.recoveryBoundMs);
        const seen = stale();
        const stillLiveMs = Date.now() - t0;
        h.faults.freezeDepth(sym, false);
        expect(seen !== undefined, `a frozen depth stream went unnoticed for ${stillLiveMs} ms`).toBe(true);
        const took = (seen?.atMs ?? Number.POSITIVE_INFINITY) - t0;
        expect(took, `detected ${took} ms after the freeze; bound ${bound} ms`).toBeLessThanOrEqual(bound);
        expect(seen?.check, "the check that fired is named").toBe("stream_behind");
        const back = await waitFor(() => a.bookHealth(sym) === "live", h.recoveryBoundMs);
        expect(back, `live again within ${h.recoveryBoundMs} ms of the stream flowing`).toBe(true);
      });
    });

    test("a quiet market is not flagged: its feed is found alive again and again, the book stays live", async () => {
      h.pauseMarket(true);
      expect(await converges(h, a, sym, h.recoveryBoundMs)).toBe("");
      const before = rec.health.length;
      const alive = (): number => a.stats?.()["md_aliveChecks"] ?? 0;
      const alive0 = alive();
      const confirmed = await waitFor(() => alive() >= alive0 + 3);
      expect(confirmed, "the adapter confirmed the quiet feed alive three times").toBe(true);
      expect(rec.health.slice(before), "no health change on a quiet market").toEqual([]);
      expect(a.bookHealth(sym)).toBe("live");
      expect(await converges(h, a, sym, h.recoveryBoundMs)).toBe("");
    });

    /**
     * Arms each corruption in turn on the wire, lets the market run until the venue sent the frame, the
     * adapter refused it (exactly one refusal per frame) and its book is in sequence again, then checks
     * the book converged and no crossed book or bbo was ever emitted.
     */
    async function badMarketFrames(label: string, cases: readonly MarketCase[]): Promise<void> {
      h.pauseMarket(true);
      await Bun.sleep(150);
      expect(await converges(h, a, sym, h.recoveryBoundMs), `${label}: converged before`).toBe("");
      for (const [stream, kind, o] of cases) {
        const what = `${label}: ${stream} ${kind} ${JSON.stringify(o ?? {})}`;
        expect(await waitFor(() => a.bookHealth(sym) === "live", h.recoveryBoundMs), `${what}: live first`).toBe(true);
        const sent = h.faults.corruptedSent().market;
        const refused = h.faults.refusedFrames(a).market;
        const malformed = malformedTotal(a);
        h.faults.corruptMarket(sym, stream, kind, o);
        h.pauseMarket(false);
        const seen = await waitFor(
          () => h.faults.corruptedSent().market > sent && h.faults.refusedFrames(a).market > refused,
        );
        // an update applied after the refusal (and after any resync's snapshot): the adapter is back in
        // sequence. A lost event shows as a gap only when the next one arrives, and an event the snapshot
        // already holds is skipped unread, so the next case must not start before that.
        const events = rec.bookEvents;
        const recovered =
          seen &&
          (await waitFor(
            () => rec.bookEvents > events && rec.updatesSinceSnapshot > 0 && a.bookHealth(sym) === "live",
          ));
        h.pauseMarket(true);
        expect(seen, `${what}: the venue sent it and the adapter refused it`).toBe(true);
        expect(recovered, `${what}: book events again`).toBe(true);
        expect(h.faults.corruptedSent().market - sent, `${what}: frames sent`).toBe(1);
        expect(h.faults.refusedFrames(a).market - refused, `${what}: counted once`).toBe(1);
        if (kind !== "crossed")
          expect(malformedTotal(a) - malformed, `${what}: once in the malformed counters`).toBe(1);
      }
      h.faults.clear();
      await Bun.sleep(150); // in-flight events land
      expect(await converges(h, a, sym, h.recoveryBoundMs), `${label}: book after the bad frames`).toBe("");
      expect(rec.violations, label).toEqual([]);
    }

    test("garbage, truncated and out-of-range depth frames on the wire are dropped and counted; the book resyncs and converges", async () => {
      const outOfRange = (["negative", "huge", "decimals", "wrongType"] as const).flatMap((kind) =>
        (["price", "qty"] as const).map((field): MarketCase => ["depth", kind, { field }]),
      );
      await badMarketFrames("bad depth frames", [
        ["depth", "garbage"],
        ["depth", "garbage", { text: "{}" }],
        ["depth", "garbage", { text: "[1,2,3]" }],
        ["depth", "garbage", { text: "null" }],
        ["depth", "truncated"],
        ...outOfRange,
      ]);
    });

    test("garbage, truncated and out-of-range best bid/ask and trade frames on the wire are dropped and counted", async () => {
      await badMarketFrames("bad bbo and trade frames", [
        ["bbo", "garbage"],
        ["bbo", "truncated"],
        ["bbo", "negative", { field: "qty" }],
        ["bbo", "huge"],
        ["bbo", "decimals"],
        ["bbo", "wrongType"],
        ["trade", "garbage"],
        ["trade", "truncated"],
        ["trade", "negative"],
        ["trade", "huge", { field: "qty" }],
        ["trade", "decimals", { field: "qty" }],
        ["trade", "wrongType"],
      ]);
    });

    test("a crossed book update or best bid/ask on the wire is refused, never emitted; the book converges", async () => {
      await badMarketFrames("crossed", [
        ["depth", "crossed"],
        ["bbo", "crossed"],
        ["depth", "crossed"],
      ]);
    });

    test("a corrupted order event on the user stream never corrupts an order or a fill; its fill is recovered once", async () => {
      h.pauseMarket(true);
      await Bun.sleep(100);
      const info = a.instruments().get(sym) as InstrumentInfo;
      const top = h.venueBook(sym, 1);
      const price = ((top.bids[0]?.[0] ?? 0) + 1) as Ticks; // our order becomes the best bid
      expect(price < (top.asks[0]?.[0] ?? 0), "needs a spread wider than one tick").toBe(true);
      const unit = lotsFor(info, price);
      const cases: ReadonlyArray<readonly [FrameCorruption, CorruptFrameOptions?]> = [
        ["garbage"],
        ["truncated"],
        ["negative", { field: "qty" }],
        ["huge", { field: "price" }],
        ["decimals", { field: "qty" }],
        ["wrongType", { field: "price" }],
      ];
      const id = cid();
      const lots = (unit * (cases.length + 1)) as Lots;
      await a.submitOrder({
        clientId: id,
        symbol: sym,
        side: Side.Buy,
        type: "limit",
        tif: "GTC",
        priceTicks: price,
        lots,
      });
      expect(await waitFor(() => rec.ordersOf(id).some((u) => u.exec === "ack"))).toBe(true);
      const filled = (): number =>
        rec.ordersOf(id).reduce((t: number, u) => t + (u.exec === "fill" ? u.lastLots : 0), 0);
      for (const [i, [kind, o]] of cases.entries()) {
        const what = `user ${kind} ${JSON.stringify(o ?? {})}`;
        const sent = h.faults.corruptedSent().user;
        const refused = h.faults.refusedFrames(a).user;
        h.faults.corruptUser(kind, o);
        h.faults.trade(sym, "sell", price, unit); // the fill's report goes out corrupted
        const recovered = await waitFor(
          () =>
            h.faults.corruptedSent().user > sent &&
            h.faults.refusedFrames(a).user > refused &&
            filled() === (i + 1) * unit,
          h.recoveryBoundMs,
        );
        expect(recovered, `${what}: sent, refused, and the fill recovered (filled ${filled()})`).toBe(true);
      }
      await Bun.sleep(500); // a late duplicate would arrive now
      const fills = rec.ordersOf(id).filter((u) => u.exec === "fill");
      for (const f of fills) {
        const ok = Number.isSafeInteger(f.lastLots) && f.lastLots > 0 && f.lastPriceTicks === price;
        expect(ok, `a fill as the venue made it: ${JSON.stringify(f)}`).toBe(true);
        expect(Number.isSafeInteger(f.cumLots) && f.cumLots <= lots, JSON.stringify(f)).toBe(true);
      }
      expect(filled(), "every fill applied exactly once").toBe(cases.length * unit);
      const open = (await a.openOrders(sym)).find((x) => x.clientId === id);
      expect(Number(open?.cumLots), "the venue agrees").toBe(cases.length * unit);
      await a.cancelOrder(sym, id);
      expect(await waitFor(() => rec.ordersOf(id).some((u) => u.exec === "canceled"))).toBe(true);
      expect(rec.violations).toEqual([]);
    });

    test("make-before-break rotation keeps the book live", async () => {
      const b = await h.createAdapter({ connectionAgeMs: 1500 });
      const r = new Recorder(b);
      try {
        await b.subscribeQuotes([sym]);
        h.pauseMarket(false);
        await Bun.sleep(4000); // at least two rotations
        h.pauseMarket(true);
        await Bun.sleep(150);
        expect(await converges(h, b, sym, h.recoveryBoundMs)).toBe("");
        const notLive = r.health.filter((x) => x.symbol === sym && x.health !== "live");
        expect(notLive, "health never left live during rotations").toEqual([]);
        expect(r.violations).toEqual([]);
      } finally {
        r.stop();
        await b.close();
      }
    });

    // ---------------------------------------------------------------- orders

    test("place and cancel: ack and canceled events, open orders agree", async () => {
      h.pauseMarket(true);
      const info = a.instruments().get(sym) as InstrumentInfo;
      const book = a.book(sym);
      const price = ((book?.bestBidTicks() ?? 0) - 200) as Ticks;
      const id = cid();
      const venueId = await a.submitOrder({
        clientId: id,
        symbol: sym,
        side: Side.Buy,
        type: "limit",
        tif: "GTC",
        priceTicks: price,
        lots: lotsFor(info, price),
      });
      expect(venueId.length).toBeGreaterThan(0);
      expect(await waitFor(() => rec.ordersOf(id).some((u) => u.exec === "ack"))).toBe(true);
      expect((await a.openOrders(sym)).filter((o) => o.clientId === id).length).toBe(1);
      const st = await a.orderStatus(sym, id);
      expect(st?.status).toBe("new");
      await a.cancelOrder(sym, id);
      expect(await waitFor(() => rec.ordersOf(id).some((u) => u.exec === "canceled" && u.status === "canceled"))).toBe(
        true,
      );
      expect((await a.openOrders(sym)).filter((o) => o.clientId === id).length).toBe(0);
    });

    test("submitting the same client id twice never makes a second order", async () => {
      h.pauseMarket(true);
      const info = a.instruments().get(sym) as InstrumentInfo;
      const price = ((h.venueBook(sym, 1).bids[0]?.[0] ?? 0) - 250) as Ticks;
      const order = {
        clientId: cid(),
        symbol: sym,
        side: Side.Buy,
        type: "limit" as const,
        tif: "GTC" as const,
        priceTicks: price,
        lots: lotsFor(info, price),
      };
      const first = await a.submitOrder(order);
      // A retry either resolves to the same order (idempotent) or is refused as a duplicate.
      const again = await a.submitOrder(order).then(
        (id) => id,
        (e: unknown) => e,
      );
      const ok = again === first || (again instanceof VenueRejectError && again.reason === "duplicate_client_id");
      expect(ok, `retry gave ${String(again)}`).toBe(true);
      expect((await a.openOrders(sym)).filter((o) => o.clientId === order.clientId).length).toBe(1);
      await a.cancelOrder(sym, order.clientId);
    });

    test("placeOrder (when offered) answers as submitOrder does, exactly once, never before it returned", async () => {
      const place = a.placeOrder?.bind(a);
      if (place === undefined) return; // optional: the order path then uses submitOrder
      h.pauseMarket(true);
      const info = a.instruments().get(sym) as InstrumentInfo;
      const price = ((h.venueBook(sym, 1).bids[0]?.[0] ?? 0) - 300) as Ticks;
      const answers: { clientId: string; venueOrderId?: string; error?: unknown }[] = [];
      const replies: OrderReplies = {
        accepted: (o, venueOrderId) => answers.push({ clientId: o.clientId, venueOrderId }),
        failed: (o, error) => answers.push({ clientId: o.clientId, error }),
      };
      const good = {
        clientId: cid(),
        symbol: sym,
        side: Side.Buy,
        type: "limit" as const,
        tif: "GTC" as const,
        priceTicks: price,
        lots: lotsFor(info, price),
      };
      const bad = { ...good, clientId: cid(), lots: 0 as Lots };
      place(good, replies);
      place(bad, replies);
      expect(answers, "nothing answered inside placeOrder").toEqual([]);
      expect(await waitFor(() => answers.length >= 2)).toBe(true);
      await Bun.sleep(200); // a second answer to either would arrive now
      expect(answers.length, JSON.stringify(answers)).toBe(2);
      const ok = answers.find((x) => x.clientId === good.clientId);
      const refused = answers.find((x) => x.clientId === bad.clientId);
      expect((ok?.venueOrderId ?? "").length, `accepted: ${JSON.stringify(ok)}`).toBeGreaterThan(0);
      expect(refused?.error instanceof VenueRejectError, `refused: ${String(refused?.error)}`).toBe(true);
      expect((await a.orderStatus(sym, good.clientId))?.status).toBe("new");
      await a.cancelOrder(sym, good.clientId);
    });

    test("requestCancel (when offered) answers as cancelOrder does, exactly once, never before it returned", async () => {
      const cancel = a.requestCancel?.bind(a);
      if (cancel === undefined) return; // optional: the order path then uses cancelOrder
      h.pauseMarket(true);
      const info = a.instruments().get(sym) as InstrumentInfo;
      const price = ((h.venueBook(sym, 1).bids[0]?.[0] ?? 0) - 300) as Ticks;
      const live = {
        clientId: cid(),
        symbol: sym,
        side: Side.Buy,
        type: "limit" as const,
        tif: "GTC" as const,
        priceTicks: price,
        lots: lotsFor(info, price),
      };
      await a.submitOrder(live);
      const unknown = { ...live, clientId: cid() };
      const answers: { clientId: string; ok: boolean; error?: unknown }[] = [];
      const replies: CancelReplies = {
        cancelAccepted: (o) => answers.push({ clientId: o.clientId, ok: true }),
        cancelFailed: (o, error) => answers.push({ clientId: o.clientId, ok: false, error }),
      };
      cancel(live, replies);
      cancel(unknown, replies);
      expect(answers, "nothing answered inside requestCancel").toEqual([]);
      expect(await waitFor(() => answers.length >= 2)).toBe(true);
      // the final state comes on the order stream; by then a second answer to either would have come too
      expect(await waitFor(() => rec.ordersOf(live.clientId).some((u) => u.exec === "canceled"))).toBe(true);
      expect(answers.length, JSON.stringify(answers)).toBe(2);
      expect(answers.find((x) => x.clientId === live.clientId)?.ok, JSON.stringify(answers)).toBe(true);
      const refused = answers.find((x) => x.clientId === unknown.clientId)?.error;
      expect(refused instanceof VenueRejectError && refused.reason, String(refused)).toBe("unknown_order");
      expect((await a.orderStatus(sym, live.clientId))?.status ?? "absent").not.toBe("new");
    });

    test("partial fill then cancel: fill events with fees, cumulative quantities add up", async () => {
      h.pauseMarket(true);
      await Bun.sleep(100);
      const info = a.instruments().get(sym) as InstrumentInfo;
      const top = h.venueBook(sym, 1).asks[0];
      expect(top !== undefined).toBe(true);
      const [askTicks, askLots] = top as [number, number];
      const id = cid();
      const lots = (askLots + lotsFor(info, askTicks)) as Lots;
      await a.submitOrder({
        clientId: id,
        symbol: sym,
        side: Side.Buy,
        type: "limit",
        tif: "GTC",
        priceTicks: askTicks as Ticks,
        lots,
      });
      expect(await waitFor(() => rec.ordersOf(id).some((u) => u.exec === "fill"))).toBe(true);
      await Bun.sleep(200);
      const fills = rec.ordersOf(id).filter((u) => u.exec === "fill");
      const total = fills.reduce((s: number, u) => s + u.lastLots, 0);
      expect(total).toBe(askLots);
      expect(Number(fills.at(-1)?.cumLots)).toBe(askLots);
      expect(fills.at(-1)?.status).toBe("partially_filled");
      expect(new Set(fills.map((f) => f.tradeId)).size).toBe(fills.length);
      for (const f of fills) expect(f.feeAsset.length > 0 && f.fee.length > 0).toBe(true);
      await a.cancelOrder(sym, id);
      expect(await waitFor(() => rec.ordersOf(id).some((u) => u.exec === "canceled" && u.cumLots === askLots))).toBe(
        true,
      );
    });

    test("reject: a post-only order that would take is refused with a typed reason", async () => {
      h.pauseMarket(true);
      const info = a.instruments().get(sym) as InstrumentInfo;
      const ask = h.venueBook(sym, 1).asks[0]?.[0] ?? 0;
      const err = await a
        .submitOrder({
          clientId: cid(),
          symbol: sym,
          side: Side.Buy,
          type: "limit_maker",
          tif: "GTC",
          priceTicks: ask as Ticks,
          lots: lotsFor(info, ask),
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err instanceof VenueRejectError && err.reason === "would_take", String(err)).toBe(true);
      const err2 = await a
        .submitOrder({
          clientId: cid(),
          symbol: sym,
          side: Side.Buy,
          type: "limit",
          tif: "GTC",
          priceTicks: ask as Ticks,
          lots: 0 as Lots,
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err2 instanceof VenueRejectError, String(err2)).toBe(true);
    });

    test("expire: an IOC that cannot fill ends expired", async () => {
      h.pauseMarket(true);
      const info = a.instruments().get(sym) as InstrumentInfo;
      const bid = h.venueBook(sym, 1).bids[0]?.[0] ?? 0;
      const price = (bid - 100) as Ticks;
      const id = cid();
      await a.submitOrder({
        clientId: id,
        symbol: sym,
        side: Side.Buy,
        type: "limit",
        tif: "IOC",
        priceTicks: price,
        lots: lotsFor(info, price),
      });
      expect(await waitFor(() => rec.ordersOf(id).some((u) => u.exec === "expired" && u.status === "expired"))).toBe(
        true,
      );
    });

    test("a 5xx after placement reconciles to exactly one order", async () => {
      h.pauseMarket(true);
      const info = a.instruments().get(sym) as InstrumentInfo;
      const price = ((h.venueBook(sym, 1).bids[0]?.[0] ?? 0) - 300) as Ticks;
      const id = cid();
      h.faults.failAfterPlace();
      const venueId = await a.submitOrder({
        clientId: id,
        symbol: sym,
        side: Side.Buy,
        type: "limit",
        tif: "GTC",
        priceTicks: price,
        lots: lotsFor(info, price),
      });
      expect(venueId.length).toBeGreaterThan(0);
      const mine = (await a.openOrders(sym)).filter((o) => o.clientId === id);
      expect(mine.length).toBe(1);
      expect(mine[0]?.venueOrderId).toBe(venueId);
      // the settled outcome is reported once on the event stream (the engine counts and logs it)
      expect(rec.outcomes.filter((o) => o.clientId === id)).toEqual([{ clientId: id, result: "open" }]);
      expect(await a.cancelAll(sym)).toBeGreaterThanOrEqual(1);
      expect((await a.openOrders(sym)).length).toBe(0);
    });

    test("a fill missed while the order connection was down is applied exactly once", async () => {
      h.pauseMarket(true);
      await Bun.sleep(100);
      const info = a.instruments().get(sym) as InstrumentInfo;
      const top = h.venueBook(sym, 1);
      const price = ((top.bids[0]?.[0] ?? 0) + 1) as Ticks; // our order becomes the best bid
      expect(price < (top.asks[0]?.[0] ?? 0), "needs a spread wider than one tick").toBe(true);
      const unit = lotsFor(info, price);
      const lots = (unit * 3) as Lots;
      const id = cid();
      await a.submitOrder({
        clientId: id,
        symbol: sym,
        side: Side.Buy,
        type: "limit",
        tif: "GTC",
        priceTicks: price,
        lots,
      });
      expect(await waitFor(() => rec.ordersOf(id).some((u) => u.exec === "ack"))).toBe(true);
      const half = unit; // first (missed) fill
      h.faults.closeOrderConnections("abrupt");
      h.faults.trade(sym, "sell", price, half); // fills while the adapter cannot hear it
      const recovered = await waitFor(() => rec.ordersOf(id).some((u) => u.exec === "fill"), h.recoveryBoundMs);
      expect(recovered, "missed fill recovered after reconnect").toBe(true);
      await Bun.sleep(500); // any late duplicate would arrive now
      const fills = rec.ordersOf(id).filter((u) => u.exec === "fill");
      expect(
        fills.reduce((t: number, u) => t + u.lastLots, 0),
        JSON.stringify(fills),
      ).toBe(half);
      expect(Number(fills.at(-1)?.cumLots)).toBe(half);
      // the recovered fill is the venue's own (from its trade history): trade id, price, fee and fee asset
      const got = fills[0] as OrderUpdate;
      expect(got.tradeId, JSON.stringify(got)).toBeGreaterThanOrEqual(0);
      expect(got.lastPriceTicks).toBe(price);
      expect(Number(got.fee), JSON.stringify(got)).toBeGreaterThan(0);
      expect(got.feeAsset).toBe(info.base); // a buy pays its fee in the asset it receives
      expect(got.isMaker).toBe(true);
      const venueTrade = (await a.tradeHistory({ symbol: sym })).find((t) => t.tradeId === String(got.tradeId));
      expect(venueTrade, "the recovered fill is in the venue's trade history").toBeDefined();
      expect(decimal(venueTrade?.fee ?? "")).toBe(decimal(got.fee));
      expect(venueTrade?.lots).toBe(half);
      h.faults.trade(sym, "sell", price, unit); // a live fill after the reconnect is still seen, once
      expect(await waitFor(() => rec.ordersOf(id).some((u) => u.exec === "fill" && u.cumLots === 2 * unit))).toBe(true);
      expect(rec.ordersOf(id).filter((u) => u.exec === "fill").length).toBe(fills.length + 1);
      await a.cancelOrder(sym, id);
    });

    /** The trades the first history test made (its other tests read them). */
    let madeTrades: VenueTrade[] = [];

    test("trade history: exactly the trades after a given id, with the venue's price, fee and maker flag, once", async () => {
      h.pauseMarket(true);
      await Bun.sleep(100);
      const before = await a.tradeHistory({ symbol: sym });
      const lastId = before.at(-1)?.tradeId;
      const info = a.instruments().get(sym) as InstrumentInfo;
      const top = h.venueBook(sym, 1);
      const price = ((top.bids[0]?.[0] ?? 0) + 1) as Ticks;
      expect(price < (top.asks[0]?.[0] ?? 0), "needs a spread wider than one tick").toBe(true);
      const unit = lotsFor(info, price);
      const makerId = cid();
      const makerOrder = await a.submitOrder({
        clientId: makerId,
        symbol: sym,
        side: Side.Buy,
        type: "limit",
        tif: "GTC",
        priceTicks: price,
        lots: (unit * 3) as Lots,
      });
      expect(await waitFor(() => rec.ordersOf(makerId).some((u) => u.exec === "ack"))).toBe(true);
      h.faults.trade(sym, "sell", price, unit); // two maker fills of ours
      h.faults.trade(sym, "sell", price, unit);
      const [askTicks, askLots] = h.venueBook(sym, 1).asks[0] as [number, number];
      const takerId = cid();
      await a.submitOrder({
        clientId: takerId,
        symbol: sym,
        side: Side.Buy,
        type: "limit",
        tif: "IOC",
        priceTicks: askTicks as Ticks,
        lots: Math.min(askLots, unit) as Lots,
      }); // a taker fill (or several, one per resting order at the ask)
      const fillsOf = (id: string) => rec.ordersOf(id).filter((u) => u.exec === "fill");
      const sum = (us: OrderUpdate[]) => us.reduce((t: number, u) => t + u.lastLots, 0);
      expect(await waitFor(() => sum(fillsOf(makerId)) === 2 * unit)).toBe(true);
      expect(await waitFor(() => sum(fillsOf(takerId)) === Math.min(askLots, unit))).toBe(true);
      const streamed = [...fillsOf(makerId), ...fillsOf(takerId)];
      const q = lastId === undefined ? { symbol: sym } : { symbol: sym, afterTradeId: lastId };
      const got = await a.tradeHistory(q);
      const ids = got.map((t) => t.tradeId);
      expect(ids.length, JSON.stringify(got)).toBe(streamed.length);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort((x, y) => Number(x) - Number(y))).toEqual(ids);
      for (const u of streamed) {
        const t = got.find((x) => x.tradeId === String(u.tradeId));
        expect(t, `trade ${u.tradeId} of ${u.clientId} in the history`).toBeDefined();
        expect(t?.priceTicks).toBe(u.lastPriceTicks);
        expect(t?.lots).toBe(u.lastLots);
        expect(t?.side).toBe(Side.Buy);
        expect(decimal(t?.fee ?? "")).toBe(decimal(u.fee));
        expect(Number(t?.fee)).toBeGreaterThan(0);
        expect(t?.feeAsset).toBe(u.feeAsset);
        expect(t?.isMaker).toBe(u.clientId === makerId);
        expect(t?.venueOrderId).toBe(u.venueOrderId);
        expect(["", u.clientId]).toContain(t?.clientId as string);
        expect(info.price.parse(t?.price ?? "")).toBe(u.lastPriceTicks); // as the venue wrote it
        expect(info.qty.parse(t?.qty ?? "")).toBe(u.lastLots);
        expect(t?.symbol).toBe(sym);
        expect(t?.venue).toBe(a.name);
        expect(t?.venueTimeMs).toBeGreaterThan(0);
      }
      expect(got.filter((t) => t.venueOrderId === makerOrder).length).toBe(2);
      // asked again: the same trades, none twice; after the first one: the rest; a limit: the oldest ones
      expect((await a.tradeHistory(q)).map((t) => t.tradeId)).toEqual(ids);
      expect((await a.tradeHistory({ symbol: sym, afterTradeId: ids[0] as string })).map((t) => t.tradeId)).toEqual(
        ids.slice(1),
      );
      expect((await a.tradeHistory({ ...q, limit: 2 })).map((t) => t.tradeId)).toEqual(ids.slice(0, 2));
      expect(await a.tradeHistory({ symbol: sym, afterTradeId: ids.at(-1) as string })).toEqual([]);
      madeTrades = got;
      await a.cancelOrder(sym, makerId);
    });

    test("trade history from a time, paging across several pages with a small page size", async () => {
      expect(madeTrades.length, "needs the trades of the test before").toBeGreaterThan(1);
      const all = await a.tradeHistory({ symbol: sym });
      expect(all.length).toBeGreaterThanOrEqual(madeTrades.length);
      const b = await h.createAdapter({ tradeHistoryPageSize: 2 });
      const pages = () => b.stats?.()["tradeHistoryPages"] ?? 0;
      const p0 = pages();
      const everything = await b.tradeHistory({ symbol: sym });
      expect(everything.map((t) => t.tradeId)).toEqual(all.map((t) => t.tradeId));
      expect(pages() - p0, "pages of 2").toBeGreaterThanOrEqual(Math.ceil(all.length / 2));
      const since = (madeTrades[1] as VenueTrade).venueTimeMs;
      const fromTime = await b.tradeHistory({ symbol: sym, sinceMs: since });
      expect(fromTime.map((t) => t.tradeId)).toEqual(all.filter((t) => t.venueTimeMs >= since).map((t) => t.tradeId));
      expect(fromTime.some((t) => t.tradeId === madeTrades.at(-1)?.tradeId)).toBe(true);
      const capped = await b.tradeHistory({ symbol: sym, limit: 3 });
      expect(capped.map((t) => t.tradeId)).toEqual(all.slice(0, 3).map((t) => t.tradeId));
      expect(await b.tradeHistory({ symbol: sym, sinceMs: Date.now() + 3_600_000 })).toEqual([]);
      expect(b.stats?.()["badTradeRows"] ?? 0).toBe(0);
      await b.close();
    });

    test("trade history refuses a bad query with a typed error naming the field", async () => {
      const refusal = (q: TradeQuery) =>
        a.tradeHistory(q).then(
          () => undefined,
          (e: unknown) => e,
        );
      const e1 = await refusal({ symbol: sym, afterTradeId: "12x" });
      expect(e1 instanceof VenueRejectError && e1.reason === "invalid_request", String(e1)).toBe(true);
      expect(String(e1)).toContain("afterTradeId");
      const e2 = await refusal({ symbol: sym, limit: 0 });
      expect(e2 instanceof VenueRejectError && e2.reason === "invalid_request" && String(e2).includes("limit")).toBe(
        true,
      );
      const e3 = await refusal({ symbol: sym, sinceMs: -1 });
      expect(e3 instanceof VenueRejectError && String(e3).includes("sinceMs")).toBe(true);
      const e4 = await refusal({ symbol: "NOPE-USDT" });
      expect(e4 instanceof VenueRejectError && e4.reason === "bad_symbol", String(e4)).toBe(true);
    });

    test("wrong keys give a start-up error naming the venue", async () => {
      const { adapter, name: venueName } = await h.createAdapterWithBadKeys();
      const err = await adapter.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err instanceof Error && err.message.includes(venueName), String(err)).toBe(true);
      await adapter.close();
    });

    test("cancelAll touches only this engine's orders", async () => {
      h.pauseMarket(true);
      const other = await h.createAdapter();
      try {
        const info = a.instruments().get(sym) as InstrumentInfo;
        const price = ((h.venueBook(sym, 1).bids[0]?.[0] ?? 0) - 400) as Ticks;
        const lots = lotsFor(info, price);
        const theirs = `${(other as { cfg?: { clientIdPrefix?: string } }).cfg?.clientIdPrefix ?? "y"}-o-1`;
        await other.submitOrder({
          clientId: theirs,
          symbol: sym,
          side: Side.Buy,
          type: "limit",
          tif: "GTC",
          priceTicks: price,
          lots,
        });
        await a.submitOrder({
          clientId: cid(),
          symbol: sym,
          side: Side.Buy,
          type: "limit",
          tif: "GTC",
          priceTicks: price,
          lots,
        });
        expect(await a.cancelAll(sym)).toBe(1);
        const left = await a.openOrders(sym, true);
        expect(left.map((o) => o.clientId)).toEqual([theirs]);
        expect(await other.cancelAll(sym)).toBe(1);
      } finally {
        await other.close();
      }
    });
  });

  describe(`VenueAdapter contract: ${name} rate limits`, () => {
    let h: ContractHarness;
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h?.close();
    });

    test("under order-rate pressure the adapter throttles itself and never draws a 429 or 418", async () => {
      h.faults.limitOrders(10);
      h.pauseMarket(true);
      const a = await h.createAdapter();
      const info = a.instruments().get(h.symbol) as InstrumentInfo;
      const price = ((h.venueBook(h.symbol, 1).bids[0]?.[0] ?? 0) - 500) as Ticks;
      const prefix = (a as { cfg?: { clientIdPrefix?: string } }).cfg?.clientIdPrefix ?? "z";
      const results = await Promise.allSettled(
        Array.from({ length: 14 }, (_, i) =>
          a.submitOrder({
            clientId: `${prefix}-r-${i}`,
            symbol: h.symbol,
            side: Side.Buy,
            type: "limit",
            tif: "GTC",
            priceTicks: price,
            lots: lotsFor(info, price),
          }),
        ),
      );
      const placed = results.filter((r) => r.status === "fulfilled").length;
      const refused = results.filter(
        (r) => r.status === "rejected" && r.reason instanceof VenueRejectError && r.reason.reason === "rate_limited",
      ).length;
      expect(placed + refused, JSON.stringify(results.map((r) => r.status))).toBe(14);
      expect(placed).toBeGreaterThan(0);
      const hits = h.faults.rateLimitHits();
      expect(hits, "the venue never had to refuse us").toEqual({ tooMany: 0, banned: 0 });
      expect(await a.cancelAll(h.symbol)).toBe(placed);
    });
  });
}
