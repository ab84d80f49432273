import { describe, expect, test } from "bun:test";
import { LateTimers } from "../../test/support/late-timers.ts";
import { SystemClock, VirtualClock } from "./clock.ts";

describe("VirtualClock", () => {
  test("fires timers in due order, ties in creation order, only when advanced", () => {
    const c = new VirtualClock(1000);
    const seen: string[] = [];
    c.setTimer(30, () => seen.push("c30"));
    c.setTimer(10, () => seen.push("a10"));
    c.setTimer(10, () => seen.push("b10"));
    expect(seen).toEqual([]);
    c.advance(9);
    expect(seen).toEqual([]);
    c.advance(1);
    expect(seen).toEqual(["a10", "b10"]);
    expect(c.nowMs()).toBe(1010);
    c.advance(100);
    expect(seen).toEqual(["a10", "b10", "c30"]);
    expect(c.nowMs()).toBe(1110);
    expect(c.monoNs()).toBe(110e6);
  });

  test("time inside a callback equals the timer's due time; timers set from callbacks run in the same advance", () => {
    const c = new VirtualClock(0);
    const times: number[] = [];
    c.setTimer(5, () => {
      times.push(c.nowMs());
      c.setTimer(5, () => times.push(c.nowMs()));
    });
    c.advance(20);
    expect(times).toEqual([5, 10]);
  });

  test("repeating timers fire each period until cleared, and cleared timers never fire", () => {
    const c = new VirtualClock(0);
    let n = 0;
    const id = c.setRepeating(10, () => n++);
    const once = c.setTimer(15, () => {
      throw new Error("cleared timer fired");
    });
    c.clearTimer(once);
    c.advance(35);
    expect(n).toBe(3);
    c.clearTimer(id);
    c.advance(100);
    expect(n).toBe(3);
    expect(c.pending()).toBe(0);
    expect(c.nextDueMs()).toBeUndefined();
    expect(() => c.setRepeating(0, () => {})).toThrow();
  });
});

describe("SystemClock", () => {
  test("timers fire on the event loop and can be cleared", async () => {
    const c = new SystemClock();
    let fired = 0;
    const cancelled = c.setTimer(1, () => fired--);
    c.clearTimer(cancelled);
    await new Promise<void>((resolve) => c.setTimer(5, () => resolve()));
    const rep = c.setRepeating(1, () => fired++);
    await new Promise<void>((resolve) => c.setTimer(30, () => resolve()));
    c.clearTimer(rep);
    expect(fired).toBeGreaterThan(0);
    expect(c.monoNs()).toBeGreaterThan(0);
    expect(Math.abs(c.nowMs() - Date.now())).toBeLessThan(1000);
  });
});

describe("SystemClock.setRepeating on a loop whose timers fire late (Bun's: integer ms, ~90 µs late)", () => {
  /** Tick times (ms) of a repeating timer over `totalMs` of the fake loop's time. */
  function ticks(periodMs: number, totalMs: number, host = new LateTimers()): number[] {
    const c = new SystemClock(host);
    const at: number[] = [];
    c.setRepeating(periodMs, () => at.push(host.monoNs() / 1e6));
    host.run(totalMs * 1e6);
    return at;
  }

  test("keeps a fixed schedule: the lateness of each firing does not add up", () => {
    // re-armed from each firing, a 2 ms timer on this loop ticks every 2.09 ms: 478 in a second
    expect(ticks(2, 1000).length).toBeGreaterThanOrEqual(499);
    expect(ticks(2, 1000).length).toBeLessThanOrEqual(500);
    expect(ticks(5, 1000).length).toBeGreaterThanOrEqual(199);
    expect(ticks(3, 999).length).toBeGreaterThanOrEqual(332);
  });

  test("stays within half a millisecond (plus the loop's lateness) of its slots", () => {
    const at = ticks(2, 1000);
    for (let i = 0; i < at.length; i++)
      expect(Math.abs((at[i] ?? 0) - 2 * (i + 1))).toBeLessThanOrEqual(0.5 + 0.09 + 1e-9);
  });

  test("after a stall it skips the missed slots instead of firing them back to back", () => {
    const host = new LateTimers();
    const c = new SystemClock(host);
    const at: number[] = [];
    c.setRepeating(2, () => at.push(host.monoNs() / 1e6));
    host.run(100e6);
    const before = at.length;
    host.stall(21e6);
    host.run(221e6);
    const after = at.slice(before);
    for (let i = 1; i < after.length; i++) expect((after[i] ?? 0) - (after[i - 1] ?? 0)).toBeGreaterThanOrEqual(1);
    // back on the 2 ms grid: 100 ms after the stall, ~50 ticks
    expect(after.filter((t) => t > 121).length).toBeGreaterThanOrEqual(49);
  });

  test("a timer cleared from its own callback stops", () => {
    const host = new LateTimers();
    const c = new SystemClock(host);
    let n = 0;
    const id = c.setRepeating(1, () => {
      if (++n === 3) c.clearTimer(id);
    });
    host.run(50e6);
    expect(n).toBe(3);
  });
});
