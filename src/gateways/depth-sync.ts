/**
 * The diff-depth synchronisation state machine for venues that publish a REST snapshot with a
 * `lastUpdateId` and diff events carrying first/last update ids `U`/`u` (Binance spot §A.3, also
 * Binance-style venues). Venue-neutral: it decides, the adapter parses and applies. Keeping the
 * decision here lets it be tested exhaustively without sockets.
 */

/** What to do with one diff event. */
export const SyncAction = {
  /** Apply its levels to the book now (localId has moved to its `u`). */
  Apply: 0,
  /** Already covered by the book (u <= localId): drop it. */
  Ignore: 1,
  /** Held until the snapshot arrives. */
  Buffered: 2,
  /** Continuity broken (U > localId+1, or the buffer overflowed): discard the book and resync. */
  Gap: 3,
} as const;
export type SyncAction = (typeof SyncAction)[keyof typeof SyncAction];

/** What to do with a snapshot. */
export type SnapshotVerdict =
  /** Older than the first buffered event: fetch it again (step 2). */
  | "refetch"
  /** Load it, then replay takeBuffered() through onEvent (steps 3–5). */
  | "apply";

export type SyncState = "idle" | "buffering" | "live";

/**
 * §A.3 step 5 for a live book at `localId`: drop what the book has (u <= localId), resync on a hole
 * (U > localId + 1), else apply. Pure, so the C depth decoder's rule can be checked against it.
 */
export function classifyLive(U: number, u: number, localId: number): SyncAction {
  if (u <= localId) return SyncAction.Ignore;
  if (U > localId + 1) return SyncAction.Gap;
  return SyncAction.Apply;
}

/** One symbol's sync state; T is the adapter's buffered event (parsed frame). */
export class DiffDepthSync<T> {
  state: SyncState = "idle";
  /** Last update id reflected in the book (valid when live). */
  localId = -1;
  /** U of the first event buffered since start() (-1 = none yet). */
  firstU = -1;
  private buffer: T[] = [];
  /** Gaps seen since creation (each one forced a resync). */
  gaps = 0;

  constructor(private readonly maxBuffered = 10_000) {}

  /** Step 1: (re)start buffering; the book must be treated as invalid until live again. */
  start(): void {
    this.state = "buffering";
    this.localId = -1;
    this.firstU = -1;
    this.buffer = [];
  }

  /** Step 5: classifies one event; buffers it while a snapshot is pending. */
  onEvent(U: number, u: number, item: T): SyncAction {
    if (this.state === "live") {
      const act = classifyLive(U, u, this.localId);
      if (act === SyncAction.Gap) return this.gap();
      if (act === SyncAction.Apply) this.localId = u;
      return act;
    }
    if (this.state === "buffering") {
      if (this.buffer.length >= this.maxBuffered) return this.gap();
      if (this.firstU < 0) this.firstU = U;
      this.buffer.push(item);
      return SyncAction.Buffered;
    }
    return SyncAction.Ignore; // idle: nobody wants this book
  }

  /**
   * Steps 2–4: judges a snapshot; on "apply" the machine is live at lastUpdateId. The doc's test is
   * `lastUpdateId < firstU`; we refetch only when `lastUpdateId + 1 < firstU`, because a snapshot
   * exactly one behind the first event is already contiguous with it (step 3: U <= lastUpdateId+1),
   * and on a quiet symbol the stricter test would refetch forever.
   */
  onSnapshot(lastUpdateId: number): SnapshotVerdict {
    if (this.firstU >= 0 && lastUpdateId + 1 < this.firstU) return "refetch";
    this.localId = lastUpdateId;
    this.state = "live";
    return "apply";
  }

  /** The events buffered before the snapshot, to replay through onEvent in order (empties the buffer). */
  takeBuffered(): T[] {
    const b = this.buffer;
    this.buffer = [];
    return b;
  }

  buffered(): number {
    return this.buffer.length;
  }

  /** The book could not take an event (bad frame, book full, crossed): stop until restarted. */
  invalidate(): void {
    this.state = "idle";
    this.buffer = [];
  }

  private gap(): SyncAction {
    this.gaps++;
    this.invalidate();
    return SyncAction.Gap;
  }
}
