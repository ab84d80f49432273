/**
 * `bun run sim`: runs the exchange simulator as its own process and prints its URLs and test keys,
 * once as a readable block and once as a `SIM_READY {json}` line the engine parses when it spawns
 * the simulator as a child process. Exits cleanly on SIGINT/SIGTERM. With `--venues binance,okx`
 * it runs several venues on one shared fair value (startMultiSim) and SIM_READY lists them all.
 */
import { parseArgs } from "node:util";
import { type MultiSimVenueSpec, SIM_PROTOCOLS, type SimProtocol, startMultiSim, startSim } from "./index.ts";

/** Parsed CLI flags. */
interface CliOptions {
  port: number;
  adminPort: number;
  seed: string;
  symbols: string[] | undefined;
  speed: number;
  adminToken?: string;
  /** Set by --venues: run several venues on one fair value. */
  venues?: MultiSimVenueSpec[];
}

/** `name=value` pairs of a per-venue flag ("okx=250,bin=0"), errors naming the flag. */
function perVenue(flag: string, s: string | undefined, names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (s === undefined) return out;
  for (const part of s.split(",").filter((p) => p.length > 0)) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq);
    if (eq <= 0 || !names.includes(name))
      throw new Error(`--${flag}: expected venue=value with a venue of --venues, got ${JSON.stringify(part)}`);
    out.set(name, part.slice(eq + 1));
  }
  return out;
}

/** The --venues list ("binance,okx" or "a:binance,b:okx") with its per-venue flags. */
function venueSpecs(values: Record<string, string | boolean | undefined>): MultiSimVenueSpec[] {
  const list = String(values["venues"] ?? "")
    .split(",")
    .filter((v) => v.length > 0);
  if (list.length === 0) throw new Error("--venues: expected a list like binance,okx");
  const parsed = list.map((item) => {
    const [a, b] = item.split(":");
    const protocol = (b ?? a ?? "") as SimProtocol;
    if (!SIM_PROTOCOLS.includes(protocol))
      throw new Error(`--venues: ${JSON.stringify(item)}: protocol must be one of ${SIM_PROTOCOLS.join(", ")}`);
    return { name: b === undefined ? protocol : (a ?? ""), protocol };
  });
  const names = parsed.map((v) => v.name);
  const num = (flag: string, s: string, max: number): number => {
    const n = Number(s);
    if (s.trim() === "" || !Number.isFinite(n) || n < 0 || n > max)
      throw new Error(`--${flag}: expected a number 0-${max}, got ${JSON.stringify(s)}`);
    return n;
  };
  const lags = perVenue("lag-ms", values["lag-ms"] as string | undefined, names);
  const fees = perVenue("fees", values["fees"] as string | undefined, names);
  const noise = values["noise-bps"] === undefined ? undefined : num("noise-bps", String(values["noise-bps"]), 1000);
  return parsed.map((v) => {
    const lag = lags.get(v.name);
    const fee = fees.get(v.name);
    let feeSpec: { maker: string; taker: string } | undefined;
    if (fee !== undefined) {
      const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(fee);
      if (m === null) throw new Error(`--fees: ${v.name}: expected maker:taker like 0.0002:0.0005, got ${fee}`);
      feeSpec = { maker: m[1] ?? "0", taker: m[2] ?? "0" };
    }
    return {
      ...v,
      ...(lag !== undefined ? { lagMs: num("lag-ms", lag, 10_000) } : {}),
      ...(noise !== undefined ? { noiseBps: noise } : {}),
      ...(feeSpec !== undefined ? { fees: feeSpec } : {}),
    };
  });
}

/** Parses the CLI flags (errors name the flag). */
function options(): CliOptions {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      port: { type: "string", default: "0" },
      "admin-port": { type: "string", default: "0" },
      "admin-token": { type: "string" },
      seed: { type: "string", default: "sim" },
      symbols: { type: "string" },
      speed: { type: "string", default: "1" },
      venues: { type: "string" },
      "lag-ms": { type: "string" },
      "noise-bps": { type: "string" },
      fees: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      [
        "usage: bun run sim [--port 0] [--admin-port 0] [--admin-token T] [--seed sim] [--symbols BTCUSDT,ETHUSDT] [--speed 1]",
        "       [--venues binance,okx | a:binance,b:okx] [--lag-ms okx=250] [--noise-bps 2] [--fees okx=0.0002:0.0005]",
        "  --venues runs several venues on one shared fair value; --port/--admin-port then number them upwards",
        "  and --admin-token guards every venue's admin port.",
      ].join("\n"),
    );
    process.exit(0);
  }
  const int = (name: string, s: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`--${name}: expected a port number 0-65535, got ${JSON.stringify(s)}`);
    return n;
  };
  const token = values["admin-token"];
  if (token !== undefined && !/^\S+$/.test(token))
    throw new Error("--admin-token: expected a non-empty token without whitespace");
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
    ...(values.venues !== undefined ? { venues: venueSpecs(values) } : {}),
  };
}

/** Runs several venues on one fair value; prints a block per venue and one SIM_READY with a venues array. */
async function mainMulti(opts: CliOptions, venues: MultiSimVenueSpec[]): Promise<() => Promise<void>> {
  const sim = await startMultiSim({
    seed: opts.seed,
    speed: opts.speed,
    ...(opts.symbols !== undefined ? { symbols: opts.symbols } : {}),
    venues: venues.map((v, i) => ({
      ...v,
      port: opts.port === 0 ? 0 : opts.port + i,
      adminPort: opts.adminPort === 0 ? 0 : opts.adminPort + i,
      // one --admin-token guards every venue's admin port (each port still checks it on its own)
      ...(opts.adminToken !== undefined ? { adminToken: opts.adminToken } : {}),
    })),
  });
  const symbols = sim.fairValue.symbols();
  const lines = [`Exchange simulator: ${sim.venues.length} venues on one shared fair value`];
  for (const v of sim.info()) {
    const knobs = `fees maker ${v.fees.maker} taker ${v.fees.taker}, lag ${v.lagMs} ms, noise ${v.noiseBps} bps`;
    if (v.protocol === "binance") {
      lines.push(
        `  [${v.name}] Binance Spot API (${knobs})`,
        `    REST        ${v.restUrl}/api/v3/...`,
        `    Streams     ${v.streamUrl}/ws/<stream>  ${v.streamUrl}/stream?streams=a/b`,
        `    WS API      ${v.wsApiUrl}`,
        `    Admin       ${v.adminUrl}/admin/<function>  (Authorization: Bearer ${v.adminToken})`,
        `    API key     ${v.apiKey}`,
        `    API secret  ${v.apiSecret}`,
      );
    } else {
      lines.push(
        `  [${v.name}] OKX v5 API (${knobs})`,
        `    REST        ${v.restUrl}/api/v5/...`,
        `    WS public   ${v.wsPublicUrl}`,
        `    WS private  ${v.wsPrivateUrl}`,
        `    Admin       ${v.adminUrl}/admin/<function>  (Authorization: Bearer ${v.adminToken})`,
        `    API key     ${v.apiKey}`,
        `    API secret  ${v.apiSecret}`,
        `    Passphrase  ${v.passphrase}`,
      );
    }
  }
  lines.push(`  Seed ${sim.seed}   Symbols ${symbols.join(",")}`);
  console.log(lines.join("\n"));
  console.log(`SIM_READY ${JSON.stringify({ seed: sim.seed, symbols, pid: process.pid, venues: sim.info() })}`);
  return () => sim.close();
}

async function main(): Promise<void> {
  let opts: CliOptions;
  try {
    opts = options();
  } catch (e) {
    console.error(`sim: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  const close = opts.venues !== undefined ? await mainMulti(opts, opts.venues) : await mainSingle(opts);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`sim: ${signal}, shutting down`);
    void close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

/** One Binance-protocol venue (the original output, unchanged). */
async function mainSingle(opts: CliOptions): Promise<() => Promise<void>> {
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
  return () => sim.close();
}

await main();
