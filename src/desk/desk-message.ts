/**
 * Reading a desk stream message as the view folds it: the stream is written by engines, but anything
 * that can publish on the desk's subjects can put bytes there, so every message is checked before it
 * touches the view. A message that is not what an engine's sink writes is refused with a reason (the
 * view counts it per reason and skips it), never thrown at the consumer.
 */
import type { JournalRecord } from "../journal/index.ts";
import { parseMoney } from "../types/index.ts";
import type { DeskMessage } from "./stream-sink.ts";

/** Why a message was refused: a short label (a metric label) and what was wrong, naming the field. */
export interface DeskMessageProblem {
  readonly reason: "not_json" | "envelope" | "record" | "subject";
  readonly detail: string;
}

const ENGINE_RE = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_TEXT = 256;
const decoder = new TextDecoder();

type Obj = Record<string, unknown>;

/** A message's bytes as a DeskMessage, or the problem; `subject` (when known) must agree with it. */
export function parseDeskMessage(bytes: Uint8Array, subject?: string): DeskMessage | DeskMessageProblem {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(bytes));
  } catch {
    return { reason: "not_json", detail: "not JSON" };
  }
  if (!isObj(v)) return { reason: "envelope", detail: "not an object" };
  const { engine, session, seq, record } = v;
  if (typeof engine !== "string" || !ENGINE_RE.test(engine)) return envelope("engine");
  if (typeof session !== "string" || session.length === 0 || session.length > 64) return envelope("session");
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return envelope("seq");
  if (!isObj(record)) return envelope("record");
  const bad = recordProblem(record);
  if (bad !== undefined) return { reason: "record", detail: `record.${bad}` };
  if (subject !== undefined) {
    const parts = subject.split(".");
    if (parts.at(-1) !== record.kind || parts.at(-2) !== engine)
      return { reason: "subject", detail: `subject ${subject} does not match engine ${engine} / ${record.kind}` };
  }
  return { engine, session, seq, record: record as unknown as JournalRecord };
}

/** True when parseDeskMessage refused the message. */
export function isProblem(m: DeskMessage | DeskMessageProblem): m is DeskMessageProblem {
  return "reason" in m;
}

function envelope(field: string): DeskMessageProblem {
  return { reason: "envelope", detail: `${field} missing or invalid` };
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The first field the fold would misread, or undefined when the record is fit to fold. */
function recordProblem(r: Obj): string | undefined {
  switch (r.kind) {
    case "position":
      return positionProblem(r);
    case "order":
      return firstBad(r, {
        clientId: text,
        venue: text,
        symbol: text,
        side: side,
        price: dec,
        qty: dec,
        tsMs: num,
        strategy: (x) => x === null || text(x),
      });
    case "order_event":
      return firstBad(r, { clientId: text, to: text, filledQty: dec, tsMs: num });
    case "fill":
      return firstBad(r, {
        venue: text,
        symbol: text,
        tradeId: text,
        side: side,
        price: dec,
        qty: dec,
        currency: text,
        localTimeMs: num,
        ephemeral: (x) => typeof x === "boolean",
      });
    case "risk":
      return firstBad(r, { halted: (x) => typeof x === "boolean", reason: (x) => typeof x === "string", tsMs: num });
    case "run":
    case "balances":
      return firstBad(r, { tsMs: num }); // the view reads only their time
    default:
      return "kind";
  }
}

function positionProblem(r: Obj): string | undefined {
  const bad = firstBad(r, {
    venue: text,
    symbol: text,
    position: dec,
    openCost: dec,
    realized: dec,
    fees: dec,
    tsMs: num,
  });
  if (bad !== undefined) return bad;
  if (typeof r.lots !== "number" || !Number.isSafeInteger(r.lots)) return "lots";
  const byAsset = r.feesByAsset;
  if (!isObj(byAsset) || !Object.values(byAsset).every(dec)) return "feesByAsset";
  return undefined;
}

const text = (x: unknown): boolean => typeof x === "string" && x.length > 0 && x.length <= MAX_TEXT;
const dec = (x: unknown): boolean => typeof x === "string" && x.length <= 64 && parseMoney(x) !== undefined;
const num = (x: unknown): boolean => typeof x === "number" && Number.isFinite(x);
const side = (x: unknown): boolean => x === "buy" || x === "sell";

function firstBad(r: Obj, checks: Record<string, (x: unknown) => boolean>): string | undefined {
  for (const [field, ok] of Object.entries(checks)) if (!ok(r[field])) return field;
  return undefined;
}
