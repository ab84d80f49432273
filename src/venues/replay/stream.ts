/**
 * One recorded venue/symbol stream in a replay, seen twice: by the venue at venue time (its book is
 * what our orders meet: the fill model reads it) and by the engine at the recorded local receive time
 * (its book is the adapter's book the strategy reads). The gap between the two is the feed latency,
 * taken from the recording (venue time vs local time) or a constant. Frames wait in a small FIFO
 * between the venue's view and the engine's, copied once; nothing is allocated per frame.
 */
import { OrderBook } from "../../book/index.ts";
import type { FillModel } from "../../fills/index.ts";
import { type FrameCursor, FrameKind, type IssueLog } from "../../history/index.ts";
import type { BookHealth, InstrumentInfo } from "../../types/index.ts";

/** How the engine-side of a frame is handed on (the adapter emits it as venue events). */
export interface LocalSink {
  onBook(s: ReplayStream, snapshot: boolean, seq: number, venueMs: number): void;
  onTrade(s: ReplayStream, side: number, ticks: number, lots: number, tradeId: number, venueMs: number): void;
  onHealth(s: ReplayStream, health: BookHealth, reason: string, gap: boolean): void;
}

/** Frame metadata words in the FIFO: kind, count, seq, localMs, venueMs, levels offset. */
const META = 6;

/** One venue/symbol of a replay; see the module comment. */
export class ReplayStream {
  readonly exchangeBook: OrderBook;
  readonly localBook: OrderBook;
  health: BookHealth = "syncing";
  subscribed = false;
  /** Venue time of the next frame the venue has not seen yet (Infinity at the end). */
  nextVenueMs = Number.POSITIVE_INFINITY;
  framesDone = 0;
  levelsApplied = 0;
  crossedFrames = 0;
  private exchangeSynced = false;
  private localSynced = false;
  private lastVenueMs = Number.NEGATIVE_INFINITY;
  /** The recording run's own resting lots by level (key ticks * 2 + side), from Own frames. */
  private readonly own = new Map<number, number>();
  private meta: Float64Array = new Float64Array(64 * META);
  private words: Float64Array = new Float64Array(4096);
  private head = 0;
  private tail = 0;
  private wordTail = 0;
  fill: FillModel | undefined;
  /** Where the engine side of this stream's frames goes (its venue's replay adapter). */
  sink: LocalSink | undefined;

  constructor(
    readonly venue: string,
    readonly info: InstrumentInfo,
    private readonly cursor: FrameCursor,
    private readonly issues: IssueLog,
    private readonly feedLatencyMs: number | "recorded",
    private readonly toMs: number,
    maxLevels: number,
  ) {
    this.exchangeBook = new OrderBook({ maxLevels });
    this.localBook = new OrderBook({ maxLevels });
    this.peek();
  }

  /** Local time of the oldest frame the venue has seen and the engine not yet (Infinity if none). */
  nextLocalMs(): number {
    return this.head < this.tail ? (this.meta[this.head * META + 3] as number) : Number.POSITIVE_INFINITY;
  }

  /** Lots of the recording run's own resting orders at a level of the venue book (Own frames). */
  ownLots(side: number, ticks: number): number {
    return this.own.size === 0 ? 0 : (this.own.get(ticks * 2 + side) ?? 0);
  }

  /**
   * The venue sees the next frame: its book changes, our orders meet it. Once every frame of a venue
   * instant is in, the fill model settles what the instant changed.
   */
  stepVenue(): void {
    const c = this.cursor;
    const venueMs = this.nextVenueMs;
    if (c.kind === FrameKind.Own) this.applyOwn(c.words, c.levels, c.count);
    else this.stepVenueFrame(c);
    this.lastVenueMs = venueMs;
    this.peek();
    if (this.nextVenueMs > venueMs) this.fill?.settleDepth(this.info.symbol);
  }

  /** Our own recorded orders (not market depth): noted for the fill model, never shown to the engine. */
  private applyOwn(words: Float64Array, at: number, count: number): void {
    for (let i = 0; i < count; i++) {
      const o = at + i * 3;
      const side = words[o] as number;
      const ticks = words[o + 1] as number;
      const lots = words[o + 2] as number;
      if (lots > 0) this.own.set(ticks * 2 + side, lots);
      else this.own.delete(ticks * 2 + side);
      this.fill?.onOwnLevel(this.info.symbol, side as 0 | 1, ticks);
    }
  }

  private stepVenueFrame(c: FrameCursor): void {
    this.push(c.kind, c.count, c.seq, c.localMs, Number.isNaN(c.venueMs) ? 0 : c.venueMs, c.words, c.levels);
    const book = this.exchangeBook;
    if (c.kind === FrameKind.Trade) {
      this.fill?.onTrade(
        this.info.symbol,
        c.words[c.levels] as 0 | 1,
        c.words[c.levels + 1] as number,
        c.words[c.levels + 2] as number,
      );
    } else if (c.kind === FrameKind.Gap || c.kind === FrameKind.Resync) {
      this.exchangeSynced = false;
    } else if (c.kind === FrameKind.Snapshot || this.exchangeSynced) {
      const snap = c.kind === FrameKind.Snapshot;
      if (snap) this.own.clear(); // the recorder lists our orders again right after a snapshot
      book.stageFrom(c.words, c.levels, c.count);
      const ok = (snap ? book.applySnapshot() : book.applyUpdate()) === 0 && !book.isCrossed();
      this.exchangeSynced = ok;
      if (ok) this.fill?.onDepth(this.info.symbol, c.words, c.levels, c.count, snap);
    }
  }

  /** The engine receives the oldest frame the venue has seen. */
  stepLocal(sink: LocalSink): void {
    const m = this.meta;
    const at = this.head * META;
    const kind = m[at] as number;
    const count = m[at + 1] as number;
    const seq = m[at + 2] as number;
    const venueMs = m[at + 4] as number;
    const off = m[at + 5] as number;
    this.head++;
    if (this.head === this.tail) this.head = this.tail = this.wordTail = 0;
    this.framesDone++;
    if (kind === FrameKind.Trade) {
      if (this.subscribed)
        sink.onTrade(
          this,
          this.words[off] as number,
          this.words[off + 1] as number,
          this.words[off + 2] as number,
          seq,
          venueMs,
        );
      return;
    }
    if (kind === FrameKind.Gap || kind === FrameKind.Resync) {
      this.localSynced = false;
      this.setHealth(
        sink,
        "resyncing",
        kind === FrameKind.Gap ? "recorded sequence gap" : "recorded resync",
        kind === FrameKind.Gap,
      );
      return;
    }
    this.applyLocal(sink, kind === FrameKind.Snapshot, count, seq, venueMs, off);
  }

  private applyLocal(sink: LocalSink, snap: boolean, count: number, seq: number, venueMs: number, off: number): void {
    if (!snap && !this.localSynced) return;
    const book = this.localBook;
    book.stageFrom(this.words, off, count);
    if ((snap ? book.applySnapshot() : book.applyUpdate()) !== 0) {
      this.localSynced = false;
      this.issues.report({
        kind: "book_refused",
        file: this.cursor.currentFile(),
        where: `frame ${seq}`,
        message: "the book refused a frame",
      });
      this.setHealth(sink, "resyncing", "book refused a recorded frame", false);
      return;
    }
    this.localSynced = true;
    this.levelsApplied += count;
    if (book.isCrossed()) {
      this.crossedFrames++;
      this.setHealth(sink, "resyncing", "recorded book crossed", false);
      return;
    }
    this.setHealth(sink, "live", snap ? "snapshot" : "uncrossed", false);
    if (this.subscribed) sink.onBook(this, snap, seq, venueMs);
  }

  /** Marks the stream subscribed; true when its book is already live (the adapter emits it at once). */
  subscribe(): boolean {
    this.subscribed = true;
    return this.health === "live";
  }

  close(): void {
    this.exchangeBook.close();
    this.localBook.close();
  }

  private setHealth(sink: LocalSink, h: BookHealth, reason: string, gap: boolean): void {
    if (this.health === h) return;
    this.health = h;
    if (this.subscribed) sink.onHealth(this, h, reason, gap);
  }

  /** Reads the next frame from the recording and works out when the venue sees it. */
  private peek(): void {
    const c = this.cursor;
    if (!c.next() || c.localMs > this.toMs) {
      this.nextVenueMs = Number.POSITIVE_INFINITY;
      return;
    }
    if (c.lostSync) {
      // a damaged chunk was skipped: what follows cannot be applied until the next snapshot
      c.lostSync = false;
      this.exchangeSynced = false;
      this.push(FrameKind.Resync, 0, 0, c.localMs, 0, c.words, 0);
    }
    const recorded =
      this.feedLatencyMs === "recorded" && !Number.isNaN(c.venueMs) ? Math.min(c.venueMs, c.localMs) : Number.NaN;
    const latency = this.feedLatencyMs === "recorded" ? 0 : this.feedLatencyMs;
    const venueMs = Number.isNaN(recorded) ? c.localMs - latency : recorded;
    this.nextVenueMs = Math.max(venueMs, this.lastVenueMs);
  }

  private push(
    kind: number,
    count: number,
    seq: number,
    localMs: number,
    venueMs: number,
    src: Float64Array,
    from: number,
  ): void {
    if ((this.tail + 1) * META > this.meta.length) this.meta = grow(this.meta, (this.tail + 1) * META);
    const n = count * 3;
    if (this.wordTail + n > this.words.length) this.words = grow(this.words, this.wordTail + n);
    const m = this.meta;
    const at = this.tail * META;
    m[at] = kind;
    m[at + 1] = count;
    m[at + 2] = seq;
    m[at + 3] = localMs;
    m[at + 4] = venueMs;
    m[at + 5] = this.wordTail;
    const w = this.words;
    for (let i = 0; i < n; i++) w[this.wordTail + i] = src[from + i] as number;
    this.wordTail += n;
    this.tail++;
  }
}

function grow(a: Float64Array, need: number): Float64Array {
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
