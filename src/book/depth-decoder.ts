/**
 * DepthDecoder: a venue depth frame from text to a C book in ONE FFI call (csrc/src/depth.c). The frame
 * is encoded into one reusable byte buffer (Bun hands text frames over as strings), then C validates
 * it as JSON, reads the venue's fields, converts the decimal strings to ticks and lots, checks the
 * sequence fields against the caller's position, writes the levels to the book's staging area and
 * applies them. The result record is read straight from C memory; nothing here allocates per frame
 * but the encoder's small result object.
 *
 * One decoder per subscription (venue kind, routing key, grids, bounds); it keeps no state between
 * frames: the caller's sync state machine owns the position. The TypeScript reference with the same
 * statuses is decodeDepthFrame in src/gateways/depth-frame.ts.
 */
import { ptr } from "bun:ffi";
import { depthResult, native, type Pointer, pointerFrom } from "./ffi.ts";
import {
  BookStatus,
  bookStatusName,
  DEPTH_PARAMS,
  DEPTH_RESULT,
  DepthStatus,
  type DepthStatusCode,
  type DepthVenueCode,
  MAX_FRAME_LIMIT,
} from "./layout.ts";
import type { OrderBook } from "./order-book.ts";

/** A decimal grid as the decoder needs it: digits after the point and the increment in those units. */
export interface GridSpec {
  readonly decimals: number;
  readonly unit: number;
}

/** What one decoder is fixed to at creation. */
export interface DepthDecoderSpec {
  readonly venue: DepthVenueCode;
  /** Binance: the combined-stream name ("btcusdt@depth@100ms"); OKX: the instId ("BTC-USDT"). */
  readonly key: string;
  readonly price: GridSpec;
  readonly qty: GridSpec;
  /** A level priced above maxTicks (or at 0), or with more than maxLots, is out of range. */
  readonly maxTicks: number;
  readonly maxLots: number;
  /** Staging capacity of the books it decodes into (OrderBook.config.stagingCapacity) or more. */
  readonly maxLevels: number;
  /** Longest frame in UTF-8 bytes it reads; longer ones return TooLong (default 4 MiB). */
  readonly maxFrameBytes?: number;
}

const DEFAULT_MAX_FRAME = 4 << 20;
const encoder = new TextEncoder();
/** The one encode buffer every decoder shares (one event loop, so one frame at a time). */
let frameBuf = new Uint8Array(64 << 10);

/** The byte length of text encoded into frameBuf, or -1 when it is longer than `limit` bytes. */
function encodeFrame(text: string, limit: number): number {
  if (text.length > limit) return -1; // every UTF-16 unit is at least one byte
  const worst = text.length * 3; // and at most three
  if (worst > frameBuf.length && frameBuf.length < limit) {
    frameBuf = new Uint8Array(Math.min(Math.max(worst, frameBuf.length * 2), limit)); // rare: a larger frame than any so far
  }
  const r = encoder.encodeInto(text, frameBuf);
  return r.read === text.length ? r.written : -1;
}

/** The last receive buffer handed to decodeBytes and its C address: a socket reuses one buffer. */
let lastBytes: Uint8Array | undefined;
let lastAddress = 0;

/** The C address of `bytes`, looked up once per buffer (JSC does not move array storage). */
function addressOf(bytes: Uint8Array): number {
  if (bytes !== lastBytes) {
    lastAddress = ptr(bytes);
    lastBytes = bytes;
  }
  return lastAddress;
}

function paramsRecord(spec: DepthDecoderSpec, maxFrame: number): Uint8Array {
  const key = new TextEncoder().encode(spec.key);
  const bad = (why: string): never => {
    throw new Error(`${bookStatusName(BookStatus.BadParams)}: depth decoder for ${JSON.stringify(spec.key)}: ${why}`);
  };
  if (key.length === 0 || key.length >= DEPTH_PARAMS.keyMax) bad(`key must be 1..${DEPTH_PARAMS.keyMax - 1} bytes`);
  if (!Number.isInteger(maxFrame) || maxFrame < 1 || maxFrame > MAX_FRAME_LIMIT) bad("maxFrameBytes out of range");
  const v = new DataView(new ArrayBuffer(DEPTH_PARAMS.size));
  v.setBigInt64(DEPTH_PARAMS.priceUnit, BigInt(spec.price.unit), true);
  v.setBigInt64(DEPTH_PARAMS.qtyUnit, BigInt(spec.qty.unit), true);
  v.setBigInt64(DEPTH_PARAMS.maxTicks, BigInt(spec.maxTicks), true);
  v.setBigInt64(DEPTH_PARAMS.maxLots, BigInt(spec.maxLots), true);
  v.setInt32(DEPTH_PARAMS.venue, spec.venue, true);
  v.setInt32(DEPTH_PARAMS.priceDecimals, spec.price.decimals, true);
  v.setInt32(DEPTH_PARAMS.qtyDecimals, spec.qty.decimals, true);
  v.setInt32(DEPTH_PARAMS.maxFrame, maxFrame, true);
  v.setInt32(DEPTH_PARAMS.maxLevels, spec.maxLevels, true);
  const bytes = new Uint8Array(v.buffer);
  bytes.set(key, DEPTH_PARAMS.key);
  return bytes;
}

/** See the file comment. */
export class DepthDecoder {
  readonly spec: DepthDecoderSpec;
  private handle: Pointer | null;
  /** The result record (DEPTH_RESULT): a view over C memory while open. */
  private result: Float64Array;
  private readonly maxFrame: number;

  constructor(spec: DepthDecoderSpec) {
    this.spec = spec;
    this.maxFrame = spec.maxFrameBytes ?? DEFAULT_MAX_FRAME;
    const out = new BigUint64Array(1);
    const st = native.hft_depth_create(paramsRecord(spec, this.maxFrame), out);
    const handle = pointerFrom(out);
    if (st !== BookStatus.Ok || handle === null)
      throw new Error(`${bookStatusName(st)}: cannot create a depth decoder for ${JSON.stringify(spec.key)}`);
    const result = depthResult(handle, DEPTH_RESULT.length);
    if (result === null) throw new Error(`${bookStatusName(BookStatus.NullHandle)}: no depth result record`);
    this.handle = handle;
    this.result = result;
  }

  /**
   * Decodes one frame into `book` (mode DepthMode.*; position is the book's sequence position in Live
   * mode). A closed book or decoder reports BookRefused with the book status NullHandle.
   */
  decode(book: OrderBook, text: string, mode: number, position: number): DepthStatusCode {
    const len = encodeFrame(text, this.maxFrame);
    if (len < 0 || len > this.maxFrame) return this.tooLong();
    const st = native.hft_depth_decode(this.handle, book.nativeHandle(), frameBuf, len, mode, position);
    return this.settle(book, st);
  }

  /** The status of a decode call, and the staged count the book keeps for its own checks. */
  private settle(book: OrderBook, st: number): DepthStatusCode {
    if (st < 0) return this.refusedBy(-st);
    const r = this.result;
    book.noteStaged((r[DEPTH_RESULT.bids] ?? 0) + (r[DEPTH_RESULT.asks] ?? 0));
    return st as DepthStatusCode;
  }

  /**
   * As decode, for a frame that is already bytes: `bytes[start, end)`, e.g. in a socket's receive
   * buffer (no string, no copy). The bytes are read during the call only.
   */
  decodeBytes(
    book: OrderBook,
    bytes: Uint8Array,
    start: number,
    end: number,
    mode: number,
    position: number,
  ): DepthStatusCode {
    const len = end - start;
    if (start < 0 || len < 0 || end > bytes.length)
      throw new RangeError(`frame [${start}, ${end}) outside ${bytes.length} bytes`);
    if (len > this.maxFrame) return this.tooLong();
    const st = native.hft_depth_decode(this.handle, book.nativeHandle(), addressOf(bytes) + start, len, mode, position);
    return this.settle(book, st);
  }

  /** The whole result record of the last decode (DEPTH_RESULT indices), e.g. for tests. */
  record(): Float64Array {
    return this.result;
  }
  /** Binance U / OKX prevSeqId of the last decode. */
  first(): number {
    return this.result[DEPTH_RESULT.first] ?? 0;
  }
  /** Binance u / OKX seqId of the last decode. */
  last(): number {
    return this.result[DEPTH_RESULT.last] ?? 0;
  }
  /** Venue event time in ms (Binance E, OKX ts), -1 when the frame had none. */
  eventTimeMs(): number {
    return this.result[DEPTH_RESULT.eventTime] ?? -1;
  }
  /** True when the last applied frame replaced the book (OKX snapshot). */
  snapshot(): boolean {
    return this.result[DEPTH_RESULT.snapshot] === 1;
  }
  /** True when the last applied OKX update's seqId went down (a maintenance reset). */
  seqReset(): boolean {
    return this.result[DEPTH_RESULT.seqReset] === 1;
  }
  levelError(): number {
    return this.result[DEPTH_RESULT.levelError] ?? 0;
  }
  bookStatus(): number {
    return this.result[DEPTH_RESULT.bookStatus] ?? 0;
  }

  /** Frees the C decoder; later decodes report BookRefused (NullHandle). Idempotent. */
  close(): void {
    const h = this.handle;
    if (h === null) return;
    this.result = this.result.slice(); // drop the C view before freeing
    this.handle = null;
    native.hft_depth_destroy(h);
  }

  private tooLong(): DepthStatusCode {
    this.result.fill(0);
    this.result[DEPTH_RESULT.eventTime] = -1;
    return DepthStatus.TooLong;
  }

  private refusedBy(status: number): DepthStatusCode {
    this.result.fill(0);
    this.result[DEPTH_RESULT.eventTime] = -1;
    this.result[DEPTH_RESULT.bookStatus] = status;
    return DepthStatus.BookRefused;
  }
}
