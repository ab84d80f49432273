/**
 * `bun run start` after bootstrap: loads the config, starts the venues (and the simulator child),
 * the engine and its HTTP server, and turns SIGINT/SIGTERM into a graceful shutdown. Kept apart
 * from src/main.ts so main can install dependencies before anything here is imported.
 */
import {
  ControlAuth,
  createHttpApp,
  type HttpApp,
  httpOptionsFromEnv,
  type RunningHttpServer,
  type StatusSource,
  type StrategyCatalog,
  startHttpServer,
} from "../command/index.ts";
import { Journal, type JournalSink, SqliteJournal } from "../journal/index.ts";
import { createEngineMetrics, type EngineMetrics, registerDeskMetrics } from "../metrics/index.ts";
import { type Clock, createLogger, type Logger, Rng, SystemClock } from "../services/index.ts";
import { paramsJsonSchema, STRATEGY_TYPES, strategyParamsSchema } from "../strategy/index.ts";
import { ENGINE_USAGE, type EngineArgs, parseEngineArgs, UsageError } from "./cli.ts";
import { ConfigError, chooseConfigPath, type LoadedConfig, loadConfig, redactText } from "./config.ts";
import type { Config } from "./config-schema.ts";
import { type EngineDesk, openConfiguredDesk } from "./desk-bus.ts";
import { deskMetricsOf, deskStatusOf } from "./desk-view-host.ts";
import { Engine } from "./engine.ts";
import { type ResolvedStrategy, resolveStrategy } from "./strategy-source.ts";
import { type ConfiguredVenues, createConfiguredVenues } from "./venues.ts";

/** What a run has started so far, so a failed start-up closes exactly that and a signal finds it. */
interface Started {
  venues?: ConfiguredVenues;
  engine?: Engine;
  http?: RunningHttpServer;
  journal?: Journal;
  desk?: EngineDesk;
}

/** The journal file: HFT_JOURNAL_PATH (an operator's or a test's override), else engine.journal.path. */
export function journalPath(config: Config, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env.HFT_JOURNAL_PATH;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : config.engine.journal.path;
}

/** Opens the configured journal (or none when disabled); throws a start-up error naming the file. */
export function openConfiguredJournal(
  config: Config,
  clock: Clock,
  log: Logger,
  metrics: EngineMetrics | undefined,
  path = journalPath(config),
  sinks: readonly JournalSink[] = [],
): { journal: Journal; store: SqliteJournal } | undefined {
  const j = config.engine.journal;
  if (!j.enabled) return undefined;
  const store = SqliteJournal.open(path, { synchronous: j.synchronous });
  if (store.created) log.info(`journal ${store.path} created (a new file: nothing to restore)`);
  if (store.migrated.length > 0 && !store.created)
    log.info(`journal ${store.path} upgraded to schema ${store.migrated.join(", ")}`);
  const journal = new Journal({
    primary: store,
    clock,
    log,
    ...(metrics !== undefined ? { metrics: metrics.journal } : {}),
    commitIntervalMs: j.commit_interval_ms,
    maxQueue: j.max_queue,
    maxFailingMs: j.max_failing_ms,
    sinks,
  });
  return { journal, store };
}

/** How long a shutdown waits for the journal's last records to reach the desk's stream. */
const DESK_FLUSH_MS = 2000;

/** How a run ends on a signal: `stopped` when its shutdown finished; `signalled` once one began. */
interface SignalStop {
  readonly stopped: Promise<number>;
  signalled(): Promise<number> | undefined;
}

/** Runs the engine until a signal; resolves to the process exit code. */
export async function runEngine(argv: readonly string[] = Bun.argv.slice(2)): Promise<number> {
  const args = commandLine(argv);
  if (typeof args === "number") return args;
  const clock = new SystemClock();
  const started: Started = {};
  let path = "(unresolved)";
  let secrets: readonly string[] = [];
  try {
    path = chooseConfigPath(args.config);
    const loaded = loadConfig(path, { strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES });
    secrets = loaded.secrets;
    // a strategy file loads before anything starts: a bad one costs no simulator or venue connection
    const strategy = await resolveStrategy(loaded.config, loaded.file);
    const log = configuredLogger(loaded, strategy, args, clock);
    return await runConfigured(loaded, strategy, clock, log, started);
  } catch (e) {
    return await failStartUp(e, path, secrets, started);
  }
}

/** The parsed arguments, or the exit code when there is nothing to run (--help, or a usage error). */
function commandLine(argv: readonly string[]): EngineArgs | number {
  try {
    const args = parseEngineArgs(argv);
    if (!args.help) return args;
    console.log(ENGINE_USAGE);
    return 0;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bun run start: ${e.message}\n${ENGINE_USAGE}\n`);
    return 1;
  }
}

/** The logger the config asks for (--log wins), masking the config's secrets, and its first line. */
function configuredLogger(loaded: LoadedConfig, strategy: ResolvedStrategy, args: EngineArgs, clock: Clock): Logger {
  const { config, secrets, file } = loaded;
  const format = args.log ?? config.engine.log_format;
  const log = createLogger({ clock, format, level: config.engine.log_level, secrets });
  log.info(`config ${file}`, {
    venues: config.venues.map((v) => `${v.name}(${v.type})`).join(","),
    strategy: strategy.definition.kind,
    ...(strategy.module !== undefined ? { module: strategy.module } : {}),
  });
  return log;
}

/** Starts venues, engine and HTTP server in that order, then waits for a signal to stop them. */
async function runConfigured(
  loaded: LoadedConfig,
  strategy: ResolvedStrategy,
  clock: Clock,
  log: Logger,
  started: Started,
): Promise<number> {
  const { config } = loaded;
  const rng = new Rng(`${config.engine.client_id_prefix}/${clock.nowMs()}/${process.pid}`);
  const metrics = createEngineMetrics();
  const desk = await openConfiguredDesk(config, clock, log);
  if (desk !== undefined) started.desk = desk;
  const journal = openConfiguredJournal(config, clock, log, metrics, journalPath(config), desk ? [desk.sink] : []);
  if (journal !== undefined) started.journal = journal.journal;
  const venues = await createConfiguredVenues(config, { clock, rng, log });
  started.venues = venues;
  const engine = new Engine({
    config,
    clock,
    rng,
    adapters: venues.adapters,
    log,
    metrics,
    strategy,
    ...(journal !== undefined ? { journal } : {}),
    ...(desk !== undefined
      ? { onKillSwitch: (h: boolean, r: string) => desk.engineKillSwitch(h, r), haltAtStart: () => desk.haltAtStart() }
      : {}),
    ...(desk?.limits !== undefined ? { deskLimitsStatus: desk.limits.status } : {}),
  });
  started.engine = engine;
  desk?.attach(engine, metrics);
  if (desk !== undefined) registerDeskMetrics(metrics.registry, () => deskMetricsOf(desk.parts, Date.now()));
  const signals = stopOnSignals(clock, log, started, (reason) => shutdown(engine, started, log, reason));
  if (config.http.enabled) started.http = startHttp(loaded, strategy, engine, metrics, log, journal?.store, desk);
  try {
    await engine.start();
  } catch (e) {
    // Ctrl-C during start-up: the shutdown it started decides the exit code
    const signalled = signals.signalled();
    if (signalled !== undefined) return await signalled;
    throw e;
  }
  return await signals.stopped;
}

/** SIGINT/SIGTERM start one graceful shutdown; a second signal a second or more later exits at once (130). */
function stopOnSignals(
  clock: Clock,
  log: Logger,
  started: Started,
  shutdown: (reason: string) => Promise<number>,
): SignalStop {
  let signalled: Promise<number> | undefined;
  const stopped = new Promise<number>((resolve) => {
    let stoppingSinceMs = 0;
    const onSignal = (signal: string) => {
      // `timeout` and some shells deliver one Ctrl-C twice at once: only a later one means "now"
      if (stoppingSinceMs > 0 && clock.nowMs() - stoppingSinceMs < 1000) return;
      if (stoppingSinceMs > 0) {
        log.warn(`${signal} again: exiting without waiting`);
        void started.venues?.close();
        process.exit(130);
      }
      stoppingSinceMs = clock.nowMs();
      signalled = shutdown(signal);
      void signalled.then(resolve);
    };
    process.on("SIGINT", () => onSignal("SIGINT"));
    process.on("SIGTERM", () => onSignal("SIGTERM"));
  });
  return { stopped, signalled: () => signalled };
}

/** Stops the engine (cancelling every order), then the HTTP server and venues; 3 when orders stayed open. */
async function shutdown(engine: Engine, started: Started, log: Logger, reason: string): Promise<number> {
  const report = await engine.stop(reason);
  await started.http?.stop().catch(() => {});
  await started.venues?.close();
  started.journal?.close();
  await started.desk?.close(DESK_FLUSH_MS);
  const clean = report.openOrders === 0 && report.venueOpenOrders === 0;
  log.info(clean ? "shutdown complete: no open orders left" : "shutdown finished with orders still open", {
    ...report,
  });
  return clean ? 0 : 3;
}

/**
 * Serves monitoring and control over HTTP; the control routes only enqueue commands for the engine
 * and take the token the config load read (from the variable or its _FILE); the journal's read
 * routes query its store.
 */
function startHttp(
  loaded: LoadedConfig,
  strategy: ResolvedStrategy,
  engine: Engine,
  metrics: EngineMetrics,
  log: Logger,
  journal: SqliteJournal | undefined,
  desk: EngineDesk | undefined,
): RunningHttpServer {
  const { config } = loaded;
  const auth = new ControlAuth(loaded.controlToken, config.http.control_token_env);
  const app = engineHttpApp({
    engine,
    strategy,
    metrics,
    auth,
    ...(journal !== undefined ? { journal } : {}),
    ...(desk !== undefined ? { desk } : {}),
  });
  let http: RunningHttpServer;
  try {
    http = startHttpServer(app, httpOptionsFromEnv(process.env, { host: config.http.host, port: config.http.port }));
  } catch (e) {
    throw new Error(`http server on ${config.http.host}:${config.http.port}: ${(e as Error).message}`);
  }
  log.info(httpBanner(http.url, auth, journal !== undefined, desk?.parts.view !== undefined), {
    docs: `${http.url}/docs`,
    control: auth.enabled ? "enabled" : "disabled",
  });
  return http;
}

/** What the engine's HTTP app serves. */
export interface EngineHttpAppDeps {
  readonly engine: Engine;
  readonly strategy: ResolvedStrategy;
  readonly metrics: EngineMetrics;
  readonly auth: ControlAuth;
  /** The journal's reads (/api/fills, /api/orders, /api/pnl), when the engine journals. */
  readonly journal?: SqliteJournal;
  /** The desk (its part of /api/status; /api/desk when it folds the desk view). */
  readonly desk?: EngineDesk;
}

/**
 * The HTTP app `bun run start` serves for an engine: monitoring, and control routes that check a
 * parameter update through the running strategy's guard and describe it by the strategy's own schema.
 */
export function engineHttpApp(deps: EngineHttpAppDeps): HttpApp {
  const { engine, strategy } = deps;
  const catalog: StrategyCatalog = { paramsValidator: (name) => engine.strategyParamsValidator(name) };
  return createHttpApp({
    metrics: deps.metrics,
    status: deps.desk === undefined ? engine : withDeskStatus(engine, deps.desk),
    strategies: catalog,
    commands: engine.commands,
    auth: deps.auth,
    strategyParamSchemas: { [strategy.definition.kind]: paramsJsonSchema(strategy.definition.paramsSchema) },
    ...(deps.journal !== undefined ? { journal: deps.journal } : {}),
    ...(deps.desk?.parts.view !== undefined ? { desk: deps.desk.parts.view } : {}),
  });
}

/** The engine's status with the desk's part added (the engine itself does not know its desk). */
function withDeskStatus(engine: Engine, desk: EngineDesk): StatusSource {
  return {
    status: () => ({ ...engine.status(), desk: deskStatusOf(desk.parts, Date.now()) }),
    readiness: () => engine.readiness(),
  };
}

/** The start-up line an operator reads first: where the API and its docs are, and whether control is on. */
export function httpBanner(url: string, auth: ControlAuth, journal = false, deskView = false): string {
  const control = auth.enabled
    ? `control API enabled (bearer token from ${auth.envName})`
    : `control API disabled (set ${auth.envName} or ${auth.envName}_FILE to a token of 16+ characters)`;
  const reads = `${journal ? " /api/fills /api/orders /api/pnl" : ""}${deskView ? " /api/desk" : ""}`;
  return `http server ${url} (/docs /openapi.json /metrics /health /ready /api/status${reads}); ${control}`;
}

/** Reports a failed start-up (secrets masked) and closes whatever had started; exit code 1. */
async function failStartUp(e: unknown, path: string, secrets: readonly string[], started: Started): Promise<number> {
  const msg = e instanceof ConfigError ? e.message : `start-up failed (config ${path}): ${(e as Error).message}`;
  process.stderr.write(`${redactText(msg, secrets)}\n`);
  const { engine, http, venues, journal, desk } = started;
  if (engine !== undefined && engine.state !== "created") await engine.stop("start-up error").catch(() => {});
  await http?.stop().catch(() => {});
  await venues?.close().catch(() => {});
  journal?.close();
  await desk?.close(DESK_FLUSH_MS).catch(() => {});
  return 1;
}
