/**
 * REST rate-limit discipline against a tiny local mock: usage headers make the client throttle
 * before the limit, a 429 Retry-After is obeyed without touching the venue, a 418 stops everything,
 * and a 5xx surfaces as an unknown outcome.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitUntil } from "../../../test/support/wait.ts";
import { VenueBudget } from "../../gateways/index.ts";
import { Rng, SystemClock } from "../../services/index.ts";
import { VenueRejectError } from "../../types/index.ts";
import { resolveBinanceConfig } from "./config.ts";
import { UnknownOutcomeError } from "./errors.ts";
import { BinanceRest, ServerTime } from "./rest.ts";

let mode: "ok" | "heavy" | "429" | "418" | "503" = "ok";
let hits = 0;
let server: ReturnType<typeof Bun.serve>;

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      hits++;
      const path = new URL(req.url).pathname;
      if (path === "/api/v3/exchangeInfo") {
        return Response.json({
          rateLimits: [{ rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 6000 }],
          symbols: [],
        });
      }
      if (mode === "heavy") return Response.json({}, { headers: { "X-MBX-USED-WEIGHT-1M": "5990" } });
      if (mode === "429")
        return Response.json(
          { code: -1003, msg: "Too much request weight used" },
          { status: 429, headers: { "Retry-After": "30" } },
        );
      if (mode === "418")
        return Response.json(
          { code: -1003, msg: "Way too much request weight used; IP banned" },
          { status: 418, headers: { "Retry-After": "120" } },
        );
      if (mode === "503") return new Response("busy", { status: 503 });
      return Response.json({}, { headers: { "X-MBX-USED-WEIGHT-1M": "10" } });
    },
  });
});
afterAll(() => server.stop(true));

function client(maxThrottleWaitMs = 100): BinanceRest {
  const cfg = resolveBinanceConfig({
    name: "bn_rest",
    apiKey: "k",
    apiSecret: "s",
    restUrl: `http://127.0.0.1:${server.port}`,
    streamUrl: "ws://127.0.0.1:1",
    wsApiUrl: "ws://127.0.0.1:1/ws-api/v3",
    symbols: ["BTC-USDT"],
    clientIdPrefix: "r1",
    clock: new SystemClock(),
    rng: new Rng(1),
    timeouts: { maxThrottleWaitMs },
  });
  const time = new ServerTime(() => Date.now());
  return new BinanceRest(cfg, new VenueBudget(() => time.now()), time, (ms) => Bun.sleep(ms));
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe("BinanceRest rate limits", () => {
  test("usage headers near the limit: the next call is held back locally", async () => {
    const r = client();
    mode = "ok";
    await r.exchangeInfo();
    mode = "heavy";
    await r.call("GET", "/api/v3/ticker/bookTicker", {}, { weight: 2 });
    const before = hits;
    const e = await errorOf(r.call("GET", "/api/v3/ticker/bookTicker", {}, { weight: 2 }));
    expect(e instanceof VenueRejectError && e.reason === "rate_limited", String(e)).toBe(true);
    expect(hits).toBe(before); // never sent
  });

  test("a request withdrawn while it waits for budget (an order cancelled by a kill) ends at once, never sent", async () => {
    const r = client(120_000); // would wait up to the minute's end for the budget
    mode = "ok";
    await r.exchangeInfo();
    mode = "heavy";
    await r.call("GET", "/api/v3/ticker/bookTicker", {}, { weight: 2 });
    const before = hits;
    let wanted = true;
    let settled: unknown = "pending";
    const p = r.call("POST", "/api/v3/order", {}, { weight: 1, isOrder: true, abandoned: () => !wanted });
    p.then(
      () => {
        settled = "sent";
      },
      (e: unknown) => {
        settled = e;
      },
    );
    await waitUntil(() => r.counters.throttledWaits > 0, "the call to wait for budget");
    expect(settled).toBe("pending");
    wanted = false;
    await waitUntil(() => settled !== "pending", "the withdrawn call to end", 10_000);
    expect(settled instanceof VenueRejectError && settled.reason === "rate_limited", String(settled)).toBe(true);
    expect(String(settled)).toContain("withdrawn while waiting for rate-limit budget; never sent");
    expect(hits).toBe(before);
  });

  test("429 Retry-After is obeyed without touching the venue", async () => {
    const r = client();
    mode = "429";
    const e1 = await errorOf(r.call("GET", "/api/v3/depth", {}, { weight: 5 }));
    expect(e1 instanceof VenueRejectError && e1.reason === "rate_limited").toBe(true);
    const before = hits;
    mode = "ok";
    const e2 = await errorOf(r.call("GET", "/api/v3/depth", {}, { weight: 5 }));
    expect(e2 instanceof VenueRejectError && e2.reason === "rate_limited").toBe(true);
    expect(hits).toBe(before);
  });

  test("418 stops every request and reports banned", async () => {
    const r = client();
    mode = "418";
    const e1 = await errorOf(r.call("GET", "/api/v3/depth", {}, { weight: 5 }));
    expect(e1 instanceof VenueRejectError && e1.reason === "banned").toBe(true);
    const before = hits;
    mode = "ok";
    const e2 = await errorOf(r.call("POST", "/api/v3/order", {}, { weight: 1, signed: true, isOrder: true }));
    expect(e2 instanceof VenueRejectError && e2.reason === "banned").toBe(true);
    expect(hits).toBe(before);
  });

  test("5xx is an unknown outcome, not a rejection", async () => {
    const r = client();
    mode = "503";
    const e = await errorOf(r.call("POST", "/api/v3/order", {}, { weight: 1, signed: true, isOrder: true }));
    expect(e instanceof UnknownOutcomeError, String(e)).toBe(true);
  });
});
