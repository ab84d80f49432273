/**
 * The desk view against a real nats-server and engine processes as users run them (each with its own
 * simulator venue and journal): the view equals the sum of the journals (positions, realized PnL,
 * fees, open orders, fills), while the engines run and after they stop; the server is killed and
 * restarted mid-run while both engines publish, and the stream then holds every journal record
 * exactly once; hostile messages on the stream are counted and skipped; a view rebuilt from the
 * stream (a restart, `bun run desk --once --json`) is identical. A slow view falls far behind without
 * losing anything and without slowing the engines' publishing. The seed is printed on failure;
 * HFT_DESK_SEED replays it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { DeskStatus } from "../src/command/index.ts";
import {
  connectDesk,
  type DeskEngineView,
  type DeskMessage,
  type DeskSnapshot,
  DeskView,
  DeskViewFeed,
  openDeskStreamSink,
} from "../src/desk/index.ts";
import { type JournalRecord, SqliteJournal } from "../src/journal/index.ts";
import { silentLogger } from "../src/services/index.ts";
import { DESK_TOKEN, DeskEngine, deskEngineConfig } from "./support/desk-engine.ts";
import { NATS_SERVER, type NatsServer, NO_NATS, startNatsServer } from "./support/nats-server.ts";
import { waitUntil } from "./support/wait.ts";

const SEED = process.env.HFT_DESK_SEED ?? `deskview-${Date.now().toString(36)}`;
const ROOT = join(import.meta.dir, "..");
const LIVE = new Set(["pending_new", "new", "partially_filled", "pending_cancel"]);

/** A desk engine that trades often (tight spread, fast simulator), optionally folding the view. */
function config(name: string, natsUrl: string, view: boolean): string {
  return deskEngineConfig(name, natsUrl, SEED, `  view: ${view}`, { speed: 4, spread: 0.0001 });
}

/** What one journal file says, in the view's terms. */
interface JournalSide {
  readonly positions: unknown[];
  readonly openOrders: string[];
  readonly fills: number;
}

function journalSide(path: string): JournalSide {
  const store = SqliteJournal.open(path, { readonly: true });
  try {
    const positions = store.restore(Date.now()).positions.map((p) => ({
      venue: p.venue,
      symbol: p.symbol,
      position: p.position,
      lots: p.lots,
      openCost: p.openCost,
      realized: p.realized,
      fees: p.fees,
      feesByAsset: p.feesByAsset,
    }));
    const orders = store.orders({ limit: 10_000 }).items;
    return {
      positions,
      openOrders: orders.filter((o) => LIVE.has(o.state)).map((o) => `${o.clientId}:${o.state}:${o.filledQty}`),
      fills: store.fills({ limit: 10_000 }).items.length,
    };
  } finally {
    store.close();
  }
}

function viewSide(e: DeskEngineView | undefined): JournalSide {
  return {
    positions: (e?.positions ?? []).map((p) => ({
      venue: p.venue,
      symbol: p.symbol,
      position: p.position,
      lots: p.lots,
      openCost: p.openCost,
      realized: p.realized,
      fees: p.fees,
      feesByAsset: p.feesByAsset,
    })),
    openOrders: (e?.openOrders ?? []).map((o) => `${o.clientId}:${o.state}:${o.filledQty}`),
    fills: e?.fills ?? 0,
  };
}

const sorted = (s: JournalSide): JournalSide => ({ ...s, openOrders: [...s.openOrders].sort() });
const engineOf = (d: DeskSnapshot, name: string) => d.engines.find((e) => e.engine === name);

/** Every message of the stream as stored, in stream order. */
async function streamMessages(nc: NatsConnection, stream: string): Promise<DeskMessage[]> {
  const n = (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
  const out: DeskMessage[] = [];
  if (n === 0) return out;
  const it = await (await jetstream(nc).consumers.get(stream)).fetch({ max_messages: n, expires: 10_000 });
  for await (const m of it) {
    try {
      out.push(m.json<DeskMessage>());
    } catch {
      // the hostile messages this test published itself
    }
    if (m.info.pending === 0) break;
  }
  return out;
}

/** A fresh view folded from the stream's first message to its last (a view restarted now). */
async function foldStream(nc: NatsConnection, stream: string): Promise<DeskSnapshot> {
  const view = new DeskView();
  const feed = new DeskViewFeed(nc, stream, view, silentLogger);
  try {
    await waitUntil(() => feed.caughtUp(), `a fresh view to read stream ${stream} to its end`);
    return view.snapshot();
  } finally {
    await feed.stop();
  }
}

describe.skipIf(NATS_SERVER === null)(`the desk view${NATS_SERVER === null ? ` (skipped: ${NO_NATS})` : ""}`, () => {
  let server: NatsServer;
  let dir: string;
  const engines: DeskEngine[] = [];
  const context = () => `seed ${SEED}\n${engines.map((e) => `--- ${e.name}\n${e.out().slice(-2500)}`).join("\n")}`;
  const journal = (name: string) => join(dir, `${name}.sqlite`);

  beforeAll(async () => {
    server = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), "hft-desk-view-"));
  });
  afterAll(async () => {
    for (const e of engines) await e.kill();
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test("equals the sum of the journals, through a server restart mid-run; hostile messages are skipped; a rebuilt view is identical", async () => {
    const e1 = new DeskEngine("e1", dir, config("e1", server.url, true));
    const e2 = new DeskEngine("e2", dir, config("e2", server.url, false));
    engines.push(e1, e2);
    let lastDesk: (DeskSnapshot & { feed: unknown }) | undefined;
    const deskOf = async (): Promise<DeskSnapshot> => {
      lastDesk = (await (await fetch(`${e1.url()}/api/desk`)).json()) as DeskSnapshot & { feed: unknown };
      return lastDesk;
    };
    const deskStatus = async (e: DeskEngine) =>
      ((await (await fetch(`${e.url()}/api/status`)).json()) as { desk: DeskStatus }).desk;
    await waitUntil(() => e1.started() && e2.started(), "both engines quoting", 90_000, context);
    await waitUntil(
      async () => {
        const d = await deskOf();
        return (engineOf(d, "e1")?.fills ?? 0) >= 2 && (engineOf(d, "e2")?.fills ?? 0) >= 2;
      },
      "two fills of each engine in e1's desk view",
      120_000,
      context,
    );
    // while they run: at some moment with orders open, e1's view is exactly both journals
    await waitUntil(
      async () => {
        const d = await deskOf();
        return ["e1", "e2"].every((n) => {
          const v = sorted(viewSide(engineOf(d, n)));
          return v.openOrders.length > 0 && Bun.deepEquals(v, sorted(journalSide(journal(n))));
        });
      },
      "e1's view to equal both journals while they trade",
      60_000,
      context,
    );

    // the server dies mid-run: both engines keep journaling and queue for the desk, then catch up
    await server.kill();
    await waitUntil(
      async () => (await deskStatus(e1)).stream.queue > 0 && (await deskStatus(e2)).stream.queue > 0,
      "both engines queueing while the server is down",
      60_000,
      context,
    );
    await server.restart();
    await waitUntil(
      async () => {
        const [s1, s2] = [await deskStatus(e1), await deskStatus(e2)];
        return s1.connected && s2.connected && s1.stream.queue === 0 && s2.stream.queue === 0;
      },
      "both engines connected again with their queues drained",
      90_000,
      context,
    );

    // hostile messages on the desk's subjects: counted by e1's view, never applied, e1 keeps running
    const nc = await connectDesk({ servers: [server.url], name: "test", connect_timeout_ms: 5000 });
    const js = jetstream(nc);
    const risk = {
      kind: "risk",
      tsMs: 1,
      day: 1,
      baseline: "0",
      halted: true,
      reason: "forged",
      trippedAtMs: 1,
      trips: 1,
    };
    const forged = { engine: "e2", session: "forged", seq: 1, record: risk };
    await js.publish("hft.desk.e9.order", "{not json");
    await js.publish("hft.desk.e9.order", JSON.stringify({ engine: "e9", session: "s", seq: 0, record: {} }));
    await js.publish(
      "hft.desk.e9.order",
      JSON.stringify({ engine: "e9", session: "s", seq: 1, record: { kind: "order" } }),
    );
    await js.publish("hft.desk.e9.risk", JSON.stringify(forged)); // claims to be e2, on e9's subject
    await waitUntil(
      async () => Object.values((await deskOf()).stats.malformed).reduce((a, b) => a + b, 0) === 4,
      "e1's view to count the four hostile messages",
      30_000,
      () => `${JSON.stringify(lastDesk?.stats)} ${JSON.stringify(lastDesk?.feed)}\n${context()}`,
    );
    expect(e1.proc.exitCode).toBeNull();
    expect(engineOf(await deskOf(), "e9")).toBeUndefined();
    expect(engineOf(await deskOf(), "e2")?.haltReason).toBeNull();

    // the desk in /api/status and /metrics; /api/desk only where the view is folded, without parameters
    const status = await deskStatus(e1);
    expect(status).toMatchObject({
      engine: "e1",
      server: expect.stringContaining(String(server.port)),
      connected: true,
    });
    expect(status.stream.acked).toBeGreaterThan(0);
    expect(status.stream.acked).toBeLessThanOrEqual(status.stream.accepted);
    expect(status.stream.retries).toBeGreaterThan(0); // the restart
    expect(status.stream.lastAckAgeMs).toBeGreaterThanOrEqual(0);
    expect(status.killSwitch.halted).toBe(false);
    expect(status.view?.malformed).toBe(4);
    expect((await deskStatus(e2)).view).toBeNull();
    const metrics = await (await fetch(`${e1.url()}/metrics`)).text();
    for (const line of [
      "hft_desk_connected 1",
      "hft_desk_kill_switch_halted 0",
      'hft_desk_view_malformed_total{reason="subject"} 1',
      'hft_desk_view_malformed_total{reason="not_json"} 1',
    ])
      expect(metrics).toContain(line);
    expect(Number(/^hft_desk_published_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(Number(/^hft_desk_retries_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^hft_desk_queue_length \d+$/m);
    expect((await fetch(`${e2.url()}/api/desk`)).status).toBe(404);
    const bad = await fetch(`${e1.url()}/api/desk?engine=e2`);
    expect([bad.status, ((await bad.json()) as { field: string }).field]).toEqual([400, "engine"]);

    expect(await e2.stop(), context()).toBe(0);
    expect(await e1.stop(), context()).toBe(0);

    // a view restarted now, from the stream alone, is both journals exactly
    const fresh = await foldStream(nc, "HFT_DESK");
    for (const n of ["e1", "e2"]) {
      const want = sorted(journalSide(journal(n)));
      expect(sorted(viewSide(engineOf(fresh, n))), `${n}, seed ${SEED}`).toEqual(want);
      expect(want.fills, `${n}, seed ${SEED}`).toBeGreaterThanOrEqual(2);
      expect(engineOf(fresh, n)?.missing, `${n}, seed ${SEED}`).toBe(0);
    }
    // the stream holds every record once: each session's sequence 1..n, none twice, none missing
    // (the hostile messages this test published are not the engines')
    const msgs = (await streamMessages(nc, "HFT_DESK")).filter(
      (m) => (m.engine === "e1" || m.engine === "e2") && m.session !== "forged",
    );
    const ids = msgs.map((m) => `${m.engine}:${m.session}:${m.seq}`);
    expect(new Set(ids).size, `seed ${SEED}`).toBe(ids.length);
    const bySession = new Map<string, number[]>();
    for (const m of msgs)
      bySession.set(`${m.engine}:${m.session}`, [...(bySession.get(`${m.engine}:${m.session}`) ?? []), m.seq]);
    for (const [session, seqs] of bySession) {
      seqs.sort((a, b) => a - b);
      expect(seqs, `${session}, seed ${SEED}`).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    }
    // rebuilt again, and by the console tool: identical
    expect(await foldStream(nc, "HFT_DESK")).toEqual(fresh);
    const cli = Bun.spawn([process.execPath, "src/engine/desk-cli.ts", "--servers", server.url, "--once", "--json"], {
      cwd: ROOT,
      env: { ...process.env, HFT_CONTROL_TOKEN: DESK_TOKEN },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [text, err] = [await new Response(cli.stdout).text(), await new Response(cli.stderr).text()];
    expect(await cli.exited, err).toBe(0);
    const printed = JSON.parse(text) as DeskSnapshot;
    expect(printed.engines).toEqual(fresh.engines);
    expect(printed.firm).toEqual(fresh.firm);
    await nc.close();
  }, 420_000);

  test("a slow view falls far behind without losing a message, and the publisher's queue stays bounded", async () => {
    const nc = await connectDesk({ servers: [server.url], name: "slow", connect_timeout_ms: 5000 });
    const settings = {
      name: "SLOW_VIEW",
      subject_prefix: "slow",
      duplicate_window_ms: 120_000,
      max_queue: 5000,
      max_in_flight: 256,
    };
    const sink = await openDeskStreamSink(nc, "p", settings, silentLogger);
    const slow = new DeskView();
    // the view takes 2 ms per message while `slowed`: 20k messages would take it 40 s
    let slowed = true;
    const feed = new DeskViewFeed(nc, settings.name, slow, silentLogger, {
      pace: () => (slowed ? Bun.sleep(2) : Promise.resolve()),
    });
    const TOTAL = 20_000;
    let maxQueued = 0;
    for (let b = 0; b < TOTAL / 500; b++) {
      // the journal's cadence: a batch, then the sink drains while the engine trades on
      sink.write(Array.from({ length: 500 }, (_, i) => orderRecord(b * 500 + i)));
      maxQueued = Math.max(maxQueued, sink.stats.queued);
      await waitUntil(() => sink.stats.queued < 2500, "the sink to keep up with the journal");
    }
    await sink.flushed();
    // everything is stored while the slow view is still far behind: it did not hold the publisher back
    expect(sink.stats.published).toBe(TOTAL);
    expect(sink.stats.refusedBatches).toBe(0);
    expect(maxQueued).toBeLessThanOrEqual(settings.max_queue);
    expect(slow.stats.applied).toBeLessThan(TOTAL / 2);
    expect(await feed.caughtUp()).toBe(false); // (also brings `pending` up to date)
    expect(feed.stats.pending).toBeGreaterThan(TOTAL / 2);
    // the server keeps what the view has not read: it catches up on every message, once each
    slowed = false;
    await waitUntil(() => feed.caughtUp(), "the slow view to catch up");
    await feed.stop();
    expect(slow.stats.applied).toBe(TOTAL);
    expect(slow.stats.duplicates).toBe(0);
    expect(slow.snapshot().engines[0]?.openOrders.length).toBe(TOTAL);
    sink.stop();
    await nc.close();
  }, 180_000);
});

function orderRecord(i: number): JournalRecord {
  return {
    kind: "order",
    tsMs: 1_700_000_000_000 + i,
    clientId: `p-1-${i}`,
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
