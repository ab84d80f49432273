import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OrderBook } from "../book/index.ts";
import { Side } from "../types/index.ts";
import { FrameKind } from "./format.ts";
import { FrameCursor, IssueLog, listRecordings, RecordingFile } from "./reader.ts";
import { BOOK_COLUMNS, importTardis, TRADE_COLUMNS } from "./tardis.ts";
import { exportTardis } from "./tardis-export.ts";
import { InlineSink, StreamWriter } from "./writer.ts";

const T0 = Date.UTC(2026, 0, 5) * 1000; // µs

function csv(dir: string, name: string, header: string, rows: string[], gzip = true): string {
  const text = `${header}\n${rows.join("\n")}\n`;
  const path = join(dir, name);
  writeFileSync(path, gzip ? Bun.gzipSync(new TextEncoder().encode(text)) : text);
  return path;
}

const book = (t: number, snap: boolean, side: string, price: string, amount: string, sym = "BTCUSDT") =>
  `binance,${sym},${T0 + t - 5},${T0 + t},${snap},${side},${price},${amount}`;
const trade = (t: number, id: number, side: string, price: string, amount: string) =>
  `binance,BTCUSDT,${T0 + t - 3},${T0 + t},${id},${side},${price},${amount}`;

/** Every frame of a recording, decoded. */
function frames(dir: string): { kind: number; localUs: number; venueUs: number; levels: number[] }[] {
  const issues = new IssueLog("stop");
  const c = new FrameCursor(
    listRecordings(dir, "bin", "BTC-USDT").map((p) => RecordingFile.open(p, issues)),
    issues,
  );
  const out = [];
  while (c.next())
    out.push({
      kind: c.kind,
      localUs: Math.round(c.localMs * 1000),
      venueUs: Math.round(c.venueMs * 1000),
      levels: Array.from(c.words.subarray(c.levels, c.levels + c.count * 3)),
    });
  return out;
}

const IMPORT = { venue: "bin", symbol: "BTC-USDT", tick: "0.01", lot: "0.001" } as const;

describe("Tardis CSV import", () => {
  test("snapshot runs, messages grouped by local_timestamp, deletes, trades merged by time, exact ticks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tardis-"));
    const b = csv(dir, "book.csv.gz", BOOK_COLUMNS, [
      book(0, true, "bid", "100.00", "1.5"),
      book(0, true, "bid", "99.99", "2"),
      book(0, true, "ask", "100.01", "0.001"),
      book(10, false, "bid", "100.00", "0"),
      book(10, false, "ask", "100.02", "3.000"),
      book(20, false, "bid", "99.98", "4"),
      book(30, true, "bid", "50.00", "1"),
      book(30, true, "ask", "50.01", "1"),
    ]);
    const t = csv(dir, "trades.csv.gz", TRADE_COLUMNS, [
      trade(15, 7, "sell", "100.00", "1.5"),
      trade(25, 8, "buy", "100.01", "0.001"),
    ]);
    const r = await importTardis({ ...IMPORT, book: b, trades: t, out: dir, policy: "stop" });
    expect(r).toMatchObject({ rows: 10, frames: 4, snapshots: 2, trades: 2, skippedRows: 0, issues: {} });
    expect(frames(dir)).toEqual([
      { kind: FrameKind.Snapshot, localUs: T0, venueUs: T0 - 5, levels: [0, 10000, 1500, 0, 9999, 2000, 1, 10001, 1] },
      { kind: FrameKind.Update, localUs: T0 + 10, venueUs: T0 + 5, levels: [0, 10000, 0, 1, 10002, 3000] },
      { kind: FrameKind.Trade, localUs: T0 + 15, venueUs: T0 + 12, levels: [Side.Sell, 10000, 1500] },
      { kind: FrameKind.Update, localUs: T0 + 20, venueUs: T0 + 15, levels: [0, 9998, 4000] },
      { kind: FrameKind.Trade, localUs: T0 + 25, venueUs: T0 + 22, levels: [Side.Buy, 10001, 1] },
      { kind: FrameKind.Snapshot, localUs: T0 + 30, venueUs: T0 + 25, levels: [0, 5000, 1000, 1, 5001, 1000] },
    ]);
  });

  test("bad rows are counted and named by file and line, and skipped; --on-error stop stops at the first", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tardis-"));
    const b = csv(
      dir,
      "bad.csv",
      BOOK_COLUMNS,
      [
        book(0, true, "bid", "100.00", "1"),
        book(0, true, "ask", "100.01", "1"),
        book(10, false, "bid", "100.005", "1"), // off the tick grid: line 4
        book(11, false, "bid", "100.00", "1", "ETHUSDT"), // unknown symbol: line 5
        book(12, false, "ask", "abc", "1"), // malformed: line 6
        book(-1, false, "bid", "99.00", "1"), // out of order: line 7
        book(20, false, "bid", "100.02", "1"), // crosses the ask 100.01: line 8
        book(30, false, "bid", "99.50", "1"), // fine
        "binance,BTCUSDT,1,2", // too few columns: line 10
      ],
      false,
    );
    const r = await importTardis({ ...IMPORT, book: b, out: dir, policy: "skip" });
    expect(r.issues).toEqual({ off_grid: 1, unknown_symbol: 1, malformed: 2, out_of_order: 1, crossed: 1 });
    expect(r.examples.map((e) => `${e.kind} ${e.where}`)).toEqual([
      "off_grid line 4",
      "unknown_symbol line 5",
      "malformed line 6",
      "out_of_order line 7",
      "crossed line 8",
      "malformed line 10",
    ]);
    expect(r.examples.every((e) => e.file === b)).toBe(true);
    // the crossed frame was left out and the book put back: the next update applies on the old book
    const fs = frames(dir);
    expect(fs.map((f) => f.levels)).toEqual([
      [0, 10000, 1000, 1, 10001, 1000],
      [0, 9950, 1000],
    ]);
    const dir2 = mkdtempSync(join(tmpdir(), "tardis-"));
    await expect(importTardis({ ...IMPORT, book: b, out: dir2, policy: "stop" })).rejects.toThrow(/line 4: off_grid/);
  });

  test("a truncated .gz keeps every whole line before the cut and reports where it ended", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tardis-"));
    const rows = [book(0, true, "bid", "100.00", "1"), book(0, true, "ask", "100.01", "1")];
    for (let i = 1; i <= 5000; i++) rows.push(book(i, false, "bid", "99.00", String(i)));
    const path = csv(dir, "cut.csv.gz", BOOK_COLUMNS, rows);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const r = await importTardis({ ...IMPORT, book: path, out: dir, policy: "skip" });
    expect(r.issues).toEqual({ truncated: 1 });
    expect(r.examples[0]?.where).toMatch(/^line \d+$/);
    expect(r.frames).toBeGreaterThan(100);
    expect(r.frames).toBeLessThan(5001);
  });

  test("a file with other columns is refused, naming what was expected", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tardis-"));
    const path = csv(dir, "wrong.csv", "a,b,c", ["1,2,3"], false);
    await expect(importTardis({ ...IMPORT, book: path, out: dir, policy: "skip" })).rejects.toThrow(
      /line 1: bad_header: expected columns exchange,symbol/,
    );
  });

  test("export then import gives back the same book and trades", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tardis-"));
    const rows = [book(0, true, "bid", "100.00", "1"), book(0, true, "ask", "100.10", "1")];
    const trades: string[] = [];
    for (let i = 1; i <= 300; i++) {
      rows.push(
        book(
          i * 10,
          false,
          i % 2 === 0 ? "bid" : "ask",
          i % 2 === 0 ? `99.${String(i % 90).padStart(2, "0")}` : `100.${String(10 + (i % 80)).padStart(2, "0")}`,
          String(i % 7),
        ),
      );
      if (i % 10 === 0) trades.push(trade(i * 10 + 1, i, i % 20 === 0 ? "buy" : "sell", "100.10", "0.5"));
    }
    const src = await importTardis({
      ...IMPORT,
      book: csv(dir, "b.csv.gz", BOOK_COLUMNS, rows),
      trades: csv(dir, "t.csv.gz", TRADE_COLUMNS, trades),
      out: join(dir, "a"),
      policy: "stop",
    });
    expect(src.skippedRows).toBe(0);
    const out = join(dir, "csv");
    const ex = await exportTardis({
      dir: join(dir, "a"),
      venue: "bin",
      symbol: "BTC-USDT",
      out,
      exchange: "binance",
      policy: "stop",
    });
    expect(ex.files.map((f) => f.slice(out.length + 1))).toEqual([
      "binance_incremental_book_L2_2026-01-05_BTCUSDT.csv.gz",
      "binance_trades_2026-01-05_BTCUSDT.csv.gz",
    ]);
    const back = await importTardis({
      ...IMPORT,
      book: ex.files[0],
      trades: ex.files[1],
      out: join(dir, "b"),
      policy: "stop",
    });
    expect(back.skippedRows).toBe(0);
    const replay = (d: string) => {
      const ob = new OrderBook({ maxLevels: 1000 });
      const issues = new IssueLog("stop");
      const c = new FrameCursor(
        listRecordings(d, "bin", "BTC-USDT").map((p) => RecordingFile.open(p, issues)),
        issues,
      );
      const trades: number[][] = [];
      while (c.next()) {
        if (c.kind === FrameKind.Trade) trades.push([c.seq, ...c.words.subarray(c.levels, c.levels + 3)]);
        else {
          ob.stageFrom(c.words, c.levels, c.count);
          if (c.kind === FrameKind.Snapshot) ob.applySnapshot();
          else ob.applyUpdate();
        }
      }
      const t = new Float64Array(1000);
      const l = new Float64Array(1000);
      const levels = [Side.Buy, Side.Sell].map((s) => {
        const n = ob.topLevels(s, 1000, t, l);
        return Array.from({ length: n }, (_, i) => [t[i], l[i]]);
      });
      ob.close();
      return { levels, trades };
    };
    expect(replay(join(dir, "b"))).toEqual(replay(join(dir, "a")));
  });

  test("export: a periodic snapshot becomes the level changes since the book, a snapshot after a gap a snapshot run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tardis-"));
    const w = new StreamWriter({
      dir,
      header: {
        venue: "bin",
        symbol: "BTC-USDT",
        venueSymbol: "BTCUSDT",
        base: "BTC",
        quote: "USDT",
        tick: "0.01",
        lot: "0.001",
        minQtyLots: 1,
        minNotional: "0",
        source: "test",
        createdMs: 0,
      },
      anchorUs: T0,
      sink: new InlineSink(),
    });
    const frame = (kind: FrameKind, us: number, levels: number[]) =>
      w.append(kind, 1, us * 1000, (us - 5) * 1000, Float64Array.from(levels), 0, levels.length / 3);
    frame(FrameKind.Snapshot, 0, [0, 10000, 1000, 0, 9999, 2000, 1, 10001, 1000]);
    frame(FrameKind.Update, 10, [0, 9998, 500]);
    // periodic: 100.00 and the ask 100.01 unchanged, 99.99 changed, 99.98 gone, 99.97 and 100.03 new
    frame(FrameKind.Snapshot, 20, [0, 10000, 1000, 0, 9999, 2500, 0, 9997, 700, 1, 10001, 1000, 1, 10003, 100]);
    frame(FrameKind.Gap, 30, []);
    frame(FrameKind.Snapshot, 40, [0, 5000, 1000, 1, 5001, 1000]);
    frame(FrameKind.Update, 50, [1, 5001, 0, 1, 5002, 3000]);
    w.close();
    const out = join(dir, "csv");
    const ex = await exportTardis({ dir, venue: "bin", symbol: "BTC-USDT", out, exchange: "binance", policy: "stop" });
    const lines = new TextDecoder()
      .decode(Bun.gunzipSync(readFileSync(ex.files[0] as string)))
      .trim()
      .split("\n");
    const at = (us: number) => `binance,BTCUSDT,${T0 + us - 5},${T0 + us}`;
    expect(lines).toEqual([
      BOOK_COLUMNS,
      `${at(0)},true,bid,100.00,1.000`,
      `${at(0)},true,bid,99.99,2.000`,
      `${at(0)},true,ask,100.01,1.000`,
      `${at(10)},false,bid,99.98,0.500`,
      `${at(20)},false,bid,99.99,2.500`,
      `${at(20)},false,bid,99.97,0.700`,
      `${at(20)},false,bid,99.98,0.000`,
      `${at(20)},false,ask,100.03,0.100`,
      `${at(40)},true,bid,50.00,1.000`,
      `${at(40)},true,ask,50.01,1.000`,
      `${at(50)},false,ask,50.01,0.000`,
      `${at(50)},false,ask,50.02,3.000`,
    ]);
    expect(ex.bookRows).toBe(lines.length - 1);
  });
});
