/**
 * The backtest's progress on the console (stderr): on a terminal one line redrawn in place with a
 * bar, events/s and ETA; otherwise (a log file, CI) a plain line at most every 10 s, so logs stay short.
 */

/** Draws progress; call update() often (it throttles itself) and done() once. */
export class ProgressBar {
  private readonly tty = process.stderr.isTTY === true;
  private readonly t0 = performance.now();
  private last = 0;

  update(done: number, total: number): void {
    const now = performance.now();
    if (now - this.last < (this.tty ? 200 : 10_000)) return;
    this.last = now;
    process.stderr.write(this.line(done, total) + (this.tty ? "\r" : "\n"));
  }

  finish(done: number, total: number): void {
    process.stderr.write(`${this.line(done, total)}\n`);
  }

  private line(done: number, total: number): string {
    const s = (performance.now() - this.t0) / 1000;
    const rate = s > 0 ? done / s : 0;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
    const bar = "#".repeat(Math.round(frac * 30)).padEnd(30, "-");
    return `[${bar}] ${(frac * 100).toFixed(1)}% ${done}/${total} events ${Math.round(rate).toLocaleString("en")} ev/s ETA ${eta.toFixed(0)} s`;
  }
}
