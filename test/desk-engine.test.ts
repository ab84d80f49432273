/**
 * The engine as a user runs it (`bun src/main.ts`) with the desk on: its simulator venue trades, its
 * journal's records reach the desk's JetStream stream on a real nats-server, and after a graceful
 * stop the stream holds exactly the journal's fills and orders. A desk that cannot be reached at
 * start-up is a start-up error naming desk.nats.servers; a bad desk block is a config error naming
 * its path.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { DeskMessage } from "../src/desk/index.ts";
import { ConfigError, parseConfig } from "../src/engine/index.ts";
import { SqliteJournal } from "../src/journal/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import type { FillRow } from "../src/types/index.ts";
import { startEngineProcess } from "./support/engine-process.ts";
import { NATS_SERVER, type NatsServer, NO_NATS, startNatsServer } from "./support/nats-server.ts";
import { waitUntil } from "./support/wait.ts";

const SEED = process.env.HFT_DESK_SEED ?? `desk-${Date.now().toString(36)}`;

function engineConfig(desk: string): string {
  return `
engine:
  client_id_prefix: dk1
  status_interval_ms: 60000
  shutdown_timeout_ms: 3000
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT]
simulator:
  seed: ${SEED}
  speed: 4
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.0001, max_position: 0.02, min_profit: 0, order_size: 0.002, levels: 1 }
risk:
  max_position_base: 0.1
  max_orders_per_second: 10
${desk}
`;
}

/** Every message of the stream, by engine, ordered by (session, seq). */
async function streamMessages(nc: NatsConnection, stream: string): Promise<DeskMessage[]> {
  const n = (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
  const out: DeskMessage[] = [];
  if (n === 0) return out;
  const it = await (await jetstream(nc).consumers.get(stream)).fetch({ max_messages: n, expires: 5000 });
  for await (const m of it) {
    out.push(m.json<DeskMessage>());
    if (out.length === n) break;
  }
  return out.sort((a, b) => (a.session === b.session ? a.seq - b.seq : a.session < b.session ? -1 : 1));
}

function journalFills(path: string): readonly FillRow[] {
  const store = SqliteJournal.open(path, { readonly: true });
  try {
    return store.fills({ limit: 1000 }).items;
  } finally {
    store.close();
  }
}

const fillKey = (f: { venue: string; symbol: string; tradeId: string; side: string }) =>
  `${f.venue}/${f.symbol}/${f.tradeId}/${f.side}`;

describe.skipIf(NATS_SERVER === null)(
  `an engine on a desk${NATS_SERVER === null ? ` (skipped: ${NO_NATS})` : ""}`,
  () => {
    let server: NatsServer;
    let dir: string;
    beforeAll(async () => {
      server = await startNatsServer();
      dir = mkdtempSync(join(tmpdir(), "hft-desk-engine-"));
    });
    afterAll(async () => {
      await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test("publishes its journal to the desk stream: the stream's fills and orders are the journal's", async () => {
      const cfg = join(dir, "e1.yaml");
      writeFileSync(
        cfg,
        engineConfig(`desk:\n  nats: { servers: ["${server.url}"], name: e1 }\n  stream: { name: E2E }`),
      );
      const journal = join(dir, "e1.sqlite");
      const engine = startEngineProcess(["--config", cfg], { HFT_JOURNAL_PATH: journal });
      const nc = await connect({ servers: server.url });
      try {
        await waitUntil(
          async () => {
            const info = await (await jetstreamManager(nc)).streams
              .info("E2E", { subjects_filter: "hft.desk.e1.fill" })
              .catch(() => undefined);
            return (info?.state.subjects?.["hft.desk.e1.fill"] ?? 0) >= 3;
          },
          "three fills on the desk stream",
          90_000,
          () => `seed ${SEED}\n${engine.out().slice(-3000)}`,
        );
        const stop = await engine.interrupt();
        expect(stop.code, `seed ${SEED}\n${stop.errors.join("\n")}`).toBe(0);
        const msgs = await streamMessages(nc, "E2E");
        expect(msgs.every((m) => m.engine === "e1")).toBe(true);
        expect(new Set(msgs.map((m) => `${m.session}:${m.seq}`)).size).toBe(msgs.length);
        const streamFills = msgs.flatMap((m) => (m.record.kind === "fill" ? [m.record] : []));
        const fills = journalFills(journal);
        expect(fills.length).toBeGreaterThanOrEqual(3);
        expect(streamFills.map(fillKey).sort()).toEqual(fills.map(fillKey).sort());
        const store = SqliteJournal.open(journal, { readonly: true });
        const orders = store.orders({ limit: 1000 }).items;
        store.close();
        const streamOrders = new Set(msgs.flatMap((m) => (m.record.kind === "order" ? [m.record.clientId] : [])));
        expect([...streamOrders].sort()).toEqual(orders.map((o) => o.clientId).sort());
      } finally {
        engine.kill();
        await nc.close();
      }
    }, 150_000);

    test("a desk that cannot be reached is a start-up error naming desk.nats.servers", async () => {
      const cfg = join(dir, "e2.yaml");
      // a port nothing listens on: the server's own, once it is stopped, is not ours to stop here;
      // port 1 on 127.0.0.1 refuses connections without privileges
      writeFileSync(
        cfg,
        engineConfig(`desk:\n  nats: { servers: ["nats://127.0.0.1:1"], name: e2, connect_timeout_ms: 500 }`),
      );
      const proc = Bun.spawn([process.execPath, "src/main.ts", "--config", cfg], {
        cwd: join(import.meta.dir, ".."),
        env: { ...process.env, HFT_HTTP_PORT: "0", HFT_CONFIG: "", HFT_JOURNAL_PATH: join(dir, "e2.sqlite") },
        stdout: "ignore",
        stderr: "pipe",
      });
      const err = await new Response(proc.stderr).text();
      const code = await proc.exited;
      expect(code).toBe(1);
      expect(err).toContain("desk.nats.servers: cannot connect to nats://127.0.0.1:1");
    }, 60_000);
  },
);

describe("the desk block of the config", () => {
  const opts = { strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES, env: {} };
  const parse = (desk: string) => parseConfig(engineConfig(desk), "desk.yaml", opts);

  test("is off when absent", () => {
    expect(parse("").config.desk).toBeUndefined();
  });

  test("fills in the stream defaults once nats is given", () => {
    const c = parse(`desk:\n  nats: { servers: ["nats://10.0.0.1:4222"], name: eu-1 }`).config.desk;
    expect(c?.stream).toEqual({
      name: "HFT_DESK",
      subject_prefix: "hft.desk",
      duplicate_window_ms: 600_000,
      max_queue: 1_000_000,
      max_in_flight: 256,
    });
    expect(c?.nats.connect_timeout_ms).toBe(5000);
    expect(c?.limits).toBeUndefined();
    expect(c?.view).toBe(false);
  });

  test("firm limits take their defaults once given", () => {
    const c = parse(
      `desk:\n  nats: { servers: ["nats://h:4222"], name: a }\n  limits: { symbols: { BTC-USDT: { max_position_base: 0.5 } } }`,
    ).config.desk;
    expect(c?.limits).toEqual({
      bucket: "HFT_DESK_LIMITS",
      lease_ms: 3000,
      reclaim_margin_ms: 1000,
      headroom: 0.25,
      symbols: { "BTC-USDT": { max_position_base: 0.5 } },
    });
  });

  test.each([
    [`desk:\n  nats: { servers: ["nats://h:4222"], name: a, colour: red }`, "desk.nats.colour"],
    [`desk:\n  nats: { servers: [], name: a }`, "desk.nats.servers"],
    [`desk:\n  nats: { servers: ["http://h:4222"], name: a }`, "desk.nats.servers[0]"],
    [`desk:\n  nats: { servers: ["nats://h:4222"], name: "a.b" }`, "desk.nats.name"],
    [
      `desk:\n  nats: { servers: ["nats://h:4222"], name: a }\n  stream: { max_in_flight: 0 }`,
      "desk.stream.max_in_flight",
    ],
    [`desk:\n  stream: {}`, "desk.nats"],
    [`desk:\n  nats: { servers: ["nats://h:4222"], name: a }\n  limits: { lease_ms: 100 }`, "desk.limits.lease_ms"],
    [`desk:\n  nats: { servers: ["nats://h:4222"], name: a }\n  limits: { headroom: 2 }`, "desk.limits.headroom"],
    [
      `desk:\n  nats: { servers: ["nats://h:4222"], name: a }\n  limits: { symbols: { BTC-USDT: { max_position: 1 } } }`,
      "desk.limits.symbols.BTC-USDT.max_position",
    ],
    [
      `desk:\n  nats: { servers: ["nats://h:4222"], name: a }\n  limits: { symbols: { btc: { max_position_base: 1 } } }`,
      "desk.limits.symbols",
    ],
    [`desk:\n  nats: { servers: ["nats://h:4222"], name: a }\n  view: yes-please`, "desk.view"],
  ])("refuses %p naming %s", (desk, path) => {
    expect(() => parse(desk)).toThrow(ConfigError);
    expect(() => parse(desk)).toThrow(path);
  });
});
