/** Symbol compilation: exact integer limits from decimal filter strings, Binance-style formatting, clear errors. */
import { expect, test } from "bun:test";
import { VirtualClock } from "../../services/index.ts";
import { DEFAULT_SYMBOLS, SimCore, type SymbolSpec } from "./index.ts";

const core = new SimCore({ clock: new VirtualClock(), seed: 1, agents: false });

test("default symbols compile to exact integer limits", () => {
  const btc = core.symbol("BTCUSDT");
  expect(btc).toMatchObject({
    base: "BTC",
    quote: "USDT",
    baseUnitsPerLot: 1000,
    quoteUnitsPerTickLot: 10,
    minPriceTicks: 1,
    maxPriceTicks: 100_000_000,
    minQtyLots: 1,
    maxQtyLots: 900_000_000,
    marketMaxQtyLots: 12_000_000,
    minNotionalUnits: 5e8,
    maxNotionalUnits: 9e14,
    maxNumOrders: 200,
    status: "TRADING",
  });
  expect(core.symbol("ETHUSDT")?.quoteUnitsPerTickLot).toBe(100);
  expect(core.symbols().map((s) => s.name)).toEqual(DEFAULT_SYMBOLS.map((s) => s.symbol));
});

test("formatting pads to the asset precision like Binance", () => {
  const btc = core.symbol("BTCUSDT");
  expect(btc?.formatPrice(6000001)).toBe("60000.01000000");
  expect(btc?.formatQty(123)).toBe("0.00123000");
  expect(btc?.formatQuote(12345)).toBe("0.00012345");
  expect(btc?.formatBase(100_000_000)).toBe("1.00000000");
  expect(core.formatAsset("USDT", 1)).toBe("0.00000001");
});

test("bad specs are refused with the symbol and field named", () => {
  const base = DEFAULT_SYMBOLS[0] as SymbolSpec;
  const make = (over: Partial<SymbolSpec>) => () =>
    new SimCore({ clock: new VirtualClock(), seed: 1, agents: false, symbols: [{ ...base, ...over }] });
  expect(make({ symbol: "btc-usdt" })).toThrow(/symbol btc-usdt/);
  expect(make({ minQty: "0.000001" })).toThrow(/BTCUSDT: minQty/);
  expect(make({ initialMid: "60000.001" })).toThrow(/initialMid/);
  expect(make({ stepSize: "0.000000001" })).toThrow(/stepSize/);
  expect(make({ volatility: -1 })).toThrow(/volatility/);
  expect(() => new SimCore({ clock: new VirtualClock(), seed: 1, symbols: [base, base] })).toThrow(/duplicate/);
  expect(() => new SimCore({ clock: new VirtualClock(), seed: 1, symbols: [] })).toThrow(/at least one/);
});
