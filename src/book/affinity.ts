/**
 * CPU affinity of the calling thread, through the C library (the project's one bun:ffi door): the
 * engine pins its event loop, and keeps the simulator child it starts off that core, because a
 * loopback order write wakes the simulator and the scheduler would otherwise run it on the engine's
 * core, preempting the engine mid-handler (bench/RESULTS.md, "The bimodal tick-to-trade tail").
 */
import { native } from "./ffi.ts";
import { bookStatusName } from "./layout.ts";

/** Highest CPU id + 1 the C side accepts (glibc's cpu_set_t). */
export const MAX_CPU_ID = 1023;

/** The CPUs this thread may run on now, ascending (what taskset, a cgroup cpuset or a pin left it). */
export function allowedCpus(): number[] {
  const n = native.hft_cpu_allowed(null, 0);
  if (n < 0) throw new Error(`cannot read the CPU affinity: ${bookStatusName(-n)}`);
  const out = new Int32Array(n);
  native.hft_cpu_allowed(out, n);
  return Array.from(out);
}

/**
 * Pins the calling thread (the JS event loop; not the process's other threads) to `cpus`. Throws,
 * naming `path` (the config key), when a CPU does not exist or is not allowed to this process; the
 * affinity is unchanged then.
 */
export function pinThread(cpus: readonly number[], path: string): void {
  if (cpus.length === 0) throw new Error(`${path}: no CPU to pin to`);
  for (const c of cpus)
    if (!Number.isInteger(c) || c < 0 || c > MAX_CPU_ID)
      throw new Error(`${path}: CPU ${c} is not in 0..${MAX_CPU_ID}`);
  const status = native.hft_cpu_pin(Int32Array.from(cpus), cpus.length);
  if (status !== 0) {
    throw new Error(
      `${path}: cannot pin to CPU ${cpus.join(",")} (${bookStatusName(status)}): this process may use CPU ${allowedCpus().join(",")}`,
    );
  }
}
