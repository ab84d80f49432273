/**
 * Metric families on a prom-client registry whose values live in hot cells (hot.ts) or are read from
 * the engine at scrape time. They subclass prom-client's types and override `get()`, so the registry,
 * its JSON and text output and its content type stay prom-client's while the hot path never touches
 * it. Each family can also write its own exposition text from cached label strings (`expose`):
 * prom-client's formatter allocates per sample and dominated the scrape (~0.8 of ~1 ms here).
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { HotCounter, HotGauge, HotHistogram } from "./hot.ts";

/** Label values keyed by label name, as prom-client renders them. */
export type Labels = Record<string, string>;

/** Writes one sample of a scrape-time gauge; called by a sampler once per series. */
export type Emit = (labels: Labels, value: number) => void;

/** Reads current engine state at scrape time and emits one sample per series. */
export type Sampler = (emit: Emit) => void;

/** A family that writes its own Prometheus text (HELP, TYPE, samples) into `out`. */
export interface FastExposition {
  expose(out: string[]): void;
}

/** True for metrics that can write their own exposition text. */
export function isFastExposition(m: unknown): m is FastExposition {
  return typeof (m as Partial<FastExposition>).expose === "function";
}

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

/** A label value escaped for the text format (backslash, double quote, newline). */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** `{a="x",b="y"}`, or "" without labels. */
export function labelString(labels: Labels, extra?: string): string {
  let s = "";
  for (const k in labels) s += `${s === "" ? "" : ","}${k}="${escapeLabel(labels[k] ?? "")}"`;
  if (extra !== undefined) s += `${s === "" ? "" : ","}${extra}`;
  return s === "" ? "" : `{${s}}`;
}

/** A sample value as the text format writes it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

function header(cfg: FamilyConfig, type: string): string {
  const help = cfg.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  return `# HELP ${cfg.name} ${help}\n# TYPE ${cfg.name} ${type}\n`;
}

/** One child: its labels, its cell, and its label string rendered once. */
interface Child<T> {
  readonly labels: Labels;
  readonly cell: T;
  readonly labelStr: string;
}

/** Shared bookkeeping: children keyed by their label values, created once and then reused. */
class Children<T> {
  readonly byKey = new Map<string, Child<T>>();

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
    this.byKey.set(key, { labels, cell, labelStr: labelString(labels) });
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
export class HotCounterFamily extends Counter<string> implements FastExposition {
  private readonly children: Children<HotCounter>;
  private readonly head: string;

  constructor(private readonly cfg: FamilyConfig) {
    super({ name: cfg.name, help: cfg.help, labelNames: cfg.labelNames, registers: [cfg.registry] });
    this.children = new Children(cfg.name, cfg.labelNames, () => new HotCounter());
    this.head = header(cfg, "counter");
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

  expose(out: string[]): void {
    out.push(this.head);
    const name = this.cfg.name;
    for (const c of this.children.byKey.values()) out.push(`${name}${c.labelStr} ${formatValue(c.cell.value)}\n`);
  }
}

/** A gauge family whose children are HotGauges, set by their owner when the value changes. */
export class HotGaugeFamily extends Gauge<string> implements FastExposition {
  private readonly children: Children<HotGauge>;
  private readonly head: string;

  constructor(private readonly cfg: FamilyConfig) {
    super({ name: cfg.name, help: cfg.help, labelNames: cfg.labelNames, registers: [cfg.registry] });
    this.children = new Children(cfg.name, cfg.labelNames, () => new HotGauge());
    this.head = header(cfg, "gauge");
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

  expose(out: string[]): void {
    out.push(this.head);
    const name = this.cfg.name;
    for (const c of this.children.byKey.values()) out.push(`${name}${c.labelStr} ${formatValue(c.cell.value)}\n`);
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

function exposeSampled(out: string[], head: string, name: string, sampler: Sampler): void {
  out.push(head);
  for (const s of runSampler(sampler)) out.push(`${name}${labelString(s.labels)} ${formatValue(s.value)}\n`);
}

/**
 * A gauge read from engine state at scrape time, for values that are expensive or pointless to
 * keep up to date on every event (positions, PnL, book health, process stats).
 */
export class SampledGauge extends Gauge<string> implements FastExposition {
  private readonly head: string;

  constructor(
    private readonly cfg: FamilyConfig,
    private readonly sampler: Sampler,
  ) {
    super({ name: cfg.name, help: cfg.help, labelNames: cfg.labelNames, registers: [cfg.registry] });
    this.head = header(cfg, "gauge");
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

  expose(out: string[]): void {
    exposeSampled(out, this.head, this.cfg.name, this.sampler);
  }
}

/** A counter whose running total lives elsewhere (e.g. the kernel's CPU time) and is read at scrape time. */
export class SampledCounter extends Counter<string> implements FastExposition {
  private readonly head: string;

  constructor(
    private readonly cfg: FamilyConfig,
    private readonly sampler: Sampler,
  ) {
    super({ name: cfg.name, help: cfg.help, labelNames: cfg.labelNames, registers: [cfg.registry] });
    this.head = header(cfg, "counter");
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

  expose(out: string[]): void {
    exposeSampled(out, this.head, this.cfg.name, this.sampler);
  }
}

/** Per-child line prefixes of a histogram, rendered once: one per bucket, then _sum and _count. */
interface HistogramLines {
  readonly buckets: readonly string[];
  readonly sum: string;
  readonly count: string;
}

/** A histogram family whose children are HotHistograms with the family's buckets. */
export class HotHistogramFamily extends Histogram<string> implements FastExposition {
  private readonly children: Children<HotHistogram>;
  private readonly head: string;
  private readonly lines = new Map<HotHistogram, HistogramLines>();

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
    this.head = header(cfg, "histogram");
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

  expose(out: string[]): void {
    out.push(this.head);
    for (const c of this.children.byKey.values()) {
      const cell = c.cell;
      const lines = this.linesOf(c);
      let cumulative = 0;
      for (let i = 0; i < cell.bounds.length; i++) {
        cumulative += cell.counts[i]!;
        out.push(`${lines.buckets[i]}${cumulative}\n`);
      }
      out.push(`${lines.buckets[cell.bounds.length]}${cell.count}\n`);
      out.push(`${lines.sum}${formatValue(cell.sumNs / 1e9)}\n`);
      out.push(`${lines.count}${cell.count}\n`);
    }
  }

  private linesOf(c: Child<HotHistogram>): HistogramLines {
    let l = this.lines.get(c.cell);
    if (l === undefined) {
      const name = this.cfg.name;
      const buckets = [...c.cell.bounds.map(String), "+Inf"].map(
        (le) => `${name}_bucket${labelString(c.labels, `le="${le}"`)} `,
      );
      l = { buckets, sum: `${name}_sum${c.labelStr} `, count: `${name}_count${c.labelStr} ` };
      this.lines.set(c.cell, l);
    }
    return l;
  }
}
