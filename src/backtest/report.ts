/**
 * What a backtest reports: a JSON summary (PnL net of fees, Sharpe, max drawdown, fills, fill ratio,
 * maker share, inventory, turnover, throughput, data issues) and the time series behind the charts
 * (equity, drawdown, position, our quotes against the mid), sampled on the virtual clock. Money
 * totals come from the engine's exact positions; the series are doubles, for display only.
 */
import type { Engine } from "../engine/index.ts";
import { type FillEvent, formatMoney, moneyToNumber } from "../execution/index.ts";
import type { FillModel } from "../fills/index.ts";
import type { IssueLog } from "../history/index.ts";
import type { TimerId, VirtualClock } from "../services/index.ts";
import { Side } from "../types/index.ts";

/** One instrument's sampled series. */
export interface InstrumentSeries {
  readonly venue: string;
  readonly symbol: string;
  readonly mid: (number | null)[];
  readonly bid: (number | null)[];
  readonly ask: (number | null)[];
  readonly position: number[];
}

/** One fill as the report lists it. */
export interface ReportFill {
  readonly timeMs: number;
  readonly venue: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly price: string;
  readonly qty: string;
  readonly fee: string;
  readonly maker: boolean;
}

/** The summary, as written to report.json. */
export interface ReportSummary {
  readonly currency: string;
  readonly pnlNet: string;
  readonly realized: string;
  readonly unrealized: string;
  readonly fees: string;
  readonly sharpe: number;
  readonly maxDrawdown: number;
  readonly fills: number;
  readonly buys: number;
  readonly sells: number;
  readonly ordersSent: number;
  readonly fillRatio: number;
  readonly makerShare: number;
  readonly turnover: number;
  readonly inventory: {
    readonly meanAbs: number;
    readonly maxAbs: number;
    readonly std: number;
    readonly final: number;
  };
  readonly virtualSeconds: number;
  readonly wallSeconds: number;
  readonly eventsPerSecond: number;
  readonly levelUpdatesPerSecond: number;
  readonly frames: number;
  readonly crossedFrames: number;
  readonly riskRejects: number;
  readonly venueRejects: Record<string, number>;
  readonly killSwitchTripped: boolean;
  readonly dataIssues: Record<string, number>;
  readonly dataIssueExamples: readonly { kind: string; file: string; where: string; message: string }[];
  readonly seed: string;
  readonly queueModel: string;
  readonly latencyModel: string;
}

/** Everything the JSON and HTML reports are made of. */
export interface ReportData {
  readonly summary: ReportSummary;
  readonly times: number[];
  readonly equity: number[];
  readonly drawdown: number[];
  readonly instruments: InstrumentSeries[];
  readonly fills: ReportFill[];
}

/** Run facts the collector cannot see itself. */
export interface RunFacts {
  readonly seed: string;
  readonly wallSeconds: number;
  readonly progress: { frames: number; levels: number; crossed: number };
  readonly issues: IssueLog;
  readonly fills: ReadonlyMap<string, FillModel>;
  readonly latency: string;
  readonly queue: string;
  /** Local time of the first and the last recorded frame replayed (epoch ms): the run's span. */
  readonly dataFromMs: number;
  readonly dataToMs: number;
}

/** Collects samples and fills while the backtest runs. */
export class ReportCollector {
  private engine: Engine | undefined;
  private timer: TimerId = 0;
  private readonly times: number[] = [];
  private readonly equity: number[] = [];
  private readonly series = new Map<string, InstrumentSeries>();
  private readonly fillList: ReportFill[] = [];
  private readonly filledOrders = new Set<string>();
  private ordersSent = 0;
  private makerFills = 0;
  private turnover = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly sampleMs: number,
  ) {}

  start(engine: Engine): void {
    this.engine = engine;
    this.sample();
    this.timer = this.clock.setRepeating(this.sampleMs, () => this.sample());
  }

  stop(): void {
    if (this.timer !== 0) this.clock.clearTimer(this.timer);
    this.timer = 0;
  }

  orderSent(): void {
    this.ordersSent++;
  }

  fill(f: FillEvent): void {
    const inst = this.engine?.desk.registry.get(f.venue, f.symbol);
    const info = inst?.info;
    if (f.isMaker) this.makerFills++;
    this.filledOrders.add(f.clientId);
    const price = info?.price.toNumber(f.priceTicks) ?? f.priceTicks;
    const qty = info?.qty.toNumber(f.lots) ?? f.lots;
    this.turnover += price * qty;
    this.fillList.push({
      timeMs: this.clock.nowMs(),
      venue: f.venue,
      symbol: f.symbol,
      side: f.side === Side.Buy ? "buy" : "sell",
      price: info?.price.format(f.priceTicks) ?? String(f.priceTicks),
      qty: info?.qty.format(f.lots) ?? String(f.lots),
      fee: `${f.fee} ${f.feeAsset}`,
      maker: f.isMaker,
    });
  }

  /** Takes one sample of equity, positions, mids and our best quotes. */
  sample(): void {
    const e = this.engine;
    if (e === undefined) return;
    this.times.push(this.clock.nowMs());
    let net = 0;
    for (const p of e.desk.positions.totalsByQuote().values()) {
      net = moneyToNumber(p.net);
      break; // the first quote currency is the report's currency
    }
    this.equity.push(net);
    for (const v of e.desk.positions.views()) {
      const key = `${v.venue} ${v.symbol}`;
      let s = this.series.get(key);
      if (s === undefined) {
        s = { venue: v.venue, symbol: v.symbol, mid: [], bid: [], ask: [], position: [] };
        this.series.set(key, s);
      }
      const inst = e.desk.registry.get(v.venue, v.symbol);
      const mid2 = inst?.mid2() ?? 0;
      const grid = inst?.info.price;
      s.mid.push(mid2 > 0 && grid !== undefined ? grid.toNumber(mid2) / 2 : null);
      s.bid.push(this.bestQuote(e, v.venue, v.symbol, Side.Buy));
      s.ask.push(this.bestQuote(e, v.venue, v.symbol, Side.Sell));
      s.position.push(moneyToNumber(v.baseUnits));
    }
  }

  private bestQuote(e: Engine, venue: string, symbol: string, side: Side): number | null {
    let best = side === Side.Buy ? -1 : Number.POSITIVE_INFINITY;
    for (const o of e.desk.oms.liveOrders(venue, symbol, side)) {
      if (side === Side.Buy ? o.priceTicks > best : o.priceTicks < best) best = o.priceTicks;
    }
    if (best < 0 || best === Number.POSITIVE_INFINITY) return null;
    return e.desk.registry.get(venue, symbol)?.info.price.toNumber(best) ?? null;
  }

  /** The finished report. */
  finish(run: RunFacts): ReportData {
    const e = this.engine;
    const drawdown = drawdowns(this.equity);
    const all = [...this.series.values()];
    const positions = all[0]?.position ?? [];
    let currency = "";
    let totals = { realized: 0n, unrealized: 0n, fees: 0n, net: 0n };
    for (const [c, p] of e?.desk.positions.totalsByQuote() ?? []) {
      currency = c;
      totals = p;
      break;
    }
    // the data's span, first frame to last: not from when the engine had started, which a short
    // recording would notice
    const virtualSeconds = Math.max(0, run.dataToMs - run.dataFromMs) / 1000;
    const rejects: Record<string, number> = {};
    for (const f of run.fills.values())
      for (const [k, n] of Object.entries(f.stats.rejected)) rejects[k] = (rejects[k] ?? 0) + n;
    const fills = this.fillList.length;
    const summary: ReportSummary = {
      currency,
      pnlNet: formatMoney(totals.net),
      realized: formatMoney(totals.realized),
      unrealized: formatMoney(totals.unrealized),
      fees: formatMoney(totals.fees),
      sharpe: sharpe(this.equity, this.sampleMs),
      maxDrawdown: Math.max(0, ...drawdown.map((d) => -d)),
      fills,
      buys: this.fillList.filter((f) => f.side === "buy").length,
      sells: this.fillList.filter((f) => f.side === "sell").length,
      ordersSent: this.ordersSent,
      fillRatio: this.ordersSent > 0 ? this.filledOrders.size / this.ordersSent : 0,
      makerShare: fills > 0 ? this.makerFills / fills : 0,
      turnover: this.turnover,
      inventory: inventory(positions),
      virtualSeconds,
      wallSeconds: run.wallSeconds,
      eventsPerSecond: run.wallSeconds > 0 ? run.progress.frames / run.wallSeconds : 0,
      levelUpdatesPerSecond: run.wallSeconds > 0 ? run.progress.levels / run.wallSeconds : 0,
      frames: run.progress.frames,
      crossedFrames: run.progress.crossed,
      riskRejects: e?.counters.riskRejects ?? 0,
      venueRejects: rejects,
      killSwitchTripped: e?.desk.kill.isHalted() ?? false,
      dataIssues: run.issues.summary(),
      dataIssueExamples: run.issues.examples,
      seed: run.seed,
      queueModel: run.queue,
      latencyModel: run.latency,
    };
    return { summary, times: this.times, equity: this.equity, drawdown, instruments: all, fills: this.fillList };
  }
}

/** Equity minus its running peak at every sample (0 or negative). */
export function drawdowns(equity: readonly number[]): number[] {
  let peak = Number.NEGATIVE_INFINITY;
  return equity.map((x) => {
    peak = Math.max(peak, x);
    return x - peak;
  });
}

/**
 * Annualised Sharpe ratio of the equity's changes per sample (PnL is in quote units, so the changes
 * are returns on a notional of one unit; comparable between runs of one strategy), 0 without variance.
 */
export function sharpe(equity: readonly number[], sampleMs: number): number {
  if (equity.length < 3) return 0;
  const d: number[] = [];
  for (let i = 1; i < equity.length; i++) d.push((equity[i] as number) - (equity[i - 1] as number));
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1));
  if (!(sd > 0)) return 0;
  const perYear = (365 * 86_400_000) / sampleMs;
  return (mean / sd) * Math.sqrt(perYear);
}

/** Inventory statistics of a position series (base units). */
export function inventory(p: readonly number[]): ReportSummary["inventory"] {
  if (p.length === 0) return { meanAbs: 0, maxAbs: 0, std: 0, final: 0 };
  const mean = p.reduce((a, b) => a + b, 0) / p.length;
  return {
    meanAbs: p.reduce((a, b) => a + Math.abs(b), 0) / p.length,
    maxAbs: Math.max(...p.map(Math.abs)),
    std: Math.sqrt(p.reduce((a, b) => a + (b - mean) ** 2, 0) / p.length),
    final: p[p.length - 1] as number,
  };
}
