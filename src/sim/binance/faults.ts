/**
 * Fault-injection state: the knobs tests turn to make the simulator misbehave the way real venues do
 * (lost or reordered book events, corrupted frames, stale snapshots, silent connections, slow or
 * failing responses, clock skew). The protocol layers consult it at the exact points where each fault
 * happens.
 */
import { ArmedFaults, type FrameFault } from "../core/index.ts";

/** Which connections a connection-level fault applies to. */
export type ConnKind = "market" | "wsapi" | "user";

/** A symbol's market streams a freeze can stop one by one. */
export type StreamKind = "depth" | "bookTicker" | "trade";
export const STREAM_KINDS: readonly StreamKind[] = ["depth", "bookTicker", "trade"];

/** What to do with the n-th upcoming depth diff event of a symbol. */
export type DepthFaultKind = "drop" | "duplicate" | "reorder";

/** A snapshot kept to be served later instead of the live one. */
export interface StaleSnapshot {
  body: string;
  remaining: number;
}

/** All armed faults; one per simulator. */
export class FaultState {
  /** Per depth stream ("btcusdt@depth@100ms", "btcusdt@depth"): armed faults in arming order. */
  readonly depth = new ArmedFaults<DepthFaultKind>();
  /**
   * Corruptions per market stream ("btcusdt@depth@100ms", "btcusdt@bookTicker", "btcusdt@trade") and per
   * user-data event type ("user:executionReport", "user:outboundAccountPosition").
   */
  readonly corrupt = new ArmedFaults<FrameFault>();
  readonly staleSnapshots = new Map<string, StaleSnapshot>();
  /** The server ignores client pings (sends no pong) on these kinds. */
  readonly ignorePings = new Set<ConnKind>();
  /** The server sends no keepalive pings. */
  stopPings = false;
  /** Extra delay before answering REST / WS API requests, and how many more responses get it (-1 = all). */
  delayMs = 0;
  delayRemaining = 0;
  delayKinds = new Set<"rest" | "wsapi">();
  /** Next orders refused with this code (count, code, message). */
  rejectQueue: Array<{ code: number; msg?: string }> = [];
  /** Next orders are placed and then answered with this HTTP status. */
  failAfterPlace: number[] = [];
  /** Added to the server's clock for everything it reports and checks. */
  clockSkewMs = 0;
  /**
   * Stream names ("btcusdt@depth@100ms") that send nothing while frozen: the connection, its other
   * streams and its control replies carry on (a stalled stream, not a dead socket). Events of the
   * freeze are lost, as a venue that moved on would lose them.
   */
  readonly frozenStreams = new Set<string>();

  /** Arms a depth fault on the n-th (1-based) upcoming event of every depth stream of symbol. */
  armDepth(streamKeys: readonly string[], kind: DepthFaultKind, n: number): void {
    for (const key of streamKeys) this.depth.arm(key, kind, n);
  }

  /** Called for each depth event about to go out on streamKey: the fault to apply to it, if any. */
  nextDepthFault(streamKey: string): DepthFaultKind | undefined {
    return this.depth.next(streamKey);
  }

  /** Takes the delay of the next response of this kind, consuming one use. */
  takeDelay(kind: "rest" | "wsapi"): number {
    if (this.delayMs <= 0 || this.delayRemaining === 0 || !this.delayKinds.has(kind)) return 0;
    if (this.delayRemaining > 0) this.delayRemaining--;
    return this.delayMs;
  }

  /** Clears every fault. */
  reset(): void {
    this.depth.clear();
    this.corrupt.clear();
    this.staleSnapshots.clear();
    this.ignorePings.clear();
    this.stopPings = false;
    this.delayMs = 0;
    this.delayRemaining = 0;
    this.delayKinds.clear();
    this.rejectQueue = [];
    this.failAfterPlace = [];
    this.clockSkewMs = 0;
    this.frozenStreams.clear();
  }
}

/** Counters of refused, malformed and dropped traffic, so tests and operators can see bad input. */
export interface SimCounters {
  restRequests: number;
  wsApiRequests: number;
  malformedJson: number;
  unknownMethod: number;
  badParams: number;
  oversized: number;
  floodDisconnects: number;
  authFailures: number;
  rateLimited: number;
  unknownPath: number;
  pingTimeouts: number;
  lifetimeShutdowns: number;
  depthEventsSent: number;
  depthEventsDropped: number;
  depthEventsDuplicated: number;
  depthEventsReordered: number;
  /** Market-stream frames sent corrupted (depth, bookTicker, trade). */
  corruptedMarketFrames: number;
  /** User-data events sent corrupted (listenKey streams and WS API subscriptions count once per event). */
  corruptedUserFrames: number;
  /** Stream events a freeze swallowed. */
  streamEventsFrozen: number;
  staleSnapshotsServed: number;
  injectedRejects: number;
  failedAfterPlace: number;
  internalErrors: number;
}

/** Fresh zeroed counters. */
export function newCounters(): SimCounters {
  return {
    restRequests: 0,
    wsApiRequests: 0,
    malformedJson: 0,
    unknownMethod: 0,
    badParams: 0,
    oversized: 0,
    floodDisconnects: 0,
    authFailures: 0,
    rateLimited: 0,
    unknownPath: 0,
    pingTimeouts: 0,
    lifetimeShutdowns: 0,
    depthEventsSent: 0,
    depthEventsDropped: 0,
    depthEventsDuplicated: 0,
    depthEventsReordered: 0,
    corruptedMarketFrames: 0,
    corruptedUserFrames: 0,
    streamEventsFrozen: 0,
    staleSnapshotsServed: 0,
    injectedRejects: 0,
    failedAfterPlace: 0,
    internalErrors: 0,
  };
}
