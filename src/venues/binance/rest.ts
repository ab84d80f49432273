/**
 * Binance REST client: public and HMAC-signed calls (params signed in the order sent, §A.5), the
 * server-time offset, and rate-limit discipline — budget checked before each call, X-MBX-* headers
 * fed back, 429 Retry-After obeyed, 418 stops everything. 5xx and timeouts surface as
 * UnknownOutcomeError so order callers query instead of resending.
 */
import type { VenueBudget } from "../../gateways/index.ts";
import { type BudgetTaker, feedHeaders, feedRateLimits, type OffPath, takeBudget } from "./budget-feed.ts";
import type { ResolvedBinanceConfig } from "./config.ts";
import { rejectError, UnknownOutcomeError, VenueRateLimitedError } from "./errors.ts";
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
  /**
   * Off the order path (connect, resync): waits up to a whole weight window for budget, waits out a
   * venue 429 and sends again, and ends at once when the signal aborts. Never set on an order call.
   */
  readonly offPath?: OffPath;
}

/** Sends of one off-path call refused by the venue with 429 before it gives up (each waits out Retry-After). */
const MAX_429_RETRIES = 2;

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
  readonly counters = { requests: 0, errors: 0, throttledWaits: 0, offPathWaits: 0, unknownOutcomes: 0 };
  private readonly taker: BudgetTaker;

  constructor(
    private readonly cfg: ResolvedBinanceConfig,
    private readonly budget: VenueBudget,
    readonly time: ServerTime,
    sleep: (ms: number) => Promise<void>,
  ) {
    this.taker = { cfg, budget, sleep, counters: this.counters };
  }

  /** Measures the server-time offset (GET /api/v3/time); off the order path when `offPath` is given. */
  async syncTime(offPath?: OffPath): Promise<void> {
    const t0 = this.cfg.clock.nowMs();
    const body = await this.call(
      "GET",
      "/api/v3/time",
      {},
      offPath === undefined ? { weight: 1 } : { weight: 1, offPath },
    );
    const t1 = this.cfg.clock.nowMs();
    const st = (body as Record<string, unknown>)["serverTime"];
    if (typeof st !== "number") throw new Error(`${this.cfg.name}: /api/v3/time gave no serverTime`);
    this.time.observe(st, t0, t1);
  }

  /** exchangeInfo (and its rateLimits, which declare our budget's limits). */
  async exchangeInfo(offPath?: OffPath): Promise<unknown> {
    const body = await this.call("GET", "/api/v3/exchangeInfo", {}, { weight: 20, ...(offPath ? { offPath } : {}) });
    feedRateLimits(this.budget, (body as Record<string, unknown>)["rateLimits"]);
    return body;
  }

  /**
   * One REST call; resolves to the parsed JSON body or throws VenueRejectError / UnknownOutcomeError.
   * An off-path call the venue refuses with 429 waits out its Retry-After and is sent again (a read:
   * safe to repeat), at most MAX_429_RETRIES times.
   */
  async call(method: string, path: string, params: Params, opts: RestCall): Promise<unknown> {
    for (let refused = 0; ; refused++) {
      try {
        return await this.send(method, path, params, opts, false);
      } catch (e) {
        const again = opts.offPath !== undefined && opts.isOrder !== true && refused < MAX_429_RETRIES;
        if (!(again && e instanceof VenueRateLimitedError)) throw e;
      }
    }
  }

  /** One send of a call, after its budget: the body, or the error its answer means. */
  private async send(method: string, path: string, params: Params, opts: RestCall, retried: boolean): Promise<unknown> {
    await takeBudget(this.taker, opts.weight, opts.isOrder === true, opts);
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
      throw new VenueRateLimitedError("rate_limited", code, `${this.cfg.name}: ${msg} (code ${code})`);
    }
    if (res.status >= 500 || code === -1007 || code === -1006) {
      this.counters.unknownOutcomes++;
      throw new UnknownOutcomeError(`${this.cfg.name}: ${method} ${path}: HTTP ${res.status} ${msg}`);
    }
    if (code === -1021 && !retried) {
      await this.syncTime(); // clock drifted: the request was refused before processing, so a retry is safe
      return this.send(method, path, params, opts, true);
    }
    throw rejectError(this.cfg.name, code, msg, res.status);
  }
}
