/**
 * Tick-to-trade of the whole engine, driven by the simulator over loopback: the simulator runs as a
 * child process (as with `bun run start`), the engine connects to it with the Binance adapter and
 * market-makes four symbols with a quote that follows every top-of-book change, so most depth frames
 * cause orders (tick-to-trade.config.ts). It runs until the first-order-written figure has at least
 * MIN_SAMPLES frames (so its p99 means something), at least `seconds`, and prints what happened to
 * the frames that caused none.
 *
 * Reports (in µs), all starting when the market-data frame arrives (the adapter stamps it in its
 * socket callback, before decoding it and applying it to the C book):
 *  - internal tick-to-trade, first order message written: → the first order-entry message the frame
 *    caused (a new order or a cancel: the first wire reaction) was written to the order socket
 *    (ws.send returned; Bun's client ws.send is a synchronous sendto);
 *  - first NEW order written: → the first new order the frame caused was written (requotes send
 *    the new order before the stale one's cancel, see src/execution/execution.ts quote());
 *  - the engine's own histogram: → a microtask queued when the order was handed to the adapter, i.e.
 *    the end of the whole synchronous handler turn (every order and cancel of the frame written);
 *    "handed to adapter" is → the first order request handed over (its write is inside);
 *  - wire round trip: order handed to the adapter → its ack event back from the simulator (signing,
 *    JSON, loopback both ways and the simulator's matching);
 *  - the loopback floor: a plain Bun WebSocket echo round trip on the same machine;
 *  - the same engine on the in-process sim-direct venue (no sockets): the engine's own share.
 *
 * Usage: bun bench/tick-to-trade.bench.ts [seconds=20]   (or `bun run bench tick`)
 * HFT_ENGINE_CPU=<n> pins the engine's event loop to CPU n (default: the last allowed CPU when there
 * are two or more; "none": unpinned, as before), the simulator child to the other CPUs.
 * HFT_JOURNAL=1 runs both engines with the journal on (a temporary SQLite file each, committed after
 * every handler turn as in production), to compare with a run without it.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Config,
  createConfiguredVenues,
  Engine,
  openConfiguredJournal,
  parseConfig,
} from "../src/engine/index.ts";
import { percentileOf } from "../src/metrics/index.ts";
import { Rng, SystemClock, silentLogger } from "../src/services/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { BinanceAdapter } from "../src/venues/binance/index.ts";
import { benchEngineCpu, tickToTradeConfig, tickToTradeInProcess } from "./tick-to-trade.config.ts";

const SECONDS = Number(process.argv[2] ?? 20);
/** Frames with a first order written that a run must sample; it runs on (up to MAX_SECONDS) until it has them. */
const MIN_SAMPLES = Number(process.env.HFT_TTT_MIN_SAMPLES ?? 1000);
const MAX_SECONDS = 180;
/** engine.keep_warm_ms for the run (HFT_KEEP_WARM_MS=0 measures without the rehearsal). */
const KEEP_WARM_MS = Number(process.env.HFT_KEEP_WARM_MS ?? 1);
/** engine.busy_poll (HFT_BUSY_POLL=1): rehearse back to back, one core spent on the engine. */
const BUSY_POLL = process.env.HFT_BUSY_POLL === "1";
const WARMUP_S = 3;
/** HFT_JOURNAL=1: journal every order and fill to a temporary file (the production default). */
const JOURNAL = process.env.HFT_JOURNAL === "1";
const journalDir = mkdtempSync(join(tmpdir(), "ttt-journal-"));

/** A journal for one engine of this bench (undefined with HFT_JOURNAL unset). */
function benchJournal(config: Config, clock: SystemClock, name: string) {
  return JOURNAL
    ? openConfiguredJournal(config, clock, silentLogger, undefined, join(journalDir, `${name}.sqlite`))
    : undefined;
}

/**
 * engine.cpu for the run (HFT_ENGINE_CPU; "none" leaves the engine unpinned): by default the last CPU
 * this process may use, when it may use two or more (the simulator child then runs on the others).
 */
const ENGINE_CPU = benchEngineCpu(process.env.HFT_ENGINE_CPU);
const CONFIG = tickToTradeConfig(KEEP_WARM_MS, BUSY_POLL, ENGINE_CPU);

function fmt(ns: number): string {
  return Number.isNaN(ns) ? "-" : (ns / 1000).toFixed(1).padStart(8);
}

function row(name: string, sorted: Float64Array | number[], note = ""): string {
  const p = (q: number) => fmt(percentileOf(sorted, q));
  return `${name.padEnd(34)} ${String(sorted.length).padStart(7)} ${p(50)} ${p(90)} ${p(99)} ${p(99.9)}  ${note}`;
}

/** A plain Bun WebSocket echo on loopback: the floor any wire round trip stands on. */
async function loopbackFloor(n: number): Promise<Float64Array> {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      return srv.upgrade(req) ? undefined : new Response("ws only", { status: 400 });
    },
    websocket: {
      message(ws, msg) {
        ws.send(msg);
      },
    },
  });
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}`);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("loopback websocket failed"));
  });
  const out = new Float64Array(n);
  const payload = JSON.stringify({ id: "x", method: "order.place", params: { symbol: "BTCUSDT", price: "60000.00" } });
  let resolveEcho: () => void = () => {};
  ws.onmessage = () => resolveEcho();
  for (let i = -500; i < n; i++) {
    const t0 = Bun.nanoseconds();
    const echoed = new Promise<void>((r) => {
      resolveEcho = r;
    });
    ws.send(payload);
    await echoed;
    if (i >= 0) out[i] = Bun.nanoseconds() - t0;
  }
  ws.close();
  server.stop(true);
  return out.sort();
}

/**
 * The same engine and strategy on the in-process sim-direct venue (no sockets, no JSON, no
 * signing): what the engine itself costs, apart from the Binance adapter's order path.
 */
async function inProcess(seconds: number, config: Config) {
  const clock = new SystemClock();
  const { core, adapter } = tickToTradeInProcess(clock, config.engine.client_id_prefix);
  core.start();
  const journal = benchJournal(config, clock, "in-process");
  const engine = new Engine({
    config,
    clock,
    rng: new Rng("in-process"),
    adapters: [adapter],
    sampleCapacity: 1 << 20,
    ...(journal !== undefined ? { journal } : {}),
  });
  await engine.start();
  await Bun.sleep(WARMUP_S * 1000);
  engine.tickToTrade.reset();
  engine.tickToAdapter.reset();
  adapter.tickToCore.reset();
  const books0 = engine.counters.bookEvents;
  await Bun.sleep(seconds * 1000);
  const out = {
    tta: engine.tickToAdapter.sorted(),
    toCore: adapter.tickToCore.sorted(),
    books: engine.counters.bookEvents - books0,
  };
  await engine.stop("bench done");
  journal?.journal.close();
  core.stop();
  return out;
}

/** Risk refusals by reason since a snapshot of the gate's counters ("none" when there were none). */
function refusalsSince(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(after)) {
    const d = (typeof v === "number" ? v : 0) - (typeof before[k] === "number" ? (before[k] as number) : 0);
    if (d > 0) parts.push(`${k} ${d}`);
  }
  return parts.length === 0 ? "none" : parts.join(", ");
}

async function main(): Promise<void> {
  const clock = new SystemClock();
  const rng = new Rng("tick-to-trade");
  const { config } = parseConfig(CONFIG, "tick-to-trade.bench.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  // first the in-process run: it also warms the JIT on the engine's own code (strategy, risk, order
  // manager), which ~20 book events/s over the wire would leave in the interpreter for a long time
  const local = await inProcess(Math.max(5, Math.round(SECONDS / 2)), config);
  const venues = await createConfiguredVenues(config, {
    clock,
    rng,
    log: silentLogger,
    simRateLimits: { ordersPer10s: 100000, requestWeightPerMinute: 1000000 },
  });
  const journal = benchJournal(config, clock, "loopback");
  const engine = new Engine({
    config,
    clock,
    rng,
    adapters: venues.adapters,
    sampleCapacity: 1 << 20,
    ...(journal !== undefined ? { journal } : {}),
  });
  try {
    await engine.start();
    await Bun.sleep(WARMUP_S * 1000);
    const binance = venues.adapters.find((a) => a instanceof BinanceAdapter);
    if (binance === undefined) throw new Error("the sim venue should run on the Binance adapter");
    engine.tickToTrade.reset();
    engine.tickToAdapter.reset();
    engine.ackLatency.reset();
    binance.tickToWire.firstWrite.reset();
    binance.tickToWire.firstNew.reset();
    const books0 = engine.counters.bookEvents;
    const orders0 = engine.counters.ordersSent;
    const refusals0 = { ...engine.desk.risk.stats.rejections };
    const deferred0 = engine.desk.stats.placesDeferred;
    const t0 = performance.now();
    await Bun.sleep(SECONDS * 1000);
    while (binance.tickToWire.firstWrite.count < MIN_SAMPLES && performance.now() - t0 < MAX_SECONDS * 1000)
      await Bun.sleep(1000);
    const seconds = (performance.now() - t0) / 1000;
    const ttt = engine.tickToTrade.sorted();
    const tta = engine.tickToAdapter.sorted();
    const ack = engine.ackLatency.sorted();
    const firstWrite = binance.tickToWire.firstWrite.sorted();
    const firstNew = binance.tickToWire.firstNew.sorted();
    const books = engine.counters.bookEvents - books0;
    const orders = engine.counters.ordersSent - orders0;
    const refusals = refusalsSince(refusals0, engine.desk.risk.stats.rejections);
    const deferred = engine.desk.stats.placesDeferred - deferred0;
    const report = await engine.stop("bench done");
    const committed = journal?.journal.stats.committed ?? 0;
    journal?.journal.close();
    await venues.close();
    const floor = await loopbackFloor(5000);
    console.log(
      `engine vs simulator child over loopback, ${seconds.toFixed(0)} s after ${WARMUP_S} s warm-up: ${books} book events, ${orders} orders, fills ${engine.counters.fills}`,
    );
    console.log(
      `frames with an order written: ${firstWrite.length} of ${books} (${((100 * firstWrite.length) / books).toFixed(0)} %); ` +
        `risk refusals ${refusals}, places deferred ${deferred}` +
        (firstWrite.length < MIN_SAMPLES ? ` — FEWER THAN ${MIN_SAMPLES} SAMPLES after ${MAX_SECONDS} s` : ""),
    );
    console.log(
      ENGINE_CPU === null
        ? "engine.cpu: unpinned (HFT_ENGINE_CPU=none, or a single CPU)"
        : `engine.cpu: ${ENGINE_CPU}, simulator child on the other CPUs`,
    );
    console.log(JOURNAL ? `journal: on, ${committed} records committed` : "journal: off (HFT_JOURNAL=1 turns it on)");
    const kw = engine.keepWarm?.stats;
    console.log(
      kw === undefined
        ? "keep-warm: off (engine.keep_warm_ms 0)"
        : `keep-warm: ${BUSY_POLL ? "busy-polling" : `every ${KEEP_WARM_MS} ms`}, ${kw.rehearsals} rehearsals, ${kw.errors} errors, ${(kw.busyNs / 1e6 / (seconds + WARMUP_S) / 10).toFixed(1)} % of a core`,
    );
    console.log(
      `${"µs".padEnd(34)} ${"n".padStart(7)} ${"p50".padStart(8)} ${"p90".padStart(8)} ${"p99".padStart(8)} ${"p99.9".padStart(8)}`,
    );
    console.log(row("tick-to-trade: 1st order msg written", firstWrite, "(target p50 <= 100, p99 <= 500)"));
    console.log(row("tick-to-trade: 1st NEW order written", firstNew));
    console.log(row("engine histogram (end of turn)", ttt, "all orders+cancels of the frame written"));
    console.log(row("  handed to adapter (per order)", tta));
    console.log(row("wire round trip (order -> ack)", ack));
    console.log(row("loopback floor (WS echo)", floor));
    // the in-process twin of "1st order msg written": the order reaching the simulator core, where a
    // socket adapter writes it; sim-direct then matches it inside the same call (the venue's time)
    console.log(
      row(`in-process: 1st order reached the core (${local.books} books)`, local.toCore, "(target p50 <= 10)"),
    );
    console.log(row("  per order, core's matching included", local.tta, "placeOrder returned"));
    const ratio = (q: number) => (percentileOf(firstWrite, q) / percentileOf(floor, q)).toFixed(1);
    console.log(`tick-to-trade over the loopback floor, same run: p50 ${ratio(50)}×, p99 ${ratio(99)}×`);
    console.log(
      `shutdown: open orders ${report.openOrders}, in flight ${report.inFlight}, left on venue ${report.venueOpenOrders}`,
    );
  } catch (e) {
    await engine.stop("bench failed").catch(() => {});
    journal?.journal.close();
    await venues.close();
    throw e;
  }
}

await main();
rmSync(journalDir, { recursive: true, force: true });
