/**
 * The brief's market maker: a symmetric ladder around the fair value (mid or microprice), total
 * width `spread`, shifted against inventory so a long position sells more readily and buys less.
 * Every safety rule (live books, grid, no crossing, min_profit after fees, max_position) is
 * enforced by the shared QuotingStrategy base.
 */
import * as v from "valibot";
import type { BookView } from "../types/index.ts";
import { baseAmount, fractionField, intField, positiveFraction } from "./fields.ts";
import { parseParams } from "./params.ts";
import { MAX_LEVELS, type QuoteState, QuotingStrategy } from "./quoting.ts";
import type { StrategyContext } from "./types.ts";

/** Parameters of market_making in natural units; every default is written here once. */
export const marketMakingParamsSchema = v.strictObject({
  /** Total quoted width as a fraction of fair value (0.002 = 10 bps each side). */
  spread: v.optional(positiveFraction(0.5), 0.002),
  /** Largest absolute position in base units; the side that would add to it stops quoting there. */
  max_position: v.optional(baseAmount, 1),
  /** Least expected edge per side after the maker fee, fraction of fair value. */
  min_profit: v.optional(fractionField(0.5), 0.0001),
  /** Size of each level in base units (raised to the venue's minimum quantity/notional). */
  order_size: v.optional(baseAmount, 0.01),
  /** Levels per side. */
  levels: v.optional(intField(1, MAX_LEVELS), 1),
  /** Extra distance of each further level, fraction of fair value. */
  level_spacing: v.optional(fractionField(0.5), 0.0005),
  /** Shift of both quotes at a full max_position, fraction of fair value (down when long). */
  inventory_skew: v.optional(fractionField(0.5), 0.0005),
  /** A new quote within this fraction of fair value of the resting one replaces nothing. */
  refresh_tolerance: v.optional(fractionField(0.5), 0.0001),
  /** The same tolerance in ticks; the larger of the two applies. */
  refresh_tolerance_ticks: v.optional(intField(0, 1_000_000), 0),
  /** Fair value: the mid, or the size-weighted microprice. */
  fair_value: v.optional(v.picklist(["mid", "microprice"], 'one of "mid", "microprice"'), "mid"),
});

export type MarketMakingParams = v.InferOutput<typeof marketMakingParamsSchema>;

/** Symmetric ladder market maker with inventory skew. */
export class MarketMaking extends QuotingStrategy<MarketMakingParams> {
  readonly kind = "market_making";

  constructor(name: string, ctx: StrategyContext, params: unknown) {
    super(name, ctx, marketMakingParamsSchema, parseParams<MarketMakingParams>(marketMakingParamsSchema, name, params));
  }

  /** Mid or microprice, position and parameters: nothing else moves these quotes. */
  protected override topOfBookQuotes(): boolean {
    return true;
  }

  protected fillRaw(s: QuoteState, book: BookView): void {
    const p = this.current;
    const fair = p.fair_value === "microprice" ? book.microprice() : book.mid();
    if (!(fair > 0)) return;
    const inventory = s.maxPositionLots > 0 ? Math.max(-1, Math.min(1, s.positionLots / s.maxPositionLots)) : 0;
    const center = fair * (1 - p.inventory_skew * inventory);
    const half = (fair * p.spread) / 2;
    const step = fair * p.level_spacing;
    const raw = s.raw;
    for (let i = 0; i < p.levels; i++) {
      raw.bids[i] = center - half - i * step;
      raw.asks[i] = center + half + i * step;
    }
    raw.levels = p.levels;
    raw.fairTicks = fair;
  }
}
