/** The batcher on its own: how replies are cut per item and how one turn's requests are grouped. */
import { expect, test } from "bun:test";
import { OkxBatcher, splitBatchReply } from "./batcher.ts";
import type { Obj } from "./session.ts";

test("splitBatchReply: one single-shaped reply per item; a request-level error goes to every item", () => {
  const res = { id: "7", op: "batch-orders", code: "2", msg: "partial", data: [{ sCode: "0" }, { sCode: "51008" }] };
  expect(splitBatchReply(res, 2)).toEqual([
    { id: "7", op: "batch-orders", code: "0", msg: "partial", data: [{ sCode: "0" }] },
    { id: "7", op: "batch-orders", code: "1", msg: "partial", data: [{ sCode: "51008" }] },
  ]);
  const whole = { code: "51000", msg: "at most 20", data: [] };
  expect(splitBatchReply(whole, 3)).toEqual([whole, whole, whole]);
});

test("OkxBatcher: requests of one turn share a request, 20 at most; a failed send fails each item", async () => {
  const sent: Array<{ op: string; n: number; batch: boolean }> = [];
  let fail = false;
  const b = new OkxBatcher(async (op, args, batch) => {
    sent.push({ op, n: args.length, batch });
    if (fail) throw new Error("socket lost");
    return { code: "0", data: args.map((a: Obj) => ({ sCode: "0", clOrdId: a["clOrdId"] })) };
  });
  const replies = await Promise.all(Array.from({ length: 23 }, (_, i) => b.request("order", { clOrdId: `c${i}` })));
  expect(sent).toEqual([
    { op: "order", n: 20, batch: true },
    { op: "order", n: 3, batch: true },
  ]);
  expect(replies[22]).toEqual({ code: "0", data: [{ sCode: "0", clOrdId: "c22" }] });
  const lone = await b.request("cancel-order", { clOrdId: "x" });
  expect(lone).toEqual({ code: "0", data: [{ sCode: "0", clOrdId: "x" }] });
  expect(sent[2]).toEqual({ op: "cancel-order", n: 1, batch: false });
  fail = true;
  const failed = await Promise.allSettled([b.request("order", { clOrdId: "a" }), b.request("order", { clOrdId: "b" })]);
  expect(failed.map((f) => f.status)).toEqual(["rejected", "rejected"]);
  expect(b.stats).toEqual({ requests: 4, batches: 3, items: 26 });
});
