import { describe, expect, test } from "bun:test";
import { FakeVenue } from "../../test/support/fake-venue.ts";
import { createLogger } from "../services/index.ts";
import { STRATEGY_TYPES, strategyParamsSchema } from "../strategy/index.ts";
import { parseConfig } from "./config.ts";
import { FeeBook } from "./fee-rates.ts";

const CONFIG = `
venues:
  - name: fake
    type: binance
    api_key: k
    api_secret: s
    symbols: [BTC-USDT]
strategy: { type: market_making }
http: { enabled: false }
`;

function setup() {
  const { config } = parseConfig(CONFIG, "fees.yaml", {
    env: {},
    strategies: strategyParamsSchema,
    strategyTypes: STRATEGY_TYPES,
  });
  const lines: string[] = [];
  const takers: number[] = [];
  const book = new FeeBook(config, createLogger({ write: (l) => lines.push(l) }), (_v, t) => takers.push(t));
  return { book, lines, takers, venue: new FakeVenue("fake") };
}

describe("FeeBook", () => {
  test("starts on the venue type's defaults, then follows the venue; the router hears the taker rate", async () => {
    const { book, takers, venue } = setup();
    const live = book.live("fake", "BTC-USDT");
    expect({ ...live, source: book.status("fake").fees[0]?.source }).toEqual({
      maker: 0.001,
      taker: 0.001,
      source: "default",
    });
    venue.venueFees = { maker: "-0.0001", taker: "0.0004" };
    expect(await book.refresh(venue, () => 42)).toBe(true);
    // the very object the strategy holds moved
    expect(live).toEqual({ maker: -0.0001, taker: 0.0004 });
    expect(book.status("fake")).toEqual({
      fees: [
        {
          symbol: "BTC-USDT",
          maker: -0.0001,
          taker: 0.0004,
          source: "venue",
          venueMaker: "-0.0001",
          venueTaker: "0.0004",
        },
      ],
      checkedAtMs: 42,
    });
    expect(takers).toEqual([0.001, 0.0004]);
  });

  test("a venue that cannot answer keeps the rates in force and is logged once per streak", async () => {
    const { book, lines, venue } = setup();
    venue.venueFees = { maker: "0.0002", taker: "0.0005" };
    await book.refresh(venue, () => 1);
    venue.venueFees = new Error("HTTP 503");
    expect(await book.refresh(venue, () => 2)).toBe(false);
    expect(await book.refresh(venue, () => 3)).toBe(false);
    expect(book.live("fake", "BTC-USDT")).toEqual({ maker: 0.0002, taker: 0.0005 });
    expect(lines.filter((l) => l.includes("could not read the account's rates")).length).toBe(1);
    expect(book.status("fake").checkedAtMs).toBe(1);
    venue.venueFees = { maker: "0.0002", taker: "0.0005" };
    expect(await book.refresh(venue, () => 4)).toBe(true);
    expect(lines.filter((l) => l.includes("fees on fake: read again")).length).toBe(1);
  });

  test("implausible rates from the venue are ignored and said", async () => {
    const { book, lines, venue } = setup();
    venue.venueFees = { maker: "0.5", taker: "0.001" };
    await book.refresh(venue, () => 1);
    expect(book.live("fake", "BTC-USDT")).toEqual({ maker: 0.001, taker: 0.001 });
    expect(lines.filter((l) => l.includes("implausible rates")).length).toBe(1);
  });
});
