/**
 * What an instrument is on one venue, in the engine's terms: unified symbol, grids and the venue's
 * trading rules. Every layer above the venues reads it, so it lives with the domain model.
 */
import type { DecimalGrid, Lots } from "./values.ts";

/** Static trading rules of one instrument on one venue, from the venue's metadata. */
export interface InstrumentInfo {
  /** Unified engine symbol, e.g. "BTC-USDT". */
  readonly symbol: string;
  /** The venue's own symbol, e.g. "BTCUSDT". */
  readonly venueSymbol: string;
  readonly base: string;
  readonly quote: string;
  /** Price grid (tick size) and quantity grid (step size). */
  readonly price: DecimalGrid;
  readonly qty: DecimalGrid;
  readonly minQtyLots: Lots;
  /** 0 = no maximum. */
  readonly maxQtyLots: Lots;
  /** Minimum price × quantity in quote currency, as the venue's decimal string ("0" = none). */
  readonly minNotional: string;
  /** Maximum price × quantity, decimal string ("0" = none). */
  readonly maxNotional: string;
  /** Venue says the symbol is trading (not halted, break, cancel-only). */
  readonly trading: boolean;
}
