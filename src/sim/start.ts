/**
 * Starts the Binance-protocol simulator: a deterministic local venue that speaks the Binance Spot
 * API (REST, streams, WebSocket API, user data) on 127.0.0.1, with a separate, token-guarded admin
 * port for fault injection, and the documented test account's credentials.
 */
import { createPublicKey, randomBytes } from "node:crypto";
import { type Clock, Rng, SystemClock, type TimerId } from "../services/index.ts";
import { SimAdmin, startAdminServer } from "./binance/admin.ts";
import { corruptUserEvent } from "./binance/corrupt.ts";
import { accountPosition, executionReport } from "./binance/format.ts";
import type { RateLimitConfig } from "./binance/ratelimit.ts";
import { DEFAULT_SERVER_LIMITS, type ServerLimits, SimServer } from "./binance/server.ts";
import { UserData } from "./binance/userdata.ts";
import { BinanceVenue, type SimAccount, type SimAccountSpec } from "./binance/venue.ts";
import {
  checkAdminToken,
  DEFAULT_SYMBOLS,
  type FeeSpec,
  type SharedFairValueOption,
  SimCore,
  type SymbolSpec,
} from "./core/index.ts";

/** The documented test account's API key (64 alphanumerics, like a real Binance key). */
export const SIM_API_KEY = "simTestApiKeyDoNotUseInProduction0123456789abcdefghijklmnopqrstu";
/** The documented test account's HMAC secret. */
export const SIM_API_SECRET = "simTestApiSecretDoNotUseInProductionZYXWVUTSRQPONMLKJIHGFEDCBA98";
/** A second key of the test account, of type Ed25519 (for session.logon and Ed25519-signed requests). */
export const SIM_ED25519_API_KEY = "simEd25519ApiKeyDoNotUseInProduction0123456789abcdefghijklmnopqr";
/** The Ed25519 key pair of SIM_ED25519_API_KEY (PEM); the private key is published for tests and clients. */
export const SIM_ED25519_PUBLIC_KEY_PEM =
  "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA37MEBsfZGfXLPxyxHzJyZUytZjDiqJfnqHpeiUTwqSI=\n-----END PUBLIC KEY-----\n";
export const SIM_ED25519_PRIVATE_KEY_PEM =
  "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIKCIRDUBNNiWo5F0Xk6pn+W3I3WYCWWCPoQhptIFSh0U\n-----END PRIVATE KEY-----\n";
/** Core account id of the test account. */
export const SIM_ACCOUNT_ID = "sim-test";
/** Starting balances of the test account (and of extra accounts that give none). */
export const DEFAULT_BALANCES: Readonly<Record<string, string>> = {
  USDT: "100000",
  BTC: "10",
  ETH: "100",
  SOL: "1000",
  BNB: "100",
};

/** Options of startSim; every field is optional. */
export interface StartSimOptions {
  /** Public port (REST + streams + WS API); 0 = OS-assigned (default). */
  port?: number;
  /** Admin port; 0 = OS-assigned (default). */
  adminPort?: number;
  /** Admin bearer token (default: random per run, returned as adminToken). */
  adminToken?: string;
  /** Seed of every random choice (default "sim"). */
  seed?: string;
  /** Symbols to list, by name from DEFAULT_SYMBOLS (default: all of them). */
  symbols?: string[];
  /** Custom symbol specs (override `symbols`). */
  symbolSpecs?: SymbolSpec[];
  /** Market-agent activity multiplier (default 1). */
  speed?: number;
  /** Time source (default SystemClock); pass a VirtualClock to drive time from a test. */
  clock?: Clock;
  /** Run the background market agents (default true). */
  agents?: boolean;
  /** One-way delays: market data out, order entry in and out (default 0). */
  latency?: { marketDataMs?: number; orderEntryMs?: number };
  /** Connection lifetime before serverShutdown (default 24 h). */
  connectionLifetimeMs?: number;
  /** Keepalive ping period and pong deadline (default 20 s / 60 s). */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** Incoming messages per second on stream connections (default 5). */
  maxIncomingPerSec?: number;
  /** Largest accepted REST body / WS message (default 1 MiB). */
  maxPayloadBytes?: number;
  /** REQUEST_WEIGHT / ORDERS limits (defaults 6000/min, 50/10 s, 160000/day; ban 2 min). */
  rateLimits?: Partial<RateLimitConfig>;
  /** listenKey validity after create / keep-alive (default 60 min). */
  listenKeyValidityMs?: number;
  /** Balances of the test account (default DEFAULT_BALANCES). */
  balances?: Record<string, string>;
  /** Extra trading accounts. */
  accounts?: SimAccountSpec[];
  /** Fee rates of the test account (default DEFAULT_FEES, Binance VIP 0). */
  fees?: FeeSpec;
  /** Follow a fair value shared with other venues (see startMultiSim) instead of an own walk. */
  fairValue?: SharedFairValueOption;
}

/** A running simulator. */
export interface RunningSim {
  /** REST base URL, e.g. http://127.0.0.1:PORT (append /api/v3/...). */
  readonly restUrl: string;
  /** Stream base URL, e.g. ws://127.0.0.1:PORT (append /ws/<stream> or /stream?streams=). */
  readonly streamUrl: string;
  /** WebSocket API URL, ws://127.0.0.1:PORT/ws-api/v3. */
  readonly wsApiUrl: string;
  /** Admin base URL, http://127.0.0.1:ADMINPORT (POST /admin/<function>, Bearer adminToken). */
  readonly adminUrl: string;
  readonly adminToken: string;
  readonly port: number;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Core account id of the test account. */
  readonly accountId: string;
  readonly seed: string;
  /** The matching/market core (eventLogHash, balances, direct orders). */
  readonly exchange: SimCore;
  /** Fault injection and counters, in-process. */
  readonly admin: SimAdmin;
  readonly clock: Clock;
  /** Stops servers, timers and agents. Idempotent. */
  close(): Promise<void>;
}

/** Starts a simulator so clients and tests trade against a deterministic local Binance; resolves once it listens. */
export async function startSim(opts: StartSimOptions = {}): Promise<RunningSim> {
  const adminToken = opts.adminToken ?? randomBytes(16).toString("hex");
  checkAdminToken(adminToken);
  const clock = opts.clock ?? new SystemClock();
  const seed = opts.seed ?? "sim";
  const core = createCore(opts, clock, seed);
  const accounts = createAccounts(core, opts);
  const venue = new BinanceVenue({ clock, core, accounts, rateLimits: opts.rateLimits ?? {} });
  const userData = new UserData(
    new Rng(seed).fork("listenKeys"),
    () => venue.serverTime(),
    opts.listenKeyValidityMs ?? 3_600_000,
  );
  const orderEntryMs = opts.latency?.orderEntryMs ?? 0;
  const server = new SimServer({
    venue,
    userData,
    clock,
    port: opts.port ?? 0,
    limits: serverLimits(opts),
    marketDataMs: opts.latency?.marketDataMs ?? 0,
    orderEntryMs,
  });
  const detachUser = forwardUserData(core, venue, userData, clock, orderEntryMs);
  const expiry = clock.setRepeating(10_000, () => userData.expireDue());
  const admin = new SimAdmin(venue, server, userData);
  const adminServer = startAdminServer(admin, opts.adminPort ?? 0, adminToken);
  core.start();
  return simHandle({ core, clock, seed, server, admin, adminServer, adminToken, expiry, detachUser });
}

/** The matching/market core, seeded so that a run replays from its seed. */
function createCore(opts: StartSimOptions, clock: Clock, seed: string): SimCore {
  return new SimCore({
    clock,
    seed,
    symbols: opts.symbolSpecs ?? selectSymbols(opts.symbols),
    speed: opts.speed ?? 1,
    agents: opts.agents ?? true,
    ...(opts.fairValue !== undefined ? { fairValue: opts.fairValue } : {}),
  });
}

/**
 * Opens the test account and any extra ones in the core; returns every API key the venue accepts.
 * Several keys may reach one account (same accountId: an HMAC key and an Ed25519 key, as Binance
 * issues them); the account is opened by its first key.
 */
function createAccounts(core: SimCore, opts: StartSimOptions): SimAccount[] {
  const accounts: SimAccount[] = [
    { apiKey: SIM_API_KEY, apiSecret: SIM_API_SECRET, accountId: SIM_ACCOUNT_ID },
    {
      apiKey: SIM_ED25519_API_KEY,
      apiSecret: "",
      accountId: SIM_ACCOUNT_ID,
      ed25519PublicKey: createPublicKey(SIM_ED25519_PUBLIC_KEY_PEM),
    },
  ];
  core.createAccount(SIM_ACCOUNT_ID, opts.balances ?? DEFAULT_BALANCES, opts.fees);
  (opts.accounts ?? []).forEach((a, i) => {
    const accountId = a.accountId ?? `acct-${a.apiKey.slice(0, 8)}`;
    if (accounts.some((k) => k.apiKey === a.apiKey)) throw new Error(`accounts[${i}].apiKey: used by another key`);
    if (a.ed25519PublicKeyPem !== undefined && a.apiSecret !== "")
      throw new Error(
        `accounts[${i}]: a key is HMAC (apiSecret) or Ed25519 (ed25519PublicKeyPem), not both: give the Ed25519 key its own apiKey with the same accountId`,
      );
    if (!core.hasAccount(accountId)) core.createAccount(accountId, a.balances ?? DEFAULT_BALANCES, a.fees);
    else if (a.balances !== undefined || a.fees !== undefined)
      throw new Error(
        `accounts[${i}]: account ${accountId} is already open (an earlier key): give balances and fees with its first key only`,
      );
    accounts.push({
      apiKey: a.apiKey,
      apiSecret: a.apiSecret,
      accountId,
      ...(a.ed25519PublicKeyPem !== undefined ? { ed25519PublicKey: createPublicKey(a.ed25519PublicKeyPem) } : {}),
    });
  });
  return accounts;
}

/** The server defaults with only the options actually given laid over them. */
function serverLimits(opts: StartSimOptions): ServerLimits {
  return {
    ...DEFAULT_SERVER_LIMITS,
    ...(opts.pingIntervalMs !== undefined ? { pingIntervalMs: opts.pingIntervalMs } : {}),
    ...(opts.pongTimeoutMs !== undefined ? { pongTimeoutMs: opts.pongTimeoutMs } : {}),
    ...(opts.maxIncomingPerSec !== undefined ? { maxIncomingPerSec: opts.maxIncomingPerSec } : {}),
    ...(opts.connectionLifetimeMs !== undefined ? { connectionLifetimeMs: opts.connectionLifetimeMs } : {}),
    ...(opts.maxPayloadBytes !== undefined ? { maxPayloadBytes: opts.maxPayloadBytes } : {}),
  };
}

/**
 * Sends the core's executions and balance changes to the account's user-data streams, after the
 * order-entry delay (the way out of the venue), corrupted when a knob is armed on the event type; only
 * formats (and only counts an event towards an armed knob) when someone listens. Returns the detach.
 */
function forwardUserData(
  core: SimCore,
  venue: BinanceVenue,
  userData: UserData,
  clock: Clock,
  orderEntryMs: number,
): () => void {
  const send = (accountId: string, type: string, json: string): void => {
    const f = venue.faults.corrupt.has(`user:${type}`) ? venue.faults.corrupt.next(`user:${type}`) : undefined;
    if (f !== undefined) venue.counters.corruptedUserFrames++;
    const out = f === undefined ? { payload: json } : corruptUserEvent(json, f);
    const deliver = (): void => userData.deliver(accountId, out.payload, out.mangle);
    if (orderEntryMs > 0) clock.setTimer(orderEntryMs, deliver);
    else deliver();
  };
  return core.addListener({
    onExecution: (r) => {
      if (!userData.hasListeners(r.accountId)) return;
      send(r.accountId, "executionReport", JSON.stringify(executionReport(core, r)));
    },
    onAccountUpdate: (accountId, timeMs, balances) => {
      if (!userData.hasListeners(accountId)) return;
      const json = JSON.stringify(accountPosition(core, timeMs, venue.serverTime(), balances));
      send(accountId, "outboundAccountPosition", json);
    },
  });
}

/** What startSim started: the handle reports it and its close stops it. */
interface StartedSim {
  readonly core: SimCore;
  readonly clock: Clock;
  readonly seed: string;
  readonly server: SimServer;
  readonly admin: SimAdmin;
  readonly adminServer: ReturnType<typeof startAdminServer>;
  readonly adminToken: string;
  readonly expiry: TimerId;
  readonly detachUser: () => void;
}

/** The handle the caller keeps: where to connect, and a close that is safe to call twice. */
function simHandle(s: StartedSim): RunningSim {
  const port = s.server.port;
  let closed = false;
  return {
    restUrl: `http://127.0.0.1:${port}`,
    streamUrl: `ws://127.0.0.1:${port}`,
    wsApiUrl: `ws://127.0.0.1:${port}/ws-api/v3`,
    adminUrl: `http://127.0.0.1:${s.adminServer.port}`,
    adminToken: s.adminToken,
    port,
    apiKey: SIM_API_KEY,
    apiSecret: SIM_API_SECRET,
    accountId: SIM_ACCOUNT_ID,
    seed: s.seed,
    exchange: s.core,
    admin: s.admin,
    clock: s.clock,
    close: async () => {
      if (closed) return;
      closed = true;
      s.core.stop();
      s.clock.clearTimer(s.expiry);
      s.detachUser();
      await s.server.close();
      await s.adminServer.stop(true);
    },
  };
}

/** The DEFAULT_SYMBOLS entries named (also used by startMultiSim) (all when none), or an error naming the unknown one. */
export function selectSymbols(names: string[] | undefined): SymbolSpec[] {
  if (names === undefined || names.length === 0) return [...DEFAULT_SYMBOLS];
  return names.map((n) => {
    const s = DEFAULT_SYMBOLS.find((d) => d.symbol === n.toUpperCase());
    if (s === undefined)
      throw new Error(`symbols: unknown symbol ${n} (known: ${DEFAULT_SYMBOLS.map((d) => d.symbol).join(", ")})`);
    return s;
  });
}
