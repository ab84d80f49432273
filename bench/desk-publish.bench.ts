/**
 * Fills publish throughput to the desk: journal fill records per second acknowledged as stored by
 * the desk's JetStream stream, in process against a real nats-server (Debian's, with JetStream and a
 * file store in a temporary folder), through the engine's own sink (src/desk/stream-sink.ts): the
 * journal hands it batches as it commits them, the sink publishes with a de-duplication id per record
 * and `max_in_flight` acks outstanding. Also: what the journal's commit pays to hand a batch over
 * (`write` only queues; mitata).
 *
 * Usage: bun bench/desk-publish.bench.ts [records=200000]   (or `bun run bench desk-publish`)
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { bench, run } from "mitata";
import { connectDesk, type DeskStreamSettings, openDeskStreamSink } from "../src/desk/index.ts";
import type { FillRecord } from "../src/journal/index.ts";
import { silentLogger } from "../src/services/index.ts";
import { NATS_SERVER, NO_NATS, startNatsServer } from "../test/support/nats-server.ts";

if (NATS_SERVER === null) {
  console.error(`desk-publish: ${NO_NATS}`);
  process.exit(1);
}

const RECORDS = Number(process.argv[2] ?? 200_000);
const BATCH = 100;

function fill(i: number): FillRecord {
  return {
    kind: "fill",
    venue: "sim",
    symbol: "BTC/USDT",
    tradeId: String(1_000_000 + i),
    clientId: `b-1-${i}`,
    venueOrderId: String(9_000_000 + i),
    side: i % 2 === 0 ? "buy" : "sell",
    price: "50000.12",
    qty: "0.002",
    fee: "0.1",
    feeAsset: "USDT",
    isMaker: i % 3 !== 0,
    venueTimeMs: 1_700_000_000_000 + i,
    localTimeMs: 1_700_000_000_000 + i,
    source: "stream",
    estimated: false,
    currency: "USDT",
    realizedPnl: "0.02",
    feeQuote: "0.1",
    ephemeral: false,
  };
}

const server = await startNatsServer();
const nc = await connectDesk({ servers: [server.url], name: "bench", connect_timeout_ms: 5000 });
const batches = Array.from({ length: Math.ceil(RECORDS / BATCH) }, (_, b) =>
  Array.from({ length: Math.min(BATCH, RECORDS - b * BATCH) }, (_, i) => fill(b * BATCH + i)),
);

console.log(`desk stream publish throughput: ${RECORDS} fill records in batches of ${BATCH}, acked by the server`);
console.log(
  `${"max_in_flight".padEnd(14)} ${"records/s".padStart(10)} ${"seconds".padStart(8)} ${"max queue".padStart(10)}`,
);
for (const inFlight of [64, 256, 1024]) {
  const settings: DeskStreamSettings = {
    name: `BENCH_${inFlight}`,
    subject_prefix: `bench${inFlight}`,
    duplicate_window_ms: 600_000,
    max_queue: RECORDS + 1,
    max_in_flight: inFlight,
  };
  const sink = await openDeskStreamSink(nc, "bench", settings, silentLogger);
  let maxQueue = 0;
  const t0 = performance.now();
  for (const b of batches) {
    sink.write(b);
    maxQueue = Math.max(maxQueue, sink.stats.queued);
    // the journal commits after handler turns: give the event loop a turn between batches
    if (sink.stats.queued > 4 * inFlight) await Bun.sleep(0);
  }
  await sink.flushed();
  const s = (performance.now() - t0) / 1000;
  const stored = (await (await jetstreamManager(nc)).streams.info(settings.name)).state.messages;
  if (stored !== RECORDS || sink.stats.published !== RECORDS)
    throw new Error(`stored ${stored}, acked ${sink.stats.published}, expected ${RECORDS}`);
  console.log(
    `${String(inFlight).padEnd(14)} ${Math.round(RECORDS / s)
      .toString()
      .padStart(10)} ${s.toFixed(2).padStart(8)} ${String(maxQueue).padStart(10)}`,
  );
  sink.stop();
}

// what a journal commit pays to hand one batch of 100 fills to the desk sink (it only queues)
const settings: DeskStreamSettings = {
  name: "BENCH_WRITE",
  subject_prefix: "benchw",
  duplicate_window_ms: 600_000,
  max_queue: 10_000_000,
  max_in_flight: 256,
};
const sink = await openDeskStreamSink(nc, "bench", settings, silentLogger);
const batch = batches[0] ?? [];
bench("sink.write(100 fills): encode + queue", () => {
  sink.write(batch);
});
await run();
sink.stop();
await nc.close();
await server.dispose();
