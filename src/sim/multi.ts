/**
 * Several simulated venues in one process on one fair value: each venue is its own SimCore (own seed,
 * fees, latency, lag and noise) behind its protocol's server, and all of them follow one
 * SharedFairValue, so their prices move together but not identically — what a cross-venue strategy
 * (and its tests) needs. Used by `bun run sim --venues ...` and by the engine's simulator child.
 */
import { type Clock, SystemClock } from "../services/index.ts";
import type { RateLimitConfig } from "./binance/ratelimit.ts";
import type { SimAccountSpec } from "./binance/venue.ts";
import { DEFAULT_FEES, type FeeSpec, SharedFairValue, type SymbolSpec } from "./core/index.ts";
import { okxSymbols, type RunningOkxSim, startOkxSim } from "./okx/index.ts";
import { DEFAULT_BALANCES, type RunningSim, selectSymbols, startSim } from "./start.ts";

/** Protocols a simulated venue can speak. */
export type SimProtocol = "binance" | "okx";
export const SIM_PROTOCOLS: readonly SimProtocol[] = ["binance", "okx"];

/** OKX's regular-user spot rates, the okx venues' default. */
export const OKX_DEFAULT_FEES: FeeSpec = { maker: "0.0008", taker: "0.001" };
/** Default venue noise around the shared fair value, basis points (small: books a few ticks apart). */
export const DEFAULT_NOISE_BPS = 2;

const VENUE_NAME_RE = /^[A-Za-z][\w.-]{0,31}$/;

/** One venue of a multi-venue simulator. */
export interface MultiSimVenueSpec {
  /** Unique name (letters, digits, _ . -, starting with a letter); also seeds the venue's core. */
  readonly name: string;
  readonly protocol: SimProtocol;
  /** Fee rates of the venue's test account (default Binance VIP 0 / OKX regular). */
  readonly fees?: FeeSpec;
  /** One-way delays added by the venue, either protocol (see the README). */
  readonly latency?: { readonly marketDataMs?: number; readonly orderEntryMs?: number };
  /** How late this venue sees the shared fair value, ms (default 0). */
  readonly lagMs?: number;
  /** Sd of this venue's mean-reverting deviation from the fair value, bps (default DEFAULT_NOISE_BPS). */
  readonly noiseBps?: number;
  /** Public port (0 = OS-assigned, the default). */
  readonly port?: number;
  /** Admin port of the venue's fault knobs (0 = OS-assigned). */
  readonly adminPort?: number;
  /** Bearer token of the venue's admin port (default: random per venue, reported by info()). */
  readonly adminToken?: string;
  /** Starting balances of the test account. */
  readonly balances?: Record<string, string>;
  /** Extra accounts (binance protocol only). */
  readonly accounts?: SimAccountSpec[];
  /** Rate limits (binance protocol only). */
  readonly rateLimits?: Partial<RateLimitConfig>;
}

/** Options of startMultiSim. */
export interface StartMultiSimOptions {
  /** Seed of the shared fair value; venue cores are seeded `${seed}/${name}` (default "sim"). */
  readonly seed?: string;
  /** Time source (default SystemClock). */
  readonly clock?: Clock;
  /** Market-agent and fair-value speed (default 1). */
  readonly speed?: number;
  /** Symbols by name (default: all); binance venues list DEFAULT_SYMBOLS' grids, okx venues OKX_SYMBOLS'. */
  readonly symbols?: string[];
  /** Custom symbol specs for every venue, whatever its protocol (override `symbols`). */
  readonly symbolSpecs?: SymbolSpec[];
  readonly venues: readonly MultiSimVenueSpec[];
}

/** A running venue of a multi-venue simulator, by protocol. */
export type MultiSimVenue =
  | {
      readonly name: string;
      readonly protocol: "binance";
      readonly fees: FeeSpec;
      readonly lagMs: number;
      readonly noiseBps: number;
      readonly sim: RunningSim;
    }
  | {
      readonly name: string;
      readonly protocol: "okx";
      readonly fees: FeeSpec;
      readonly lagMs: number;
      readonly noiseBps: number;
      readonly sim: RunningOkxSim;
    };

/** What a client needs to reach one venue (the SIM_READY `venues` entries). */
export type MultiSimVenueInfo =
  | {
      readonly name: string;
      readonly protocol: "binance";
      readonly restUrl: string;
      readonly streamUrl: string;
      readonly wsApiUrl: string;
      readonly adminUrl: string;
      readonly adminToken: string;
      readonly apiKey: string;
      readonly apiSecret: string;
      readonly fees: FeeSpec;
      readonly lagMs: number;
      readonly noiseBps: number;
    }
  | {
      readonly name: string;
      readonly protocol: "okx";
      readonly restUrl: string;
      readonly wsPublicUrl: string;
      readonly wsPrivateUrl: string;
      readonly adminUrl: string;
      readonly adminToken: string;
      readonly apiKey: string;
      readonly apiSecret: string;
      readonly passphrase: string;
      readonly fees: FeeSpec;
      readonly lagMs: number;
      readonly noiseBps: number;
    };

/** A running multi-venue simulator. */
export interface RunningMultiSim {
  readonly seed: string;
  readonly clock: Clock;
  readonly fairValue: SharedFairValue;
  /** In the order given. */
  readonly venues: readonly MultiSimVenue[];
  venue(name: string): MultiSimVenue | undefined;
  /** URLs, credentials and fees of every venue (JSON-safe). */
  info(): MultiSimVenueInfo[];
  /** Stops every venue. Idempotent. */
  close(): Promise<void>;
}

/** Checks the venue list; errors name the venue and the field. */
function checkVenues(venues: readonly MultiSimVenueSpec[]): void {
  if (venues.length === 0) throw new Error("venues: at least one venue is required");
  const seen = new Set<string>();
  venues.forEach((v, i) => {
    const at = `venues[${i}] (${v.name})`;
    if (!VENUE_NAME_RE.test(v.name)) throw new Error(`${at}.name: 1-32 letters, digits, _ . - starting with a letter`);
    if (seen.has(v.name)) throw new Error(`${at}.name: duplicate venue name`);
    seen.add(v.name);
    if (!SIM_PROTOCOLS.includes(v.protocol))
      throw new Error(`${at}.protocol: expected one of ${SIM_PROTOCOLS.join(", ")}, got ${JSON.stringify(v.protocol)}`);
    for (const [k, ms] of Object.entries(v.latency ?? {})) {
      if (ms !== undefined && !(Number.isInteger(ms) && ms >= 0 && ms <= 10_000))
        throw new Error(`${at}.latency.${k}: expected an integer 0-10000 ms, got ${ms}`);
    }
    if (v.protocol === "okx") {
      if (v.accounts !== undefined) throw new Error(`${at}.accounts: okx venues have only their test account`);
      if (v.rateLimits !== undefined) throw new Error(`${at}.rateLimits: binance venues only`);
    }
  });
}

/** Starts every venue on one shared fair value; on a failure the venues already started are closed. */
export async function startMultiSim(opts: StartMultiSimOptions): Promise<RunningMultiSim> {
  checkVenues(opts.venues);
  const clock = opts.clock ?? new SystemClock();
  const seed = opts.seed ?? "sim";
  const speed = opts.speed ?? 1;
  const specs = opts.symbolSpecs ?? selectSymbols(opts.symbols);
  // Each protocol lists its own venue's grids; the shared path counts in the Binance ticks and okx cores convert.
  const okxSpecs = opts.symbolSpecs ?? okxSymbols(specs.map((s) => s.symbol));
  const shared = new SharedFairValue({ clock, seed, symbols: specs, speed });
  const started: MultiSimVenue[] = [];
  try {
    for (const v of opts.venues) {
      const lagMs = v.lagMs ?? 0;
      const noiseBps = v.noiseBps ?? DEFAULT_NOISE_BPS;
      const fairValue = { shared, lagMs, noiseBps };
      const common = { clock, seed: `${seed}/${v.name}`, speed, fairValue };
      try {
        if (v.protocol === "binance") {
          const fees = v.fees ?? DEFAULT_FEES;
          const sim = await startSim({
            ...common,
            symbolSpecs: specs,
            fees,
            port: v.port ?? 0,
            adminPort: v.adminPort ?? 0,
            ...(v.adminToken !== undefined ? { adminToken: v.adminToken } : {}),
            ...(v.latency !== undefined ? { latency: v.latency } : {}),
            ...(v.balances !== undefined ? { balances: v.balances } : {}),
            ...(v.accounts !== undefined ? { accounts: v.accounts } : {}),
            ...(v.rateLimits !== undefined ? { rateLimits: v.rateLimits } : {}),
          });
          started.push({ name: v.name, protocol: "binance", fees, lagMs, noiseBps, sim });
        } else {
          const fees = v.fees ?? OKX_DEFAULT_FEES;
          const sim = await startOkxSim({
            ...common,
            symbolSpecs: okxSpecs,
            fees,
            port: v.port ?? 0,
            adminPort: v.adminPort ?? 0,
            ...(v.adminToken !== undefined ? { adminToken: v.adminToken } : {}),
            balances: v.balances ?? { ...DEFAULT_BALANCES },
            ...(v.latency !== undefined ? { latency: v.latency } : {}),
          });
          started.push({ name: v.name, protocol: "okx", fees, lagMs, noiseBps, sim });
        }
      } catch (e) {
        throw new Error(`venue ${v.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } catch (e) {
    await Promise.all(started.map((v) => v.sim.close()));
    throw e;
  }
  let closed = false;
  return {
    seed,
    clock,
    fairValue: shared,
    venues: started,
    venue: (name) => started.find((v) => v.name === name),
    info: () => started.map(venueInfo),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all(started.map((v) => v.sim.close()));
    },
  };
}

/** The client-facing description of a running venue. */
function venueInfo(v: MultiSimVenue): MultiSimVenueInfo {
  const base = { name: v.name, fees: v.fees, lagMs: v.lagMs, noiseBps: v.noiseBps };
  if (v.protocol === "binance") {
    const s = v.sim;
    return {
      ...base,
      protocol: "binance",
      restUrl: s.restUrl,
      streamUrl: s.streamUrl,
      wsApiUrl: s.wsApiUrl,
      adminUrl: s.adminUrl,
      adminToken: s.adminToken,
      apiKey: s.apiKey,
      apiSecret: s.apiSecret,
    };
  }
  const s = v.sim;
  return {
    ...base,
    protocol: "okx",
    restUrl: s.restUrl,
    wsPublicUrl: s.wsPublicUrl,
    wsPrivateUrl: s.wsPrivateUrl,
    adminUrl: s.adminUrl,
    adminToken: s.adminToken,
    apiKey: s.apiKey,
    apiSecret: s.apiSecret,
    passphrase: s.passphrase,
  };
}
