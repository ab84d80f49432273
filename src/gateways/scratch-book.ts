/**
 * The scratch book of an adapter's keep-warm rehearsal: a C book nobody reads, into which the last
 * frame is decoded and applied again. Levels of many frames pile up in it, so it starts afresh
 * whenever it refuses a frame or ends up crossed. Created on first use; close() frees it.
 */
import { OrderBook } from "../book/index.ts";

/** See the file comment. */
export class ScratchBook {
  private book: OrderBook | undefined;

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

  close(): void {
    this.book?.close();
    this.book = undefined;
  }
}
