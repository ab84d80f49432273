/**
 * The engine's side of the desk (config `desk`): connects to the desk's NATS servers at start-up,
 * hands the journal a JetStream sink and shares the kill switch with the other engines, so the
 * engine's core logic does not change with the desk on. Desk commands reach the engine through its
 * command queue, like an operator's: the engine stays the single writer of its state.
 */
import {
  connectDesk,
  type DeskKillState,
  DeskKillSwitch,
  type DeskStreamSink,
  DeskViewFeed,
  followDeskLink,
  openDeskStreamSink,
} from "../desk/index.ts";
import type { EngineMetrics } from "../metrics/index.ts";
import type { Clock, Logger } from "../services/index.ts";
import type { Config } from "./config-schema.ts";
import { type EngineDeskLimits, openDeskLimits } from "./desk-limits.ts";
import { type DeskParts, startDeskView } from "./desk-view-host.ts";
import type { Engine } from "./engine.ts";

/** Kills that are the desk's (an operator's, on any engine); other halts (a journal failure, say) stay local. */
const OPERATOR = "operator: ";

/** What the engine holds of its desk while it runs. */
export interface EngineDesk {
  readonly sink: DeskStreamSink;
  readonly kill: DeskKillSwitch;
  /** The firm-wide limit leases (config desk.limits), when configured. */
  readonly limits: EngineDeskLimits | undefined;
  /** What status, metrics and /api/desk read: the link, the stream, the desk view if folded here. */
  readonly parts: DeskParts;
  /** Why the engine must start halted (the desk is killed), if it must. */
  haltAtStart(): string | undefined;
  /** Tells the desk of the engine's own kill or resume (the engine's onKillSwitch). */
  engineKillSwitch(halted: boolean, reason: string): void;
  /** Starts applying the desk's kill switch (and its firm limits) to the engine. */
  attach(engine: Engine, metrics?: EngineMetrics): void;
  /** Waits (bounded) for queued records to reach the stream, then closes the connection. */
  close(timeoutMs: number): Promise<void>;
}

/** Connects to the desk when `desk` is configured (undefined when off); a start-up error names its path. */
export async function openConfiguredDesk(
  config: Config,
  clock: Clock,
  log: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<EngineDesk | undefined> {
  const desk = config.desk;
  if (desk === undefined) return undefined;
  if (!config.engine.journal.enabled)
    throw new Error("desk: needs engine.journal.enabled (the desk stream carries the journal's batches)");
  const nc = await connectDesk(desk.nats, env);
  let sink: DeskStreamSink;
  let kill: DeskKillSwitch;
  let limits: EngineDeskLimits | undefined;
  try {
    sink = await openDeskStreamSink(nc, desk.nats.name, desk.stream, log);
    kill = await DeskKillSwitch.open(nc, desk.nats.name, desk.kill, log);
    if (desk.limits !== undefined) limits = await openDeskLimits(nc, desk.nats.name, desk.limits, kill, clock, log);
  } catch (e) {
    await nc.close();
    throw new Error(`desk: cannot set up the stream, the kill switch or the limits bucket: ${(e as Error).message}`);
  }
  log.info(`desk: ${desk.nats.name} on ${nc.getServer()}, journal to stream ${desk.stream.name}`, {
    killed: kill.state.halted,
  });
  const view = desk.view ? startDeskView((v) => new DeskViewFeed(nc, desk.stream.name, v, log)) : undefined;
  const link = followDeskLink(nc);
  return {
    sink,
    kill,
    limits,
    parts: { engine: desk.nats.name, streamName: desk.stream.name, link, desk: { sink, kill }, view },
    haltAtStart: () => (kill.state.halted ? deskReason(kill.state) : undefined),
    engineKillSwitch(halted, reason) {
      if (halted && reason.startsWith(OPERATOR)) kill.trip(reason.slice(OPERATOR.length), clock.nowMs());
      if (!halted) kill.resume(reason, clock.nowMs());
    },
    attach(engine, metrics) {
      const k = engine.desk.kill;
      // an operator kill this engine journaled but the desk never stored (the bus was down, then the
      // engine died) is newer than the desk's state: it goes to the desk rather than being lifted
      if (k.isHalted() && k.reason().startsWith(OPERATOR) && !kill.state.halted && kill.state.atMs < k.trippedAtMs())
        kill.trip(k.reason().slice(OPERATOR.length), k.trippedAtMs());
      kill.watch((s) => applyDeskKill(engine, s, log));
      limits?.attach(engine, metrics);
    },
    async close(timeoutMs) {
      kill.close();
      await limits?.close(timeoutMs);
      await view?.stop();
      await Promise.race([sink.flushed(), Bun.sleep(timeoutMs)]);
      sink.stop();
      await nc.drain().catch(() => nc.close());
    },
  };
}

function deskReason(s: DeskKillState): string {
  return `desk (${s.by}): ${s.reason}`;
}

/** Hands the engine what the desk's switch now says, as an operator command (idempotent both ways). */
function applyDeskKill(engine: Engine, s: DeskKillState, log: Logger): void {
  const kill = engine.desk.kill;
  if (s.halted && !kill.isHalted()) {
    log.warn(`desk kill switch tripped by ${s.by}: ${s.reason}`);
    engine.commands.submit({ kind: "kill_switch", reason: deskReason(s) });
  } else if (!s.halted && kill.isHalted() && kill.reason().startsWith(OPERATOR) && s.atMs >= kill.trippedAtMs()) {
    log.warn(`desk kill switch lifted by ${s.by}: ${s.reason}`);
    engine.commands.submit({ kind: "resume_trading", reason: deskReason(s) });
  }
}
