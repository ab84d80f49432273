/**
 * Metrics of the desk's firm-wide limit leases (src/desk/limit-leases.ts), read at scrape time:
 * an operator sees each engine's share, the ceiling it committed to, how old its lease is, and
 * every expiry, conflict, reclaim and breach, without anything on the trading path.
 */
import type { EngineMetrics } from "./engine-metrics.ts";
import { SampledCounter, SampledGauge } from "./families.ts";

/** One limit key as this engine holds it, in the limit's units (base or quote) as doubles. */
export interface DeskLeaseSample {
  readonly key: string;
  readonly limit: number;
  readonly share: number;
  readonly ceiling: number;
  readonly exposure: number;
  /** Σ share and Σ exposure of every engine in the value last read or stored. */
  readonly firmShare: number;
  readonly firmExposure: number;
  /** Seconds since the renewal that last stored the share was sent; null before the first. */
  readonly leaseAgeS: number | null;
  readonly expired: boolean;
}

/** Where the scrape reads the leases. */
export interface DeskLimitMetricsSource {
  leases(): readonly DeskLeaseSample[];
  counters(): {
    readonly renewals: number;
    readonly conflicts: number;
    readonly errors: number;
    readonly expired: number;
    readonly reclaims: number;
    readonly breaches: number;
  };
  /** The firm's loss today as last summed (quote units at par), when a firm daily loss is set. */
  loss(): { readonly firmLoss: number; readonly ownLoss: number; readonly limit: number } | undefined;
}

/** Registers the hft_desk_* lease series on the engine's registry. */
export function registerDeskLimitMetrics(metrics: EngineMetrics, source: DeskLimitMetricsSource): void {
  const registry = metrics.registry;
  const K = ["key"];
  const perKey = (name: string, help: string, pick: (s: DeskLeaseSample) => number | null) =>
    new SampledGauge({ name, help, labelNames: K, registry }, (emit) => {
      for (const s of source.leases()) {
        const v = pick(s);
        if (v !== null) emit({ key: s.key }, v);
      }
    });
  perKey("hft_desk_share", "This engine's leased share of a firm limit (base or quote units).", (s) => s.share);
  perKey(
    "hft_desk_ceiling",
    "The ceiling this engine committed to within its share; its gate enforces it.",
    (s) => s.ceiling,
  );
  perKey("hft_desk_exposure", "This engine's worst-case exposure against a firm limit.", (s) => s.exposure);
  perKey("hft_desk_firm_limit", "The firm limit as stored in its key.", (s) => s.limit);
  perKey(
    "hft_desk_firm_share",
    "Σ share of every engine in the key as last read (never above the limit).",
    (s) => s.firmShare,
  );
  perKey(
    "hft_desk_firm_exposure",
    "Σ worst-case exposure every engine last reported in the key.",
    (s) => s.firmExposure,
  );
  perKey(
    "hft_desk_lease_age_seconds",
    "Since the renewal that last stored this engine's share was sent.",
    (s) => s.leaseAgeS,
  );
  perKey("hft_desk_lease_expired", "1 while the lease is out (no risk added on the symbol), else 0.", (s) =>
    s.expired ? 1 : 0,
  );
  const counter = (name: string, help: string, pick: (c: ReturnType<DeskLimitMetricsSource["counters"]>) => number) =>
    new SampledCounter({ name, help, labelNames: [], registry }, (emit) => emit({}, pick(source.counters())));
  counter(
    "hft_desk_lease_expired_total",
    "Times a lease on a firm limit ran out (the bus was away too long).",
    (c) => c.expired,
  );
  counter("hft_desk_lease_renewals_total", "Lease renewals stored.", (c) => c.renewals);
  counter(
    "hft_desk_lease_conflicts_total",
    "Renewals that lost the compare-and-set to another engine (retried).",
    (c) => c.conflicts,
  );
  counter("hft_desk_lease_errors_total", "Renewals the bus failed (down, timeout, a junk value).", (c) => c.errors);
  counter(
    "hft_desk_lease_reclaims_total",
    "Renewals that reclaimed unused share from silent engines.",
    (c) => c.reclaims,
  );
  counter(
    "hft_desk_limit_breaches_total",
    "Firm limit breaches seen (Σ share or exposure above a limit, or own exposure above the ceiling); should stay 0.",
    (c) => c.breaches,
  );
  const loss = (
    name: string,
    help: string,
    pick: (l: NonNullable<ReturnType<DeskLimitMetricsSource["loss"]>>) => number,
  ) =>
    new SampledGauge({ name, help, labelNames: [], registry }, (emit) => {
      const l = source.loss();
      if (l !== undefined) emit({}, pick(l));
    });
  loss(
    "hft_desk_firm_loss",
    "The firm's loss since UTC midnight, summed over the desk's engines (quote at par).",
    (l) => l.firmLoss,
  );
  loss("hft_desk_firm_loss_limit", "The firm daily loss that trips the desk's kill switch.", (l) => l.limit);
}
