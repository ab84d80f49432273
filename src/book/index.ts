/**
 * Public face of the book module: the C-backed OrderBook, the read-only BookView that strategies
 * accept, the pure-TS ReferenceBook (fakes, tests) and the status codes.
 */
export { BookStatus, type BookStatusCode, bookStatusName, MAX_BOOK_VALUE } from "./layout.ts";
export { OrderBook, type ResolvedBookConfig } from "./order_book.ts";
export { ReferenceBook } from "./reference_book.ts";
export type { BookConfig, BookView } from "./view.ts";
