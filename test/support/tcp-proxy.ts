/**
 * A TCP proxy on 127.0.0.1 (port 0) between an engine and its NATS server, for partition faults:
 * `partition()` stops forwarding in both directions (the sockets stay open, as a cut network
 * leaves them: the client learns only from timeouts); `heal()` forwards again, closing the
 * connections the partition left half-delivered so the client reconnects on a clean stream.
 */
import type { Socket, TCPSocketListener } from "bun";

interface Pair {
  client: Socket<Pair>;
  upstream: Socket<Pair> | undefined;
  /** Bytes from the client before the upstream connection was open. */
  early: Uint8Array[];
}

/** A proxy the test owns. */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Stops forwarding; what either side sends is dropped. */
  partition(): void;
  /** Forwards again (after closing the connections the partition cut). */
  heal(): void;
  /** Bytes dropped while partitioned. */
  dropped(): number;
  close(): void;
}

/** Starts a proxy to 127.0.0.1:targetPort. */
export function startTcpProxy(targetPort: number): TcpProxy {
  let cut = false;
  let droppedBytes = 0;
  const pairs = new Set<Pair>();
  const listener: TCPSocketListener<Pair> = Bun.listen<Pair>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        const pair: Pair = { client, upstream: undefined, early: [] };
        client.data = pair;
        pairs.add(pair);
        void connectUpstream(
          pair,
          targetPort,
          () => cut,
          (n) => (droppedBytes += n),
          pairs,
        );
      },
      data(client, bytes) {
        const p = client.data;
        if (cut) droppedBytes += bytes.byteLength;
        else if (p.upstream === undefined) p.early.push(new Uint8Array(bytes));
        else p.upstream.write(bytes);
      },
      close(client) {
        pairs.delete(client.data);
        client.data.upstream?.end();
      },
      error() {},
    },
  });
  return {
    port: listener.port,
    url: `nats://127.0.0.1:${listener.port}`,
    partition() {
      cut = true;
    },
    heal() {
      for (const p of pairs) {
        p.client.end();
        p.upstream?.end();
      }
      pairs.clear();
      cut = false;
    },
    dropped: () => droppedBytes,
    close() {
      for (const p of pairs) {
        p.client.end();
        p.upstream?.end();
      }
      listener.stop(true);
    },
  };
}

async function connectUpstream(
  pair: Pair,
  port: number,
  isCut: () => boolean,
  drop: (n: number) => void,
  pairs: Set<Pair>,
): Promise<void> {
  try {
    pair.upstream = await Bun.connect<Pair>({
      hostname: "127.0.0.1",
      port,
      data: pair,
      socket: {
        data(_s, bytes) {
          if (isCut()) drop(bytes.byteLength);
          else pair.client.write(bytes);
        },
        close() {
          pairs.delete(pair);
          pair.client.end();
        },
        error() {},
      },
    });
    for (const b of pair.early) pair.upstream.write(b);
    pair.early = [];
  } catch {
    pair.client.end();
  }
}
