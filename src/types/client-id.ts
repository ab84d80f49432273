/**
 * Client order id rules, written once for every venue adapter and the order manager: the id is the
 * idempotency key of a submission (a retry with the same id can never create a second order) and its
 * prefix is how an engine recognises its own orders (cancelAll touches only those, a restart finds
 * an earlier run's). Format `<prefix>-<rest>`, at most 36 characters of [A-Za-z0-9_-], the strictest
 * set among the venues we target.
 */

/** Longest client id any venue we target accepts. */
export const MAX_CLIENT_ID_LENGTH = 36;
const ID_RE = /^[A-Za-z0-9_-]{1,36}$/;
const PREFIX_RE = /^[A-Za-z0-9]{1,8}$/;

/** Whether every venue we target accepts this id. */
export function isValidClientId(id: string): boolean {
  return ID_RE.test(id);
}

/** Whether a prefix can be used: 1–8 letters/digits, so "<prefix>-" never matches another prefix. */
export function isValidClientIdPrefix(prefix: string): boolean {
  return PREFIX_RE.test(prefix);
}

/**
 * Whether an id belongs to an engine using this prefix (any run): the prefix, a dash, and at least
 * one character after it ("hft1-" alone is no id this engine makes).
 */
export function isOwnClientId(id: string, prefix: string): boolean {
  return id.length > prefix.length + 1 && id.startsWith(prefix) && id.charCodeAt(prefix.length) === 45; // '-'
}

/**
 * Prefix + run + sequence ids for callers that do not bring their own (tests, tools); the engine's
 * order manager has its own generator (execution's ClientIdGenerator) following the same format.
 */
export class ClientIdSequence {
  private seq = 0;
  private readonly head: string;

  constructor(prefix: string, runTag: string) {
    if (!isValidClientIdPrefix(prefix))
      throw new Error(`clientIdPrefix ${JSON.stringify(prefix)}: expected 1-8 letters/digits`);
    if (!/^[A-Za-z0-9]{1,10}$/.test(runTag))
      throw new Error(`client id run tag ${JSON.stringify(runTag)}: 1-10 letters/digits`);
    this.head = `${prefix}-${runTag}-`;
  }

  /** The next id of this sequence. */
  next(): string {
    this.seq++;
    return this.head + this.seq.toString(10);
  }
}
