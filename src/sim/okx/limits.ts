/**
 * OKX's documented request limits for the endpoints the simulator serves, and the sliding windows that
 * enforce them: trading endpoints count per user and instrument (a batch counts each order against its
 * own instrument; a batch of one counts against the single endpoint, as OKX says), queries per user.
 * REST and the private socket share the windows (OKX: "shared with the REST endpoint").
 */

/** A request-rate limit: at most count in any windowMs. */
export interface OkxRateLimit {
  count: number;
  windowMs: number;
}

/** Everything the simulator rate-limits, by OKX's endpoint name (the WS ops share their REST form's). */
export const OKX_LIMITED_ENDPOINTS = [
  "order",
  "batch-orders",
  "cancel-order",
  "cancel-batch-orders",
  "amend-order",
  "amend-batch-orders",
  "orders-history",
  "orders-history-archive",
  "fills",
  "fills-history",
  "currencies",
  "account-config",
  "instruments",
] as const;
export type OkxLimitedEndpoint = (typeof OKX_LIMITED_ENDPOINTS)[number];

/**
 * OKX v5 documentation, per endpoint: placements, cancels and amends 60 requests per 2 s per user and
 * instrument, their batch forms 300 orders per 2 s per user and instrument; order history 40, its archive
 * 20, fills 60 and fills-history 10 requests per 2 s per user; currencies 6 per second and account config
 * 5 per 2 s per user; public instruments 20 per 2 s per IP (every client of the simulator is on one IP).
 */
export const OKX_DEFAULT_LIMITS: Readonly<Record<OkxLimitedEndpoint, Readonly<OkxRateLimit>>> = {
  order: { count: 60, windowMs: 2000 },
  "batch-orders": { count: 300, windowMs: 2000 },
  "cancel-order": { count: 60, windowMs: 2000 },
  "cancel-batch-orders": { count: 300, windowMs: 2000 },
  "amend-order": { count: 60, windowMs: 2000 },
  "amend-batch-orders": { count: 300, windowMs: 2000 },
  "orders-history": { count: 40, windowMs: 2000 },
  "orders-history-archive": { count: 20, windowMs: 2000 },
  fills: { count: 60, windowMs: 2000 },
  "fills-history": { count: 10, windowMs: 2000 },
  currencies: { count: 6, windowMs: 1000 },
  "account-config": { count: 5, windowMs: 2000 },
  instruments: { count: 20, windowMs: 2000 },
};

/** A fresh, mutable copy of the documented limits (the admin API changes them per simulator). */
export function defaultOkxLimits(): Record<OkxLimitedEndpoint, OkxRateLimit> {
  const out = {} as Record<OkxLimitedEndpoint, OkxRateLimit>;
  for (const e of OKX_LIMITED_ENDPOINTS) out[e] = { ...OKX_DEFAULT_LIMITS[e] };
  return out;
}

/** The windows of one simulator: request times per endpoint, user and (for trading) instrument. */
export class OkxRateLimiter {
  private readonly times = new Map<string, number[]>();

  constructor(private readonly limits: () => Readonly<Record<OkxLimitedEndpoint, OkxRateLimit>>) {}

  /** Takes one request from the window (true), or false when the window is full (nothing taken). */
  take(endpoint: OkxLimitedEndpoint, accountId: string, instId: string, nowMs: number): boolean {
    const { count, windowMs } = this.limits()[endpoint];
    const key = `${endpoint} ${accountId} ${instId}`;
    const all = this.times.get(key) ?? [];
    let first = 0;
    while (first < all.length && nowMs - (all[first] as number) >= windowMs) first++;
    const times = first === 0 ? all : all.slice(first);
    this.times.set(key, times);
    if (times.length >= count) return false;
    times.push(nowMs);
    return true;
  }

  /** Forgets every recorded request (after a limit changed). */
  reset(): void {
    this.times.clear();
  }
}
