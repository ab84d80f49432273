/**
 * What the venue-adapter contract suite needs from a venue besides the adapter itself: a way to
 * create connected adapters, the venue's own book (the truth to converge to), and fault knobs. One
 * harness per venue (simulator or mock); the suite is written once against this interface.
 */
import type { FeedStaleness } from "../../src/gateways/index.ts";
import type { CorruptField, FrameCorruption } from "../../src/sim/index.ts";
import type { VenueAdapter } from "../../src/venues/contract.ts";

/** Per-test adapter tweaks a harness maps onto its adapter's config. */
export interface AdapterOptions {
  /** Replace the market connection this often (make-before-break rotation). */
  readonly connectionAgeMs?: number;
  /** Trades per trade-history page the adapter asks for (to make it page). */
  readonly tradeHistoryPageSize?: number;
}

/** The venue's own book: [ticks, lots] best first. */
export interface VenueBook {
  readonly bids: ReadonlyArray<readonly [number, number]>;
  readonly asks: ReadonlyArray<readonly [number, number]>;
}

/** The market streams every venue has: diff depth, best bid/ask, trades. */
export type MarketStream = "depth" | "bbo" | "trade";

/** Which value an out-of-range corruption hits, and the text of a garbage frame. */
export interface CorruptFrameOptions {
  readonly field?: CorruptField;
  readonly text?: string;
}

/** Fault knobs every venue harness provides (reference §F). */
export interface VenueFaults {
  dropDepth(symbol: string): void;
  duplicateDepth(symbol: string): void;
  reorderDepth(symbol: string): void;
  /** The next snapshot request(s) get the book as it is now (stale by the time it is used). */
  staleSnapshot(symbol: string): void;
  closeMarket(mode: "clean" | "abrupt"): void;
  /** Market connections go silent (no data, no pings, no replies) while on. */
  silenceMarket(on: boolean): void;
  /**
   * The symbol's depth stream stops while on; the socket, its control replies and the symbol's best
   * bid/ask stream carry on (a stalled stream behind a socket that answers). Updates are lost.
   */
  freezeDepth(symbol: string, on: boolean): void;
  /** The next placement is executed but answered with a 5xx. */
  failAfterPlace(): void;
  /** Lowers the venue's order-rate limit (call before creating the adapter). */
  limitOrders(perTenSeconds: number): void;
  /** Rate-limit refusals the venue has handed out so far. */
  rateLimitHits(): { tooMany: number; banned: number };
  /** Drops the order-entry / user-data connections (the adapter must reconnect and reconcile). */
  closeOrderConnections(mode: "clean" | "abrupt"): void;
  /** Another account trades against resting orders: sells (or buys) `lots` at `priceTicks`. */
  trade(symbol: string, side: "buy" | "sell", priceTicks: number, lots: number): void;
  /** The venue sends the next frame of a market stream of symbol corrupted (on the wire). */
  corruptMarket(symbol: string, stream: MarketStream, kind: FrameCorruption, opts?: CorruptFrameOptions): void;
  /** The venue sends the next order event of the user stream (execution report, orders push) corrupted. */
  corruptUser(kind: FrameCorruption, opts?: CorruptFrameOptions): void;
  /** Corrupted frames the venue has sent so far: market data and user data. */
  corruptedSent(): { market: number; user: number };
  /** Frames the adapter refused so far (unreadable, out of range, crossed): market data and user data. */
  refusedFrames(adapter: VenueAdapter): { market: number; user: number };
  clear(): void;
}

/** One venue's harness for the contract suite. */
export interface ContractHarness {
  /** Adapter kind under test, e.g. "binance". */
  readonly kind: string;
  /** A liquid unified symbol to test with, e.g. "BTC-USDT". */
  readonly symbol: string;
  /** Detect + reconnect + resync must finish within this (ms); the suite asserts it. */
  readonly recoveryBoundMs: number;
  /** The stopped-feed bounds its adapters are configured with (detection is asserted against them). */
  readonly staleness: FeedStaleness;
  /** Creates and connects an adapter (not yet subscribed). */
  createAdapter(opts?: AdapterOptions): Promise<VenueAdapter>;
  /** Creates an adapter whose API secret is wrong; connect() must fail naming the venue. */
  createAdapterWithBadKeys(): Promise<{ adapter: VenueAdapter; name: string }>;
  venueBook(symbol: string, levels: number): VenueBook;
  /** Stops or resumes the venue's background market activity. */
  pauseMarket(paused: boolean): void;
  readonly faults: VenueFaults;
  close(): Promise<void>;
}

/** Makes a fresh harness (a fresh venue) for one group of tests. */
export type HarnessFactory = () => Promise<ContractHarness>;
