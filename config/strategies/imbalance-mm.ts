/**
 * A worked example of a strategy in its own file: a market maker whose fair value leans towards the
 * heavier side of the book. When the best few levels hold more on the bid than on the ask, buyers are
 * pressing, so it quotes both sides a little higher (and lower in the opposite case); on top of that it
 * leans against its own inventory. Everything else (live books only, prices on the grid and never
 * crossing, sizes at the venue's minimum, min_profit after the maker fee, max_position per side, no
 * churn inside the refresh tolerance) comes from QuotingStrategy in the strategy API.
 *
 * Run it: `bun run start --config config/imbalance-mm.yaml` (on the simulator). Test it:
 * `bun test config/strategies/imbalance-mm.test.ts`. Backtest it:
 * `bun run backtest --config config/imbalance-mm.yaml --data DIR` (recordings from `bun run record`).
 */
import {
  type BookView,
  defineStrategy,
  fractionField,
  intField,
  inventoryRatio,
  positiveFraction,
  type QuoteState,
  QuotingStrategy,
  quotingParamsEntries,
  type StrategyContext,
  skewedCenter,
  v,
} from "hft-engine/strategy";

/** The parameters, their ranges and defaults (config strategy.parameters; the control API changes them). */
export const imbalanceMmParamsSchema = v.strictObject({
  // max_position, min_profit, order_size, levels, refresh_tolerance, refresh_tolerance_ticks
  ...quotingParamsEntries,
  /** Total quoted width, fraction of fair value (0.002 = 10 bps each side). */
  spread: v.optional(positiveFraction(0.5), 0.002),
  /** Extra distance of each further level, fraction of fair value. */
  level_spacing: v.optional(fractionField(0.5), 0.0005),
  /** Book levels per side the imbalance is measured over. */
  depth_levels: v.optional(intField(1, 50), 5),
  /** Shift of fair value at a fully one-sided book, fraction of the mid (up when bids dominate). */
  imbalance_skew: v.optional(fractionField(0.5), 0.0003),
  /** Shift of both quotes at a full max_position, fraction of fair value (down when long). */
  inventory_skew: v.optional(fractionField(0.5), 0.0005),
});

export type ImbalanceMmParams = v.InferOutput<typeof imbalanceMmParamsSchema>;

/** The imbalance-skewed market maker (see the file comment). */
export class ImbalanceMm extends QuotingStrategy<ImbalanceMmParams> {
  readonly kind = "imbalance_mm";

  constructor(name: string, ctx: StrategyContext, params: ImbalanceMmParams) {
    super(name, ctx, imbalanceMmParamsSchema, params);
  }

  /** Where it would like to quote now: a ladder around the leaning fair value (QuotingStrategy makes it safe). */
  protected fillRaw(s: QuoteState, book: BookView): void {
    const p = this.current;
    const mid = book.mid();
    if (!(mid > 0)) return; // no fair value: quote nothing
    const imbalance = book.imbalance(p.depth_levels); // -1 (all asks) .. +1 (all bids); NaN if a side is empty
    const fair = mid * (1 + p.imbalance_skew * (Number.isFinite(imbalance) ? imbalance : 0));
    const center = skewedCenter(fair, p.inventory_skew, inventoryRatio(s.positionLots, s.maxPositionLots));
    const half = (fair * p.spread) / 2;
    const step = fair * p.level_spacing;
    for (let i = 0; i < p.levels; i++) {
      s.raw.bids[i] = center - half - i * step;
      s.raw.asks[i] = center + half + i * step;
    }
    s.raw.levels = p.levels;
    s.raw.fairTicks = fair;
  }
}

/** What the engine loads from this file (config `strategy.module: ./strategies/imbalance-mm.ts`). */
export default defineStrategy({
  apiVersion: "1.0",
  kind: "imbalance_mm",
  paramsSchema: imbalanceMmParamsSchema,
  create: (name, ctx, params) => new ImbalanceMm(name, ctx, params),
});
