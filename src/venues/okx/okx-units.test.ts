/** Unit tests of the OKX pieces that need no network: signing vector, error mapping, clOrdId, seq chain. */
import { describe, expect, test } from "bun:test";
import { OkxBookSync, OkxSeqAction } from "./book-sync.ts";
import { fromOkxClOrdId, isOwnOkxClOrdId, toOkxClOrdId } from "./client-id.ts";
import { okxRejectReason } from "./errors.ts";
import { hmacBase64, restHeaders, restSign, wsLoginFrame, wsLoginSign } from "./signing.ts";

describe("okx signing", () => {
  test("§G REST vector", () => {
    const sign = restSign(
      "chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO",
      "2020-12-08T09:08:57.715Z",
      "GET",
      "/api/v5/account/balance",
      "",
    );
    expect(sign).toBe("PJ61e1nb2F2Qd7D8SPiaIcx2gjdELc+o0ygzre9z33k=");
  });
  test("REST headers use the ISO ms timestamp that was signed", () => {
    const keys = { apiKey: "k", secret: "chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO", passphrase: "p" };
    const h = restHeaders(keys, Date.parse("2020-12-08T09:08:57.715Z"), "get", "/api/v5/account/balance", "");
    expect(h["OK-ACCESS-TIMESTAMP"]).toBe("2020-12-08T09:08:57.715Z");
    expect(h["OK-ACCESS-SIGN"]).toBe("PJ61e1nb2F2Qd7D8SPiaIcx2gjdELc+o0ygzre9z33k=");
    expect(h["OK-ACCESS-PASSPHRASE"]).toBe("p");
  });
  test("WS login signs ts + GET + /users/self/verify with unix seconds", () => {
    const f = JSON.parse(wsLoginFrame("k", "pp", "s3cret", 1_700_000_000_999)) as {
      op: string;
      args: { timestamp: string; sign: string; passphrase: string }[];
    };
    expect(f.op).toBe("login");
    expect(f.args[0]?.timestamp).toBe("1700000000");
    expect(f.args[0]?.sign).toBe(wsLoginSign("s3cret", "1700000000"));
    expect(f.args[0]?.sign).toBe(hmacBase64("s3cret", "1700000000GET/users/self/verify"));
    expect(f.args[0]?.passphrase).toBe("pp");
  });
});

describe("okx error mapping", () => {
  test.each([
    ["51008", "", 200, "insufficient_balance"],
    ["50011", "Too Many Requests", 429, "rate_limited"],
    ["50011", "", 200, "rate_limited"],
    ["50111", "", 401, "auth"],
    ["50113", "", 401, "auth"],
    ["50102", "", 401, "timestamp"],
    ["51000", "Parameter error", 200, "invalid_request"],
    ["51121", "", 200, "filter"],
    ["51019", "", 200, "would_take"],
    ["51400", "", 200, "unknown_order"],
    ["51603", "", 200, "unknown_order"],
    ["99999", "", 200, "unknown"],
  ] as const)("code %s → %s", (code, msg, status, want) => {
    expect(okxRejectReason(code, msg, status)).toBe(want);
  });
});

describe("okx clOrdId", () => {
  test("encodes engine ids reversibly as ≤ 32 letters/digits", () => {
    expect(toOkxClOrdId("eng1-r7-42")).toBe("eng1r742462");
    expect(fromOkxClOrdId("eng1r742462")).toBe("eng1-r7-42");
    for (const id of ["a", "ab-c", "o1z-c-12", "ENG9-lz3k2m9a1b-1234567", "x-y-z-w"])
      expect(fromOkxClOrdId(toOkxClOrdId(id))).toBe(id);
    expect(isOwnOkxClOrdId(toOkxClOrdId("eng1-r7-42"), "eng1")).toBe(true);
    expect(isOwnOkxClOrdId(toOkxClOrdId("eng12-r7-42"), "eng1")).toBe(false);
    expect(isOwnOkxClOrdId("other1", "eng1")).toBe(false);
  });
  test("ids with '_' drop separators (lossy); foreign clOrdIds do not decode", () => {
    expect(toOkxClOrdId("ab_c-1")).toBe("abc1");
    expect(isOwnOkxClOrdId("abc1", "ab")).toBe(true);
    expect(fromOkxClOrdId("manualOrder")).toBeUndefined();
    expect(fromOkxClOrdId("abc9")).toBeUndefined();
  });
  test("refuses ids that cannot fit", () => {
    expect(() => toOkxClOrdId("a-".concat("1".repeat(33)))).toThrow(/32/);
    expect(() => toOkxClOrdId("bad id")).toThrow(/clientId/);
  });
});

describe("okx seq chain", () => {
  test("contiguous updates apply", () => {
    const s = new OkxBookSync();
    expect(s.onFrame("snapshot", -1, 100)).toBe(OkxSeqAction.Snapshot);
    expect(s.onFrame("update", 100, 101)).toBe(OkxSeqAction.Apply);
    expect(s.onFrame("update", 101, 105)).toBe(OkxSeqAction.Apply);
    expect(s.last).toBe(105);
  });
  test("update before snapshot is not applied", () => {
    const s = new OkxBookSync();
    expect(s.onFrame("update", 5, 6)).toBe(OkxSeqAction.NotSynced);
  });
  test("gap un-syncs", () => {
    const s = new OkxBookSync();
    s.onFrame("snapshot", -1, 100);
    expect(s.onFrame("update", 102, 103)).toBe(OkxSeqAction.Gap);
    expect(s.synced).toBe(false);
    expect(s.onFrame("update", 103, 104)).toBe(OkxSeqAction.NotSynced);
    expect(s.onFrame("snapshot", -1, 200)).toBe(OkxSeqAction.Snapshot);
    expect(s.onFrame("update", 200, 201)).toBe(OkxSeqAction.Apply);
  });
  test("duplicate of an applied frame is ignored without losing sync", () => {
    const s = new OkxBookSync();
    s.onFrame("snapshot", -1, 100);
    s.onFrame("update", 100, 101);
    s.onFrame("update", 101, 102);
    expect(s.onFrame("update", 100, 101)).toBe(OkxSeqAction.Duplicate);
    expect(s.onFrame("update", 102, 103)).toBe(OkxSeqAction.Apply);
  });
  test("keepalive repeats the seqId and changes nothing", () => {
    const s = new OkxBookSync();
    s.onFrame("snapshot", -1, 100);
    expect(s.onFrame("update", 100, 100)).toBe(OkxSeqAction.Keepalive);
    expect(s.last).toBe(100);
    expect(s.onFrame("update", 100, 101)).toBe(OkxSeqAction.Apply);
  });
  test("reset downwards is accepted while prevSeqId is continuous", () => {
    const s = new OkxBookSync();
    s.onFrame("snapshot", -1, 5000);
    expect(s.onFrame("update", 5000, 3)).toBe(OkxSeqAction.Apply);
    expect(s.resets).toBe(1);
    expect(s.onFrame("update", 3, 4)).toBe(OkxSeqAction.Apply);
    expect(s.onFrame("update", 9, 10)).toBe(OkxSeqAction.Gap);
  });
});
