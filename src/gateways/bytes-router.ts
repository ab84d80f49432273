/**
 * Routes a frame read as bytes by the name that follows a fixed head (Binance `{"stream":"<name>"`,
 * OKX `{"arg":{"channel":"books","instId":"<name>"`), without making a string of it: consecutive
 * frames usually name the same stream, so they cost a byte comparison; a new name is looked up once.
 */

const QUOTE = 0x22;

/** See the file comment. */
export class BytesRouter<T> {
  private readonly head: Uint8Array;
  private last = new Uint8Array(0);
  private lastValue: T | undefined;

  constructor(
    head: string,
    private readonly lookup: (name: string) => T | undefined,
  ) {
    this.head = new TextEncoder().encode(head);
  }

  /** What the name in buf[start, end) maps to; undefined when the frame has another head or an unknown name. */
  route(buf: Uint8Array, start: number, end: number): T | undefined {
    const head = this.head;
    const from = start + head.length;
    if (from >= end) return undefined;
    for (let i = 0; i < head.length; i++) if (buf[start + i] !== head[i]) return undefined;
    const last = this.last;
    const n = last.length;
    if (this.lastValue !== undefined && from + n < end && buf[from + n] === QUOTE) {
      let i = 0;
      while (i < n && buf[from + i] === last[i]) i++;
      if (i === n) return this.lastValue;
    }
    let q = from;
    while (q < end && buf[q] !== QUOTE) q++;
    if (q >= end) return undefined;
    const value = this.lookup(Buffer.from(buf.buffer, buf.byteOffset + from, q - from).toString("latin1"));
    if (value !== undefined) {
      this.last = buf.slice(from, q);
      this.lastValue = value;
    }
    return value;
  }

  /** Drops the remembered name (its target went away). */
  forget(): void {
    this.last = new Uint8Array(0);
    this.lastValue = undefined;
  }
}
