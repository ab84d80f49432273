/**
 * Public face of the OKX v5 simulator: `startOkxSim()` runs the shared matching core behind an
 * OKX-speaking server on 127.0.0.1, with in-process fault knobs. Only re-exports.
 */
export type { OkxAdminCounters, OkxCorruptOptions, OkxMarketChannel } from "./admin.ts";
export { OKX_SIM_OTHER_ACCOUNT, OkxSimAdmin } from "./admin.ts";
export type { OkxConnKind } from "./faults.ts";
export type { OkxLatency } from "./server.ts";
export { okxLoginPrehash, okxRestPrehash, okxSign } from "./signing.ts";
export {
  OKX_SIM_ACCOUNT_ID,
  OKX_SIM_API_KEY,
  OKX_SIM_API_SECRET,
  OKX_SIM_PASSPHRASE,
  type RunningOkxSim,
  type StartOkxSimOptions,
  startOkxSim,
} from "./start.ts";
export { OKX_SYMBOLS, okxDecimal, okxSymbols } from "./symbols.ts";
export type { OkxFaults } from "./venue.ts";
