/**
 * Thins a report's series for its charts: a day sampled every second is 86 400 points per series,
 * which made report.html several megabytes while a chart is at most ~1 100 pixels wide. Each bucket
 * of consecutive samples keeps its first and last sample and the samples where equity, drawdown and
 * each position reach their lowest and highest, so no peak, trough or position change a chart
 * could show at its width is lost; report.json keeps every sample.
 */
import type { InstrumentSeries, ReportData } from "./report.ts";

/** What the page draws: the same shape as ReportData's series, on the kept samples only. */
export interface ChartSeries {
  readonly times: number[];
  readonly equity: number[];
  readonly drawdown: number[];
  readonly instruments: InstrumentSeries[];
  /** Samples in the report, and how many the charts draw. */
  readonly sampled: number;
  readonly drawn: number;
}

/** Buckets per chart: about two per pixel of the widest chart. */
export const CHART_BUCKETS = 2000;

/** The indices a bucket [from, to) keeps: ends and extremes of the given series, ascending. */
function keptInBucket(series: readonly (readonly (number | null)[])[], from: number, to: number): number[] {
  const kept = new Set<number>([from, to - 1]);
  for (const s of series) {
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const x = s[i];
      if (x === null || x === undefined) continue;
      if (lo < 0 || x < (s[lo] as number)) lo = i;
      if (hi < 0 || x > (s[hi] as number)) hi = i;
    }
    if (lo >= 0) kept.add(lo);
    if (hi >= 0) kept.add(hi);
  }
  return [...kept].sort((a, b) => a - b);
}

/** The samples the charts draw (all of them when there are few). */
export function thinForCharts(r: ReportData, buckets = CHART_BUCKETS): ChartSeries {
  const n = r.times.length;
  const all = { times: r.times, equity: r.equity, drawdown: r.drawdown, instruments: r.instruments };
  if (n <= buckets * 2) return { ...all, sampled: n, drawn: n };
  const watched = [r.equity, r.drawdown, ...r.instruments.flatMap((s) => [s.position, s.mid])];
  const idx: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    if (to > from) idx.push(...keptInBucket(watched, from, to));
  }
  const pick = <T>(s: readonly T[]): T[] => idx.map((i) => s[i] as T);
  return {
    times: pick(r.times),
    equity: pick(r.equity),
    drawdown: pick(r.drawdown),
    instruments: r.instruments.map((s) => ({
      ...s,
      mid: pick(s.mid),
      bid: pick(s.bid),
      ask: pick(s.ask),
      position: pick(s.position),
    })),
    sampled: n,
    drawn: idx.length,
  };
}
