/**
 * Depth frames for bench/depth-ir.ts (instructions of the C decoder per frame, callgrind): seeded
 * 20-level frames (10 bids + 10 asks, ~10% deletes, prices within ±500 ticks of the mid) in the shapes
 * the market-data benches send (bench/binance-md.bench.ts, bench/okx-md.bench.ts: the same generators),
 * plus Binance's own wire shape, whose decimals carry 8 fraction digits ("60000.05000000"), as the
 * simulator and the exchange send them. Each stream is decoded as one subscription of the adapters.
 */
import { Rng } from "../src/services/rng.ts";

/** A venue's depth stream: the decoder's grid and key, and the frames in order (each applies). */
export interface DepthStream {
  readonly name: string;
  readonly venue: 0 | 1; // HFT_VENUE_BINANCE, HFT_VENUE_OKX
  readonly key: string;
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
  readonly maxTicks: number;
  readonly maxLots: number;
  /** OKX: the snapshot every update chains from (applied before the counted frames). */
  readonly snapshot: string | null;
  readonly frames: readonly string[];
}

const BAND = 500;

/** Binance diff-depth frames with contiguous U/u from 1; `wire` writes Binance's 8 fraction digits. */
export function binanceStream(count: number, seed: string, wire: boolean): DepthStream {
  const rng = new Rng(seed);
  const mid = 6_000_000; // 60000.00 at tick 0.01
  const zeros = wire ? "000000" : "";
  const qty = (): string => {
    if (rng.chance(0.1)) return wire ? "0.00000000" : "0";
    return `${rng.int(200)}.${String(rng.int(100_000)).padStart(5, "0")}${wire ? "000" : ""}`;
  };
  const px = (t: number): string => `${Math.floor(t / 100)}.${String(t % 100).padStart(2, "0")}${zeros}`;
  const frames: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = 1 + i;
    let b = "";
    let a = "";
    for (let k = 0; k < 10; k++) {
      b += `${k > 0 ? "," : ""}["${px(mid - 1 - rng.int(BAND))}","${qty()}"]`;
      a += `${k > 0 ? "," : ""}["${px(mid + 1 + rng.int(BAND))}","${qty()}"]`;
    }
    frames.push(
      `{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":${1_700_000_000_000 + i},"s":"BTCUSDT","U":${id},"u":${id},"b":[${b}],"a":[${a}]}}`,
    );
  }
  return {
    name: wire ? "Binance, 8-digit decimals (wire shape)" : "Binance (binance-md bench shape)",
    venue: 0,
    key: "btcusdt@depth@100ms",
    priceDecimals: 2,
    qtyDecimals: 5,
    maxTicks: 100_000_000,
    maxLots: 900_000_000,
    snapshot: null,
    frames,
  };
}

/** OKX `books` updates chained from seqId 1 (prevSeqId i, seqId i + 1), after a snapshot at seqId 0. */
export function okxStream(count: number, seed: string): DepthStream {
  const rng = new Rng(seed);
  const mid = 600_000; // 60000.0 at tick 0.1
  const head = '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":';
  const px = (t: number): string => `${Math.floor(t / 10)}.${t % 10}`;
  const qty = (): string => (rng.chance(0.1) ? "0" : `0.${String(1 + rng.int(99_999_999)).padStart(8, "0")}`);
  const frames: string[] = [];
  for (let i = 0; i < count; i++) {
    let b = "";
    let a = "";
    for (let k = 0; k < 10; k++) {
      b += `${k > 0 ? "," : ""}["${px(mid - 1 - rng.int(BAND))}","${qty()}","0","${1 + rng.int(9)}"]`;
      a += `${k > 0 ? "," : ""}["${px(mid + 1 + rng.int(BAND))}","${qty()}","0","${1 + rng.int(9)}"]`;
    }
    const id = 1 + i;
    frames.push(
      `${head}"update","data":[{"asks":[${a}],"bids":[${b}],"ts":"${1_700_000_000_000 + i}","checksum":0,"prevSeqId":${id - 1},"seqId":${id}}]}`,
    );
  }
  const lv = (sign: number): string =>
    Array.from({ length: 100 }, (_, i) => `["${px(mid + sign * (1 + i * 5))}","1","0","1"]`).join(",");
  const snapshot = `${head}"snapshot","data":[{"asks":[${lv(1)}],"bids":[${lv(-1)}],"ts":"1700000000000","checksum":0,"prevSeqId":-1,"seqId":0}]}`;
  return {
    name: "OKX (okx-md bench shape)",
    venue: 1,
    key: "BTC-USDT",
    priceDecimals: 1,
    qtyDecimals: 8,
    maxTicks: 10_000_000,
    maxLots: 900_000_000_000,
    snapshot,
    frames,
  };
}
