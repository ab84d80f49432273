/**
 * OKX v5 spot behind the engine's VenueAdapter: `books` (seqId/prevSeqId sync, one FFI call per
 * frame), `bbo-tbt` and `trades` on the public socket; login, order entry and the `orders` channel on
 * the private socket, with REST (OK-ACCESS-* signed) as fallback and for queries. Text ping/pong keeps
 * both sockets inside OKX's 30 s idle rule; lost sockets reconnect with jittered backoff.
 */

import { OrderBook } from "../../book/index.ts";
import {
  Backoff,
  type BackoffConfig,
  DEFAULT_BACKOFF,
  resolveUnknownOutcome,
  ScratchBook,
  SlidingWindow,
  type StatusProbe,
  stageLevels,
} from "../../gateways/index.ts";
import type { Clock, Rng, TimerId } from "../../services/index.ts";
import {
  type Balance,
  type BookHealth,
  DecimalGrid,
  type InstrumentInfo,
  isValidClientIdPrefix,
  type Lots,
  type OpenOrder,
  type OrderRequest,
  type OrderStatus,
  type OrderUpdate,
  Side,
  type Ticks,
  type VenueEvent,
  type VenueListener,
  VenueRejectError,
} from "../../types/index.ts";
import type { VenueAdapter } from "../contract.ts";
import { OkxBookSync, OkxSeqAction } from "./book-sync.ts";
import { fromOkxClOrdId, isOwnOkxClOrdId, toOkxClOrdId } from "./client-id.ts";
import { CANCEL_SOURCE_POST_ONLY, OKX_UNKNOWN_OUTCOME_CODES, okxRejectReason } from "./errors.ts";
import { restHeaders, wsLoginFrame } from "./signing.ts";

/** Everything one OKX adapter needs; keys are optional for market-data-only use. */
export interface OkxConfig {
  readonly name: string;
  readonly restUrl: string;
  /** Full URLs of the public and private sockets (…/ws/v5/public, …/ws/v5/private). */
  readonly wsPublicUrl: string;
  readonly wsPrivateUrl: string;
  readonly apiKey?: string;
  readonly secret?: string;
  readonly passphrase?: string;
  /** 1–8 letters/digits; every clOrdId of this engine starts with it. */
  readonly clientIdPrefix: string;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly backoff?: BackoffConfig;
  /** Send "ping" after this long without receiving anything (OKX closes at 30 s). */
  readonly pingIdleMs?: number;
  /** Reconnect when no "pong" (or any data) arrives this long after a ping. */
  readonly pongTimeoutMs?: number;
  readonly requestMs?: number;
  readonly subscribeMs?: number;
  readonly maxThrottleWaitMs?: number;
  readonly maxLevels?: number;
  /** Add x-simulated-trading: 1 (OKX demo). */
  readonly demo?: boolean;
  /** Where orders and cancels go: the private socket (default) or signed REST; fills always stream. */
  readonly orderEntry?: "ws" | "rest";
  /**
   * Placement budget per instrument the adapter keeps to (OKX documents 60 per 2 s and publishes no
   * endpoint to discover it, so an account with a different tier configures it here).
   */
  readonly orderRateLimit?: { readonly count: number; readonly windowMs: number };
  /** Replace the public socket this often, make-before-break (0 = never). */
  readonly maxConnectionAgeMs?: number;
  /** A post_only order waits this long for its first `orders` push (live, or canceled as would-take). */
  readonly postOnlyConfirmMs?: number;
}

/** Ids and trade keys we remember (idempotency, fill dedup) before the oldest are forgotten. */
const MAX_REMEMBERED = 50_000;

/** Drops the oldest entries of an insertion-ordered map or set beyond the cap (bounded memory). */
function prune(c: Map<string, unknown> | Set<string>): void {
  if (c.size <= MAX_REMEMBERED) return;
  let excess = c.size - MAX_REMEMBERED;
  for (const k of c.keys()) {
    if (excess-- <= 0) break;
    c.delete(k);
  }
}

type Obj = Record<string, unknown>;
const BOUNDS = { maxTicks: 2 ** 52, maxLots: 2 ** 52 };
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string): string => {
  const v = o[k];
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
};

interface BookState {
  readonly info: InstrumentInfo;
  readonly book: OrderBook;
  readonly sync: OkxBookSync;
  health: BookHealth;
  waiters: (() => void)[];
  /** The public socket whose `books` frames this book applies; undefined = the primary (this.pub). */
  feed: Conn | undefined;
}

interface Conn {
  ws: WebSocket;
  lastRecvMs: number;
  pingSentMs: number;
  open: boolean;
  openedMs: number;
}

interface Pending {
  resolve: (v: Obj) => void;
  reject: (e: Error) => void;
  timer: TimerId;
}

/** Thrown inside the adapter when a request's outcome is unknown (timeout, socket lost). */
class UnknownOutcome extends Error {}

/** The OKX v5 spot adapter. */
export class OkxAdapter implements VenueAdapter {
  readonly kind = "okx";
  readonly name: string;
  private readonly instr = new Map<string, InstrumentInfo>();
  private readonly books = new Map<string, BookState>();
  private readonly listeners = new Set<VenueListener>();
  private readonly counters: Record<string, number> = {
    badFrames: 0,
    gaps: 0,
    duplicates: 0,
    keepalives: 0,
    seqResets: 0,
    resyncs: 0,
    bookFrames: 0,
    pingsSent: 0,
    reconnects: 0,
    duplicateFills: 0,
    throttled: 0,
    unknownOutcomes: 0,
  };
  private pub: Conn | undefined;
  /** The replacement public socket during a make-before-break rotation. */
  private standby: Conn | undefined;
  private standbyDeadline: TimerId | undefined;
  private priv: Conn | undefined;
  private privReady: Promise<void> | undefined;
  private readonly pubBackoff: Backoff;
  private readonly privBackoff: Backoff;
  private watchdog: TimerId | undefined;
  private closed = false;
  /** The public frame being handled (a reference, no copy): onBooks keeps it for rehearse(). */
  private frameText = "";
  /** The last `books` update applied, and its book: what rehearse() decodes again. */
  private rehearsalText = "";
  private rehearsalSt: BookState | undefined;
  /** Scratch book for rehearse(): never offered to anyone, so decoding into it changes nothing. */
  private readonly scratch: ScratchBook;
  private reqSeq = 0;
  private readonly pending = new Map<string, Pending>();
  /** clOrdId → engine client id, for our own orders. */
  private readonly clientIds = new Map<string, string>();
  /** Submissions in flight or done, by client id: a retry returns the same promise. */
  private readonly submits = new Map<string, Promise<string>>();
  private readonly seenTrades = new Set<string>();
  private readonly cumByOrder = new Map<string, number>();
  private readonly orderWindows = new Map<string, SlidingWindow>();
  /** Our orders believed open, by clOrdId, with the fills already reported (recovery after a disconnect). */
  private readonly tracked = new Map<string, { symbol: string; cum: number }>();
  private privWasUp = false;
  /** post_only submits awaiting their first `orders` push (OKX accepts, then cancels a crossing one). */
  private readonly postOnly = new Map<string, { first: Obj | undefined; wake: (() => void) | undefined }>();
  private pubReconnectPending = false;
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
  private readonly cfg: Required<Omit<OkxConfig, "apiKey" | "secret" | "passphrase">> & {
    apiKey: string;
    secret: string;
    passphrase: string;
  };

  constructor(cfg: OkxConfig) {
    if (!isValidClientIdPrefix(cfg.clientIdPrefix))
      throw new Error(`okx ${cfg.name}: clientIdPrefix must be 1-8 letters/digits`);
    for (const k of ["restUrl", "wsPublicUrl", "wsPrivateUrl"] as const)
      if (typeof cfg[k] !== "string" || cfg[k].length === 0) throw new Error(`okx ${cfg.name}: ${k} missing`);
    const keys = [cfg.apiKey, cfg.secret, cfg.passphrase].filter((k) => typeof k === "string" && k.length > 0);
    if (keys.length !== 0 && keys.length !== 3)
      throw new Error(`okx ${cfg.name}: apiKey, secret and passphrase must all be set (or none)`);
    this.name = cfg.name;
    this.cfg = {
      backoff: DEFAULT_BACKOFF,
      pingIdleMs: 20_000,
      pongTimeoutMs: 10_000,
      requestMs: 10_000,
      subscribeMs: 30_000,
      maxThrottleWaitMs: 5_000,
      maxLevels: 1024,
      demo: false,
      orderEntry: "ws",
      orderRateLimit: { count: 60, windowMs: 2000 },
      maxConnectionAgeMs: 0,
      postOnlyConfirmMs: 2000,
      ...cfg,
      apiKey: cfg.apiKey ?? "",
      secret: cfg.secret ?? "",
      passphrase: cfg.passphrase ?? "",
    };
    this.pubBackoff = new Backoff(cfg.rng, this.cfg.backoff);
    this.privBackoff = new Backoff(cfg.rng, this.cfg.backoff);
    this.bboEv.venue = cfg.name;
    this.scratch = new ScratchBook(this.cfg.maxLevels);
  }

  /** The engine client id behind a clOrdId: ours from memory, anyone's from the reversible encoding. */
  private engineId(clOrdId: string): string {
    return this.clientIds.get(clOrdId) ?? fromOkxClOrdId(clOrdId) ?? clOrdId;
  }

  /** Order entry over the socket when configured and logged in; REST otherwise (fallback). */
  private useWs(): boolean {
    return this.cfg.orderEntry === "ws" && this.hasKeys && this.priv?.open === true;
  }

  private get hasKeys(): boolean {
    return this.cfg.apiKey.length > 0;
  }

  stats(): Readonly<Record<string, number>> {
    // md_badFrames: the name every adapter reports its dropped market-data frames under.
    return { ...this.counters, md_badFrames: this.counters["badFrames"] ?? 0 };
  }

  onEvent(listener: VenueListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(ev: VenueEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        this.counters["listenerErrors"] = (this.counters["listenerErrors"] ?? 0) + 1;
      }
    }
  }

  instruments(): ReadonlyMap<string, InstrumentInfo> {
    return this.instr;
  }

  book(symbol: string): OrderBook | undefined {
    return this.books.get(symbol)?.book;
  }

  bookHealth(symbol: string): BookHealth | undefined {
    return this.books.get(symbol)?.health;
  }

  async connect(): Promise<void> {
    this.closed = false;
    const body = await this.rest("GET", "/api/v5/public/instruments?instType=SPOT", undefined, false);
    const data = body["data"];
    if (!Array.isArray(data)) throw new Error(`okx ${this.name}: instruments response without data[]`);
    for (const d of data) {
      if (!isObj(d)) continue;
      try {
        const info = parseInstrument(d);
        this.instr.set(info.symbol, info);
      } catch (e) {
        this.counters["badInstruments"] = (this.counters["badInstruments"] ?? 0) + 1;
        void e;
      }
    }
    if (this.watchdog === undefined)
      this.watchdog = this.cfg.clock.setRepeating(Math.max(10, Math.min(1000, this.cfg.pingIdleMs / 4)), () =>
        this.checkIdle(),
      );
    if (this.hasKeys) await this.ensurePrivate();
  }

  /**
   * Keep-warm (VenueAdapter.rehearse): parses the last applied `books` update again and applies it to
   * a scratch book, and encodes `sample` as the private socket's `order` op exactly as a submit would,
   * without sending it or touching any book, counter, id map or rate budget.
   */
  rehearse(sample?: OrderRequest): void {
    try {
      const st = this.rehearsalSt;
      if (st !== undefined && !this.closed) {
        const msg: unknown = JSON.parse(this.rehearsalText);
        const d = isObj(msg) && Array.isArray(msg["data"]) ? msg["data"][0] : undefined;
        if (isObj(d)) {
          const book = this.scratch.begin();
          const nb = stageLevels(book, Side.Buy, d["bids"], st.info.price, st.info.qty, BOUNDS);
          const na = nb < 0 ? nb : stageLevels(book, Side.Sell, d["asks"], st.info.price, st.info.qty, BOUNDS);
          if (na >= 0) this.scratch.commit();
        }
      }
      if (sample === undefined || !this.useWs() || this.priv?.open !== true) return;
      const info = this.instr.get(sample.symbol);
      if (info === undefined || !Number.isSafeInteger(sample.lots) || sample.lots <= 0) return;
      JSON.stringify({ id: "warm", op: "order", args: [this.orderArgs(sample, info, toOkxClOrdId(sample.clientId))] });
    } catch {
      // a rehearsal must never disturb trading; a bad sample is simply not rehearsed
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.scratch.close();
    this.rehearsalSt = undefined;
    if (this.watchdog !== undefined) this.cfg.clock.clearTimer(this.watchdog);
    this.watchdog = undefined;
    this.dropStandby();
    for (const c of [this.pub, this.priv]) if (c !== undefined) c.ws.close();
    this.pub = undefined;
    this.priv = undefined;
    this.privReady = undefined;
    for (const [id, p] of this.pending) {
      this.cfg.clock.clearTimer(p.timer);
      p.reject(new UnknownOutcome(`okx ${this.name}: closed`));
      this.pending.delete(id);
    }
    for (const st of this.books.values()) st.book.close();
    this.books.clear();
  }

  // ---------------------------------------------------------------- market data

  async subscribeQuotes(symbols: readonly string[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const s of symbols) {
      const info = this.instr.get(s);
      if (info === undefined) throw new VenueRejectError("bad_symbol", "", `okx ${this.name}: unknown symbol ${s}`);
      let st = this.books.get(s);
      if (st === undefined) {
        st = {
          info,
          book: new OrderBook({ maxLevels: this.cfg.maxLevels }),
          sync: new OkxBookSync(),
          health: "syncing",
          waiters: [],
          feed: undefined,
        };
        this.books.set(s, st);
      }
      if (st.health !== "live") {
        const bs = st;
        waits.push(new Promise<void>((res) => bs.waiters.push(res)));
      }
    }
    // Connected: subscribe now; connecting or reconnect pending: onopen subscribes every book.
    if (this.pub?.open) this.sendSubscribe(symbols);
    else if (this.pub === undefined && !this.pubReconnectPending) this.openPublic();
    let timer: TimerId | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = this.cfg.clock.setTimer(this.cfg.subscribeMs, () =>
        rej(
          new Error(
            `okx ${this.name}: books not live in time: ${symbols.filter((s) => this.bookHealth(s) !== "live").join(",")}`,
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

  private sendSubscribe(symbols: readonly string[]): void {
    const args: Obj[] = [];
    for (const s of symbols) for (const channel of ["books", "bbo-tbt", "trades"]) args.push({ channel, instId: s });
    this.pub?.ws.send(JSON.stringify({ op: "subscribe", args }));
    // Mid-rotation, the replacement socket needs the new books too, or the handover could never finish.
    if (this.standby?.open) this.standby.ws.send(JSON.stringify({ op: "subscribe", args }));
  }

  private openPublic(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.cfg.wsPublicUrl);
    const conn: Conn = newConn(ws, this.cfg.clock.nowMs());
    this.pub = conn;
    this.emit({ type: "connection", venue: this.name, stream: "market", state: "connecting", reason: "" });
    ws.onopen = () => {
      conn.open = true;
      conn.lastRecvMs = conn.openedMs = this.cfg.clock.nowMs();
      this.pubBackoff.reset();
      this.emit({ type: "connection", venue: this.name, stream: "market", state: "connected", reason: "" });
      for (const st of this.books.values()) st.sync.reset();
      if (this.books.size > 0) this.sendSubscribe([...this.books.keys()]);
    };
    ws.onmessage = (ev) => {
      conn.lastRecvMs = this.cfg.clock.nowMs();
      conn.pingSentMs = 0;
      this.onPublic(typeof ev.data === "string" ? ev.data : String(ev.data), conn);
    };
    ws.onclose = () => {
      if (this.pub !== conn) return;
      this.pub = undefined;
      this.dropStandby();
      for (const st of this.books.values()) {
        st.sync.reset();
        this.setHealth(st, "stale", "market connection lost");
      }
      if (this.closed) return;
      this.counters["reconnects"] = (this.counters["reconnects"] ?? 0) + 1;
      this.emit({ type: "connection", venue: this.name, stream: "market", state: "reconnecting", reason: "closed" });
      this.pubReconnectPending = true;
      this.cfg.clock.setTimer(this.pubBackoff.next(), () => {
        this.pubReconnectPending = false;
        if (this.pub === undefined) this.openPublic();
      });
    };
  }

  /**
   * Make-before-break: a second public socket subscribes everything; each book switches to it when its
   * snapshot arrives there (so it stays live throughout), and the old socket closes once all have.
   */
  private startRotation(): void {
    const ws = new WebSocket(this.cfg.wsPublicUrl);
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
      conn.lastRecvMs = conn.openedMs = this.cfg.clock.nowMs();
      const args: Obj[] = [];
      for (const s of this.books.keys())
        for (const channel of ["books", "bbo-tbt", "trades"]) args.push({ channel, instId: s });
      ws.send(JSON.stringify({ op: "subscribe", args }));
    };
    ws.onmessage = (ev) => {
      conn.lastRecvMs = this.cfg.clock.nowMs();
      conn.pingSentMs = 0;
      this.onPublic(typeof ev.data === "string" ? ev.data : String(ev.data), conn);
    };
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

  /** Every book now applies the standby's frames: it becomes the primary and the old socket closes. */
  private maybePromote(): void {
    const sb = this.standby;
    if (sb === undefined) return;
    for (const st of this.books.values()) if (st.feed !== sb) return;
    const old = this.pub;
    this.standby = undefined;
    if (this.standbyDeadline !== undefined) this.cfg.clock.clearTimer(this.standbyDeadline);
    this.standbyDeadline = undefined;
    this.pub = sb;
    for (const st of this.books.values()) st.feed = undefined;
    old?.ws.close(); // its onclose sees it is no longer the primary and does nothing
  }

  /** Pings idle sockets and drops ones whose pong never came (the 30 s rule). */
  private checkIdle(): void {
    const now = this.cfg.clock.nowMs();
    const age = this.cfg.maxConnectionAgeMs;
    const p = this.pub;
    if (age > 0 && p?.open && this.standby === undefined && this.books.size > 0 && now - p.openedMs >= age)
      this.startRotation();
    for (const c of [this.pub, this.standby, this.priv]) {
      if (c === undefined || !c.open) continue;
      if (c.pingSentMs > 0 && now - c.pingSentMs > this.cfg.pongTimeoutMs) {
        c.ws.close();
        continue;
      }
      if (c.pingSentMs === 0 && now - c.lastRecvMs >= this.cfg.pingIdleMs) {
        c.pingSentMs = now;
        this.counters["pingsSent"] = (this.counters["pingsSent"] ?? 0) + 1;
        c.ws.send("ping");
      }
    }
  }

  private bad(why: string): void {
    this.counters["badFrames"] = (this.counters["badFrames"] ?? 0) + 1;
    this.counters[`bad:${why}`] = (this.counters[`bad:${why}`] ?? 0) + 1;
  }

  private setHealth(st: BookState, h: BookHealth, reason: string, gap = false): void {
    if (st.health === h) return;
    st.health = h;
    this.emit({ type: "book_health", venue: this.name, symbol: st.info.symbol, health: h, reason, gap });
    if (h === "live") {
      const w = st.waiters;
      st.waiters = [];
      for (const f of w) f();
    }
  }

  /**
   * Public socket frame: pong, events, books, bbo-tbt, trades. Never throws. `from` is the socket it
   * came on (omitted for frames fed in directly, e.g. by tests), so a rotation applies each book's
   * frames from exactly one socket.
   */
  onPublic(text: string, from?: Conn): void {
    if (text === "pong") return;
    const recvNs = this.cfg.clock.monoNs();
    this.frameText = text;
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
      if (channel === "books") this.onBooks(st, action, d, recvNs);
      else if (channel === "bbo-tbt") this.onBbo(st, d, recvNs);
      else if (channel === "trades") this.onTrade(st, d, recvNs);
      else this.bad("channel");
    }
  }

  private onBooks(st: BookState, action: string, d: Obj, recvNs: number): void {
    const seqId = d["seqId"];
    const prev = d["prevSeqId"];
    if (
      typeof seqId !== "number" ||
      typeof prev !== "number" ||
      !Number.isSafeInteger(seqId) ||
      !Number.isSafeInteger(prev)
    ) {
      this.bad("seqId");
      return;
    }
    const act = st.sync.onFrame(action, prev, seqId);
    switch (act) {
      case OkxSeqAction.NotSynced:
        return;
      case OkxSeqAction.Keepalive:
        this.counters["keepalives"] = (this.counters["keepalives"] ?? 0) + 1;
        return;
      case OkxSeqAction.Duplicate:
        this.counters["duplicates"] = (this.counters["duplicates"] ?? 0) + 1;
        return;
      case OkxSeqAction.Gap:
        this.counters["gaps"] = (this.counters["gaps"] ?? 0) + 1;
        this.resync(st, `seq gap: prevSeqId ${prev} after a different seqId`, true);
        return;
      default:
        break;
    }
    if (st.sync.resets > (this.counters["seqResets"] ?? 0)) this.counters["seqResets"] = st.sync.resets;
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
      this.resync(st, "book crossed");
      return;
    }
    if (!snapshot) {
      this.rehearsalText = this.frameText;
      this.rehearsalSt = st;
    }
    this.counters["bookFrames"] = (this.counters["bookFrames"] ?? 0) + 1;
    this.setHealth(st, "live", snapshot ? "snapshot" : "update");
    this.emit({ type: "book", venue: this.name, symbol: st.info.symbol, book, seq: seqId, snapshot, recvNs });
    if (snapshot && st.feed !== undefined) this.maybePromote();
  }

  /**
   * Gap or bad data: mark resyncing and resubscribe `books` for a fresh snapshot. `gap` flags a
   * sequence skip on the book_health event (the engine counts those in hft_book_gaps_total).
   */
  private resync(st: BookState, reason: string, gap = false): void {
    this.counters["resyncs"] = (this.counters["resyncs"] ?? 0) + 1;
    st.sync.reset();
    this.setHealth(st, "resyncing", reason, gap);
    const arg = { channel: "books", instId: st.info.venueSymbol };
    const conn = st.feed ?? this.pub;
    const ws = conn?.ws;
    if (ws === undefined || !conn?.open) return;
    ws.send(JSON.stringify({ op: "unsubscribe", args: [arg] }));
    ws.send(JSON.stringify({ op: "subscribe", args: [arg] }));
  }

  private onBbo(st: BookState, d: Obj, recvNs: number): void {
    const b = firstLevel(d["bids"]);
    const a = firstLevel(d["asks"]);
    const ev = this.bboEv;
    ev.symbol = st.info.symbol;
    ev.bidTicks = b === undefined ? 0 : st.info.price.parse(b[0]);
    ev.bidLots = b === undefined ? 0 : st.info.qty.parse(b[1]);
    ev.askTicks = a === undefined ? 0 : st.info.price.parse(a[0]);
    ev.askLots = a === undefined ? 0 : st.info.qty.parse(a[1]);
    if (Number.isNaN(ev.bidTicks + ev.bidLots + ev.askTicks + ev.askLots)) {
      this.bad("bbo");
      return;
    }
    ev.recvNs = recvNs;
    this.emit(ev);
  }

  private onTrade(st: BookState, d: Obj, recvNs: number): void {
    const px = st.info.price.parse(str(d, "px"));
    const sz = st.info.qty.parse(str(d, "sz"));
    const side = str(d, "side");
    const tid = Number(str(d, "tradeId"));
    if (Number.isNaN(px) || Number.isNaN(sz) || (side !== "buy" && side !== "sell")) {
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

  // ---------------------------------------------------------------- private socket

  private ensurePrivate(): Promise<void> {
    if (this.privReady !== undefined) return this.privReady;
    const p = this.openPrivate();
    this.privReady = p;
    p.catch(() => {
      if (this.privReady === p) this.privReady = undefined;
    });
    return p;
  }

  private openPrivate(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.cfg.wsPrivateUrl);
      const conn: Conn = newConn(ws, this.cfg.clock.nowMs());
      this.priv = conn;
      let loggedIn = false;
      const timer = this.cfg.clock.setTimer(this.cfg.requestMs, () => {
        if (!loggedIn) {
          reject(new Error(`okx ${this.name}: private login timed out`));
          ws.close();
        }
      });
      ws.onopen = () => {
        conn.open = true;
        ws.send(wsLoginFrame(this.cfg.apiKey, this.cfg.passphrase, this.cfg.secret, this.cfg.clock.nowMs()));
      };
      ws.onmessage = (ev) => {
        conn.lastRecvMs = this.cfg.clock.nowMs();
        conn.pingSentMs = 0;
        const text = typeof ev.data === "string" ? ev.data : String(ev.data);
        if (text === "pong") return;
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
        if (!loggedIn && (msg["event"] === "login" || msg["event"] === "error")) {
          this.cfg.clock.clearTimer(timer);
          if (msg["event"] === "login" && str(msg, "code") === "0") {
            loggedIn = true;
            this.privBackoff.reset();
            if (this.privWasUp) void this.recoverFills();
            this.privWasUp = true;
            ws.send(JSON.stringify({ op: "subscribe", args: [{ channel: "orders", instType: "SPOT" }] }));
            this.emit({ type: "connection", venue: this.name, stream: "orders", state: "connected", reason: "" });
            resolve();
          } else {
            const code = str(msg, "code");
            reject(
              new VenueRejectError(
                okxRejectReason(code, str(msg, "msg")),
                code,
                `okx ${this.name}: login refused: ${str(msg, "msg")} (${code})`,
              ),
            );
            ws.close();
          }
          return;
        }
        this.onPrivate(msg);
      };
      ws.onclose = () => {
        this.cfg.clock.clearTimer(timer);
        if (!loggedIn) reject(new Error(`okx ${this.name}: private socket closed before login`));
        if (this.priv !== conn) return;
        this.priv = undefined;
        this.privReady = undefined;
        for (const [id, p] of this.pending) {
          this.cfg.clock.clearTimer(p.timer);
          this.pending.delete(id);
          p.reject(new UnknownOutcome("private socket lost"));
        }
        if (this.closed || !loggedIn) return;
        this.emit({ type: "connection", venue: this.name, stream: "orders", state: "reconnecting", reason: "closed" });
        this.cfg.clock.setTimer(this.privBackoff.next(), () => {
          if (!this.closed) this.ensurePrivate().catch(() => undefined);
        });
      };
    });
  }

  private onPrivate(msg: Obj): void {
    const id = msg["id"];
    if (typeof id === "string" && typeof msg["op"] === "string") {
      const p = this.pending.get(id);
      if (p !== undefined) {
        this.pending.delete(id);
        this.cfg.clock.clearTimer(p.timer);
        p.resolve(msg);
      }
      return;
    }
    const arg = msg["arg"];
    const data = msg["data"];
    if (isObj(arg) && arg["channel"] === "orders" && Array.isArray(data)) {
      const recvNs = this.cfg.clock.monoNs();
      for (const d of data) if (isObj(d)) this.onOrderPush(d, recvNs);
    }
  }

  /** One `orders` push → one OrderUpdate; fills deduplicated by tradeId and cumulative size. */
  onOrderPush(d: Obj, recvNs: number): void {
    const info = this.instr.get(str(d, "instId"));
    if (info === undefined) {
      this.bad("order_instId");
      return;
    }
    const clOrdId = str(d, "clOrdId");
    const ordId = str(d, "ordId");
    const state = str(d, "state");
    const fillSz = str(d, "fillSz");
    const lastLots = fillSz === "" ? 0 : info.qty.parse(fillSz);
    const cumLots = info.qty.parse(str(d, "accFillSz") || "0");
    const origLots = info.qty.parse(str(d, "sz") || "0");
    if (Number.isNaN(lastLots) || Number.isNaN(cumLots) || Number.isNaN(origLots)) {
      this.bad("order_sizes");
      return;
    }
    const po = this.postOnly.get(clOrdId);
    if (po !== undefined && po.first === undefined) {
      po.first = d;
      po.wake?.();
    }
    const tradeIdStr = str(d, "tradeId");
    let exec: OrderUpdate["exec"];
    let status: OrderStatus;
    let rejectReason: OrderUpdate["rejectReason"];
    if (lastLots > 0 && tradeIdStr !== "") {
      const key = `${ordId}:${tradeIdStr}`;
      const prevCum = this.cumByOrder.get(ordId) ?? 0;
      if (this.seenTrades.has(key) || cumLots <= prevCum) {
        this.counters["duplicateFills"] = (this.counters["duplicateFills"] ?? 0) + 1;
        return;
      }
      this.seenTrades.add(key);
      this.cumByOrder.set(ordId, cumLots);
      prune(this.seenTrades);
      prune(this.cumByOrder);
      exec = "fill";
      status =
        state === "filled"
          ? "filled"
          : state === "canceled"
            ? endedByVenue(d)
              ? "expired"
              : "canceled"
            : "partially_filled";
    } else if (state === "canceled" || state === "mmp_canceled") {
      // OKX has no "expired" state: an IOC/FOK/market remainder the venue cancels is what the engine calls expired.
      exec = endedByVenue(d) ? "expired" : "canceled";
      status = exec;
      if (str(d, "cancelSource") === CANCEL_SOURCE_POST_ONLY) rejectReason = "would_take";
    } else if (state === "live") {
      exec = "ack";
      status = "new";
    } else if (state === "filled" || state === "partially_filled") {
      return; // a state echo without a new fill
    } else {
      this.bad("order_state");
      return;
    }
    const px = str(d, "px");
    const priceTicks = px === "" ? 0 : info.price.parse(px);
    const fillPx = str(d, "fillPx");
    const fee = str(d, "fillFee");
    if (isOwnOkxClOrdId(clOrdId, this.cfg.clientIdPrefix)) {
      if (status === "new" || status === "partially_filled")
        this.tracked.set(clOrdId, { symbol: info.symbol, cum: cumLots });
      else this.tracked.delete(clOrdId);
    }
    const update: OrderUpdate = {
      venue: this.name,
      symbol: info.symbol,
      clientId: this.engineId(clOrdId),
      venueOrderId: ordId,
      side: str(d, "side") === "sell" ? Side.Sell : Side.Buy,
      status,
      exec,
      priceTicks: (Number.isNaN(priceTicks) ? 0 : priceTicks) as Ticks,
      origLots: origLots as Lots,
      cumLots: cumLots as Lots,
      lastLots: (exec === "fill" ? lastLots : 0) as Lots,
      lastPriceTicks: (exec === "fill" && fillPx !== "" ? info.price.parse(fillPx) : 0) as Ticks,
      fee: exec === "fill" ? negateDecimal(fee || "0") : "0",
      feeAsset: exec === "fill" ? str(d, "fillFeeCcy") : "",
      isMaker: str(d, "execType") === "M",
      tradeId: exec === "fill" && Number.isSafeInteger(Number(tradeIdStr)) ? Number(tradeIdStr) : -1,
      venueTimeMs: Number(str(d, "uTime") || str(d, "fillTime")) || 0,
      ...(rejectReason !== undefined ? { rejectReason, text: str(d, "cancelSourceReason") } : {}),
    };
    this.emit({ type: "order", update, recvNs });
  }

  /**
   * After the private socket comes back, fills pushed while it was down are lost: query every order
   * we believed open and report what filled meanwhile as one aggregated fill (tradeId -1).
   */
  private async recoverFills(): Promise<void> {
    for (const [clOrdId, t] of [...this.tracked]) {
      let o: OpenOrder | undefined;
      try {
        o = await this.orderStatus(t.symbol, this.engineId(clOrdId));
      } catch {
        this.counters["recoveryErrors"] = (this.counters["recoveryErrors"] ?? 0) + 1;
        continue;
      }
      if (o === undefined || this.closed) continue;
      const cur = this.tracked.get(clOrdId);
      if (cur === undefined) continue; // a push arrived meanwhile and finished it
      // The fills already streamed (cumByOrder) win over the tracked count, so nothing is reported twice.
      const missed = o.cumLots - Math.max(cur.cum, this.cumByOrder.get(o.venueOrderId) ?? 0);
      if (o.status !== "new" && o.status !== "partially_filled") this.tracked.delete(clOrdId);
      else cur.cum = o.cumLots;
      if (missed <= 0) continue;
      this.counters["recoveredFills"] = (this.counters["recoveredFills"] ?? 0) + 1;
      this.cumByOrder.set(o.venueOrderId, o.cumLots);
      this.emit({
        type: "order",
        recvNs: this.cfg.clock.monoNs(),
        update: {
          venue: this.name,
          symbol: o.symbol,
          clientId: o.clientId,
          venueOrderId: o.venueOrderId,
          side: o.side,
          status: o.status,
          exec: "fill",
          priceTicks: o.priceTicks,
          origLots: o.origLots,
          cumLots: o.cumLots,
          lastLots: missed as Lots,
          lastPriceTicks: o.priceTicks,
          fee: "0",
          feeAsset: "",
          isMaker: false,
          tradeId: -1,
          venueTimeMs: this.cfg.clock.nowMs(),
          text: "recovered by reconciliation after a private-socket reconnect (fee unknown)",
        },
      });
    }
  }

  /** One WS request (op with id); rejects UnknownOutcome on timeout or socket loss. */
  private async wsRequest(op: string, args: Obj[]): Promise<Obj> {
    await this.ensurePrivate();
    const conn = this.priv;
    if (conn === undefined || !conn.open) throw new UnknownOutcome("private socket not open");
    this.reqSeq++;
    const id = `${this.reqSeq}`;
    return new Promise<Obj>((resolve, reject) => {
      const timer = this.cfg.clock.setTimer(this.cfg.requestMs, () => {
        this.pending.delete(id);
        reject(new UnknownOutcome(`${op} timed out`));
      });
      this.pending.set(id, { resolve, reject, timer });
      conn.ws.send(JSON.stringify({ id, op, args }));
    });
  }

  // ---------------------------------------------------------------- REST

  private async rest(method: "GET" | "POST", path: string, body: Obj | undefined, signed = true): Promise<Obj> {
    const bodyStr = body === undefined ? "" : JSON.stringify(body);
    const headers: Record<string, string> = signed
      ? restHeaders(this.cfg, this.cfg.clock.nowMs(), method, path, bodyStr)
      : { "Content-Type": "application/json" };
    if (this.cfg.demo) headers["x-simulated-trading"] = "1";
    const ctl = new AbortController();
    const timer = this.cfg.clock.setTimer(this.cfg.requestMs, () => ctl.abort());
    let res: Response;
    try {
      res = await fetch(this.cfg.restUrl + path, {
        method,
        headers,
        signal: ctl.signal,
        ...(method === "POST" ? { body: bodyStr } : {}),
      });
    } catch (e) {
      throw new UnknownOutcome(`okx ${this.name}: ${method} ${path}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.cfg.clock.clearTimer(timer);
    }
    if (res.status >= 500) throw new UnknownOutcome(`okx ${this.name}: ${method} ${path}: HTTP ${res.status}`);
    let parsed: unknown;
    try {
      parsed = await res.json();
    } catch {
      throw new UnknownOutcome(`okx ${this.name}: ${method} ${path}: body is not JSON (HTTP ${res.status})`);
    }
    if (!isObj(parsed)) throw new Error(`okx ${this.name}: ${path}: body is not an object`);
    const code = str(parsed, "code");
    if (code !== "0" && !(code === "1" || code === "2")) {
      if (OKX_UNKNOWN_OUTCOME_CODES.has(code)) throw new UnknownOutcome(`okx ${this.name}: ${path}: code ${code}`);
      throw new VenueRejectError(
        okxRejectReason(code, str(parsed, "msg"), res.status),
        code,
        `okx ${this.name}: ${str(parsed, "msg")} (code ${code})`,
      );
    }
    return parsed;
  }

  // ---------------------------------------------------------------- orders

  submitOrder(order: OrderRequest): Promise<string> {
    const prev = this.submits.get(order.clientId);
    if (prev !== undefined) return prev;
    const p = this.doSubmit(order);
    this.submits.set(order.clientId, p);
    prune(this.submits);
    p.catch((e: unknown) => {
      // A definite refusal is kept so a retry gets the same answer; a throttled (never sent or refused
      // for rate) or failed-before-sending submit may be retried with the same id.
      if (!(e instanceof VenueRejectError) || e.reason === "rate_limited") this.submits.delete(order.clientId);
    });
    return p;
  }

  private async throttle(instId: string): Promise<void> {
    let w = this.orderWindows.get(instId);
    if (w === undefined) {
      w = new SlidingWindow(this.cfg.orderRateLimit.count, this.cfg.orderRateLimit.windowMs);
      this.orderWindows.set(instId, w);
    }
    const wait = w.waitMs(this.cfg.clock.nowMs());
    if (wait > this.cfg.maxThrottleWaitMs) {
      this.counters["throttled"] = (this.counters["throttled"] ?? 0) + 1;
      throw new VenueRejectError("rate_limited", "local", `okx ${this.name}: order budget for ${instId} exhausted`);
    }
    if (wait > 0) await new Promise<void>((r) => this.cfg.clock.setTimer(wait, r));
    w.record(this.cfg.clock.nowMs());
  }

  /** The `order` op's arguments (as the REST body too): OKX's field names and decimal strings. */
  private orderArgs(order: OrderRequest, info: InstrumentInfo, clOrdId: string): Obj {
    const args: Obj = {
      instId: info.venueSymbol,
      tdMode: "cash",
      clOrdId,
      side: order.side === Side.Buy ? "buy" : "sell",
      ordType: ordType(order),
      sz: info.qty.format(order.lots),
    };
    if (order.type === "market") args["tgtCcy"] = "base_ccy";
    else args["px"] = info.price.format(order.priceTicks);
    return args;
  }

  private async doSubmit(order: OrderRequest): Promise<string> {
    const info = this.instr.get(order.symbol);
    if (info === undefined)
      throw new VenueRejectError("bad_symbol", "", `okx ${this.name}: unknown symbol ${order.symbol}`);
    let clOrdId: string;
    try {
      clOrdId = toOkxClOrdId(order.clientId);
    } catch (e) {
      throw new VenueRejectError("invalid_request", "", e instanceof Error ? e.message : String(e));
    }
    if (!isOwnOkxClOrdId(clOrdId, this.cfg.clientIdPrefix))
      throw new VenueRejectError("invalid_request", "", `okx ${this.name}: clientId does not carry our prefix`);
    this.clientIds.set(clOrdId, order.clientId);
    prune(this.clientIds);
    const args = this.orderArgs(order, info, clOrdId);
    await this.throttle(info.venueSymbol);
    const postOnly = args["ordType"] === "post_only";
    if (postOnly) this.postOnly.set(clOrdId, { first: undefined, wake: undefined });
    try {
      const res = this.useWs()
        ? await this.wsRequest("order", [args])
        : await this.rest("POST", "/api/v5/trade/order", args);
      const ordId = this.ackOrThrow(res);
      if (!this.tracked.has(clOrdId) && order.type !== "market")
        this.tracked.set(clOrdId, { symbol: order.symbol, cum: 0 });
      if (postOnly) await this.confirmPostOnly(clOrdId);
      return ordId;
    } catch (e) {
      if (!(e instanceof UnknownOutcome)) throw e;
      this.counters["unknownOutcomes"] = (this.counters["unknownOutcomes"] ?? 0) + 1;
      const r = await resolveUnknownOutcome<string>(
        async (): Promise<StatusProbe<string>> => {
          const o = await this.orderStatus(order.symbol, order.clientId);
          return o === undefined ? { found: false } : { found: true, value: o.venueOrderId };
        },
        (ms) => new Promise<void>((res) => this.cfg.clock.setTimer(ms, res)),
      );
      if (r.placed) return r.value;
      throw new VenueRejectError("unknown", "", `okx ${this.name}: not placed (${e.message})`);
    } finally {
      if (postOnly) this.postOnly.delete(clOrdId);
    }
  }

  /**
   * OKX acks a crossing post_only order and then cancels it (cancelSource 31): wait for the order's
   * first push so the caller gets the same typed would_take refusal as on venues that reject outright.
   * No push within postOnlyConfirmMs: the order stands (a later cancel still streams with its reason).
   */
  private async confirmPostOnly(clOrdId: string): Promise<void> {
    const po = this.postOnly.get(clOrdId);
    if (po === undefined) return;
    try {
      if (po.first === undefined && this.priv?.open === true) {
        await new Promise<void>((res) => {
          const timer = this.cfg.clock.setTimer(this.cfg.postOnlyConfirmMs, res);
          po.wake = () => {
            this.cfg.clock.clearTimer(timer);
            res();
          };
        });
      }
    } finally {
      this.postOnly.delete(clOrdId);
    }
    const d = po.first;
    if (d !== undefined && str(d, "state") === "canceled" && str(d, "cancelSource") === CANCEL_SOURCE_POST_ONLY)
      throw new VenueRejectError(
        "would_take",
        CANCEL_SOURCE_POST_ONLY,
        `okx ${this.name}: post_only order canceled: ${str(d, "cancelSourceReason") || "would take liquidity"}`,
      );
  }

  /** The ordId of a single-order response, or a VenueRejectError from its sCode. */
  private ackOrThrow(res: Obj): string {
    const data = res["data"];
    const d = Array.isArray(data) && isObj(data[0]) ? data[0] : undefined;
    const sCode = d === undefined ? str(res, "code") : str(d, "sCode");
    if (sCode === "0" && d !== undefined) return str(d, "ordId");
    if (OKX_UNKNOWN_OUTCOME_CODES.has(sCode)) throw new UnknownOutcome(`sCode ${sCode}`);
    const msg = d === undefined ? str(res, "msg") : str(d, "sMsg");
    throw new VenueRejectError(okxRejectReason(sCode, msg), sCode, `okx ${this.name}: ${msg} (sCode ${sCode})`);
  }

  async cancelOrder(symbol: string, clientId: string): Promise<void> {
    const info = this.instr.get(symbol);
    if (info === undefined) throw new VenueRejectError("bad_symbol", "", `okx ${this.name}: unknown symbol ${symbol}`);
    const args = { instId: info.venueSymbol, clOrdId: toOkxClOrdId(clientId) };
    const res = this.useWs()
      ? await this.wsRequest("cancel-order", [args])
      : await this.rest("POST", "/api/v5/trade/cancel-order", args);
    this.ackOrThrow(res);
  }

  async cancelAll(symbol: string): Promise<number> {
    const open = await this.openOrders(symbol);
    let n = 0;
    for (const o of open) {
      try {
        await this.cancelOrder(symbol, o.clientId);
        n++;
      } catch (e) {
        if (!(e instanceof VenueRejectError && e.reason === "unknown_order")) throw e;
      }
    }
    return n;
  }

  async openOrders(symbol?: string, all = false): Promise<OpenOrder[]> {
    const q =
      symbol === undefined ? "" : `&instId=${encodeURIComponent(this.instr.get(symbol)?.venueSymbol ?? symbol)}`;
    const res = await this.rest("GET", `/api/v5/trade/orders-pending?instType=SPOT${q}`, undefined);
    const data = Array.isArray(res["data"]) ? res["data"] : [];
    const out: OpenOrder[] = [];
    for (const d of data) {
      if (!isObj(d)) continue;
      if (!all && !isOwnOkxClOrdId(str(d, "clOrdId"), this.cfg.clientIdPrefix)) continue;
      const o = this.toOpenOrder(d);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  async orderStatus(symbol: string, clientId: string): Promise<OpenOrder | undefined> {
    const info = this.instr.get(symbol);
    if (info === undefined) throw new VenueRejectError("bad_symbol", "", `okx ${this.name}: unknown symbol ${symbol}`);
    try {
      const res = await this.rest(
        "GET",
        `/api/v5/trade/order?instId=${encodeURIComponent(info.venueSymbol)}&clOrdId=${toOkxClOrdId(clientId)}`,
        undefined,
      );
      const d = Array.isArray(res["data"]) ? res["data"][0] : undefined;
      if (!isObj(d)) return undefined;
      return this.toOpenOrder(d);
    } catch (e) {
      if (e instanceof VenueRejectError && e.reason === "unknown_order") return undefined;
      throw e;
    }
  }

  private toOpenOrder(d: Obj): OpenOrder | undefined {
    const info = this.instr.get(str(d, "instId"));
    if (info === undefined) return undefined;
    const clOrdId = str(d, "clOrdId");
    const st = str(d, "state");
    const status: OrderStatus =
      st === "live" ? "new" : st === "partially_filled" ? "partially_filled" : st === "filled" ? "filled" : "canceled";
    const px = str(d, "px");
    return {
      symbol: info.symbol,
      clientId: this.engineId(clOrdId),
      venueOrderId: str(d, "ordId"),
      side: str(d, "side") === "sell" ? Side.Sell : Side.Buy,
      priceTicks: (px === "" ? 0 : info.price.parse(px)) as Ticks,
      origLots: info.qty.parse(str(d, "sz") || "0") as Lots,
      cumLots: info.qty.parse(str(d, "accFillSz") || "0") as Lots,
      status,
    };
  }

  async balances(): Promise<Balance[]> {
    const res = await this.rest("GET", "/api/v5/account/balance", undefined);
    const out: Balance[] = [];
    const data = Array.isArray(res["data"]) ? res["data"] : [];
    for (const acct of data) {
      if (!isObj(acct) || !Array.isArray(acct["details"])) continue;
      for (const d of acct["details"]) {
        if (!isObj(d)) continue;
        out.push({ asset: str(d, "ccy"), free: str(d, "availBal") || "0", locked: str(d, "frozenBal") || "0" });
      }
    }
    return out;
  }
}

/** An order type the venue itself ends when it cannot fill (IOC, FOK, market): its cancel means expired. */
function endedByVenue(d: Obj): boolean {
  const t = str(d, "ordType");
  return t === "ioc" || t === "fok" || t === "market" || t === "optimal_limit_ioc";
}

/** Fresh socket state. */
function newConn(ws: WebSocket, nowMs: number): Conn {
  return { ws, lastRecvMs: nowMs, pingSentMs: 0, open: false, openedMs: nowMs };
}

/** OKX ordType for an engine order. */
function ordType(o: OrderRequest): string {
  if (o.type === "market") return "market";
  if (o.type === "limit_maker") return "post_only";
  return o.tif === "IOC" ? "ioc" : o.tif === "FOK" ? "fok" : "limit";
}

/** First [px, sz] of a level array, if well-formed. */
function firstLevel(v: unknown): [string, string] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const l: unknown = v[0];
  if (!Array.isArray(l)) return undefined;
  const p: unknown = l[0];
  const q: unknown = l[1];
  return typeof p === "string" && typeof q === "string" ? [p, q] : undefined;
}

/** OKX fees are negative when charged; the engine reports a charged fee as positive. */
export function negateDecimal(s: string): string {
  if (s.startsWith("-")) return s.slice(1);
  if (/^0*(\.0*)?$/.test(s)) return s;
  return `-${s}`;
}

/** An InstrumentInfo from one /api/v5/public/instruments row (instId maps 1:1 to the symbol). */
export function parseInstrument(d: Obj): InstrumentInfo {
  const instId = str(d, "instId");
  if (!/^[A-Z0-9]+-[A-Z0-9]+$/.test(instId)) throw new Error(`instrument instId ${JSON.stringify(instId)}`);
  const price = new DecimalGrid(str(d, "tickSz"));
  const qty = new DecimalGrid(str(d, "lotSz"));
  const minSz = qty.parse(str(d, "minSz") || "0");
  const maxSz = str(d, "maxLmtSz");
  const maxLots = maxSz === "" ? 0 : qty.parse(maxSz);
  if (Number.isNaN(minSz)) throw new Error(`instrument ${instId}: minSz off the lot grid`);
  return {
    symbol: instId,
    venueSymbol: instId,
    base: str(d, "baseCcy"),
    quote: str(d, "quoteCcy"),
    price,
    qty,
    minQtyLots: minSz as Lots,
    maxQtyLots: (Number.isNaN(maxLots) ? 0 : maxLots) as Lots,
    minNotional: "0",
    maxNotional: str(d, "maxLmtAmt") || "0",
    trading: str(d, "state") === "live",
  };
}

/** Factory used by the venue registry. */
export function createOkxAdapter(cfg: OkxConfig): OkxAdapter {
  return new OkxAdapter(cfg);
}
