/**
 * Feeds Binance's rate-limit reports into the venue-neutral VenueBudget: `rateLimits` arrays
 * (exchangeInfo and every WS API reply) and X-MBX-USED-WEIGHT-(n)(u) / X-MBX-ORDER-COUNT-(n)(u)
 * headers, so the adapter's view of its usage is the venue's, not a guess.
 */
import { intervalMs, pauseForBudget, type VenueBudget, waitUnlessWithdrawn } from "../../gateways/index.ts";
import { VenueRejectError } from "../../types/index.ts";
import type { ResolvedBinanceConfig } from "./config.ts";

/** Budget key of a limit type and interval, e.g. "REQUEST_WEIGHT:60000". */
export function budgetKey(type: string, ms: number): string {
  return `${type}:${ms}`;
}

/** Applies one `rateLimits` array; unknown shapes are skipped. */
export function feedRateLimits(budget: VenueBudget, arr: unknown): void {
  if (!Array.isArray(arr)) return;
  for (const r of arr) {
    if (typeof r !== "object" || r === null) continue;
    const o = r as Record<string, unknown>;
    const type = o["rateLimitType"];
    const n = o["intervalNum"];
    const unit = o["interval"];
    const limit = o["limit"];
    if (typeof type !== "string" || typeof n !== "number" || typeof unit !== "string" || typeof limit !== "number")
      continue;
    const ms = intervalMs(n, unit);
    if (Number.isNaN(ms)) continue;
    const key = budgetKey(type, ms);
    if (typeof o["count"] === "number") budget.report(key, o["count"], ms, limit);
    else budget.setLimit(key, limit, ms);
  }
}

const HEADER_RE = /^x-mbx-(used-weight|order-count)-(\d+)([smhd])$/i;

/** Applies X-MBX-* usage headers of a REST response. */
export function feedHeaders(budget: VenueBudget, headers: Headers): void {
  headers.forEach((value, name) => {
    const m = HEADER_RE.exec(name);
    if (m === null) return;
    const ms = intervalMs(Number(m[2]), m[3] ?? "");
    const count = Number(value);
    if (Number.isNaN(ms) || !Number.isFinite(count)) return;
    const type = m[1]?.toLowerCase() === "used-weight" ? "REQUEST_WEIGHT" : "ORDERS";
    budget.report(budgetKey(type, ms), count, ms);
  });
}

/** Cost objects by weight, shared: the order path allocates none per request. */
const ORDER_COSTS = new Map<number, Readonly<Record<string, number>>>();
const REQUEST_COSTS = new Map<number, Readonly<Record<string, number>>>();

/** Budget costs of a request: weight always, one order when it places one. */
export function costs(weight: number, isOrder: boolean): Readonly<Record<string, number>> {
  const cache = isOrder ? ORDER_COSTS : REQUEST_COSTS;
  const hit = cache.get(weight);
  if (hit !== undefined) return hit;
  const c: Record<string, number> = isOrder
    ? { "REQUEST_WEIGHT:60000": weight, "ORDERS:10000": 1, "ORDERS:86400000": 1 }
    : { "REQUEST_WEIGHT:60000": weight };
  Object.freeze(c);
  cache.set(weight, c);
  return c;
}

/**
 * A budget wait of a Binance request (REST or WS API) that its caller may withdraw: throws
 * `rate_limited` "withdrawn", nothing sent, once `abandoned` says so.
 */
export async function budgetSleep(
  sleep: (ms: number) => Promise<void>,
  waitMs: number,
  abandoned: (() => boolean) | undefined,
  venue: string,
): Promise<void> {
  if (await waitUnlessWithdrawn(sleep, waitMs, abandoned))
    throw new VenueRejectError(
      "rate_limited",
      429,
      `${venue}: withdrawn while waiting for rate-limit budget; never sent`,
    );
}

/**
 * How long a call off the order path (connect, resync, history) waits for weight budget: a full
 * minute window and a bit. An engine restarted while the minute's weight is spent (a crash loop,
 * another process on the key or IP) must wait for the next window, not fail to start.
 */
export const OFF_PATH_MAX_WAIT_MS = 61_000;

/**
 * A call off the order path: it may wait OFF_PATH_MAX_WAIT_MS for budget (logged and counted once),
 * and its wait ends at once, nothing sent, when `signal` aborts (its adapter or component closed).
 */
export interface OffPath {
  readonly signal: AbortSignal;
  /** What waits, for the log line and the error ("connect: GET /api/v3/exchangeInfo"). */
  readonly what: string;
}

/** How one call may wait for budget. */
export interface BudgetWait {
  /** Longest wait (default: OFF_PATH_MAX_WAIT_MS off the order path, else timeouts.maxThrottleWaitMs). */
  readonly maxWaitMs?: number | undefined;
  /**
   * True once the caller no longer wants the request: nothing is sent. On the order path looked at
   * every 10 ms of the wait (a cancelled order's wait ends at once); off it, when the pause ends.
   */
  readonly abandoned?: (() => boolean) | undefined;
  readonly offPath?: OffPath | undefined;
}

/** What a budget taker needs: config, the budget, the sleep of short waits and its counters. */
export interface BudgetTaker {
  readonly cfg: ResolvedBinanceConfig;
  readonly budget: VenueBudget;
  readonly sleep: (ms: number) => Promise<void>;
  /** throttledWaits: every pause; offPathWaits: off-path calls that had to wait (once per call). */
  readonly counters: { throttledWaits: number; offPathWaits: number };
}

/**
 * Takes a request's budget, waiting (bounded) until it fits: the one rule of REST and the WS API.
 * Refuses at once when banned, and when the wait would pass the call's bound (an order must not queue
 * behind a spent minute; a connect waits for the next window).
 */
export async function takeBudget(t: BudgetTaker, weight: number, isOrder: boolean, w: BudgetWait): Promise<void> {
  const cfg = t.cfg;
  const off = w.offPath;
  const bound = w.maxWaitMs ?? (off !== undefined ? OFF_PATH_MAX_WAIT_MS : cfg.timeouts.maxThrottleWaitMs);
  const deadline = cfg.clock.nowMs() + bound;
  let logged = false;
  for (;;) {
    const v = t.budget.take(costs(weight, isOrder));
    if (v.ok) return;
    if (v.banned) throw new VenueRejectError("banned", 418, `${cfg.name}: ${v.why}; no request sent`);
    if (cfg.clock.nowMs() + v.waitMs > deadline)
      throw new VenueRejectError("rate_limited", 429, `${cfg.name}: ${v.why}; would wait ${v.waitMs} ms`);
    t.counters.throttledWaits++;
    if (off === undefined) {
      await budgetSleep(t.sleep, v.waitMs, w.abandoned, cfg.name);
      continue;
    }
    if (!logged) {
      logged = true;
      t.counters.offPathWaits++;
      cfg.log.warn(`venue {venue}: ${off.what} waits {waitMs} ms for rate-limit budget ({why})`, {
        event: "budget_wait",
        venue: cfg.name,
        waitMs: v.waitMs,
        why: v.why,
      });
    }
    const end = await pauseForBudget(cfg.clock, v.waitMs, off.signal);
    if (end === "aborted")
      throw new VenueRejectError(
        "rate_limited",
        "closed",
        `${cfg.name}: closed while ${off.what} waited for rate-limit budget; never sent`,
      );
    // checked when the pause ends, not polled during it: a superseded call just goes unsent
    if (w.abandoned?.() === true)
      throw new VenueRejectError(
        "rate_limited",
        429,
        `${cfg.name}: ${off.what} withdrawn while waiting for rate-limit budget; never sent`,
      );
  }
}
