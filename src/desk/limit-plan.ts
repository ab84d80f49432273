/**
 * What one KV key of a firm limit holds, and how an engine changes it in one renewal: a pure
 * function of the value it read, so the rules that keep Σ share ≤ limit (and each engine's
 * exposure under the ceiling it committed to) are tested without a server. The lease holder
 * (limit-leases.ts) stores the result with a compare-and-set on the revision it read.
 */
import { formatMoney, type Money, parseMoney } from "../types/index.ts";

/** One engine's part of a firm limit, as stored. */
export interface Holding {
  /** What the engine reserved: no other engine takes it while the engine renews its lease. */
  share: Money;
  /**
   * What the engine committed to use at most until its next stored renewal (≤ share). Its gate
   * checks orders against this, so a reclaimer may take `share − ceiling` from a silent engine.
   */
  ceiling: Money;
  /** Its worst-case exposure when it wrote this (information for the desk and the breach count). */
  exposure: Money;
  /** Bumped on every renewal: a reclaimer sees a silent engine by an unchanged seq. */
  seq: number;
  /** More it asks for (rebalancing): holders with slack give part of their share back. */
  wants: Money;
}

/** The value of one limit key: the firm limit and every engine's holding. */
export interface LimitValue {
  limit: Money;
  holders: Map<string, Holding>;
}

const FIELDS = ["share", "ceiling", "exposure", "wants"] as const;

/** Reads a stored value; anything malformed (another writer's junk) is undefined. */
export function parseLimitValue(bytes: Uint8Array): LimitValue | undefined {
  try {
    const raw = JSON.parse(new TextDecoder().decode(bytes)) as { limit?: unknown; holders?: unknown };
    const limit = typeof raw.limit === "string" ? parseMoney(raw.limit) : undefined;
    if (limit === undefined || limit < 0n || typeof raw.holders !== "object" || raw.holders === null) return undefined;
    const holders = new Map<string, Holding>();
    for (const [name, h] of Object.entries(raw.holders as Record<string, Record<string, unknown>>)) {
      const parsed = parseHolding(h);
      if (parsed === undefined) return undefined;
      holders.set(name, parsed);
    }
    return { limit, holders };
  } catch {
    return undefined;
  }
}

function parseHolding(h: Record<string, unknown>): Holding | undefined {
  if (typeof h !== "object" || h === null || typeof h.seq !== "number") return undefined;
  const out: Partial<Record<(typeof FIELDS)[number], Money>> = {};
  for (const f of FIELDS) {
    const v = h[f];
    const m = typeof v === "string" ? parseMoney(v) : undefined;
    if (m === undefined || m < 0n) return undefined;
    out[f] = m;
  }
  const { share, ceiling, exposure, wants } = out as Record<(typeof FIELDS)[number], Money>;
  if (ceiling > share) return undefined;
  return { share, ceiling, exposure, wants, seq: h.seq };
}

/** The stored form: exact decimal strings, never floats. */
export function encodeLimitValue(v: LimitValue): string {
  const holders: Record<string, Record<string, string | number>> = {};
  for (const [name, h] of v.holders) {
    holders[name] = {
      share: formatMoney(h.share),
      ceiling: formatMoney(h.ceiling),
      exposure: formatMoney(h.exposure),
      wants: formatMoney(h.wants),
      seq: h.seq,
    };
  }
  return JSON.stringify({ limit: formatMoney(v.limit), holders });
}

/** Σ share of a value (the invariant: never above its limit). */
export function totalShare(v: LimitValue): Money {
  let s = 0n;
  for (const h of v.holders.values()) s += h.share;
  return s;
}

/** What one renewal needs to know besides the value it read. */
export interface RenewalInput {
  readonly me: string;
  /** This engine's worst-case exposure now. */
  readonly exposure: Money;
  /** The largest exposure an order refused for the share since the last renewal would have reached (0: none). */
  readonly demand: Money;
  /** The firm limit in this engine's config. */
  readonly configLimit: Money;
  /** The ceiling runs this far ahead of the exposure, parts per million of the share. */
  readonly headroomPpm: bigint;
  /** Other engines this one has seen silent for lease + margin on its own clock. */
  readonly silent: ReadonlySet<string>;
}

/** The value to store, and what the renewal took from silent engines. */
export interface Renewal {
  readonly value: LimitValue;
  readonly reclaimed: Money;
}

const ZERO: Holding = { share: 0n, ceiling: 0n, exposure: 0n, seq: 0, wants: 0n };

/**
 * One renewal: reclaim `share − ceiling` of silent engines, take what this engine needs from the
 * unassigned rest (a fair part, or more when it runs near its share), give slack back to engines
 * that want it (never below twice the exposure), then commit a ceiling. Σ share ≤ limit holds in
 * the result whenever it held in the input (or the input's limit was raised).
 */
export function planRenewal(read: LimitValue, inp: RenewalInput): Renewal {
  const holders = new Map<string, Holding>();
  for (const [k, h] of read.holders) holders.set(k, { ...h });
  const value: LimitValue = { limit: settleLimit(read, inp.configLimit), holders };
  const reclaimed = reclaimSilent(holders, inp);
  const me = { ...(holders.get(inp.me) ?? ZERO) };
  holders.set(inp.me, me);
  const live = [...holders.keys()].filter((k) => !inp.silent.has(k)).length;
  const fair = value.limit / BigInt(Math.max(1, live));
  let free = value.limit - totalShare(value);
  if (free < 0n) free = 0n; // a limit lowered below what is held: nothing to take until shares shrink
  const wanted = maxOf(inp.demand, inp.exposure);
  const need = needOf(me.share, wanted, fair);
  const take = minOf(need, free);
  me.share += take;
  me.wants = need - take;
  free -= take;
  if (me.wants === 0n) me.share -= giveBack(holders, inp, me.share, fair, free);
  const headroom = (me.share * inp.headroomPpm) / 1_000_000n;
  // an exposure above the share (a position restored after a restart) leaves the ceiling at the
  // share: nothing adds risk until it is back under it or the share grows
  me.ceiling = minOf(wanted + headroom, me.share);
  me.exposure = inp.exposure;
  me.seq += 1;
  return { value, reclaimed };
}

/** The stored limit moves to the config's when that is safe: up always, down only if Σ share fits. */
function settleLimit(read: LimitValue, configLimit: Money): Money {
  if (configLimit >= read.limit) return configLimit;
  return totalShare(read) <= configLimit ? configLimit : read.limit;
}

function reclaimSilent(holders: Map<string, Holding>, inp: RenewalInput): Money {
  let reclaimed = 0n;
  for (const [name, h] of holders) {
    if (name === inp.me || !inp.silent.has(name)) continue;
    reclaimed += h.share - h.ceiling;
    h.share = h.ceiling;
    h.wants = 0n;
    if (h.share === 0n) holders.delete(name);
  }
  return reclaimed;
}

/** More share an engine asks for: up to a fair part, a half part more when near its share, its excess. */
function needOf(share: Money, exposure: Money, fair: Money): Money {
  let need = share < fair ? fair - share : 0n;
  if (exposure * 5n >= share * 4n && share > 0n && fair / 2n > need) need = fair / 2n;
  if (exposure > share && exposure - share > need) need = exposure - share;
  return need;
}

/** What this engine gives back to live engines wanting more than the free rest covers. */
function giveBack(holders: Map<string, Holding>, inp: RenewalInput, share: Money, fair: Money, free: Money): Money {
  let wanted = 0n;
  for (const [name, h] of holders) if (name !== inp.me && !inp.silent.has(name)) wanted += h.wants;
  const unmet = wanted - free;
  if (unmet <= 0n) return 0n;
  const twice = 2n * inp.exposure;
  const floor = twice > fair / 2n ? twice : fair / 2n;
  const room = share - floor;
  if (room <= 0n) return 0n;
  return unmet < room ? unmet : room;
}

export function minOf(a: Money, b: Money): Money {
  return a < b ? a : b;
}

function maxOf(a: Money, b: Money): Money {
  return a > b ? a : b;
}
