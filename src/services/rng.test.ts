import { describe, expect, test } from "bun:test";
import { Rng } from "./rng.ts";

describe("Rng", () => {
  test("same seed gives the same stream; different seeds differ", () => {
    const a = new Rng("seed-1");
    const b = new Rng("seed-1");
    const c = new Rng("seed-2");
    const sa = Array.from({ length: 64 }, () => a.nextU32());
    const sb = Array.from({ length: 64 }, () => b.nextU32());
    const sc = Array.from({ length: 64 }, () => c.nextU32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  test("draws stay in range and are roughly uniform and normal", () => {
    const rng = new Rng(7);
    const buckets = new Array<number>(10).fill(0);
    let sum = 0;
    let sumSq = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      buckets[Math.floor(x * 10)]!++;
      const r = rng.range(3, 5);
      expect(r >= 3 && r <= 5 && Number.isInteger(r)).toBe(true);
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
    }
    for (const b of buckets) expect(Math.abs(b - n / 10)).toBeLessThan(n / 100);
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.03);
  });

  test("forks are independent of each other and reproducible", () => {
    const base = new Rng("root");
    const f1 = base.fork("agents").nextU32();
    const f2 = base.fork("takers").nextU32();
    expect(new Rng("root").fork("agents").nextU32()).toBe(f1);
    expect(f1).not.toBe(f2);
    expect(() => base.pick([])).toThrow();
    expect(base.exponential(2)).toBeGreaterThan(0);
  });
});
