/**
 * One kill switch across the engines of a desk, against a real nats-server and engine processes as
 * users run them (each with its own simulator venue): a kill over one engine's control API halts the
 * others and cancels their orders; an engine joining a killed desk starts halted; the kill outlives a
 * restart of an engine and of the server; a resume on any engine resumes them all. The seed is printed
 * on failure; HFT_DESK_SEED replays it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeskEngine, deskEngineConfig } from "./support/desk-engine.ts";
import { NATS_SERVER, type NatsServer, NO_NATS, startNatsServer } from "./support/nats-server.ts";
import { waitUntil } from "./support/wait.ts";

const SEED = process.env.HFT_DESK_SEED ?? `deskkill-${Date.now().toString(36)}`;

describe.skipIf(NATS_SERVER === null)(
  `one kill switch for the desk${NATS_SERVER === null ? ` (skipped: ${NO_NATS})` : ""}`,
  () => {
    let server: NatsServer;
    let dir: string;
    const engines: DeskEngine[] = [];
    const start = (name: string) => {
      const e = new DeskEngine(name, dir, deskEngineConfig(name, server.url, SEED));
      engines.push(e);
      return e;
    };
    const context = () => `seed ${SEED}\n${engines.map((e) => `--- ${e.name}\n${e.out().slice(-2500)}`).join("\n")}`;
    const halted = async (e: DeskEngine) => (await e.status()).risk.halted;

    beforeAll(async () => {
      server = await startNatsServer();
      dir = mkdtempSync(join(tmpdir(), "hft-desk-kill-"));
    });
    afterAll(async () => {
      for (const e of engines) await e.kill();
      await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test("a kill on one engine halts every engine; a joiner starts halted; it survives restarts; one resume lifts it", async () => {
      const e1 = start("e1");
      const e2 = start("e2");
      await waitUntil(() => e1.started() && e2.started(), "both engines quoting", 90_000, context);
      await waitUntil(
        async () => (await e2.status()).openOrders.length > 0,
        "e2 to have quotes resting",
        60_000,
        context,
      );

      await e1.control("/api/risk/kill-switch", "desk test");
      await waitUntil(
        async () => {
          const s = await e2.status();
          return s.risk.halted && s.openOrders.length === 0;
        },
        "e2 halted with every order cancelled",
        30_000,
        context,
      );
      expect((await e2.status()).risk.haltReason).toContain("desk (e1): desk test");

      // a new engine joining the killed desk never quotes
      const e3 = start("e3");
      await waitUntil(() => e3.started(), "e3 started", 90_000, context);
      expect(e3.out()).not.toContain("quoting started");
      expect(await halted(e3)).toBe(true);

      // the kill outlives an engine's restart and the server's (the KV bucket is on its disk)
      expect(await e2.stop()).toBe(0);
      await server.kill();
      await server.restart();
      const e2b = start("e2");
      await waitUntil(() => e2b.started(), "e2 restarted", 90_000, context);
      expect(e2b.out()).not.toContain("quoting started");
      expect(await halted(e2b)).toBe(true);

      // one resume, on any engine, lifts it everywhere
      await e3.control("/api/risk/resume", "desk test over");
      await waitUntil(
        async () => !(await halted(e1)) && !(await halted(e2b)) && !(await halted(e3)),
        "every engine resumed",
        30_000,
        context,
      );
      await waitUntil(async () => (await e2b.status()).openOrders.length > 0, "e2 quoting again", 60_000, context);
    }, 300_000);
  },
);
