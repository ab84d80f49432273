/**
 * Resolving an order submission whose outcome is unknown (timeout, 5xx, Binance -1007): the only
 * safe move is to ask the venue about the client id, a few times with a delay, and never to resend
 * blindly, because a resend of a placed order would be a second order if the venue forgot the id.
 */

/** What one status query found. */
export type StatusProbe<T> = { found: true; value: T } | { found: false };

/** Outcome of resolution: the order exists (with what the venue says), or it never arrived. */
export type Resolution<T> = { placed: true; value: T } | { placed: false; attempts: number };

/**
 * Queries `probe` up to `attempts` times, `delayMs` apart; errors of a probe count as "not known yet"
 * (the venue may still be unreachable) and the last one is rethrown if no probe ever answered.
 */
export async function resolveUnknownOutcome<T>(
  probe: () => Promise<StatusProbe<T>>,
  sleep: (ms: number) => Promise<void>,
  attempts = 4,
  delayMs = 250,
): Promise<Resolution<T>> {
  let answered = false;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await sleep(delayMs);
    try {
      const r = await probe();
      answered = true;
      if (r.found) return { placed: true, value: r.value };
    } catch (e) {
      lastError = e;
    }
  }
  if (!answered) throw lastError instanceof Error ? lastError : new Error(String(lastError));
  return { placed: false, attempts };
}
