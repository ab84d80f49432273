/**
 * Compares the fills of a live run with those of its backtest: pairs them by side, price and lots
 * within a time window (greedy, in time order), and explains what is left over — the nearest fill of
 * the other run, and where the two runs' orders first parted — so a parity test can say where and why
 * the backtest and the live run differ.
 */
import type { RunOrder, TimedFill } from "./recorded-run.ts";

/** The outcome of a comparison. */
export interface Parity {
  readonly matched: number;
  readonly live: number;
  readonly replay: number;
  /** Largest and median |Δt| of matched pairs, ms. */
  readonly maxLagMs: number;
  readonly medianLagMs: number;
  readonly unmatchedLive: readonly string[];
  readonly unmatchedReplay: readonly string[];
}

/** Pairs fills of the same side, price and lots whose times differ by at most windowMs. */
export function compareFills(live: readonly TimedFill[], replay: readonly TimedFill[], windowMs: number): Parity {
  const used = new Set<number>();
  const lags: number[] = [];
  const unmatchedLive: string[] = [];
  for (const f of live) {
    let best = -1;
    let bestLag = Number.POSITIVE_INFINITY;
    replay.forEach((g, i) => {
      if (used.has(i) || g.side !== f.side || g.priceTicks !== f.priceTicks || g.lots !== f.lots) return;
      const lag = Math.abs(g.atMs - f.atMs);
      if (lag <= windowMs && lag < bestLag) {
        best = i;
        bestLag = lag;
      }
    });
    if (best >= 0) {
      used.add(best);
      lags.push(bestLag);
    } else unmatchedLive.push(describe(f, replay));
  }
  const unmatchedReplay = replay.filter((_, i) => !used.has(i)).map((g) => describe(g, live));
  lags.sort((a, b) => a - b);
  return {
    matched: lags.length,
    live: live.length,
    replay: replay.length,
    maxLagMs: lags[lags.length - 1] ?? 0,
    medianLagMs: lags[Math.floor(lags.length / 2)] ?? 0,
    unmatchedLive,
    unmatchedReplay,
  };
}

/**
 * The first order one run sent that the other did not send (side, price and lots, in sending order):
 * where the two runs' quotes parted, with both times; undefined when they never did.
 */
export function firstDivergence(live: readonly RunOrder[], replay: readonly RunOrder[]): string | undefined {
  const n = Math.min(live.length, replay.length);
  for (let i = 0; i < n; i++) {
    const a = live[i] as RunOrder;
    const b = replay[i] as RunOrder;
    if (a.side !== b.side || a.priceTicks !== b.priceTicks || a.lots !== b.lots)
      return `order #${i + 1}: live sent ${orderText(a)}, the backtest ${orderText(b)}`;
  }
  if (live.length === replay.length) return undefined;
  const extra =
    live.length > n
      ? `live sent ${orderText(live[n] as RunOrder)}`
      : `the backtest sent ${orderText(replay[n] as RunOrder)}`;
  return `order #${n + 1}: ${extra} and the other run nothing more`;
}

function orderText(o: RunOrder): string {
  return `${o.side === 0 ? "buy" : "sell"} ${o.lots}@${o.priceTicks} at ${o.atMs}`;
}

/** One unmatched fill and the nearest fill of the other run on its side, as the reason to read. */
function describe(f: TimedFill, other: readonly TimedFill[]): string {
  let near: TimedFill | undefined;
  for (const g of other)
    if (g.side === f.side && (near === undefined || Math.abs(g.atMs - f.atMs) < Math.abs(near.atMs - f.atMs))) near = g;
  const side = f.side === 0 ? "buy" : "sell";
  if (near === undefined)
    return `${side} ${f.lots}@${f.priceTicks} at ${f.atMs}: no ${side} fill at all in the other run`;
  const dt = Math.round(near.atMs - f.atMs);
  const why =
    near.priceTicks !== f.priceTicks
      ? `nearest ${side} filled ${near.lots}@${near.priceTicks} (${near.priceTicks - f.priceTicks} ticks away, ${dt} ms): the quotes had parted`
      : near.lots !== f.lots
        ? `nearest ${side} at the same price filled ${near.lots} lots (${dt} ms): a partial fill split differently (queue estimate)`
        : `nearest ${side} at the same price ${dt} ms away: the queue position estimate or the latency model`;
  return `${side} ${f.lots}@${f.priceTicks} at ${f.atMs}: ${why}`;
}
