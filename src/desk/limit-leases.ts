/**
 * Firm-wide limits without a round trip on the hot path: one KV key per limit holds every engine's
 * leased share; this engine renews its own with compare-and-set on the key's revision (so no stored
 * revision has Σ share above the limit), and hands the risk gate the ceiling it committed to, as a
 * plain number the gate compares each order with. Losing the bus longer than the lease stops adding
 * risk; silent engines' unused shares are reclaimed; slack moves to the engine that needs it.
 */
import { jetstream } from "@nats-io/jetstream";
import { type KV, type KvEntry, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { FirmExposure, FirmShareCell, FirmShareProvider } from "../execution/index.ts";
import type { Clock, Logger } from "../services/index.ts";
import type { Money } from "../types/index.ts";
import { encodeLimitValue, type LimitValue, minOf, parseLimitValue, planRenewal, totalShare } from "./limit-plan.ts";

/** Which amount of a symbol a firm limit bounds. */
export type FirmLimitKind = "position_base" | "position_notional";

/** One firm limit (config desk.limits.symbols), stored under its own key. */
export interface FirmLimitSpec {
  readonly symbol: string;
  readonly kind: FirmLimitKind;
  readonly limit: Money;
}

/** How leases run (config desk.limits). */
export interface DeskLimitSettings {
  readonly bucket: string;
  readonly lease_ms: number;
  readonly reclaim_margin_ms: number;
  /** Fraction of the share the ceiling runs ahead of the exposure. */
  readonly headroom: number;
}

/** What the lease holder needs from the engine. */
export interface LeaseHooks {
  /** The engine's worst-case exposure of a symbol now (the risk gate's firmExposure). */
  exposure(symbol: string): FirmExposure;
  /** The lease on a symbol's limit ran out: cancel its quotes (through the command queue). */
  onExpired(symbol: string): void;
  /**
   * Whether the engine knows its exposure (its journal restored, its venues settled). Until then
   * nothing is renewed: a restarted engine's holding from its last run stays as it was stored,
   * rather than being lowered to the empty exposure of an engine that has not restored yet.
   */
  ready?(): boolean;
}

/** Counters for metrics and tests. */
export interface LeaseStats {
  renewals: number;
  /** Renewals that lost the compare-and-set to another engine (retried at once). */
  conflicts: number;
  /** Renewals the bus failed (down, timeout). */
  errors: number;
  /** Times a lease ran out. */
  expired: number;
  /** Share taken from silent engines, in the limit's units of 10^-18 (all keys). */
  reclaims: number;
  /**
   * Breaches seen: a value read with Σ share or Σ exposure above its limit, or this engine's
   * exposure above the ceiling it holds. The design keeps this 0; the tests assert it.
   */
  breaches: number;
}

/** One limit key as /api/status and the metrics show it. */
export interface LeaseStatus {
  readonly key: string;
  readonly symbol: string;
  readonly kind: FirmLimitKind;
  readonly limit: Money;
  readonly share: Money;
  readonly ceiling: Money;
  readonly exposure: Money;
  readonly wants: Money;
  /** Since the renewal that last stored it was sent; null before the first. */
  readonly leaseAgeMs: number | null;
  readonly expired: boolean;
  /** Σ share and Σ exposure of every engine in the value last read or stored. */
  readonly firmShare: Money;
  readonly firmExposure: Money;
  readonly holders: number;
}

const NS_PER_MS = 1_000_000;

/** The gate's view of one symbol, kept current by the holder. */
class SymbolCell implements FirmShareCell {
  positionBase: Money | undefined;
  notional: Money | undefined;
  version = 0;
  validUntilNs = 0;
  /** What refused orders would have reached since the last renewal (the gate tells refused()). */
  demandBase: Money = 0n;
  demandNotional: Money = 0n;

  refused(base: Money, notional: Money): void {
    if (base > this.demandBase) this.demandBase = base;
    if (notional > this.demandNotional) this.demandNotional = notional;
  }

  demand(kind: FirmLimitKind): Money {
    return kind === "position_base" ? this.demandBase : this.demandNotional;
  }

  clearDemand(kind: FirmLimitKind): void {
    if (kind === "position_base") this.demandBase = 0n;
    else this.demandNotional = 0n;
  }

  get(kind: FirmLimitKind): Money | undefined {
    return kind === "position_base" ? this.positionBase : this.notional;
  }

  set(kind: FirmLimitKind, v: Money): void {
    if (kind === "position_base") this.positionBase = v;
    else this.notional = v;
    this.version++;
  }
}

/** What this engine holds of one key. */
interface KeyState {
  readonly key: string;
  readonly spec: FirmLimitSpec;
  readonly cell: SymbolCell;
  share: Money;
  ceiling: Money;
  wants: Money;
  exposure: Money;
  validUntilNs: number;
  lastOkNs: number;
  nextDueNs: number;
  expired: boolean;
  busy: boolean;
  last: LimitValue | undefined;
  /** Other engines' last seq and when this engine first saw it (its own monotonic clock). */
  readonly seen: Map<string, { seq: number; atNs: number }>;
}

/** Opens (or creates) the limits bucket; a KV call waits at most a third of the lease (a renewal
 * stuck on a dead bus must not outlive it). */
export async function openLimitsBucket(nc: NatsConnection, settings: DeskLimitSettings): Promise<KV> {
  const js = jetstream(nc, { timeout: Math.max(100, Math.floor(settings.lease_ms / 3)) });
  return await new Kvm(js).create(settings.bucket, { history: 8 });
}

/** The key of a firm limit: `pos.<symbol>` or `notional.<symbol>`. */
export function limitKey(spec: FirmLimitSpec): string {
  return `${spec.kind === "position_base" ? "pos" : "notional"}.${spec.symbol}`;
}

/** This engine's leases on the desk's firm limits; the risk gate's share provider. */
export class DeskLimitLeases implements FirmShareProvider {
  readonly stats: LeaseStats = { renewals: 0, conflicts: 0, errors: 0, expired: 0, reclaims: 0, breaches: 0 };
  private readonly keys: KeyState[] = [];
  private readonly cells = new Map<string, SymbolCell>();
  private readonly leaseNs: number;
  private readonly renewNs: number;
  private readonly silentNs: number;
  private readonly headroomPpm: bigint;
  private timer: ReturnType<Clock["setRepeating"]> | undefined;
  private stopped = false;

  private constructor(
    private readonly kv: KV,
    private readonly engine: string,
    specs: readonly FirmLimitSpec[],
    private readonly settings: DeskLimitSettings,
    private readonly clock: Clock,
    private readonly hooks: LeaseHooks,
    private readonly log: Logger,
  ) {
    this.leaseNs = settings.lease_ms * NS_PER_MS;
    this.renewNs = Math.floor(this.leaseNs / 3);
    this.silentNs = (settings.lease_ms + settings.reclaim_margin_ms) * NS_PER_MS;
    this.headroomPpm = BigInt(Math.round(settings.headroom * 1_000_000));
    for (const spec of specs) {
      let cell = this.cells.get(spec.symbol);
      if (cell === undefined) {
        cell = new SymbolCell();
        this.cells.set(spec.symbol, cell);
      }
      cell.set(spec.kind, 0n);
      this.keys.push({
        key: limitKey(spec),
        spec,
        cell,
        share: 0n,
        ceiling: 0n,
        wants: 0n,
        exposure: 0n,
        validUntilNs: 0,
        lastOkNs: 0,
        nextDueNs: 0,
        expired: false,
        busy: false,
        last: undefined,
        seen: new Map(),
      });
    }
  }

  /** A holder on the limits bucket (openLimitsBucket); nothing is held until the first renewal (start). */
  static create(
    kv: KV,
    engine: string,
    specs: readonly FirmLimitSpec[],
    settings: DeskLimitSettings,
    clock: Clock,
    hooks: LeaseHooks,
    log: Logger,
  ): DeskLimitLeases {
    return new DeskLimitLeases(kv, engine, specs, settings, clock, hooks, log);
  }

  /** The gate reads this: the symbol's cell, or undefined when no firm limit names it. */
  cellOf(symbol: string): FirmShareCell | undefined {
    return this.cells.get(symbol);
  }

  /** Renews every key once (waited for: the engine starts with its shares), then keeps them renewed. */
  async start(): Promise<void> {
    if (this.hooks.ready?.() !== false) await Promise.all(this.keys.map((k) => this.renew(k)));
    const checkMs = Math.max(20, Math.floor(this.settings.lease_ms / 12));
    this.timer = this.clock.setRepeating(checkMs, () => this.check());
  }

  /** Stops renewing (the engine is stopping); the shares lapse and silent-engine reclaim frees them. */
  close(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
  }

  /**
   * After a graceful stop (orders cancelled; a position may remain): keeps only the exposure left,
   * so the others need not wait lease + margin to reclaim the rest. A few tries; the bus may be gone.
   */
  async release(): Promise<void> {
    this.close();
    await Promise.all(this.keys.map((k) => this.releaseKey(k)));
  }

  private async releaseKey(k: KeyState): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const entry = await this.kv.get(k.key);
        const v = entry === null || entry.operation !== "PUT" ? undefined : parseLimitValue(entry.value);
        const mine = v?.holders.get(this.engine);
        if (entry === null || v === undefined || mine === undefined) return;
        const exposure = this.exposureOf(k.spec);
        const kept = minOf(exposure, mine.share);
        k.cell.set(k.spec.kind, 0n); // nothing trades any more; the gate must not believe otherwise
        if (kept === 0n) v.holders.delete(this.engine);
        else v.holders.set(this.engine, { share: kept, ceiling: kept, exposure, wants: 0n, seq: mine.seq + 1 });
        await this.kv.update(k.key, encodeLimitValue(v), entry.revision);
        return;
      } catch {
        // a lost compare-and-set or a bus gone: read again, a few times at most
      }
    }
  }

  /** Every key as it stands, for /api/status and the metrics. */
  status(): LeaseStatus[] {
    const now = this.clock.monoNs();
    return this.keys.map((k) => {
      let firmExposure = 0n;
      for (const h of k.last?.holders.values() ?? []) firmExposure += h.exposure;
      return {
        key: k.key,
        symbol: k.spec.symbol,
        kind: k.spec.kind,
        limit: k.last?.limit ?? k.spec.limit,
        share: k.share,
        ceiling: k.ceiling,
        exposure: k.exposure,
        wants: k.wants,
        leaseAgeMs: k.lastOkNs === 0 ? null : Math.floor((now - k.lastOkNs) / NS_PER_MS),
        expired: k.lastOkNs === 0 || now >= k.validUntilNs,
        firmShare: k.last === undefined ? 0n : totalShare(k.last),
        firmExposure,
        holders: k.last?.holders.size ?? 0,
      };
    });
  }

  /** The timer's turn: expiry, this engine's own breach check, renewals that are due or pressed. */
  private check(): void {
    if (this.stopped || this.hooks.ready?.() === false) return;
    const now = this.clock.monoNs();
    for (const k of this.keys) {
      const exposure = this.exposureOf(k.spec);
      k.exposure = exposure;
      const valid = now < k.validUntilNs;
      if (valid && exposure > k.ceiling) this.breach(`${k.key}: own exposure ${exposure} > ceiling ${k.ceiling}`);
      if (!valid && !k.expired && k.lastOkNs > 0) this.expire(k);
      const headroom = (k.share * this.headroomPpm) / 1_000_000n;
      const demand = k.cell.demand(k.spec.kind);
      const pressed = k.ceiling < k.share && (exposure * 2n + headroom > k.ceiling * 2n || demand > k.ceiling);
      if (!k.busy && (now >= k.nextDueNs || pressed)) void this.renew(k);
    }
  }

  private expire(k: KeyState): void {
    k.expired = true;
    this.stats.expired++;
    this.log.warn(
      `desk limits: lease on ${k.key} ran out (no renewal stored for ${this.settings.lease_ms} ms); adding no risk on ${k.spec.symbol} and cancelling its quotes`,
    );
    this.hooks.onExpired(k.spec.symbol);
  }

  private breach(what: string): void {
    this.stats.breaches++;
    this.log.error(`desk limits: BREACH ${what}`);
  }

  private exposureOf(spec: FirmLimitSpec): Money {
    const e = this.hooks.exposure(spec.symbol);
    return spec.kind === "position_base" ? e.base : e.notional;
  }

  /** One renewal: read, plan, lower the gate's ceiling first if it shrinks, compare-and-set, then raise. */
  private async renew(k: KeyState): Promise<void> {
    if (this.stopped || k.busy) return;
    k.busy = true;
    const sentNs = this.clock.monoNs();
    try {
      const entry = await this.kv.get(k.key);
      const read = this.readValue(k, entry);
      if (read === undefined) return;
      this.audit(k, read);
      const silent = this.observe(k, read, sentNs);
      const exposure = this.exposureOf(k.spec);
      const demand = k.cell.demand(k.spec.kind);
      k.cell.clearDemand(k.spec.kind);
      const plan = planRenewal(read, {
        me: this.engine,
        exposure,
        demand,
        configLimit: k.spec.limit,
        headroomPpm: this.headroomPpm,
        silent,
      });
      const mine = plan.value.holders.get(this.engine);
      if (mine === undefined) return;
      if (mine.ceiling < (k.cell.get(k.spec.kind) ?? 0n)) k.cell.set(k.spec.kind, mine.ceiling);
      const enc = encodeLimitValue(plan.value);
      if (entry === null) await this.kv.create(k.key, enc);
      else await this.kv.update(k.key, enc, entry.revision);
      this.stored(k, plan.value, sentNs, plan.reclaimed);
    } catch (e) {
      this.failed(k, e as Error);
    } finally {
      k.busy = false;
    }
  }

  private readValue(k: KeyState, entry: KvEntry | null): LimitValue | undefined {
    if (entry === null || entry.operation !== "PUT") return { limit: k.spec.limit, holders: new Map() };
    const v = parseLimitValue(entry.value);
    if (v === undefined) {
      // never overwritten: what other engines hold is unknown, so this engine holds nothing more
      this.stats.errors++;
      k.nextDueNs = this.clock.monoNs() + this.renewNs;
      this.log.error(
        `desk limits: ${k.key} revision ${entry.revision} is not a limit value; left as it is (an operator deletes the key)`,
      );
    }
    return v;
  }

  /** Counts what must never be seen: Σ share or Σ exposure above the limit. */
  private audit(k: KeyState, v: LimitValue): void {
    let exposure = 0n;
    for (const h of v.holders.values()) exposure += h.exposure;
    const share = totalShare(v);
    if (share > v.limit) this.breach(`${k.key}: Σ share ${share} > limit ${v.limit}`);
    if (exposure > v.limit) this.breach(`${k.key}: Σ exposure ${exposure} > limit ${v.limit}`);
  }

  /** Engines whose seq this engine has seen unchanged for lease + margin on its own clock. */
  private observe(k: KeyState, v: LimitValue, nowNs: number): Set<string> {
    const silent = new Set<string>();
    for (const name of k.seen.keys()) if (!v.holders.has(name)) k.seen.delete(name);
    for (const [name, h] of v.holders) {
      if (name === this.engine) continue;
      const seen = k.seen.get(name);
      if (seen === undefined || seen.seq !== h.seq) k.seen.set(name, { seq: h.seq, atNs: nowNs });
      else if (nowNs - seen.atNs >= this.silentNs) silent.add(name);
    }
    return silent;
  }

  private stored(k: KeyState, v: LimitValue, sentNs: number, reclaimed: Money): void {
    const mine = v.holders.get(this.engine);
    if (mine === undefined) return;
    this.stats.renewals++;
    if (reclaimed > 0n) {
      this.stats.reclaims++;
      this.log.warn(
        `desk limits: reclaimed ${reclaimed} units of ${k.key} from engines silent for ${this.settings.lease_ms + this.settings.reclaim_margin_ms} ms`,
      );
    }
    k.share = mine.share;
    k.ceiling = mine.ceiling;
    k.wants = mine.wants;
    k.last = v;
    k.lastOkNs = sentNs;
    k.validUntilNs = sentNs + this.leaseNs;
    k.nextDueNs = sentNs + this.renewNs;
    if (k.cell.get(k.spec.kind) !== mine.ceiling) k.cell.set(k.spec.kind, mine.ceiling);
    k.cell.validUntilNs = this.validUntilOf(k.spec.symbol);
    if (k.expired) {
      k.expired = false;
      this.log.info(`desk limits: lease on ${k.key} renewed again; ${k.spec.symbol} trades within its share`);
    }
  }

  private validUntilOf(symbol: string): number {
    let until = Number.MAX_SAFE_INTEGER;
    for (const k of this.keys) if (k.spec.symbol === symbol && k.validUntilNs < until) until = k.validUntilNs;
    return until;
  }

  private failed(k: KeyState, e: Error): void {
    // a lost compare-and-set means another engine wrote first: read again at once
    if (/wrong last sequence|key exists/i.test(e.message)) {
      this.stats.conflicts++;
      k.nextDueNs = 0;
      return;
    }
    this.stats.errors++;
    k.nextDueNs = this.clock.monoNs() + Math.floor(this.renewNs / 4);
    if (!this.stopped) this.log.warn(`desk limits: cannot renew ${k.key}: ${e.message}`);
  }
}
