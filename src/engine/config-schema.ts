/**
 * The one place the engine's configuration shape and its defaults are written down. Every object
 * is strict (an unknown key is a typo, and a typo in a risk limit must not pass silently); every
 * default appears exactly once, here. Units are natural: fractions (0.002), base units (1.0 BTC),
 * quote units (100000 USDT), milliseconds; ticks and lots come later, when instruments are known.
 * Every number has a range, written once here (or in the strategy's schema for its parameters):
 * an error states it, and the docs check reads it back from here.
 */
import * as v from "valibot";
import { DEFAULT_FEED_STALENESS, FEED_STALENESS_LIMITS } from "../gateways/index.ts";
import { intField, MAX_BASE_AMOUNT, MAX_QUOTE_AMOUNT, moneyAmount, numberIn, positiveUpTo } from "../strategy/index.ts";

/** Unified symbol: BASE-QUOTE in capitals, e.g. BTC-USDT. */
export const SYMBOL_RE = /^[A-Z0-9]{2,15}-[A-Z0-9]{2,15}$/;
const NAME_RE = /^[A-Za-z][\w.-]{0,31}$/;

const name = v.pipe(v.string(), v.regex(NAME_RE, "a name of 1-32 letters, digits, _ . - starting with a letter"));
const symbol = v.pipe(v.string(), v.regex(SYMBOL_RE, "a unified symbol like BTC-USDT"));
const symbols = v.pipe(v.array(symbol), v.minLength(1, "at least one symbol"));
const int = intField;
/** A number in [min, max], both included (fees, noise). */
const closed = (what: string, min: number, max: number) =>
  numberIn(what, { min, minIncluded: true, max, maxIncluded: true, integer: false });
const port = int(0, 65535);
const url = v.pipe(v.string(), v.regex(/^(https?|wss?):\/\/[^\s]+$/, "an http(s):// or ws(s):// URL"));

/** Trading fees as fractions of notional (0.001 = 0.1 %); negative maker fee = rebate. */
export const FeesSchema = v.strictObject({
  maker: closed("a fraction", -0.01, 0.01),
  taker: closed("a fraction", 0, 0.01),
});

/** Binance's VIP 0 spot rates, used for binance venues that give no fees of their own. */
export const BINANCE_DEFAULT_FEES = { maker: 0.001, taker: 0.001 } as const;

/** OKX's regular-user spot rates, used for okx venues that give no fees of their own. */
export const OKX_DEFAULT_FEES = { maker: 0.0008, taker: 0.001 } as const;

/**
 * Endpoint overrides; each absent one comes from the venue type (and its testnet flag). binance
 * venues take rest/stream/ws_api, okx venues rest/ws_public/ws_private.
 */
export const UrlsSchema = v.strictObject({
  rest: v.optional(url),
  stream: v.optional(url),
  ws_api: v.optional(url),
  ws_public: v.optional(url),
  ws_private: v.optional(url),
});

const { suspectAfterMs, probeTimeoutMs } = FEED_STALENESS_LIMITS;

/**
 * How quickly a stopped market feed is noticed and what a fill on an old book does (per venue). The
 * adapter-side defaults are the gateways' DEFAULT_FEED_STALENESS (the adapters' own, used the same
 * way outside the engine); the fill guard's is here.
 */
export const StalenessSchema = v.strictObject({
  /**
   * A market socket silent this long is probed (answered: alive, if quiet); a book the venue's best
   * bid/ask stream has shown behind this long (plus the depth stream's push interval) goes stale.
   */
  suspect_after_ms: v.optional(int(suspectAfterMs.min, suspectAfterMs.max), DEFAULT_FEED_STALENESS.suspectAfterMs),
  /** A probe unanswered this long means the socket is dead: its books go stale, it is replaced. */
  probe_timeout_ms: v.optional(int(probeTimeoutMs.min, probeTimeoutMs.max), DEFAULT_FEED_STALENESS.probeTimeoutMs),
  /**
   * Fill guard: a fill on a symbol whose last book update is older than this pauses quoting there
   * (its quotes cancelled) until the next book update arrives.
   */
  max_book_age_ms: v.optional(int(100, 600_000), 2000),
});

/** Venue types: real venues, and their protocols served by the simulator the engine starts. */
export const VENUE_TYPES = ["binance", "sim", "okx", "sim-okx", "paper"] as const;

/**
 * One venue connection. `type: sim` = the Binance adapter pointed at a simulator venue the engine
 * starts, `type: sim-okx` = the OKX adapter pointed at one; all sim venues of a config run in one
 * simulator process on one shared fair value.
 */
export const VenueSchema = v.strictObject({
  name,
  type: v.picklist(VENUE_TYPES, 'one of "binance", "sim", "okx", "sim-okx", "paper"'),
  /** type paper: whose market data to trade on (orders are filled locally by fill_model; no keys needed). */
  source: v.optional(v.picklist(["binance", "okx"], 'one of "binance", "okx"')),
  /** Required for binance and okx (from ${ENV}); sim venues use the simulator's accounts. */
  api_key: v.optional(v.string()),
  api_secret: v.optional(v.string()),
  /** Required for okx (from ${ENV}). */
  passphrase: v.optional(v.string()),
  symbols,
  /** binance: the spot testnet; okx: demo trading (wspap host, x-simulated-trading header). */
  testnet: v.optional(v.boolean(), false),
  urls: v.optional(UrlsSchema),
  /**
   * An override of the rates the venue reports (read at start and every engine.fee_refresh_s); a
   * difference is logged once. Absent: the venue's rates, and until it has answered simulator.fees
   * for sim venues, BINANCE_DEFAULT_FEES / OKX_DEFAULT_FEES for real ones.
   */
  fees: v.optional(FeesSchema),
  /** Noticing a stopped feed, and the fill guard. */
  staleness: v.optional(StalenessSchema, {}),
  /**
   * okx and sim-okx: the orders (and cancels) one handler turn sends go out as OKX batch ops, up to 20
   * per request (multi-level quoting, cancel-all). Unset = the OKX adapter's default (on: it measurably
   * helps, bench/RESULTS.md); unset rather than defaulted here so that setting it on another venue type
   * is an error naming it.
   */
  batch_orders: v.optional(v.boolean()),
  /**
   * The market-data socket's client: "wire" (ours: depth frames go from the socket's bytes straight to
   * the C decoder) or "bun" (Bun's WebSocket: a string per frame). Unset = the adapters' default, wire.
   */
  market_socket: v.optional(v.picklist(["wire", "bun"], 'one of "wire", "bun"')),
});

/** Recording of every venue's market data (engine.record), for replay and backtests. */
export const RecordSchema = v.strictObject({
  /** Directory of the recordings: <dir>/<venue>/<symbol>/<YYYY-MM-DD>[.<part>].hfrec. */
  dir: v.pipe(v.string(), v.minLength(1, "a directory")),
  /** A full book snapshot at least this often per book, so replay can start near any time. */
  snapshot_interval_s: v.optional(int(1, 86_400), 600),
  /** Partly filled chunks are sealed and written this often (a crash loses at most this much). */
  seal_every_ms: v.optional(int(100, 600_000), 5000),
  compression: v.optional(v.picklist(["zstd", "gzip", "none"], 'one of "zstd", "gzip", "none"'), "zstd"),
});

const haltOrWarn = v.picklist(["halt", "warn"], 'one of "halt", "warn"');

/**
 * The engine's durable memory (src/journal/): orders, fills, positions, balances, PnL by day and
 * risk state in one SQLite file per engine, committed in batches right after each handler turn.
 */
export const JournalSchema = v.strictObject({
  enabled: v.optional(v.boolean(), true),
  /** One file per engine; relative to the working directory. HFT_JOURNAL_PATH overrides it. */
  path: v.optional(v.pipe(v.string(), v.minLength(1, "a file path")), "data/journal.sqlite"),
  /**
   * normal: a committed batch survives a process kill, an OS crash or power loss may lose the last
   * ones; full: every commit is fsynced (survives power loss, costs a disk flush per batch).
   */
  synchronous: v.optional(v.picklist(["normal", "full"], 'one of "normal", "full"'), "normal"),
  /** 0: commit right after each handler turn; n: at most one commit every n ms (fewer, larger batches). */
  commit_interval_ms: v.optional(int(0, 1000), 0),
  /** More records than this waiting means the journal cannot keep up (see on_failure). */
  max_queue: v.optional(int(1000, 10_000_000), 100_000),
  /** Commits failing for this long mean the engine trades without memory (see on_failure). */
  max_failing_ms: v.optional(int(100, 600_000), 5000),
  /** When the journal cannot keep up or keeps failing: halt (kill switch) or warn and keep trading. */
  on_failure: v.optional(haltOrWarn, "halt"),
  /**
   * At start-up, when a venue's balances differ from the journal's beyond what the fills explain,
   * or its trade history cannot be read: halt (kill switch, resume over the control API) or warn.
   */
  on_mismatch: v.optional(haltOrWarn, "halt"),
});

/** Engine-wide behaviour. */
export const EngineSchema = v.strictObject({
  /** Client-order-id prefix naming this engine (orders it finds with it on start-up are its orphans). */
  client_id_prefix: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,8}$/, "1-8 letters or digits")), "hft1"),
  /** How often the console shows venues, books, quotes, fills and PnL. */
  status_interval_ms: v.optional(int(100, 3_600_000), 5000),
  log_format: v.optional(v.picklist(["text", "json"], 'one of "text", "json"'), "text"),
  log_level: v.optional(
    v.picklist(["debug", "info", "warn", "error"], 'one of "debug", "info", "warn", "error"'),
    "info",
  ),
  /** How often each venue is asked for the account's fee rates (0 = only at start), seconds. */
  fee_refresh_s: v.optional(int(0, 86_400), 3600),
  /** Bounded wait for cancel acks on shutdown. */
  shutdown_timeout_ms: v.optional(int(100, 60_000), 5000),
  /**
   * Keep-warm rehearsal period (0 = off): between sparse frames, re-run decode, strategy, quote plan,
   * dry risk check, encode and sign on live data without sending, so the next real frame runs hot.
   */
  keep_warm_ms: v.optional(int(0, 1000), 0),
  /**
   * Busy-poll: rehearse back to back instead of every keep_warm_ms, so the event loop never sleeps
   * (one core spent on the engine, as on a dedicated trading core). Needs no keep_warm_ms.
   */
  busy_poll: v.optional(v.boolean(), false),
  /**
   * The CPU the engine's event loop (the single writer) is pinned to at start (absent: not pinned).
   * Pinned, it also keeps the simulator child off that CPU: a loopback order write wakes the
   * simulator, which would otherwise be run on the writer's core, preempting the engine mid-handler.
   */
  cpu: v.optional(v.nullable(int(0, 1023)), null),
  /** Record every market-data event of every venue (absent: no recording). */
  record: v.optional(RecordSchema),
  journal: v.optional(JournalSchema, {}),
});

const envName = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"));

/** How this engine reaches the desk's NATS servers (desk.nats). */
export const DeskNatsSchema = v.strictObject({
  /** nats://host:port of the desk's servers (a cluster: any of them). */
  servers: v.pipe(
    v.array(v.pipe(v.string(), v.regex(/^(nats|tls):\/\/[^\s/]+$/, "a URL like nats://host:4222"))),
    v.minLength(1, "at least one server"),
  ),
  /** This engine's name on the desk (subject token and KV key part): unique per desk. */
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,32}$/, "1-32 letters, digits, _ or -")),
  /** Environment variable holding the server's auth token (never the token itself in the file). */
  token_env: v.optional(envName),
  /** A NATS .creds file (JWT and nkey seed), for servers with decentralized auth. */
  creds_file: v.optional(v.pipe(v.string(), v.minLength(1, "a file path"))),
  /** The first connection must succeed within this long (a missing desk is a start-up error). */
  connect_timeout_ms: v.optional(int(100, 60_000), 5000),
});

/** The JetStream stream every engine's journal batches go to (desk.stream). */
export const DeskStreamSchema = v.strictObject({
  /** Stream name, the same on every engine of the desk. */
  name: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -")), "HFT_DESK"),
  /** Subjects are <subject_prefix>.<engine>.<record kind>. */
  subject_prefix: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, "dot-separated tokens like hft.desk")),
    "hft.desk",
  ),
  /** How long the server remembers message ids: a retry later than this could be stored twice. */
  duplicate_window_ms: v.optional(int(1000, 86_400_000), 600_000),
  /** Records waiting for the bus beyond which a batch is refused (counted; the local journal keeps it). */
  max_queue: v.optional(int(1000, 10_000_000), 1_000_000),
  /** Publishes awaiting their ack at once. */
  max_in_flight: v.optional(int(1, 4096), 256),
});

/** Firm-wide limits of one symbol, shared by the desk's engines through leases (desk.limits.symbols). */
const DeskSymbolLimitsSchema = v.strictObject({
  /** Σ over engines of worst-case |position| (live orders counted as filled), base units. */
  max_position_base: v.optional(moneyAmount(MAX_BASE_AMOUNT)),
  /** The same valued at each engine's mid, quote units. */
  max_position_notional: v.optional(moneyAmount(MAX_QUOTE_AMOUNT)),
});

/**
 * Firm-wide limits (desk.limits, src/desk/README.md): one KV key per limit holds each engine's leased
 * share; each engine checks its orders locally against its share. Absent: no firm limits.
 */
export const DeskLimitsSchema = v.strictObject({
  /** The JetStream KV bucket of the desk's limit keys. */
  bucket: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -")),
    "HFT_DESK_LIMITS",
  ),
  /** A share is held this long after the renewal that last stored it was sent; renewed every third of it. */
  lease_ms: v.optional(int(300, 600_000), 3000),
  /** Another engine's silent share is reclaimed after lease_ms plus this, on the reclaimer's own clock. */
  reclaim_margin_ms: v.optional(int(0, 600_000), 1000),
  /** How far (a fraction of the share) the committed ceiling runs ahead of the worst-case exposure. */
  headroom: v.optional(closed("a fraction", 0.01, 1), 0.25),
  /** Firm loss since UTC midnight (Σ over engines of realized + unrealized − fees) that kills the desk, quote units. */
  daily_loss: v.optional(moneyAmount(MAX_QUOTE_AMOUNT)),
  /** Firm position limits per symbol (as the engines name it, e.g. BTC-USDT). */
  symbols: v.optional(v.record(symbol, DeskSymbolLimitsSchema), {}),
});

/**
 * Several engines as one desk over NATS JetStream (src/desk/). Absent: off, the engine needs nothing
 * else; present: its journal's batches are published to the desk's stream and it shares the desk's
 * kill switch.
 */
export const DeskSchema = v.strictObject({
  nats: DeskNatsSchema,
  stream: v.optional(DeskStreamSchema, {}),
  /** Folds the desk's stream into the desk view on this engine (/api/desk, desk part of /api/status). */
  view: v.optional(v.boolean(), false),
  /** The desk's one kill switch: a key of this JetStream KV bucket, shared by every engine. */
  kill: v.optional(
    v.strictObject({
      bucket: v.optional(
        v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -")),
        "HFT_DESK_KILL",
      ),
    }),
    {},
  ),
  /** Firm-wide limits shared through leases; absent: every engine has its own limits only. */
  limits: v.optional(DeskLimitsSchema),
});

/** A risk limit in base units: positive, at most MAX_BASE_AMOUNT, exact as money. */
const baseLimit = moneyAmount(MAX_BASE_AMOUNT);
/** A risk limit in quote units: positive, at most MAX_QUOTE_AMOUNT, exact as money. */
const quoteLimit = moneyAmount(MAX_QUOTE_AMOUNT);

/** Limits of one symbol; absent fields in an override come from the risk block's own values. */
const SymbolRiskEntries = {
  /** Largest absolute position in base units, counting live orders as filled. */
  max_position_base: baseLimit,
  /** Largest absolute position value at the mid, quote units. */
  max_position_notional: quoteLimit,
  /** Largest single order in base units. */
  max_order_base: baseLimit,
  /** Largest single order value at its limit price, quote units. */
  max_order_notional: quoteLimit,
};
export const SymbolRiskSchema = v.strictObject({
  max_position_base: v.optional(SymbolRiskEntries.max_position_base),
  max_position_notional: v.optional(SymbolRiskEntries.max_position_notional),
  max_order_base: v.optional(SymbolRiskEntries.max_order_base),
  max_order_notional: v.optional(SymbolRiskEntries.max_order_notional),
});

/** Pre-trade limits; per-venue counts apply to each venue separately. */
export const RiskSchema = v.strictObject({
  max_position_base: v.optional(SymbolRiskEntries.max_position_base, 1),
  max_position_notional: v.optional(SymbolRiskEntries.max_position_notional, 100_000),
  max_order_base: v.optional(SymbolRiskEntries.max_order_base, 0.1),
  max_order_notional: v.optional(SymbolRiskEntries.max_order_notional, 10_000),
  /** Sum of absolute position values over every symbol, quote units. */
  max_total_notional: v.optional(quoteLimit, 250_000),
  /** Largest distance of a limit price from the reference mid, basis points. */
  price_band_bps: v.optional(int(1, 10_000), 100),
  max_orders_per_second: v.optional(int(1, 100_000), 20),
  max_cancels_per_second: v.optional(int(1, 100_000), 40),
  max_open_orders: v.optional(int(1, 100_000), 50),
  /** Loss since UTC midnight (realized + unrealized - fees), quote units; trips the kill switch. */
  daily_loss_limit: v.optional(quoteLimit, 1000),
  /** Per-symbol overrides, keyed by unified symbol. */
  symbols: v.optional(v.record(symbol, SymbolRiskSchema), {}),
});

/** HTTP server for metrics and the control API. */
export const HttpSchema = v.strictObject({
  enabled: v.optional(v.boolean(), true),
  host: v.optional(v.pipe(v.string(), v.minLength(1)), "127.0.0.1"),
  port: v.optional(port, 8080),
  /**
   * Name of the environment variable holding the control API's bearer token, or whose _FILE twin
   * names a file holding it (Docker secrets); the token itself never sits in the config file.
   */
  control_token_env: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")),
    "HFT_CONTROL_TOKEN",
  ),
});

const latencyMs = v.strictObject({
  market_data: v.optional(int(0, 10_000), 0),
  order_entry: v.optional(int(0, 10_000), 0),
});

/** How one simulated venue deviates from the shared fair value (simulator.venues.<venue name>). */
export const SimVenueSchema = v.strictObject({
  /** How late the venue sees the shared fair value. */
  lag_ms: v.optional(int(0, 10_000), 0),
  /** Sd of the venue's mean-reverting deviation from the fair value, basis points. */
  noise_bps: v.optional(closed("a number", 0, 1000), 1),
  /** This venue's one-way delays (absent: simulator.latency_ms); sim and sim-okx venues alike. */
  latency_ms: v.optional(latencyMs),
});

/** The simulator the engine starts as a child process for venues of type sim and sim-okx. */
export const SimulatorSchema = v.strictObject({
  seed: v.optional(v.pipe(v.string(), v.minLength(1)), "sim"),
  /** Market-agent activity multiplier. */
  speed: v.optional(positiveUpTo(1000), 1),
  /** 0 = OS-assigned; otherwise the first sim venue's port, the next ones count upwards. */
  port: v.optional(port, 0),
  /** Symbols the simulator lists; empty = every symbol of every sim venue. */
  symbols: v.optional(v.array(symbol), []),
  /** One-way delays added by the simulator (every sim venue without its own). */
  latency_ms: v.optional(latencyMs, {}),
  /** Per sim venue, by venue name: lag and noise around the shared fair value, own latency. */
  venues: v.optional(v.record(name, SimVenueSchema), {}),
  /** Fee rates of the simulator's test account (the simulator's own defaults: Binance VIP 0). */
  fees: v.optional(FeesSchema, { maker: 0.001, taker: 0.001 }),
  /** The CPU the simulator child's event loop is pinned to (absent: any CPU but engine.cpu). */
  cpu: v.optional(v.nullable(int(0, 1023)), null),
});

/** How replay and paper venues fill our orders: the queue and latency models and the account. */
export const FillModelSchema = v.strictObject({
  /** risk_averse: only trades move an order up its queue; probabilistic: cancels too, spread over the queue. */
  queue: v.optional(
    v.picklist(["risk_averse", "probabilistic"], 'one of "risk_averse", "probabilistic"'),
    "risk_averse",
  ),
  /** The probabilistic model's f(x) = x^power (higher: cancels come more from the back). */
  queue_power: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0.1), v.maxValue(10)), 2),
  /** Constant one-way order latencies: engine → venue (entry) and venue → engine (response). */
  order_latency_ms: v.optional(
    v.strictObject({
      entry: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(10_000)), 1),
      response: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(10_000)), 1),
    }),
    {},
  ),
  /** A file of recorded round trips (one per line, ns or with a unit): each order draws one, half each way. */
  order_latency_file: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Starting balances of the account on each replay or paper venue, by asset. */
  balances: v.optional(v.record(v.pipe(v.string(), v.regex(/^[A-Z0-9]{2,15}$/, "an asset like USDT")), quoteLimit), {
    USDT: 100_000,
    BTC: 10,
    ETH: 100,
  }),
});

/** A backtest run's settings (`bun run backtest` flags override them). */
export const BacktestSchema = v.strictObject({
  /** Recordings directory (--data). */
  data: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** "recorded": the venue sees each frame at its recorded venue time; a number: that many ms before the engine. */
  feed_latency: v.optional(
    v.union([v.literal("recorded"), v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(10_000))]),
    "recorded",
  ),
  /** Damaged or inconsistent data: skip it (counted and reported) or stop the run. */
  on_bad_data: v.optional(v.picklist(["skip", "stop"], 'one of "skip", "stop"'), "skip"),
  /** Time between samples of equity, position and quotes in the report (virtual ms). */
  sample_ms: v.optional(int(10, 3_600_000), 1000),
  /** Seed of the run's RNG (--seed). */
  seed: v.optional(v.pipe(v.string(), v.minLength(1)), "backtest"),
});

/**
 * The engine's guard around the strategy's code (src/strategy/supervisor.ts): every callback is
 * timed, and a strategy that throws, or is over its budget too often, is halted with its orders
 * cancelled while the engine keeps running.
 */
export const StrategyGuardSchema = v.strictObject({
  /**
   * A callback (book, trade, fill, timer, ...) running longer than this is an overrun; 0 = measure only.
   * Measured in wall time, so a GC pause or the OS preempting the process can land in a healthy
   * strategy's callback now and then: the default leaves room for that, the halt needs many.
   */
  event_budget_us: v.optional(int(0, 10_000_000), 5000),
  /** This many overruns ... */
  max_overruns: v.optional(int(1, 100_000), 20),
  /** ... within this window halt the strategy (its orders cancelled). */
  overrun_window_ms: v.optional(int(1, 3_600_000), 10_000),
  /** Intents past this many from one callback are dropped and counted (the risk gate still checks the rest). */
  max_intents_per_event: v.optional(int(1, 100_000), 200),
});

/**
 * Which strategy runs, where, with which parameters (validated by the strategy's own schema): a
 * built-in by `type`, or a user's file by `module` (a path relative to the config file).
 */
export const StrategySchema = v.strictObject({
  /** A built-in strategy (market_making, avellaneda_stoikov, cross_venue_mm); or give module. */
  type: v.optional(v.pipe(v.string(), v.minLength(1, "a strategy type"))),
  /** A strategy file (TypeScript, default export made with defineStrategy), relative to the config file; or give type. */
  module: v.optional(v.pipe(v.string(), v.minLength(1, "a file path"))),
  /** Name used by the control API (default: the type, or the module's kind). */
  name: v.optional(name),
  /** Venues it trades (default: every configured venue). */
  venues: v.optional(v.array(name)),
  /** Symbols it trades (default: every symbol of its venues). */
  symbols: v.optional(v.array(symbol)),
  parameters: v.optional(v.record(v.string(), v.unknown()), {}),
  guard: v.optional(StrategyGuardSchema, {}),
});

/** The whole file. */
export const ConfigSchema = v.strictObject({
  engine: v.optional(EngineSchema, {}),
  venues: v.pipe(v.array(VenueSchema), v.minLength(1, "at least one venue")),
  strategy: StrategySchema,
  risk: v.optional(RiskSchema, {}),
  http: v.optional(HttpSchema, {}),
  simulator: v.optional(SimulatorSchema, {}),
  fill_model: v.optional(FillModelSchema, {}),
  backtest: v.optional(BacktestSchema, {}),
  /** Absent: a single engine, no desk. */
  desk: v.optional(DeskSchema),
});

export type Config = v.InferOutput<typeof ConfigSchema>;
export type VenueConfig = v.InferOutput<typeof VenueSchema>;
export type StalenessConfig = v.InferOutput<typeof StalenessSchema>;
export type EngineConfig = v.InferOutput<typeof EngineSchema>;
export type RecordConfig = v.InferOutput<typeof RecordSchema>;
export type JournalConfig = v.InferOutput<typeof JournalSchema>;
export type RiskConfig = v.InferOutput<typeof RiskSchema>;
export type HttpConfig = v.InferOutput<typeof HttpSchema>;
export type SimulatorConfig = v.InferOutput<typeof SimulatorSchema>;
export type SimVenueConfig = v.InferOutput<typeof SimVenueSchema>;
export type StrategyConfig = v.InferOutput<typeof StrategySchema>;
export type StrategyGuardConfig = v.InferOutput<typeof StrategyGuardSchema>;
export type Fees = v.InferOutput<typeof FeesSchema>;
export type FillModelConfig = v.InferOutput<typeof FillModelSchema>;
export type BacktestConfig = v.InferOutput<typeof BacktestSchema>;
export type DeskConfig = v.InferOutput<typeof DeskSchema>;
export type DeskLimitsConfig = v.InferOutput<typeof DeskLimitsSchema>;
