/**
 * exchangeInfo → InstrumentInfo (§A.10): the tick/step grids every price and quantity is parsed
 * with, the quantity bounds and notional limits, and the unified ↔ Binance symbol mapping.
 */

import type { InstrumentInfo } from "../../types/index.ts";
import { DecimalGrid, type Lots } from "../../types/index.ts";
import { venueSymbolOf } from "./config.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string, what: string): string => {
  const v = o[k];
  if (typeof v !== "string") throw new Error(`${what}: field ${k} missing or not a string`);
  return v;
};

/** Parses the wanted unified symbols out of an exchangeInfo body; errors name the symbol and field. */
export function parseInstruments(venue: string, body: unknown, wanted: readonly string[]): Map<string, InstrumentInfo> {
  if (!isObj(body) || !Array.isArray(body["symbols"])) throw new Error(`${venue}: exchangeInfo has no symbols array`);
  const byVenue = new Map<string, Obj>();
  for (const s of body["symbols"]) if (isObj(s) && typeof s["symbol"] === "string") byVenue.set(s["symbol"], s);
  const out = new Map<string, InstrumentInfo>();
  for (const unified of wanted) {
    const vs = venueSymbolOf(unified);
    const s = byVenue.get(vs);
    if (s === undefined) throw new Error(`${venue}: symbol ${unified} (${vs}) is not listed by the venue`);
    out.set(unified, parseOne(`${venue} ${vs}`, unified, s));
  }
  return out;
}

function parseOne(what: string, unified: string, s: Obj): InstrumentInfo {
  const filters = Array.isArray(s["filters"]) ? s["filters"].filter(isObj) : [];
  const f = (t: string): Obj | undefined => filters.find((x) => x["filterType"] === t);
  const priceF = f("PRICE_FILTER");
  const lotF = f("LOT_SIZE");
  if (priceF === undefined || lotF === undefined) throw new Error(`${what}: PRICE_FILTER or LOT_SIZE missing`);
  const price = new DecimalGrid(str(priceF, "tickSize", what));
  const qty = new DecimalGrid(str(lotF, "stepSize", what));
  const notional = f("NOTIONAL") ?? f("MIN_NOTIONAL");
  const base = str(s, "baseAsset", what);
  const quote = str(s, "quoteAsset", what);
  if (`${base}-${quote}` !== unified) throw new Error(`${what}: assets ${base}/${quote} do not match ${unified}`);
  return {
    symbol: unified,
    venueSymbol: str(s, "symbol", what),
    base,
    quote,
    price,
    qty,
    minQtyLots: qty.parseOrThrow(str(lotF, "minQty", what), `${what} minQty`) as Lots,
    maxQtyLots: qty.parseOrThrow(str(lotF, "maxQty", what), `${what} maxQty`) as Lots,
    minNotional: notional !== undefined && typeof notional["minNotional"] === "string" ? notional["minNotional"] : "0",
    maxNotional: notional !== undefined && typeof notional["maxNotional"] === "string" ? notional["maxNotional"] : "0",
    trading: s["status"] === "TRADING",
  };
}
