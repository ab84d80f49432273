/**
 * Metrics cost: bumping a pre-resolved handle on the hot path (target ≤ 50 ns per event) and one
 * full scrape with 2 venues × 10 symbols populated (target ≤ 2 ms). Run: `bun bench/metrics.bench.ts`.
 */
import { bench, do_not_optimize, group, run } from "mitata";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { populateSynthetic, SYNTHETIC_SYMBOLS, SYNTHETIC_VENUES } from "../test/support/synthetic-metrics.ts";

const metrics = createEngineMetrics();
populateSynthetic(metrics, 42);
const venue = metrics.forVenue("binance");
const btc = venue.forSymbol("BTC-USDT");
const handles = SYNTHETIC_VENUES.flatMap((v) => SYNTHETIC_SYMBOLS.map((s) => metrics.forInstrument(v, s)));
let i = 0;

group("hot path (target ≤ 50 ns per event)", () => {
  bench("counter inc (pre-resolved handle)", () => {
    btc.bookUpdates.inc();
  });
  bench("histogram observeNs (tick-to-trade, ~8 µs)", () => {
    venue.tickToTrade.observeNs(8_000 + (i++ & 1023));
  });
  bench("one book event: messages + bookUpdates + tick-to-trade", () => {
    venue.messages.inc();
    btc.bookUpdates.inc();
    venue.tickToTrade.observeNs(8_000 + (i++ & 1023));
  });
  bench("counter inc, rotating over 20 instruments", () => {
    handles[i++ % 20]!.bookUpdates.inc();
  });
  bench("rejected(reason) lookup + inc (cold path)", () => {
    btc.rejected("would_take").inc();
  });
});

group("scrape (target ≤ 2 ms, 2 venues × 10 symbols, process metrics on)", () => {
  bench("metrics.scrape() (what GET /metrics serves)", async () => {
    do_not_optimize(await metrics.scrape());
  });
});

await run();

// A plain-loop cross-check printed as one line per target, for bench/RESULTS.md.
const N = 5_000_000;
let t0 = Bun.nanoseconds();
for (let k = 0; k < N; k++) {
  venue.messages.inc();
  btc.bookUpdates.inc();
  venue.tickToTrade.observeNs(8_000 + (k & 1023));
}
const perEventNs = (Bun.nanoseconds() - t0) / N;
const scrapes: number[] = [];
for (let k = 0; k < 200; k++) {
  t0 = Bun.nanoseconds();
  await metrics.scrape();
  scrapes.push((Bun.nanoseconds() - t0) / 1e6);
}
scrapes.sort((a, b) => a - b);
const bytes = (await metrics.scrape()).length;
console.log(
  `\nloop check: one book event (3 bumps) ${perEventNs.toFixed(1)} ns (target ≤ 50 ns); ` +
    `scrape p50 ${scrapes[100]?.toFixed(3)} ms, p99 ${scrapes[198]?.toFixed(3)} ms (target ≤ 2 ms), ${bytes} bytes`,
);
