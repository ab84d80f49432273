/**
 * Coalesces the placements (and, separately, the cancels) one handler turn asks for into OKX's batch
 * ops (`batch-orders`, `batch-cancel-orders` / REST `cancel-batch-orders`; at most 20 per op): a
 * strategy re-quoting several levels sends one request instead of one per order. Each caller still gets
 * its own reply, cut out of the batch reply in OKX's single-order shape, so the adapter's ack, refusal
 * and unknown-outcome handling stay the same. On by default (`batchOrderEntry`) because it measurably
 * helps (bench/okx-batch.bench.ts, bench/RESULTS.md); `false` sends one op per order.
 */
import type { Obj } from "./session.ts";

/** OKX's largest batch. */
export const OKX_BATCH_MAX = 20;

/** The single ops that can be coalesced, and their batch forms per transport. */
export type BatchableOp = "order" | "cancel-order";

/** Sends one op with its argument list; rejects as a single request would (timeout, socket loss, 5xx). */
export type BatchSend = (op: BatchableOp, args: readonly Obj[], batch: boolean) => Promise<Obj>;

interface Waiting {
  readonly args: Obj;
  readonly resolve: (res: Obj) => void;
  readonly reject: (e: unknown) => void;
}

/** Collects requests until the current turn's microtasks settle, then sends them in batches of ≤ 20. */
export class OkxBatcher {
  private readonly queues: Record<BatchableOp, Waiting[]> = { order: [], "cancel-order": [] };
  private readonly scheduled: Record<BatchableOp, boolean> = { order: false, "cancel-order": false };
  /** Requests sent and the items they carried, for stats (batches = requests with more than one item). */
  readonly stats = { requests: 0, batches: 0, items: 0 };

  constructor(private readonly send: BatchSend) {}

  /** Queues one op's arguments; resolves with a single-order-shaped reply for this item. */
  request(op: BatchableOp, args: Obj): Promise<Obj> {
    return new Promise<Obj>((resolve, reject) => {
      this.queues[op].push({ args, resolve, reject });
      if (this.scheduled[op]) return;
      this.scheduled[op] = true;
      // Two microtask hops: requests of the same turn reach here a tick or two apart (each went through
      // its own awaits), and a later hop lets them join without waiting for a timer.
      queueMicrotask(() => queueMicrotask(() => this.flush(op)));
    });
  }

  private flush(op: BatchableOp): void {
    this.scheduled[op] = false;
    const all = this.queues[op];
    this.queues[op] = [];
    for (let i = 0; i < all.length; i += OKX_BATCH_MAX) void this.sendChunk(op, all.slice(i, i + OKX_BATCH_MAX));
  }

  private async sendChunk(op: BatchableOp, chunk: readonly Waiting[]): Promise<void> {
    this.stats.requests++;
    this.stats.items += chunk.length;
    if (chunk.length > 1) this.stats.batches++;
    let res: Obj;
    try {
      res = await this.send(
        op,
        chunk.map((w) => w.args),
        chunk.length > 1,
      );
    } catch (e) {
      for (const w of chunk) w.reject(e);
      return;
    }
    const parts = splitBatchReply(res, chunk.length);
    for (let i = 0; i < chunk.length; i++) chunk[i]?.resolve(parts[i] as Obj);
  }
}

/**
 * One reply per item in the single-order shape (`code` 0 or 1 with that item's row); a reply without a
 * row per item (a request-level error) is every item's answer, unchanged.
 */
export function splitBatchReply(res: Obj, n: number): Obj[] {
  const data = res["data"];
  if (!Array.isArray(data) || data.length !== n) return Array.from({ length: n }, () => res);
  return data.map((row: unknown) => {
    const ok = typeof row === "object" && row !== null && (row as Obj)["sCode"] === "0";
    return { ...res, code: ok ? "0" : "1", data: [row] };
  });
}
