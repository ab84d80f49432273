/**
 * Event-loop lag: how late a repeating timer fires. Every venue frame and order waits behind
 * whatever blocks the loop, so lag is the first thing to look at when tick-to-trade degrades.
 */
import type { Clock, TimerId } from "../services/index.ts";
import type { HotHistogram } from "./hot.ts";

/**
 * Samples the loop with a repeating timer and records each delay into a histogram. The clock's
 * repeating timer keeps a fixed schedule (SystemClock.setRepeating), so a firing's delay is measured
 * against its due time, not against the previous firing: after a late one the next interval is shorter.
 */
export class EventLoopLagMonitor {
  private timer: TimerId | undefined;
  private dueNs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly lag: HotHistogram,
    private readonly periodMs = 100,
  ) {}

  /** Starts sampling; idempotent. */
  start(): void {
    if (this.timer !== undefined) return;
    this.dueNs = this.clock.monoNs() + this.periodMs * 1e6;
    this.timer = this.clock.setRepeating(this.periodMs, () => this.tick());
  }

  /** Stops sampling; idempotent. */
  stop(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = this.clock.monoNs();
    const periodNs = this.periodMs * 1e6;
    const lateNs = now - this.dueNs;
    // the next firing is due a period later, past the beats the clock skipped while the loop was blocked
    this.dueNs += periodNs;
    if (this.dueNs <= now) this.dueNs += (Math.floor((now - this.dueNs) / periodNs) + 1) * periodNs;
    this.lag.observeNs(Math.max(lateNs, 0));
  }
}
