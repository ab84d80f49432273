/**
 * `bun run sim`: runs the exchange simulator as its own process and prints its URLs and test keys,
 * once as a readable block and once as a `SIM_READY {json}` line the engine parses when it spawns
 * the simulator as a child process. Exits cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { startSim } from "./index.ts";

/** Parses the CLI flags (errors name the flag). */
function options(): {
  port: number;
  adminPort: number;
  seed: string;
  symbols: string[] | undefined;
  speed: number;
  adminToken?: string;
} {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      port: { type: "string", default: "0" },
      "admin-port": { type: "string", default: "0" },
      "admin-token": { type: "string" },
      seed: { type: "string", default: "sim" },
      symbols: { type: "string" },
      speed: { type: "string", default: "1" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "usage: bun run sim [--port 0] [--admin-port 0] [--admin-token T] [--seed sim] [--symbols BTCUSDT,ETHUSDT] [--speed 1]",
    );
    process.exit(0);
  }
  const int = (name: string, s: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`--${name}: expected a port number 0-65535, got ${JSON.stringify(s)}`);
    return n;
  };
  const speed = Number(values.speed);
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new Error(`--speed: expected a positive number, got ${JSON.stringify(values.speed)}`);
  return {
    port: int("port", values.port),
    adminPort: int("admin-port", values["admin-port"]),
    seed: values.seed,
    symbols: values.symbols === undefined ? undefined : values.symbols.split(",").filter((s) => s.length > 0),
    speed,
    ...(values["admin-token"] !== undefined ? { adminToken: values["admin-token"] } : {}),
  };
}

async function main(): Promise<void> {
  let opts: ReturnType<typeof options>;
  try {
    opts = options();
  } catch (e) {
    console.error(`sim: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  const sim = await startSim({
    port: opts.port,
    adminPort: opts.adminPort,
    seed: opts.seed,
    speed: opts.speed,
    ...(opts.symbols !== undefined ? { symbols: opts.symbols } : {}),
    ...(opts.adminToken !== undefined ? { adminToken: opts.adminToken } : {}),
  });
  const info = {
    restUrl: sim.restUrl,
    streamUrl: sim.streamUrl,
    wsApiUrl: sim.wsApiUrl,
    adminUrl: sim.adminUrl,
    adminToken: sim.adminToken,
    apiKey: sim.apiKey,
    apiSecret: sim.apiSecret,
    seed: sim.seed,
    symbols: sim.exchange.symbols().map((s) => s.name),
    pid: process.pid,
  };
  console.log(
    [
      "Exchange simulator (Binance Spot API) running",
      `  REST        ${info.restUrl}/api/v3/...`,
      `  Streams     ${info.streamUrl}/ws/<stream>  ${info.streamUrl}/stream?streams=a/b`,
      `  WS API      ${info.wsApiUrl}`,
      `  Admin       ${info.adminUrl}/admin/<function>  (Authorization: Bearer ${info.adminToken})`,
      `  API key     ${info.apiKey}`,
      `  API secret  ${info.apiSecret}`,
      `  Seed ${info.seed}   Symbols ${info.symbols.join(",")}`,
    ].join("\n"),
  );
  console.log(`SIM_READY ${JSON.stringify(info)}`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`sim: ${signal}, shutting down`);
    void sim.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

await main();
