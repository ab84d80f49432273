/**
 * One kill switch for every engine of a desk: its state is one key of a JetStream KV bucket (stored
 * on the server's disk, so it outlives restarts of engines and of the server). Each engine watches
 * the key and applies what it says; a kill on any engine is written to the key. A new engine reads
 * the key before it quotes, so joining a killed desk means starting halted.
 */
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../services/index.ts";

/** The desk's kill switch as stored in the bucket. */
export interface DeskKillState {
  readonly halted: boolean;
  readonly reason: string;
  /** The engine that last changed it. */
  readonly by: string;
  readonly atMs: number;
}

/** Where the switch lives (config `desk.kill`). */
export interface DeskKillSettings {
  /** KV bucket shared by the desk's engines. */
  readonly bucket: string;
}

const KEY = "kill";
const RUNNING: DeskKillState = { halted: false, reason: "", by: "", atMs: 0 };
const RETRY_MS = 250;

/** A stored value read back; anything else (another writer's junk) reads as not there, with a warning. */
export function parseKillState(bytes: Uint8Array): DeskKillState | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Partial<DeskKillState>;
    if (typeof v.halted !== "boolean" || typeof v.reason !== "string") return undefined;
    return {
      halted: v.halted,
      reason: v.reason,
      by: typeof v.by === "string" ? v.by : "?",
      atMs: typeof v.atMs === "number" ? v.atMs : 0,
    };
  } catch {
    return undefined;
  }
}

/** One engine's handle on the desk's kill switch. */
export class DeskKillSwitch {
  private state_: DeskKillState = RUNNING;
  private listener: ((s: DeskKillState) => void) | undefined;
  private stopped = false;
  private watching: { stop(): void } | undefined;
  /** Writes not yet stored (the bus is down): the last one wins, retried until it is. */
  private pendingWrite: DeskKillState | undefined;

  private constructor(
    private readonly kv: KV,
    private readonly engine: string,
    private readonly log: Logger,
  ) {}

  /** Opens (or creates) the bucket and reads the switch as it is now. */
  static async open(nc: NatsConnection, engine: string, s: DeskKillSettings, log: Logger): Promise<DeskKillSwitch> {
    const kv = await new Kvm(nc).create(s.bucket, { history: 16 });
    const k = new DeskKillSwitch(kv, engine, log);
    const e = await kv.get(KEY);
    if (e !== null && e.operation === "PUT") k.state_ = parseKillState(e.value) ?? RUNNING;
    return k;
  }

  /** The switch as last seen on the bus. */
  get state(): DeskKillState {
    return this.state_;
  }

  /** Calls back on every change another engine (or this one) makes, until close. */
  watch(listener: (s: DeskKillState) => void): void {
    this.listener = listener;
    void this.watchLoop();
  }

  /** Kills the whole desk (idempotent: a desk already halted is left as it is). */
  trip(reason: string, nowMs: number): void {
    if (this.state_.halted) return;
    this.write({ halted: true, reason, by: this.engine, atMs: nowMs });
  }

  /** Lifts the desk's kill switch. */
  resume(reason: string, nowMs: number): void {
    if (!this.state_.halted) return;
    this.write({ halted: false, reason, by: this.engine, atMs: nowMs });
  }

  /** Stops watching (the engine is stopping). */
  close(): void {
    this.stopped = true;
    this.watching?.stop();
  }

  private write(s: DeskKillState): void {
    this.state_ = s;
    const retrying = this.pendingWrite !== undefined;
    this.pendingWrite = s;
    if (!retrying) void this.flushWrite();
  }

  private async flushWrite(): Promise<void> {
    while (this.pendingWrite !== undefined && !this.stopped) {
      const s = this.pendingWrite;
      try {
        await this.kv.put(KEY, JSON.stringify(s));
        if (this.pendingWrite === s) this.pendingWrite = undefined;
      } catch (e) {
        this.log.warn(`desk kill switch: cannot store ${s.halted ? "kill" : "resume"} yet; retrying`, {
          error: (e as Error).message,
        });
        await Bun.sleep(RETRY_MS);
      }
    }
  }

  /** Follows the key; a watch the bus broke is opened again from the last revision seen. */
  private async watchLoop(): Promise<void> {
    let revision = 0;
    while (!this.stopped) {
      try {
        const it = await this.kv.watch({ key: KEY, ...(revision > 0 ? { resumeFromRevision: revision + 1 } : {}) });
        this.watching = it;
        if (this.stopped) it.stop();
        for await (const e of it) {
          if (this.stopped) break;
          revision = e.revision;
          this.seen(e.operation === "PUT" ? parseKillState(e.value) : RUNNING, e.revision);
        }
      } catch (e) {
        if (!this.stopped)
          this.log.warn("desk kill switch: watch lost; watching again", { error: (e as Error).message });
      }
      if (!this.stopped) await Bun.sleep(RETRY_MS);
    }
  }

  private seen(s: DeskKillState | undefined, revision: number): void {
    if (s === undefined) {
      this.log.warn(`desk kill switch: revision ${revision} of ${KEY} is not a kill state; ignored`);
      return;
    }
    // a write of ours still waiting to be stored is newer than what the bus shows
    if (this.pendingWrite !== undefined) return;
    this.state_ = s;
    this.listener?.(s);
  }
}
