/**
 * Contract harness for the in-process sim-direct adapter: a SimCore on real time shared by every
 * adapter of the group (one account, a distinct client-id prefix per adapter). It has no wire, so
 * the wire faults (lost/duplicated frames, disconnects, 5xx, keys, rate limits) do not exist for it;
 * the run declares those tests unsupported and the knobs throw if called.
 */
import { DEFAULT_FEED_STALENESS } from "../../src/gateways/index.ts";
import { SystemClock } from "../../src/services/clock.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../../src/sim/index.ts";
import { SimDirectAdapter } from "../../src/venues/sim-direct/index.ts";
import type { ContractHarness, HarnessFactory, VenueFaults } from "./harness.ts";

const ACCOUNT = "contract";
const OTHER = "contract-other";

/** Makes one harness (one simulator core) per call. */
export function simDirectHarness(): HarnessFactory {
  return async (): Promise<ContractHarness> => {
    const clock = new SystemClock();
    const core = new SimCore({
      clock,
      seed: "contract-sim-direct",
      symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT"),
    });
    core.createAccount(ACCOUNT, { USDT: "1000000", BTC: "100" });
    core.createAccount(OTHER, { USDT: "1000000", BTC: "100" });
    core.start();
    const adapters: SimDirectAdapter[] = [];
    let n = 0;
    const wire = (what: string) => (): never => {
      throw new Error(`sim-direct has no wire: ${what} is not supported`);
    };
    const faults: VenueFaults = {
      dropDepth: wire("dropDepth"),
      duplicateDepth: wire("duplicateDepth"),
      reorderDepth: wire("reorderDepth"),
      staleSnapshot: wire("staleSnapshot"),
      closeMarket: wire("closeMarket"),
      silenceMarket: wire("silenceMarket"),
      freezeDepth: wire("freezeDepth"),
      failAfterPlace: wire("failAfterPlace"),
      limitOrders: wire("limitOrders"),
      rateLimitHits: () => ({ tooMany: 0, banned: 0 }),
      closeOrderConnections: wire("closeOrderConnections"),
      trade(symbol, side, priceTicks, lots) {
        const sym = core.symbol(symbol.replace("-", ""));
        if (sym === undefined) throw new Error(`unknown symbol ${symbol}`);
        const r = core.placeOrder({
          accountId: OTHER,
          symbol: sym.name,
          side: side === "buy" ? "BUY" : "SELL",
          type: "LIMIT",
          timeInForce: "IOC",
          price: sym.priceGrid.format(priceTicks),
          quantity: sym.qtyGrid.format(lots),
        });
        if (!r.ok) throw new Error(`trade refused: ${JSON.stringify(r.reason)}`);
      },
      corruptMarket: wire("corruptMarket"),
      corruptUser: wire("corruptUser"),
      corruptedSent: () => ({ market: 0, user: 0 }),
      refusedFrames: () => ({ market: 0, user: 0 }),
      clear: () => {},
    };
    return {
      kind: "sim-direct",
      symbol: "BTC-USDT",
      recoveryBoundMs: 5000,
      staleness: DEFAULT_FEED_STALENESS, // not used: no wire, no liveness checks
      async createAdapter(o = {}) {
        n++;
        const a = new SimDirectAdapter({
          ...(o.tradeHistoryPageSize !== undefined ? { tradeHistoryPageSize: o.tradeHistoryPageSize } : {}),
          name: `simd${n}`,
          core,
          clock,
          accountId: ACCOUNT,
          clientIdPrefix: `sd${n}`,
          marketDataMs: 1,
          orderEntryMs: 1,
        });
        adapters.push(a);
        await a.connect();
        return a;
      },
      async createAdapterWithBadKeys() {
        return wire("createAdapterWithBadKeys")();
      },
      venueBook(symbol, levels) {
        const s = core.depthSnapshot(symbol.replace("-", ""), levels);
        return { bids: s?.bids ?? [], asks: s?.asks ?? [] };
      },
      pauseMarket(paused) {
        core.pauseMarket(paused);
      },
      faults,
      async close() {
        for (const a of adapters) await a.close();
        core.stop();
      },
    };
  };
}
