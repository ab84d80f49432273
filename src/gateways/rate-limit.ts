/**
 * Rate limiting towards venues. Two kinds: a per-connection sliding window for outgoing socket
 * messages (Binance disconnects a stream client that sends more than 5 messages/s), and a budget of
 * the venue's own counters (request weight, order counts) fed by what the venue reports, so we slow
 * down before a limit, wait out Retry-After, and stop completely on a ban instead of digging deeper.
 */
import type { Clock, TimerId } from "../services/index.ts";

/** At most `max` events in any `windowMs`; a ring of the last `max` send times. */
export class SlidingWindow {
  private readonly times: Float64Array;
  private head = 0;

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(max) || max < 1 || !(windowMs > 0)) {
      throw new Error(`sliding window: need max >= 1 and windowMs > 0, got ${max}/${windowMs}`);
    }
    this.times = new Float64Array(max).fill(Number.NEGATIVE_INFINITY);
  }

  /** Ms to wait before one more event is allowed at nowMs (0 = now). */
  waitMs(nowMs: number): number {
    const oldest = this.times[this.head] ?? Number.NEGATIVE_INFINITY;
    return Math.max(0, oldest + this.windowMs - nowMs);
  }

  /** Records an event at nowMs; the caller checked waitMs() first. */
  record(nowMs: number): void {
    this.times[this.head] = nowMs;
    this.head = (this.head + 1) % this.max;
  }
}

/**
 * Outgoing messages of one socket, paced by a SlidingWindow: send() transmits now when allowed and
 * otherwise queues (bounded) and drains on a clock timer, preserving order.
 */
export class PacedSender {
  private readonly queue: string[] = [];
  private timer: TimerId | undefined;
  /** Messages dropped because the queue was full. */
  dropped = 0;

  constructor(
    private readonly clock: Clock,
    private readonly window: SlidingWindow,
    private readonly transmit: (msg: string) => void,
    private readonly maxQueued = 1000,
  ) {}

  /** Sends or queues a message; false when the queue is full (message dropped and counted). */
  send(msg: string): boolean {
    if (this.queue.length === 0 && this.window.waitMs(this.clock.nowMs()) === 0) {
      this.window.record(this.clock.nowMs());
      this.transmit(msg);
      return true;
    }
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      return false;
    }
    this.queue.push(msg);
    this.schedule();
    return true;
  }

  queued(): number {
    return this.queue.length;
  }

  /** Forgets queued messages (the socket is gone) and stops the timer. */
  close(): void {
    this.queue.length = 0;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(1, this.window.waitMs(this.clock.nowMs()));
    this.timer = this.clock.setTimer(wait, () => {
      this.timer = undefined;
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && this.window.waitMs(this.clock.nowMs()) === 0) {
      const msg = this.queue.shift();
      if (msg === undefined) break;
      this.window.record(this.clock.nowMs());
      this.transmit(msg);
    }
    if (this.queue.length > 0) this.schedule();
  }
}

/** One venue-reported counter: `limit` per `intervalMs`, `count` used in the current window. */
interface Counter {
  limit: number;
  intervalMs: number;
  count: number;
  windowEndMs: number;
}

/** What a budget check decided. */
export type BudgetVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly waitMs: number; readonly banned: boolean; readonly why: string };

const OK: BudgetVerdict = { ok: true };

/**
 * The venue's counters (weight, orders) as last reported, plus our own sends since then. check()
 * says whether a request of some weight fits under `headroom` × limit now, or how long to wait.
 * Windows are fixed and aligned to the venue clock (Binance resets weight on the minute).
 */
export class VenueBudget {
  private readonly counters = new Map<string, Counter>();
  private blockedUntilMs = 0;
  private bannedUntilMs = 0;
  /** Times a request was held back (throttled) or refused (ban). */
  throttled = 0;
  bans = 0;

  constructor(
    private readonly now: () => number,
    /** Fraction of each limit we allow ourselves (the rest is headroom for other clients and skew). */
    private readonly headroom = 0.8,
    /** A window counts as over only this long after its end: our idea of the venue clock is approximate. */
    private readonly boundaryMarginMs = 250,
  ) {}

  /** Declares or updates a limit (from exchangeInfo rateLimits or a response's rateLimits). */
  setLimit(key: string, limit: number, intervalMs: number): void {
    const c = this.counter(key, intervalMs);
    c.limit = limit;
  }

  /** Records the venue's reported count for a counter (rateLimits array or X-MBX-* header). */
  report(key: string, count: number, intervalMs: number, limit?: number): void {
    const c = this.counter(key, intervalMs);
    if (limit !== undefined && limit > 0) c.limit = limit;
    this.roll(c);
    c.count = count; // the venue's figure is the truth; it already includes our sends
  }

  /** Records our own use before the venue tells us (so bursts between replies are counted). */
  spend(key: string, amount: number, now = this.now()): void {
    const c = this.counters.get(key);
    if (c === undefined) return;
    this.roll(c, now);
    c.count += amount;
  }

  /** Whether `costs` (key → amount) fits now; a ban or Retry-After blocks everything. */
  check(costs: Readonly<Record<string, number>>, now = this.now()): BudgetVerdict {
    if (now < this.bannedUntilMs) {
      return { ok: false, waitMs: this.bannedUntilMs - now, banned: true, why: "banned by the venue (418)" };
    }
    if (now < this.blockedUntilMs) {
      this.throttled++;
      return { ok: false, waitMs: this.blockedUntilMs - now, banned: false, why: "Retry-After in force" };
    }
    for (const key in costs) {
      const c = this.counters.get(key);
      const amount = costs[key] ?? 0;
      if (c === undefined || c.limit <= 0) continue;
      this.roll(c, now);
      if (c.count + amount > c.limit * this.headroom) {
        this.throttled++;
        const waitMs = Math.max(1, c.windowEndMs + this.boundaryMarginMs - now);
        return { ok: false, waitMs, banned: false, why: `${key} near its limit` };
      }
    }
    return OK;
  }

  /** check() and, when it passes, spend() every cost in the same step, on one reading of the clock. */
  take(costs: Readonly<Record<string, number>>, now = this.now()): BudgetVerdict {
    const v = this.check(costs, now);
    if (v.ok) for (const key in costs) this.spend(key, costs[key] ?? 0, now);
    return v;
  }

  /** Obeys a 429: nothing is sent before untilMs. */
  blockUntil(untilMs: number): void {
    this.blockedUntilMs = Math.max(this.blockedUntilMs, untilMs);
  }

  /** A 418: everything stops until untilMs. */
  ban(untilMs: number): void {
    this.bans++;
    this.bannedUntilMs = Math.max(this.bannedUntilMs, untilMs);
  }

  isBanned(): boolean {
    return this.now() < this.bannedUntilMs;
  }

  /** Current count and limit of a counter, for metrics and tests. */
  usage(key: string): { count: number; limit: number } | undefined {
    const c = this.counters.get(key);
    if (c === undefined) return undefined;
    this.roll(c);
    return { count: c.count, limit: c.limit };
  }

  private counter(key: string, intervalMs: number): Counter {
    let c = this.counters.get(key);
    if (c === undefined) {
      c = { limit: 0, intervalMs, count: 0, windowEndMs: 0 };
      this.counters.set(key, c);
    }
    c.intervalMs = intervalMs;
    return c;
  }

  private roll(c: Counter, now = this.now()): void {
    if (now >= c.windowEndMs + this.boundaryMarginMs) {
      c.count = 0;
      c.windowEndMs = (Math.floor(now / c.intervalMs) + 1) * c.intervalMs;
    }
  }
}

/** Milliseconds of a venue interval letter (S, M, H, D) times n; NaN for an unknown letter. */
export function intervalMs(n: number, unit: string): number {
  switch (unit.toUpperCase()) {
    case "S":
    case "SECOND":
      return n * 1000;
    case "M":
    case "MINUTE":
      return n * 60_000;
    case "H":
    case "HOUR":
      return n * 3_600_000;
    case "D":
    case "DAY":
      return n * 86_400_000;
    default:
      return Number.NaN;
  }
}

/** How often a budget wait looks whether its request is still wanted. */
const WITHDRAW_CHECK_MS = 10;

/**
 * Sleeps a wait for rate-limit budget, in short slices when the caller may withdraw the request (an
 * order cancelled while it waited: a kill must not wait seconds for the budget of an order nobody
 * wants any more). True when the request was withdrawn: the caller refuses it, nothing sent. Shared
 * by every adapter that waits for budget (Binance REST and WS API, OKX).
 */
export async function waitUnlessWithdrawn(
  sleep: (ms: number) => Promise<void>,
  waitMs: number,
  withdrawn: (() => boolean) | undefined,
): Promise<boolean> {
  if (withdrawn === undefined) {
    await sleep(waitMs);
    return false;
  }
  for (let left = waitMs; left > 0 && !withdrawn(); left -= WITHDRAW_CHECK_MS)
    await sleep(Math.min(left, WITHDRAW_CHECK_MS));
  return withdrawn();
}

/** How a budget pause ended: its time passed, or the adapter closed (aborted). */
export type PauseEnd = "elapsed" | "aborted";

/**
 * Sleeps a long budget wait on the clock (a connect or a resync waiting a minute for the next weight
 * window) that ends at once when `signal` aborts: close() must end a connect() that sits behind a spent
 * budget now, not after the window. One timer, no polling (a minute of 10 ms slices would wake the
 * engine's loop 6000 times), cleared however the pause ends.
 */
export function pauseForBudget(clock: Clock, waitMs: number, signal: AbortSignal): Promise<PauseEnd> {
  if (signal.aborted) return Promise.resolve("aborted");
  return new Promise<PauseEnd>((resolve) => {
    const finish = (end: PauseEnd): void => {
      clock.clearTimer(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(end);
    };
    const onAbort = (): void => finish("aborted");
    const timer = clock.setTimer(waitMs, () => finish("elapsed"));
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
