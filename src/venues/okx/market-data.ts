/**
 * OKX market data on the public socket: `books` (seqId/prevSeqId sync, one FFI call per frame),
 * `bbo-tbt` and `trades`; resync on a gap, reconnect with jittered backoff, make-before-break rotation
 * of the socket. A stopped feed is noticed within `staleness` (gateways/feed-watch.ts): a silent
 * socket is pinged and replaced when no pong comes; a book whose `books` channel stays silent while
 * bbo-tbt (same seqId) moves past it goes stale and is resubscribed, and one that stays frozen while
 * the market moves gets a rotated socket. Quiet books are not flagged: OKX's `books` keepalive and the
 * ping's pong show them current. Hot path per `books` frame: the frame's text to the C depth decoder in
 * ONE FFI call (JSON validation, sequence rule, levels to ticks/lots, apply) → reused book event.
 * Anything else (other channels, a rotation's standby socket, gaps, bad input) takes the general path:
 * JSON.parse → sequence decision → levels staged into the C book → one apply call.
 */
import { DepthDecoder, DepthMode, DepthStatus, DepthVenue, OrderBook } from "../../book/index.ts";
import {
  Backoff,
  BytesRouter,
  escalationDelayMs,
  Liveness,
  type MarketSocket,
  openMarketSocket,
  readSeqIds,
  ScratchBook,
  type SequenceIds,
  StreamLag,
  stageLevels,
} from "../../gateways/index.ts";
import type { TimerId } from "../../services/index.ts";
import {
  type BookHealth,
  type InstrumentInfo,
  Side,
  type StaleCheck,
  type VenueEvent,
  VenueRejectError,
} from "../../types/index.ts";
import { OkxBookSync, OkxSeqAction, type OkxSeqActionCode } from "./book-sync.ts";
import type { ResolvedOkxConfig } from "./config.ts";
import {
  type Conn,
  countBad,
  decimalField,
  isObj,
  newConn,
  type Obj,
  type OkxSession,
  sendPing,
  str,
} from "./session.ts";

const BOUNDS = { maxTicks: 2 ** 52, maxLots: 2 ** 52 };
const CHANNELS = ["books", "bbo-tbt", "trades"];
/** OKX pushes `books` about every 100 ms: a silence that long is its normal rhythm, not a freeze. */
const BOOKS_PUSH_MS = 100;
/** How a `books` frame starts as OKX sends it; the fast path reads the instId right after it. */
const BOOKS_HEAD = '{"arg":{"channel":"books","instId":"';

type BookEvent = Extract<VenueEvent, { type: "book" }>;

interface BookState {
  readonly info: InstrumentInfo;
  readonly book: OrderBook;
  /** The C decoder of this instrument's `books` frames (its fast path). */
  readonly decoder: DepthDecoder;
  /** The book event, reused for every frame (listeners read it synchronously). */
  readonly bookEv: BookEvent;
  readonly sync: OkxBookSync;
  health: BookHealth;
  /** The book has been live once: losing sync after that is a resync, the first sync is not. */
  everLive: boolean;
  waiters: (() => void)[];
  /** The public socket whose `books` frames this book applies; undefined = the primary (this.pub). */
  feed: Conn | undefined;
  /** How far `books` trails bbo-tbt (same seqId). */
  readonly lag: StreamLag;
  /** Clock ms of the last `books` frame of any kind (update, keepalive, snapshot, duplicate). */
  lastBooksMs: number;
  /** Clock ms of the last bbo-tbt push (market activity while `books` is frozen). */
  lastBboMs: number;
  /** When the `books` channel was found frozen (or last escalated); 0 = not frozen. */
  frozenAtMs: number;
  /** Sockets rotated for this frozen channel since it was last live. */
  escalations: number;
  /** Clock ms `books` was last (re)subscribed for this book. */
  resubscribedAtMs: number;
}

/** The public-socket half of one OKX adapter, apart from order entry so the hot path's state sits in one object. */
export class OkxMarketData {
  private readonly books = new Map<string, BookState>();
  private pub: Conn | undefined;
  /** The replacement public socket during a make-before-break rotation. */
  private standby: Conn | undefined;
  private standbyDeadline: TimerId | undefined;
  private readonly pubBackoff: Backoff;
  private pubReconnectPending = false;
  /** The public frame being handled (a reference, no copy): onBooks keeps it for rehearse(). */
  private frameText = "";
  /** The instId of the last fast-path frame and its book: consecutive frames skip the map lookup. */
  private lastInst = "";
  private lastInstSt: BookState | undefined;
  /** Reused by the general path's id check (no allocation per frame). */
  private readonly ids: SequenceIds = { first: 0, last: 0 };
  /** The book of the last `books` update applied: rehearse() decodes that frame (the scratch keeps it) again. */
  private rehearsalSt: BookState | undefined;
  /** The bytes path's router: a `books` frame's instId read from its bytes. */
  private readonly byteRoutes = new BytesRouter<BookState>(BOOKS_HEAD, (inst) => this.books.get(inst));
  /**
   * When the wire socket's current read returned, in clock ms: liveness and lag bookkeeping need no
   * finer time, so one clock read serves every frame of the read. recvNs stays per frame (taken when
   * its handling starts, as with Bun's WebSocket), so tick-to-trade does not count the frames before it.
   */
  private chunkMs = 0;
  /** Scratch book for rehearse(): never offered to anyone, so decoding into it changes nothing. */
  private readonly scratch: ScratchBook;
  private readonly bboEv = {
    type: "bbo" as const,
    venue: "",
    symbol: "",
    bidTicks: 0,
    bidLots: 0,
    askTicks: 0,
    askLots: 0,
    recvNs: 0,
  };
  // Direct references to the session's parts: the hot path reads them without an extra hop.
  private readonly name: string;
  private readonly cfg: ResolvedOkxConfig;
  private readonly counters: Record<string, number>;
  private readonly emit: (ev: VenueEvent) => void;

  constructor(private readonly s: OkxSession) {
    this.name = s.name;
    this.cfg = s.cfg;
    this.counters = s.counters;
    this.emit = s.emit;
    this.pubBackoff = new Backoff(s.cfg.rng, s.cfg.backoff);
    this.bboEv.venue = s.name;
    this.scratch = new ScratchBook(s.cfg.maxLevels);
  }

  /** The live C book the engine reads (check health first). */
  book(symbol: string): OrderBook | undefined {
    return this.books.get(symbol)?.book;
  }

  /** Whether a book can be trusted right now. */
  health(symbol: string): BookHealth | undefined {
    return this.books.get(symbol)?.health;
  }

  /** Subscribes the symbols and resolves once every book is live (rejects after subscribeMs). */
  async subscribe(symbols: readonly string[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const s of symbols) {
      const st = this.bookState(s);
      if (st.health !== "live") waits.push(new Promise<void>((res) => st.waiters.push(res)));
    }
    // Connected: subscribe now; connecting or reconnect pending: onopen subscribes every book.
    if (this.pub?.open) this.sendSubscribe(symbols);
    else if (this.pub === undefined && !this.pubReconnectPending) this.openPublic();
    let timer: TimerId | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = this.cfg.clock.setTimer(this.cfg.subscribeMs, () =>
        rej(
          new Error(
            `okx ${this.name}: books not live in time: ${symbols.filter((s) => this.health(s) !== "live").join(",")}`,
          ),
        ),
      );
    });
    try {
      await Promise.race([Promise.all(waits), timeout]);
    } finally {
      if (timer !== undefined) this.cfg.clock.clearTimer(timer);
    }
  }

  /** The book of a known symbol, created (syncing) on first use. */
  private bookState(symbol: string): BookState {
    const info = this.s.instr.get(symbol);
    if (info === undefined) throw new VenueRejectError("bad_symbol", "", `okx ${this.name}: unknown symbol ${symbol}`);
    let st = this.books.get(symbol);
    if (st === undefined) {
      const book = new OrderBook({ maxLevels: this.cfg.maxLevels });
      st = {
        info,
        book,
        decoder: new DepthDecoder({
          venue: DepthVenue.Okx,
          key: info.venueSymbol,
          price: info.price,
          qty: info.qty,
          maxTicks: BOUNDS.maxTicks,
          maxLots: BOUNDS.maxLots,
          maxLevels: book.config.stagingCapacity,
        }),
        bookEv: { type: "book", venue: this.name, symbol, book, seq: 0, snapshot: false, recvNs: 0, venueTimeMs: 0 },
        sync: new OkxBookSync(),
        health: "syncing",
        everLive: false,
        waiters: [],
        feed: undefined,
        lag: new StreamLag(),
        lastBooksMs: 0,
        lastBboMs: 0,
        frozenAtMs: 0,
        escalations: 0,
        resubscribedAtMs: 0,
      };
      this.books.set(symbol, st);
    }
    return st;
  }

  /** Rotation, liveness of the public sockets and frozen `books` channels (the adapter's watchdog calls it). */
  checkIdle(now: number): void {
    const age = this.cfg.maxConnectionAgeMs;
    const p = this.pub;
    if (age > 0 && p?.open && this.standby === undefined && this.books.size > 0 && now - p.openedMs >= age)
      this.startRotation();
    for (const c of [this.pub, this.standby]) if (c?.open === true) this.checkSocket(c, now);
    const pub = this.pub; // the check above may have replaced it
    // A socket that delivers nothing is the ping's case (dead or quiet), not a frozen channel's.
    if (pub?.open !== true || now - pub.probe.lastRecvMs >= this.cfg.staleness.suspectAfterMs) return;
    for (const st of this.books.values()) this.checkBook(st, now);
  }

  /**
   * A public socket silent for suspectAfterMs (or OKX's idle ping period, if shorter) is pinged; no
   * pong (or any frame) within probeTimeoutMs means it is dead: its books go stale and it is replaced.
   */
  private checkSocket(c: Conn, now: number): void {
    const s = this.cfg.staleness;
    const verdict = c.probe.verdict(now, Math.min(s.suspectAfterMs, this.cfg.pingIdleMs), s.probeTimeoutMs);
    if (verdict === Liveness.Probe) {
      sendPing(c, now, this.s);
    } else if (verdict === Liveness.Dead) {
      this.counters["probeTimeouts"] = (this.counters["probeTimeouts"] ?? 0) + 1;
      if (c === this.standby) {
        this.dropStandby();
        return;
      }
      const silent = now - c.probe.lastRecvMs;
      c.ws.onclose = null;
      c.ws.onmessage = null;
      c.ws.close();
      this.onPublicClosed(
        c,
        `market socket silent ${silent} ms, no pong within ${s.probeTimeoutMs} ms`,
        "probe_unanswered",
      );
    }
  }

  /**
   * A live book whose `books` channel has been silent while bbo-tbt showed the venue past it, both
   * for suspectAfterMs plus the push interval, is frozen. (The channel's own silence is required too:
   * a lagging but flowing channel is left to the sequence checks.) A frozen one whose market keeps
   * moving gets a rotated socket, on a doubling delay.
   */
  private checkBook(st: BookState, now: number): void {
    const s = this.cfg.staleness;
    const bound = s.suspectAfterMs + BOOKS_PUSH_MS;
    if (st.health === "live") {
      const behind = st.lag.behindMs(now);
      const silent = now - st.lastBooksMs;
      if (behind >= bound && silent >= bound)
        this.freeze(
          st,
          now,
          `books silent ${silent} ms while bbo-tbt showed the venue past seqId ${st.sync.last} for ${behind} ms`,
        );
      return;
    }
    if (st.frozenAtMs === 0 || st.lastBboMs <= st.frozenAtMs) return;
    if (now - st.frozenAtMs < escalationDelayMs(s, st.escalations)) return;
    st.escalations++;
    st.frozenAtMs = now;
    this.counters["escalations"] = (this.counters["escalations"] ?? 0) + 1;
    if (this.standby === undefined) this.startRotation();
    else this.resubscribe(st);
  }

  /** Stale (the check named) and `books` resubscribed: live again when the new snapshot arrives. */
  private freeze(st: BookState, now: number, reason: string): void {
    this.counters["frozenStreams"] = (this.counters["frozenStreams"] ?? 0) + 1;
    st.frozenAtMs = now;
    st.escalations = 0;
    this.setHealth(st, "stale", reason, undefined, "stream_behind");
    this.resubscribe(st);
  }

  /** Keep-warm: decodes the last applied `books` update again, with the same C decoder, into the scratch book. */
  rehearse(): void {
    const st = this.rehearsalSt;
    if (st === undefined || this.s.closed) return;
    this.scratch.rehearse(st.decoder);
  }

  /** Ends a rotation, closes the public socket and frees every book. */
  close(): void {
    this.scratch.close();
    this.rehearsalSt = undefined;
    this.dropStandby();
    this.pub?.ws.close();
    this.pub = undefined;
    for (const st of this.books.values()) {
      st.book.close();
      st.decoder.close();
    }
    this.books.clear();
    this.lastInstSt = undefined;
    this.byteRoutes.forget();
  }

  private sendSubscribe(symbols: readonly string[]): void {
    const now = this.cfg.clock.nowMs();
    for (const s of symbols) {
      const st = this.books.get(s);
      if (st !== undefined) st.resubscribedAtMs = now;
    }
    const frame = subscribeFrame(symbols);
    this.pub?.ws.send(frame);
    // Mid-rotation, the replacement socket needs the new books too, or the handover could never finish.
    if (this.standby?.open) this.standby.ws.send(frame);
  }

  private openPublic(): void {
    if (this.s.closed) return;
    const ws = this.openSocket(() => conn);
    const conn: Conn = newConn(ws, this.cfg.clock.nowMs());
    this.pub = conn;
    this.emit({ type: "connection", venue: this.name, stream: "market", state: "connecting", reason: "" });
    ws.onopen = () => {
      conn.open = true;
      conn.openedMs = this.cfg.clock.nowMs();
      conn.probe.opened(conn.openedMs); // the backoff resets on its first frame (onSocketFrame)
      this.emit({ type: "connection", venue: this.name, stream: "market", state: "connected", reason: "" });
      // books that were live wait for the fresh snapshot the resubscription brings
      for (const st of this.books.values()) this.markResyncing(st, "market connection re-established");
      if (this.books.size > 0) this.sendSubscribe([...this.books.keys()]);
    };
    ws.onmessage = (ev) => this.onSocketFrame(conn, ev.data);
    ws.onclose = () => this.onPublicClosed(conn, "market connection lost", "connection_lost");
  }

  /** Socket callback: the frame answers any outstanding ping, then is decoded. */
  private onSocketFrame(conn: Conn, data: unknown): void {
    const now = this.cfg.clock.nowMs();
    if (conn.probe.sentMs !== 0) this.counters["aliveChecks"] = (this.counters["aliveChecks"] ?? 0) + 1;
    if (!conn.probe.proven && conn === this.pub) this.pubBackoff.reset(); // it delivers: a healthy socket
    conn.probe.onFrame(now);
    this.onPublic(typeof data === "string" ? data : String(data), conn, now);
  }

  /** The primary public socket is gone: books go stale and a reconnect is scheduled with backoff. */
  private onPublicClosed(conn: Conn, why: string, check: StaleCheck): void {
    if (this.pub !== conn) return;
    this.pub = undefined;
    this.dropStandby();
    for (const st of this.books.values()) {
      st.sync.reset();
      st.lag.reset();
      this.setHealth(st, "stale", why, undefined, check);
    }
    if (this.s.closed) return;
    this.counters["reconnects"] = (this.counters["reconnects"] ?? 0) + 1;
    this.emit({ type: "connection", venue: this.name, stream: "market", state: "reconnecting", reason: "closed" });
    this.pubReconnectPending = true;
    this.cfg.clock.setTimer(this.pubBackoff.next(), () => {
      this.pubReconnectPending = false;
      if (this.pub === undefined) this.openPublic();
    });
  }

  /**
   * Make-before-break: a second public socket subscribes everything; each book switches to it when its
   * snapshot arrives there (so it stays live throughout), and the old socket closes once all have.
   */
  private startRotation(): void {
    const ws = this.openSocket(() => conn);
    const conn = newConn(ws, this.cfg.clock.nowMs());
    this.standby = conn;
    this.counters["rotations"] = (this.counters["rotations"] ?? 0) + 1;
    this.standbyDeadline = this.cfg.clock.setTimer(this.cfg.subscribeMs, () => {
      this.standbyDeadline = undefined;
      this.counters["rotationTimeouts"] = (this.counters["rotationTimeouts"] ?? 0) + 1;
      this.dropStandby();
    });
    ws.onopen = () => {
      conn.open = true;
      conn.openedMs = this.cfg.clock.nowMs();
      conn.probe.opened(conn.openedMs);
      ws.send(subscribeFrame(this.books.keys()));
    };
    ws.onmessage = (ev) => this.onSocketFrame(conn, ev.data);
    ws.onclose = () => {
      if (this.standby === conn) this.dropStandby();
    };
  }

  /** Abandons a rotation: books already fed by the standby go back to the primary with a resync. */
  private dropStandby(): void {
    const sb = this.standby;
    if (sb === undefined) return;
    this.standby = undefined;
    if (this.standbyDeadline !== undefined) this.cfg.clock.clearTimer(this.standbyDeadline);
    this.standbyDeadline = undefined;
    for (const st of this.books.values())
      if (st.feed === sb) {
        st.feed = undefined;
        if (this.pub !== undefined) this.resync(st, "rotation abandoned");
      }
    sb.ws.close();
  }

  /**
   * Every live book now applies the standby's frames: it becomes the primary and the old socket
   * closes. A book that is not live does not hold the handover up (a frozen one may never get its
   * snapshot): it takes the snapshot its subscription on the new primary brings.
   */
  private maybePromote(): void {
    const sb = this.standby;
    if (sb === undefined) return;
    for (const st of this.books.values()) if (st.feed !== sb && st.health === "live") return;
    const old = this.pub;
    this.standby = undefined;
    if (this.standbyDeadline !== undefined) this.cfg.clock.clearTimer(this.standbyDeadline);
    this.standbyDeadline = undefined;
    this.pub = sb;
    for (const st of this.books.values()) st.feed = undefined;
    old?.ws.close(); // its onclose sees it is no longer the primary and does nothing
  }

  private bad(why: string): void {
    countBad(this.counters, why);
  }

  /**
   * Reports a health change (a stale one names the check that fired); a gap or a crossed book is
   * reported even without one, so each is counted.
   */
  private setHealth(st: BookState, h: BookHealth, reason: string, cause?: "gap" | "crossed", check?: StaleCheck): void {
    if (st.health === h && cause === undefined) return;
    st.health = h;
    const venue = this.name;
    const symbol = st.info.symbol;
    if (cause === undefined)
      this.emit({
        type: "book_health",
        venue,
        symbol,
        health: h,
        reason,
        gap: false,
        ...(check !== undefined ? { check } : {}),
      });
    else
      this.emit({
        type: "book_health",
        venue,
        symbol,
        health: h,
        reason,
        gap: cause === "gap",
        crossed: cause === "crossed",
      });
    if (h === "live") {
      st.everLive = true;
      st.frozenAtMs = 0;
      st.escalations = 0;
      const w = st.waiters;
      st.waiters = [];
      for (const f of w) f();
    }
  }

  /**
   * Public socket frame: pong, events, books, bbo-tbt, trades. Never throws. `from` is the socket it
   * came on (omitted for frames fed in directly, e.g. by tests), so a rotation applies each book's
   * frames from exactly one socket; `nowMs` its arrival on the clock (default now).
   */
  onPublic(text: string, from?: Conn, nowMs = this.cfg.clock.nowMs()): void {
    if (text === "pong") return;
    const recvNs = this.cfg.clock.monoNs();
    this.frameText = text;
    if (this.fastBooks(text, from, recvNs, nowMs)) return;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.bad("json");
      return;
    }
    if (!isObj(msg)) {
      this.bad("not_object");
      return;
    }
    if (typeof msg["event"] === "string") {
      if (msg["event"] === "error") this.bad(`event_error_${str(msg, "code")}`);
      return;
    }
    const arg = msg["arg"];
    const data = msg["data"];
    if (!isObj(arg) || !Array.isArray(data)) {
      this.bad("arg_or_data");
      return;
    }
    const st = this.books.get(str(arg, "instId"));
    if (st === undefined) {
      this.bad("unknown_instId");
      return;
    }
    const channel = str(arg, "channel");
    const action = str(msg, "action");
    if (from !== undefined) {
      if (channel === "books") {
        if (from !== (st.feed ?? this.pub)) {
          // The standby's snapshot moves this book over; anything else from a non-feeding socket is ignored.
          if (from !== this.standby || action !== "snapshot") return;
          st.feed = from;
          st.sync.reset();
        }
      } else if (from !== this.pub) return;
    }
    for (const d of data) {
      if (!isObj(d)) {
        this.bad("data_item");
        continue;
      }
      if (channel === "books") this.onBooks(st, action, d, recvNs, nowMs);
      else if (channel === "bbo-tbt") this.onBbo(st, d, recvNs, nowMs);
      else if (channel === "trades") this.onTrade(st, d, recvNs);
      else this.bad("channel");
    }
  }

  /**
   * Fast path for a `books` frame from the socket that feeds its book: the instId is read from the
   * frame's head, then the C decoder does the rest in one call. Returns false to hand the frame to the
   * general path, which reaches the same verdict by the TypeScript reference rules and does the
   * counting and resyncing (other channels, a rotation's standby, a gap, bad input).
   */
  private fastBooks(text: string, from: Conn | undefined, recvNs: number, nowMs: number): boolean {
    if (!text.startsWith(BOOKS_HEAD)) return false;
    const q = text.indexOf('"', BOOKS_HEAD.length);
    if (q < 0) return false;
    let st = this.lastInstSt;
    if (
      st === undefined ||
      q - BOOKS_HEAD.length !== this.lastInst.length ||
      !text.startsWith(this.lastInst, BOOKS_HEAD.length)
    ) {
      const inst = text.slice(BOOKS_HEAD.length, q);
      st = this.books.get(inst);
      if (st === undefined) return false;
      this.lastInst = inst;
      this.lastInstSt = st;
    }
    if (from !== undefined && from !== (st.feed ?? this.pub)) return false;
    const sync = st.sync;
    const status = st.decoder.decode(st.book, text, sync.synced ? DepthMode.Live : DepthMode.Unsynced, sync.last);
    return this.settleFast(st, status, recvNs, nowMs);
  }

  /** What the fast path does with the C decoder's verdict on a `books` frame; false: the general path decides. */
  private settleFast(st: BookState, status: number, recvNs: number, nowMs: number): boolean {
    const sync = st.sync;
    const dec = st.decoder;
    let act: OkxSeqActionCode;
    if (status === DepthStatus.Applied) act = dec.snapshot() ? OkxSeqAction.Snapshot : OkxSeqAction.Apply;
    else if (status === DepthStatus.Keepalive) act = OkxSeqAction.Keepalive;
    else if (status === DepthStatus.Duplicate) act = OkxSeqAction.Duplicate;
    else if (status === DepthStatus.NotSynced) act = OkxSeqAction.NotSynced;
    else return false; // the general path decides, counts and resyncs
    st.lastBooksMs = nowMs;
    if (act !== OkxSeqAction.Snapshot && act !== OkxSeqAction.Apply) {
      this.onBooksWithoutLevels(st, act, dec.first(), dec.last(), nowMs);
      return true;
    }
    sync.advance(act, dec.first(), dec.last());
    this.booksApplied(st, act === OkxSeqAction.Snapshot, dec.last(), recvNs, nowMs, Math.max(0, dec.eventTimeMs()));
    return true;
  }

  /** A public socket of the configured kind; `conn` gives its record (made right after the socket). */
  private openSocket(conn: () => Conn): MarketSocket {
    return openMarketSocket(this.cfg.wsPublicUrl, this.cfg.marketSocket, {
      ontext: (b, s, e) => this.onBytes(conn(), b, s, e),
      onchunk: () => {
        this.chunkMs = this.cfg.clock.nowMs();
      },
    });
  }

  /**
   * The wire socket's hook: a `books` frame from the socket that feeds its book, decoded by the C
   * decoder straight from the receive buffer. false hands the frame on as text to onSocketFrame, whose
   * general path reaches the verdict, counts and resyncs (other channels, a gap, bad input).
   */
  private onBytes(conn: Conn, buf: Uint8Array, start: number, end: number): boolean {
    const st = this.byteRoutes.route(buf, start, end);
    if (st === undefined || conn !== (st.feed ?? this.pub)) return false;
    const recvNs = this.cfg.clock.monoNs(); // as onPublic stamps it: before the decode
    const sync = st.sync;
    const dec = st.decoder;
    const status = dec.decodeBytes(
      st.book,
      buf,
      start,
      end,
      sync.synced ? DepthMode.Live : DepthMode.Unsynced,
      sync.last,
    );
    if (
      status !== DepthStatus.Applied &&
      status !== DepthStatus.Keepalive &&
      status !== DepthStatus.Duplicate &&
      status !== DepthStatus.NotSynced
    )
      return false;
    // what onSocketFrame does for every frame, for this one the general path will not see
    const nowMs = this.chunkMs;
    const probe = conn.probe;
    if (probe.sentMs !== 0) this.counters["aliveChecks"] = (this.counters["aliveChecks"] ?? 0) + 1;
    if (!probe.proven && conn === this.pub) this.pubBackoff.reset();
    probe.onFrame(nowMs);
    this.counters["depthBytes"] = (this.counters["depthBytes"] ?? 0) + 1;
    this.frameText = "";
    this.settleFast(st, status, recvNs, nowMs);
    if (status === DepthStatus.Applied && !dec.snapshot()) this.scratch.keepBytes(buf, start, end);
    return true;
  }

  /**
   * Feeds one frame's bytes as if the public wire socket read them (benchmarks, tests): the bytes path
   * first, then, if it does not take the frame, the text path with the frame decoded.
   */
  ingestBytes(buf: Uint8Array, start: number, end: number): void {
    const c = this.pub;
    if (c === undefined) return;
    this.chunkMs = this.cfg.clock.nowMs();
    if (!this.onBytes(c, buf, start, end)) this.onSocketFrame(c, new TextDecoder().decode(buf.subarray(start, end)));
  }

  private onBooks(st: BookState, action: string, d: Obj, recvNs: number, nowMs: number): void {
    const ids = this.ids;
    if (!readSeqIds(d, ids)) {
      this.bad("seqId");
      return;
    }
    const prev = ids.first;
    const seqId = ids.last;
    const act = st.sync.onFrame(action, prev, seqId);
    st.lastBooksMs = nowMs;
    if (act !== OkxSeqAction.Snapshot && act !== OkxSeqAction.Apply) {
      this.onBooksWithoutLevels(st, act, prev, seqId, nowMs);
      return;
    }
    const book = st.book;
    book.beginUpdate();
    const nb = stageLevels(book, Side.Buy, d["bids"], st.info.price, st.info.qty, BOUNDS);
    const na = nb < 0 ? nb : stageLevels(book, Side.Sell, d["asks"], st.info.price, st.info.qty, BOUNDS);
    if (na < 0) {
      this.bad("levels");
      this.resync(st, `bad levels (${na})`);
      return;
    }
    const snapshot = act === OkxSeqAction.Snapshot;
    const status = snapshot ? book.applySnapshot() : book.applyUpdate();
    if (status !== 0) {
      this.resync(st, `book refused the frame (status ${status})`);
      return;
    }
    if (book.isCrossed()) {
      this.counters["crossed"] = (this.counters["crossed"] ?? 0) + 1;
      this.resync(st, "book crossed", "crossed");
      return;
    }
    this.booksApplied(st, snapshot, seqId, recvNs, nowMs, Number(str(d, "ts")) || 0);
  }

  /** A `books` frame is in the book (either path): counters, lag, health, the book event, rotation. */
  private booksApplied(
    st: BookState,
    snapshot: boolean,
    seqId: number,
    recvNs: number,
    nowMs: number,
    venueTimeMs: number,
  ): void {
    if (st.sync.resets > (this.counters["seqResets"] ?? 0)) this.counters["seqResets"] = st.sync.resets;
    if (!snapshot) {
      this.scratch.keepText(this.frameText); // "" on the bytes path, which keeps its bytes after this
      this.rehearsalSt = st;
    }
    this.counters["bookFrames"] = (this.counters["bookFrames"] ?? 0) + 1;
    st.lag.onBook(seqId, nowMs);
    this.setHealth(st, "live", snapshot ? "snapshot" : "update");
    const ev = st.bookEv;
    ev.seq = seqId;
    ev.snapshot = snapshot;
    ev.recvNs = recvNs;
    ev.venueTimeMs = venueTimeMs;
    this.emit(ev);
    if (snapshot && st.feed !== undefined) this.maybePromote();
  }

  /** A `books` frame that changes no level: not synced yet, keepalive, duplicate, or a gap. */
  private onBooksWithoutLevels(st: BookState, act: OkxSeqActionCode, prev: number, seqId: number, nowMs: number): void {
    switch (act) {
      case OkxSeqAction.NotSynced:
        // Updates flow but the last subscribe's snapshot never came (lost, or swallowed by a stall
        // that has ended): ask again, no more often than one detection time.
        if (nowMs - st.resubscribedAtMs >= escalationDelayMs(this.cfg.staleness, 0)) {
          this.counters["snapshotRetries"] = (this.counters["snapshotRetries"] ?? 0) + 1;
          this.resubscribe(st);
        }
        return;
      case OkxSeqAction.Keepalive:
        // the venue says the book is still at this seqId: a quiet book shown current
        this.counters["keepalives"] = (this.counters["keepalives"] ?? 0) + 1;
        this.counters["aliveChecks"] = (this.counters["aliveChecks"] ?? 0) + 1;
        st.lag.onBook(seqId, nowMs);
        return;
      case OkxSeqAction.Duplicate:
        this.counters["duplicates"] = (this.counters["duplicates"] ?? 0) + 1;
        return;
      default:
        this.counters["gaps"] = (this.counters["gaps"] ?? 0) + 1;
        this.resync(st, `seq gap: prevSeqId ${prev} after a different seqId`, "gap");
    }
  }

  /**
   * The book waits for a fresh snapshot. Only a book that was synced and lost it counts as a resync
   * (once per loss): the first sync does not. `cause` flags a gap or a crossed book on the health event.
   */
  private markResyncing(st: BookState, reason: string, cause?: "gap" | "crossed"): void {
    if (st.everLive && st.health !== "resyncing") this.counters["resyncs"] = (this.counters["resyncs"] ?? 0) + 1;
    st.sync.reset();
    this.setHealth(st, st.everLive ? "resyncing" : "syncing", reason, cause);
  }

  /**
   * Gap or bad data: mark resyncing and resubscribe `books` for a fresh snapshot. `cause` flags a
   * sequence skip or a crossed book on the book_health event (hft_book_gaps_total, hft_book_crossed_total).
   */
  private resync(st: BookState, reason: string, cause?: "gap" | "crossed"): void {
    this.markResyncing(st, reason, cause);
    this.resubscribe(st);
  }

  /** Unsubscribes and resubscribes `books` on the book's feed socket: a fresh snapshot follows. */
  private resubscribe(st: BookState): void {
    st.sync.reset();
    st.lag.reset();
    st.resubscribedAtMs = this.cfg.clock.nowMs();
    const arg = { channel: "books", instId: st.info.venueSymbol };
    const conn = st.feed ?? this.pub;
    const ws = conn?.ws;
    if (ws === undefined || !conn?.open) return;
    ws.send(JSON.stringify({ op: "unsubscribe", args: [arg] }));
    ws.send(JSON.stringify({ op: "subscribe", args: [arg] }));
  }

  /** A `bbo-tbt` push: emitted only when both sides read cleanly and bid < ask (a crossed one is dropped). */
  private onBbo(st: BookState, d: Obj, recvNs: number, nowMs: number): void {
    const b = firstLevel(d["bids"]);
    const a = firstLevel(d["asks"]);
    if (b === undefined || a === undefined) {
      this.bad("bbo");
      return;
    }
    const ev = this.bboEv;
    ev.symbol = st.info.symbol;
    ev.bidTicks = b === null ? 0 : st.info.price.parse(b[0]);
    ev.bidLots = b === null ? 0 : st.info.qty.parse(b[1]);
    ev.askTicks = a === null ? 0 : st.info.price.parse(a[0]);
    ev.askLots = a === null ? 0 : st.info.qty.parse(a[1]);
    if (Number.isNaN(ev.bidTicks + ev.bidLots + ev.askTicks + ev.askLots)) {
      this.bad("bbo");
      return;
    }
    if (ev.bidTicks > 0 && ev.askTicks > 0 && ev.bidTicks >= ev.askTicks) {
      this.bad("bbo_crossed");
      return;
    }
    // only a bbo that passed the checks is evidence of where the venue is (its seqId is the book's)
    st.lastBboMs = nowMs;
    const seq = d["seqId"];
    if (typeof seq === "number" && Number.isSafeInteger(seq)) st.lag.onVenue(seq, nowMs);
    ev.recvNs = recvNs;
    this.emit(ev);
  }

  private onTrade(st: BookState, d: Obj, recvNs: number): void {
    const px = st.info.price.parse(decimalField(d, "px") ?? "");
    const sz = st.info.qty.parse(decimalField(d, "sz") ?? "");
    const side = str(d, "side");
    const tid = Number(str(d, "tradeId"));
    if (!(px > 0) || !(sz > 0) || (side !== "buy" && side !== "sell")) {
      this.bad("trade");
      return;
    }
    this.emit({
      type: "trade",
      venue: this.name,
      symbol: st.info.symbol,
      priceTicks: px,
      lots: sz,
      aggressor: side === "buy" ? Side.Buy : Side.Sell,
      tradeId: Number.isSafeInteger(tid) ? tid : -1,
      venueTimeMs: Number(str(d, "ts")) || 0,
      recvNs,
    });
  }
}

/** One `subscribe` op for the three channels of every symbol (what a fresh socket sends). */
function subscribeFrame(symbols: Iterable<string>): string {
  const args: Obj[] = [];
  for (const s of symbols) for (const channel of CHANNELS) args.push({ channel, instId: s });
  return JSON.stringify({ op: "subscribe", args });
}

/** First [px, sz] of a level array: null for an empty side, undefined when malformed. */
function firstLevel(v: unknown): [string, string] | null | undefined {
  if (!Array.isArray(v)) return undefined;
  if (v.length === 0) return null;
  const l: unknown = v[0];
  if (!Array.isArray(l)) return undefined;
  const p: unknown = l[0];
  const q: unknown = l[1];
  return typeof p === "string" && typeof q === "string" ? [p, q] : undefined;
}
