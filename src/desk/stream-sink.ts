/**
 * The journal's batches leave the engine for the desk: a JournalSink that publishes every record to
 * a JetStream stream, one message per record, off the hot path (write only queues). Each message has
 * a de-duplication id (`<engine>:<session>:<seq>`), so a publish retried after a disconnect, whose
 * first attempt the server stored but whose ack was lost, is dropped by the server and never counted
 * twice. The SQLite journal stays the engine's own truth; this stream is what other hosts read.
 */
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, nanos, nuid } from "@nats-io/transport-node";
import type { JournalRecord, JournalSink } from "../journal/index.ts";
import type { Logger } from "../services/index.ts";

/** The stream every engine of a desk publishes to (config `desk.stream`). */
export interface DeskStreamSettings {
  /** JetStream stream name, shared by every engine of the desk. */
  readonly name: string;
  /** Subjects are `<subject_prefix>.<engine>.<record kind>`. */
  readonly subject_prefix: string;
  /** How long the server remembers message ids; a retry later than this could be stored twice. */
  readonly duplicate_window_ms: number;
  /** Records waiting to be published beyond which a batch is refused (counted; the journal keeps it). */
  readonly max_queue: number;
  /** Publishes in flight at once (throughput against the server's round trip). */
  readonly max_in_flight: number;
}

/** One record on the wire: who sent it and where it sits in that sender's sequence. */
export interface DeskMessage {
  readonly engine: string;
  /** A fresh id per process start: with seq, what tells two records of one engine apart. */
  readonly session: string;
  /** 1, 2, 3, ... within the session, in the order the journal committed them. */
  readonly seq: number;
  readonly record: JournalRecord;
}

/** What the sink has done, for status and metrics. */
export interface DeskSinkStats {
  /** Records the journal handed over (queued for publishing). */
  accepted: number;
  /** Records the server acknowledged as stored. */
  published: number;
  /** Acks the server marked duplicate (a retry it had already stored). */
  duplicates: number;
  /** Publish attempts that failed and were retried. */
  retries: number;
  /** Batches refused because the queue was full (those records are only in the local journal). */
  refusedBatches: number;
  queued: number;
  /** Wall-clock ms of the last ack (0: none yet), for the age an operator watches. */
  lastAckMs: number;
}

interface Pending {
  readonly subject: string;
  readonly msgID: string;
  readonly data: Uint8Array;
}

const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2000;

/** Creates the desk's stream or brings its subjects and window up to date (every engine may). */
export async function ensureDeskStream(jsm: JetStreamManager, s: DeskStreamSettings): Promise<void> {
  const config = {
    name: s.name,
    subjects: [`${s.subject_prefix}.>`],
    duplicate_window: nanos(s.duplicate_window_ms),
  };
  try {
    await jsm.streams.info(s.name);
    await jsm.streams.update(s.name, config);
  } catch (e) {
    if (!/stream not found/i.test((e as Error).message)) throw e;
    await jsm.streams.add(config);
  }
}

/** The JetStream sink of one engine's journal. */
export class DeskStreamSink implements JournalSink {
  readonly name = "desk-stream";
  readonly stats: DeskSinkStats = {
    accepted: 0,
    published: 0,
    duplicates: 0,
    retries: 0,
    refusedBatches: 0,
    queued: 0,
    lastAckMs: 0,
  };
  readonly session = nuid.next();
  private readonly js: JetStreamClient;
  private readonly queue: Pending[] = [];
  private seq = 0;
  private pumping = false;
  private closed = false;
  private stopped = false;
  private backoffMs = RETRY_MIN_MS;
  private readonly encoder = new TextEncoder();
  private idle: (() => void)[] = [];

  constructor(
    nc: NatsConnection,
    private readonly engine: string,
    private readonly settings: DeskStreamSettings,
    private readonly log: Logger,
  ) {
    this.js = jetstream(nc);
  }

  /** Queues the batch (never waits); throws when the queue is full, so the journal counts it. */
  write(batch: readonly JournalRecord[]): void {
    if (this.closed) throw new Error("desk stream sink is closed");
    if (this.queue.length + batch.length > this.settings.max_queue) {
      this.stats.refusedBatches++;
      throw new Error(
        `desk stream: ${this.queue.length} records waiting (desk.stream.max_queue); batch kept only locally`,
      );
    }
    for (const record of batch) this.queue.push(this.message(record));
    this.stats.accepted += batch.length;
    this.stats.queued = this.queue.length;
    if (!this.pumping) void this.pump();
  }

  /** Resolves once everything queued so far is stored by the server (tests, shutdown). */
  flushed(): Promise<void> {
    if (this.queue.length === 0 && !this.pumping) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** No more batches (the journal's close); what is queued is still published until stop. */
  close(): void {
    this.closed = true;
  }

  /** Stops publishing; what is still queued is reported (the local journal has it). */
  stop(): void {
    this.closed = true;
    this.stopped = true;
    if (this.queue.length > 0)
      this.log.warn(`desk stream: ${this.queue.length} records not published at close (kept in the local journal)`);
  }

  private message(record: JournalRecord): Pending {
    this.seq++;
    const m: DeskMessage = { engine: this.engine, session: this.session, seq: this.seq, record };
    return {
      subject: `${this.settings.subject_prefix}.${this.engine}.${record.kind}`,
      msgID: `${this.engine}:${this.session}:${this.seq}`,
      data: this.encoder.encode(JSON.stringify(m)),
    };
  }

  /** Publishes the queue head, max_in_flight at a time; failures stay queued and are retried. */
  private async pump(): Promise<void> {
    this.pumping = true;
    while (this.queue.length > 0 && !this.stopped) {
      const window = this.queue.slice(0, this.settings.max_in_flight);
      const failed = await this.publishAll(window);
      this.queue.splice(0, window.length, ...failed);
      this.stats.queued = this.queue.length;
      if (failed.length > 0) await this.backoff(failed.length);
      else this.backoffMs = RETRY_MIN_MS;
    }
    this.pumping = false;
    const waiting = this.idle;
    this.idle = [];
    for (const w of waiting) w();
  }

  /** The window's entries that failed, in their order. */
  private async publishAll(window: readonly Pending[]): Promise<Pending[]> {
    const results = await Promise.allSettled(
      window.map((p) => this.js.publish(p.subject, p.data, { msgID: p.msgID, timeout: 5000 })),
    );
    const failed: Pending[] = [];
    results.forEach((r, i) => {
      const p = window[i];
      if (p === undefined) return;
      if (r.status === "rejected") failed.push(p);
      else {
        this.stats.published++;
        this.stats.lastAckMs = Date.now();
        if (r.value.duplicate) this.stats.duplicates++;
      }
    });
    return failed;
  }

  private async backoff(failed: number): Promise<void> {
    if (this.stats.retries === 0 || this.backoffMs === RETRY_MIN_MS)
      this.log.warn(`desk stream: ${failed} publishes failed; retrying with the same ids`);
    this.stats.retries += failed;
    await Bun.sleep(this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, RETRY_MAX_MS);
  }
}

/** Connects the sink: makes sure the stream exists, then returns a sink publishing to it. */
export async function openDeskStreamSink(
  nc: NatsConnection,
  engine: string,
  settings: DeskStreamSettings,
  log: Logger,
): Promise<DeskStreamSink> {
  await ensureDeskStream(await jetstreamManager(nc), settings);
  return new DeskStreamSink(nc, engine, settings, log);
}
