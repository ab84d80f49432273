/**
 * The whole engine on in-process simulated venues (sim-direct adapters on one SimCore, a seeded
 * VirtualClock), with the HTTP app `bun run start` serves, for control requests and an audit of every order it sends against
 * the config's risk limits, made independently of the risk gate (sizes, notionals, the price band, the
 * order rate per venue, open orders, the position after every fill). Shared by the tests that run a
 * strategy end to end and need to show what reached the venue.
 */
import { ControlAuth, type EngineStatus } from "../../src/command/index.ts";
import {
  type Config,
  Engine,
  engineHttpApp,
  type ResolvedStrategy,
  resolveStrategy,
  type ShutdownReport,
} from "../../src/engine/index.ts";
import type { FillEvent } from "../../src/execution/index.ts";
import { createEngineMetrics, type EngineMetrics } from "../../src/metrics/index.ts";
import { type Logger, Rng, VirtualClock } from "../../src/services/index.ts";
import { DEFAULT_SYMBOLS, SimCore } from "../../src/sim/index.ts";
import type { OrderRequest } from "../../src/types/index.ts";
import { SimDirectAdapter } from "../../src/venues/sim-direct/index.ts";
import { drive } from "./virtual-time.ts";

export const CONTROL_TOKEN = "engine-on-sim-token-0123456789";

/** What to run. */
export interface EngineOnSimOptions {
  readonly config: Config;
  readonly seed: string;
  /** The strategy, already resolved (default: the engine resolves config.strategy at start). */
  readonly strategy?: ResolvedStrategy;
  /** What the strategy guard times callbacks with (default: the virtual clock, i.e. no time). */
  readonly strategyTimeNs?: () => number;
  /** Where the engine logs (default: nowhere). */
  readonly log?: Logger;
}

/** One request's answer through the HTTP app. */
export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** The audit's findings: every order sent, and every limit an order or a fill broke. */
export interface OrderAudit {
  readonly sent: { readonly venue: string; readonly atMs: number; readonly req: OrderRequest }[];
  readonly violations: string[];
  /** Most orders one venue sent in any 1000 ms window. */
  maxOrdersPerSecond: number;
  fills: number;
}

/** A running engine on the simulator and the handles a test needs. */
export interface EngineOnSim {
  readonly clock: VirtualClock;
  readonly core: SimCore;
  readonly engine: Engine;
  readonly metrics: EngineMetrics;
  readonly audit: OrderAudit;
  /** One authenticated request through the HTTP app (virtual time runs meanwhile). */
  call(method: string, path: string, body?: unknown): Promise<Answer>;
  status(): Promise<EngineStatus>;
  /** This engine's orders resting on the simulator, on one venue or all. */
  resting(venue?: string): { venue: string; symbol: string; id: string }[];
  /** Stops the engine as a signal would (virtual time runs meanwhile), then the simulator. */
  stop(): Promise<ShutdownReport>;
}

/** Starts the engine on sim-direct venues named as in the config; resolves once it is quoting. */
export async function startEngineOnSim(opts: EngineOnSimOptions): Promise<EngineOnSim> {
  const { config, seed } = opts;
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const symbols = new Set(config.venues.flatMap((v) => v.symbols.map((s) => s.replace("-", ""))));
  const core = new SimCore({ clock, seed, symbols: DEFAULT_SYMBOLS.filter((s) => symbols.has(s.symbol)) });
  const fees = config.simulator.fees;
  const adapters = config.venues.map(
    (v) =>
      new SimDirectAdapter({
        name: v.name,
        core,
        clock,
        accountId: `acct-${v.name}`,
        balances: { USDT: "1000000", BTC: "10", ETH: "100" },
        fees: { maker: String(fees.maker), taker: String(fees.taker) },
        clientIdPrefix: config.engine.client_id_prefix,
        orderEntryMs: 1,
        marketDataMs: 1,
      }),
  );
  core.start();
  const metrics = createEngineMetrics({ processMetrics: false });
  const audit: OrderAudit = { sent: [], violations: [], maxOrdersPerSecond: 0, fills: 0 };
  const strategy = opts.strategy ?? (await resolveStrategy(config));
  const auditor = new Auditor(config, audit, adapters, clock);
  const engine: Engine = new Engine({
    config,
    clock,
    rng: new Rng(seed),
    adapters,
    metrics,
    strategy,
    ...(opts.strategyTimeNs !== undefined ? { strategyTimeNs: opts.strategyTimeNs } : {}),
    ...(opts.log !== undefined ? { log: opts.log } : {}),
    orders: { submitTimeoutMs: 2000, cancelTimeoutMs: 2000, statusRetryMs: 200 },
    onOrderSent: (venue, req) => auditor.order(venue, req, engine),
    onFill: (f) => auditor.fill(f, engine),
  });
  const app = engineHttpApp({ engine, strategy, metrics, auth: new ControlAuth(CONTROL_TOKEN) });
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = { authorization: `Bearer ${CONTROL_TOKEN}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const init: RequestInit = { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) };
    const res = await drive(clock, app.handle(new Request(`http://127.0.0.1${path}`, init)));
    const text = await res.text();
    return {
      status: res.status,
      body: text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : { text },
    };
  };
  await drive(clock, engine.start());
  return {
    clock,
    core,
    engine,
    metrics,
    audit,
    call,
    status: async () => (await call("GET", "/api/status")).body as unknown as EngineStatus,
    stop: async () => {
      const report = await drive(clock, engine.stop("end of test"));
      core.stop();
      return report;
    },
    resting: (venue) =>
      config.venues
        .filter((v) => venue === undefined || v.name === venue)
        .flatMap((v) =>
          core.openOrders(`acct-${v.name}`).map((o) => ({ venue: v.name, symbol: o.symbol.name, id: o.clientOrderId })),
        ),
  };
}

/** Checks every order and fill against the config's limits (see the file comment). */
class Auditor {
  private readonly times = new Map<string, number[]>();

  constructor(
    private readonly config: Config,
    private readonly audit: OrderAudit,
    private readonly adapters: readonly SimDirectAdapter[],
    private readonly clock: VirtualClock,
  ) {}

  private limits(symbol: string) {
    const r = this.config.risk;
    return { ...r, ...r.symbols[symbol] };
  }

  order(venue: string, req: OrderRequest, engine: Engine): void {
    const now = this.clock.nowMs();
    this.audit.sent.push({ venue, atMs: now, req });
    const bad = (what: string): void => {
      this.audit.violations.push(`${venue} ${req.clientId} ${req.symbol}: ${what}`);
    };
    const adapter = this.adapters.find((a) => a.name === venue);
    const info = adapter?.instruments().get(req.symbol);
    const book = adapter?.book(req.symbol);
    if (info === undefined || book === undefined) {
      bad("unknown instrument");
      return;
    }
    const lim = this.limits(req.symbol);
    const size = info.qty.toNumber(req.lots);
    const price = info.price.toNumber(req.priceTicks);
    if (size > lim.max_order_base + 1e-12) bad(`size ${size} > max_order_base ${lim.max_order_base}`);
    if (size * price > lim.max_order_notional + 1e-6) bad(`notional ${size * price} > ${lim.max_order_notional}`);
    const mid = info.price.toNumber(book.mid());
    if (Math.abs(price - mid) > (mid * lim.price_band_bps) / 10_000 + 1e-9)
      bad(`price ${price} outside the band of ${mid}`);
    const t = this.times.get(venue) ?? [];
    t.push(now);
    while ((t[0] as number) <= now - 1000) t.shift();
    this.times.set(venue, t);
    this.audit.maxOrdersPerSecond = Math.max(this.audit.maxOrdersPerSecond, t.length);
    if (t.length > lim.max_orders_per_second) bad(`${t.length} orders within 1 s > ${lim.max_orders_per_second}`);
    const open = engine.desk.oms.openOrderCount();
    if (open > lim.max_open_orders) bad(`${open} open orders > ${lim.max_open_orders}`);
  }

  fill(f: FillEvent, engine: Engine): void {
    this.audit.fills++;
    let base = 0;
    for (const a of this.adapters) {
      const lots = engine.desk.registry.get(a.name, f.symbol)?.position.lots ?? 0;
      base += a.instruments().get(f.symbol)?.qty.toNumber(lots) ?? 0;
    }
    const max = this.limits(f.symbol).max_position_base;
    if (Math.abs(base) > max + 1e-12) this.audit.violations.push(`${f.symbol}: position ${base} > ${max} after a fill`);
  }
}
