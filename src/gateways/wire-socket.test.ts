import { afterEach, describe, expect, test } from "bun:test";
import { waitUntil } from "../../test/support/wait.ts";
import { Rng } from "../services/index.ts";
import { checkHandshake, WireSocket } from "./wire-socket.ts";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const accept = (key: string): string => new Bun.CryptoHasher("sha1").update(key + GUID).digest("base64");

/** A server frame (unmasked) of opcode `op`. */
function frame(op: number, payload: Uint8Array | string, fin = true, rsv = 0): Uint8Array {
  const p = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const n = p.length;
  const h = n < 126 ? 2 : n < 0x10000 ? 4 : 10;
  const out = new Uint8Array(h + n);
  out[0] = (fin ? 0x80 : 0) | rsv | op;
  if (n < 126) out[1] = n;
  else if (n < 0x10000) {
    out[1] = 126;
    out[2] = n >>> 8;
    out[3] = n & 0xff;
  } else {
    out[1] = 127;
    new DataView(out.buffer).setBigUint64(2, BigInt(n));
  }
  out.set(p, h);
  return out;
}

/** Client frames as the raw server reads them: opcode, masked or not, and the unmasked payload. */
interface ClientFrame {
  op: number;
  masked: boolean;
  payload: Uint8Array;
}

function readClientFrames(buf: Uint8Array): { frames: ClientFrame[]; used: number } {
  const frames: ClientFrame[] = [];
  let p = 0;
  while (buf.length - p >= 2) {
    const masked = ((buf[p + 1] as number) & 0x80) !== 0;
    let n = (buf[p + 1] as number) & 0x7f;
    let h = 2;
    if (n === 126) {
      n = ((buf[p + 2] as number) << 8) | (buf[p + 3] as number);
      h = 4;
    } else if (n === 127) {
      n = Number(new DataView(buf.buffer, buf.byteOffset).getBigUint64(p + 2));
      h = 10;
    }
    const m = masked ? 4 : 0;
    if (buf.length - p < h + m + n) break;
    const mask = buf.subarray(p + h, p + h + m);
    const payload = buf.slice(p + h + m, p + h + m + n);
    if (masked) for (let i = 0; i < n; i++) payload[i] = (payload[i] as number) ^ (mask[i & 3] as number);
    frames.push({ op: (buf[p] as number) & 0x0f, masked, payload });
    p += h + m + n;
  }
  return { frames, used: p };
}

/**
 * A raw TCP "venue": answers the upgrade (or `badAnswer`), then writes `script` as bytes in chunks
 * the rng picks, and records what the client sent.
 */
function rawServer(script: Uint8Array[], seed: string, badAnswer?: (key: string) => string) {
  const got: ClientFrame[] = [];
  let pending: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  let ended = false;
  const rng = new Rng(seed);
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(s, d) {
        if (pending.length === 0 && got.length === 0 && d.toString("latin1").startsWith("GET ")) {
          const key = /Sec-WebSocket-Key: (.*)\r\n/i.exec(d.toString("latin1"))?.[1]?.trim() ?? "";
          s.write(
            badAnswer?.(key) ??
              `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`,
          );
          const all = Buffer.concat(script);
          for (let i = 0; i < all.length; ) {
            const n = 1 + rng.int(Math.min(700, all.length - i));
            s.write(all.subarray(i, i + n));
            i += n;
          }
          return;
        }
        const joined = new Uint8Array(pending.length + d.length);
        joined.set(pending);
        joined.set(d, pending.length);
        const r = readClientFrames(joined);
        got.push(...r.frames);
        pending = joined.slice(r.used);
      },
      close() {
        ended = true;
      },
    },
  });
  return { url: `ws://127.0.0.1:${server.port}/stream?x=1`, got, server, isEnded: () => ended };
}

const servers: { stop(force?: boolean): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop(true);
});

/** Collects what a WireSocket reports. */
function watch(ws: WireSocket, takeText = true) {
  const bytes: string[] = [];
  const messages: (string | Buffer)[] = [];
  const closes: { code: number; reason: string; wasClean: boolean }[] = [];
  const errors: string[] = [];
  let opened = 0;
  ws.onopen = () => {
    opened++;
  };
  ws.ontext = (buf, start, end) => {
    if (!takeText) return false;
    bytes.push(Buffer.from(buf.subarray(start, end)).toString());
    return true;
  };
  ws.onmessage = (ev) => messages.push(ev.data);
  ws.onclose = (ev) => closes.push(ev);
  ws.onerror = (e) => errors.push(e.message);
  return { bytes, messages, closes, errors, opened: () => opened };
}

describe("WireSocket", () => {
  test("reads frames of every length and fragmented messages, whatever the TCP chunks, and answers pings", async () => {
    for (const seed of ["a", "b", "c"]) {
      const long = "x".repeat(70_000);
      const mid = "y".repeat(300);
      const script = [
        frame(1, '{"stream":"s","data":1}'),
        frame(1, mid),
        frame(9, "ping-1"),
        frame(1, long),
        frame(1, "frag-", false),
        frame(9, "ping-2"),
        frame(0, "ment-", false),
        frame(0, "ed"),
        frame(2, new Uint8Array([1, 2, 3])),
        frame(1, "é€😀"),
      ];
      const srv = rawServer(script, seed);
      servers.push(srv.server);
      const ws = new WireSocket(srv.url);
      const w = watch(ws);
      await waitUntil(
        () => w.bytes.length === 5 && w.messages.length === 1,
        "all messages",
        10_000,
        () => `seed ${seed}`,
      );
      expect(w.bytes, `seed ${seed}`).toEqual(['{"stream":"s","data":1}', mid, long, "frag-ment-ed", "é€😀"]);
      expect([...(w.messages[0] as Buffer)]).toEqual([1, 2, 3]);
      await waitUntil(
        () => srv.got.length >= 2,
        "pongs",
        10_000,
        () => `seed ${seed}`,
      );
      expect(srv.got.map((f) => [f.op, f.masked, Buffer.from(f.payload).toString()])).toEqual([
        [10, true, "ping-1"],
        [10, true, "ping-2"],
      ]);
      expect(w.opened()).toBe(1);
      ws.close();
      await waitUntil(
        () => w.closes.length === 1,
        "close",
        10_000,
        () => `seed ${seed}`,
      );
      expect(w.errors).toEqual([]);
    }
  });

  test("a frame the fast path does not take arrives as text through onmessage", async () => {
    const srv = rawServer([frame(1, "plain"), frame(1, "ünïcode")], "m");
    servers.push(srv.server);
    const w = watch(new WireSocket(srv.url), false);
    await waitUntil(() => w.messages.length === 2, "messages", 10_000);
    expect(w.messages).toEqual(["plain", "ünïcode"]);
  });

  test("a handler that throws loses no frame and repeats none; the error goes to onerror", async () => {
    const srv = rawServer([frame(1, "one"), frame(1, "boom"), frame(1, "two"), frame(1, "three")], "t");
    servers.push(srv.server);
    const ws = new WireSocket(srv.url);
    const got: string[] = [];
    const errors: string[] = [];
    ws.onerror = (e) => errors.push(e.message);
    ws.onmessage = (ev) => {
      got.push(String(ev.data));
      if (ev.data === "boom") throw new Error("handler bug");
    };
    await waitUntil(
      () => got.length >= 4,
      "all frames",
      10_000,
      () => JSON.stringify({ got, errors }),
    );
    expect(got).toEqual(["one", "boom", "two", "three"]);
    expect(errors).toEqual(["handler bug"]);
    expect(ws.readyState).toBe(WireSocket.OPEN);
    ws.close();
  });

  test("sends masked text frames and closes with the closing handshake against Bun's server", async () => {
    const seen: string[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req, srv) => (srv.upgrade(req, { data: undefined }) ? undefined : new Response("no", { status: 400 })),
      websocket: {
        message(ws, msg) {
          seen.push(String(msg));
          ws.send(`echo ${String(msg)}`);
          if (msg === "bye") ws.close(4001, "done here");
        },
      },
    });
    servers.push(server);
    const ws = new WireSocket(`ws://127.0.0.1:${server.port}/`);
    const w = watch(ws);
    await waitUntil(() => w.opened() === 1, "open", 10_000);
    expect(ws.readyState).toBe(WireSocket.OPEN);
    ws.send("hello");
    ws.send("z".repeat(70_000));
    ws.send("bye");
    await waitUntil(() => w.closes.length === 1, "server's close", 10_000);
    expect(seen).toEqual(["hello", "z".repeat(70_000), "bye"]);
    expect(w.bytes).toEqual(["echo hello", `echo ${"z".repeat(70_000)}`, "echo bye"]);
    expect(w.closes[0]).toEqual({ code: 4001, reason: "done here", wasClean: true });
    expect(ws.readyState).toBe(WireSocket.CLOSED);
    ws.send("after close"); // dropped, as Bun's WebSocket drops it
  });

  const violations: [string, Uint8Array[], number][] = [
    ["reserved bits", [frame(1, "ok"), frame(1, "x", true, 0x40)], 1002],
    ["a masked server frame", [frame(1, "ok"), new Uint8Array([0x81, 0x81, 1, 2, 3, 4, 5])], 1002],
    ["text that is not UTF-8", [frame(1, "ok"), frame(1, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))], 1007],
    ["a continuation without a start", [frame(1, "ok"), frame(0, "x")], 1002],
    ["a control frame of 126 bytes", [frame(1, "ok"), frame(9, "p".repeat(126))], 1002],
    ["an unknown opcode", [frame(1, "ok"), frame(3, "x")], 1002],
    ["a message over the limit", [frame(1, "ok"), frame(1, "q".repeat(2000))], 1009],
    [
      "a fragmented message over the limit",
      [frame(1, "ok"), frame(1, "q".repeat(600), false), frame(0, "q".repeat(600))],
      1009,
    ],
  ];
  for (const [what, script, code] of violations) {
    test(`closes with ${code} on ${what}, after the frames before it`, async () => {
      const srv = rawServer(script, what);
      servers.push(srv.server);
      const ws = new WireSocket(srv.url, { maxMessageBytes: 1000 });
      const w = watch(ws, false);
      await waitUntil(() => w.closes.length === 1, "close", 10_000);
      expect(w.messages).toEqual(["ok"]);
      expect(w.closes[0]?.code).toBe(code);
      expect(w.errors.length).toBe(1);
      await waitUntil(() => srv.got.some((f) => f.op === 8), "close frame sent", 10_000);
      const close = srv.got.find((f) => f.op === 8) as ClientFrame;
      expect(close.masked).toBe(true);
      expect(((close.payload[0] as number) << 8) | (close.payload[1] as number)).toBe(code);
      await waitUntil(srv.isEnded, "connection ended", 10_000);
    });
  }

  test("a wrong upgrade answer never opens and reports 1006", async () => {
    const answers: ((key: string) => string)[] = [
      () =>
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAA\r\n\r\n",
      (k) => `HTTP/1.1 200 OK\r\nSec-WebSocket-Accept: ${accept(k)}\r\n\r\n`,
      (k) =>
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(k)}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`,
    ];
    for (const answer of answers) {
      const srv = rawServer([frame(1, "never")], "h", answer);
      servers.push(srv.server);
      const w = watch(new WireSocket(srv.url), false);
      await waitUntil(() => w.closes.length === 1, "close", 10_000);
      expect(w.opened()).toBe(0);
      expect(w.messages).toEqual([]);
      expect(w.closes[0]?.code).toBe(1006);
      expect(w.errors.length).toBe(1);
    }
  });

  test("a refused connection reports an error and 1006; close while connecting reports 1006 once", async () => {
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    const w = watch(new WireSocket(`ws://127.0.0.1:${port}/`));
    await waitUntil(() => w.closes.length === 1, "close", 10_000);
    expect(w.closes[0]?.code).toBe(1006);
    expect(w.errors.length).toBe(1);
    const srv = rawServer([frame(1, "x")], "c");
    servers.push(srv.server);
    const ws = new WireSocket(srv.url);
    const w2 = watch(ws);
    ws.close();
    await waitUntil(() => w2.closes.length === 1, "close", 10_000);
    expect(w2.closes[0]?.code).toBe(1006);
    expect(w2.opened()).toBe(0);
    expect(() => new WireSocket("http://127.0.0.1:1/")).toThrow("not a ws:// or wss:// URL");
  });

  test("wss: TLS with the server's certificate checked (a self-signed one is refused unless trusted)", async () => {
    const dir = `${import.meta.dir}/../../test/support/tls`;
    const cert = await Bun.file(`${dir}/localhost.crt`).text();
    const key = await Bun.file(`${dir}/localhost.key`).text();
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert, key },
      fetch: (req, srv) => (srv.upgrade(req, { data: undefined }) ? undefined : new Response("no", { status: 400 })),
      websocket: {
        message(ws, msg) {
          ws.send(`tls ${String(msg)}`);
        },
      },
    });
    servers.push(server);
    const trusted = new WireSocket(`wss://localhost:${server.port}/x`, { tls: { ca: cert } });
    const w = watch(trusted);
    await waitUntil(
      () => w.opened() === 1,
      "TLS open",
      10_000,
      () => JSON.stringify(w.errors),
    );
    trusted.send("hi");
    await waitUntil(() => w.bytes.length === 1, "answer", 10_000);
    expect(w.bytes).toEqual(["tls hi"]);
    trusted.close();
    await waitUntil(() => w.closes.length === 1, "close", 10_000);
    const untrusted = watch(new WireSocket(`wss://localhost:${server.port}/x`));
    await waitUntil(() => untrusted.closes.length === 1, "refused", 10_000);
    expect(untrusted.opened()).toBe(0);
    expect(untrusted.closes[0]?.code).toBe(1006);
    expect(untrusted.errors.length).toBe(1);
  });

  test("checkHandshake names what is wrong", () => {
    const ok = `HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\nsec-websocket-accept: ${accept("k")}`;
    expect(checkHandshake(ok, "k")).toBe("");
    const rfcSample =
      "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    expect(checkHandshake(rfcSample, "dGhlIHNhbXBsZSBub25jZQ==")).toBe(""); // RFC 6455 §1.3's example
    expect(checkHandshake(ok, "other")).toBe("wrong Sec-WebSocket-Accept");
    expect(checkHandshake("HTTP/1.1 403 Forbidden", "k")).toContain("upgrade refused");
    expect(checkHandshake("garbage", "k")).toContain("not an HTTP/1.1 answer");
    expect(checkHandshake(ok.replace("connection: keep-alive, Upgrade", "connection: close"), "k")).toBe(
      "no Connection: upgrade",
    );
  });
});
