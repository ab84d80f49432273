/**
 * Venue trade ids already booked, so a fill reaches positions exactly once whichever way it comes:
 * the order stream, an order of an earlier run, or the venue's trade history after a restart. The
 * order manager deduplicates per order; this set spans orders and runs (seeded from the journal),
 * bounded by evicting the oldest keys. A key is the trade id and our side: both sides of a
 * self-trade share one trade id and are two fills.
 */
import type { FillEvent } from "./order-manager.ts";

/** A bounded set of `venue|symbol|tradeId|side` keys, oldest evicted first. */
export class TradeKeys {
  private readonly keys = new Set<string>();
  private readonly order: string[] = [];
  private head = 0;

  constructor(readonly capacity = 100_000) {}

  /** The key of a fill, or undefined when the venue gave it no trade id (it cannot be matched). */
  static keyOf(f: Pick<FillEvent, "venue" | "symbol" | "tradeId" | "venueTradeId" | "side">): string | undefined {
    const id =
      f.venueTradeId !== undefined && f.venueTradeId !== "" ? f.venueTradeId : f.tradeId >= 0 ? String(f.tradeId) : "";
    return id === "" ? undefined : TradeKeys.key(f.venue, f.symbol, id, f.side);
  }

  /** The key of one side of a venue trade. */
  static key(venue: string, symbol: string, tradeId: string, side: number): string {
    return `${venue}|${symbol}|${tradeId}|${side}`;
  }

  /** Whether this side of this trade was booked already. */
  has(venue: string, symbol: string, tradeId: string, side: number): boolean {
    return this.keys.has(TradeKeys.key(venue, symbol, tradeId, side));
  }

  /** Records a key; false when it was there already (a duplicate). Keyless fills always pass. */
  admit(key: string | undefined): boolean {
    if (key === undefined) return true;
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    this.order.push(key);
    if (this.order.length - this.head > this.capacity) {
      const old = this.order[this.head++];
      if (old !== undefined) this.keys.delete(old);
      if (this.head > 4096 && this.head * 2 > this.order.length) {
        this.order.splice(0, this.head);
        this.head = 0;
      }
    }
    return true;
  }

  /** Forgets a key (a fill that could not be booked: the trade history may bring it again). */
  forget(key: string | undefined): void {
    if (key !== undefined) this.keys.delete(key);
  }

  get size(): number {
    return this.keys.size;
  }
}
