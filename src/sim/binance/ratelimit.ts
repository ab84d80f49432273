/**
 * Binance's request-weight and order-count limits with its fixed windows, headers and escalation
 * (429 then an IP ban with 418), so clients' back-off logic is exercised against the real rules
 * (reference §A.8). Windows are fixed and aligned to the clock like Binance's (minute, 10 s, day).
 */
import { type BinanceError, Err } from "./errors.ts";

/** Limits of one simulator; tests shrink them to hit the limits quickly. */
export interface RateLimitConfig {
  /** REQUEST_WEIGHT per minute per IP (shared by REST and the WS API). Default 6000. */
  readonly requestWeightPerMinute: number;
  /** ORDERS per 10 s per account. Default 50. */
  readonly ordersPer10s: number;
  /** ORDERS per day per account. Default 160000. */
  readonly ordersPerDay: number;
  /** 429s tolerated in one window before the next over-limit request bans the IP. Default 1. */
  readonly banAfter429s: number;
  /** Length of an IP ban. Default 120000 (Binance's minimum, 2 min). */
  readonly banMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  requestWeightPerMinute: 6000,
  ordersPer10s: 50,
  ordersPerDay: 160000,
  banAfter429s: 1,
  banMs: 120_000,
};

interface WeightState {
  window: number;
  used: number;
  limitedInWindow: number;
  bannedUntil: number;
}

interface OrderState {
  window10s: number;
  count10s: number;
  windowDay: number;
  countDay: number;
}

/** Binance's rateLimits entry, as in exchangeInfo and WS API responses. */
export interface RateLimitEntry {
  rateLimitType: "REQUEST_WEIGHT" | "ORDERS" | "RAW_REQUESTS";
  interval: "SECOND" | "MINUTE" | "DAY";
  intervalNum: number;
  limit: number;
  count?: number;
}

const MINUTE = 60_000;
const TEN_S = 10_000;
const DAY = 86_400_000;

/** Counts weight per IP and orders per account on fixed windows of the given time source. */
export class RateLimiter {
  private readonly weights = new Map<string, WeightState>();
  private readonly orders = new Map<string, OrderState>();
  /** Requests refused with 429 and 418, for the simulator's counters. */
  rejected429 = 0;
  rejected418 = 0;

  constructor(
    private readonly now: () => number,
    public config: RateLimitConfig = DEFAULT_RATE_LIMITS,
  ) {}

  /** Adds weight for ip or throws the 429/418 Binance would send; returns the weight used this minute. */
  chargeWeight(ip: string, weight: number): number {
    const t = this.now();
    const s = this.weightState(ip, t);
    if (s.bannedUntil > t) {
      this.rejected418++;
      throw Err.banned(s.bannedUntil);
    }
    s.used += weight;
    if (s.used > this.config.requestWeightPerMinute) {
      if (s.limitedInWindow >= this.config.banAfter429s) {
        s.bannedUntil = t + this.config.banMs;
        this.rejected418++;
        throw Err.banned(s.bannedUntil);
      }
      s.limitedInWindow++;
      this.rejected429++;
      throw Err.tooMuchWeight(this.config.requestWeightPerMinute, (s.window + 1) * MINUTE);
    }
    return s.used;
  }

  /** Weight used by ip in the current minute (X-MBX-USED-WEIGHT-1M). */
  usedWeight(ip: string): number {
    return this.weightState(ip, this.now()).used;
  }

  /** Counts one new order for account or throws -1015; returns [count10s, countDay]. */
  chargeOrder(account: string): [number, number] {
    const t = this.now();
    const s = this.orderState(account, t);
    if (s.count10s >= this.config.ordersPer10s) {
      this.rejected429++;
      throw Err.tooManyOrders(this.config.ordersPer10s, "10 SECOND", (s.window10s + 1) * TEN_S);
    }
    if (s.countDay >= this.config.ordersPerDay) {
      this.rejected429++;
      throw Err.tooManyOrders(this.config.ordersPerDay, "1 DAY", (s.windowDay + 1) * DAY);
    }
    s.count10s++;
    s.countDay++;
    return [s.count10s, s.countDay];
  }

  /** Current order counts of account: [10 s, day]. */
  orderCounts(account: string): [number, number] {
    const s = this.orderState(account, this.now());
    return [s.count10s, s.countDay];
  }

  /** Lifts bans and clears counters (admin). */
  reset(): void {
    this.weights.clear();
    this.orders.clear();
  }

  /** exchangeInfo's rateLimits (no counts). */
  describe(): RateLimitEntry[] {
    return [
      {
        rateLimitType: "REQUEST_WEIGHT",
        interval: "MINUTE",
        intervalNum: 1,
        limit: this.config.requestWeightPerMinute,
      },
      { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: this.config.ordersPer10s },
      { rateLimitType: "ORDERS", interval: "DAY", intervalNum: 1, limit: this.config.ordersPerDay },
      { rateLimitType: "RAW_REQUESTS", interval: "MINUTE", intervalNum: 5, limit: 61000 },
    ];
  }

  /** WS API `rateLimits` of a response: weight always, orders when the request placed one. */
  wsApiStatus(ip: string, account: string | undefined): RateLimitEntry[] {
    const out: RateLimitEntry[] = [];
    if (account !== undefined) {
      const [c10, cDay] = this.orderCounts(account);
      out.push({
        rateLimitType: "ORDERS",
        interval: "SECOND",
        intervalNum: 10,
        limit: this.config.ordersPer10s,
        count: c10,
      });
      out.push({
        rateLimitType: "ORDERS",
        interval: "DAY",
        intervalNum: 1,
        limit: this.config.ordersPerDay,
        count: cDay,
      });
    }
    out.push({
      rateLimitType: "REQUEST_WEIGHT",
      interval: "MINUTE",
      intervalNum: 1,
      limit: this.config.requestWeightPerMinute,
      count: this.usedWeight(ip),
    });
    return out;
  }

  private weightState(ip: string, t: number): WeightState {
    const w = Math.floor(t / MINUTE);
    let s = this.weights.get(ip);
    if (s === undefined) {
      s = { window: w, used: 0, limitedInWindow: 0, bannedUntil: 0 };
      this.weights.set(ip, s);
    } else if (s.window !== w) {
      s.window = w;
      s.used = 0;
      s.limitedInWindow = 0;
    }
    return s;
  }

  private orderState(account: string, t: number): OrderState {
    const w10 = Math.floor(t / TEN_S);
    const wd = Math.floor(t / DAY);
    let s = this.orders.get(account);
    if (s === undefined) {
      s = { window10s: w10, count10s: 0, windowDay: wd, countDay: 0 };
      this.orders.set(account, s);
    }
    if (s.window10s !== w10) {
      s.window10s = w10;
      s.count10s = 0;
    }
    if (s.windowDay !== wd) {
      s.windowDay = wd;
      s.countDay = 0;
    }
    return s;
  }
}

/** True when err is a rate-limit refusal (429/418), whose body carries a retry time. */
export function isRateLimit(err: BinanceError): boolean {
  return err.http === 429 || err.http === 418;
}
