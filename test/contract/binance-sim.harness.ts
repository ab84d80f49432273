/**
 * The contract harness for the Binance adapter against the in-process simulator: fast keepalive and
 * short adapter timeouts so disconnect tests finish in seconds, fault knobs mapped to SimAdmin.
 */

import { DEFAULT_FEED_STALENESS } from "../../src/gateways/index.ts";
import { SystemClock } from "../../src/services/clock.ts";
import { Rng } from "../../src/services/rng.ts";
import { type RunningSim, startSim } from "../../src/sim/index.ts";
import { createBinanceAdapter } from "../../src/venues/binance/index.ts";
import type { VenueAdapter } from "../../src/venues/contract.ts";
import type { AdapterOptions, ContractHarness, HarnessFactory, MarketStream } from "./harness.ts";

const SEED = "contract-binance";
const OTHER_KEY = "contractOtherAccountKey000000000000000000000000000000000000000000";
const OTHER_SECRET = "contractOtherAccountSecret0000000000000000000000000000000000000000";
const OTHER_ACCOUNT = "contract-other";
/** The simulator's name of each market stream. */
const BINANCE_STREAMS = { depth: "depth", bbo: "bookTicker", trade: "trade" } as const satisfies Record<
  MarketStream,
  string
>;

/** Options of the simulator used by the Binance contract run. */
export interface BinanceSimHarnessOptions {
  readonly seed?: string;
  /** Order path: WS API (default) or REST with the listenKey user stream. */
  readonly orderEntry?: "wsapi" | "rest";
  /** The market-data socket's client (the adapter's default when absent). */
  readonly marketSocket?: "wire" | "bun";
}

/** A factory of Binance-on-simulator harnesses. */
export function binanceSimHarness(opts: BinanceSimHarnessOptions = {}): HarnessFactory {
  return async () => {
    const seed = opts.seed ?? SEED;
    const sim = await startSim({
      accounts: [{ apiKey: OTHER_KEY, apiSecret: OTHER_SECRET, accountId: OTHER_ACCOUNT }],
      seed,
      symbols: ["BTCUSDT", "ETHUSDT"],
      speed: 4,
      pingIntervalMs: 1000,
      pongTimeoutMs: 3000,
    });
    const adapters: VenueAdapter[] = [];
    let n = 0;
    const base = (name: string, k: number) => ({
      name,
      apiKey: sim.apiKey,
      apiSecret: sim.apiSecret,
      restUrl: sim.restUrl,
      streamUrl: sim.streamUrl,
      wsApiUrl: sim.wsApiUrl,
      symbols: ["BTC-USDT", "ETH-USDT"],
      clientIdPrefix: `ct${k}`,
      clock: new SystemClock(),
      rng: new Rng(`${seed}-${k}`),
      orderEntry: opts.orderEntry ?? "wsapi",
      ...(opts.marketSocket !== undefined ? { marketSocket: opts.marketSocket } : {}),
    });
    const harness: ContractHarness = {
      kind: "binance",
      symbol: "BTC-USDT",
      recoveryBoundMs: 8000,
      staleness: DEFAULT_FEED_STALENESS, // the adapters run with the production defaults
      async createAdapterWithBadKeys() {
        const name = `binance_badkeys_${++n}`;
        const a = createBinanceAdapter({
          ...base(name, n),
          apiSecret: "wrongSecret0000000000000000000000000000000000000000000000000000",
        });
        adapters.push(a);
        return { adapter: a, name };
      },
      async createAdapter(o: AdapterOptions = {}) {
        n++;
        const a = createBinanceAdapter({
          ...base(`binance_contract_${n}`, n),
          backoff: { baseMs: 50, maxMs: 1000, factor: 2 },
          timeouts: {
            requestMs: 2000,
            firstEventWaitMs: 300,
            handoverMs: 3000,
            subscribeMs: 10_000,
            maxThrottleWaitMs: 3000,
            ...(o.connectionAgeMs !== undefined ? { maxConnectionAgeMs: o.connectionAgeMs } : {}),
          },
          ...(o.tradeHistoryPageSize !== undefined ? { tradeHistoryPageSize: o.tradeHistoryPageSize } : {}),
        });
        adapters.push(a);
        await a.connect();
        return a;
      },
      venueBook(symbol, levels) {
        const s = sim.exchange.depthSnapshot(symbol.replace("-", ""), levels);
        if (s === undefined) throw new Error(`simulator has no ${symbol}`);
        return s;
      },
      pauseMarket: (p) => sim.admin.pauseMarket(p),
      faults: {
        dropDepth: (s) => sim.admin.dropDepthEvent(s.replace("-", "")),
        duplicateDepth: (s) => sim.admin.duplicateDepthEvent(s.replace("-", "")),
        reorderDepth: (s) => sim.admin.reorderDepthEvent(s.replace("-", "")),
        staleSnapshot: (s) => sim.admin.serveStaleSnapshot(s.replace("-", ""), 1),
        closeMarket: (mode) => {
          sim.admin.closeConnections("market", mode);
        },
        silenceMarket: (on) => sim.admin.silence(["market"], on),
        freezeDepth: (s, on) => sim.admin.freezeStream(s.replace("-", ""), "depth", on),
        failAfterPlace: () => sim.admin.failAfterPlace(503, 1),
        limitOrders: (per10s) => sim.admin.setRateLimits({ ordersPer10s: per10s }),
        rateLimitHits: () => {
          const c = sim.admin.counters();
          return { tooMany: c.rateLimit429, banned: c.rateLimit418 };
        },
        closeOrderConnections: (mode) => {
          sim.admin.closeConnections("wsapi", mode);
          sim.admin.closeConnections("user", mode);
        },
        trade: (symbol, side, priceTicks, lots) => {
          const spec = sim.exchange.symbol(symbol.replace("-", ""));
          if (spec === undefined) throw new Error(`simulator has no ${symbol}`);
          const r = sim.exchange.placeOrder({
            accountId: OTHER_ACCOUNT,
            symbol: spec.name,
            side: side === "buy" ? "BUY" : "SELL",
            type: "LIMIT",
            timeInForce: "IOC",
            price: spec.formatPrice(priceTicks),
            quantity: spec.formatQty(lots),
          });
          if (!r.ok) throw new Error(`simulator refused the trade: ${JSON.stringify(r)}`);
        },
        corruptMarket: (symbol, stream, kind, o = {}) =>
          sim.admin.corruptMarketFrame(symbol.replace("-", ""), BINANCE_STREAMS[stream], kind, o),
        corruptUser: (kind, o = {}) => sim.admin.corruptUserFrame("executionReport", kind, o),
        corruptedSent: () => {
          const c = sim.admin.counters();
          return { market: c.corruptedMarketFrames, user: c.corruptedUserFrames };
        },
        refusedFrames: (a) => {
          const s = a.stats?.() ?? {};
          const n = (k: string): number => s[k] ?? 0;
          return {
            market: n("md_badFrames") + n("md_crossedRejected"),
            user: n("wsapi_badFrames") + n("listenkey_badFrames") + n("badUserEvents"),
          };
        },
        clear: () => sim.admin.clearFaults(),
      },
      async close() {
        for (const a of adapters) await a.close();
        await sim.close();
      },
    };
    return harness;
  };
}

export type { RunningSim };
