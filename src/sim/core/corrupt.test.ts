/** The venue-neutral corruption pieces: value mangling, truncation, the arming queue, admin bodies. */
import { expect, test } from "bun:test";
import { DecimalGrid } from "../../types/index.ts";
import { ArmedFaults, adminFrameFault, corruptValue, frameMangler, GARBAGE_FRAME, truncateFrame } from "./corrupt.ts";

test("every out-of-range form is refused by the grid the value came from", () => {
  const price = new DecimalGrid("0.01");
  for (const v of ["60000.01000000", "60000.01", "60000"]) {
    expect(price.parse(v)).toBe(v === "60000" ? 6_000_000 : 6_000_001);
    for (const kind of ["negative", "huge", "decimals"] as const) {
      const bad = corruptValue(kind, v);
      expect(typeof bad).toBe("string");
      expect(Number.isNaN(price.parse(bad as string)), `${kind} ${v} → ${bad}`).toBe(true);
    }
    expect(typeof corruptValue("wrongType", v)).toBe("number");
  }
});

test("truncated and garbage frames are never JSON", () => {
  for (const f of ['{"a":1}', '{"stream":"x","data":{"b":[["1","2"]]}}', "[1]"]) {
    expect(() => JSON.parse(truncateFrame(f))).toThrow();
  }
  expect(() => JSON.parse(GARBAGE_FRAME)).toThrow();
  expect(frameMangler({ kind: "garbage", field: "price", text: "{}" })?.("x")).toBe("{}");
  expect(frameMangler({ kind: "negative", field: "price" })).toBeUndefined();
});

test("armed faults hit the n-th frame of their key once; two on one frame hit it and the next", () => {
  const q = new ArmedFaults<string>();
  q.arm("k", "a", 2);
  q.arm("k", "b", 2);
  q.arm("other", "c", 1);
  expect([1, 2, 3, 4].map(() => q.next("k"))).toEqual([undefined, "a", "b", undefined]);
  expect(q.has("k")).toBe(false);
  expect(q.has("other")).toBe(true);
  q.clear();
  expect(q.next("other")).toBeUndefined();
});

test("admin bodies: every bad field is named", () => {
  expect(adminFrameFault({ kind: "huge", field: "qty", n: 3 })).toEqual({
    fault: { kind: "huge", field: "qty" },
    n: 3,
  });
  expect(adminFrameFault({ kind: "garbage", text: "{}" }).fault.text).toBe("{}");
  expect(() => adminFrameFault({})).toThrow("'kind'");
  expect(() => adminFrameFault({ kind: "crossed" }, ["garbage"])).toThrow("'kind'");
  expect(() => adminFrameFault({ kind: "huge", field: "px" })).toThrow("'field'");
  expect(() => adminFrameFault({ kind: "huge", text: "x" })).toThrow("'text'");
  expect(() => adminFrameFault({ kind: "huge", n: 1.5 })).toThrow("'n'");
});
