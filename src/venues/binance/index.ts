/** Public face of the Binance Spot adapter. */
export { BinanceAdapter, commissionRates, createBinanceAdapter } from "./adapter.ts";
export {
  BINANCE_PRESETS,
  type BinanceConfig,
  type BinanceTimeouts,
  type BinanceUrls,
  DEFAULT_TIMEOUTS,
  resolveBinanceConfig,
} from "./config.ts";
export { rejectReason } from "./errors.ts";
export { hmacHex, restQuery, wsApiPayload } from "./signing.ts";
