/**
 * The simulator's sockets: one Bun server on 127.0.0.1 carrying REST, market and user streams and
 * the WS API, as Binance's separate hosts would; keepalive pings, pong deadlines, the incoming
 * message limit, connection lifetimes, latency and fault delays all happen here.
 */
import type { Server } from "bun";
import type { Clock, TimerId } from "../../services/index.ts";
import type { ConnData, SimSocket } from "./conn.ts";
import { BinanceError, Err } from "./errors.ts";
import type { ConnKind } from "./faults.ts";
import { RestApi } from "./rest.ts";
import { handleControl, MarketHub, type StreamPublisher } from "./streams.ts";
import type { UserData } from "./userdata.ts";
import type { BinanceVenue } from "./venue.ts";
import { WsApi } from "./wsapi.ts";

/** Connection and protocol limits of the server (Binance's values by default). */
export interface ServerLimits {
  /** Keepalive ping period (Binance 20 s). */
  readonly pingIntervalMs: number;
  /** Disconnect when a ping stays unanswered this long (Binance 60 s). */
  readonly pongTimeoutMs: number;
  /** Incoming messages per second on stream connections before a disconnect (Binance 5). */
  readonly maxIncomingPerSec: number;
  /** Streams per connection (Binance 1024). */
  readonly maxStreamsPerConnection: number;
  /** Connection lifetime before `serverShutdown` (Binance 24 h). */
  readonly connectionLifetimeMs: number;
  /** Largest REST body or WebSocket message accepted (1 MiB). */
  readonly maxPayloadBytes: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  pingIntervalMs: 20_000,
  pongTimeoutMs: 60_000,
  maxIncomingPerSec: 5,
  maxStreamsPerConnection: 1024,
  connectionLifetimeMs: 86_400_000,
  maxPayloadBytes: 1 << 20,
};

/** Options of the socket server. */
export interface SimServerOptions {
  readonly venue: BinanceVenue;
  readonly userData: UserData;
  readonly clock: Clock;
  readonly port: number;
  readonly limits: ServerLimits;
  readonly marketDataMs: number;
  readonly orderEntryMs: number;
}

const ORDER_PATHS = new Set(["/api/v3/order", "/api/v3/order/test", "/api/v3/openOrders"]);

/** Runs the venue's public server. */
export class SimServer implements StreamPublisher {
  readonly server: Server<ConnData>;
  readonly hub: MarketHub;
  readonly rest: RestApi;
  readonly wsApi: WsApi;
  private readonly conns = new Set<SimSocket>();
  private readonly silenced = new Set<ConnKind>();
  /** Subscribers per topic ("r:<stream>" raw, "c:<stream>" combined), kept here to skip unread work cheaply. */
  private readonly topicCounts = new Map<string, number>();
  /** Subscribers per stream name (raw + combined), one lookup on the hot path. */
  private readonly streamCounts = new Map<string, number>();
  private readonly keepalive: TimerId;
  private nextConnId = 1;
  private closing = false;

  constructor(private readonly o: SimServerOptions) {
    const v = o.venue;
    this.rest = new RestApi(v, o.userData);
    this.wsApi = new WsApi(v, o.userData);
    this.server = Bun.serve<ConnData>({
      hostname: "127.0.0.1",
      port: o.port,
      maxRequestBodySize: o.limits.maxPayloadBytes * 4,
      fetch: (req, server) => this.fetch(req, server),
      websocket: {
        maxPayloadLength: o.limits.maxPayloadBytes,
        idleTimeout: 0,
        sendPings: false,
        perMessageDeflate: false,
        backpressureLimit: 64 * 1024 * 1024,
        open: (ws) => this.onOpen(ws),
        message: (ws, msg) => this.onMessage(ws, typeof msg === "string" ? msg : msg.toString()),
        close: (ws, code, reason) => this.onClose(ws, code, reason),
        ping: (ws) => {
          this.countIncoming(ws);
        },
        pong: (ws) => {
          ws.data.pingOutstandingSince = 0;
          this.countIncoming(ws);
        },
      },
    });
    this.hub = new MarketHub({
      core: v.core,
      clock: o.clock,
      publisher: this,
      faults: v.faults,
      counters: v.counters,
      serverTime: () => v.serverTime(),
      marketDataMs: o.marketDataMs,
    });
    this.keepalive = o.clock.setRepeating(o.limits.pingIntervalMs, () => this.pingAll());
  }

  get port(): number {
    return this.server.port ?? 0;
  }

  publish(stream: string, payload: string, mangle?: (frame: string) => string): void {
    const raw = `r:${stream}`;
    if ((this.topicCounts.get(raw) ?? 0) > 0)
      this.server.publish(raw, mangle === undefined ? payload : mangle(payload));
    const comb = `c:${stream}`;
    if ((this.topicCounts.get(comb) ?? 0) > 0) {
      const frame = `{"stream":"${stream}","data":${payload}}`;
      this.server.publish(comb, mangle === undefined ? frame : mangle(frame));
    }
  }

  subscribers(stream: string): number {
    return this.streamCounts.get(stream) ?? 0;
  }

  /** Subscribes ws to a stream's topic (unless silenced) and counts it. */
  private addTopic(ws: SimSocket, stream: string): void {
    const topic = `${ws.data.combined ? "c" : "r"}:${stream}`;
    this.topicCounts.set(topic, (this.topicCounts.get(topic) ?? 0) + 1);
    this.streamCounts.set(stream, (this.streamCounts.get(stream) ?? 0) + 1);
    if (MarketHub.isPartial(stream)) this.hub.partialSubs++;
    if (!this.silenced.has(ws.data.kind)) ws.subscribe(topic);
  }

  /** Unsubscribes ws from a stream's topic and uncounts it. */
  private dropTopic(ws: SimSocket, stream: string): void {
    const topic = `${ws.data.combined ? "c" : "r"}:${stream}`;
    const n = (this.topicCounts.get(topic) ?? 0) - 1;
    if (n > 0) this.topicCounts.set(topic, n);
    else this.topicCounts.delete(topic);
    const m = (this.streamCounts.get(stream) ?? 0) - 1;
    if (m > 0) this.streamCounts.set(stream, m);
    else this.streamCounts.delete(stream);
    if (MarketHub.isPartial(stream)) this.hub.partialSubs--;
    if (!ws.data.closed) ws.unsubscribe(topic);
  }

  /** Open connections of a kind (or all). */
  connections(kind?: ConnKind): SimSocket[] {
    return [...this.conns].filter((ws) => kind === undefined || ws.data.kind === kind);
  }

  /** Closes connections of a kind: a clean close frame or a dropped TCP connection. */
  closeConnections(kind: ConnKind | "all", mode: "clean" | "abrupt"): number {
    let n = 0;
    for (const ws of this.connections(kind === "all" ? undefined : kind)) {
      n++;
      ws.data.closed = true;
      if (mode === "abrupt") ws.terminate();
      else ws.close(1000, "closed by simulator");
    }
    return n;
  }

  /** Makes connections of these kinds go silent (nothing sent, no pings) or speak again. */
  silence(kinds: readonly ConnKind[], on: boolean): void {
    for (const k of kinds) {
      if (on) this.silenced.add(k);
      else this.silenced.delete(k);
    }
    for (const ws of this.conns) {
      if (!kinds.includes(ws.data.kind)) continue;
      for (const s of ws.data.streams) {
        const topic = `${ws.data.combined ? "c" : "r"}:${s}`;
        if (on) ws.unsubscribe(topic);
        else ws.subscribe(topic);
      }
    }
  }

  /** True when kind is silenced by the fault knob. */
  isSilenced(kind: ConnKind): boolean {
    return this.silenced.has(kind);
  }

  /** Stops everything; open sockets are closed. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.o.clock.clearTimer(this.keepalive);
    this.hub.close();
    for (const ws of this.conns) {
      ws.data.closed = true;
      if (ws.data.lifetimeTimer !== undefined) this.o.clock.clearTimer(ws.data.lifetimeTimer);
      ws.close(1001, "simulator shutting down");
    }
    await this.server.stop(true);
  }

  private async fetch(req: Request, server: Server<ConnData>): Promise<Response | undefined> {
    const url = new URL(req.url);
    const path = url.pathname;
    const ip = server.requestIP(req)?.address ?? "127.0.0.1";
    if (req.headers.get("upgrade")?.toLowerCase() === "websocket") return this.upgrade(req, server, url, ip);
    const v = this.o.venue;
    const len = Number(req.headers.get("content-length") ?? "0");
    if (len > this.o.limits.maxPayloadBytes) {
      v.counters.oversized++;
      return new Response(JSON.stringify({ code: -1000, msg: "Request body too large." }), { status: 413 });
    }
    let body = "";
    try {
      body = req.body === null ? "" : await req.text();
    } catch {
      v.counters.oversized++;
      return new Response(JSON.stringify({ code: -1000, msg: "Request body could not be read." }), { status: 400 });
    }
    if (body.length > this.o.limits.maxPayloadBytes) {
      v.counters.oversized++;
      return new Response(JSON.stringify({ code: -1000, msg: "Request body too large." }), { status: 413 });
    }
    const entry = ORDER_PATHS.has(path) ? this.o.orderEntryMs : 0;
    if (entry > 0) await this.sleep(entry);
    const res = this.rest.handle({
      method: req.method,
      path,
      rawQuery: url.search.length > 0 ? url.search.slice(1) : "",
      rawBody: body,
      apiKey: req.headers.get("x-mbx-apikey") ?? undefined,
      ip,
    });
    const delay = (res.orderEntry ? this.o.orderEntryMs : 0) + v.faults.takeDelay("rest");
    if (delay > 0) await this.sleep(delay);
    return new Response(res.body, { status: res.status, headers: res.headers });
  }

  private upgrade(req: Request, server: Server<ConnData>, url: URL, ip: string): Response | undefined {
    const path = url.pathname;
    let kind: ConnKind = "market";
    let combined = false;
    let initial: string[] = [];
    let listenKey: string | undefined;
    let returnRateLimits = true;
    if (path === "/ws-api/v3") {
      kind = "wsapi";
      // Binance charges 2 request weight per WS API connection.
      try {
        this.o.venue.limiter.chargeWeight(ip, 2);
      } catch (e) {
        const err = e instanceof BinanceError ? e : Err.unknown();
        this.o.venue.counters.rateLimited++;
        return new Response(JSON.stringify(err.body()), { status: err.http });
      }
      returnRateLimits = url.searchParams.get("returnRateLimits") !== "false";
    } else if (path === "/stream") {
      combined = true;
      initial = (url.searchParams.get("streams") ?? "").split("/").filter((s) => s.length > 0);
    } else if (path === "/ws" || path.startsWith("/ws/")) {
      const rest = path.length > 4 ? path.slice(4) : "";
      if (rest.length > 0 && this.o.userData.isListenKey(rest)) {
        kind = "user";
        listenKey = rest;
      } else if (rest.length > 0) {
        initial = rest.split("/").filter((s) => s.length > 0);
      }
    } else {
      this.o.venue.counters.unknownPath++;
      return new Response("Not found", { status: 404 });
    }
    initial = initial.filter((s) => this.hub.isStream(s) || this.o.userData.isListenKey(s));
    if (initial.length > this.o.limits.maxStreamsPerConnection)
      return new Response("Too many streams", { status: 400 });
    const data: ConnData = {
      id: this.nextConnId++,
      kind,
      ip,
      combined,
      streams: new Set(initial),
      listenKey,
      msgWindow: 0,
      msgCount: 0,
      pingOutstandingSince: 0,
      lifetimeTimer: undefined,
      returnRateLimits,
      subscriptions: new Map(),
      closed: false,
      session: undefined,
      sessionSince: 0,
      connectedSince: this.o.venue.serverTime(),
    };
    if (server.upgrade(req, { data })) return undefined;
    return new Response("Expected a WebSocket upgrade", { status: 400 });
  }

  private onOpen(ws: SimSocket): void {
    this.conns.add(ws);
    const d = ws.data;
    if (d.kind === "user" && d.listenKey !== undefined) this.o.userData.attach(d.listenKey, ws);
    for (const s of d.streams) {
      if (this.o.userData.isListenKey(s)) {
        d.listenKey = s;
        this.o.userData.attach(s, ws);
      } else {
        this.addTopic(ws, s);
      }
    }
    d.lifetimeTimer = this.o.clock.setTimer(this.o.limits.connectionLifetimeMs, () => this.endLifetime(ws));
  }

  private endLifetime(ws: SimSocket): void {
    const d = ws.data;
    d.lifetimeTimer = undefined;
    if (d.closed) return;
    this.o.venue.counters.lifetimeShutdowns++;
    const ev = `{"e":"serverShutdown","E":${this.o.venue.serverTime()}}`;
    if (d.kind === "wsapi") ws.send(`{"event":${ev}}`);
    else ws.send(d.combined ? `{"stream":"!serverShutdown","data":${ev}}` : ev);
    d.closed = true;
    ws.close(1000, "connection lifetime ended");
  }

  private onClose(ws: SimSocket, code: number, reason: string): void {
    const d = ws.data;
    d.closed = true;
    this.conns.delete(ws);
    for (const s of d.streams) if (s !== d.listenKey) this.dropTopic(ws, s);
    if (d.lifetimeTimer !== undefined) this.o.clock.clearTimer(d.lifetimeTimer);
    this.o.userData.detach(ws);
    if (code === 1009 || reason.includes("too big")) this.o.venue.counters.oversized++;
  }

  /** Counts an incoming frame; over the per-second limit the stream connection is dropped. */
  private countIncoming(ws: SimSocket): boolean {
    const d = ws.data;
    if (d.kind === "wsapi" || d.closed) return !d.closed;
    const sec = Math.floor(this.o.clock.nowMs() / 1000);
    if (sec !== d.msgWindow) {
      d.msgWindow = sec;
      d.msgCount = 0;
    }
    d.msgCount++;
    if (d.msgCount > this.o.limits.maxIncomingPerSec) {
      this.o.venue.counters.floodDisconnects++;
      d.closed = true;
      ws.close(1008, "Too many messages");
      return false;
    }
    return true;
  }

  private onMessage(ws: SimSocket, text: string): void {
    const d = ws.data;
    if (d.closed) return;
    if (d.kind === "wsapi") {
      this.onWsApi(ws, text);
      return;
    }
    if (!this.countIncoming(ws)) return;
    const reply = handleControl(
      this.hub,
      ws,
      text,
      this.o.venue.counters,
      (w, s) => {
        w.data.streams.add(s);
        this.addTopic(w, s);
      },
      (w, s) => {
        if (w.data.streams.delete(s)) this.dropTopic(w, s);
      },
      this.o.limits.maxStreamsPerConnection,
    );
    if (!this.silenced.has(d.kind)) ws.send(reply);
  }

  private onWsApi(ws: SimSocket, text: string): void {
    const run = (): void => {
      if (ws.data.closed) return;
      const reply = this.wsApi.handle(ws, text);
      if (reply.frame === "") return;
      const delay = (reply.orderEntry ? this.o.orderEntryMs : 0) + this.o.venue.faults.takeDelay("wsapi");
      const send = (): void => {
        if (!ws.data.closed && !this.silenced.has("wsapi")) ws.send(reply.frame);
      };
      if (delay > 0) this.o.clock.setTimer(delay, send);
      else send();
    };
    if (this.o.orderEntryMs > 0 && text.includes('"order')) this.o.clock.setTimer(this.o.orderEntryMs, run);
    else run();
  }

  /** Keepalive: ping every connection, drop those whose ping went unanswered too long. */
  private pingAll(): void {
    const now = this.o.clock.nowMs();
    const f = this.o.venue.faults;
    for (const ws of this.conns) {
      const d = ws.data;
      if (d.closed) continue;
      if (d.pingOutstandingSince > 0 && now - d.pingOutstandingSince >= this.o.limits.pongTimeoutMs) {
        this.o.venue.counters.pingTimeouts++;
        d.closed = true;
        ws.close(1008, "Pong timeout");
        continue;
      }
      if (f.stopPings || this.silenced.has(d.kind)) continue;
      ws.ping(String(now));
      if (d.pingOutstandingSince === 0) d.pingOutstandingSince = now;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.o.clock.setTimer(ms, resolve));
  }
}
