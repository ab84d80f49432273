/**
 * `bun run start` after bootstrap: loads the config, starts the venues (and the simulator child),
 * the engine and its HTTP server, and turns SIGINT/SIGTERM into a graceful shutdown. Kept apart
 * from src/main.ts so main can install dependencies before anything here is imported.
 */
import {
  ControlAuth,
  createHttpApp,
  httpOptionsFromEnv,
  type RunningHttpServer,
  type StrategyCatalog,
} from "../command/index.ts";
import { createEngineMetrics } from "../metrics/index.ts";
import { createLogger, type LogFormat, Rng, SystemClock } from "../services/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../strategy/index.ts";
import { ConfigError, controlToken, loadConfig, redactText, resolveConfigPath } from "./config.ts";
import { Engine } from "./engine.ts";
import { type ConfiguredVenues, createConfiguredVenues } from "./venues.ts";

/** Command-line options beyond --config (which config.ts resolves). */
function logFormatArg(argv: readonly string[]): LogFormat | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--log") {
      const v = argv[i + 1];
      if (v !== "json" && v !== "text") throw new Error(`--log: expected "json" or "text", got ${JSON.stringify(v)}`);
      return v;
    }
    if (a?.startsWith("--log=")) {
      const v = a.slice("--log=".length);
      if (v !== "json" && v !== "text") throw new Error(`--log: expected "json" or "text", got ${JSON.stringify(v)}`);
      return v;
    }
  }
  return undefined;
}

const USAGE = `usage: bun run start [--config <file.yaml>] [--log text|json]
  --config   config file (default: $HFT_CONFIG, else config/default.yaml)
  --log      console format: readable text lines (default) or one JSON object per line`;

/** Runs the engine until a signal; resolves to the process exit code. */
export async function runEngine(argv: readonly string[] = Bun.argv.slice(2)): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let path = "(unresolved)";
  let secrets: readonly string[] = [];
  let venues: ConfiguredVenues | undefined;
  let http: RunningHttpServer | undefined;
  let engine: Engine | undefined;
  const clock = new SystemClock();
  let log = createLogger({ clock, format: "text" });
  try {
    path = resolveConfigPath(argv);
    const loaded = loadConfig(path, { strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES });
    const config = loaded.config;
    secrets = loaded.secrets;
    const format = logFormatArg(argv) ?? config.engine.log_format;
    log = createLogger({ clock, format, level: config.engine.log_level, secrets });
    log.info(`config ${path}`, {
      venues: config.venues.map((v) => `${v.name}(${v.type})`).join(","),
      strategy: config.strategy.type,
    });
    const rng = new Rng(`${config.engine.client_id_prefix}/${clock.nowMs()}/${process.pid}`);
    const metrics = createEngineMetrics();
    venues = await createConfiguredVenues(config, { clock, rng, log });
    engine = new Engine({ config, clock, rng, adapters: venues.adapters, log, metrics });
    const running = engine;
    let signalled: Promise<number> | undefined;
    const stopped = new Promise<number>((resolve) => {
      let stoppingSinceMs = 0;
      const onSignal = (signal: string) => {
        // `timeout` and some shells deliver one Ctrl-C twice at once: only a later one means "now"
        if (stoppingSinceMs > 0 && clock.nowMs() - stoppingSinceMs < 1000) return;
        if (stoppingSinceMs > 0) {
          log.warn(`${signal} again: exiting without waiting`);
          void venues?.close();
          process.exit(130);
        }
        stoppingSinceMs = clock.nowMs();
        signalled = shutdown(signal);
        void signalled.then(resolve);
      };
      process.on("SIGINT", () => onSignal("SIGINT"));
      process.on("SIGTERM", () => onSignal("SIGTERM"));
    });
    const shutdown = async (reason: string): Promise<number> => {
      const report = await running.stop(reason);
      await http?.stop().catch(() => {});
      await venues?.close();
      const clean = report.openOrders === 0 && report.venueOpenOrders === 0;
      log.info(clean ? "shutdown complete: no open orders left" : "shutdown finished with orders still open", {
        ...report,
      });
      return clean ? 0 : 3;
    };
    if (config.http.enabled) {
      const catalog: StrategyCatalog = {
        paramsValidator: (name) => {
          const st = running.strategy;
          return st !== undefined && st.name === name ? (body) => st.validateParams(body) : undefined;
        },
      };
      const app = createHttpApp({
        metrics,
        status: running,
        strategies: catalog,
        commands: running.commands,
        auth: new ControlAuth(controlToken(config), config.http.control_token_env),
      });
      const { startHttpServer } = await import("../command/index.ts");
      try {
        http = startHttpServer(
          app,
          httpOptionsFromEnv(process.env, { host: config.http.host, port: config.http.port }),
        );
      } catch (e) {
        throw new Error(`http server on ${config.http.host}:${config.http.port}: ${(e as Error).message}`);
      }
      log.info(`http server ${http.url} (/metrics /health /ready /api/status)`);
    }
    try {
      await running.start();
    } catch (e) {
      // Ctrl-C during start-up: the shutdown it started decides the exit code
      if (signalled !== undefined) return await signalled;
      throw e;
    }
    return await stopped;
  } catch (e) {
    const msg = e instanceof ConfigError ? e.message : `start-up failed (config ${path}): ${(e as Error).message}`;
    process.stderr.write(`${redactText(msg, secrets)}\n`);
    if (engine !== undefined && engine.state !== "created") await engine.stop("start-up error").catch(() => {});
    await http?.stop().catch(() => {});
    await venues?.close().catch(() => {});
    return 1;
  }
}
