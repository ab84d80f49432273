/**
 * Drives a replay on a virtual clock: always the earliest thing next — an engine timer, or a recorded
 * frame reaching the venue or the engine — and after anything that can resume a promise (a timer, an
 * order answer) it lets the engine's pending continuations run before time moves on. Plain market
 * data needs no yield: the engine handles it synchronously. So the run is a pure function of data,
 * config and seed, and as fast as the book and the strategy allow.
 */
import type { VirtualClock } from "../services/index.ts";
import type { ReplaySession } from "../venues/index.ts";

/** Lets promise continuations queued so far (and the ones they queue, a few levels deep) run. */
function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** A full yield to the event loop (setImmediate): everything queued runs, the progress bar can draw. */
function yieldLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Step counters of a drive, for the progress line. */
export interface DriveProgress {
  steps: number;
}

/** Runs until `done()` or until nothing is left to do (no data, no timer); calls tick every 4096 steps. */
export async function driveReplay(
  clock: VirtualClock,
  session: ReplaySession,
  done: () => boolean,
  tick: () => void = () => {},
): Promise<void> {
  let idle = 0;
  let sinceTick = 0;
  await settle(); // whatever the caller just started runs up to its first wait before data moves
  for (;;) {
    if (done()) return;
    const tData = session.nextTimeMs();
    const tTimer = clock.nextDueMs() ?? Number.POSITIVE_INFINITY;
    if (tData === Number.POSITIVE_INFINITY && tTimer === Number.POSITIVE_INFINITY) {
      await yieldLoop();
      if (++idle > 3) return;
      continue;
    }
    idle = 0;
    if (tTimer <= tData) {
      clock.advanceTo(tTimer);
      await settle();
      sinceTick++;
    } else {
      // plain market data: the engine handles it synchronously, so many frames run in one call
      sinceTick += session.stepUntilTimer(clock, TICK_STEPS - sinceTick);
      if (session.activity) {
        session.activity = false;
        await settle();
      }
    }
    if (sinceTick >= TICK_STEPS) {
      sinceTick = 0;
      tick();
      await yieldLoop();
    }
  }
}

/** Steps between progress ticks (and full turns of the event loop). */
const TICK_STEPS = 4096;

/** Drives until a promise settles; returns its value or throws its error. */
export async function driveUntilSettled<T>(
  clock: VirtualClock,
  session: ReplaySession,
  p: Promise<T>,
  tick?: () => void,
): Promise<T> {
  let state = "pending" as "pending" | "ok" | "err";
  let value: T | undefined;
  let error: unknown;
  p.then(
    (v) => {
      state = "ok";
      value = v;
    },
    (e: unknown) => {
      state = "err";
      error = e;
    },
  );
  await driveReplay(clock, session, () => state !== "pending", tick);
  if (state === "pending") await yieldLoop();
  if (state === "err") throw error;
  if (state === "pending") throw new Error("the replay ended before the engine finished (nothing left to drive)");
  return value as T;
}
