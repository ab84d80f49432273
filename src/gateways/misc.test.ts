import { describe, expect, test } from "bun:test";
import { LevelError, OrderBook } from "../book/index.ts";
import { Rng } from "../services/index.ts";
import { DecimalGrid, Side } from "../types/index.ts";
import { Backoff } from "./backoff.ts";
import { stageLevels } from "./levels.ts";
import { resolveUnknownOutcome } from "./unknown-outcome.ts";

describe("Backoff", () => {
  test("grows, is jittered within [d/2, d], caps and resets", () => {
    const seed = 7;
    const b = new Backoff(new Rng(seed), { baseMs: 100, maxMs: 1600, factor: 2 });
    const ds = Array.from({ length: 8 }, () => b.next());
    const raw = [100, 200, 400, 800, 1600, 1600, 1600, 1600];
    ds.forEach((d, i) => {
      const r = raw[i] ?? 0;
      expect(d >= r / 2 && d <= r, `seed ${seed}: delay ${i} = ${d}`).toBe(true);
    });
    b.reset();
    expect(b.next()).toBeLessThanOrEqual(100);
  });
});

describe("stageLevels", () => {
  const price = new DecimalGrid("0.01");
  const qty = new DecimalGrid("0.001");
  const bounds = { maxTicks: 1e12, maxLots: 1e12 };
  test("stages exact integers and refuses bad levels", () => {
    const book = new OrderBook({ maxLevels: 16 });
    try {
      book.beginUpdate();
      expect(
        stageLevels(
          book,
          Side.Buy,
          [
            ["100.01", "1.5"],
            ["99.00", "0"],
          ],
          price,
          qty,
          bounds,
        ),
      ).toBe(2);
      expect(stageLevels(book, Side.Sell, [["100.02", "0.001"]], price, qty, bounds)).toBe(1);
      expect(book.applyUpdate()).toBe(0);
      expect(book.bestBidTicks()).toBe(10001);
      expect(book.bestBidLots()).toBe(1500);
      expect(book.bestAskTicks()).toBe(10002);
      book.beginUpdate();
      expect(stageLevels(book, Side.Buy, "x", price, qty, bounds)).toBe(LevelError.NotArray);
      expect(stageLevels(book, Side.Buy, [["abc", "1"]], price, qty, bounds)).toBe(LevelError.Malformed);
      expect(stageLevels(book, Side.Buy, [["-1.00", "1"]], price, qty, bounds)).toBe(LevelError.Malformed);
      expect(stageLevels(book, Side.Buy, [["1.00", 1]], price, qty, bounds)).toBe(LevelError.Malformed);
      expect(stageLevels(book, Side.Buy, [["1.001", "1"]], price, qty, bounds)).toBe(LevelError.Malformed);
      expect(stageLevels(book, Side.Buy, [["1.00", "1e9999"]], price, qty, bounds)).toBe(LevelError.Malformed);
      expect(stageLevels(book, Side.Buy, [["1.00", "999999999999"]], price, qty, bounds)).toBe(LevelError.OutOfRange);
    } finally {
      book.close();
    }
  });
});

describe("resolveUnknownOutcome", () => {
  const sleep = async (_ms: number): Promise<void> => {};
  test("found on a later probe", async () => {
    let n = 0;
    const r = await resolveUnknownOutcome(
      async () => (++n < 3 ? { found: false } : { found: true, value: "id9" }),
      sleep,
    );
    expect(r).toEqual({ placed: true, value: "id9" });
    expect(n).toBe(3);
  });
  test("never found", async () => {
    const r = await resolveUnknownOutcome(async () => ({ found: false }), sleep, 3);
    expect(r).toEqual({ placed: false, attempts: 3 });
  });
  test("probe errors only: rethrows", async () => {
    await expect(
      resolveUnknownOutcome(
        async () => {
          throw new Error("down");
        },
        sleep,
        2,
      ),
    ).rejects.toThrow("down");
  });
});
