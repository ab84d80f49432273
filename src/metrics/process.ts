/**
 * A few cheap process metrics in the standard `process_*` names. prom-client's collectDefaultMetrics
 * costs ~6.5 ms per scrape on Bun (heap-space statistics); these cost tens of microseconds together.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Registry } from "prom-client";
import { SampledCounter, SampledGauge } from "./families.ts";

/** Reads the soft "Max open files" limit once; undefined where /proc is absent. */
function readMaxFds(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s+/)[3];
    const n = soft === undefined ? Number.NaN : Number(soft);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Counts open file descriptors via /proc (about 20 µs); undefined where /proc is absent. */
function countOpenFds(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return undefined;
  }
}

/** Registers the process metrics on a registry; all values are read at scrape time. */
export function registerProcessMetrics(registry: Registry): void {
  const startSeconds = performance.timeOrigin / 1000;
  const maxFds = readMaxFds();
  const none = {};
  new SampledCounter(
    { name: "process_cpu_user_seconds_total", help: "User CPU time spent, in seconds.", labelNames: [], registry },
    (emit) => emit(none, process.cpuUsage().user / 1e6),
  );
  new SampledCounter(
    { name: "process_cpu_system_seconds_total", help: "System CPU time spent, in seconds.", labelNames: [], registry },
    (emit) => emit(none, process.cpuUsage().system / 1e6),
  );
  new SampledCounter(
    {
      name: "process_cpu_seconds_total",
      help: "User and system CPU time spent, in seconds.",
      labelNames: [],
      registry,
    },
    (emit) => {
      const u = process.cpuUsage();
      emit(none, (u.user + u.system) / 1e6);
    },
  );
  new SampledGauge(
    {
      name: "process_start_time_seconds",
      help: "Start time of the process since the Unix epoch, in seconds.",
      labelNames: [],
      registry,
    },
    (emit) => emit(none, startSeconds),
  );
  // One memoryUsage() call (~15 µs) feeds RSS and both heap gauges; the RSS sampler runs first.
  let heapUsed = 0;
  let heapTotal = 0;
  new SampledGauge(
    { name: "process_resident_memory_bytes", help: "Resident memory size, in bytes.", labelNames: [], registry },
    (emit) => {
      const m = process.memoryUsage();
      heapUsed = m.heapUsed;
      heapTotal = m.heapTotal;
      emit(none, m.rss);
    },
  );
  new SampledGauge(
    { name: "hft_js_heap_used_bytes", help: "JavaScript heap in use, in bytes.", labelNames: [], registry },
    (emit) => emit(none, heapUsed),
  );
  new SampledGauge(
    { name: "hft_js_heap_size_bytes", help: "JavaScript heap reserved, in bytes.", labelNames: [], registry },
    (emit) => emit(none, heapTotal),
  );
  new SampledGauge(
    { name: "process_open_fds", help: "Number of open file descriptors.", labelNames: [], registry },
    (emit) => {
      const n = countOpenFds();
      if (n !== undefined) emit(none, n);
    },
  );
  if (maxFds !== undefined) {
    new SampledGauge(
      { name: "process_max_fds", help: "Maximum number of open file descriptors.", labelNames: [], registry },
      (emit) => emit(none, maxFds),
    );
  }
}
