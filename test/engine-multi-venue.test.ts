/**
 * `bun src/main.ts --config config/multi-venue.yaml` as a user runs it: one simulator child serving a
 * Binance-protocol and an OKX-protocol venue on one fair value, the Binance and OKX adapters on them,
 * both books live and quotes resting on both venues, then Ctrl-C (SIGINT) → exit 0, nothing left open.
 */
import { expect, test } from "bun:test";
import { startEngineProcess } from "./support/engine-process.ts";

test("multi-venue config: live books and resting quotes on both venues, SIGINT exits 0 with no open order", async () => {
  const seed = "multi-e2e-1";
  const e = startEngineProcess(["--config", "config/multi-venue.yaml"], { HFT_SIM_SEED: seed });
  try {
    expect(
      await e.until(/simulator started as child process \d+ venues="bin\(binance\) [^,]+, okx\(okx\)/, 90_000),
      `seed ${seed}: ${e.out()}`,
    ).toBe(true);
    expect(await e.until(/venue bin connected kind=binance/, 30_000), `seed ${seed}: ${e.out()}`).toBe(true);
    expect(await e.until(/venue okx connected kind=okx/, 30_000), `seed ${seed}: ${e.out()}`).toBe(true);
    expect(await e.until(/book bin BTC-USDT live/, 30_000), `seed ${seed}: ${e.out()}`).toBe(true);
    expect(await e.until(/book okx BTC-USDT live/, 30_000), `seed ${seed}: ${e.out()}`).toBe(true);
    expect(await e.until(/quoting started/, 30_000), `seed ${seed}: ${e.out()}`).toBe(true);
    // one status line showing a bid and an ask resting on each venue at the same time
    const bothResting =
      /status: bin BTC-USDT live \S+ resting [1-9]\d*b\/[1-9]\d*a [^|]*\| okx BTC-USDT live \S+ resting [1-9]\d*b\/[1-9]\d*a/;
    expect(await e.until(bothResting, 60_000), `seed ${seed}: quotes resting on both venues\n${e.out()}`).toBe(true);
    // the two venues follow one fair value: their mids within 0.1 % of each other
    const m = /status: bin BTC-USDT live ([\d.]+)\/([\d.]+) .*\| okx BTC-USDT live ([\d.]+)\/([\d.]+)/.exec(e.out());
    const binMid = (Number(m?.[1]) + Number(m?.[2])) / 2;
    const okxMid = (Number(m?.[3]) + Number(m?.[4])) / 2;
    expect(Math.abs(binMid - okxMid) / binMid, `seed ${seed}: mids ${binMid} vs ${okxMid}`).toBeLessThan(0.001);
    const { code, errors, out } = await e.interrupt();
    expect({ seed, code, errors }).toEqual({ seed, code: 0, errors: [] });
    expect(out).toContain("shutdown complete: no open orders left");
    expect(out).toMatch(/engine stopped reason=SIGINT openOrders=0 inFlight=0 venueOpenOrders=0/);
  } finally {
    e.kill();
  }
}, 240_000);
