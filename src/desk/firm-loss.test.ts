import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { NATS_SERVER, type NatsServer, NO_NATS, startNatsServer } from "../../test/support/nats-server.ts";
import { waitUntil } from "../../test/support/wait.ts";
import { SystemClock, silentLogger } from "../services/index.ts";
import { connectDesk } from "./connection.ts";
import { FirmLossWatch } from "./firm-loss.ts";
import { DeskKillSwitch } from "./kill-switch.ts";
import { openLimitsBucket } from "./limit-leases.ts";

const ONE = 10n ** 18n;
const clock = new SystemClock();

describe.skipIf(NATS_SERVER === null)(
  `the firm daily loss on a real nats-server${NATS_SERVER === null ? ` (skipped: ${NO_NATS})` : ""}`,
  () => {
    let server: NatsServer;
    const closers: (() => unknown)[] = [];
    beforeAll(async () => {
      server = await startNatsServer();
    });
    afterAll(async () => {
      for (const c of closers) await c();
      await server.dispose();
    });

    /** An engine's loss watch wired as the engine wires it: a breach trips the desk's kill switch. */
    async function engine(name: string) {
      const nc = await connectDesk({ servers: [server.url], name, connect_timeout_ms: 5000 });
      closers.push(() => nc.close());
      const settings = { bucket: "LOSS", lease_ms: 300, reclaim_margin_ms: 100, headroom: 0.25 };
      const kv = await openLimitsBucket(nc, settings);
      const kill = await DeskKillSwitch.open(nc, name, { bucket: "LOSS_KILL" }, silentLogger);
      const state = { loss: 0n, breaches: [] as string[] };
      const watch = new FirmLossWatch(
        kv,
        name,
        100n * ONE,
        100,
        clock,
        {
          loss: () => state.loss,
          onBreach: (reason) => {
            state.breaches.push(reason);
            kill.trip(reason, clock.nowMs());
          },
        },
        silentLogger,
      );
      closers.push(
        () => watch.close(),
        () => kill.close(),
      );
      return { state, watch, kill };
    }

    test("each engine within its part, the sum over the limit: the desk is killed, seen by every engine", async () => {
      const [a, b, c] = [await engine("a"), await engine("b"), await engine("c")];
      c.kill.watch(() => {});
      for (const e of [a, b, c]) e.watch.start();
      a.state.loss = 40n * ONE;
      b.state.loss = 50n * ONE;
      await waitUntil(() => c.watch.status().firmLoss === 90n * ONE, "c to sum a's and b's losses");
      expect(a.state.breaches.length + b.state.breaches.length + c.state.breaches.length).toBe(0);
      expect(c.kill.state.halted).toBe(false);
      // c loses 11 more: 101 > 100, although no engine alone is near the limit
      c.state.loss = 11n * ONE;
      await waitUntil(() => a.state.breaches.length > 0 && b.state.breaches.length > 0, "a and b to see the breach");
      await waitUntil(() => c.kill.state.halted, "the desk's kill switch to trip");
      expect(c.kill.state.reason).toContain("firm daily loss 101 > limit 100");
      expect(c.watch.status()).toMatchObject({ firmLoss: 101n * ONE, ownLoss: 11n * ONE, engines: 3 });
    }, 30_000);
  },
);
