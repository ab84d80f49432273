/**
 * Simulator core throughput, measured directly on the core (no sockets) so the protocol layers know
 * their budget: the whole simulator must stream ≥50k depth events/s and take ≥5k orders/s over the WS
 * API, so the core alone should do at least ten times that. Custom loops (throughput, not latency).
 * Run: `bun bench/sim-core.bench.ts` or `bun run bench sim-core`.
 */
import { VirtualClock } from "../src/services/clock.ts";
import { SimCore } from "../src/sim/core/index.ts";

/** A core with a living book (agents quoted for a while, then paused) and one client account. */
function primed(): { core: SimCore; clock: VirtualClock } {
  const clock = new VirtualClock();
  const core = new SimCore({ clock, seed: "bench" });
  core.createAccount("client", { USDT: "10000000", BTC: "1000" });
  core.start();
  clock.advance(10_000);
  core.pauseMarket(true);
  return { core, clock };
}

/** Listeners that do what a protocol layer minimally must: read every field once. */
function sink(core: SimCore): { n: number } {
  const s = { n: 0 };
  core.addListener({
    onBookLevel: (_sym, u, side, ticks, lots) => {
      s.n += (u + side + ticks + lots) & 1;
    },
    onExecution: (r) => {
      s.n += r.orderId & 1;
    },
    onAccountUpdate: (_id, _t, b) => {
      s.n += b.length & 1;
    },
    onTrade: (_s, id) => {
      s.n += id & 1;
    },
  });
  return s;
}

function placeCancel(n: number): number {
  const { core } = primed();
  sink(core);
  const sym = core.symbol("BTCUSDT");
  const top = core.bookTop("BTCUSDT");
  if (sym === undefined || top === undefined) throw new Error("no BTCUSDT");
  const prices = Array.from({ length: 50 }, (_, i) => sym.formatPrice(top.bidTicks - 1000 - i));
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++) {
    const r = core.placeOrder({
      accountId: "client",
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      price: prices[i % 50] as string,
      quantity: "0.01",
    });
    if (!r.ok) throw new Error(`place failed: ${JSON.stringify(r.reason)}`);
    const c = core.cancelOrder("client", "BTCUSDT", { orderId: r.order.orderId });
    if (!c.ok) throw new Error("cancel failed");
  }
  const s = (Bun.nanoseconds() - t0) / 1e9;
  return (2 * n) / s; // place + cancel = 2 order requests
}

/** Each round: one account rests a limit sell, another takes it with a MARKET buy (one fill). */
function takers(n: number): number {
  const clock = new VirtualClock();
  const core = new SimCore({ clock, seed: "bench", agents: false });
  core.createAccount("maker", { USDT: "10000000", BTC: "10000" });
  core.createAccount("taker", { USDT: "10000000", BTC: "10000" });
  sink(core);
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++) {
    const m = core.placeOrder({
      accountId: "maker",
      symbol: "BTCUSDT",
      side: "SELL",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "50000.00",
      quantity: "0.001",
    });
    const t = core.placeOrder({
      accountId: "taker",
      symbol: "BTCUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "0.001",
    });
    if (!m.ok || !t.ok || t.order.status !== "FILLED") throw new Error("round failed");
  }
  return (2 * n) / ((Bun.nanoseconds() - t0) / 1e9);
}

function agentEvents(simSeconds: number, speed: number): { perSec: number; levels: number; trades: number } {
  const clock = new VirtualClock();
  const core = new SimCore({ clock, seed: "bench-agents", speed });
  let levels = 0;
  let trades = 0;
  core.addListener({
    onBookLevel: () => {
      levels++;
    },
    onTrade: () => {
      trades++;
    },
  });
  core.start();
  clock.advance(1000);
  levels = 0;
  trades = 0;
  const t0 = Bun.nanoseconds();
  clock.advance(simSeconds * 1000);
  const s = (Bun.nanoseconds() - t0) / 1e9;
  return { perSec: levels / s, levels, trades };
}

const fmt = (x: number): string => Math.round(x).toLocaleString("en-US");
placeCancel(20_000); // warm-up
const pc = placeCancel(200_000);
console.log(`place+cancel (limit, resting book ~280 levels/side): ${fmt(pc)} order requests/s (target ≥ 50,000)`);
takers(5_000);
const mk = takers(100_000);
console.log(`rest + MARKET take (one fill per round):               ${fmt(mk)} order requests/s`);
const ag = agentEvents(60, 20);
console.log(
  `agents, 4 symbols, speed 20, 60 s simulated:            ${fmt(ag.perSec)} book level events/s (target ≥ 500,000); ` +
    `${fmt(ag.levels)} levels, ${fmt(ag.trades)} trades`,
);
const ag1 = agentEvents(120, 1);
console.log(
  `agents at speed 1 (realistic load), 120 s simulated:    ${fmt(ag1.levels / 120)} level events and ` +
    `${fmt(ag1.trades / 120)} trades per simulated second (4 symbols)`,
);
