/**
 * Driving a whole engine on a VirtualClock from a test: let the promise continuations queued so far
 * run, advance virtual time in small steps until a promise settles, and compare decimal balances
 * exactly. Shared by the deterministic simulation tests so each one states only its own scenario.
 */
import type { VirtualClock } from "../../src/services/clock.ts";

/** Virtual milliseconds per step of drive() and of simulation loops. */
export const STEP_MS = 20;

/** Lets every promise continuation queued so far run (the single writer's async edges). */
export function flush(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Advances virtual time in small steps until the promise settles (bounded). */
export async function drive<T>(clock: VirtualClock, p: Promise<T>, maxMs = 120_000, stepMs = STEP_MS): Promise<T> {
  let done = false;
  let value: T | undefined;
  let error: unknown;
  p.then(
    (v) => {
      done = true;
      value = v;
    },
    (e: unknown) => {
      done = true;
      error = e;
    },
  );
  for (let t = 0; !done && t < maxMs; t += stepMs) {
    clock.advance(stepMs);
    await flush();
  }
  if (!done) throw new Error(`did not settle within ${maxMs} ms of virtual time`);
  if (error !== undefined) throw error;
  return value as T;
}

/** Lets `ms` of virtual time pass (in drive's steps), with every timer and continuation on the way. */
export async function run(clock: VirtualClock, ms: number, stepMs = STEP_MS): Promise<void> {
  await drive(clock, new Promise<void>((r) => clock.setTimer(ms, r)), ms + 100, stepMs);
}

/** A decimal string as an exact count of 10^-18 units (balances compared without floats). */
export function toUnits(s: string): bigint {
  const neg = s.startsWith("-");
  const [i = "0", f = ""] = (neg ? s.slice(1) : s).split(".");
  const u = BigInt(i) * 10n ** 18n + BigInt((f + "0".repeat(18)).slice(0, 18));
  return neg ? -u : u;
}
