/**
 * The market-data benches' shared pieces. Their loopback venues send through this: frames go out corked, 64 to a write,
 * as a busy venue's coalesced TCP segments arrive. Sent one write per frame, the sender is slower than
 * the engine, so the engine wakes, reads one frame and sleeps again: the figure then measured the
 * kernel's wake-up per frame (bimodal between runs, 0.16 vs 3.06 µs of system time per frame) and
 * the sender's pace, not the engine's capacity.
 */

import { loadavg } from "node:os";
import { WireSocket } from "../src/gateways/index.ts";

/** What the pump needs of Bun's ServerWebSocket. */
export interface CorkableSocket {
  send(s: string): number;
  cork(cb: () => void): unknown;
}

/** Sends frames[from..] until done or backpressure; returns the index to continue from on drain. */
export function blast(ws: CorkableSocket, frames: readonly string[], from: number): number {
  let next = from;
  let blocked = false;
  while (next < frames.length && !blocked) {
    ws.cork(() => {
      for (let k = 0; k < 64 && next < frames.length; k++) {
        const r = ws.send(frames[next] as string);
        next++;
        if (r === -1) {
          blocked = true; // backpressure: continue on drain
          return;
        }
      }
    });
  }
  return next;
}

/** Frames as one buffer of bytes and where each starts (starts[i]..starts[i+1]), as a socket reads them. */
export function packFrames(frames: readonly string[]): { bytes: Uint8Array; starts: Int32Array } {
  const enc = new TextEncoder();
  const parts = frames.map((f) => enc.encode(f));
  const bytes = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  const starts = new Int32Array(parts.length + 1);
  let at = 0;
  parts.forEach((b, i) => {
    bytes.set(b, at);
    starts[i] = at;
    at += b.length;
  });
  starts[parts.length] = at;
  return { bytes, starts };
}

/** Feeds frames [from, to) to `feed` and prints frames/s and CPU per frame under `label`. */
export function timeFeed(label: string, from: number, to: number, feed: (i: number) => void): void {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = from; i < to; i++) feed(i);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const n = to - from;
  console.log(`${label}: ${n} frames in ${ms.toFixed(0)} ms`);
  console.log(
    `  ${Math.round(n / (ms / 1000)).toLocaleString()} frames/s, CPU ${((c.user + c.system) / n).toFixed(2)} µs/frame`,
  );
}

/** Where a server connection is in the frames: each connection (the engine's, the floor's) gets them all. */
export interface PumpState {
  next: number;
  /** The floor's connection (socketFloor): sent the frames as soon as it opens. */
  readonly floor: boolean;
}

/** Sends the frames to one connection from where it stopped (on open or subscribe, and on drain). */
export function pumpFrames(ws: CorkableSocket & { data: PumpState }, frames: readonly string[]): void {
  ws.data.next = blast(ws, frames, ws.data.next);
}

/** What socketFloor measured: this process's CPU per frame and the frames per second. */
export interface FloorFigures {
  readonly cpu_us: number;
  readonly user_us: number;
  readonly system_us: number;
  readonly framesPerSecond: number;
}

/**
 * The socket floor under a loopback figure: the same frames from the same sender into a wire socket
 * whose text hook takes each frame and does nothing, timed like the engine (this process's CPU from
 * frame `warmup` to `frames`). It is what Bun's TCP socket, the kernel and the WebSocket framing cost
 * per frame; the engine's own share of the loopback figure is what is above it.
 */
export async function socketFloor(url: string, frames: number, warmup: number): Promise<FloorFigures> {
  const ws = new WireSocket(url);
  let n = 0;
  let c0 = process.cpuUsage();
  let t0 = 0;
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  ws.ontext = () => {
    if (++n === warmup) {
      t0 = performance.now();
      c0 = process.cpuUsage();
    } else if (n === frames) {
      resolve();
    }
    return true;
  };
  ws.onclose = (ev) => reject(new Error(`floor socket closed (${ev.code}) after ${n} of ${frames} frames`));
  await promise;
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  ws.onclose = null;
  ws.close();
  const count = frames - warmup;
  return {
    cpu_us: (c.user + c.system) / count,
    user_us: c.user / count,
    system_us: c.system / count,
    framesPerSecond: count / (ms / 1000),
  };
}

/** Prints the floor beside the engine's loopback CPU per frame: the engine's share is the difference. */
export function printFloor(floor: FloorFigures, engineCpu_us: number): void {
  console.log(
    `socket floor (same frames, same loopback, a wire socket that does nothing): ${Math.round(floor.framesPerSecond).toLocaleString()} frames/s`,
  );
  console.log(
    `  CPU ${floor.cpu_us.toFixed(2)} µs/frame (user ${floor.user_us.toFixed(2)}, system ${floor.system_us.toFixed(2)}); the engine above it: ${(engineCpu_us - floor.cpu_us).toFixed(2)} µs/frame`,
  );
}

/** A bench's loopback venue: the bench file itself run with `--serve` in a child process, and its port. */
export async function startVenue(path: string, frames: number): Promise<{ child: Bun.Subprocess; base: string }> {
  const child = Bun.spawn([process.execPath, path, "--serve"], {
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, FRAMES: String(frames) },
  });
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("bench server exited");
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { child, base: `127.0.0.1:${Number(/PORT (\d+)/.exec(text)?.[1])}` };
}

/** The load average at the end of a run, printed with its figures (these machines are shared). */
export function printLoad(): void {
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")} (machine shared with other agents)`,
  );
}
