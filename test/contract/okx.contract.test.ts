/**
 * Runs the VenueAdapter contract suite against the OKX v5 adapter talking to the OKX simulator: once
 * with order entry over the private WebSocket, once over signed REST (fills stream on the private
 * socket in both runs).
 */
import { okxSimHarness } from "./okx-sim.harness.ts";
import { runVenueAdapterContract } from "./venue-adapter.contract.ts";

runVenueAdapterContract("okx (simulator, WS orders)", okxSimHarness());
runVenueAdapterContract("okx (simulator, REST orders)", okxSimHarness({ orderEntry: "rest" }));
