/**
 * Metric families on a prom-client registry whose values live in hot cells (hot.ts) or are read from
 * the engine at scrape time. They subclass prom-client's types and override `get()`, so the registry,
 * its text format and its content type stay prom-client's while the hot path never touches it.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { HotCounter, HotGauge, HotHistogram } from "./hot.ts";

/** Label values keyed by label name, as prom-client renders them. */
export type Labels = Record<string, string>;

/** Writes one sample of a scrape-time gauge; called by a sampler once per series. */
export type Emit = (labels: Labels, value: number) => void;

/** Reads current engine state at scrape time and emits one sample per series. */
export type Sampler = (emit: Emit) => void;

const noop = (): void => {};

type MetricGet = Awaited<ReturnType<Counter<string>["get"]>>;
type HistogramGet = Awaited<ReturnType<Histogram<string>["get"]>>;

/**
 * prom-client's typings declare `type` as a numeric enum while its runtime (and the exposition
 * format) uses the strings "counter", "gauge", "histogram"; this is the one bridge between the two.
 */
function promType(t: "counter" | "gauge" | "histogram"): MetricGet["type"] {
  return t as unknown as MetricGet["type"];
}

/** Shared bookkeeping: children keyed by their label values, created once and then reused. */
class Children<T> {
  readonly byKey = new Map<string, { labels: Labels; cell: T }>();

  constructor(
    private readonly metric: string,
    private readonly labelNames: readonly string[],
    private readonly make: () => T,
  ) {}

  /** Returns the cell for these label values, creating it on first use (not a hot-path call). */
  get(values: readonly string[]): T {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.metric}: expected labels [${this.labelNames.join(", ")}], got ${values.length} values`);
    }
    const key = values.join("\u0000");
    const found = this.byKey.get(key);
    if (found !== undefined) return found.cell;
    const labels: Labels = {};
    this.labelNames.forEach((name, i) => {
      labels[name] = values[i] ?? "";
    });
    const cell = this.make();
    this.byKey.set(key, { labels, cell });
    return cell;
  }
}

/** Common configuration of every family. */
export interface FamilyConfig {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly registry: Registry;
}

/** A counter family whose children are HotCounters. */
export class HotCounterFamily extends Counter<string> {
  private readonly children: Children<HotCounter>;

  constructor(private readonly cfg: FamilyConfig) {
    super({ name: cfg.name, help: cfg.help, labelNames: cfg.labelNames, registers: [cfg.registry] });
    this.children = new Children(cfg.name, cfg.labelNames, () => new HotCounter());
  }

  /** The cached cell for these label values; keep it and bump it on the hot path. */
  child(...values: string[]): HotCounter {
    return this.children.get(values);
  }

  override async get(): Promise<MetricGet> {
    const values = [];
    for (const { labels, cell } of this.children.byKey.values()) values.push({ labels, value: cell.value });
    return {
      name: this.cfg.name,
      help: this.cfg.help,
      type: promType("counter"),
      aggregator: "sum",
      collect: noop,
      values,
    };
  }
}

/** A gauge family whose children are HotGauges, set by their owner when the value changes. */
export class HotGaugeFamily extends Gauge<string> {
  private readonly children: Children<HotGauge>;

  constructor(private readonly cfg: FamilyConfig) {
    super({ name: cfg.name, help: cfg.help, labelNames: cfg.labelNames, registers: [cfg.registry] });
    this.children = new Children(cfg.name, cfg.labelNames, () => new HotGauge());
  }

  /** The cached cell for these label values. */
  child(...values: string[]): HotGauge {
    return this.children.get(values);
  }

  override async get(): Promise<MetricGet> {
    const values = [];
    for (const { labels, cell } of this.children.byKey.values()) values.push({ labels, value: cell.value });
    return {
      name: this.cfg.name,
      help: this.cfg.help,
      type: promType("gauge"),
      aggregator: "sum",
      collect: noop,
      values,
    };
  }
}

/** Runs a sampler, collecting its samples; a throwing state reader yields no series, never a failed scrape. */
function runSampler(sampler: Sampler): { labels: Labels; value: number }[] {
  const values: { labels: Labels; value: number }[] = [];
  try {
    sampler((labels, value) => {
      values.push({ labels, value });
    });
  } catch {
    // The series is simply absent from this scrape.
  }
  return values;
}

/**
 * A gauge read from engine state at scrape time, for values that are expensive or pointless to
 * keep up to date on every event (positions, PnL, book health, process stats).
 */
export class SampledGauge extends Gauge<string> {
  constructor(
    private readonly cfg: FamilyConfig,
    private readonly sampler: Sampler,
  ) {
    super({ name: cfg.name, help: cfg.help, labelNames: cfg.labelNames, registers: [cfg.registry] });
  }

  override async get(): Promise<MetricGet> {
    const values = runSampler(this.sampler);
    return {
      name: this.cfg.name,
      help: this.cfg.help,
      type: promType("gauge"),
      aggregator: "sum",
      collect: noop,
      values,
    };
  }
}

/** A counter whose running total lives elsewhere (e.g. the kernel's CPU time) and is read at scrape time. */
export class SampledCounter extends Counter<string> {
  constructor(
    private readonly cfg: FamilyConfig,
    private readonly sampler: Sampler,
  ) {
    super({ name: cfg.name, help: cfg.help, labelNames: cfg.labelNames, registers: [cfg.registry] });
  }

  override async get(): Promise<MetricGet> {
    const values = runSampler(this.sampler);
    return {
      name: this.cfg.name,
      help: this.cfg.help,
      type: promType("counter"),
      aggregator: "sum",
      collect: noop,
      values,
    };
  }
}

/** A histogram family whose children are HotHistograms with the family's buckets. */
export class HotHistogramFamily extends Histogram<string> {
  private readonly children: Children<HotHistogram>;

  constructor(
    private readonly cfg: FamilyConfig,
    readonly bucketBounds: readonly number[],
  ) {
    super({
      name: cfg.name,
      help: cfg.help,
      labelNames: cfg.labelNames,
      buckets: [...bucketBounds],
      registers: [cfg.registry],
    });
    this.children = new Children(cfg.name, cfg.labelNames, () => new HotHistogram(bucketBounds));
  }

  /** The cached cell for these label values. */
  child(...values: string[]): HotHistogram {
    return this.children.get(values);
  }

  /** prom-client's registry prefers this over get() for histograms; route it to our values. */
  getForPromString(): Promise<HistogramGet> {
    return this.get();
  }

  override async get(): Promise<HistogramGet> {
    const values: { labels: Labels; value: number; metricName: string }[] = [];
    const name = this.cfg.name;
    const bucket = `${name}_bucket`;
    for (const { labels, cell } of this.children.byKey.values()) {
      let cumulative = 0;
      for (let i = 0; i < cell.bounds.length; i++) {
        cumulative += cell.counts[i]!;
        values.push({ metricName: bucket, labels: { ...labels, le: String(cell.bounds[i]) }, value: cumulative });
      }
      values.push({ metricName: bucket, labels: { ...labels, le: "+Inf" }, value: cell.count });
      values.push({ metricName: `${name}_sum`, labels, value: cell.sumNs / 1e9 });
      values.push({ metricName: `${name}_count`, labels, value: cell.count });
    }
    return {
      name: this.cfg.name,
      help: this.cfg.help,
      type: promType("histogram"),
      aggregator: "sum",
      collect: noop,
      values,
    };
  }
}
