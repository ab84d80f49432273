/**
 * The order path, counted: from a depth event that moves the quote to the order request written on the
 * WS API socket (strategy → quote plan → risk gate → order manager → the Binance adapter's request
 * encoding → ws.send; plus the cancel of the quote it replaces), how many objects are allocated and
 * how many methods are entered, per event, and how long the synchronous handler takes.
 *
 * Set-up: the Binance-protocol simulator in this process (market agents off, so only our own events
 * move the quote), the real Binance adapter on its WS API logged on with an Ed25519 key as the engine's
 * simulator account is (no per-request signature), the real engine with market_making at refresh
 * tolerance 0. Each measured event shifts a one-level book by one tick, so the strategy requotes: one
 * place and one cancel per event; the bench waits for their answers before the next event, so every
 * event meets the same state (one resting order per side).
 *  - objects: bun:jsc heapStats() object counts by type, before and after the synchronous handler,
 *    after a full GC (nothing is collected within one event), summed over the events;
 *  - methods: every method of the classes on the path, wrapped with a counter for a second round of
 *    events (free functions and closures are not counted);
 *  - time: the handler's duration with nothing wrapped, median and p90.
 *
 * With `sim-direct` as second argument, the in-process path instead (the tick-to-trade bench's
 * in-process row): the simulator's matching core with its agents off and the sim-direct adapter; a
 * "mover" account alternately improves the best bid by one tick and withdraws it, and what is counted
 * is the handler of the book event that update reaches the engine as (engine → strategy → gate →
 * order manager → sim-direct → the core's matching and the events it raises), over the events that
 * led to an order.
 * With a third argument `4`, sim-direct lists four symbols (BTC, ETH, SOL, BNB, as the tick-to-trade
 * bench quotes), each with a resting bid and ask of the mover; only BTC moves. The risk gate's
 * total-notional check then sums over the other symbols, as it does in the tick-to-trade runs.
 * Run: `bun bench/order-path.bench.ts [events=300] [binance|sim-direct] [symbols=1|4]` or `bun run bench order-path`.
 * Figures: bench/RESULTS.md.
 */
import { heapStats } from "bun:jsc";
import { OrderBook } from "../src/book/index.ts";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { percentileOf } from "../src/metrics/index.ts";
import { Rng, SystemClock, silentLogger } from "../src/services/index.ts";
import {
  DEFAULT_SYMBOLS,
  SIM_ED25519_API_KEY,
  SIM_ED25519_PRIVATE_KEY_PEM,
  SimCore,
  startSim,
} from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { Side, type VenueEvent } from "../src/types/index.ts";
import { createBinanceAdapter } from "../src/venues/binance/index.ts";
import { benchSimDirect } from "./tick-to-trade.config.ts";

const EVENTS = Number(process.argv[2] ?? 300);
const VENUE = process.argv[3] ?? "binance";
/** Symbols the sim-direct rig lists and the engine quotes (1 or 4); only the first one moves. */
const SYMBOLS = ["BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"].slice(
  0,
  process.argv[4] === "4" && VENUE === "sim-direct" ? 4 : 1,
);
const MID = 6_000_000; // 60000.00 at tick 0.01

const CONFIG = `
engine: { client_id_prefix: op1, status_interval_ms: 3600000 }
venues:
  - { name: sim, type: sim, symbols: [${SYMBOLS.join(", ")}] }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.0002, max_position: 1, min_profit: 0, order_size: 0.001, levels: 1, inventory_skew: 0, refresh_tolerance: 0 }
simulator: { fees: { maker: 0, taker: 0.001 } }
risk: { max_position_base: 10, max_orders_per_second: 100000, max_cancels_per_second: 100000, max_open_orders: 1000 }
http: { enabled: false }
`;

type Counts = Map<string, number>;

/** Wraps every method of the instances' prototypes (and their parents') with a call counter. */
function countMethods(instances: readonly object[], counts: Counts): () => void {
  const undo: (() => void)[] = [];
  const seen = new Set<object>();
  for (const inst of instances) {
    for (let next = Object.getPrototypeOf(inst); next !== null && next !== Object.prototype; ) {
      const proto = next;
      if (seen.has(proto)) break;
      seen.add(proto);
      const cls = (proto.constructor as { name?: string }).name ?? "?";
      for (const name of Object.getOwnPropertyNames(proto)) {
        const d = Object.getOwnPropertyDescriptor(proto, name);
        if (name === "constructor" || d === undefined || typeof d.value !== "function") continue;
        const fn = d.value as (...a: unknown[]) => unknown;
        const key = `${cls}.${name}`;
        Object.defineProperty(proto, name, {
          ...d,
          value: function (this: unknown, ...a: unknown[]) {
            counts.set(key, (counts.get(key) ?? 0) + 1);
            return fn.apply(this, a);
          },
        });
        undo.push(() => Object.defineProperty(proto, name, d));
      }
      next = Object.getPrototypeOf(proto);
    }
  }
  return () => {
    for (const u of undo) u();
  };
}

/** Object counts by type that grew between two heapStats() snapshots. */
function grown(before: Record<string, number>, after: Record<string, number>, into: Counts): void {
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) into.set(k, (into.get(k) ?? 0) + d);
  }
}

function table(title: string, counts: Counts, per: number): void {
  const rows = [...counts].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((a, [, n]) => a + n, 0);
  console.log(`${title}: ${(total / per).toFixed(1)} per event`);
  for (const [k, n] of rows) if (n / per >= 0.05) console.log(`  ${(n / per).toFixed(2).padStart(7)}  ${k}`);
}

/** One way of producing book events that lead to orders, and the objects whose methods are counted. */
interface Rig {
  readonly engine: Engine;
  /** Runs one event, its handler inside `measure`, then waits for the orders' answers. */
  event(measure: (run: () => void) => void): Promise<void>;
  /** Instances beyond the engine's own whose methods are counted. */
  readonly counted: readonly object[];
  close(): Promise<void>;
}

function benchConfig() {
  return parseConfig(CONFIG, "order-path.bench.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  }).config;
}

/** The Binance adapter on its WS API against the simulator in this process; one hand-made book. */
async function binanceRig(): Promise<Rig> {
  const sim = await startSim({
    seed: "order-path",
    symbols: ["BTCUSDT"],
    agents: false,
    fees: { maker: "0", taker: "0.001" },
    rateLimits: { ordersPer10s: 10_000_000, ordersPerDay: 100_000_000, requestWeightPerMinute: 100_000_000 },
  });
  const clock = new SystemClock();
  const adapter = createBinanceAdapter({
    name: "sim",
    // the engine's sim account logs on with Ed25519 (session.logon): requests carry no signature
    apiKey: SIM_ED25519_API_KEY,
    apiSecret: "",
    ed25519PrivateKeyPem: SIM_ED25519_PRIVATE_KEY_PEM,
    restUrl: sim.restUrl,
    streamUrl: sim.streamUrl,
    wsApiUrl: sim.wsApiUrl,
    symbols: ["BTC-USDT"],
    clientIdPrefix: "op1",
    clock,
    rng: new Rng("order-path"),
  });
  const config = benchConfig();
  const engine = new Engine({ config, clock, rng: new Rng("order-path"), adapters: [adapter], log: silentLogger });
  await engine.start();
  const book = new OrderBook({ maxLevels: 16 });
  const ev: Extract<VenueEvent, { type: "book" }> = {
    type: "book",
    venue: "sim",
    symbol: "BTC-USDT",
    book,
    seq: 0,
    snapshot: false,
    recvNs: 0,
    venueTimeMs: 0,
  };
  let step = 0;
  /** One event: the book moves a tick, the handler runs; then the answers are awaited. */
  const event = async (measure: (run: () => void) => void): Promise<void> => {
    step++;
    const mid = MID + (step % 2 === 0 ? 0 : 1);
    book.beginUpdate();
    book.stage(Side.Buy, mid - 1, 100_000);
    book.stage(Side.Sell, mid + 1, 100_000);
    book.applySnapshot();
    ev.recvNs = clock.monoNs();
    measure(() => engine.onVenueEvent(ev));
    for (let i = 0; i < 200 && engine.desk.oms.inFlight() > 0; i++) await Bun.sleep(1);
  };
  const ws = (adapter as unknown as { ws?: object }).ws;
  const budget = (adapter as unknown as { budget?: object }).budget;
  return {
    engine,
    event,
    counted: [
      adapter,
      book,
      clock,
      ...(adapter.instruments().get("BTC-USDT") ? [adapter.instruments().get("BTC-USDT")?.price as object] : []),
      ...[ws, budget].filter((x): x is object => x !== undefined),
    ],
    close: async () => {
      await engine.stop("bench done");
      await sim.close();
    },
  };
}

/** sim-direct on the matching core (agents off): a mover account moves the best bid by a tick. */
async function simDirectRig(): Promise<Rig> {
  const clock = new SystemClock();
  const core = new SimCore({
    clock,
    seed: "order-path",
    symbols: DEFAULT_SYMBOLS.filter((s) => SYMBOLS.some((u) => u.replace("-", "") === s.symbol)),
    agents: false,
  });
  core.createAccount("mover", { USDT: "10000000", BTC: "100", ETH: "1000", SOL: "10000", BNB: "1000" });
  const rest = (symbol: string, side: "BUY" | "SELL", ticks: number, clientOrderId: string): void => {
    const sym = core.symbol(symbol);
    if (sym === undefined) throw new Error(`no ${symbol} in the simulator`);
    const r = core.placeOrder({
      accountId: "mover",
      symbol,
      side,
      type: "LIMIT",
      timeInForce: "GTC",
      price: sym.formatPrice(ticks),
      quantity: "1",
      clientOrderId,
    });
    if (!r.ok) throw new Error(`mover order refused: ${JSON.stringify(r.reason)}`);
  };
  rest("BTCUSDT", "BUY", MID - 1, "mover-bid");
  rest("BTCUSDT", "SELL", MID + 1, "mover-ask");
  for (const s of core.symbols()) {
    if (s.name === "BTCUSDT") continue;
    const mid = s.priceGrid.parse(s.spec.initialMid);
    rest(s.name, "BUY", mid - 1, `mover-${s.name}-bid`);
    rest(s.name, "SELL", mid + 1, `mover-${s.name}-ask`);
  }
  const adapter = benchSimDirect(core, clock, "op1");
  const engine = new Engine({
    config: benchConfig(),
    clock,
    rng: new Rng("order-path"),
    adapters: [adapter],
    log: silentLogger,
  });
  // the measured handler is the one of the next book event the adapter emits
  let measureNext: ((run: () => void) => void) | undefined;
  const target = adapter as unknown as { emit(ev: VenueEvent): void };
  const emit = target.emit;
  target.emit = function (this: unknown, ev: VenueEvent): void {
    const m = measureNext;
    if (ev.type !== "book" || m === undefined) {
      emit.call(this, ev);
      return;
    }
    measureNext = undefined;
    m(() => emit.call(this, ev));
  };
  await engine.start();
  let step = 0;
  const event = async (measure: (run: () => void) => void): Promise<void> => {
    step++;
    measureNext = measure;
    if (step % 2 === 1) rest("BTCUSDT", "BUY", MID, `mover-${step}`);
    else if (!core.cancelOrder("mover", "BTCUSDT", { clientOrderId: `mover-${step - 1}` }).ok)
      throw new Error("mover cancel refused");
    for (let i = 0; i < 200 && (measureNext !== undefined || engine.desk.oms.inFlight() > 0); i++) await Bun.sleep(1);
    await Bun.sleep(2); // the acks of what the handler placed and cancelled
  };
  return {
    engine,
    event,
    counted: [adapter, core, clock],
    close: async () => {
      await engine.stop("bench done");
      await adapter.close();
    },
  };
}

async function main(): Promise<void> {
  const rig = VENUE === "sim-direct" ? await simDirectRig() : await binanceRig();
  const { engine, event } = rig;
  for (let i = 0; i < 200; i++) await event((run) => run()); // warm-up (JIT, first orders)

  // what two heapStats() calls allocate themselves, subtracted below
  const baseline: Counts = new Map();
  for (let i = 0; i < EVENTS; i++) {
    Bun.gc(true);
    const before = heapStats().objectTypeCounts;
    grown(before, heapStats().objectTypeCounts, baseline);
  }
  const sent0 = engine.counters.ordersSent;
  const objects: Counts = new Map();
  for (let i = 0; i < EVENTS; i++)
    await event((run) => {
      Bun.gc(true);
      const before = heapStats().objectTypeCounts;
      run();
      grown(before, heapStats().objectTypeCounts, objects);
    });
  const orders = (engine.counters.ordersSent - sent0) / EVENTS;
  for (const [k, n] of baseline) objects.set(k, Math.max(0, (objects.get(k) ?? 0) - n));

  const methods: Counts = new Map();
  const counted: Counts = new Map();
  const unwrap = countMethods(
    [
      engine,
      engine.desk,
      engine.desk.risk,
      engine.desk.kill,
      engine.desk.oms,
      engine.desk.ids,
      engine.desk.registry,
      engine.desk.positions,
      ...[...engine.desk.registry.venues.values()].map((v) => v.adapter).filter((a) => a !== undefined),
      ...rig.counted,
    ],
    methods,
  );
  const strategy = (engine as unknown as { strategy?: object }).strategy;
  const unwrapStrategy = strategy === undefined ? () => {} : countMethods([strategy], methods);
  // microtasks queued by hand inside the handler (promise reactions show as Promise objects above)
  let microtasks = 0;
  const queueMicrotaskOrig = globalThis.queueMicrotask;
  for (let i = 0; i < EVENTS; i++)
    await event((run) => {
      methods.clear();
      globalThis.queueMicrotask = (cb) => {
        microtasks++;
        queueMicrotaskOrig(cb);
      };
      try {
        run();
      } finally {
        globalThis.queueMicrotask = queueMicrotaskOrig;
      }
      for (const [k, n] of methods) counted.set(k, (counted.get(k) ?? 0) + n);
    });
  unwrap();
  unwrapStrategy();

  const times = new Float64Array(EVENTS);
  for (let i = 0; i < EVENTS; i++)
    await event((run) => {
      const t = Bun.nanoseconds();
      run();
      times[i] = Bun.nanoseconds() - t;
    });
  times.sort();

  console.log(
    `order path (${VENUE}, ${SYMBOLS.length} symbol${SYMBOLS.length > 1 ? "s" : ""}), ${EVENTS} events, ${orders.toFixed(2)} orders placed per event (and the cancel of the one replaced)`,
  );
  table("objects allocated (bun:jsc heapStats, by type)", objects, EVENTS);
  table("methods entered (classes on the path)", counted, EVENTS);
  console.log(`queueMicrotask calls: ${(microtasks / EVENTS).toFixed(2)} per event`);
  console.log(
    `synchronous handler: p50 ${(percentileOf(times, 50) / 1000).toFixed(1)} µs, p90 ${(percentileOf(times, 90) / 1000).toFixed(1)} µs (machine shared with other agents)`,
  );
  await rig.close();
}

await main();
