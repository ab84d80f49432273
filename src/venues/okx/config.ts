/**
 * The OKX adapter's configuration: written once here, checked and given its defaults once, so the
 * adapter, its market data and its order entry all read the same resolved values.
 */
import {
  type BackoffConfig,
  DEFAULT_BACKOFF,
  type FeedStaleness,
  type MarketSocketKind,
  resolveFeedStaleness,
} from "../../gateways/index.ts";
import { type Clock, type Logger, type Rng, silentLogger } from "../../services/index.ts";
import { isValidClientIdPrefix } from "../../types/index.ts";

/** Everything one OKX adapter needs; keys are optional for market-data-only use. */
export interface OkxConfig {
  readonly name: string;
  readonly restUrl: string;
  /** Full URLs of the public and private sockets (…/ws/v5/public, …/ws/v5/private). */
  readonly wsPublicUrl: string;
  readonly wsPrivateUrl: string;
  readonly apiKey?: string;
  readonly secret?: string;
  readonly passphrase?: string;
  /** 1–8 letters/digits; every clOrdId of this engine starts with it. */
  readonly clientIdPrefix: string;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly backoff?: BackoffConfig;
  /** Private socket: send "ping" after this long without receiving anything (OKX closes at 30 s). */
  readonly pingIdleMs?: number;
  /** Private socket: reconnect when no "pong" (or any data) arrives this long after a ping. */
  readonly pongTimeoutMs?: number;
  /**
   * How quickly a stopped market feed is noticed (default 1 s + 1 s): a silent public socket is
   * pinged and replaced when no pong comes; a book whose bbo-tbt moved past it while its `books`
   * channel stayed silent goes stale and is resubscribed.
   */
  readonly staleness?: Partial<FeedStaleness>;
  readonly requestMs?: number;
  readonly subscribeMs?: number;
  readonly maxThrottleWaitMs?: number;
  readonly maxLevels?: number;
  /**
   * The public socket's client (default "wire": `books` frames go from the receive buffer's bytes to
   * the C decoder; "bun": Bun's WebSocket, a string per frame).
   */
  readonly marketSocket?: MarketSocketKind;
  /** Add x-simulated-trading: 1 (OKX demo). */
  readonly demo?: boolean;
  /** Where orders and cancels go: the private socket (default) or signed REST; fills always stream. */
  readonly orderEntry?: "ws" | "rest";
  /**
   * Placements (and cancels) asked for in one handler turn go out as OKX batch ops, up to 20 per
   * request (default true: bench/okx-batch.bench.ts on a quiet machine shows it helps at every depth).
   */
  readonly batchOrderEntry?: boolean;
  /**
   * Placement budget per instrument the adapter keeps to (OKX documents 60 per 2 s and publishes no
   * endpoint to discover it, so an account with a different tier configures it here).
   */
  readonly orderRateLimit?: { readonly count: number; readonly windowMs: number };
  /** Replace the public socket this often, make-before-break (0 = never). */
  readonly maxConnectionAgeMs?: number;
  /** A post_only order waits this long for its first `orders` push (live, or canceled as would-take). */
  readonly postOnlyConfirmMs?: number;
  /** Rows asked for per fills / fills-history page (default and OKX's maximum 100). */
  readonly tradeHistoryPageSize?: number;
  /** Per-user limits of the trade-history endpoints (OKX: fills 60, fills-history 10 per 2 s). */
  readonly fillsRateLimit?: { readonly count: number; readonly windowMs: number };
  readonly fillsHistoryRateLimit?: { readonly count: number; readonly windowMs: number };
  /** Where the adapter says what it waits for (a connect held back by the venue's rate limit); default silent. */
  readonly log?: Logger;
}

/** An OkxConfig with every default filled in, so no reader has to repeat one. */
export type ResolvedOkxConfig = Required<Omit<OkxConfig, "apiKey" | "secret" | "passphrase" | "staleness">> & {
  apiKey: string;
  secret: string;
  passphrase: string;
  staleness: FeedStaleness;
};

/** Refuses a config that cannot work (bad prefix, missing URL, partial keys) before anything connects. */
export function resolveOkxConfig(cfg: OkxConfig): ResolvedOkxConfig {
  if (!isValidClientIdPrefix(cfg.clientIdPrefix))
    throw new Error(`okx ${cfg.name}: clientIdPrefix must be 1-8 letters/digits`);
  for (const k of ["restUrl", "wsPublicUrl", "wsPrivateUrl"] as const)
    if (typeof cfg[k] !== "string" || cfg[k].length === 0) throw new Error(`okx ${cfg.name}: ${k} missing`);
  const keys = [cfg.apiKey, cfg.secret, cfg.passphrase].filter((k) => typeof k === "string" && k.length > 0);
  if (keys.length !== 0 && keys.length !== 3)
    throw new Error(`okx ${cfg.name}: apiKey, secret and passphrase must all be set (or none)`);
  if (cfg.marketSocket !== undefined && cfg.marketSocket !== "wire" && cfg.marketSocket !== "bun")
    throw new Error(`okx ${cfg.name}: marketSocket must be "wire" or "bun", got ${String(cfg.marketSocket)}`);
  const page = cfg.tradeHistoryPageSize;
  if (page !== undefined && !(Number.isInteger(page) && page >= 1 && page <= 100))
    throw new Error(`okx ${cfg.name}: tradeHistoryPageSize must be 1..100 (OKX's largest fills page)`);
  for (const k of ["orderRateLimit", "fillsRateLimit", "fillsHistoryRateLimit"] as const) {
    const l = cfg[k];
    if (
      l !== undefined &&
      !(Number.isInteger(l.count) && l.count >= 1 && Number.isInteger(l.windowMs) && l.windowMs >= 1)
    )
      throw new Error(`okx ${cfg.name}: ${k} needs a positive integer count and windowMs`);
  }
  return {
    backoff: DEFAULT_BACKOFF,
    pingIdleMs: 20_000,
    pongTimeoutMs: 10_000,
    requestMs: 10_000,
    subscribeMs: 30_000,
    maxThrottleWaitMs: 5_000,
    maxLevels: 1024,
    marketSocket: "wire",
    demo: false,
    orderEntry: "ws",
    batchOrderEntry: true,
    orderRateLimit: { count: 60, windowMs: 2000 },
    maxConnectionAgeMs: 0,
    postOnlyConfirmMs: 2000,
    tradeHistoryPageSize: 100,
    fillsRateLimit: { count: 60, windowMs: 2000 },
    fillsHistoryRateLimit: { count: 10, windowMs: 2000 },
    log: silentLogger,
    ...cfg,
    apiKey: cfg.apiKey ?? "",
    secret: cfg.secret ?? "",
    passphrase: cfg.passphrase ?? "",
    staleness: resolveFeedStaleness(cfg.staleness, (field, why) => {
      throw new Error(`okx ${cfg.name}: ${field} ${why}`);
    }),
  };
}
