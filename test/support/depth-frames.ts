/**
 * Depth frames for the decoder tests: the corpus recorded from the simulator (csrc/test/corpus/, see
 * record-depth-corpus.ts), seeded random Binance and OKX depth frames, and hostile mutations of any
 * frame (truncation, garbage bytes, duplicated keys, wrong types, huge and oddly written numbers,
 * escapes, unicode, whitespace, deep nesting, too many levels). Everything is drawn from one Rng, so
 * a failure replays from its seed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Rng } from "../../src/services/index.ts";
import { DecimalGrid } from "../../src/types/index.ts";

/** A recorded corpus: which venue and key it was recorded for, its grids, its frames in order. */
export interface DepthCorpus {
  readonly venue: "binance" | "okx";
  readonly key: string;
  readonly price: DecimalGrid;
  readonly qty: DecimalGrid;
  readonly frames: readonly string[];
}

/** Reads csrc/test/corpus/<name>.txt (header `# venue V key K price P qty Q`, then a frame per line). */
export function loadCorpus(name: "binance" | "okx"): DepthCorpus {
  const text = readFileSync(join(import.meta.dir, "..", "..", "csrc", "test", "corpus", `${name}.txt`), "utf8");
  const lines = text.split("\n").filter((l) => l.length > 0);
  const head = lines.find((l) => l.startsWith("# venue "));
  const m = head === undefined ? null : /^# venue (\S+) key (\S+) price (\S+) qty (\S+)$/.exec(head);
  if (m === null) throw new Error(`corpus ${name}: no "# venue ... key ... price ... qty ..." header`);
  return {
    venue: m[1] === "okx" ? "okx" : "binance",
    key: m[2] as string,
    price: new DecimalGrid(m[3] as string),
    qty: new DecimalGrid(m[4] as string),
    frames: lines.filter((l) => !l.startsWith("#")),
  };
}

/** A decimal string of n increments of grid, sometimes with extra trailing zeros (as Binance sends). */
function decimal(rng: Rng, grid: DecimalGrid, n: number): string {
  const s = grid.format(n);
  if (!rng.chance(0.3)) return s;
  return `${s}${grid.decimals === 0 ? "." : ""}${"0".repeat(rng.int(6))}`;
}

/** Random levels around a mid: mostly on the grid, some deletes, occasionally a bad one. */
function levels(rng: Rng, price: DecimalGrid, qty: DecimalGrid, mid: number, sign: number, n: number, okx: boolean) {
  const out: string[][] = [];
  for (let i = 0; i < n; i++) {
    const ticks = Math.max(1, mid + sign * (1 + rng.int(rng.chance(0.8) ? 40 : 4000)));
    const lots = rng.chance(0.15) ? 0 : 1 + rng.int(rng.chance(0.9) ? 10_000 : 1e9);
    const lv = [decimal(rng, price, ticks), decimal(rng, qty, lots)];
    if (rng.chance(0.01)) lv[rng.int(2)] = rng.pick(["0", "1e3", "-1", "1.2.3", "", " 1", "99999999999999999999"]);
    out.push(okx ? [...lv, "0", String(1 + rng.int(9))] : lv);
  }
  return out;
}

/** Options of the random frame generators. */
export interface RandomFrameOptions {
  readonly key: string;
  readonly price: DecimalGrid;
  readonly qty: DecimalGrid;
  /** Sequence fields of the frame (Binance U/u, OKX prevSeqId/seqId). */
  readonly first: number;
  readonly last: number;
  /** Mid price in ticks the levels gather around. */
  readonly mid: number;
  /** Most levels per side (drawn uniformly up to it). */
  readonly maxLevels: number;
}

/** A Binance combined-stream depthUpdate frame (sometimes for another stream). */
export function randomBinanceFrame(rng: Rng, o: RandomFrameOptions): string {
  const stream = rng.chance(0.05) ? "ethusdt@depth@100ms" : o.key;
  const data = {
    e: "depthUpdate",
    E: 1_700_000_000_000 + rng.int(1e9),
    s: "BTCUSDT",
    U: o.first,
    u: o.last,
    b: levels(rng, o.price, o.qty, o.mid, -1, rng.int(o.maxLevels + 1), false),
    a: levels(rng, o.price, o.qty, o.mid, 1, rng.int(o.maxLevels + 1), false),
  };
  return JSON.stringify({ stream, data });
}

/** An OKX `books` frame (snapshot when first is -1; sometimes another instrument or channel). */
export function randomOkxFrame(rng: Rng, o: RandomFrameOptions): string {
  const arg = {
    channel: rng.chance(0.03) ? "bbo-tbt" : "books",
    instId: rng.chance(0.03) ? "ETH-USDT" : o.key,
  };
  const item = {
    asks: levels(rng, o.price, o.qty, o.mid, 1, rng.int(o.maxLevels + 1), true),
    bids: levels(rng, o.price, o.qty, o.mid, -1, rng.int(o.maxLevels + 1), true),
    ts: String(1_700_000_000_000 + rng.int(1e9)),
    checksum: 0,
    prevSeqId: o.first,
    seqId: o.last,
  };
  return JSON.stringify({ arg, action: o.first === -1 ? "snapshot" : "update", data: [item] });
}

const GARBAGE = [
  "{",
  "}",
  "[",
  "]",
  ":",
  ",",
  '"',
  "\\",
  " ",
  "\t",
  "\n",
  "0",
  "9",
  "-",
  ".",
  "e",
  "E",
  "+",
  "t",
  "n",
  "x",
  "é",
  "\u2028",
  "\ud800",
  "\u0000",
  "\u0001",
  "\u00a0",
  "\ufeff",
  "😀",
  "\\u0030",
  "\\u002e",
  "\\\\",
  '\\"',
];
/** A garbage character: from the list, any ASCII (control characters too), or any UTF-16 unit. */
function garbage(rng: Rng): string {
  const r = rng.int(4);
  if (r === 0) return String.fromCharCode(rng.int(128));
  if (r === 1) return String.fromCharCode(rng.int(65536));
  return rng.pick(GARBAGE);
}
const ODD_NUMBERS = [
  "1e400",
  "-1e400",
  "9007199254740993",
  "9007199254740992",
  "9007199254740991",
  "9007199254740991.4",
  "-0",
  "0.0",
  "1.0",
  "1e3",
  "1E+2",
  "20e-1",
  "0.5",
  "1.00000000000000000001",
  "123456789012345678901234567890",
  "-1",
  "-1.0",
  "-1e0",
  "0e5",
  "4.9e-324",
  "1e-400",
];
const ODD_VALUES = ['"7"', "null", "true", "false", "[]", "{}", '[["1","1"]]', '""', '"x"', "[1,2]", '{"b":[]}'];

/** Positions of the characters inside string literals of a JSON text (for escapes and unicode). */
function stringInteriors(s: string): number[] {
  const out: number[] = [];
  let inside = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' && s[i - 1] !== "\\") inside = !inside;
    else if (inside && c !== "\\") out.push(i);
  }
  return out;
}

/** Spans of the number literals of a JSON text. */
function numberSpans(s: string): [number, number][] {
  const out: [number, number][] = [];
  const re = /(?<=[:[,]\s*)-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) out.push([m.index, m.index + m[0].length]);
  return out;
}

/** Spans of the values of a key (`"key":value` up to the next , } or ]) in a JSON text. */
function keyedValueStarts(s: string): number[] {
  const out: number[] = [];
  const re = /":/g;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) out.push(m.index + 2);
  return out;
}

/** The end of the JSON value starting at i (a scan that counts brackets outside strings). */
function valueEnd(s: string, i: number): number {
  let depth = 0;
  let inside = false;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (inside) {
      if (c === "\\") j++;
      else if (c === '"') inside = false;
      if (depth === 0 && !inside) return j + 1;
      continue;
    }
    if (c === '"') inside = true;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") {
      if (depth === 0) return j;
      depth--;
      if (depth === 0) return j + 1;
    } else if (c === "," && depth === 0) return j;
  }
  return s.length;
}

const splice = (s: string, at: number, del: number, ins: string): string => s.slice(0, at) + ins + s.slice(at + del);

/** One hostile change to a frame; see the file comment for the kinds. */
export function mutate(rng: Rng, s: string): string {
  const at = rng.int(s.length + 1);
  switch (rng.int(14)) {
    case 0:
      return s.slice(0, rng.int(s.length)); // truncated
    case 1:
      return splice(s, at, 1, garbage(rng)); // a character replaced
    case 2:
      return splice(s, at, 0, garbage(rng)); // a character inserted
    case 3:
      return splice(s, at, 1 + rng.int(3), ""); // characters deleted
    case 4: {
      const nums = numberSpans(s); // a number written oddly, or huge
      if (nums.length === 0) return s;
      const [a, b] = rng.pick(nums);
      return splice(s, a, b - a, rng.pick(ODD_NUMBERS));
    }
    case 5: {
      const starts = keyedValueStarts(s); // a value of the wrong type
      if (starts.length === 0) return s;
      const i = rng.pick(starts);
      return splice(s, i, valueEnd(s, i) - i, rng.pick(ODD_VALUES));
    }
    case 6: {
      const inner = stringInteriors(s); // a character escaped (JSON.parse decodes it back)
      if (inner.length === 0) return s;
      const i = rng.pick(inner);
      const code = s.charCodeAt(i);
      const hex = code.toString(16).padStart(4, "0");
      return splice(s, i, 1, `\\u${rng.chance(0.5) ? hex.toUpperCase() : hex}`);
    }
    case 7: {
      const inner = stringInteriors(s); // unicode inside a string
      if (inner.length === 0) return s;
      return splice(s, rng.pick(inner), rng.int(2), rng.pick(["é", "\u2028", "\ud800", "😀", "\u0660", "\uff10"]));
    }
    case 8:
      return duplicateKey(rng, s);
    case 9: {
      const starts = keyedValueStarts(s); // whitespace around a value
      if (starts.length === 0) return s;
      const i = rng.pick(starts);
      const ws = () => rng.pick([" ", "\t", "\n", "\r", "  \n "]);
      const end = valueEnd(s, i);
      return s.slice(0, i) + ws() + s.slice(i, end) + ws() + s.slice(end);
    }
    case 10: {
      const depth = rng.pick([1, 10, 100, 3000]); // deep nesting in a field nobody reads
      const open = s.indexOf("{", 1);
      if (open < 0) return s;
      return splice(s, open + 1, 0, `"deep":${"[".repeat(depth)}${"]".repeat(depth)},`);
    }
    case 11:
      return `${rng.pick([" ", "\n", "\ufeff", ""])}${s}${rng.pick([" ", "\n", "x", "}", ""])}`;
    case 12: {
      const i = s.indexOf('"b":[') >= 0 ? s.indexOf('"b":[') + 5 : s.indexOf('"bids":[') + 8; // many levels
      if (i < 8) return s;
      const n = rng.pick([60, 127, 128, 129, 300]);
      const one = s.includes('"bids"') ? '["1","1","0","1"]' : '["0.01","1"]';
      return splice(s, i, 0, `${Array(n).fill(one).join(",")}${s[i] === "]" ? "" : ","}`);
    }
    default:
      return s.replace(/"(U|u|seqId|prevSeqId|stream|instId|channel|action)":/, (m, k) =>
        rng.chance(0.5) ? `"${k}":${rng.pick(['"1"', "1.5", "null", "[]"])},${m}` : m.toLowerCase(),
      );
  }
}

/** Repeats a key of the frame with another value (JSON.parse keeps the last one). */
function duplicateKey(rng: Rng, s: string): string {
  const starts = keyedValueStarts(s);
  if (starts.length === 0) return s;
  const i = rng.pick(starts);
  const keyStart = s.lastIndexOf('"', i - 3);
  const key = s.slice(keyStart, i - 1);
  const end = valueEnd(s, i);
  const other = rng.chance(0.5) ? rng.pick(ODD_VALUES) : rng.pick(ODD_NUMBERS);
  return rng.chance(0.5)
    ? `${s.slice(0, end)},${key}:${other}${s.slice(end)}`
    : `${s.slice(0, keyStart)}${key}:${other},${s.slice(keyStart)}`;
}
