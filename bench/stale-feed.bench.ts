/**
 * How fast a stopped market-data feed is noticed (issue #11 item 1), per venue and per way a feed can
 * stop, with the production staleness defaults (suspect_after_ms 1000, probe_timeout_ms 1000): the
 * simulator silences the market connection (socket open, nothing on it, no pong) or freezes one
 * symbol's depth stream (the socket and best bid/ask carry on), and we time the fault to the adapter's
 * `stale` book-health event; then a paused (quiet) market is watched for false alarms. Timers, not a
 * mitata loop: the figure is a wall-clock delay set by the watch's period, so it is reported as the
 * median and the worst of ROUNDS faults. Uses the contract suite's harnesses (same adapters and knobs).
 * Run: `bun bench/stale-feed.bench.ts [rounds]` or `bun run bench stale-feed`. Figures: bench/RESULTS.md.
 */
import type { VenueAdapter } from "../src/venues/contract.ts";
import { binanceSimHarness } from "../test/contract/binance-sim.harness.ts";
import type { ContractHarness, HarnessFactory } from "../test/contract/harness.ts";
import { okxSimHarness } from "../test/contract/okx-sim.harness.ts";
import { waitUntil } from "../test/support/wait.ts";

const ROUNDS = Number(process.argv[2] ?? 10);
/** How long a quiet (paused) market is watched for false stale alarms. */
const QUIET_MS = 20_000;

/** Book-health events of one symbol, stamped with wall time. */
function watchHealth(a: VenueAdapter, symbol: string): Array<{ health: string; atMs: number; check?: string }> {
  const seen: Array<{ health: string; atMs: number; check?: string }> = [];
  a.onEvent((e) => {
    if (e.type === "book_health" && e.symbol === symbol)
      seen.push({ health: e.health, atMs: Date.now(), ...(e.check !== undefined ? { check: e.check } : {}) });
  });
  return seen;
}

/** Times ROUNDS faults of one kind from switch-on to the `stale` event; waits for `live` between rounds. */
async function timeFault(h: ContractHarness, a: VenueAdapter, fault: "silence" | "freeze"): Promise<number[]> {
  const sym = h.symbol;
  const seen = watchHealth(a, sym);
  const took: number[] = [];
  const set = (on: boolean) => (fault === "silence" ? h.faults.silenceMarket(on) : h.faults.freezeDepth(sym, on));
  for (let i = 0; i < ROUNDS; i++) {
    await waitUntil(() => a.bookHealth(sym) === "live", `${h.kind} ${sym} live before round ${i}`, 30_000);
    await Bun.sleep(200 + Math.floor(Math.random() * 800)); // the fault lands anywhere in the watch's period
    const from = seen.length;
    const t0 = Date.now();
    set(true);
    await waitUntil(() => seen.slice(from).some((s) => s.health === "stale"), `${h.kind} ${fault} stale`, 30_000);
    const stale = seen.slice(from).find((s) => s.health === "stale");
    took.push((stale?.atMs ?? Number.NaN) - t0);
    set(false);
  }
  return took;
}

/** Stale events on a quiet market (no updates at all, the connection healthy) over QUIET_MS. */
async function falseAlarms(h: ContractHarness, a: VenueAdapter): Promise<number> {
  await waitUntil(() => a.bookHealth(h.symbol) === "live", `${h.kind} live before the quiet watch`, 30_000);
  const seen = watchHealth(a, h.symbol);
  h.pauseMarket(true);
  await Bun.sleep(QUIET_MS);
  h.pauseMarket(false);
  return seen.filter((s) => s.health !== "live").length;
}

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

/** One venue: both faults timed, then the quiet-market watch. */
async function runVenue(name: string, make: HarnessFactory): Promise<void> {
  const h = await make();
  try {
    const a = await h.createAdapter();
    await a.subscribeQuotes([h.symbol]);
    h.pauseMarket(false);
    for (const fault of ["silence", "freeze"] as const) {
      const took = await timeFault(h, a, fault);
      console.log(
        `${name} ${fault === "silence" ? "silent connection" : "frozen depth stream"}: stale after ` +
          `median ${pct(took, 0.5)} ms, worst ${Math.max(...took)} ms, best ${Math.min(...took)} ms (${took.length} faults; ` +
          `bound ${h.staleness.suspectAfterMs} + ${h.staleness.probeTimeoutMs} ms)`,
      );
    }
    console.log(`${name} quiet market (no updates) for ${QUIET_MS / 1000} s: ${await falseAlarms(h, a)} false alarms`);
  } finally {
    await h.close();
  }
}

await runVenue("binance", binanceSimHarness());
await runVenue("okx", okxSimHarness());
process.exit(0);
