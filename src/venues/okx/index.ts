/** Public face of the OKX v5 spot adapter. */

export { createOkxAdapter, OkxAdapter } from "./adapter.ts";
export { OkxBookSync, OkxSeqAction, type OkxSeqActionCode } from "./book-sync.ts";
export { fromOkxClOrdId, isOwnOkxClOrdId, OKX_MAX_CLORDID, toOkxClOrdId } from "./client-id.ts";
export type { OkxConfig } from "./config.ts";
export { CANCEL_SOURCE_POST_ONLY, OKX_UNKNOWN_OUTCOME_CODES, okxRejectReason } from "./errors.ts";
export { parseInstrument } from "./instruments.ts";
export { hmacBase64, restHeaders, restSign, wsLoginFrame, wsLoginSign } from "./signing.ts";
export { negateDecimal } from "./trades.ts";
