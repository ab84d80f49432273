/**
 * Records the depth-frame corpus the decoder tests replay (csrc/test/corpus/*.txt): real frames from
 * the simulator's Binance combined stream and OKX public socket, as they arrived, one per line, under a
 * header naming the venue, the key and the grids. The C fuzz run (`zig build test`) and the TS
 * differential test (test/depth-decoder.differential.test.ts) both read it, so the C decoder meets
 * the simulator's frames under the sanitizers too. Run: `bun test/support/record-depth-corpus.ts`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOkxSim, startSim } from "../../src/sim/index.ts";

/** Depth frames of the decoder's key per venue (the simulator's Binance frames run ~8 KB each). */
const BINANCE_FRAMES = 40;
const OKX_FRAMES = 200;
const OUT = join(import.meta.dir, "..", "..", "csrc", "test", "corpus");

/**
 * Collects text frames from a socket (sending `hello` once it opens) until `n` of them contain
 * `depthMark`; other frames are kept only while they are fewer than a quarter of those, so the corpus
 * is mostly depth but still holds every other kind of frame the socket sends.
 */
function record(url: string, n: number, depthMark: string, hello?: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: string[] = [];
    let depth = 0;
    let other = 0;
    ws.onopen = () => {
      if (hello !== undefined) ws.send(hello);
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== "string" || ev.data.includes("\n")) return;
      if (ev.data.includes(depthMark)) depth++;
      else if (other * 4 < depth + 4) other++;
      else return;
      frames.push(ev.data);
      if (depth === n) {
        ws.close();
        resolve(frames);
      }
    };
    ws.onerror = () => reject(new Error(`socket ${url} failed`));
  });
}

async function binance(): Promise<void> {
  const sim = await startSim({ seed: "depth-corpus", symbols: ["BTCUSDT", "ETHUSDT"], speed: 1 });
  try {
    const streams = "btcusdt@depth@100ms/ethusdt@depth@100ms/btcusdt@bookTicker/btcusdt@trade";
    const frames = await record(
      `${sim.streamUrl}/stream?streams=${streams}`,
      BINANCE_FRAMES,
      '"stream":"btcusdt@depth@100ms"',
    );
    const head = [
      "# recorded from the Binance-protocol simulator (seed depth-corpus) by test/support/record-depth-corpus.ts",
      "# venue binance key btcusdt@depth@100ms price 0.01 qty 0.00001",
    ];
    writeFileSync(join(OUT, "binance.txt"), `${[...head, ...frames].join("\n")}\n`);
  } finally {
    await sim.close();
  }
}

async function okx(): Promise<void> {
  const sim = await startOkxSim({ seed: "depth-corpus", speed: 1, booksKeepaliveMs: 250 });
  try {
    const args = [
      { channel: "books", instId: "BTC-USDT" },
      { channel: "books", instId: "ETH-USDT" },
      { channel: "bbo-tbt", instId: "BTC-USDT" },
      { channel: "trades", instId: "BTC-USDT" },
    ];
    const mark = '"channel":"books","instId":"BTC-USDT"},"action"';
    const frames = await record(sim.wsPublicUrl, OKX_FRAMES, mark, JSON.stringify({ op: "subscribe", args }));
    const head = [
      "# recorded from the OKX-protocol simulator (seed depth-corpus) by test/support/record-depth-corpus.ts",
      "# venue okx key BTC-USDT price 0.1 qty 0.00000001",
    ];
    writeFileSync(join(OUT, "okx.txt"), `${[...head, ...frames].join("\n")}\n`);
  } finally {
    await sim.close();
  }
}

await binance();
await okx();
console.log(`recorded ${BINANCE_FRAMES} Binance and ${OKX_FRAMES} OKX depth frames (and some others) into ${OUT}`);
