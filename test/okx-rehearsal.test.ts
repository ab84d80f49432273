/**
 * The OKX adapter's keep-warm rehearsal against the OKX simulator: rehearse() decodes the last books
 * update into a scratch book and encodes a sample order, and in all that sends nothing, moves no
 * counter, changes no book and leaves no order on the venue.
 */
import { expect, test } from "bun:test";
import { SystemClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { startOkxSim } from "../src/sim/okx/index.ts";
import { type Lots, Side, type Ticks } from "../src/types/index.ts";
import { createOkxAdapter } from "../src/venues/okx/index.ts";
import { eventually } from "./support/wait.ts";

test("rehearse() sends nothing and changes nothing: book, adapter counters, venue counters, open orders", async () => {
  const seed = "okx-rehearsal";
  const sim = await startOkxSim({ seed, speed: 4 });
  const a = createOkxAdapter({
    name: "okx",
    apiKey: sim.apiKey,
    secret: sim.apiSecret,
    passphrase: sim.passphrase,
    restUrl: sim.restUrl,
    wsPublicUrl: sim.wsPublicUrl,
    wsPrivateUrl: sim.wsPrivateUrl,
    clientIdPrefix: "rh1",
    clock: new SystemClock(),
    rng: new Rng(seed),
  });
  try {
    await a.connect();
    await a.subscribeQuotes(["BTC-USDT"]);
    await eventually(() => (a.stats?.()["bookFrames"] ?? 0) >= 5);
    expect(a.stats?.()["bookFrames"] ?? 0, `seed ${seed}`).toBeGreaterThanOrEqual(5);
    sim.pauseMarket(true);
    await Bun.sleep(500); // updates already on the way are applied
    const book = a.book("BTC-USDT");
    if (book === undefined) throw new Error("no book");
    const top = (): string => {
      const t = new Float64Array(40);
      const l = new Float64Array(40);
      const n = book.topLevels(Side.Buy, 20, t, l);
      const m = book.topLevels(Side.Sell, 20, t.subarray(20), l.subarray(20));
      return `${n}/${m} ${t.join(",")} ${l.join(",")}`;
    };
    const state = () => ({ stats: a.stats?.(), venue: sim.admin.counters(), updates: book.updateCount(), top: top() });
    const before = state();
    const bid = book.bestBidTicks();
    for (let i = 0; i < 200; i++) {
      a.rehearse?.({
        clientId: "rh1-warm",
        symbol: "BTC-USDT",
        side: Side.Buy,
        type: "limit_maker",
        tif: "GTC",
        priceTicks: (bid - 50) as Ticks,
        lots: 100_000 as Lots,
      });
    }
    a.rehearse?.({
      clientId: "not-ours",
      symbol: "NOPE-USDT",
      side: Side.Sell,
      type: "limit",
      tif: "GTC",
      priceTicks: Number.NaN as Ticks,
      lots: -1 as Lots,
    });
    a.rehearse?.();
    await Bun.sleep(300);
    // the venue's pushes stop with the market paused, but keepalives may still arrive: compare what they do not touch
    const after = state();
    const strip = (s: ReturnType<typeof state>) => ({
      ...s,
      stats: { ...s.stats, keepalives: 0 },
      venue: { ...s.venue, booksSent: 0 },
    });
    expect({ seed, ...strip(after) }).toEqual({ seed, ...strip(before) });
    expect(await a.openOrders("BTC-USDT")).toEqual([]);
  } finally {
    await a.close();
    await sim.close();
  }
}, 30_000);
