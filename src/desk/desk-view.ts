/**
 * The desk view: every engine's journal records, as the desk stream carries them, folded into what an
 * operator of the whole desk asks first: each engine's positions, PnL, fees and open orders, and the
 * firm's totals. It reads the journal's own records the way the journal's restore reads them (the
 * latest position snapshot of an instrument is its position; an order's latest transition is its
 * state), but keyed by (engine, session, seq) instead of arrival: the stream may deliver a retried
 * record after later ones, deliver one twice, or miss one for good (a batch the sink refused while
 * the bus was down), and none of that may change the result or stall it. Applying the same messages
 * in any order, any number of times, gives the same view.
 */
import type { FillRecord, OrderEventRecord, OrderRecord, PositionRecord } from "../journal/index.ts";
import { formatMoney, MONEY_DECIMALS, type Money, parseMoney } from "../types/index.ts";
import { isProblem, parseDeskMessage } from "./desk-message.ts";
import type { DeskMessage } from "./stream-sink.ts";

/** One engine's position in one instrument, from its latest snapshot on the stream. */
export interface DeskPositionRow {
  readonly engine: string;
  readonly venue: string;
  readonly symbol: string;
  /** Base asset, exact. */
  readonly position: string;
  readonly lots: number;
  readonly openCost: string;
  readonly realized: string;
  /** Fees valued in the quote currency. */
  readonly fees: string;
  readonly feesByAsset: Readonly<Record<string, string>>;
  readonly currency: string;
  /** The price the open position is marked at: the desk's last fill in the symbol (null: none yet). */
  readonly mark: string | null;
  /** At `mark`; null when there is no mark. */
  readonly unrealized: string | null;
  readonly tsMs: number;
}

/** An order an engine holds open (its latest journaled state is a live one). */
export interface DeskOrderRow {
  readonly engine: string;
  readonly clientId: string;
  readonly venue: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly price: string;
  readonly qty: string;
  readonly filledQty: string;
  readonly state: string;
  readonly strategy: string | null;
  readonly createdMs: number;
  readonly updatedMs: number;
}

/** PnL summed in one quote currency. */
export interface DeskPnlRow {
  readonly currency: string;
  readonly realized: string;
  readonly unrealized: string;
  readonly fees: string;
  /** realized + unrealized − fees. */
  readonly net: string;
}

/** What the view knows of one engine. */
export interface DeskEngineView {
  readonly engine: string;
  /** Process starts seen on the stream. */
  readonly sessions: number;
  readonly records: number;
  /** Sequence numbers below the highest seen that never arrived (refused batches, or still in flight). */
  readonly missing: number;
  readonly lastRecordMs: number;
  readonly fills: number;
  /** Orders seen to a terminal state whose records are complete: counted, no longer held. */
  readonly closedOrders: number;
  /** Its own kill switch as last journaled (null: no risk record yet). */
  readonly halted: boolean | null;
  readonly haltReason: string | null;
  readonly positions: readonly DeskPositionRow[];
  readonly openOrders: readonly DeskOrderRow[];
  readonly pnl: readonly DeskPnlRow[];
}

/** The firm's position in one symbol, every engine and venue added up. */
export interface DeskFirmPosition {
  readonly symbol: string;
  readonly asset: string;
  readonly position: string;
}

/** How the fold went. */
export interface DeskViewStats {
  applied: number;
  /** Messages whose (engine, session, seq) was already applied. */
  duplicates: number;
  /** Applied although a lower sequence of the same session had not arrived yet. */
  outOfOrder: number;
  /** Refused messages by reason (not_json, envelope, record, subject). */
  readonly malformed: Record<string, number>;
}

/** The whole view, as /api/desk and `bun run desk` show it. */
export interface DeskSnapshot {
  readonly engines: readonly DeskEngineView[];
  readonly firm: {
    readonly positions: readonly DeskFirmPosition[];
    readonly pnl: readonly DeskPnlRow[];
    readonly openOrders: number;
  };
  readonly stats: DeskViewStats;
}

const LIVE = new Set(["pending_new", "new", "partially_filled", "pending_cancel"]);
const SCALE = 10n ** BigInt(MONEY_DECIMALS);
const FORGET_EVERY = 10_000;

/** Where a record sits in its engine's history: session (in order of first appearance), then seq. */
type Key = readonly [number, number];
const after = (a: Key, b: Key): boolean => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/** Which sequence numbers of one session were applied: a contiguous prefix plus the ones above it. */
class SeqSet {
  prefix = 0;
  readonly above = new Set<number>();
  max = 0;

  /** False when seq was applied already. */
  add(seq: number): boolean {
    if (seq <= this.prefix || this.above.has(seq)) return false;
    this.above.add(seq);
    if (seq > this.max) this.max = seq;
    while (this.above.delete(this.prefix + 1)) this.prefix++;
    return true;
  }

  get missing(): number {
    return this.max - this.prefix - this.above.size;
  }
}

interface OrderFold {
  order: OrderRecord | undefined;
  event: OrderEventRecord | undefined;
  eventKey: Key;
}

interface Mark {
  price: Money;
  priceText: string;
  tsMs: number;
  engine: string;
  key: Key;
}

/** The fold of one engine's records. */
class EngineFold {
  readonly sessions = new Map<string, { index: number; seqs: SeqSet }>();
  readonly positions = new Map<string, { key: Key; rec: PositionRecord }>();
  readonly orders = new Map<string, OrderFold>();
  /** Orders closed and forgotten (see forgetClosed). */
  closedOrders = 0;
  readonly fills = new Set<string>();
  /** The quote currency of each instrument, from its fills. */
  readonly currencies = new Map<string, string>();
  risk: { key: Key; halted: boolean; reason: string } | undefined;
  records = 0;
  lastRecordMs = 0;

  constructor(readonly engine: string) {}

  /**
   * Drops closed orders no record can still change, so a view that runs for months holds the live
   * orders, not every order ever: an order whose latest transition is terminal, whose creation is
   * known, and whose session has every sequence up to that transition (nothing earlier of that
   * session can arrive any more; a later session's record has a higher key and would be a new fold).
   */
  forgetClosed(): void {
    const prefixes = new Map<number, number>();
    for (const s of this.sessions.values()) prefixes.set(s.index, s.seqs.prefix);
    for (const [clientId, o] of this.orders) {
      if (o.order === undefined || o.event === undefined || LIVE.has(o.event.to)) continue;
      if ((prefixes.get(o.eventKey[0]) ?? 0) < o.eventKey[1]) continue;
      this.orders.delete(clientId);
      this.closedOrders++;
    }
  }

  session(id: string): { index: number; seqs: SeqSet } {
    let s = this.sessions.get(id);
    if (s === undefined) {
      s = { index: this.sessions.size + 1, seqs: new SeqSet() };
      this.sessions.set(id, s);
    }
    return s;
  }
}

/** The desk view: apply stream messages (bytes or parsed), read snapshots. */
export class DeskView {
  readonly stats: DeskViewStats = { applied: 0, duplicates: 0, outOfOrder: 0, malformed: {} };
  private readonly engines = new Map<string, EngineFold>();
  private readonly marks = new Map<string, Mark>();

  /**
   * Forgets everything folded (the stream it came from is gone: deleted, or recreated with new
   * sequences), so the view is rebuilt from the new stream alone. Malformed counts are kept.
   */
  reset(): void {
    this.engines.clear();
    this.marks.clear();
    this.stats.applied = 0;
    this.stats.duplicates = 0;
    this.stats.outOfOrder = 0;
  }

  /** Checks and applies one message off the stream; a refused one is counted and skipped. */
  applyBytes(bytes: Uint8Array, subject?: string): boolean {
    const m = parseDeskMessage(bytes, subject);
    if (isProblem(m)) {
      this.stats.malformed[m.reason] = (this.stats.malformed[m.reason] ?? 0) + 1;
      return false;
    }
    return this.apply(m);
  }

  /** Applies one checked message; false when it was a duplicate. */
  apply(m: DeskMessage): boolean {
    let e = this.engines.get(m.engine);
    if (e === undefined) {
      e = new EngineFold(m.engine);
      this.engines.set(m.engine, e);
    }
    const s = e.session(m.session);
    if (!s.seqs.add(m.seq)) {
      this.stats.duplicates++;
      return false;
    }
    if (s.seqs.missing > 0) this.stats.outOfOrder++;
    this.stats.applied++;
    e.records++;
    const key: Key = [s.index, m.seq];
    this.fold(e, key, m);
    // a view nobody reads for a long time still holds only live orders
    if (this.stats.applied % FORGET_EVERY === 0) for (const f of this.engines.values()) f.forgetClosed();
    return true;
  }

  private fold(e: EngineFold, key: Key, m: DeskMessage): void {
    const r = m.record;
    if ("tsMs" in r && r.tsMs > e.lastRecordMs) e.lastRecordMs = r.tsMs;
    switch (r.kind) {
      case "position": {
        const k = `${r.venue}|${r.symbol}`;
        const had = e.positions.get(k);
        if (had === undefined || after(key, had.key)) e.positions.set(k, { key, rec: r });
        return;
      }
      case "order":
        this.order(e, r.clientId).order ??= r;
        return;
      case "order_event": {
        const o = this.order(e, r.clientId);
        if (o.event === undefined || after(key, o.eventKey)) {
          o.event = r;
          o.eventKey = key;
        }
        return;
      }
      case "fill":
        this.fill(e, key, m.session, r);
        return;
      case "risk":
        if (e.risk === undefined || after(key, e.risk.key)) e.risk = { key, halted: r.halted, reason: r.reason };
        return;
      default:
        return;
    }
  }

  private order(e: EngineFold, clientId: string): OrderFold {
    let o = e.orders.get(clientId);
    if (o === undefined) {
      o = { order: undefined, event: undefined, eventKey: [0, 0] };
      e.orders.set(clientId, o);
    }
    return o;
  }

  /** Counts the fill once per venue trade (as the journal keys it) and keeps the desk's last price. */
  private fill(e: EngineFold, key: Key, session: string, r: FillRecord): void {
    e.fills.add(`${r.venue}|${r.symbol}|${r.tradeId}|${r.side}|${r.ephemeral ? session : ""}`);
    e.currencies.set(`${r.venue}|${r.symbol}`, r.currency);
    const price = parseMoney(r.price);
    if (price === undefined) return;
    const had = this.marks.get(r.symbol);
    const newer =
      had === undefined ||
      r.localTimeMs > had.tsMs ||
      (r.localTimeMs === had.tsMs && (e.engine > had.engine || (e.engine === had.engine && after(key, had.key))));
    if (newer) this.marks.set(r.symbol, { price, priceText: r.price, tsMs: r.localTimeMs, engine: e.engine, key });
  }

  /** The view now (computed on demand: cheap for a desk's worth of instruments and orders). */
  snapshot(): DeskSnapshot {
    const engines = [...this.engines.values()].sort((a, b) => (a.engine < b.engine ? -1 : 1)).map((e) => this.view(e));
    const firm = new Map<string, Money>();
    for (const e of engines)
      for (const p of e.positions) firm.set(p.symbol, (firm.get(p.symbol) ?? 0n) + (parseMoney(p.position) ?? 0n));
    return {
      engines,
      firm: {
        positions: [...firm.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([symbol, pos]) => ({ symbol, asset: baseOf(symbol), position: formatMoney(pos) })),
        pnl: sumPnl(engines.flatMap((e) => e.pnl)),
        openOrders: engines.reduce((n, e) => n + e.openOrders.length, 0),
      },
      stats: { ...this.stats, malformed: { ...this.stats.malformed } },
    };
  }

  private view(e: EngineFold): DeskEngineView {
    e.forgetClosed();
    const positions = [...e.positions.values()]
      .map(({ rec }) => this.positionRow(e, rec))
      .sort((a, b) => (a.venue === b.venue ? (a.symbol < b.symbol ? -1 : 1) : a.venue < b.venue ? -1 : 1));
    let missing = 0;
    for (const s of e.sessions.values()) missing += s.seqs.missing;
    return {
      engine: e.engine,
      sessions: e.sessions.size,
      records: e.records,
      missing,
      lastRecordMs: e.lastRecordMs,
      fills: e.fills.size,
      closedOrders: e.closedOrders,
      halted: e.risk?.halted ?? null,
      haltReason: e.risk?.halted === true ? e.risk.reason : null,
      positions,
      openOrders: openOrders(e),
      pnl: sumPnl(positions.map(pnlOf)),
    };
  }

  private positionRow(e: EngineFold, r: PositionRecord): DeskPositionRow {
    const mark = this.marks.get(r.symbol);
    const currency = e.currencies.get(`${r.venue}|${r.symbol}`) ?? quoteOf(r.symbol);
    return {
      engine: e.engine,
      venue: r.venue,
      symbol: r.symbol,
      position: r.position,
      lots: r.lots,
      openCost: r.openCost,
      realized: r.realized,
      fees: r.fees,
      feesByAsset: r.feesByAsset,
      currency,
      mark: mark?.priceText ?? null,
      unrealized: mark === undefined ? null : formatMoney(unrealizedOf(r, mark.price)),
      tsMs: r.tsMs,
    };
  }
}

/** Unrealized PnL of a position at a price: marked value against the open cost (exact). */
function unrealizedOf(r: PositionRecord, price: Money): Money {
  const pos = parseMoney(r.position) ?? 0n;
  const cost = parseMoney(r.openCost) ?? 0n;
  if (pos === 0n) return 0n;
  const value = ((pos < 0n ? -pos : pos) * price) / SCALE;
  return pos > 0n ? value - cost : cost - value;
}

function openOrders(e: EngineFold): DeskOrderRow[] {
  const out: DeskOrderRow[] = [];
  for (const [clientId, o] of e.orders) {
    const state = o.event?.to ?? "pending_new";
    if (o.order === undefined || !LIVE.has(state)) continue;
    out.push({
      engine: e.engine,
      clientId,
      venue: o.order.venue,
      symbol: o.order.symbol,
      side: o.order.side,
      price: o.order.price,
      qty: o.order.qty,
      filledQty: o.event?.filledQty ?? "0",
      state,
      strategy: o.order.strategy,
      createdMs: o.order.tsMs,
      updatedMs: o.event?.tsMs ?? o.order.tsMs,
    });
  }
  return out.sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
}

interface PnlParts {
  currency: string;
  realized: Money;
  unrealized: Money;
  fees: Money;
}

function pnlOf(p: DeskPositionRow): DeskPnlRow {
  const realized = parseMoney(p.realized) ?? 0n;
  const unrealized = parseMoney(p.unrealized ?? "0") ?? 0n;
  const fees = parseMoney(p.fees) ?? 0n;
  return pnlRow({ currency: p.currency, realized, unrealized, fees });
}

function pnlRow(x: PnlParts): DeskPnlRow {
  return {
    currency: x.currency,
    realized: formatMoney(x.realized),
    unrealized: formatMoney(x.unrealized),
    fees: formatMoney(x.fees),
    net: formatMoney(x.realized + x.unrealized - x.fees),
  };
}

/** PnL rows added up per currency (exact). */
function sumPnl(rows: readonly DeskPnlRow[]): DeskPnlRow[] {
  const by = new Map<string, PnlParts>();
  for (const r of rows) {
    const t = by.get(r.currency) ?? { currency: r.currency, realized: 0n, unrealized: 0n, fees: 0n };
    t.realized += parseMoney(r.realized) ?? 0n;
    t.unrealized += parseMoney(r.unrealized) ?? 0n;
    t.fees += parseMoney(r.fees) ?? 0n;
    by.set(r.currency, t);
  }
  return [...by.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)).map(pnlRow);
}

function baseOf(symbol: string): string {
  return symbol.split(/[/-]/)[0] ?? symbol;
}

function quoteOf(symbol: string): string {
  return symbol.split(/[/-]/)[1] ?? "";
}
