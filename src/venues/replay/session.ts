/**
 * A replay: every recorded stream of every replayed venue, merged in time. The backtest driver asks
 * for the time of the next market-data event (nextTimeMs), moves the virtual clock there (firing the
 * engine's own timers on the way) and takes one step: the venue sees a frame (at venue time) or the
 * engine receives one (at local time). One ReplayAdapter per venue faces the engine.
 */
import { FillModel, type LatencyModel, type QueueModel } from "../../fills/index.ts";
import {
  type BadDataPolicy,
  FrameCursor,
  IssueLog,
  listRecordings,
  RecordingFile,
  type RecordingHeader,
} from "../../history/index.ts";
import type { Clock } from "../../services/index.ts";
import { DecimalGrid, type InstrumentInfo, type Lots } from "../../types/index.ts";
import { ReplayAdapter } from "./adapter.ts";
import { type LocalSink, ReplayStream } from "./stream.ts";

/** The clock a replay moves (VirtualClock fits): now, a lower bound of the next timer, move forward. */
export interface VirtualClockLike {
  nowMs(): number;
  peekDueMs(): number;
  advanceTo(ms: number): void;
}

/** One venue to replay: which recordings, and how its fills work. */
export interface ReplayVenueSpec {
  readonly name: string;
  readonly symbols: readonly string[];
  readonly fees: { readonly maker: number; readonly taker: number };
  /** Starting balances by asset (decimal strings). */
  readonly balances: Readonly<Record<string, string>>;
}

/** A replay's settings. */
export interface ReplayOptions {
  /** Recordings directory (<dir>/<venue>/<symbol>/<day>.hfrec). */
  readonly dir: string;
  readonly clock: Clock;
  readonly venues: readonly ReplayVenueSpec[];
  readonly clientIdPrefix: string;
  readonly queue: QueueModel;
  readonly latency: LatencyModel;
  /** "recorded": the venue sees a frame at its recorded venue time; a number: that many ms before local time. */
  readonly feedLatency: number | "recorded";
  readonly policy: BadDataPolicy;
  /** Only frames from/to these epoch ms (warm-up from the last snapshot before fromMs). */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Levels per side of every book (default 20000). */
  readonly maxLevels?: number;
}

/** The instrument of a recording, as the adapters report it. */
export function instrumentOf(h: RecordingHeader): InstrumentInfo {
  return {
    symbol: h.symbol,
    venueSymbol: h.venueSymbol,
    base: h.base,
    quote: h.quote,
    price: new DecimalGrid(h.tick),
    qty: new DecimalGrid(h.lot),
    minQtyLots: h.minQtyLots as Lots,
    maxQtyLots: 0 as Lots,
    minNotional: h.minNotional,
    maxNotional: "0",
    trading: true,
  };
}

/** Every stream of a replay; see the module comment. */
export class ReplaySession {
  readonly adapters: ReplayAdapter[] = [];
  readonly issues: IssueLog;
  readonly fills = new Map<string, FillModel>();
  readonly streams: ReplayStream[] = [];
  /** Frames in the index of every file read (progress), and the first frame's local time. */
  readonly totalFrames: number;
  readonly firstMs: number;
  /** Set when a promise settled or an order event went out since the driver last looked. */
  activity = false;
  private readonly files: RecordingFile[] = [];

  constructor(opts: ReplayOptions) {
    this.issues = new IssueLog(opts.policy);
    let total = 0;
    let first = Number.POSITIVE_INFINITY;
    for (const v of opts.venues) {
      const byTheVenue = new Map<string, ReplayStream>();
      for (const symbol of v.symbols) {
        const s = this.openStream(opts, v.name, symbol);
        byTheVenue.set(symbol, s.stream);
        total += s.frames;
        first = Math.min(first, s.firstMs);
      }
      this.addVenue(opts, v, byTheVenue);
    }
    this.totalFrames = total;
    this.firstMs = first;
  }

  private openStream(opts: ReplayOptions, venue: string, symbol: string) {
    const fromDay = opts.fromMs === undefined ? "" : new Date(opts.fromMs - 86_400_000).toISOString().slice(0, 10);
    const paths = listRecordings(opts.dir, venue, symbol).filter((p) => p.slice(p.lastIndexOf("/") + 1) >= fromDay);
    if (paths.length === 0) throw new Error(`no recordings of ${venue} ${symbol} under ${opts.dir}/${venue}/${symbol}`);
    const files = paths.map((p) => RecordingFile.open(p, this.issues));
    this.files.push(...files);
    const header = (files[0] as RecordingFile).header;
    const cursor = new FrameCursor(files, this.issues, opts.fromMs);
    const stream = new ReplayStream(
      venue,
      instrumentOf(header),
      cursor,
      this.issues,
      opts.feedLatency,
      opts.toMs ?? Number.POSITIVE_INFINITY,
      opts.maxLevels ?? 20_000,
    );
    this.streams.push(stream);
    let frames = 0;
    for (const f of files) frames += f.frames();
    return { stream, frames, firstMs: files[0]?.chunks[0]?.firstMs ?? Number.POSITIVE_INFINITY };
  }

  private addVenue(opts: ReplayOptions, v: ReplayVenueSpec, streams: Map<string, ReplayStream>): void {
    const infos = new Map([...streams].map(([symbol, s]) => [symbol, s.info] as const));
    let adapter: ReplayAdapter | undefined;
    const fill = new FillModel({
      venue: v.name,
      instruments: infos,
      book: (symbol) => streams.get(symbol)?.exchangeBook,
      fees: v.fees,
      queue: opts.queue,
      balances: v.balances,
      nowMs: () => opts.clock.nowMs(),
      report: (u) => adapter?.report(u),
      ownLots: (symbol, side, ticks) => streams.get(symbol)?.ownLots(side, ticks) ?? 0,
    });
    adapter = new ReplayAdapter({
      name: v.name,
      clock: opts.clock,
      streams,
      fill,
      latency: opts.latency,
      clientIdPrefix: opts.clientIdPrefix,
      onActivity: () => {
        this.activity = true;
      },
    });
    for (const s of streams.values()) {
      s.fill = fill;
      s.sink = adapter;
    }
    this.fills.set(v.name, fill);
    this.adapters.push(adapter);
  }

  /** Time of the next market-data event (venue or engine side), Infinity when the data is done. */
  nextTimeMs(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const s of this.streams) {
      const v = s.nextVenueMs;
      if (v < t) t = v;
      const l = s.nextLocalMs();
      if (l < t) t = l;
    }
    return t;
  }

  /** Takes the earliest step (the venue's side first on a tie: it never sees a frame after the engine). */
  step(): void {
    this.stepBefore(Number.POSITIVE_INFINITY, 1);
  }

  /**
   * The driver's inner loop: takes up to maxSteps steps, each the earliest, moving the clock to its
   * time, while that time is before the clock's next timer (a timer due then runs first, even one a
   * step just set) and nothing happened that the engine reacts to asynchronously (activity). Returns
   * the steps taken.
   */
  stepUntilTimer(clock: VirtualClockLike, maxSteps: number): number {
    return this.stepBefore(Number.POSITIVE_INFINITY, maxSteps, clock);
  }

  private stepBefore(limitMs: number, maxSteps: number, clock?: VirtualClockLike): number {
    const streams = this.streams;
    const one = streams.length === 1 ? streams[0] : undefined;
    for (let n = 0; n < maxSteps; n++) {
      let best = one;
      let venueSide = true;
      let t: number;
      if (best !== undefined) {
        t = best.nextVenueMs;
        const l = best.nextLocalMs();
        if (l < t) {
          t = l;
          venueSide = false;
        }
      } else {
        t = Number.POSITIVE_INFINITY;
        for (const s of streams) {
          const v = s.nextVenueMs;
          if (v < t || (v === t && !venueSide)) {
            best = s;
            t = v;
            venueSide = true;
          }
          const l = s.nextLocalMs();
          if (l < t) {
            best = s;
            t = l;
            venueSide = false;
          }
        }
      }
      if (best === undefined || !(t < limitMs)) return n;
      if (clock !== undefined) {
        if (!(t < clock.peekDueMs())) return n;
        if (t > clock.nowMs()) clock.advanceTo(t);
      }
      if (venueSide) best.stepVenue();
      else best.stepLocal(best.sink as LocalSink);
      if (this.activity) return n + 1;
    }
    return maxSteps;
  }

  /** Frames the engine has received so far, and book levels applied (progress, throughput). */
  progress(): { frames: number; levels: number; crossed: number } {
    let frames = 0;
    let levels = 0;
    let crossed = 0;
    for (const s of this.streams) {
      frames += s.framesDone;
      levels += s.levelsApplied;
      crossed += s.crossedFrames;
    }
    return { frames, levels, crossed };
  }

  close(): void {
    for (const s of this.streams) s.close();
    for (const f of this.files) f.close();
  }
}
