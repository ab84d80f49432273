/**
 * One factory by venue kind, so configuration code never imports a venue directly: each venue kind
 * adds its member to the config union and its case here.
 */
import { type BinanceConfig, createBinanceAdapter } from "./binance/index.ts";
import type { VenueAdapter } from "./contract.ts";
import { createOkxAdapter, type OkxConfig } from "./okx/index.ts";

/** Venue configs by kind; each venue adds its member here. */
export type VenueAdapterConfig =
  | ({ readonly kind: "binance" } & BinanceConfig)
  | ({ readonly kind: "okx" } & OkxConfig);

/** Venue kinds this build can create. */
export const VENUE_KINDS: readonly string[] = ["binance", "okx"];

/** Creates the adapter for a config's kind; an unknown kind is an error naming it and the venue. */
export function createVenueAdapter(config: VenueAdapterConfig): VenueAdapter {
  switch (config.kind) {
    case "binance":
      return createBinanceAdapter(config);
    case "okx":
      return createOkxAdapter(config);
    default: {
      const c = config as { kind?: unknown; name?: unknown };
      throw new Error(
        `venue ${String(c.name)}: unknown kind ${JSON.stringify(c.kind)} (known: ${VENUE_KINDS.join(", ")})`,
      );
    }
  }
}
