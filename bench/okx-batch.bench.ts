/**
 * Does batching help the OKX adapter? Multi-level quoting through the OKX adapter against the OKX
 * simulator over loopback (the simulator in a child process, as `bun run sim --venues okx` runs it), with
 * `batchOrderEntry` off (one `order` op per order) and on (one `batch-orders` op per turn of ≤ 20), over
 * the private socket and over REST.
 *
 * One round = one handler turn: `levels` submits issued back to back without awaiting (as the order
 * manager does), then, once all are acked, the same turn of cancels. Reported per mode and level count:
 *  - first ack: turn start → the first order's ack (the order a re-quote cares about most);
 *  - all acked: turn start → the last ack of the turn (how long a ladder takes to stand);
 *  - orders/s: orders acked per second of "all acked" time, and the cancel turn's time the same way.
 * Orders rest 20 % under the best bid, so nothing fills; the simulator's rate limits are raised so the
 * limits themselves are not measured.
 *
 * Usage: bun bench/okx-batch.bench.ts [rounds=200]   (or `bun run bench okx-batch`)
 */

import { percentileOf } from "../src/metrics/index.ts";
import { Rng, SystemClock } from "../src/services/index.ts";
import { type Lots, type OrderRequest, Side, type Ticks } from "../src/types/index.ts";
import type { VenueAdapter } from "../src/venues/index.ts";
import { createOkxAdapter } from "../src/venues/okx/index.ts";

const ROUNDS = Number(process.argv[2] ?? 200);
const WARMUP_ROUNDS = 20;
const LEVELS = [1, 5, 10, 20] as const;

/** What the simulator child reports on its SIM_READY line (one okx venue). */
interface OkxVenueInfo {
  restUrl: string;
  wsPublicUrl: string;
  wsPrivateUrl: string;
  adminUrl: string;
  adminToken: string;
  apiKey: string;
  apiSecret: string;
  passphrase: string;
}

/** Starts `bun run sim --venues okx` and reads its SIM_READY line. */
async function startSimChild(): Promise<{ info: OkxVenueInfo; stop: () => void }> {
  const child = Bun.spawn([process.execPath, "src/sim/main.ts", "--venues", "okx", "--seed", "okx-batch-bench"], {
    stdout: "pipe",
    stderr: "inherit",
    env: process.env,
  });
  const reader = child.stdout.getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("simulator exited before SIM_READY");
    text += new TextDecoder().decode(value);
    const line = text.split("\n").find((l) => l.startsWith("SIM_READY "));
    if (line !== undefined) {
      const ready = JSON.parse(line.slice("SIM_READY ".length)) as { venues: OkxVenueInfo[] };
      const info = ready.venues[0];
      if (info === undefined) throw new Error("SIM_READY without a venue");
      return { info, stop: () => child.kill() };
    }
  }
}

/** Raises one of the simulator's limits over its admin port (so the bench measures latency, not limits). */
async function raiseLimit(info: OkxVenueInfo, endpoint: string): Promise<void> {
  const r = await fetch(`${info.adminUrl}/admin/setRateLimit`, {
    method: "POST",
    headers: { Authorization: `Bearer ${info.adminToken}` },
    body: JSON.stringify({ endpoint, count: 1_000_000, windowMs: 1000 }),
  });
  if (r.status !== 200) throw new Error(`setRateLimit ${endpoint}: HTTP ${r.status}`);
}

/** The best bid in ticks of 0.1 (BTC-USDT's grid). */
async function bestBidTicks(info: OkxVenueInfo): Promise<number> {
  const j = (await (await fetch(`${info.restUrl}/api/v5/market/books?instId=BTC-USDT&sz=1`)).json()) as {
    data: { bids: string[][] }[];
  };
  const px = j.data[0]?.bids[0]?.[0];
  if (px === undefined) throw new Error("empty book");
  return Math.round(Number(px) * 10);
}

interface Sample {
  firstAckNs: number[];
  allAckNs: number[];
  cancelNs: number[];
  orders: number;
}

/** Runs the rounds of one mode and level count on a fresh adapter. */
async function runMode(
  info: OkxVenueInfo,
  orderEntry: "ws" | "rest",
  batch: boolean,
  levels: number,
  tag: string,
): Promise<Sample> {
  const a: VenueAdapter = createOkxAdapter({
    name: `bench_${tag}`,
    restUrl: info.restUrl,
    wsPublicUrl: info.wsPublicUrl,
    wsPrivateUrl: info.wsPrivateUrl,
    apiKey: info.apiKey,
    secret: info.apiSecret,
    passphrase: info.passphrase,
    clientIdPrefix: tag,
    clock: new SystemClock(),
    rng: new Rng(tag),
    orderEntry,
    batchOrderEntry: batch,
    orderRateLimit: { count: 1_000_000, windowMs: 1000 },
  });
  await a.connect();
  const base = Math.floor((await bestBidTicks(info)) * 0.8);
  const s: Sample = { firstAckNs: [], allAckNs: [], cancelNs: [], orders: 0 };
  let seq = 0;
  for (let round = 0; round < ROUNDS + WARMUP_ROUNDS; round++) {
    const orders: OrderRequest[] = [];
    for (let l = 0; l < levels; l++)
      orders.push({
        clientId: `${tag}-r1-${++seq}`,
        symbol: "BTC-USDT",
        side: Side.Buy,
        type: "limit",
        tif: "GTC",
        priceTicks: (base - l) as Ticks,
        lots: 100_000 as Lots,
      });
    const t0 = Bun.nanoseconds();
    let first = 0;
    await Promise.all(
      orders.map((o) =>
        a.submitOrder(o).then(() => {
          if (first === 0) first = Bun.nanoseconds();
        }),
      ),
    );
    const t1 = Bun.nanoseconds();
    await Promise.all(orders.map((o) => a.cancelOrder(o.symbol, o.clientId)));
    const t2 = Bun.nanoseconds();
    if (round < WARMUP_ROUNDS) continue;
    s.firstAckNs.push(first - t0);
    s.allAckNs.push(t1 - t0);
    s.cancelNs.push(t2 - t1);
    s.orders += levels;
  }
  await a.close();
  return s;
}

function us(sorted: number[], q: number): string {
  return (percentileOf(sorted, q) / 1000).toFixed(0).padStart(6);
}

function report(name: string, s: Sample): string {
  const sort = (x: number[]) => [...x].sort((p, q) => p - q);
  const first = sort(s.firstAckNs);
  const all = sort(s.allAckNs);
  const cancel = sort(s.cancelNs);
  const sum = (x: number[]) => x.reduce((p, q) => p + q, 0);
  const placeRate = s.orders / (sum(s.allAckNs) / 1e9);
  const cancelRate = s.orders / (sum(s.cancelNs) / 1e9);
  return `${name.padEnd(22)} ${us(first, 50)} ${us(first, 99)} ${us(all, 50)} ${us(all, 99)} ${us(cancel, 50)} ${placeRate.toFixed(0).padStart(8)} ${cancelRate.toFixed(0).padStart(8)}`;
}

const sim = await startSimChild();
try {
  for (const e of ["order", "batch-orders", "cancel-order", "cancel-batch-orders"]) await raiseLimit(sim.info, e);
  console.log(`OKX adapter, batchOrderEntry off vs on; ${ROUNDS} rounds (+${WARMUP_ROUNDS} warm-up) per row; µs`);
  console.log(
    `${"mode / levels".padEnd(22)} ${"1st50".padStart(6)} ${"1st99".padStart(6)} ${"all50".padStart(6)} ${"all99".padStart(6)} ${"cxl50".padStart(6)} ${"place/s".padStart(8)} ${"cancel/s".padStart(8)}`,
  );
  let k = 0;
  for (const orderEntry of ["ws", "rest"] as const)
    for (const levels of LEVELS)
      for (const batch of [false, true]) {
        const s = await runMode(sim.info, orderEntry, batch, levels, `bb${++k}`);
        console.log(report(`${orderEntry} ${batch ? "batch" : "single"} ×${levels}`, s));
      }
} finally {
  sim.stop();
}
