import { describe, expect, test } from "bun:test";
import { testInstrument } from "../../test/support/fake-venue.ts";
import { Rng } from "../services/index.ts";
import { DecimalGrid, Side } from "../types/index.ts";
import { Balances } from "./balances.ts";
import { formatMoney, parseMoney } from "./money.ts";
import type { FillEvent } from "./order-manager.ts";
import { Positions } from "./positions.ts";
import { Registry } from "./registry.ts";

/** Naive decimal → 10^-18 units, written independently of money.ts (no exponents, no checks). */
function naive18(s: string): bigint {
  const neg = s.startsWith("-");
  const [i = "0", f = ""] = (neg ? s.slice(1) : s).split(".");
  const v = BigInt(i) * 10n ** 18n + BigInt((f + "0".repeat(18)).slice(0, 18));
  return neg ? -v : v;
}
const E18 = 10n ** 18n;

interface NaiveFill {
  side: Side;
  qty: string; // one lot's decimal, repeated `lots` times
  lots: number;
  price: string;
  fee: string;
  feeAsset: string;
}

/** Reference model: one queue entry per lot, everything from decimal strings. */
function naiveModel(fills: NaiveFill[], lot: string, bid: string, ask: string, bnbRate: string) {
  const queue: { sign: number; price: bigint }[] = [];
  let realized = 0n;
  let fees = 0n;
  const bal = new Map<string, bigint>();
  const add = (a: string, v: bigint) => bal.set(a, (bal.get(a) ?? 0n) + v);
  const lot18 = naive18(lot);
  for (const f of fills) {
    const p = naive18(f.price);
    const sign = f.side === Side.Buy ? 1 : -1;
    for (let i = 0; i < f.lots; i++) {
      const head = queue[0];
      if (head !== undefined && head.sign !== sign) {
        queue.shift();
        realized += ((head.sign === 1 ? p - head.price : head.price - p) * lot18) / E18;
      } else {
        queue.push({ sign, price: p });
      }
      add("BTC", BigInt(sign) * lot18);
      add("USDT", (-BigInt(sign) * p * lot18) / E18);
    }
    const fee = naive18(f.fee);
    add(f.feeAsset, -fee);
    if (f.feeAsset === "USDT") fees += fee;
    else if (f.feeAsset === "BTC") fees += (fee * p) / E18;
    else fees += (fee * naive18(bnbRate)) / E18;
  }
  const mid = (naive18(bid) + naive18(ask)) / 2n;
  let unrealized = 0n;
  let lots = 0;
  for (const e of queue) {
    unrealized += ((e.sign === 1 ? mid - e.price : e.price - mid) * lot18) / E18;
    lots += e.sign;
  }
  return { realized, unrealized, fees, lots, bal };
}

function fee8(rng: Rng): string {
  return `0.${String(rng.int(100_000_000)).padStart(8, "0")}`;
}

describe("positions and PnL", () => {
  test("exact against a naive per-lot decimal reference over random fills", () => {
    const price = new DecimalGrid("0.01");
    const qty = new DecimalGrid("0.00001");
    for (let s = 0; s < 150; s++) {
      const seed = `pnl-${s}`;
      const rng = new Rng(seed);
      const reg = new Registry();
      const inst = reg.addInstrument("v", testInstrument());
      const pos = new Positions(reg);
      pos.setFeeRate("BNB", "USDT", "612.3456789");
      const bal = new Balances();
      const fills: NaiveFill[] = [];
      const count = 1 + rng.int(60);
      for (let i = 0; i < count; i++) {
        const side = rng.chance(0.5) ? Side.Buy : Side.Sell;
        const lots = 1 + rng.int(25);
        const ticks = 4_990_000 + rng.int(20_000);
        const feeAsset = rng.pick(["USDT", "BTC", "BNB"]);
        const fee = fee8(rng);
        const f: FillEvent = {
          venue: "v",
          symbol: "BTC-USDT",
          clientId: `c${i}`,
          side,
          lots,
          priceTicks: ticks,
          fee,
          feeAsset,
          isMaker: true,
          tradeId: i,
          order: undefined,
        };
        const at = pos.applyFill(f);
        if (at !== undefined) bal.applyFill(at, f);
        fills.push({ side, qty: qty.format(1), lots, price: price.format(ticks), fee, feeAsset });
      }
      const bidTicks = 4_990_000 + rng.int(20_000);
      const askTicks = bidTicks + 1 + rng.int(3); // odd spreads give half-tick mids
      pos.mark("v", "BTC-USDT", bidTicks, askTicks);
      const ref = naiveModel(fills, qty.format(1), price.format(bidTicks), price.format(askTicks), "612.3456789");
      const view = pos.view("v", "BTC-USDT");
      const got = `${seed}: lots=${view?.lots} realized=${formatMoney(view?.realized ?? 0n)} unrealized=${formatMoney(
        view?.unrealized ?? 0n,
      )} fees=${formatMoney(view?.fees ?? 0n)}`;
      const want = `${seed}: lots=${ref.lots} realized=${formatMoney(ref.realized)} unrealized=${formatMoney(
        ref.unrealized,
      )} fees=${formatMoney(ref.fees)}`;
      expect(got).toBe(want);
      expect(`${seed}: net=${view?.net}`).toBe(`${seed}: net=${ref.realized + ref.unrealized - ref.fees}`);
      expect(`${seed}: total=${pos.totalNet()}`).toBe(`${seed}: total=${ref.realized + ref.unrealized - ref.fees}`);
      for (const asset of ["BTC", "USDT", "BNB"]) {
        expect(`${seed} ${asset}: ${formatMoney(bal.get("v", asset))}`).toBe(
          `${seed} ${asset}: ${formatMoney(ref.bal.get(asset) ?? 0n)}`,
        );
      }
      expect(inst.position.lots).toBe(ref.lots);
    }
  });

  test("average entry, round trip to flat, unvalued third-asset fees", () => {
    const reg = new Registry();
    reg.addInstrument("v", testInstrument());
    const pos = new Positions(reg);
    const fill = (side: Side, lots: number, ticks: number, fee = "0", feeAsset = "USDT"): void => {
      pos.applyFill({
        venue: "v",
        symbol: "BTC-USDT",
        clientId: "c",
        side,
        lots,
        priceTicks: ticks,
        fee,
        feeAsset,
        isMaker: true,
        tradeId: 1,
        order: undefined,
      });
    };
    fill(Side.Buy, 100_000, 5_000_000); // 1 BTC at 50000.00
    fill(Side.Buy, 100_000, 5_100_000); // 1 BTC at 51000.00
    expect(formatMoney(pos.view("v", "BTC-USDT")?.avgEntryPrice ?? 0n)).toBe("50500");
    pos.mark("v", "BTC-USDT", 5_200_000, 5_200_001); // mid 52000.005
    expect(formatMoney(pos.view("v", "BTC-USDT")?.unrealized ?? 0n)).toBe("3000.01");
    fill(Side.Sell, 150_000, 5_200_000, "1.5", "USDT"); // FIFO: 1 @50000 + 0.5 @51000
    expect(formatMoney(pos.view("v", "BTC-USDT")?.realized ?? 0n)).toBe("2500");
    fill(Side.Sell, 50_000, 4_900_000, "0.001", "BNB");
    const v = pos.view("v", "BTC-USDT");
    expect(v?.lots).toBe(0);
    expect(formatMoney(v?.realized ?? 0n)).toBe("1500");
    expect(v?.unrealized).toBe(0n);
    expect(formatMoney(v?.fees ?? 0n)).toBe("1.5");
    expect(v?.unvaluedFees).toBe(1);
    expect(v?.feesByAsset.get("BNB")).toBe(parseMoney("0.001"));
    expect(pos.stats.unvaluedFees).toBe(1);
  });

  test("bad fee strings and unknown instruments are counted, not thrown", () => {
    const reg = new Registry();
    reg.addInstrument("v", testInstrument());
    const pos = new Positions(reg);
    const base = {
      venue: "v",
      symbol: "BTC-USDT",
      clientId: "c",
      side: Side.Buy,
      lots: 1,
      priceTicks: 1,
      isMaker: true,
      tradeId: 1,
      order: undefined,
    } as const;
    pos.applyFill({ ...base, fee: "1,5", feeAsset: "USDT" });
    pos.applyFill({ ...base, symbol: "ETH-USDT", fee: "0", feeAsset: "USDT" });
    expect(pos.stats.badFees).toBe(1);
    expect(pos.stats.unknownInstrumentFills).toBe(1);
    expect(pos.view("v", "BTC-USDT")?.lots).toBe(1);
  });

  test("balances compare with the venue's report exactly", () => {
    const reg = new Registry();
    const inst = reg.addInstrument("v", testInstrument());
    const bal = new Balances();
    bal.set("v", [
      { asset: "BTC", free: "1.00000000", locked: "0" },
      { asset: "USDT", free: "10000.00", locked: "500.00" },
    ]);
    bal.applyFill(inst, {
      venue: "v",
      symbol: "BTC-USDT",
      clientId: "c",
      side: Side.Buy,
      lots: 10, // 0.0001 BTC
      priceTicks: 5_000_000, // 50000.00 → 5 USDT
      fee: "0.00000010",
      feeAsset: "BTC",
      isMaker: true,
      tradeId: 1,
      order: undefined,
    });
    expect(
      bal.compare("v", [
        { asset: "BTC", free: "1.0000999", locked: "0" },
        { asset: "USDT", free: "10495", locked: "0" },
      ]),
    ).toEqual([]);
    const diffs = bal.compare("v", [{ asset: "BTC", free: "1.0001", locked: "0" }]);
    expect(Balances.describe(diffs)).toBe(
      "BTC: local 1.0000999 venue 1.0001 diff -0.0000001; USDT: local 10495 venue 0 diff 10495",
    );
  });
});
