/**
 * Sequencing by a chain of ids, as OKX `books` does it (§D.2): a snapshot (prevSeqId -1, or the
 * "snapshot" action) then updates whose prevSeqId must equal the last seqId. Quiet-period keepalives
 * repeat the seqId (seqId == prevSeqId == last); after maintenance seqId may reset downwards, accepted
 * while prevSeqId stays continuous. Anything else is a gap: the caller resubscribes for a snapshot.
 * Venue-neutral so the C depth decoder's rule has one reference to be checked against.
 */

/** What to do with one frame. */
export const SeqAction = {
  Snapshot: 0,
  Apply: 1,
  Keepalive: 2,
  Duplicate: 3,
  Gap: 4,
  NotSynced: 5,
} as const;
export type SeqActionCode = (typeof SeqAction)[keyof typeof SeqAction];

/** The rule itself, pure: `last` is the last applied seqId, read only when `synced`. */
export function classifySeq(
  action: string,
  prevSeqId: number,
  seqId: number,
  synced: boolean,
  last: number,
): SeqActionCode {
  if (action === "snapshot" || prevSeqId === -1) return SeqAction.Snapshot;
  if (!synced) return SeqAction.NotSynced;
  if (prevSeqId === last) return seqId === prevSeqId ? SeqAction.Keepalive : SeqAction.Apply;
  // An old frame replayed (its seqId is already applied): ignore without losing sync.
  if (seqId <= last && prevSeqId < last && seqId > prevSeqId) return SeqAction.Duplicate;
  return SeqAction.Gap;
}

/** Sequence state of one instrument's subscription. */
export class SeqIdSync {
  /** Last applied seqId; -1 before a snapshot. */
  last = -1;
  synced = false;
  /** Downward seqId resets accepted so far. */
  resets = 0;

  /** Classifies a frame; Snapshot/Apply advance the state, Gap un-syncs it. */
  onFrame(action: string, prevSeqId: number, seqId: number): SeqActionCode {
    const act = classifySeq(action, prevSeqId, seqId, this.synced, this.last);
    this.advance(act, prevSeqId, seqId);
    return act;
  }

  /** Moves the state as a frame classified `act` requires (also for a verdict reached in C). */
  advance(act: SeqActionCode, prevSeqId: number, seqId: number): void {
    if (act === SeqAction.Snapshot) {
      this.last = seqId;
      this.synced = true;
    } else if (act === SeqAction.Apply) {
      if (seqId < prevSeqId) this.resets++;
      this.last = seqId;
    } else if (act === SeqAction.Gap) {
      this.reset();
    }
  }

  reset(): void {
    this.synced = false;
    this.last = -1;
  }
}
