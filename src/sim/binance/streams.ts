/**
 * Binance market streams derived from the core's book and trade events: diff depth (`@depth`,
 * `@depth@100ms`) with contiguous U/u, partial depth, `@bookTicker`, `@trade`, plus the
 * SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS control protocol (reference §A.2–A.4). Depth faults
 * (drop, duplicate, reorder) and frame corruption are applied here, at the single point where an event
 * leaves.
 */
import type { Clock, TimerId } from "../../services/index.ts";
import { Side } from "../../types/index.ts";
import type { CoreListener, FrameFault, SimCore, SimSymbol } from "../core/index.ts";
import type { ConnData, SimSocket } from "./conn.ts";
import { corruptBookTicker, corruptDepth, corruptTrade, type Outgoing } from "./corrupt.ts";
import type { FaultState, SimCounters } from "./faults.ts";

/** Where stream payloads go: the server fans them out to raw and combined subscribers. */
export interface StreamPublisher {
  /**
   * Sends payload (raw JSON) to every subscriber of stream, raw or in the combined wrapper; `mangle`
   * (a corruption knob) rewrites each whole frame, wrapper included, just before it goes out.
   */
  publish(stream: string, payload: string, mangle?: (frame: string) => string): void;
  /** Subscribers of stream (skip building payloads nobody reads). */
  subscribers(stream: string): number;
}

/** Changed levels of one symbol since the last event of one diff-depth stream. */
class DepthAggregator {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  firstU = 0;
  lastU = 0;
  /** u of the last event built (0 before the first). */
  prevU = 0;
  /** Event held back by the reorder fault. */
  held: Outgoing | undefined;

  constructor(
    readonly sym: SimSymbol,
    readonly stream: string,
  ) {}

  level(updateId: number, side: number, ticks: number, lots: number): void {
    (side === Side.Buy ? this.bids : this.asks).set(ticks, lots);
    if (this.firstU === 0) this.firstU = updateId;
    this.lastU = updateId;
  }

  /** Builds the pending event (or undefined when nothing changed) and starts a new one. */
  take(eventTimeMs: number, build: boolean): string | undefined {
    if (this.firstU === 0) return undefined;
    const U = this.prevU > 0 ? this.prevU + 1 : this.firstU;
    const u = this.lastU;
    this.prevU = u;
    this.firstU = 0;
    let out: string | undefined;
    if (build) {
      out = `{"e":"depthUpdate","E":${eventTimeMs},"s":"${this.sym.name}","U":${U},"u":${u},"b":${levels(
        this.sym,
        this.bids,
        true,
      )},"a":${levels(this.sym, this.asks, false)}}`;
    }
    this.bids.clear();
    this.asks.clear();
    return out;
  }
}

/** `[["price","qty"],…]` of a level map, best first. */
function levels(sym: SimSymbol, m: Map<number, number>, desc: boolean): string {
  if (m.size === 0) return "[]";
  const keys = [...m.keys()].sort(desc ? (a, b) => b - a : (a, b) => a - b);
  let s = "[";
  for (let i = 0; i < keys.length; i++) {
    const t = keys[i] as number;
    if (i > 0) s += ",";
    s += `["${sym.formatPrice(t)}","${sym.formatQty(m.get(t) as number)}"]`;
  }
  return `${s}]`;
}

const STREAM_RE = /^([a-z0-9]+)@(depth(?:@100ms)?|depth(?:5|10|20)(?:@100ms|@1000ms)?|bookTicker|trade)$/;

/** Options of the market hub. */
export interface MarketHubOptions {
  readonly core: SimCore;
  readonly clock: Clock;
  readonly publisher: StreamPublisher;
  readonly faults: FaultState;
  readonly counters: SimCounters;
  readonly serverTime: () => number;
  /** One-way market-data delay (0 = none). */
  readonly marketDataMs: number;
}

/** Builds and publishes every market stream of one simulator. */
export class MarketHub {
  private readonly fast = new Map<string, DepthAggregator>();
  private readonly slow = new Map<string, DepthAggregator>();
  private readonly lower = new Map<string, SimSymbol>();
  /** Per symbol index: its @bookTicker and @trade stream names (built once, not per event). */
  private readonly tickerStream: string[] = [];
  private readonly tradeStream: string[] = [];
  private readonly timers: TimerId[] = [];
  private readonly detach: () => void;
  /** Subscriptions to partial-depth streams (maintained by the server), to skip their work when zero. */
  partialSubs = 0;

  constructor(private readonly o: MarketHubOptions) {
    for (const s of o.core.symbols()) {
      const l = s.name.toLowerCase();
      this.lower.set(l, s);
      this.tickerStream[s.index] = `${l}@bookTicker`;
      this.tradeStream[s.index] = `${l}@trade`;
      this.fast.set(s.name, new DepthAggregator(s, `${l}@depth@100ms`));
      this.slow.set(s.name, new DepthAggregator(s, `${l}@depth`));
    }
    this.detach = o.core.addListener(this.listener());
    this.timers.push(o.clock.setRepeating(100, () => this.flush(this.fast, 100)));
    this.timers.push(o.clock.setRepeating(1000, () => this.flush(this.slow, 1000)));
  }

  /** Stops the flush timers and core callbacks. */
  close(): void {
    for (const t of this.timers) this.o.clock.clearTimer(t);
    this.detach();
  }

  /** The depth-stream names of a symbol that depth faults apply to. */
  depthStreams(symbol: string): string[] {
    const l = symbol.toLowerCase();
    return [`${l}@depth@100ms`, `${l}@depth`];
  }

  /** True when name is a partial book depth stream (`@depth5|10|20`). */
  static isPartial(name: string): boolean {
    return /@depth(?:5|10|20)/.test(name);
  }

  /** True when name is a market stream of a listed symbol. */
  isStream(name: string): boolean {
    const m = STREAM_RE.exec(name);
    return m !== null && this.lower.has(m[1] as string);
  }

  private listener(): CoreListener {
    return {
      onBookLevel: (sym, updateId, side, ticks, lots) => {
        this.fast.get(sym.name)?.level(updateId, side, ticks, lots);
        this.slow.get(sym.name)?.level(updateId, side, ticks, lots);
      },
      onBookTop: (sym, updateId, bidTicks, bidLots, askTicks, askLots) => {
        const stream = this.tickerStream[sym.index] as string;
        if (this.o.publisher.subscribers(stream) === 0) return;
        const payload = `{"u":${updateId},"s":"${sym.name}","b":"${sym.formatPrice(bidTicks)}","B":"${sym.formatQty(bidLots)}","a":"${sym.formatPrice(askTicks)}","A":"${sym.formatQty(askLots)}"}`;
        this.sendMaybeCorrupt(stream, payload, (p, f) => corruptBookTicker(p, f, sym));
      },
      onTrade: (sym, tradeId, priceTicks, lots, buyerIsMaker, timeMs) => {
        const stream = this.tradeStream[sym.index] as string;
        if (this.o.publisher.subscribers(stream) === 0) return;
        const payload = `{"e":"trade","E":${this.o.serverTime()},"s":"${sym.name}","t":${tradeId},"p":"${sym.formatPrice(priceTicks)}","q":"${sym.formatQty(lots)}","T":${timeMs},"m":${buyerIsMaker},"M":true}`;
        this.sendMaybeCorrupt(stream, payload, corruptTrade);
      },
    };
  }

  private flush(aggs: Map<string, DepthAggregator>, periodMs: number): void {
    const now = this.o.serverTime();
    const partials = this.partialSubs > 0;
    for (const agg of aggs.values()) {
      const listened = this.o.publisher.subscribers(agg.stream) > 0;
      const payload = agg.take(now, listened);
      if (payload !== undefined) this.emitDepth(agg, payload);
      if (partials) this.partials(agg.sym, periodMs);
    }
  }

  /** Sends a diff-depth event through the armed faults (drop, duplicate, reorder, corruption). */
  private emitDepth(agg: DepthAggregator, payload: string): void {
    const c = this.o.counters;
    if (this.frozen(agg.stream)) return;
    const fault = this.o.faults.nextDepthFault(agg.stream);
    if (fault === "drop") {
      c.depthEventsDropped++;
      return;
    }
    const out = this.corrupted(agg.stream, payload, (p, f) => corruptDepth(p, f, agg.sym, this.o.core));
    if (fault === "reorder" && agg.held === undefined) {
      agg.held = out;
      c.depthEventsReordered++;
      return;
    }
    this.send(agg.stream, out.payload, out.mangle);
    c.depthEventsSent++;
    if (fault === "duplicate") {
      this.send(agg.stream, out.payload, out.mangle);
      c.depthEventsDuplicated++;
    }
    if (agg.held !== undefined) {
      const h = agg.held;
      agg.held = undefined;
      this.send(agg.stream, h.payload, h.mangle);
      c.depthEventsSent++;
    }
  }

  /** The payload as it goes out: corrupted when a fault is armed on this stream's next frame (counted). */
  private corrupted(stream: string, payload: string, corrupt: (payload: string, f: FrameFault) => Outgoing): Outgoing {
    const f = this.o.faults.corrupt.has(stream) ? this.o.faults.corrupt.next(stream) : undefined;
    if (f === undefined) return { payload };
    this.o.counters.corruptedMarketFrames++;
    return corrupt(payload, f);
  }

  /** Sends a bookTicker or trade frame, corrupted when a fault is armed on it. */
  private sendMaybeCorrupt(
    stream: string,
    payload: string,
    corrupt: (payload: string, f: FrameFault) => Outgoing,
  ): void {
    const out = this.corrupted(stream, payload, corrupt);
    this.send(stream, out.payload, out.mangle);
  }

  /** Partial book depth streams (`@depth5|10|20[@100ms]`): full top-N snapshots. */
  private partials(sym: SimSymbol, periodMs: number): void {
    const l = sym.name.toLowerCase();
    const suffix = periodMs === 100 ? "@100ms" : "";
    for (const n of [5, 10, 20]) {
      const names = periodMs === 100 ? [`${l}@depth${n}${suffix}`] : [`${l}@depth${n}`, `${l}@depth${n}@1000ms`];
      for (const stream of names) {
        if (this.o.publisher.subscribers(stream) === 0) continue;
        const snap = this.o.core.depthSnapshot(sym.name, n);
        if (snap === undefined) continue;
        const side = (lv: ReadonlyArray<readonly [number, number]>): string =>
          JSON.stringify(lv.map(([t, q]) => [sym.formatPrice(t), sym.formatQty(q)]));
        this.send(stream, `{"lastUpdateId":${snap.lastUpdateId},"bids":${side(snap.bids)},"asks":${side(snap.asks)}}`);
      }
    }
  }

  /** A frozen stream swallows its events (counted), the freezeStream fault. */
  private frozen(stream: string): boolean {
    const f = this.o.faults.frozenStreams;
    if (f.size === 0 || !f.has(stream)) return false;
    this.o.counters.streamEventsFrozen++;
    return true;
  }

  /** Publishes now or after the market-data latency. */
  private send(stream: string, payload: string, mangle?: (frame: string) => string): void {
    if (this.frozen(stream)) return;
    if (this.o.marketDataMs > 0) {
      this.o.clock.setTimer(this.o.marketDataMs, () => this.o.publisher.publish(stream, payload, mangle));
    } else {
      this.o.publisher.publish(stream, payload, mangle);
    }
  }
}

/** Binance's control-message id rule: int, alphanumeric string of ≤36, or null. */
function validId(id: unknown): boolean {
  if (id === null) return true;
  if (typeof id === "number") return Number.isInteger(id);
  return typeof id === "string" && /^[A-Za-z0-9-]{1,36}$/.test(id);
}

/** Replies to one control message on a stream connection; returns the frame to send. */
export function handleControl(
  hub: MarketHub,
  ws: SimSocket,
  text: string,
  counters: SimCounters,
  subscribe: (ws: SimSocket, stream: string) => void,
  unsubscribe: (ws: SimSocket, stream: string) => void,
  maxStreams: number,
): string {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch (e) {
    counters.malformedJson++;
    return JSON.stringify({
      code: 3,
      msg: `Invalid JSON: ${e instanceof Error ? e.message : "parse error"}`,
      id: null,
    });
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
    counters.badParams++;
    return JSON.stringify({ code: 2, msg: "Invalid request: request must be an object", id: null });
  }
  const m = msg as Record<string, unknown>;
  const id = m["id"] === undefined ? null : m["id"];
  if (!validId(id)) {
    counters.badParams++;
    return JSON.stringify({
      code: 2,
      msg: "Invalid request: request ID must be an unsigned integer or a string",
      id: null,
    });
  }
  const err = (text2: string): string => {
    counters.badParams++;
    return JSON.stringify({ code: 2, msg: `Invalid request: ${text2}`, id });
  };
  const params = m["params"];
  const conn: ConnData = ws.data;
  switch (m["method"]) {
    case "SUBSCRIBE":
    case "UNSUBSCRIBE": {
      if (!Array.isArray(params) || params.some((p) => typeof p !== "string"))
        return err("params must be an array of strings");
      const names = params as string[];
      for (const n of names) if (!hub.isStream(n)) return err(`invalid stream name '${n}'`);
      if (m["method"] === "SUBSCRIBE") {
        const fresh = names.filter((n) => !conn.streams.has(n));
        if (conn.streams.size + new Set(fresh).size > maxStreams) return err(`too many streams (max ${maxStreams})`);
        for (const n of fresh) subscribe(ws, n);
      } else {
        for (const n of names) unsubscribe(ws, n);
      }
      return JSON.stringify({ result: null, id });
    }
    case "LIST_SUBSCRIPTIONS":
      return JSON.stringify({ result: [...conn.streams], id });
    case "SET_PROPERTY": {
      if (!Array.isArray(params) || params[0] !== "combined" || typeof params[1] !== "boolean")
        return JSON.stringify({ code: 1, msg: "Invalid value type: expected Boolean", id });
      const streams = [...conn.streams];
      for (const s of streams) unsubscribe(ws, s);
      conn.combined = params[1];
      for (const s of streams) subscribe(ws, s);
      return JSON.stringify({ result: null, id });
    }
    case "GET_PROPERTY": {
      if (!Array.isArray(params) || params[0] !== "combined")
        return JSON.stringify({ code: 0, msg: "Unknown property", id });
      return JSON.stringify({ result: conn.combined, id });
    }
    default:
      counters.unknownMethod++;
      return err(
        `unknown variant '${String(m["method"])}', expected one of SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY`,
      );
  }
}
