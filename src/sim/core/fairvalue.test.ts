/**
 * Several venues on one fair value: the shared path is a pure function of its seed, cores that share
 * it quote around it (with their lag and noise), and venue noise opens real cross-venue gaps.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../services/index.ts";
import { DEFAULT_SYMBOLS, SharedFairValue, SimCore, type SymbolSpec } from "./index.ts";

const BTC: SymbolSpec[] = DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT");

interface Venue {
  lagMs?: number;
  noiseBps?: number;
  seed: string;
}

/** Book tops of every venue and the shared value (read while still in its history) at one time. */
interface Sample {
  t: number;
  fv: number;
  tops: { bid: number; ask: number }[];
}

/** Two or more cores on one shared value, sampled every sampleMs for durationMs of virtual time. */
function run(
  seed: string,
  venues: Venue[],
  durationMs: number,
  sampleMs: number,
): { cores: SimCore[]; samples: Sample[] } {
  const clock = new VirtualClock();
  const shared = new SharedFairValue({ clock, seed, symbols: BTC });
  const cores = venues.map(
    (v) =>
      new SimCore({
        clock,
        seed: v.seed,
        symbols: BTC,
        fairValue: {
          shared,
          ...(v.lagMs !== undefined ? { lagMs: v.lagMs } : {}),
          ...(v.noiseBps !== undefined ? { noiseBps: v.noiseBps } : {}),
        },
      }),
  );
  for (const c of cores) c.start();
  const samples: Sample[] = [];
  for (let t = sampleMs; t <= durationMs; t += sampleMs) {
    clock.advance(sampleMs);
    samples.push({
      t: clock.nowMs(),
      fv: shared.valueNow("BTCUSDT") ?? 0,
      tops: cores.map((c) => {
        const top = c.bookTop("BTCUSDT");
        return { bid: top?.bidTicks ?? 0, ask: top?.askTicks ?? 0 };
      }),
    });
  }
  for (const c of cores) c.stop();
  return { cores, samples };
}

describe("SharedFairValue", () => {
  test("the path depends only on seed and time, not on how often or in which order it is read", () => {
    const seed = "sfv-path-1";
    const clockA = new VirtualClock();
    const clockB = new VirtualClock();
    const a = new SharedFairValue({ clock: clockA, seed, symbols: DEFAULT_SYMBOLS });
    const b = new SharedFairValue({ clock: clockB, seed, symbols: DEFAULT_SYMBOLS });
    const t0 = clockA.nowMs();
    const start = a.valueAt("BTCUSDT", t0) ?? 0;
    // a is read densely, b only at the end (and in reverse symbol order).
    for (let t = 0; t <= 30_000; t += 17) a.valueAt("BTCUSDT", t0 + t);
    const times = [29_000, 29_500.5, 30_000];
    const names = ["SOLUSDT", "ETHUSDT", "BTCUSDT"];
    for (const n of names) for (const t of times) b.valueAt(n, t0 + t);
    for (const n of names)
      for (const t of times) expect(a.valueAt(n, t0 + t), `seed ${seed}: ${n} at +${t}`).toBe(b.valueAt(n, t0 + t));
    expect(start, `seed ${seed}: starts at the initial mid`).toBe(6_000_000);
    expect(a.valueAt("BTCUSDT", t0 + 30_000), `seed ${seed}: the value moves`).not.toBe(start);
    const other = new SharedFairValue({ clock: new VirtualClock(), seed: "sfv-path-2", symbols: DEFAULT_SYMBOLS });
    expect(other.valueAt("BTCUSDT", t0 + 30_000), "seeds sfv-path-1 vs sfv-path-2").not.toBe(
      a.valueAt("BTCUSDT", t0 + 30_000),
    );
    expect(a.valueAt("NOPEUSDT", t0), "unknown symbol").toBeUndefined();
  });

  test("values between grid points are interpolated; times before the history are the oldest value kept", () => {
    const clock = new VirtualClock();
    const f = new SharedFairValue({ clock, seed: "sfv-grid", symbols: BTC, stepMs: 100, historyMs: 1000 });
    const t0 = f.startMs;
    const v1 = f.valueAt("BTCUSDT", t0 + 100) ?? 0;
    const v2 = f.valueAt("BTCUSDT", t0 + 200) ?? 0;
    expect(f.valueAt("BTCUSDT", t0 + 150), "seed sfv-grid: midpoint").toBeCloseTo((v1 + v2) / 2, 6);
    f.valueAt("BTCUSDT", t0 + 60_000);
    const oldest = f.valueAt("BTCUSDT", t0 + 60_000 - 1200);
    expect(f.valueAt("BTCUSDT", t0), "seed sfv-grid: beyond history → oldest kept").toBe(oldest);
  });

  test("bad options and mismatched symbols give errors naming the field", () => {
    const clock = new VirtualClock();
    expect(() => new SharedFairValue({ clock, seed: 1, symbols: [] })).toThrow(/symbols/);
    expect(() => new SharedFairValue({ clock, seed: 1, symbols: BTC, speed: 0 })).toThrow(/speed/);
    const shared = new SharedFairValue({ clock, seed: 1, symbols: BTC, historyMs: 5000 });
    expect(() => new SimCore({ clock, seed: 1, symbols: BTC, fairValue: { shared, lagMs: 6000 } })).toThrow(
      /fairValue\.lagMs/,
    );
    expect(() => new SimCore({ clock, seed: 1, symbols: BTC, fairValue: { shared, noiseBps: -1 } })).toThrow(
      /fairValue\.noiseBps/,
    );
    expect(() => new SimCore({ clock, seed: 1, fairValue: { shared } })).toThrow(/ETHUSDT is not in the shared/);
    expect(() => shared.ticksPer("BTCUSDT", "0.1x")).toThrow(/0\.1x/);
  });

  test("ticksPer converts the shared ticks to another grid exactly, and is exactly 1 on the same grid", () => {
    const shared = new SharedFairValue({ clock: new VirtualClock(), seed: "sfv-ticks", symbols: BTC });
    expect(shared.ticksPer("BTCUSDT", "0.01"), "seed sfv-ticks: same grid").toBe(1);
    expect(shared.ticksPer("BTCUSDT", "0.010"), "seed sfv-ticks: same grid, trailing zero").toBe(1);
    expect(shared.ticksPer("BTCUSDT", "0.1"), "seed sfv-ticks: coarser grid").toBe(0.1);
    expect(shared.ticksPer("BTCUSDT", "0.001"), "seed sfv-ticks: finer grid").toBe(10);
    expect(shared.ticksPer("BTCUSDT", "0.05"), "seed sfv-ticks: 5-unit grid").toBe(0.2);
    expect(shared.ticksPer("NOPEUSDT", "0.01"), "seed sfv-ticks: unknown symbol").toBeUndefined();
  });
});

describe("cores on different tick grids", () => {
  test("a 0.01-tick core and a 0.1-tick core on one shared value both quote around it in their own ticks", () => {
    const seed = "multi-grid-1";
    const clock = new VirtualClock();
    const shared = new SharedFairValue({ clock, seed, symbols: BTC });
    const coarse: SymbolSpec[] = [{ ...(BTC[0] as SymbolSpec), tickSize: "0.1", minPrice: "0.1", initialMid: "60000" }];
    const fine = new SimCore({ clock, seed: `${seed}/fine`, symbols: BTC, fairValue: { shared, noiseBps: 0 } });
    const wide = new SimCore({ clock, seed: `${seed}/wide`, symbols: coarse, fairValue: { shared, noiseBps: 0 } });
    fine.start();
    wide.start();
    let moved = 0;
    const first = shared.valueNow("BTCUSDT") ?? 0;
    try {
      for (let i = 0; i < 60; i++) {
        clock.advance(1000);
        const fvPrice = (shared.valueNow("BTCUSDT") ?? 0) * 0.01;
        moved = Math.max(moved, Math.abs(fvPrice - first * 0.01));
        const f = fine.bookTop("BTCUSDT");
        const w = wide.bookTop("BTCUSDT");
        const fMid = (((f?.bidTicks ?? 0) + (f?.askTicks ?? 0)) / 2) * 0.01;
        const wMid = (((w?.bidTicks ?? 0) + (w?.askTicks ?? 0)) / 2) * 0.1;
        // Within a few of each venue's own ticks of the shared value, in price units.
        expect(Math.abs(fMid - fvPrice), `seed ${seed}: 0.01-tick mid ${fMid} vs ${fvPrice} at ${i}s`).toBeLessThan(
          0.2,
        );
        expect(Math.abs(wMid - fvPrice), `seed ${seed}: 0.1-tick mid ${wMid} vs ${fvPrice} at ${i}s`).toBeLessThan(2);
      }
    } finally {
      fine.stop();
      wide.stop();
    }
    expect(
      moved,
      `seed ${seed}: the shared value moves by more than the coarse venue's tracking error`,
    ).toBeGreaterThan(2);
  });
});

describe("cores on a shared fair value", () => {
  test("two venues without noise both quote within a few ticks of the shared value while it moves", () => {
    const seed = "multi-track-1";
    const { samples } = run(seed, [{ seed: `${seed}/a` }, { seed: `${seed}/b` }], 60_000, 1000);
    let lo = Number.POSITIVE_INFINITY;
    let hi = 0;
    for (const s of samples) {
      const fv = s.fv;
      lo = Math.min(lo, fv);
      hi = Math.max(hi, fv);
      for (const [i, top] of s.tops.entries()) {
        expect(
          Math.abs((top.bid + top.ask) / 2 - fv),
          `seed ${seed}: venue ${i} mid vs fair value at ${s.t}`,
        ).toBeLessThan(10);
      }
    }
    expect(hi - lo, `seed ${seed}: the shared value moved by more than the tolerance`).toBeGreaterThan(100);
  });

  test("noise keeps each venue near the shared value (a few sd), but their mids differ", () => {
    const seed = "multi-noise-1";
    const noiseBps = 5;
    const { samples } = run(
      seed,
      [
        { seed: `${seed}/a`, noiseBps },
        { seed: `${seed}/b`, noiseBps },
      ],
      60_000,
      500,
    );
    let differ = 0;
    for (const s of samples) {
      const fv = s.fv;
      const mids = s.tops.map((t) => (t.bid + t.ask) / 2);
      for (const [i, m] of mids.entries()) {
        const bps = (Math.abs(m - fv) / fv) * 10_000;
        expect(bps, `seed ${seed}: venue ${i} deviation at ${s.t}`).toBeLessThan(5 * noiseBps);
      }
      if (Math.abs((mids[0] ?? 0) - (mids[1] ?? 0)) > 50) differ++;
    }
    expect(differ, `seed ${seed}: venue mids differ by > 50 ticks in most samples`).toBeGreaterThan(samples.length / 2);
  });

  test("a lagged venue follows the shared value with its lag", () => {
    const seed = "multi-lag-1";
    const lagMs = 2000;
    const { samples } = run(seed, [{ seed: `${seed}/a` }, { seed: `${seed}/b`, lagMs }], 60_000, 200);
    let errLagged = 0;
    let errNow = 0;
    let errLeader = 0;
    const byTime = new Map(samples.map((s) => [s.t, s]));
    let n = 0;
    for (const s of samples) {
      const earlier = byTime.get(s.t - lagMs);
      if (earlier === undefined) continue;
      const m = ((s.tops[1]?.bid ?? 0) + (s.tops[1]?.ask ?? 0)) / 2;
      const leaderThen = ((earlier.tops[0]?.bid ?? 0) + (earlier.tops[0]?.ask ?? 0)) / 2;
      errLagged += Math.abs(m - earlier.fv);
      errNow += Math.abs(m - s.fv);
      errLeader += Math.abs(m - leaderThen);
      n++;
    }
    expect(n, `seed ${seed}: samples compared`).toBeGreaterThan(200);
    expect(errLagged / n, `seed ${seed}: mean |lagged mid - value lagMs ago| in ticks`).toBeLessThan(10);
    expect(errLeader / n, `seed ${seed}: mean |lagged mid - leader's mid lagMs ago| in ticks`).toBeLessThan(15);
    expect(errNow / n, `seed ${seed}: the lagged venue is far from the current value`).toBeGreaterThan(
      3 * (errLagged / n) + 5,
    );
  });

  test("venue noise opens cross-venue opportunities net of fees; without noise there are none", () => {
    const seed = "multi-cross-1";
    const feeA = 0.0002; // taker rates of the two venues
    const feeB = 0.0003;
    /** Samples where one venue's bid beats the other's ask after both taker fees. */
    const crossings = (noiseBps: number): number => {
      const { samples } = run(
        seed,
        [
          { seed: `${seed}/a`, noiseBps },
          { seed: `${seed}/b`, noiseBps },
        ],
        60_000,
        500,
      );
      let n = 0;
      for (const s of samples) {
        const [a, b] = s.tops;
        if (a === undefined || b === undefined) continue;
        if (a.bid * (1 - feeA) > b.ask * (1 + feeB) || b.bid * (1 - feeB) > a.ask * (1 + feeA)) n++;
      }
      return n;
    };
    const withNoise = crossings(10);
    expect(withNoise, `seed ${seed}: noise 10 bps gives crossings`).toBeGreaterThan(5);
    expect(crossings(0), `seed ${seed}: no noise, no lag → no crossing`).toBe(0);
  });

  test("same seeds give the same run; another venue seed gives another", () => {
    const seed = "multi-det-1";
    const hashes = (venueSeed: string): string[] =>
      run(
        seed,
        [
          { seed: `${venueSeed}/a`, noiseBps: 5 },
          { seed: `${venueSeed}/b`, noiseBps: 5, lagMs: 500 },
        ],
        20_000,
        1000,
      ).cores.map((c) => c.eventLogHash());
    const first = hashes(seed);
    expect(hashes(seed), `seed ${seed}: replay`).toEqual(first);
    const other = hashes(`${seed}-x`);
    expect(other[0], `seed ${seed}: other venue seed`).not.toBe(first[0]);
    expect(other[1], `seed ${seed}: other venue seed`).not.toBe(first[1]);
  });
});
