/**
 * Hot-path metric cells. prom-client's own children cost ~0.6 µs per counter bump and ~1.5 µs per
 * histogram observation on Bun here, far over the 50 ns budget, so the hot path bumps plain numbers
 * in these cells and the registry reads them only at scrape time (see families.ts).
 */

/** A monotonically increasing count; `inc` is one field add (~1–2 ns). */
export class HotCounter {
  value = 0;

  /** Adds n (default 1); negative or non-finite amounts are ignored so a counter never goes down. */
  inc(n = 1): void {
    if (n >= 0 && n !== Number.POSITIVE_INFINITY) this.value += n;
  }
}

/** A value that can go up and down, set by its owner whenever it changes. */
export class HotGauge {
  value = 0;

  /** Replaces the value (non-finite values are stored as given; Prometheus renders NaN/Inf). */
  set(v: number): void {
    this.value = v;
  }

  /** Adds n (may be negative). */
  add(n: number): void {
    this.value += n;
  }
}

/**
 * A fixed-bucket histogram kept in nanoseconds, because the engine measures time as monotonic
 * nanoseconds (Clock.monoNs); the scrape exports seconds, Prometheus' base unit.
 */
export class HotHistogram {
  /** Upper bounds in seconds, ascending (the +Inf bucket is implicit). */
  readonly bounds: readonly number[];
  /** The same bounds in nanoseconds, for the hot comparison. */
  readonly boundsNs: Float64Array;
  /** Non-cumulative counts; the last slot is the +Inf bucket. */
  readonly counts: Float64Array;
  sumNs = 0;
  count = 0;

  constructor(boundsSeconds: readonly number[]) {
    this.bounds = boundsSeconds;
    this.boundsNs = Float64Array.from(boundsSeconds, (s) => s * 1e9);
    this.counts = new Float64Array(boundsSeconds.length + 1);
  }

  /** Records a duration in nanoseconds; negative or NaN durations (clock misuse) are ignored. */
  observeNs(ns: number): void {
    if (!(ns >= 0)) return;
    const b = this.boundsNs;
    const n = b.length;
    let i = 0;
    while (i < n && ns > b[i]!) i++;
    this.counts[i]!++;
    this.sumNs += ns;
    this.count++;
  }

  /** Records a duration in seconds. */
  observe(seconds: number): void {
    this.observeNs(seconds * 1e9);
  }
}

/** Bucket bounds (seconds) for tick-to-trade: from 1 µs, since the in-process path is microseconds. */
export const TICK_TO_TRADE_BUCKETS: readonly number[] = [
  1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1,
];

/** Bucket bounds (seconds) for a strategy callback: from 250 ns (a built-in's book update) to 100 ms. */
export const STRATEGY_CALLBACK_BUCKETS: readonly number[] = [
  2.5e-7, 5e-7, 1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1,
];

/** Bucket bounds (seconds) for a venue's order acknowledgement: network round trips, 100 µs to 10 s. */
export const ACK_LATENCY_BUCKETS: readonly number[] = [
  1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Bucket bounds (seconds) for event-loop lag: anything over a millisecond hurts the hot path. */
export const LOOP_LAG_BUCKETS: readonly number[] = [
  1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1,
];
