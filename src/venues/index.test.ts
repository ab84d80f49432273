import { describe, expect, test } from "bun:test";
import { Rng, VirtualClock } from "../services/index.ts";
import { createVenueAdapter, VENUE_KINDS, type VenueAdapterConfig } from "./index.ts";

const common = { clientIdPrefix: "t1", clock: new VirtualClock(), rng: new Rng("factory"), symbols: ["BTC-USDT"] };

describe("createVenueAdapter", () => {
  test("builds each known kind behind the one VenueAdapter interface, without connecting", async () => {
    const binance = createVenueAdapter({
      kind: "binance",
      name: "b1",
      apiKey: "k",
      apiSecret: "s",
      restUrl: "http://127.0.0.1:1",
      streamUrl: "ws://127.0.0.1:1",
      wsApiUrl: "ws://127.0.0.1:1/ws-api/v3",
      ...common,
    });
    const okx = createVenueAdapter({
      kind: "okx",
      name: "o1",
      restUrl: "http://127.0.0.1:1",
      wsPublicUrl: "ws://127.0.0.1:1/ws/v5/public",
      wsPrivateUrl: "ws://127.0.0.1:1/ws/v5/private",
      ...common,
    });
    expect([binance.kind, okx.kind]).toEqual(["binance", "okx"]);
    expect([binance.name, okx.name]).toEqual(["b1", "o1"]);
    expect(VENUE_KINDS).toEqual(["binance", "okx"]);
    await Promise.all([binance.close(), okx.close()]);
  });

  test("an unknown kind is an error naming the venue and the kind", () => {
    const bad = { kind: "kraken", name: "k1", ...common } as unknown as VenueAdapterConfig;
    expect(() => createVenueAdapter(bad)).toThrow(/venue k1: unknown kind "kraken" \(known: binance, okx\)/);
  });
});
