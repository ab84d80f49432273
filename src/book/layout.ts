/**
 * The TypeScript side of the C book's binary contract (csrc/include/hftcore.h): status codes,
 * struct sizes and offsets, the f64 staging record and the summary record. Kept free of bun:ffi
 * so that pure-TS code (the reference book, fakes) can share it; layout.test.ts checks every
 * number here against what the compiled library reports.
 */

/** Status codes returned by every book call (0 = ok); same numbers as HFT_* in hftcore.h. */
export const BookStatus = {
  Ok: 0,
  NullHandle: 1,
  NullPointer: 2,
  BadParams: 3,
  NoMemory: 4,
  BadSide: 5,
  NotInteger: 6,
  PriceOutOfRange: 7,
  NegativeQty: 8,
  QtyTooLarge: 9,
  BookFull: 10,
  BatchTooLarge: 11,
  BadCount: 12,
  DuplicateLevel: 13,
  EmptySide: 14,
  Overflow: 15,
  Corrupt: 16,
} as const;
export type BookStatusCode = (typeof BookStatus)[keyof typeof BookStatus];

/** C names of the statuses by code, as hft_status_name returns them (checked by a test). */
export const C_STATUS_NAMES: readonly string[] = [
  "HFT_OK",
  "HFT_E_NULL_HANDLE",
  "HFT_E_NULL_POINTER",
  "HFT_E_BAD_PARAMS",
  "HFT_E_NO_MEMORY",
  "HFT_E_BAD_SIDE",
  "HFT_E_NOT_INTEGER",
  "HFT_E_PRICE_OUT_OF_RANGE",
  "HFT_E_NEGATIVE_QTY",
  "HFT_E_QTY_TOO_LARGE",
  "HFT_E_BOOK_FULL",
  "HFT_E_BATCH_TOO_LARGE",
  "HFT_E_BAD_COUNT",
  "HFT_E_DUPLICATE_LEVEL",
  "HFT_E_EMPTY_SIDE",
  "HFT_E_OVERFLOW",
  "HFT_E_CORRUPT",
];

const NAMES_BY_CODE: readonly string[] = Object.keys(BookStatus);

/** Readable name of a status code ("BookFull"), for errors and logs. */
export function bookStatusName(code: number): string {
  return NAMES_BY_CODE[code] ?? `Unknown(${code})`;
}

/** Largest price/qty the book accepts: 2^53 - 1, so every value is exact in a double. */
export const MAX_BOOK_VALUE = Number.MAX_SAFE_INTEGER;
/** Create-time limits enforced by C (HFT_MAX_LEVELS_LIMIT, HFT_MAX_BATCH_LIMIT). */
export const MAX_LEVELS_LIMIT = 1 << 20;
export const MAX_BATCH_LIMIT = 1 << 22;

/** hft_book_params: {int64 min_price, int64 max_price, int32 max_levels, int32 max_batch}. */
export const PARAMS = { size: 24, minPrice: 0, maxPrice: 8, maxLevels: 16, maxBatch: 20 } as const;
/** hft_level_update: {int64 price, int64 qty, int32 side, int32 reserved} (C callers' batch record). */
export const LEVEL_UPDATE = { size: 24, price: 0, qty: 8, side: 16, reserved: 20 } as const;
/** The staging record TypeScript writes: 3 doubles {side, ticks, lots} per level. */
export const F64_RECORD = { stride: 3, side: 0, price: 1, qty: 2 } as const;
/** Indices into the summary record (doubles) that C refreshes after every change. */
export const SUMMARY = {
  length: 8,
  bidPrice: 0,
  bidQty: 1,
  askPrice: 2,
  askQty: 3,
  updates: 4,
  bidLevels: 5,
  askLevels: 6,
  crossed: 7,
} as const;

/** Consolidated book and router records (HFT_CB_STRIDE, HFT_ROUTE_HEADER, HFT_ROUTE_STRIDE). */
export const CB_RECORD = { stride: 3, price: 0, qty: 1, venue: 2 } as const;
export const ROUTE = {
  header: 4,
  filled: 0,
  unfilled: 1,
  notional: 2,
  fees: 3,
  stride: 5,
  venue: 0,
  venueQty: 1,
  venueLimit: 2,
  childNotional: 3,
  childFee: 4,
} as const;
export const MAX_VENUES_LIMIT = 64;
export const CBOOK_PARAMS = { size: 8, maxVenues: 0, reserved: 4 } as const;

/** Venue kinds of the depth decoder (HFT_VENUE_*): the message layout it parses. */
export const DepthVenue = { Binance: 0, Okx: 1 } as const;
export type DepthVenueCode = (typeof DepthVenue)[keyof typeof DepthVenue];

/** How a decode treats the sequence fields (HFT_DEPTH_LIVE / _UNSYNCED / _REHEARSE). */
export const DepthMode = { Live: 0, Unsynced: 1, Rehearse: 2 } as const;
export type DepthModeCode = (typeof DepthMode)[keyof typeof DepthMode];

/** Outcomes of a depth frame decode (HFT_DEPTH_*), shared by the C decoder and the TS reference. */
export const DepthStatus = {
  Applied: 0,
  Duplicate: 1,
  Keepalive: 2,
  Gap: 3,
  NotSynced: 4,
  Other: 5,
  BadJson: 6,
  BadFields: 7,
  BadLevels: 8,
  BookRefused: 9,
  Crossed: 10,
  TooLong: 11,
} as const;
export type DepthStatusCode = (typeof DepthStatus)[keyof typeof DepthStatus];

/** C names of the depth outcomes by code, as hft_depth_status_name returns them (checked by a test). */
export const C_DEPTH_STATUS_NAMES: readonly string[] = [
  "HFT_DEPTH_APPLIED",
  "HFT_DEPTH_DUPLICATE",
  "HFT_DEPTH_KEEPALIVE",
  "HFT_DEPTH_GAP",
  "HFT_DEPTH_NOT_SYNCED",
  "HFT_DEPTH_OTHER",
  "HFT_DEPTH_BAD_JSON",
  "HFT_DEPTH_BAD_FIELDS",
  "HFT_DEPTH_BAD_LEVELS",
  "HFT_DEPTH_BOOK_REFUSED",
  "HFT_DEPTH_CROSSED",
  "HFT_DEPTH_TOO_LONG",
];

const DEPTH_NAMES_BY_CODE: readonly string[] = Object.keys(DepthStatus);

/** Readable name of a depth outcome ("Gap"), for logs and test failures. */
export function depthStatusName(code: number): string {
  return DEPTH_NAMES_BY_CODE[code] ?? `Unknown(${code})`;
}

/** Why a frame's levels were refused (HFT_LEVEL_*, -1 … -4); >= 0 elsewhere means that many staged. */
export const LevelError = { NotArray: -1, Malformed: -2, OutOfRange: -3, StagingFull: -4 } as const;

/** The depth decoder's result record (HFT_DR_*), doubles. */
export const DEPTH_RESULT = {
  length: 9,
  first: 0,
  last: 1,
  eventTime: 2,
  bids: 3,
  asks: 4,
  snapshot: 5,
  levelError: 6,
  bookStatus: 7,
  seqReset: 8,
} as const;

/** hft_depth_params: int64 units and bounds, int32 venue/decimals/limits, then the key bytes. */
export const DEPTH_PARAMS = {
  size: 120,
  priceUnit: 0,
  qtyUnit: 8,
  maxTicks: 16,
  maxLots: 24,
  venue: 32,
  priceDecimals: 36,
  qtyDecimals: 40,
  maxFrame: 44,
  maxLevels: 48,
  reserved: 52,
  key: 56,
  keyMax: 64,
} as const;
/** Longest frame a decoder may be created for (HFT_DEPTH_MAX_FRAME_LIMIT). */
export const MAX_FRAME_LIMIT = 1 << 26;

/**
 * The table hft_layout() fills, in its order, with the value TypeScript assumes for each entry.
 * Adding a field in C means adding it here too, or the layout test fails.
 */
export const EXPECTED_LAYOUT: readonly (readonly [string, number])[] = [
  ["sizeof(hft_book_params)", PARAMS.size],
  ["offsetof(hft_book_params, min_price)", PARAMS.minPrice],
  ["offsetof(hft_book_params, max_price)", PARAMS.maxPrice],
  ["offsetof(hft_book_params, max_levels)", PARAMS.maxLevels],
  ["offsetof(hft_book_params, max_batch)", PARAMS.maxBatch],
  ["sizeof(hft_level_update)", LEVEL_UPDATE.size],
  ["offsetof(hft_level_update, price)", LEVEL_UPDATE.price],
  ["offsetof(hft_level_update, qty)", LEVEL_UPDATE.qty],
  ["offsetof(hft_level_update, side)", LEVEL_UPDATE.side],
  ["offsetof(hft_level_update, reserved)", LEVEL_UPDATE.reserved],
  ["HFT_F64_STRIDE", F64_RECORD.stride],
  ["HFT_F64_SIDE", F64_RECORD.side],
  ["HFT_F64_PRICE", F64_RECORD.price],
  ["HFT_F64_QTY", F64_RECORD.qty],
  ["HFT_SUM_LEN", SUMMARY.length],
  ["HFT_SUM_BID_PRICE", SUMMARY.bidPrice],
  ["HFT_SUM_BID_QTY", SUMMARY.bidQty],
  ["HFT_SUM_ASK_PRICE", SUMMARY.askPrice],
  ["HFT_SUM_ASK_QTY", SUMMARY.askQty],
  ["HFT_SUM_UPDATES", SUMMARY.updates],
  ["HFT_SUM_BID_LEVELS", SUMMARY.bidLevels],
  ["HFT_SUM_ASK_LEVELS", SUMMARY.askLevels],
  ["HFT_SUM_CROSSED", SUMMARY.crossed],
  ["HFT_STATUS_COUNT", C_STATUS_NAMES.length],
  ["HFT_SIDE_BID", 0],
  ["HFT_SIDE_ASK", 1],
  ["HFT_MAX_LEVELS_LIMIT", MAX_LEVELS_LIMIT],
  ["HFT_MAX_BATCH_LIMIT", MAX_BATCH_LIMIT],
  ["sizeof(hft_cbook_params)", CBOOK_PARAMS.size],
  ["offsetof(hft_cbook_params, max_venues)", CBOOK_PARAMS.maxVenues],
  ["offsetof(hft_cbook_params, reserved)", CBOOK_PARAMS.reserved],
  ["HFT_CB_STRIDE", CB_RECORD.stride],
  ["HFT_ROUTE_HEADER", ROUTE.header],
  ["HFT_ROUTE_STRIDE", ROUTE.stride],
  ["HFT_MAX_VENUES_LIMIT", MAX_VENUES_LIMIT],
  ["sizeof(hft_depth_params)", DEPTH_PARAMS.size],
  ["offsetof(hft_depth_params, price_unit)", DEPTH_PARAMS.priceUnit],
  ["offsetof(hft_depth_params, qty_unit)", DEPTH_PARAMS.qtyUnit],
  ["offsetof(hft_depth_params, max_ticks)", DEPTH_PARAMS.maxTicks],
  ["offsetof(hft_depth_params, max_lots)", DEPTH_PARAMS.maxLots],
  ["offsetof(hft_depth_params, venue)", DEPTH_PARAMS.venue],
  ["offsetof(hft_depth_params, price_decimals)", DEPTH_PARAMS.priceDecimals],
  ["offsetof(hft_depth_params, qty_decimals)", DEPTH_PARAMS.qtyDecimals],
  ["offsetof(hft_depth_params, max_frame)", DEPTH_PARAMS.maxFrame],
  ["offsetof(hft_depth_params, max_levels)", DEPTH_PARAMS.maxLevels],
  ["offsetof(hft_depth_params, reserved)", DEPTH_PARAMS.reserved],
  ["offsetof(hft_depth_params, key)", DEPTH_PARAMS.key],
  ["HFT_DEPTH_KEY_MAX", DEPTH_PARAMS.keyMax],
  ["HFT_DEPTH_MAX_FRAME_LIMIT", MAX_FRAME_LIMIT],
  ["HFT_VENUE_BINANCE", DepthVenue.Binance],
  ["HFT_VENUE_OKX", DepthVenue.Okx],
  ["HFT_DEPTH_LIVE", DepthMode.Live],
  ["HFT_DEPTH_UNSYNCED", DepthMode.Unsynced],
  ["HFT_DEPTH_REHEARSE", DepthMode.Rehearse],
  ["HFT_DEPTH_STATUS_COUNT", C_DEPTH_STATUS_NAMES.length],
  ["HFT_LEVEL_NOT_ARRAY", LevelError.NotArray],
  ["HFT_LEVEL_MALFORMED", LevelError.Malformed],
  ["HFT_LEVEL_OUT_OF_RANGE", LevelError.OutOfRange],
  ["HFT_LEVEL_STAGING_FULL", LevelError.StagingFull],
  ["HFT_DR_LEN", DEPTH_RESULT.length],
  ["HFT_DR_FIRST", DEPTH_RESULT.first],
  ["HFT_DR_LAST", DEPTH_RESULT.last],
  ["HFT_DR_EVENT_TIME", DEPTH_RESULT.eventTime],
  ["HFT_DR_BIDS", DEPTH_RESULT.bids],
  ["HFT_DR_ASKS", DEPTH_RESULT.asks],
  ["HFT_DR_SNAPSHOT", DEPTH_RESULT.snapshot],
  ["HFT_DR_LEVEL_ERROR", DEPTH_RESULT.levelError],
  ["HFT_DR_BOOK_STATUS", DEPTH_RESULT.bookStatus],
  ["HFT_DR_SEQ_RESET", DEPTH_RESULT.seqReset],
];
