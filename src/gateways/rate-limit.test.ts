import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../services/index.ts";
import { intervalMs, PacedSender, type PauseEnd, pauseForBudget, SlidingWindow, VenueBudget } from "./rate-limit.ts";

describe("PacedSender", () => {
  test("never more than max messages in any window, order kept", () => {
    const clock = new VirtualClock();
    const sent: { t: number; m: string }[] = [];
    const p = new PacedSender(clock, new SlidingWindow(5, 1000), (m) => sent.push({ t: clock.nowMs(), m }));
    for (let i = 0; i < 23; i++) p.send(`m${i}`);
    expect(sent.length).toBe(5);
    clock.advance(10_000);
    expect(sent.map((s) => s.m)).toEqual(Array.from({ length: 23 }, (_, i) => `m${i}`));
    for (let i = 5; i < sent.length; i++) {
      expect((sent[i]?.t ?? 0) - (sent[i - 5]?.t ?? 0)).toBeGreaterThanOrEqual(1000);
    }
  });

  test("bounded queue drops and counts", () => {
    const clock = new VirtualClock();
    const p = new PacedSender(clock, new SlidingWindow(1, 1000), () => {}, 2);
    expect(p.send("a")).toBe(true);
    expect(p.send("b")).toBe(true);
    expect(p.send("c")).toBe(true);
    expect(p.send("d")).toBe(false);
    expect(p.dropped).toBe(1);
    p.close();
    expect(p.queued()).toBe(0);
  });
});

describe("VenueBudget", () => {
  test("throttles before the limit and frees at the window end", () => {
    let now = 60_000 * 100 + 5_000;
    const b = new VenueBudget(() => now, 0.8, 100);
    b.setLimit("W1M", 100, 60_000);
    b.report("W1M", 79, 60_000);
    expect(b.check({ W1M: 1 }).ok).toBe(true);
    b.spend("W1M", 1);
    const v = b.check({ W1M: 1 });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.waitMs).toBe(55_100);
    now += 55_000;
    expect(b.check({ W1M: 1 }).ok).toBe(false); // inside the boundary margin
    now += 100;
    expect(b.check({ W1M: 1 }).ok).toBe(true);
  });

  test("Retry-After blocks, a ban stops everything", () => {
    let now = 1_000;
    const b = new VenueBudget(() => now);
    b.blockUntil(3_000);
    const v = b.check({});
    expect(v.ok === false && !v.banned && v.waitMs === 2_000).toBe(true);
    now = 3_000;
    expect(b.check({}).ok).toBe(true);
    b.ban(100_000);
    const w = b.check({});
    expect(w.ok === false && w.banned).toBe(true);
    expect(b.isBanned()).toBe(true);
  });

  test("interval letters", () => {
    expect(intervalMs(10, "S")).toBe(10_000);
    expect(intervalMs(1, "MINUTE")).toBe(60_000);
    expect(intervalMs(1, "D")).toBe(86_400_000);
    expect(Number.isNaN(intervalMs(1, "X"))).toBe(true);
  });
});

describe("pauseForBudget", () => {
  /** Lets the promise continuations queued so far run. */
  const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

  test("a minute's pause ends when its time passes, or at an abort with the clock standing still; no timer is left", async () => {
    const clock = new VirtualClock();
    const ends: PauseEnd[] = [];
    const ctl = new AbortController();
    void pauseForBudget(clock, 60_000, ctl.signal).then((e) => ends.push(e));
    clock.advance(59_999);
    await flush();
    expect(ends).toEqual([]);
    clock.advance(1);
    await flush();
    expect(ends).toEqual(["elapsed"]);

    void pauseForBudget(clock, 60_000, ctl.signal).then((e) => ends.push(e));
    expect(clock.pending()).toBe(1);
    ctl.abort();
    await flush();
    expect(ends).toEqual(["elapsed", "aborted"]);
    expect(clock.pending()).toBe(0);
    expect(await pauseForBudget(clock, 60_000, ctl.signal)).toBe("aborted"); // already aborted: no wait at all
    expect(clock.pending()).toBe(0);
  });
});
