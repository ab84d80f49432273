/**
 * The read-only face of a book that strategies and risk code depend on, so tests can hand them a
 * fake (the pure-TS ReferenceBook implements it too) instead of a C book; and its health, which
 * decides whether anyone may trust it.
 */
import type { Side } from "./values.ts";

/** Configuration of one book; limits are fixed for its lifetime and checked on every update. */
export interface BookConfig {
  /** Levels per side, 1 .. 2^20. A batch or snapshot that would exceed it fails with BookFull. */
  maxLevels: number;
  /** Lowest accepted price in ticks (default 0; must be >= 0). */
  minTicks?: number;
  /** Highest accepted price in ticks (default 2^53 - 1). */
  maxTicks?: number;
  /** Levels one staged frame may hold (batch or snapshot; default max(64, 2 * maxLevels)). */
  stagingCapacity?: number;
}

/** Read access to an L2 book in integer ticks and lots. */
export interface BookView {
  /** Best bid price in ticks, -1 when there are no bids. */
  bestBidTicks(): number;
  /** Quantity at the best bid in lots, 0 when there are no bids. */
  bestBidLots(): number;
  bestAskTicks(): number;
  bestAskLots(): number;
  /** Copies up to n best levels (best first) into the arrays; returns how many were written. */
  topLevels(side: Side, n: number, outTicks: Float64Array, outLots: Float64Array): number;
  /** Cumulative lots over the best `levels` levels of a side. */
  depthLots(side: Side, levels: number): number;
  /** Cumulative lots at prices as good as limitTicks or better (bids >= limit, asks <= limit). */
  depthToPrice(side: Side, limitTicks: number): number;
  /** Sum of ticks * lots over the same levels (exact while below 2^53). */
  notionalToPrice(side: Side, limitTicks: number): number;
  /** (best bid + best ask) / 2 in ticks; NaN when a side is empty. */
  mid(): number;
  /** Size-weighted mid: (bid * askLots + ask * bidLots) / (bidLots + askLots); NaN when a side is empty. */
  microprice(): number;
  /** (bid depth - ask depth) / (bid depth + ask depth) over the best `levels` levels; NaN if a side is empty. */
  imbalance(levels: number): number;
  levelCount(side: Side): number;
  /** Grows by one on every successful change (batch, snapshot, clear), so readers can skip unchanged books. */
  updateCount(): number;
  /** True when both sides exist and best bid >= best ask. */
  isCrossed(): boolean;
}

/** Book health: only a "live" book may be offered to strategies. */
export type BookHealth = "syncing" | "live" | "stale" | "resyncing";

/**
 * Which check found a book stale, so an operator sees why (metrics label, log field): the market
 * socket stopped answering a liveness probe (dead), the venue's other stream (best bid/ask) showed
 * the book behind for too long while the socket lived (frozen stream), or the socket closed.
 */
export type StaleCheck = "probe_unanswered" | "stream_behind" | "connection_lost";

/** Every StaleCheck, so each series exists (at 0) before the first detection. */
export const STALE_CHECKS: readonly StaleCheck[] = ["probe_unanswered", "stream_behind", "connection_lost"];
