/**
 * The contract harness for the OKX v5 adapter against the in-process OKX simulator: fast ping/pong and
 * short adapter timeouts so disconnect tests finish in seconds, fault knobs mapped to OkxSimAdmin.
 */

import { DEFAULT_FEED_STALENESS } from "../../src/gateways/index.ts";
import { SystemClock } from "../../src/services/clock.ts";
import { Rng } from "../../src/services/rng.ts";
import { DEFAULT_SYMBOLS } from "../../src/sim/index.ts";
import { startOkxSim } from "../../src/sim/okx/index.ts";
import type { VenueAdapter } from "../../src/venues/contract.ts";
import { createOkxAdapter } from "../../src/venues/okx/index.ts";
import type { AdapterOptions, ContractHarness, HarnessFactory, MarketStream } from "./harness.ts";

const SEED = "contract-okx";
/** The simulator's channel of each market stream. */
const OKX_CHANNELS = { depth: "books", bbo: "bbo-tbt", trade: "trades" } as const satisfies Record<
  MarketStream,
  string
>;

/** Options of the OKX contract run. */
export interface OkxSimHarnessOptions {
  readonly seed?: string;
  /** Order path: the private socket (default) or signed REST; fills stream on the private socket either way. */
  readonly orderEntry?: "ws" | "rest";
  /** One turn's placements and cancels go out as OKX batch ops (the adapter's batchOrderEntry). */
  readonly batchOrderEntry?: boolean;
  /** The public socket's client (the adapter's default when absent). */
  readonly marketSocket?: "wire" | "bun";
}

/** A factory of OKX-on-simulator harnesses. */
export function okxSimHarness(opts: OkxSimHarnessOptions = {}): HarnessFactory {
  return async () => {
    const seed = opts.seed ?? SEED;
    const sim = await startOkxSim({
      seed,
      symbolSpecs: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT" || s.symbol === "ETHUSDT"),
      speed: 4,
      balances: { USDT: "1000000", BTC: "100", ETH: "1000" },
    });
    const adapters: VenueAdapter[] = [];
    /** OKX publishes no rate-limit endpoint: an account's limit is configuration, given to later adapters. */
    let orderRateLimit: { count: number; windowMs: number } | undefined;
    let n = 0;
    const base = (name: string, k: number) => ({
      name,
      restUrl: sim.restUrl,
      wsPublicUrl: sim.wsPublicUrl,
      wsPrivateUrl: sim.wsPrivateUrl,
      apiKey: sim.apiKey,
      secret: sim.apiSecret,
      passphrase: sim.passphrase,
      clientIdPrefix: `o${k}z`,
      clock: new SystemClock(),
      rng: new Rng(`${seed}-${k}`),
      orderEntry: opts.orderEntry ?? "ws",
      batchOrderEntry: opts.batchOrderEntry ?? false,
      ...(opts.marketSocket !== undefined ? { marketSocket: opts.marketSocket } : {}),
    });
    const spec = (symbol: string) => {
      const s = sim.exchange.symbol(symbol.replace("-", ""));
      if (s === undefined) throw new Error(`simulator has no ${symbol}`);
      return s;
    };
    const harness: ContractHarness = {
      kind: "okx",
      symbol: "BTC-USDT",
      recoveryBoundMs: 8000,
      staleness: DEFAULT_FEED_STALENESS, // the adapters run with the production defaults
      async createAdapterWithBadKeys() {
        const name = `okx_badkeys_${++n}`;
        const a = createOkxAdapter({ ...base(name, n), secret: "wrongSecret000000000000000000000000" });
        adapters.push(a);
        return { adapter: a, name };
      },
      async createAdapter(o: AdapterOptions = {}) {
        n++;
        const a = createOkxAdapter({
          ...base(`okx_contract_${n}`, n),
          backoff: { baseMs: 50, maxMs: 1000, factor: 2 },
          pingIdleMs: 400,
          pongTimeoutMs: 1000,
          requestMs: 2000,
          subscribeMs: 10_000,
          maxThrottleWaitMs: 3000,
          ...(orderRateLimit !== undefined ? { orderRateLimit } : {}),
          ...(o.connectionAgeMs !== undefined ? { maxConnectionAgeMs: o.connectionAgeMs } : {}),
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
        dropDepth: (s) => sim.admin.dropDepthEvent(s),
        duplicateDepth: (s) => sim.admin.duplicateDepthEvent(s),
        reorderDepth: (s) => sim.admin.reorderDepthEvent(s),
        staleSnapshot: (s) => sim.admin.serveStaleSnapshot(s, 1),
        closeMarket: (mode) => {
          sim.admin.closeConnections("public", mode);
        },
        silenceMarket: (on) => sim.admin.silence(["public"], on),
        freezeDepth: (s, on) => sim.admin.freezeChannel(s, "books", on),
        failAfterPlace: () => sim.admin.failAfterPlace(500, 1),
        limitOrders: (per10s) => {
          sim.admin.setOrderRateLimit(per10s, 10_000);
          sim.admin.setRateLimit("batch-orders", per10s, 10_000);
          orderRateLimit = { count: per10s, windowMs: 10_000 };
        },
        rateLimitHits: () => ({ tooMany: sim.admin.counters().rateLimited, banned: 0 }),
        closeOrderConnections: (mode) => {
          sim.admin.closeConnections("private", mode);
        },
        trade: (symbol, side, priceTicks, lots) => {
          const s = spec(symbol);
          sim.admin.trade(symbol, side, s.formatPrice(priceTicks), s.formatQty(lots));
        },
        corruptMarket: (symbol, stream, kind, o = {}) =>
          sim.admin.corruptMarketFrame(symbol, OKX_CHANNELS[stream], kind, o),
        corruptUser: (kind, o = {}) => sim.admin.corruptUserFrame(kind, o),
        corruptedSent: () => {
          const c = sim.admin.counters();
          return { market: c.corruptedMarketFrames, user: c.corruptedUserFrames };
        },
        // one badFrames counter covers both sockets; crossed books are counted apart
        refusedFrames: (a) => {
          const s = a.stats?.() ?? {};
          return { market: (s["badFrames"] ?? 0) + (s["crossed"] ?? 0), user: s["badFrames"] ?? 0 };
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
