/** The replay venue: recorded market data behind the VenueAdapter contract, for backtests. */
export { ReplayAdapter, type ReplayAdapterOptions } from "./adapter.ts";
export { instrumentOf, type ReplayOptions, ReplaySession, type ReplayVenueSpec } from "./session.ts";
