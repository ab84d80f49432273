/**
 * Public face of the book module: the C-backed OrderBook, the C depth frame decoder, the read-only
 * BookView that strategies accept, the pure-TS ReferenceBook (fakes, tests), the status codes, and the
 * calling thread's CPU affinity (C is the one door to libc).
 */

export type { BookConfig, BookView } from "../types/index.ts";
export { allowedCpus, MAX_CPU_ID, pinThread } from "./affinity.ts";
export {
  ConsolidatedBook,
  type RouteTotals,
  routeBufferLength,
  routeTotals,
  type VenueAttachment,
} from "./consolidated.ts";
export { DepthDecoder, type DepthDecoderSpec, type GridSpec } from "./depth-decoder.ts";
export {
  BookStatus,
  type BookStatusCode,
  bookStatusName,
  CB_RECORD,
  DEPTH_RESULT,
  DepthMode,
  type DepthModeCode,
  DepthStatus,
  type DepthStatusCode,
  DepthVenue,
  type DepthVenueCode,
  depthStatusName,
  LevelError,
  MAX_BOOK_VALUE,
  ROUTE,
} from "./layout.ts";
export { OrderBook, type ResolvedBookConfig } from "./order-book.ts";
export { ReferenceBook } from "./reference-book.ts";
