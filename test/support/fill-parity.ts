/**
 * Compares the fills of a live run with those of its backtest: pairs them by side and price within a
 * time window (greedy, in time order) and explains what is left over, so a parity test can say where
 * and why the backtest and the live run part ways.
 */
import type { TimedFill } from "./recorded-run.ts";

/** The outcome of a comparison. */
export interface Parity {
  readonly matched: number;
  readonly live: number;
  readonly replay: number;
  /** Median |Δt| of matched pairs, ms. */
  readonly medianLagMs: number;
  /** Matched pairs at exactly the same price. */
  readonly samePrice: number;
  readonly unmatchedLive: readonly string[];
  readonly unmatchedReplay: readonly string[];
}

/** Pairs fills of the same side whose prices differ by at most priceTicks and times by at most windowMs. */
export function compareFills(
  live: readonly TimedFill[],
  replay: readonly TimedFill[],
  windowMs: number,
  priceTicks = 0,
): Parity {
  const used = new Set<number>();
  const lags: number[] = [];
  let samePrice = 0;
  const unmatchedLive: string[] = [];
  for (const f of live) {
    let best = -1;
    let bestLag = Number.POSITIVE_INFINITY;
    replay.forEach((g, i) => {
      if (used.has(i) || g.side !== f.side || Math.abs(g.priceTicks - f.priceTicks) > priceTicks) return;
      const lag = Math.abs(g.atMs - f.atMs);
      if (lag <= windowMs && lag < bestLag) {
        best = i;
        bestLag = lag;
      }
    });
    if (best >= 0) {
      used.add(best);
      if (replay[best]?.priceTicks === f.priceTicks) samePrice++;
      lags.push(bestLag);
    } else unmatchedLive.push(describe(f, replay));
  }
  const unmatchedReplay = replay.filter((_, i) => !used.has(i)).map((g) => describe(g, live));
  lags.sort((a, b) => a - b);
  return {
    matched: lags.length,
    live: live.length,
    replay: replay.length,
    medianLagMs: lags[Math.floor(lags.length / 2)] ?? 0,
    samePrice,
    unmatchedLive,
    unmatchedReplay,
  };
}

/** One unmatched fill and the nearest fill of the other run on its side, as the reason to read. */
function describe(f: TimedFill, other: readonly TimedFill[]): string {
  let near: TimedFill | undefined;
  for (const g of other)
    if (g.side === f.side && (near === undefined || Math.abs(g.atMs - f.atMs) < Math.abs(near.atMs - f.atMs))) near = g;
  const side = f.side === 0 ? "buy" : "sell";
  if (near === undefined)
    return `${side} ${f.lots}@${f.priceTicks} at ${f.atMs}: no ${side} fill at all in the other run`;
  const why =
    near.priceTicks !== f.priceTicks
      ? `nearest ${side} filled at ${near.priceTicks} (${near.priceTicks - f.priceTicks} ticks away): the quotes had moved apart`
      : `nearest ${side} at the same price ${Math.round(near.atMs - f.atMs)} ms away: queue position or latency`;
  return `${side} ${f.lots}@${f.priceTicks} at ${f.atMs}: ${why}`;
}
