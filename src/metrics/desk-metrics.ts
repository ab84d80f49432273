/**
 * The desk's metrics (hft_desk_*), read at scrape time from what the desk bus already counts, so the
 * engine's hot path pays nothing for them: whether this engine is connected to the desk, how its
 * journal's records fare on their way to the desk stream, the desk's kill switch, and the desk view
 * when this engine folds one.
 */
import type { Registry } from "prom-client";
import { type Emit, SampledCounter, SampledGauge } from "./families.ts";

/** What the desk bus reports at each scrape. */
export interface DeskMetricsSample {
  readonly connected: boolean;
  readonly reconnects: number;
  /** Records the server acknowledged (duplicates included). */
  readonly acked: number;
  readonly duplicates: number;
  readonly retries: number;
  readonly refusedBatches: number;
  /** Records waiting for the server. */
  readonly queue: number;
  /** Since the last ack, in seconds (undefined: none yet). */
  readonly lastAckAgeSeconds: number | undefined;
  readonly killHalted: boolean;
  /** The view's counts, when this engine folds the desk view. */
  readonly view?: {
    readonly applied: number;
    readonly duplicates: number;
    readonly pending: number;
    readonly malformed: Readonly<Record<string, number>>;
  };
}

/** Registers the hft_desk_* families on the engine's registry; `read` is called once per family per scrape. */
export function registerDeskMetrics(registry: Registry, read: () => DeskMetricsSample | undefined): void {
  const from = (pick: (s: DeskMetricsSample, emit: Emit) => void) => (emit: Emit) => {
    const s = read();
    if (s !== undefined) pick(s, emit);
  };
  const gauge = (name: string, help: string, pick: (s: DeskMetricsSample) => number | undefined) =>
    new SampledGauge(
      { name, help, labelNames: [], registry },
      from((s, emit) => {
        const v = pick(s);
        if (v !== undefined) emit({}, v);
      }),
    );
  const counter = (name: string, help: string, pick: (s: DeskMetricsSample) => number | undefined) =>
    new SampledCounter(
      { name, help, labelNames: [], registry },
      from((s, emit) => {
        const v = pick(s);
        if (v !== undefined) emit({}, v);
      }),
    );
  gauge("hft_desk_connected", "1 while this engine is connected to the desk's NATS server.", (s) =>
    s.connected ? 1 : 0,
  );
  counter("hft_desk_reconnects_total", "Desk connections re-established after a loss.", (s) => s.reconnects);
  counter(
    "hft_desk_published_total",
    "Journal records the desk stream acknowledged as stored (duplicates included).",
    (s) => s.acked,
  );
  counter(
    "hft_desk_duplicates_total",
    "Publishes the server dropped as duplicates (a retry of a stored record).",
    (s) => s.duplicates,
  );
  counter(
    "hft_desk_retries_total",
    "Publish attempts that failed and were retried with the same message id.",
    (s) => s.retries,
  );
  counter(
    "hft_desk_refused_batches_total",
    "Journal batches refused because the desk queue was full (kept only in the local journal).",
    (s) => s.refusedBatches,
  );
  gauge("hft_desk_queue_length", "Journal records waiting for the desk stream's ack.", (s) => s.queue);
  gauge(
    "hft_desk_last_ack_age_seconds",
    "Seconds since the desk stream last acknowledged a record.",
    (s) => s.lastAckAgeSeconds,
  );
  gauge("hft_desk_kill_switch_halted", "1 while the desk's kill switch is engaged.", (s) => (s.killHalted ? 1 : 0));
  counter("hft_desk_view_applied_total", "Stream records folded into this engine's desk view.", (s) => s.view?.applied);
  counter(
    "hft_desk_view_duplicates_total",
    "Stream messages the desk view had folded already.",
    (s) => s.view?.duplicates,
  );
  gauge("hft_desk_view_pending", "Stream messages the desk view has not read yet (its lag).", (s) => s.view?.pending);
  new SampledCounter(
    {
      name: "hft_desk_view_malformed_total",
      help: "Stream messages the desk view refused, by reason.",
      labelNames: ["reason"],
      registry,
    },
    from((s, emit) => {
      for (const [reason, n] of Object.entries(s.view?.malformed ?? {})) emit({ reason }, n);
    }),
  );
}
