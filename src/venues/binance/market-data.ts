/**
 * Binance market data: one combined-stream connection carrying diff depth, bookTicker and trades for
 * every subscribed symbol, a C book per symbol kept in sync with the REST snapshot exactly per §A.3,
 * and the connection discipline Binance demands — paced outgoing messages (≤ 5/s), reconnect with
 * jittered backoff, and make-before-break replacement ahead of the 24 h limit or on serverShutdown.
 * A stopped feed is noticed within `staleness` (gateways/feed-watch.ts): a silent connection is
 * probed with LIST_SUBSCRIPTIONS and replaced when the answer does not come; a book its bookTicker
 * (same update ids) shows behind for too long goes stale, its depth stream is resubscribed, and a
 * stream that stays frozen while the market moves gets a fresh connection. Hot path per depth frame
 * of a live book: the frame's text to the C depth decoder in ONE FFI call (JSON validation, ids,
 * sequence rule, levels to ticks/lots, apply) → reused book event. Anything else (other streams,
 * buffering, handover, bad or gapped frames) takes the general path: JSON.parse → sync decision →
 * levels staged into the book → one FFI call.
 */
import { DepthDecoder, DepthMode, DepthStatus, DepthVenue, MAX_BOOK_VALUE, OrderBook } from "../../book/index.ts";
import {
  Backoff,
  BytesRouter,
  DiffDepthSync,
  escalationDelayMs,
  type LevelBounds,
  Liveness,
  LivenessProbe,
  type MarketSocket,
  openMarketSocket,
  PacedSender,
  readDiffIds,
  ScratchBook,
  type SequenceIds,
  SlidingWindow,
  StreamLag,
  SyncAction,
  stageLevels,
  watchPeriodMs,
} from "../../gateways/index.ts";
import type { TimerId } from "../../services/index.ts";
import type { BookHealth, ConnectionState, InstrumentInfo, StaleCheck, VenueEvent } from "../../types/index.ts";
import { Side } from "../../types/index.ts";
import type { ResolvedBinanceConfig } from "./config.ts";
import type { BinanceRest } from "./rest.ts";

type Obj = Record<string, unknown>;
type BookEvent = Extract<VenueEvent, { type: "book" }>;
type BboEvent = Extract<VenueEvent, { type: "bbo" }>;
type TradeEvent = Extract<VenueEvent, { type: "trade" }>;

const BOUNDS: LevelBounds = { maxTicks: MAX_BOOK_VALUE, maxLots: MAX_BOOK_VALUE };
const MAX_STANDBY_BUFFER = 2_000;
const STREAM_HEAD = '{"stream":"';
/** Placeholder item for sync decisions on the fast path (only consulted while buffering). */
const NO_ITEM: Obj = {};

/** Per-symbol state: its book, sync machine, health and the reused event objects. */
interface SymbolState {
  readonly info: InstrumentInfo;
  readonly lower: string;
  readonly book: OrderBook;
  /** The C decoder of this symbol's depth stream (its fast path). */
  readonly decoder: DepthDecoder;
  readonly sync: DiffDepthSync<Obj>;
  health: BookHealth;
  everLive: boolean;
  /** Bumped on every resync so a late snapshot of an older attempt is discarded. */
  generation: number;
  snapshotRequested: boolean;
  firstEventTimer: TimerId | undefined;
  lastTradeId: number;
  lastBboId: number;
  /** Handover: the standby connection's stream reached this book's position. */
  joined: boolean;
  standbyBuf: Obj[];
  /** How far the depth stream trails the bookTicker stream (same update ids). */
  readonly lag: StreamLag;
  /** Clock ms of the last bookTicker accepted (market activity while the depth stream is frozen). */
  lastBboMs: number;
  /**
   * The depth stream was found frozen: the resync waits for its first event instead of loading the
   * snapshot on a timer (a snapshot alone would look live while the stream stays stopped).
   */
  awaitStream: boolean;
  /** When the freeze was found (or last escalated); 0 = not frozen. */
  frozenAtMs: number;
  /** Connections replaced for this frozen stream since it was last live. */
  escalations: number;
  /** Synced from a snapshot while the connection had delivered nothing yet: live once it does. */
  awaitProof: boolean;
  readonly bookEv: BookEvent;
  readonly bboEv: BboEvent;
  readonly tradeEv: TradeEvent;
  liveWaiters: (() => void)[];
}

/** Where a stream's frames go: its symbol, and depth (0), bookTicker (1) or trade (2). */
interface Route {
  readonly st: SymbolState;
  readonly kind: 0 | 1 | 2;
}

/** One stream socket. */
interface Conn {
  readonly id: number;
  /** Streams named in its URL (later additions are sent as SUBSCRIBE once open). */
  readonly streams: ReadonlySet<string>;
  readonly ws: MarketSocket;
  readonly sender: PacedSender;
  readonly openedMs: number;
  /** Silence, the outstanding probe, and whether it has delivered anything since it opened. */
  readonly probe: LivenessProbe;
  open: boolean;
  ageTimer: TimerId | undefined;
}

/** Market-data counters (bad input is dropped and counted, never a crash). */
export interface MarketDataCounters {
  frames: number;
  depthApplied: number;
  /** Depth frames applied straight from the wire socket's receive buffer (no string). */
  depthBytes: number;
  badFrames: number;
  badLevels: number;
  unknownStreams: number;
  gaps: number;
  resyncs: number;
  snapshotRefetches: number;
  snapshotErrors: number;
  crossedRejected: number;
  bookErrors: number;
  reconnects: number;
  handovers: number;
  /** LIST_SUBSCRIPTIONS sent to a silent connection, and those that went unanswered (dead socket). */
  probesSent: number;
  probeTimeouts: number;
  /** Probes answered: a quiet connection found alive. */
  aliveChecks: number;
  /** Books found behind their bookTicker for too long (frozen depth stream). */
  frozenStreams: number;
  /** Connections replaced because a frozen depth stream stayed frozen while the market moved. */
  escalations: number;
  controlReplies: number;
  controlErrors: number;
  messagesSent: number;
}

/** Market data of one Binance adapter; see the module comment. */
export class BinanceMarketData {
  private readonly symbols = new Map<string, SymbolState>();
  /** Stream name → symbol and kind (0 depth, 1 bookTicker, 2 trade). */
  private readonly streams = new Map<string, Route>();
  private primary: Conn | undefined;
  private standby: Conn | undefined;
  private handoverTimer: TimerId | undefined;
  /** Why the running make-before-break replacement started (age limit, serverShutdown, ...). */
  private handoverCause = "";
  private reconnectTimer: TimerId | undefined;
  private watchdog: TimerId | undefined;
  private connSeq = 0;
  private lastStream = "";
  /** Rejecters of subscribe() calls still waiting for live books (close() ends them). */
  private readonly subscribeAborts = new Set<(why: string) => void>();
  private lastRoute: Route | undefined;
  /** The last depth frame the fast path applied and its symbol: what rehearse() decodes again. */
  private rehearsalSt: SymbolState | undefined;
  /** The bytes path's router: a frame's stream name read from its bytes (compared, never decoded). */
  private readonly byteRoutes = new BytesRouter<Route>(STREAM_HEAD, (name) => this.streams.get(name));
  /**
   * When the wire socket's current read returned, in clock ms: liveness and lag bookkeeping need no
   * finer time, so one clock read serves every frame of the read. recvNs stays per frame (taken when
   * its handling starts, as with Bun's WebSocket), so tick-to-trade does not count the frames before it.
   */
  private chunkMs = 0;
  /** Scratch book for rehearse(): never offered to anyone, so decoding into it changes nothing. */
  private readonly scratch: ScratchBook;
  /**
   * Monotonic time the frame being handled arrived (stamped in the socket callback, before any
   * decoding), 0 outside one: events carry it as recvNs so tick-to-trade includes decode and apply.
   */
  private frameNs = 0;
  /** Clock ms of the same arrival (liveness and lag bookkeeping), 0 outside a frame. */
  private frameMs = 0;
  private controlSeq = 0;
  private closing = false;
  /** Aborted by close(): a snapshot waiting for weight budget ends at once, nothing sent. */
  private readonly lifetime = new AbortController();
  /** Reused by the general path's id check (no allocation per frame). */
  private readonly ids: SequenceIds = { first: 0, last: 0 };
  private readonly backoff: Backoff;
  readonly counters: MarketDataCounters = {
    frames: 0,
    depthApplied: 0,
    depthBytes: 0,
    badFrames: 0,
    badLevels: 0,
    unknownStreams: 0,
    gaps: 0,
    resyncs: 0,
    snapshotRefetches: 0,
    snapshotErrors: 0,
    crossedRejected: 0,
    bookErrors: 0,
    reconnects: 0,
    handovers: 0,
    probesSent: 0,
    probeTimeouts: 0,
    aliveChecks: 0,
    frozenStreams: 0,
    escalations: 0,
    controlReplies: 0,
    controlErrors: 0,
    messagesSent: 0,
  };

  constructor(
    private readonly cfg: ResolvedBinanceConfig,
    private readonly rest: BinanceRest,
    private readonly emit: (e: VenueEvent) => void,
  ) {
    this.backoff = new Backoff(cfg.rng.fork("market-backoff"), cfg.backoff);
    this.scratch = new ScratchBook(cfg.maxLevels);
  }

  book(symbol: string): OrderBook | undefined {
    return this.symbols.get(symbol)?.book;
  }

  health(symbol: string): BookHealth | undefined {
    return this.symbols.get(symbol)?.health;
  }

  /** Adds symbols to the stream and resolves once every one of their books is live. */
  async subscribe(infos: readonly InstrumentInfo[]): Promise<void> {
    const added: SymbolState[] = [];
    for (const info of infos) {
      if (this.symbols.has(info.symbol)) continue;
      const st = this.newState(info);
      this.symbols.set(info.symbol, st);
      this.streams.set(this.depthStream(st), { st, kind: 0 });
      this.streams.set(`${st.lower}@bookTicker`, { st, kind: 1 });
      this.streams.set(`${st.lower}@trade`, { st, kind: 2 });
      added.push(st);
    }
    const wanted = infos.map((i) => this.symbols.get(i.symbol)).filter((s): s is SymbolState => s !== undefined);
    if (added.length > 0) {
      if (this.primary?.open === true) {
        this.sendControl(
          this.primary,
          "SUBSCRIBE",
          added.flatMap((st) => this.streamNames(st)),
        );
        for (const st of added) this.resync(st, "subscribed");
      } else if (this.primary === undefined && this.reconnectTimer === undefined) {
        this.connectPrimary();
      }
    }
    this.startWatchdog();
    await this.whenLive(wanted);
  }

  /** Closes sockets and timers, frees the books. Idempotent. */
  close(): void {
    this.closing = true;
    this.lifetime.abort();
    for (const abort of this.subscribeAborts) abort("closed while subscribing");
    this.subscribeAborts.clear();
    const clock = this.cfg.clock;
    for (const t of [this.handoverTimer, this.reconnectTimer, this.watchdog]) if (t !== undefined) clock.clearTimer(t);
    this.handoverTimer = this.reconnectTimer = this.watchdog = undefined;
    for (const c of [this.primary, this.standby]) if (c !== undefined) this.dropConn(c);
    this.primary = this.standby = undefined;
    for (const st of this.symbols.values()) {
      if (st.firstEventTimer !== undefined) clock.clearTimer(st.firstEventTimer);
      st.sync.invalidate();
      st.book.close();
      st.decoder.close();
    }
    this.scratch.close();
    this.rehearsalSt = undefined;
  }

  /** Feeds one raw frame as if it came from the primary connection (benchmarks, tests). */
  ingest(text: string): void {
    const c = this.primary;
    if (c !== undefined) this.onArrival(c, text);
  }

  /**
   * Feeds one frame's bytes as if the primary's wire socket read them (benchmarks, tests): the bytes
   * path first, then, if it does not take the frame, the text path with the frame decoded.
   */
  ingestBytes(buf: Uint8Array, start: number, end: number): void {
    const c = this.primary;
    if (c === undefined) return;
    this.chunkMs = this.cfg.clock.nowMs();
    if (!this.onBytes(c, buf, start, end)) this.onArrival(c, new TextDecoder().decode(buf.subarray(start, end)));
  }

  /** Starts a make-before-break connection replacement (as on serverShutdown); for tests and ops. */
  rotateConnection(reason: string): void {
    this.startHandover(reason);
  }

  // ---------------------------------------------------------------- frames (hot path)

  /** Socket callback: stamps the arrival first, so recvNs counts decode and book apply too. */
  private onArrival(conn: Conn, text: string): void {
    this.frameNs = this.cfg.clock.monoNs();
    this.frameMs = this.cfg.clock.nowMs();
    try {
      this.onFrame(conn, text);
    } finally {
      this.frameNs = 0;
      this.frameMs = 0;
    }
  }

  /** Arrival time of the frame being handled right now, 0 outside a frame handler (tick-to-wire). */
  currentFrameNs(): number {
    return this.frameNs;
  }

  /** recvNs for an event: the current frame's arrival, or now for events not caused by a frame (snapshots). */
  private recvStamp(): number {
    return this.frameNs > 0 ? this.frameNs : this.cfg.clock.monoNs();
  }

  /** Clock ms for liveness and lag bookkeeping: the current frame's arrival, or now. */
  private stampMs(): number {
    return this.frameMs > 0 ? this.frameMs : this.cfg.clock.nowMs();
  }

  private onFrame(conn: Conn, text: string): void {
    const probe = conn.probe;
    if (probe.sentMs !== 0) this.counters.aliveChecks++;
    const proving = !probe.proven;
    probe.onFrame(this.frameMs);
    if (proving && conn === this.primary) this.onProven();
    this.counters.frames++;
    if (conn === this.primary && this.standby === undefined && this.fastDepth(text)) return;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.counters.badFrames++;
      return;
    }
    if (typeof msg !== "object" || msg === null) {
      this.counters.badFrames++;
      return;
    }
    const m = msg as Obj;
    const stream = m["stream"];
    const data = m["data"];
    if (typeof stream !== "string" || typeof data !== "object" || data === null) {
      this.onControl(conn, m);
      return;
    }
    const route = this.streams.get(stream);
    if (route === undefined) {
      if (stream === "!serverShutdown" || (data as Obj)["e"] === "serverShutdown") this.onServerShutdown(conn);
      else this.counters.unknownStreams++;
      return;
    }
    const d = data as Obj;
    const st = route.st;
    if (st.health === "stale" && st.sync.state === "live" && conn === this.primary)
      this.setHealth(st, "live", "data resumed");
    if (route.kind === 0) this.onDepth(conn, st, d);
    else if (route.kind === 1) this.onBookTicker(st, d);
    else this.onTrade(st, d);
  }

  private onDepth(conn: Conn, st: SymbolState, d: Obj): void {
    const ids = this.ids;
    if (!readDiffIds(d, ids)) {
      this.counters.badFrames++;
      if (st.sync.state === "live" && conn === this.primary) this.resync(st, "malformed depth event");
      return;
    }
    const U = ids.first;
    const u = ids.last;
    if (conn !== this.primary) {
      this.onStandbyDepth(st, U, u, d);
      return;
    }
    const act = st.sync.onEvent(U, u, d);
    if (act === SyncAction.Apply) {
      if (this.applyDiff(st, d)) {
        this.emitBook(st, false);
        if (st.standbyBuf.length > 0) this.drainStandby(st);
      }
    } else if (act === SyncAction.Gap) {
      this.counters.gaps++;
      this.resync(st, `gap: U=${U} after ${st.sync.localId}`, "gap");
    } else if (act === SyncAction.Buffered && st.sync.buffered() === 1) {
      this.requestSnapshot(st);
    }
  }

  /**
   * Fast path for a depth frame of a live book on the primary connection: the stream name is read from
   * the frame's head to find the symbol, then the C decoder does the rest in one call. Returns false to
   * hand the frame to the general path, which reaches the same verdict by the TypeScript reference
   * rules and does the counting and resyncing (another stream, buffering, handover, a gap, bad input).
   */
  private fastDepth(text: string): boolean {
    if (!text.startsWith(STREAM_HEAD)) return false;
    const q = text.indexOf('"', STREAM_HEAD.length);
    if (q < 0) return false;
    // Consecutive frames usually name the same stream: reuse its route without slicing the name.
    let route = this.lastRoute;
    if (
      route === undefined ||
      q - STREAM_HEAD.length !== this.lastStream.length ||
      !text.startsWith(this.lastStream, STREAM_HEAD.length)
    ) {
      const name = text.slice(STREAM_HEAD.length, q);
      route = this.streams.get(name);
      if (route !== undefined) {
        this.lastStream = name;
        this.lastRoute = route;
      }
    }
    if (route === undefined || route.kind !== 0) return false;
    const st = route.st;
    if (st.sync.state !== "live" || st.health !== "live") return false;
    const status = st.decoder.decode(st.book, text, DepthMode.Live, st.sync.localId);
    if (status === DepthStatus.Duplicate) return true;
    if (status !== DepthStatus.Applied || !this.fastApplied(st)) return false;
    this.scratch.keepText(text);
    this.emitBook(st, false);
    return true;
  }

  /**
   * The book state after the C decoder applied a frame on either fast path: the sync position, the
   * event's venue time, the lag tracker and the frame keep-warm rehearses. false when the sync rule
   * disagrees (cannot happen: the decoder applied the same rule); the general path then decides.
   */
  private fastApplied(st: SymbolState): boolean {
    const dec = st.decoder;
    if (st.sync.onEvent(dec.first(), dec.last(), NO_ITEM) !== SyncAction.Apply) return false;
    st.bookEv.venueTimeMs = Math.max(0, dec.eventTimeMs()); // -1: the frame had no E
    this.noteApplied(st);
    this.rehearsalSt = st;
    return true;
  }

  /**
   * The wire socket's hook: a depth frame of a live book on the primary connection, decoded by the C
   * decoder straight from the socket's receive buffer. false hands the frame on as text to onArrival,
   * whose general path reaches the verdict and does the counting and resyncing (anything but an applied
   * or duplicate depth frame; the first frame of a connection, which proves it).
   */
  private onBytes(conn: Conn, buf: Uint8Array, start: number, end: number): boolean {
    if (conn !== this.primary || this.standby !== undefined || !conn.probe.proven) return false;
    const route = this.byteRoutes.route(buf, start, end);
    if (route === undefined || route.kind !== 0) return false;
    const st = route.st;
    if (st.sync.state !== "live" || st.health !== "live") return false;
    this.frameNs = this.cfg.clock.monoNs();
    this.frameMs = this.chunkMs;
    try {
      const status = st.decoder.decodeBytes(st.book, buf, start, end, DepthMode.Live, st.sync.localId);
      if (status !== DepthStatus.Applied && status !== DepthStatus.Duplicate) return false;
      if (status === DepthStatus.Applied && !this.fastApplied(st)) return false;
      // what onFrame counts for every frame, for this one the general path will not see
      const probe = conn.probe;
      if (probe.sentMs !== 0) this.counters.aliveChecks++;
      probe.onFrame(this.frameMs);
      this.counters.frames++;
      if (status === DepthStatus.Duplicate) return true;
      this.counters.depthBytes++;
      this.scratch.keepBytes(buf, start, end);
      this.emitBook(st, false);
      return true;
    } finally {
      this.frameNs = 0;
      this.frameMs = 0;
    }
  }

  /**
   * Keep-warm: decodes the last fast-path depth frame again, with the same C decoder, into a scratch
   * book (one FFI call), touching no live book, sync state, counter or listener.
   */
  rehearse(): void {
    const st = this.rehearsalSt;
    if (st === undefined || this.closing) return;
    this.scratch.rehearse(st.decoder);
  }

  /** Stages both sides and applies them in one FFI call; false (and a resync) on any bad input. */
  private applyDiff(st: SymbolState, d: Obj): boolean {
    const book = st.book;
    const eventMs = d["E"];
    st.bookEv.venueTimeMs = typeof eventMs === "number" && Number.isSafeInteger(eventMs) ? eventMs : 0;
    book.beginUpdate();
    const nb = stageLevels(book, Side.Buy, d["b"], st.info.price, st.info.qty, BOUNDS);
    const na = nb < 0 ? nb : stageLevels(book, Side.Sell, d["a"], st.info.price, st.info.qty, BOUNDS);
    if (na < 0) {
      this.counters.badFrames++;
      this.counters.badLevels++;
      this.resync(st, "bad levels in a depth event");
      return false;
    }
    return this.commitStaged(st);
  }

  /** Applies the staged frame (one FFI call) and checks the result; false (and a resync) on failure. */
  private commitStaged(st: SymbolState): boolean {
    const book = st.book;
    const status = book.applyUpdate();
    if (status !== 0) {
      this.counters.bookErrors++;
      this.resync(st, `book refused an update (status ${status})`);
      return false;
    }
    if (book.isCrossed()) {
      this.counters.crossedRejected++;
      this.resync(st, "book crossed after an update", "crossed");
      return false;
    }
    this.noteApplied(st);
    return true;
  }

  /** A depth frame is in the book (either path): counted, and the feed's lag tracker told. */
  private noteApplied(st: SymbolState): void {
    this.counters.depthApplied++;
    st.lag.onBook(st.sync.localId, this.stampMs());
  }

  private emitBook(st: SymbolState, snapshot: boolean): void {
    if (st.health !== "live") return; // a book that is not live is never offered
    const ev = st.bookEv;
    ev.seq = st.sync.localId;
    ev.snapshot = snapshot;
    ev.recvNs = this.recvStamp();
    this.emit(ev);
  }

  private onBookTicker(st: SymbolState, d: Obj): void {
    const u = d["u"];
    const b = d["b"];
    const bq = d["B"];
    const a = d["a"];
    const aq = d["A"];
    if (typeof u !== "number" || typeof b !== "string" || typeof bq !== "string") {
      this.bad();
      return;
    }
    // u is the book's update id: the frozen-stream check compares it with the depth stream's
    if (!Number.isSafeInteger(u) || typeof a !== "string" || typeof aq !== "string") {
      this.bad();
      return;
    }
    if (u <= st.lastBboId) return; // duplicate from the other connection during a handover
    const nowMs = this.stampMs();
    st.lastBboMs = nowMs;
    const p = st.info.price;
    const q = st.info.qty;
    const bidTicks = p.parse(b);
    const bidLots = q.parse(bq);
    const askTicks = p.parse(a);
    const askLots = q.parse(aq);
    if (Number.isNaN(bidTicks) || Number.isNaN(bidLots) || Number.isNaN(askTicks) || Number.isNaN(askLots)) {
      this.bad();
      return;
    }
    if (bidTicks > 0 && askTicks > 0 && bidTicks >= askTicks) {
      this.bad();
      return;
    } // crossed bbo is never emitted
    st.lastBboId = u;
    st.lag.onVenue(u, nowMs);
    const ev = st.bboEv;
    ev.bidTicks = bidTicks;
    ev.bidLots = bidLots;
    ev.askTicks = askTicks;
    ev.askLots = askLots;
    ev.recvNs = this.recvStamp();
    this.emit(ev);
  }

  private onTrade(st: SymbolState, d: Obj): void {
    const t = d["t"];
    const p = d["p"];
    const q = d["q"];
    const T = d["T"];
    if (typeof t !== "number" || typeof p !== "string" || typeof q !== "string" || typeof T !== "number") {
      this.bad();
      return;
    }
    if (t <= st.lastTradeId) return;
    const ticks = st.info.price.parse(p);
    const lots = st.info.qty.parse(q);
    if (Number.isNaN(ticks) || Number.isNaN(lots) || lots <= 0) {
      this.bad();
      return;
    }
    st.lastTradeId = t;
    const ev = st.tradeEv;
    ev.priceTicks = ticks;
    ev.lots = lots;
    ev.aggressor = d["m"] === true ? Side.Sell : Side.Buy; // m: buyer is the maker → seller aggressed
    ev.tradeId = t;
    ev.venueTimeMs = T;
    ev.recvNs = this.recvStamp();
    this.emit(ev);
  }

  private bad(): void {
    this.counters.badFrames++;
  }

  private onControl(conn: Conn, m: Obj): void {
    if (m["e"] === "serverShutdown") {
      this.onServerShutdown(conn);
      return;
    }
    if ("result" in m && "id" in m) {
      this.counters.controlReplies++;
      return;
    }
    if (typeof m["code"] === "number") {
      this.counters.controlErrors++;
      return;
    }
    this.counters.badFrames++;
  }

  // ---------------------------------------------------------------- sync and snapshots

  /**
   * Starts over from a fresh snapshot. `cause` flags a sequence gap or a crossed book on the health
   * event (counted per symbol by the engine). Only a book that was synced and lost it counts as a
   * resync: the first sync, and retries within one resync, do not.
   */
  private resync(st: SymbolState, reason: string, cause?: "gap" | "crossed"): void {
    if (this.closing) return;
    if (st.everLive && st.health !== "resyncing") this.counters.resyncs++;
    st.generation++;
    st.sync.start();
    st.snapshotRequested = false;
    st.standbyBuf = [];
    st.awaitProof = false;
    st.lag.reset();
    this.setHealth(st, st.everLive ? "resyncing" : "syncing", reason, cause);
    if (st.firstEventTimer !== undefined) this.cfg.clock.clearTimer(st.firstEventTimer);
    const gen = st.generation;
    // A quiet symbol sends no diff events: the snapshot comes on a timer. A stream found frozen must
    // show it flows again first (its first event requests the snapshot, see onDepth).
    st.firstEventTimer = this.cfg.clock.setTimer(this.cfg.timeouts.firstEventWaitMs, () => {
      st.firstEventTimer = undefined;
      if (st.generation === gen && !st.awaitStream) this.requestSnapshot(st);
    });
  }

  private requestSnapshot(st: SymbolState): void {
    if (st.snapshotRequested || st.sync.state !== "buffering" || this.closing) return;
    st.snapshotRequested = true;
    if (st.firstEventTimer !== undefined) this.cfg.clock.clearTimer(st.firstEventTimer);
    st.firstEventTimer = undefined;
    const gen = st.generation;
    this.loadSnapshot(st, gen).catch((e: unknown) => {
      this.counters.snapshotErrors++;
      if (st.generation !== gen || this.closing) return;
      this.setHealth(st, st.everLive ? "resyncing" : "syncing", `snapshot failed: ${(e as Error).message}`);
      this.cfg.clock.setTimer(this.backoff.next(), () => {
        if (st.generation === gen) this.resync(st, "retrying snapshot");
      });
    });
  }

  private async loadSnapshot(st: SymbolState, gen: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const body = await this.rest.call(
        "GET",
        "/api/v3/depth",
        { symbol: st.info.venueSymbol, limit: this.cfg.snapshotLimit },
        {
          weight: depthWeight(this.cfg.snapshotLimit),
          // a resync is off the order path: it waits for the next weight window unless closed (sent only if still current)
          offPath: { signal: this.lifetime.signal, what: `depth snapshot ${st.info.venueSymbol}` },
          abandoned: () => st.generation !== gen,
        },
      );
      if (st.generation !== gen || this.closing) return;
      const b = (typeof body === "object" && body !== null ? body : {}) as Obj;
      const last = b["lastUpdateId"];
      if (typeof last !== "number" || !Number.isSafeInteger(last)) throw new Error("snapshot without lastUpdateId");
      if (st.sync.onSnapshot(last) === "refetch") {
        this.counters.snapshotRefetches++;
        if (attempt >= 20) throw new Error("snapshot keeps lagging the stream");
        await sleep(this.cfg, Math.min(50 * 2 ** attempt, 1000));
        if (st.generation !== gen) return;
        continue;
      }
      const book = st.book;
      book.beginUpdate();
      const nb = stageLevels(book, Side.Buy, b["bids"], st.info.price, st.info.qty, BOUNDS);
      const na = nb < 0 ? nb : stageLevels(book, Side.Sell, b["asks"], st.info.price, st.info.qty, BOUNDS);
      if (na < 0) throw new Error(`snapshot has bad levels (${na})`);
      const status = book.applySnapshot();
      if (status !== 0) throw new Error(`book refused the snapshot (status ${status})`);
      st.lag.onBook(last, this.cfg.clock.nowMs());
      for (const d of st.sync.takeBuffered()) {
        const act = st.sync.onEvent(d["U"] as number, d["u"] as number, d);
        if (act === SyncAction.Apply && !this.applyDiff(st, d)) return; // applyDiff resynced
        if (act === SyncAction.Gap) {
          this.counters.gaps++;
          this.resync(st, "buffered events do not follow the snapshot", "gap");
          return;
        }
      }
      if (book.isCrossed()) {
        this.counters.crossedRejected++;
        this.resync(st, "snapshot crossed", "crossed");
        return;
      }
      // A connection that has delivered nothing yet may be dead already: live once it delivers.
      if (this.primary?.probe.proven !== true) st.awaitProof = true;
      else this.goLive(st, "synced");
      return;
    }
  }

  /** The book is synced on a connection that delivers: offer it again. */
  private goLive(st: SymbolState, reason: string): void {
    st.everLive = true;
    st.awaitProof = false;
    st.awaitStream = false;
    st.frozenAtMs = 0;
    st.escalations = 0;
    this.setHealth(st, "live", reason);
    this.emitBook(st, true);
  }

  /** The primary connection delivered its first frame: books synced on it meanwhile go live. */
  private onProven(): void {
    this.backoff.reset();
    for (const st of this.symbols.values()) {
      if (!st.awaitProof) continue;
      st.awaitProof = false;
      if (st.sync.state === "live") this.goLive(st, "synced (connection delivering)");
    }
  }

  /**
   * Reports a health change (a stale one names the check that fired); a gap or a crossed book is
   * reported even without one, so each is counted.
   */
  private setHealth(
    st: SymbolState,
    health: BookHealth,
    reason: string,
    cause?: "gap" | "crossed",
    check?: StaleCheck,
  ): void {
    if (st.health === health && cause === undefined) return;
    st.health = health;
    const venue = this.cfg.name;
    const symbol = st.info.symbol;
    if (cause === undefined)
      this.emit({
        type: "book_health",
        venue,
        symbol,
        health,
        reason,
        gap: false,
        ...(check !== undefined ? { check } : {}),
      });
    else
      this.emit({
        type: "book_health",
        venue,
        symbol,
        health,
        reason,
        gap: cause === "gap",
        crossed: cause === "crossed",
      });
    if (health === "live" && st.liveWaiters.length > 0) {
      const w = st.liveWaiters;
      st.liveWaiters = [];
      for (const f of w) f();
    }
  }

  private whenLive(states: readonly SymbolState[]): Promise<void> {
    const pending = states.filter((s) => s.health !== "live");
    if (pending.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let left = pending.length;
      const abort = (why: string): void => {
        this.cfg.clock.clearTimer(timer);
        reject(new Error(`${this.cfg.name}: ${why}`));
      };
      this.subscribeAborts.add(abort);
      const timer = this.cfg.clock.setTimer(this.cfg.timeouts.subscribeMs, () => {
        this.subscribeAborts.delete(abort);
        const names = pending.filter((s) => s.health !== "live").map((s) => `${s.info.symbol} (${s.health})`);
        reject(
          new Error(`${this.cfg.name}: books not live after ${this.cfg.timeouts.subscribeMs} ms: ${names.join(", ")}`),
        );
      });
      for (const s of pending) {
        s.liveWaiters.push(() => {
          if (--left === 0) {
            this.cfg.clock.clearTimer(timer);
            this.subscribeAborts.delete(abort);
            resolve();
          }
        });
      }
    });
  }

  // ---------------------------------------------------------------- connections

  private streamNames(st: SymbolState): string[] {
    return [this.depthStream(st), `${st.lower}@bookTicker`, `${st.lower}@trade`];
  }

  private depthStream(st: SymbolState): string {
    return `${st.lower}@depth${this.cfg.depthSpeed === "100ms" ? "@100ms" : ""}`;
  }

  private allStreams(): string[] {
    return [...this.symbols.values()].flatMap((st) => this.streamNames(st));
  }

  private openConn(onOpen: (c: Conn) => void, onFail: (why: string) => void): Conn {
    const names = this.allStreams();
    const ws = openMarketSocket(`${this.cfg.streamUrl}/stream?streams=${names.join("/")}`, this.cfg.marketSocket, {
      ontext: (b, s, e) => this.onBytes(conn, b, s, e),
      onchunk: () => {
        this.chunkMs = this.cfg.clock.nowMs();
      },
    });
    const window = new SlidingWindow(this.cfg.maxOutgoingPerSec, 1000);
    const sender = new PacedSender(this.cfg.clock, window, (msg) => {
      this.counters.messagesSent++;
      if (ws.readyState === WebSocket.OPEN) ws.send(msg);
    });
    const now = this.cfg.clock.nowMs();
    const conn: Conn = {
      id: ++this.connSeq,
      streams: new Set(names),
      ws,
      sender,
      openedMs: now,
      probe: new LivenessProbe(now),
      open: false,
      ageTimer: undefined,
    };
    const connectTimer = this.cfg.clock.setTimer(this.cfg.timeouts.connectMs, () => {
      if (!conn.open) {
        ws.close();
        onFail("connect timeout");
      }
    });
    ws.onopen = () => {
      this.cfg.clock.clearTimer(connectTimer);
      conn.open = true;
      conn.probe.opened(this.cfg.clock.nowMs());
      conn.ageTimer = this.cfg.clock.setTimer(this.cfg.timeouts.maxConnectionAgeMs, () =>
        this.startHandover("connection age limit"),
      );
      const missing = this.allStreams().filter((n) => !conn.streams.has(n));
      if (missing.length > 0) this.sendControl(conn, "SUBSCRIBE", missing); // symbols added while connecting
      // Proof it delivers, even on a quiet market: books synced on it go live only after some frame.
      this.sendProbe(conn, this.cfg.clock.nowMs());
      onOpen(conn);
    };
    ws.onmessage = (ev) => this.onArrival(conn, typeof ev.data === "string" ? ev.data : String(ev.data));
    ws.onclose = (ev) => {
      this.cfg.clock.clearTimer(connectTimer);
      const wasOpen = conn.open;
      conn.open = false;
      this.cleanupConn(conn);
      if (!wasOpen) onFail(`closed before open (${ev.code})`);
      else this.onConnClosed(conn, `closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ""})`);
    };
    ws.onerror = () => {
      // onclose follows and handles it
    };
    return conn;
  }

  private connectPrimary(): void {
    if (this.closing) return;
    this.connState("connecting", "opening market stream");
    const conn = this.openConn(
      (c) => {
        if (this.closing) {
          this.dropConn(c);
          return;
        }
        this.primary = c;
        // the backoff resets on its first frame (onProven): a venue that accepts sockets but sends
        // nothing on them must not be reconnected to at the base rate forever
        this.connState("connected", "market stream open");
        for (const st of this.symbols.values()) this.resync(st, "connected");
      },
      (why) => {
        if (this.primary === conn) this.primary = undefined;
        this.scheduleReconnect(why);
      },
    );
    this.primary = conn;
  }

  private scheduleReconnect(why: string): void {
    if (this.closing || this.reconnectTimer !== undefined) return;
    this.connState("reconnecting", why);
    this.reconnectTimer = this.cfg.clock.setTimer(this.backoff.next(), () => {
      this.reconnectTimer = undefined;
      this.counters.reconnects++;
      this.connectPrimary();
    });
  }

  private onConnClosed(conn: Conn, why: string, check: StaleCheck = "connection_lost"): void {
    if (this.closing) return;
    if (conn === this.standby) {
      this.abortHandover(`standby ${why}`);
      return;
    }
    if (conn !== this.primary) return;
    if (this.standby?.open === true) {
      this.promote(`primary ${why}`);
      return;
    }
    this.primary = undefined;
    if (this.standby !== undefined) {
      // Closed before the replacement opened (serverShutdown with no notice): it becomes the primary.
      if (this.handoverTimer !== undefined) this.cfg.clock.clearTimer(this.handoverTimer);
      this.handoverTimer = undefined;
      for (const st of this.symbols.values()) {
        st.generation++;
        st.sync.invalidate();
        this.setHealth(st, "stale", `market stream ${why}`, undefined, check);
      }
      this.connState("reconnecting", `market stream ${why} before its replacement opened`);
      return;
    }
    for (const st of this.symbols.values()) {
      st.generation++;
      st.sync.invalidate();
      this.setHealth(st, "stale", `market stream ${why}`, undefined, check);
    }
    this.scheduleReconnect(why);
  }

  private onServerShutdown(conn: Conn): void {
    if (conn === this.primary) this.startHandover("serverShutdown");
  }

  /** Make-before-break: open a second connection; switch once it has caught up with every live book. */
  private startHandover(reason: string): void {
    if (this.closing || this.standby !== undefined || this.primary?.open !== true) return;
    this.counters.handovers++;
    this.handoverCause = reason;
    const conn = this.openConn(
      (c) => {
        if (this.standby !== c) {
          this.dropConn(c);
          return;
        }
        if (this.primary === undefined) {
          this.standby = undefined;
          this.primary = c;
          this.connState("connected", "market stream replaced after the old one closed");
          for (const st of this.symbols.values()) this.resync(st, "replacement connection");
          return;
        }
        for (const st of this.symbols.values()) {
          st.joined = st.sync.state !== "live"; // non-live books resync on the new connection anyway
          st.standbyBuf = [];
        }
        this.handoverTimer = this.cfg.clock.setTimer(this.cfg.timeouts.handoverMs, () => {
          this.handoverTimer = undefined;
          this.promote("handover deadline");
        });
        this.checkJoined();
      },
      (why) => {
        if (this.standby !== conn) return;
        if (this.primary === undefined) {
          this.standby = undefined;
          this.scheduleReconnect(why);
        } else this.abortHandover(why);
      },
    );
    // the primary keeps serving (and the stream stays connected) until the replacement takes over
    this.standby = conn;
  }

  private onStandbyDepth(st: SymbolState, U: number, u: number, d: Obj): void {
    if (st.joined && st.sync.state !== "live") return;
    const local = st.sync.localId;
    if (u <= local) {
      st.joined = true;
    } else if (U <= local + 1) {
      st.joined = true;
      if (st.sync.onEvent(U, u, d) === SyncAction.Apply && this.applyDiff(st, d)) this.emitBook(st, false);
    } else if (st.standbyBuf.length < MAX_STANDBY_BUFFER) {
      st.standbyBuf.push(d);
    }
    this.checkJoined();
  }

  /** After the primary advanced a book, standby events that now follow it can be used. */
  private drainStandby(st: SymbolState): void {
    const buf = st.standbyBuf;
    let i = 0;
    for (; i < buf.length; i++) {
      const d = buf[i] as Obj;
      const U = d["U"] as number;
      const u = d["u"] as number;
      if (u <= st.sync.localId) {
        st.joined = true;
        continue;
      }
      if (U > st.sync.localId + 1) break;
      st.joined = true;
      if (st.sync.onEvent(U, u, d) === SyncAction.Apply && this.applyDiff(st, d)) this.emitBook(st, false);
    }
    st.standbyBuf = i >= buf.length ? [] : buf.slice(i);
    this.checkJoined();
  }

  private checkJoined(): void {
    if (this.standby?.open !== true) return;
    for (const st of this.symbols.values()) if (!st.joined) return;
    this.promote("standby caught up");
  }

  private promote(reason: string): void {
    const next = this.standby;
    if (this.handoverTimer !== undefined) this.cfg.clock.clearTimer(this.handoverTimer);
    this.handoverTimer = undefined;
    if (next === undefined || !next.open) {
      this.abortHandover(reason);
      return;
    }
    const old = this.primary;
    this.primary = next;
    this.standby = undefined;
    for (const st of this.symbols.values()) {
      const ok = st.joined && st.sync.state === "live";
      st.joined = false;
      st.standbyBuf = [];
      if (!ok) this.resync(st, `handover: ${reason}`);
    }
    if (old !== undefined) this.dropConn(old);
    this.connState("connected", `market stream replaced (${this.handoverCause}; ${reason})`);
  }

  private abortHandover(why: string): void {
    if (this.handoverTimer !== undefined) this.cfg.clock.clearTimer(this.handoverTimer);
    this.handoverTimer = undefined;
    const s = this.standby;
    this.standby = undefined;
    if (s !== undefined) this.dropConn(s);
    for (const st of this.symbols.values()) {
      st.joined = false;
      st.standbyBuf = [];
    }
    if (this.primary?.open === true) {
      this.connState("connected", `handover aborted: ${why}`);
      this.cfg.clock.setTimer(this.backoff.next(), () => this.startHandover(`retry after ${why}`));
    }
  }

  private dropConn(c: Conn): void {
    this.cleanupConn(c);
    const wasOpen = c.open;
    c.open = false;
    c.ws.onclose = null;
    c.ws.onmessage = null;
    if (wasOpen || c.ws.readyState === WebSocket.CONNECTING) c.ws.close();
  }

  private cleanupConn(c: Conn): void {
    c.sender.close();
    if (c.ageTimer !== undefined) this.cfg.clock.clearTimer(c.ageTimer);
    c.ageTimer = undefined;
  }

  private sendControl(c: Conn, method: string, params: unknown[] | undefined): void {
    const id = ++this.controlSeq;
    c.sender.send(JSON.stringify(params === undefined ? { method, id } : { method, params, id }));
  }

  /** Starts the feed watch (see watch()); one timer for every connection and book. */
  private startWatchdog(): void {
    if (this.watchdog !== undefined) return;
    this.watchdog = this.cfg.clock.setRepeating(watchPeriodMs(this.cfg.staleness), () => this.watch());
  }

  /** Probes silent connections, replaces dead ones, and finds books whose depth stream froze. */
  private watch(): void {
    if (this.closing) return;
    const now = this.cfg.clock.nowMs();
    for (const c of [this.primary, this.standby]) if (c?.open === true) this.checkConn(c, now);
    const p = this.primary;
    // A connection that delivers nothing is the probe's case (dead or quiet), not a frozen stream's.
    if (p?.open !== true || now - p.probe.lastRecvMs >= this.cfg.staleness.suspectAfterMs) return;
    for (const st of this.symbols.values()) this.checkBook(st, now);
  }

  /** A connection silent for suspectAfterMs gets a probe; one unanswered for probeTimeoutMs is dead. */
  private checkConn(c: Conn, now: number): void {
    const s = this.cfg.staleness;
    const verdict = c.probe.verdict(now, s.suspectAfterMs, s.probeTimeoutMs);
    if (verdict === Liveness.Probe) {
      this.sendProbe(c, now);
    } else if (verdict === Liveness.Dead) {
      this.counters.probeTimeouts++;
      const silent = now - c.probe.lastRecvMs;
      c.ws.close();
      c.open = false;
      this.cleanupConn(c);
      c.ws.onclose = null;
      c.ws.onmessage = null;
      this.onConnClosed(
        c,
        `silent ${silent} ms, no answer to a probe within ${s.probeTimeoutMs} ms`,
        "probe_unanswered",
      );
    }
  }

  /** LIST_SUBSCRIPTIONS travels the data path: its answer shows the venue still serves this socket. */
  private sendProbe(c: Conn, now: number): void {
    c.probe.sent(now);
    this.counters.probesSent++;
    this.sendControl(c, "LIST_SUBSCRIPTIONS", undefined);
  }

  /**
   * A live book its bookTicker has shown behind for suspectAfterMs plus the depth stream's push
   * interval is frozen; a frozen one whose market keeps moving without depth gets a fresh connection,
   * on a doubling delay (a venue-wide stall must not churn connections).
   */
  private checkBook(st: SymbolState, now: number): void {
    const s = this.cfg.staleness;
    if (st.health === "live") {
      const behind = st.lag.behindMs(now);
      if (behind >= s.suspectAfterMs + (this.cfg.depthSpeed === "100ms" ? 100 : 1000))
        this.freeze(
          st,
          now,
          `depth stream behind bookTicker for ${behind} ms (book at update ${st.sync.localId}, bookTicker at ${st.lastBboId})`,
        );
      return;
    }
    if (st.frozenAtMs === 0 || st.lastBboMs <= st.frozenAtMs) return;
    if (now - st.frozenAtMs < escalationDelayMs(s, st.escalations)) return;
    st.escalations++;
    st.frozenAtMs = now;
    this.counters.escalations++;
    this.startHandover(`depth stream of ${st.info.symbol} still frozen while its bookTicker moves`);
  }

  /** Stale (the check named), depth stream resubscribed, resync waiting for the stream to flow. */
  private freeze(st: SymbolState, now: number, reason: string): void {
    this.counters.frozenStreams++;
    st.awaitStream = true;
    st.frozenAtMs = now;
    st.escalations = 0;
    this.setHealth(st, "stale", reason, undefined, "stream_behind");
    const p = this.primary;
    if (p?.open === true) {
      const depth = [this.depthStream(st)];
      this.sendControl(p, "UNSUBSCRIBE", depth);
      this.sendControl(p, "SUBSCRIBE", depth);
    }
    this.resync(st, `resubscribed after: ${reason}`);
  }

  private connState(state: ConnectionState, reason: string): void {
    this.emit({ type: "connection", venue: this.cfg.name, stream: "market", state, reason });
  }

  private newState(info: InstrumentInfo): SymbolState {
    const book = new OrderBook({ maxLevels: this.cfg.maxLevels });
    const venue = this.cfg.name;
    const symbol = info.symbol;
    const lower = info.venueSymbol.toLowerCase();
    const decoder = new DepthDecoder({
      venue: DepthVenue.Binance,
      key: `${lower}@depth${this.cfg.depthSpeed === "100ms" ? "@100ms" : ""}`,
      price: info.price,
      qty: info.qty,
      maxTicks: BOUNDS.maxTicks,
      maxLots: BOUNDS.maxLots,
      maxLevels: book.config.stagingCapacity,
    });
    return {
      info,
      lower,
      book,
      decoder,
      sync: new DiffDepthSync<Obj>(),
      health: "syncing",
      everLive: false,
      generation: 0,
      snapshotRequested: false,
      firstEventTimer: undefined,
      lastTradeId: -1,
      lastBboId: -1,
      joined: false,
      standbyBuf: [],
      lag: new StreamLag(),
      lastBboMs: 0,
      awaitStream: false,
      frozenAtMs: 0,
      escalations: 0,
      awaitProof: false,
      bookEv: { type: "book", venue, symbol, book, seq: 0, snapshot: false, recvNs: 0, venueTimeMs: 0 },
      bboEv: { type: "bbo", venue, symbol, bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0, recvNs: 0 },
      tradeEv: {
        type: "trade",
        venue,
        symbol,
        priceTicks: 0,
        lots: 0,
        aggressor: Side.Buy,
        tradeId: 0,
        venueTimeMs: 0,
        recvNs: 0,
      },
      liveWaiters: [],
    };
  }
}

/** REST weight of a depth snapshot by limit (§A.3). */
export function depthWeight(limit: number): number {
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

/** A clock-driven sleep (virtual time in tests). */
export function sleep(cfg: ResolvedBinanceConfig, ms: number): Promise<void> {
  return new Promise((resolve) => cfg.clock.setTimer(ms, resolve));
}
