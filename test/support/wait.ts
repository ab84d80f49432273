/**
 * Waiting on conditions instead of fixed times: a test on a loaded 2-core machine must not fail
 * because something took longer than on a quiet one. Every wait polls its condition and is bounded
 * only by a generous limit (so a real hang still ends with a message naming what was awaited).
 */

/** The default bound of a wait: far above any healthy run, well below the suite's test timeout. */
export const WAIT_MS = 45_000;

/** Polls cond every pollMs until it holds or timeoutMs passes; returns whether it held. */
export async function eventually(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = WAIT_MS,
  pollMs = 20,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await Bun.sleep(pollMs);
  }
  return cond();
}

/** Like eventually, but throws an error naming what it waited for (and any context, a seed say). */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = WAIT_MS,
  context: () => string = () => "",
): Promise<void> {
  if (await eventually(cond, timeoutMs)) return;
  const extra = context();
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${extra === "" ? "" : `: ${extra}`}`);
}

/** What a started promise came to, read without awaiting it (a call a test holds up, then releases). */
export interface Outcome {
  /** "settled": it resolved; "failed": it rejected, with `error`. */
  state: "pending" | "settled" | "failed";
  error?: unknown;
}

/** Watches a promise the test does not await: its outcome is read (and waited for) through the returned record. */
export function watch(p: Promise<unknown>): Outcome {
  const o: Outcome = { state: "pending" };
  p.then(
    () => {
      o.state = "settled";
    },
    (e: unknown) => {
      o.state = "failed";
      o.error = e;
    },
  );
  return o;
}
