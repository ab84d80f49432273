/**
 * Settling a venue with the journal at start-up, before quoting: the orders earlier runs left live
 * in the journal are looked up at the venue (and orders a killed run sent but never journaled are
 * found by probing the client ids after its last journaled one), the fills missed while the engine
 * was down are fetched from the venue's trade history and booked exactly once, and the venue's
 * balances are compared with what the journal plus those fills say they must be.
 */
import type { BalanceDiff, Execution } from "../execution/index.ts";
import type { Journal, RestoredState, SqliteJournal, UncleanRun } from "../journal/index.ts";
import type { Logger } from "../services/index.ts";
import {
  type Balance,
  type InstrumentInfo,
  type OpenOrder,
  type TradeQuery,
  VenueRejectError,
  type VenueTrade,
} from "../types/index.ts";
import type { VenueAdapter } from "../venues/index.ts";

/** What settling one venue works with. */
export interface SettleContext {
  readonly desk: Execution;
  readonly store: SqliteJournal;
  readonly journal: Journal;
  readonly adapter: VenueAdapter;
  readonly venue: string;
  readonly symbols: readonly string[];
  readonly log: Logger;
  nowMs(): number;
  sleep(ms: number): Promise<void>;
  /** Venue order id → client id, learned while settling (trades the venue lists without a client id). */
  readonly venueOrders: Map<string, string>;
}

/** The trade-history catch-up of one instrument. */
export interface TradeCatchUp {
  readonly venue: string;
  readonly symbol: string;
  /** Where the history was read from: "after trade <id>" or "since <ISO time>". */
  readonly from: string;
  readonly applied: number;
  readonly duplicates: number;
  /** Trades of orders that are not this engine's (another system on the same account). */
  readonly foreign: number;
}

const PROBE_MISSES = 8;
const MAX_PROBE = 1000;
/** Trades asked for per trade-history call: memory stays bounded however long the engine was down. */
export const HISTORY_PAGE = 1000;

/** How long settling waits out a venue's request budget (its rate-limit windows are a minute). */
const RATE_LIMIT_WAIT_MS = 70_000;
const RATE_LIMIT_STEP_MS = 5_000;

/**
 * Runs fn up to 3 times (200 ms, 400 ms apart); the last error propagates. A venue refusing for its
 * request budget (an engine restarted several times in a minute spends it on start-up reads) is
 * waited out, up to RATE_LIMIT_WAIT_MS, rather than halt trading for a start-up check that failed.
 */
async function withRetry<T>(ctx: SettleContext, fn: () => Promise<T>): Promise<T> {
  const startMs = ctx.nowMs();
  for (let failures = 0; ; ) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof VenueRejectError && e.reason === "rate_limited" && ctx.nowMs() - startMs < RATE_LIMIT_WAIT_MS) {
        ctx.log.warn(`venue ${ctx.venue}: request budget spent, start-up waits for it`, { error: e.message });
        await ctx.sleep(RATE_LIMIT_STEP_MS);
        continue;
      }
      if (++failures >= 3) throw e;
      await ctx.sleep(200 * failures);
    }
  }
}

function info(ctx: SettleContext, symbol: string): InstrumentInfo | undefined {
  return ctx.adapter.instruments().get(symbol);
}

/** Journals what the venue says about an order (settling state, learning its venue id). */
function recordVenueState(ctx: SettleContext, clientId: string, from: string, o: OpenOrder, why: string): void {
  if (o.venueOrderId !== "") ctx.venueOrders.set(o.venueOrderId, clientId);
  ctx.journal.record({
    kind: "order_event",
    tsMs: ctx.nowMs(),
    clientId,
    from,
    to: o.status,
    filledQty: info(ctx, o.symbol)?.qty.format(o.cumLots) ?? String(o.cumLots),
    venueOrderId: o.venueOrderId,
    reason: why,
    rejectReason: null,
  });
}

/**
 * Asks the venue how each order an earlier run left live in the journal ended. Returns how many
 * were settled; an order the venue cannot be asked about stays unsettled for the next start.
 */
export async function settleOrders(ctx: SettleContext): Promise<number> {
  let settled = 0;
  for (const o of ctx.store.unsettledOrders()) {
    if (o.venue !== ctx.venue) continue;
    if (o.venueOrderId !== "") ctx.venueOrders.set(o.venueOrderId, o.clientId);
    let s: OpenOrder | undefined;
    try {
      s = await withRetry(ctx, () => ctx.adapter.orderStatus(o.symbol, o.clientId));
    } catch (e) {
      ctx.log.warn(`journal: order ${o.clientId} on ${ctx.venue} could not be looked up`, {
        error: (e as Error).message,
      });
      continue;
    }
    if (s !== undefined) recordVenueState(ctx, o.clientId, o.state, s, "start-up: as the venue reports it");
    else {
      const lost = o.state === "pending_new" && o.venueOrderId === "";
      ctx.journal.record({
        kind: "order_event",
        tsMs: ctx.nowMs(),
        clientId: o.clientId,
        from: o.state,
        to: lost ? "rejected" : "canceled",
        filledQty: o.filledQty,
        venueOrderId: o.venueOrderId,
        reason: lost ? "start-up: the venue never had it" : "start-up: the venue no longer knows it",
        rejectReason: lost ? "lost" : null,
      });
    }
    settled++;
  }
  return settled;
}

/**
 * Finds orders an unclean run sent but never journaled (killed between sending and committing):
 * asks the venue for the client ids after the run's last journaled one, symbol by symbol, until
 * PROBE_MISSES ids in a row are unknown everywhere. Returns how many it found.
 */
export async function probeRun(ctx: SettleContext, run: UncleanRun): Promise<number> {
  let found = 0;
  let misses = 0;
  for (let seq = run.maxSeq + 1; misses < PROBE_MISSES && seq <= run.maxSeq + MAX_PROBE; seq++) {
    const clientId = `${run.clientIdHead}${seq}`;
    let hit = false;
    for (const symbol of ctx.symbols) {
      const s = await withRetry(ctx, () => ctx.adapter.orderStatus(symbol, clientId));
      if (s === undefined) continue;
      hit = true;
      found++;
      recordDiscovered(ctx, run.runId, clientId, s);
    }
    misses = hit ? 0 : misses + 1;
  }
  return found;
}

function recordDiscovered(ctx: SettleContext, runId: number, clientId: string, s: OpenOrder): void {
  const i = info(ctx, s.symbol);
  ctx.journal.record({
    kind: "order",
    tsMs: ctx.nowMs(),
    clientId,
    venue: ctx.venue,
    symbol: s.symbol,
    side: s.side === 0 ? "buy" : "sell",
    type: "unknown",
    tif: "unknown",
    price: i?.price.format(s.priceTicks) ?? String(s.priceTicks),
    qty: i?.qty.format(s.origLots) ?? String(s.origLots),
    strategy: null,
    discoveredRunId: runId,
  });
  recordVenueState(
    ctx,
    clientId,
    "pending_new",
    s,
    "start-up: found at the venue, sent by a run killed before journaling it",
  );
}

/**
 * Books every fill of this engine the venue made after the journal's last one (per symbol), in the
 * venue's order, exactly once, a page of HISTORY_PAGE trades at a time (each page continues after
 * the previous page's last trade). Throws when the history cannot be read (after retries).
 */
export async function catchUpTrades(ctx: SettleContext, state: RestoredState): Promise<TradeCatchUp[]> {
  const history = ctx.adapter.tradeHistory?.bind(ctx.adapter);
  if (history === undefined) return [];
  const out: TradeCatchUp[] = [];
  for (const symbol of ctx.symbols) {
    const last = state.lastFills.find((f) => f.venue === ctx.venue && f.symbol === symbol);
    const since = state.firstRunStartedMs ?? ctx.nowMs();
    const from = last !== undefined ? `after trade ${last.tradeId}` : `since ${new Date(since).toISOString()}`;
    const total = { applied: 0, duplicates: 0, foreign: 0 };
    const estimates = estimatedLots(ctx, symbol);
    let anchor = last?.tradeId;
    let query: TradeQuery =
      anchor !== undefined
        ? { symbol, afterTradeId: idBefore(anchor), limit: HISTORY_PAGE }
        : { symbol, sinceMs: since, limit: HISTORY_PAGE };
    for (;;) {
      const q = query;
      const page = await withRetry(ctx, () => history(q));
      const r = applyTrades(ctx, page, estimates, anchor);
      total.applied += r.applied;
      total.duplicates += r.duplicates;
      total.foreign += r.foreign;
      const tail = page[page.length - 1];
      if (tail === undefined || page.length < HISTORY_PAGE) break;
      anchor = tail.tradeId;
      const after = idBefore(anchor);
      // a page holding nothing but one id (a page size of 2 or less) must still move on
      query = { symbol, afterTradeId: after === q.afterTradeId ? anchor : after, limit: HISTORY_PAGE };
    }
    out.push({ venue: ctx.venue, symbol, from, ...total });
  }
  return out;
}

/**
 * The trade id just before `id` (numeric ids), so a query "after" it lists `id` again: both sides of
 * a self-trade share one trade id and the journal (or the previous page) may hold only one of them.
 * Ids that are not numbers are returned as they are.
 */
function idBefore(id: string): string {
  return /^[1-9]\d*$/.test(id) ? String(BigInt(id) - 1n) : id;
}

/**
 * Lots of each order already in the position through estimated fills (no trade id), by client id:
 * the venue's trades for that quantity are skipped rather than booked twice.
 */
function estimatedLots(ctx: SettleContext, symbol: string): Map<string, number> {
  const out = new Map<string, number>();
  const grid = info(ctx, symbol)?.qty;
  if (grid === undefined) return out;
  for (const e of ctx.store.estimatedFills(ctx.venue, symbol)) {
    const lots = grid.parse(e.qty);
    if (Number.isNaN(lots)) continue;
    out.set(e.clientId, (out.get(e.clientId) ?? 0) + lots);
    if (e.venueOrderId !== "") ctx.venueOrders.set(e.venueOrderId, e.clientId);
  }
  return out;
}

/**
 * Books a page of the venue's trades that are ours; `anchor` is the trade the page was asked from
 * (listed again, see idBefore): its sides booked already are skipped without counting.
 */
function applyTrades(
  ctx: SettleContext,
  trades: readonly VenueTrade[],
  estimates: Map<string, number>,
  anchor: string | undefined,
) {
  const unknown = trades.filter((t) => t.clientId === "" && !ctx.venueOrders.has(t.venueOrderId));
  const journaled = ctx.store.clientIdsOfVenueOrders(
    ctx.venue,
    unknown.map((t) => t.venueOrderId),
  );
  let applied = 0;
  let duplicates = 0;
  let foreign = 0;
  for (const t of trades) {
    if (t.tradeId === anchor && ctx.desk.trades.has(ctx.venue, t.symbol, t.tradeId, t.side)) continue;
    const clientId =
      t.clientId !== "" ? t.clientId : (ctx.venueOrders.get(t.venueOrderId) ?? journaled.get(t.venueOrderId) ?? "");
    if (clientId === "" || !ctx.desk.ids.owns(clientId)) {
      foreign++;
      continue;
    }
    const estimated = estimates.get(clientId) ?? 0;
    if (estimated >= t.lots && !ctx.desk.trades.has(ctx.venue, t.symbol, t.tradeId, t.side)) {
      estimates.set(clientId, estimated - t.lots);
      duplicates++; // in the position already, through an estimated fill of its order
      continue;
    }
    const outcome = ctx.desk.applyVenueTrade({ ...t, venue: ctx.venue }, clientId);
    if (outcome === "applied") applied++;
    else if (outcome === "duplicate") duplicates++;
    else foreign++;
  }
  return { applied, duplicates, foreign };
}

/**
 * Compares the venue's balances with the journal's (moved by the fills booked since): differences
 * left after the fills are what the journal cannot explain. Fills still on their way may make a
 * first comparison differ, so it is repeated (up to 3 times, 300 ms apart). The engine continues
 * from the venue's figures either way.
 */
export async function checkBalances(ctx: SettleContext, hasBaseline: boolean): Promise<BalanceDiff[]> {
  let reported: Balance[] = await withRetry(ctx, () => ctx.adapter.balances());
  let diffs = hasBaseline ? ctx.desk.balances.compare(ctx.venue, reported) : [];
  for (let attempt = 0; attempt < 3 && diffs.length > 0; attempt++) {
    await ctx.sleep(300);
    reported = await withRetry(ctx, () => ctx.adapter.balances());
    diffs = ctx.desk.balances.compare(ctx.venue, reported);
  }
  ctx.desk.balances.set(ctx.venue, reported);
  return diffs;
}
