/**
 * OKX `books` sequencing (§D.2): a snapshot (prevSeqId -1) then updates whose prevSeqId must equal
 * the last seqId. Quiet-period keepalives repeat the seqId (seqId == prevSeqId == last); after
 * maintenance seqId may reset downwards, accepted while prevSeqId stays continuous. Anything else is
 * a gap: the caller resubscribes for a fresh snapshot.
 */

/** What to do with one frame. */
export const OkxSeqAction = {
  Snapshot: 0,
  Apply: 1,
  Keepalive: 2,
  Duplicate: 3,
  Gap: 4,
  NotSynced: 5,
} as const;
export type OkxSeqActionCode = (typeof OkxSeqAction)[keyof typeof OkxSeqAction];

/** Sequence state of one instrument's `books` subscription. */
export class OkxBookSync {
  /** Last applied seqId; -1 before a snapshot. */
  last = -1;
  synced = false;
  resets = 0;

  /** Classifies a frame; Snapshot/Apply/Keepalive advance the state, Gap un-syncs it. */
  onFrame(action: string, prevSeqId: number, seqId: number): OkxSeqActionCode {
    if (action === "snapshot" || prevSeqId === -1) {
      this.last = seqId;
      this.synced = true;
      return OkxSeqAction.Snapshot;
    }
    if (!this.synced) return OkxSeqAction.NotSynced;
    if (prevSeqId === this.last) {
      if (seqId === prevSeqId) return OkxSeqAction.Keepalive;
      if (seqId < prevSeqId) this.resets++;
      this.last = seqId;
      return OkxSeqAction.Apply;
    }
    // An old frame replayed (its seqId is already applied): ignore without losing sync.
    if (seqId <= this.last && prevSeqId < this.last && seqId > prevSeqId) return OkxSeqAction.Duplicate;
    this.synced = false;
    this.last = -1;
    return OkxSeqAction.Gap;
  }

  reset(): void {
    this.synced = false;
    this.last = -1;
  }
}
