/** OKX v5 error codes the simulator returns, in one place so REST and WS report the same sCode/sMsg. */
import type { CoreRejectReason, SimSymbol } from "../core/index.ts";

/** An OKX-level failure: `code` is the OKX code string, `http` the REST status, `subCode` OKX's sub-code. */
export class OkxError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly http = 200,
    readonly subCode = "",
  ) {
    super(message);
  }
}

/**
 * Maps a refused amend onto OKX's amend codes (51503 gone, 51511 post-only, 51502 sub-code 1030 funds),
 * the rest as a placement would be refused (grids, filters), naming OKX's parameters.
 */
export function amendRejectToOkx(reason: CoreRejectReason, sym: SimSymbol): OkxError {
  if (reason === "unknown_order") return new OkxError("51503", "Your order has already been filled or canceled.");
  if (reason === "would_take")
    return new OkxError("51511", "Modification failed as the order price did not meet the requirement for Post Only.");
  if (reason === "insufficient_balance")
    return new OkxError("51502", "Unable to edit order: insufficient balance or margin.", 200, "1030");
  if (typeof reason === "object" && "tooMuchPrecision" in reason)
    return new OkxError("51000", `Parameter ${reason.tooMuchPrecision === "price" ? "newPx" : "newSz"} error`);
  if (typeof reason === "object" && "invalidParam" in reason)
    return new OkxError("51000", `Parameter ${reason.invalidParam === "newPrice" ? "newPx" : "newSz"} error`);
  return coreRejectToOkx(reason, sym.quote);
}

/** Maps a core rejection onto OKX's sCode/sMsg (documented codes where OKX has one). */
export function coreRejectToOkx(reason: CoreRejectReason, quote: string): OkxError {
  if (reason === "insufficient_balance") return new OkxError("51008", `Order failed. Insufficient ${quote} balance`);
  if (reason === "unknown_order") return new OkxError("51603", "Order does not exist");
  if (reason === "unknown_symbol") return new OkxError("51001", "Instrument ID does not exist");
  if (reason === "duplicate_client_id") return new OkxError("51016", "Duplicated clOrdId");
  if (reason === "market_closed") return new OkxError("51000", "Parameter instId error: trading suspended");
  if (reason === "would_take") return new OkxError("51019", "Order would take liquidity");
  if (reason === "unknown_account") return new OkxError("50111", "Invalid OK-ACCESS-KEY", 401);
  if ("filter" in reason) {
    if (reason.filter === "LOT_SIZE" || reason.filter === "MARKET_LOT_SIZE")
      return new OkxError("51121", "Order quantity must be a multiple of the lot size (or below minSz)");
    if (reason.filter === "PRICE_FILTER") return new OkxError("51006", "Order price is not within the price limit");
    if (reason.filter === "MAX_NUM_ORDERS") return new OkxError("51004", "Order amount exceeds the limit");
    return new OkxError("51020", "Order amount should be greater than the min available amount");
  }
  if ("tooMuchPrecision" in reason)
    return new OkxError("51000", `Parameter ${okxParam(reason.tooMuchPrecision)} error`);
  return new OkxError("51000", `Parameter ${okxParam(reason.invalidParam)} error: ${reason.message}`);
}

/** OKX's name of a core parameter (px, sz), so an error names what the client sent. */
function okxParam(core: string): string {
  if (core === "price") return "px";
  if (core === "quantity" || core === "quoteOrderQty") return "sz";
  return core;
}
