/**
 * Fault-injection control of the OKX simulator: one object tests call in-process, and the same
 * functions over a separate admin port guarded by a bearer token, so trading keys never reach them
 * (reference §F). Mirrors the Binance simulator's SimAdmin where OKX has the same fault.
 */
import type { Server } from "bun";
import {
  adminField,
  adminFrameFault,
  type CorruptField,
  checkFrameFault,
  FRAME_CORRUPTIONS,
  type FrameCorruption,
  type SimCore,
  type SimSymbol,
  startAdminHttp,
} from "../core/index.ts";
import { OKX_CHANNELS, OKX_CONN_KINDS, type OkxChannel, type OkxConnKind, type OkxFaultCounters } from "./faults.ts";
import { OKX_LIMITED_ENDPOINTS, type OkxLimitedEndpoint } from "./limits.ts";
import type { OkxServer } from "./server.ts";
import { okxSz } from "./symbols.ts";
import type { OkxVenue } from "./venue.ts";

/** Public channels the corruption knob targets. */
export type OkxMarketChannel = "books" | "bbo-tbt" | "trades";
const MARKET_CHANNELS: readonly OkxMarketChannel[] = ["books", "bbo-tbt", "trades"];
/** Corruptions a channel takes: crossed only means something on a book. */
const NOT_CROSSED = FRAME_CORRUPTIONS.filter((k) => k !== "crossed");

/** Options of a corruption knob: which upcoming push, which value, what garbage. */
export interface OkxCorruptOptions {
  /** The n-th (1-based) upcoming push (default 1). */
  readonly n?: number;
  /** The value an out-of-range kind hits (default price). */
  readonly field?: CorruptField;
  /** The text a garbage frame carries (default a fixed non-JSON text). */
  readonly text?: string;
}

/** The simulator's second account, used by `trade` to hit resting orders of the test account. */
export const OKX_SIM_OTHER_ACCOUNT = "okx-sim-other";

/** Fault counters plus open sockets per kind. */
export type OkxAdminCounters = OkxFaultCounters & {
  connections: Record<OkxConnKind, number>;
  coreEvents: number;
};

/** Fault knobs and inspection of one running OKX simulator. */
export class OkxSimAdmin {
  constructor(
    private readonly venue: OkxVenue,
    private readonly server: OkxServer,
  ) {
    if (!venue.core.hasAccount(OKX_SIM_OTHER_ACCOUNT)) {
      // Plenty of every listed asset, so `trade` is never refused for balance (and still an exact integer
      // of units at OKX's 9 quote decimals, which cap a balance near 9 million).
      const bal: Record<string, string> = {};
      for (const s of venue.core.symbols()) {
        bal[s.base] = "100000";
        bal[s.quote] = "1000000";
      }
      venue.core.createAccount(OKX_SIM_OTHER_ACCOUNT, bal);
    }
  }

  private get core(): SimCore {
    return this.venue.core;
  }

  /** Drops the n-th (1-based) upcoming `books` update of instId: the next one's prevSeqId no longer chains. */
  dropDepthEvent(instId: string, n = 1): void {
    this.venue.state.armBooks(this.inst(instId), "drop", n);
  }

  /** Sends the n-th upcoming `books` update of instId twice. */
  duplicateDepthEvent(instId: string, n = 1): void {
    this.venue.state.armBooks(this.inst(instId), "duplicate", n);
  }

  /** Swaps the n-th upcoming `books` update of instId with the one after it. */
  reorderDepthEvent(instId: string, n = 1): void {
    this.venue.state.armBooks(this.inst(instId), "reorder", n);
  }

  /** Gives the n-th upcoming `books` update of instId a wrong prevSeqId (contents intact). */
  breakSeqChain(instId: string, n = 1): void {
    this.venue.state.armBooks(this.inst(instId), "break", n);
  }

  /**
   * Sends the n-th upcoming push of a public channel of instId corrupted: garbage, truncated JSON, a
   * crossed book (books, bbo-tbt) or a price or size out of range. A corrupted `books` update replaces
   * the real one (the client sees a seqId gap), except crossed, which is the real update plus a level
   * at the best ask. Empty keepalive updates are never corrupted.
   */
  corruptMarketFrame(
    instId: string,
    channel: OkxMarketChannel,
    kind: FrameCorruption,
    opts: OkxCorruptOptions = {},
  ): void {
    if (!MARKET_CHANNELS.includes(channel))
      throw new Error(`corruptMarketFrame: channel must be one of ${MARKET_CHANNELS.join(", ")}`);
    const n = opts.n ?? 1;
    checkFrameFault(kind, channel === "trades" ? NOT_CROSSED : FRAME_CORRUPTIONS, n, `corruptMarketFrame ${channel}`);
    const fault = { kind, field: opts.field ?? "price", ...(opts.text !== undefined ? { text: opts.text } : {}) };
    this.venue.state.corrupt.arm(`${channel}:${this.inst(instId)}`, fault, n);
  }

  /**
   * Sends the n-th upcoming `orders` push corrupted: garbage, truncated JSON or a value out of range
   * (a fill's fillPx/fillSz, an order's px/sz otherwise).
   */
  corruptUserFrame(kind: FrameCorruption, opts: OkxCorruptOptions = {}): void {
    const n = opts.n ?? 1;
    checkFrameFault(kind, NOT_CROSSED, n, "corruptUserFrame");
    const fault = { kind, field: opts.field ?? "price", ...(opts.text !== undefined ? { text: opts.text } : {}) };
    this.venue.state.corrupt.arm("orders", fault, n);
  }

  /** Captures instId's book now and serves it, with its seqId, to the next `count` `books` subscriptions. */
  serveStaleSnapshot(instId: string, count = 1): void {
    this.server.captureStaleSnapshot(this.sym(instId), count);
  }

  /** Closes sockets of a kind (or all): a clean close frame or an abrupt TCP drop. Returns how many. */
  closeConnections(kind: OkxConnKind | "all" = "all", mode: "clean" | "abrupt" = "clean"): number {
    return this.server.closeConnections(kind, mode);
  }

  /** Text "ping" goes unanswered on these sockets while on. */
  ignorePings(on = true, kinds: readonly OkxConnKind[] | "all" = "all"): void {
    for (const k of kinds === "all" ? OKX_CONN_KINDS : kinds)
      if (on) this.venue.state.ignorePings.add(k);
      else this.venue.state.ignorePings.delete(k);
  }

  /** Sockets of these kinds send nothing at all (data, replies, pongs) while on. */
  silence(kinds: readonly OkxConnKind[] | "all" = "all", on = true): void {
    for (const k of kinds === "all" ? OKX_CONN_KINDS : kinds)
      if (on) this.venue.state.silenced.add(k);
      else this.venue.state.silenced.delete(k);
  }

  /**
   * One public channel of instId stops (or resumes) pushing while everything else carries on — the
   * socket, its other channels, pongs: a stalled channel behind a socket that answers. `books` sends
   * neither updates nor keepalives nor a subscribe's snapshot; updates of the freeze are lost.
   */
  freezeChannel(instId: string, channel: OkxChannel, on = true): void {
    if (!OKX_CHANNELS.includes(channel)) throw new Error("field 'channel' must be books, bbo-tbt or trades");
    const key = `${channel}:${this.inst(instId)}`;
    if (on) this.venue.state.frozen.add(key);
    else this.venue.state.frozen.delete(key);
  }

  /** Refuses the next `count` placements with this sCode (and message). */
  rejectNextOrder(sCode: string, msg = "Order rejected (injected fault)", count = 1): void {
    if (!/^\d{5}$/.test(sCode)) throw new Error("field 'sCode' must be a 5-digit OKX code");
    for (let i = 0; i < count; i++) this.venue.state.rejectQueue.push({ sCode, msg });
  }

  /** Places the next `count` orders, then answers them with this 5xx (REST) / sCode 50004 (WS): outcome unknown. */
  failAfterPlace(status = 500, count = 1): void {
    if (!Number.isInteger(status) || status < 500 || status > 599) throw new Error("field 'status' must be 500..599");
    for (let i = 0; i < count; i++) this.venue.state.failAfterPlace.push(status);
  }

  /** Changes the per-instrument placement limit (OKX: 60 per 2 s) and forgets recent requests. */
  setOrderRateLimit(count: number, windowMs: number): void {
    this.setRateLimit("order", count, windowMs);
  }

  /** Changes a trade-history endpoint's per-user limit (OKX: fills 60, fills-history 10 per 2 s). */
  setFillsRateLimit(endpoint: "fills" | "fills-history", count: number, windowMs: number): void {
    if (endpoint !== "fills" && endpoint !== "fills-history")
      throw new Error("field 'endpoint' must be fills or fills-history");
    this.setRateLimit(endpoint, count, windowMs);
  }

  /**
   * Changes one endpoint's limit (OKX_DEFAULT_LIMITS has the documented ones: per user and instrument
   * for order, cancel and amend endpoints and their batch forms, per user for queries) and forgets
   * recent requests.
   */
  setRateLimit(endpoint: OkxLimitedEndpoint, count: number, windowMs: number): void {
    if (!OKX_LIMITED_ENDPOINTS.includes(endpoint))
      throw new Error(`field 'endpoint' must be one of ${OKX_LIMITED_ENDPOINTS.join(", ")}`);
    if (!Number.isInteger(count) || count < 1) throw new Error("field 'count' must be a positive integer");
    if (!Number.isInteger(windowMs) || windowMs < 1) throw new Error("field 'windowMs' must be a positive integer");
    this.venue.state.limits[endpoint] = { count, windowMs };
    this.venue.resetRateLimits();
  }

  /**
   * The next `count` order-entry replies (REST /api/v5/trade/ POSTs and private-socket order ops, batch
   * forms included) are swallowed after the venue acted on the request: the orders are placed, cancelled
   * or amended, the client hears nothing (a REST request stays unanswered, a socket reply is not sent).
   */
  dropOrderReplies(count = 1): void {
    if (!Number.isInteger(count) || count < 1) throw new Error("field 'count' must be a positive integer");
    this.venue.state.dropReplies += count;
  }

  /** Another account trades against resting orders: an IOC limit `side` of `sz` at `px` (decimal strings). */
  trade(instId: string, side: "buy" | "sell", px: string, sz: string): { filled: string } {
    const sym = this.sym(instId);
    const r = this.core.placeOrder({
      accountId: OKX_SIM_OTHER_ACCOUNT,
      symbol: sym.name,
      side: side === "buy" ? "BUY" : "SELL",
      type: "LIMIT",
      timeInForce: "IOC",
      price: px,
      quantity: sz,
    });
    if (!r.ok) throw new Error(`trade refused: ${JSON.stringify(r.reason)}`);
    return { filled: okxSz(sym, r.order.executedLots) };
  }

  /** Pauses (or resumes) the background market agents. */
  pauseMarket(paused = true): void {
    this.core.pauseMarket(paused);
  }

  /** Clears every armed fault and lifts silence. */
  clearFaults(): void {
    this.venue.state.reset();
    this.venue.resetRateLimits();
    const f = this.venue.faults;
    f.rejectNextOrder = undefined;
    f.error5xxAfterPlace = f.breakSeqChain = f.dropBookMessage = f.duplicateBookMessage = false;
    f.staleSnapshot = f.ignorePings = false;
  }

  /** Fault counters and open sockets per kind. */
  counters(): OkxAdminCounters {
    return {
      ...this.venue.state.counters,
      connections: this.server.connectionCounts(),
      coreEvents: this.core.eventCount(),
    };
  }

  private sym(instId: string): SimSymbol {
    const s = this.venue.symbolOf(instId);
    if (s === undefined) throw new Error(`field 'instId': unknown instrument ${JSON.stringify(instId)}`);
    return s;
  }

  private inst(instId: string): string {
    return this.venue.instId(this.sym(instId));
  }
}

/** Reads a positive integer count field (n, count). */
function count(body: Record<string, unknown>, name: string): number {
  const n = adminField<number>(body, name, "number", 1);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new Error(`field '${name}' must be an integer 1..1000000`);
  return n;
}

/** Reads a connection kind field. */
function kind(body: Record<string, unknown>): OkxConnKind | "all" {
  const k = adminField<string>(body, "kind", "string", "all");
  if (k !== "all" && !OKX_CONN_KINDS.includes(k as OkxConnKind))
    throw new Error("field 'kind' must be public, private or all");
  return k as OkxConnKind | "all";
}

/** POST /admin/corruptMarketFrame `{instId, channel, kind, n?, field?, text?}`. */
function corruptMarket(admin: OkxSimAdmin, b: Record<string, unknown>): void {
  const channel = adminField<string>(b, "channel", "string");
  if (!MARKET_CHANNELS.includes(channel as OkxMarketChannel))
    throw new Error(`field 'channel' must be one of ${MARKET_CHANNELS.join(", ")}`);
  const { fault, n } = adminFrameFault(b, channel === "trades" ? NOT_CROSSED : FRAME_CORRUPTIONS);
  admin.corruptMarketFrame(adminField(b, "instId", "string"), channel as OkxMarketChannel, fault.kind, { ...fault, n });
}

/** Dispatches one admin HTTP call to the OkxSimAdmin method of that name. */
function dispatch(admin: OkxSimAdmin, name: string, b: Record<string, unknown>): unknown {
  switch (name) {
    case "dropDepthEvent":
      return admin.dropDepthEvent(adminField(b, "instId", "string"), count(b, "n"));
    case "duplicateDepthEvent":
      return admin.duplicateDepthEvent(adminField(b, "instId", "string"), count(b, "n"));
    case "reorderDepthEvent":
      return admin.reorderDepthEvent(adminField(b, "instId", "string"), count(b, "n"));
    case "breakSeqChain":
      return admin.breakSeqChain(adminField(b, "instId", "string"), count(b, "n"));
    case "serveStaleSnapshot":
      return admin.serveStaleSnapshot(adminField(b, "instId", "string"), count(b, "count"));
    case "corruptMarketFrame":
      return corruptMarket(admin, b);
    case "corruptUserFrame": {
      const channel = adminField<string>(b, "channel", "string", "orders");
      if (channel !== "orders") throw new Error("field 'channel' must be orders");
      const { fault, n } = adminFrameFault(b, NOT_CROSSED);
      return admin.corruptUserFrame(fault.kind, { ...fault, n });
    }
    case "closeConnections": {
      const mode = adminField<string>(b, "mode", "string", "clean");
      if (mode !== "clean" && mode !== "abrupt") throw new Error("field 'mode' must be clean or abrupt");
      return { closed: admin.closeConnections(kind(b), mode) };
    }
    case "ignorePings": {
      const k = kind(b);
      return admin.ignorePings(adminField(b, "on", "boolean", true), k === "all" ? "all" : [k]);
    }
    case "silence": {
      const k = kind(b);
      return admin.silence(k === "all" ? "all" : [k], adminField(b, "on", "boolean", true));
    }
    case "freezeChannel":
      return admin.freezeChannel(
        adminField(b, "instId", "string"),
        adminField<string>(b, "channel", "string") as OkxChannel,
        adminField(b, "on", "boolean", true),
      );
    case "rejectNextOrder":
      return admin.rejectNextOrder(
        adminField(b, "sCode", "string"),
        adminField(b, "msg", "string", "Order rejected (injected fault)"),
        count(b, "count"),
      );
    case "failAfterPlace":
      return admin.failAfterPlace(adminField(b, "status", "number", 500), count(b, "count"));
    case "setOrderRateLimit":
      return admin.setOrderRateLimit(adminField(b, "count", "number"), adminField(b, "windowMs", "number"));
    case "setFillsRateLimit": {
      const endpoint = adminField<string>(b, "endpoint", "string");
      if (endpoint !== "fills" && endpoint !== "fills-history")
        throw new Error("field 'endpoint' must be fills or fills-history");
      return admin.setFillsRateLimit(endpoint, adminField(b, "count", "number"), adminField(b, "windowMs", "number"));
    }
    case "setRateLimit":
      return admin.setRateLimit(
        adminField<string>(b, "endpoint", "string") as OkxLimitedEndpoint,
        adminField(b, "count", "number"),
        adminField(b, "windowMs", "number"),
      );
    case "dropOrderReplies":
      return admin.dropOrderReplies(count(b, "count"));
    case "trade": {
      const side = adminField<string>(b, "side", "string");
      if (side !== "buy" && side !== "sell") throw new Error("field 'side' must be buy or sell");
      return admin.trade(
        adminField(b, "instId", "string"),
        side,
        adminField(b, "px", "string"),
        adminField(b, "sz", "string"),
      );
    }
    case "pauseMarket":
      return admin.pauseMarket(adminField(b, "paused", "boolean", true));
    case "clearFaults":
      return admin.clearFaults();
    case "counters":
      return admin.counters();
    default:
      throw new Error(`unknown admin function '${name}'`);
  }
}

/** Starts the admin HTTP server (127.0.0.1, its own port, `Authorization: Bearer <token>`). */
export function startOkxAdminServer(admin: OkxSimAdmin, port: number, token: string): Server<undefined> {
  return startAdminHttp(port, token, (fn, body) => dispatch(admin, fn, body));
}
