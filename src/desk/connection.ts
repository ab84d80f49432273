/**
 * The one NATS connection an engine holds to its desk: several engines share positions, limits and a
 * kill switch through a proven bus (NATS with JetStream), not a home-made one. Credentials never sit
 * in the config file: a token comes from an environment variable, a creds file from a path.
 */
import { readFileSync } from "node:fs";
import { type ConnectionOptions, connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";

/** How an engine reaches its desk (config `desk.nats`). */
export interface DeskNatsSettings {
  /** nats://host:port URLs of the desk's servers (a cluster: any of them). */
  readonly servers: readonly string[];
  /** This engine's name on the desk: its subjects and keys carry it, so it is unique per desk. */
  readonly name: string;
  /** Environment variable holding the server's auth token (absent: no token). */
  readonly token_env?: string | undefined;
  /** A NATS .creds file (JWT + nkey seed) for servers with decentralized auth. */
  readonly creds_file?: string | undefined;
  /** Give up the first connection after this long (a desk that is not there is a start-up error). */
  readonly connect_timeout_ms: number;
}

/** A desk connection problem at start-up, naming the config path it comes from. */
export class DeskConfigError extends Error {
  override readonly name = "DeskConfigError";
}

/** The client's options for these settings; throws naming `desk.nats.<key>` when a secret is missing. */
export function natsOptions(
  s: DeskNatsSettings,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConnectionOptions {
  const opts: ConnectionOptions = {
    servers: [...s.servers],
    name: `hft:${s.name}`,
    timeout: s.connect_timeout_ms,
    // after the first connection, a lost server is retried for ever: the engine decides what an
    // absent bus means for its risk (leases), the client only keeps trying
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: false,
  };
  if (s.token_env !== undefined && s.creds_file !== undefined)
    throw new DeskConfigError("desk.nats: token_env and creds_file are both set; a server takes one of them");
  if (s.token_env !== undefined) {
    const token = env[s.token_env];
    if (token === undefined || token === "")
      throw new DeskConfigError(`desk.nats.token_env: environment variable ${s.token_env} is not set`);
    opts.token = token;
  }
  if (s.creds_file !== undefined) opts.authenticator = credsAuthenticator(readCreds(s.creds_file));
  return opts;
}

function readCreds(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new DeskConfigError(`desk.nats.creds_file: cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Connects to the desk; a start-up error names the servers tried and why. */
export async function connectDesk(
  s: DeskNatsSettings,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<NatsConnection> {
  const opts = natsOptions(s, env);
  try {
    return await connect(opts);
  } catch (e) {
    throw new DeskConfigError(`desk.nats.servers: cannot connect to ${s.servers.join(", ")}: ${(e as Error).message}`);
  }
}
