/** The shared bearer check: header parsing (scheme case-insensitive, one token) and secret equality. */
import { expect, test } from "bun:test";
import { bearerToken, secretDigest, secretMatchesDigest, secretsEqual } from "./bearer.ts";

test("bearerToken takes the token of a Bearer header and nothing else", () => {
  expect(bearerToken("Bearer abc")).toBe("abc");
  expect(bearerToken("bearer abc")).toBe("abc");
  expect(bearerToken("Bearer \t abc \t")).toBe("abc");
  expect(bearerToken("Bearer abc def")).toBeUndefined();
  expect(bearerToken("Basic abc")).toBeUndefined();
  expect(bearerToken("Bearerabc")).toBeUndefined();
  expect(bearerToken("Bearer ")).toBeUndefined();
  expect(bearerToken("")).toBeUndefined();
  expect(bearerToken(null)).toBeUndefined();
  expect(bearerToken(undefined)).toBeUndefined();
});

test("secrets compare equal only when identical, whatever their lengths", () => {
  expect(secretsEqual("s3cret-token", "s3cret-token")).toBe(true);
  expect(secretsEqual("s3cret-token", "s3cret-tokem")).toBe(false);
  expect(secretsEqual("s3cret", "s3cret-token")).toBe(false);
  expect(secretsEqual("", "s3cret")).toBe(false);
  expect(secretsEqual("", "")).toBe(true);
  expect(secretMatchesDigest("é", secretDigest("é"))).toBe(true);
  expect(secretDigest("a").length).toBe(secretDigest("a much longer secret than that").length);
});
