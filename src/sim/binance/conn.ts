/**
 * Per-connection state of the simulator's WebSockets (market streams, user streams, WS API), kept in
 * one shape so keepalive, flood limits, lifetimes and fault knobs treat every socket the same way.
 */
import type { ServerWebSocket } from "bun";
import type { TimerId } from "../../services/index.ts";
import type { ConnKind } from "./faults.ts";
import type { SimAccount } from "./venue.ts";

/** What the simulator remembers about one WebSocket. */
export interface ConnData {
  readonly id: number;
  readonly kind: ConnKind;
  readonly ip: string;
  /** Frames are wrapped as {"stream","data"} (combined streams). */
  combined: boolean;
  /** Subscribed stream names (market and user stream connections). */
  readonly streams: Set<string>;
  /** The listenKey of a user stream connection. */
  listenKey: string | undefined;
  /** Incoming-message flood accounting (per clock second). */
  msgWindow: number;
  msgCount: number;
  /** When the last keepalive ping went out without a pong yet (0 = none outstanding). */
  pingOutstandingSince: number;
  lifetimeTimer: TimerId | undefined;
  /** WS API: include rateLimits in responses. */
  returnRateLimits: boolean;
  /** WS API user-data subscriptions: id → account. */
  readonly subscriptions: Map<number, string>;
  closed: boolean;
  /** WS API: the account authenticated by session.logon (Ed25519), if any, and since when. */
  session: SimAccount | undefined;
  sessionSince: number;
  readonly connectedSince: number;
}

export type SimSocket = ServerWebSocket<ConnData>;

/** The stream frame a connection expects: raw payload or the combined wrapper. */
export function frameFor(conn: ConnData, stream: string, payload: string): string {
  return conn.combined ? `{"stream":"${stream}","data":${payload}}` : payload;
}
