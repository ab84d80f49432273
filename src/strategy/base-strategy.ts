/**
 * A base for strategies that are not ladders around a fair value (those extend QuotingStrategy): it
 * does the parts every strategy needs and nobody should rewrite, namely parameters validated by the
 * strategy's schema (config, control API, lot-count check), start/stop with every quote withdrawn on
 * stop, the last quote per instrument for status, and a decision record per instrument for "why not
 * quoting". A subclass overrides only the callbacks it cares about and emits through quote(), order()
 * and route().
 */
import type * as v from "valibot";
import type { BookHealth, NoQuoteReason, OrderUpdate } from "../types/index.ts";
import {
  lotCountIssues,
  type ParamsSchema,
  parseParams,
  StrategyParamsError,
  toValidation,
  validateUpdate,
} from "./params.ts";
import {
  type BookUpdate,
  newQuoteDecision,
  type OrderIntent,
  type ParamIssue,
  type ParamsValidation,
  type ParentOrderUpdate,
  type PositionUpdate,
  type QuoteDecision,
  type QuoteIntent,
  type QuoteLevel,
  type RouteIntent,
  type Strategy,
  type StrategyContext,
  type StrategyState,
  type TradeTick,
} from "./types.ts";

const NO_LEVELS: readonly QuoteLevel[] = Object.freeze([]);

/** See the file comment; S is the strategy's parameter schema. */
export abstract class BaseStrategy<S extends ParamsSchema> implements Strategy {
  abstract readonly kind: string;
  readonly timerIntervalMs: number = 1000;
  protected current: v.InferOutput<S>;
  protected running = false;
  /** The last quote emitted per instrument, by "venue symbol". */
  private readonly lastQuotes = new Map<string, QuoteIntent>();
  private readonly decisions: QuoteDecision[];
  private readonly decisionOf = new Map<string, QuoteDecision>();

  constructor(
    readonly name: string,
    protected readonly ctx: StrategyContext,
    readonly paramsSchema: S,
    params: unknown,
  ) {
    this.current = parseParams<v.InferOutput<S>>(paramsSchema, name, params, (p) => this.checkParams(p));
    this.decisions = ctx.instruments.map((i) => {
      const d = newQuoteDecision(i.venue, i.symbol);
      this.decisionOf.set(`${i.venue} ${i.symbol}`, d);
      return d;
    });
  }

  /**
   * Rules the schema cannot state because they need the instruments (override to add your own): by
   * default order_size and max_position, when the schema has them, must stay exact lot counts.
   */
  protected checkParams(merged: Readonly<Record<string, unknown>>): ParamIssue[] {
    return lotCountIssues(merged, this.ctx.instruments);
  }

  /** Called after an update was applied, with the parameters before it (re-derive, re-quote). */
  protected onParamsChanged(_previous: v.InferOutput<S>): void {}

  params(): Readonly<Record<string, unknown>> {
    return this.current as Readonly<Record<string, unknown>>;
  }

  validateParams(partial: unknown): ParamsValidation {
    return toValidation(validateUpdate(this.paramsSchema, this.params(), partial, (p) => this.checkParams(p)));
  }

  updateParams(partial: unknown): Readonly<Record<string, unknown>> {
    const r = validateUpdate(this.paramsSchema, this.params(), partial, (p) => this.checkParams(p));
    if (!r.ok) throw new StrategyParamsError(this.name, r.issues);
    const previous = this.current;
    this.current = r.merged as v.InferOutput<S>;
    this.onParamsChanged(previous);
    return this.params();
  }

  start(): void {
    this.running = true;
    for (const d of this.decisions) {
      d.bid = "no_fair_value";
      d.ask = "no_fair_value";
    }
  }

  /** Stops and withdraws every quote (an empty quote per instrument cancels what rests there). */
  stop(): void {
    this.running = false;
    for (const i of this.ctx.instruments) this.quote(i.venue, i.symbol, NO_LEVELS, NO_LEVELS, "stopped");
  }

  state(): StrategyState {
    return this.running ? "running" : "stopped";
  }

  onBook(_update: BookUpdate): void {}
  onBookHealth(_venue: string, _symbol: string, _health: BookHealth): void {}
  onTrade(_trade: TradeTick): void {}
  onOrder(_update: OrderUpdate): void {}
  onPosition(_update: PositionUpdate): void {}
  onTimer(_nowMs: number): void {}
  onParent(_update: ParentOrderUpdate): void {}

  currentQuotes(): readonly QuoteIntent[] {
    return [...this.lastQuotes.values()];
  }

  quoteDecisions(): readonly QuoteDecision[] {
    return this.decisions;
  }

  /**
   * Emits what should rest on one instrument (bids best first, asks best first); an empty side
   * records `whyEmpty` as the reason it is not quoted.
   */
  protected quote(
    venue: string,
    symbol: string,
    bids: readonly QuoteLevel[],
    asks: readonly QuoteLevel[],
    whyEmpty: NoQuoteReason = "no_fair_value",
  ): void {
    const intent: QuoteIntent = { venue, symbol, bids, asks };
    this.lastQuotes.set(`${venue} ${symbol}`, intent);
    const d = this.decisionOf.get(`${venue} ${symbol}`);
    if (d !== undefined) {
      d.bid = bids.length > 0 ? null : whyEmpty;
      d.ask = asks.length > 0 ? null : whyEmpty;
    }
    this.ctx.sink.quotes(intent);
  }

  /** Sends a one-off order (IOC, market) through the engine's risk gate. */
  protected order(intent: OrderIntent): void {
    this.ctx.sink.order(intent);
  }

  /** Routes a parent order across venues; false when this engine cannot route. */
  protected route(intent: RouteIntent): boolean {
    const route = this.ctx.sink.route;
    if (route === undefined) return false;
    route.call(this.ctx.sink, intent);
    return true;
  }
}
