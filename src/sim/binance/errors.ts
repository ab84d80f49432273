/**
 * Binance error codes and messages in one place, so every surface (REST, WS API, streams) refuses a
 * request with the same code, HTTP status and text real Binance uses (reference §A.8).
 */
import type { CoreRejectReason } from "../core/index.ts";

/** A refusal on its way to the wire: HTTP status (also the WS API `status`), Binance code and message. */
export class BinanceError extends Error {
  constructor(
    readonly http: number,
    readonly code: number,
    readonly msg: string,
    /** Epoch ms after which the client may retry (429/418); put in Retry-After / error.data.retryAfter. */
    readonly retryAfterMs?: number,
  ) {
    super(msg);
    this.name = "BinanceError";
  }

  /** Binance's REST error body. */
  body(): { code: number; msg: string } {
    return { code: this.code, msg: this.msg };
  }
}

/** Constructors for every error the simulator sends; names follow Binance's errors.md. */
export const Err = {
  unknown: (): BinanceError => new BinanceError(500, -1000, "An unknown error occurred while processing the request."),
  internal: (status = 503): BinanceError =>
    new BinanceError(status, -1001, "Internal error; unable to process your request. Please try again."),
  timeout: (): BinanceError =>
    new BinanceError(
      503,
      -1007,
      "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
    ),
  tooMuchWeight: (limit: number, retryAfterMs: number): BinanceError =>
    new BinanceError(
      429,
      -1003,
      `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
      retryAfterMs,
    ),
  banned: (untilMs: number): BinanceError =>
    new BinanceError(
      418,
      -1003,
      `Way too much request weight used; IP banned until ${untilMs}. Please use WebSocket Streams for live updates to avoid bans.`,
      untilMs,
    ),
  tooManyOrders: (limit: number, interval: string, retryAfterMs: number): BinanceError =>
    new BinanceError(
      429,
      -1015,
      `Too many new orders; current limit is ${limit} orders per ${interval}.`,
      retryAfterMs,
    ),
  unsupported: (): BinanceError => new BinanceError(400, -1020, "This operation is not supported."),
  timestampAhead: (): BinanceError =>
    new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  timestampOutside: (): BinanceError =>
    new BinanceError(400, -1021, "Timestamp for this request is outside of the recvWindow."),
  badSignature: (): BinanceError => new BinanceError(400, -1022, "Signature for this request is not valid."),
  illegalChars: (param: string, legal: string): BinanceError =>
    new BinanceError(400, -1100, `Illegal characters found in parameter '${param}'; legal range is '${legal}'.`),
  duplicateParam: (param: string): BinanceError =>
    new BinanceError(400, -1101, `Duplicate values for a parameter detected. Parameter '${param}'.`),
  mandatory: (param: string): BinanceError =>
    new BinanceError(400, -1102, `Mandatory parameter '${param}' was not sent, was empty/null, or malformed.`),
  mandatoryEither: (a: string, b: string): BinanceError =>
    new BinanceError(400, -1102, `Param '${a}' or '${b}' must be sent, but both were empty/null!`),
  unknownParam: (): BinanceError => new BinanceError(400, -1103, "An unknown parameter was sent."),
  notRequired: (param: string): BinanceError =>
    new BinanceError(400, -1106, `Parameter '${param}' sent when not required.`),
  precision: (param: string): BinanceError =>
    new BinanceError(400, -1111, `Parameter '${param}' has too much precision.`),
  invalidTif: (): BinanceError => new BinanceError(400, -1115, "Invalid timeInForce."),
  invalidType: (): BinanceError => new BinanceError(400, -1116, "Invalid orderType."),
  invalidSide: (): BinanceError => new BinanceError(400, -1117, "Invalid side."),
  badSymbol: (): BinanceError => new BinanceError(400, -1121, "Invalid symbol."),
  invalidListenKey: (): BinanceError => new BinanceError(400, -1125, "This listenKey does not exist."),
  invalidParam: (msg: string): BinanceError => new BinanceError(400, -1130, msg),
  badRecvWindow: (): BinanceError => new BinanceError(400, -1131, "recvWindow must be less than 60000"),
  intervalTooBig: (hours: number): BinanceError =>
    new BinanceError(400, -1127, `More than ${hours} hours between startTime and endTime.`),
  badCombination: (): BinanceError => new BinanceError(400, -1128, "Combination of optional parameters invalid."),
  filter: (name: string): BinanceError => new BinanceError(400, -1013, `Filter failure: ${name}`),
  insufficientBalance: (): BinanceError =>
    new BinanceError(400, -2010, "Account has insufficient balance for requested action."),
  wouldTake: (): BinanceError => new BinanceError(400, -2010, "Order would immediately match and take."),
  duplicateOrder: (): BinanceError => new BinanceError(400, -2010, "Duplicate order sent."),
  marketClosed: (): BinanceError => new BinanceError(400, -2010, "Market is closed."),
  cancelUnknown: (): BinanceError => new BinanceError(400, -2011, "Unknown order sent."),
  noSuchOrder: (): BinanceError => new BinanceError(400, -2013, "Order does not exist."),
  badKeyFormat: (): BinanceError => new BinanceError(401, -2014, "API-key format invalid."),
  rejectedKey: (): BinanceError => new BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action."),
  /** A made-up refusal injected by a fault knob: any code, Binance-style HTTP status. */
  injected: (code: number, msg?: string): BinanceError => new BinanceError(400, code, msg ?? injectedMessage(code)),
} as const;

/** The usual message of a code, for `rejectNextOrder(code)` when the test gives no text. */
function injectedMessage(code: number): string {
  switch (code) {
    case -2010:
      return "Account has insufficient balance for requested action.";
    case -1013:
      return "Filter failure: PRICE_FILTER";
    case -1021:
      return "Timestamp for this request is outside of the recvWindow.";
    case -1015:
      return "Too many new orders; current limit is 50 orders per 10 SECOND.";
    case -2011:
      return "Unknown order sent.";
    default:
      return "An unknown error occurred while processing the request.";
  }
}

/** What a core refusal means on the wire; `onCancel`/`onQuery` pick -2011 or -2013 for unknown orders. */
export function coreRejectToError(reason: CoreRejectReason, context: "place" | "cancel" | "query"): BinanceError {
  if (typeof reason === "string") {
    switch (reason) {
      case "insufficient_balance":
        return Err.insufficientBalance();
      case "would_take":
        return Err.wouldTake();
      case "duplicate_client_id":
        return Err.duplicateOrder();
      case "unknown_order":
        return context === "query" ? Err.noSuchOrder() : Err.cancelUnknown();
      case "unknown_symbol":
        return Err.badSymbol();
      case "unknown_account":
        return Err.rejectedKey();
      case "market_closed":
        return Err.marketClosed();
    }
  }
  if ("filter" in reason) return Err.filter(reason.filter);
  if ("tooMuchPrecision" in reason) return Err.precision(reason.tooMuchPrecision);
  return Err.invalidParam(reason.message);
}
