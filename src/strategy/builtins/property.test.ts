/**
 * Property test over random instruments, books, positions and parameters: whatever happens, an
 * emitted quote never crosses the book, sits on the tick and lot grids with at least the venue's
 * minimum size, never clears less than min_profit after fees, and would never take the position
 * past max_position if every level filled. Replay a failure with STRATEGY_SEED=<seed>.
 */
import { expect, test } from "bun:test";
import { FakeBook, fakeContext, fakeInstrument } from "../../../test/support/strategy-harness.ts";
import { Rng } from "../../services/index.ts";
import type { BookHealth } from "../../types/index.ts";
import { createStrategy, InstrumentGrid, type QuoteIntent, type QuoteLevel, type Strategy } from "../index.ts";

const SEED = process.env.STRATEGY_SEED ?? "strategy-property-1";
const RUNS = Number(process.env.STRATEGY_RUNS ?? 300);
const STEPS = 40;

const GRIDS = [
  { tick: "0.01", step: "0.00001", minNotional: "5" },
  { tick: "0.1", step: "0.001", minNotional: "10" },
  { tick: "1", step: "1", minNotional: "0" },
  { tick: "0.0001", step: "0.1", minNotional: "1" },
  { tick: "0.5", step: "0.01", minNotional: "100" },
];

interface Case {
  strategy: Strategy;
  grid: InstrumentGrid;
  book: FakeBook;
  maxLots: number;
  minProfit: number;
  fee: number;
}

function makeCase(rng: Rng): Case {
  const g = rng.pick(GRIDS);
  const fee = rng.pick([0, 0.0002, 0.001, -0.0001]);
  const inst = fakeInstrument({ ...g, maker: fee });
  const { ctx } = fakeContext([inst]);
  const step = inst.info.qty.toNumber(1);
  const orderLots = rng.range(1, 5000);
  const maxLots = orderLots * rng.range(1, 20) + rng.int(orderLots);
  const minProfit = rng.pick([0, 0.00005, 0.0001, 0.001]);
  const common = {
    order_size: orderLots * step,
    max_position: maxLots * step,
    min_profit: minProfit,
    levels: rng.range(1, 5),
    level_spacing: rng.pick([0, 0.0001, 0.001, 0.01]),
    refresh_tolerance: rng.pick([0, 0.0001, 0.001]),
    refresh_tolerance_ticks: rng.pick([0, 1, 50]),
  };
  const strategy = rng.chance(0.5)
    ? createStrategy({
        type: "market_making",
        ctx,
        params: {
          ...common,
          spread: rng.pick([0.00001, 0.0005, 0.002, 0.01, 0.2]),
          inventory_skew: rng.pick([0, 0.0005, 0.01, 0.3]),
          fair_value: "mid",
        },
      })
    : createStrategy({
        type: "avellaneda_stoikov",
        ctx,
        params: {
          ...common,
          risk_aversion: rng.pick([0.1, 5, 50, 1000]),
          volatility: rng.pick([0.05, 0.5, 3]),
          ...(rng.chance(0.5) ? { kappa: rng.pick([10, 2000, 1e6]) } : {}),
        },
      });
  strategy.start();
  return { strategy, grid: new InstrumentGrid(inst), book: new FakeBook(), maxLots, minProfit, fee };
}

/** Moves the book somewhere random: usually a normal book, sometimes empty, crossed or one-sided. */
function randomBook(rng: Rng, book: FakeBook): void {
  const mid = rng.range(20, 100_000_000);
  const half = rng.range(1, Math.min(500, Math.max(1, Math.floor(mid / 50))));
  const r = rng.next();
  if (r < 0.05)
    book.set(mid + half, mid - half); // crossed
  else book.set(mid - half, mid + half, rng.range(1, 10_000), rng.range(1, 20), rng.range(1, 100));
  if (r > 0.97) book.asks = [];
  else if (r > 0.94) book.bids = [];
}

function check(c: Case, q: QuoteIntent, position: number, health: BookHealth, ctxMsg: string): void {
  const bb = c.book.bestBidTicks();
  const ba = c.book.bestAskTicks();
  const usable = health === "live" && bb >= 0 && ba >= 0 && bb < ba;
  if (!usable) {
    expect(q.bids.length + q.asks.length, `${ctxMsg}: quoted on an unusable book`).toBe(0);
    return;
  }
  const mid = (bb + ba) / 2;
  const side = (levels: readonly QuoteLevel[], isBid: boolean): number => {
    let total = 0;
    let prev = isBid ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    for (const l of levels) {
      const m = `${ctxMsg}: ${isBid ? "bid" : "ask"} ${JSON.stringify(l)} book ${bb}/${ba}`;
      expect(Number.isSafeInteger(l.priceTicks) && l.priceTicks > 0, `${m}: price off the tick grid`).toBe(true);
      expect(Number.isSafeInteger(l.lots) && l.lots > 0, `${m}: size off the lot grid`).toBe(true);
      if (isBid) {
        expect(l.priceTicks < ba, `${m}: bid crosses the best ask`).toBe(true);
        expect(l.priceTicks < prev, `${m}: bids not descending`).toBe(true);
        expect((mid - l.priceTicks) / mid - c.fee >= c.minProfit - 1e-12, `${m}: edge below min_profit`).toBe(true);
      } else {
        expect(l.priceTicks > bb, `${m}: ask crosses the best bid`).toBe(true);
        expect(l.priceTicks > prev, `${m}: asks not ascending`).toBe(true);
        expect((l.priceTicks - mid) / mid - c.fee >= c.minProfit - 1e-12, `${m}: edge below min_profit`).toBe(true);
      }
      expect(l.lots >= c.grid.minQtyLots, `${m}: below the minimum quantity`).toBe(true);
      expect(l.lots * l.priceTicks >= c.grid.minTickLots, `${m}: below the minimum notional`).toBe(true);
      prev = l.priceTicks;
      total += l.lots;
    }
    return total;
  };
  const bidLots = side(q.bids, true);
  const askLots = side(q.asks, false);
  if (q.bids.length > 0 && q.asks.length > 0) {
    expect(
      (q.bids[0] as QuoteLevel).priceTicks < (q.asks[0] as QuoteLevel).priceTicks,
      `${ctxMsg}: bid >= ask ${JSON.stringify(q)} book ${bb}/${ba}`,
    ).toBe(true);
  }
  if (bidLots > 0) {
    expect(position + bidLots <= c.maxLots, `${ctxMsg}: bids fill to ${position + bidLots} > max ${c.maxLots}`).toBe(
      true,
    );
  }
  if (askLots > 0) {
    expect(position - askLots >= -c.maxLots, `${ctxMsg}: asks fill to ${position - askLots} < -max ${c.maxLots}`).toBe(
      true,
    );
  }
}

test(`quotes are never crossed, always on grid, never past max_position (seed ${SEED})`, () => {
  const rng = new Rng(SEED);
  let quotesChecked = 0;
  for (let run = 0; run < RUNS; run++) {
    const c = makeCase(rng);
    let position = 0;
    let health: BookHealth = "live";
    for (let stepNo = 0; stepNo < STEPS; stepNo++) {
      const msg = `seed ${SEED} run ${run} step ${stepNo} (${c.strategy.kind}, params ${JSON.stringify(c.strategy.params())}, position ${position})`;
      const r = rng.next();
      if (r < 0.55) {
        // Small moves exercise the refresh tolerance; jumps exercise crossing.
        if (rng.chance(0.7) && c.book.bestBidTicks() > 10 && c.book.bestAskTicks() > 0) {
          const d = rng.range(-20, 20);
          c.book.set(c.book.bestBidTicks() + d, c.book.bestAskTicks() + d, rng.range(1, 1000), rng.range(1, 5));
        } else randomBook(rng, c.book);
        c.strategy.onBook({ venue: "sim", symbol: "BTC-USDT", book: c.book, health, recvNs: 0 });
      } else if (r < 0.85) {
        position = rng.range(-2 * c.maxLots, 2 * c.maxLots);
        if (rng.chance(0.3)) position = rng.pick([c.maxLots, -c.maxLots, c.maxLots - 1, 1 - c.maxLots, 0]);
        c.strategy.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: position });
      } else if (r < 0.93) {
        health = rng.pick(["live", "live", "stale", "resyncing", "syncing"] as const);
        c.strategy.onBookHealth("sim", "BTC-USDT", health);
      } else {
        c.strategy.onTimer(0);
      }
      const q = c.strategy.currentQuotes()[0];
      if (q === undefined) throw new Error(`${msg}: no quote state`);
      if (c.strategy.state() === "running") check(c, q, position, health, msg);
      quotesChecked += q.bids.length + q.asks.length;
    }
  }
  // The generator must actually produce quotes, or the property is vacuous.
  expect(quotesChecked, `seed ${SEED}: too few quote levels checked`).toBeGreaterThan(RUNS * 10);
});
