/**
 * OKX instrument rows → the engine's InstrumentInfo: tick and lot grids from the venue's decimal
 * strings, so every price and size after connect is an exact integer.
 */
import { DecimalGrid, type InstrumentInfo, type Lots } from "../../types/index.ts";
import { type Obj, str } from "./session.ts";

/** An InstrumentInfo from one /api/v5/public/instruments row (instId maps 1:1 to the symbol). */
export function parseInstrument(d: Obj): InstrumentInfo {
  const instId = str(d, "instId");
  if (!/^[A-Z0-9]+-[A-Z0-9]+$/.test(instId)) throw new Error(`instrument instId ${JSON.stringify(instId)}`);
  const price = new DecimalGrid(str(d, "tickSz"));
  const qty = new DecimalGrid(str(d, "lotSz"));
  const minSz = qty.parse(str(d, "minSz") || "0");
  const maxSz = str(d, "maxLmtSz");
  const maxLots = maxSz === "" ? 0 : qty.parse(maxSz);
  if (Number.isNaN(minSz)) throw new Error(`instrument ${instId}: minSz off the lot grid`);
  return {
    symbol: instId,
    venueSymbol: instId,
    base: str(d, "baseCcy"),
    quote: str(d, "quoteCcy"),
    price,
    qty,
    minQtyLots: minSz as Lots,
    maxQtyLots: (Number.isNaN(maxLots) ? 0 : maxLots) as Lots,
    minNotional: "0",
    maxNotional: str(d, "maxLmtAmt") || "0",
    trading: str(d, "state") === "live",
  };
}
