/**
 * Turns the config's venue list into adapters: `type: sim` venues get the Binance adapter and
 * `type: sim-okx` venues the OKX adapter, each pointed at its venue of the simulator the engine
 * starts as a child process (every sim venue in that one child, on one shared fair value; its load
 * stays off the engine's event loop); `type: binance` / `type: okx` venues get their adapter with the
 * configured keys and endpoints.
 */

import { ConstantLatency, queueModel, readLatencySamples, SampledLatency } from "../fills/index.ts";
import type { Clock, Logger, Rng } from "../services/index.ts";
import { createVenueAdapter, PaperAdapter, type VenueAdapter } from "../venues/index.ts";
import {
  binanceUrls,
  isSimVenue,
  needsSimulator,
  okxUrls,
  simulatorSymbols,
  simVenueSettings,
  venueFees,
} from "./config.ts";
import type { Config, VenueConfig } from "./config-schema.ts";
import { type SimChild, type SimChildSpec, type SimReadyVenue, spawnSimChild } from "./sim-child.ts";

/** The adapters of a config plus what must be torn down with them. */
export interface ConfiguredVenues {
  readonly adapters: VenueAdapter[];
  /** The simulator child, when a sim venue needed one. */
  readonly sim: SimChild | undefined;
  /** Stops the simulator child (adapters are closed by the engine). */
  close(): Promise<void>;
}

/** A fee fraction as the plain decimal string the simulator takes (never exponent notation). */
function feeString(x: number): string {
  const s = x.toFixed(8).replace(/0+$/, "").replace(/\.$/, "");
  return s === "" || s === "-0" ? "0" : s;
}

/** What the simulator child runs for the config's sim venues (ports count up from simulator.port). */
export function simChildSpec(config: Config, rateLimits?: SimChildSpec["rateLimits"]): SimChildSpec {
  const s = config.simulator;
  const sims = config.venues.filter(isSimVenue);
  return {
    seed: s.seed,
    speed: s.speed,
    symbols: simulatorSymbols(config).map((sym) => sym.replace("-", "")),
    venues: sims.map((vc, i) => {
      const k = simVenueSettings(config, vc);
      const fees = venueFees(config, vc);
      return {
        name: vc.name,
        protocol: vc.type === "sim-okx" ? "okx" : "binance",
        port: s.port === 0 ? 0 : s.port + i,
        marketDataMs: k.marketDataMs,
        orderEntryMs: k.orderEntryMs,
        lagMs: k.lagMs,
        noiseBps: k.noiseBps,
        fees: { maker: feeString(Math.max(0, fees.maker)), taker: feeString(fees.taker) },
      };
    }),
    ...(rateLimits !== undefined ? { rateLimits } : {}),
    ...(s.cpu !== null
      ? { cpu: { pin: s.cpu } }
      : config.engine.cpu !== null
        ? { cpu: { avoid: config.engine.cpu } }
        : {}),
  };
}

/** Creates every configured venue's adapter (not yet connected); errors name the venue. */
export async function createConfiguredVenues(
  config: Config,
  deps: { clock: Clock; rng: Rng; log: Logger; simRateLimits?: SimChildSpec["rateLimits"] },
): Promise<ConfiguredVenues> {
  let sim: SimChild | undefined;
  if (needsSimulator(config)) {
    const spec = simChildSpec(config, deps.simRateLimits);
    const names = spec.venues.map((v) => v.name).join(", ");
    try {
      sim = await spawnSimChild(spec);
    } catch (e) {
      throw new Error(`simulator for venue${spec.venues.length > 1 ? "s" : ""} ${names}: ${(e as Error).message}`);
    }
    deps.log.info(`simulator started as child process ${sim.ready.pid}`, {
      venues: sim.ready.venues.map((v) => `${v.name}(${v.protocol}) ${v.restUrl}`).join(", "),
      seed: sim.ready.seed,
      symbols: sim.ready.symbols.join(","),
    });
  }
  const adapters: VenueAdapter[] = [];
  try {
    for (const vc of config.venues) adapters.push(venueAdapter(config, vc, sim, deps));
  } catch (e) {
    await sim?.stop();
    throw e;
  }
  const child = sim;
  return {
    adapters,
    sim: child,
    async close(): Promise<void> {
      if (child !== undefined) await child.stop();
    },
  };
}

/** The adapter of one venue; errors name the venue. */
function venueAdapter(
  config: Config,
  vc: VenueConfig,
  sim: SimChild | undefined,
  deps: { clock: Clock; rng: Rng; log: Logger },
): VenueAdapter {
  const common = {
    name: vc.name,
    clientIdPrefix: config.engine.client_id_prefix,
    clock: deps.clock,
    // what an adapter waits for off the order path (a connect held for the next weight window)
    log: deps.log,
    rng: deps.rng.fork(`venue/${vc.name}`),
    staleness: {
      suspectAfterMs: vc.staleness.suspect_after_ms,
      probeTimeoutMs: vc.staleness.probe_timeout_ms,
    },
    ...(vc.market_socket !== undefined ? { marketSocket: vc.market_socket } : {}),
  };
  try {
    switch (vc.type) {
      case "sim":
      case "sim-okx": {
        const r = simVenue(sim, vc);
        if (r.protocol === "binance") {
          return createVenueAdapter({
            kind: "binance",
            ...common,
            symbols: vc.symbols,
            // the Ed25519 key: the WS API logs on once and its requests carry no signature
            apiKey: r.ed25519ApiKey,
            apiSecret: "",
            ed25519PrivateKeyPem: r.ed25519PrivateKeyPem,
            restUrl: r.restUrl,
            streamUrl: r.streamUrl,
            wsApiUrl: r.wsApiUrl,
          });
        }
        return createVenueAdapter({
          kind: "okx",
          ...common,
          restUrl: r.restUrl,
          wsPublicUrl: r.wsPublicUrl,
          wsPrivateUrl: r.wsPrivateUrl,
          apiKey: r.apiKey,
          secret: r.apiSecret,
          passphrase: r.passphrase,
          ...(vc.batch_orders !== undefined ? { batchOrderEntry: vc.batch_orders } : {}),
        });
      }
      case "okx": {
        const urls = okxUrls(vc);
        return createVenueAdapter({
          kind: "okx",
          ...common,
          restUrl: urls.rest,
          wsPublicUrl: urls.ws_public,
          wsPrivateUrl: urls.ws_private,
          apiKey: vc.api_key ?? "",
          secret: vc.api_secret ?? "",
          passphrase: vc.passphrase ?? "",
          demo: vc.testnet,
          ...(vc.batch_orders !== undefined ? { batchOrderEntry: vc.batch_orders } : {}),
        });
      }
      case "paper":
        return paperVenue(config, vc, common);
      case "binance": {
        const urls = binanceUrls(vc);
        return createVenueAdapter({
          kind: "binance",
          ...common,
          symbols: vc.symbols,
          apiKey: vc.api_key ?? "",
          apiSecret: vc.api_secret ?? "",
          restUrl: urls.rest,
          streamUrl: urls.stream,
          wsApiUrl: urls.ws_api,
        });
      }
    }
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(`venue ${vc.name}`) ? msg : `venue ${vc.name}: ${msg}`);
  }
}

/** The simulator's entry for a sim venue, checked against the venue's type. */
function simVenue(sim: SimChild | undefined, vc: VenueConfig): SimReadyVenue {
  if (sim === undefined) throw new Error(`venue ${vc.name}: simulator not running`);
  const r = sim.ready.venues.find((v) => v.name === vc.name);
  const want = vc.type === "sim-okx" ? "okx" : "binance";
  if (r === undefined || r.protocol !== want)
    throw new Error(`venue ${vc.name}: the simulator runs no ${want}-protocol venue of that name`);
  return r;
}

/** A paper venue: the source venue's market data (no keys), our orders filled locally per fill_model. */
function paperVenue(
  config: Config,
  vc: VenueConfig,
  common: { name: string; clientIdPrefix: string; clock: Clock; rng: Rng; marketSocket?: "wire" | "bun" },
): VenueAdapter {
  const inner =
    vc.source === "okx"
      ? (() => {
          const urls = okxUrls(vc);
          return createVenueAdapter({
            kind: "okx",
            ...common,
            restUrl: urls.rest,
            wsPublicUrl: urls.ws_public,
            wsPrivateUrl: urls.ws_private,
            demo: vc.testnet,
          });
        })()
      : (() => {
          const urls = binanceUrls(vc);
          return createVenueAdapter({
            kind: "binance",
            ...common,
            symbols: vc.symbols,
            apiKey: "",
            apiSecret: "",
            marketDataOnly: true,
            restUrl: urls.rest,
            streamUrl: urls.stream,
            wsApiUrl: urls.ws_api,
          });
        })();
  const fm = config.fill_model;
  const latency =
    fm.order_latency_file !== undefined
      ? new SampledLatency(readLatencySamples(fm.order_latency_file), common.rng.fork("paper-latency"))
      : new ConstantLatency(fm.order_latency_ms.entry, fm.order_latency_ms.response);
  const balances: Record<string, string> = {};
  for (const [asset, x] of Object.entries(fm.balances)) balances[asset] = x.toFixed(8).replace(/\.?0+$/, "");
  return new PaperAdapter({
    name: vc.name,
    inner,
    clock: common.clock,
    fees: venueFees(config, vc),
    queue: queueModel(fm.queue, fm.queue_power),
    latency,
    balances,
    clientIdPrefix: common.clientIdPrefix,
  });
}
