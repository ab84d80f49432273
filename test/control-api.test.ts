/**
 * Each control command's effect on the real engine, sent the way an operator sends it: through the
 * HTTP app (`app.handle`) with a bearer token. The engine trades two symbols on two simulated venues
 * (sim-direct adapters on one simulator core, virtual clock), so every check looks at both sides:
 * the engine's own state (/api/status, strategy parameters) and the orders resting on the venue.
 * Authentication and body validation in isolation are covered by src/command/server.test.ts; the
 * engine draining commands straight from its queue by test/engine-lifecycle.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { ControlAuth, createHttpApp, type EngineStatus, type StrategyCatalog } from "../src/command/index.ts";
import { Engine, parseConfig } from "../src/engine/index.ts";
import { createEngineMetrics } from "../src/metrics/index.ts";
import { VirtualClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../src/sim/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../src/strategy/index.ts";
import { Side } from "../src/types/index.ts";
import { SimDirectAdapter } from "../src/venues/sim-direct/index.ts";
import { drive, run } from "./support/virtual-time.ts";

/** Each test seeds its simulator from this (SEED=... replays or varies a run). */
const BASE_SEED = process.env.SEED ?? "ctl";
const TOKEN = "control-api-test-token-0123456789";
const VENUES = ["sim", "sim2"] as const;
const SYMBOLS = ["BTC-USDT", "ETH-USDT"] as const;
/** Simulator account of each venue (two venues on one core must not see each other's orders). */
const ACCOUNT: Record<string, string> = { sim: "acct-a", sim2: "acct-b" };

// refresh_tolerance is wide so resting quotes stay put for the short waits between a command and
// the check: an order that disappears was cancelled by the command, not replaced by the strategy.
const CONFIG = `
engine:
  client_id_prefix: ca1
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT, ETH-USDT]
  - name: sim2
    type: sim
    symbols: [BTC-USDT, ETH-USDT]
simulator:
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters: { spread: 0.0004, min_profit: 0.00001, max_position: 0.02, order_size: 0.005, levels: 1, refresh_tolerance: 0.002 }
risk:
  max_position_base: 0.05
  max_orders_per_second: 20
  max_cancels_per_second: 40
  symbols:
    ETH-USDT: { max_position_base: 2, max_order_base: 0.5 }
http:
  enabled: false
`;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A running engine with its HTTP app, on two venues, and the helpers every test uses. */
async function setup(seed: string) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const core = new SimCore({
    clock,
    seed,
    symbols: DEFAULT_SYMBOLS.filter((s) => s.symbol === "BTCUSDT" || s.symbol === "ETHUSDT"),
  });
  const { config } = parseConfig(CONFIG, "control-api.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const adapters = VENUES.map(
    (name) =>
      new SimDirectAdapter({
        name,
        core,
        clock,
        accountId: ACCOUNT[name] ?? name,
        balances: { USDT: "1000000", BTC: "5", ETH: "100" },
        fees: { maker: "0", taker: "0.001" },
        clientIdPrefix: "ca1",
        orderEntryMs: 1,
        marketDataMs: 1,
      }),
  );
  core.start();
  const metrics = createEngineMetrics({ processMetrics: false });
  const engine = new Engine({ config, clock, rng: new Rng(seed), adapters, metrics });
  const catalog: StrategyCatalog = { paramsValidator: (name) => engine.strategyParamsValidator(name) };
  const app = createHttpApp({
    metrics,
    status: engine,
    strategies: catalog,
    commands: engine.commands,
    auth: new ControlAuth(TOKEN),
  });

  /** One request through the app, as an authenticated operator (virtual time runs meanwhile). */
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${TOKEN}` } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    }
    const res = await drive(clock, app.handle(new Request(`http://127.0.0.1${path}`, init)));
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const status = async (): Promise<EngineStatus> => (await call("GET", "/api/status")).body as unknown as EngineStatus;

  /** This engine's orders resting on the simulator, as "venue symbol clientId price side". */
  const resting = (venue?: string, symbol?: string) =>
    VENUES.filter((v) => venue === undefined || v === venue).flatMap((v) =>
      core
        .openOrders(ACCOUNT[v] ?? v)
        .filter((o) => symbol === undefined || o.symbol.name === symbol.replace("-", ""))
        .map((o) => ({ venue: v, symbol: o.symbol.name, id: o.clientOrderId, priceTicks: o.priceTicks, side: o.side })),
    );

  await drive(clock, engine.start());
  await run(clock, 2000);
  return { clock, core, engine, app, call, status, resting };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Every instrument quotes both sides on its venue. */
function quotingEverywhere(s: Setup): boolean {
  return VENUES.every((v) =>
    SYMBOLS.every((sym) => {
      const sides = new Set(s.resting(v, sym).map((o) => o.side));
      return sides.has("BUY") && sides.has("SELL");
    }),
  );
}

/** Gives the strategy time to quote again after a command, then checks it does everywhere. */
async function expectQuotingEverywhere(s: Setup, seed: string, when: string): Promise<void> {
  for (let i = 0; i < 20 && !quotingEverywhere(s); i++) await run(s.clock, 250);
  expect(`${seed}: quoting everywhere ${when}: ${quotingEverywhere(s)}`).toBe(
    `${seed}: quoting everywhere ${when}: true`,
  );
}

/** Width between our best ask and our best bid on one instrument, in ticks. */
function quotedWidth(s: Setup, venue: string, symbol: string): number {
  const orders = s.resting(venue, symbol);
  const bids = orders.filter((o) => o.side === "BUY").map((o) => o.priceTicks);
  const asks = orders.filter((o) => o.side === "SELL").map((o) => o.priceTicks);
  return Math.min(...asks) - Math.max(...bids);
}

describe("control API: each command's effect on the engine", () => {
  test("pause cancels the strategy's orders and stops quoting; resume quotes again", async () => {
    const seed = `${BASE_SEED}-pause`;
    const s = await setup(seed);
    try {
      await expectQuotingEverywhere(s, seed, "before pausing");

      const paused = await s.call("POST", "/api/strategies/mm/pause?wait=1000");
      expect({ seed, status: paused.status, state: paused.body.status }).toEqual({
        seed,
        status: 200,
        state: "completed",
      });
      await run(s.clock, 500);
      expect({ seed, resting: s.resting(), engineOpen: s.engine.desk.oms.openOrderCount() }).toEqual({
        seed,
        resting: [],
        engineOpen: 0,
      });
      const st = await s.status();
      expect({ seed, strategies: st.strategies.map((x) => [x.name, x.state, x.pausedBy]) }).toEqual({
        seed,
        strategies: [["mm", "paused", "operator"]],
      });
      // an operator's pause is meant: the engine is still fit to trade, so still ready
      const ready = await s.call("GET", "/ready");
      expect({ seed, ready }).toEqual({ seed, ready: { status: 200, body: { ready: true, reasons: [] } } });
      // paused means paused: market data keeps coming, no order goes out
      const sent = s.engine.counters.ordersSent;
      await run(s.clock, 3000);
      expect({ seed, resting: s.resting().length, sent: s.engine.counters.ordersSent - sent }).toEqual({
        seed,
        resting: 0,
        sent: 0,
      });

      const resumed = await s.call("POST", "/api/strategies/mm/resume?wait=1000");
      expect({ seed, status: resumed.status, state: resumed.body.status }).toEqual({
        seed,
        status: 200,
        state: "completed",
      });
      await expectQuotingEverywhere(s, seed, "after resume");
      expect((await s.status()).strategies[0]?.state).toBe("running");
    } finally {
      await drive(s.clock, s.engine.stop());
    }
  }, 60_000);

  test("set params changes the strategy's parameters and its quotes move; bad params change nothing", async () => {
    const seed = `${BASE_SEED}-params`;
    const s = await setup(seed);
    try {
      await expectQuotingEverywhere(s, seed, "at start");
      const before = { ...(s.engine.strategy?.params() ?? {}) };
      const narrow = quotedWidth(s, "sim", "BTC-USDT");

      // bad bodies: 400 naming the field, nothing enqueued, nothing changes
      const commandsBefore = s.engine.counters.commands;
      const ordersBefore = s
        .resting()
        .map((o) => o.id)
        .sort();
      for (const [body, field] of [
        [{ spread: "wide" }, "spread"],
        [{ spread: -0.001 }, "spread"],
        [{ order_size: 0 }, "order_size"],
        [{ no_such_param: 1 }, "no_such_param"],
        // above the schema's bound (1e12 base units), and within it but past 2^53 lots of BTC's 0.00001 step
        [{ max_position: 1e308 }, "max_position"],
        [{ order_size: 1e300 }, "order_size"],
        [{ max_position: 1e11 }, "max_position"],
      ] as const) {
        const bad = await s.call("PATCH", "/api/strategies/mm/params?wait=1000", body);
        expect({ seed, body, status: bad.status, field: bad.body.field }).toEqual({ seed, body, status: 400, field });
        expect(String(bad.body.error)).toContain(field);
      }
      const huge = await s.call("PATCH", "/api/strategies/mm/params?wait=1000", { max_position: 1e308 });
      expect(huge.body.error).toBe('invalid field "max_position": expected a number in (0, 1e12], got 1e+308');
      expect({ seed, params: s.engine.strategy?.params(), commands: s.engine.counters.commands }).toEqual({
        seed,
        params: before,
        commands: commandsBefore,
      });
      expect(
        s
          .resting()
          .map((o) => o.id)
          .sort(),
      ).toEqual(ordersBefore);

      // a good change: 200 with the new parameters, the strategy has them, quotes widen
      const ok = await s.call("PATCH", "/api/strategies/mm/params?wait=1000", { spread: 0.008 });
      expect({ seed, status: ok.status, state: ok.body.status }).toEqual({ seed, status: 200, state: "completed" });
      const result = ok.body.result as { details?: { params?: Record<string, unknown> } };
      expect({ seed, answered: result.details?.params?.spread }).toEqual({ seed, answered: 0.008 });
      expect({ seed, params: s.engine.strategy?.params() }).toEqual({ seed, params: { ...before, spread: 0.008 } });
      const st = await s.status();
      expect({ seed, shown: st.strategies[0]?.params.spread }).toEqual({ seed, shown: 0.008 });
      let wide = 0;
      for (let i = 0; i < 20; i++) {
        await run(s.clock, 250);
        if (quotingEverywhere(s)) wide = quotedWidth(s, "sim", "BTC-USDT");
        if (wide > 5 * narrow) break;
      }
      // 0.8 % of the BTC mid against 0.04 %: about twenty times wider (each side moves past refresh_tolerance)
      expect(`${seed}: width ${narrow} → ${wide} ticks, wider ×5: ${wide > 5 * narrow}`).toBe(
        `${seed}: width ${narrow} → ${wide} ticks, wider ×5: true`,
      );
    } finally {
      await drive(s.clock, s.engine.stop());
    }
  }, 60_000);

  test("cancel-all by venue, by symbol, by both and for everything cancels exactly those orders", async () => {
    const seed = `${BASE_SEED}-cancel`;
    const s = await setup(seed);
    try {
      const cases: {
        body: { venue?: string; symbol?: string };
        hit: (o: { venue: string; symbol: string }) => boolean;
      }[] = [
        { body: { venue: "sim2" }, hit: (o) => o.venue === "sim2" },
        { body: { symbol: "ETH-USDT" }, hit: (o) => o.symbol === "ETHUSDT" },
        { body: { venue: "sim", symbol: "BTC-USDT" }, hit: (o) => o.venue === "sim" && o.symbol === "BTCUSDT" },
        { body: {}, hit: () => true },
      ];
      for (const c of cases) {
        await expectQuotingEverywhere(s, seed, `before cancel-all ${JSON.stringify(c.body)}`);
        const before = s.resting();
        const targeted = before.filter(c.hit).map((o) => o.id);
        const untouched = before.filter((o) => !c.hit(o)).map((o) => o.id);
        const r = await s.call("POST", "/api/orders/cancel-all?wait=1000", c.body);
        const details = (r.body.result as { details?: { orders?: number } } | undefined)?.details;
        expect({ seed, body: c.body, status: r.status, orders: details?.orders }).toEqual({
          seed,
          body: c.body,
          status: 200,
          orders: targeted.length,
        });
        await run(s.clock, 50);
        const open = new Set(s.resting().map((o) => o.id));
        expect({
          seed,
          body: c.body,
          targetedStillOpen: targeted.filter((id) => open.has(id)),
          untouchedGone: untouched.filter((id) => !open.has(id)),
        }).toEqual({ seed, body: c.body, targetedStillOpen: [], untouchedGone: [] });
      }
    } finally {
      await drive(s.clock, s.engine.stop());
    }
  }, 60_000);

  test("kill switch halts and cancels everything, new orders are refused; resume after the halt trades again", async () => {
    const seed = `${BASE_SEED}-kill`;
    const s = await setup(seed);
    try {
      await expectQuotingEverywhere(s, seed, "before the kill switch");
      const kill = await s.call("POST", "/api/risk/kill-switch?wait=1000", { reason: "operator test" });
      expect({ seed, status: kill.status, state: kill.body.status }).toEqual({ seed, status: 200, state: "completed" });
      await run(s.clock, 500);
      const st = await s.status();
      expect({
        seed,
        resting: s.resting(),
        openInStatus: st.openOrders.length,
        halted: st.risk.halted,
        engaged: st.risk.killSwitchEngaged,
        trips: st.risk.killSwitchTrips,
        strategy: st.strategies[0]?.state,
      }).toEqual({
        seed,
        resting: [],
        openInStatus: 0,
        halted: true,
        engaged: true,
        trips: 1,
        strategy: "halted",
      });

      // not ready while the kill switch is engaged, and the body says why
      const notReady = await s.call("GET", "/ready");
      expect({ seed, notReady }).toEqual({
        seed,
        notReady: { status: 503, body: { ready: false, reasons: ["kill switch engaged: operator: operator test"] } },
      });

      // nothing goes out while halted: not from the strategy, not from a direct submit
      const sent = s.engine.counters.ordersSent;
      await run(s.clock, 2000);
      const book = s.core.depthSnapshot("BTCUSDT", 1);
      const bidTicks = book?.bids[0]?.[0];
      expect(typeof bidTicks).toBe("number");
      const info = s.engine.desk.registry.get("sim", "BTC-USDT");
      const refused = s.engine.desk.submit(
        "sim",
        "BTC-USDT",
        Side.Buy,
        Number(bidTicks),
        Number(info?.info.minQtyLots ?? 1) * 1000,
      );
      expect({ seed, refused, sent: s.engine.counters.ordersSent - sent, resting: s.resting().length }).toEqual({
        seed,
        refused: "halted",
        sent: 0,
        resting: 0,
      });
      // resuming the strategy alone is refused while trading is halted
      const early = await s.call("POST", "/api/strategies/mm/resume?wait=1000");
      expect({ seed, status: early.status, state: early.body.status }).toEqual({ seed, status: 409, state: "failed" });

      const resume = await s.call("POST", "/api/risk/resume?wait=1000", { reason: "all clear" });
      expect({ seed, status: resume.status, state: resume.body.status }).toEqual({
        seed,
        status: 200,
        state: "completed",
      });
      const after = await s.status();
      expect({ seed, halted: after.risk.halted, engaged: after.risk.killSwitchEngaged }).toEqual({
        seed,
        halted: false,
        engaged: false,
      });
      await expectQuotingEverywhere(s, seed, "after resume");
      expect((await s.status()).strategies[0]?.state).toBe("running");
      expect({ seed, ready: (await s.call("GET", "/ready")).status }).toEqual({ seed, ready: 200 });
    } finally {
      await drive(s.clock, s.engine.stop());
    }
  }, 60_000);

  test("a body that is not a JSON object (null, an array, a scalar) cancels nothing, trips nothing, changes nothing", async () => {
    const seed = `${BASE_SEED}-hostile`;
    const s = await setup(seed);
    try {
      await expectQuotingEverywhere(s, seed, "before the hostile bodies");
      const params = { ...(s.engine.strategy?.params() ?? {}) };
      const commands = s.engine.counters.commands;
      const routes: [string, string][] = [
        ["POST", "/api/orders/cancel-all?wait=1000"],
        ["POST", "/api/risk/kill-switch?wait=1000"],
        ["POST", "/api/risk/resume?wait=1000"],
        ["PATCH", "/api/strategies/mm/params?wait=1000"],
        ["POST", "/api/strategies/mm/pause?wait=1000"],
      ];
      for (const [method, path] of routes) {
        for (const body of [null, [], [{}], "all", 0, true]) {
          const r = await s.call(method, path, body);
          expect({ seed, path, body, status: r.status, field: r.body.field }).toEqual({
            seed,
            path,
            body,
            status: 400,
            field: "(body)",
          });
          expect(String(r.body.error)).toContain("expected a JSON object");
        }
      }
      await run(s.clock, 500);
      const st = await s.status();
      expect({
        seed,
        commands: s.engine.counters.commands - commands,
        halted: st.risk.halted,
        trips: st.risk.killSwitchTrips,
        strategy: st.strategies[0]?.state,
        params: s.engine.strategy?.params(),
      }).toEqual({ seed, commands: 0, halted: false, trips: 0, strategy: "running", params });
      expect(`${seed}: still quoting everywhere: ${quotingEverywhere(s)}`).toBe(
        `${seed}: still quoting everywhere: true`,
      );
    } finally {
      await drive(s.clock, s.engine.stop());
    }
  }, 60_000);
});
