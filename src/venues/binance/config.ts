/**
 * Configuration of one Binance adapter: keys, URLs (production and testnet are named presets, the
 * simulator is just other URLs), symbols, the client-id prefix, clock/rng and limits. Validated once
 * at construction so a missing key is a start-up error naming the venue, never a runtime surprise.
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
import { ed25519Key, ed25519Signer, hmacSigner, type Signer } from "./signing.ts";

/** Base URLs of one Binance deployment. */
export interface BinanceUrls {
  /** REST base (the adapter appends /api/v3/...). */
  readonly restUrl: string;
  /** Stream base (the adapter appends /stream?streams=...). */
  readonly streamUrl: string;
  /** WebSocket API endpoint, complete (…/ws-api/v3). */
  readonly wsApiUrl: string;
}

/** Known Binance Spot deployments (§A.1). */
export const BINANCE_PRESETS = {
  production: {
    restUrl: "https://api.binance.com",
    streamUrl: "wss://stream.binance.com:9443",
    wsApiUrl: "wss://ws-api.binance.com:443/ws-api/v3",
  },
  testnet: {
    restUrl: "https://testnet.binance.vision",
    streamUrl: "wss://stream.testnet.binance.vision",
    wsApiUrl: "wss://ws-api.testnet.binance.vision/ws-api/v3",
  },
  /** Public market data only (no order entry). */
  marketData: {
    restUrl: "https://data-api.binance.vision",
    streamUrl: "wss://data-stream.binance.vision",
    wsApiUrl: "wss://ws-api.binance.com:443/ws-api/v3",
  },
} as const satisfies Record<string, BinanceUrls>;

/** Timeouts and periods, all in ms. */
export interface BinanceTimeouts {
  /** One REST or WS API request. Binance's own timeout is 10 s (-1007). */
  readonly requestMs: number;
  /** Connect (socket open) timeout. */
  readonly connectMs: number;
  /** Open a replacement connection this long after connecting (Binance closes at 24 h). */
  readonly maxConnectionAgeMs: number;
  /** Make-before-break handover gives up waiting for the new connection after this. */
  readonly handoverMs: number;
  /** subscribeQuotes resolves when the books are live or rejects after this. */
  readonly subscribeMs: number;
  /** After (re)subscribing, wait this long for a first diff event before fetching the snapshot. */
  readonly firstEventWaitMs: number;
  /** WS API liveness ping period. */
  readonly wsApiPingMs: number;
  /** Longest we wait for rate-limit budget before refusing a request as rate_limited. */
  readonly maxThrottleWaitMs: number;
  /** Re-sync the server time offset this often. */
  readonly timeSyncMs: number;
}

export const DEFAULT_TIMEOUTS: BinanceTimeouts = {
  requestMs: 10_000,
  connectMs: 10_000,
  maxConnectionAgeMs: 23 * 3_600_000 + 30 * 60_000,
  handoverMs: 15_000,
  subscribeMs: 30_000,
  firstEventWaitMs: 1_000,
  wsApiPingMs: 30_000,
  maxThrottleWaitMs: 5_000,
  timeSyncMs: 300_000,
};

/** What createBinanceAdapter takes. */
export interface BinanceConfig extends BinanceUrls {
  /** Venue name, unique in the engine (e.g. "binance_main"). */
  readonly name: string;
  readonly apiKey: string;
  /** HMAC secret (unused when ed25519PrivateKeyPem is set). */
  readonly apiSecret: string;
  /**
   * An Ed25519 key instead of HMAC: the PKCS#8 PEM private key of the API key. The WS API then
   * authenticates once with session.logon and requests carry no signature.
   */
  readonly ed25519PrivateKeyPem?: string;
  /** Unified symbols ("BTC-USDT") whose instruments are loaded at connect. */
  readonly symbols: readonly string[];
  /** 1–8 letters/digits; ids of this engine's orders start with "<prefix>-". */
  readonly clientIdPrefix: string;
  readonly clock: Clock;
  /** Seeded randomness (reconnect jitter). */
  readonly rng: Rng;
  readonly book?: {
    /** Levels per side the C book holds (default 5000; Binance snapshots go to 5000). */
    readonly maxLevels?: number;
    /** REST snapshot depth (default 1000, weight 50). */
    readonly snapshotLimit?: number;
  };
  /** Diff-depth speed (default "100ms"). */
  readonly depthSpeed?: "100ms" | "1000ms";
  /**
   * The market-data socket's client (default "wire": depth frames go from the receive buffer's bytes
   * to the C decoder; "bun": Bun's WebSocket, a string per frame).
   */
  readonly marketSocket?: MarketSocketKind;
  /** Order entry path (default "wsapi"; "rest" uses REST only). */
  readonly orderEntry?: "wsapi" | "rest";
  /** Market data only: no keys needed, order calls refuse. */
  readonly marketDataOnly?: boolean;
  readonly recvWindowMs?: number;
  readonly timeouts?: Partial<BinanceTimeouts>;
  /**
   * How quickly a stopped market feed is noticed (default 1 s + 1 s): a silent market connection is
   * probed with LIST_SUBSCRIPTIONS and replaced when the answer does not come; a book its bookTicker
   * shows behind for too long goes stale and its depth stream is resubscribed.
   */
  readonly staleness?: Partial<FeedStaleness>;
  readonly backoff?: BackoffConfig;
  /** Outgoing messages per second per stream connection (Binance's limit is 5; default 4). */
  readonly maxOutgoingPerSec?: number;
  /** Fraction of each venue limit we use (default 0.8). */
  readonly rateLimitHeadroom?: number;
  /** Trades asked for per myTrades page (default and Binance's maximum 1000). */
  readonly tradeHistoryPageSize?: number;
  /** Where the adapter says what it waits for (a connect held for the next weight window); default silent. */
  readonly log?: Logger;
}

/** A validated config with every default filled in. */
export interface ResolvedBinanceConfig extends BinanceConfig {
  readonly timeouts: BinanceTimeouts;
  readonly staleness: FeedStaleness;
  readonly backoff: BackoffConfig;
  readonly maxLevels: number;
  readonly snapshotLimit: number;
  readonly depthSpeed: "100ms" | "1000ms";
  readonly marketSocket: MarketSocketKind;
  readonly orderEntry: "wsapi" | "rest";
  readonly recvWindowMs: number;
  readonly maxOutgoingPerSec: number;
  readonly rateLimitHeadroom: number;
  readonly tradeHistoryPageSize: number;
  readonly log: Logger;
  /** Signs request payloads with the configured key. */
  readonly sign: Signer;
  readonly keyType: "hmac" | "ed25519";
}

/** Checks a config; every error names the venue and the field. */
export function resolveBinanceConfig(cfg: BinanceConfig): ResolvedBinanceConfig {
  const name = typeof cfg.name === "string" && cfg.name.length > 0 ? cfg.name : "(unnamed)";
  const fail = (field: string, why: string): never => {
    throw new Error(`binance venue "${name}": ${field} ${why}`);
  };
  if (name === "(unnamed)") fail("name", "is missing");
  const ed = cfg.ed25519PrivateKeyPem;
  let sign: Signer = hmacSigner(typeof cfg.apiSecret === "string" ? cfg.apiSecret : "");
  if (ed !== undefined && cfg.marketDataOnly !== true) {
    try {
      sign = ed25519Signer(ed25519Key(ed));
    } catch (e) {
      fail("ed25519PrivateKeyPem", `is not a usable Ed25519 PKCS#8 PEM key (${(e as Error).message})`);
    }
  }
  if (cfg.marketDataOnly !== true) {
    if (typeof cfg.apiKey !== "string" || cfg.apiKey.trim() === "") fail("apiKey", "is missing");
    if (ed === undefined && (typeof cfg.apiSecret !== "string" || cfg.apiSecret.trim() === ""))
      fail("apiSecret", "is missing");
    if (!/^[\x21-\x7e]+$/.test(cfg.apiKey)) fail("apiKey", "has characters an API key cannot have");
  }
  for (const [field, url, scheme] of [
    ["restUrl", cfg.restUrl, /^https?:\/\//],
    ["streamUrl", cfg.streamUrl, /^wss?:\/\//],
    ["wsApiUrl", cfg.wsApiUrl, /^wss?:\/\//],
  ] as const) {
    if (typeof url !== "string" || !scheme.test(url)) fail(field, `must be a ${scheme.source} URL, got ${String(url)}`);
  }
  if (!Array.isArray(cfg.symbols) || cfg.symbols.length === 0) fail("symbols", "must list at least one symbol");
  for (const s of cfg.symbols) if (!/^[A-Z0-9]+-[A-Z0-9]+$/.test(s)) fail("symbols", `entry ${s} is not BASE-QUOTE`);
  if (!isValidClientIdPrefix(cfg.clientIdPrefix)) fail("clientIdPrefix", "must be 1-8 letters or digits");
  const maxLevels = cfg.book?.maxLevels ?? 5000;
  const snapshotLimit = cfg.book?.snapshotLimit ?? 1000;
  if (!Number.isInteger(maxLevels) || maxLevels < 20) fail("book.maxLevels", "must be an integer >= 20");
  if (!Number.isInteger(snapshotLimit) || snapshotLimit < 5 || snapshotLimit > 5000)
    fail("book.snapshotLimit", "must be 5..5000");
  if (snapshotLimit > maxLevels) fail("book.snapshotLimit", "must not exceed book.maxLevels");
  const maxOutgoingPerSec = cfg.maxOutgoingPerSec ?? 4;
  if (!Number.isInteger(maxOutgoingPerSec) || maxOutgoingPerSec < 1 || maxOutgoingPerSec > 5)
    fail("maxOutgoingPerSec", "must be 1..5 (Binance disconnects above 5)");
  const recvWindowMs = cfg.recvWindowMs ?? 5000;
  if (!(recvWindowMs > 0 && recvWindowMs <= 60_000)) fail("recvWindowMs", "must be 1..60000");
  const staleness = resolveFeedStaleness(cfg.staleness, fail);
  if (cfg.marketSocket !== undefined && cfg.marketSocket !== "wire" && cfg.marketSocket !== "bun")
    fail("marketSocket", `must be "wire" or "bun", got ${String(cfg.marketSocket)}`);
  const tradeHistoryPageSize = cfg.tradeHistoryPageSize ?? 1000;
  if (!Number.isInteger(tradeHistoryPageSize) || tradeHistoryPageSize < 1 || tradeHistoryPageSize > 1000)
    fail("tradeHistoryPageSize", "must be 1..1000 (Binance's largest myTrades page)");
  return {
    ...cfg,
    timeouts: { ...DEFAULT_TIMEOUTS, ...(cfg.timeouts ?? {}) },
    staleness,
    backoff: cfg.backoff ?? DEFAULT_BACKOFF,
    maxLevels,
    snapshotLimit,
    depthSpeed: cfg.depthSpeed ?? "100ms",
    marketSocket: cfg.marketSocket ?? "wire",
    orderEntry: cfg.orderEntry ?? "wsapi",
    recvWindowMs,
    maxOutgoingPerSec,
    rateLimitHeadroom: cfg.rateLimitHeadroom ?? 0.8,
    tradeHistoryPageSize,
    log: cfg.log ?? silentLogger,
    sign,
    keyType: ed !== undefined ? "ed25519" : "hmac",
  };
}

/** Binance's symbol for a unified one: "BTC-USDT" → "BTCUSDT". */
export function venueSymbolOf(unified: string): string {
  return unified.replace("-", "");
}
