/**
 * `bun run desk`: the desk view from any host, without an engine: connects to the desk's NATS
 * servers, folds the whole desk stream (from its first message) and shows every engine's positions,
 * PnL, fees and open orders and the firm's totals, refreshed until Ctrl-C. `--once` prints one
 * complete view (everything the stream held when asked) and exits; `--json` prints it as JSON for
 * scripts. The servers and stream come from the engine config's `desk` block or from flags.
 */
import { parseArgs } from "node:util";
import { connectDesk, type DeskSnapshot, DeskView, DeskViewFeed } from "../desk/index.ts";
import { createLogger, SystemClock } from "../services/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../strategy/index.ts";
import { ConfigError, chooseConfigPath, loadConfig } from "./config.ts";

/** Printed by --help and after every usage error. */
export const DESK_USAGE = `usage: bun run desk [--servers nats://host:4222[,...]] [--stream NAME] [options]
  -c, --config <file>   an engine config with a desk block (default: $HFT_CONFIG, else config/default.yaml);
                        not read when --servers is given
  --servers <urls>      the desk's NATS servers, comma-separated
  --stream <name>       the desk stream (default: the config's desk.stream.name, else HFT_DESK)
  --token-env <VAR>     environment variable holding the server's auth token
  --once                print the view once everything the stream holds is folded, then exit
  --json                JSON instead of tables
  --interval-ms <n>     refresh period of the console view (default 1000)
  --wait-ms <n>         --once: how long to wait for the stream (default 10000)
  -h, --help`;

const OPTIONS = {
  config: { type: "string", short: "c" },
  servers: { type: "string" },
  stream: { type: "string" },
  "token-env": { type: "string" },
  once: { type: "boolean" },
  json: { type: "boolean" },
  "interval-ms": { type: "string" },
  "wait-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** A command-line mistake: exit 1 with the usage. */
class UsageError extends Error {}

interface DeskArgs {
  readonly servers: readonly string[];
  readonly stream: string;
  readonly tokenEnv: string | undefined;
  readonly once: boolean;
  readonly json: boolean;
  readonly intervalMs: number;
  readonly waitMs: number;
}

function positiveInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 3_600_000) throw new UsageError(`--${flag}: expected 1..3600000, got ${raw}`);
  return n;
}

/** The arguments, with servers and stream from the config when not given. */
function deskArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): DeskArgs | "help" {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help === true) return "help";
  let servers =
    v.servers
      ?.split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "") ?? [];
  let stream = v.stream;
  let tokenEnv = v["token-env"];
  if (servers.length === 0) {
    const path = chooseConfigPath(v.config, env);
    const { config } = loadConfig(path, { strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES });
    if (config.desk === undefined) throw new UsageError(`${path}: no desk block (give --servers, or a desk config)`);
    servers = [...config.desk.nats.servers];
    stream ??= config.desk.stream.name;
    tokenEnv ??= config.desk.nats.token_env;
  }
  for (const s of servers)
    if (!/^(nats|tls):\/\/[^\s/]+$/.test(s)) throw new UsageError(`--servers: ${s} is not a URL like nats://host:4222`);
  return {
    servers,
    stream: stream ?? "HFT_DESK",
    tokenEnv,
    once: v.once === true,
    json: v.json === true,
    intervalMs: positiveInt("interval-ms", v["interval-ms"], 1000),
    waitMs: positiveInt("wait-ms", v["wait-ms"], 10_000),
  };
}

/** Runs the tool; resolves to the exit code. */
export async function runDeskCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  let args: DeskArgs | "help";
  try {
    args = deskArgs(argv, env);
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof ConfigError)) throw e;
    err(`bun run desk: ${(e as Error).message}\n${DESK_USAGE}\n`);
    return 1;
  }
  if (args === "help") {
    out(`${DESK_USAGE}\n`);
    return 0;
  }
  const log = createLogger({ clock: new SystemClock(), format: "text", level: "warn" });
  const nc = await connectDesk(
    { servers: args.servers, name: "desk-view", connect_timeout_ms: 5000, token_env: args.tokenEnv },
    env,
  ).catch((e: Error) => e);
  if (nc instanceof Error) {
    err(`bun run desk: ${nc.message}\n`);
    return 1;
  }
  const view = new DeskView();
  const feed = new DeskViewFeed(nc, args.stream, view, log);
  try {
    if (args.once) return await printOnce(args, feed, view, out, err);
    await refreshUntilSignal(args, feed, view, out);
    return 0;
  } finally {
    await feed.stop();
    await nc.close();
  }
}

/** One complete view: waits until the fold holds everything the stream had when asked. */
async function printOnce(
  args: DeskArgs,
  feed: DeskViewFeed,
  view: DeskView,
  out: (t: string) => void,
  err: (t: string) => void,
): Promise<number> {
  const end = Date.now() + args.waitMs;
  while (!(await feed.caughtUp())) {
    if (Date.now() > end) {
      err(
        `bun run desk: stream ${args.stream} ${feed.stats.streamFound ? "not read to its end" : "not found"} within ${args.waitMs} ms\n`,
      );
      return 2;
    }
    await Bun.sleep(50);
  }
  out(
    args.json ? `${JSON.stringify({ ...view.snapshot(), feed: feed.stats }, null, 2)}\n` : renderDesk(view.snapshot()),
  );
  return 0;
}

async function refreshUntilSignal(args: DeskArgs, feed: DeskViewFeed, view: DeskView, out: (t: string) => void) {
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  while (!stop) {
    const s = view.snapshot();
    if (args.json) out(`${JSON.stringify({ ...s, feed: feed.stats })}\n`);
    else
      out(
        `\x1b[2J\x1b[H${renderDesk(s)}stream ${args.stream}: message ${feed.stats.lastStreamSeq}, ${feed.stats.pending} behind\n`,
      );
    await Bun.sleep(args.intervalMs);
  }
}

/** The view as console tables: positions per engine, open orders per engine, the firm's totals. */
export function renderDesk(s: DeskSnapshot): string {
  const rows: string[][] = [
    ["engine", "venue", "symbol", "position", "realized", "unrealized", "fees", "mark", "open"],
  ];
  for (const e of s.engines) {
    const open = e.openOrders.length;
    if (e.positions.length === 0) rows.push([e.engine, "-", "-", "0", "0", "0", "0", "-", String(open)]);
    for (const p of e.positions)
      rows.push([
        e.engine,
        p.venue,
        p.symbol,
        p.position,
        p.realized,
        p.unrealized ?? "-",
        p.fees,
        p.mark ?? "-",
        String(open),
      ]);
  }
  const firm: string[][] = [["firm", "position", "", "currency", "realized", "unrealized", "fees", "net"]];
  for (const p of s.firm.positions) firm.push([p.symbol, p.position, "", "", "", "", "", ""]);
  for (const p of s.firm.pnl) firm.push(["pnl", "", "", p.currency, p.realized, p.unrealized, p.fees, p.net]);
  const malformed = Object.values(s.stats.malformed).reduce((a, b) => a + b, 0);
  const missing = s.engines.reduce((n, e) => n + e.missing, 0);
  return `${table(rows)}\n${table(firm)}\nopen orders ${s.firm.openOrders}; records ${s.stats.applied}, duplicates ${s.stats.duplicates}, malformed ${malformed}, missing ${missing}\n`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}

if (import.meta.main) process.exit(await runDeskCli(Bun.argv.slice(2)));
