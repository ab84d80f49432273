/**
 * Raw latency samples kept beside the metrics histograms (engine, venue adapters): buckets are enough for
 * Grafana, but the tick-to-trade bench and the status line want exact percentiles. A fixed ring
 * (allocated once) so recording on the hot path never allocates.
 */

/** A ring of the last `capacity` samples in nanoseconds. */
export class LatencySamples {
  private readonly ring: Float64Array;
  private n = 0;
  /** Samples recorded in total (the ring keeps the last `capacity`). */
  count = 0;

  constructor(readonly capacity = 1 << 16) {
    this.ring = new Float64Array(capacity);
  }

  record(ns: number): void {
    this.ring[this.n] = ns;
    this.n = this.n + 1 === this.capacity ? 0 : this.n + 1;
    this.count++;
  }

  /** The kept samples, sorted ascending (a copy; off the hot path). */
  sorted(): Float64Array {
    const kept = Math.min(this.count, this.capacity);
    return this.ring.slice(0, kept).sort();
  }

  /** Percentiles (0..100) of the kept samples in ns; NaN when there are none. */
  percentiles(ps: readonly number[]): number[] {
    const s = this.sorted();
    return ps.map((p) => percentileOf(s, p));
  }

  reset(): void {
    this.n = 0;
    this.count = 0;
  }
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentileOf(sorted: Float64Array | readonly number[], p: number): number {
  const len = sorted.length;
  if (len === 0) return Number.NaN;
  const rank = Math.min(len - 1, Math.max(0, Math.ceil((p / 100) * len) - 1));
  return sorted[rank] as number;
}
