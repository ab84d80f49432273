/**
 * The brief's market maker: a symmetric ladder around the fair value (mid or microprice), total
 * width `spread`, shifted against inventory so a long position sells more readily and buys less.
 * Every safety rule (live books, grid, no crossing, min_profit after fees, max_position) is
 * enforced by the shared QuotingStrategy base.
 */
import {
  type BookView,
  defineStrategy,
  fractionField,
  inventoryRatio,
  parseParams,
  positiveFraction,
  type QuoteState,
  QuotingStrategy,
  quotingParamsEntries,
  type StrategyContext,
  skewedCenter,
  v,
} from "../api.ts";

/** Parameters of market_making in natural units; every default is written here once. */
export const marketMakingParamsSchema = v.strictObject({
  ...quotingParamsEntries,
  /** Total quoted width as a fraction of fair value (0.002 = 10 bps each side). */
  spread: v.optional(positiveFraction(0.5), 0.002),
  /** Extra distance of each further level, fraction of fair value. */
  level_spacing: v.optional(fractionField(0.5), 0.0005),
  /** Shift of both quotes at a full max_position, fraction of fair value (down when long). */
  inventory_skew: v.optional(fractionField(0.5), 0.0005),
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
    const center = skewedCenter(fair, p.inventory_skew, inventoryRatio(s.positionLots, s.maxPositionLots));
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

/** market_making as the engine loads it: config `type: market_making`. */
export const marketMaking = defineStrategy({
  apiVersion: "1.0",
  kind: "market_making",
  paramsSchema: marketMakingParamsSchema,
  create: (name, ctx, params) => new MarketMaking(name, ctx, params),
});
