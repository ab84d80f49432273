/**
 * The journal's cost, in the three places it can hurt:
 *  1. the hot path: what the order manager's hooks add to a submit (staging an order in a reused
 *     slot), and staging a fill, against the same desk without a journal;
 *  2. commit throughput: fills per second committed to the SQLite file (WAL, synchronous NORMAL and
 *     FULL), in batches as the engine commits them after a handler turn;
 *  3. restart to quoting with 100k journaled fills: opening the file, restoring positions, risk and
 *     trade ids, settling with the venue (fake, in process) until the engine quotes.
 * Usage: bun bench/journal.bench.ts   (or `bun run bench journal`)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bench, run, summary } from "mitata";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { Execution, type RiskLimits } from "../src/execution/index.ts";
import { type FillRecord, Journal, type JournalFill, type JournalRecord, SqliteJournal } from "../src/journal/index.ts";
import { percentileOf } from "../src/metrics/index.ts";
import { Rng, SystemClock } from "../src/services/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { DecimalGrid, type InstrumentInfo, type Lots, type OrderUpdate, Side, type Ticks } from "../src/types/index.ts";
import type { VenueAdapter } from "../src/venues/index.ts";
import { FakeVenue } from "../test/support/fake-venue.ts";

const dir = mkdtempSync(join(tmpdir(), "journal-bench-"));
const info: InstrumentInfo = {
  symbol: "BTC-USDT",
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  price: new DecimalGrid("0.01"),
  qty: new DecimalGrid("0.00001"),
  minQtyLots: 1 as Lots,
  maxQtyLots: 0 as Lots,
  minNotional: "0",
  maxNotional: "0",
  trading: true,
};
const acked = Promise.resolve("1");
const nullVenue: VenueAdapter = {
  name: "null",
  kind: "null",
  connect: async () => {},
  close: async () => {},
  instruments: () => new Map([[info.symbol, info]]),
  subscribeQuotes: async () => {},
  book: () => undefined,
  bookHealth: () => "live",
  submitOrder: () => acked,
  cancelOrder: () => Promise.resolve(),
  cancelAll: async () => 0,
  openOrders: async () => [],
  orderStatus: async () => undefined,
  balances: async () => [],
  tradeHistory: async () => [],
  feeRates: async () => [],
  onEvent: () => () => {},
};
const limits: RiskLimits = {
  defaults: { maxPositionBase: "1000000", maxPositionNotional: "1e12", maxOrderBase: "100", maxOrderNotional: "1e9" },
  maxTotalNotional: "1e13",
  priceBandBps: 1000,
  maxOrdersPerSecond: 1_000_000,
  maxCancelsPerSecond: 1_000_000,
  maxOpenOrders: 1_000_000,
  dailyLossLimit: "1e12",
};

/** Wall time that moves 1 ms per reading, so rate windows never fill mid-benchmark. */
class BenchClock extends SystemClock {
  private t = Date.now();
  override nowMs(): number {
    this.t += 1;
    return this.t;
  }
}

/** A sink that keeps nothing: the staging cost alone (its commit is not on the hot path). */
const discard = { name: "discard", write: (_b: readonly JournalRecord[]) => {}, close: () => {} };

/** A desk like the engine's, with or without the journal's order hooks; never commits during a sample. */
function desk(journal: Journal | undefined): Execution {
  const d = new Execution({
    clock: new BenchClock(),
    rng: new Rng("bench"),
    clientIdPrefix: "bench",
    limits,
    ...(journal === undefined
      ? {}
      : {
          onOrderCreated: (o) => journal.orderCreated(o),
          onOrderState: (o, from, cause) => journal.orderState(o, from, cause),
        }),
  });
  d.addVenue(nullVenue);
  const v = d.registry.venues.get("null");
  if (v !== undefined) v.ready = true;
  d.setBookHealth("null", "BTC-USDT", "live");
  d.setTopOfBook("null", "BTC-USDT", 4_999_999, 5_000_001);
  return d;
}

const clock = new BenchClock();
/** Staged records are dropped every 10k calls, outside the timed call (a journal never holds more). */
const staging = new Journal({ primary: discard, clock, schedule: () => {} });
staging.attach({ instrument: () => info });
const plain = desk(undefined);
const journaled = desk(staging);
const fill: JournalFill = {
  venue: "null",
  symbol: "BTC-USDT",
  clientId: "bench-x-1",
  side: Side.Buy,
  lots: 100,
  priceTicks: 5_000_000,
  fee: "0.00000100",
  feeAsset: "BTC",
  isMaker: true,
  tradeId: 12345,
  venueOrderId: "9",
  venueTimeMs: 1,
};

/** The venue's "canceled" for an order, so the book of live orders stays flat (as in execution.bench). */
function canceled(clientId: string): OrderUpdate {
  return {
    venue: "null",
    symbol: "BTC-USDT",
    clientId,
    venueOrderId: "1",
    side: Side.Sell,
    status: "canceled",
    exec: "canceled",
    priceTicks: 5_010_000 as Ticks,
    origLots: 1 as Lots,
    cumLots: 0 as Lots,
    lastLots: 0 as Lots,
    lastPriceTicks: 0 as Ticks,
    fee: "0",
    feeAsset: "",
    isMaker: true,
    tradeId: -1,
    venueTimeMs: 0,
  };
}

let calls = 0;
/**
 * What the journal costs the engine's thread per order apart from SQLite: the staging during the
 * turn plus, every 1000 orders, turning the staged slots into records (a discarding sink).
 */
function journaledSubmit(): void {
  const o = journaled.submit("null", "BTC-USDT", Side.Sell, 5_010_000, 1);
  if (typeof o !== "string") journaled.oms.onUpdate(canceled(o.clientId));
  if (++calls % 1000 === 0) staging.flushNow();
}

summary(() => {
  bench("submit + canceled, no journal", () => {
    const o = plain.submit("null", "BTC-USDT", Side.Sell, 5_010_000, 1);
    if (typeof o !== "string") plain.oms.onUpdate(canceled(o.clientId));
  });
  bench("submit + canceled, journaled (staged, then made records; no SQLite)", journaledSubmit);
});
await run();

/**
 * The staging itself, the only part inside a handler turn: 1000 calls per sample, the journal drained
 * (untimed) between samples as it is after every turn. ns per call over 2000 samples.
 */
function perCall(name: string, call: (i: number) => void): void {
  const samples: number[] = [];
  for (let s = 0; s < 2000; s++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < 1000; i++) call(i);
    samples.push((Bun.nanoseconds() - t0) / 1000);
    staging.flushNow();
  }
  samples.sort((a, b) => a - b);
  const p = (q: number) => (percentileOf(samples, q) ?? 0).toFixed(0).padStart(6);
  console.log(`${name.padEnd(44)} ns/call p50 ${p(50)}  p90 ${p(90)}  p99 ${p(99)}`);
}
const order = plain.submit("null", "BTC-USDT", Side.Sell, 5_010_000, 1);
if (typeof order === "string") throw new Error(`bench order refused: ${order}`);
console.log("\nstaging, 1000 calls per sample (the journal drained between samples)");
perCall("stage an order (created)", () => staging.orderCreated(order));
perCall("stage an order transition", () => staging.orderState(order, "pending_new", "ack event"));
perCall("stage a fill", () => staging.fill(fill, "USDT", 0n, 5_000n));

// ---------------------------------------------------------------- commit throughput

function fillRecord(i: number): FillRecord {
  return {
    kind: "fill",
    venue: "bin",
    symbol: i % 2 === 0 ? "BTC-USDT" : "ETH-USDT",
    tradeId: String(i),
    clientId: `bench-r1-${i}`,
    venueOrderId: String(1_000_000 + i),
    side: i % 2 === 0 ? "buy" : "sell",
    price: "60000.10",
    qty: "0.00100",
    fee: "0.00000100",
    feeAsset: "BTC",
    isMaker: true,
    venueTimeMs: Date.UTC(2026, 11, 1) + i,
    localTimeMs: Date.UTC(2026, 11, 1) + i,
    source: "stream",
    estimated: false,
    currency: "USDT",
    realizedPnl: "0.01",
    feeQuote: "0.06",
    ephemeral: false,
  };
}

/** Fills committed per second in batches of `batch` (plus one position and one balance snapshot each). */
function throughput(
  synchronous: "normal" | "full",
  batch: number,
  seconds: number,
): { fillsPerS: number; commitUs: number[] } {
  const path = join(dir, `tp-${synchronous}-${batch}.sqlite`);
  const store = SqliteJournal.open(path, { synchronous });
  store.beginRun({ startedMs: 0, configHash: "b", codeVersion: "b", clientIdHead: "bench-r1-" });
  let n = 0;
  const commitUs: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const b: JournalRecord[] = [];
    for (let i = 0; i < batch; i++) b.push(fillRecord(n++));
    b.push({ kind: "balances", tsMs: n, venue: "bin", balances: [{ asset: "BTC", total: "1.5" }] });
    const t0 = performance.now();
    store.write(b);
    commitUs.push((performance.now() - t0) * 1000);
  }
  store.close();
  const total = commitUs.reduce((a, b) => a + b, 0);
  return { fillsPerS: (n / total) * 1e6, commitUs: commitUs.sort((a, b) => a - b) };
}

console.log("\njournal commit throughput (one transaction per batch, fills + a balance snapshot)");
console.log(`${"".padEnd(30)} ${"fills/s".padStart(10)} ${"commit p50 µs".padStart(14)} ${"p99 µs".padStart(10)}`);
for (const [sync, batch] of [
  ["normal", 1],
  ["normal", 10],
  ["normal", 100],
  ["normal", 1000],
  ["full", 100],
  ["full", 1000],
] as const) {
  const r = throughput(sync, batch, 2);
  const p = (q: number) => (percentileOf(r.commitUs, q) ?? 0).toFixed(0);
  console.log(
    `${`synchronous=${sync}, batch ${batch}`.padEnd(30)} ${r.fillsPerS.toFixed(0).padStart(10)} ${p(50).padStart(14)} ${p(99).padStart(10)}`,
  );
}

// ---------------------------------------------------------------- restart to quoting

const CONFIG = `
engine: { client_id_prefix: bench }
venues:
  - { name: bin, type: binance, api_key: k, api_secret: s, symbols: [BTC-USDT] }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.0004, min_profit: 0.0001, max_position: 0.5, order_size: 0.005, levels: 1 }
http: { enabled: false }
`;

/** A journal holding `fills` fills of one instrument (with snapshots every 100), as weeks of trading leave it. */
function journalWith(fills: number): string {
  const path = join(dir, `restart-${fills}.sqlite`);
  const store = SqliteJournal.open(path);
  store.beginRun({ startedMs: Date.UTC(2026, 11, 1), configHash: "b", codeVersion: "b", clientIdHead: "bench-r1-" });
  for (let base = 0; base < fills; base += 1000) {
    const b: JournalRecord[] = [];
    for (let i = base; i < Math.min(fills, base + 1000); i++) b.push({ ...fillRecord(i), symbol: "BTC-USDT" });
    b.push({
      kind: "position",
      tsMs: base,
      venue: "bin",
      symbol: "BTC-USDT",
      tick: "0.01",
      step: "0.00001",
      lots: 0,
      position: "0",
      entries: [],
      openCost: "0",
      realized: String(base / 100),
      fees: "0",
      feesByAsset: {},
      unvaluedFees: 0,
      fills: base,
      boughtLots: base * 50,
      soldLots: base * 50,
    });
    store.write(b);
  }
  store.endRun(Date.UTC(2026, 11, 1) + 1, "bench", true);
  store.close();
  return path;
}

/** open → restore → settle → quoting, in ms of wall time. */
async function restartToQuoting(path: string): Promise<number> {
  const clock = new SystemClock();
  const { config } = parseConfig(CONFIG, "bench.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const venue = new FakeVenue("bin");
  const t0 = performance.now();
  const store = SqliteJournal.open(path);
  const journal = new Journal({ primary: store, clock });
  const engine = new Engine({ config, clock, rng: new Rng("restart"), adapters: [venue], journal: { journal, store } });
  await engine.start();
  const ms = performance.now() - t0;
  await engine.stop("bench");
  journal.close();
  return ms;
}

console.log("\nrestart to quoting (open the journal, restore, settle with an in-process venue, strategy started)");
for (const fills of [0, 100_000]) {
  const path = journalWith(fills);
  const runs: number[] = [];
  for (let i = 0; i < 7; i++) runs.push(await restartToQuoting(path));
  runs.sort((a, b) => a - b);
  console.log(
    `${`${fills} journaled fills`.padEnd(30)} median ${(runs[3] ?? 0).toFixed(1)} ms, min ${(runs[0] ?? 0).toFixed(1)} ms, max ${(runs[6] ?? 0).toFixed(1)} ms`,
  );
}
rmSync(dir, { recursive: true, force: true });
