import { describe, expect, test } from "bun:test";
import { Rng } from "../services/index.ts";
import { DiffDepthSync, SyncAction } from "./depth-sync.ts";

/** A naive model of §A.3: the book is the sum of contiguous events from the snapshot on. */
describe("DiffDepthSync (§A.3)", () => {
  test("buffers, refetches an old snapshot, drops covered events and goes live", () => {
    const s = new DiffDepthSync<number>();
    s.start();
    expect(s.onEvent(101, 105, 1)).toBe(SyncAction.Buffered);
    expect(s.onEvent(106, 110, 2)).toBe(SyncAction.Buffered);
    expect(s.onEvent(111, 112, 3)).toBe(SyncAction.Buffered);
    expect(s.onSnapshot(99)).toBe("refetch"); // lastUpdateId + 1 < firstU
    expect(s.state).toBe("buffering");
    expect(s.state).toBe("buffering");
    expect(s.onSnapshot(107)).toBe("apply");
    const replay = s.takeBuffered();
    expect(replay).toEqual([1, 2, 3]);
    expect(s.onEvent(101, 105, 1)).toBe(SyncAction.Ignore);
    expect(s.onEvent(106, 110, 2)).toBe(SyncAction.Apply); // U <= 108 <= u
    expect(s.onEvent(111, 112, 3)).toBe(SyncAction.Apply);
    expect(s.localId).toBe(112);
  });

  test("a gap, a duplicate and a reorder", () => {
    const s = new DiffDepthSync<number>();
    s.start();
    s.onSnapshot(10);
    expect(s.onEvent(11, 12, 0)).toBe(SyncAction.Apply);
    expect(s.onEvent(11, 12, 0)).toBe(SyncAction.Ignore); // duplicate
    expect(s.onEvent(15, 16, 0)).toBe(SyncAction.Gap); // 13..14 missing (or reordered)
    expect(s.state).toBe("idle");
    expect(s.gaps).toBe(1);
    expect(s.onEvent(13, 14, 0)).toBe(SyncAction.Ignore); // idle until restarted
  });

  test("a snapshot one behind the first event is contiguous with it", () => {
    const s = new DiffDepthSync<number>();
    s.start();
    s.onEvent(101, 101, 0);
    expect(s.onSnapshot(100)).toBe("apply");
    expect(s.takeBuffered().length).toBe(1);
    expect(s.onEvent(101, 101, 0)).toBe(SyncAction.Apply);
  });

  test("empty buffer: a stale snapshot is caught by the first event", () => {
    const s = new DiffDepthSync<number>();
    s.start();
    expect(s.onSnapshot(50)).toBe("apply");
    expect(s.onEvent(60, 61, 0)).toBe(SyncAction.Gap);
  });

  test("buffer overflow forces a resync", () => {
    const s = new DiffDepthSync<number>(3);
    s.start();
    for (let i = 0; i < 3; i++) expect(s.onEvent(i * 2 + 1, i * 2 + 2, i)).toBe(SyncAction.Buffered);
    expect(s.onEvent(7, 8, 3)).toBe(SyncAction.Gap);
  });

  test("random drop/duplicate/reorder streams: applied events are always contiguous", () => {
    const seed = 4242;
    const rng = new Rng(seed);
    for (let run = 0; run < 200; run++) {
      const s = new DiffDepthSync<[number, number]>();
      // events with random spans, then faults
      const events: [number, number][] = [];
      let id = 1;
      for (let i = 0; i < 60; i++) {
        const span = 1 + rng.int(3);
        events.push([id, id + span - 1]);
        id += span;
      }
      const wire: [number, number][] = [];
      for (const e of events) {
        const r = rng.next();
        if (r < 0.03) continue;
        wire.push(e);
        if (r > 0.97) wire.push(e);
      }
      if (rng.chance(0.5) && wire.length > 10) {
        const k = 3 + rng.int(wire.length - 5);
        const a = wire[k] as [number, number];
        wire[k] = wire[k + 1] as [number, number];
        wire[k + 1] = a;
      }
      s.start();
      const snapAt = rng.int(10);
      let applied = -1;
      let resyncs = 0;
      for (let i = 0; i < wire.length; i++) {
        const e = wire[i] as [number, number];
        if (i === snapAt && s.state === "buffering") {
          const last = (events[rng.int(events.length)] as [number, number])[1];
          if (s.onSnapshot(last) === "apply") {
            applied = last;
            for (const b of s.takeBuffered()) {
              const act = s.onEvent(b[0], b[1], b);
              if (act === SyncAction.Apply) {
                expect(b[0] <= applied + 1, `seed ${seed} run ${run}`).toBe(true);
                applied = b[1];
              } else if (act === SyncAction.Gap) break;
            }
          }
        }
        const act = s.onEvent(e[0], e[1], e);
        if (act === SyncAction.Apply) {
          expect(e[0] <= applied + 1 && e[1] > applied, `seed ${seed} run ${run}: ${e} after ${applied}`).toBe(true);
          applied = e[1];
        } else if (act === SyncAction.Gap) {
          resyncs++;
          s.start();
        }
      }
      expect(resyncs >= 0).toBe(true);
    }
  });
});
