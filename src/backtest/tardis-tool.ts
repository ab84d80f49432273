/**
 * `bun run tardis import|export`: converts Tardis.dev CSV files into recordings once (so every
 * backtest reads the fast binary format), and recordings back into Tardis CSV. Prints what it did as
 * JSON, with every data issue counted and the first ones named by file and line. Exit codes: 0 clean,
 * 2 finished but skipped bad input (--on-error skip), 1 stopped (usage, --on-error stop, I/O).
 */
import { exportTardis, importTardis } from "../history/index.ts";
import { parseToolArgs, str, ToolUsageError } from "./tool-args.ts";

/** Printed with --help and after a command-line error. */
export const TARDIS_USAGE = `usage:
  bun run tardis import --venue NAME --symbol BTC-USDT --tick 0.01 --lot 0.00001 --out DIR
                        [--book FILE.csv.gz] [--trades FILE.csv.gz] [--venue-symbol BTCUSDT] [--on-error skip|stop]
  bun run tardis export --data DIR --venue NAME --symbol BTC-USDT --out DIR [--exchange binance]
  Import turns incremental_book_L2 and trades CSV (plain or .gz) into recordings under --out/<venue>/<symbol>/;
  --tick and --lot are the instrument's tick and lot size (prices and amounts must lie on them).`;

const OPTIONS = {
  book: { type: "string" },
  trades: { type: "string" },
  out: { type: "string" },
  data: { type: "string" },
  venue: { type: "string" },
  symbol: { type: "string" },
  "venue-symbol": { type: "string" },
  exchange: { type: "string" },
  tick: { type: "string" },
  lot: { type: "string" },
  "on-error": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function need(args: Record<string, unknown>, key: string): string {
  const v = args[key];
  if (typeof v !== "string") throw new ToolUsageError(`--${key} is required`);
  return v;
}

/** Runs `tardis import` or `tardis export`; resolves to the exit code. */
export async function runTardis(argv: readonly string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const args = parseToolArgs("tardis", rest, OPTIONS);
  if (args["help"] === true || verb === "--help" || verb === "-h") {
    console.log(TARDIS_USAGE);
    return 0;
  }
  const policy = str(args, "on-error") ?? "skip";
  if (policy !== "skip" && policy !== "stop")
    throw new ToolUsageError(`--on-error: expected skip or stop, got ${policy}`);
  if (verb === "import") {
    const book = str(args, "book");
    const trades = str(args, "trades");
    const venueSymbol = str(args, "venue-symbol");
    const report = await importTardis({
      ...(book !== undefined ? { book } : {}),
      ...(trades !== undefined ? { trades } : {}),
      ...(venueSymbol !== undefined ? { venueSymbol } : {}),
      out: need(args, "out"),
      venue: need(args, "venue"),
      symbol: need(args, "symbol"),
      tick: need(args, "tick"),
      lot: need(args, "lot"),
      policy,
    });
    console.log(
      JSON.stringify({ ...report, sizeRatio: report.bytesIn > 0 ? report.bytesOut / report.bytesIn : 0 }, null, 2),
    );
    return report.skippedRows > 0 ? 2 : 0;
  }
  if (verb === "export") {
    const exchange = str(args, "exchange");
    const report = await exportTardis({
      dir: need(args, "data"),
      venue: need(args, "venue"),
      symbol: need(args, "symbol"),
      out: need(args, "out"),
      policy,
      ...(exchange !== undefined ? { exchange } : {}),
    });
    console.log(JSON.stringify(report, null, 2));
    return Object.keys(report.issues).length > 0 ? 2 : 0;
  }
  throw new ToolUsageError(`expected "import" or "export", got ${JSON.stringify(verb)}`);
}
