/**
 * Binance market-data throughput: pre-generated, seeded 20-level diff-depth frames (10 bids + 10
 * asks, contiguous U/u, ~10% deletes, ~1000 levels per side) pushed over a loopback WebSocket from a
 * child process that speaks just enough Binance (time, exchangeInfo, depth snapshot, combined
 * stream; frames sent corked, 64 to a write: bench/blast.ts says why), through the real adapter: the
 * wire socket's receive buffer → the frame's bytes in ONE FFI call into the C depth decoder (JSON
 * validation, §A.3 sequence rule, levels to ticks/lots, apply to the C book) → reused book event.
 * Reports frames/s and CPU µs per frame of the receiving process, plus the same path fed in-process
 * without the socket, as strings (Bun's WebSocket's path: encoded into a reused buffer first) and as
 * bytes (the wire socket's path).
 * Beside the loopback figure, the socket floor of the same run: the same frames from the same sender
 * into a wire socket that does nothing with them (blast.ts, socketFloor); the engine's own share is
 * what is above it.
 * Run: `bun bench/binance-md.bench.ts` or `bun run bench binance-md`. Figures: bench/RESULTS.md.
 */

import { SystemClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { BinanceAdapter } from "../src/venues/binance/index.ts";
import {
  type PumpState,
  packFrames,
  printFloor,
  printLoad,
  pumpFrames,
  socketFloor,
  startVenue,
  timeFeed,
} from "./blast.ts";

const FRAMES = Number(process.env["FRAMES"] ?? 300_000);
const WARMUP = 20_000;
const MID = 6_000_000; // 60000.00 at tick 0.01
const BAND = 500; // levels per side live within ±BAND ticks of MID

/** A flat copy of a string. */
function flat(s: string): string {
  return Buffer.from(s).toString();
}

/** Seeded generator of contiguous depth frames starting at update id `first`. */
function generateFrames(first: number, count: number, seed: string): string[] {
  const rng = new Rng(seed);
  const out: string[] = new Array(count);
  const qty = (): string => (rng.chance(0.1) ? "0" : `${rng.int(200)}.${String(rng.int(100_000)).padStart(5, "0")}`);
  const px = (t: number): string => `${Math.floor(t / 100)}.${String(t % 100).padStart(2, "0")}`;
  for (let i = 0; i < count; i++) {
    const id = first + i;
    let b = "";
    let a = "";
    for (let k = 0; k < 10; k++) {
      b += `${k > 0 ? "," : ""}["${px(MID - 1 - rng.int(BAND))}","${qty()}"]`;
      a += `${k > 0 ? "," : ""}["${px(MID + 1 + rng.int(BAND))}","${qty()}"]`;
    }
    // Flattened (as a string decoded off a socket is), not a concatenation rope.
    out[i] = flat(
      `{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":${1_700_000_000_000 + i},"s":"BTCUSDT","U":${id},"u":${id},"b":[${b}],"a":[${a}]}}`,
    );
  }
  return out;
}

const EXCHANGE_INFO = JSON.stringify({
  rateLimits: [],
  symbols: [
    {
      symbol: "BTCUSDT",
      status: "TRADING",
      baseAsset: "BTC",
      quoteAsset: "USDT",
      filters: [
        { filterType: "PRICE_FILTER", minPrice: "0.01", maxPrice: "1000000.00", tickSize: "0.01" },
        { filterType: "LOT_SIZE", minQty: "0.00001", maxQty: "9000.00000", stepSize: "0.00001" },
        { filterType: "NOTIONAL", minNotional: "5", maxNotional: "9000000" },
      ],
    },
  ],
});

/** Child process: a loopback "Binance" that blasts the frames once a client subscribes. */
function serve(): void {
  const frames = generateFrames(1, FRAMES, "binance-md-bench");
  const snapshot = JSON.stringify({
    lastUpdateId: 0,
    bids: Array.from({ length: 100 }, (_, i) => [`${(MID - 1 - i * 5) / 100}`, "1.00000"]),
    asks: Array.from({ length: 100 }, (_, i) => [`${(MID + 1 + i * 5) / 100}`, "1.00000"]),
  });
  const server = Bun.serve<PumpState>({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req, srv) {
      const url = new URL(req.url);
      if (url.pathname === "/stream" && srv.upgrade(req, { data: { next: 0, floor: false } })) return undefined;
      if (url.pathname === "/floor" && srv.upgrade(req, { data: { next: 0, floor: true } })) return undefined;
      if (url.pathname === "/api/v3/time") return Response.json({ serverTime: Date.now() });
      if (url.pathname === "/api/v3/exchangeInfo") return new Response(EXCHANGE_INFO);
      if (url.pathname === "/api/v3/depth") return new Response(snapshot);
      return new Response("{}", { status: 404 });
    },
    websocket: {
      open(ws) {
        setTimeout(() => pumpFrames(ws, frames), ws.data.floor ? 0 : 200); // the engine fetches the snapshot first
      },
      drain(ws) {
        pumpFrames(ws, frames);
      },
      message() {},
    },
  });
  console.log(`PORT ${server.port}`);
}

async function client(): Promise<void> {
  const { child, base } = await startVenue(import.meta.path, FRAMES);
  const adapter = new BinanceAdapter({
    name: "bench",
    apiKey: "",
    apiSecret: "",
    marketDataOnly: true,
    restUrl: `http://${base}`,
    streamUrl: `ws://${base}`,
    wsApiUrl: `ws://${base}/ws-api/v3`,
    symbols: ["BTC-USDT"],
    clientIdPrefix: "bench",
    clock: new SystemClock(),
    rng: new Rng("bench"),
    book: { maxLevels: 5000, snapshotLimit: 100 },
    timeouts: { firstEventWaitMs: 50 },
    staleness: { suspectAfterMs: 60_000, probeTimeoutMs: 60_000 }, // the bench server answers no probe
  });
  let events = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  adapter.onEvent((e) => {
    if (e.type !== "book") return;
    events++;
    if (e.seq === WARMUP) {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
    }
    if (e.seq === FRAMES) done();
  });
  await adapter.connect();
  await adapter.subscribeQuotes(["BTC-USDT"]);
  await finished;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const n = FRAMES - WARMUP;
  const stats = adapter.stats();
  const book = adapter.book("BTC-USDT");
  console.log(`loopback socket: ${n} frames (20 levels each) in ${wallMs.toFixed(0)} ms`);
  console.log(`  ${Math.round(n / (wallMs / 1000)).toLocaleString()} frames/s`);
  console.log(
    `  CPU ${((cpu.user + cpu.system) / n).toFixed(2)} µs/frame (user ${(cpu.user / n).toFixed(2)}, system ${(cpu.system / n).toFixed(2)})`,
  );
  const engineCpu = (cpu.user + cpu.system) / n;
  console.log(
    `  book events ${events}, resyncs ${stats["md_resyncs"]}, gaps ${stats["md_gaps"]}, bad ${stats["md_badFrames"]}, levels ${book?.levelCount(0)}/${book?.levelCount(1)}`,
  );
  printFloor(await socketFloor(`ws://${base}/floor`, FRAMES, WARMUP), engineCpu);

  // Same path without the socket: frames continue the sequence and are fed to the primary's handler.
  const more = generateFrames(FRAMES + 1, 200_000, "binance-md-bench-2");
  const md = adapter.marketData();
  const feedText = (i: number): void => md.ingest(more[i] as string);
  for (let i = 0; i < 20_000; i++) feedText(i);
  timeFeed("in-process (no socket)", 20_000, more.length, feedText);
  console.log(`  resyncs ${adapter.stats()["md_resyncs"]}, applied ${adapter.stats()["md_depthApplied"]}`);

  // The same as bytes, as the wire socket hands them over: one buffer, each frame a range of it.
  const { bytes, starts } = packFrames(generateFrames(FRAMES + 200_001, 200_000, "binance-md-bench-3"));
  const feedBytes = (i: number): void => md.ingestBytes(bytes, starts[i] as number, starts[i + 1] as number);
  for (let i = 0; i < 20_000; i++) feedBytes(i);
  timeFeed("in-process bytes (no socket)", 20_000, 200_000, feedBytes);
  console.log(`  resyncs ${adapter.stats()["md_resyncs"]}, from bytes ${adapter.stats()["md_depthBytes"]}`);
  printLoad();
  await adapter.close();
  child.kill();
}

if (process.argv.includes("--serve")) serve();
else await client();
