/**
 * Whether an engine is on its desk right now: the NATS client reconnects by itself, so nothing fails
 * loudly while the bus is away; status and metrics need to say so. Follows the client's status events.
 */
import type { NatsConnection } from "@nats-io/transport-node";

/** The connection as status and metrics show it. */
export interface DeskLinkState {
  connected: boolean;
  /** The server connected to (or last connected to). */
  server: string;
  reconnects: number;
  disconnects: number;
}

/** Follows nc's status events until it closes; the returned object stays current. */
export function followDeskLink(nc: NatsConnection): DeskLinkState {
  const s: DeskLinkState = { connected: !nc.isClosed(), server: nc.getServer(), reconnects: 0, disconnects: 0 };
  void (async () => {
    for await (const e of nc.status()) {
      if (e.type === "disconnect") {
        s.connected = false;
        s.disconnects++;
      } else if (e.type === "reconnect") {
        s.connected = true;
        s.reconnects++;
        s.server = nc.getServer();
      }
    }
    s.connected = false;
  })();
  void nc.closed().then(() => {
    s.connected = false;
  });
  return s;
}
