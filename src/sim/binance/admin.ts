/**
 * The fault-injection control API: one object tests call in-process, and the same functions over a
 * separate admin port guarded by a token, so trading keys can never reach them (reference §F).
 */
import type { Server } from "bun";
import {
  adminField,
  adminFrameFault,
  type CorruptField,
  checkFrameFault,
  FRAME_CORRUPTIONS,
  type FrameCorruption,
  type SymbolStatus,
  startAdminHttp,
} from "../core/index.ts";
import { type ConnKind, type SimCounters, STREAM_KINDS, type StreamKind } from "./faults.ts";
import type { RateLimitConfig } from "./ratelimit.ts";
import type { SimServer } from "./server.ts";
import type { UserData } from "./userdata.ts";
import type { BinanceVenue } from "./venue.ts";

const KINDS: readonly ConnKind[] = ["market", "wsapi", "user"];

/** Market streams the corruption knob targets (every depth stream of the symbol for "depth"). */
export type MarketStreamKind = "depth" | "bookTicker" | "trade";
const MARKET_STREAMS: readonly MarketStreamKind[] = ["depth", "bookTicker", "trade"];
/** User-data events the corruption knob targets. */
export type UserEventKind = "executionReport" | "outboundAccountPosition";
const USER_EVENTS: readonly UserEventKind[] = ["executionReport", "outboundAccountPosition"];
/** Corruptions a stream takes: crossed only means something on a book. */
const NOT_CROSSED = FRAME_CORRUPTIONS.filter((k) => k !== "crossed");

/** Options of a corruption knob: which upcoming frame, which value, what garbage. */
export interface CorruptOptions {
  /** The n-th (1-based) upcoming frame (default 1). */
  readonly n?: number;
  /** The value an out-of-range kind hits (default price). */
  readonly field?: CorruptField;
  /** The text a garbage frame carries (default a fixed non-JSON text). */
  readonly text?: string;
}

/** Counters plus open connections per kind. */
export type AdminCounters = SimCounters & {
  connections: Record<ConnKind, number>;
  rateLimit429: number;
  rateLimit418: number;
  coreEvents: number;
};

/** Fault knobs and inspection of one running simulator. */
export class SimAdmin {
  constructor(
    private readonly venue: BinanceVenue,
    private readonly server: SimServer,
    private readonly userData: UserData,
  ) {}

  /** Drops the n-th (1-based) upcoming diff-depth event of symbol (every depth stream of it). */
  dropDepthEvent(symbol: string, n = 1): void {
    this.venue.faults.armDepth(this.depthStreams(symbol), "drop", n);
  }

  /** Sends the n-th upcoming diff-depth event of symbol twice. */
  duplicateDepthEvent(symbol: string, n = 1): void {
    this.venue.faults.armDepth(this.depthStreams(symbol), "duplicate", n);
  }

  /** Swaps the n-th upcoming diff-depth event of symbol with the one after it. */
  reorderDepthEvent(symbol: string, n = 1): void {
    this.venue.faults.armDepth(this.depthStreams(symbol), "reorder", n);
  }

  /**
   * Sends the n-th upcoming frame of a market stream of symbol corrupted (every depth stream of it for
   * "depth"): garbage, truncated JSON, a crossed book (depth, bookTicker), or a price or quantity out of
   * range. A corrupted depth event replaces the real one (the client sees a gap), except crossed, which
   * is the real event plus a crossing level.
   */
  corruptMarketFrame(symbol: string, stream: MarketStreamKind, kind: FrameCorruption, opts: CorruptOptions = {}): void {
    if (!MARKET_STREAMS.includes(stream))
      throw new Error(`corruptMarketFrame: stream must be one of ${MARKET_STREAMS.join(", ")}`);
    const n = opts.n ?? 1;
    checkFrameFault(kind, stream === "trade" ? NOT_CROSSED : FRAME_CORRUPTIONS, n, `corruptMarketFrame ${stream}`);
    const depth = this.depthStreams(symbol); // also refuses an unknown symbol
    const keys = stream === "depth" ? depth : [`${symbol.toLowerCase()}@${stream}`];
    const fault = { kind, field: opts.field ?? "price", ...(opts.text !== undefined ? { text: opts.text } : {}) };
    for (const key of keys) this.venue.faults.corrupt.arm(key, fault, n);
  }

  /**
   * Sends the n-th upcoming user-data event of a type corrupted, on every stream that carries it
   * (listenKey streams and WS API subscriptions): garbage, truncated JSON or a value out of range (an
   * executionReport's last price/quantity on a fill, its order price/quantity otherwise).
   */
  corruptUserFrame(event: UserEventKind, kind: FrameCorruption, opts: CorruptOptions = {}): void {
    if (!USER_EVENTS.includes(event))
      throw new Error(`corruptUserFrame: event must be one of ${USER_EVENTS.join(", ")}`);
    const n = opts.n ?? 1;
    checkFrameFault(kind, NOT_CROSSED, n, "corruptUserFrame");
    const fault = { kind, field: opts.field ?? "price", ...(opts.text !== undefined ? { text: opts.text } : {}) };
    this.venue.faults.corrupt.arm(`user:${event}`, fault, n);
  }

  /** Captures symbol's snapshot now and serves it to the next `count` /depth requests (any limit). */
  serveStaleSnapshot(symbol: string, count = 1, limit = 1000): void {
    const sym = this.venue.core.symbol(symbol);
    if (sym === undefined) throw new Error(`serveStaleSnapshot: unknown symbol ${symbol}`);
    this.venue.faults.staleSnapshots.set(sym.name, { body: this.venue.liveDepthBody(sym, limit), remaining: count });
  }

  /** Closes connections of a kind (or all): a clean close frame or an abrupt TCP drop. Returns how many. */
  closeConnections(kind: ConnKind | "all" = "all", mode: "clean" | "abrupt" = "clean"): number {
    return this.server.closeConnections(kind, mode);
  }

  /**
   * Stops answering the WS API `ping` method. (Ping frames are always answered by the socket layer;
   * use silence() for a connection that goes quiet.)
   */
  ignorePings(on = true): void {
    if (on) this.venue.faults.ignorePings.add("wsapi");
    else this.venue.faults.ignorePings.delete("wsapi");
  }

  /** Connections of these kinds stop sending anything (data, replies, pings) while on. */
  silence(kinds: readonly ConnKind[] | "all" = "all", on = true): void {
    this.server.silence(kinds === "all" ? KINDS : kinds, on);
  }

  /**
   * One market stream of symbol stops (or resumes) while everything else on its connections carries
   * on — the other streams, control replies, pings: a stalled stream behind a socket that answers.
   * Events during the freeze are lost (depth resumes with a gap).
   */
  freezeStream(symbol: string, stream: StreamKind, on = true): void {
    if (this.venue.core.symbol(symbol) === undefined) throw new Error(`field 'symbol': unknown symbol ${symbol}`);
    if (!STREAM_KINDS.includes(stream)) throw new Error("field 'stream' must be depth, bookTicker or trade");
    const l = symbol.toLowerCase();
    const names = stream === "depth" ? this.server.hub.depthStreams(symbol) : [`${l}@${stream}`];
    for (const n of names)
      if (on) this.venue.faults.frozenStreams.add(n);
      else this.venue.faults.frozenStreams.delete(n);
  }

  /** The server stops (or resumes) its keepalive pings. */
  stopPings(on = true): void {
    this.venue.faults.stopPings = on;
  }

  /** Delays the next `count` responses (-1 = all until cleared with ms 0) of REST and/or the WS API. */
  delayResponses(ms: number, opts: { kinds?: ReadonlyArray<"rest" | "wsapi">; count?: number } = {}): void {
    const f = this.venue.faults;
    f.delayMs = Math.max(0, ms);
    f.delayRemaining = opts.count ?? -1;
    f.delayKinds = new Set(opts.kinds ?? ["rest", "wsapi"]);
  }

  /** Refuses the next `count` new orders with this Binance code (and message). */
  rejectNextOrder(code: number, msg?: string, count = 1): void {
    for (let i = 0; i < count; i++) this.venue.faults.rejectQueue.push(msg === undefined ? { code } : { code, msg });
  }

  /** Places the next `count` orders, then answers them with this 5xx status (outcome unknown to the client). */
  failAfterPlace(status = 503, count = 1): void {
    for (let i = 0; i < count; i++) this.venue.faults.failAfterPlace.push(status);
  }

  /** Shifts the venue's clock by ms for everything it reports (/time, event E) and checks (recvWindow). */
  skewClock(ms: number): void {
    this.venue.faults.clockSkewMs = ms;
  }

  /** Pauses (or resumes) the background market agents. */
  pauseMarket(paused = true): void {
    this.venue.core.pauseMarket(paused);
  }

  /** Changes a symbol's status (orders get -2010 "Market is closed." unless TRADING). */
  setSymbolStatus(symbol: string, status: SymbolStatus): boolean {
    return this.venue.core.setSymbolStatus(symbol, status);
  }

  /** Replaces some rate limits (and clears counters and bans). */
  setRateLimits(limits: Partial<RateLimitConfig>): void {
    this.venue.limiter.config = { ...this.venue.limiter.config, ...limits };
    this.venue.limiter.reset();
  }

  /** Clears rate-limit counters and IP bans. */
  resetRateLimits(): void {
    this.venue.limiter.reset();
  }

  /** Expires a listenKey now (its streams get listenKeyExpired). */
  expireListenKey(listenKey: string): boolean {
    return this.userData.expireNow(listenKey);
  }

  /** Clears every armed fault. */
  clearFaults(): void {
    this.venue.faults.reset();
    this.server.silence(KINDS, false);
  }

  /** Bad-input, fault and traffic counters, and open connections per kind. */
  counters(): AdminCounters {
    const connections: Record<ConnKind, number> = { market: 0, wsapi: 0, user: 0 };
    for (const ws of this.server.connections()) connections[ws.data.kind]++;
    return {
      ...this.venue.counters,
      connections,
      rateLimit429: this.venue.limiter.rejected429,
      rateLimit418: this.venue.limiter.rejected418,
      coreEvents: this.venue.core.eventCount(),
    };
  }

  private depthStreams(symbol: string): string[] {
    if (this.venue.core.symbol(symbol) === undefined) throw new Error(`unknown symbol ${symbol}`);
    return this.server.hub.depthStreams(symbol);
  }
}

const RESPONSE_KINDS: ReadonlyArray<"rest" | "wsapi"> = ["rest", "wsapi"];

/** The `kinds` field of delayResponses: a non-empty list of rest / wsapi (default both). */
function responseKinds(b: Record<string, unknown>): ReadonlyArray<"rest" | "wsapi"> {
  const k = b["kinds"];
  if (k === undefined) return RESPONSE_KINDS;
  const ok = Array.isArray(k) && k.length > 0 && k.every((x) => RESPONSE_KINDS.includes(x as "rest"));
  if (!ok) throw new Error('field \'kinds\' must be a non-empty array of "rest" and/or "wsapi"');
  return k as ReadonlyArray<"rest" | "wsapi">;
}

/** POST /admin/corruptMarketFrame `{symbol, stream, kind, n?, field?, text?}`. */
function corruptMarket(admin: SimAdmin, b: Record<string, unknown>): void {
  const stream = adminField<string>(b, "stream", "string");
  if (!MARKET_STREAMS.includes(stream as MarketStreamKind))
    throw new Error(`field 'stream' must be one of ${MARKET_STREAMS.join(", ")}`);
  const { fault, n } = adminFrameFault(b, stream === "trade" ? NOT_CROSSED : FRAME_CORRUPTIONS);
  admin.corruptMarketFrame(adminField(b, "symbol", "string"), stream as MarketStreamKind, fault.kind, { ...fault, n });
}

/** POST /admin/corruptUserFrame `{event?, kind, n?, field?, text?}` (event default executionReport). */
function corruptUser(admin: SimAdmin, b: Record<string, unknown>): void {
  const event = adminField<string>(b, "event", "string", "executionReport");
  if (!USER_EVENTS.includes(event as UserEventKind))
    throw new Error(`field 'event' must be one of ${USER_EVENTS.join(", ")}`);
  const { fault, n } = adminFrameFault(b, NOT_CROSSED);
  admin.corruptUserFrame(event as UserEventKind, fault.kind, { ...fault, n });
}

/** Dispatches one admin HTTP call to the SimAdmin method of that name. */
function dispatch(admin: SimAdmin, name: string, b: Record<string, unknown>): unknown {
  const kind = (d: string): ConnKind | "all" => {
    const k = adminField<string>(b, "kind", "string", d);
    if (k !== "all" && !KINDS.includes(k as ConnKind))
      throw new Error("field 'kind' must be market, wsapi, user or all");
    return k as ConnKind | "all";
  };
  switch (name) {
    case "dropDepthEvent":
      return admin.dropDepthEvent(adminField(b, "symbol", "string"), adminField(b, "n", "number", 1));
    case "duplicateDepthEvent":
      return admin.duplicateDepthEvent(adminField(b, "symbol", "string"), adminField(b, "n", "number", 1));
    case "reorderDepthEvent":
      return admin.reorderDepthEvent(adminField(b, "symbol", "string"), adminField(b, "n", "number", 1));
    case "serveStaleSnapshot":
      return admin.serveStaleSnapshot(
        adminField(b, "symbol", "string"),
        adminField(b, "count", "number", 1),
        adminField(b, "limit", "number", 1000),
      );
    case "corruptMarketFrame":
      return corruptMarket(admin, b);
    case "corruptUserFrame":
      return corruptUser(admin, b);
    case "closeConnections": {
      const mode = adminField<string>(b, "mode", "string", "clean");
      if (mode !== "clean" && mode !== "abrupt") throw new Error("field 'mode' must be clean or abrupt");
      return { closed: admin.closeConnections(kind("all"), mode) };
    }
    case "ignorePings":
      return admin.ignorePings(adminField(b, "on", "boolean", true));
    case "silence": {
      const k = kind("all");
      return admin.silence(k === "all" ? "all" : [k], adminField(b, "on", "boolean", true));
    }
    case "stopPings":
      return admin.stopPings(adminField(b, "on", "boolean", true));
    case "freezeStream":
      return admin.freezeStream(
        adminField(b, "symbol", "string"),
        adminField<string>(b, "stream", "string") as StreamKind,
        adminField(b, "on", "boolean", true),
      );
    case "delayResponses":
      return admin.delayResponses(adminField(b, "ms", "number"), {
        kinds: responseKinds(b),
        count: adminField(b, "count", "number", -1),
      });
    case "rejectNextOrder": {
      const msg = b["msg"];
      return admin.rejectNextOrder(
        adminField(b, "code", "number"),
        typeof msg === "string" ? msg : undefined,
        adminField(b, "count", "number", 1),
      );
    }
    case "failAfterPlace":
      return admin.failAfterPlace(adminField(b, "status", "number", 503), adminField(b, "count", "number", 1));
    case "skewClock":
      return admin.skewClock(adminField(b, "ms", "number"));
    case "pauseMarket":
      return admin.pauseMarket(adminField(b, "paused", "boolean", true));
    case "setSymbolStatus":
      return admin.setSymbolStatus(
        adminField(b, "symbol", "string"),
        adminField(b, "status", "string") as SymbolStatus,
      );
    case "setRateLimits":
      return admin.setRateLimits(adminField(b, "limits", "object"));
    case "resetRateLimits":
      return admin.resetRateLimits();
    case "expireListenKey":
      return admin.expireListenKey(adminField(b, "listenKey", "string"));
    case "clearFaults":
      return admin.clearFaults();
    case "counters":
      return admin.counters();
    default:
      throw new Error(`unknown admin function '${name}'`);
  }
}

/** Starts the admin HTTP server (127.0.0.1, its own port, `Authorization: Bearer <token>`). */
export function startAdminServer(admin: SimAdmin, port: number, token: string): Server<undefined> {
  return startAdminHttp(port, token, (fn, body) => dispatch(admin, fn, body));
}
