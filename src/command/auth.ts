/**
 * Bearer-token check for the control routes. The token comes from an environment variable (or a
 * file named by <VAR>_FILE, for Docker secrets); without one the control routes are disabled, never
 * open. The header is parsed and the token compared by services' bearer check (SHA-256 digests with
 * timingSafeEqual, so neither the length nor the content leaks through timing), the same one the
 * simulators' admin ports use.
 */
import { bearerToken, secretDigest, secretFromEnv, secretMatchesDigest } from "../services/index.ts";

/** Default name of the environment variable holding the control token. */
export const DEFAULT_TOKEN_ENV = "HFT_CONTROL_TOKEN";
/** Shorter tokens are refused at start-up: they can be guessed. */
export const MIN_TOKEN_LENGTH = 16;

export type AuthOutcome = "ok" | "disabled" | "missing" | "invalid";

/**
 * Reads the token from env[name] or from the file named by env[`${name}_FILE`] (surrounding
 * whitespace removed); undefined if neither is set. Throws naming the variable (and the file's path)
 * when both are set or the file cannot be read or is empty.
 */
export function readControlToken(env: Readonly<Record<string, string | undefined>>, name = DEFAULT_TOKEN_ENV) {
  const r = secretFromEnv(env, name);
  if (!r.ok) throw new Error(r.message);
  return r.value?.trim();
}

/** Checks Authorization headers against the configured token. */
export class ControlAuth {
  private readonly expected: Buffer | undefined;

  /** `token` undefined disables the control routes; a short token is a configuration error. */
  constructor(
    token: string | undefined,
    readonly envName = DEFAULT_TOKEN_ENV,
  ) {
    if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
      throw new Error(`${envName}: the control token must be at least ${MIN_TOKEN_LENGTH} characters`);
    }
    this.expected = token === undefined ? undefined : secretDigest(token);
  }

  /** Builds the check from the environment (NAME or NAME_FILE). */
  static fromEnv(env: Readonly<Record<string, string | undefined>>, name = DEFAULT_TOKEN_ENV): ControlAuth {
    return new ControlAuth(readControlToken(env, name), name);
  }

  get enabled(): boolean {
    return this.expected !== undefined;
  }

  /** Verdict for one request's Authorization header. */
  check(authorization: string | null): AuthOutcome {
    if (this.expected === undefined) return "disabled";
    const given = bearerToken(authorization);
    if (given === undefined) return "missing";
    return secretMatchesDigest(given, this.expected) ? "ok" : "invalid";
  }
}
