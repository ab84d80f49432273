/**
 * `bun run record --config X [--out DIR]`: connects the config's venues for market data only (no
 * strategy, no orders), records every book change and trade into DIR (default engine.record.dir)
 * until Ctrl-C, then writes what is buffered and exits. `type: sim` venues get the simulator child as
 * in `bun run start`; real venues record without keys when they are `type: paper`.
 */
import {
  ConfigError,
  type ConfiguredVenues,
  chooseConfigPath,
  createConfiguredVenues,
  loadConfig,
  redactText,
} from "../engine/index.ts";
import { Codec, Recorder } from "../history/index.ts";
import { createLogger, Rng, SystemClock } from "../services/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../strategy/index.ts";
import { parseToolArgs, str, ToolUsageError } from "./tool-args.ts";

/** Printed with --help and after a command-line error. */
export const RECORD_USAGE = `usage: bun run record [--config <file.yaml>] [--out <dir>] [--snapshot-interval-s N]
  Records the market data of every venue in the config (books and trades; nothing is traded).
  --out                 directory of the recordings (default: engine.record.dir of the config)
  --snapshot-interval-s full book snapshot at least this often (default: engine.record or 600)`;

const OPTIONS = {
  config: { type: "string", short: "c" },
  out: { type: "string" },
  "snapshot-interval-s": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs the recorder until SIGINT/SIGTERM; resolves to the exit code. */
export async function runRecord(argv: readonly string[]): Promise<number> {
  const args = parseToolArgs("record", argv, OPTIONS);
  if (args["help"] === true) {
    console.log(RECORD_USAGE);
    return 0;
  }
  const path = chooseConfigPath(str(args, "config"));
  const loaded = loadConfig(path, { strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES });
  const { config } = loaded;
  const dir = str(args, "out") ?? config.engine.record?.dir;
  if (dir === undefined) throw new ToolUsageError("--out: no directory given and the config has no engine.record.dir");
  const intervalArg = str(args, "snapshot-interval-s");
  const intervalS =
    intervalArg !== undefined ? Number(intervalArg) : (config.engine.record?.snapshot_interval_s ?? 600);
  if (!Number.isInteger(intervalS) || intervalS < 1)
    throw new ToolUsageError(`--snapshot-interval-s: expected a whole number of seconds >= 1, got ${intervalArg}`);
  const clock = new SystemClock();
  const log = createLogger({ clock, format: config.engine.log_format, level: "info", secrets: loaded.secrets });
  const compression = config.engine.record?.compression ?? "zstd";
  const recorder = new Recorder({
    dir,
    clock,
    snapshotIntervalMs: intervalS * 1000,
    sealEveryMs: config.engine.record?.seal_every_ms ?? 5000,
    codec: compression === "gzip" ? Codec.Gzip : compression === "none" ? Codec.None : Codec.Zstd,
  });
  let venues: ConfiguredVenues | undefined;
  try {
    venues = await createConfiguredVenues(config, { clock, rng: new Rng(`record/${clock.nowMs()}`), log });
    for (const adapter of venues.adapters) {
      const vc = config.venues.find((v) => v.name === adapter.name);
      if (vc === undefined) continue;
      await adapter.connect();
      recorder.attach(adapter, vc.symbols);
      await adapter.subscribeQuotes(vc.symbols);
      log.info(`recording ${adapter.name} ${vc.symbols.join(",")} into ${dir}`);
    }
  } catch (e) {
    process.stderr.write(`${redactText(`record: ${(e as Error).message}`, loaded.secrets)}\n`);
    await recorder.close();
    await closeVenues(venues);
    return 1;
  }
  const status = clock.setRepeating(config.engine.status_interval_ms, () => {
    const s = recorder.stats;
    log.info(
      `recorded ${s.updates} updates, ${s.snapshots} snapshots, ${s.trades} trades, ${s.gaps} gaps; ${recorder.sink.stats.storedBytes} bytes written`,
    );
  });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  clock.clearTimer(status);
  await recorder.close();
  await closeVenues(venues);
  const s = recorder.sink.stats;
  log.info(`recording closed: ${s.chunks} chunks, ${s.storedBytes} bytes`, { errors: s.errors });
  return s.errors > 0 ? 1 : 0;
}

async function closeVenues(venues: ConfiguredVenues | undefined): Promise<void> {
  if (venues === undefined) return;
  for (const a of venues.adapters) await a.close().catch(() => {});
  await venues.close();
}

/** A tool failure as the one line a person reads (config errors already list every problem). */
export function toolFailure(tool: string, e: unknown): string {
  if (e instanceof ConfigError) return e.message;
  return `${tool}: ${(e as Error).message}`;
}
