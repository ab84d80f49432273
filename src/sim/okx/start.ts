/**
 * Starts the OKX v5 simulator: the shared matching core behind an OKX-speaking server (REST /api/v5,
 * /ws/v5/public, /ws/v5/private) on 127.0.0.1, with in-process fault knobs and an admin port.
 */
import { randomBytes } from "node:crypto";
import { type Clock, SystemClock } from "../../services/index.ts";
import { checkAdminToken, type FeeSpec, type SharedFairValueOption, SimCore, type SymbolSpec } from "../core/index.ts";
import { OkxSimAdmin, startOkxAdminServer } from "./admin.ts";
import { type OkxLatency, OkxServer } from "./server.ts";
import { OKX_SYMBOLS, okxAssetPrecision } from "./symbols.ts";
import { type OkxFaults, OkxVenue } from "./venue.ts";

/** Documented test credentials of the OKX simulator. */
export const OKX_SIM_API_KEY = "okx-sim-key-00000000-0000-0000-0000-000000000001";
export const OKX_SIM_API_SECRET = "OKXSIMSECRETDONOTUSEINPRODUCTION0123456789";
export const OKX_SIM_PASSPHRASE = "sim-passphrase";
export const OKX_SIM_ACCOUNT_ID = "okx-sim-test";

/** Options of startOkxSim; all optional. */
export interface StartOkxSimOptions {
  port?: number;
  seed?: string;
  clock?: Clock;
  /** Instruments to list (default OKX_SYMBOLS: OKX's own tickSz/lotSz/minSz). */
  symbolSpecs?: SymbolSpec[];
  speed?: number;
  agents?: boolean;
  balances?: Record<string, string>;
  /** Close a WebSocket after this long without client data (OKX 30 s). */
  idleTimeoutMs?: number;
  /** A `books` channel quiet this long gets an empty keepalive update (seqId == prevSeqId); 0 = never. */
  booksKeepaliveMs?: number;
  /** `books` push interval, ms (OKX: about 100); 0 pushes every change at once. */
  booksIntervalMs?: number;
  /** Admin HTTP port for the fault knobs (0 = OS-assigned; -1 = no admin server). */
  adminPort?: number;
  /** Admin bearer token (default: random per run, returned as adminToken). */
  adminToken?: string;
  /** Fee rates of the test account (default: the core's, 0.1 %). */
  fees?: FeeSpec;
  /** Follow a fair value shared with other venues (startMultiSim) instead of an own walk. */
  fairValue?: SharedFairValueOption;
  /**
   * One-way delays on the Clock, like the Binance simulator's: marketDataMs on every public-socket
   * frame; orderEntryMs on order requests in (private WS order/cancel-order, REST /api/v5/trade/) and on
   * every private-socket frame and trade REST response out. Order of a socket's frames is kept.
   */
  latency?: { marketDataMs?: number; orderEntryMs?: number };
}

/** A running OKX simulator. */
export interface RunningOkxSim {
  readonly restUrl: string;
  readonly wsPublicUrl: string;
  readonly wsPrivateUrl: string;
  readonly port: number;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly passphrase: string;
  readonly accountId: string;
  readonly exchange: SimCore;
  /** One-shot fault knobs (set a field; the next matching event consumes it). */
  readonly faults: OkxFaults;
  /** Counted fault knobs and counters (the same functions as the admin HTTP port). */
  readonly admin: OkxSimAdmin;
  /** http://127.0.0.1:ADMINPORT (POST /admin/<function>, Authorization: Bearer adminToken); "" without one. */
  readonly adminUrl: string;
  readonly adminToken: string;
  /** The one-way delays in force (0 = none). */
  readonly latency: OkxLatency;
  closeConnections(): void;
  pauseMarket(paused: boolean): void;
  close(): Promise<void>;
}

/** Starts an OKX-speaking simulator; resolves once it listens. */
export async function startOkxSim(opts: StartOkxSimOptions = {}): Promise<RunningOkxSim> {
  const latency = checkLatency(opts.latency);
  const adminToken = opts.adminToken ?? randomBytes(16).toString("hex");
  checkAdminToken(adminToken);
  const clock = opts.clock ?? new SystemClock();
  // OKX has no minimum-notional rule (§D.7: minSz only), so the core's Binance-style one is switched off.
  const specs = (opts.symbolSpecs ?? OKX_SYMBOLS).map((s) => ({ ...s, minNotional: "0" }));
  const core = new SimCore({
    clock,
    seed: opts.seed ?? "okx-sim",
    symbols: specs,
    // OKX's ordId is unique per account across instruments (Binance's orderId is per symbol)
    orderIds: "per_exchange",
    // OKX's fine lots (BTC 0.00000001 at tick 0.1) need more quote decimals than Binance's 8 for exact notionals.
    assetPrecision: okxAssetPrecision(specs),
    speed: opts.speed ?? 1,
    agents: opts.agents ?? true,
    ...(opts.fairValue !== undefined ? { fairValue: opts.fairValue } : {}),
  });
  core.createAccount(OKX_SIM_ACCOUNT_ID, opts.balances ?? { USDT: "100000", BTC: "10", ETH: "100" }, opts.fees);
  const venue = new OkxVenue(core, clock, [
    {
      apiKey: OKX_SIM_API_KEY,
      apiSecret: OKX_SIM_API_SECRET,
      passphrase: OKX_SIM_PASSPHRASE,
      accountId: OKX_SIM_ACCOUNT_ID,
    },
  ]);
  const server = new OkxServer(
    venue,
    clock,
    opts.port ?? 0,
    opts.idleTimeoutMs ?? 30_000,
    opts.booksKeepaliveMs ?? 1000,
    latency,
    opts.booksIntervalMs ?? 100,
  );
  core.start();
  const port = server.server.port ?? 0;
  const admin = new OkxSimAdmin(venue, server);
  const adminServer = opts.adminPort === -1 ? undefined : startOkxAdminServer(admin, opts.adminPort ?? 0, adminToken);
  let closed = false;
  return {
    restUrl: `http://127.0.0.1:${port}`,
    wsPublicUrl: `ws://127.0.0.1:${port}/ws/v5/public`,
    wsPrivateUrl: `ws://127.0.0.1:${port}/ws/v5/private`,
    port,
    apiKey: OKX_SIM_API_KEY,
    apiSecret: OKX_SIM_API_SECRET,
    passphrase: OKX_SIM_PASSPHRASE,
    accountId: OKX_SIM_ACCOUNT_ID,
    exchange: core,
    faults: venue.faults,
    admin,
    adminUrl: adminServer === undefined ? "" : `http://127.0.0.1:${adminServer.port}`,
    adminToken,
    latency,
    closeConnections: () => server.closeConnections(),
    pauseMarket: (p) => core.pauseMarket(p),
    close: async () => {
      if (closed) return;
      closed = true;
      core.stop();
      server.stop();
      await adminServer?.stop(true);
    },
  };
}

/** Validates the latency option up front; the error names the field. */
function checkLatency(l: StartOkxSimOptions["latency"]): OkxLatency {
  const one = (k: "marketDataMs" | "orderEntryMs"): number => {
    const ms = l?.[k] ?? 0;
    if (!(Number.isFinite(ms) && ms >= 0 && ms <= 60_000))
      throw new Error(`latency.${k}: expected 0-60000 ms, got ${String(ms)}`);
    return ms;
  };
  return { marketDataMs: one("marketDataMs"), orderEntryMs: one("orderEntryMs") };
}
