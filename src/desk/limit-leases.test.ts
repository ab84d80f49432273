import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { NATS_SERVER, type NatsServer, NO_NATS, startNatsServer } from "../../test/support/nats-server.ts";
import { startTcpProxy } from "../../test/support/tcp-proxy.ts";
import { waitUntil } from "../../test/support/wait.ts";
import { Rng, SystemClock, silentLogger } from "../services/index.ts";
import { connectDesk } from "./connection.ts";
import { DeskLimitLeases, type DeskLimitSettings, openLimitsBucket } from "./limit-leases.ts";
import { type LimitValue, parseLimitValue, totalShare } from "./limit-plan.ts";

const ONE = 10n ** 18n;
const LIMIT = 10n * ONE;
const clock = new SystemClock();

/**
 * An engine as the lease holder sees it: an exposure that moves only as its gate would let it
 * (up to the ceiling in its cell while the lease holds; down at any time).
 */
class FakeEngine {
  exposure = 0n;
  expiredCalls = 0;
  leases!: DeskLimitLeases;
  /** Tries to move the exposure to `target`; adding is refused beyond the cell or past the lease. */
  tryTo(target: bigint): boolean {
    if (target <= this.exposure) {
      this.exposure = target;
      return true;
    }
    const cell = this.leases.cellOf("BTC-USDT");
    if (cell === undefined || clock.monoNs() >= cell.validUntilNs) return false;
    if (target > (cell.positionBase ?? 0n)) {
      cell.refused(target, 0n); // as the gate tells what a refused order wanted
      return false;
    }
    this.exposure = target;
    return true;
  }
}

/** A bus whose reads come back late (0–15 ms), so renewals of several engines interleave often. */
function slowReads(kv: KV, rng: Rng | undefined): KV {
  if (rng === undefined) return kv;
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "get")
        return async (key: string) => {
          const e = await target.get(key);
          await Bun.sleep(rng.int(16));
          return e;
        };
      const v: unknown = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

describe.skipIf(NATS_SERVER === null)(
  `firm limit leases on a real nats-server${NATS_SERVER === null ? ` (skipped: ${NO_NATS})` : ""}`,
  () => {
    let server: NatsServer;
    const open: { close(): Promise<void> | void }[] = [];
    beforeAll(async () => {
      server = await startNatsServer();
    });
    afterAll(async () => {
      for (const o of open) await o.close();
      await server.dispose();
    });

    const settings = (bucket: string, over: Partial<DeskLimitSettings> = {}): DeskLimitSettings => ({
      bucket,
      lease_ms: 600,
      reclaim_margin_ms: 300,
      headroom: 0.25,
      ...over,
    });

    async function holder(
      name: string,
      s: DeskLimitSettings,
      url = server.url,
      slow?: Rng,
      ready?: () => boolean,
    ): Promise<FakeEngine> {
      const nc = await connectDesk({ servers: [url], name, connect_timeout_ms: 5000 });
      open.push({ close: () => nc.close() });
      const e = new FakeEngine();
      const kv = slowReads(await openLimitsBucket(nc, s), slow);
      e.leases = DeskLimitLeases.create(
        kv,
        name,
        [{ symbol: "BTC-USDT", kind: "position_base", limit: LIMIT }],
        s,
        clock,
        {
          exposure: () => ({ base: e.exposure, notional: 0n }),
          onExpired: () => e.expiredCalls++,
          ...(ready !== undefined ? { ready } : {}),
        },
        silentLogger,
      );
      open.push({ close: () => e.leases.close() });
      return e;
    }

    /** Records every revision of the key (a watch from the start sees each stored value once). */
    async function recordRevisions(
      nc: NatsConnection,
      bucket: string,
    ): Promise<{ values: LimitValue[]; stop(): void }> {
      const kv = await new Kvm(nc).create(bucket, { history: 8 });
      const values: LimitValue[] = [];
      const it = await kv.watch({ key: "pos.BTC-USDT" });
      void (async () => {
        for await (const e of it) {
          const v = e.operation === "PUT" ? parseLimitValue(e.value) : undefined;
          if (v === undefined) throw new Error(`revision ${e.revision} is not a limit value`);
          values.push(v);
        }
      })();
      return { values, stop: () => it.stop() };
    }

    function checkRevision(v: LimitValue, at: number): void {
      let exposure = 0n;
      for (const [name, h] of v.holders) {
        if (h.ceiling > h.share) throw new Error(`revision #${at}: ${name} ceiling ${h.ceiling} > share ${h.share}`);
        exposure += h.exposure;
      }
      if (totalShare(v) > v.limit) throw new Error(`revision #${at}: Σ share ${totalShare(v)} > limit ${v.limit}`);
      if (exposure > v.limit) throw new Error(`revision #${at}: Σ exposure ${exposure} > limit ${v.limit}`);
    }

    test("four holders racing on one key never store Σ share above the limit, in any revision", async () => {
      const seed = `race-${Date.now()}`;
      const rng = new Rng(seed);
      // a short lease: renewals every 50 ms, and more under pressure, from four engines on one key
      const s = settings("LIM_RACE", { lease_ms: 150, reclaim_margin_ms: 50 });
      const watcherNc = await connectDesk({ servers: [server.url], name: "watch", connect_timeout_ms: 5000 });
      open.push({ close: () => watcherNc.close() });
      const revisions = await recordRevisions(watcherNc, s.bucket);
      const engines = await Promise.all(["a", "b", "c", "d"].map((n) => holder(n, s, server.url, rng.fork(n))));
      await Promise.all(engines.map((e) => e.leases.start()));
      let refused = 0;
      const live: string[] = [];
      const busy = engines.map(() => rng.chance(0.5));
      const end = Date.now() + 4000;
      while (Date.now() < end) {
        for (const [i, e] of engines.entries()) {
          // each engine turns busy (exposure pushed up) or idle (down to flat) now and then, so
          // slack and wants keep moving between them; a step is up to a fifth of the firm limit
          if (rng.chance(0.02)) busy[i] = !busy[i];
          const step = BigInt(busy[i] ? rng.int(21) : -rng.int(21)) * (LIMIT / 100n);
          const target = e.exposure + step < 0n ? 0n : e.exposure + step;
          if (!e.tryTo(target)) refused++;
        }
        // the firm invariant at this moment: Σ exposure, and Σ of the ceilings the gates enforce now
        let exposure = 0n;
        let enforced = 0n;
        for (const e of engines) {
          exposure += e.exposure;
          const cell = e.leases.cellOf("BTC-USDT");
          if (cell !== undefined && clock.monoNs() < cell.validUntilNs) enforced += cell.positionBase ?? 0n;
        }
        if (exposure > LIMIT || enforced > LIMIT) live.push(`Σ exposure ${exposure}, Σ enforced ceiling ${enforced}`);
        await Bun.sleep(5);
      }
      revisions.stop();
      const context = `seed ${seed}, ${revisions.values.length} revisions`;
      expect(revisions.values.length, context).toBeGreaterThan(20);
      expect(live, context).toEqual([]);
      for (const [i, v] of revisions.values.entries()) checkRevision(v, i);
      // the limit was binding: some steps were refused, so the check could have failed
      expect(refused, context).toBeGreaterThan(0);
      for (const e of engines) expect(e.leases.stats.breaches, context).toBe(0);
      expect(
        engines.reduce((n, e) => n + e.leases.stats.conflicts, 0),
        context,
      ).toBeGreaterThan(0);
    }, 30_000);

    test("a partitioned holder stops adding risk past its lease and is told to cancel; healed, it trades again", async () => {
      const s = settings("LIM_PART");
      const proxy = startTcpProxy(server.port);
      open.push({ close: () => proxy.close() });
      const a = await holder("a", s, proxy.url);
      await a.leases.start();
      expect(a.tryTo(ONE)).toBe(true);
      proxy.partition();
      await waitUntil(() => a.expiredCalls === 1, "the lease to run out");
      expect(a.leases.status()[0]?.expired).toBe(true);
      expect(a.tryTo(ONE + 1n)).toBe(false);
      expect(a.tryTo(ONE / 2n)).toBe(true); // reducing passes
      proxy.heal();
      await waitUntil(() => a.leases.status()[0]?.expired === false, "the lease to be renewed after the heal");
      expect(a.tryTo(ONE)).toBe(true);
      expect(a.leases.stats.expired).toBe(1);
      expect(a.leases.stats.breaches).toBe(0);
    }, 60_000);

    test("a silent engine's share is reclaimed only after lease + margin, and only above its ceiling", async () => {
      const s = settings("LIM_RECLAIM");
      const a = await holder("a", s);
      await a.leases.start();
      // alone, a holds the whole limit and commits a ceiling above its exposure
      expect(a.tryTo(4n * ONE)).toBe(false); // beyond the first ceiling (exposure 0 + a quarter of the share)
      await waitUntil(() => {
        // the ceiling follows the exposure up, one renewal at a time
        const ceiling = a.leases.cellOf("BTC-USDT")?.positionBase ?? 0n;
        a.tryTo(ceiling < 4n * ONE ? ceiling : 4n * ONE);
        return a.exposure === 4n * ONE && a.leases.status()[0]?.ceiling === 4n * ONE + LIMIT / 4n;
      }, "a's exposure and ceiling to reach 4 and 6.5");
      a.leases.close(); // as kill -9: no more renewals, the key keeps what a last stored
      const b = await holder("b", s);
      const startedNs = clock.monoNs();
      await b.leases.start();
      let firstShareNs = 0;
      await waitUntil(() => {
        if (firstShareNs === 0 && (b.leases.status()[0]?.share ?? 0n) > 0n) firstShareNs = clock.monoNs();
        return firstShareNs > 0;
      }, "b to reclaim a's unused share");
      expect(firstShareNs - startedNs).toBeGreaterThanOrEqual((s.lease_ms + s.reclaim_margin_ms) * 1_000_000);
      const st = b.leases.status()[0];
      const aCeiling = 4n * ONE + LIMIT / 4n;
      expect(st?.share).toBe(LIMIT - aCeiling);
      expect(b.leases.stats.reclaims).toBe(1);
      expect(b.leases.stats.breaches).toBe(0);
    }, 30_000);

    test("a graceful stop gives back all but the exposure left; a flat engine leaves the key", async () => {
      const s = settings("LIM_RELEASE");
      const [a, b] = [await holder("a", s), await holder("b", s)];
      await Promise.all([a.leases.start(), b.leases.start()]);
      await waitUntil(() => a.leases.status()[0]?.share === LIMIT / 2n, "a fair split");
      expect(a.tryTo(ONE)).toBe(true);
      await a.leases.release();
      await b.leases.release();
      const nc = await connectDesk({ servers: [server.url], name: "reader", connect_timeout_ms: 5000 });
      open.push({ close: () => nc.close() });
      const e = await (await openLimitsBucket(nc, s)).get("pos.BTC-USDT");
      const v = e === null ? undefined : parseLimitValue(e.value);
      expect(v?.holders.get("a")).toMatchObject({ share: ONE, ceiling: ONE, exposure: ONE });
      expect(v?.holders.has("b")).toBe(false);
      expect(a.tryTo(2n * ONE)).toBe(false); // nothing adds risk after the release
    }, 30_000);

    test("a restarted engine renews nothing until it knows its exposure: its last holding stays as stored", async () => {
      const s = settings("LIM_RESTART");
      const a = await holder("a", s);
      await a.leases.start();
      const ceiling = () => a.leases.cellOf("BTC-USDT")?.positionBase ?? 0n;
      await waitUntil(() => {
        a.tryTo(ceiling() < 3n * ONE ? ceiling() : 3n * ONE);
        return a.exposure === 3n * ONE && a.leases.status()[0]?.ceiling === 3n * ONE + LIMIT / 4n;
      }, "a's exposure at 3");
      a.leases.close(); // the process dies with its position
      const nc = await connectDesk({ servers: [server.url], name: "reader", connect_timeout_ms: 5000 });
      open.push({ close: () => nc.close() });
      const kv = await openLimitsBucket(nc, s);
      const stored = async () => {
        const e = await kv.get("pos.BTC-USDT");
        return e === null ? undefined : parseLimitValue(e.value)?.holders.get("a");
      };
      const before = await stored();
      let restored = false;
      const again = await holder("a", s, server.url, undefined, () => restored);
      await again.leases.start();
      await Bun.sleep(3 * s.lease_ms); // many check periods of the new process
      expect(await stored()).toEqual(before);
      // restored: its exposure is known, and the renewal reports it
      again.exposure = 3n * ONE;
      restored = true;
      await waitUntil(async () => ((await stored())?.seq ?? 0) > (before?.seq ?? 0), "the restarted engine's renewal");
      expect((await stored())?.ceiling).toBe(3n * ONE + LIMIT / 4n);
    }, 30_000);

    test("slack moves to the engine that needs it; the giver keeps twice its exposure", async () => {
      const s = settings("LIM_REBAL");
      const [a, b] = [await holder("a", s), await holder("b", s)];
      await Promise.all([a.leases.start(), b.leases.start()]);
      await waitUntil(() => a.leases.status()[0]?.share === LIMIT / 2n, "a fair split");
      expect(a.tryTo(ONE)).toBe(true);
      // b keeps pushing its exposure up as far as its gate lets it
      await waitUntil(() => {
        b.tryTo(b.leases.cellOf("BTC-USDT")?.positionBase ?? 0n);
        return (b.leases.status()[0]?.share ?? 0n) > LIMIT / 2n;
      }, "b's share to grow past half");
      await waitUntil(() => {
        b.tryTo(b.leases.cellOf("BTC-USDT")?.positionBase ?? 0n);
        return (b.leases.status()[0]?.share ?? 0n) >= LIMIT - LIMIT / 4n;
      }, "a to give back down to its floor (a quarter: half of a fair part)");
      expect(a.leases.status()[0]?.share).toBeGreaterThanOrEqual(2n * ONE);
      for (const e of [a, b]) expect(e.leases.stats.breaches).toBe(0);
    }, 30_000);
  },
);
