/**
 * Event-loop lag: how late a repeating timer fires. Every venue frame and order waits behind
 * whatever blocks the loop, so lag is the first thing to look at when tick-to-trade degrades.
 */
import type { Clock, TimerId } from "../services/index.ts";
import type { HotHistogram } from "./hot.ts";

/** Samples the loop with a repeating timer and records each delay into a histogram. */
export class EventLoopLagMonitor {
  private timer: TimerId | undefined;
  private lastNs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly lag: HotHistogram,
    private readonly periodMs = 100,
  ) {}

  /** Starts sampling; idempotent. */
  start(): void {
    if (this.timer !== undefined) return;
    this.lastNs = this.clock.monoNs();
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
    const lateNs = now - this.lastNs - this.periodMs * 1e6;
    this.lastNs = now;
    this.lag.observeNs(Math.max(lateNs, 0));
  }
}
