/**
 * `bun run journal`: reads a journal from outside the engine (it may be running: the file is opened
 * read only, WAL lets both go on), for accounting and audits: `export fills|orders|pnl` as CSV or
 * JSON with the API's filters, and `info`. Arguments are parsed strictly (node:util parseArgs): a
 * mistyped flag stops the tool with a message naming it.
 */
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { fillQueryOf, orderQueryOf, pnlQueryOf, QueryParamError } from "../command/index.ts";
import { JournalOpenError, SqliteJournal } from "../journal/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../strategy/index.ts";
import type { JournalPage } from "../types/index.ts";
import { chooseConfigPath, loadConfig } from "./config.ts";
import { journalPath } from "./main.ts";

/** Printed by --help and after every usage error. */
export const JOURNAL_USAGE = `usage: bun run journal export fills|orders|pnl [options]
       bun run journal info [--journal <file> | --config <file>]
  --journal <file>    the journal (default: $HFT_JOURNAL_PATH, else engine.journal.path of the config)
  -c, --config <file> the engine's config (default: $HFT_CONFIG, else config/default.yaml)
  --since <t>         from: a UTC day (2026-12-01), an ISO time or epoch ms (fills: venue time; orders:
  --until <t>         creation time; pnl: days, both ends included)
  --venue <name>  --symbol <BTC-USDT>  --client-id <id> (fills, orders)  --state <state> (orders)
  --format csv|json   default csv
  -o, --output <file> default stdout
  -h, --help`;

const OPTIONS = {
  journal: { type: "string" },
  config: { type: "string", short: "c" },
  since: { type: "string" },
  until: { type: "string" },
  venue: { type: "string" },
  symbol: { type: "string" },
  "client-id": { type: "string" },
  state: { type: "string" },
  format: { type: "string" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "string" ? string : boolean };

/** A command-line mistake: exit 1 with the usage. */
class UsageError extends Error {}

const KINDS = ["fills", "orders", "pnl"] as const;
type Kind = (typeof KINDS)[number];

/** The columns of each export, in the order of the API's rows. */
const COLUMNS: Record<Kind, readonly string[]> = {
  fills: [
    "id",
    "venue",
    "symbol",
    "tradeId",
    "clientId",
    "venueOrderId",
    "side",
    "price",
    "qty",
    "fee",
    "feeAsset",
    "isMaker",
    "venueTimeMs",
    "localTimeMs",
    "source",
    "estimated",
    "realizedPnl",
    "feeQuote",
    "currency",
    "runId",
  ],
  orders: [
    "clientId",
    "runId",
    "venue",
    "symbol",
    "side",
    "type",
    "tif",
    "price",
    "qty",
    "filledQty",
    "state",
    "venueOrderId",
    "strategy",
    "rejectReason",
    "createdMs",
    "updatedMs",
  ],
  pnl: ["day", "venue", "symbol", "currency", "realized", "fees", "net", "fills"],
};

/** Which flags each kind of export takes. */
const FLAGS: Record<Kind, readonly string[]> = {
  fills: ["venue", "symbol", "client-id", "since", "until"],
  orders: ["venue", "symbol", "client-id", "state", "since", "until"],
  pnl: ["venue", "symbol", "since", "until"],
};

/** Runs the tool; resolves to the exit code (0 done, 1 usage or journal error). */
export async function runJournalCli(argv: readonly string[], env = process.env): Promise<number> {
  try {
    const { values, positionals } = parse(argv);
    if (values.help === true || positionals.length === 0) {
      console.log(JOURNAL_USAGE);
      return values.help === true ? 0 : 1;
    }
    const [command, kind, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
    if (command === "info") {
      if (kind !== undefined) throw new UsageError(`info takes no argument (got ${JSON.stringify(kind)})`);
      const store = SqliteJournal.open(pathOf(values, env), { readonly: true });
      console.log(JSON.stringify(store.info(), null, 2));
      store.close();
      return 0;
    }
    if (command !== "export") throw new UsageError(`unknown command ${JSON.stringify(command)} (export, info)`);
    if (!KINDS.includes(kind as Kind))
      throw new UsageError(`export: expected fills, orders or pnl, got ${JSON.stringify(kind ?? "")}`);
    return await exportRows(kind as Kind, values, env);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bun run journal: ${e.message}\n${JOURNAL_USAGE}\n`);
      return 1;
    }
    if (e instanceof QueryParamError) {
      process.stderr.write(`bun run journal: --${e.field.replace("_", "-")}: ${e.message.replace(/^[\w]+: /, "")}\n`);
      return 1;
    }
    if (e instanceof JournalOpenError) {
      process.stderr.write(`bun run journal: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function parse(argv: readonly string[]): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    const msg = (e as Error).message;
    const flag = /'(--?[\w-]+)/.exec(msg)?.[1];
    if (flag === undefined) throw new UsageError(msg);
    throw new UsageError(
      /unknown option/i.test(msg) ? `${flag}: unknown option` : `${flag}: expected a value after it`,
    );
  }
}

/** --journal, else $HFT_JOURNAL_PATH, else the config's engine.journal.path. */
function pathOf(values: Values, env: Readonly<Record<string, string | undefined>>): string {
  if (values.journal !== undefined) {
    if (values.journal === "") throw new UsageError("--journal: expected a file path");
    return values.journal;
  }
  const fromEnv = env.HFT_JOURNAL_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const configPath = chooseConfigPath(values.config);
  const { config } = loadConfig(configPath, { strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES });
  return journalPath(config, env);
}

/** The export's filters as the API's query string, so both check them the same way. */
function urlOf(kind: Kind, values: Values): URL {
  const url = new URL("http://journal/");
  for (const flag of ["venue", "symbol", "client-id", "state", "since", "until"] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    if (!FLAGS[kind].includes(flag)) throw new UsageError(`--${flag}: export ${kind} takes no such filter`);
    url.searchParams.set(flag === "client-id" ? "client_id" : flag, v);
  }
  url.searchParams.set("limit", "1000");
  return url;
}

async function exportRows(
  kind: Kind,
  values: Values,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const format = values.format ?? "csv";
  if (format !== "csv" && format !== "json")
    throw new UsageError(`--format: expected csv or json, got ${JSON.stringify(format)}`);
  const url = urlOf(kind, values);
  // every filter checked (errors name the flag) before anything is written
  if (kind === "fills") fillQueryOf(url);
  else if (kind === "orders") orderQueryOf(url);
  else pnlQueryOf(url);
  const store = SqliteJournal.open(pathOf(values, env), { readonly: true });
  const page = (cursor: string | undefined): JournalPage<object> => {
    if (cursor !== undefined) url.searchParams.set("cursor", cursor);
    if (kind === "fills") return store.fills({ ...fillQueryOf(url), limit: 10_000 });
    if (kind === "orders") return store.orders({ ...orderQueryOf(url), limit: 10_000 });
    return store.pnl({ ...pnlQueryOf(url), limit: 10_000 });
  };
  const out = values.output === undefined ? undefined : createWriteStream(values.output);
  const write = (s: string) => (out === undefined ? process.stdout.write(s) : out.write(s));
  const columns = COLUMNS[kind];
  let rows = 0;
  try {
    let cursor: string | undefined;
    write(format === "json" ? "[" : `${columns.join(",")}\n`);
    do {
      const p = page(cursor);
      for (const row of p.items) {
        const r = row as Record<string, unknown>;
        if (format === "json") write(`${rows === 0 ? "\n" : ",\n"}${JSON.stringify(r)}`);
        else write(`${columns.map((c) => csvCell(r[c])).join(",")}\n`);
        rows++;
      }
      cursor = p.nextCursor ?? undefined;
    } while (cursor !== undefined);
    if (format === "json") write(rows === 0 ? "]\n" : "\n]\n");
  } finally {
    store.close();
    if (out !== undefined) await new Promise<void>((resolve) => out.end(resolve));
  }
  process.stderr.write(`exported ${rows} ${kind}\n`);
  return 0;
}

/** One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

if (import.meta.main) process.exit(await runJournalCli(Bun.argv.slice(2)));
