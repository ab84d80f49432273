/**
 * Runs the VenueAdapter contract suite against the OKX v5 adapter talking to the OKX simulator: with
 * order entry over the private WebSocket and over signed REST, each with and without batchOrderEntry
 * (one turn's placements and cancels as OKX batch ops); fills stream on the private socket in every run. One OKX-specific check follows: the rotation test of the suite passes only
 * meaningfully if sockets really rotated, so that is asserted here from the adapter's counters.
 */
import { expect, test } from "bun:test";
import { eventually } from "../support/wait.ts";
import { okxSimHarness } from "./okx-sim.harness.ts";
import { runVenueAdapterContract } from "./venue-adapter.contract.ts";

runVenueAdapterContract("okx (simulator, WS orders)", okxSimHarness());
runVenueAdapterContract(
  "okx (simulator, REST orders, market data on Bun's WebSocket)",
  okxSimHarness({ orderEntry: "rest", marketSocket: "bun" }),
);
runVenueAdapterContract("okx (simulator, WS batch orders)", okxSimHarness({ batchOrderEntry: true }));
runVenueAdapterContract(
  "okx (simulator, REST batch orders)",
  okxSimHarness({ orderEntry: "rest", batchOrderEntry: true }),
);

test("okx: maxConnectionAgeMs really replaces the public socket, the book never leaves live", async () => {
  const h = await okxSimHarness({ seed: "contract-okx-rotation" })();
  try {
    const a = await h.createAdapter({ connectionAgeMs: 1000 });
    const notLive: string[] = [];
    a.onEvent((e) => {
      if (e.type === "book_health" && e.health !== "live") notLive.push(`${e.health}: ${e.reason}`);
    });
    await a.subscribeQuotes([h.symbol]);
    h.pauseMarket(false);
    await eventually(() => (a.stats?.()["rotations"] ?? 0) >= 3);
    const s = a.stats?.() ?? {};
    expect(s["rotations"] ?? 0, JSON.stringify(s)).toBeGreaterThanOrEqual(3);
    expect(s["rotationTimeouts"] ?? 0).toBe(0);
    expect(s["reconnects"] ?? 0).toBe(0);
    expect(notLive).toEqual([]);
    expect(a.bookHealth(h.symbol)).toBe("live");
  } finally {
    await h.close();
  }
}, 30_000);
