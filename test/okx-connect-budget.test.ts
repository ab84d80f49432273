/**
 * An OKX adapter started while another client on the same IP has spent the instruments limit (HTTP 429,
 * 50011), against the OKX simulator on a virtual clock shared with the adapter: connect() waits the
 * window out and asks again instead of failing, logged and counted once, and close() ends that wait at
 * once. Virtual time moves only when the test moves it, so "at once" means: with the clock standing still.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createLogger, Rng, VirtualClock } from "../src/services/index.ts";
import { type RunningOkxSim, startOkxSim } from "../src/sim/okx/index.ts";
import { createOkxAdapter, type OkxAdapter } from "../src/venues/okx/index.ts";
import { waitUntil, watch } from "./support/wait.ts";

const SEED = "okx-connect-budget";

let sim: RunningOkxSim | undefined;
let adapter: OkxAdapter | undefined;

afterEach(async () => {
  await adapter?.close();
  await sim?.close();
  adapter = undefined;
  sim = undefined;
});

/** A quiet OKX simulator whose instruments limit (2 per 2 s here) another client has just used up. */
async function spentVenue(clock: VirtualClock): Promise<RunningOkxSim> {
  const s = await startOkxSim({ seed: SEED, clock, agents: false });
  sim = s;
  s.admin.setRateLimit("instruments", 2, 2000);
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${s.restUrl}/api/v5/public/instruments?instType=SPOT`);
    if (!res.ok) throw new Error(`spending the limit: HTTP ${res.status}`);
  }
  return s;
}

function okx(s: RunningOkxSim, clock: VirtualClock, lines: string[]): OkxAdapter {
  const a = createOkxAdapter({
    name: "okx_budget",
    restUrl: s.restUrl,
    wsPublicUrl: s.wsPublicUrl,
    wsPrivateUrl: s.wsPrivateUrl,
    apiKey: s.apiKey,
    secret: s.apiSecret,
    passphrase: s.passphrase,
    clientIdPrefix: "o1",
    clock,
    rng: new Rng(SEED),
    log: createLogger({ level: "warn", write: (line) => lines.push(line) }),
  });
  adapter = a;
  return a;
}

const waits = (a: OkxAdapter): number => a.stats()["budget_offPathWaits"] ?? 0;

describe("OKX connect with the instruments limit spent", () => {
  test("connect() waits the window out and asks again (logged once, counted), then completes", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const s = await spentVenue(clock);
    const lines: string[] = [];
    const a = okx(s, clock, lines);
    const o = watch(a.connect());
    const ctx = (): string =>
      `seed ${SEED}; connect ${o.state} ${String(o.error ?? "")}; stats ${JSON.stringify(a.stats())}`;
    await waitUntil(() => waits(a) === 1 || o.state !== "pending", "connect to wait out the limit", undefined, ctx);
    expect(o.state, ctx()).toBe("pending");
    expect(s.admin.counters().queriesRateLimited).toBe(1);
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("okx_budget: connect: GET /api/v5/public/instruments?instType=SPOT refused");
    clock.advance(2000);
    await waitUntil(() => o.state !== "pending", "connect to finish after the window", undefined, ctx);
    expect(o.state, ctx()).toBe("settled");
    expect(a.instruments().has("BTC-USDT")).toBe(true);
    expect(waits(a)).toBe(1);
    expect(lines.length).toBe(1);
  }, 60_000);

  test("close() during the wait ends connect() at once, with an error naming the wait", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const s = await spentVenue(clock);
    const a = okx(s, clock, []);
    const o = watch(a.connect());
    const ctx = (): string =>
      `seed ${SEED}; connect ${o.state} ${String(o.error ?? "")}; stats ${JSON.stringify(a.stats())}`;
    await waitUntil(() => waits(a) === 1 || o.state !== "pending", "connect to wait out the limit", undefined, ctx);
    expect(o.state, ctx()).toBe("pending");
    await a.close();
    await waitUntil(() => o.state !== "pending", "connect to end with the clock standing still", undefined, ctx);
    expect(o.state).toBe("failed");
    expect(String(o.error)).toContain(
      "okx okx_budget: closed while connect: GET /api/v5/public/instruments?instType=SPOT waited for the rate limit",
    );
    expect(s.admin.counters().queriesRateLimited).toBe(1);
  }, 60_000);
});
