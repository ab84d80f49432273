/**
 * Realized PnL and fees by UTC day of the fill, per instrument, for the last few days: what the
 * "realized PnL by day" panel shows. The journal holds every day; this keeps the recent ones in
 * memory (restored from the journal at start) so the scrape never reads the database.
 */
import { type Money, moneyToNumber } from "../types/index.ts";

const DAY_MS = 86_400_000;

/** One day of one instrument. */
export interface PnlDay {
  readonly day: string;
  readonly venue: string;
  readonly symbol: string;
  readonly currency: string;
  realized: Money;
  fees: Money;
}

/** The recent days, keyed by day, venue and symbol. */
export class PnlByDay {
  private readonly days = new Map<string, PnlDay>();

  constructor(
    /** Days kept, today included. */
    readonly keepDays = 7,
  ) {}

  /** Adds one fill's realized PnL and valued fee to its UTC day. */
  add(timeMs: number, venue: string, symbol: string, currency: string, realized: Money, fee: Money): void {
    const day = new Date(timeMs).toISOString().slice(0, 10);
    const key = `${day}|${venue}|${symbol}`;
    let d = this.days.get(key);
    if (d === undefined) {
      d = { day, venue, symbol, currency, realized: 0n, fees: 0n };
      this.days.set(key, d);
    }
    d.realized += realized;
    d.fees += fee;
  }

  /** Puts back days the journal holds (replaces what is kept for those days). */
  restore(rows: readonly PnlDay[]): void {
    for (const r of rows) this.days.set(`${r.day}|${r.venue}|${r.symbol}`, { ...r });
  }

  /** The kept days as doubles (display only), dropping days older than keepDays before nowMs. */
  samples(
    nowMs: number,
  ): { day: string; venue: string; symbol: string; currency: string; realized: number; fees: number }[] {
    const oldest = new Date(Math.floor(nowMs / DAY_MS - this.keepDays + 1) * DAY_MS).toISOString().slice(0, 10);
    const out = [];
    for (const [key, d] of this.days) {
      if (d.day < oldest) {
        this.days.delete(key);
        continue;
      }
      out.push({
        day: d.day,
        venue: d.venue,
        symbol: d.symbol,
        currency: d.currency,
        realized: moneyToNumber(d.realized),
        fees: moneyToNumber(d.fees),
      });
    }
    return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  }
}
