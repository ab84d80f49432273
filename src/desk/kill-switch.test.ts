import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kvm } from "@nats-io/kv";
import { NATS_SERVER, type NatsServer, NO_NATS, startNatsServer } from "../../test/support/nats-server.ts";
import { waitUntil } from "../../test/support/wait.ts";
import { silentLogger } from "../services/index.ts";
import { connectDesk } from "./connection.ts";
import { type DeskKillState, DeskKillSwitch, parseKillState } from "./kill-switch.ts";

describe("parseKillState", () => {
  test("reads what an engine stored and refuses anything else", () => {
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    expect(parseKillState(enc({ halted: true, reason: "r", by: "a", atMs: 5 }))).toEqual({
      halted: true,
      reason: "r",
      by: "a",
      atMs: 5,
    });
    expect(parseKillState(enc({ halted: "yes", reason: "r" }))).toBeUndefined();
    expect(parseKillState(new TextEncoder().encode("{not json"))).toBeUndefined();
  });
});

describe.skipIf(NATS_SERVER === null)(
  `the desk kill switch on a real nats-server${NATS_SERVER === null ? ` (skipped: ${NO_NATS})` : ""}`,
  () => {
    let server: NatsServer;
    beforeAll(async () => {
      server = await startNatsServer();
    });
    afterAll(async () => {
      await server.dispose();
    });
    const connect = (name: string) => connectDesk({ servers: [server.url], name, connect_timeout_ms: 5000 });

    test("a kill written while the server is down is stored once it is back, and every watcher sees it", async () => {
      const [ncA, ncB] = [await connect("a"), await connect("b")];
      const a = await DeskKillSwitch.open(ncA, "a", { bucket: "KILL_DOWN" }, silentLogger);
      const b = await DeskKillSwitch.open(ncB, "b", { bucket: "KILL_DOWN" }, silentLogger);
      const seenByB: DeskKillState[] = [];
      b.watch((s) => seenByB.push(s));
      await server.kill();
      a.trip("drill while down", 1000);
      expect(a.state.halted).toBe(true);
      await server.restart();
      await waitUntil(() => seenByB.some((s) => s.halted && s.by === "a"), "b to see a's kill after the restart");
      expect(b.state).toEqual({ halted: true, reason: "drill while down", by: "a", atMs: 1000 });
      // a third engine joining later reads it before it starts
      const ncC = await connect("c");
      const c = await DeskKillSwitch.open(ncC, "c", { bucket: "KILL_DOWN" }, silentLogger);
      expect(c.state.halted).toBe(true);
      // a resume on any engine reaches the others; writing what the desk already says writes nothing
      const before = (await (await new Kvm(ncC).open("KILL_DOWN")).status()).values;
      c.trip("again", 2000);
      expect((await (await new Kvm(ncC).open("KILL_DOWN")).status()).values).toBe(before);
      c.resume("drill over", 3000);
      await waitUntil(() => !b.state.halted, "b to see c's resume");
      expect(b.state.by).toBe("c");
      for (const k of [a, b, c]) k.close();
      for (const nc of [ncA, ncB, ncC]) await nc.close();
    });

    test("a value that is not a kill state is ignored (a warning), the switch keeps the last good one", async () => {
      const nc = await connect("j");
      const k = await DeskKillSwitch.open(nc, "j", { bucket: "KILL_JUNK" }, silentLogger);
      const seen: DeskKillState[] = [];
      k.watch((s) => seen.push(s));
      k.trip("real", 1);
      await waitUntil(() => seen.some((s) => s.halted), "the trip to come back through the watch");
      const kv = await new Kvm(nc).open("KILL_JUNK");
      await kv.put("kill", "junk");
      await kv.put("kill", JSON.stringify({ halted: true, reason: "after", by: "x", atMs: 2 }));
      await waitUntil(() => seen.some((s) => s.reason === "after"), "the value after the junk");
      // the junk reached no listener: the trip, then the value after it
      expect(seen.map((s) => s.reason)).toEqual(["real", "after"]);
      k.close();
      await nc.close();
    });
  },
);
