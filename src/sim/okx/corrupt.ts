/**
 * Where the OKX pushes keep their values, for the corruption knobs: the first level of a `books`
 * update, the bid of a `bbo-tbt`, a trade's `px`/`sz`, an `orders` row's fill (`fillPx`/`fillSz`) or
 * order (`px`/`sz`) values. The kinds themselves live in core/corrupt.ts.
 */
import {
  corruptValue,
  type FrameFault,
  frameMangler,
  isValueCorruption,
  type SimCore,
  type SimSymbol,
} from "../core/index.ts";
import { okxPx, okxSz } from "./symbols.ts";

type Obj = Record<string, unknown>;
/** Edits the first data row of a push for a value-level fault. */
export type RowEditor = (row: Obj, f: FrameFault) => void;

/** The text of one push, corrupted by f when given: frame-level kinds rewrite the text, others edit the row. */
export function okxFrameText(frame: Obj, f?: FrameFault, edit?: RowEditor): string {
  const text = JSON.stringify(frame);
  if (f === undefined) return text;
  const mangle = frameMangler(f);
  if (mangle !== undefined) return mangle(text);
  const copy = JSON.parse(text) as { data: Obj[] };
  const row = copy.data[0];
  if (row !== undefined && edit !== undefined) edit(row, f);
  return JSON.stringify(copy);
}

/** Replaces row[key] (a decimal string) by its out-of-range form. */
function corruptKey(row: Obj, key: string, f: FrameFault): void {
  const v = row[key];
  if (isValueCorruption(f.kind) && typeof v === "string") row[key] = corruptValue(f.kind, v);
}

/** A level `[px, sz, "0", count]` of OKX's books and bbo-tbt. */
function level(sym: SimSymbol, ticks: number, lots: number): string[] {
  return [okxPx(sym, ticks), okxSz(sym, lots), "0", "1"];
}

/** A `books` update: out-of-range on its first level, or a bid at the venue's best ask (the book crosses). */
export function booksEditor(sym: SimSymbol, core: SimCore): RowEditor {
  return (row, f) => {
    const bids = row["bids"] as unknown[][];
    const asks = row["asks"] as unknown[][];
    if (f.kind === "crossed") {
      const top = core.depthSnapshot(sym.name, 1);
      const ask = top?.asks[0]?.[0];
      const bid = top?.bids[0]?.[0];
      const put = (side: unknown[][], ticks: number): void => {
        const px = okxPx(sym, ticks);
        const at = side.findIndex((l) => l[0] === px);
        if (at >= 0) side.splice(at, 1);
        side.push(level(sym, ticks, 1));
      };
      if (ask !== undefined) put(bids, ask);
      else put(asks, bid ?? 1);
      return;
    }
    const first = bids[0] ?? asks[0];
    if (first !== undefined && isValueCorruption(f.kind)) {
      const i = f.field === "price" ? 0 : 1;
      first[i] = corruptValue(f.kind, String(first[i]));
    }
  };
}

/** A `bbo-tbt` push: a bid one tick above the ask, or an out-of-range bid (ask when the bid side is empty). */
export function bboEditor(sym: SimSymbol): RowEditor {
  return (row, f) => {
    const bids = row["bids"] as unknown[][];
    const asks = row["asks"] as unknown[][];
    if (f.kind === "crossed") {
      const ask = asks[0] === undefined ? Number.NaN : sym.priceGrid.parse(String(asks[0][0]));
      const bid = bids[0] === undefined ? Number.NaN : sym.priceGrid.parse(String(bids[0][0]));
      const ref = ask > 0 ? ask : bid > 0 ? bid : 1;
      row["asks"] = [level(sym, ref, 1)];
      row["bids"] = [level(sym, ref + 1, 1)];
      return;
    }
    const first = bids[0] ?? asks[0];
    if (first !== undefined && isValueCorruption(f.kind)) {
      const i = f.field === "price" ? 0 : 1;
      first[i] = corruptValue(f.kind, String(first[i]));
    }
  };
}

/** A `trades` push: out-of-range `px` or `sz`. */
export const tradesEditor: RowEditor = (row, f) => corruptKey(row, f.field === "price" ? "px" : "sz", f);

/** An `orders` push: the fill's `fillPx`/`fillSz` when it reports one, else the order's `px`/`sz`. */
export const ordersEditor: RowEditor = (row, f) => {
  const fill = typeof row["tradeId"] === "string" && row["tradeId"] !== "";
  corruptKey(row, f.field === "price" ? (fill ? "fillPx" : "px") : fill ? "fillSz" : "sz", f);
};
