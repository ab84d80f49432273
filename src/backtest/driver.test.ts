/**
 * The replay driver's ordering: recorded frames reach the engine at their times, a timer that a
 * frame's handler sets runs at its own time before any later frame, and whatever that timer resolves
 * is handled before the data moves on — as on a live event loop, where nothing waits for the next
 * market-data frame to run a continuation.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RiskAverseQueue } from "../fills/index.ts";
import { FrameKind, InlineSink, StreamWriter } from "../history/index.ts";
import { VirtualClock } from "../services/index.ts";
import { ReplaySession } from "../venues/index.ts";
import { driveReplay } from "./driver.ts";

const T0 = Date.UTC(2026, 0, 5, 12);

/** A recording of one book: a snapshot at T0, then one bid change every ms (local = venue + 0.5 ms). */
function recording(frames: number): string {
  const dir = mkdtempSync(join(tmpdir(), "driver-"));
  const w = new StreamWriter({
    dir,
    header: {
      venue: "v",
      symbol: "BTC-USDT",
      venueSymbol: "BTCUSDT",
      base: "BTC",
      quote: "USDT",
      tick: "0.01",
      lot: "0.00001",
      minQtyLots: 1,
      minNotional: "0",
      source: "test",
      createdMs: T0,
    },
    anchorUs: T0 * 1000,
    sink: new InlineSink(),
  });
  w.append(FrameKind.Snapshot, 1, 500_000, 0, Float64Array.from([0, 100, 5, 1, 110, 5]), 0, 2);
  for (let i = 1; i <= frames; i++)
    w.append(FrameKind.Update, 1 + i, i * 1e6 + 500_000, i * 1e6, Float64Array.from([0, 100, 5 + i]), 0, 1);
  w.close();
  return dir;
}

describe("replay driver", () => {
  test("a timer set by a frame's handler runs, and its continuation settles, before the next frame", async () => {
    const dir = recording(6);
    const clock = new VirtualClock(T0);
    const session = new ReplaySession({
      dir,
      clock,
      venues: [{ name: "v", symbols: ["BTC-USDT"], fees: { maker: 0, taker: 0 }, balances: {} }],
      clientIdPrefix: "t",
      queue: new RiskAverseQueue(),
      latency: { entryMs: () => 1, responseMs: () => 1, description: "1 ms" },
      feedLatency: "recorded",
      policy: "stop",
    });
    const adapter = session.adapters[0];
    if (adapter === undefined) throw new Error("no adapter");
    const seen: string[] = [];
    adapter.onEvent((ev) => {
      if (ev.type !== "book") return;
      const at = clock.nowMs() - T0;
      seen.push(`book ${ev.book.bestBidLots()} at ${at}`);
      if (ev.book.bestBidLots() !== 7) return;
      // the engine would await something here: a timer 1.25 ms out, and what runs after it
      new Promise<void>((resolve) =>
        clock.setTimer(1.25, () => {
          seen.push(`timer at ${clock.nowMs() - T0}`);
          resolve();
        }),
      ).then(() => seen.push(`continuation at ${clock.nowMs() - T0}`));
    });
    await adapter.connect();
    const subscribed = adapter.subscribeQuotes(["BTC-USDT"]);
    await driveReplay(clock, session, () => session.nextTimeMs() === Number.POSITIVE_INFINITY);
    await subscribed;
    session.close();
    expect(seen).toEqual([
      "book 5 at 0.5",
      "book 6 at 1.5",
      "book 7 at 2.5",
      "book 8 at 3.5",
      "timer at 3.75",
      "continuation at 3.75",
      "book 9 at 4.5",
      "book 10 at 5.5",
      "book 11 at 6.5",
    ]);
  });
});
