/**
 * Jittered exponential backoff for reconnects: many engines reconnecting at once after a venue blip
 * must not stampede it (Binance allows 300 connection attempts per 5 min per IP), and the jitter
 * comes from the seeded Rng so a run replays exactly.
 */
import type { Rng } from "../services/index.ts";

/** Backoff limits; delays grow base·factor^n up to max, with "full jitter" in [delay/2, delay]. */
export interface BackoffConfig {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = { baseMs: 250, maxMs: 30_000, factor: 2 };

/** Delay generator for one connection's reconnect attempts; reset() after a healthy connection. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly rng: Rng,
    private readonly cfg: BackoffConfig = DEFAULT_BACKOFF,
  ) {
    if (!(cfg.baseMs > 0) || !(cfg.maxMs >= cfg.baseMs) || !(cfg.factor >= 1)) {
      throw new Error(`backoff: need 0 < baseMs <= maxMs and factor >= 1, got ${JSON.stringify(cfg)}`);
    }
  }

  /** The next delay in ms (half fixed, half random, so it never collapses to zero). */
  next(): number {
    const raw = Math.min(this.cfg.maxMs, this.cfg.baseMs * this.cfg.factor ** this.attempt);
    if (raw < this.cfg.maxMs) this.attempt++;
    return Math.round(raw / 2 + this.rng.next() * (raw / 2));
  }

  /** Attempts since the last reset. */
  attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
