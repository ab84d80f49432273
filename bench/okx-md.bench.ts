/**
 * OKX market-data throughput, the twin of binance-md.bench.ts: pre-generated, seeded `books` updates
 * of 20 levels (10 asks + 10 bids in OKX's four-string form, prevSeqId chained, ~10% deletes, ~1000
 * levels per side) pushed over a loopback WebSocket from a child process that speaks just enough OKX
 * (public instruments, the public socket's subscribe, a snapshot, then the updates), through the real
 * adapter: the wire socket's receive buffer → one FFI call per frame's bytes into the C depth decoder
 * (JSON validation, seqId chain, levels to ticks/lots, apply) → reused book event. Reports frames/s
 * and CPU µs per frame of the receiving process, plus the same path fed in-process without the socket,
 * as strings and as bytes.
 * Beside the loopback figure, the socket floor of the same run: the same frames from the same sender
 * into a wire socket that does nothing with them (blast.ts, socketFloor); the engine's own share is
 * what is above it.
 * Run: `bun bench/okx-md.bench.ts` or `bun run bench okx-md`. Figures: bench/RESULTS.md.
 */

import { SystemClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { OkxAdapter } from "../src/venues/okx/index.ts";
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
const MID = 600_000; // 60000.0 at tick 0.1
const BAND = 500; // levels per side live within ±BAND ticks of MID
const HEAD = '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":';

/** A flat copy of a string (as a frame decoded off a socket is), not a concatenation rope. */
function flat(s: string): string {
  return Buffer.from(s).toString();
}

const px = (t: number): string => `${Math.floor(t / 10)}.${t % 10}`;

/** Seeded `books` updates chained from seqId `first` (frame i has prevSeqId first+i-1, seqId first+i). */
function generateFrames(first: number, count: number, seed: string): string[] {
  const rng = new Rng(seed);
  const out: string[] = new Array(count);
  const qty = (): string => (rng.chance(0.1) ? "0" : `0.${String(1 + rng.int(99_999_999)).padStart(8, "0")}`);
  for (let i = 0; i < count; i++) {
    let b = "";
    let a = "";
    for (let k = 0; k < 10; k++) {
      b += `${k > 0 ? "," : ""}["${px(MID - 1 - rng.int(BAND))}","${qty()}","0","${1 + rng.int(9)}"]`;
      a += `${k > 0 ? "," : ""}["${px(MID + 1 + rng.int(BAND))}","${qty()}","0","${1 + rng.int(9)}"]`;
    }
    const id = first + i;
    out[i] = flat(
      `${HEAD}"update","data":[{"asks":[${a}],"bids":[${b}],"ts":"${1_700_000_000_000 + i}","checksum":0,"prevSeqId":${id - 1},"seqId":${id}}]}`,
    );
  }
  return out;
}

const INSTRUMENTS = JSON.stringify({
  code: "0",
  msg: "",
  data: [
    {
      instId: "BTC-USDT",
      baseCcy: "BTC",
      quoteCcy: "USDT",
      tickSz: "0.1",
      lotSz: "0.00000001",
      minSz: "0.00001",
      maxLmtSz: "9000",
      maxLmtAmt: "9000000",
      state: "live",
    },
  ],
});

/** The snapshot every update chains from: 100 levels a side around the mid. */
function snapshotFrame(): string {
  const lv = (sign: number): string =>
    Array.from({ length: 100 }, (_, i) => `["${px(MID + sign * (1 + i * 5))}","1","0","1"]`).join(",");
  return `${HEAD}"snapshot","data":[{"asks":[${lv(1)}],"bids":[${lv(-1)}],"ts":"1700000000000","checksum":0,"prevSeqId":-1,"seqId":0}]}`;
}

/** Child process: a loopback "OKX" that blasts the updates once `books` is subscribed. */
function serve(): void {
  const frames = generateFrames(1, FRAMES, "okx-md-bench");
  const server = Bun.serve<PumpState>({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req, srv) {
      const url = new URL(req.url);
      if (url.pathname === "/ws/v5/public" && srv.upgrade(req, { data: { next: 0, floor: false } })) return undefined;
      if (url.pathname === "/floor" && srv.upgrade(req, { data: { next: 0, floor: true } })) return undefined;
      if (url.pathname === "/api/v5/public/instruments") return new Response(INSTRUMENTS);
      return new Response('{"code":"50000","msg":"not here","data":[]}', { status: 404 });
    },
    websocket: {
      open(ws) {
        if (ws.data.floor) pumpFrames(ws, frames);
      },
      message(ws, msg) {
        if (msg === "ping") {
          ws.send("pong");
          return;
        }
        if (!String(msg).includes('"books"')) return;
        ws.send('{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"bench"}');
        ws.send(snapshotFrame());
        setTimeout(() => pumpFrames(ws, frames), 100);
      },
      drain(ws) {
        pumpFrames(ws, frames);
      },
    },
  });
  console.log(`PORT ${server.port}`);
}

async function client(): Promise<void> {
  const { child, base } = await startVenue(import.meta.path, FRAMES);
  const adapter = new OkxAdapter({
    name: "bench",
    restUrl: `http://${base}`,
    wsPublicUrl: `ws://${base}/ws/v5/public`,
    wsPrivateUrl: `ws://${base}/ws/v5/private`,
    clientIdPrefix: "bench",
    clock: new SystemClock(),
    rng: new Rng("bench"),
    maxLevels: 5000,
    pingIdleMs: 60_000,
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
    `  book events ${events}, resyncs ${stats["resyncs"] ?? 0}, gaps ${stats["gaps"] ?? 0}, bad ${stats["badFrames"] ?? 0}, levels ${book?.levelCount(0)}/${book?.levelCount(1)}`,
  );
  printFloor(await socketFloor(`ws://${base}/floor`, FRAMES, WARMUP), engineCpu);

  // Same path without the socket: frames continue the chain and are fed to the public-socket handler.
  const more = generateFrames(FRAMES + 1, 200_000, "okx-md-bench-2");
  const feedText = (i: number): void => adapter.onPublic(more[i] as string);
  for (let i = 0; i < 20_000; i++) feedText(i);
  timeFeed("in-process (no socket)", 20_000, more.length, feedText);
  console.log(`  resyncs ${adapter.stats()["resyncs"] ?? 0}, book frames ${adapter.stats()["bookFrames"]}`);

  // The same as bytes, as the wire socket hands them over: one buffer, each frame a range of it.
  const { bytes, starts } = packFrames(generateFrames(FRAMES + 200_001, 200_000, "okx-md-bench-3"));
  const feedBytes = (i: number): void => adapter.ingestBytes(bytes, starts[i] as number, starts[i + 1] as number);
  for (let i = 0; i < 20_000; i++) feedBytes(i);
  timeFeed("in-process bytes (no socket)", 20_000, 200_000, feedBytes);
  const st = adapter.stats();
  console.log(`  resyncs ${st["resyncs"] ?? 0}, book frames ${st["bookFrames"]}, from bytes ${st["depthBytes"] ?? 0}`);
  printLoad();
  await adapter.close();
  child.kill();
}

if (process.argv.includes("--serve")) serve();
else await client();
