/**
 * Keep-warm rehearsal. With ~20 book frames a second the engine sleeps ~50 ms between frames and
 * every step of the next one runs cold (caches, TLB and branch predictors lost to other processes):
 * 10-40x its hot cost on these machines. Between frames, this re-runs the real hot path on live
 * data without trading: the venue decodes its last frame into a scratch book, a shadow instance of
 * the strategy (same type and parameters, own state) evaluates the live books, its quotes are
 * planned against the resting orders and dry-checked by the risk gate, and the venue encodes and
 * signs the resulting order without sending it. Nothing it does reaches a socket, an order, the
 * gate's rate windows or counters, or the real strategy.
 */

import type { Execution } from "../execution/index.ts";
import { planQuotes } from "../execution/index.ts";
import type { Clock, TimerId } from "../services/index.ts";
import type { BookUpdate, IntentSink, QuoteIntent, Strategy, StrategyContext } from "../strategy/index.ts";
import type { BookHealth, BookView, OrderRequest, OrderType, TimeInForce } from "../types/index.ts";
import { Side } from "../types/index.ts";
import type { VenueAdapter } from "../venues/index.ts";

/** One instrument as the engine sees it (the engine's BookEntry, read-only here). */
export interface WarmBook {
  readonly venue: string;
  readonly symbol: string;
  readonly health: BookHealth;
  readonly lastUpdateMs: number | null;
  readonly book: BookView | undefined;
}

/** Counters for status, metrics and tests. */
export interface KeepWarmStats {
  /** Timer ticks that rehearsed at least one instrument. */
  runs: number;
  /** Instrument rehearsals (shadow strategy + plan + dry risk + venue rehearsal). */
  rehearsals: number;
  /** Instruments skipped because a real frame arrived within the period (already warm). */
  skippedFresh: number;
  /** Rehearsals that threw (contained; the engine keeps trading). */
  errors: number;
  /** Total time spent rehearsing, ns (CPU cost of keeping warm). */
  busyNs: number;
}

/** What KeepWarm needs from the engine. */
export interface KeepWarmOptions {
  readonly clock: Clock;
  /** Rehearsal period; with busy, books fresher than this (or 1 ms) are skipped. */
  readonly periodMs: number;
  /** Rehearse back to back on the event loop (setImmediate), never sleeping: a dedicated core. */
  readonly busy?: boolean;
  readonly desk: Execution;
  /** The real strategy: its parameters, state and positions are mirrored into the shadow. */
  readonly strategy: Strategy;
  /** Builds the shadow: the same factory as the real strategy, with the given context. */
  readonly createShadow: (ctx: StrategyContext) => Strategy;
  readonly context: StrategyContext;
  readonly adapters: ReadonlyMap<string, VenueAdapter>;
  readonly books: () => Iterable<WarmBook>;
  /** False while the engine should not rehearse (paused, halted, not running). */
  readonly active: () => boolean;
  readonly clientIdPrefix: string;
}

/** Runs the rehearsal on a repeating timer; see the file comment. */
export class KeepWarm {
  readonly stats: KeepWarmStats = { runs: 0, rehearsals: 0, skippedFresh: 0, errors: 0, busyNs: 0 };
  private readonly opts: KeepWarmOptions;
  private readonly shadow: Strategy;
  private timer: TimerId | undefined;
  private spinning = false;
  private lastParams: Readonly<Record<string, unknown>> | undefined;
  /** Last health and position the shadow was told, per engine book entry (stable objects). */
  private readonly health = new Map<WarmBook, BookHealth>();
  private readonly positions = new Map<WarmBook, number>();
  private readonly update: { venue: string; symbol: string; book: BookView; health: BookHealth; recvNs: number } = {
    venue: "",
    symbol: "",
    book: undefined as unknown as BookView,
    health: "stale",
    recvNs: 0,
  };
  private readonly sampleId: string;
  /** The venue whose book is being rehearsed; its adapter gets the sample order. */
  private current = "";
  private rehearsedVenue = false;

  constructor(opts: KeepWarmOptions) {
    this.opts = opts;
    this.sampleId = `${opts.clientIdPrefix}-warm`;
    const sink: IntentSink = {
      quotes: (q) => this.rehearseQuote(q),
      // the shadow's hedges go nowhere: routing is rehearsed by nothing here, it only must not fail
      route: () => {},
      order: (o) => {
        opts.desk.risk.dryCheckOrder(o.venue, o.symbol, o.side, o.priceTicks, o.lots);
        this.rehearseVenue(o.venue, this.sample(o.symbol, o.side, o.priceTicks, o.lots, o.type, o.tif));
      },
    };
    this.shadow = opts.createShadow({ ...opts.context, sink });
    this.shadow.start();
  }

  /** Starts the repeating rehearsal. Idempotent. */
  start(): void {
    if (this.opts.busy === true) {
      if (this.spinning) return;
      this.spinning = true;
      // an immediate per turn: socket callbacks and timers still run between rehearsals
      const spin = (): void => {
        if (!this.spinning) return;
        this.tick();
        setImmediate(spin);
      };
      setImmediate(spin);
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = this.opts.clock.setRepeating(this.opts.periodMs, () => this.tick());
  }

  /** Stops rehearsing (engine stop, shutdown). Idempotent. */
  stop(): void {
    this.spinning = false;
    if (this.timer !== undefined) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** One timer tick: rehearses every live instrument that had no real frame within the period. */
  tick(): void {
    if (!this.opts.active()) return;
    const t0 = this.opts.clock.monoNs();
    const now = this.opts.clock.nowMs();
    let any = false;
    try {
      this.mirrorParams();
      for (const b of this.opts.books()) {
        if (!this.mirrorHealth(b) || b.book === undefined) continue;
        if (b.lastUpdateMs !== null && now - b.lastUpdateMs < Math.max(1, this.opts.periodMs)) {
          this.stats.skippedFresh++;
          continue;
        }
        this.mirrorPosition(b);
        const u = this.update;
        u.venue = b.venue;
        u.symbol = b.symbol;
        u.book = b.book;
        u.health = b.health;
        u.recvNs = t0;
        this.current = b.venue;
        this.rehearsedVenue = false;
        this.shadow.onBook(u as BookUpdate);
        // a strategy that emitted nothing still leaves the venue's decode path to warm
        if (!this.rehearsedVenue) this.rehearseVenue(b.venue, undefined);
        this.stats.rehearsals++;
        any = true;
      }
    } catch {
      this.stats.errors++;
    }
    if (any) this.stats.runs++;
    this.stats.busyNs += this.opts.clock.monoNs() - t0;
  }

  /** The shadow's quote: planned against the real resting orders and dry-checked, never placed. */
  private rehearseQuote(q: QuoteIntent): void {
    const desk = this.opts.desk;
    const plan = planQuotes(q, desk.oms.liveOrders(q.venue, q.symbol, 0), desk.oms.liveOrders(q.venue, q.symbol, 1));
    let sample: OrderRequest | undefined;
    for (const p of plan.places) {
      desk.risk.dryCheckOrder(q.venue, q.symbol, p.side, p.priceTicks, p.lots);
      sample ??= this.sample(q.symbol, p.side, p.priceTicks, p.lots);
    }
    if (sample === undefined) {
      // an unchanged quote plans nothing: rehearse its best level, so the gate and encoder still run
      const bid = q.bids[0];
      const ask = q.asks[0];
      const level = bid ?? ask;
      if (level !== undefined) {
        const side = bid !== undefined ? Side.Buy : Side.Sell;
        desk.risk.dryCheckOrder(q.venue, q.symbol, side, level.priceTicks, level.lots);
        sample = this.sample(q.symbol, side, level.priceTicks, level.lots);
      }
    }
    this.rehearseVenue(q.venue, sample);
  }

  /** The order the adapter encodes and signs without sending (quotes are post-only GTC). */
  private sample(
    symbol: string,
    side: Side,
    priceTicks: number,
    lots: number,
    type: OrderType = "limit_maker",
    tif: TimeInForce = "GTC",
  ): OrderRequest {
    return { clientId: this.sampleId, symbol, side, type, tif, priceTicks, lots } as OrderRequest;
  }

  private rehearseVenue(venue: string, sample: OrderRequest | undefined): void {
    if (venue === this.current) this.rehearsedVenue = true;
    this.opts.adapters.get(venue)?.rehearse?.(sample);
  }

  /** The shadow follows the real strategy's parameters (control-API updates included). */
  private mirrorParams(): void {
    const p = this.opts.strategy.params();
    if (p === this.lastParams) return;
    this.lastParams = p;
    this.shadow.updateParams(p);
  }

  /** The shadow's view of book health; true when the book is live. */
  private mirrorHealth(b: WarmBook): boolean {
    if (this.health.get(b) !== b.health) {
      this.health.set(b, b.health);
      this.shadow.onBookHealth(b.venue, b.symbol, b.health);
    }
    return b.health === "live";
  }

  /** The shadow quotes with the real position, so it takes the same inventory branch. */
  private mirrorPosition(b: WarmBook): void {
    const lots = this.opts.desk.registry.get(b.venue, b.symbol)?.position.lots ?? 0;
    if (this.positions.get(b) === lots) return;
    this.positions.set(b, lots);
    this.shadow.onPosition({ venue: b.venue, symbol: b.symbol, positionLots: lots });
  }
}
