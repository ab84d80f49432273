/**
 * All time goes through a Clock so the engine and the simulator can run on virtual time:
 * deterministic, faster than real time, replayable from a seed.
 */

/** Opaque timer handle returned by setTimer. */
export type TimerId = number;

/** Time source and timer scheduler; the only way engine and simulator code may read or wait on time. */
export interface Clock {
  /** Wall-clock epoch milliseconds, for venue timestamps. */
  nowMs(): number;
  /** Monotonic nanoseconds since the clock started, for latency measurement. */
  monoNs(): number;
  /** Runs fn once after delayMs. */
  setTimer(delayMs: number, fn: () => void): TimerId;
  /** Runs fn every periodMs until cleared. */
  setRepeating(periodMs: number, fn: () => void): TimerId;
  clearTimer(id: TimerId): void;
}

/**
 * The event loop's timers as SystemClock uses them: injectable, so the schedule of a repeating timer
 * can be tested against a fake loop that behaves like Bun's (integer-ms delays, fired late).
 */
export interface TimerHost {
  monoNs(): number;
  /** Calls fn(arg) after delayMs (the argument spares the caller a closure per timer). */
  setTimeout<A>(fn: (arg: A) => void, delayMs: number, arg: A): unknown;
  clearTimeout(handle: unknown): void;
}

const BUN_TIMERS: TimerHost = {
  monoNs: () => Bun.nanoseconds(),
  setTimeout: (fn, delayMs, arg) => setTimeout(fn, delayMs, arg),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Real time: Date.now, Bun.nanoseconds and the event loop's timers. */
export class SystemClock implements Clock {
  private readonly timers = new Map<TimerId, unknown>();
  /** The callbacks of one-shot timers still due. */
  private readonly callbacks = new Map<TimerId, () => void>();
  private nextId = 1;
  private readonly host: TimerHost;

  constructor(host: TimerHost = BUN_TIMERS) {
    this.host = host;
  }

  nowMs(): number {
    return Date.now();
  }

  monoNs(): number {
    return this.host.monoNs();
  }

  setTimer(delayMs: number, fn: () => void): TimerId {
    const id = this.nextId++;
    this.callbacks.set(id, fn);
    this.timers.set(id, this.host.setTimeout(this.fireOnce, delayMs, id));
    return id;
  }

  /** A one-shot timer's firing, made once: the timer carries only its id (no closure per timer). */
  private readonly fireOnce = (id: TimerId): void => {
    const fn = this.callbacks.get(id);
    this.timers.delete(id);
    this.callbacks.delete(id);
    fn?.();
  };

  /**
   * Every periodMs on a fixed schedule (slot k at start + k·period). Bun's setInterval re-arms from
   * when it fired, with integer-ms delays that fire ~0.1 ms late, so its period drifts (1 ms → 1.09,
   * 2 → 2.1); here each firing aims at the next slot. A firing later than a whole period skips the
   * missed slots rather than running them back to back. Bun cannot wake sooner than ~1.09 ms, so a
   * 1 ms schedule runs at that floor.
   */
  setRepeating(periodMs: number, fn: () => void): TimerId {
    if (!(periodMs > 0)) throw new Error(`setRepeating: period must be > 0, got ${periodMs}`);
    const id = this.nextId++;
    const periodNs = periodMs * 1e6;
    let dueNs = this.host.monoNs() + periodNs;
    const fire = (): void => {
      if (!this.timers.has(id)) return;
      const nowNs = this.host.monoNs();
      dueNs += periodNs;
      if (dueNs <= nowNs) dueNs += (Math.floor((nowNs - dueNs) / periodNs) + 1) * periodNs;
      // armed before fn runs: fn's own duration does not move the schedule, and fn may clear it
      this.timers.set(id, this.host.setTimeout(fire, armDelayMs(dueNs - nowNs), undefined));
      fn();
    };
    this.timers.set(id, this.host.setTimeout(fire, armDelayMs(periodNs), undefined));
    return id;
  }

  clearTimer(id: TimerId): void {
    const t = this.timers.get(id);
    if (t !== undefined) this.host.clearTimeout(t);
    this.timers.delete(id);
    this.callbacks.delete(id);
  }
}

/** The delay to arm for a slot remainingNs away: the event loop takes whole milliseconds (at least 1). */
function armDelayMs(remainingNs: number): number {
  return Math.max(1, Math.round(remainingNs / 1e6));
}

interface VirtualTimer {
  id: TimerId;
  dueMs: number;
  seq: number;
  periodMs: number; // 0 = one-shot
  fn: () => void;
}

/**
 * Virtual time that only moves when told to. Timers fire in (due time, creation order), so a run
 * is a pure function of its inputs and seed.
 */
export class VirtualClock implements Clock {
  private now: number;
  private readonly startMs: number;
  private readonly queue: VirtualTimer[] = []; // binary min-heap on (dueMs, seq)
  private readonly live = new Set<TimerId>();
  private nextId = 1;
  private seq = 0;

  constructor(startMs = 1_700_000_000_000) {
    this.now = startMs;
    this.startMs = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  monoNs(): number {
    return (this.now - this.startMs) * 1e6;
  }

  setTimer(delayMs: number, fn: () => void): TimerId {
    return this.schedule(delayMs, 0, fn);
  }

  setRepeating(periodMs: number, fn: () => void): TimerId {
    if (!(periodMs > 0)) throw new Error(`setRepeating: period must be > 0, got ${periodMs}`);
    return this.schedule(periodMs, periodMs, fn);
  }

  clearTimer(id: TimerId): void {
    this.live.delete(id);
  }

  /** Number of timers still scheduled. */
  pending(): number {
    return this.live.size;
  }

  /** Due time of the next live timer, or undefined when none is scheduled. */
  nextDueMs(): number | undefined {
    this.dropDead();
    return this.queue[0]?.dueMs;
  }

  /**
   * A lower bound of the next timer's due time, Infinity when none: the earliest entry, which may be
   * a timer already cleared (nextDueMs skips those; this costs one read, for loops that ask per event).
   */
  peekDueMs(): number {
    return this.queue[0]?.dueMs ?? Number.POSITIVE_INFINITY;
  }

  /** Moves time forward by ms, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    this.advanceTo(this.now + ms);
  }

  /** Moves time to targetMs (never backwards), firing due timers in order. */
  advanceTo(targetMs: number): void {
    for (;;) {
      this.dropDead();
      const top = this.queue[0];
      if (top === undefined || top.dueMs > targetMs) break;
      this.pop();
      if (top.dueMs > this.now) this.now = top.dueMs;
      if (top.periodMs > 0) {
        top.dueMs += top.periodMs;
        top.seq = this.seq++;
        this.push(top);
      } else {
        this.live.delete(top.id);
      }
      top.fn();
    }
    if (targetMs > this.now) this.now = targetMs;
  }

  private schedule(delayMs: number, periodMs: number, fn: () => void): TimerId {
    const id = this.nextId++;
    this.live.add(id);
    this.push({ id, dueMs: this.now + Math.max(0, delayMs), seq: this.seq++, periodMs, fn });
    return id;
  }

  private dropDead(): void {
    while (this.queue.length > 0 && !this.live.has((this.queue[0] as VirtualTimer).id)) this.pop();
  }

  private less(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
  }

  private push(t: VirtualTimer): void {
    const q = this.queue;
    q.push(t);
    let i = q.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(q[i] as VirtualTimer, q[p] as VirtualTimer)) break;
      [q[i], q[p]] = [q[p] as VirtualTimer, q[i] as VirtualTimer];
      i = p;
    }
  }

  private pop(): void {
    const q = this.queue;
    const last = q.pop();
    if (last === undefined || q.length === 0) return;
    q[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < q.length && this.less(q[l] as VirtualTimer, q[m] as VirtualTimer)) m = l;
      if (r < q.length && this.less(q[r] as VirtualTimer, q[m] as VirtualTimer)) m = r;
      if (m === i) break;
      [q[i], q[m]] = [q[m] as VirtualTimer, q[i] as VirtualTimer];
      i = m;
    }
  }
}
