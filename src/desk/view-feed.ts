/**
 * Feeds the desk view from the desk's stream: an ordered JetStream consumer (no state on the server,
 * nothing to clean up) reading from the stream's first message, so a view started or restarted at any
 * time is rebuilt from everything the stream holds. A consumer the bus broke (a server restart, a
 * lost connection) is opened again from the stream sequence after the last one applied; the server
 * keeps the messages, so a slow or interrupted view falls behind but never loses any. A stream deleted
 * and created again (its creation time changes, its sequences restart) is noticed at the next check:
 * the view forgets what it folded and is rebuilt from the new stream's start.
 */
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../services/index.ts";
import type { DeskView } from "./desk-view.ts";

/** What the feed reports, for status and the console. */
export interface DeskFeedStats {
  /** The last stream sequence handed to the view (0: none yet). */
  lastStreamSeq: number;
  /** Stream messages not folded yet (the stream's last sequence is checked once a second). */
  pending: number;
  /** The stream's last sequence at the last check. */
  streamLastSeq: number;
  /** Consumers opened again after the bus broke one. */
  reopened: number;
  /** Whether the stream exists yet (an empty desk has none until an engine publishes). */
  streamFound: boolean;
  /** Times the stream was found deleted and created again, and the view rebuilt from it. */
  streamRecreated: number;
}

/** Options of the feed; `pace` lets a test slow the view down as a loaded host would. */
export interface DeskFeedOptions {
  readonly pace?: () => Promise<void>;
}

const RETRY_MS = 250;
/** No delivery for this long while the stream has more means the consumer is stuck. */
const STALL_MS = 3000;

/** A running feed of one view; stop() ends it. */
export class DeskViewFeed {
  readonly stats: DeskFeedStats = {
    lastStreamSeq: 0,
    pending: 0,
    streamLastSeq: 0,
    reopened: 0,
    streamFound: false,
    streamRecreated: 0,
  };
  /** The creation time of the stream being read (undefined until first seen). */
  private streamCreated: string | undefined;
  /** Bumped when the stream was recreated: a consumer of an older generation stops delivering. */
  private generation = 0;
  private stopped = false;
  private closeCurrent: (() => Promise<unknown>) | undefined;
  private readonly done: Promise<void>;

  /** Starts reading `stream` into `view` from its first message. */
  constructor(
    private readonly nc: NatsConnection,
    private readonly stream: string,
    private readonly view: DeskView,
    private readonly log: Logger,
    private readonly opts: DeskFeedOptions = {},
  ) {
    this.done = Promise.all([this.run(), this.watchLag()]).then(() => {});
  }

  /** True once the view has every message the stream held when asked (a snapshot is complete). */
  async caughtUp(): Promise<boolean> {
    const last = await this.streamLastSeq();
    return last !== undefined && this.stats.lastStreamSeq >= last;
  }

  /** The stream's last sequence now (undefined: the stream or the server is not there). */
  private async streamLastSeq(): Promise<number | undefined> {
    try {
      const info = await (await jetstreamManager(this.nc)).streams.info(this.stream);
      const last = info.state.last_seq;
      await this.noticeStream(info.created, last);
      this.stats.streamLastSeq = last;
      this.stats.pending = Math.max(0, last - this.stats.lastStreamSeq);
      return last;
    } catch {
      return undefined;
    }
  }

  /**
   * Keeps `pending` (how far behind the view is) current for status and metrics, and reopens a
   * consumer that stopped delivering although the stream has more: after a server restart the
   * client's ordered consumer can wait for ever without an error (seen with nats-server 2.9).
   */
  private async watchLag(): Promise<void> {
    let seenSeq = -1;
    let stuckSinceMs = 0;
    while (!this.stopped) {
      await this.streamLastSeq();
      const now = Date.now();
      if (this.stats.pending === 0 || this.stats.lastStreamSeq !== seenSeq) {
        seenSeq = this.stats.lastStreamSeq;
        stuckSinceMs = now;
      } else if (now - stuckSinceMs >= STALL_MS) {
        this.log.warn(
          `desk view: no message from stream ${this.stream} for ${now - stuckSinceMs} ms with ${this.stats.pending} to read; reopening`,
        );
        stuckSinceMs = now;
        await this.closeCurrent?.().catch(() => {});
      }
      for (let i = 0; i < 4 && !this.stopped; i++) await Bun.sleep(RETRY_MS);
    }
  }

  /**
   * A stream created at another time than the one being read, or whose last sequence is below the
   * last one applied, is a new stream: the view forgets the old one and reads the new one from its start.
   */
  private async noticeStream(created: string, lastSeq: number): Promise<void> {
    if (this.streamCreated === undefined) {
      this.streamCreated = created;
      return;
    }
    if (created === this.streamCreated && lastSeq >= this.stats.lastStreamSeq) return;
    this.log.warn(
      `desk view: stream ${this.stream} was deleted and created again (created ${created}, last sequence ${lastSeq}, ` +
        `${this.stats.lastStreamSeq} applied from the old one); rebuilding the view from the new stream`,
    );
    this.streamCreated = created;
    this.generation++;
    this.stats.streamRecreated++;
    this.stats.lastStreamSeq = 0;
    this.view.reset();
    await this.closeCurrent?.().catch(() => {});
  }

  /** Stops reading (the view keeps what it has). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.closeCurrent?.().catch(() => {});
    await this.done;
  }

  private async run(): Promise<void> {
    let lastProblem = "";
    while (!this.stopped) {
      try {
        await this.consumeOnce();
      } catch (e) {
        const problem = (e as Error).message;
        if (/stream not found/i.test(problem)) this.stats.streamFound = false;
        // said once per kind of problem, not every 250 ms while a server is down
        if (!this.stopped && problem !== lastProblem)
          this.log.warn(`desk view: cannot read stream ${this.stream} (${problem}); trying again`);
        lastProblem = problem;
      }
      if (this.stopped) break;
      if (this.stats.streamFound) this.stats.reopened++;
      await Bun.sleep(RETRY_MS);
    }
  }

  /** One ordered consumer from the next sequence wanted, until the bus or stop ends it. */
  private async consumeOnce(): Promise<void> {
    const info = await (await jetstreamManager(this.nc)).streams.info(this.stream);
    await this.noticeStream(info.created, info.state.last_seq);
    const generation = this.generation;
    const next = this.stats.lastStreamSeq + 1;
    const consumer = await jetstream(this.nc).consumers.get(this.stream, {
      deliver_policy: next === 1 ? DeliverPolicy.All : DeliverPolicy.StartSequence,
      ...(next === 1 ? {} : { opt_start_seq: next }),
    });
    this.stats.streamFound = true;
    const messages = await consumer.consume({ max_messages: 512 });
    this.closeCurrent = () => messages.close();
    if (this.stopped) await messages.close();
    for await (const m of messages) {
      if (generation !== this.generation) break; // the stream was recreated: reopen on the new one
      // an ordered consumer recreated after a gap may deliver what was applied already
      if (m.info.streamSequence <= this.stats.lastStreamSeq) continue;
      if (this.opts.pace !== undefined) await this.opts.pace();
      this.view.applyBytes(m.data, m.subject);
      this.stats.lastStreamSeq = m.info.streamSequence;
      this.stats.pending = Math.max(0, this.stats.streamLastSeq - m.info.streamSequence, m.info.pending);
      if (this.stopped) break;
    }
    await messages.close().catch(() => {});
  }
}
