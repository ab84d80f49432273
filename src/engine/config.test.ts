// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about ${VAR} references in YAML text
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type * as v from "valibot";
import { createLogger } from "../services/index.ts";
import { rangeOf, STRATEGY_TYPES, strategyParamsSchema } from "../strategy/index.ts";
import {
  ConfigError,
  controlToken,
  DEFAULT_CONFIG_PATH,
  type LoadOptions,
  loadConfig,
  parseConfig,
  redactConfig,
  resolveConfigPath,
  riskLimits,
  simulatorSymbols,
  strategyTargets,
  venueFees,
} from "./config.ts";
import { ConfigSchema } from "./config-schema.ts";
import { resolveStrategy } from "./strategy-source.ts";

const STRATS: LoadOptions = { strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES, env: {} };
const FILE = "test.yaml";

const BASE = `
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT, ETH-USDT]
strategy:
  type: market_making
  parameters:
    spread: 0.002
    max_position: 1.0
    min_profit: 0.0001
`;

/** The ConfigError a text raises (fails the test when it parses). */
function errorOf(text: string, opts: LoadOptions = STRATS): ConfigError {
  try {
    parseConfig(text, FILE, opts);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`expected a ConfigError for:\n${text}`);
}

function paths(e: ConfigError): string[] {
  return e.issues.map((i) => i.path);
}

describe("defaults and shape", () => {
  test("a minimal file gets every default from the schema", () => {
    const { config } = parseConfig(BASE, FILE, STRATS);
    expect(config.engine).toEqual({
      client_id_prefix: "hft1",
      status_interval_ms: 5000,
      log_format: "text",
      log_level: "info",
      fee_refresh_s: 3600,
      shutdown_timeout_ms: 5000,
      keep_warm_ms: 0,
      busy_poll: false,
      cpu: null,
      journal: {
        enabled: true,
        path: "data/journal.sqlite",
        synchronous: "normal",
        commit_interval_ms: 0,
        max_queue: 100_000,
        max_failing_ms: 5000,
        on_failure: "halt",
        on_mismatch: "halt",
      },
    });
    expect(config.http).toEqual({
      enabled: true,
      host: "127.0.0.1",
      port: 8080,
      control_token_env: "HFT_CONTROL_TOKEN",
    });
    expect(config.simulator.latency_ms).toEqual({ market_data: 0, order_entry: 0 });
    expect(config.risk.max_position_base).toBe(1);
    expect(config.venues[0]?.testnet).toBe(false);
    // Strategy defaults come from the strategy's own schema.
    expect(config.strategy.parameters.levels).toBe(1);
    expect(config.strategy.parameters.spread).toBe(0.002);
  });

  test("the brief's example parses (with its env vars set)", () => {
    const text = `
venues:
  - name: venue1
    type: binance
    api_key: \${BINANCE_API_KEY}
    api_secret: \${BINANCE_API_SECRET}
    symbols:
      - BTC-USDT
      - ETH-USDT
strategy:
  type: market_making
  parameters:
    spread: 0.002
    max_position: 1.0
    min_profit: 0.0001
`;
    const env = { BINANCE_API_KEY: "key-abcdef-123", BINANCE_API_SECRET: "secret-zyxwvu-987" };
    const { config, secrets } = parseConfig(text, FILE, { ...STRATS, env });
    expect(config.venues[0]?.api_key).toBe("key-abcdef-123");
    expect(secrets).toContain("secret-zyxwvu-987");
    expect(venueFees(config, config.venues[0] as never)).toEqual({ maker: 0.001, taker: 0.001 });
  });

  test("risk block maps onto the risk gate's limits", () => {
    const { config } = parseConfig(
      `${BASE}risk:\n  max_order_base: 0.5\n  symbols:\n    ETH-USDT:\n      max_position_base: 3\n`,
      FILE,
      STRATS,
    );
    const l = riskLimits(config.risk);
    expect(l.defaults.maxOrderBase).toBe(0.5);
    expect(l.perSymbol["ETH-USDT"]).toEqual({ maxPositionBase: 3 });
    expect(l.priceBandBps).toBe(100);
  });

  test("targets, simulator symbols and control token", () => {
    const { config } = parseConfig(
      `${BASE.replace("parameters:", "symbols: [ETH-USDT]\n  parameters:")}`,
      FILE,
      STRATS,
    );
    expect(strategyTargets(config).map((t) => `${t.venue.name}/${t.symbol}`)).toEqual(["sim/ETH-USDT"]);
    expect(simulatorSymbols(config)).toEqual(["BTC-USDT", "ETH-USDT"]);
    expect(controlToken(config, { HFT_CONTROL_TOKEN: "tok-123456" })).toBe("tok-123456");
    expect(controlToken(config, {})).toBeUndefined();
  });
});

describe("every invalid field names its path", () => {
  const cases: [string, string, string][] = [
    ["spread not a number", BASE.replace("spread: 0.002", 'spread: "wide"'), "strategy.parameters.spread"],
    ["spread negative", BASE.replace("spread: 0.002", "spread: -0.1"), "strategy.parameters.spread"],
    ["max_position zero", BASE.replace("max_position: 1.0", "max_position: 0"), "strategy.parameters.max_position"],
    ["min_profit >= 0.5", BASE.replace("min_profit: 0.0001", "min_profit: 2"), "strategy.parameters.min_profit"],
    ["levels fractional", `${BASE}    levels: 1.5\n`, "strategy.parameters.levels"],
    ["unknown strategy parameter", `${BASE}    sprad: 0.1\n`, "strategy.parameters.sprad"],
    ["venue type", BASE.replace("type: sim", "type: kraken"), "venues[0].type"],
    ["venue name", BASE.replace("name: sim", "name: 9bad name"), "venues[0].name"],
    ["symbol format", BASE.replace("BTC-USDT,", "btcusdt,"), "venues[0].symbols[0]"],
    ["empty symbols", BASE.replace("[BTC-USDT, ETH-USDT]", "[]"), "venues[0].symbols"],
    ["no venues", BASE.replace(/venues:[\s\S]*?strategy:/, "venues: []\nstrategy:"), "venues"],
    ["missing strategy", "venues:\n  - name: a\n    type: sim\n    symbols: [BTC-USDT]\n", "strategy"],
    ["engine prefix", `${BASE}engine:\n  client_id_prefix: "too-long-prefix"\n`, "engine.client_id_prefix"],
    ["engine log format", `${BASE}engine:\n  log_format: xml\n`, "engine.log_format"],
    ["engine status interval", `${BASE}engine:\n  status_interval_ms: 5\n`, "engine.status_interval_ms"],
    ["http port", `${BASE}http:\n  port: 70000\n`, "http.port"],
    ["http token env", `${BASE}http:\n  control_token_env: "not a name"\n`, "http.control_token_env"],
    ["risk band", `${BASE}risk:\n  price_band_bps: 0\n`, "risk.price_band_bps"],
    ["risk loss", `${BASE}risk:\n  daily_loss_limit: -5\n`, "risk.daily_loss_limit"],
    [
      "risk per symbol",
      `${BASE}risk:\n  symbols:\n    BTC-USDT:\n      max_order_base: nope\n`,
      "risk.symbols.BTC-USDT.max_order_base",
    ],
    [
      "risk unknown symbol",
      `${BASE}risk:\n  symbols:\n    SOL-USDT:\n      max_order_base: 1\n`,
      "risk.symbols.SOL-USDT",
    ],
    ["simulator speed", `${BASE}simulator:\n  speed: 0\n`, "simulator.speed"],
    ["engine cpu", `${BASE}engine:\n  cpu: 1024\n`, "engine.cpu"],
    ["simulator cpu", `${BASE}simulator:\n  cpu: -1\n`, "simulator.cpu"],
    ["simulator on the engine's cpu", `${BASE}engine:\n  cpu: 1\nsimulator:\n  cpu: 1\n`, "simulator.cpu"],
    [
      "simulator latency",
      `${BASE}simulator:\n  latency_ms:\n    market_data: -1\n`,
      "simulator.latency_ms.market_data",
    ],
    ["simulator fees", `${BASE}simulator:\n  fees:\n    maker: 0.5\n    taker: 0.001\n`, "simulator.fees.maker"],
    ["venue fee", BASE.replace("type: sim", "type: sim\n    fees: {maker: 0.001}"), "venues[0].fees.taker"],
    ["testnet flag", BASE.replace("type: sim", "type: sim\n    testnet: maybe"), "venues[0].testnet"],
    ["urls on sim", BASE.replace("type: sim", "type: sim\n    urls: {rest: 'http://x'}"), "venues[0].urls"],
    [
      "bad url",
      BASE.replace("type: sim", "type: binance\n    api_key: k\n    api_secret: s\n    urls: {rest: 'ftp://x'}"),
      "venues[0].urls.rest",
    ],
    [
      "duplicate venue",
      BASE.replace("strategy:", "  - name: sim\n    type: sim\n    symbols: [BTC-USDT]\nstrategy:"),
      "venues[1].name",
    ],
    ["duplicate symbol", BASE.replace("[BTC-USDT, ETH-USDT]", "[BTC-USDT, BTC-USDT]"), "venues[0].symbols[1]"],
    ["binance without keys", BASE.replace("type: sim", "type: binance"), "venues[0].api_key"],
    ["strategy type", BASE.replace("type: market_making", "type: grid"), "strategy.type"],
    ["strategy venue ref", BASE.replace("  parameters:", "  venues: [nowhere]\n  parameters:"), "strategy.venues[0]"],
    [
      "strategy symbol ref",
      BASE.replace("  parameters:", "  symbols: [SOL-USDT]\n  parameters:"),
      "strategy.symbols[0]",
    ],
    ["sim symbol not simulated", `${BASE}simulator:\n  symbols: [BTC-USDT]\n`, "venues[0].symbols[1]"],
    [
      "A-S parameter",
      BASE.replace("type: market_making", "type: avellaneda_stoikov").replace("spread: 0.002", "risk_aversion: 0"),
      "strategy.parameters.risk_aversion",
    ],
  ];
  for (const [what, text, path] of cases) {
    test(what, () => {
      const e = errorOf(text);
      expect(paths(e)).toContain(path);
      expect(e.message).toContain(`${FILE}: ${path}: `);
      const issue = e.issues.find((i) => i.path === path);
      expect(issue?.message.length ?? 0).toBeGreaterThan(5);
    });
  }

  test("every number has an upper bound: absurd values are refused naming the field and stating the range", () => {
    const AS = BASE.replace("type: market_making", "type: avellaneda_stoikov").replace(/ {4}spread: 0.002\n/, "");
    const XV = BASE.replace("type: market_making", "type: cross_venue_mm")
      .replace(/ {4}spread: 0.002\n/, "")
      .replace("name: sim", "name: a")
      .replace("strategy:", "  - name: b\n    type: sim\n    symbols: [BTC-USDT]\nstrategy:");
    const cases: [string, string, string][] = [
      [
        BASE.replace("max_position: 1.0", "max_position: 1e300"),
        "strategy.parameters.max_position",
        "expected a number in (0, 1e12], got 1e+300",
      ],
      [
        BASE.replace("max_position: 1.0", "max_position: .inf"),
        "strategy.parameters.max_position",
        "expected a number in (0, 1e12], got Infinity",
      ],
      [
        `${BASE}    order_size: 1e308\n`,
        "strategy.parameters.order_size",
        "expected a number in (0, 1e12], got 1e+308",
      ],
      [`${AS}    horizon_s: 1e9\n`, "strategy.parameters.horizon_s", "expected a number in (0, 86400], got 1000000000"],
      [`${AS}    kappa: 1e300\n`, "strategy.parameters.kappa", "expected a number in (0, 1e9], got 1e+300"],
      [
        `${AS}    risk_aversion: 1e300\n`,
        "strategy.parameters.risk_aversion",
        "expected a number in (0, 1e6], got 1e+300",
      ],
      [`${AS}    volatility: 1e3\n`, "strategy.parameters.volatility", "expected a number in (0, 10], got 1000"],
      [
        XV.replace("max_position: 1.0", "max_position: 1e300"),
        "strategy.parameters.max_position",
        "expected a number in (0, 1e12], got 1e+300",
      ],
      [
        `${BASE}risk:\n  max_position_base: 1e300\n`,
        "risk.max_position_base",
        "expected a number in (0, 1e12], got 1e+300",
      ],
      [
        `${BASE}risk:\n  max_total_notional: 1e13\n`,
        "risk.max_total_notional",
        "expected a number in (0, 1e12], got 10000000000000",
      ],
      [
        `${BASE}risk:\n  daily_loss_limit: 1e-19\n`,
        "risk.daily_loss_limit",
        "expected at most 18 decimal places, got 1e-19",
      ],
      [
        `${BASE}risk:\n  symbols:\n    ETH-USDT: {max_order_notional: 1e300}\n`,
        "risk.symbols.ETH-USDT.max_order_notional",
        "expected a number in (0, 1e12], got 1e+300",
      ],
      [
        `${BASE}risk:\n  max_orders_per_second: 1e9\n`,
        "risk.max_orders_per_second",
        "expected an integer in [1, 100000], got 1000000000",
      ],
      [`${BASE}simulator:\n  speed: 1e9\n`, "simulator.speed", "expected a number in (0, 1000], got 1000000000"],
    ];
    for (const [text, path, message] of cases) {
      const e = errorOf(text);
      expect({ path, issues: e.issues.filter((i) => i.path === path) }).toEqual({ path, issues: [{ path, message }] });
      expect(e.message).toContain(`${FILE}: ${path}: ${message}`);
    }
  });

  test("no numeric key or strategy parameter is left without a finite range", () => {
    const open: string[] = [];
    const walk = (schema: v.GenericSchema, at: string): void => {
      const s = schema as unknown as {
        wrapped?: v.GenericSchema;
        entries?: Record<string, v.GenericSchema>;
        value?: v.GenericSchema;
      };
      if (s.wrapped !== undefined) {
        walk(s.wrapped, at);
        return;
      }
      for (const [k, f] of Object.entries(s.entries ?? {})) walk(f, at === "" ? k : `${at}.${k}`);
      if (s.value !== undefined) walk(s.value, `${at}.<key>`);
      const r = rangeOf(schema);
      if (r !== undefined && !(Number.isFinite(r.min) && Number.isFinite(r.max))) open.push(at);
    };
    walk(ConfigSchema, "");
    for (const type of STRATEGY_TYPES) walk(strategyParamsSchema(type) as v.GenericSchema, `strategy(${type})`);
    expect(open).toEqual([]);
  });

  test("messages say what was expected and what was found", () => {
    const e = errorOf(BASE.replace("spread: 0.002", 'spread: "wide"'));
    expect(e.message).toContain('test.yaml: strategy.parameters.spread: expected a fraction in (0, 0.5), got "wide"');
    const e2 = errorOf(`${BASE}http:\n  port: 70000\n`);
    expect(e2.issues.find((i) => i.path === "http.port")?.message).toBe("expected an integer in [0, 65535], got 70000");
  });

  test("all problems are reported at once", () => {
    const e = errorOf(`${BASE.replace("spread: 0.002", "spread: -1")}http:\n  port: -1\nrisk:\n  max_open_orders: 0\n`);
    expect(paths(e)).toEqual(
      expect.arrayContaining(["strategy.parameters.spread", "http.port", "risk.max_open_orders"]),
    );
  });

  test("a missing variable is reported together with other problems, once per path", () => {
    const e = errorOf(
      BASE.replace("type: sim", "type: binance\n    api_key: ${NOPE}\n    api_secret: s").replace(
        "spread: 0.002",
        "spread: -1",
      ),
    );
    expect(e.issues).toEqual([
      {
        path: "venues[0].api_key",
        message: "environment variable NOPE is not set, nor NOPE_FILE (and no default given)",
      },
      { path: "strategy.parameters.spread", message: "expected a fraction in (0, 0.5), got -1" },
    ]);
  });

  test("YAML syntax errors give a position, not the line's text", () => {
    const e = errorOf("venues: [\n  api_secret: hunter2-secret-value\n");
    expect(e.issues[0]?.path).toBe("(yaml)");
    expect(e.message).toMatch(/line \d+, column \d+/);
    expect(e.message).not.toContain("hunter2-secret-value");
  });

  test("a document that is not a mapping", () => {
    expect(paths(errorOf("- just\n- a list\n"))).toEqual(["(root)"]);
  });

  test("duplicate keys are errors", () => {
    expect(errorOf(`${BASE}http:\n  port: 1\nhttp:\n  port: 2\n`).message).toContain("DUPLICATE_KEY");
  });

  test("a missing file names the file", () => {
    try {
      loadConfig("/nonexistent/hft.yaml");
      throw new Error("loaded a missing file");
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).toContain("/nonexistent/hft.yaml: (file): cannot read the file (ENOENT)");
    }
  });
});

describe("unknown keys", () => {
  const cases: [string, string][] = [
    [`${BASE}extra: 1\n`, "extra"],
    [`${BASE}engine:\n  colour: blue\n`, "engine.colour"],
    [BASE.replace("type: sim", "type: sim\n    apikey: x"), "venues[0].apikey"],
    [`${BASE}risk:\n  max_postion_base: 1\n`, "risk.max_postion_base"],
    [`${BASE}risk:\n  symbols:\n    BTC-USDT:\n      max_lots: 1\n`, "risk.symbols.BTC-USDT.max_lots"],
    [`${BASE}simulator:\n  latency_ms:\n    wire: 1\n`, "simulator.latency_ms.wire"],
    [BASE.replace("  parameters:", "  params: {}\n  parameters:"), "strategy.params"],
  ];
  for (const [text, path] of cases) {
    test(path, () => {
      const e = errorOf(text);
      const issue = e.issues.find((i) => i.path === path);
      expect(issue?.message).toStartWith("unknown key");
    });
  }

  test("the unknown-key message lists what is allowed", () => {
    const e = errorOf(`${BASE}http:\n  prot: 1\n`);
    expect(e.issues[0]?.message).toBe("unknown key (allowed: enabled, host, port, control_token_env)");
  });
});

describe("environment substitution", () => {
  const withVar = (value: string) => BASE.replace("name: sim", `name: ${value}`);
  const nameOf = (text: string, env: Record<string, string>) =>
    parseConfig(text, FILE, { ...STRATS, env }).config.venues[0]?.name;

  test("${VAR} is replaced", () => {
    expect(nameOf(withVar("${VENUE}"), { VENUE: "mysim" })).toBe("mysim");
  });
  test("${VAR:-default} uses the default when unset or empty", () => {
    expect(nameOf(withVar("${VENUE:-fallback}"), {})).toBe("fallback");
    expect(nameOf(withVar("${VENUE:-fallback}"), { VENUE: "" })).toBe("fallback");
    expect(nameOf(withVar("${VENUE:-fallback}"), { VENUE: "set" })).toBe("set");
  });
  test("substitution inside a longer string, several references, $$ escape", () => {
    expect(nameOf(withVar("a${X}b${Y:-c}"), { X: "1" })).toBe("a1bc");
    const { config } = parseConfig(`${BASE}simulator:\n  seed: "p$$x"\n`, FILE, STRATS);
    expect(config.simulator.seed).toBe("p$x");
  });
  test("unquoted values become numbers and booleans; quoted stay strings", () => {
    const { config } = parseConfig(`${BASE}http:\n  port: \${PORT:-9090}\n  enabled: \${ON}\n`, FILE, {
      ...STRATS,
      env: { ON: "false" },
    });
    expect(config.http.port).toBe(9090);
    expect(config.http.enabled).toBe(false);
    const e = errorOf(`${BASE}http:\n  port: "\${PORT:-9090}"\n`);
    expect(paths(e)).toEqual(["http.port"]);
  });
  test("a missing variable without default names the variable and the path", () => {
    const e = errorOf(
      BASE.replace("type: sim", "type: binance\n    api_key: ${MY_KEY}\n    api_secret: ${MY_SECRET:-s}"),
    );
    expect(e.issues).toEqual([
      {
        path: "venues[0].api_key",
        message: "environment variable MY_KEY is not set, nor MY_KEY_FILE (and no default given)",
      },
    ]);
  });
  test("malformed references are errors", () => {
    expect(errorOf(withVar("${1BAD}")).issues[0]?.path).toBe("venues[0].name");
    expect(errorOf(withVar("'${OPEN'")).issues[0]?.message).toContain("unterminated");
  });
  test("an empty binance key from the environment is refused", () => {
    const text = BASE.replace("type: sim", "type: binance\n    api_key: ${K}\n    api_secret: ${S}");
    const e = errorOf(text, { ...STRATS, env: { K: "", S: "x" } });
    expect(paths(e)).toEqual(["venues[0].api_key"]);
  });
  test("numeric-looking secrets stay strings", () => {
    const text = BASE.replace("type: sim", "type: binance\n    api_key: ${K}\n    api_secret: ${S}");
    const { config } = parseConfig(text, FILE, { ...STRATS, env: { K: "123456789", S: "987654321" } });
    expect(config.venues[0]?.api_key).toBe("123456789");
  });
});

describe("secrets from files: NAME_FILE for any ${NAME}, and for the control token", () => {
  const dir = mkdtempSync(join(tmpdir(), "hft-config-secrets-"));
  const secretFile = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const KEY = "file-key-ABCDEFGH12345";
  const SECRET = "file-secret-zyxwvu-98765";
  const PASSPHRASE = "file-passphrase-1";
  const TOKEN = "file-token-0123456789abcdef";
  const binance = BASE.replace(
    "type: sim",
    "type: binance\n    api_key: ${BINANCE_API_KEY}\n    api_secret: ${BINANCE_API_SECRET}",
  );

  test("venue keys, secrets and passphrases come from the files their _FILE variables name (Docker secrets)", () => {
    const env = {
      BINANCE_API_KEY_FILE: secretFile("binance_key", `${KEY}\n`),
      BINANCE_API_SECRET_FILE: secretFile("binance_secret", `${SECRET}\r\n`),
    };
    const b = parseConfig(binance, FILE, { ...STRATS, env });
    expect([b.config.venues[0]?.api_key, b.config.venues[0]?.api_secret]).toEqual([KEY, SECRET]);
    expect(b.secrets).toEqual(expect.arrayContaining([KEY, SECRET]));
    expect(JSON.stringify(redactConfig(b.config, b.secrets))).not.toContain(SECRET);
    const okxEnv = {
      OKX_API_KEY_FILE: secretFile("okx_key", `${KEY}\n`),
      OKX_API_SECRET: SECRET,
      OKX_PASSPHRASE_FILE: secretFile("okx_passphrase", `${PASSPHRASE}\n`),
    };
    const o = loadConfig(join(resolve(import.meta.dir, "../../config"), "okx.example.yaml"), {
      ...STRATS,
      env: okxEnv,
    });
    expect([o.config.venues[0]?.api_key, o.config.venues[0]?.api_secret, o.config.venues[0]?.passphrase]).toEqual([
      KEY,
      SECRET,
      PASSPHRASE,
    ]);
    expect(o.secrets).toEqual(expect.arrayContaining([KEY, SECRET, PASSPHRASE]));
  });

  test("${NAME:-default} reads NAME_FILE too, and an empty NAME (compose's ${NAME:-}) leaves room for it", () => {
    const text = BASE.replace("name: sim", "name: ${VENUE:-fallback}");
    const env = { VENUE: "", VENUE_FILE: secretFile("venue", "fromfile\n") };
    expect(parseConfig(text, FILE, { ...STRATS, env }).config.venues[0]?.name).toBe("fromfile");
  });

  test("the control token comes from the variable http.control_token_env names, or from its _FILE", () => {
    const fromFile = parseConfig(BASE, FILE, {
      ...STRATS,
      env: { HFT_CONTROL_TOKEN_FILE: secretFile("token", `${TOKEN}\n`) },
    });
    expect(fromFile.controlToken).toBe(TOKEN);
    expect(fromFile.secrets).toContain(TOKEN);
    const custom = parseConfig(`${BASE}http:\n  control_token_env: DESK_TOKEN\n`, FILE, {
      ...STRATS,
      env: { DESK_TOKEN_FILE: secretFile("desk", TOKEN), HFT_CONTROL_TOKEN: "not-this-one-0123456789" },
    });
    expect(custom.controlToken).toBe(TOKEN);
    expect(parseConfig(BASE, FILE, { ...STRATS, env: { HFT_CONTROL_TOKEN: TOKEN } }).controlToken).toBe(TOKEN);
    expect(parseConfig(BASE, FILE, STRATS).controlToken).toBeUndefined();
    expect(controlToken(parseConfig(BASE, FILE, STRATS).config, { HFT_CONTROL_TOKEN_FILE: join(dir, "token") })).toBe(
      TOKEN,
    );
  });

  test("both set, an unreadable file or an empty one is an error naming the variable, the path and the field, never the value", () => {
    const missing = join(dir, "nope");
    const empty = secretFile("empty", "\n");
    const key = secretFile("key2", KEY);
    const e = errorOf(binance, {
      ...STRATS,
      env: {
        BINANCE_API_KEY: KEY,
        BINANCE_API_KEY_FILE: key,
        BINANCE_API_SECRET_FILE: missing,
        HFT_CONTROL_TOKEN_FILE: empty,
      },
    });
    expect(e.issues).toEqual([
      { path: "venues[0].api_key", message: "BINANCE_API_KEY and BINANCE_API_KEY_FILE are both set; set only one" },
      { path: "venues[0].api_secret", message: `BINANCE_API_SECRET_FILE=${missing}: cannot read the file (ENOENT)` },
      { path: "http.control_token_env", message: `HFT_CONTROL_TOKEN_FILE=${empty}: the file is empty` },
    ]);
    expect(e.message).not.toContain(KEY);
    const both = errorOf(BASE, { ...STRATS, env: { HFT_CONTROL_TOKEN: TOKEN, HFT_CONTROL_TOKEN_FILE: key } });
    expect(both.issues).toEqual([
      {
        path: "http.control_token_env",
        message: "HFT_CONTROL_TOKEN and HFT_CONTROL_TOKEN_FILE are both set; set only one",
      },
    ]);
    expect(both.message).not.toContain(TOKEN);
    expect(() => controlToken(parseConfig(BASE, FILE, STRATS).config, { HFT_CONTROL_TOKEN_FILE: missing })).toThrow(
      `HFT_CONTROL_TOKEN_FILE=${missing}: cannot read the file (ENOENT)`,
    );
  });
});

describe("secrets never appear in output", () => {
  const KEY = "AKIAKEYVALUE0123456789";
  const SECRET = "sEcReT-VALUE-abcdefghijklmnop";
  const TOKEN = "control-token-0123456789";
  const env = { K: KEY, S: SECRET, HFT_CONTROL_TOKEN: TOKEN };
  const text = BASE.replace("type: sim", "type: binance\n    api_key: ${K}\n    api_secret: ${S}");

  test("redactConfig masks keys, secrets and tokens", () => {
    const loaded = parseConfig(text, FILE, { ...STRATS, env });
    const shown = JSON.stringify(redactConfig(loaded.config, loaded.secrets));
    expect(shown).not.toContain(KEY);
    expect(shown).not.toContain(SECRET);
    expect(shown).toContain("[redacted]");
    expect(loaded.secrets).toEqual(expect.arrayContaining([KEY, SECRET, TOKEN]));
    // The name of the token's variable is not a secret and stays readable.
    expect(loaded.secrets).not.toContain("HFT_CONTROL_TOKEN");
    expect(shown).toContain('"control_token_env":"HFT_CONTROL_TOKEN"');
  });

  test("errors on secret fields do not echo the value", () => {
    // api_secret given as a mapping, the key with a bad type: neither value may be printed.
    const bad = BASE.replace("type: sim", `type: binance\n    api_key: [${KEY}]\n    api_secret: {v: ${SECRET}}`);
    const e = errorOf(bad, { ...STRATS, env });
    expect(paths(e)).toEqual(expect.arrayContaining(["venues[0].api_key", "venues[0].api_secret"]));
    expect(e.message).not.toContain(KEY);
    expect(e.message).not.toContain(SECRET);
  });

  test("errors elsewhere in a file with secrets do not leak them", () => {
    const e = errorOf(text.replace("spread: 0.002", "spread: nope"), { ...STRATS, env });
    expect(e.message).not.toContain(KEY);
    expect(e.message).not.toContain(SECRET);
  });

  test("the logger masks secret fields and secret values in text and JSON", () => {
    const loaded = parseConfig(text, FILE, { ...STRATS, env });
    for (const format of ["text", "json"] as const) {
      const lines: string[] = [];
      const log = createLogger({ format, secrets: loaded.secrets, write: (l) => lines.push(l) });
      log.info(`connecting with ${KEY}`, { venue: loaded.config.venues[0], token: TOKEN });
      log.error("failed", { err: new Error(`signature mismatch for ${SECRET}`) });
      log.child({ component: "cfg" }).warn("config", { config: loaded.config, url: `wss://x/?key=${KEY}` });
      const out = lines.join("\n");
      expect(out).not.toContain(KEY);
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain(TOKEN);
      expect(out).toContain("[redacted]");
    }
  });
});

describe("config files shipped in config/", () => {
  const dir = resolve(import.meta.dir, "../../config");
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"));
  test("there are a default, Binance and OKX examples", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "default.yaml",
        "binance.example.yaml",
        "binance-testnet.example.yaml",
        "okx.example.yaml",
      ]),
    );
  });
  for (const f of files) {
    test(`${f} parses`, async () => {
      const env = {
        BINANCE_API_KEY: "example-key-123456",
        BINANCE_API_SECRET: "example-secret-123456",
        BINANCE_TESTNET_API_KEY: "example-key-123456",
        BINANCE_TESTNET_API_SECRET: "example-secret-123456",
        OKX_API_KEY: "example-okx-key-123456",
        OKX_API_SECRET: "example-okx-secret-123456",
        OKX_PASSPHRASE: "example-passphrase",
      };
      const loaded = loadConfig(join(dir, f), { ...STRATS, env });
      expect(loaded.config.venues.length).toBeGreaterThan(0);
      // a built-in by type, or a strategy file next to the config that loads and accepts its parameters
      const resolved = await resolveStrategy(loaded.config, loaded.file);
      if (loaded.config.strategy.type !== undefined) expect(STRATEGY_TYPES).toContain(loaded.config.strategy.type);
      else expect(resolved.module?.startsWith(dir)).toBe(true);
    });
  }
  test("default.yaml runs the simulator with BTC-USDT and ETH-USDT and no keys", () => {
    const { config } = loadConfig(DEFAULT_CONFIG_PATH, STRATS);
    expect(config.venues.every((x) => x.type === "sim" && x.api_key === undefined)).toBe(true);
    expect(simulatorSymbols(config)).toEqual(["BTC-USDT", "ETH-USDT"]);
    expect(config.strategy.type).toBe("market_making");
  });
  test("the binance example without its environment names the missing variables", () => {
    const e = (() => {
      try {
        loadConfig(join(dir, "binance.example.yaml"), STRATS);
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error("parsed without keys");
    })();
    expect(e.message).toContain("BINANCE_API_KEY");
    expect(paths(e)).toEqual(["venues[0].api_key", "venues[0].api_secret"]);
  });
  test("the okx example is a real okx venue with keys and passphrase from the environment", () => {
    const env = { OKX_API_KEY: "k-123456789", OKX_API_SECRET: "s-123456789", OKX_PASSPHRASE: "p-123" };
    const { config } = loadConfig(join(dir, "okx.example.yaml"), { ...STRATS, env });
    expect(config.venues.map((x) => [x.type, x.testnet, x.api_key, x.passphrase])).toEqual([
      ["okx", false, "k-123456789", "p-123"],
    ]);
    expect(config.strategy.type).toBe("market_making");
    const e = (() => {
      try {
        loadConfig(join(dir, "okx.example.yaml"), STRATS);
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error("parsed without keys");
    })();
    expect(e.message).toContain("OKX_PASSPHRASE");
    expect(paths(e)).toEqual(["venues[0].api_key", "venues[0].api_secret", "venues[0].passphrase"]);
  });
});

describe("choosing the file", () => {
  test("--config wins, then HFT_CONFIG, then the default", () => {
    expect(resolveConfigPath(["--config", "a.yaml"], { HFT_CONFIG: "b.yaml" }, "/w")).toBe("/w/a.yaml");
    expect(resolveConfigPath(["--config=/abs/c.yaml"], {}, "/w")).toBe("/abs/c.yaml");
    expect(resolveConfigPath([], { HFT_CONFIG: "b.yaml" }, "/w")).toBe("/w/b.yaml");
    expect(resolveConfigPath([], {}, "/w")).toBe(DEFAULT_CONFIG_PATH);
  });
  test("--config without a path is an error", () => {
    expect(() => resolveConfigPath(["--config"], {}, "/w")).toThrow("--config: expected a file path");
  });
});
