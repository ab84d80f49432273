/*
 * affinity.c - CPU affinity of the calling thread, for the engine's event loop and its simulator.
 *
 * Why in the C library: bun:ffi is the project's only door to libc (src/book/ is its one user), and
 * sched_setaffinity with pid 0 acts on the calling thread alone, which is what the engine wants: its
 * single-writer event loop on a core of its own, JSC's GC and Bun's helper threads left to float.
 * Why at all: a loopback order write wakes the simulator process that reads it, and the scheduler
 * places a wakee on the waker's core by preference, preempting the engine in the middle of its
 * handler (bench/RESULTS.md, "The bimodal tick-to-trade tail"). Pinned apart, the wakeup lands on
 * the simulator's own core.
 */
#define _GNU_SOURCE
#include <sched.h>

#include "hftcore.h"

hft_status hft_cpu_pin(const int32_t* cpus, int32_t n) {
  if (cpus == NULL) return HFT_E_NULL_POINTER;
  if (n < 1 || n > HFT_MAX_CPUS) return HFT_E_BAD_COUNT;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int32_t i = 0; i < n; i++) {
    if (cpus[i] < 0 || cpus[i] >= HFT_MAX_CPUS) return HFT_E_BAD_PARAMS;
    CPU_SET((size_t)cpus[i], &set);
  }
  /* EINVAL: none of the CPUs exists or may be used by this process (cgroup cpuset, taskset) */
  return sched_setaffinity(0, sizeof set, &set) == 0 ? HFT_OK : HFT_E_BAD_PARAMS;
}

int32_t hft_cpu_allowed(int32_t* out, int32_t cap) {
  if (cap < 0) return -HFT_E_BAD_COUNT;
  if (cap > 0 && out == NULL) return -HFT_E_NULL_POINTER;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return -HFT_E_BAD_PARAMS;
  int32_t count = 0;
  for (int32_t cpu = 0; cpu < HFT_MAX_CPUS; cpu++) {
    if (!CPU_ISSET((size_t)cpu, &set)) continue;
    if (count < cap) out[count] = cpu;
    count++;
  }
  return count;
}
