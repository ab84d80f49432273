/**
 * Turns the config's venue list into adapters: `type: sim` venues get the Binance adapter pointed
 * at a simulator the engine starts as a child process (its load stays off the engine's event
 * loop); `type: binance` venues get the Binance adapter with the configured keys and endpoints.
 */
import { createVenueAdapter, type VenueAdapter } from "../venues/index.ts";
import type { Clock } from "./clock.ts";
import { binanceUrls, needsSimulator, simulatorSymbols, venueFees } from "./config.ts";
import type { Config } from "./config-schema.ts";
import { type SimChild, type SimChildSpec, spawnSimChild } from "./engine-sim-child.ts";
import type { Logger } from "./log.ts";
import type { Rng } from "./rng.ts";

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

/** Creates every configured venue's adapter (not yet connected); errors name the venue. */
export async function createConfiguredVenues(
  config: Config,
  deps: { clock: Clock; rng: Rng; log: Logger; simRateLimits?: SimChildSpec["rateLimits"] },
): Promise<ConfiguredVenues> {
  let sim: SimChild | undefined;
  if (needsSimulator(config)) {
    const s = config.simulator;
    const firstSim = config.venues.find((v) => v.type === "sim");
    const fees = firstSim === undefined ? s.fees : venueFees(config, firstSim);
    try {
      sim = await spawnSimChild({
        seed: s.seed,
        speed: s.speed,
        port: s.port,
        symbols: simulatorSymbols(config).map((sym) => sym.replace("-", "")),
        marketDataMs: s.latency_ms.market_data ?? 0,
        orderEntryMs: s.latency_ms.order_entry ?? 0,
        fees: { maker: feeString(Math.max(0, fees.maker)), taker: feeString(fees.taker) },
        ...(deps.simRateLimits !== undefined ? { rateLimits: deps.simRateLimits } : {}),
      });
    } catch (e) {
      throw new Error(`simulator for venue ${firstSim?.name ?? "sim"}: ${(e as Error).message}`);
    }
    deps.log.info(`simulator started as child process ${sim.ready.pid}`, {
      rest: sim.ready.restUrl,
      seed: sim.ready.seed,
      symbols: sim.ready.symbols.join(","),
    });
  }
  const adapters: VenueAdapter[] = [];
  try {
    for (const vc of config.venues) {
      const common = {
        name: vc.name,
        symbols: vc.symbols,
        clientIdPrefix: config.engine.client_id_prefix,
        clock: deps.clock,
        rng: deps.rng.fork(`venue/${vc.name}`),
      };
      if (vc.type === "sim") {
        if (sim === undefined) throw new Error(`venue ${vc.name}: simulator not running`);
        adapters.push(
          createVenueAdapter({
            kind: "binance",
            ...common,
            apiKey: sim.ready.apiKey,
            apiSecret: sim.ready.apiSecret,
            restUrl: sim.ready.restUrl,
            streamUrl: sim.ready.streamUrl,
            wsApiUrl: sim.ready.wsApiUrl,
          }),
        );
      } else {
        const urls = binanceUrls(vc);
        adapters.push(
          createVenueAdapter({
            kind: "binance",
            ...common,
            apiKey: vc.api_key ?? "",
            apiSecret: vc.api_secret ?? "",
            restUrl: urls.rest,
            streamUrl: urls.stream,
            wsApiUrl: urls.ws_api,
          }),
        );
      }
    }
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
