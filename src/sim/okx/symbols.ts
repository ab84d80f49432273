/**
 * OKX's own instrument grids and number format: the OKX simulator lists OKX spot's tickSz/lotSz/minSz
 * (not Binance's filters) and prints wire numbers the way OKX does, so a client tested against it meets
 * the grids and strings it will meet on OKX.
 */
import { DecimalGrid } from "../../types/index.ts";
import type { SimSymbol, SymbolSpec } from "../core/index.ts";

/**
 * OKX spot instruments behind the core's symbol names (instId = BASE-QUOTE). tickSize/stepSize/minQty are
 * OKX's tickSz/lotSz/minSz (BTC, ETH, SOL as in OKX's GET /api/v5/public/instruments; BNB's are not from a
 * captured response). OKX has no minimum notional (§D.7). maxNotional (listed as maxLmtAmt/maxMktAmt) is
 * 9,000,000 rather than OKX's 20,000,000 / 1,000,000: the most that stays an exact integer at the 9 quote
 * decimals BTC-USDT needs. Mids, volatility and maker sizes match DEFAULT_SYMBOLS so both protocols' books
 * look alike on one fair value.
 */
export const OKX_SYMBOLS: readonly SymbolSpec[] = [
  {
    symbol: "BTCUSDT",
    base: "BTC",
    quote: "USDT",
    tickSize: "0.1",
    stepSize: "0.00000001",
    minPrice: "0.1",
    maxPrice: "1000000",
    minQty: "0.00001",
    maxQty: "9000",
    marketMaxQty: "120",
    minNotional: "0",
    maxNotional: "9000000",
    maxNumOrders: 200,
    initialMid: "60000",
    volatility: 0.3,
    makerSize: "0.01",
  },
  {
    symbol: "ETHUSDT",
    base: "ETH",
    quote: "USDT",
    tickSize: "0.01",
    stepSize: "0.000001",
    minPrice: "0.01",
    maxPrice: "1000000",
    minQty: "0.0001",
    maxQty: "9000",
    marketMaxQty: "2000",
    minNotional: "0",
    maxNotional: "9000000",
    maxNumOrders: 200,
    initialMid: "3000",
    volatility: 0.4,
    makerSize: "0.2",
  },
  {
    symbol: "SOLUSDT",
    base: "SOL",
    quote: "USDT",
    tickSize: "0.01",
    stepSize: "0.000001",
    minPrice: "0.01",
    maxPrice: "10000",
    minQty: "0.001",
    maxQty: "9000000",
    minNotional: "0",
    maxNotional: "9000000",
    maxNumOrders: 200,
    initialMid: "150",
    volatility: 0.6,
    makerSize: "5",
  },
  {
    symbol: "BNBUSDT",
    base: "BNB",
    quote: "USDT",
    tickSize: "0.01",
    stepSize: "0.000001",
    minPrice: "0.01",
    maxPrice: "100000",
    minQty: "0.001",
    maxQty: "900000",
    minNotional: "0",
    maxNotional: "9000000",
    maxNumOrders: 200,
    initialMid: "600",
    volatility: 0.4,
    makerSize: "1",
  },
];

/** OKX_SYMBOLS by core name, in the order asked; errors name the unknown symbol. */
export function okxSymbols(names: readonly string[] | undefined): SymbolSpec[] {
  if (names === undefined || names.length === 0) return [...OKX_SYMBOLS];
  return names.map((n) => {
    const s = OKX_SYMBOLS.find((d) => d.symbol === n.toUpperCase());
    if (s === undefined)
      throw new Error(`symbols: unknown symbol ${n} (known: ${OKX_SYMBOLS.map((d) => d.symbol).join(", ")})`);
    return s;
  });
}

/**
 * Asset precisions the core needs for these grids: a quote asset needs tick decimals + lot decimals for
 * exact notionals (BTC-USDT 0.1 × 0.00000001 → 9), a base asset its lot decimals; never below 8.
 */
export function okxAssetPrecision(specs: readonly SymbolSpec[]): Record<string, number> {
  const p: Record<string, number> = {};
  const need = (asset: string, d: number): void => {
    p[asset] = Math.max(p[asset] ?? 8, d);
  };
  for (const s of specs) {
    const pd = new DecimalGrid(s.tickSize).decimals;
    const qd = new DecimalGrid(s.stepSize).decimals;
    need(s.base, qd);
    need(s.quote, pd + qd);
  }
  return p;
}

/** A decimal string as OKX prints it: no trailing fractional zeros ("8477", "8475.3", "0"). */
export function okxDecimal(s: string): string {
  if (!s.includes(".")) return s;
  const t = s.replace(/0+$/, "");
  return t.endsWith(".") ? t.slice(0, -1) : t;
}

/** A price in ticks as OKX prints it (at most the tick's decimals). */
export function okxPx(sym: SimSymbol, ticks: number): string {
  return okxDecimal(sym.priceGrid.format(ticks));
}

/** A size in lots as OKX prints it (at most the lot's decimals; "0" deletes a level). */
export function okxSz(sym: SimSymbol, lots: number): string {
  return okxDecimal(sym.qtyGrid.format(lots));
}
