/** Runs the VenueAdapter contract suite against the Binance adapter talking to the simulator. */
import { binanceSimHarness } from "./binance-sim.harness.ts";
import { runVenueAdapterContract } from "./venue-adapter.contract.ts";

runVenueAdapterContract("binance (simulator)", binanceSimHarness());
