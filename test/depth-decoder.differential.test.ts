/**
 * Differential test of the C depth decoder (book/ DepthDecoder) against its TypeScript reference
 * (gateways/ decodeDepthFrame: JSON.parse, stageLevels, the sync rules). Both get the same frames in
 * the same mode and position, each with its own C book; after every frame the status, the result
 * record, the staged records and both whole books must be identical. Frames: the corpus recorded from
 * the simulator (csrc/test/corpus/), seeded random frames driven like a live feed (contiguous ids,
 * duplicates, gaps, snapshots), and hostile mutations of both. Failures print the seed and the frame;
 * DEPTH_FUZZ_SEEDS="a,b" and DEPTH_FUZZ_FRAMES=n explore more.
 */
import { describe, expect, test } from "bun:test";
import {
  DEPTH_RESULT,
  DepthDecoder,
  DepthMode,
  DepthStatus,
  DepthVenue,
  depthStatusName,
  MAX_BOOK_VALUE,
  OrderBook,
} from "../src/book/index.ts";
import { type DepthFrameSpec, decodeDepthFrame } from "../src/gateways/index.ts";
import { Rng } from "../src/services/index.ts";
import { DecimalGrid } from "../src/types/index.ts";
import { type DepthCorpus, loadCorpus, mutate, randomBinanceFrame, randomOkxFrame } from "./support/depth-frames.ts";

const SEEDS = (process.env.DEPTH_FUZZ_SEEDS ?? "depth-diff-1,depth-diff-2").split(",");
const FRAMES_PER_SEED = Number(process.env.DEPTH_FUZZ_FRAMES ?? 6000);
/** Generous: a loaded 2-core machine runs this several times slower than a quiet one. */
const TIMEOUT_MS = 10 * 60_000;

/** The C decoder and the reference side by side, each with its own book of the same limits. */
class Pair {
  readonly c: DepthDecoder;
  readonly cBook: OrderBook;
  readonly tBook: OrderBook;
  readonly spec: DepthFrameSpec;
  readonly tOut = new Float64Array(DEPTH_RESULT.length);
  readonly counts = new Map<string, number>();
  private readonly ticks: Float64Array[];
  private readonly lots: Float64Array[];

  constructor(venue: "binance" | "okx", key: string, price: DecimalGrid, qty: DecimalGrid, maxLevels: number) {
    const bounds =
      venue === "okx" ? { maxTicks: 2 ** 52, maxLots: 2 ** 52 } : { maxTicks: MAX_BOOK_VALUE, maxLots: MAX_BOOK_VALUE };
    const v = venue === "okx" ? DepthVenue.Okx : DepthVenue.Binance;
    this.cBook = new OrderBook({ maxLevels });
    this.tBook = new OrderBook({ maxLevels });
    const cap = this.cBook.config.stagingCapacity;
    this.spec = { venue: v, key, price, qty, bounds, maxFrameBytes: 1 << 20 };
    this.c = new DepthDecoder({ venue: v, key, price, qty, ...bounds, maxLevels: cap, maxFrameBytes: 1 << 20 });
    this.ticks = [
      new Float64Array(maxLevels),
      new Float64Array(maxLevels),
      new Float64Array(maxLevels),
      new Float64Array(maxLevels),
    ];
    this.lots = [
      new Float64Array(maxLevels),
      new Float64Array(maxLevels),
      new Float64Array(maxLevels),
      new Float64Array(maxLevels),
    ];
  }

  /** Feeds one frame to both; throws a readable error on any difference. Returns the status. */
  feed(text: string, mode: number, position: number, seed: string): number {
    const cs = this.c.decode(this.cBook, text, mode, position);
    const ts = decodeDepthFrame(this.spec, this.tBook, text, mode, position, this.tOut);
    const name = depthStatusName(ts);
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    const diff = this.difference(cs, ts);
    if (diff !== "") {
      const shown = text.length > 600 ? `${text.slice(0, 600)}… (${text.length} chars)` : text;
      throw new Error(
        `seed ${seed}: ${diff}\n  mode ${mode} position ${position}\n  C ${depthStatusName(cs)} [${[...this.c.record()].join(",")}]` +
          `\n  TS ${name} [${[...this.tOut].join(",")}]\n  frame ${JSON.stringify(shown)}`,
      );
    }
    return ts;
  }

  private difference(cs: number, ts: number): string {
    if (cs !== ts) return "status differs";
    const cr = this.c.record();
    for (let i = 0; i < DEPTH_RESULT.length; i++) if (cr[i] !== this.tOut[i]) return `result record differs at ${i}`;
    if (this.cBook.checkIntegrity() !== 0) return "C book integrity";
    const staged =
      ts === DepthStatus.Applied ||
      ts === DepthStatus.Crossed ||
      ts === DepthStatus.BadLevels ||
      ts === DepthStatus.BookRefused;
    if (staged) {
      const n = this.tBook.stagedCount();
      if (this.cBook.stagedCount() !== n) return `staged count ${this.cBook.stagedCount()} vs ${n}`;
      const a = this.cBook.appliedLevels();
      const b = this.tBook.appliedLevels();
      for (let i = 0; i < n * 3; i++) if (a[i] !== b[i]) return `staged record ${Math.floor(i / 3)} differs`;
    }
    return this.bookDifference();
  }

  private bookDifference(): string {
    if (this.cBook.updateCount() !== this.tBook.updateCount()) return "book update counts differ";
    for (const side of [0, 1] as const) {
      const n = this.cBook.levelCount(side);
      if (n !== this.tBook.levelCount(side)) return `side ${side} level counts differ`;
      const [ct, tt] = [this.ticks[side] as Float64Array, this.ticks[side + 2] as Float64Array];
      const [cl, tl] = [this.lots[side] as Float64Array, this.lots[side + 2] as Float64Array];
      this.cBook.topLevels(side, n, ct, cl);
      this.tBook.topLevels(side, n, tt, tl);
      for (let i = 0; i < n; i++) if (ct[i] !== tt[i] || cl[i] !== tl[i]) return `side ${side} level ${i} differs`;
    }
    return "";
  }

  /** Both books emptied (an adapter's resync). */
  clear(): void {
    this.cBook.clear();
    this.tBook.clear();
  }

  close(): void {
    this.c.close();
    this.cBook.close();
    this.tBook.close();
  }
}

/** The sequence position an adapter would hold after a frame, per venue rules. */
function advance(venue: "binance" | "okx", status: number, pair: Pair, pos: { synced: boolean; at: number }): void {
  const r = pair.tOut;
  if (status === DepthStatus.Applied) {
    pos.synced = true;
    pos.at = r[DEPTH_RESULT.last] ?? 0;
  } else if (status === DepthStatus.Gap || status === DepthStatus.Crossed || status === DepthStatus.BookRefused) {
    if (venue === "okx")
      pos.synced = false; // resubscribe: the next snapshot restarts it
    else pos.at = Math.max(pos.at, (r[DEPTH_RESULT.last] ?? 0) - 1); // a fresh snapshot bridges the next frame
    pair.clear();
  }
}

/** Replays a recorded corpus frame by frame (and a mutated copy of each frame in rehearsal mode). */
function replayCorpus(corpus: DepthCorpus, seed: string): Pair {
  const rng = new Rng(seed);
  const pair = new Pair(corpus.venue, corpus.key, corpus.price, corpus.qty, 5000);
  const pos = { synced: false, at: 0 };
  for (const frame of corpus.frames) {
    if (corpus.venue === "binance" && !pos.synced) {
      const m = /"stream":"btcusdt@depth@100ms","data":\{.*?"U":(\d+)/.exec(frame);
      if (m !== null) pos.at = Number(m[1]) - 1;
      pos.synced = m !== null;
    }
    const mode = pos.synced ? DepthMode.Live : DepthMode.Unsynced;
    advance(corpus.venue, pair.feed(frame, mode, pos.at, seed), pair, pos);
    let hostile = frame;
    for (let k = 1 + rng.int(3); k > 0; k--) hostile = mutate(rng, hostile);
    pair.feed(hostile, rng.pick([DepthMode.Live, DepthMode.Unsynced, DepthMode.Rehearse]), pos.at, seed);
  }
  return pair;
}

/** A random feed: mostly contiguous updates, with duplicates, gaps, snapshots and hostile frames. */
function randomFeed(
  venue: "binance" | "okx",
  corpus: DepthCorpus,
  seed: string,
  frames: number,
  maxLevels: number,
): Pair {
  const rng = new Rng(seed);
  const pair = new Pair(venue, corpus.key, corpus.price, corpus.qty, maxLevels);
  const pos = { synced: venue === "binance", at: 1000 };
  let mid = 600_000;
  for (let i = 0; i < frames; i++) {
    mid += rng.int(21) - 10;
    let first = pos.at + 1;
    if (rng.chance(0.05)) first = pos.at - rng.int(3); // a duplicate, or one that bridges
    if (rng.chance(0.03)) first = pos.at + 2 + rng.int(5); // a gap
    const maxLevels = rng.pick([0, 3, 20, 70]);
    const opts = { key: corpus.key, price: corpus.price, qty: corpus.qty, mid, maxLevels };
    let frame: string;
    if (venue === "binance") {
      frame = randomBinanceFrame(rng, { ...opts, first, last: first + rng.int(4) });
    } else {
      // OKX: prevSeqId is the previous frame's seqId; -1 is a snapshot; seqId == prevSeqId a keepalive
      const snapshot = (!pos.synced && rng.chance(0.7)) || rng.chance(0.02);
      const prev = snapshot ? -1 : first - 1;
      const seq = rng.chance(0.03) ? prev : rng.chance(0.01) ? 1 + rng.int(50) : first;
      frame = randomOkxFrame(rng, { ...opts, first: prev, last: seq });
    }
    if (rng.chance(0.35)) for (let k = 1 + rng.int(3); k > 0; k--) frame = mutate(rng, frame);
    const mode = rng.chance(0.05) ? DepthMode.Rehearse : pos.synced ? DepthMode.Live : DepthMode.Unsynced;
    advance(venue, pair.feed(frame, mode, pos.at, seed), pair, pos);
    if (pos.at > 2 ** 50) {
      pos.at = 1000; // a hostile frame moved the feed to the end of the id space: resync
      pair.clear();
    }
  }
  return pair;
}

const binance = loadCorpus("binance");
const okx = loadCorpus("okx");

describe("C depth decoder equals the TypeScript reference", () => {
  test(
    "the recorded simulator corpus, and a hostile copy of every frame",
    () => {
      for (const corpus of [binance, okx]) {
        const pair = replayCorpus(corpus, `corpus-${corpus.venue}`);
        const applied = pair.counts.get("Applied") ?? 0;
        // the real frames apply (the hostile copies mostly do not)
        expect(applied).toBeGreaterThanOrEqual(corpus.venue === "binance" ? 40 : 200);
        expect(pair.counts.get("BadJson") ?? 0).toBeGreaterThan(0);
        pair.close();
      }
    },
    TIMEOUT_MS,
  );

  for (const venue of ["binance", "okx"] as const) {
    test(
      `random ${venue} feeds with hostile frames, seeds ${SEEDS.join(", ")}`,
      () => {
        const seen = new Map<string, number>();
        for (const [i, seed] of SEEDS.entries()) {
          const corpus = venue === "binance" ? binance : okx;
          // small books fill up (BookRefused), large ones take everything
          const pair = randomFeed(venue, corpus, `${seed}-${venue}`, FRAMES_PER_SEED, i % 2 === 0 ? 8 : 600);
          for (const [k, n] of pair.counts) seen.set(k, (seen.get(k) ?? 0) + n);
          pair.close();
        }
        // the feeds reached every outcome the venue has
        const want = [
          "Applied",
          "Duplicate",
          "Gap",
          "Other",
          "BadJson",
          "BadFields",
          "BadLevels",
          "BookRefused",
          "Crossed",
        ];
        if (venue === "okx") want.push("Keepalive", "NotSynced");
        const missing = want.filter((k) => (seen.get(k) ?? 0) === 0);
        expect({ missing, seen: Object.fromEntries(seen) }).toEqual({ missing: [], seen: Object.fromEntries(seen) });
      },
      TIMEOUT_MS,
    );
  }

  test(
    "grids whose increment is not one unit (tick 0.05 / lot 10, tick 5 / lot 0.001)",
    () => {
      for (const venue of ["binance", "okx"] as const) {
        const base = venue === "binance" ? binance : okx;
        for (const [tick, lot] of [
          ["0.05", "10"],
          ["5", "0.001"],
        ] as const) {
          const corpus = { ...base, price: new DecimalGrid(tick), qty: new DecimalGrid(lot) };
          const pair = randomFeed(venue, corpus, `grid-${venue}-${tick}-${lot}`, FRAMES_PER_SEED / 2, 600);
          expect(pair.counts.get("Applied") ?? 0).toBeGreaterThan(100);
          pair.close();
        }
      }
    },
    TIMEOUT_MS,
  );

  test("hand-picked hostile frames agree too", () => {
    const pair = new Pair("binance", binance.key, binance.price, binance.qty, 16);
    const head = `{"stream":"${binance.key}","data":`;
    const frames = [
      `${head}{"U":1,"u":2,"b":[["60000.01","0.5"]],"a":[]}}`,
      `${head}{"U":1,"u":2,"b":[["6\\u00300000.01","0.5"]],"a":[]}}`,
      `${head}{"\\u0055":1,"u":2,"b":[],"a":[]}}`,
      `${head}{"U":1,"u":2,"b":[],"a":[],"b":[["1","1"]]}}`,
      `${head}{"U":1e0,"u":2.0,"E":1.5,"b":[],"a":[]}}`,
      `${head}{"U":1,"u":9007199254740991.4,"b":[],"a":[]}}`,
      `${head}{"U":1,"u":9007199254740993,"b":[],"a":[]}}`,
      `${head}{"U":-0,"u":0,"b":[],"a":[]}}`,
      `${head}{"U":1,"u":2,"b":[["١","1"]],"a":[]}}`,
      `${head}{"U":1,"u":2,"b":[["1","1\u2028"]],"a":[]}}`,
      `${head}{"U":1,"u":2,"b":[["1","1"]],"a":[]}}\ufeff`,
      `${head}{"U":1,"u":2,"b":[["\ud800","1"]],"a":[]}}`,
      `${head}{"U":1,"u":2,"b":[],"a":[],"x":"\ud800"}}`,
      `${head}[]}`,
      `${head}null}`,
      `{"data":{"U":1,"u":2,"b":[],"a":[]},"stream":"${binance.key}"}`,
      `{"stream":"${binance.key}","data":{"U":1,"u":2,"b":[],"a":[]},"data":5}`,
    ];
    for (const f of frames)
      for (const mode of [DepthMode.Live, DepthMode.Unsynced, DepthMode.Rehearse]) pair.feed(f, mode, 0, "hand-picked");
    pair.close();
  });
});
