/**
 * Public face of the in-process simulator venue: a VenueAdapter directly on a SimCore (no sockets),
 * for deterministic, faster-than-real-time runs of the whole engine on a VirtualClock.
 */
export { SimDirectAdapter, type SimDirectOptions } from "./adapter.ts";
