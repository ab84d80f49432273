/**
 * The engine's side of the desk (config `desk`): connects to the desk's NATS servers at start-up and
 * hands the journal a JetStream sink, so the engine's core logic does not change with the desk on.
 */
import { connectDesk, type DeskStreamSink, openDeskStreamSink } from "../desk/index.ts";
import type { Logger } from "../services/index.ts";
import type { Config } from "./config-schema.ts";

/** What the engine holds of its desk while it runs. */
export interface EngineDesk {
  readonly sink: DeskStreamSink;
  /** Waits (bounded) for queued records to reach the stream, then closes the connection. */
  close(timeoutMs: number): Promise<void>;
}

/** Connects to the desk when `desk` is configured (undefined when off); a start-up error names its path. */
export async function openConfiguredDesk(
  config: Config,
  log: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<EngineDesk | undefined> {
  const desk = config.desk;
  if (desk === undefined) return undefined;
  if (!config.engine.journal.enabled)
    throw new Error("desk: needs engine.journal.enabled (the desk stream carries the journal's batches)");
  const nc = await connectDesk(desk.nats, env);
  try {
    const sink = await openDeskStreamSink(nc, desk.nats.name, desk.stream, log);
    log.info(`desk: ${desk.nats.name} on ${nc.getServer()}, journal to stream ${desk.stream.name}`);
    return {
      sink,
      async close(timeoutMs) {
        await Promise.race([sink.flushed(), Bun.sleep(timeoutMs)]);
        sink.stop();
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (e) {
    await nc.close();
    throw new Error(`desk.stream: cannot set up stream ${desk.stream.name}: ${(e as Error).message}`);
  }
}
