/**
 * Public face of the OKX v5 simulator: `startOkxSim()` runs the shared matching core behind an OKX-speaking
 * server (REST /api/v5, /ws/v5/public, /ws/v5/private) on 127.0.0.1, with in-process fault knobs.
 */
import { type Clock, SystemClock } from "../../../services/clock.ts";
import { DEFAULT_SYMBOLS, type FeeSpec, type SharedFairValueOption, SimCore, type SymbolSpec } from "../core/index.ts";
import { OkxServer } from "./server.ts";
import { type OkxFaults, OkxVenue } from "./venue.ts";

export { okxLoginPrehash, okxRestPrehash, okxSign } from "./signing.ts";
export type { OkxFaults } from "./venue.ts";

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
  symbolSpecs?: SymbolSpec[];
  speed?: number;
  agents?: boolean;
  balances?: Record<string, string>;
  /** Close a WebSocket after this long without client data (OKX 30 s). */
  idleTimeoutMs?: number;
  /** Fee rates of the test account (default: the core's, 0.1 %). */
  fees?: FeeSpec;
  /** Follow a fair value shared with other venues (startMultiSim) instead of an own walk. */
  fairValue?: SharedFairValueOption;
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
  closeConnections(): void;
  pauseMarket(paused: boolean): void;
  close(): Promise<void>;
}

/** Starts an OKX-speaking simulator; resolves once it listens. */
export async function startOkxSim(opts: StartOkxSimOptions = {}): Promise<RunningOkxSim> {
  const clock = opts.clock ?? new SystemClock();
  const core = new SimCore({
    clock,
    seed: opts.seed ?? "okx-sim",
    symbols: opts.symbolSpecs ?? DEFAULT_SYMBOLS,
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
  const server = new OkxServer(venue, clock, opts.port ?? 0, opts.idleTimeoutMs ?? 30_000);
  core.start();
  const port = server.server.port ?? 0;
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
    closeConnections: () => server.closeConnections(),
    pauseMarket: (p) => core.pauseMarket(p),
    close: async () => {
      if (closed) return;
      closed = true;
      core.stop();
      server.stop();
    },
  };
}
