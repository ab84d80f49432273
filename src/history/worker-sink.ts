/**
 * The live recorder's sink: sealed chunks go to a Bun Worker that compresses and appends them, so the
 * engine's thread never compresses or touches the disk — not even after its turn, where a chunk's
 * compression (~1 ms for 256 KiB at zstd 3) would still hold up the next market-data frame. A chunk's
 * buffer is transferred (no copy) and comes back once written, to be filled again; the worker
 * handles chunks in order, so a flush is answered after everything put before it is on disk. Should
 * the worker die, the chunks it held are counted as lost, and later ones are written on the engine's
 * thread after its turn (DeferredSink) into a new part of each file (the old one may end in half a
 * chunk, which would hide whatever followed it): recording goes on, slower.
 */
import { existsSync } from "node:fs";
import { Codec, RECORDING_EXT } from "./format.ts";
import {
  type ChunkData,
  type ChunkSink,
  DeferredSink,
  type SealedChunk,
  type SinkOptions,
  type SinkStats,
} from "./writer.ts";

/** A chunk handed to the worker (its words' buffer is transferred with it). */
export interface WorkerChunk {
  readonly type: "chunk";
  readonly id: number;
  readonly codec: Codec;
  readonly level: number;
  readonly chunk: ChunkData;
}

/** Everything the worker is told. */
export type ToWorker = WorkerChunk | { readonly type: "flush"; readonly id: number };

/** Everything the worker answers: a chunk written (or not) with its buffer back, or a flush done. */
export type FromWorker =
  | {
      readonly type: "written";
      readonly id: number;
      readonly words: Float64Array;
      readonly rawBytes: number;
      readonly storedBytes: number;
      readonly error: string;
    }
  | { readonly type: "flushed"; readonly id: number };

/** A WorkerSink's settings: compression, and the worker's script (tests point it at one that fails). */
export interface WorkerSinkOptions extends SinkOptions {
  readonly script?: string;
}

/** Compresses and writes chunks on a worker thread; see the module comment. */
export class WorkerSink implements ChunkSink {
  readonly stats: SinkStats = { chunks: 0, rawBytes: 0, storedBytes: 0, errors: 0, lastError: "" };
  private readonly codec: Codec;
  private readonly level: number;
  private readonly worker: Worker;
  private readonly pending = new Map<number, SealedChunk>();
  private readonly flushes = new Map<number, () => void>();
  private nextId = 1;
  /** Set once the worker died: chunks go here instead. */
  private fallback: DeferredSink | undefined;
  /** The header of every file opened (a new part after a crash starts with it), and where files moved. */
  private readonly headers = new Map<string, Uint8Array>();
  private readonly moved = new Map<string, string>();

  constructor(opts: WorkerSinkOptions = {}) {
    this.codec = opts.codec ?? Codec.Zstd;
    this.level = opts.level ?? 3;
    this.worker = new Worker(opts.script ?? new URL("./sink-worker.ts", import.meta.url).href);
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.onMessage(ev.data);
    this.worker.onerror = (ev) => this.fail(`recorder worker failed: ${ev.message}`);
    this.worker.unref(); // it holds the process open only while it has work (ref on put and flush)
  }

  /** Hands a sealed chunk to the worker: a postMessage that transfers the buffer, nothing more. */
  put(c: SealedChunk): void {
    if (c.fileHeader !== undefined) this.headers.set(c.path, c.fileHeader);
    if (this.fallback !== undefined) {
      this.fallback.put(this.redirected(c));
      return;
    }
    const id = this.nextId++;
    this.pending.set(id, c);
    if (this.pending.size + this.flushes.size === 1) this.worker.ref();
    const { release: _release, ...chunk } = c;
    const msg: ToWorker = { type: "chunk", id, codec: this.codec, level: this.level, chunk };
    this.worker.postMessage(msg, [c.words.buffer as ArrayBuffer]);
  }

  /** Resolves once every chunk put so far is written (or counted as an error). */
  flush(): Promise<void> {
    if (this.fallback !== undefined) return this.fallback.flush();
    if (this.pending.size === 0) return Promise.resolve();
    const id = this.nextId++;
    if (this.pending.size + this.flushes.size === 0) this.worker.ref();
    return new Promise((resolve) => {
      this.flushes.set(id, resolve);
      this.worker.postMessage({ type: "flush", id } satisfies ToWorker);
    });
  }

  /** Writes what is pending, then stops the worker. */
  async close(): Promise<void> {
    await this.flush();
    this.worker.terminate();
  }

  private onMessage(m: FromWorker): void {
    if (m.type === "flushed") {
      this.flushes.get(m.id)?.();
      this.flushes.delete(m.id);
    } else {
      const c = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== "") {
        this.stats.errors++;
        this.stats.lastError = m.error;
      } else {
        this.stats.chunks++;
        this.stats.rawBytes += m.rawBytes;
        this.stats.storedBytes += m.storedBytes;
      }
      c?.release(m.words);
    }
    if (this.pending.size + this.flushes.size === 0) this.worker.unref();
  }

  /** The worker died: what it held is counted as lost; later chunks are written after the turn. */
  private fail(message: string): void {
    if (this.fallback !== undefined) return;
    this.fallback = new DeferredSink({ codec: this.codec, level: this.level }, this.stats);
    for (const c of this.pending.values()) {
      this.stats.errors++;
      this.stats.lastError = `${c.path}: ${message}; the chunk it was writing is lost`;
    }
    this.pending.clear();
    for (const done of this.flushes.values()) done();
    this.flushes.clear();
    this.worker.unref();
  }

  /** A chunk for the fallback: into a new part of its file, which starts with the file's header. */
  private redirected(c: SealedChunk): SealedChunk {
    let path = this.moved.get(c.path);
    let fileHeader = c.fileHeader;
    if (path === undefined) {
      path = nextPart(c.path);
      this.moved.set(c.path, path);
      fileHeader = this.headers.get(c.path);
    }
    return { ...c, path, fileHeader };
  }
}

/** The first free part after a recording's path: <day>.hfrec → <day>.1.hfrec, <day>.2.hfrec → .3. */
function nextPart(path: string): string {
  const m = /^(.*\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.hfrec$/.exec(path);
  const stem = m?.[1] ?? path;
  for (let part = Number(m?.[2] ?? 0) + 1; ; part++) {
    const p = `${stem}.${part}${RECORDING_EXT}`;
    if (!existsSync(p)) return p;
  }
}
