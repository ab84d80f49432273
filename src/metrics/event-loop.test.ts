import { expect, test } from "bun:test";
import type { Clock, TimerId } from "../services/index.ts";
import { EventLoopLagMonitor } from "./event-loop.ts";
import { HotHistogram } from "./hot.ts";

/** A clock whose repeating timer fires only when the test says, at the time the test sets. */
class HandClock implements Clock {
  nowNs = 0;
  fire: (() => void) | undefined;
  nowMs(): number {
    return this.nowNs / 1e6;
  }
  monoNs(): number {
    return this.nowNs;
  }
  setTimer(): TimerId {
    throw new Error("not used");
  }
  setRepeating(_periodMs: number, fn: () => void): TimerId {
    this.fire = fn;
    return 1 as TimerId;
  }
  clearTimer(): void {
    this.fire = undefined;
  }
  /** The timer fires at `ms`. */
  at(ms: number): void {
    this.nowNs = ms * 1e6;
    this.fire?.();
  }
}

test("lag is measured against each firing's due time on the fixed schedule, skipped beats included", () => {
  const clock = new HandClock();
  const observed: number[] = [];
  const hist = new HotHistogram([1]);
  const observe = hist.observeNs.bind(hist);
  hist.observeNs = (ns: number) => {
    observed.push(ns / 1e6);
    observe(ns);
  };
  const m = new EventLoopLagMonitor(clock, hist, 100);
  m.start();
  clock.at(130); // due 100: 30 late
  clock.at(215); // due 200 (the schedule does not move): 15 late, though only 85 ms after the last
  clock.at(300); // on time
  clock.at(560); // due 400, 500 skipped: 160 late
  clock.at(600); // next due: 600
  expect(observed).toEqual([30, 15, 0, 160, 0]);
  m.stop();
  expect(clock.fire).toBeUndefined();
});
