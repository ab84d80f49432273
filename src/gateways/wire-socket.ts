/**
 * A WebSocket client (RFC 6455) over Bun's TCP/TLS socket that hands each text frame's bytes to the
 * adapter where they arrived: no string, no event object, no copy per frame. Bun's WebSocket turns
 * every text frame into a JS string and a MessageEvent (~0.3 µs of CPU and ~700 bytes of garbage per
 * 600-byte depth frame), which the C depth decoder then encodes back into bytes. Market-data sockets
 * use this one; a frame the adapter's fast path does not take is decoded (strict UTF-8) and delivered
 * as Bun's WebSocket would deliver it, through `onmessage`.
 *
 * What it does of the protocol: the opening handshake (Sec-WebSocket-Accept checked, no extensions,
 * no subprotocol), masked client frames, fragmented messages, ping answered with pong, the closing
 * handshake. What it refuses, closing the connection as RFC 6455 says: reserved bits, masked server
 * frames, control frames over 125 bytes or fragmented, unknown opcodes, a continuation without a start,
 * text that is not UTF-8 (1007), messages over `maxMessageBytes` (1009).
 */

/** RFC 6455's GUID for Sec-WebSocket-Accept. */
const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const MAX_HANDSHAKE_BYTES = 16 << 10;
const CLOSE_GUARD_MS = 2_000;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** The fast path's hook: true when it took the text frame in buf[start, end) (valid only during the call). */
export type TextBytesHandler = (buf: Uint8Array, start: number, end: number) => boolean;

/** What onclose reports, as Bun's CloseEvent does. */
export interface WireCloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** What onmessage gets, as Bun's MessageEvent has it: text as a string, binary as a Buffer. */
export interface WireMessageEvent {
  readonly data: string | Buffer;
}

/** Options of one connection. */
export interface WireSocketOptions {
  /** Longest message (after reassembly) accepted; longer closes with 1009 (default 16 MiB). */
  readonly maxMessageBytes?: number;
  /** TLS options for wss:// beyond the server name (e.g. `ca` for a private CA in tests). */
  readonly tls?: { readonly ca?: string | readonly string[]; readonly rejectUnauthorized?: boolean };
}

type Sock = Bun.Socket<undefined>;

/**
 * A handler type checked like a method's (parameters bivariant), so Bun's WebSocket, whose handlers
 * take its own Event classes, and WireSocket both have the MarketSocket shape.
 */
type Handler<E> = { bivariant(ev: E): void }["bivariant"];

/** The shape of a WebSocket the market-data adapters use; Bun's WebSocket and WireSocket both have it. */
export interface MarketSocket {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

/** Which client a market-data socket uses: ours (bytes to the decoder) or Bun's WebSocket. */
export type MarketSocketKind = "wire" | "bun";

/** The wire socket's hooks an adapter sets (Bun's WebSocket has no use for them). */
export interface WireHooks {
  /** Sees each text frame's bytes first; true when it took the frame. */
  readonly ontext: TextBytesHandler;
  /** Once per socket read, before its frames. */
  readonly onchunk?: () => void;
}

/** Opens a market-data socket of the configured kind, with `hooks` when it is a wire socket. */
export function openMarketSocket(url: string, kind: MarketSocketKind, hooks?: WireHooks): MarketSocket {
  if (kind === "bun") return new WebSocket(url);
  const ws = new WireSocket(url);
  if (hooks !== undefined) {
    ws.ontext = hooks.ontext;
    ws.onchunk = hooks.onchunk ?? null;
  }
  return ws;
}

/** See the file comment. */
export class WireSocket implements MarketSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((ev: WireMessageEvent) => void) | null = null;
  onclose: ((ev: WireCloseEvent) => void) | null = null;
  onerror: ((ev: Error) => void) | null = null;
  /** Set by the adapter: text frames go here first. */
  ontext: TextBytesHandler | null = null;
  /** Called once per read from the socket, before its frames: they all arrived then (one clock read). */
  onchunk: (() => void) | null = null;

  private sock: Sock | undefined;
  private readonly key: string;
  private readonly maxMessage: number;
  /** Received bytes not yet consumed: buf[0, len). Reused; grows to the longest frame seen. */
  private buf = new Uint8Array(64 << 10);
  private len = 0;
  /** The buffer parseFrames is reading: buf, or a socket read taken as it is. */
  private cur: Uint8Array = this.buf;
  private handshaken = false;
  /** A fragmented message being reassembled (opcode 0 when none). */
  private fragOp = 0;
  private frag = new Uint8Array(0);
  private fragLen = 0;
  /** Bytes written while the socket was full, sent on drain. */
  private outbox: Uint8Array[] = [];
  private closeSent = false;
  private closeEmitted = false;
  private closeGuard: ReturnType<typeof setTimeout> | undefined;
  private peerClose: { code: number; reason: string } | undefined;

  constructor(
    readonly url: string,
    options: WireSocketOptions = {},
  ) {
    this.maxMessage = options.maxMessageBytes ?? 16 << 20;
    const u = new URL(url);
    if (u.protocol !== "ws:" && u.protocol !== "wss:") throw new SyntaxError(`${url}: not a ws:// or wss:// URL`);
    const secure = u.protocol === "wss:";
    const host = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
    const port = u.port === "" ? (secure ? 443 : 80) : Number(u.port);
    const nonce = new Uint8Array(16);
    crypto.getRandomValues(nonce);
    this.key = Buffer.from(nonce).toString("base64");
    const request =
      `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const tls = secure ? { serverName: host, ...options.tls } : undefined;
    Bun.connect({
      hostname: host,
      port,
      ...(tls !== undefined ? { tls: tls as Bun.TLSOptions } : {}),
      socket: {
        open: (s) => {
          if (this.readyState !== WireSocket.CONNECTING) {
            s.end(); // closed while connecting
            return;
          }
          this.sock = s;
          this.write(encoder.encode(request));
        },
        data: (_s, chunk) => this.onData(chunk),
        drain: () => this.flush(),
        close: () => this.onSocketGone("connection closed"),
        error: (_s, err) => this.onSocketGone(err.message),
        connectError: (_s, err) => this.onSocketGone(err.message),
      },
    }).catch((err: unknown) => this.onSocketGone(err instanceof Error ? err.message : String(err)));
  }

  /** Sends one text message (masked, as a client must); dropped unless open, as Bun's does after close. */
  send(text: string): void {
    if (this.readyState !== WireSocket.OPEN) return;
    this.sendFrame(0x1, encoder.encode(text));
  }

  /** Starts the closing handshake (or abandons a connection still being made). */
  close(code = 1000, reason = ""): void {
    if (this.readyState === WireSocket.CLOSING || this.readyState === WireSocket.CLOSED) return;
    if (this.readyState === WireSocket.CONNECTING || !this.handshaken) {
      this.readyState = WireSocket.CLOSED;
      this.sock?.end();
      this.emitClose(1006, "closed before open", false);
      return;
    }
    this.readyState = WireSocket.CLOSING;
    this.sendClose(code, reason);
    this.closeGuard = setTimeout(() => this.terminate(1006, "no close answer"), CLOSE_GUARD_MS);
    this.closeGuard.unref(); // a closing socket never keeps the process alive
  }

  // ---------------------------------------------------------------- receiving

  private onData(chunk: Uint8Array): void {
    if (this.readyState === WireSocket.CLOSED) return;
    this.onchunk?.();
    if (this.len === 0 && this.handshaken) {
      // Nothing pending: the frames are read where Bun put them (a read can be ~400 KB), and only an
      // unfinished last frame is copied.
      const p = this.parseFrames(chunk, 0, chunk.length);
      if (p < 0 || p === chunk.length) return;
      this.reserve(chunk.length - p);
      this.buf.set(chunk.subarray(p));
      this.len = chunk.length - p;
      return;
    }
    const need = this.len + chunk.length;
    this.reserve(need);
    this.buf.set(chunk, this.len);
    this.len = need;
    let p = 0;
    if (!this.handshaken) {
      p = this.onHandshake();
      if (p < 0) return;
    }
    p = this.parseFrames(this.buf, p, this.len);
    if (p < 0) return;
    if (p === this.len) this.len = 0;
    else if (p > 0) {
      this.buf.copyWithin(0, p, this.len);
      this.len -= p;
    }
  }

  /** Reads the server's answer to the upgrade; returns where the frames start, or -1 (waiting or failed). */
  private onHandshake(): number {
    const end = Buffer.from(this.buf.buffer, 0, this.len).indexOf("\r\n\r\n");
    if (end < 0) {
      if (this.len > MAX_HANDSHAKE_BYTES) this.fail(1002, "handshake answer too long");
      return -1;
    }
    const head = Buffer.from(this.buf.buffer, 0, end).toString("latin1");
    const why = checkHandshake(head, this.key);
    if (why !== "") {
      this.fail(1002, why);
      return -1;
    }
    this.handshaken = true;
    this.readyState = WireSocket.OPEN;
    this.onopen?.();
    return this.readyState === WireSocket.OPEN ? end + 4 : -1;
  }

  /** Handles every whole frame of b[from, len); returns where the unfinished one starts, or -1 when closed. */
  private parseFrames(b: Uint8Array, from: number, len: number): number {
    this.cur = b;
    let p = from;
    while (len - p >= 2) {
      const b0 = b[p] as number;
      const b1 = b[p + 1] as number;
      let n = b1 & 0x7f;
      let h = 2;
      if (n === 126) {
        if (len - p < 4) break;
        n = ((b[p + 2] as number) << 8) | (b[p + 3] as number);
        h = 4;
      } else if (n === 127) {
        if (len - p < 10) break;
        const hi = ((b[p + 2] as number) << 24) | ((b[p + 3] as number) << 16) | ((b[p + 4] as number) << 8);
        const lo =
          (b[p + 6] as number) * 0x1000000 +
          (((b[p + 7] as number) << 16) | ((b[p + 8] as number) << 8) | (b[p + 9] as number));
        n = hi !== 0 || (b[p + 5] as number) !== 0 ? Number.POSITIVE_INFINITY : lo;
        h = 10;
      }
      if ((b0 & 0x70) !== 0) return this.fail(1002, "reserved bits set");
      if ((b1 & 0x80) !== 0) return this.fail(1002, "masked frame from the server");
      if (n > this.maxMessage) return this.fail(1009, "message too big");
      if (len - p < h + n) {
        this.reserve(h + n); // the unfinished frame will be completed in this.buf
        break;
      }
      const start = p + h;
      p = start + n;
      if (!this.onFrame(b0, start, p)) return -1;
    }
    return p;
  }

  /** Grows the receive buffer (keeping buf[0, len)) so `bytes` fit from its start. */
  private reserve(bytes: number): void {
    if (bytes <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(bytes, this.buf.length * 2));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  /** One whole frame; false once the connection is closed. */
  private onFrame(b0: number, start: number, end: number): boolean {
    const op = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    if (op >= 0x8) return this.onControl(op, fin, start, end);
    if (op === 0x0) {
      if (this.fragOp === 0) return this.fail(1002, "continuation without a message") !== -1;
      return this.appendFragment(start, end, fin);
    }
    if (op !== 0x1 && op !== 0x2) return this.fail(1002, `unknown opcode ${op}`) !== -1;
    if (this.fragOp !== 0) return this.fail(1002, "new message inside a fragmented one") !== -1;
    if (!fin) {
      this.fragOp = op;
      this.fragLen = 0;
      return this.appendFragment(start, end, false);
    }
    return this.deliver(op, this.cur, start, end);
  }

  private appendFragment(start: number, end: number, fin: boolean): boolean {
    const n = end - start;
    if (this.fragLen + n > this.maxMessage) return this.fail(1009, "message too big") !== -1;
    if (this.fragLen + n > this.frag.length) {
      const grown = new Uint8Array(Math.max(this.fragLen + n, this.frag.length * 2, 4096));
      grown.set(this.frag.subarray(0, this.fragLen));
      this.frag = grown;
    }
    this.frag.set(this.cur.subarray(start, end), this.fragLen);
    this.fragLen += n;
    if (!fin) return true;
    const op = this.fragOp;
    this.fragOp = 0;
    return this.deliver(op, this.frag, 0, this.fragLen);
  }

  /** A whole message: text to the fast path, else decoded to onmessage. */
  private deliver(op: number, buf: Uint8Array, start: number, end: number): boolean {
    try {
      if (op === 0x1) {
        if (this.ontext?.(buf, start, end) === true) return this.readyState === WireSocket.OPEN;
        let text: string;
        try {
          text = utf8.decode(buf.subarray(start, end));
        } catch {
          return this.fail(1007, "text frame is not UTF-8") !== -1;
        }
        this.onmessage?.({ data: text });
      } else this.onmessage?.({ data: Buffer.from(buf.subarray(start, end)) });
    } catch (err) {
      // A handler's bug: reported (stderr and onerror), never thrown into the socket's read, so the
      // frames after this one are still read, once each, and the engine keeps running.
      const e = err instanceof Error ? err : new Error(String(err));
      console.error(`${this.url}: a frame handler threw: ${e.stack ?? e.message}`);
      this.onerror?.(e);
    }
    return this.readyState === WireSocket.OPEN;
  }

  private onControl(op: number, fin: boolean, start: number, end: number): boolean {
    if (!fin || end - start > 125) return this.fail(1002, "bad control frame") !== -1;
    if (op === 0x9) {
      this.sendFrame(0xa, this.cur.slice(start, end));
      return true;
    }
    if (op === 0xa) return true;
    if (op !== 0x8) return this.fail(1002, `unknown opcode ${op}`) !== -1;
    const n = end - start;
    if (n === 1) return this.fail(1002, "close frame of one byte") !== -1;
    let code = 1005;
    let reason = "";
    if (n >= 2) {
      code = ((this.cur[start] as number) << 8) | (this.cur[start + 1] as number);
      try {
        reason = utf8.decode(this.cur.subarray(start + 2, end));
      } catch {
        return this.fail(1007, "close reason is not UTF-8") !== -1;
      }
    }
    this.peerClose = { code, reason };
    if (!this.closeSent) this.sendClose(code === 1005 ? 1000 : code, "");
    this.terminate(code, reason, true);
    return false;
  }

  // ---------------------------------------------------------------- sending

  private sendFrame(op: number, payload: Uint8Array): void {
    const n = payload.length;
    const h = n < 126 ? 6 : n < 0x10000 ? 8 : 14;
    const out = new Uint8Array(h + n);
    out[0] = 0x80 | op;
    if (n < 126) out[1] = 0x80 | n;
    else if (n < 0x10000) {
      out[1] = 0x80 | 126;
      out[2] = n >>> 8;
      out[3] = n & 0xff;
    } else {
      out[1] = 0x80 | 127;
      new DataView(out.buffer).setBigUint64(2, BigInt(n));
    }
    const mask = out.subarray(h - 4, h);
    crypto.getRandomValues(mask);
    for (let i = 0; i < n; i++) out[h + i] = (payload[i] as number) ^ (mask[i & 3] as number);
    this.write(out);
  }

  private sendClose(code: number, reason: string): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const r = encoder.encode(reason).subarray(0, 123);
    const payload = new Uint8Array(2 + r.length);
    payload[0] = code >>> 8;
    payload[1] = code & 0xff;
    payload.set(r, 2);
    this.sendFrame(0x8, payload);
  }

  private write(bytes: Uint8Array): void {
    const s = this.sock;
    if (s === undefined) return;
    if (this.outbox.length > 0) {
      this.outbox.push(bytes);
      return;
    }
    const n = s.write(bytes);
    if (n < bytes.length) this.outbox.push(bytes.subarray(Math.max(0, n)));
  }

  private flush(): void {
    const s = this.sock;
    while (s !== undefined && this.outbox.length > 0) {
      const head = this.outbox[0] as Uint8Array;
      const n = s.write(head);
      if (n < head.length) {
        this.outbox[0] = head.subarray(Math.max(0, n));
        return;
      }
      this.outbox.shift();
    }
  }

  // ---------------------------------------------------------------- ending

  /** A protocol violation: close with `code` and end the connection; returns -1 for the parsers. */
  private fail(code: number, why: string): -1 {
    if (this.readyState === WireSocket.CLOSED) return -1;
    if (this.handshaken) this.sendClose(code, why);
    this.onerror?.(new Error(`${this.url}: ${why}`));
    this.terminate(code === 1002 && !this.handshaken ? 1006 : code, why);
    return -1;
  }

  private terminate(code: number, reason: string, clean = false): void {
    this.readyState = WireSocket.CLOSED;
    this.emitClose(code, reason, clean); // first: ending the socket may report its close at once
    this.sock?.end();
  }

  private onSocketGone(why: string): void {
    if (this.readyState === WireSocket.CLOSED) {
      this.emitClose(1006, why, false); // no-op when already reported
      return;
    }
    const wasConnecting = !this.handshaken;
    this.readyState = WireSocket.CLOSED;
    if (wasConnecting) this.onerror?.(new Error(`${this.url}: ${why}`));
    const peer = this.peerClose;
    this.emitClose(peer?.code ?? 1006, peer?.reason ?? why, peer !== undefined);
  }

  /** onclose once, in a later task as Bun's WebSocket reports it (never inside send or close). */
  private emitClose(code: number, reason: string, wasClean: boolean): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    if (this.closeGuard !== undefined) clearTimeout(this.closeGuard);
    this.closeGuard = undefined;
    this.outbox = [];
    setTimeout(() => this.onclose?.({ code, reason, wasClean }), 0);
  }
}

/** "" when the server's answer to the upgrade is a valid acceptance of `key`, else why not. */
export function checkHandshake(head: string, key: string): string {
  const lines = head.split("\r\n");
  const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? "");
  if (status === null) return `not an HTTP/1.1 answer: ${(lines[0] ?? "").slice(0, 80)}`;
  if (status[1] !== "101") return `upgrade refused: ${(lines[0] ?? "").slice(0, 80)}`;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return `bad header line: ${line.slice(0, 80)}`;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  if ((headers.get("upgrade") ?? "").toLowerCase() !== "websocket") return "no Upgrade: websocket";
  if (
    !(headers.get("connection") ?? "")
      .toLowerCase()
      .split(",")
      .some((t) => t.trim() === "upgrade")
  )
    return "no Connection: upgrade";
  const want = new Bun.CryptoHasher("sha1").update(key + ACCEPT_GUID).digest("base64");
  if (headers.get("sec-websocket-accept") !== want) return "wrong Sec-WebSocket-Accept";
  if (headers.has("sec-websocket-extensions")) return "an extension was not asked for";
  if (headers.has("sec-websocket-protocol")) return "a subprotocol was not asked for";
  return "";
}
