import { describe, expect, test } from "bun:test";
import { VirtualClock } from "./clock.ts";
import { createLogger, type LogLevel, redactValue } from "./log.ts";

function capture(opts: Parameters<typeof createLogger>[0] = {}) {
  const lines: { line: string; level: LogLevel }[] = [];
  const log = createLogger({
    clock: new VirtualClock(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
    ...opts,
    write: (line, level) => lines.push({ line, level }),
  });
  return { log, lines };
}

describe("logger", () => {
  test("text lines are readable: time, level, component, message, fields", () => {
    const { log, lines } = capture();
    log
      .child({ component: "engine" })
      .info("venue connected", { venue: "sim", symbols: ["BTC-USDT"], note: "two words" });
    expect(lines[0]?.line).toBe(
      '2026-01-02T03:04:05.006Z INFO  [engine] venue connected venue=sim symbols=["BTC-USDT"] note="two words"',
    );
  });

  test("text lines leave out empty-text fields (nothing to read); json lines keep them", () => {
    const text = capture();
    text.log.warn("not quoting", { detail: "", reason: "rate_limited", note: "" });
    expect(text.lines[0]?.line).toBe("2026-01-02T03:04:05.006Z WARN  not quoting reason=rate_limited");
    const json = capture({ format: "json" });
    json.log.warn("not quoting", { detail: "" });
    expect(JSON.parse(json.lines[0]?.line ?? "")).toMatchObject({ msg: "not quoting", detail: "" });
  });

  test("json lines parse and carry every field", () => {
    const { log, lines } = capture({ format: "json" });
    log.child({ component: "risk" }).warn("rejected", { reason: "max_position", lots: 5 });
    expect(JSON.parse(lines[0]?.line ?? "")).toEqual({
      time: "2026-01-02T03:04:05.006Z",
      level: "warn",
      msg: "rejected",
      component: "risk",
      reason: "max_position",
      lots: 5,
    });
  });

  test("levels below the threshold are dropped; the level reaches the writer", () => {
    const { log, lines } = capture({ level: "warn" });
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(lines.map((l) => l.level)).toEqual(["warn", "error"]);
    expect(log.enabled("info")).toBe(false);
    expect(log.enabled("error")).toBe(true);
  });

  test("secret-named fields and registered secret values are redacted at any depth", () => {
    const { log, lines } = capture({ format: "json", secrets: ["supersecretvalue123"] });
    log.info("auth with supersecretvalue123", {
      venue: { name: "b", api_key: "k-123456", nested: [{ apiSecret: "s-123456" }] },
      url: "wss://x?sig=supersecretvalue123",
      error: new Error("bad signature supersecretvalue123"),
    });
    const out = lines[0]?.line ?? "";
    expect(out).not.toContain("supersecretvalue123");
    expect(out).not.toContain("k-123456");
    expect(out).not.toContain("s-123456");
    expect(JSON.parse(out).venue.api_key).toBe("[redacted]");
  });

  test("redactValue leaves ordinary values alone and keeps empty secrets visible as empty", () => {
    expect(redactValue({ a: 1, b: "x", api_key: "", token: undefined, big: 5n })).toEqual({
      a: 1,
      b: "x",
      api_key: "",
      token: undefined,
      big: "5",
    });
  });
});

describe("message templates", () => {
  const fields = {
    event: "fill",
    venue: "sim",
    symbol: "BTC-USDT",
    side: "sell",
    quantity: "0.002",
    price: "60004.44",
    maker: true,
  };
  test("text reads as a sentence: named fields in place, the rest after, the event kind left out", () => {
    const { log, lines } = capture();
    log.info("fill {venue} {symbol} {side} {quantity} @ {price}", fields);
    expect(lines[0]?.line).toBe("2026-01-02T03:04:05.006Z INFO  fill sim BTC-USDT sell 0.002 @ 60004.44 maker=true");
  });
  test("json carries every value as its own field, and the sentence as msg", () => {
    const { log, lines } = capture({ format: "json" });
    log.info("fill {venue} {symbol} {side} {quantity} @ {price}", fields);
    expect(JSON.parse(lines[0]?.line ?? "")).toEqual({
      time: "2026-01-02T03:04:05.006Z",
      level: "info",
      msg: "fill sim BTC-USDT sell 0.002 @ 60004.44",
      ...fields,
    });
  });
  test("a brace that names no field stays as written; secrets are masked in place too", () => {
    const { log, lines } = capture({ secrets: ["hunter2-secret"] });
    log.info("odd {nope} key {k}", { k: "hunter2-secret" });
    expect(lines[0]?.line).toBe("2026-01-02T03:04:05.006Z INFO  odd {nope} key [redacted]");
  });
});
