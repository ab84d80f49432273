import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../services/clock.ts";
import { Rng } from "../services/rng.ts";
import { ClientIdGenerator, isOwnClientId, isValidPrefix, MAX_CLIENT_ID_LENGTH } from "./client-id.ts";

describe("client ids", () => {
  test("are at most 36 chars of [A-Za-z0-9-_] and unique within a run", () => {
    const gen = new ClientIdGenerator("hft1", new VirtualClock(Date.UTC(2099, 11, 31)), new Rng(1));
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const id = gen.next();
      expect(id.length).toBeLessThanOrEqual(MAX_CLIENT_ID_LENGTH);
      expect(ClientIdGenerator.isValid(id)).toBe(true);
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
    expect(gen.next().startsWith("hft1-")).toBe(true);
  });

  test("differ across restarts: a later start, or the same ms with another salt", () => {
    const a = new ClientIdGenerator("hft1", new VirtualClock(1_700_000_000_000), new Rng("a"));
    const b = new ClientIdGenerator("hft1", new VirtualClock(1_700_000_000_001), new Rng("a"));
    const c = new ClientIdGenerator("hft1", new VirtualClock(1_700_000_000_000), new Rng("c"));
    expect(a.next()).not.toBe(b.next());
    expect(a.runId).not.toBe(c.runId);
    expect(a.isThisRun(a.next())).toBe(true);
    expect(a.isThisRun(b.next())).toBe(false);
    expect(a.owns(b.next())).toBe(true);
  });

  test("ownership is by exact prefix", () => {
    expect(isOwnClientId("hft1-abc-1", "hft1")).toBe(true);
    expect(isOwnClientId("hft12-abc-1", "hft1")).toBe(false);
    expect(isOwnClientId("hft1", "hft1")).toBe(false);
    expect(isOwnClientId("xhft1-abc-1", "hft1")).toBe(false);
    expect(isOwnClientId("web_123", "hft1")).toBe(false);
  });

  test("bad prefixes are refused with the prefix in the message", () => {
    for (const p of ["", "has-dash", "under_s", "toolong12", "sp ace"]) {
      expect(isValidPrefix(p)).toBe(false);
      expect(() => new ClientIdGenerator(p, new VirtualClock(), new Rng(1))).toThrow(JSON.stringify(p));
    }
    expect(isValidPrefix("ABCdef12")).toBe(true);
  });
});
