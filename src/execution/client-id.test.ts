import { describe, expect, test } from "bun:test";
import { Rng, VirtualClock } from "../services/index.ts";
import { isValidClientIdPrefix, MAX_CLIENT_ID_LENGTH } from "../types/index.ts";
import { ClientIdGenerator } from "./client-id.ts";

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

  test("bad prefixes are refused with the prefix in the message", () => {
    for (const p of ["", "has-dash", "under_s", "toolong12", "sp ace"]) {
      expect(isValidClientIdPrefix(p)).toBe(false);
      expect(() => new ClientIdGenerator(p, new VirtualClock(), new Rng(1))).toThrow(JSON.stringify(p));
    }
    expect(isValidClientIdPrefix("ABCdef12")).toBe(true);
  });
});
