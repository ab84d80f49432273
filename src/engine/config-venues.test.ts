// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests use ${VAR} references in YAML text
/**
 * Venue types okx and sim-okx and the per-venue simulator knobs: defaults come from the schema, every
 * bad value names its path, and the simulator child's spec carries each sim venue's own settings.
 */
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { Rng, SystemClock, silentLogger } from "../services/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../strategy/index.ts";
import { BinanceAdapter, OkxAdapter } from "../venues/index.ts";
import {
  ConfigError,
  type LoadOptions,
  loadConfig,
  OKX_URLS,
  okxUrls,
  parseConfig,
  simVenueSettings,
  venueFees,
} from "./config.ts";
import { createConfiguredVenues, simChildSpec } from "./venues.ts";

const STRATS: LoadOptions = { strategies: strategyParamsSchema, strategyTypes: STRATEGY_TYPES, env: {} };
const FILE = "venues.yaml";
const STRATEGY = `
strategy:
  type: market_making
  parameters:
    spread: 0.002
    max_position: 1.0
    min_profit: 0.0001
`;

/** The issues (path → message) of a text that must not parse. */
function issuesOf(text: string, opts: LoadOptions = STRATS): Map<string, string> {
  try {
    parseConfig(text, FILE, opts);
  } catch (e) {
    if (e instanceof ConfigError) return new Map(e.issues.map((i) => [i.path, i.message]));
    throw e;
  }
  throw new Error(`expected a ConfigError for:\n${text}`);
}

const TWO_SIMS = `
venues:
  - name: bin
    type: sim
    symbols: [BTC-USDT]
    fees: { maker: 0, taker: 0.001 }
  - name: okx
    type: sim-okx
    symbols: [BTC-USDT, ETH-USDT]
    fees: { maker: 0.0002, taker: 0.0005 }
${STRATEGY}`;

describe("sim-okx and per-venue simulator knobs", () => {
  test("defaults come from the schema; per-venue values override them", () => {
    const { config } = parseConfig(
      `${TWO_SIMS}
simulator:
  port: 9100
  latency_ms: { market_data: 3 }
  venues:
    okx: { lag_ms: 250, noise_bps: 4, latency_ms: {} }
`,
      FILE,
      STRATS,
    );
    const [bin, okx] = config.venues;
    if (bin === undefined || okx === undefined) throw new Error("venues missing");
    expect(simVenueSettings(config, bin)).toEqual({ lagMs: 0, noiseBps: 1, marketDataMs: 3, orderEntryMs: 0 });
    // an okx venue with an own latency_ms block is not affected by the global one
    expect(simVenueSettings(config, okx)).toEqual({ lagMs: 250, noiseBps: 4, marketDataMs: 0, orderEntryMs: 0 });
    // without one it inherits the global latency, as a sim venue does
    const inherited = parseConfig(`${TWO_SIMS}\nsimulator:\n  latency_ms: { market_data: 3 }\n`, FILE, STRATS).config;
    const okxInherited = inherited.venues[1];
    if (okxInherited === undefined) throw new Error("okx venue missing");
    expect(simVenueSettings(inherited, okxInherited)).toEqual({
      lagMs: 0,
      noiseBps: 1,
      marketDataMs: 3,
      orderEntryMs: 0,
    });
    expect(venueFees(config, okx)).toEqual({ maker: 0.0002, taker: 0.0005 });
    const spec = simChildSpec(
      parseConfig(
        `${TWO_SIMS}
simulator:
  port: 9100
  venues:
    okx: { lag_ms: 250, noise_bps: 4 }
`,
        FILE,
        STRATS,
      ).config,
    );
    expect(spec.symbols).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(spec.venues).toEqual([
      {
        name: "bin",
        protocol: "binance",
        port: 9100,
        marketDataMs: 0,
        orderEntryMs: 0,
        lagMs: 0,
        noiseBps: 1,
        fees: { maker: "0", taker: "0.001" },
      },
      {
        name: "okx",
        protocol: "okx",
        port: 9101,
        marketDataMs: 0,
        orderEntryMs: 0,
        lagMs: 250,
        noiseBps: 4,
        fees: { maker: "0.0002", taker: "0.0005" },
      },
    ]);
  });

  test("bad per-venue values name their path", () => {
    const issues = issuesOf(`${TWO_SIMS}
simulator:
  venues:
    bin: { lag_ms: -5, noise_bps: 2000, latency_ms: { market_data: 1.5 } }
    okx: { lag: 3 }
`);
    expect(issues.get("simulator.venues.bin.lag_ms")).toBe("expected an integer in [0, 10000], got -5");
    expect(issues.get("simulator.venues.bin.noise_bps")).toMatch(/1000/);
    expect(issues.get("simulator.venues.bin.latency_ms.market_data")).toMatch(/integer/);
    expect(issues.get("simulator.venues.okx.lag")).toMatch(/unknown key \(allowed: lag_ms, noise_bps, latency_ms\)/);
    // cross-references are checked once the shape is right
    const ghost = issuesOf(`${TWO_SIMS}\nsimulator:\n  venues:\n    ghost: { lag_ms: 1 }\n`);
    expect(ghost.get("simulator.venues.ghost")).toMatch(/no venue named ghost of type sim or sim-okx/);
  });

  test("a sim-okx venue's own latency reaches the simulator child spec", () => {
    const { config } = parseConfig(
      `${TWO_SIMS}
simulator:
  venues:
    okx: { latency_ms: { order_entry: 2, market_data: 7 } }
`,
      FILE,
      STRATS,
    );
    const okx = simChildSpec(config).venues.find((x) => x.name === "okx");
    expect(okx).toMatchObject({ protocol: "okx", marketDataMs: 7, orderEntryMs: 2 });
  });

  test("sim-okx takes no urls, credentials only where they belong", () => {
    const issues = issuesOf(`
venues:
  - name: okx
    type: sim-okx
    symbols: [BTC-USDT]
    urls: { rest: "http://127.0.0.1:1" }
  - name: bin
    type: sim
    symbols: [BTC-USDT]
    passphrase: x
${STRATEGY}`);
    expect(issues.get("venues[0].urls")).toMatch(/not allowed for type sim-okx/);
    expect(issues.get("venues[1].passphrase")).toMatch(/only for type okx/);
  });

  test("batch_orders only on OKX venues, a boolean, on by default", () => {
    const issues = issuesOf(`
venues:
  - name: okx
    type: sim-okx
    symbols: [BTC-USDT]
    batch_orders: true
  - name: bin
    type: sim
    symbols: [BTC-USDT]
    batch_orders: true
${STRATEGY}`);
    expect(issues.get("venues[1].batch_orders")).toMatch(/only for types okx and sim-okx/);
    expect(issues.has("venues[0].batch_orders")).toBe(false);
    const typed = issuesOf(`
venues:
  - name: okx
    type: sim-okx
    symbols: [BTC-USDT]
    batch_orders: "yes"
${STRATEGY}`);
    expect(typed.has("venues[0].batch_orders")).toBe(true);
    const { config } = parseConfig(
      `
venues:
  - name: okx
    type: sim-okx
    symbols: [BTC-USDT]
${STRATEGY}`,
      FILE,
      STRATS,
    );
    expect(config.venues[0]?.batch_orders).toBeUndefined(); // the adapter's default (on) applies
  });

  test("market_socket: wire or bun, naming the path otherwise; unset leaves the adapters' default", () => {
    const issues = issuesOf(`
venues:
  - name: bin
    type: sim
    symbols: [BTC-USDT]
    market_socket: websocket
${STRATEGY}`);
    expect(issues.get("venues[0].market_socket")).toMatch(/one of "wire", "bun"/);
    const { config } = parseConfig(
      `
venues:
  - name: bin
    type: sim
    symbols: [BTC-USDT]
    market_socket: bun
${STRATEGY}`,
      FILE,
      STRATS,
    );
    expect(config.venues[0]?.market_socket).toBe("bun");
  });

  test("an unknown venue type lists the known ones", () => {
    const issues = issuesOf(`
venues:
  - name: k
    type: kraken
    symbols: [BTC-USDT]
${STRATEGY}`);
    expect(issues.get("venues[0].type")).toMatch(/"binance", "sim", "okx", "sim-okx"/);
  });
});

describe("real okx venues", () => {
  const OKX = `
venues:
  - name: okx
    type: okx
    api_key: \${OKX_API_KEY}
    api_secret: \${OKX_API_SECRET}
    passphrase: \${OKX_PASSPHRASE}
    symbols: [BTC-USDT]
${STRATEGY}`;

  test("credentials come from the environment; endpoints and fees default per the type", () => {
    const env = { OKX_API_KEY: "k-123", OKX_API_SECRET: "s-456", OKX_PASSPHRASE: "p-789" };
    const loaded = parseConfig(OKX, FILE, { ...STRATS, env });
    const venue = loaded.config.venues[0];
    if (venue === undefined) throw new Error("venue missing");
    expect(okxUrls(venue)).toEqual(OKX_URLS.live);
    expect(okxUrls({ ...venue, testnet: true }).ws_public).toBe("wss://wspap.okx.com:8443/ws/v5/public");
    expect(venueFees(loaded.config, venue)).toEqual({ maker: 0.0008, taker: 0.001 });
    expect(loaded.secrets).toEqual(expect.arrayContaining(["k-123", "s-456", "p-789"]));
  });

  test("missing credentials and Binance endpoint keys are refused naming the path, never the value", () => {
    const env = { OKX_API_KEY: "k-123", OKX_API_SECRET: "", OKX_PASSPHRASE: "" };
    const issues = issuesOf(
      `${OKX.replace("symbols: [BTC-USDT]", 'symbols: [BTC-USDT]\n    urls: { ws_api: "wss://x.example/ws" }')}`,
      {
        ...STRATS,
        env,
      },
    );
    expect(issues.get("venues[0].api_secret")).toMatch(/required for type okx.*OKX_API_SECRET/);
    expect(issues.get("venues[0].passphrase")).toMatch(/required for type okx.*OKX_PASSPHRASE/);
    expect(issues.get("venues[0].urls.ws_api")).toMatch(/allowed: rest, ws_public, ws_private/);
    for (const m of issues.values()) expect(m).not.toContain("k-123");
  });
});

test("config/multi-venue.yaml: a Binance-protocol and an OKX-protocol sim venue with different fees", () => {
  const dir = resolve(import.meta.dir, "../../config");
  const { config } = loadConfig(join(dir, "multi-venue.yaml"), STRATS);
  expect(config.venues.map((v) => [v.name, v.type, v.symbols])).toEqual([
    ["bin", "sim", ["BTC-USDT"]],
    ["okx", "sim-okx", ["BTC-USDT"]],
  ]);
  const [bin, okx] = config.venues;
  if (bin === undefined || okx === undefined) throw new Error("venues missing");
  expect(venueFees(config, bin)).not.toEqual(venueFees(config, okx));
  expect(config.strategy.type).toBe("market_making");
  expect(simChildSpec(config).venues.map((v) => v.protocol)).toEqual(["binance", "okx"]);
});

describe("venues[].staleness: noticing a stopped feed, and the fill guard", () => {
  const BIN = (block: string) => `
venues:
  - name: bn
    type: binance
    api_key: k-abcdef
    api_secret: s-abcdef
    symbols: [BTC-USDT]
${block}
${STRATEGY}`;

  test("defaults come from the schema; a partial block overrides only what it names", () => {
    const plain = parseConfig(BIN(""), FILE, STRATS).config.venues[0];
    expect(plain?.staleness).toEqual({ suspect_after_ms: 1000, probe_timeout_ms: 1000, max_book_age_ms: 2000 });
    const tuned = parseConfig(BIN("    staleness: { probe_timeout_ms: 500, max_book_age_ms: 800 }"), FILE, STRATS)
      .config.venues[0];
    expect(tuned?.staleness).toEqual({ suspect_after_ms: 1000, probe_timeout_ms: 500, max_book_age_ms: 800 });
  });

  test("bad values and unknown keys are refused naming the path", () => {
    const issues = issuesOf(
      BIN("    staleness: { suspect_after_ms: 20, probe_timeout_ms: 1.5, max_book_age_ms: -1, silence_ms: 3 }"),
    );
    expect(issues.get("venues[0].staleness.suspect_after_ms")).toMatch(/integer in \[100, 60000\], got 20/);
    expect(issues.get("venues[0].staleness.probe_timeout_ms")).toMatch(/integer in \[50, 60000\], got 1.5/);
    expect(issues.get("venues[0].staleness.max_book_age_ms")).toMatch(/integer in \[100, 600000\], got -1/);
    expect(
      [...issues.keys()].some((k) => k.includes("silence_ms")),
      JSON.stringify([...issues]),
    ).toBe(true);
  });

  test("the adapter gets the venue's settings", async () => {
    const { config } = parseConfig(
      BIN("    staleness: { suspect_after_ms: 700, probe_timeout_ms: 300 }"),
      FILE,
      STRATS,
    );
    const venues = await createConfiguredVenues(config, {
      clock: new SystemClock(),
      rng: new Rng("x"),
      log: silentLogger,
    });
    const a = venues.adapters[0];
    expect(a instanceof BinanceAdapter && a.cfg.staleness).toEqual({ suspectAfterMs: 700, probeTimeoutMs: 300 });
    await venues.close();
  });

  test("an okx venue's batch_orders reaches its adapter", async () => {
    const okx = (flag: string) => `
venues:
  - name: ox
    type: okx
    api_key: k-abcdef
    api_secret: s-abcdef
    passphrase: p-abcdef
    symbols: [BTC-USDT]
${flag}
${STRATEGY}`;
    for (const [flag, want] of [
      ["    batch_orders: false", false],
      ["", true],
    ] as const) {
      const { config } = parseConfig(okx(flag), FILE, STRATS);
      const venues = await createConfiguredVenues(config, {
        clock: new SystemClock(),
        rng: new Rng("x"),
        log: silentLogger,
      });
      const a = venues.adapters[0];
      expect(a instanceof OkxAdapter && a.cfg.batchOrderEntry).toBe(want);
      await venues.close();
    }
  });

  test("a venue's market_socket reaches its adapter (binance and okx), wire by default", async () => {
    const venue = (type: string, extra: string, flag: string) => `
venues:
  - name: v1
    type: ${type}
    api_key: k-abcdef
    api_secret: s-abcdef
${extra}    symbols: [BTC-USDT]
${flag}
${STRATEGY}`;
    for (const [type, extra] of [
      ["binance", ""],
      ["okx", "    passphrase: p-abcdef\n"],
    ] as const) {
      for (const [flag, want] of [
        ["    market_socket: bun", "bun"],
        ["", "wire"],
      ] as const) {
        const { config } = parseConfig(venue(type, extra, flag), FILE, STRATS);
        const venues = await createConfiguredVenues(config, {
          clock: new SystemClock(),
          rng: new Rng("x"),
          log: silentLogger,
        });
        const a = venues.adapters[0];
        const got = a instanceof OkxAdapter || a instanceof BinanceAdapter ? a.cfg.marketSocket : undefined;
        expect(got, `${type} ${flag}`).toBe(want);
        await venues.close();
      }
    }
  });
});
