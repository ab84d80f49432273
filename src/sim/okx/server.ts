/**
 * The OKX simulator's sockets: REST under /api/v5, public WS (books, bbo-tbt, trades) and private WS
 * (login, order-entry ops single and batch, orders channel), text ping/pong and the 30 s idle close. The one-way
 * latencies (market data, order entry) are applied here, on the Clock, so runs stay deterministic.
 */
import type { Server, ServerWebSocket } from "bun";
import type { Clock, TimerId } from "../../services/index.ts";
import type { CoreListener, ExecutionReport, SimSymbol } from "../core/index.ts";
import { type OrderEntryOp, orderEntryItems, REST_ORDER_ENTRY, runOrderEntry, WS_ORDER_ENTRY } from "./batch.ts";
import { bboEditor, booksEditor, okxFrameText, ordersEditor, type RowEditor, tradesEditor } from "./corrupt.ts";
import { OkxError } from "./errors.ts";
import type { OkxConnKind } from "./faults.ts";
import { INST_TYPES } from "./fills.ts";
import { okxLoginPrehash, okxRestPrehash } from "./signing.ts";
import { okxDecimal, okxPx, okxSz } from "./symbols.ts";
import { type OkxAccount, OkxVenue } from "./venue.ts";

/** Per-socket state. */
interface Conn {
  readonly id: string;
  readonly priv: boolean;
  readonly subs: Set<string>;
  account: OkxAccount | undefined;
  idle: TimerId | undefined;
  /** Last frame in either direction: OKX closes a socket with no data for 30 s, pushed or sent. */
  lastDataMs: number;
  /** Frames waiting out the socket's one-way delay, oldest first. */
  readonly out: string[];
  /** Order requests waiting out the inbound order-entry delay, oldest first. */
  readonly inbound: string[];
}
type Sock = ServerWebSocket<Conn>;

/** One-way delays of the simulated venue, ms (0 = none), as the Binance simulator has them. */
export interface OkxLatency {
  /** Every frame on a public socket (books, bbo-tbt, trades, their acks and snapshots). */
  readonly marketDataMs: number;
  /**
   * Order entry: an order-entry op (place, cancel, amend; single or batch) on the private socket or a /api/v5/trade/ REST request
   * waits this long before the venue sees it, and every private-socket frame (replies, orders pushes)
   * and the REST response wait it again on the way back.
   */
  readonly orderEntryMs: number;
}

/** The default: no delay, so a simulator nobody asked to slow down answers at loopback speed. */
export const NO_LATENCY: OkxLatency = { marketDataMs: 0, orderEntryMs: 0 };

/** An op that goes through order entry (and so takes the inbound order-entry delay). */
const ORDER_OP_RE =
  /"op"\s*:\s*"(?:order|cancel-order|batch-orders|batch-cancel-orders|amend-order|batch-amend-orders)"/;

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Runs REST + both WS endpoints on one 127.0.0.1 port. */
export class OkxServer {
  readonly server: Server<Conn>;
  private readonly socks = new Set<Sock>();
  /**
   * Level changes not yet pushed, per symbol, with the core update ids they span: `books` pushes
   * every booksIntervalMs as OKX does, so a frame carries the net change of many updates (and a
   * ladder cancelled and re-placed within one interval never shows as an empty side).
   */
  private readonly pending = new Map<
    string,
    { bids: Map<number, number>; asks: Map<number, number>; firstU: number; lastU: number; t: number }
  >();
  private booksTimer: TimerId | undefined;
  /** A books update (its frame text) held back by the reorder fault, sent right after the next one (per instId). */
  private readonly held = new Map<string, string>();
  private nextConn = 1;
  private readonly unlisten: () => void;
  /** Per instId: seqId and time of the last books update, for the quiet-period keepalive. */
  private readonly lastBooks = new Map<string, { seq: number; ms: number }>();
  private keepaliveTimer: TimerId | undefined;
  private stopped = false;

  constructor(
    private readonly v: OkxVenue,
    private readonly clock: Clock,
    port: number,
    private readonly idleMs: number,
    private readonly keepaliveMs = 0,
    private readonly latency: OkxLatency = NO_LATENCY,
    /** `books` push interval (OKX: about 100 ms); 0 pushes every core update at once. */
    private readonly booksIntervalMs = 100,
  ) {
    v.pushOrder = (acct, row) => this.pushOrders(acct, row);
    this.unlisten = v.core.addListener(this.coreListener());
    if (keepaliveMs > 0) this.keepaliveTimer = clock.setRepeating(keepaliveMs, () => this.booksKeepalive());
    if (booksIntervalMs > 0) {
      this.booksTimer = clock.setRepeating(booksIntervalMs, () => {
        for (const sym of v.core.symbols()) if (this.pending.has(sym.name)) this.flushBook(sym);
      });
    }
    this.server = Bun.serve<Conn>({
      hostname: "127.0.0.1",
      port,
      fetch: (req, srv) => this.fetch(req, srv),
      websocket: {
        open: (ws) => {
          this.socks.add(ws);
          this.touch(ws);
        },
        message: (ws, msg) => this.onMessage(ws, typeof msg === "string" ? msg : msg.toString()),
        close: (ws) => {
          this.socks.delete(ws);
          if (ws.data.idle !== undefined) this.clock.clearTimer(ws.data.idle);
        },
      },
    });
  }

  /** The core's book, trade and execution callbacks, turned into OKX pushes. */
  private coreListener(): CoreListener {
    const v = this.v;
    const clock = this.clock;
    return {
      onBookLevel: (sym, _u, side, ticks, lots) => {
        let p = this.pending.get(sym.name);
        if (p === undefined) {
          p = { bids: new Map(), asks: new Map(), firstU: 0, lastU: 0, t: 0 };
          this.pending.set(sym.name, p);
        }
        (side === 0 ? p.bids : p.asks).set(ticks, lots);
      },
      onBookUpdateEnd: (sym, u, t) => {
        const p = this.pending.get(sym.name);
        if (p === undefined) return;
        if (p.firstU === 0) p.firstU = u;
        p.lastU = u;
        p.t = t;
        if (this.booksIntervalMs <= 0) this.flushBook(sym);
      },
      onBookTop: (sym, u, bt, bl, at, al) => {
        const lv = (t: number, l: number) => (l > 0 ? [[okxPx(sym, t), okxSz(sym, l), "0", "1"]] : []);
        this.publish(
          `bbo-tbt:${v.instId(sym)}`,
          { channel: "bbo-tbt", instId: v.instId(sym) },
          [{ asks: lv(at, al), bids: lv(bt, bl), ts: String(clock.nowMs()), seqId: u }],
          undefined,
          bboEditor(sym),
        );
      },
      onTrade: (sym, id, ticks, lots, buyerIsMaker, t) => {
        const instId = v.instId(sym);
        const row = {
          instId,
          tradeId: String(id),
          px: okxPx(sym, ticks),
          sz: okxSz(sym, lots),
          side: buyerIsMaker ? "sell" : "buy",
          ts: String(t),
          count: "1",
        };
        this.publish(`trades:${instId}`, { channel: "trades", instId }, [row], undefined, tradesEditor);
      },
      onExecution: (r) => this.onExec(r),
    };
  }

  /** Closes sockets of a kind (or all): a clean close frame or an abrupt TCP drop. Returns how many. */
  closeConnections(kind: OkxConnKind | "all" = "all", mode: "clean" | "abrupt" = "clean"): number {
    let n = 0;
    for (const s of [...this.socks]) {
      if (kind !== "all" && OkxServer.kind(s) !== kind) continue;
      n++;
      this.socks.delete(s);
      if (mode === "abrupt") s.terminate();
      else s.close(1001, "closed by simulator");
    }
    this.v.state.counters.connectionsClosed += n;
    return n;
  }

  /** Open sockets per kind. */
  connectionCounts(): Record<OkxConnKind, number> {
    const c: Record<OkxConnKind, number> = { public: 0, private: 0 };
    for (const s of this.socks) c[OkxServer.kind(s)]++;
    return c;
  }

  /** Captures instId's books snapshot now, to be served (with its seqId) to the next `count` subscriptions. */
  captureStaleSnapshot(sym: SimSymbol, count: number): void {
    this.flushBook(sym);
    const s = this.snapshot(sym, 400);
    this.v.state.staleBooks.set(this.v.instId(sym), { ...s, remaining: Math.max(1, Math.floor(count)) });
  }

  private static kind(ws: Sock): OkxConnKind {
    return ws.data.priv ? "private" : "public";
  }

  /**
   * Every frame leaves through here, so the silence knob can swallow it and the socket's one-way delay
   * applies. Delayed frames queue per socket and each timer sends the queue's head, so a socket's frames
   * keep their order whatever order equal-delay timers fire in, and none arrives earlier than the delay.
   */
  private send(ws: Sock, text: string): void {
    if (this.v.state.silenced.has(OkxServer.kind(ws))) return;
    const ms = ws.data.priv ? this.latency.orderEntryMs : this.latency.marketDataMs;
    if (ms <= 0) {
      ws.data.lastDataMs = this.clock.nowMs();
      ws.send(text);
      return;
    }
    ws.data.out.push(text);
    this.clock.setTimer(ms, () => {
      const t = ws.data.out.shift();
      if (t !== undefined && !this.stopped && this.socks.has(ws)) {
        ws.data.lastDataMs = this.clock.nowMs();
        ws.send(t);
      }
    });
  }

  /** Waits ms on the Clock (REST order-entry delays). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimer(ms, resolve));
  }

  /** Stops the server and detaches from the core. */
  stop(): void {
    this.stopped = true;
    this.unlisten();
    if (this.keepaliveTimer !== undefined) this.clock.clearTimer(this.keepaliveTimer);
    if (this.booksTimer !== undefined) this.clock.clearTimer(this.booksTimer);
    for (const s of this.socks) if (s.data.idle !== undefined) this.clock.clearTimer(s.data.idle);
    this.server.stop(true);
  }

  /**
   * Notes traffic on a socket. OKX breaks a connection when no data has flowed for 30 s: a socket fed
   * by a busy channel stays open without client pings, a silent one (nothing pushed, nothing sent) is
   * closed. One timer per socket, re-armed for the remainder when traffic came meanwhile.
   */
  private touch(ws: Sock): void {
    ws.data.lastDataMs = this.clock.nowMs();
    if (ws.data.idle === undefined) this.armIdle(ws, this.idleMs);
  }

  private armIdle(ws: Sock, ms: number): void {
    ws.data.idle = this.clock.setTimer(ms, () => {
      ws.data.idle = undefined;
      if (!this.socks.has(ws)) return;
      const quiet = this.clock.nowMs() - ws.data.lastDataMs;
      if (quiet >= this.idleMs) ws.close(4004, "No data received in 30s");
      else this.armIdle(ws, this.idleMs - quiet);
    });
  }

  private async fetch(req: Request, srv: Server<Conn>): Promise<Response | undefined> {
    const url = new URL(req.url);
    if (url.pathname === "/ws/v5/public" || url.pathname === "/ws/v5/private") {
      const data: Conn = {
        id: (this.nextConn++).toString(16).padStart(8, "0"),
        priv: url.pathname.endsWith("private"),
        subs: new Set(),
        account: undefined,
        idle: undefined,
        lastDataMs: 0,
        out: [],
        inbound: [],
      };
      return srv.upgrade(req, { data }) ? undefined : json(400, { code: "50000", msg: "upgrade failed", data: [] });
    }
    const body = req.method === "POST" ? await req.text().catch(() => "") : "";
    const entryMs = url.pathname.startsWith("/api/v5/trade/") ? this.latency.orderEntryMs : 0;
    if (entryMs > 0) await this.sleep(entryMs);
    const res = this.restResponse(req, url, body);
    // a swallowed reply (dropOrderReplies): the request stays unanswered until the client gives up
    if (res === undefined) return new Promise<Response>(() => {});
    if (entryMs > 0) await this.sleep(entryMs);
    return res;
  }

  /** Answers one REST request now (the order-entry delays are fetch's business); undefined: a swallowed reply. */
  private restResponse(req: Request, url: URL, body: string): Response | undefined {
    try {
      const op = req.method === "POST" ? REST_ORDER_ENTRY[url.pathname] : undefined;
      if (op !== undefined) return this.restOrderEntry(req, url, body, op);
      return json(200, { code: "0", msg: "", data: this.rest(req, url, body) });
    } catch (e) {
      if (e instanceof OkxError) {
        // Order ops answer per item (code 1, sCode in data); queries answer the code itself, as OKX does.
        if (req.method === "POST" && (e.code.startsWith("51") || e.code === "50004")) {
          const http = e.http;
          return json(http, {
            code: "1",
            msg: "All operations failed",
            data: [{ ordId: "", clOrdId: "", sCode: e.code, sMsg: e.message }],
          });
        }
        return json(e.http, { code: e.code, msg: e.message, data: [] });
      }
      return json(400, { code: "50000", msg: e instanceof Error ? e.message : "bad request", data: [] });
    }
  }

  private rest(req: Request, url: URL, body: string): unknown[] {
    const q = Object.fromEntries(url.searchParams);
    const v = this.v;
    switch (url.pathname) {
      case "/api/v5/public/time":
        return [{ ts: String(this.clock.nowMs()) }];
      case "/api/v5/public/instruments":
        // OKX lists the other instrument types too: the simulator trades spot only, so they are empty
        if (q.instType === undefined || q.instType === "")
          throw new OkxError("50014", "Parameter instType can not be empty.");
        if (!INST_TYPES.includes(q.instType)) throw new OkxError("51000", "Parameter instType error");
        v.takePublic("instruments");
        if (q.instType !== "SPOT") return [];
        return v.instruments().filter((i) => q.instId === undefined || i.instId === q.instId);
      case "/api/v5/market/books": {
        const sym = v.symbolOf(q.instId);
        if (sym === undefined) throw new OkxError("51001", "Instrument ID does not exist");
        this.flushBook(sym);
        const snap = this.snapshot(sym, Math.min(400, Number(q.sz ?? "1") || 1));
        return [{ asks: snap.asks, bids: snap.bids, ts: snap.ts }];
      }
    }
    const acct = this.restAccount(req, url, body);
    const get = req.method === "GET";
    if (url.pathname === "/api/v5/trade/order") return [v.query(acct, q)];
    if (url.pathname === "/api/v5/trade/orders-pending") return v.pending(acct, q.instId);
    if (url.pathname === "/api/v5/trade/fills" && req.method === "GET") return v.fills(acct, "fills", q);
    if (url.pathname === "/api/v5/trade/fills-history" && req.method === "GET")
      return v.fills(acct, "fills-history", q);
    if (url.pathname === "/api/v5/trade/orders-history" && get) return v.history(acct, "orders-history", q);
    if (url.pathname === "/api/v5/trade/orders-history-archive" && get)
      return v.history(acct, "orders-history-archive", q);
    if (url.pathname === "/api/v5/asset/currencies" && get) return v.currencies(acct, q);
    if (url.pathname === "/api/v5/account/config" && get) return [v.accountConfig(acct)];
    if (url.pathname === "/api/v5/account/balance") return [v.balance(acct)];
    if (url.pathname === "/api/v5/account/trade-fee") return [v.tradeFee(acct, q)];
    throw new OkxError("50000", `Unknown endpoint ${url.pathname}`, 404);
  }

  /** The signed request's account (OKX's auth codes otherwise). */
  private restAccount(req: Request, url: URL, body: string): OkxAccount {
    const h = req.headers;
    return this.v.authenticate(
      h.get("OK-ACCESS-KEY"),
      h.get("OK-ACCESS-PASSPHRASE"),
      okxRestPrehash(h.get("OK-ACCESS-TIMESTAMP") ?? "", req.method, url.pathname + url.search, body),
      h.get("OK-ACCESS-SIGN"),
    );
  }

  /**
   * POST order entry (place, cancel, amend; single or batch): per-item rows with code 0/1/2, a request
   * that is malformed as a whole answers its own code, every item over its limit answers HTTP 429 50011.
   */
  private restOrderEntry(req: Request, url: URL, body: string, op: OrderEntryOp): Response | undefined {
    const acct = this.restAccount(req, url, body);
    const inTime = String(this.clock.nowMs() * 1000);
    let items: unknown[];
    try {
      items = orderEntryItems(op, JSON.parse(body));
    } catch (e) {
      const err = e instanceof OkxError ? e : new OkxError("50002", "Invalid JSON body", 400);
      return json(err.http, { code: err.code, msg: err.message, data: [] });
    }
    const a = runOrderEntry(this.v, acct, op, items);
    if (a.dropped) return undefined;
    if (a.allRateLimited) return json(429, { code: "50011", msg: "Too Many Requests", data: [] });
    const outTime = String(this.clock.nowMs() * 1000);
    return json(a.http, { code: a.code, msg: a.msg, data: a.data, inTime, outTime });
  }

  private snapshot(sym: SimSymbol, depth: number) {
    const d = this.v.core.depthSnapshot(sym.name, depth);
    const lv = (l: readonly [number, number]) => [okxPx(sym, l[0]), okxSz(sym, l[1]), "0", "1"];
    return {
      seqId: d?.lastUpdateId ?? 0,
      asks: (d?.asks ?? []).map(lv),
      bids: (d?.bids ?? []).map(lv),
      ts: String(this.clock.nowMs()),
    };
  }

  private onMessage(ws: Sock, text: string): void {
    this.touch(ws);
    if (ws.data.priv && this.latency.orderEntryMs > 0 && ORDER_OP_RE.test(text)) {
      // Same head-of-queue rule as send(): order requests of one socket reach the venue in sending order.
      ws.data.inbound.push(text);
      this.clock.setTimer(this.latency.orderEntryMs, () => {
        const t = ws.data.inbound.shift();
        if (t !== undefined && !this.stopped && this.socks.has(ws)) this.handle(ws, t);
      });
      return;
    }
    this.handle(ws, text);
  }

  /** Handles one client frame once any inbound delay is over. Never throws. */
  private handle(ws: Sock, text: string): void {
    if (text === "ping") {
      this.onPing(ws);
      return;
    }
    const m = this.parseRequest(ws, text);
    if (m === undefined) return;
    const args = Array.isArray(m.args)
      ? (m.args as unknown[]).filter((a): a is Record<string, unknown> => typeof a === "object" && a !== null)
      : [];
    try {
      this.dispatch(ws, m, args, text);
    } catch (e) {
      const err = e instanceof OkxError ? e : new OkxError("60012", "Invalid request");
      this.send(ws, JSON.stringify({ event: "error", code: err.code, msg: err.message, connId: ws.data.id }));
    }
  }

  /** Answers a text ping, unless a fault knob swallows pings (to test the client's pong timeout). */
  private onPing(ws: Sock): void {
    if (this.v.faults.ignorePings || this.v.state.ignorePings.has(OkxServer.kind(ws)))
      this.v.state.counters.pingsIgnored++;
    else this.send(ws, "pong");
  }

  /** The frame as a JSON object, or undefined after answering OKX's 60012 error event. */
  private parseRequest(ws: Sock, text: string): Record<string, unknown> | undefined {
    try {
      const p: unknown = JSON.parse(text);
      if (typeof p !== "object" || p === null || Array.isArray(p)) throw new Error("not an object");
      return p as Record<string, unknown>;
    } catch {
      this.send(
        ws,
        JSON.stringify({
          event: "error",
          code: "60012",
          msg: `Invalid request: ${text.slice(0, 100)}`,
          connId: ws.data.id,
        }),
      );
      return undefined;
    }
  }

  /** Routes one parsed request by op; an OkxError thrown here becomes an error event (see handle). */
  private dispatch(ws: Sock, m: Record<string, unknown>, args: Record<string, unknown>[], text: string): void {
    if (m.op === "subscribe") {
      this.subscribe(ws, args);
      return;
    }
    if (m.op === "unsubscribe") {
      this.unsubscribe(ws, args);
      return;
    }
    if (m.op === "login" && ws.data.priv) {
      this.login(ws, args[0] ?? {});
      return;
    }
    const entry = ws.data.priv && typeof m.op === "string" ? WS_ORDER_ENTRY[m.op] : undefined;
    if (entry !== undefined) {
      this.orderOp(ws, String(m.op), typeof m.id === "string" ? m.id : "", entry, m.args);
      return;
    }
    throw new OkxError("60012", `Invalid request: ${text.slice(0, 100)}`);
  }

  /** Drops the subscriptions and acknowledges each, as OKX does. */
  private unsubscribe(ws: Sock, args: Record<string, unknown>[]): void {
    for (const a of args) ws.data.subs.delete(`${a.channel}:${a.instId ?? a.instType}`);
    for (const a of args) this.send(ws, JSON.stringify({ event: "unsubscribe", arg: a, connId: ws.data.id }));
  }

  /** Authenticates the private socket (a bad signature throws OkxError, answered as an error event). */
  private login(ws: Sock, a: Record<string, unknown>): void {
    ws.data.account = this.v.authenticate(a.apiKey, a.passphrase, okxLoginPrehash(String(a.timestamp)), a.sign);
    this.send(ws, JSON.stringify({ event: "login", code: "0", msg: "", connId: ws.data.id }));
  }

  /**
   * An order-entry op (order, batch-orders, cancel-order, batch-cancel-orders, amend-order,
   * batch-amend-orders): per-item rows with OKX's code 0/1/2, a malformed request its own code and no
   * rows; not logged in is an error event. The dropOrderReplies knob swallows the reply.
   */
  private orderOp(ws: Sock, name: string, id: string, op: OrderEntryOp, args: unknown): void {
    const acct = ws.data.account;
    const inTime = String(this.clock.nowMs() * 1000);
    if (acct === undefined) throw new OkxError("60011", "Please log in");
    const answer = (code: string, msg: string, data: unknown[]): void => {
      const outTime = String(this.clock.nowMs() * 1000);
      this.send(ws, JSON.stringify({ id, op: name, code, msg, data, inTime, outTime }));
    };
    let items: unknown[];
    try {
      items = orderEntryItems(op, op.batch ? args : Array.isArray(args) ? args[0] : undefined);
    } catch (e) {
      if (!(e instanceof OkxError)) throw e;
      answer(e.code, e.message, []);
      return;
    }
    const a = runOrderEntry(this.v, acct, op, items);
    if (!a.dropped) answer(a.code, a.msg, a.data);
  }

  private subscribe(ws: Sock, args: Record<string, unknown>[]): void {
    for (const a of args) {
      const ch = a.channel;
      if (ch === "orders") {
        if (!ws.data.priv || ws.data.account === undefined) throw new OkxError("60011", "Please log in");
        ws.data.subs.add("orders");
        this.send(ws, JSON.stringify({ event: "subscribe", arg: a, connId: ws.data.id }));
        continue;
      }
      const sym = this.v.symbolOf(a.instId);
      if (ws.data.priv || (ch !== "books" && ch !== "bbo-tbt" && ch !== "trades") || sym === undefined)
        throw new OkxError("60018", `Wrong URL or channel:${String(ch)},instId:${String(a.instId)} doesn't exist`);
      const instId = this.v.instId(sym);
      // pending changes go out to the existing subscribers first, so the newcomer's snapshot (below)
      // carries the seqId the next update continues from, and it never sees an update before it
      if (ch === "books") this.flushBook(sym);
      ws.data.subs.add(`${ch}:${instId}`);
      this.send(ws, JSON.stringify({ event: "subscribe", arg: { channel: ch, instId }, connId: ws.data.id }));
      if (ch === "books" && !this.frozen(`books:${instId}`)) {
        const s = this.v.state.takeStale(instId) ?? this.snapshot(sym, 400);
        let seqId = s.seqId;
        if (this.v.faults.staleSnapshot) {
          this.v.faults.staleSnapshot = false;
          seqId -= 1;
        }
        this.send(
          ws,
          JSON.stringify({
            arg: { channel: "books", instId },
            action: "snapshot",
            data: [{ asks: s.asks, bids: s.bids, ts: s.ts, checksum: 0, prevSeqId: -1, seqId }],
          }),
        );
      }
    }
  }

  /** Pushes a symbol's pending level changes as one `books` update (prevSeqId = the last one pushed). */
  private flushBook(sym: SimSymbol): void {
    const p = this.pending.get(sym.name);
    this.pending.delete(sym.name);
    if (p === undefined || p.firstU === 0) return;
    const u = p.lastU;
    const t = p.t;
    const f = this.v.faults;
    const c = this.v.state.counters;
    const instId = this.v.instId(sym);
    this.lastBooks.set(instId, { seq: u, ms: this.clock.nowMs() });
    const armed = this.v.state.nextBooksFault(instId);
    if (f.dropBookMessage || armed === "drop") {
      if (armed !== "drop") f.dropBookMessage = false;
      c.booksDropped++;
      this.sendHeld(instId);
      return;
    }
    let prev = p.firstU - 1;
    if (f.breakSeqChain || armed === "break") {
      if (armed !== "break") f.breakSeqChain = false;
      c.booksChainBroken++;
      prev -= 1;
    }
    const lv = (m: Map<number, number>) =>
      [...m].map(([ticks, lots]) => [okxPx(sym, ticks), okxSz(sym, lots), "0", lots > 0 ? "1" : "0"]);
    const data = [{ asks: lv(p.asks), bids: lv(p.bids), ts: String(t), checksum: 0, prevSeqId: prev, seqId: u }];
    const key = `books:${instId}`;
    const frame = { arg: { channel: "books", instId }, action: "update", data };
    const text = this.frameText(key, frame, booksEditor(sym, this.v.core), "market");
    if (armed === "reorder" && !this.held.has(instId)) {
      c.booksReordered++;
      this.held.set(instId, text);
      return;
    }
    const dup = f.duplicateBookMessage || armed === "duplicate";
    f.duplicateBookMessage = false;
    if (dup) c.booksDuplicated++;
    for (let i = 0; i < (dup ? 2 : 1); i++) {
      c.booksSent++;
      this.publishText(key, text);
    }
    this.sendHeld(instId);
  }

  /**
   * OKX sends an empty `books` update with seqId == prevSeqId == the current seqId when a book is quiet
   * (§D.2); it is also how a client holding a stale snapshot learns that it is behind.
   */
  private booksKeepalive(): void {
    const now = this.clock.nowMs();
    for (const sym of this.v.core.symbols()) {
      const instId = this.v.instId(sym);
      const last = this.lastBooks.get(instId);
      if (last !== undefined && now - last.ms < this.keepaliveMs) continue;
      if (this.pending.has(sym.name)) continue; // not quiet: an update is about to be pushed
      const seq = last?.seq ?? this.v.core.depthSnapshot(sym.name, 1)?.lastUpdateId ?? 0;
      this.lastBooks.set(instId, { seq, ms: now });
      const data = [{ asks: [], bids: [], ts: String(now), checksum: 0, prevSeqId: seq, seqId: seq }];
      this.publish(`books:${instId}`, { channel: "books", instId }, data, "update");
    }
  }

  /** A frozen channel swallows its frames (counted), the freezeChannel fault. */
  private frozen(key: string): boolean {
    const f = this.v.state.frozen;
    if (f.size === 0 || !f.has(key)) return false;
    this.v.state.counters.framesFrozen++;
    return true;
  }

  /** Sends the update the reorder fault held back (after its successor). */
  private sendHeld(instId: string): void {
    const h = this.held.get(instId);
    if (h === undefined) return;
    this.held.delete(instId);
    this.v.state.counters.booksSent++;
    this.publishText(`books:${instId}`, h);
  }

  /**
   * Sends a push to every subscriber of key, built only when someone listens; `edit` makes the frame
   * corruptible (a knob armed on key hits it), pushes without one (keepalives) are never corrupted.
   */
  private publish(key: string, arg: Record<string, unknown>, data: unknown[], action?: string, edit?: RowEditor): void {
    if (this.frozen(key)) return;
    let frame: string | undefined;
    for (const s of this.socks) {
      if (!s.data.subs.has(key)) continue;
      frame ??= this.frameText(key, action === undefined ? { arg, data } : { arg, action, data }, edit, "market");
      this.send(s, frame);
    }
  }

  /** Sends a ready frame text to every subscriber of key. */
  private publishText(key: string, text: string): void {
    if (this.frozen(key)) return;
    for (const s of this.socks) if (s.data.subs.has(key)) this.send(s, text);
  }

  /**
   * A push's text, corrupted when a knob is armed on key and someone listens (so an armed knob waits for
   * a frame that really goes out), counted as a market or user frame.
   */
  private frameText(
    key: string,
    frame: Record<string, unknown>,
    edit: RowEditor | undefined,
    kind: "market" | "user",
  ): string {
    const state = this.v.state;
    if (edit === undefined || !state.corrupt.has(key) || !this.listened(key)) return okxFrameText(frame);
    const f = state.corrupt.next(key);
    if (f !== undefined) {
      if (kind === "market") state.counters.corruptedMarketFrames++;
      else state.counters.corruptedUserFrames++;
    }
    return okxFrameText(frame, f, edit);
  }

  /** True when some socket subscribes key. */
  private listened(key: string): boolean {
    for (const s of this.socks) if (s.data.subs.has(key)) return true;
    return false;
  }

  private pushOrders(accountId: string, row: Record<string, unknown>): void {
    const to = [...this.socks].filter((s) => s.data.subs.has("orders") && s.data.account?.accountId === accountId);
    if (to.length === 0) return;
    const frame = this.frameText(
      "orders",
      { arg: { channel: "orders", instType: "SPOT" }, data: [row] },
      ordersEditor,
      "user",
    );
    for (const s of to) this.send(s, frame);
  }

  /** OKX's amendResult and reqId on a push an amend caused (REPLACED, or the cancel of cxlOnFail); "" otherwise. */
  private amendFields(r: ExecutionReport): { amendResult: string; reqId: string } {
    const a = this.v.amendPush;
    if (a === undefined || (r.execType !== "REPLACED" && r.execType !== "CANCELED"))
      return { amendResult: "", reqId: "" };
    return { amendResult: a.amendResult, reqId: a.reqId };
  }

  private onExec(r: ExecutionReport): void {
    if (r.execType === "TRADE_PREVENTION") return;
    const s = r.symbol;
    const trade = r.execType === "TRADE";
    const avg = r.cumLots > 0 ? okxPx(s, Math.round(r.cumQuoteUnits / (r.cumLots * s.quoteUnitsPerTickLot))) : "";
    this.pushOrders(r.accountId, {
      instType: "SPOT",
      instId: this.v.instId(s),
      ordId: String(r.orderId),
      clOrdId: r.execType === "CANCELED" ? r.origClientOrderId || r.clientOrderId : r.clientOrderId,
      px: r.type === "MARKET" ? "" : okxPx(s, r.priceTicks),
      sz: r.origLots > 0 ? okxSz(s, r.origLots) : okxDecimal(s.formatQuote(r.origQuoteUnits)),
      ordType:
        r.type === "LIMIT_MAKER"
          ? "post_only"
          : r.type === "MARKET"
            ? "market"
            : r.timeInForce === "GTC"
              ? "limit"
              : r.timeInForce.toLowerCase(),
      side: r.side === "BUY" ? "buy" : "sell",
      tdMode: "cash",
      state: OkxVenue.state(r.status),
      accFillSz: okxSz(s, r.cumLots),
      avgPx: avg,
      fillPx: trade ? okxPx(s, r.lastPriceTicks) : "",
      fillSz: trade ? okxSz(s, r.lastLots) : "0",
      tradeId: trade ? String(r.tradeId) : "",
      fillTime: trade ? String(r.transactTimeMs) : "",
      fillFee:
        trade && r.commissionAsset !== null
          ? `-${okxDecimal(this.v.core.formatAsset(r.commissionAsset, r.commissionUnits))}`
          : "0",
      fillFeeCcy: r.commissionAsset ?? "",
      execType: trade ? (r.isMaker ? "M" : "T") : "",
      cancelSource: r.execType === "CANCELED" ? "1" : "",
      ...this.amendFields(r),
      cTime: String(r.creationTimeMs),
      uTime: String(r.eventTimeMs),
    });
  }
}
