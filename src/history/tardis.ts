/**
 * Tardis.dev CSV, the format most people buy crypto L2 history in, converted once into recordings:
 * `incremental_book_L2` (exchange, symbol, timestamp, local_timestamp, is_snapshot, side, price,
 * amount; µs timestamps; rows sharing a local_timestamp are one message; a run of is_snapshot=true
 * rows after updates resets the book; amount 0 deletes a level) and `trades` (exchange, symbol,
 * timestamp, local_timestamp, id, side, price, amount; side = the taker's). Decimal strings become
 * ticks and lots on the instrument's grids exactly, never through a float. Bad input — a malformed or
 * off-grid row, rows out of order, an unknown symbol, a frame that would cross the book, a truncated
 * or corrupt .gz — is counted and reported with the file and line, then skipped or the import stops.
 */
import { OrderBook } from "../book/index.ts";
import { DecimalGrid, Side } from "../types/index.ts";
import { CsvLines } from "./csv-lines.ts";
import { FrameKind, LEVEL_WORDS } from "./format.ts";
import { BadDataError, type BadDataPolicy, type DataIssue, IssueLog } from "./reader.ts";
import { InlineSink, StreamWriter } from "./writer.ts";

export const BOOK_COLUMNS = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount";
export const TRADE_COLUMNS = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount";

/** What to import and how. */
export interface TardisImportOptions {
  /** incremental_book_L2 file (.csv or .csv.gz). */
  readonly book?: string;
  /** trades file (.csv or .csv.gz). */
  readonly trades?: string;
  /** Directory of the recordings to write. */
  readonly out: string;
  /** Venue name the recording is filed under (the config's venue name). */
  readonly venue: string;
  /** Unified symbol, e.g. BTC-USDT. */
  readonly symbol: string;
  /** The symbol as the file spells it (default: the unified symbol without the dash). */
  readonly venueSymbol?: string;
  /** Tick and lot size as decimal strings ("0.01", "0.00001"). */
  readonly tick: string;
  readonly lot: string;
  readonly policy: BadDataPolicy;
  /** Levels per side the book may hold (default 65536). */
  readonly maxLevels?: number;
}

/** What an import did. */
export interface TardisImportReport {
  readonly rows: number;
  readonly frames: number;
  readonly snapshots: number;
  readonly trades: number;
  readonly skippedRows: number;
  readonly issues: Record<string, number>;
  readonly examples: readonly DataIssue[];
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

/** One parsed row of either file. */
interface Row {
  localUs: number;
  venueUs: number;
  /** Book: 0 update, 1 snapshot; trade: 2. */
  kind: number;
  side: Side;
  ticks: number;
  lots: number;
  id: number;
}

/** Reads one file's rows in order, validating each; bad rows become issues. */
class RowSource {
  readonly lines: CsvLines;
  row: Row | undefined;
  rows = 0;
  private lastLocalUs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly path: string,
    private readonly trades: boolean,
    private readonly imp: Importer,
  ) {
    this.lines = new CsvLines(path);
  }

  async start(): Promise<void> {
    const head = await this.lines.next();
    const want = this.trades ? TRADE_COLUMNS : BOOK_COLUMNS;
    if (head?.trim() !== want) {
      throw new BadDataError({
        kind: "bad_header",
        file: this.path,
        where: "line 1",
        message: `expected columns ${want}, got ${JSON.stringify(head?.slice(0, 120) ?? "(empty file)")}`,
      });
    }
    await this.advance();
  }

  /** Moves to the next valid row (undefined at the end). */
  async advance(): Promise<void> {
    for (;;) {
      const line = await this.lines.next();
      if (line === undefined) {
        if (this.lines.error !== undefined)
          this.imp.issue("truncated", this.path, `line ${this.lines.line + 1}`, this.lines.error);
        this.row = undefined;
        return;
      }
      if (line === "") continue;
      this.rows++;
      const r = this.imp.parse(line, this.trades, this.path, this.lines.line);
      if (r === undefined) continue;
      if (r.localUs < this.lastLocalUs) {
        this.imp.issue(
          "out_of_order",
          this.path,
          `line ${this.lines.line}`,
          `local_timestamp ${r.localUs} < ${this.lastLocalUs}`,
        );
        continue;
      }
      this.lastLocalUs = r.localUs;
      this.row = r;
      return;
    }
  }
}

/** The import of one instrument; see the module comment. */
class Importer {
  readonly issues: IssueLog;
  readonly price: DecimalGrid;
  readonly qty: DecimalGrid;
  readonly venueSymbol: string;
  skipped = 0;
  frames = 0;
  snapshots = 0;
  trades = 0;
  private writer: StreamWriter | undefined;
  private readonly sink = new InlineSink();
  private readonly book: OrderBook;
  /** The frame being gathered: kind, times, levels as triples. */
  private fKind = -1;
  private fLocalUs = 0;
  private fVenueUs = 0;
  private fLevels: number[] = [];
  private fWhere = "";
  private fFile = "";
  private lastBookKind = -1;

  constructor(private readonly opts: TardisImportOptions) {
    this.issues = new IssueLog(opts.policy);
    this.price = new DecimalGrid(opts.tick);
    this.qty = new DecimalGrid(opts.lot);
    this.venueSymbol = opts.venueSymbol ?? opts.symbol.replace("-", "");
    const maxLevels = opts.maxLevels ?? 65_536;
    this.book = new OrderBook({ maxLevels, stagingCapacity: 2 * maxLevels });
  }

  issue(kind: string, file: string, where: string, message: string): void {
    this.skipped++;
    this.issues.report({ kind, file, where, message });
  }

  /** Parses and validates one data line; undefined (and an issue) when it is bad. */
  parse(line: string, trade: boolean, file: string, n: number): Row | undefined {
    const f = line.split(",");
    const where = `line ${n}`;
    if (f.length !== 8) return this.bad("malformed", file, where, `expected 8 columns, got ${f.length}`);
    if (f[1] !== this.venueSymbol)
      return this.bad("unknown_symbol", file, where, `symbol ${f[1]} is not ${this.venueSymbol}`);
    const localUs = us(f[3]);
    const venueUs = f[2] === "" ? localUs : us(f[2]);
    if (Number.isNaN(localUs) || Number.isNaN(venueUs)) return this.bad("malformed", file, where, "bad timestamp");
    const ticks = this.price.parse(f[6] ?? "");
    const lots = this.qty.parse(f[7] ?? "");
    if (Number.isNaN(ticks) || Number.isNaN(lots)) {
      const offGrid = /^\d+(\.\d+)?$/.test(f[6] ?? "") && /^\d+(\.\d+)?$/.test(f[7] ?? "");
      return this.bad(
        offGrid ? "off_grid" : "malformed",
        file,
        where,
        `price ${f[6]} amount ${f[7]} not on ${this.opts.tick} / ${this.opts.lot}`,
      );
    }
    if (trade) {
      const side = f[5] === "buy" ? Side.Buy : f[5] === "sell" ? Side.Sell : -1;
      if (side < 0) return this.bad("unknown_side", file, where, `trade side ${f[5]}`);
      if (lots <= 0) return this.bad("malformed", file, where, "trade amount 0");
      const id = Number(f[4]);
      return { localUs, venueUs, kind: 2, side: side as Side, ticks, lots, id: Number.isSafeInteger(id) ? id : -1 };
    }
    const snap = f[4] === "true" ? 1 : f[4] === "false" ? 0 : -1;
    const side = f[5] === "bid" ? Side.Buy : f[5] === "ask" ? Side.Sell : -1;
    if (snap < 0 || side < 0) return this.bad("malformed", file, where, `is_snapshot ${f[4]} side ${f[5]}`);
    return { localUs, venueUs, kind: snap, side: side as Side, ticks, lots, id: 0 };
  }

  private bad(kind: string, file: string, where: string, message: string): undefined {
    this.issue(kind, file, where, message);
    return undefined;
  }

  /** Adds a book row to the frame being gathered, closing the previous frame when this one differs. */
  bookRow(r: Row, file: string, line: number): void {
    const continues =
      this.fKind === r.kind &&
      (r.kind === FrameKind.Snapshot || this.fLocalUs === r.localUs) &&
      this.fLevels.length > 0;
    if (!continues) {
      this.flushFrame();
      this.fKind = r.kind;
      this.fLocalUs = r.localUs;
      this.fVenueUs = r.venueUs;
      this.fWhere = `line ${line}`;
      this.fFile = file;
    }
    this.fLevels.push(r.side, r.ticks, r.lots);
  }

  tradeRow(r: Row): void {
    this.flushFrame();
    const w = this.writerFor(r.localUs);
    const o = w.reserve(FrameKind.Trade, 1, r.id, this.ns(r.localUs), this.ns(r.venueUs));
    const words = w.words();
    words[o] = r.side;
    words[o + 1] = r.ticks;
    words[o + 2] = r.lots;
    this.trades++;
  }

  /** Applies the gathered frame to the check book and writes it, unless it is refused. */
  flushFrame(): void {
    const levels = this.fLevels;
    const count = levels.length / LEVEL_WORDS;
    if (count === 0) return;
    const kind = this.fKind === 1 && this.lastBookKind !== 1 ? FrameKind.Snapshot : FrameKind.Update;
    this.lastBookKind = this.fKind;
    this.fLevels = [];
    const book = this.book;
    book.beginUpdate();
    const src = Float64Array.from(levels);
    if (!book.stageFrom(src, 0, count)) {
      this.issue("frame_too_large", this.fFile, this.fWhere, `${count} levels`);
      return;
    }
    const undo = kind === FrameKind.Update ? this.undoOf(src, count) : undefined;
    const status = kind === FrameKind.Snapshot ? book.applySnapshot() : book.applyUpdate();
    if (status !== 0) {
      this.issue("book_refused", this.fFile, this.fWhere, `the book refused the frame (status ${status})`);
      return;
    }
    if (book.isCrossed()) {
      this.issue(
        "crossed",
        this.fFile,
        this.fWhere,
        `best bid ${book.bestBidTicks()} >= best ask ${book.bestAskTicks()} after the frame`,
      );
      if (undo !== undefined) {
        book.beginUpdate();
        book.stageFrom(undo, 0, count);
        book.applyUpdate();
      } else book.clear();
      return;
    }
    const w = this.writerFor(this.fLocalUs);
    w.append(kind, this.frames, this.ns(this.fLocalUs), this.ns(this.fVenueUs), src, 0, count);
    this.frames++;
    if (kind === FrameKind.Snapshot) this.snapshots++;
  }

  /** The levels' present lots, to put the book back if the frame turns out to cross it. */
  private undoOf(src: Float64Array, count: number): Float64Array {
    const out = new Float64Array(count * LEVEL_WORDS);
    const b = this.book;
    for (let i = 0; i < count; i++) {
      const side = src[i * 3] as Side;
      const t = src[i * 3 + 1] as number;
      const here = b.depthToPrice(side, t) - b.depthToPrice(side, side === Side.Buy ? t + 1 : t - 1);
      out[i * 3] = side;
      out[i * 3 + 1] = t;
      out[i * 3 + 2] = Math.max(0, here);
    }
    return out;
  }

  private anchorUs = Number.NaN;

  private ns(us: number): number {
    return (us - this.anchorUs) * 1000;
  }

  private writerFor(localUs: number): StreamWriter {
    if (this.writer !== undefined) return this.writer;
    this.anchorUs = Math.floor(localUs / 1e6) * 1e6;
    const [base = "", quote = ""] = this.opts.symbol.split("-");
    this.writer = new StreamWriter({
      dir: this.opts.out,
      header: {
        venue: this.opts.venue,
        symbol: this.opts.symbol,
        venueSymbol: this.venueSymbol,
        base,
        quote,
        tick: this.price.increment,
        lot: this.qty.increment,
        minQtyLots: 1,
        minNotional: "0",
        source: "tardis",
        createdMs: 0,
      },
      anchorUs: this.anchorUs,
      sink: this.sink,
    });
    return this.writer;
  }

  finish(): number {
    this.flushFrame();
    this.writer?.close();
    this.book.close();
    if (this.sink.stats.errors > 0) throw new Error(`writing the recording failed: ${this.sink.stats.lastError}`);
    return this.sink.stats.storedBytes;
  }
}

function us(s: string | undefined): number {
  if (s === undefined || !/^\d{1,17}$/.test(s)) return Number.NaN;
  return Number(s);
}

/** Imports one instrument's book and/or trades files into recordings; resolves to what it did. */
export async function importTardis(opts: TardisImportOptions): Promise<TardisImportReport> {
  if (opts.book === undefined && opts.trades === undefined)
    throw new Error("nothing to import: give a book or a trades file");
  const t0 = performance.now();
  const imp = new Importer(opts);
  const book = opts.book === undefined ? undefined : new RowSource(opts.book, false, imp);
  const trades = opts.trades === undefined ? undefined : new RowSource(opts.trades, true, imp);
  let bytesOut = 0;
  try {
    await book?.start();
    await trades?.start();
    for (;;) {
      const b = book?.row;
      const t = trades?.row;
      if (b === undefined && t === undefined) break;
      if (b !== undefined && (t === undefined || b.localUs <= t.localUs)) {
        imp.bookRow(b, book?.path ?? "", book?.lines.line ?? 0);
        await book?.advance();
      } else if (t !== undefined) {
        imp.tradeRow(t);
        await trades?.advance();
      }
    }
  } finally {
    bytesOut = imp.finish();
  }
  const rows = (book?.rows ?? 0) + (trades?.rows ?? 0);
  const seconds = (performance.now() - t0) / 1000;
  let bytesIn = 0;
  for (const p of [opts.book, opts.trades]) if (p !== undefined) bytesIn += Bun.file(p).size;
  return {
    rows,
    frames: imp.frames,
    snapshots: imp.snapshots,
    trades: imp.trades,
    skippedRows: imp.skipped,
    issues: imp.issues.summary(),
    examples: imp.issues.examples,
    bytesIn,
    bytesOut,
    seconds,
    rowsPerSecond: seconds > 0 ? rows / seconds : 0,
  };
}

/** What to export. */
export interface TardisExportOptions {
  /** Recordings directory, venue and unified symbol to read. */
  readonly dir: string;
  readonly venue: string;
  readonly symbol: string;
  /** Directory of the CSV files to write. */
  readonly out: string;
  /** The exchange column and file-name prefix (default: the venue name). */
  readonly exchange?: string;
  readonly policy: BadDataPolicy;
}

/** What an export wrote. */
export interface TardisExportReport {
  readonly files: readonly string[];
  readonly bookRows: number;
  readonly tradeRows: number;
  readonly issues: Record<string, number>;
}
