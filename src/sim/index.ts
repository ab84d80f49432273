/**
 * Public face of the exchange simulator: `startSim()` runs a deterministic local venue that speaks
 * the Binance Spot API, `startOkxSim()` the OKX v5 API, `startMultiSim()` several venues around one
 * fair value; the matching core is exported for the in-process sim-direct venue. Tests, `bun run sim`
 * and the engine all start it here. Only re-exports: the work is in the named files.
 */
export type {
  AdminCounters,
  CorruptOptions,
  MarketStreamKind,
  SimAdmin,
  UserEventKind,
} from "./binance/admin.ts";
export type { ConnKind } from "./binance/faults.ts";
export type { RateLimitConfig } from "./binance/ratelimit.ts";
export type { ServerLimits } from "./binance/server.ts";
export { hmacSha256Hex, restSignedPayload, wsApiSignedPayload } from "./binance/signing.ts";
export type { SimAccountSpec } from "./binance/venue.ts";
export {
  type AccountTrade,
  type CoreRejectReason,
  type CorruptField,
  DEFAULT_SYMBOLS,
  type ExecutionReport,
  type FeeSpec,
  FRAME_CORRUPTIONS,
  type FrameCorruption,
  GARBAGE_FRAME,
  type OrderStatus as SimOrderStatus,
  type OrderView,
  type PlaceOrderTicksRequest,
  SharedFairValue,
  type SharedFairValueOptions,
  SimCore,
  type SimSymbol,
} from "./core/index.ts";
export {
  DEFAULT_NOISE_BPS,
  type MultiSimVenue,
  type MultiSimVenueInfo,
  type MultiSimVenueSpec,
  OKX_DEFAULT_FEES,
  type RunningMultiSim,
  SIM_PROTOCOLS,
  type SimProtocol,
  type StartMultiSimOptions,
  startMultiSim,
} from "./multi.ts";
export {
  OKX_SIM_ACCOUNT_ID,
  OKX_SIM_API_KEY,
  OKX_SIM_API_SECRET,
  OKX_SIM_PASSPHRASE,
  OKX_SYMBOLS,
  type OkxFaults,
  okxSign,
  type RunningOkxSim,
  type StartOkxSimOptions,
  startOkxSim,
} from "./okx/index.ts";

export {
  DEFAULT_BALANCES,
  type RunningSim,
  SIM_ACCOUNT_ID,
  SIM_API_KEY,
  SIM_API_SECRET,
  SIM_ED25519_API_KEY,
  SIM_ED25519_PRIVATE_KEY_PEM,
  SIM_ED25519_PUBLIC_KEY_PEM,
  type StartSimOptions,
  selectSymbols,
  startSim,
} from "./start.ts";
