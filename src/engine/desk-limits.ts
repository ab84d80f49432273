/**
 * The engine's side of the desk's firm-wide limits (config `desk.limits`): the lease holder becomes
 * the risk gate's share provider, an expired lease cancels the symbol's quotes through the command
 * queue, and a firm daily-loss breach trips the desk's kill switch. Kept apart from desk-bus.ts so
 * the bus stays small; the engine stays the single writer (the gate only reads the holder's numbers).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { EngineStatus } from "../command/index.ts";
import {
  type DeskKillSwitch,
  DeskLimitLeases,
  type FirmLimitSpec,
  FirmLossWatch,
  type LeaseStatus,
  openLimitsBucket,
} from "../desk/index.ts";
import { formatMoney, type Money, moneyOrThrow, moneyToNumber } from "../execution/index.ts";
import { type EngineMetrics, registerDeskLimitMetrics } from "../metrics/index.ts";
import type { Clock, Logger } from "../services/index.ts";
import type { DeskLimitsConfig } from "./config-schema.ts";
import type { Engine } from "./engine.ts";

/** /api/status `deskLimits`: every firm limit as this engine holds it; exact decimal strings. */
export type DeskLimitsStatus = NonNullable<EngineStatus["deskLimits"]>;

/** What the engine holds of the desk's firm limits while it runs. */
export interface EngineDeskLimits {
  readonly leases: DeskLimitLeases;
  /** Makes the leases the engine's share provider and starts renewing; metrics when given. */
  attach(engine: Engine, metrics?: EngineMetrics): void;
  status(): DeskLimitsStatus;
  /** Stops renewing and gives back all but the exposure left (bounded: the bus may be gone). */
  close(timeoutMs: number): Promise<void>;
}

/** The configured firm limits, each with its exact amount; a bad amount names its path. */
export function firmLimitSpecs(cfg: DeskLimitsConfig): FirmLimitSpec[] {
  const specs: FirmLimitSpec[] = [];
  for (const [symbol, l] of Object.entries(cfg.symbols)) {
    const at = `desk.limits.symbols.${symbol}`;
    if (l.max_position_base !== undefined)
      specs.push({
        symbol,
        kind: "position_base",
        limit: moneyOrThrow(l.max_position_base, `${at}.max_position_base`),
      });
    if (l.max_position_notional !== undefined)
      specs.push({
        symbol,
        kind: "position_notional",
        limit: moneyOrThrow(l.max_position_notional, `${at}.max_position_notional`),
      });
  }
  return specs;
}

/** Opens the limits bucket and the holders (nothing is held before attach). */
export async function openDeskLimits(
  nc: NatsConnection,
  engineName: string,
  cfg: DeskLimitsConfig,
  kill: DeskKillSwitch,
  clock: Clock,
  log: Logger,
): Promise<EngineDeskLimits> {
  const kv = await openLimitsBucket(nc, cfg);
  let engine: Engine | undefined;
  const leases = DeskLimitLeases.create(
    kv,
    engineName,
    firmLimitSpecs(cfg),
    cfg,
    clock,
    {
      exposure: (symbol) => engine?.desk.risk.firmExposure(symbol) ?? { base: 0n, notional: 0n },
      onExpired: (symbol) => engine?.commands.submit({ kind: "cancel_all", symbol }),
      // restored and settled: its exposure is known (a restart must not report the empty one first)
      ready: () => engine?.state === "running" || engine?.state === "stopping",
    },
    log,
  );
  const lossLimit = cfg.daily_loss === undefined ? undefined : moneyOrThrow(cfg.daily_loss, "desk.limits.daily_loss");
  const loss =
    lossLimit === undefined
      ? undefined
      : new FirmLossWatch(
          kv,
          engineName,
          lossLimit,
          Math.max(100, Math.floor(cfg.lease_ms / 3)),
          clock,
          {
            loss: () => {
              const pnl = engine?.desk.risk.dailyPnl() ?? 0n;
              return pnl < 0n ? -pnl : 0n;
            },
            onBreach: (reason) => firmLossBreach(engine, kill, reason, clock, log),
            ready: () => engine?.state === "running" || engine?.state === "stopping",
          },
          log,
        );
  return {
    leases,
    attach(e, metrics) {
      engine = e;
      e.desk.risk.setFirmShares(leases);
      void leases.start();
      loss?.start();
      if (metrics !== undefined) registerMetrics(metrics, leases, loss);
    },
    status: () => statusOf(cfg.lease_ms, leases, loss),
    async close(timeoutMs) {
      loss?.close();
      await Promise.race([leases.release(), Bun.sleep(timeoutMs)]);
    },
  };
}

/** The desk's kill switch (every engine) and this one's own (it may be cut off from the bus). */
function firmLossBreach(
  engine: Engine | undefined,
  kill: DeskKillSwitch,
  reason: string,
  clock: Clock,
  log: Logger,
): void {
  if (engine === undefined || engine.desk.kill.isHalted()) return;
  log.error(`desk: ${reason}: killing the desk`);
  kill.trip(reason, clock.nowMs());
  engine.commands.submit({ kind: "kill_switch", reason: `desk: ${reason}` });
}

function statusOf(leaseMs: number, leases: DeskLimitLeases, loss: FirmLossWatch | undefined): DeskLimitsStatus {
  const l = loss?.status();
  return {
    leaseMs,
    limits: leases.status().map((s: LeaseStatus) => ({
      key: s.key,
      symbol: s.symbol,
      kind: s.kind,
      limit: formatMoney(s.limit),
      share: formatMoney(s.share),
      ceiling: formatMoney(s.ceiling),
      exposure: formatMoney(s.exposure),
      wants: formatMoney(s.wants),
      leaseAgeMs: s.leaseAgeMs,
      stale: s.expired,
      firmShare: formatMoney(s.firmShare),
      firmExposure: formatMoney(s.firmExposure),
      engines: s.holders,
    })),
    dailyLoss:
      l === undefined
        ? null
        : { limit: formatMoney(l.limit), firmLoss: formatMoney(l.firmLoss), ownLoss: formatMoney(l.ownLoss) },
    counters: { ...leases.stats },
  };
}

function registerMetrics(metrics: EngineMetrics, leases: DeskLimitLeases, loss: FirmLossWatch | undefined): void {
  const n = (m: Money): number => moneyToNumber(m);
  registerDeskLimitMetrics(metrics, {
    leases: () =>
      leases.status().map((s) => ({
        key: s.key,
        limit: n(s.limit),
        share: n(s.share),
        ceiling: n(s.ceiling),
        exposure: n(s.exposure),
        firmShare: n(s.firmShare),
        firmExposure: n(s.firmExposure),
        leaseAgeS: s.leaseAgeMs === null ? null : s.leaseAgeMs / 1000,
        expired: s.expired,
      })),
    counters: () => leases.stats,
    loss: () => {
      const l = loss?.status();
      return l === undefined ? undefined : { firmLoss: n(l.firmLoss), ownLoss: n(l.ownLoss), limit: n(l.limit) };
    },
  });
}
