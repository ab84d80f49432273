/**
 * Writes one venue/symbol stream into recording files (format.ts): frames are appended into a
 * preallocated chunk of f64 words (a handful of stores per level, no allocation), a full chunk is
 * sealed and handed to a sink that compresses and appends it (right away for tools, after the
 * handler's turn for the live recorder), and a new file is started at each UTC midnight. Existing
 * files are never rewritten: a second session on the same day writes the next part.
 */
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  CHUNK,
  CHUNK_HEADER_BYTES,
  CHUNK_MAGIC,
  CHUNK_STARTS_WITH_SNAPSHOT,
  Codec,
  encodeFileHeader,
  FRAME_HEADER_WORDS,
  FrameKind,
  HAS_VENUE_TIME,
  LEVEL_WORDS,
  type RecordingHeader,
  recordingPath,
  utcDay,
} from "./format.ts";

/** A sealed chunk on its way to disk. */
export interface SealedChunk {
  readonly path: string;
  /** File header bytes to write first (the chunk opens a new file), else undefined. */
  readonly fileHeader: Uint8Array | undefined;
  readonly words: Float64Array;
  readonly wordCount: number;
  readonly frames: number;
  readonly flags: number;
  readonly baseUs: number;
  readonly firstLocalNs: number;
  readonly lastLocalNs: number;
  /**
   * Gives the buffer back to its writer's pool once it has been compressed: the same array, or one
   * over the same memory when it went to a worker and came back.
   */
  readonly release: (words: Float64Array) => void;
}

/** What a sealed chunk's file write needs, as plain data (a worker receives it in a message). */
export type ChunkData = Omit<SealedChunk, "release">;

/** Where sealed chunks go: compressed and appended, now or later. */
export interface ChunkSink {
  put(chunk: SealedChunk): void;
  /** Resolves when everything put so far is on disk. */
  flush(): Promise<void>;
  /** Flushes and releases what the sink holds (a worker); optional. */
  close?(): Promise<void>;
  readonly stats: SinkStats;
}

/** Counters of a sink, for the recorder's stats and the benchmarks. */
export interface SinkStats {
  chunks: number;
  rawBytes: number;
  storedBytes: number;
  errors: number;
  lastError: string;
}

/** Compresses a chunk and encodes its 48-byte header; what every sink writes. */
export function encodeChunk(c: ChunkData, codec: Codec, level: number): { header: Uint8Array; body: Uint8Array } {
  const raw = new Uint8Array(c.words.buffer as ArrayBuffer, c.words.byteOffset, c.wordCount * 8);
  const body =
    codec === Codec.Zstd
      ? Bun.zstdCompressSync(raw, { level })
      : codec === Codec.Gzip
        ? Bun.gzipSync(raw, { level: level as 1 })
        : raw.slice();
  const header = new Uint8Array(CHUNK_HEADER_BYTES);
  const v = new DataView(header.buffer);
  v.setUint32(CHUNK.magic, CHUNK_MAGIC, true);
  v.setUint8(CHUNK.codec, codec);
  v.setUint8(CHUNK.flags, c.flags);
  v.setUint32(CHUNK.frames, c.frames, true);
  v.setUint32(CHUNK.rawBytes, raw.length, true);
  v.setUint32(CHUNK.storedBytes, body.length, true);
  v.setUint32(CHUNK.crc32, Bun.hash.crc32(body) >>> 0, true);
  v.setFloat64(CHUNK.baseUs, c.baseUs, true);
  v.setFloat64(CHUNK.firstLocalNs, c.firstLocalNs, true);
  v.setFloat64(CHUNK.lastLocalNs, c.lastLocalNs, true);
  return { header, body };
}

/** Compression settings shared by the sinks. */
export interface SinkOptions {
  readonly codec?: Codec;
  readonly level?: number;
}

/** Compresses and appends each chunk as it is put (tools, imports, tests). */
export class InlineSink implements ChunkSink {
  readonly stats: SinkStats = { chunks: 0, rawBytes: 0, storedBytes: 0, errors: 0, lastError: "" };
  private readonly codec: Codec;
  private readonly level: number;

  constructor(opts: SinkOptions = {}) {
    this.codec = opts.codec ?? Codec.Zstd;
    this.level = opts.level ?? 3;
  }

  put(c: SealedChunk): void {
    try {
      writeChunk(c, this.codec, this.level, this.stats);
    } catch (e) {
      this.stats.errors++;
      this.stats.lastError = `${c.path}: ${(e as Error).message}`;
    } finally {
      c.release(c.words);
    }
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Compresses a chunk and appends it (after the file header when it opens a file); counts it. */
export function writeChunk(c: ChunkData, codec: Codec, level: number, stats: SinkStats): void {
  const { header, body } = encodeChunk(c, codec, level);
  if (c.fileHeader !== undefined) {
    mkdirSync(dirname(c.path), { recursive: true });
    appendFileSync(c.path, c.fileHeader);
  }
  appendFileSync(c.path, header);
  appendFileSync(c.path, body);
  stats.chunks++;
  stats.rawBytes += c.wordCount * 8;
  stats.storedBytes += body.length + CHUNK_HEADER_BYTES;
}

/**
 * Queues chunks and compresses and writes them after the current event-loop turn (setImmediate), so
 * the market-data handler that filled the chunk never compresses or touches the disk itself.
 */
export class DeferredSink implements ChunkSink {
  private readonly queue: SealedChunk[] = [];
  private scheduled = false;
  private readonly waiters: (() => void)[] = [];
  private readonly codec: Codec;
  private readonly level: number;

  /** `stats`: counters to add to (a WorkerSink falling back to this one keeps its own). */
  constructor(
    opts: SinkOptions = {},
    readonly stats: SinkStats = { chunks: 0, rawBytes: 0, storedBytes: 0, errors: 0, lastError: "" },
  ) {
    this.codec = opts.codec ?? Codec.Zstd;
    this.level = opts.level ?? 3;
  }

  put(c: SealedChunk): void {
    this.queue.push(c);
    this.schedule();
  }

  flush(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.queue.length);
    for (const c of batch) {
      try {
        writeChunk(c, this.codec, this.level, this.stats);
      } catch (e) {
        this.stats.errors++;
        this.stats.lastError = `${c.path}: ${(e as Error).message}`;
      } finally {
        c.release(c.words);
      }
    }
    if (this.queue.length > 0) this.schedule();
    else for (const w of this.waiters.splice(0, this.waiters.length)) w();
  }
}

/** Construction options of one stream's writer. */
export interface StreamWriterOptions {
  readonly dir: string;
  /** Everything of the header but the day (filled per file). */
  readonly header: Omit<RecordingHeader, "day" | "format">;
  /** Epoch µs that local and venue times are counted from (ns since this anchor). */
  readonly anchorUs: number;
  readonly sink: ChunkSink;
  /** Words per chunk (default 32768 = 256 KiB raw). */
  readonly chunkWords?: number;
}

/**
 * One stream's writer. Times are ns since the anchor (exact doubles for ~104 days); a chunk stores
 * them relative to its own µs base so any day's file decodes alone.
 */
export class StreamWriter {
  readonly path = { current: "" };
  frames = 0;
  private readonly opts: StreamWriterOptions;
  private readonly chunkWords: number;
  private readonly pool: Float64Array[] = [];
  private buf: Float64Array;
  private used = 0;
  private chunkFrames = 0;
  private chunkFlags = 0;
  private baseNs = 0;
  private baseUs = 0;
  private firstNs = 0;
  private lastNs = 0;
  private dayEndNs = Number.NEGATIVE_INFINITY;
  private pendingHeader: Uint8Array | undefined;
  private closed = false;

  constructor(opts: StreamWriterOptions) {
    this.opts = opts;
    this.chunkWords = opts.chunkWords ?? 32_768;
    this.buf = new Float64Array(this.chunkWords);
  }

  /** True when a frame at this local time would open a new day's file (write a snapshot there). */
  wouldRotate(localNs: number): boolean {
    return localNs >= this.dayEndNs;
  }

  /**
   * Reserves a frame and writes its header; returns the word offset where its `count` level
   * triples go in `words()`. Rotates the file at midnight and seals the chunk when it is full.
   */
  reserve(kind: FrameKind, count: number, seq: number, localNs: number, venueNs: number): number {
    if (this.closed) throw new Error(`recording ${this.path.current} is closed`);
    if (localNs >= this.dayEndNs) this.rotate(localNs);
    const need = FRAME_HEADER_WORDS + count * LEVEL_WORDS;
    if (this.used + need > this.buf.length || (kind === FrameKind.Snapshot && this.used > 0)) {
      this.seal();
      if (need > this.buf.length) this.buf = new Float64Array(need);
    }
    if (this.used === 0) this.startChunk(localNs, kind);
    const o = this.used;
    const w = this.buf;
    const hasVenue = !Number.isNaN(venueNs);
    w[o] = kind | (hasVenue ? HAS_VENUE_TIME : 0);
    w[o + 1] = count;
    w[o + 2] = seq;
    w[o + 3] = localNs - this.baseNs;
    w[o + 4] = hasVenue ? venueNs - this.baseNs : 0;
    this.used = o + need;
    this.chunkFrames++;
    this.frames++;
    this.lastNs = localNs;
    return o + FRAME_HEADER_WORDS;
  }

  /** The chunk buffer that reserve()'s offsets point into (it changes when a chunk is sealed). */
  words(): Float64Array {
    return this.buf;
  }

  /** Appends a frame whose levels are (side, ticks, lots) triples in src from word `offset`. */
  append(
    kind: FrameKind,
    seq: number,
    localNs: number,
    venueNs: number,
    src: Float64Array,
    offset: number,
    count: number,
  ): void {
    const o = this.reserve(kind, count, seq, localNs, venueNs);
    const w = this.buf;
    const n = count * LEVEL_WORDS;
    for (let i = 0; i < n; i++) w[o + i] = src[offset + i] as number;
  }

  /** Seals the chunk being filled and hands it to the sink (the recorder calls it on close and idle). */
  seal(): void {
    if (this.used === 0) return;
    const words = this.buf;
    const header = this.pendingHeader;
    this.pendingHeader = undefined;
    const pooled = words.length === this.chunkWords;
    this.opts.sink.put({
      path: this.path.current,
      fileHeader: header,
      words,
      wordCount: this.used,
      frames: this.chunkFrames,
      flags: this.chunkFlags,
      baseUs: this.baseUs,
      firstLocalNs: this.firstNs - this.baseNs,
      lastLocalNs: this.lastNs - this.baseNs,
      release: (back) => {
        if (pooled && back.length === this.chunkWords && this.pool.length < 4) this.pool.push(back);
      },
    });
    this.buf = this.pool.pop() ?? new Float64Array(this.chunkWords);
    this.used = 0;
    this.chunkFrames = 0;
  }

  /** Seals what is buffered; no frame may follow. */
  close(): void {
    if (this.closed) return;
    this.seal();
    this.closed = true;
  }

  private startChunk(localNs: number, kind: FrameKind): void {
    this.baseUs = this.opts.anchorUs + Math.floor(localNs / 1000);
    this.baseNs = (this.baseUs - this.opts.anchorUs) * 1000;
    this.firstNs = localNs;
    this.chunkFlags = kind === FrameKind.Snapshot ? CHUNK_STARTS_WITH_SNAPSHOT : 0;
  }

  private rotate(localNs: number): void {
    this.seal();
    const epochMs = (this.opts.anchorUs + localNs / 1000) / 1000;
    const { day, endMs } = utcDay(epochMs);
    this.dayEndNs = (endMs * 1000 - this.opts.anchorUs) * 1000;
    const h = this.opts.header;
    let part = 0;
    while (existsSync(recordingPath(this.opts.dir, h.venue, h.symbol, day, part))) part++;
    this.path.current = recordingPath(this.opts.dir, h.venue, h.symbol, day, part);
    this.pendingHeader = encodeFileHeader({ format: 1, ...h, day });
  }
}
