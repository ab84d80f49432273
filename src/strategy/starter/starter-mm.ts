/**
 * starter_mm: your strategy, written against the engine's strategy API (`bun run new-strategy` made
 * this file from the engine's starter; edit it freely). It runs inside the engine's process as trusted
 * code: whatever it emits still passes the engine's risk gate, and the engine halts it (cancelling its
 * orders) if it throws or keeps running over its time budget.
 *
 * As written it is a plain market maker: a ladder around the mid, shifted against inventory. Change
 * fillRaw() to say where you would like to quote; QuotingStrategy then applies the safety rules every
 * quoting strategy needs (live books only, prices on the tick grid and never crossing, sizes on the lot
 * grid and at the venue's minimums, min_profit after the maker fee, max_position per side, no
 * cancel/replace churn inside the refresh tolerance). For something that is not a ladder (taking
 * liquidity, spreads between venues), extend BaseStrategy instead and override the callbacks you need:
 * onBook, onBookHealth, onTrade, onOrder, onPosition, onTimer, onParent.
 *
 * Units: prices are ticks of the instrument's tick size and sizes lots of its step size (integers);
 * parameters are natural units (fractions of price, base-asset amounts), converted by the base class.
 *
 * Test it: `bun test <this file's .test.ts>` (the harness feeds it books, trades and fills on a
 * virtual clock). Run it: in a config, `strategy: { module: ./path/to/this-file.ts, parameters: {...} }`.
 */
import {
  type BookView,
  defineStrategy,
  fractionField,
  inventoryRatio,
  positiveFraction,
  type QuoteState,
  QuotingStrategy,
  quotingParamsEntries,
  type StrategyContext,
  skewedCenter,
  v,
} from "hft-engine/strategy";

/**
 * The parameters: config `strategy.parameters` is validated with this schema (unknown keys refused,
 * errors name strategy.parameters.<key>), and so is every change through the control API. Every number
 * needs a range: use the helpers (positiveFraction, fractionField, intField, positiveUpTo, baseAmount).
 */
export const starterMmParamsSchema = v.strictObject({
  // max_position, min_profit, order_size, levels, refresh_tolerance, refresh_tolerance_ticks
  ...quotingParamsEntries,
  /** Total quoted width, fraction of fair value (0.002 = 10 bps each side). */
  spread: v.optional(positiveFraction(0.5), 0.002),
  /** Extra distance of each further level, fraction of fair value. */
  level_spacing: v.optional(fractionField(0.5), 0.0005),
  /** Shift of both quotes at a full max_position, fraction of fair value (down when long). */
  inventory_skew: v.optional(fractionField(0.5), 0.0005),
});

export type StarterMmParams = v.InferOutput<typeof starterMmParamsSchema>;

/** The strategy itself; the engine gives it one QuoteState per instrument it trades. */
export class StarterMm extends QuotingStrategy<StarterMmParams> {
  readonly kind = "starter_mm";

  constructor(name: string, ctx: StrategyContext, params: StarterMmParams) {
    super(name, ctx, starterMmParamsSchema, params);
  }

  /**
   * Where you would like to quote now, called on every book update of a live, uncrossed book (and on
   * fills and timers): write fractional tick prices, best first, into s.raw.bids / s.raw.asks, the number
   * of levels into s.raw.levels and your fair value into s.raw.fairTicks. Leave fairTicks NaN to quote
   * nothing. Keep it cheap and allocation-free: it runs on the engine's hot path.
   */
  protected fillRaw(s: QuoteState, book: BookView): void {
    const p = this.current;
    const fair = book.mid();
    if (!(fair > 0)) return;
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

/**
 * What the engine loads from this file. apiVersion is the strategy API this file was written against,
 * as a literal: an engine whose API has moved on (another major) refuses it with a clear message.
 */
export default defineStrategy({
  apiVersion: "1.0",
  kind: "starter_mm",
  paramsSchema: starterMmParamsSchema,
  create: (name, ctx, params) => new StarterMm(name, ctx, params),
});
