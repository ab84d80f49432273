/**
 * Reads recordings: opens a file, checks its header, walks the chunk headers into an index (time
 * range, frame count, whether it starts with a snapshot), and decodes one chunk at a time into f64
 * words, so memory stays at a chunk or two however long the day. Damage is never silent: a
 * truncated tail, a bad checksum or a frame that runs past its chunk becomes an issue naming the file
 * and the chunk, and the reader skips the chunk or throws, as the caller's policy says.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { join } from "node:path";
import {
  CHUNK,
  CHUNK_HEADER_BYTES,
  CHUNK_MAGIC,
  CHUNK_STARTS_WITH_SNAPSHOT,
  Codec,
  FILE_MAGIC,
  FILE_PREFIX_BYTES,
  FRAME,
  FRAME_HEADER_WORDS,
  FrameKind,
  HAS_VENUE_TIME,
  LEVEL_WORDS,
  MAX_CHUNK_BYTES,
  RECORDING_EXT,
  type RecordingHeader,
} from "./format.ts";

/** What to do with damaged input: skip it (counted and reported) or stop the run. */
export type BadDataPolicy = "skip" | "stop";

/** One problem found in input data, with where it is. */
export interface DataIssue {
  readonly kind: string;
  readonly file: string;
  /** Chunk index and frame (binary recordings) or line number (CSV), as people read it. */
  readonly where: string;
  readonly message: string;
}

/** Thrown when the policy is "stop"; carries the issue. */
export class BadDataError extends Error {
  constructor(readonly issue: DataIssue) {
    super(`${issue.file} ${issue.where}: ${issue.kind}: ${issue.message}`);
    this.name = "BadDataError";
  }
}

/** Counts issues by kind and keeps the first few of each, for the run's report. */
export class IssueLog {
  readonly counts = new Map<string, number>();
  readonly examples: DataIssue[] = [];
  constructor(
    readonly policy: BadDataPolicy,
    private readonly maxExamples = 20,
  ) {}

  /** Records an issue; throws BadDataError when the policy is "stop". */
  report(issue: DataIssue): void {
    this.counts.set(issue.kind, (this.counts.get(issue.kind) ?? 0) + 1);
    if (this.examples.length < this.maxExamples) this.examples.push(issue);
    if (this.policy === "stop") throw new BadDataError(issue);
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Counts by kind as a plain object (JSON reports). */
  summary(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** One chunk of a file as its header describes it. */
export interface ChunkEntry {
  readonly offset: number;
  readonly codec: number;
  readonly flags: number;
  readonly frames: number;
  readonly rawBytes: number;
  readonly storedBytes: number;
  readonly crc32: number;
  readonly baseUs: number;
  /** Epoch ms of the first and last frame's local time (fractional). */
  readonly firstMs: number;
  readonly lastMs: number;
}

/** A recording file opened for reading: its header and chunk index. */
export class RecordingFile {
  readonly chunks: ChunkEntry[] = [];

  private constructor(
    readonly path: string,
    readonly header: RecordingHeader,
    private readonly fd: number,
    readonly sizeBytes: number,
  ) {}

  /** Opens and indexes a file; a damaged tail is reported to `issues` and left out of the index. */
  static open(path: string, issues: IssueLog): RecordingFile {
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      const header = readHeader(fd, path, size);
      const f = new RecordingFile(path, header.header, fd, size);
      f.index(header.end, issues);
      return f;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Total frames in the index. */
  frames(): number {
    let n = 0;
    for (const c of this.chunks) n += c.frames;
    return n;
  }

  /** Decodes chunk i into f64 words; throws a DataIssue-carrying error when it is damaged. */
  readChunk(i: number): Float64Array {
    const c = this.chunks[i];
    if (c === undefined) throw new Error(`${this.path}: no chunk ${i}`);
    const stored = new Uint8Array(c.storedBytes);
    readFully(this.fd, stored, c.offset + CHUNK_HEADER_BYTES);
    if (Bun.hash.crc32(stored) >>> 0 !== c.crc32) throw new ChunkDamage("checksum", "checksum mismatch");
    let raw: Uint8Array;
    try {
      raw =
        c.codec === Codec.Zstd
          ? Bun.zstdDecompressSync(stored)
          : c.codec === Codec.Gzip
            ? Bun.gunzipSync(stored)
            : stored;
    } catch (e) {
      throw new ChunkDamage("decompress", (e as Error).message);
    }
    if (raw.length !== c.rawBytes || raw.length % 8 !== 0)
      throw new ChunkDamage("length", `decoded ${raw.length} bytes, header says ${c.rawBytes}`);
    if (raw.byteOffset % 8 === 0) return new Float64Array(raw.buffer, raw.byteOffset, raw.length / 8);
    const copy = new Float64Array(raw.length / 8);
    new Uint8Array(copy.buffer).set(raw);
    return copy;
  }

  private index(start: number, issues: IssueLog): void {
    const head = new Uint8Array(CHUNK_HEADER_BYTES);
    const v = new DataView(head.buffer);
    let off = start;
    while (off < this.sizeBytes) {
      const where = `chunk ${this.chunks.length} at byte ${off}`;
      if (off + CHUNK_HEADER_BYTES > this.sizeBytes) {
        issues.report({ kind: "truncated", file: this.path, where, message: "file ends inside a chunk header" });
        return;
      }
      readFully(this.fd, head, off);
      const stored = v.getUint32(CHUNK.storedBytes, true);
      const rawBytes = v.getUint32(CHUNK.rawBytes, true);
      if (v.getUint32(CHUNK.magic, true) !== CHUNK_MAGIC || stored > MAX_CHUNK_BYTES || rawBytes > MAX_CHUNK_BYTES) {
        issues.report({ kind: "corrupt", file: this.path, where, message: "not a chunk header" });
        return;
      }
      if (off + CHUNK_HEADER_BYTES + stored > this.sizeBytes) {
        issues.report({ kind: "truncated", file: this.path, where, message: "file ends inside a chunk" });
        return;
      }
      const baseUs = v.getFloat64(CHUNK.baseUs, true);
      this.chunks.push({
        offset: off,
        codec: v.getUint8(CHUNK.codec),
        flags: v.getUint8(CHUNK.flags),
        frames: v.getUint32(CHUNK.frames, true),
        rawBytes,
        storedBytes: stored,
        crc32: v.getUint32(CHUNK.crc32, true),
        baseUs,
        firstMs: baseUs / 1000 + v.getFloat64(CHUNK.firstLocalNs, true) / 1e6,
        lastMs: baseUs / 1000 + v.getFloat64(CHUNK.lastLocalNs, true) / 1e6,
      });
      off += CHUNK_HEADER_BYTES + stored;
    }
  }
}

/** A damaged chunk (checksum, decompression, length or a frame overrunning it). */
export class ChunkDamage extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = "ChunkDamage";
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let got = 0;
  while (got < into.length) {
    const n = readSync(fd, into, got, into.length - got, position + got);
    if (n <= 0) throw new ChunkDamage("truncated", `short read at byte ${position + got}`);
    got += n;
  }
}

function readHeader(fd: number, path: string, size: number): { header: RecordingHeader; end: number } {
  const prefix = new Uint8Array(FILE_PREFIX_BYTES);
  if (size < FILE_PREFIX_BYTES) throw new Error(`${path}: not a recording (too short)`);
  readFully(fd, prefix, 0);
  for (let i = 0; i < FILE_MAGIC.length; i++)
    if (prefix[i] !== FILE_MAGIC[i]) throw new Error(`${path}: not a recording (bad magic)`);
  const len = new DataView(prefix.buffer).getUint32(8, true);
  if (len > 1 << 20 || FILE_PREFIX_BYTES + len > size) throw new Error(`${path}: recording header cut short`);
  const json = new Uint8Array(len);
  readFully(fd, json, FILE_PREFIX_BYTES);
  let header: RecordingHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(json)) as RecordingHeader;
  } catch (e) {
    throw new Error(`${path}: recording header is not JSON (${(e as Error).message})`);
  }
  for (const k of ["venue", "symbol", "tick", "lot", "day"] as const)
    if (typeof header[k] !== "string") throw new Error(`${path}: recording header without ${k}`);
  return { header, end: (FILE_PREFIX_BYTES + len + 7) & ~7 };
}

/** The recording files of one venue and symbol under a data directory, oldest first. */
export function listRecordings(dir: string, venue: string, symbol: string): string[] {
  const folder = join(dir, venue, symbol);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const parsed = names
    .filter((n) => n.endsWith(RECORDING_EXT))
    .map((n) => {
      const m = /^(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.hfrec$/.exec(n);
      return m === null ? undefined : { n, day: m[1] as string, part: Number(m[2] ?? 0) };
    })
    .filter((x): x is { n: string; day: string; part: number } => x !== undefined);
  parsed.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.part - b.part));
  return parsed.map((p) => join(folder, p.n));
}

/**
 * Reads the frames of one stream (its files in order) one at a time. After next() returns true
 * the fields describe the current frame; its levels are `count` triples in `words` from `levels`.
 */
export class FrameCursor {
  kind: FrameKind = FrameKind.Update;
  count = 0;
  seq = 0;
  /** Epoch ms (fractional) of the local receive time and of the venue's time (NaN when absent). */
  localMs = 0;
  venueMs = Number.NaN;
  words: Float64Array = new Float64Array(0);
  levels = 0;
  /** Frames read so far (progress) and the frame's position for issue reports. */
  read = 0;
  private fileIdx = -1;
  private file: RecordingFile | undefined;
  private chunkIdx = 0;
  private pos = 0;
  private end = 0;
  private frameInChunk = 0;
  private baseMs = 0;
  private chunkCursor: number[] = [];
  /** Set when a chunk was skipped: the book must wait for the next snapshot. */
  lostSync = false;

  constructor(
    readonly files: readonly RecordingFile[],
    private readonly issues: IssueLog,
    fromMs = Number.NEGATIVE_INFINITY,
  ) {
    this.chunkCursor = files.map((f) => startChunk(f, fromMs));
  }

  /** The header of the file being read (undefined before the first next()). */
  header(): RecordingHeader | undefined {
    return this.file?.header ?? this.files[0]?.header;
  }

  /** Where the current frame is, for issue reports. */
  where(): string {
    return `chunk ${this.chunkIdx - 1} frame ${this.frameInChunk}`;
  }

  currentFile(): string {
    return this.file?.path ?? "";
  }

  /** Advances to the next frame; false at the end of the stream. */
  next(): boolean {
    for (;;) {
      if (this.pos < this.end) {
        if (this.decodeFrame()) return true;
        continue;
      }
      if (!this.loadChunk()) return false;
    }
  }

  private decodeFrame(): boolean {
    const w = this.words;
    const o = this.pos;
    const k = w[o + FRAME.kind] as number;
    const count = w[o + FRAME.count] as number;
    const next = o + FRAME_HEADER_WORDS + count * LEVEL_WORDS;
    const kind = k & 0xff;
    if (!(count >= 0) || !Number.isInteger(count) || next > this.end || kind > FrameKind.Own) {
      this.damage(new ChunkDamage("corrupt", `frame ${this.frameInChunk} overruns its chunk or has kind ${kind}`));
      this.pos = this.end;
      return false;
    }
    this.kind = kind as FrameKind;
    this.count = count;
    this.seq = w[o + FRAME.seq] as number;
    this.localMs = this.baseMs + (w[o + FRAME.localNs] as number) / 1e6;
    this.venueMs = (k & HAS_VENUE_TIME) !== 0 ? this.baseMs + (w[o + FRAME.venueNs] as number) / 1e6 : Number.NaN;
    this.levels = o + FRAME_HEADER_WORDS;
    this.pos = next;
    this.frameInChunk++;
    this.read++;
    return true;
  }

  private loadChunk(): boolean {
    for (;;) {
      if (this.file === undefined || this.chunkIdx >= this.file.chunks.length) {
        this.fileIdx++;
        this.file = this.files[this.fileIdx];
        if (this.file === undefined) return false;
        this.chunkIdx = this.chunkCursor[this.fileIdx] ?? 0;
        continue;
      }
      const entry = this.file.chunks[this.chunkIdx] as ChunkEntry;
      this.chunkIdx++;
      this.frameInChunk = 0;
      try {
        this.words = this.file.readChunk(this.chunkIdx - 1);
      } catch (e) {
        this.damage(e);
        this.read += entry.frames;
        continue;
      }
      this.baseMs = entry.baseUs / 1000;
      this.pos = 0;
      this.end = this.words.length;
      return true;
    }
  }

  private damage(e: unknown): void {
    const d = e instanceof ChunkDamage ? e : new ChunkDamage("corrupt", (e as Error).message);
    this.lostSync = true;
    this.issues.report({
      kind: d.kind === "checksum" || d.kind === "decompress" ? "corrupt" : d.kind,
      file: this.file?.path ?? "",
      where: `chunk ${this.chunkIdx - 1}`,
      message: d.message,
    });
  }
}

/** The chunk to start from for a run beginning at fromMs: the last snapshot chunk at or before it. */
function startChunk(f: RecordingFile, fromMs: number): number {
  let start = 0;
  for (let i = 0; i < f.chunks.length; i++) {
    const c = f.chunks[i] as ChunkEntry;
    if (c.firstMs > fromMs) break;
    if ((c.flags & CHUNK_STARTS_WITH_SNAPSHOT) !== 0) start = i;
  }
  return start;
}
