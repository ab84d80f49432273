/**
 * Control commands and the queue that carries them from HTTP handlers to the engine. The control
 * plane never touches trading state: it validates a request, enqueues a typed Command, and the
 * engine (the single writer) drains the queue on its own turn and reports a result.
 */
import type { Clock, TimerId } from "../services/index.ts";

/** What an operator asks for, before the queue stamps it. */
export type CommandBody =
  | { readonly kind: "pause_strategy"; readonly strategy: string }
  | { readonly kind: "resume_strategy"; readonly strategy: string }
  | {
      readonly kind: "set_strategy_params";
      readonly strategy: string;
      /** Already validated by the strategy's own validator (StrategyCatalog); a partial update. */
      readonly params: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: "cancel_all";
      /** Absent = every venue. */
      readonly venue?: string;
      /** Absent = every symbol. */
      readonly symbol?: string;
    }
  /** Cancel everything and halt all trading until resume_trading. */
  | { readonly kind: "kill_switch"; readonly reason: string }
  /** Clear a halt (from the kill switch or a risk limit). */
  | { readonly kind: "resume_trading"; readonly reason: string };

export type CommandKind = CommandBody["kind"];

/** A command as the engine receives it: the body plus an id and when it arrived. */
export type Command = CommandBody & {
  /** "cmd-1", "cmd-2", ...: unique per queue, returned to the caller. */
  readonly id: string;
  /** Clock.nowMs() when the command was accepted. */
  readonly receivedAtMs: number;
  readonly source: "http";
};

/** What the engine reports after handling a command. */
export interface CommandResult {
  readonly ok: boolean;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The engine's handler: applies a command to trading state; may report its outcome later. */
export type CommandHandler = (command: Command) => CommandResult | Promise<CommandResult>;

/** Result of submitting a command. */
export type SubmitResult =
  | { readonly accepted: true; readonly command: Command }
  | { readonly accepted: false; readonly reason: "queue_full"; readonly message: string };

/** The producer side, used by the HTTP handlers. */
export interface CommandSink {
  submit(body: CommandBody): SubmitResult;
  /** Resolves with the command's result, or undefined if it is not done within timeoutMs. */
  waitFor(id: string, timeoutMs: number): Promise<CommandResult | undefined>;
  /** Commands waiting for the engine. */
  readonly size: number;
}

/** Options for CommandQueue. */
export interface CommandQueueOptions {
  readonly clock: Clock;
  /** Most commands waiting at once; further submits are refused (default 256). */
  readonly capacity?: number;
  /** How many finished results are kept for late waiters (default 1024). */
  readonly keepResults?: number;
}

/**
 * A bounded FIFO of commands with result tracking. Submit from anywhere; drain only from the
 * engine's event loop (the single writer).
 */
export class CommandQueue implements CommandSink {
  private readonly pending: Command[] = [];
  private readonly results = new Map<string, CommandResult>();
  private readonly waiters = new Map<string, Set<(r: CommandResult | undefined) => void>>();
  private readonly capacity: number;
  private readonly keepResults: number;
  private readonly clock: Clock;
  private seq = 0;
  private wakeup: (() => void) | undefined;

  constructor(opts: CommandQueueOptions) {
    this.clock = opts.clock;
    this.capacity = opts.capacity ?? 256;
    this.keepResults = opts.keepResults ?? 1024;
  }

  get size(): number {
    return this.pending.length;
  }

  /** The engine registers how it wants to be woken when a command arrives (e.g. schedule a drain). */
  setWakeup(fn: (() => void) | undefined): void {
    this.wakeup = fn;
  }

  /** Stamps and enqueues a command, or refuses it when the queue is full. */
  submit(body: CommandBody): SubmitResult {
    if (this.pending.length >= this.capacity) {
      return {
        accepted: false,
        reason: "queue_full",
        message: `command queue full (${this.capacity} waiting); the engine is not draining`,
      };
    }
    this.seq++;
    const command: Command = { ...body, id: `cmd-${this.seq}`, receivedAtMs: this.clock.nowMs(), source: "http" };
    this.pending.push(command);
    this.wakeup?.();
    return { accepted: true, command };
  }

  /**
   * Engine side: hands up to `max` waiting commands to the handler, in arrival order, and records
   * each result. A throwing handler yields a failed result, never a broken queue.
   */
  drain(handler: CommandHandler, max = Number.POSITIVE_INFINITY): number {
    let n = 0;
    while (n < max && this.pending.length > 0) {
      const command = this.pending.shift() as Command;
      n++;
      let outcome: CommandResult | Promise<CommandResult>;
      try {
        outcome = handler(command);
      } catch (err) {
        outcome = { ok: false, message: `engine failed to apply ${command.kind}: ${(err as Error).message}` };
      }
      if (outcome instanceof Promise) {
        outcome.then(
          (r) => this.finish(command.id, r),
          (err: unknown) =>
            this.finish(command.id, { ok: false, message: `${command.kind} failed: ${(err as Error).message}` }),
        );
      } else {
        this.finish(command.id, outcome);
      }
    }
    return n;
  }

  /** The result of a finished command still remembered, or undefined. */
  result(id: string): CommandResult | undefined {
    return this.results.get(id);
  }

  waitFor(id: string, timeoutMs: number): Promise<CommandResult | undefined> {
    const done = this.results.get(id);
    if (done !== undefined || timeoutMs <= 0) return Promise.resolve(done);
    return new Promise((resolve) => {
      let timer: TimerId | undefined;
      const waiter = (r: CommandResult | undefined) => {
        if (timer !== undefined) this.clock.clearTimer(timer);
        resolve(r);
      };
      let set = this.waiters.get(id);
      if (set === undefined) {
        set = new Set();
        this.waiters.set(id, set);
      }
      set.add(waiter);
      timer = this.clock.setTimer(timeoutMs, () => {
        timer = undefined;
        const s = this.waiters.get(id);
        s?.delete(waiter);
        if (s?.size === 0) this.waiters.delete(id);
        resolve(undefined);
      });
    });
  }

  private finish(id: string, result: CommandResult): void {
    this.results.set(id, result);
    if (this.results.size > this.keepResults) {
      const oldest = this.results.keys().next().value;
      if (oldest !== undefined) this.results.delete(oldest);
    }
    const set = this.waiters.get(id);
    if (set === undefined) return;
    this.waiters.delete(id);
    for (const w of set) w(result);
  }
}
