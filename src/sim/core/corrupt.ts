/**
 * Wire corruption, venue-neutral: the simulators can send a frame that a real venue (or a broken
 * proxy) might — garbage bytes, truncated JSON, a crossed book, values out of range — so the adapters'
 * refusal of bad frames is tested on the wire, not by calling into them. Each protocol decides where a
 * value lives in its frames; this module holds the kinds, the arming queue and the value mangling.
 */
import { adminField } from "./admin-http.ts";

/** How an armed frame goes out instead of its real content. */
export type FrameCorruption =
  /** Text that is not JSON (or `text` when given: `{}`, `[1,2,3]`, ...), replacing the whole frame. */
  | "garbage"
  /** The real frame cut in half (never valid JSON). */
  | "truncated"
  /** A book update that leaves bid ≥ ask once applied; a best bid/ask with bid above ask. */
  | "crossed"
  /** A price or quantity with a minus sign. */
  | "negative"
  /** A price or quantity far beyond any grid (24 integer digits). */
  | "huge"
  /** A price or quantity with more decimals than its grid (a non-zero digit past them). */
  | "decimals"
  /** A price or quantity as a JSON number instead of a decimal string. */
  | "wrongType";

export const FRAME_CORRUPTIONS: readonly FrameCorruption[] = [
  "garbage",
  "truncated",
  "crossed",
  "negative",
  "huge",
  "decimals",
  "wrongType",
];

/** Which value of a frame an out-of-range corruption hits. */
export type CorruptField = "price" | "qty";

/** One armed corruption. */
export interface FrameFault {
  readonly kind: FrameCorruption;
  /** The value an out-of-range kind replaces (default price). */
  readonly field: CorruptField;
  /** The frame a garbage fault sends (default: a fixed non-JSON text). */
  readonly text?: string;
}

/** The default garbage: valid UTF-8 (so the socket stays up), not JSON, with control characters in it. */
export const GARBAGE_FRAME = '\u0000\u0007\u00ff\ufffd<garbage>{"e":';

/** The out-of-range kinds: they replace one price or quantity value. */
export function isValueCorruption(kind: FrameCorruption): kind is "negative" | "huge" | "decimals" | "wrongType" {
  return kind === "negative" || kind === "huge" || kind === "decimals" || kind === "wrongType";
}

/** A decimal string made out of range the way `kind` says; a JSON number for wrongType. */
export function corruptValue(kind: "negative" | "huge" | "decimals" | "wrongType", value: string): string | number {
  const dot = value.indexOf(".");
  switch (kind) {
    case "negative":
      return `-${value}`;
    case "huge":
      return `${"9".repeat(24)}${dot >= 0 ? value.slice(dot) : ""}`;
    case "decimals":
      return `${value}${dot >= 0 ? "" : "."}0000001`;
    case "wrongType":
      return Number(value);
  }
}

/** The frame cut in half: what a connection torn mid-write delivers. */
export function truncateFrame(frame: string): string {
  return frame.slice(0, Math.max(1, Math.floor(frame.length / 2)));
}

/**
 * What a frame-level fault (garbage, truncated) makes of the whole frame, envelope included; undefined
 * for the kinds a protocol applies to the payload itself.
 */
export function frameMangler(f: FrameFault): ((frame: string) => string) | undefined {
  if (f.kind === "garbage") {
    const text = f.text ?? GARBAGE_FRAME;
    return () => text;
  }
  if (f.kind === "truncated") return truncateFrame;
  return undefined;
}

/**
 * Faults armed on the n-th upcoming frame of a key (a stream, a channel): each frame that goes out on
 * the key consumes one step; two faults armed for the same frame hit it and the next one, in order.
 */
export class ArmedFaults<T> {
  private readonly byKey = new Map<string, Array<{ fault: T; skip: number }>>();

  /** Arms fault on the n-th (1-based) upcoming frame of key. */
  arm(key: string, fault: T, n: number): void {
    const list = this.byKey.get(key) ?? [];
    list.push({ fault, skip: Math.max(0, Math.floor(n) - 1) });
    this.byKey.set(key, list);
  }

  /** True when something is armed on key (so callers skip the work of checking who listens). */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Called for each frame about to go out on key: the fault to apply to it, if any. */
  next(key: string): T | undefined {
    const list = this.byKey.get(key);
    if (list === undefined) return undefined;
    let hit: T | undefined;
    let hitIndex = -1;
    for (let i = 0; i < list.length; i++) {
      const f = list[i] as { fault: T; skip: number };
      if (f.skip === 0 && hitIndex < 0) {
        hit = f.fault;
        hitIndex = i;
      } else if (f.skip > 0) {
        f.skip--;
      }
    }
    if (hitIndex >= 0) list.splice(hitIndex, 1);
    if (list.length === 0) this.byKey.delete(key);
    return hit;
  }

  /** Disarms everything. */
  clear(): void {
    this.byKey.clear();
  }
}

/**
 * Reads a corruption from an admin request body (`kind`, `field`, `text`, `n`); errors name the field.
 * `kinds` are the corruptions the stream takes (crossed only makes sense on book streams).
 */
export function adminFrameFault(
  b: Record<string, unknown>,
  kinds: readonly FrameCorruption[] = FRAME_CORRUPTIONS,
): { fault: FrameFault; n: number } {
  const kind = adminField<string>(b, "kind", "string");
  if (!kinds.includes(kind as FrameCorruption))
    throw new Error(`field 'kind' must be one of ${kinds.join(", ")} here, got ${JSON.stringify(kind)}`);
  const field = adminField<string>(b, "field", "string", "price");
  if (field !== "price" && field !== "qty") throw new Error("field 'field' must be price or qty");
  const text = b["text"];
  if (text !== undefined && (typeof text !== "string" || kind !== "garbage"))
    throw new Error("field 'text' must be a string, and only with kind garbage");
  const n = adminField<number>(b, "n", "number", 1);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new Error("field 'n' must be an integer 1..1000000");
  return {
    fault: { kind: kind as FrameCorruption, field, ...(typeof text === "string" ? { text } : {}) },
    n,
  };
}

/** Checks an in-process arming call the way the admin body is checked (kind allowed, n a count). */
export function checkFrameFault(
  kind: FrameCorruption,
  kinds: readonly FrameCorruption[],
  n: number,
  what: string,
): void {
  if (!kinds.includes(kind)) throw new Error(`${what}: corruption ${kind} does not apply (use ${kinds.join(", ")})`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what}: n must be a positive integer`);
}
