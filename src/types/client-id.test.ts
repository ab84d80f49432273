import { describe, expect, test } from "bun:test";
import { ClientIdSequence, isOwnClientId, isValidClientId, isValidClientIdPrefix } from "./client-id.ts";

describe("client id rules", () => {
  test("sequence ids are valid, unique and own", () => {
    const s = new ClientIdSequence("hft1", "lq3k9x");
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) ids.add(s.next());
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(isValidClientId(id)).toBe(true);
      expect(isOwnClientId(id, "hft1")).toBe(true);
      expect(isOwnClientId(id, "hft")).toBe(false);
    }
    expect(isValidClientId("a".repeat(37))).toBe(false);
    expect(isValidClientId("bad id")).toBe(false);
    expect(() => new ClientIdSequence("bad-prefix", "x")).toThrow(/clientIdPrefix/);
  });
  test("ownership is by exact prefix", () => {
    expect(isOwnClientId("hft1-abc-1", "hft1")).toBe(true);
    expect(isOwnClientId("hft12-abc-1", "hft1")).toBe(false);
    expect(isOwnClientId("hft1", "hft1")).toBe(false);
    expect(isOwnClientId("xhft1-abc-1", "hft1")).toBe(false);
    expect(isOwnClientId("web_123", "hft1")).toBe(false);
  });

  test("an id that is only the prefix and its dash is not this engine's (one rule for adapters and orders)", () => {
    expect(isOwnClientId("hft1-", "hft1")).toBe(false);
    expect(isOwnClientId("hft1-x", "hft1")).toBe(true);
    expect(isValidClientIdPrefix("hft1")).toBe(true);
  });
});
