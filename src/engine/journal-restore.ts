/**
 * Putting the journal's memory back into a starting engine before it quotes: the kill switch and the
 * daily-loss baseline, recent PnL by day and booked trade ids (engine-wide, before any venue), then
 * each venue's positions with their cost basis and its balances (once the venue's instruments are
 * registered). A snapshot that no longer fits (a grid the venue changed so that a position is off
 * it) stops the start with an error naming it rather than trade on a guess.
 */
import { type Execution, type PositionSnapshot, TradeKeys } from "../execution/index.ts";
import type { PositionRecord, RestoredState } from "../journal/index.ts";
import type { Logger } from "../services/index.ts";
import { DecimalGrid, type InstrumentInfo, type Money, parseMoney, Side } from "../types/index.ts";

/** What was put back engine-wide, for the start-up log line and /api/status. */
export interface RestoredSummary {
  readonly runs: number;
  readonly fills: number;
  readonly killSwitch: string | null;
  readonly day: number;
  readonly baseline: string;
}

function money(s: string, what: string): Money {
  const m = parseMoney(s);
  if (m === undefined) throw new Error(`journal: ${what} is not an exact decimal: ${JSON.stringify(s)}`);
  return m;
}

/** Kill switch, daily-loss baseline, PnL by day and booked trade ids: before any venue connects. */
export function restoreEngineWide(desk: Execution, state: RestoredState, log: Logger): RestoredSummary {
  const r = state.risk;
  if (r !== undefined) {
    desk.risk.restoreDay(r.day, money(r.baseline, "risk baseline"));
    if (r.halted) {
      desk.kill.restore(r.reason, r.trippedAtMs, r.trips);
      log.warn(`kill switch restored from the journal: ${r.reason}; it stays engaged until POST /api/risk/resume`, {
        trippedAt: new Date(r.trippedAtMs).toISOString(),
      });
    }
  }
  desk.pnlDays.restore(
    state.pnlDays.map((d) => ({
      day: d.day,
      venue: d.venue,
      symbol: d.symbol,
      currency: d.currency,
      realized: money(d.realized, `pnl ${d.day} ${d.venue} ${d.symbol}`),
      fees: money(d.fees, `fees ${d.day} ${d.venue} ${d.symbol}`),
    })),
  );
  // oldest first, so the bounded memory evicts the oldest
  for (let i = state.recentTrades.length - 1; i >= 0; i--) {
    const t = state.recentTrades[i];
    if (t !== undefined)
      desk.trades.admit(TradeKeys.key(t.venue, t.symbol, t.tradeId, t.side === "sell" ? Side.Sell : Side.Buy));
  }
  const { day, baseline } = desk.risk.dayState();
  return {
    runs: state.runs,
    fills: state.fills,
    killSwitch: desk.kill.isHalted() ? desk.kill.reason() : null,
    day,
    baseline: String(baseline),
  };
}

/**
 * Positions (FIFO entries, cost, realized PnL, fees) of one venue's instruments; returns how many
 * were restored. A position on an instrument the venue no longer lists is reported, not restored.
 */
export function restoreVenuePositions(desk: Execution, state: RestoredState, venue: string, log: Logger): number {
  let n = 0;
  for (const p of state.positions) {
    if (p.venue !== venue) continue;
    const inst = desk.registry.get(venue, p.symbol);
    if (inst === undefined) {
      if (p.lots !== 0 || p.realized !== "0")
        log.warn(
          `journal: position ${venue} ${p.symbol} (${p.position}) is not restored: the venue no longer lists it`,
        );
      continue;
    }
    desk.restorePosition(venue, p.symbol, snapshotOf(p, inst.info));
    n++;
  }
  return n;
}

/** Balances the journal last saw on a venue, as the starting point the venue's own are compared with. */
export function restoreVenueBalances(desk: Execution, state: RestoredState, venue: string): boolean {
  const b = state.balances.find((x) => x.venue === venue);
  if (b === undefined) return false;
  desk.balances.set(
    venue,
    b.balances.map((x) => ({ asset: x.asset, free: x.total, locked: "0" })),
  );
  return true;
}

/** A journaled position on today's grids (exact; an entry off the new grid is an error naming it). */
export function snapshotOf(p: PositionRecord, info: InstrumentInfo): PositionSnapshot {
  const what = `journal: position ${p.venue} ${p.symbol}`;
  const lots = regrid(p.lots, p.step, info.qty, `${what}: quantity`);
  const entries = p.entries.map(
    ([l, t]) =>
      [
        regrid(l, p.step, info.qty, `${what}: entry quantity`),
        regrid(t, p.tick, info.price, `${what}: entry price`),
      ] as const,
  );
  const feesByAsset = new Map<string, Money>();
  for (const [asset, amount] of Object.entries(p.feesByAsset)) feesByAsset.set(asset, money(amount, `${what} fee`));
  return {
    lots,
    entries,
    openCost: money(p.openCost, `${what} cost`),
    realized: money(p.realized, `${what} realized PnL`),
    fees: money(p.fees, `${what} fees`),
    feesByAsset,
    unvaluedFees: p.unvaluedFees,
    fills: p.fills,
    boughtLots: regrid(p.boughtLots, p.step, info.qty, `${what}: bought`),
    soldLots: regrid(p.soldLots, p.step, info.qty, `${what}: sold`),
  };
}

/** n increments of the grid `from` as increments of `to` (the same grid: n itself). */
function regrid(n: number, from: string, to: DecimalGrid, what: string): number {
  if (from === to.increment || n === 0) return n;
  const sign = n < 0 ? -1 : 1;
  const dec = new DecimalGrid(from).format(Math.abs(n));
  const m = to.parse(dec);
  if (Number.isNaN(m))
    throw new Error(
      `${what} ${dec} is not a multiple of the venue's increment ${to.increment} (was ${from}): close or adjust the position by hand, then move the journal aside`,
    );
  return sign * m;
}
