/**
 * OKX error codes (§D.5) → the engine's typed reject reasons, so risk and strategies react to
 * "insufficient balance" or "would take" the same way on every venue.
 */
import type { RejectReason } from "../../types/index.ts";

/** sCodes whose outcome is unknown (timeout / busy): query the order, never resend. */
export const OKX_UNKNOWN_OUTCOME_CODES: ReadonlySet<string> = new Set(["50004", "50001", "50013"]);

/** cancelSource value meaning "post-only order would have taken liquidity". */
export const CANCEL_SOURCE_POST_ONLY = "31";

/** Maps an OKX code/sCode (and HTTP status) to a RejectReason. */
export function okxRejectReason(code: string, msg = "", httpStatus = 200): RejectReason {
  if (httpStatus === 429) return "rate_limited";
  switch (code) {
    case "50011":
    case "50061":
      return "rate_limited";
    case "50102":
      return "timestamp";
    case "50105":
    case "50111":
    case "50113":
    case "50100":
    case "50101":
      return "auth";
    case "51008":
    case "51131":
      return "insufficient_balance";
    case "51019":
      return "would_take";
    case "51016":
      return "duplicate_client_id";
    case "51001":
      return "bad_symbol";
    case "51400":
    case "51603":
      return "unknown_order";
    case "51121":
    case "51020":
    case "51201":
    case "51202":
      return "filter";
    default:
      break;
  }
  if (/post.?only/i.test(msg)) return "would_take";
  if (/^51\d{3}$/.test(code)) return "invalid_request";
  return "unknown";
}
