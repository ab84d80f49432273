import { describe, expect, test } from "bun:test";
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
