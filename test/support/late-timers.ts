/**
 * A fake event loop whose timers behave like Bun's on these machines (measured: `setTimeout(fn, 1)`,
 * `setTimeout(fn, 1.5)` and `setInterval(fn, 1)` fire every ~1.09 ms): a delay's fraction is
 * dropped, 0 counts as 1 ms, and every timer fires a fixed lateness after it was due. It lets a test
 * count a repeating timer's ticks over virtual time, independent of the machine's speed.
 */

import type { TimerHost } from "../../src/services/index.ts";

interface FakeTimer {
  dueNs: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** The fake loop: advance it with `run`, stall it with `stall` (a loop busy elsewhere). */
export class LateTimers implements TimerHost {
  private nowNs = 0;
  private seq = 0;
  private readonly queue: FakeTimer[] = [];

  constructor(readonly lateNs = 90_000) {}

  monoNs(): number {
    return this.nowNs;
  }

  setTimeout<A>(fn: (arg: A) => void, delayMs: number, arg: A): unknown {
    const t: FakeTimer = { dueNs: this.nowNs + this.delayNs(delayMs), seq: this.seq++, fn: () => fn(arg), live: true };
    this.queue.push(t);
    return t;
  }

  clearTimeout(handle: unknown): void {
    (handle as FakeTimer).live = false;
  }

  /** Fires every timer due up to `untilNs`, in order, moving time to each one's firing. */
  run(untilNs: number): void {
    for (;;) {
      this.queue.sort((a, b) => a.dueNs - b.dueNs || a.seq - b.seq);
      const next = this.queue.find((t) => t.live);
      if (next === undefined || next.dueNs > untilNs) break;
      this.queue.splice(this.queue.indexOf(next), 1);
      this.nowNs = Math.max(this.nowNs, next.dueNs);
      next.fn();
    }
    this.nowNs = Math.max(this.nowNs, untilNs);
  }

  /** The loop is busy for `ns` (nothing fires), as in a burst of frames or a descheduled process. */
  stall(ns: number): void {
    this.nowNs += ns;
  }

  private delayNs(ms: number): number {
    return Math.max(1, Math.trunc(ms)) * 1e6 + this.lateNs;
  }
}
