import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../services/index.ts";
import { v } from "./api.ts";
import { BaseStrategy } from "./base-strategy.ts";
import { intField } from "./fields.ts";
import { bookUpdate, RecordingSink, ScriptedBook, testInstrument } from "./harness.ts";
import { StrategyParamsError } from "./params.ts";
import { type GuardLimits, MIN_TIMER_MS, type StrategyFault, StrategySupervisor } from "./supervisor.ts";
import type { IntentSink, OrderIntent, QuoteIntent, StrategyContext } from "./types.ts";

const schema = v.strictObject({ levels: v.optional(intField(1, 5), 1) });
const QUOTE: QuoteIntent = { venue: "sim", symbol: "BTC-USDT", bids: [{ priceTicks: 100, lots: 1 }], asks: [] };

/** A strategy whose every callback runs `script` (what a test wants it to do: emit, throw, ...). */
class Scripted extends BaseStrategy<typeof schema> {
  readonly kind = "scripted";
  script: (ctx: StrategyContext) => void = () => {};
  calls = 0;
  inside = false;
  reentered = false;
  override onBook(): void {
    if (this.inside) this.reentered = true;
    this.inside = true;
    this.calls++;
    try {
      this.script(this.ctx);
    } finally {
      this.inside = false;
    }
  }
  override onOrder(): void {
    this.onBook();
  }
  override checkParams() {
    return [];
  }
  /** A check of its own the schema does not make: levels must be odd. */
  override validateParams(partial: unknown) {
    const r = super.validateParams(partial);
    if (r.ok && (r.value.levels as number) % 2 === 0)
      return { ok: false as const, issues: [{ field: "levels", message: "odd only" }] };
    return r;
  }
}

interface Setup {
  guard: StrategySupervisor;
  st: Scripted;
  sink: RecordingSink;
  clock: VirtualClock;
  faults: StrategyFault[];
  now: { ns: number };
}

function setup(limits: Partial<GuardLimits> = {}, sink: IntentSink = new RecordingSink()): Setup {
  const clock = new VirtualClock();
  const faults: StrategyFault[] = [];
  const now = { ns: 0 };
  const guard = new StrategySupervisor({
    name: "s1",
    clock,
    sink,
    instruments: [testInstrument()],
    limits: { eventBudgetNs: 0, maxOverruns: 3, overrunWindowMs: 1000, maxIntentsPerEvent: 10, ...limits },
    schema,
    timeNs: () => now.ns,
    onFault: (f) => faults.push(f),
  });
  const st = guard.attach((ctx) => new Scripted("s1", ctx, schema, {})) as Scripted;
  guard.start();
  return { guard, st, sink: sink as RecordingSink, clock, faults, now };
}

const book = () => bookUpdate(new ScriptedBook().set(100, 101));

describe("the guard passes intents on when the callback returns", () => {
  test("held during the callback, passed on in order right after it", () => {
    const s = setup();
    let seenDuring = -1;
    s.st.script = (ctx) => {
      ctx.sink.quotes(QUOTE);
      seenDuring = s.sink.quoteLog.length;
      ctx.sink.order({
        venue: "sim",
        symbol: "BTC-USDT",
        side: 0,
        type: "limit",
        tif: "IOC",
        priceTicks: 100,
        lots: 1,
      });
    };
    s.guard.onBook(book());
    expect(seenDuring).toBe(0);
    expect([s.sink.quoteLog.length, s.sink.orderLog.length, s.guard.stats.intentsPassed]).toEqual([1, 1, 2]);
  });

  test("a sink that calls back into the strategy never re-enters it while it runs", () => {
    const sink = new RecordingSink();
    let guard: StrategySupervisor | undefined;
    const echo: IntentSink = {
      quotes: (q) => {
        sink.quotes(q);
        // a venue answering synchronously: an order event while the intent is being executed
        if (sink.quoteLog.length === 1) guard?.onOrder({} as never);
      },
      order: (o) => sink.order(o),
    };
    const s = setup({}, echo);
    guard = s.guard;
    s.st.script = (ctx) => ctx.sink.quotes(QUOTE);
    s.guard.onBook(book());
    expect({ calls: s.st.calls, reentered: s.st.reentered, quotes: sink.quoteLog.length }).toEqual({
      calls: 2,
      reentered: false,
      quotes: 2,
    });
  });

  test("more than max_intents_per_event from one callback are dropped and counted; the next callback starts afresh", () => {
    const s = setup({ maxIntentsPerEvent: 10 });
    s.st.script = (ctx) => {
      for (let i = 0; i < 5000; i++) ctx.sink.quotes(QUOTE);
    };
    s.guard.onBook(book());
    s.guard.onBook(book());
    expect([s.sink.quoteLog.length, s.guard.stats.dropped.over_cap]).toEqual([20, 9980]);
  });

  test("intents for instruments it was not given, or malformed, are dropped and counted", () => {
    const s = setup();
    const order: OrderIntent = {
      venue: "sim",
      symbol: "BTC-USDT",
      side: 0,
      type: "limit",
      tif: "GTC",
      priceTicks: 1,
      lots: 1,
    };
    s.st.script = (ctx) => {
      ctx.sink.quotes({ ...QUOTE, symbol: "ETH-USDT" });
      ctx.sink.quotes({ ...QUOTE, venue: "other" });
      ctx.sink.order({ ...order, symbol: "DOGE-USDT" });
      ctx.sink.route?.({ symbol: "ETH-USDT", side: 0, lots: 1, limitTicks: 1 });
      ctx.sink.quotes({ ...QUOTE, bids: null as never });
      ctx.sink.quotes({ ...QUOTE, asks: Array.from({ length: 101 }, () => ({ priceTicks: 1, lots: 1 })) });
      ctx.sink.order({ ...order, type: "stop" as never });
      ctx.sink.order({ ...order, tif: "GTD" as never });
      ctx.sink.quotes(null as never);
      ctx.sink.quotes(QUOTE);
    };
    s.guard.onBook(book());
    expect(s.guard.stats.dropped).toEqual({ over_cap: 0, foreign_instrument: 4, malformed: 5 });
    expect(s.sink.quoteLog).toEqual([QUOTE]);
  });
});

describe("what reaches the strategy", () => {
  test("market events and positions only for the instruments it was given", () => {
    const s = setup();
    const seen: string[] = [];
    s.st.onTrade = (t) => void seen.push(`trade ${t.venue} ${t.symbol}`);
    s.st.onBookHealth = (venue, symbol) => void seen.push(`health ${venue} ${symbol}`);
    s.st.onPosition = (p) => void seen.push(`position ${p.venue} ${p.symbol}`);
    const trade = { priceTicks: 1, lots: 1, aggressor: 0 as const, venueTimeMs: 0 };
    s.guard.onBook(bookUpdate(new ScriptedBook().set(100, 101), "live", "sim2", "BTC-USDT"));
    s.guard.onBook(bookUpdate(new ScriptedBook().set(100, 101), "live", "sim", "ETH-USDT"));
    s.guard.onTrade({ venue: "sim2", symbol: "BTC-USDT", ...trade });
    s.guard.onTrade({ venue: "sim", symbol: "BTC-USDT", ...trade });
    s.guard.onBookHealth("sim", "ETH-USDT", "stale");
    s.guard.onBookHealth("sim", "BTC-USDT", "stale");
    s.guard.onPosition({ venue: "sim2", symbol: "BTC-USDT", positionLots: 1 });
    s.guard.onPosition({ venue: "sim", symbol: "BTC-USDT", positionLots: 1 });
    expect([s.st.calls, ...seen]).toEqual([0, "trade sim BTC-USDT", "health sim BTC-USDT", "position sim BTC-USDT"]);
  });

  test("its timer is at least MIN_TIMER_MS apart; a period that is not a positive number means no timer", () => {
    const s = setup();
    const periods = [1000, 10, 0.5, 0, -5, Number.NaN, Number.POSITIVE_INFINITY, "1" as unknown as number];
    expect(
      periods.map((ms) => {
        Object.defineProperty(s.st, "timerIntervalMs", { value: ms, configurable: true });
        return s.guard.timerIntervalMs;
      }),
    ).toEqual([1000, MIN_TIMER_MS, MIN_TIMER_MS, 0, 0, 0, 0, 0]);
  });
});

describe("a throw halts the strategy", () => {
  test("counted once, its intents from the failing callback dropped, no callback after it", () => {
    const s = setup();
    s.st.script = (ctx) => {
      ctx.sink.quotes(QUOTE);
      throw new TypeError("boom");
    };
    s.guard.onBook(book());
    s.guard.onBook(book());
    s.guard.onTimer(0);
    s.guard.stop();
    expect(s.faults.map((f) => [f.reason, f.callback, f.message, f.error?.stack?.includes("boom")])).toEqual([
      ["error", "book", "book threw TypeError: boom", true],
    ]);
    expect({ calls: s.st.calls, quotes: s.sink.quoteLog.length, state: s.guard.state() }).toEqual({
      calls: 1,
      quotes: 0,
      state: "stopped",
    });
  });

  test("a throw from a read (params, quotes, decisions) halts it too, and the read answers safely", () => {
    const s = setup();
    s.st.currentQuotes = () => {
      throw new Error("bad read");
    };
    expect(s.guard.currentQuotes()).toEqual([]);
    expect(s.faults.map((f) => f.callback)).toEqual(["status"]);
  });

  test("after clearFault it runs again, from start()", () => {
    const s = setup();
    s.st.script = () => {
      throw new Error("once");
    };
    s.guard.onBook(book());
    s.st.script = (ctx) => ctx.sink.quotes(QUOTE);
    s.guard.clearFault();
    s.guard.start();
    s.guard.onBook(book());
    expect([s.guard.fault, s.sink.quoteLog.at(-1)]).toEqual([undefined, QUOTE]);
  });
});

describe("the time budget", () => {
  /** A callback that takes `us` microseconds by the injected timer. */
  const slow = (s: Setup, us: number) => {
    s.st.script = () => {
      s.now.ns += us * 1000;
    };
    s.guard.onBook(book());
  };

  test("max_overruns over budget within the window halt it; spread out, or under budget, they do not", () => {
    const s = setup({ eventBudgetNs: 500_000, maxOverruns: 3, overrunWindowMs: 1000 });
    slow(s, 600);
    s.clock.advance(600);
    slow(s, 600);
    s.clock.advance(600);
    slow(s, 600); // three overruns, but over 1200 ms
    slow(s, 400); // under budget
    expect([s.guard.stats.overruns, s.faults.length]).toEqual([3, 0]);
    slow(s, 900); // the third within 1000 ms of the second
    expect(s.faults.map((f) => [f.reason, f.callback])).toEqual([["time_budget", "book"]]);
    expect(s.faults[0]?.message).toBe(
      "3 callbacks over the 500 µs budget within 1000 ms (the last, book, took 900 µs)",
    );
  });

  test("budget 0 measures only", () => {
    const s = setup({ eventBudgetNs: 0, maxOverruns: 1 });
    slow(s, 1_000_000);
    expect([s.guard.stats.overruns, s.guard.stats.maxCallbackNs, s.faults.length]).toEqual([0, 1e9, 0]);
  });

  test("the intents' own execution is not billed to the strategy", () => {
    const timer = { now: { ns: 0 } };
    // executing the intent takes 10 ms by the same timer the guard reads
    const busy: IntentSink = { quotes: () => (timer.now.ns += 10_000_000), order: () => {} };
    const t = setup({ eventBudgetNs: 500_000, maxOverruns: 1 }, busy);
    timer.now = t.now;
    t.st.script = (ctx) => ctx.sink.quotes(QUOTE);
    t.guard.onBook(book());
    expect([t.now.ns, t.guard.stats.maxCallbackNs, t.guard.stats.overruns, t.faults.length]).toEqual([
      10_000_000, 0, 0, 0,
    ]);
  });
});

describe("parameters", () => {
  test("the declared schema refuses first, then the strategy's own check; neither halts it", () => {
    const s = setup();
    expect(s.guard.validateParams({ level: 3 })).toEqual({
      ok: false,
      issues: [{ field: "level", message: "unknown parameter" }],
    });
    expect(s.guard.validateParams({ levels: 9 })).toMatchObject({ ok: false, issues: [{ field: "levels" }] });
    expect(s.guard.validateParams({ levels: 2 })).toEqual({
      ok: false,
      issues: [{ field: "levels", message: "odd only" }],
    });
    expect(s.guard.validateParams({ levels: 3 })).toEqual({ ok: true, value: { levels: 3 } });
    expect(() => s.guard.updateParams({ level: 3 })).toThrow(StrategyParamsError);
    expect(s.guard.updateParams({ levels: 3 })).toEqual({ levels: 3 });
    expect(s.faults).toEqual([]);
  });

  test("a throw that is not a refusal halts it and says so", () => {
    const s = setup();
    s.st.updateParams = () => {
      throw new RangeError("corrupt");
    };
    expect(() => s.guard.updateParams({ levels: 3 })).toThrow(
      "failed while changing parameters and was halted: corrupt",
    );
    expect(s.faults.map((f) => f.callback)).toEqual(["params"]);
  });
});
