/**
 * Public face of the gateways: venue-neutral pieces every adapter reuses for market data (depth
 * sync, level parsing, backoff, message pacing, noticing a stopped feed) and order entry (client ids, rate budgets,
 * unknown-outcome resolution).
 */

export { LevelError } from "../book/index.ts";
export {
  ClientIdSequence,
  isOwnClientId,
  isValidClientId,
  isValidClientIdPrefix,
  MAX_CLIENT_ID_LENGTH,
} from "../types/index.ts";
export { Backoff, type BackoffConfig, DEFAULT_BACKOFF } from "./backoff.ts";
export { BytesRouter } from "./bytes-router.ts";
export { type DepthFrameSpec, decodeDepthFrame, readDiffIds, readSeqIds, type SequenceIds } from "./depth-frame.ts";
export { classifyLive, DiffDepthSync, type SnapshotVerdict, SyncAction, type SyncState } from "./depth-sync.ts";
export {
  DEFAULT_FEED_STALENESS,
  escalationDelayMs,
  FEED_STALENESS_LIMITS,
  type FeedStaleness,
  Liveness,
  LivenessProbe,
  type LivenessVerdict,
  resolveFeedStaleness,
  StreamLag,
  watchPeriodMs,
} from "./feed-watch.ts";
export { type LevelBounds, stageLevels } from "./levels.ts";
export {
  type BudgetVerdict,
  intervalMs,
  PacedSender,
  type PauseEnd,
  pauseForBudget,
  SlidingWindow,
  VenueBudget,
  waitUnlessWithdrawn,
} from "./rate-limit.ts";
export { ScratchBook } from "./scratch-book.ts";
export { classifySeq, SeqAction, type SeqActionCode, SeqIdSync } from "./seq-id-sync.ts";
export {
  checkTradeQuery,
  compareTradeIds,
  isDecimalString,
  isNumericTradeId,
  selectTrades,
} from "./trade-history.ts";
export { type Resolution, resolveUnknownOutcome, type StatusProbe } from "./unknown-outcome.ts";
export {
  type MarketSocket,
  type MarketSocketKind,
  openMarketSocket,
  type TextBytesHandler,
  type WireHooks,
  WireSocket,
  type WireSocketOptions,
} from "./wire-socket.ts";
