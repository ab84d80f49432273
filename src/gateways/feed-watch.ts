/**
 * Noticing a market-data feed that stopped, venue-neutrally, within about two seconds on an active
 * symbol and without false alarms on a quiet one. Two kinds of evidence, both cheap:
 *
 * - Liveness of the socket: one that has delivered nothing for `suspectAfterMs` is probed with an
 *   application-level request (Binance LIST_SUBSCRIPTIONS, OKX text ping) that travels the same path
 *   as the data; unanswered within `probeTimeoutMs`, the socket is dead. A WebSocket ping frame would
 *   not do: the transport answers it even when the venue's data path for the socket has stopped.
 * - A cross-check per book: the venue's best bid/ask stream on the same socket carries the book's own
 *   sequence (Binance bookTicker `u`, OKX bbo-tbt `seqId`). When it has shown the venue past the book
 *   for longer than `suspectAfterMs` plus the depth stream's push interval, the depth stream is frozen
 *   or lagging even though the socket answers.
 *
 * A quiet market passes both: its socket answers probes and its best bid/ask stream is quiet too.
 * Adapters store numbers here on every frame (no allocation on the hot path); their watchdogs read
 * the verdicts every watchPeriodMs.
 */

/** How quickly a stopped feed is noticed; per venue (config `venues[].staleness`). */
export interface FeedStaleness {
  /**
   * A market socket silent this long is probed; a book its best bid/ask stream has shown behind the
   * venue this long (plus the depth stream's own push interval) is declared frozen.
   */
  readonly suspectAfterMs: number;
  /** A probe unanswered this long means the socket is dead: its books go stale and it is replaced. */
  readonly probeTimeoutMs: number;
}

/** About two seconds from the last frame to a stale book, the target on an active symbol. */
export const DEFAULT_FEED_STALENESS: FeedStaleness = { suspectAfterMs: 1000, probeTimeoutMs: 1000 };

/**
 * Bounds a setting may take, ms: shorter than the lower one and a loaded machine's timer jitter alone
 * would raise alarms; longer than the upper one is no longer "noticing" anything.
 */
export const FEED_STALENESS_LIMITS = {
  suspectAfterMs: { min: 100, max: 60_000 },
  probeTimeoutMs: { min: 50, max: 60_000 },
} as const;

/** Fills in defaults and checks bounds; `fail` names the field (each adapter words its own errors). */
export function resolveFeedStaleness(
  given: Partial<FeedStaleness> | undefined,
  fail: (field: string, why: string) => never,
): FeedStaleness {
  const out = { ...DEFAULT_FEED_STALENESS, ...(given ?? {}) };
  for (const key of ["suspectAfterMs", "probeTimeoutMs"] as const) {
    const { min, max } = FEED_STALENESS_LIMITS[key];
    const v = out[key];
    if (!Number.isInteger(v) || v < min || v > max) fail(`staleness.${key}`, `must be an integer ${min}..${max} ms`);
  }
  return out;
}

/** How often a watchdog looks: a quarter of the shortest bound, between 10 and 250 ms. */
export function watchPeriodMs(s: FeedStaleness): number {
  return Math.max(10, Math.min(250, Math.floor(Math.min(s.suspectAfterMs, s.probeTimeoutMs) / 4)));
}

/**
 * Delay before the n-th (0-based) escalation of a book whose stream stays frozen after a resubscribe
 * (replace the socket): doubling from one detection time, capped at 30 s so a venue-wide stall does
 * not churn connections.
 */
export function escalationDelayMs(s: FeedStaleness, attempt: number): number {
  return Math.min(30_000, (s.suspectAfterMs + s.probeTimeoutMs) * 2 ** Math.min(attempt, 16));
}

/** What a socket's watchdog must do now. */
export const Liveness = {
  /** Nothing: data flows, or a probe is out and still within its bound. */
  Ok: 0,
  /** Silent for suspectAfterMs: send a probe (then call sent()). */
  Probe: 1,
  /** A probe went unanswered for probeTimeoutMs: the socket is dead. */
  Dead: 2,
} as const;
export type LivenessVerdict = (typeof Liveness)[keyof typeof Liveness];

/** Liveness bookkeeping of one socket: when it last delivered anything, and the probe in flight. */
export class LivenessProbe {
  /** Clock ms of the last frame received (or of the open). */
  lastRecvMs: number;
  /** Clock ms the outstanding probe went out; 0 = none outstanding. */
  sentMs = 0;
  /** Some frame has arrived since the socket opened: it has shown it delivers. */
  proven = false;
  /** Probes answered (by any frame), a count of quiet periods found alive. */
  answered = 0;

  constructor(nowMs: number) {
    this.lastRecvMs = nowMs;
  }

  /** A frame arrived: the socket is alive (hot path: a few stores). */
  onFrame(nowMs: number): void {
    this.lastRecvMs = nowMs;
    this.proven = true;
    if (this.sentMs !== 0) {
      this.sentMs = 0;
      this.answered++;
    }
  }

  /** The socket (re)opened: its silence is counted from now, and it has proven nothing yet. */
  opened(nowMs: number): void {
    this.lastRecvMs = nowMs;
    this.sentMs = 0;
    this.proven = false;
  }

  /** The adapter sent a probe. */
  sent(nowMs: number): void {
    this.sentMs = nowMs;
  }

  /** The verdict at nowMs under these bounds (idleMs: silence before a probe; timeoutMs: its answer bound). */
  verdict(nowMs: number, idleMs: number, timeoutMs: number): LivenessVerdict {
    if (this.sentMs !== 0) return nowMs - this.sentMs >= timeoutMs ? Liveness.Dead : Liveness.Ok;
    return nowMs - this.lastRecvMs >= idleMs ? Liveness.Probe : Liveness.Ok;
  }
}

/**
 * How long a book has trailed the venue, by sequence number: every best bid/ask sequence beyond the
 * book is remembered with its arrival time (a fixed ring, no allocation) until the book catches up,
 * so behindMs() is the age of the oldest venue state the book has not reached yet — a frozen stream
 * and a lagging one both show.
 */
export class StreamLag {
  private readonly seqs: Float64Array;
  private readonly times: Float64Array;
  private head = 0;
  private count = 0;
  /** Highest sequence the book reflects; -1 while it is not synced. */
  private bookSeq = -1;
  /** Highest sequence the other stream has shown, and when. */
  private venueSeq = -1;
  private venueMs = 0;
  /** The next onBook is the first since reset(): evidence from before the sync gets a fresh start. */
  private fresh = true;

  constructor(private readonly capacity = 256) {
    this.seqs = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  /** The book now reflects the venue up to `seq` (depth frame, snapshot or keepalive applied at nowMs). */
  onBook(seq: number, nowMs: number): void {
    if (seq < this.bookSeq) this.restart(); // the venue restarted its sequence (maintenance)
    this.bookSeq = seq;
    const cap = this.capacity;
    while (this.count > 0 && (this.seqs[this.head] as number) <= seq) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.count--;
    }
    // Evidence the ring could not hold (it was full), or that arrived before the book synced.
    if (this.count === 0 && this.venueSeq > seq) this.push(this.venueSeq, this.fresh ? nowMs : this.venueMs);
    this.fresh = false;
  }

  /** The best bid/ask stream showed the venue at `seq`, arriving at nowMs. */
  onVenue(seq: number, nowMs: number): void {
    if (seq <= this.venueSeq) return;
    this.venueSeq = seq;
    this.venueMs = nowMs;
    if (this.bookSeq >= 0 && seq > this.bookSeq && this.count < this.capacity) this.push(seq, nowMs);
  }

  /** How long the venue has been known to be past the book, ms (0 = the book is level with it). */
  behindMs(nowMs: number): number {
    return this.count === 0 ? 0 : nowMs - (this.times[this.head] as number);
  }

  /** The book resyncs: nothing known about it until its next onBook. */
  reset(): void {
    this.restart();
    this.bookSeq = -1;
    this.fresh = true;
  }

  private restart(): void {
    this.head = 0;
    this.count = 0;
    this.venueSeq = -1;
    this.venueMs = 0;
  }

  private push(seq: number, ms: number): void {
    const i = (this.head + this.count) % this.capacity;
    this.seqs[i] = seq;
    this.times[i] = ms;
    this.count++;
  }
}
