/**
 * Public face of the venues module: the VenueAdapter contract (its values and events are types/'s), the
 * adapters, and one factory by venue kind so configuration code never imports a venue directly.
 */

export { BINANCE_PRESETS, BinanceAdapter, type BinanceConfig, createBinanceAdapter } from "./binance/index.ts";
export type { CancelReplies, OrderReplies, VenueAdapter } from "./contract.ts";
export { createVenueAdapter, VENUE_KINDS, type VenueAdapterConfig } from "./factory.ts";
export { createOkxAdapter, OkxAdapter, type OkxConfig } from "./okx/index.ts";
export { PaperAdapter, type PaperOptions } from "./paper/index.ts";
export {
  instrumentOf,
  ReplayAdapter,
  type ReplayOptions,
  ReplaySession,
  type ReplayVenueSpec,
} from "./replay/index.ts";
