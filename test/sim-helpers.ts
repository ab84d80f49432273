/**
 * Plain HTTP and WebSocket clients for the simulator's conformance tests: they sign and frame
 * requests by hand, exactly as the Binance docs describe, so the tests check the wire protocol and
 * not our own adapter.
 */
import { connect, type Socket } from "node:net";
import { hmacSha256Hex, type RunningSim, wsApiSignedPayload } from "../src/sim/index.ts";

/** A decoded REST answer. */
export interface RestAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  /** Body as an object (tests on error bodies and order objects). */
  obj: Record<string, unknown>;
}

/** Query string of params in insertion order, percent-encoded like a typical client. */
export function qs(params: Record<string, string | number | boolean>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join("&");
}

/** Calls a REST endpoint; signed calls get timestamp (sim time) and signature appended. */
export async function rest(
  sim: RunningSim,
  method: string,
  path: string,
  params: Record<string, string | number | boolean> = {},
  opts: { signed?: boolean; key?: string | null; secret?: string; body?: boolean; timestamp?: number } = {},
): Promise<RestAnswer> {
  let query = qs(params);
  if (opts.signed === true) {
    const ts = opts.timestamp ?? sim.clock.nowMs();
    query = query.length > 0 ? `${query}&timestamp=${ts}` : `timestamp=${ts}`;
    query += `&signature=${hmacSha256Hex(opts.secret ?? sim.apiSecret, query)}`;
  }
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? sim.apiKey : opts.key;
  if (key !== null) headers["X-MBX-APIKEY"] = key;
  let url = `${sim.restUrl}${path}`;
  let body: string | undefined;
  if (opts.body === true) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = query;
  } else if (query.length > 0) {
    url += `?${query}`;
  }
  const r = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // non-JSON bodies stay text
  }
  return {
    status: r.status,
    headers: r.headers,
    body: parsed,
    obj: (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>,
  };
}

/** A WebSocket with a message queue and waits that fail with a clear message instead of hanging. */
export class WsClient {
  readonly ws: WebSocket;
  readonly messages: unknown[] = [];
  readonly raw: string[] = [];
  closed = false;
  closeCode = 0;
  private waiters: Array<() => void> = [];

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.onmessage = (e) => {
      const text = String(e.data);
      this.raw.push(text);
      let v: unknown = text;
      try {
        v = JSON.parse(text);
      } catch {
        // keep text
      }
      this.messages.push(v);
      this.wake();
    };
    this.ws.onclose = (e) => {
      this.closed = true;
      this.closeCode = e.code;
      this.wake();
    };
  }

  /** Opens a connection and waits for it. */
  static async open(url: string, timeoutMs = 10_000): Promise<WsClient> {
    const c = new WsClient(url);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout opening ${url}`)), timeoutMs);
      c.ws.onopen = () => {
        clearTimeout(t);
        resolve();
      };
      c.ws.onerror = () => {
        clearTimeout(t);
        reject(new Error(`error opening ${url}`));
      };
    });
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(v: unknown): void {
    this.ws.send(typeof v === "string" ? v : JSON.stringify(v));
  }

  /** Waits until pred holds for a message at index ≥ from; returns it and its index. */
  async waitFor<T = Record<string, unknown>>(
    pred: (m: Record<string, unknown>) => boolean,
    what: string,
    opts: { from?: number; timeoutMs?: number; onIdle?: () => void } = {},
  ): Promise<T> {
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    let i = opts.from ?? 0;
    for (;;) {
      for (; i < this.messages.length; i++) {
        const m = this.messages[i];
        if (typeof m === "object" && m !== null && pred(m as Record<string, unknown>)) return m as T;
      }
      if (this.closed) throw new Error(`connection closed (code ${this.closeCode}) while waiting for ${what}`);
      if (Date.now() > deadline)
        throw new Error(`timeout waiting for ${what}; last: ${this.raw.slice(-3).join(" | ")}`);
      opts.onIdle?.();
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 20);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the socket to close. */
  async waitClosed(timeoutMs = 15_000, onIdle?: () => void): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("timeout waiting for close");
      onIdle?.();
      await Bun.sleep(20);
    }
    return this.closeCode;
  }

  close(): void {
    if (!this.closed) this.ws.close();
  }
}

let nextId = 1;

/** Sends a WS API request (signed with sorted params when asked) and waits for its response. */
export async function wsApi(
  c: WsClient,
  sim: RunningSim,
  method: string,
  params: Record<string, unknown> = {},
  opts: { signed?: boolean; secret?: string } = {},
): Promise<Record<string, unknown>> {
  const id = `req-${nextId++}`;
  let p = params;
  if (opts.signed === true) {
    p = { ...params, apiKey: params["apiKey"] ?? sim.apiKey, timestamp: params["timestamp"] ?? sim.clock.nowMs() };
    p["signature"] = hmacSha256Hex(opts.secret ?? sim.apiSecret, wsApiSignedPayload(p));
  }
  const from = c.messages.length;
  c.send({ id, method, params: p });
  return c.waitFor((m) => m["id"] === id, `response to ${method}`, { from });
}

/** A price far below the market on the grid, so a buy rests without filling. */
export function restingBuyPrice(sim: RunningSim, symbol: string): string {
  const sym = sim.exchange.symbol(symbol);
  const top = sim.exchange.bookTop(symbol);
  if (sym === undefined || top === undefined) throw new Error(`no symbol ${symbol}`);
  return sym.priceGrid.format(Math.floor(top.bidTicks * 0.9));
}

/** A WebSocket client that never answers pings: a raw TCP handshake and a frame-type counter. */
export async function rawWebSocket(
  port: number,
  path: string,
): Promise<{ socket: Socket; pings: number; closeFrame: boolean }> {
  const state = { socket: connect(port, "127.0.0.1"), pings: 0, closeFrame: false };
  let buf = Buffer.alloc(0);
  let upgraded = false;
  await new Promise<void>((resolve, reject) => {
    state.socket.on("error", reject);
    state.socket.on("connect", () => {
      state.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    state.socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        upgraded = true;
        buf = buf.subarray(end + 4);
        resolve();
      }
      for (;;) {
        if (buf.length < 2) return;
        const op = (buf[0] ?? 0) & 0x0f;
        let len = (buf[1] ?? 0) & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        if (op === 0x9) state.pings++;
        if (op === 0x8) state.closeFrame = true;
        buf = buf.subarray(off + len);
      }
    });
  });
  return state;
}
