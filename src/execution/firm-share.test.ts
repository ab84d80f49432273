import { describe, expect, test } from "bun:test";
import { flush, looseLimits, makeDesk } from "../../test/support/fake-venue.ts";
import { Side } from "../types/index.ts";
import type { FirmShareCell } from "./firm-share.ts";
import { moneyOrThrow } from "./money.ts";

const parseMoney = (s: string): bigint => moneyOrThrow(s, "test");

// BTC-USDT: tick 0.01, step 0.00001 (1 lot = 0.00001 BTC); the desk's mid is 50000.00.
const MID = 5_000_000;

/** A desk's cell as the lease holder keeps it: mutable, versioned, valid until a monotonic moment. */
class Cell implements FirmShareCell {
  positionBase: bigint | undefined;
  notional: bigint | undefined;
  version = 0;
  validUntilNs = Number.MAX_SAFE_INTEGER;
  readonly demands: [bigint, bigint][] = [];
  refused(base: bigint, notional: bigint): void {
    this.demands.push([base, notional]);
  }
  set(base: string | undefined, notional?: string): void {
    this.positionBase = base === undefined ? undefined : parseMoney(base);
    this.notional = notional === undefined ? undefined : parseMoney(notional);
    this.version++;
  }
}

function deskWithShareCell(desk: ReturnType<typeof makeDesk>["desk"]): { cell: Cell } {
  const cell = cells.get(desk);
  if (cell === undefined) throw new Error("no cell");
  return { cell };
}

const cells = new Map<unknown, Cell>();

function deskWithShare(base: string | undefined, notional?: string) {
  const { desk, clock, venue } = makeDesk({ limits: looseLimits() });
  const cell = new Cell();
  cell.set(base, notional);
  desk.risk.setFirmShares({ cellOf: (s) => (s === "BTC-USDT" ? cell : undefined) });
  cells.set(desk, cell);
  return { desk, clock, cell, venue };
}

describe("risk gate: this engine's share of a firm-wide limit", () => {
  test("worst-case exposure up to the share passes, one lot more is refused as firm_share", async () => {
    const { desk } = deskWithShare("0.001"); // 100 lots
    expect(typeof desk.submit("fake", "BTC-USDT", Side.Buy, MID - 100, 60)).toBe("object");
    await flush();
    // live buys count as filled: 60 + 40 = 100 is the share exactly
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID - 100, 41)).toBe("firm_share");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID - 100, 40)).toBeUndefined();
    // the other side is measured on its own
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Sell, MID + 100, 100)).toBeUndefined();
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Sell, MID + 100, 101)).toBe("firm_share");
    expect(desk.risk.stats.rejections.firm_share).toBe(2);
    // the desk hears what the refused orders wanted, so it can raise the ceiling or ask for more
    const { cell } = deskWithShareCell(desk);
    expect(cell.demands).toEqual([
      [parseMoney("0.00101"), parseMoney("50.5")],
      [parseMoney("0.00101"), parseMoney("50.5")],
    ]);
    expect(desk.risk.firmExposure("BTC-USDT")).toEqual({ base: parseMoney("0.0006"), notional: parseMoney("30") });
  });

  test("a dry check (keep-warm) is refused alike but asks the desk for nothing", () => {
    const { desk, cell } = deskWithShare("0.001");
    expect(desk.risk.dryCheckOrder("fake", "BTC-USDT", Side.Buy, MID, 101)).toBe("firm_share");
    expect(cell.demands).toEqual([]);
    expect(desk.risk.stats.rejections.firm_share).toBe(0);
  });

  test("a change of the share applies to the next order; the notional share is valued at the mid", () => {
    const { desk, cell } = deskWithShare("0.001", "25"); // 25 USDT at 50000 = 50 lots
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 50)).toBeUndefined();
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 51)).toBe("firm_share");
    cell.set("0.0002"); // 20 lots, no notional share
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 21)).toBe("firm_share");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 20)).toBeUndefined();
  });

  test("past the lease nothing adds risk, but an order reducing the position passes", async () => {
    const { desk, clock, cell, venue } = deskWithShare("0.001");
    const o = desk.submit("fake", "BTC-USDT", Side.Buy, MID, 30);
    if (typeof o === "string") throw new Error(o);
    await flush();
    venue.fill(o.clientId, 30);
    await flush();
    expect(desk.risk.firmExposure("BTC-USDT").base).toBe(parseMoney("0.0003"));
    cell.validUntilNs = clock.monoNs() + 1_000_000;
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBeUndefined();
    clock.advance(1);
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 1)).toBe("firm_share");
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Sell, MID, 30)).toBeUndefined(); // back to flat
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Sell, MID, 31)).toBe("firm_share"); // one lot short
  });

  test("a symbol without a firm limit is not limited by it", () => {
    const { desk } = deskWithShare(undefined);
    expect(desk.risk.checkOrder("fake", "BTC-USDT", Side.Buy, MID, 10_000)).toBeUndefined();
  });
});
