/**
 * `bun run journal` as an operator runs it, next to a journal file: exports of fills, orders and PnL
 * as CSV and JSON with filters, `info`, and refusals that name the flag (exit 1).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteJournal } from "../src/journal/index.ts";

const ROOT = join(import.meta.dir, "..");
const DAY = Date.UTC(2026, 11, 1);
let dir = "";
let path = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "journal-cli-"));
  path = join(dir, "j.sqlite");
  const s = SqliteJournal.open(path);
  s.beginRun({ startedMs: DAY, configHash: "h", codeVersion: "v", clientIdHead: "e1-r1-" });
  s.write(
    [1, 2, 3].map((i) => ({
      kind: "fill" as const,
      venue: "bin",
      symbol: i === 3 ? "ETH-USDT" : "BTC-USDT",
      tradeId: String(i),
      clientId: `e1-r1-${i}`,
      venueOrderId: "9",
      side: "buy" as const,
      price: "60000.10",
      qty: "0.00100",
      fee: "0.06",
      feeAsset: "USDT",
      isMaker: true,
      venueTimeMs: DAY + (i - 1) * 86_400_000,
      localTimeMs: DAY,
      source: "stream" as const,
      estimated: false,
      currency: "USDT",
      realizedPnl: "1",
      feeQuote: "0.06",
      ephemeral: false,
    })),
  );
  s.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = Bun.spawnSync([process.execPath, "src/engine/journal-cli.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, HFT_JOURNAL_PATH: "" },
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe("bun run journal", () => {
  test("export fills --since ... --format csv: a header and one line per fill, exact decimals", () => {
    const r = Bun.spawnSync(
      [
        process.execPath,
        "run",
        "journal",
        "export",
        "fills",
        "--since",
        "2026-12-02",
        "--format",
        "csv",
        "--journal",
        path,
      ],
      {
        cwd: ROOT,
        env: process.env,
      },
    );
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.toString().trim().split("\n");
    expect(lines[0]?.split(",").slice(0, 9)).toEqual([
      "id",
      "venue",
      "symbol",
      "tradeId",
      "clientId",
      "venueOrderId",
      "side",
      "price",
      "qty",
    ]);
    expect(lines.slice(1).map((l) => l.split(",").slice(2, 4).join(" "))).toEqual(["BTC-USDT 2", "ETH-USDT 3"]);
    expect(lines[1]).toContain(",60000.10,0.00100,0.06,USDT,");
  }, 30_000);

  test("export as JSON to a file, filtered by symbol; pnl and orders too", () => {
    const out = join(dir, "fills.json");
    const r = cli("export", "fills", "--symbol", "BTC-USDT", "--format", "json", "-o", out, "--journal", path);
    expect({ code: r.code, err: r.err.trim() }).toEqual({ code: 0, err: "exported 2 fills" });
    const rows = JSON.parse(readFileSync(out, "utf8")) as { tradeId: string; realizedPnl: string }[];
    expect(rows.map((f) => f.tradeId)).toEqual(["1", "2"]);
    const pnl = cli("export", "pnl", "--format", "json", "--journal", path);
    expect((JSON.parse(pnl.out) as { day: string; net: string }[]).map((d) => [d.day, d.net])).toEqual([
      ["2026-12-01", "0.94"],
      ["2026-12-02", "0.94"],
      ["2026-12-03", "0.94"],
    ]);
    expect(cli("export", "orders", "--journal", path).out.trim().split("\n").length).toBe(1);
  }, 30_000);

  test("info reports the schema and counts", () => {
    const r = cli("info", "--journal", path);
    expect(JSON.parse(r.out)).toMatchObject({ schemaVersion: 1, runs: 1, fills: 3 });
  }, 30_000);

  test("mistakes stop it with exit 1 and a message naming what is wrong", () => {
    const cases: [string[], string][] = [
      [["export", "fills", "--jornal", path], "--jornal: unknown option"],
      [["export", "fills", "--format", "xml", "--journal", path], "--format: expected csv or json"],
      [["export", "trades", "--journal", path], 'export: expected fills, orders or pnl, got "trades"'],
      [["export", "pnl", "--client-id", "x", "--journal", path], "--client-id: export pnl takes no such filter"],
      [["export", "fills", "--since", "someday", "--journal", path], "--since: expected a UTC day"],
      [["export", "fills", "--journal", join(dir, "missing.sqlite")], "no such file"],
      [["frobnicate"], 'unknown command "frobnicate"'],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect({ args, code: r.code, out: r.out, says: r.err.includes(message) }).toEqual({
        args,
        code: 1,
        out: "",
        says: true,
      });
    }
  }, 60_000);
});
