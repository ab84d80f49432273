/**
 * The scratch book of an adapter's keep-warm rehearsal: a C book nobody reads, into which the last
 * frame is decoded and applied again. Levels of many frames pile up in it, so it starts afresh
 * whenever it refuses a frame or ends up crossed. Created on first use; close() frees it. It keeps the
 * frame to rehearse too: a text frame by reference; a frame read as bytes is copied (the socket reuses
 * its buffer), but only once rehearsals have started, so an engine without keep-warm copies nothing.
 */
import { type DepthDecoder, DepthMode, DepthStatus, OrderBook } from "../book/index.ts";

/** See the file comment. */
export class ScratchBook {
  private book: OrderBook | undefined;
  private text = "";
  private bytes = new Uint8Array(0);
  private bytesLen = 0;
  private rehearsing = false;

  constructor(private readonly maxLevels: number) {}

  /** The book, emptied of staged levels, ready for stage() calls or a depth decode. */
  begin(): OrderBook {
    let b = this.book;
    if (b === undefined) {
      b = new OrderBook({ maxLevels: this.maxLevels });
      this.book = b;
    }
    b.beginUpdate();
    return b;
  }

  /** After a decode into the book: starts afresh unless it applied cleanly (refused, crossed, bad). */
  settle(applied: boolean): void {
    if (!applied) this.book?.clear();
  }

  /** The last applied frame, as text: the next rehearsal decodes it. */
  keepText(text: string): void {
    this.text = text;
    this.bytesLen = 0;
  }

  /** The last applied frame, as bytes[start, end) of a buffer that will be reused: copied if rehearsing. */
  keepBytes(buf: Uint8Array, start: number, end: number): void {
    if (!this.rehearsing) return;
    const n = end - start;
    if (n > this.bytes.length) this.bytes = new Uint8Array(Math.max(n, 1024));
    this.bytes.set(buf.subarray(start, end));
    this.bytesLen = n;
  }

  /** Decodes the kept frame again into the scratch book with `decoder` (one FFI call). */
  rehearse(decoder: DepthDecoder): void {
    this.rehearsing = true;
    const book = this.begin();
    const n = this.bytesLen;
    const status =
      n > 0
        ? decoder.decodeBytes(book, this.bytes, 0, n, DepthMode.Rehearse, 0)
        : decoder.decode(book, this.text, DepthMode.Rehearse, 0);
    this.settle(status === DepthStatus.Applied);
  }

  close(): void {
    this.book?.close();
    this.book = undefined;
    this.text = "";
    this.bytesLen = 0;
  }
}
