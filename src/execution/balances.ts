/**
 * Asset balances per venue as the engine believes them: seeded from the venue, moved by every
 * fill (base, quote and fee asset, exactly), so the end of a simulation can compare them with the
 * venue's accounts and any drift is a bug, not rounding.
 */

import type { Balance } from "../types/index.ts";
import { Side } from "../types/index.ts";
import { formatMoney, type Money, parseMoney } from "./money.ts";
import type { FillEvent } from "./order-manager.ts";
import type { InstrumentState } from "./registry.ts";

/** One asset whose local and venue balances differ (units of 10^-18). */
export interface BalanceDiff {
  readonly asset: string;
  readonly local: Money;
  readonly venue: Money;
  /** local − venue. */
  readonly diff: Money;
}

/** Local balances (free + locked) per venue and asset. */
export class Balances {
  /** Balances from the venue whose amounts were not decimals (skipped, counted). */
  badAmounts = 0;
  private readonly byVenue = new Map<string, Map<string, Money>>();

  /** Replaces a venue's balances with the venue's own figures (start of run, after reconnect). */
  set(venue: string, balances: readonly Balance[]): void {
    this.byVenue.set(venue, this.toMap(balances));
  }

  /** Moves a fill: a buy adds base and pays quote, a sell the reverse; the fee leaves its asset. */
  applyFill(inst: InstrumentState, fill: FillEvent): void {
    const m = this.venueMap(inst.venue);
    const base = inst.math.base(fill.lots);
    const quote = inst.math.notional(fill.lots, fill.priceTicks);
    const { base: baseAsset, quote: quoteAsset } = inst.info;
    const sign = fill.side === Side.Buy ? 1n : -1n;
    m.set(baseAsset, (m.get(baseAsset) ?? 0n) + sign * base);
    m.set(quoteAsset, (m.get(quoteAsset) ?? 0n) - sign * quote);
    if (fill.fee !== "" && fill.feeAsset !== "") {
      const fee = parseMoney(fill.fee);
      if (fee === undefined) this.badAmounts++;
      else if (fee !== 0n) m.set(fill.feeAsset, (m.get(fill.feeAsset) ?? 0n) - fee);
    }
  }

  /** A venue's balance of one asset (0 when never seen). */
  get(venue: string, asset: string): Money {
    return this.byVenue.get(venue)?.get(asset) ?? 0n;
  }

  /** A copy of one venue's balances. */
  snapshot(venue: string): Map<string, Money> {
    return new Map(this.byVenue.get(venue) ?? []);
  }

  /** Every asset where local and the venue's reported balances differ (empty = in agreement). */
  compare(venue: string, reported: readonly Balance[]): BalanceDiff[] {
    const local = this.byVenue.get(venue) ?? new Map<string, Money>();
    const remote = this.toMap(reported);
    const out: BalanceDiff[] = [];
    for (const asset of new Set([...local.keys(), ...remote.keys()])) {
      const l = local.get(asset) ?? 0n;
      const r = remote.get(asset) ?? 0n;
      if (l !== r) out.push({ asset, local: l, venue: r, diff: l - r });
    }
    return out.sort((a, b) => (a.asset < b.asset ? -1 : 1));
  }

  /** Human-readable differences, for logs and test messages. */
  static describe(diffs: readonly BalanceDiff[]): string {
    return diffs
      .map((d) => `${d.asset}: local ${formatMoney(d.local)} venue ${formatMoney(d.venue)} diff ${formatMoney(d.diff)}`)
      .join("; ");
  }

  private venueMap(venue: string): Map<string, Money> {
    let m = this.byVenue.get(venue);
    if (m === undefined) {
      m = new Map();
      this.byVenue.set(venue, m);
    }
    return m;
  }

  private toMap(balances: readonly Balance[]): Map<string, Money> {
    const m = new Map<string, Money>();
    for (const b of balances) {
      const free = parseMoney(b.free);
      const locked = parseMoney(b.locked);
      if (free === undefined || locked === undefined) {
        this.badAmounts++;
        continue;
      }
      m.set(b.asset, (m.get(b.asset) ?? 0n) + free + locked);
    }
    return m;
  }
}
