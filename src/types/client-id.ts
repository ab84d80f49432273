/**
 * Client order id rules shared by every venue adapter: the id is the idempotency key of a
 * submission (a retry with the same id can never create a second order) and its prefix is how an
 * adapter recognises this engine's orders (cancelAll touches only those). Format `<prefix>-<rest>`,
 * at most 36 characters of [A-Za-z0-9_-], the strictest set among the venues we target.
 */

export const MAX_CLIENT_ID_LENGTH = 36;
const ID_RE = /^[A-Za-z0-9_-]{1,36}$/;
const PREFIX_RE = /^[A-Za-z0-9]{1,8}$/;

/** Whether a venue will accept this id (Binance: ≤36 chars of [A-Za-z0-9_-] in our convention). */
export function isValidClientId(id: string): boolean {
  return ID_RE.test(id);
}

/** Whether a prefix can be used: 1–8 letters/digits, so "<prefix>-" never matches another prefix. */
export function isValidClientIdPrefix(prefix: string): boolean {
  return PREFIX_RE.test(prefix);
}

/** Whether an id belongs to an engine using this prefix. */
export function isOwnClientId(id: string, prefix: string): boolean {
  return id.length > prefix.length + 1 && id.startsWith(prefix) && id.charCodeAt(prefix.length) === 45; // '-'
}

/**
 * Prefix + run + sequence ids for callers that do not bring their own (tests, tools); the engine's
 * order manager has its own generator following the same format.
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

  next(): string {
    this.seq++;
    return this.head + this.seq.toString(10);
  }
}
