/**
 * The recorder: taps the normalised events of venue adapters and writes every book change (the
 * levels the adapter just applied, read from its C book's staging buffer), every trade and every loss
 * of sync, with the venue's time and the local receive time, into per venue/symbol/day recordings.
 * The handler only copies a few words into a preallocated chunk; compression and disk writes happen
 * on a worker thread (WorkerSink), never on the engine's. A snapshot starts every file and every book that (re)gained sync,
 * and is repeated every snapshotIntervalMs, so replay can begin anywhere near a given time.
 */
import type { OrderBook } from "../book/index.ts";
import type { Clock } from "../services/index.ts";
import { type InstrumentInfo, type OrderUpdate, Side, type VenueEvent, type VenueListener } from "../types/index.ts";
import { type Codec, FrameKind, LEVEL_WORDS } from "./format.ts";
import { WorkerSink } from "./worker-sink.ts";
import { type ChunkSink, StreamWriter } from "./writer.ts";

/** What the recorder needs of a venue adapter (a VenueAdapter fits). */
export interface RecordableVenue {
  readonly name: string;
  /**
   * The adapter's kind: a "paper" venue fills our orders locally, so they never rest in the depth it
   * records and are not marked there as our own.
   */
  readonly kind?: string;
  onEvent(listener: VenueListener): () => void;
  book(symbol: string): OrderBook | undefined;
  instruments(): ReadonlyMap<string, InstrumentInfo>;
}

/** Recorder settings (engine.record in the config). */
export interface RecorderOptions {
  readonly dir: string;
  readonly clock: Clock;
  /** A full snapshot at least this often per book (default 10 minutes). */
  readonly snapshotIntervalMs?: number;
  /** Where sealed chunks go (default: a WorkerSink, compressed and written on a worker thread). */
  readonly sink?: ChunkSink;
  /** Raw bytes per chunk (default 256 KiB). */
  readonly chunkBytes?: number;
  /** Seals partly filled chunks this often so a crash loses little (default 5 s; 0 = only when full). */
  readonly sealEveryMs?: number;
  /** Compression of the default sink (default zstd). */
  readonly codec?: Codec;
}

/** Counters, read by status, tests and the benchmark. */
export interface RecorderStats {
  events: number;
  updates: number;
  snapshots: number;
  trades: number;
  gaps: number;
  levels: number;
  /** Changes of our own resting lots at a level (Own frames). */
  own: number;
  /** Book events of symbols nobody asked to record, or that came before instruments were known. */
  ignored: number;
}

interface StreamState {
  readonly writer: StreamWriter;
  readonly venue: RecordableVenue;
  readonly symbol: string;
  /** The adapter's C book, looked up at the first book event (adapters create books on subscribe). */
  book: OrderBook | undefined;
  /** A snapshot has been written since the book (re)gained sync. */
  baselined: boolean;
  nextSnapshotNs: number;
  /** Our resting orders (by client id) and their lots summed per level (key: ownKey). */
  readonly ownOrders: Map<string, { side: Side; ticks: number; lots: number }>;
  readonly ownLevels: Map<number, number>;
  /** Our orders rest in this venue's recorded depth (not a paper venue's local fills). */
  readonly ownInDepth: boolean;
}

/** One key per (side, price) of our own levels: ticks stay far below 2^52. */
function ownKey(side: Side, ticks: number): number {
  return ticks * 2 + side;
}

/** Records the market data of attached venues; see the module comment. */
export class Recorder {
  readonly stats: RecorderStats = {
    events: 0,
    updates: 0,
    snapshots: 0,
    trades: 0,
    gaps: 0,
    levels: 0,
    own: 0,
    ignored: 0,
  };
  readonly sink: ChunkSink;
  private readonly opts: RecorderOptions;
  private readonly streams = new Map<string, Map<string, StreamState>>();
  private readonly anchorUs: number;
  private readonly monoAnchorNs: number;
  private readonly snapshotEveryNs: number;
  private readonly detach: (() => void)[] = [];
  private sealTimer = 0;
  private lastVenue = "";
  private lastSymbols: Map<string, StreamState> | undefined;
  private snapTicks = new Float64Array(1024);
  private snapLots = new Float64Array(1024);
  private closed = false;

  constructor(opts: RecorderOptions) {
    this.opts = opts;
    this.sink = opts.sink ?? new WorkerSink(opts.codec !== undefined ? { codec: opts.codec } : {});
    this.anchorUs = Math.floor(opts.clock.nowMs()) * 1000;
    this.monoAnchorNs = opts.clock.monoNs();
    this.snapshotEveryNs = (opts.snapshotIntervalMs ?? 600_000) * 1e6;
    const every = opts.sealEveryMs ?? 5000;
    if (every > 0) this.sealTimer = opts.clock.setRepeating(every, () => this.sealAll());
  }

  /** Starts recording these symbols of a venue (its instruments must be known: after connect). */
  attach(venue: RecordableVenue, symbols: readonly string[]): void {
    let bySymbol = this.streams.get(venue.name);
    if (bySymbol === undefined) {
      bySymbol = new Map();
      this.streams.set(venue.name, bySymbol);
    }
    for (const symbol of symbols) {
      const info = venue.instruments().get(symbol);
      if (info === undefined) throw new Error(`recorder: venue ${venue.name} does not list ${symbol}`);
      if (bySymbol.has(symbol)) continue;
      bySymbol.set(symbol, {
        writer: new StreamWriter({
          dir: this.opts.dir,
          header: headerOf(venue.name, info, this.opts.clock.nowMs()),
          anchorUs: this.anchorUs,
          sink: this.sink,
          chunkWords: Math.max(1024, Math.floor((this.opts.chunkBytes ?? 262_144) / 8)),
        }),
        venue,
        symbol,
        book: venue.book(symbol),
        baselined: false,
        nextSnapshotNs: 0,
        ownOrders: new Map(),
        ownLevels: new Map(),
        ownInDepth: venue.kind !== "paper",
      });
    }
    this.detach.push(venue.onEvent((ev) => this.onEvent(ev)));
  }

  /** Hot path: one venue event. Copies what it needs and returns; never throws into the adapter. */
  onEvent(ev: VenueEvent): void {
    if (this.closed) return;
    this.stats.events++;
    try {
      switch (ev.type) {
        case "book":
          this.onBook(ev);
          return;
        case "trade":
          this.onTrade(ev);
          return;
        case "order":
          this.onOrder(ev.update, ev.recvNs);
          return;
        case "book_health":
          if (ev.health !== "live") this.onLostSync(ev.venue, ev.symbol, ev.gap === true);
          return;
        default:
          return;
      }
    } catch {
      this.stats.ignored++;
    }
  }

  /** Seals every partly filled chunk (a timer does this every sealEveryMs). */
  sealAll(): void {
    for (const bySymbol of this.streams.values()) for (const s of bySymbol.values()) s.writer.seal();
  }

  /** Stops listening, seals every chunk and waits until they are on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const d of this.detach) d();
    if (this.sealTimer !== 0) this.opts.clock.clearTimer(this.sealTimer);
    for (const bySymbol of this.streams.values()) for (const s of bySymbol.values()) s.writer.close();
    await this.sink.flush();
    await this.sink.close?.();
  }

  /** Waits until everything sealed so far is on disk. */
  flush(): Promise<void> {
    return this.sink.flush();
  }

  private stream(venue: string, symbol: string): StreamState | undefined {
    let bySymbol = this.lastSymbols;
    if (venue !== this.lastVenue || bySymbol === undefined) {
      bySymbol = this.streams.get(venue);
      if (bySymbol === undefined) return undefined;
      this.lastVenue = venue;
      this.lastSymbols = bySymbol;
    }
    return bySymbol.get(symbol);
  }

  private localNs(recvNs: number): number {
    return (recvNs > 0 ? recvNs : this.opts.clock.monoNs()) - this.monoAnchorNs;
  }

  private venueNs(venueTimeMs: number): number {
    return venueTimeMs > 0 ? (venueTimeMs * 1000 - this.anchorUs) * 1000 : Number.NaN;
  }

  private onBook(ev: Extract<VenueEvent, { type: "book" }>): void {
    const s = this.stream(ev.venue, ev.symbol);
    if (s !== undefined && s.book === undefined) s.book = s.venue.book(s.symbol);
    const book = s?.book;
    if (s === undefined || book === undefined) {
      this.stats.ignored++;
      return;
    }
    const t = this.localNs(ev.recvNs);
    const venueNs = this.venueNs(ev.venueTimeMs);
    if (ev.snapshot || !s.baselined || t >= s.nextSnapshotNs || s.writer.wouldRotate(t)) {
      this.writeSnapshot(s, book, ev.seq, t, venueNs);
      return;
    }
    const count = book.stagedCount();
    s.writer.append(FrameKind.Update, ev.seq, t, venueNs, book.appliedLevels(), 0, count);
    this.stats.updates++;
    this.stats.levels += count;
  }

  /** The whole book as one snapshot frame (the adapter's staging holds only its last frame). */
  private writeSnapshot(s: StreamState, book: OrderBook, seq: number, t: number, venueNs: number): void {
    const bids = book.levelCount(Side.Buy);
    const asks = book.levelCount(Side.Sell);
    const most = Math.max(bids, asks);
    if (most > this.snapTicks.length) {
      this.snapTicks = new Float64Array(most);
      this.snapLots = new Float64Array(most);
    }
    const o = s.writer.reserve(FrameKind.Snapshot, bids + asks, seq, t, venueNs);
    const w = s.writer.words();
    let at = o;
    for (const [side, n] of [
      [Side.Buy, bids],
      [Side.Sell, asks],
    ] as const) {
      const got = book.topLevels(side, n, this.snapTicks, this.snapLots);
      for (let i = 0; i < n; i++) {
        w[at] = side;
        w[at + 1] = i < got ? (this.snapTicks[i] as number) : 0;
        w[at + 2] = i < got ? (this.snapLots[i] as number) : 0;
        at += LEVEL_WORDS;
      }
    }
    s.baselined = true;
    s.nextSnapshotNs = t + this.snapshotEveryNs;
    this.stats.snapshots++;
    this.stats.levels += bids + asks;
    this.writeOwnLevels(s, t, venueNs);
  }

  /** After a snapshot (which clears them in replay): every level where our own orders still rest. */
  private writeOwnLevels(s: StreamState, t: number, venueNs: number): void {
    if (s.ownLevels.size === 0) return;
    const o = s.writer.reserve(FrameKind.Own, s.ownLevels.size, 0, t, venueNs);
    const w = s.writer.words();
    let at = o;
    for (const [key, lots] of s.ownLevels) {
      w[at] = key % 2;
      w[at + 1] = Math.floor(key / 2);
      w[at + 2] = lots;
      at += LEVEL_WORDS;
    }
    this.stats.own++;
  }

  /**
   * One of our orders changed: the lots it rests with at its level (0 once filled, cancelled or
   * refused). A change of our lots at a level becomes an Own frame, so replay can tell our orders
   * from the market's in the depth it recorded.
   */
  private onOrder(u: OrderUpdate, recvNs: number): void {
    const s = this.stream(u.venue, u.symbol);
    if (s === undefined || !s.ownInDepth) return;
    const resting = u.status === "new" || u.status === "partially_filled" ? Math.max(0, u.origLots - u.cumLots) : 0;
    const prev = s.ownOrders.get(u.clientId);
    if ((prev?.lots ?? 0) === resting) return;
    if (resting > 0) s.ownOrders.set(u.clientId, { side: u.side, ticks: u.priceTicks, lots: resting });
    else s.ownOrders.delete(u.clientId);
    const key = ownKey(u.side, u.priceTicks);
    const lots = (s.ownLevels.get(key) ?? 0) + resting - (prev?.lots ?? 0);
    if (lots > 0) s.ownLevels.set(key, lots);
    else s.ownLevels.delete(key);
    if (!s.baselined) return; // the snapshot that starts the stream lists it
    const o = s.writer.reserve(FrameKind.Own, 1, 0, this.localNs(recvNs), this.venueNs(u.venueTimeMs));
    const w = s.writer.words();
    w[o] = u.side;
    w[o + 1] = u.priceTicks;
    w[o + 2] = Math.max(0, lots);
    this.stats.own++;
  }

  private onTrade(ev: Extract<VenueEvent, { type: "trade" }>): void {
    const s = this.stream(ev.venue, ev.symbol);
    if (s === undefined) {
      this.stats.ignored++;
      return;
    }
    const o = s.writer.reserve(FrameKind.Trade, 1, ev.tradeId, this.localNs(ev.recvNs), this.venueNs(ev.venueTimeMs));
    const w = s.writer.words();
    w[o] = ev.aggressor;
    w[o + 1] = ev.priceTicks;
    w[o + 2] = ev.lots;
    this.stats.trades++;
  }

  private onLostSync(venue: string, symbol: string, gap: boolean): void {
    const s = this.stream(venue, symbol);
    if (s === undefined || !s.baselined) return;
    s.baselined = false;
    s.writer.reserve(gap ? FrameKind.Gap : FrameKind.Resync, 0, 0, this.localNs(0), Number.NaN);
    this.stats.gaps++;
  }
}

/** The recording header of an instrument on a venue (its grids, so ticks and lots read back exactly). */
export function headerOf(venue: string, info: InstrumentInfo, createdMs: number) {
  return {
    venue,
    symbol: info.symbol,
    venueSymbol: info.venueSymbol,
    base: info.base,
    quote: info.quote,
    tick: info.price.increment,
    lot: info.qty.increment,
    minQtyLots: info.minQtyLots,
    minNotional: info.minNotional,
    source: "recorder",
    createdMs,
  };
}
