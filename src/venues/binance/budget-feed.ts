/**
 * Feeds Binance's rate-limit reports into the venue-neutral VenueBudget: `rateLimits` arrays
 * (exchangeInfo and every WS API reply) and X-MBX-USED-WEIGHT-(n)(u) / X-MBX-ORDER-COUNT-(n)(u)
 * headers, so the adapter's view of its usage is the venue's, not a guess.
 */
import { intervalMs, type VenueBudget, waitUnlessWithdrawn } from "../../gateways/index.ts";
import { VenueRejectError } from "../../types/index.ts";

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
