import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { NATS_SERVER, type NatsServer, NO_NATS, startNatsServer } from "../../test/support/nats-server.ts";
import { waitUntil } from "../../test/support/wait.ts";
import type { JournalRecord } from "../journal/index.ts";
import { silentLogger } from "../services/index.ts";
import { connectDesk } from "./connection.ts";
import { DeskView } from "./desk-view.ts";
import { type DeskStreamSettings, openDeskStreamSink } from "./stream-sink.ts";
import { DeskViewFeed } from "./view-feed.ts";

const settings = (name: string): DeskStreamSettings => ({
  name,
  subject_prefix: name.toLowerCase(),
  duplicate_window_ms: 120_000,
  max_queue: 100_000,
  max_in_flight: 64,
});

function order(i: number): JournalRecord {
  return {
    kind: "order",
    tsMs: 1_700_000_000_000 + i,
    clientId: `f-1-${i}`,
    venue: "sim",
    symbol: "BTC/USDT",
    side: "buy",
    type: "limit",
    tif: "GTC",
    price: "50000",
    qty: "0.001",
    strategy: null,
  };
}

describe.skipIf(NATS_SERVER === null)(
  `the desk view's feed on a real nats-server${NATS_SERVER === null ? ` (skipped: ${NO_NATS})` : ""}`,
  () => {
    let server: NatsServer;
    beforeAll(async () => {
      server = await startNatsServer();
    });
    afterAll(async () => {
      await server.dispose();
    });
    const connect = (name: string) => connectDesk({ servers: [server.url], name, connect_timeout_ms: 5000 });

    test("a view started before any engine published waits for the stream, then reads it from the start", async () => {
      const nc = await connect("early");
      const view = new DeskView();
      const feed = new DeskViewFeed(nc, "EARLY", view, silentLogger);
      await Bun.sleep(0);
      expect(await feed.caughtUp()).toBe(false);
      expect(feed.stats.streamFound).toBe(false);
      const sink = await openDeskStreamSink(nc, "p", settings("EARLY"), silentLogger);
      sink.write([order(1), order(2), order(3)]);
      await waitUntil(() => feed.caughtUp(), "the view to read the stream once it exists");
      expect(view.stats.applied).toBe(3);
      expect(feed.stats.streamFound).toBe(true);
      await feed.stop();
      sink.stop();
      await nc.close();
    });

    test("a server killed and restarted under a reading view: it resumes where it was, nothing twice", async () => {
      const nc = await connect("restart");
      const sink = await openDeskStreamSink(nc, "p", settings("FEED_RESTART"), silentLogger);
      const view = new DeskView();
      const feed = new DeskViewFeed(nc, "FEED_RESTART", view, silentLogger);
      let n = 0;
      const writeSome = (k: number) => sink.write(Array.from({ length: k }, () => order(++n)));
      writeSome(200);
      await waitUntil(() => view.stats.applied === 200, "the first 200 folded");
      await server.kill();
      writeSome(200); // queued by the sink while the server is down
      await server.restart();
      await waitUntil(() => sink.stats.queued === 0, "the sink to drain after the restart");
      writeSome(200);
      await sink.flushed();
      await waitUntil(
        () => feed.caughtUp(),
        "the view to catch up after the restart",
        undefined,
        () => JSON.stringify({ feed: feed.stats, view: view.stats }),
      );
      expect(view.stats.applied).toBe(600);
      expect(view.snapshot().engines[0]?.openOrders.length).toBe(600);
      expect(view.snapshot().engines[0]?.missing).toBe(0);
      await feed.stop();
      sink.stop();
      await nc.close();
    }, 60_000);

    test("a stream deleted and created again: the view forgets the old one and is rebuilt from the new", async () => {
      const nc = await connect("recreate");
      const first = await openDeskStreamSink(nc, "old", settings("FEED_RECREATE"), silentLogger);
      const view = new DeskView();
      const feed = new DeskViewFeed(nc, "FEED_RECREATE", view, silentLogger);
      first.write(Array.from({ length: 50 }, (_, i) => order(i + 1)));
      await waitUntil(() => view.stats.applied === 50, "the old stream folded");
      first.stop();
      await (await jetstreamManager(nc)).streams.delete("FEED_RECREATE");
      const second = await openDeskStreamSink(nc, "new", settings("FEED_RECREATE"), silentLogger);
      second.write(Array.from({ length: 20 }, (_, i) => order(i + 1)));
      await second.flushed();
      await waitUntil(
        () =>
          view.stats.applied === 20 &&
          view
            .snapshot()
            .engines.map((e) => e.engine)
            .join() === "new",
        "the view rebuilt from the new stream alone",
        20_000,
        () =>
          JSON.stringify({ feed: feed.stats, view: view.stats, engines: view.snapshot().engines.map((e) => e.engine) }),
      );
      expect(feed.stats.streamRecreated).toBe(1);
      expect(view.snapshot().engines[0]?.openOrders.length).toBe(20);
      await feed.stop();
      second.stop();
      await nc.close();
    }, 60_000);
  },
);
