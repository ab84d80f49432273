/**
 * The TypeScript reference of the C depth decoder (book/ DepthDecoder, csrc/src/depth.c): one depth
 * frame, as text, through JSON.parse, the same field checks the adapters' general paths make
 * (readDiffIds, readSeqIds), the same sequence rules (classifyLive, classifySeq) and the same level
 * staging (stageLevels) into the book, with the same statuses and result record. It is slow on
 * purpose and obviously right; the differential test (test/depth-decoder.differential.test.ts)
 * requires the C decoder to agree with it frame by frame, book by book.
 */
import {
  DEPTH_RESULT,
  DepthMode,
  DepthStatus,
  type DepthStatusCode,
  DepthVenue,
  type DepthVenueCode,
  type OrderBook,
} from "../book/index.ts";
import { type DecimalGrid, Side } from "../types/index.ts";
import { classifyLive, SyncAction } from "./depth-sync.ts";
import { type LevelBounds, stageLevels } from "./levels.ts";
import { classifySeq, SeqAction } from "./seq-id-sync.ts";

/** What a decoder is fixed to: venue message layout, routing key, grids, level bounds. */
export interface DepthFrameSpec {
  readonly venue: DepthVenueCode;
  /** Binance: the combined-stream name; OKX: the instId. */
  readonly key: string;
  readonly price: DecimalGrid;
  readonly qty: DecimalGrid;
  readonly bounds: LevelBounds;
  /** Frames longer than this many UTF-8 bytes are refused unread (TooLong). */
  readonly maxFrameBytes: number;
}

/** A frame's two sequence numbers: Binance U/u, OKX prevSeqId/seqId. */
export interface SequenceIds {
  first: number;
  last: number;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** -0 reads as 0 (the C side converts to integers). */
const safeInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);

/** Binance diff ids: U and u safe integers with U <= u (false: a malformed depth event). */
export function readDiffIds(d: unknown, out: SequenceIds): boolean {
  if (typeof d !== "object" || d === null) return false;
  const U = (d as Obj)["U"];
  const u = (d as Obj)["u"];
  if (!safeInt(U) || !safeInt(u) || U > u) return false;
  out.first = U + 0;
  out.last = u + 0;
  return true;
}

/** OKX `books` ids: seqId and prevSeqId safe integers (false: the frame is unusable). */
export function readSeqIds(d: Obj, out: SequenceIds): boolean {
  const seq = d["seqId"];
  const prev = d["prevSeqId"];
  if (!safeInt(seq) || !safeInt(prev)) return false;
  out.first = prev + 0;
  out.last = seq + 0;
  return true;
}

/** A string of decimal digits as a number when it is a safe integer, else -1 (OKX ts). */
function digitsValue(v: unknown): number {
  if (typeof v !== "string" || !/^[0-9]+$/.test(v)) return -1;
  const n = Number(v);
  return n <= Number.MAX_SAFE_INTEGER ? n : -1;
}

function resetRecord(out: Float64Array): void {
  out.fill(0);
  out[DEPTH_RESULT.eventTime] = -1;
}

/**
 * Decodes one frame into `book` exactly as DepthDecoder.decode does and fills `out` (DEPTH_RESULT
 * layout) the same way; mode is a DepthMode, position the book's sequence position in Live mode.
 */
export function decodeDepthFrame(
  spec: DepthFrameSpec,
  book: OrderBook,
  text: string,
  mode: number,
  position: number,
  out: Float64Array,
): DepthStatusCode {
  resetRecord(out);
  if (Buffer.byteLength(text, "utf8") > spec.maxFrameBytes) return DepthStatus.TooLong;
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return DepthStatus.BadJson;
  }
  return spec.venue === DepthVenue.Binance
    ? binanceFrame(spec, book, msg, mode, position, out)
    : okxFrame(spec, book, msg, mode, position, out);
}

const ids: SequenceIds = { first: 0, last: 0 };

function binanceFrame(
  spec: DepthFrameSpec,
  book: OrderBook,
  msg: unknown,
  mode: number,
  position: number,
  out: Float64Array,
): DepthStatusCode {
  if (!isObj(msg) || msg["stream"] !== spec.key) return DepthStatus.Other;
  const d = msg["data"];
  if (typeof d !== "object" || d === null) return DepthStatus.Other;
  if (!readDiffIds(d, ids)) return DepthStatus.BadFields;
  const E = (d as Obj)["E"];
  out[DEPTH_RESULT.first] = ids.first;
  out[DEPTH_RESULT.last] = ids.last;
  out[DEPTH_RESULT.eventTime] = safeInt(E) ? E + 0 : -1;
  if (mode === DepthMode.Unsynced) return DepthStatus.NotSynced;
  if (mode === DepthMode.Live) {
    const act = classifyLive(ids.first, ids.last, position);
    if (act === SyncAction.Ignore) return DepthStatus.Duplicate;
    if (act === SyncAction.Gap) return DepthStatus.Gap;
  }
  return stageAndApply(spec, book, (d as Obj)["b"], (d as Obj)["a"], false, out);
}

function okxFrame(
  spec: DepthFrameSpec,
  book: OrderBook,
  msg: unknown,
  mode: number,
  position: number,
  out: Float64Array,
): DepthStatusCode {
  if (!isObj(msg) || typeof msg["event"] === "string") return DepthStatus.Other;
  const arg = msg["arg"];
  const data = msg["data"];
  if (!isObj(arg) || !Array.isArray(data)) return DepthStatus.Other;
  if (arg["instId"] !== spec.key || arg["channel"] !== "books") return DepthStatus.Other;
  const d: unknown = data[0];
  if (data.length !== 1 || !isObj(d)) return DepthStatus.Other;
  if (!readSeqIds(d, ids)) return DepthStatus.BadFields;
  out[DEPTH_RESULT.first] = ids.first;
  out[DEPTH_RESULT.last] = ids.last;
  out[DEPTH_RESULT.eventTime] = digitsValue(d["ts"]);
  const action = typeof msg["action"] === "string" ? msg["action"] : "";
  let snapshot = action === "snapshot" || ids.first === -1;
  if (mode !== DepthMode.Rehearse) {
    const act = classifySeq(action, ids.first, ids.last, mode === DepthMode.Live, position);
    if (act === SeqAction.NotSynced) return DepthStatus.NotSynced;
    if (act === SeqAction.Keepalive) return DepthStatus.Keepalive;
    if (act === SeqAction.Duplicate) return DepthStatus.Duplicate;
    if (act === SeqAction.Gap) return DepthStatus.Gap;
    if (act === SeqAction.Apply && ids.last < ids.first) out[DEPTH_RESULT.seqReset] = 1;
    snapshot = act === SeqAction.Snapshot;
  }
  return stageAndApply(spec, book, d["bids"], d["asks"], snapshot, out);
}

/** Bids then asks into the staging area, then one apply; the book's verdict as a status. */
function stageAndApply(
  spec: DepthFrameSpec,
  book: OrderBook,
  bids: unknown,
  asks: unknown,
  snapshot: boolean,
  out: Float64Array,
): DepthStatusCode {
  book.beginUpdate();
  const nb = stageLevels(book, Side.Buy, bids, spec.price, spec.qty, spec.bounds);
  out[DEPTH_RESULT.bids] = nb < 0 ? book.stagedCount() : nb;
  const na = nb < 0 ? nb : stageLevels(book, Side.Sell, asks, spec.price, spec.qty, spec.bounds);
  if (nb >= 0) out[DEPTH_RESULT.asks] = na < 0 ? book.stagedCount() - nb : na;
  if (na < 0) {
    out[DEPTH_RESULT.levelError] = na;
    return DepthStatus.BadLevels;
  }
  out[DEPTH_RESULT.snapshot] = snapshot ? 1 : 0;
  const status = snapshot ? book.applySnapshot() : book.applyUpdate();
  if (status !== 0) {
    out[DEPTH_RESULT.bookStatus] = status;
    return DepthStatus.BookRefused;
  }
  return book.isCrossed() ? DepthStatus.Crossed : DepthStatus.Applied;
}
