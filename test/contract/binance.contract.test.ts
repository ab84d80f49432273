/**
 * Runs the VenueAdapter contract suite against the Binance adapter talking to the simulator: once
 * with order entry over the WebSocket API (user data via userDataStream.subscribe.signature), once
 * over REST (user data via the listenKey stream).
 */
import { binanceSimHarness } from "./binance-sim.harness.ts";
import { runVenueAdapterContract } from "./venue-adapter.contract.ts";

runVenueAdapterContract("binance (simulator, WS API orders)", binanceSimHarness());
runVenueAdapterContract(
  "binance (simulator, REST orders + listenKey, market data on Bun's WebSocket)",
  binanceSimHarness({ orderEntry: "rest", marketSocket: "bun" }),
);
