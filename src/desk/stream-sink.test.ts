import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { NATS_SERVER, type NatsServer, NO_NATS, startNatsServer } from "../../test/support/nats-server.ts";
import { waitUntil } from "../../test/support/wait.ts";
import type { JournalRecord } from "../journal/index.ts";
import { silentLogger } from "../services/index.ts";
import { connectDesk } from "./connection.ts";
import { type DeskMessage, type DeskStreamSettings, openDeskStreamSink } from "./stream-sink.ts";

const SETTINGS: DeskStreamSettings = {
  name: "HFT_DESK",
  subject_prefix: "hft.desk",
  duplicate_window_ms: 120_000,
  max_queue: 100_000,
  max_in_flight: 64,
};

function order(i: number): JournalRecord {
  return {
    kind: "order",
    tsMs: 1_700_000_000_000 + i,
    clientId: `hft1-1-${i}`,
    venue: "sim",
    symbol: "BTC/USDT",
    side: i % 2 === 0 ? "buy" : "sell",
    type: "limit",
    tif: "GTC",
    price: "50000.1",
    qty: "0.001",
    strategy: "mm",
  };
}

/** Every message in the stream, in stream order. */
async function readStream(nc: NatsConnection, stream: string): Promise<DeskMessage[]> {
  const jsm = await jetstreamManager(nc);
  const n = (await jsm.streams.info(stream)).state.messages;
  const out: DeskMessage[] = [];
  if (n === 0) return out;
  const c = await jetstream(nc).consumers.get(stream);
  const it = await c.fetch({ max_messages: n, expires: 5000 });
  for await (const m of it) {
    out.push(m.json<DeskMessage>());
    if (out.length === n) break;
  }
  return out;
}

describe.skipIf(NATS_SERVER === null)(
  `the desk stream sink on a real nats-server${NATS_SERVER === null ? ` (skipped: ${NO_NATS})` : ""}`,
  () => {
    let server: NatsServer;
    beforeAll(async () => {
      server = await startNatsServer();
    });
    afterAll(async () => {
      await server.dispose();
    });

    const connect = (name: string) => connectDesk({ servers: [server.url], name, connect_timeout_ms: 5000 });

    test("publishes every journal record once, in order, with the engine, session and sequence", async () => {
      const nc = await connect("a");
      const settings = { ...SETTINGS, name: "ORDER_TEST", subject_prefix: "t1" };
      const sink = await openDeskStreamSink(nc, "a", settings, silentLogger);
      for (let b = 0; b < 10; b++) sink.write(Array.from({ length: 50 }, (_, i) => order(b * 50 + i)));
      await sink.flushed();
      const got = await readStream(nc, "ORDER_TEST");
      expect(got.length).toBe(500);
      expect(new Set(got.map((m) => m.seq)).size).toBe(500);
      expect(got.every((m) => m.engine === "a" && m.session === sink.session)).toBe(true);
      const byseq = [...got].sort((x, y) => x.seq - y.seq);
      expect(byseq.map((m) => (m.record.kind === "order" ? m.record.clientId : ""))).toEqual(
        Array.from({ length: 500 }, (_, i) => `hft1-1-${i}`),
      );
      expect(sink.stats.published).toBe(500);
      sink.stop();
      await nc.close();
    });

    test("a publish repeated with the same message id is stored once (the server de-duplicates)", async () => {
      const nc = await connect("dup");
      const settings = { ...SETTINGS, name: "DUP_TEST", subject_prefix: "t2" };
      await openDeskStreamSink(nc, "dup", settings, silentLogger);
      const js = jetstream(nc);
      const first = await js.publish("t2.dup.order", "{}", { msgID: "dup:s:1" });
      const again = await js.publish("t2.dup.order", "{}", { msgID: "dup:s:1" });
      expect(first.duplicate).toBe(false);
      expect(again.duplicate).toBe(true);
      expect(again.seq).toBe(first.seq);
      const jsm = await jetstreamManager(nc);
      expect((await jsm.streams.info("DUP_TEST")).state.messages).toBe(1);
      await nc.close();
    });

    test("a server killed and restarted mid-run loses nothing and stores nothing twice", async () => {
      const nc = await connect("r");
      const settings = { ...SETTINGS, name: "RESTART_TEST", subject_prefix: "t3" };
      const sink = await openDeskStreamSink(nc, "r", settings, silentLogger);
      let written = 0;
      const writeSome = (n: number) => {
        sink.write(Array.from({ length: n }, (_, i) => order(written + i)));
        written += n;
      };
      for (let i = 0; i < 20; i++) writeSome(25);
      await server.kill();
      // the journal keeps committing while the bus is down: the sink only queues
      for (let i = 0; i < 20; i++) writeSome(25);
      expect(sink.stats.queued).toBeGreaterThan(0);
      await server.restart();
      await waitUntil(
        () => sink.stats.queued === 0,
        "the queue to drain after the restart",
        undefined,
        () => JSON.stringify(sink.stats),
      );
      await sink.flushed();
      const got = await readStream(nc, "RESTART_TEST");
      const seqs = got.map((m) => m.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: written }, (_, i) => i + 1));
      sink.stop();
      await nc.close();
    });

    test("a full queue refuses the batch (the journal counts it) and the sink keeps working", async () => {
      const nc = await connect("q");
      const settings = { ...SETTINGS, name: "QUEUE_TEST", subject_prefix: "t4", max_queue: 100 };
      const sink = await openDeskStreamSink(nc, "q", settings, silentLogger);
      sink.write(Array.from({ length: 80 }, (_, i) => order(i)));
      expect(() => sink.write(Array.from({ length: 30 }, (_, i) => order(80 + i)))).toThrow(/desk.stream.max_queue/);
      expect(sink.stats.refusedBatches).toBe(1);
      await sink.flushed();
      sink.write([order(200)]);
      await sink.flushed();
      expect(sink.stats.published).toBe(81);
      sink.stop();
      await nc.close();
    });
  },
);
