/**
 * The shapes the HTTP API answers with, written once as valibot schemas: the TypeScript types the
 * engine fills in are inferred from them, and the OpenAPI document (/openapi.json, the /docs page) is
 * generated from them, so the description cannot drift from what is served. The shapes that live in
 * types/ (positions, open orders, PnL, risk), produced by execution below this floor, are checked
 * against these schemas at compile time instead.
 */
import * as v from "valibot";
import {
  type FillRow,
  NO_QUOTE_REASONS,
  type OpenOrderStatus,
  type OrderEventRow,
  type OrderRow,
  type PnlDayRow,
  type PnlStatus,
  type PnlTotal,
  type PositionStatus,
  type RiskStatus,
} from "../types/index.ts";
import { DeskStatusSchema, DeskViewBody } from "./desk-schemas.ts";

/** A readonly object with a description, the building block of every response shape. */
function shape<E extends v.ObjectEntries>(description: string, entries: E) {
  return v.pipe(v.object(entries), v.readonly(), v.description(description));
}

/** A readonly array of items. */
function list<S extends v.GenericSchema>(item: S) {
  return v.pipe(v.array(item), v.readonly());
}

/** A field with a description (the docs page shows it beside the field). */
function described<S extends v.GenericSchema>(schema: S, description: string) {
  return v.pipe(schema, v.description(description));
}

const decimal = (what: string) => described(v.string(), `${what} (exact decimal string)`);
const clockMs = (what: string) => described(v.pipe(v.number(), v.integer()), `${what} (clock ms since the epoch)`);
const side = v.picklist(["buy", "sell"]);

/** GET /health. */
export const HealthBody = shape("The process answers", { status: v.literal("ok") });

/** GET /ready: 200 or 503, and why not. */
export const ReadinessBody = shape("Whether the engine can trade, and if not, why", {
  ready: v.boolean(),
  reasons: described(list(v.string()), "Why the engine is not ready (empty when ready)"),
});

export const ConnectionStateSchema = v.picklist(["connecting", "connected", "disconnected", "reconnecting"]);
export const BookHealthSchema = v.picklist(["syncing", "live", "stale", "resyncing"]);
export const NoQuoteReasonSchema = described(
  v.picklist(NO_QUOTE_REASONS),
  "Why a side is not quoted: the strategy's own decision, or the engine's (paused, halted, risk_refused, rate_limited)",
);

export const VenueStatusSchema = shape("Connection and rate-limit state of one venue", {
  name: v.string(),
  kind: described(v.string(), "The adapter: binance, okx, sim-direct"),
  streams: described(
    list(shape("One stream of the venue", { stream: v.string(), state: ConnectionStateSchema })),
    "One entry per stream the venue uses (market, orders, user)",
  ),
  rateLimits: described(
    list(shape("Usage of one venue rate limit", { limit: v.string(), used: v.number(), max: v.number() })),
    "Usage of each venue rate limit in its current window",
  ),
  fees: described(
    list(
      shape("The fee rates the strategy's edge checks use on one symbol of this venue", {
        symbol: v.string(),
        maker: described(v.number(), "Maker fee in force, fraction of notional (negative = rebate)"),
        taker: described(v.number(), "Taker fee in force, fraction of notional"),
        source: described(
          v.picklist(["venue", "config", "default"]),
          "venue: read from the account; config: venues[].fees overrides the venue; default: the venue has not answered (yet)",
        ),
        venueMaker: described(v.nullable(v.string()), "The maker rate the venue reported last (null before it did)"),
        venueTaker: described(v.nullable(v.string()), "The taker rate the venue reported last"),
      }),
    ),
    "One entry per configured symbol",
  ),
  feesCheckedAtMs: described(v.nullable(v.number()), "When the venue last reported its rates (clock ms; null: never)"),
});

export const BookStatusSchema = shape("One order book's health and top of book: only live books are traded on", {
  venue: v.string(),
  symbol: v.string(),
  health: BookHealthSchema,
  bestBid: v.nullable(v.string()),
  bestAsk: v.nullable(v.string()),
  lastUpdateMs: described(v.nullable(v.number()), "Clock ms of the last applied update, null before the first"),
  ageMs: described(
    v.nullable(v.number()),
    "How old the book's data is now (nowMs - lastUpdateMs), null before the first update",
  ),
  quotingPaused: described(
    v.nullable(shape("The fill guard's pause", { sinceMs: v.number(), reason: v.string() })),
    "A fill arrived while the book was older than the venue's staleness.max_book_age_ms, so quoting on the symbol stopped until the next book update; null while quoting normally",
  ),
});

export const PositionStatusSchema = shape("Position and PnL of one instrument", {
  venue: v.string(),
  symbol: v.string(),
  position: decimal("Signed position in the base asset"),
  currency: described(v.string(), "Quote currency of the money fields"),
  notional: v.string(),
  realizedPnl: decimal("Realized PnL"),
  unrealizedPnl: decimal("Unrealized PnL"),
  fees: decimal("Fees paid"),
});

export const OpenOrderStatusSchema = shape("One live order of this engine", {
  venue: v.string(),
  symbol: v.string(),
  clientId: v.string(),
  side,
  price: decimal("Limit price"),
  qty: decimal("Quantity"),
  filled: decimal("Filled quantity"),
  status: v.picklist([
    "new",
    "partially_filled",
    "filled",
    "canceled",
    "rejected",
    "expired",
    "pending_new",
    "pending_cancel",
  ]),
  strategy: v.nullable(v.string()),
});

export const PnlStatusSchema = shape("PnL totals in one quote currency", {
  currency: v.string(),
  realized: decimal("Realized PnL"),
  unrealized: decimal("Unrealized PnL"),
  fees: decimal("Fees paid"),
});

export const RiskStatusSchema = shape("Whether trading is halted and why, and the limits in force", {
  halted: v.boolean(),
  haltReason: v.nullable(v.string()),
  killSwitchEngaged: v.boolean(),
  killSwitchTrips: v.number(),
  dailyPnl: decimal("PnL since the last UTC midnight, what the daily loss limit watches"),
  dailyDay: described(v.string(), "The UTC day (YYYY-MM-DD) the daily loss is measured in"),
  dailyBaseline: decimal("The total net PnL the day started from"),
  limits: described(
    v.pipe(v.record(v.string(), v.union([v.string(), v.number(), v.boolean()])), v.readonly()),
    "The configured risk limits (config names)",
  ),
});

export const QuotingStatusSchema = shape(
  "Whether each side of one instrument is quoted and, when not, why (logged once when it changes)",
  {
    venue: v.string(),
    symbol: v.string(),
    bid: described(v.nullable(NoQuoteReasonSchema), "null while a bid is quoted"),
    ask: described(v.nullable(NoQuoteReasonSchema), "null while an ask is quoted"),
    detail: described(
      v.string(),
      "The figures that decided it: edges, maker fee and min_profit in bps; position and limit",
    ),
    sinceMs: clockMs("Since when the instrument is in this state"),
  },
);

export const StrategyFailureSchema = shape(
  "Why the engine's guard halted a strategy: what to know before resuming it",
  {
    reason: described(
      v.string(),
      '"error" (its code threw) or "time_budget" (repeatedly over strategy.guard.event_budget_us)',
    ),
    callback: described(
      v.string(),
      "The callback it was in (book, trade, order, position, timer, parent, start, stop, params, status)",
    ),
    message: v.string(),
    atMs: clockMs("When it was halted"),
  },
);

export const StrategyStatusSchema = shape("One configured strategy: its state, parameters and what it quotes", {
  name: v.string(),
  kind: described(v.string(), "The strategy type (market_making, avellaneda_stoikov, cross_venue_mm, or a module's)"),
  state: described(
    v.picklist(["running", "paused", "halted", "failed"]),
    "failed: the engine's guard halted it (it threw, or was over its time budget too often); see failure",
  ),
  failure: described(
    v.nullable(StrategyFailureSchema),
    "Why the guard halted it, while it stays halted (null when it runs or was stopped otherwise)",
  ),
  pausedBy: described(
    v.nullable(v.string()),
    'Why a paused strategy is not running: "operator" (the control API), or what stopped it; null while running or halted',
  ),
  venue: described(v.string(), "The venues it trades, comma-separated"),
  symbols: list(v.string()),
  params: described(
    v.pipe(v.record(v.string(), v.unknown()), v.readonly()),
    "Current parameters (secret-looking keys redacted)",
  ),
  quoting: list(QuotingStatusSchema),
});

export const ParentsStatusSchema = shape("Parent orders routed across venues: working ones and totals since start", {
  working: list(
    shape("One parent order still routing", {
      id: v.string(),
      symbol: v.string(),
      side,
      lots: described(v.number(), "Common-grid lots (the finest grid of the symbol's venues)"),
      filledLots: v.number(),
      inFlightLots: v.number(),
      attempts: v.number(),
      childrenSent: v.number(),
      strategy: v.nullable(v.string()),
    }),
  ),
  submitted: v.number(),
  filled: v.number(),
  unfilled: described(
    v.pipe(v.record(v.string(), v.number()), v.readonly()),
    "Unfilled parents by reason (limit, no_liquidity, attempts_exhausted, risk_refused, halted, ...)",
  ),
});

/** The journal's part of /api/status. */
export const JournalStatusSchema = shape(
  "The journal's health and what the last start restored and caught up (absent without a journal)",
  {
    path: v.string(),
    healthy: v.boolean(),
    problem: described(v.nullable(v.string()), "Why it is unhealthy (null when healthy)"),
    queueDepth: described(v.number(), "Records staged and not yet committed"),
    committed: v.number(),
    commitErrors: v.number(),
    lastCommitMs: described(v.number(), "Clock time of the last commit (0 before the first)"),
    restored: described(
      v.nullable(
        shape("What this start put back from the journal", {
          runs: v.number(),
          fills: v.number(),
          positions: v.number(),
          killSwitch: v.nullable(v.string()),
        }),
      ),
      "null on a new journal",
    ),
    catchUp: described(
      list(
        shape("Fills of one instrument recovered from the venue's trade history", {
          venue: v.string(),
          symbol: v.string(),
          from: v.string(),
          applied: v.number(),
          duplicates: v.number(),
          foreign: v.number(),
        }),
      ),
      "Fills missed while the engine was down, recovered from each venue's trade history",
    ),
    settledOrders: described(v.number(), "Orders earlier runs left live, settled with the venue"),
    discoveredOrders: described(v.number(), "Orders found at the venue that were never journaled"),
    balanceMismatches: described(
      list(
        shape("A balance the fills do not explain", {
          venue: v.string(),
          asset: v.string(),
          journal: v.string(),
          reported: v.string(),
          diff: v.string(),
        }),
      ),
      "Journal (expected) against the venue's, per asset",
    ),
    startupProblems: described(list(v.string()), "Start-up checks that failed (trade history, balances)"),
  },
);

/** The desk's firm-wide limit leases in /api/status (src/engine/desk-limits.ts; absent without desk.limits). */
export const DeskLimitsStatusSchema = shape(
  "This engine's shares of the desk's firm-wide limits (leases in a KV bucket); amounts are exact decimal strings",
  {
    leaseMs: v.number(),
    limits: list(
      shape("One firm limit as this engine holds it", {
        key: described(v.string(), "The KV key: pos.<symbol> or notional.<symbol>"),
        symbol: v.string(),
        kind: described(v.string(), "position_base or position_notional"),
        limit: v.string(),
        share: described(v.string(), "What this engine reserved of the limit"),
        ceiling: described(v.string(), "What it committed to use at most until its next renewal; its gate enforces it"),
        exposure: described(v.string(), "Its worst-case exposure now (position plus live orders on the larger side)"),
        wants: described(v.string(), "More it asked for (rebalancing)"),
        leaseAgeMs: described(v.nullable(v.number()), "Since the renewal that last stored the share was sent"),
        stale: described(v.boolean(), "The lease ran out: no risk is added on the symbol until a renewal succeeds"),
        firmShare: described(v.string(), "Σ share of every engine in the key as last read"),
        firmExposure: described(v.string(), "Σ exposure every engine last reported in the key"),
        engines: v.number(),
      }),
    ),
    dailyLoss: v.nullable(
      shape("The firm's loss since UTC midnight", { limit: v.string(), firmLoss: v.string(), ownLoss: v.string() }),
    ),
    counters: shape("Lease events since start", {
      renewals: v.number(),
      conflicts: v.number(),
      errors: v.number(),
      expired: v.number(),
      reclaims: v.number(),
      breaches: described(v.number(), "Breaches seen by this engine (should stay 0)"),
    }),
  },
);

/** GET /api/status. */
export const StatusBody = shape("Engine status; money and quantities are exact decimal strings", {
  nowMs: clockMs("Now"),
  startedAtMs: clockMs("When the engine started"),
  venues: list(VenueStatusSchema),
  books: list(BookStatusSchema),
  positions: list(PositionStatusSchema),
  openOrders: list(OpenOrderStatusSchema),
  pnl: list(PnlStatusSchema),
  risk: RiskStatusSchema,
  strategies: list(StrategyStatusSchema),
  parents: ParentsStatusSchema,
  journal: v.optional(JournalStatusSchema),
  deskLimits: v.optional(DeskLimitsStatusSchema),
  desk: v.optional(DeskStatusSchema),
});

const int = v.pipe(v.number(), v.integer());
const journalDecimal = (what: string) => described(v.string(), `${what} (exact decimal string)`);

/** One journaled fill (GET /api/fills): the venue's trade with its real price and fee. */
export const FillRowSchema = shape("One journaled fill: the venue's trade with its real price and fee", {
  id: described(int, "Journal sequence (paging order)"),
  venue: v.string(),
  symbol: v.string(),
  tradeId: described(v.string(), "The venue's trade id (noid:<clientId>:<filled> when it gave none)"),
  clientId: v.string(),
  venueOrderId: v.string(),
  side,
  price: journalDecimal("Price"),
  qty: journalDecimal("Quantity"),
  fee: journalDecimal("As the venue charged it, in feeAsset"),
  feeAsset: v.string(),
  isMaker: v.boolean(),
  venueTimeMs: int,
  localTimeMs: int,
  source: described(v.picklist(["stream", "history"]), "history: recovered from the venue's trade history at start-up"),
  estimated: described(v.boolean(), "No venue trade id: price and fee may be guesses"),
  realizedPnl: journalDecimal("Realized PnL this fill booked (FIFO), before fees, in currency"),
  feeQuote: described(v.string(), 'The fee valued in currency ("" when it could not be valued)'),
  currency: v.string(),
  runId: int,
});

/** One transition of a journaled order. */
export const OrderEventRowSchema = shape("One transition of a journaled order", {
  tsMs: int,
  from: v.string(),
  to: v.string(),
  filledQty: journalDecimal("Filled so far"),
  venueOrderId: v.string(),
  reason: v.string(),
});

/** One journaled order (GET /api/orders). */
export const OrderRowSchema = shape("One journaled order and its last state", {
  clientId: v.string(),
  runId: int,
  venue: v.string(),
  symbol: v.string(),
  side,
  type: v.string(),
  tif: v.string(),
  price: journalDecimal("Price"),
  qty: journalDecimal("Quantity"),
  filledQty: journalDecimal("Filled"),
  state: described(v.string(), "The last journaled state"),
  venueOrderId: v.string(),
  strategy: v.nullable(v.string()),
  rejectReason: v.nullable(v.string()),
  createdMs: int,
  updatedMs: int,
  events: v.optional(described(list(OrderEventRowSchema), "With events=true")),
});

/** Realized PnL of one UTC day and instrument (GET /api/pnl). */
export const PnlDayRowSchema = shape("Realized PnL of one UTC day and instrument", {
  day: described(v.string(), "UTC day, YYYY-MM-DD"),
  venue: v.string(),
  symbol: v.string(),
  currency: v.string(),
  realized: journalDecimal("Before fees"),
  fees: journalDecimal("Fees"),
  net: journalDecimal("Net"),
  fills: int,
});

/** Every matching PnL row summed, per currency. */
export const PnlTotalSchema = shape("Every matching row summed, per currency", {
  currency: v.string(),
  realized: journalDecimal("Before fees"),
  fees: journalDecimal("Fees"),
  net: journalDecimal("Net"),
});

/** One page of rows; nextCursor goes back as ?cursor for the next. */
function pageOf<S extends v.GenericSchema>(what: string, item: S) {
  return shape(`One page of ${what}; pass nextCursor back as ?cursor for the next`, {
    items: list(item),
    nextCursor: described(v.nullable(v.string()), "null: no more rows"),
  });
}

export const FillPageBody = pageOf("journaled fills", FillRowSchema);
export const OrderPageBody = pageOf("journaled orders", OrderRowSchema);
export const PnlPageBody = shape("One page of PnL rows by UTC day, and the totals of every matching row", {
  items: list(PnlDayRowSchema),
  nextCursor: described(v.nullable(v.string()), "null: no more rows"),
  totals: described(list(PnlTotalSchema), "Every matching row summed per currency"),
});

/** 202 from a control route: the command is queued for the engine. */
export const AcceptedBody = shape("Accepted into the engine's command queue", {
  status: v.literal("accepted"),
  commandId: v.string(),
  kind: v.string(),
  pending: v.optional(described(v.boolean(), "true when ?wait ran out before the engine finished")),
});

/** 200 / 409 from a control route called with ?wait: the engine's result. */
export const CompletedBody = shape("The engine's result, within ?wait", {
  status: v.picklist(["completed", "failed"]),
  commandId: v.string(),
  kind: v.string(),
  result: shape("What the engine did", {
    ok: v.boolean(),
    message: v.string(),
    details: v.optional(v.pipe(v.record(v.string(), v.unknown()), v.readonly())),
  }),
});

/** Every refusal and error. */
export const ErrorBody = shape("A refusal: what was wrong, and for validation errors which field", {
  error: v.string(),
  field: v.optional(described(v.string(), "The first offending field, for validation errors")),
  issues: v.optional(list(shape("One problem with the request", { field: v.string(), message: v.string() }))),
});

/** The components of the OpenAPI document, by name: every schema a route refers to. */
export const API_COMPONENTS = {
  Health: HealthBody,
  Readiness: ReadinessBody,
  Status: StatusBody,
  VenueStatus: VenueStatusSchema,
  BookStatus: BookStatusSchema,
  PositionStatus: PositionStatusSchema,
  OpenOrderStatus: OpenOrderStatusSchema,
  PnlStatus: PnlStatusSchema,
  RiskStatus: RiskStatusSchema,
  StrategyStatus: StrategyStatusSchema,
  StrategyFailure: StrategyFailureSchema,
  QuotingStatus: QuotingStatusSchema,
  NoQuoteReason: NoQuoteReasonSchema,
  ParentsStatus: ParentsStatusSchema,
  JournalStatus: JournalStatusSchema,
  DeskStatus: DeskStatusSchema,
  DeskLimitsStatus: DeskLimitsStatusSchema,
  DeskView: DeskViewBody,
  FillRow: FillRowSchema,
  OrderEventRow: OrderEventRowSchema,
  OrderRow: OrderRowSchema,
  PnlDayRow: PnlDayRowSchema,
  PnlTotal: PnlTotalSchema,
  FillPage: FillPageBody,
  OrderPage: OrderPageBody,
  PnlPage: PnlPageBody,
  Accepted: AcceptedBody,
  Completed: CompletedBody,
  Error: ErrorBody,
} as const;

/** Compile-time proof that two types are the same (both directions assignable). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails to compile unless its argument is `true`. */
type Assert<T extends true> = T;

/** The types/ shapes execution fills in equal the schemas that describe them. */
export type SchemasMatchTypes = [
  Assert<Same<v.InferOutput<typeof PositionStatusSchema>, PositionStatus>>,
  Assert<Same<v.InferOutput<typeof OpenOrderStatusSchema>, OpenOrderStatus>>,
  Assert<Same<v.InferOutput<typeof PnlStatusSchema>, PnlStatus>>,
  Assert<Same<v.InferOutput<typeof RiskStatusSchema>, RiskStatus>>,
  Assert<Same<v.InferOutput<typeof FillRowSchema>, FillRow>>,
  Assert<Same<v.InferOutput<typeof OrderEventRowSchema>, OrderEventRow>>,
  Assert<Same<v.InferOutput<typeof OrderRowSchema>, OrderRow>>,
  Assert<Same<v.InferOutput<typeof PnlDayRowSchema>, PnlDayRow>>,
  Assert<Same<v.InferOutput<typeof PnlTotalSchema>, PnlTotal>>,
];
