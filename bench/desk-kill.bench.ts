/**
 * Kill switch propagation across a desk: three engine processes as users run them (`bun src/main.ts`,
 * each with its own simulator child venue and journal) on one nats-server (JetStream), each quoting
 * with orders resting. One trial: POST /api/risk/kill-switch on engine e1, then wait until every
 * engine is halted with no open order. The figure is from the call to the LAST engine's last cancel
 * acknowledgement (or a placement withdrawn unsent), as each engine journaled it (the transition's
 * time in its own journal: taken inside the engines, on the same machine clock as the call). Between
 * trials one resume (on e1) lifts the kill everywhere and the next trial waits for every engine to
 * quote again.
 *
 * Target (issue #15): p99 at most 100 ms on this machine.
 * Usage: bun bench/desk-kill.bench.ts [trials=100]   (or `bun run bench desk-kill`)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteJournal } from "../src/journal/index.ts";
import { percentileOf } from "../src/metrics/index.ts";
import { DESK_TOKEN, DeskEngine, deskEngineConfig } from "../test/support/desk-engine.ts";
import { NATS_SERVER, NO_NATS, startNatsServer } from "../test/support/nats-server.ts";
import { waitUntil } from "../test/support/wait.ts";

if (NATS_SERVER === null) {
  console.error(`desk-kill: ${NO_NATS}`);
  process.exit(1);
}

const TRIALS = Number(process.argv[2] ?? 100);
const server = await startNatsServer();
const dir = mkdtempSync(join(tmpdir(), "desk-kill-bench-"));
const names = ["e1", "e2", "e3"];
const engines = names.map((n) => new DeskEngine(n, dir, deskEngineConfig(n, server.url, "bench")));
const [first] = engines as [DeskEngine];
const context = () => engines.map((e) => `--- ${e.name}\n${e.out().slice(-2000)}`).join("\n");

interface Status {
  readonly risk: { readonly halted: boolean };
  readonly openOrders: readonly unknown[];
}
const status = async (e: DeskEngine): Promise<Status> =>
  (await (await fetch(`${e.url()}/api/status`)).json()) as Status;

async function post(e: DeskEngine, path: string, reason: string): Promise<void> {
  const res = await fetch(`${e.url()}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${DESK_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ reason }),
  });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

/**
 * When the last of an engine's orders ended at or after sinceMs: a `canceled` acknowledgement, or a
 * placement still waiting for rate-limit budget withdrawn unsent (`rejected`), as the engine journaled it.
 */
function lastCancelAckMs(e: DeskEngine, sinceMs: number): number {
  const store = SqliteJournal.open(join(dir, `${e.name}.sqlite`), { readonly: true });
  try {
    let last = 0;
    const orders = store.orders({ sinceMs: sinceMs - 600_000, limit: 1000, order: "desc", events: true }).items;
    for (const o of orders)
      for (const ev of o.events ?? [])
        if ((ev.to === "canceled" || ev.to === "rejected") && ev.tsMs >= sinceMs) last = Math.max(last, ev.tsMs);
    return last;
  } finally {
    store.close();
  }
}

try {
  await waitUntil(() => engines.every((e) => e.started()), "three engines started", 120_000, context);
  const samples: number[] = [];
  const perEngine: number[][] = names.map(() => []);
  for (let t = 0; t < TRIALS; t++) {
    await waitUntil(
      async () => (await Promise.all(engines.map(status))).every((s) => !s.risk.halted && s.openOrders.length > 0),
      "every engine quoting with orders resting",
      60_000,
      context,
    );
    const t0 = Date.now();
    await post(first, "/api/risk/kill-switch", `bench trial ${t}`);
    await waitUntil(
      async () => (await Promise.all(engines.map(status))).every((s) => s.risk.halted && s.openOrders.length === 0),
      "every engine halted with no open order",
      30_000,
      context,
    );
    const acks = engines.map((e) => lastCancelAckMs(e, t0));
    if (acks.some((a) => a === 0)) throw new Error(`trial ${t}: an engine journaled no cancel ack: ${acks.join(", ")}`);
    for (const [i, a] of acks.entries()) perEngine[i]?.push(a - t0);
    samples.push(Math.max(...acks) - t0);
    await post(first, "/api/risk/resume", `bench trial ${t} over`);
  }
  const p = (xs: number[], q: number) =>
    percentileOf(
      [...xs].sort((a, b) => a - b),
      q,
    )
      .toFixed(0)
      .padStart(5);
  console.log(`kill switch propagation, ${TRIALS} trials, 3 engines on one nats-server (ms, call → cancel acks)`);
  console.log(`${"".padEnd(28)}   p50   p90   p99   max`);
  const line = (name: string, xs: number[]) =>
    console.log(`${name.padEnd(28)} ${p(xs, 50)} ${p(xs, 90)} ${p(xs, 99)} ${p(xs, 100)}`);
  line("last engine's last cancel", samples);
  for (const [i, n] of names.entries()) line(`  ${n}${n === "e1" ? " (called)" : ""}`, perEngine[i] ?? []);
} finally {
  for (const e of engines) await e.stop().catch(() => e.kill());
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
}
