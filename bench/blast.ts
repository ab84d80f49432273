/**
 * The market-data benches' shared pieces. Their loopback venues send through this: frames go out corked, 64 to a write,
 * as a busy venue's coalesced TCP segments arrive. Sent one write per frame, the sender is slower than
 * the engine, so the engine wakes, reads one frame and sleeps again: the figure then measured the
 * kernel's wake-up per frame (bimodal between runs, 0.16 vs 3.06 µs of system time per frame) and
 * the sender's pace, not the engine's capacity.
 */

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
