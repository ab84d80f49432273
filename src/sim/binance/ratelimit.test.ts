import { describe, expect, test } from "bun:test";
import { BinanceError } from "./errors.ts";
import { DEFAULT_RATE_LIMITS, RateLimiter } from "./ratelimit.ts";

/** The refusal a call throws (fails the test when it does not throw). */
function refusal(f: () => unknown): BinanceError {
  try {
    f();
  } catch (e) {
    if (e instanceof BinanceError) return e;
    throw e;
  }
  throw new Error("expected a BinanceError");
}

describe("RateLimiter", () => {
  test("weight: fixed minute windows, 429 then 418 ban that lasts banMs", () => {
    let now = 1_699_999_980_000; // a minute boundary
    const rl = new RateLimiter(() => now, { ...DEFAULT_RATE_LIMITS, requestWeightPerMinute: 10, banMs: 120_000 });
    expect(rl.chargeWeight("ip", 4)).toBe(4);
    expect(rl.chargeWeight("ip", 6)).toBe(10);
    now += 30_000;
    const e429 = refusal(() => rl.chargeWeight("ip", 1));
    expect([e429.http, e429.code, e429.retryAfterMs]).toEqual([429, -1003, 1_700_000_040_000]);
    const e418 = refusal(() => rl.chargeWeight("ip", 1));
    expect([e418.http, e418.retryAfterMs]).toEqual([418, now + 120_000]);
    now += 60_000; // new window, still banned
    expect(refusal(() => rl.chargeWeight("ip", 1)).http).toBe(418);
    expect(rl.chargeWeight("other-ip", 1)).toBe(1);
    now += 61_000; // ban over
    expect(rl.chargeWeight("ip", 1)).toBe(1);
    expect(rl.rejected429).toBe(1);
    expect(rl.rejected418).toBe(2);
  });

  test("orders: 10 s and day windows per account, -1015 without a ban", () => {
    let now = 1_700_000_000_000;
    const rl = new RateLimiter(() => now, { ...DEFAULT_RATE_LIMITS, ordersPer10s: 2, ordersPerDay: 3 });
    expect(rl.chargeOrder("a")).toEqual([1, 1]);
    expect(rl.chargeOrder("a")).toEqual([2, 2]);
    const e = refusal(() => rl.chargeOrder("a"));
    expect([e.http, e.code, e.msg]).toEqual([
      429,
      -1015,
      "Too many new orders; current limit is 2 orders per 10 SECOND.",
    ]);
    expect(rl.chargeOrder("b")).toEqual([1, 1]);
    now += 10_000;
    expect(rl.chargeOrder("a")).toEqual([1, 3]);
    now += 10_000;
    expect(refusal(() => rl.chargeOrder("a")).msg).toContain("per 1 DAY");
    expect(rl.orderCounts("a")).toEqual([0, 3]);
  });

  test("WS API rateLimits lists ORDERS only for order requests", () => {
    const rl = new RateLimiter(() => 1_700_000_000_000);
    rl.chargeWeight("ip", 3);
    expect(rl.wsApiStatus("ip", undefined)).toEqual([
      { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 6000, count: 3 },
    ]);
    expect(rl.wsApiStatus("ip", "acct").map((l) => l.rateLimitType)).toEqual(["ORDERS", "ORDERS", "REQUEST_WEIGHT"]);
  });
});
