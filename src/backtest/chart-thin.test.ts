import { expect, test } from "bun:test";
import { CHART_BUCKETS, thinForCharts } from "./chart-thin.ts";
import type { ReportData } from "./report.ts";
import { reportHtml } from "./report-html.ts";

/** A day sampled every second: equity a seeded random walk, one instrument's position in steps. */
function dayReport(seed: number, n = 86_400): ReportData {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
  const times: number[] = [];
  const equity: number[] = [];
  const drawdown: number[] = [];
  const mid: (number | null)[] = [];
  const position: number[] = [];
  let e = 0;
  let peak = 0;
  let pos = 0;
  let m = 50_000;
  for (let i = 0; i < n; i++) {
    times.push(1_700_000_000_000 + i * 1000);
    e += (rnd() - 0.5) * 2;
    peak = Math.max(peak, e);
    equity.push(e);
    drawdown.push(e - peak);
    if (rnd() < 0.01) pos = Math.round((rnd() - 0.5) * 20) / 1000;
    position.push(pos);
    m += rnd() - 0.5;
    mid.push(i % 5000 === 7 ? null : m);
  }
  const inst = { venue: "sim", symbol: "BTC-USDT", mid, bid: mid.map((x) => x), ask: mid.map((x) => x), position };
  const summary = { currency: "USDT" } as unknown as ReportData["summary"];
  return { summary, times, equity, drawdown, instruments: [inst], fills: [] };
}

test("a day of samples is thinned for the charts, keeping ends, highs and lows; small reports are drawn whole", () => {
  const seed = Number(process.env.HFT_THIN_SEED ?? 7);
  const r = dayReport(seed);
  const c = thinForCharts(r);
  const ctx = `seed ${seed}`;
  expect({ ctx, small: c.drawn <= CHART_BUCKETS * 6 }).toEqual({ ctx, small: true });
  expect(c.sampled).toBe(86_400);
  expect(c.times[0]).toBe(r.times[0]);
  expect(c.times.at(-1)).toBe(r.times.at(-1));
  for (let i = 1; i < c.times.length; i++) expect((c.times[i] as number) > (c.times[i - 1] as number)).toBe(true);
  expect(Math.min(...c.drawdown)).toBe(Math.min(...r.drawdown));
  expect(Math.max(...c.equity)).toBe(Math.max(...r.equity));
  expect(Math.min(...c.equity)).toBe(Math.min(...r.equity));
  const pos = r.instruments[0]?.position ?? [];
  const kept = c.instruments[0]?.position ?? [];
  expect(Math.max(...kept)).toBe(Math.max(...pos));
  expect(Math.min(...kept)).toBe(Math.min(...pos));
  // every kept sample is the report's own sample at that time
  const at = new Map(r.times.map((t, i) => [t, i]));
  expect(c.equity).toEqual(c.times.map((t) => r.equity[at.get(t) as number] as number));

  const few = dayReport(seed, 3000);
  expect(thinForCharts(few)).toMatchObject({ sampled: 3000, drawn: 3000, times: few.times });
});

test("report.html of a day-long run stays small (was 6.4 MB) and says that the charts are thinned", () => {
  const html = reportHtml(dayReport(11), "day");
  expect(html.length).toBeLessThan(1_500_000);
  expect(html).toContain("report.json has all");
  expect(reportHtml(dayReport(11, 500), "short")).not.toContain("report.json has all");
});
