import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../services/index.ts";
import { type Command, CommandQueue } from "./commands.ts";

describe("CommandQueue", () => {
  test("stamps ids and arrival time, drains in FIFO order, wakes the engine per submit", () => {
    const clock = new VirtualClock(5_000);
    const q = new CommandQueue({ clock });
    let wakes = 0;
    q.setWakeup(() => wakes++);
    const a = q.submit({ kind: "pause_strategy", strategy: "mm" });
    clock.advance(10);
    const b = q.submit({ kind: "cancel_all", venue: "binance" });
    expect(wakes).toBe(2);
    expect(a.accepted && a.command.id).toBe("cmd-1");
    expect(b.accepted && b.command.receivedAtMs).toBe(5_010);
    const seen: Command[] = [];
    const drained = q.drain((c) => {
      seen.push(c);
      return { ok: true, message: "ok" };
    });
    expect(drained).toBe(2);
    expect(seen.map((c) => c.kind)).toEqual(["pause_strategy", "cancel_all"]);
    expect(q.size).toBe(0);
    expect(q.result("cmd-2")).toEqual({ ok: true, message: "ok" });
  });

  test("refuses when full and drains at most `max` per call", () => {
    const q = new CommandQueue({ clock: new VirtualClock(), capacity: 2 });
    expect(q.submit({ kind: "kill_switch", reason: "a" }).accepted).toBe(true);
    expect(q.submit({ kind: "kill_switch", reason: "b" }).accepted).toBe(true);
    const third = q.submit({ kind: "kill_switch", reason: "c" });
    expect(third.accepted).toBe(false);
    expect(!third.accepted && third.message).toContain("queue full");
    expect(q.drain(() => ({ ok: true, message: "" }), 1)).toBe(1);
    expect(q.size).toBe(1);
  });

  test("a throwing handler yields a failed result and the queue keeps working", () => {
    const q = new CommandQueue({ clock: new VirtualClock() });
    q.submit({ kind: "resume_trading", reason: "x" });
    q.submit({ kind: "resume_trading", reason: "y" });
    let n = 0;
    q.drain(() => {
      n++;
      if (n === 1) throw new Error("limit breached");
      return { ok: true, message: "resumed" };
    });
    expect(q.result("cmd-1")).toEqual({ ok: false, message: "engine failed to apply resume_trading: limit breached" });
    expect(q.result("cmd-2")?.ok).toBe(true);
  });

  test("waitFor resolves with late (async) results, or undefined on timeout", async () => {
    const clock = new VirtualClock();
    const q = new CommandQueue({ clock });
    const a = q.submit({ kind: "cancel_all" });
    const b = q.submit({ kind: "cancel_all", symbol: "BTC-USDT" });
    if (!a.accepted || !b.accepted) throw new Error("submit refused");
    const waitA = q.waitFor(a.command.id, 1000);
    const waitB = q.waitFor(b.command.id, 1000);
    let finishA: (r: { ok: boolean; message: string }) => void = () => {};
    q.drain((c) =>
      c.id === a.command.id
        ? new Promise((resolve) => {
            finishA = resolve;
          })
        : Promise.reject(new Error("venue down")),
    );
    finishA({ ok: true, message: "cancelled 3" });
    expect(await waitA).toEqual({ ok: true, message: "cancelled 3" });
    expect(await waitB).toEqual({ ok: false, message: "cancel_all failed: venue down" });
    const c = q.submit({ kind: "kill_switch", reason: "z" });
    if (!c.accepted) throw new Error("submit refused");
    const waitC = q.waitFor(c.command.id, 50);
    clock.advance(50);
    expect(await waitC).toBeUndefined();
    expect(clock.pending()).toBe(0);
    expect(await q.waitFor(a.command.id, 0)).toEqual({ ok: true, message: "cancelled 3" });
  });

  test("only the most recent results are remembered", () => {
    const q = new CommandQueue({ clock: new VirtualClock(), keepResults: 2 });
    for (let i = 0; i < 3; i++) q.submit({ kind: "kill_switch", reason: String(i) });
    q.drain(() => ({ ok: true, message: "" }));
    expect(q.result("cmd-1")).toBeUndefined();
    expect(q.result("cmd-3")?.ok).toBe(true);
  });
});
