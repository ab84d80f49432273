/**
 * OKX `books` sequencing (§D.2): the seqId/prevSeqId chain rules live in gateways/seq-id-sync.ts
 * (venue-neutral, and the reference the C depth decoder is checked against); the names here keep the
 * adapter's vocabulary.
 */
export {
  SeqAction as OkxSeqAction,
  type SeqActionCode as OkxSeqActionCode,
  SeqIdSync as OkxBookSync,
} from "../../gateways/index.ts";
