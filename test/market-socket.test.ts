/**
 * The market-data socket's two clients give the same books: the wire socket (depth frames from the
 * receive buffer's bytes straight to the C decoder, the default) and Bun's WebSocket (a string per
 * frame), for Binance and OKX against their simulators. The full contract suite runs on both too (the
 * REST-order variants use Bun's); this checks that the bytes path really carries the depth frames.
 */
import { describe, expect, test } from "bun:test";
import { Side } from "../src/types/index.ts";
import type { VenueAdapter } from "../src/venues/contract.ts";
import { binanceSimHarness } from "./contract/binance-sim.harness.ts";
import type { ContractHarness, HarnessFactory } from "./contract/harness.ts";
import { okxSimHarness } from "./contract/okx-sim.harness.ts";
import { waitUntil } from "./support/wait.ts";

const LEVELS = 20;

function top(a: VenueAdapter, symbol: string): string {
  const book = a.book(symbol);
  if (book === undefined) return "no book";
  const t = new Float64Array(LEVELS);
  const l = new Float64Array(LEVELS);
  const side = (s: Side): number[][] => {
    const k = book.topLevels(s, LEVELS, t, l);
    return Array.from({ length: k }, (_, i) => [t[i] ?? 0, l[i] ?? 0]);
  };
  return JSON.stringify({ bids: side(Side.Buy), asks: side(Side.Sell) });
}

function venueTop(h: ContractHarness): string {
  const v = h.venueBook(h.symbol, LEVELS);
  return JSON.stringify({ bids: v.bids.map((x) => [...x]), asks: v.asks.map((x) => [...x]) });
}

const venues: [string, (kind: "wire" | "bun") => HarnessFactory, string, string][] = [
  [
    "binance",
    (kind) => binanceSimHarness({ seed: `market-socket-${kind}`, marketSocket: kind }),
    "md_depthApplied",
    "md_depthBytes",
  ],
  ["okx", (kind) => okxSimHarness({ seed: `market-socket-${kind}`, marketSocket: kind }), "bookFrames", "depthBytes"],
];

describe("market-data socket clients", () => {
  for (const [venue, harness, appliedKey, bytesKey] of venues) {
    for (const kind of ["wire", "bun"] as const) {
      test(`${venue} on the ${kind} socket: depth frames ${kind === "wire" ? "as bytes" : "as text"}, the venue's book`, async () => {
        const h = await harness(kind)();
        try {
          const a = await h.createAdapter();
          await a.subscribeQuotes([h.symbol]);
          h.pauseMarket(false);
          const stat = (k: string): number => a.stats?.()[k] ?? 0;
          await waitUntil(
            () => stat(appliedKey) >= 40,
            "40 depth frames applied",
            undefined,
            () => JSON.stringify(a.stats?.()),
          );
          h.pauseMarket(true);
          let mine = "";
          let want = "";
          await waitUntil(
            () => {
              mine = top(a, h.symbol);
              want = venueTop(h);
              return a.bookHealth(h.symbol) === "live" && mine === want;
            },
            "the adapter's book equal to the venue's",
            undefined,
            () => `venue ${want.slice(0, 300)}\nadapter ${mine.slice(0, 300)}`,
          );
          const applied = stat(appliedKey);
          const bytes = stat(bytesKey);
          if (kind === "wire") {
            // all but the frames before the book was live and the connection's first (which proves it)
            expect(bytes, JSON.stringify(a.stats?.())).toBeGreaterThanOrEqual(applied - 5);
            expect(bytes).toBeGreaterThan(30);
          } else expect(bytes).toBe(0);
        } finally {
          await h.close();
        }
      }, 60_000);
    }
  }
});
