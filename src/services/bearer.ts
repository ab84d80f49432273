/**
 * Bearer-token checks shared by every HTTP surface that takes a token (the engine's control API, the
 * simulators' admin ports), so they parse the header the same way and compare in constant time: the
 * tokens are compared as SHA-256 digests with timingSafeEqual, so neither length nor content leaks
 * through timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const BEARER_RE = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 7235), or undefined. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  if (authorization === null || authorization === undefined) return undefined;
  const m = BEARER_RE.exec(authorization);
  return m === null ? undefined : m[1];
}

/** SHA-256 of a secret: what constant-time comparisons compare (fixed length whatever the secret). */
export function secretDigest(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/** Whether `given` equals the secret whose digest is `expectedDigest`, in time independent of both. */
export function secretMatchesDigest(given: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(secretDigest(given), expectedDigest);
}

/** Constant-time equality of two secrets (for callers that keep the expected secret, not its digest). */
export function secretsEqual(given: string, expected: string): boolean {
  return secretMatchesDigest(given, secretDigest(expected));
}
