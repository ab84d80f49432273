import { expect, test } from "bun:test";
import { FaultState } from "./faults.ts";

test("depth faults hit the n-th upcoming event of each armed stream, once", () => {
  const f = new FaultState();
  f.armDepth(["a", "b"], "drop", 3);
  f.armDepth(["a"], "duplicate", 1);
  const seen = [1, 2, 3, 4].map(() => f.nextDepthFault("a"));
  expect(seen).toEqual(["duplicate", undefined, "drop", undefined]);
  expect([1, 2, 3].map(() => f.nextDepthFault("b"))).toEqual([undefined, undefined, "drop"]);
  expect(f.depth.has("a") || f.depth.has("b")).toBe(false);
});

test("two depth faults armed on the same event hit it and the next one (the second was lost before)", () => {
  const f = new FaultState();
  f.armDepth(["a"], "drop", 1);
  f.armDepth(["a"], "duplicate", 1);
  expect([1, 2, 3].map(() => f.nextDepthFault("a"))).toEqual(["drop", "duplicate", undefined]);
});

test("delays apply to the chosen kinds for the given count; reset clears everything", () => {
  const f = new FaultState();
  f.delayMs = 500;
  f.delayRemaining = 2;
  f.delayKinds = new Set(["rest"]);
  expect(f.takeDelay("wsapi")).toBe(0);
  expect([f.takeDelay("rest"), f.takeDelay("rest"), f.takeDelay("rest")]).toEqual([500, 500, 0]);
  f.clockSkewMs = 10;
  f.rejectQueue.push({ code: -2010 });
  f.reset();
  expect([f.clockSkewMs, f.rejectQueue.length, f.takeDelay("rest")]).toEqual([0, 0, 0]);
});
