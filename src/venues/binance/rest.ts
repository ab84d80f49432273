/**
 * Binance REST client: public and HMAC-signed calls (params signed in the order sent, §A.5), the
 * server-time offset, and rate-limit discipline — budget checked before each call, X-MBX-* headers
 * fed back, 429 Retry-After obeyed, 418 stops everything. 5xx and timeouts surface as
 * UnknownOutcomeError so order callers query instead of resending.
 */
import type { VenueBudget } from "../../gateways/index.ts";
import { VenueRejectError } from "../../types/index.ts";
import { budgetSleep, costs, feedHeaders, feedRateLimits } from "./budget-feed.ts";
import type { ResolvedBinanceConfig } from "./config.ts";
import { rejectError, UnknownOutcomeError } from "./errors.ts";
import { restQuery, signRestQuery } from "./signing.ts";

type Params = Record<string, string | number>;

/** Options of one REST call. */
export interface RestCall {
  readonly signed?: boolean;
  readonly weight: number;
  readonly isOrder?: boolean;
  /** Only the API-key header (listenKey endpoints). */
  readonly keyOnly?: boolean;
  /** Longest wait for budget before refusing (default timeouts.maxThrottleWaitMs); history reads may wait longer. */
  readonly maxWaitMs?: number;
  /** True once the caller no longer wants the request sent: a budget wait ends there, nothing sent. */
  readonly abandoned?: () => boolean;
}

/** Server time minus local time, kept by periodic /time calls (NTP-style midpoint). */
export class ServerTime {
  offsetMs = 0;
  constructor(private readonly nowMs: () => number) {}
  /** Local clock corrected to the venue's. */
  now(): number {
    return Math.round(this.nowMs() + this.offsetMs);
  }
  /** The venue's time at a local time already read (one clock read serves both). */
  at(localMs: number): number {
    return Math.round(localMs + this.offsetMs);
  }
  /** Folds in one measurement: serverTime seen between t0 and t1 (local). */
  observe(serverTimeMs: number, t0: number, t1: number): void {
    this.offsetMs = serverTimeMs - (t0 + t1) / 2;
  }
}

/** A REST connection to one Binance deployment. */
export class BinanceRest {
  /** Requests, HTTP errors and throttled waits, for metrics. */
  readonly counters = { requests: 0, errors: 0, throttledWaits: 0, unknownOutcomes: 0 };

  constructor(
    private readonly cfg: ResolvedBinanceConfig,
    private readonly budget: VenueBudget,
    readonly time: ServerTime,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /** Measures the server-time offset (GET /api/v3/time). */
  async syncTime(): Promise<void> {
    const t0 = this.cfg.clock.nowMs();
    const body = await this.call("GET", "/api/v3/time", {}, { weight: 1 });
    const t1 = this.cfg.clock.nowMs();
    const st = (body as Record<string, unknown>)["serverTime"];
    if (typeof st !== "number") throw new Error(`${this.cfg.name}: /api/v3/time gave no serverTime`);
    this.time.observe(st, t0, t1);
  }

  /** exchangeInfo (and its rateLimits, which declare our budget's limits). */
  async exchangeInfo(): Promise<unknown> {
    const body = await this.call("GET", "/api/v3/exchangeInfo", {}, { weight: 20 });
    feedRateLimits(this.budget, (body as Record<string, unknown>)["rateLimits"]);
    return body;
  }

  /** One REST call; resolves to the parsed JSON body or throws VenueRejectError / UnknownOutcomeError. */
  async call(method: string, path: string, params: Params, opts: RestCall, retried = false): Promise<unknown> {
    await this.waitForBudget(opts.weight, opts.isOrder === true, opts.maxWaitMs, opts.abandoned);
    let query = restQuery(params);
    if (opts.signed === true) {
      const ts = `timestamp=${this.time.now()}&recvWindow=${this.cfg.recvWindowMs}`;
      query = signRestQuery(this.cfg.sign, query.length > 0 ? `${query}&${ts}` : ts);
    }
    const headers: Record<string, string> = {};
    if (opts.signed === true || opts.keyOnly === true) headers["X-MBX-APIKEY"] = this.cfg.apiKey;
    const url = `${this.cfg.restUrl}${path}${query.length > 0 ? `?${query}` : ""}`;
    this.counters.requests++;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method, headers, signal: AbortSignal.timeout(this.cfg.timeouts.requestMs) });
      text = await res.text();
    } catch (e) {
      this.counters.unknownOutcomes++;
      throw new UnknownOutcomeError(`${this.cfg.name}: ${method} ${path} failed: ${(e as Error).message}`);
    }
    feedHeaders(this.budget, res.headers);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (res.ok && body !== undefined) return body;
    this.counters.errors++;
    return this.fail(method, path, params, opts, res, body, retried);
  }

  private async fail(
    method: string,
    path: string,
    params: Params,
    opts: RestCall,
    res: Response,
    body: unknown,
    retried: boolean,
  ): Promise<unknown> {
    const now = this.time.now();
    const retryAfterS = Number(res.headers.get("Retry-After") ?? "");
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const code = typeof b["code"] === "number" ? b["code"] : 0;
    const msg = typeof b["msg"] === "string" ? b["msg"] : `HTTP ${res.status}`;
    if (res.status === 418) {
      this.budget.ban(now + (Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1000 : 120_000));
      throw rejectError(this.cfg.name, code, msg, 418);
    }
    if (res.status === 429) {
      this.budget.blockUntil(now + (Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1000 : 1000));
      throw rejectError(this.cfg.name, code, msg, 429);
    }
    if (res.status >= 500 || code === -1007 || code === -1006) {
      this.counters.unknownOutcomes++;
      throw new UnknownOutcomeError(`${this.cfg.name}: ${method} ${path}: HTTP ${res.status} ${msg}`);
    }
    if (code === -1021 && !retried) {
      await this.syncTime(); // clock drifted: the request was refused before processing, so a retry is safe
      return this.call(method, path, params, opts, true);
    }
    throw rejectError(this.cfg.name, code, msg, res.status);
  }

  /** Waits (bounded) until the budget allows the call; refuses when banned or too far off. */
  private async waitForBudget(
    weight: number,
    isOrder: boolean,
    maxWaitMs?: number,
    abandoned?: () => boolean,
  ): Promise<void> {
    const deadline = this.cfg.clock.nowMs() + (maxWaitMs ?? this.cfg.timeouts.maxThrottleWaitMs);
    for (;;) {
      const v = this.budget.take(costs(weight, isOrder));
      if (v.ok) return;
      if (v.banned) throw new VenueRejectError("banned", 418, `${this.cfg.name}: ${v.why}; no request sent`);
      if (this.cfg.clock.nowMs() + v.waitMs > deadline)
        throw new VenueRejectError("rate_limited", 429, `${this.cfg.name}: ${v.why}; would wait ${v.waitMs} ms`);
      this.counters.throttledWaits++;
      await budgetSleep(this.sleep, v.waitMs, abandoned, this.cfg.name);
    }
  }
}
