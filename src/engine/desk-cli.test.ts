import { describe, expect, test } from "bun:test";
import { DeskView } from "../desk/index.ts";
import { renderDesk, runDeskCli } from "./desk-cli.ts";

describe("bun run desk", () => {
  test("prints positions, PnL and open orders per engine and the firm's totals as tables", () => {
    const v = new DeskView();
    const position = {
      kind: "position" as const,
      tsMs: 1,
      venue: "sim",
      symbol: "BTC/USDT",
      tick: "0.1",
      step: "0.001",
      lots: 2,
      position: "0.002",
      entries: [],
      openCost: "100",
      realized: "1.5",
      fees: "0.1",
      feesByAsset: { USDT: "0.1" },
      unvaluedFees: 0,
      fills: 1,
      boughtLots: 2,
      soldLots: 0,
    };
    v.apply({ engine: "a", session: "s", seq: 1, record: position });
    v.apply({
      engine: "b",
      session: "t",
      seq: 1,
      record: { ...position, position: "-0.001", lots: -1, openCost: "50.1" },
    });
    const text = renderDesk(v.snapshot());
    expect(text).toMatch(/^engine\s+venue\s+symbol\s+position\s+realized\s+unrealized\s+fees\s+mark\s+open$/m);
    expect(text).toMatch(/^a\s+sim\s+BTC\/USDT\s+0\.002\s+1\.5\s+-\s+0\.1\s+-\s+0$/m);
    expect(text).toMatch(/^BTC\/USDT\s+0\.001$/m);
    expect(text).toMatch(/^pnl\s+USDT\s+3\s+0\s+0\.2\s+2\.8$/m);
    expect(text).toContain("open orders 0; records 2, duplicates 0, malformed 0, missing 0");
  });

  test("a mistyped flag or a server that is not a URL is a usage error (exit 1) naming it", async () => {
    let err = "";
    const run = (...argv: string[]) =>
      runDeskCli(
        argv,
        {},
        () => {},
        (t) => (err += t),
      );
    expect(await run("--servres", "nats://127.0.0.1:4222")).toBe(1);
    expect(err).toContain("servres");
    expect(await run("--servers", "127.0.0.1:4222")).toBe(1);
    expect(err).toContain("--servers: 127.0.0.1:4222 is not a URL");
    expect(await run("--servers", "nats://127.0.0.1:4222", "--interval-ms", "0")).toBe(1);
    expect(err).toContain("--interval-ms: expected 1..3600000, got 0");
    let out = "";
    expect(await runDeskCli(["--help"], {}, (t) => (out += t))).toBe(0);
    expect(out).toContain("usage: bun run desk");
  });

  test("a desk that cannot be reached is an error naming the servers (exit 1)", async () => {
    let err = "";
    expect(
      await runDeskCli(
        ["--servers", "nats://127.0.0.1:1", "--once"],
        {},
        () => {},
        (t) => (err += t),
      ),
    ).toBe(1);
    expect(err).toContain("desk.nats.servers: cannot connect to nats://127.0.0.1:1");
  });
});
