/**
 * Where the Binance frames keep their values, for the corruption knobs: the first level of a diff-depth
 * event, the bid of a bookTicker, a trade's price and quantity, an executionReport's (last) price and
 * quantity, an account update's free balance. The kinds themselves live in core/corrupt.ts.
 */
import {
  corruptValue,
  type FrameFault,
  frameMangler,
  isValueCorruption,
  type SimCore,
  type SimSymbol,
} from "../core/index.ts";

/** A payload to send, and for frame-level faults what becomes of the whole frame (envelope included). */
export interface Outgoing {
  readonly payload: string;
  readonly mangle?: (frame: string) => string;
}

type Obj = Record<string, unknown>;

/** Applies f to a JSON payload: frame-level kinds wrap it, the others edit the parsed object. */
function corruptJson(payload: string, f: FrameFault, edit: (o: Obj) => void): Outgoing {
  const mangle = frameMangler(f);
  if (mangle !== undefined) return { payload, mangle };
  const o = JSON.parse(payload) as Obj;
  edit(o);
  return { payload: JSON.stringify(o) };
}

/** Replaces o[key] (a decimal string) by its out-of-range form. */
function corruptKey(o: Obj, key: string, f: FrameFault): void {
  const v = o[key];
  if (isValueCorruption(f.kind) && typeof v === "string") o[key] = corruptValue(f.kind, v);
}

/** A diff-depth event: out-of-range on its first level, or a level that crosses the book once applied. */
export function corruptDepth(payload: string, f: FrameFault, sym: SimSymbol, core: SimCore): Outgoing {
  return corruptJson(payload, f, (o) => {
    const bids = o["b"] as string[][];
    const asks = o["a"] as string[][];
    if (f.kind === "crossed") {
      crossDepth(bids, asks, sym, core);
      return;
    }
    const level = bids[0] ?? asks[0];
    if (level === undefined || !isValueCorruption(f.kind)) return;
    const i = f.field === "price" ? 0 : 1;
    level[i] = corruptValue(f.kind, level[i] ?? "0") as string;
  });
}

/** Adds a bid at the venue's best ask (or an ask at its best bid): the client's book ends up crossed. */
function crossDepth(bids: string[][], asks: string[][], sym: SimSymbol, core: SimCore): void {
  const top = core.depthSnapshot(sym.name, 1);
  const ask = top?.asks[0]?.[0];
  const bid = top?.bids[0]?.[0];
  const put = (side: string[][], ticks: number): void => {
    const price = sym.formatPrice(ticks);
    const at = side.findIndex((l) => l[0] === price);
    if (at >= 0) side.splice(at, 1);
    side.push([price, sym.formatQty(1)]);
  };
  if (ask !== undefined) put(bids, ask);
  else if (bid !== undefined) put(asks, bid);
  else {
    put(bids, 2);
    put(asks, 1);
  }
}

/** A bookTicker: out-of-range bid price or quantity, or a bid one tick above the ask. */
export function corruptBookTicker(payload: string, f: FrameFault, sym: SimSymbol): Outgoing {
  return corruptJson(payload, f, (o) => {
    if (f.kind === "crossed") {
      const ask = sym.priceGrid.parse(String(o["a"]));
      const ref = ask > 0 ? ask : Math.max(1, sym.priceGrid.parse(String(o["b"])));
      o["a"] = sym.formatPrice(ref);
      o["b"] = sym.formatPrice(ref + 1);
      o["A"] = sym.formatQty(1);
      o["B"] = sym.formatQty(1);
      return;
    }
    corruptKey(o, f.field === "price" ? "b" : "B", f);
  });
}

/** A trade: out-of-range price or quantity. */
export function corruptTrade(payload: string, f: FrameFault): Outgoing {
  return corruptJson(payload, f, (o) => corruptKey(o, f.field === "price" ? "p" : "q", f));
}

/**
 * A user-data event. executionReport: the last fill's price/quantity (`L`/`l`) on a TRADE, the order's
 * (`p`/`q`) otherwise; outboundAccountPosition: the first balance's free amount.
 */
export function corruptUserEvent(payload: string, f: FrameFault): Outgoing {
  return corruptJson(payload, f, (o) => {
    if (o["e"] === "outboundAccountPosition") {
      const first = (o["B"] as Obj[] | undefined)?.[0];
      if (first !== undefined) corruptKey(first, "f", f);
      return;
    }
    const trade = o["x"] === "TRADE";
    const key = f.field === "price" ? (trade ? "L" : "p") : trade ? "l" : "q";
    corruptKey(o, key, f);
  });
}
