/**
 * Export of recordings to Tardis.dev CSV (`incremental_book_L2` and `trades`, gzip), so tools that
 * read Tardis files read ours. One pair of files per recorded day, named as Tardis names them
 * (`<exchange>_incremental_book_L2_<day>_<SYMBOL>.csv.gz`). Tardis starts every file with a snapshot
 * and otherwise sends one only after a reconnect; so a file's first snapshot and one after a gap or
 * resync are written as is_snapshot=true runs, while the recorder's periodic snapshots become the
 * level changes they amount to (updates and deletes against the book so far).
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { createGzip, type Gzip } from "node:zlib";
import { DecimalGrid, Side } from "../types/index.ts";
import { FrameKind, type RecordingHeader } from "./format.ts";
import { FrameCursor, IssueLog, listRecordings, RecordingFile } from "./reader.ts";
import { BOOK_COLUMNS, type TardisExportOptions, type TardisExportReport, TRADE_COLUMNS } from "./tardis.ts";

/** A gzip CSV being written, buffered into ~1 MB writes. */
class CsvOut {
  private readonly gz: Gzip;
  private readonly file: WriteStream;
  private parts: string[] = [];
  private size = 0;
  rows = 0;

  constructor(
    readonly path: string,
    header: string,
  ) {
    this.gz = createGzip({ level: 6 });
    this.file = createWriteStream(path);
    this.gz.pipe(this.file);
    this.parts.push(`${header}\n`);
  }

  async line(s: string): Promise<void> {
    this.parts.push(s);
    this.rows++;
    this.size += s.length;
    if (this.size >= 1 << 20) await this.drain();
  }

  private async drain(): Promise<void> {
    const text = this.parts.join("");
    this.parts = [];
    this.size = 0;
    if (!this.gz.write(text)) await new Promise<void>((r) => this.gz.once("drain", () => r()));
  }

  async close(): Promise<void> {
    await this.drain();
    await new Promise<void>((resolve, reject) => {
      this.file.once("finish", () => resolve());
      this.file.once("error", reject);
      this.gz.end();
    });
  }
}

/** The exporter of one day file: the book so far (to turn periodic snapshots into changes). */
class DayExport {
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  private wroteSnapshot = false;
  private lostSync = true;
  private readonly price: DecimalGrid;
  private readonly qty: DecimalGrid;

  constructor(
    private readonly h: RecordingHeader,
    private readonly exchange: string,
    private readonly book: CsvOut,
    private readonly trades: CsvOut,
  ) {
    this.price = new DecimalGrid(h.tick);
    this.qty = new DecimalGrid(h.lot);
  }

  async frame(c: FrameCursor): Promise<void> {
    const localUs = Math.round(c.localMs * 1000);
    const venueUs = Number.isNaN(c.venueMs) ? localUs : Math.round(c.venueMs * 1000);
    const pre = `${this.exchange},${this.h.venueSymbol},${venueUs},${localUs},`;
    const w = c.words;
    if (c.kind === FrameKind.Trade) {
      const side = w[c.levels] === Side.Buy ? "buy" : "sell";
      const id = c.seq >= 0 ? String(c.seq) : "";
      await this.trades.line(`${pre}${id},${side},${this.p(w[c.levels + 1])},${this.q(w[c.levels + 2])}\n`);
      return;
    }
    if (c.kind === FrameKind.Own) return; // our own orders: inside the depth already, not a market event
    if (c.kind === FrameKind.Gap || c.kind === FrameKind.Resync) {
      this.lostSync = true;
      return;
    }
    if (c.kind === FrameKind.Snapshot && (this.lostSync || !this.wroteSnapshot)) {
      this.bids.clear();
      this.asks.clear();
      for (let i = 0; i < c.count; i++) {
        const o = c.levels + i * 3;
        const side = w[o] as number;
        const lots = w[o + 2] as number;
        if (lots <= 0) continue;
        (side === Side.Buy ? this.bids : this.asks).set(w[o + 1] as number, lots);
        await this.book.line(`${pre}true,${side === Side.Buy ? "bid" : "ask"},${this.p(w[o + 1])},${this.q(lots)}\n`);
      }
      this.wroteSnapshot = true;
      this.lostSync = false;
      return;
    }
    if (this.lostSync) return; // updates of a book not in sync have nothing to apply to
    if (c.kind === FrameKind.Snapshot) await this.snapshotAsChanges(c, pre);
    else await this.update(c, pre);
  }

  private async update(c: FrameCursor, pre: string): Promise<void> {
    const w = c.words;
    for (let i = 0; i < c.count; i++) {
      const o = c.levels + i * 3;
      const side = w[o] as number;
      const ticks = w[o + 1] as number;
      const lots = w[o + 2] as number;
      const m = side === Side.Buy ? this.bids : this.asks;
      if (lots > 0) m.set(ticks, lots);
      else m.delete(ticks);
      await this.book.line(`${pre}false,${side === Side.Buy ? "bid" : "ask"},${this.p(ticks)},${this.q(lots)}\n`);
    }
  }

  private async snapshotAsChanges(c: FrameCursor, pre: string): Promise<void> {
    const w = c.words;
    const next = [new Map<number, number>(), new Map<number, number>()] as const;
    for (let i = 0; i < c.count; i++) {
      const o = c.levels + i * 3;
      if ((w[o + 2] as number) > 0) next[w[o] === Side.Buy ? 0 : 1].set(w[o + 1] as number, w[o + 2] as number);
    }
    for (const [side, now, was] of [
      ["bid", next[0], this.bids],
      ["ask", next[1], this.asks],
    ] as const) {
      for (const [t, l] of now)
        if (was.get(t) !== l) await this.book.line(`${pre}false,${side},${this.p(t)},${this.q(l)}\n`);
      for (const t of was.keys())
        if (!now.has(t)) await this.book.line(`${pre}false,${side},${this.p(t)},${this.q(0)}\n`);
      was.clear();
      for (const [t, l] of now) was.set(t, l);
    }
  }

  private p(ticks: number | undefined): string {
    return this.price.format(ticks ?? 0);
  }

  private q(lots: number | undefined): string {
    return this.qty.format(lots ?? 0);
  }
}

/** Exports every recorded day of one venue and symbol to Tardis CSV files. */
export async function exportTardis(opts: TardisExportOptions): Promise<TardisExportReport> {
  const issues = new IssueLog(opts.policy);
  const paths = listRecordings(opts.dir, opts.venue, opts.symbol);
  if (paths.length === 0) throw new Error(`no recordings of ${opts.venue} ${opts.symbol} under ${opts.dir}`);
  mkdirSync(opts.out, { recursive: true });
  const exchange = opts.exchange ?? opts.venue;
  const byDay = new Map<string, RecordingFile[]>();
  for (const p of paths) {
    const f = RecordingFile.open(p, issues);
    const list = byDay.get(f.header.day) ?? [];
    list.push(f);
    byDay.set(f.header.day, list);
  }
  const files: string[] = [];
  let bookRows = 0;
  let tradeRows = 0;
  for (const [day, dayFiles] of byDay) {
    const h = (dayFiles[0] as RecordingFile).header;
    const book = new CsvOut(
      join(opts.out, `${exchange}_incremental_book_L2_${day}_${h.venueSymbol}.csv.gz`),
      BOOK_COLUMNS,
    );
    const trades = new CsvOut(join(opts.out, `${exchange}_trades_${day}_${h.venueSymbol}.csv.gz`), TRADE_COLUMNS);
    const ex = new DayExport(h, exchange, book, trades);
    const c = new FrameCursor(dayFiles, issues);
    while (c.next()) await ex.frame(c);
    await book.close();
    await trades.close();
    for (const f of dayFiles) f.close();
    files.push(book.path, trades.path);
    bookRows += book.rows;
    tradeRows += trades.rows;
  }
  return { files, bookRows, tradeRows, issues: issues.summary() };
}
