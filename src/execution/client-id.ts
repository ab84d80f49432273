/**
 * Client order ids: the key that makes every submit idempotent and lets a restarted engine find the
 * orders an earlier run left behind. Format `<prefix>-<run>-<seq>`: the prefix names the engine, the
 * run part (start epoch ms + a random salt, base 36) differs across restarts, the sequence across
 * orders (decimal), so an id never repeats. The rules (length, characters, ownership) are types/'s.
 */
import type { Clock, Rng } from "../services/index.ts";
import { isOwnClientId, isValidClientId, isValidClientIdPrefix, MAX_CLIENT_ID_LENGTH } from "../types/index.ts";

/** Makes this run's ids; one per engine process. */
export class ClientIdGenerator {
  readonly prefix: string;
  /** This run's identity: base-36 start epoch ms plus two random base-36 digits. */
  readonly runId: string;
  private readonly head: string;
  private seq = 0;

  constructor(prefix: string, clock: Clock, rng: Rng) {
    if (!isValidClientIdPrefix(prefix)) {
      throw new Error(`client id prefix ${JSON.stringify(prefix)}: expected 1-8 letters or digits`);
    }
    const salt = rng
      .int(36 * 36)
      .toString(36)
      .padStart(2, "0");
    this.prefix = prefix;
    this.runId = Math.floor(clock.nowMs()).toString(36) + salt;
    this.head = `${prefix}-${this.runId}-`;
    // 8 + 1 + 10 + 1 leaves 16 decimal digits of sequence: more than 2^53.
    if (this.head.length + 16 > MAX_CLIENT_ID_LENGTH) throw new Error(`client id head ${this.head} is too long`);
  }

  /** The next id of this run. */
  next(): string {
    this.seq++;
    return this.head + this.seq;
  }

  /** Whether an id belongs to this engine (its prefix), from this or an earlier run. */
  owns(clientId: string): boolean {
    return isOwnClientId(clientId, this.prefix);
  }

  /** Whether an id was made by this very run (so it is not an orphan of an earlier one). */
  isThisRun(clientId: string): boolean {
    return clientId.startsWith(this.head);
  }

  /** Whether a string is a syntactically valid client id for every venue we target. */
  static isValid(clientId: string): boolean {
    return isValidClientId(clientId);
  }
}
