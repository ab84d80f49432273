/**
 * The recorder's Own frames: while the engine trades, our resting lots at each level are recorded
 * (summed over our orders there, down as they fill or are cancelled), and listed again after every
 * snapshot, so a replay starting at any snapshot knows which depth was ours.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OrderBook } from "../book/index.ts";
import { VirtualClock } from "../services/index.ts";
import {
  DecimalGrid,
  type InstrumentInfo,
  type Lots,
  type OrderUpdate,
  Side,
  type Ticks,
  type VenueEvent,
  type VenueListener,
} from "../types/index.ts";
import { FrameKind } from "./format.ts";
import { FrameCursor, IssueLog, listRecordings, RecordingFile } from "./reader.ts";
import { Recorder } from "./recorder.ts";
import { InlineSink } from "./writer.ts";

const INFO: InstrumentInfo = {
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

/** A venue that emits what the test tells it to, with a real C book. */
function fakeVenue(clock: VirtualClock, kind = "binance") {
  const book = new OrderBook({ maxLevels: 64 });
  const listeners: VenueListener[] = [];
  const venue = {
    name: "v",
    kind,
    onEvent: (l: VenueListener) => {
      listeners.push(l);
      return () => {};
    },
    book: () => book,
    instruments: () => new Map([[INFO.symbol, INFO]]),
  };
  const emit = (ev: VenueEvent) => {
    for (const l of listeners) l(ev);
  };
  const depth = (snapshot: boolean, ...levels: [Side, number, number][]) => {
    book.beginUpdate();
    for (const [side, ticks, lots] of levels) book.stage(side, ticks, lots);
    expect(snapshot ? book.applySnapshot() : book.applyUpdate()).toBe(0);
    const recvNs = clock.monoNs();
    emit({ type: "book", venue: "v", symbol: INFO.symbol, book, seq: 1, snapshot, recvNs, venueTimeMs: clock.nowMs() });
  };
  const order = (
    clientId: string,
    side: Side,
    ticks: number,
    status: OrderUpdate["status"],
    orig: number,
    cum: number,
  ) =>
    emit({
      type: "order",
      recvNs: clock.monoNs(),
      update: {
        venue: "v",
        symbol: INFO.symbol,
        clientId,
        venueOrderId: clientId,
        side,
        status,
        exec: status === "new" ? "ack" : status === "canceled" ? "canceled" : "fill",
        priceTicks: ticks as Ticks,
        origLots: orig as Lots,
        cumLots: cum as Lots,
        lastLots: 0 as Lots,
        lastPriceTicks: 0 as Ticks,
        fee: "0",
        feeAsset: "",
        isMaker: true,
        tradeId: -1,
        venueTimeMs: clock.nowMs(),
      },
    });
  return { venue, depth, order, book };
}

describe("recorder: our own orders", () => {
  test("our resting lots per level are recorded as they change, and listed again after each snapshot", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const dir = mkdtempSync(join(tmpdir(), "rec-own-"));
    const { venue, depth, order, book } = fakeVenue(clock);
    const recorder = new Recorder({ dir, clock, sink: new InlineSink(), snapshotIntervalMs: 1000, sealEveryMs: 0 });
    recorder.attach(venue, [INFO.symbol]);
    order("a", Side.Buy, 100, "new", 50, 0); // before the first snapshot: only the snapshot lists it
    depth(true, [Side.Buy, 100, 500], [Side.Sell, 110, 300]);
    clock.advance(10);
    order("b", Side.Buy, 100, "new", 30, 0);
    order("c", Side.Sell, 110, "new", 20, 0);
    order("a", Side.Buy, 100, "partially_filled", 50, 15);
    order("c", Side.Sell, 110, "canceled", 20, 0);
    order("c", Side.Sell, 110, "canceled", 20, 0); // a repeated report changes nothing
    clock.advance(1000);
    depth(false, [Side.Buy, 100, 470]); // due for the periodic snapshot
    order("a", Side.Buy, 100, "filled", 50, 50);
    order("b", Side.Buy, 100, "canceled", 30, 0);
    await recorder.close();
    book.close();
    const issues = new IssueLog("stop");
    const c = new FrameCursor(
      listRecordings(dir, "v", INFO.symbol).map((p) => RecordingFile.open(p, issues)),
      issues,
    );
    const seen: string[] = [];
    while (c.next()) {
      if (c.kind === FrameKind.Snapshot) seen.push("snapshot");
      if (c.kind !== FrameKind.Own) continue;
      const levels: number[] = [];
      for (let i = 0; i < c.count * 3; i++) levels.push(c.words[c.levels + i] as number);
      seen.push(`own ${levels.join(",")}`);
    }
    expect(seen).toEqual([
      "snapshot",
      "own 0,100,50", // a, listed right after the first snapshot
      "own 0,100,80", // + b
      "own 1,110,20", // c
      "own 0,100,65", // a filled 15
      "own 1,110,0", // c cancelled
      "snapshot",
      "own 0,100,65", // listed again after the periodic snapshot
      "own 0,100,30", // a filled
      "own 0,100,0", // b cancelled
    ]);
    expect(recorder.stats.own).toBe(8);
  });

  test("a paper venue's orders are filled locally, never in its depth: nothing is marked as ours", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const dir = mkdtempSync(join(tmpdir(), "rec-own-"));
    const { venue, depth, order, book } = fakeVenue(clock, "paper");
    const recorder = new Recorder({ dir, clock, sink: new InlineSink(), sealEveryMs: 0 });
    recorder.attach(venue, [INFO.symbol]);
    depth(true, [Side.Buy, 100, 500], [Side.Sell, 110, 300]);
    order("a", Side.Buy, 100, "new", 50, 0);
    depth(false, [Side.Buy, 100, 400]);
    await recorder.close();
    book.close();
    expect({ own: recorder.stats.own, updates: recorder.stats.updates }).toEqual({ own: 0, updates: 1 });
  });
});
