/**
 * Symbol configuration of the simulator: Binance-like filter specs as decimal strings, compiled once
 * into exact integer limits so the matching engine never touches a decimal string or a float.
 */
import { DecimalGrid } from "../../types/index.ts";
import type { SimSymbol, SymbolSpec, SymbolStatus } from "./types.ts";

/** Default symbols: real Binance filters (mid prices round numbers of the 2025-2026 range). */
export const DEFAULT_SYMBOLS: readonly SymbolSpec[] = [
  {
    symbol: "BTCUSDT",
    base: "BTC",
    quote: "USDT",
    tickSize: "0.01",
    stepSize: "0.00001",
    minPrice: "0.01",
    maxPrice: "1000000",
    minQty: "0.00001",
    maxQty: "9000",
    marketMinQty: "0.00001",
    marketMaxQty: "120",
    minNotional: "5",
    maxNotional: "9000000",
    maxNumOrders: 200,
    initialMid: "60000.00",
    volatility: 0.3,
    makerSize: "0.01",
  },
  {
    symbol: "ETHUSDT",
    base: "ETH",
    quote: "USDT",
    tickSize: "0.01",
    stepSize: "0.0001",
    minPrice: "0.01",
    maxPrice: "1000000",
    minQty: "0.0001",
    maxQty: "9000",
    marketMinQty: "0.0001",
    marketMaxQty: "2000",
    minNotional: "5",
    maxNotional: "9000000",
    maxNumOrders: 200,
    initialMid: "3000.00",
    volatility: 0.4,
    makerSize: "0.2",
  },
  {
    symbol: "SOLUSDT",
    base: "SOL",
    quote: "USDT",
    tickSize: "0.01",
    stepSize: "0.001",
    minPrice: "0.01",
    maxPrice: "10000",
    minQty: "0.001",
    maxQty: "9000000",
    minNotional: "5",
    maxNotional: "9000000",
    maxNumOrders: 200,
    initialMid: "150.00",
    volatility: 0.6,
    makerSize: "5",
  },
  {
    symbol: "BNBUSDT",
    base: "BNB",
    quote: "USDT",
    tickSize: "0.01",
    stepSize: "0.001",
    minPrice: "0.01",
    maxPrice: "100000",
    minQty: "0.001",
    maxQty: "900000",
    minNotional: "5",
    maxNotional: "9000000",
    maxNumOrders: 200,
    initialMid: "600.00",
    volatility: 0.4,
    makerSize: "1",
  },
];

/** The zeros that widen a decimal printed with `from` fraction digits to `to` digits (Binance pads to 8). */
function padding(from: number, to: number): string {
  if (to <= from) return "";
  const zeros = "0".repeat(to - from);
  return from === 0 ? `.${zeros}` : zeros;
}

const unitGrids: DecimalGrid[] = [];

/** Grid of an asset's smallest unit ("0.00000001" for 8 decimals), cached per precision. */
export function unitGrid(decimals: number): DecimalGrid {
  let g = unitGrids[decimals];
  if (g === undefined) {
    g = new DecimalGrid(decimals === 0 ? "1" : `0.${"0".repeat(decimals - 1)}1`);
    unitGrids[decimals] = g;
  }
  return g;
}

/** Parses a filter bound that may be "0" (disabled) on a grid, naming the field on error. */
function bound(grid: DecimalGrid, s: string | undefined, what: string, fallback: number): number {
  if (s === undefined) return fallback;
  if (/^0*(\.0*)?$/.test(s)) return 0;
  return grid.parseOrThrow(s, what);
}

/** Mutable internals of a compiled symbol; exposed to the engine as SimSymbol. */
export class CompiledSymbol implements SimSymbol {
  readonly spec: SymbolSpec;
  readonly name: string;
  readonly index: number;
  readonly base: string;
  readonly quote: string;
  readonly priceGrid: DecimalGrid;
  readonly qtyGrid: DecimalGrid;
  readonly basePrecision: number;
  readonly quotePrecision: number;
  readonly baseUnitsPerLot: number;
  readonly quoteUnitsPerTickLot: number;
  /** Quote units (10^-quotePrecision) in one tick of price: how the core parses a price. */
  readonly quoteUnitsPerTick: number;
  readonly minPriceTicks: number;
  readonly maxPriceTicks: number;
  readonly minQtyLots: number;
  readonly maxQtyLots: number;
  readonly marketMinQtyLots: number;
  readonly marketMaxQtyLots: number;
  readonly minNotionalUnits: number;
  readonly maxNotionalUnits: number;
  readonly maxNumOrders: number;
  readonly initialMidTicks: number;
  readonly makerSizeLots: number;
  status: SymbolStatus = "TRADING";
  private readonly baseUnits: DecimalGrid;
  private readonly quoteUnits: DecimalGrid;
  private readonly pricePad: string;
  private readonly qtyPad: string;

  /** Compiles and validates a spec; throws an error naming the bad field. */
  constructor(spec: SymbolSpec, index: number, basePrecision: number, quotePrecision: number) {
    const at = (f: string): string => `symbol ${spec.symbol}: ${f}`;
    if (!/^[A-Z0-9]{2,20}$/.test(spec.symbol)) throw new Error(at(`symbol must be upper-case alphanumeric`));
    this.spec = spec;
    this.name = spec.symbol;
    this.index = index;
    this.base = spec.base;
    this.quote = spec.quote;
    this.priceGrid = new DecimalGrid(spec.tickSize);
    this.qtyGrid = new DecimalGrid(spec.stepSize);
    this.basePrecision = basePrecision;
    this.quotePrecision = quotePrecision;
    const pd = this.priceGrid.decimals;
    const qd = this.qtyGrid.decimals;
    if (qd > basePrecision) throw new Error(at(`stepSize has more decimals than ${spec.base}'s ${basePrecision}`));
    if (pd + qd > quotePrecision) {
      throw new Error(at(`tickSize × stepSize needs ${pd + qd} decimals, ${spec.quote} has ${quotePrecision}`));
    }
    this.baseUnitsPerLot = this.qtyGrid.unit * 10 ** (basePrecision - qd);
    this.quoteUnitsPerTick = this.priceGrid.unit * 10 ** (quotePrecision - pd);
    this.quoteUnitsPerTickLot = this.priceGrid.unit * this.qtyGrid.unit * 10 ** (quotePrecision - pd - qd);
    this.pricePad = padding(pd, quotePrecision);
    this.qtyPad = padding(qd, basePrecision);
    this.baseUnits = unitGrid(basePrecision);
    this.quoteUnits = unitGrid(quotePrecision);
    this.minPriceTicks = Math.max(1, bound(this.priceGrid, spec.minPrice, at("minPrice"), 1));
    this.maxPriceTicks = bound(this.priceGrid, spec.maxPrice, at("maxPrice"), 0);
    this.minQtyLots = Math.max(1, bound(this.qtyGrid, spec.minQty, at("minQty"), 1));
    this.maxQtyLots = bound(this.qtyGrid, spec.maxQty, at("maxQty"), 0);
    this.marketMinQtyLots = Math.max(1, bound(this.qtyGrid, spec.marketMinQty, at("marketMinQty"), this.minQtyLots));
    this.marketMaxQtyLots = bound(this.qtyGrid, spec.marketMaxQty, at("marketMaxQty"), this.maxQtyLots);
    this.minNotionalUnits = bound(this.quoteUnits, spec.minNotional, at("minNotional"), 0);
    this.maxNotionalUnits = bound(this.quoteUnits, spec.maxNotional, at("maxNotional"), 0);
    this.maxNumOrders = spec.maxNumOrders ?? 200;
    if (!Number.isInteger(this.maxNumOrders) || this.maxNumOrders < 1) throw new Error(at("maxNumOrders must be ≥ 1"));
    this.initialMidTicks = this.priceGrid.parseOrThrow(spec.initialMid, at("initialMid"));
    if (this.initialMidTicks < 10) throw new Error(at("initialMid must be at least 10 ticks"));
    const defaultSize = Math.max(
      this.minQtyLots * 10,
      Math.ceil(this.minNotionalUnits / this.notionalOf(this.initialMidTicks, 1)) * 4,
    );
    this.makerSizeLots = spec.makerSize ? this.qtyGrid.parseOrThrow(spec.makerSize, at("makerSize")) : defaultSize;
    if (!(this.makerSizeLots > 0)) throw new Error(at("makerSize must be > 0"));
    if (spec.volatility !== undefined && !(spec.volatility >= 0 && spec.volatility < 10)) {
      throw new Error(at("volatility must be in [0, 10)"));
    }
    if (spec.jumpsPerHour !== undefined && !(spec.jumpsPerHour >= 0 && spec.jumpsPerHour <= 3600)) {
      throw new Error(at("jumpsPerHour must be in [0, 3600]"));
    }
    if (spec.jumpSize !== undefined && !(spec.jumpSize >= 0 && spec.jumpSize < 0.5))
      throw new Error(at("jumpSize must be in [0, 0.5)"));
    if (spec.drift !== undefined && !(spec.drift > -10 && spec.drift < 10))
      throw new Error(at("drift must be in (-10, 10)"));
  }

  /** Notional of ticks × lots in quote units (exact while below 2^53; callers bound the inputs). */
  notionalOf(ticks: number, lots: number): number {
    return ticks * lots * this.quoteUnitsPerTickLot;
  }

  formatPrice(ticks: number): string {
    return this.priceGrid.format(ticks) + this.pricePad;
  }

  formatQty(lots: number): string {
    return this.qtyGrid.format(lots) + this.qtyPad;
  }

  exactTicks(n: number): boolean {
    return Number.isSafeInteger(n) && n >= 0 && n * this.quoteUnitsPerTick <= Number.MAX_SAFE_INTEGER;
  }

  exactLots(n: number): boolean {
    return Number.isSafeInteger(n) && n >= 0 && n * this.baseUnitsPerLot <= Number.MAX_SAFE_INTEGER;
  }

  formatQuote(units: number): string {
    return this.quoteUnits.format(units);
  }

  formatBase(units: number): string {
    return this.baseUnits.format(units);
  }
}
