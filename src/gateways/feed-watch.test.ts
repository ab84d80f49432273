import { describe, expect, test } from "bun:test";
import {
  DEFAULT_FEED_STALENESS,
  escalationDelayMs,
  Liveness,
  LivenessProbe,
  resolveFeedStaleness,
  StreamLag,
  watchPeriodMs,
} from "./feed-watch.ts";

const fail = (field: string, why: string): never => {
  throw new Error(`${field} ${why}`);
};

describe("FeedStaleness", () => {
  test("defaults fill in, bounds are checked naming the field", () => {
    expect(resolveFeedStaleness(undefined, fail)).toEqual(DEFAULT_FEED_STALENESS);
    expect(resolveFeedStaleness({ probeTimeoutMs: 300 }, fail)).toEqual({ suspectAfterMs: 1000, probeTimeoutMs: 300 });
    expect(() => resolveFeedStaleness({ suspectAfterMs: 10 }, fail)).toThrow("staleness.suspectAfterMs");
    expect(() => resolveFeedStaleness({ probeTimeoutMs: 1.5 }, fail)).toThrow("staleness.probeTimeoutMs");
    expect(() => resolveFeedStaleness({ probeTimeoutMs: Number.NaN }, fail)).toThrow("staleness.probeTimeoutMs");
  });

  test("the watchdog looks often enough for the bounds, never busier than every 10 ms", () => {
    expect(watchPeriodMs(DEFAULT_FEED_STALENESS)).toBe(250);
    expect(watchPeriodMs({ suspectAfterMs: 400, probeTimeoutMs: 200 })).toBe(50);
    expect(watchPeriodMs({ suspectAfterMs: 100, probeTimeoutMs: 20 })).toBe(10);
  });

  test("escalations double from one detection time and stop at 30 s", () => {
    const s = DEFAULT_FEED_STALENESS;
    expect([0, 1, 2, 3].map((n) => escalationDelayMs(s, n))).toEqual([2000, 4000, 8000, 16000]);
    expect(escalationDelayMs(s, 10)).toBe(30_000);
    expect(escalationDelayMs(s, 1e9)).toBe(30_000);
  });
});

describe("LivenessProbe", () => {
  test("silent → probe → answered keeps it alive; unanswered → dead", () => {
    const p = new LivenessProbe(0);
    expect(p.verdict(999, 1000, 500)).toBe(Liveness.Ok);
    expect(p.verdict(1000, 1000, 500)).toBe(Liveness.Probe);
    p.sent(1000);
    expect(p.verdict(1499, 1000, 500)).toBe(Liveness.Ok);
    p.onFrame(1200); // the answer (or any data)
    expect(p.answered).toBe(1);
    expect(p.verdict(2199, 1000, 500)).toBe(Liveness.Ok);
    expect(p.verdict(2200, 1000, 500)).toBe(Liveness.Probe);
    p.sent(2200);
    expect(p.verdict(2699, 1000, 500)).toBe(Liveness.Ok);
    expect(p.verdict(2700, 1000, 500)).toBe(Liveness.Dead);
  });

  test("a reopened socket has proven nothing until its first frame", () => {
    const p = new LivenessProbe(0);
    p.onFrame(5);
    expect(p.proven).toBe(true);
    p.sent(10);
    p.opened(20);
    expect(p.proven).toBe(false);
    expect(p.verdict(1019, 1000, 500)).toBe(Liveness.Ok);
    p.onFrame(30);
    expect(p.proven).toBe(true);
    expect(p.answered).toBe(0); // the probe of the old socket is forgotten, not answered
  });
});

describe("StreamLag", () => {
  test("a book that keeps up is never behind, even when the best bid/ask arrives first", () => {
    const lag = new StreamLag();
    lag.onBook(100, 0);
    for (let t = 0; t < 5000; t += 100) {
      lag.onVenue(101 + t / 10, t + 10); // best bid/ask is real time
      expect(lag.behindMs(t + 50)).toBe(40);
      lag.onBook(101 + t / 10, t + 100); // the depth stream's 100 ms aggregation catches up
      expect(lag.behindMs(t + 100)).toBe(0);
    }
  });

  test("a frozen depth stream: behind grows from the first venue state the book missed", () => {
    const lag = new StreamLag();
    lag.onBook(100, 0);
    lag.onVenue(101, 200);
    lag.onVenue(105, 600);
    expect(lag.behindMs(1200)).toBe(1000);
    lag.onBook(102, 1300); // part of the way: the oldest unreached state is now 105's
    expect(lag.behindMs(1300)).toBe(700);
    lag.onBook(105, 1400);
    expect(lag.behindMs(5000)).toBe(0);
  });

  test("a quiet market (no best bid/ask change) is never behind", () => {
    const lag = new StreamLag();
    lag.onBook(100, 0);
    lag.onVenue(100, 5); // same state as the book
    lag.onVenue(99, 6); // older, from the other connection during a handover
    expect(lag.behindMs(60_000)).toBe(0);
  });

  test("a lagging stream shows its lag, and a full ring keeps its oldest evidence", () => {
    const lag = new StreamLag(4);
    lag.onBook(0, 0);
    for (let i = 1; i <= 10; i++) lag.onVenue(i, i * 100); // ring holds 1..4, then keeps the newest aside
    expect(lag.behindMs(2000)).toBe(1900);
    lag.onBook(4, 2000); // caught up with what the ring held: the newest (10 @ 1000 ms) is carried over
    expect(lag.behindMs(2000)).toBe(1000);
    lag.onBook(10, 2100);
    expect(lag.behindMs(2100)).toBe(0);
  });

  test("evidence seen before a sync starts counting at the sync, not before", () => {
    const lag = new StreamLag();
    lag.onVenue(50, 0); // arrives while the book is resyncing
    lag.onBook(40, 3000); // synced from a snapshot just behind it
    expect(lag.behindMs(3000)).toBe(0);
    expect(lag.behindMs(3500)).toBe(500);
    lag.reset();
    expect(lag.behindMs(9000)).toBe(0);
    lag.onVenue(60, 9000);
    expect(lag.behindMs(9500)).toBe(0); // not synced: nothing to be behind
  });

  test("a sequence restarted downwards (venue maintenance) is not read as lag", () => {
    const lag = new StreamLag();
    lag.onBook(1000, 0);
    lag.onVenue(1001, 10);
    lag.onBook(5, 20);
    expect(lag.behindMs(5000)).toBe(0);
    lag.onVenue(6, 5000);
    expect(lag.behindMs(5100)).toBe(100);
  });
});
