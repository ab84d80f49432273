/**
 * Counted, per-instrument fault state of the OKX simulator (reference §F): the admin API arms it, the
 * server and venue consult it at the exact point where each fault happens. Kept apart from the legacy
 * one-shot booleans (OkxFaults) so armed faults can target the n-th upcoming event of one instrument.
 */
import { ArmedFaults, type FrameFault } from "../core/index.ts";
import { defaultOkxLimits, type OkxLimitedEndpoint, type OkxRateLimit } from "./limits.ts";

/** Which sockets a connection-level fault applies to. */
export type OkxConnKind = "public" | "private";
export const OKX_CONN_KINDS: readonly OkxConnKind[] = ["public", "private"];

/** Public channels a freeze can stop one by one. */
export type OkxChannel = "books" | "bbo-tbt" | "trades";
export const OKX_CHANNELS: readonly OkxChannel[] = ["books", "bbo-tbt", "trades"];

/** What to do with an upcoming `books` update. */
export type OkxBookFaultKind = "drop" | "duplicate" | "reorder" | "break";

/** A books snapshot captured earlier, served instead of the live one (with its old seqId). */
export interface StaleBooks {
  readonly seqId: number;
  readonly asks: string[][];
  readonly bids: string[][];
  readonly ts: string;
  remaining: number;
}

/** Counters of faults applied and refusals handed out, so tests see that a knob took effect. */
export interface OkxFaultCounters {
  booksSent: number;
  booksDropped: number;
  booksDuplicated: number;
  booksReordered: number;
  booksChainBroken: number;
  /** Public-channel pushes sent corrupted (books, bbo-tbt, trades). */
  corruptedMarketFrames: number;
  /** `orders` pushes sent corrupted. */
  corruptedUserFrames: number;
  staleSnapshotsServed: number;
  injectedRejects: number;
  failedAfterPlace: number;
  /** Order-entry requests or batch items (place, cancel, amend) refused with 50011. */
  rateLimited: number;
  /** Trade-history requests (fills, fills-history) refused with 50011. */
  fillsRateLimited: number;
  /** Query requests (order history, currencies, account config) refused with 50011. */
  queriesRateLimited: number;
  /** Order-entry replies swallowed after the venue acted on the request (dropOrderReplies). */
  repliesDropped: number;
  pingsIgnored: number;
  connectionsClosed: number;
  /** Public frames a channel freeze swallowed. */
  framesFrozen: number;
}

/** Zeroed counters. */
export function newOkxFaultCounters(): OkxFaultCounters {
  return {
    booksSent: 0,
    booksDropped: 0,
    booksDuplicated: 0,
    booksReordered: 0,
    booksChainBroken: 0,
    corruptedMarketFrames: 0,
    corruptedUserFrames: 0,
    staleSnapshotsServed: 0,
    injectedRejects: 0,
    failedAfterPlace: 0,
    rateLimited: 0,
    fillsRateLimited: 0,
    queriesRateLimited: 0,
    repliesDropped: 0,
    pingsIgnored: 0,
    connectionsClosed: 0,
    framesFrozen: 0,
  };
}

/** Armed faults of one simulator. */
export class OkxFaultState {
  /** Per instId: armed books-update faults, in arming order. */
  readonly books = new ArmedFaults<OkxBookFaultKind>();
  /** Corruptions per channel key, as sockets subscribe them ("books:BTC-USDT", "bbo-tbt:…", "trades:…", "orders"). */
  readonly corrupt = new ArmedFaults<FrameFault>();
  readonly staleBooks = new Map<string, StaleBooks>();
  /** Sockets of these kinds send nothing at all (data, replies, pongs) while set. */
  readonly silenced = new Set<OkxConnKind>();
  /** Text "ping" gets no "pong" on these kinds. */
  readonly ignorePings = new Set<OkxConnKind>();
  /**
   * Channel keys ("books:BTC-USDT") that push nothing while frozen (not even a subscribe's snapshot
   * or a keepalive); the socket, its other channels and its pongs carry on. Updates of the freeze are
   * lost (the chain resumes with a gap).
   */
  readonly frozen = new Set<string>();
  /** Next placements refused with these sCodes. */
  rejectQueue: Array<{ sCode: string; msg: string }> = [];
  /** Next placements executed, then answered with this HTTP status (REST) / sCode 50004 (WS). */
  failAfterPlace: number[] = [];
  /** Request limits by endpoint (OKX's documented ones unless the admin API changed them). */
  limits: Record<OkxLimitedEndpoint, OkxRateLimit> = defaultOkxLimits();
  /** The next this many order-entry replies are swallowed after the venue acted (dropOrderReplies). */
  dropReplies = 0;
  readonly counters: OkxFaultCounters = newOkxFaultCounters();

  /** Arms a fault on the n-th (1-based) upcoming books update of instId. */
  armBooks(instId: string, kind: OkxBookFaultKind, n: number): void {
    this.books.arm(instId, kind, n);
  }

  /** Called for each books update about to go out for instId: the fault to apply to it, if any. */
  nextBooksFault(instId: string): OkxBookFaultKind | undefined {
    return this.books.next(instId);
  }

  /** Takes the stale snapshot armed for instId, consuming one use. */
  takeStale(instId: string): StaleBooks | undefined {
    const s = this.staleBooks.get(instId);
    if (s === undefined) return undefined;
    if (--s.remaining <= 0) this.staleBooks.delete(instId);
    this.counters.staleSnapshotsServed++;
    return s;
  }

  /** Clears every armed fault (counters stay). */
  reset(): void {
    this.books.clear();
    this.corrupt.clear();
    this.staleBooks.clear();
    this.silenced.clear();
    this.ignorePings.clear();
    this.frozen.clear();
    this.rejectQueue = [];
    this.failAfterPlace = [];
    this.limits = defaultOkxLimits();
    this.dropReplies = 0;
  }
}
