/**
 * The desk's shapes on the HTTP API (valibot, converted into the OpenAPI document like every other
 * body): the desk part of /api/status (this engine's link to the desk) and GET /api/desk (the whole
 * desk's positions, PnL and open orders folded from the stream). Kept apart from api-schemas.ts so
 * the desk's parts of the API change in one file.
 */
import * as v from "valibot";

function shape<E extends v.ObjectEntries>(description: string, entries: E) {
  return v.pipe(v.object(entries), v.readonly(), v.description(description));
}

function list<S extends v.GenericSchema>(item: S) {
  return v.pipe(v.array(item), v.readonly());
}

function described<S extends v.GenericSchema>(schema: S, description: string) {
  return v.pipe(schema, v.description(description));
}

const decimal = (what: string) => described(v.string(), `${what} (exact decimal string)`);
const count = (what: string) => described(v.number(), what);

/** This engine's link to the desk: /api/status `desk`. */
export const DeskStatusSchema = shape("This engine's link to the desk (absent without `desk` in the config)", {
  engine: described(v.string(), "This engine's name on the desk"),
  server: described(v.string(), "The NATS server it is connected to (or last was)"),
  connected: v.boolean(),
  reconnects: count("Connections re-established after a loss"),
  stream: shape("The journal's records on their way to the desk stream", {
    name: v.string(),
    queue: count("Records waiting to be stored by the server (bounded by desk.stream.max_queue)"),
    accepted: count("Records the journal handed to the sink"),
    acked: count("Records the server acknowledged as stored (duplicates included)"),
    duplicates: count("Acks the server marked duplicate: a retry of a record it already had"),
    retries: count("Publish attempts that failed and were retried with the same id"),
    refusedBatches: count("Batches refused because the queue was full (only in the local journal)"),
    lastAckAgeMs: described(v.nullable(v.number()), "Since the server last acknowledged a record (null: never)"),
  }),
  killSwitch: shape("The desk's one kill switch as last seen on the bus", {
    halted: v.boolean(),
    reason: v.string(),
    by: described(v.string(), "The engine that last changed it"),
    atMs: v.number(),
  }),
  view: described(
    v.nullable(
      shape("The desk view this engine folds (desk.view: true)", {
        lastStreamSeq: count("The last stream message folded"),
        pending: count("Stream messages not folded yet (checked once a second)"),
        applied: count("Records folded"),
        duplicates: count("Messages already folded (same engine, session and sequence)"),
        malformed: count("Messages refused as malformed or hostile (by reason on GET /api/desk)"),
      }),
    ),
    "null unless desk.view is true",
  ),
});

const DeskPositionSchema = shape("One engine's position in one instrument (its latest journaled snapshot)", {
  engine: v.string(),
  venue: v.string(),
  symbol: v.string(),
  position: decimal("Base asset"),
  lots: v.number(),
  openCost: decimal("Cost of the open position"),
  realized: decimal("Realized PnL"),
  fees: decimal("Fees valued in the quote currency"),
  feesByAsset: v.pipe(v.record(v.string(), v.string()), v.readonly()),
  currency: v.string(),
  mark: described(v.nullable(v.string()), "The desk's last fill price in the symbol (null: none yet)"),
  unrealized: described(v.nullable(v.string()), "At the mark (null without one)"),
  tsMs: v.number(),
});

const DeskOrderSchema = shape("An order an engine holds open", {
  engine: v.string(),
  clientId: v.string(),
  venue: v.string(),
  symbol: v.string(),
  side: v.picklist(["buy", "sell"]),
  price: v.string(),
  qty: v.string(),
  filledQty: v.string(),
  state: v.string(),
  strategy: v.nullable(v.string()),
  createdMs: v.number(),
  updatedMs: v.number(),
});

const DeskPnlSchema = shape("PnL in one quote currency", {
  currency: v.string(),
  realized: decimal("Realized"),
  unrealized: decimal("Unrealized at the marks"),
  fees: decimal("Fees"),
  net: decimal("realized + unrealized − fees"),
});

const DeskEngineSchema = shape("What the stream says of one engine", {
  engine: v.string(),
  sessions: count("Process starts seen on the stream"),
  records: count("Records folded"),
  missing: count("Sequence numbers below the highest seen that never arrived (refused while the bus was down)"),
  lastRecordMs: v.number(),
  fills: v.number(),
  closedOrders: count("Orders seen to a terminal state (counted, no longer held)"),
  halted: described(v.nullable(v.boolean()), "Its own kill switch as last journaled"),
  haltReason: v.nullable(v.string()),
  positions: list(DeskPositionSchema),
  openOrders: list(DeskOrderSchema),
  pnl: list(DeskPnlSchema),
});

/** GET /api/desk. */
export const DeskViewBody = shape("Every engine of the desk and the firm's totals, folded from the desk stream", {
  engines: list(DeskEngineSchema),
  firm: shape("Every engine added up", {
    positions: list(
      shape("The firm's position in one symbol", { symbol: v.string(), asset: v.string(), position: v.string() }),
    ),
    pnl: list(DeskPnlSchema),
    openOrders: v.number(),
  }),
  stats: shape("How the fold went", {
    applied: v.number(),
    duplicates: v.number(),
    outOfOrder: v.number(),
    malformed: described(v.pipe(v.record(v.string(), v.number()), v.readonly()), "Refused messages by reason"),
  }),
  feed: shape("The stream consumer", {
    lastStreamSeq: v.number(),
    pending: count("Stream messages not folded yet (checked once a second)"),
    streamLastSeq: count("The stream's last sequence at the last check"),
    reopened: count("Consumers opened again after the bus broke one"),
    streamFound: v.boolean(),
    streamRecreated: count("Times the stream was found deleted and created again, and the view rebuilt from it"),
  }),
});

/** The desk part of /api/status. */
export type DeskStatus = v.InferOutput<typeof DeskStatusSchema>;

/** The body of GET /api/desk. */
export type DeskViewAnswer = v.InferOutput<typeof DeskViewBody>;
