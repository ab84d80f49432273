/** Runs the VenueAdapter contract suite against the in-process sim-direct adapter (wire faults excluded). */
import { simDirectHarness } from "./sim-direct.harness.ts";
import { runVenueAdapterContract } from "./venue-adapter.contract.ts";

runVenueAdapterContract("sim-direct (in-process simulator core)", simDirectHarness(), {
  unsupported: [
    "dropDepth: the gap is detected, the book resyncs and converges",
    "reorderDepth: the gap is detected, the book resyncs and converges",
    "duplicated event: ignored, book stays live and converges",
    "stale snapshot during a resync is detected and the book converges",
    "clean disconnect: reconnects and resyncs within the bound",
    "abrupt disconnect: reconnects and resyncs within the bound",
    "silent connection (ping timeout): marked stale, replaced, resynced",
    "frozen depth stream (the socket answers, best bid/ask moves on): stale within the bound, live once it flows",
    "a quiet market is not flagged: its feed is found alive again and again, the book stays live",
    "garbage, truncated and out-of-range depth frames on the wire are dropped and counted; the book resyncs and converges",
    "garbage, truncated and out-of-range best bid/ask and trade frames on the wire are dropped and counted",
    "a crossed book update or best bid/ask on the wire is refused, never emitted; the book converges",
    "a corrupted order event on the user stream never corrupts an order or a fill; its fill is recovered once",
    "make-before-break rotation keeps the book live",
    "a 5xx after placement reconciles to exactly one order",
    "a fill missed while the order connection was down is applied exactly once",
    "wrong keys give a start-up error naming the venue",
    "under order-rate pressure the adapter throttles itself and never draws a 429 or 418",
  ],
});
