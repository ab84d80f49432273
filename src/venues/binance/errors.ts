/**
 * Binance error codes → the engine's typed reject reasons (§A.8), so risk and strategies react to
 * "insufficient balance" or "would take" without parsing venue messages. -2010 carries several
 * reasons, told apart by its message.
 */
import { type RejectReason, VenueRejectError } from "../../types/index.ts";

/** Codes whose outcome is unknown: the order may or may not exist (query before deciding). */
export const UNKNOWN_OUTCOME_CODES: ReadonlySet<number> = new Set([-1007, -1006]);

/** Maps a Binance error code and message (and HTTP status) to a RejectReason. */
export function rejectReason(code: number, msg: string, httpStatus = 400): RejectReason {
  if (httpStatus === 418) return "banned";
  if (httpStatus === 429) return "rate_limited";
  switch (code) {
    case -1003:
      return /banned/i.test(msg) ? "banned" : "rate_limited";
    case -1015:
      return "rate_limited";
    case -1021:
      return "timestamp";
    case -1022:
    case -2014:
    case -2015:
    case -1002:
      return "auth";
    case -1013:
    case -1111:
    case -1112:
    case -2026:
      return "filter";
    case -1121:
      return "bad_symbol";
    case -2011:
    case -2013:
      return "unknown_order";
    case -2010:
      return reason2010(msg);
    default:
      return code <= -1100 && code >= -1199 ? "invalid_request" : "unknown";
  }
}

function reason2010(msg: string): RejectReason {
  if (/insufficient balance/i.test(msg)) return "insufficient_balance";
  if (/immediately match/i.test(msg)) return "would_take";
  if (/duplicate/i.test(msg)) return "duplicate_client_id";
  if (/market is closed/i.test(msg)) return "market_closed";
  if (/filter/i.test(msg)) return "filter";
  return "unknown";
}

/** A VenueRejectError for a Binance error body, with the venue name in the message. */
export function rejectError(venue: string, code: number, msg: string, httpStatus = 400): VenueRejectError {
  return new VenueRejectError(rejectReason(code, msg, httpStatus), code, `${venue}: ${msg} (code ${code})`);
}

/**
 * The venue refused a request with 429 (too much weight): nothing was done, and the budget is
 * blocked until its Retry-After, so a call off the order path may wait that out and send again.
 */
export class VenueRateLimitedError extends VenueRejectError {}

/** The venue may or may not have acted (timeout, 5xx, -1007, connection lost): query, never resend. */
export class UnknownOutcomeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnknownOutcomeError";
  }
}
