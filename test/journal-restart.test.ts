/**
 * The journal across restarts of the whole engine (virtual clock, a fake venue whose account, orders
 * and trade history outlive each run): positions, cost basis, realized PnL, the daily-loss baseline
 * and the kill switch come back before quoting; fills the venue made while the engine was down (or
 * that a killed run booked but never committed) are recovered from the trade history exactly once,
 * page by page; balances the fills do not explain stop quoting; a journal that stops committing
 * while the engine runs stops quoting too.
 */
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { formatMoney } from "../src/execution/index.ts";
import { VirtualClock } from "../src/services/index.ts";
import { FakeVenue } from "./support/fake-venue.ts";
import {
  commits,
  journalConfig,
  journalDir,
  kill,
  mark,
  place,
  startRun,
  stopRun,
  venueFill,
} from "./support/journal-engine.ts";
import { run as runFor } from "./support/virtual-time.ts";

const T0 = Date.UTC(2026, 11, 1, 9);
const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function setup(seed: string) {
  const dir = journalDir();
  dirs.push(dir);
  const clock = new VirtualClock(T0);
  const venue = new FakeVenue("bin");
  venue.nowMs = () => clock.nowMs();
  venue.account = new Map([
    ["USDT", 100_000n * 10n ** 18n],
    ["BTC", 1n * 10n ** 18n],
  ]);
  return { seed, clock, venue, path: dir.path() };
}

/** Every fill row in the journal file, oldest first. */
function journaledFills(path: string) {
  const db = new Database(path, { readonly: true });
  const rows = db.query("SELECT trade_id, client_id, price, qty, fee, fee_asset, source FROM fills ORDER BY id").all();
  db.close();
  return rows as {
    trade_id: string;
    client_id: string;
    price: string;
    qty: string;
    fee: string;
    fee_asset: string;
    source: string;
  }[];
}

describe("restart with a journal", () => {
  test("positions, cost basis and PnL come back; fills missed while down are booked once with the venue's price and fee", async () => {
    const { seed, clock, venue, path } = setup("restart-1");
    const r1 = await startRun(clock, path, venue, seed);
    mark(r1);
    const buy = await place(r1, "buy", 6_000_000, 1000); // 0.01 BTC at 60000.00
    venueFill(venue, buy, 1000, 6_000_000, "0.00001000", "BTC");
    const sell = await place(r1, "sell", 6_001_000, 400);
    venueFill(venue, sell, 400, 6_001_000, "0.24004", "USDT");
    await commits();
    // booked by run 1 but killed before its commit, then more fills while nobody listens
    const sell2 = await place(r1, "sell", 6_002_000, 300);
    await commits();
    venueFill(venue, sell2, 100, 6_002_000, "0.060020", "USDT");
    kill(r1, venue);
    venueFill(venue, sell2, 200, 6_002_500, "0.120050", "USDT", false);

    const r2 = await startRun(clock, path, venue, seed);
    const st = r2.engine.status();
    const venueLots = venue.trades.reduce((n, t) => n + (t.side === 0 ? t.lots : -t.lots), 0);
    expect({ seed, lots: r2.engine.desk.registry.get("bin", "BTC-USDT")?.position.lots }).toEqual({
      seed,
      lots: venueLots,
    });
    expect(st.journal?.catchUp).toEqual([
      { venue: "bin", symbol: "BTC-USDT", from: "after trade 2", applied: 2, duplicates: 0, foreign: 0 },
    ]);
    expect({
      mismatches: st.journal?.balanceMismatches,
      problems: st.journal?.startupProblems,
      halted: st.risk.halted,
    }).toEqual({
      mismatches: [],
      problems: [],
      halted: false,
    });
    // FIFO from the first buy at 60000.00: 0.004 at +10.00, 0.001 at +20.00, 0.002 at +25.00
    const pos = r2.engine.desk.positions.view("bin", "BTC-USDT");
    expect({ seed, realized: formatMoney(pos?.realized ?? 0n), avg: formatMoney(pos?.avgEntryPrice ?? 0n) }).toEqual({
      seed,
      realized: "0.11",
      avg: "60000",
    });
    await stopRun(clock, r2);
    const fills = journaledFills(path);
    expect(fills.map((f) => [f.trade_id, f.price, f.fee, f.fee_asset, f.source])).toEqual([
      ["1", "60000.00", "0.00001000", "BTC", "stream"],
      ["2", "60010.00", "0.24004", "USDT", "stream"],
      ["3", "60020.00", "0.060020", "USDT", "history"],
      ["4", "60025.00", "0.120050", "USDT", "history"],
    ]);
    expect(new Set(fills.map((f) => f.client_id)).size).toBe(3);
  }, 30_000);

  test("a tripped kill switch stays tripped across restarts until resumed over the control API", async () => {
    const { seed, clock, venue, path } = setup("kill-switch");
    const r1 = await startRun(clock, path, venue, seed);
    const trip = r1.engine.commands.submit({ kind: "kill_switch", reason: "desk says stop" });
    if (!trip.accepted) throw new Error("kill_switch refused");
    await runFor(clock, 100);
    await commits();
    kill(r1, venue);

    const r2 = await startRun(clock, path, venue, seed);
    mark(r2);
    const st = r2.engine.status();
    expect({ seed, halted: st.risk.halted, reason: st.risk.haltReason, strategy: st.strategies[0]?.state }).toEqual({
      seed,
      halted: true,
      reason: "operator: desk says stop",
      strategy: "halted",
    });
    expect(r2.engine.desk.submit("bin", "BTC-USDT", 0, 6_000_000, 100)).toBe("halted");
    kill(r2, venue); // a second crash while halted changes nothing

    const r3 = await startRun(clock, path, venue, seed);
    expect(r3.engine.status().risk.haltReason).toBe("operator: desk says stop");
    const resume = r3.engine.commands.submit({ kind: "resume_trading", reason: "checked" });
    if (!resume.accepted) throw new Error("resume refused");
    await runFor(clock, 100);
    await commits();
    kill(r3, venue);

    const r4 = await startRun(clock, path, venue, seed);
    expect({ seed, halted: r4.engine.status().risk.halted, strategy: r4.engine.status().strategies[0]?.state }).toEqual(
      {
        seed,
        halted: false,
        strategy: "running",
      },
    );
    await stopRun(clock, r4);
  }, 30_000);

  test("today's loss survives a restart (the baseline is kept); after UTC midnight yesterday's loss is not today's", async () => {
    const { seed, clock, venue, path } = setup("daily-loss");
    const r1 = await startRun(clock, path, venue, seed);
    mark(r1);
    const buy = await place(r1, "buy", 6_000_000, 1000);
    venueFill(venue, buy, 1000, 6_000_000, "0", "USDT");
    const sell = await place(r1, "sell", 5_990_000, 1000); // 0.01 BTC 100.00 lower: -1.00 USDT
    venueFill(venue, sell, 1000, 5_990_000, "0.5", "USDT");
    await runFor(clock, 1100);
    expect(r1.engine.status().risk.dailyPnl).toBe("-1.5");
    await commits();
    kill(r1, venue);

    const r2 = await startRun(clock, path, venue, seed);
    mark(r2);
    await runFor(clock, 1100);
    expect({ seed, daily: r2.engine.status().risk.dailyPnl, baseline: r2.engine.status().risk.dailyBaseline }).toEqual({
      seed,
      daily: "-1.5",
      baseline: "0",
    });
    await stopRun(clock, r2);

    clock.advance(Date.UTC(2026, 11, 2, 0, 0, 5) - clock.nowMs());
    const r3 = await startRun(clock, path, venue, seed);
    mark(r3);
    await runFor(clock, 1100);
    const risk = r3.engine.status().risk;
    expect({ seed, daily: risk.dailyPnl, day: risk.dailyDay, baseline: risk.dailyBaseline }).toEqual({
      seed,
      daily: "0",
      day: "2026-12-02",
      baseline: "-1.5",
    });
    await stopRun(clock, r3);
  }, 30_000);

  test("a daily loss that tripped the kill switch is still tripped after a crash", async () => {
    const { seed, clock, venue, path } = setup("daily-loss-trip");
    const config = journalConfig("", "daily_loss_limit: 1");
    const r1 = await startRun(clock, path, venue, seed, config);
    mark(r1);
    const buy = await place(r1, "buy", 6_000_000, 1000);
    venueFill(venue, buy, 1000, 6_000_000, "0", "USDT");
    const sell = await place(r1, "sell", 5_980_000, 1000);
    venueFill(venue, sell, 1000, 5_980_000, "0", "USDT"); // -2.00 USDT > the limit of 1
    await commits();
    expect(r1.engine.status().risk.haltReason ?? "").toContain("daily_loss");
    kill(r1, venue);
    const r2 = await startRun(clock, path, venue, seed, config);
    expect(`${seed}: ${r2.engine.status().risk.haltReason}`).toContain("daily_loss");
    await stopRun(clock, r2);
  }, 30_000);
});

describe("start-up checks against the venue", () => {
  test("balances the fills do not explain: said in the log, status and metrics, and trading stays halted", async () => {
    const { seed, clock, venue, path } = setup("mismatch");
    const r1 = await startRun(clock, path, venue, seed);
    await stopRun(clock, r1);
    venue.account?.set("BTC", (venue.account.get("BTC") ?? 0n) - 10n ** 16n); // 0.01 BTC left without a trade
    const r2 = await startRun(clock, path, venue, seed);
    const st = r2.engine.status();
    expect({ seed, halted: st.risk.halted, mismatches: st.journal?.balanceMismatches }).toEqual({
      seed,
      halted: true,
      mismatches: [{ venue: "bin", asset: "BTC", journal: "1", reported: "0.99", diff: "0.01" }],
    });
    expect(st.risk.haltReason ?? "").toContain("balances differ from the journal");
    const scrape = await r2.metrics.scrape();
    expect(scrape).toContain('hft_journal_balance_mismatch{venue="bin",asset="BTC"} 0.01');
    // the engine continues from the venue's figures: the next start is clean (but stays halted until resumed)
    await stopRun(clock, r2);
    const r3 = await startRun(clock, path, venue, seed);
    expect({
      mismatches: r3.engine.status().journal?.balanceMismatches,
      halted: r3.engine.status().risk.halted,
    }).toEqual({
      mismatches: [],
      halted: true,
    });
    await stopRun(clock, r3);
  }, 30_000);

  test("on_mismatch: warn quotes anyway; an unreadable trade history is a start-up problem too", async () => {
    const { seed, clock, venue, path } = setup("warn");
    const warn = journalConfig("    on_mismatch: warn");
    const r1 = await startRun(clock, path, venue, seed, warn);
    await stopRun(clock, r1);
    venue.historyMode = "error";
    const r2 = await startRun(clock, path, venue, seed, warn);
    expect({
      seed,
      halted: r2.engine.status().risk.halted,
      problems: r2.engine.status().journal?.startupProblems,
    }).toEqual({
      seed,
      halted: false,
      problems: ["venue bin: the trade history could not be read: fake: history refused"],
    });
    await stopRun(clock, r2);
    const r3 = await startRun(clock, path, venue, seed);
    expect(r3.engine.status().risk.haltReason ?? "").toContain("the trade history could not be read");
    await stopRun(clock, r3);
  }, 30_000);

  test("a request budget spent by earlier starts is waited out at start-up, not taken for a failed check", async () => {
    const { seed, clock, venue, path } = setup("budget");
    const r1 = await startRun(clock, path, venue, seed);
    mark(r1);
    const buy = await place(r1, "buy", 6_000_000, 100);
    await commits();
    kill(r1, venue);
    venueFill(venue, buy, 100, 6_000_000, "0", "USDT", false);
    venue.historyRateLimited = 6; // half a minute of the venue's window
    const r2 = await startRun(clock, path, venue, seed);
    const st = r2.engine.status();
    expect({
      seed,
      halted: st.risk.halted,
      problems: st.journal?.startupProblems,
      applied: st.journal?.catchUp[0]?.applied,
      lots: r2.engine.desk.registry.get("bin", "BTC-USDT")?.position.lots,
    }).toEqual({ seed, halted: false, problems: [], applied: 1, lots: 100 });
    await stopRun(clock, r2);
  }, 30_000);

  test("thousands of fills missed while down are read page by page, each page from the last trade of the one before", async () => {
    const { seed, clock, venue, path } = setup("paging");
    const r1 = await startRun(clock, path, venue, seed);
    mark(r1);
    const first = await place(r1, "buy", 6_000_000, 1);
    venueFill(venue, first, 1, 6_000_000, "0", "USDT");
    const big = await place(r1, "buy", 6_000_000, 2500);
    await commits();
    kill(r1, venue);
    for (let i = 0; i < 2500; i++) venueFill(venue, big, 1, 6_000_000, "0", "USDT", false);
    const r2 = await startRun(clock, path, venue, seed);
    // each page asked from just before the last trade of the one before (the other side of a
    // self-trade may share its id): after 0 (the journal's last trade, 1, listed again), 999, 1998
    expect(venue.historyQueries.map((q) => q.afterTradeId)).toEqual(["0", "999", "1998"]);
    expect({
      seed,
      catchUp: r2.engine.status().journal?.catchUp[0]?.applied,
      lots: r2.engine.desk.registry.get("bin", "BTC-USDT")?.position.lots,
    }).toEqual({
      seed,
      catchUp: 2500,
      lots: 2501,
    });
    await stopRun(clock, r2);
    expect(journaledFills(path).length).toBe(2501);
  }, 60_000);

  test("a self-trade split by a kill: the side the journal lacks is booked at the next start, the other not again", async () => {
    const { seed, clock, venue, path } = setup("self-trade");
    const r1 = await startRun(clock, path, venue, seed);
    mark(r1);
    const buy = await place(r1, "buy", 6_000_000, 500);
    const sell = await place(r1, "sell", 6_000_100, 500);
    // the buyer's side streamed and committed; the engine died before the seller's side reached it
    venue.selfTrade(buy, sell, 300, 6_000_000, [true, false]);
    await commits();
    kill(r1, venue);

    const r2 = await startRun(clock, path, venue, seed);
    const st = r2.engine.status();
    const pos = r2.engine.desk.positions.view("bin", "BTC-USDT");
    expect({
      seed,
      lots: pos?.lots,
      bought: pos?.boughtLots,
      sold: pos?.soldLots,
      catchUp: st.journal?.catchUp,
      mismatches: st.journal?.balanceMismatches,
      halted: st.risk.halted,
    }).toEqual({
      seed,
      lots: 0,
      bought: 300,
      sold: 300,
      catchUp: [{ venue: "bin", symbol: "BTC-USDT", from: "after trade 1", applied: 1, duplicates: 0, foreign: 0 }],
      mismatches: [],
      halted: false,
    });
    await stopRun(clock, r2);
    expect(journaledFills(path).map((f) => [f.trade_id, f.client_id, f.source])).toEqual([
      ["1", buy, "stream"],
      ["1", sell, "history"],
    ]);
  }, 30_000);

  test("trades listed without client ids: ours by their journaled venue order id, an order never journaled found by probing, others skipped", async () => {
    const { seed, clock, venue, path } = setup("attribution");
    venue.historyHasClientIds = false;
    const r1 = await startRun(clock, path, venue, seed);
    mark(r1);
    const a = await place(r1, "buy", 6_000_000, 100);
    await commits();
    // sent, then killed before the journal committed it
    const b = await place(r1, "buy", 6_000_000, 100);
    kill(r1, venue);
    venueFill(venue, a, 100, 6_000_000, "0", "USDT", false);
    venueFill(venue, b, 100, 6_000_000, "0", "USDT", false);
    venue.seed("BTC-USDT", "manual-1", 0, 6_000_000, 100); // someone else's order on the same account
    venueFill(venue, "manual-1", 100, 6_000_000, "0", "USDT", false);
    const r2 = await startRun(clock, path, venue, seed, journalConfig("    on_mismatch: warn"));
    const st = r2.engine.status();
    expect({ seed, catchUp: st.journal?.catchUp, discovered: st.journal?.discoveredOrders }).toEqual({
      seed,
      catchUp: [
        {
          venue: "bin",
          symbol: "BTC-USDT",
          from: `since ${new Date(T0).toISOString()}`,
          applied: 2,
          duplicates: 0,
          foreign: 1,
        },
      ],
      discovered: 1,
    });
    expect(r2.engine.desk.registry.get("bin", "BTC-USDT")?.position.lots).toBe(200);
    await stopRun(clock, r2);
    expect(
      journaledFills(path)
        .map((f) => f.client_id)
        .sort(),
    ).toEqual([a, b].sort());
  }, 30_000);
});

describe("fills without a venue trade id", () => {
  test("a fill recovered from an order's status (no trade id) is not booked again when its trade shows in the history", async () => {
    const { seed, clock, venue, path } = setup("estimated");
    const r1 = await startRun(clock, path, venue, seed, journalConfig("    on_mismatch: warn"));
    mark(r1);
    const id = await place(r1, "buy", 6_000_000, 300);
    const real = venueFill(venue, id, 300, 6_000_000, "0.00000300", "BTC", false);
    venue.deliver({ ...real, tradeId: -1, fee: "0", feeAsset: "", text: "recovered by reconciliation (fee unknown)" });
    await commits();
    kill(r1, venue);
    const r2 = await startRun(clock, path, venue, seed, journalConfig("    on_mismatch: warn"));
    expect({
      seed,
      lots: r2.engine.desk.registry.get("bin", "BTC-USDT")?.position.lots,
      catchUp: r2.engine.status().journal?.catchUp[0],
    }).toMatchObject({ seed, lots: 300, catchUp: { applied: 0, duplicates: 1 } });
    await stopRun(clock, r2);
    expect(journaledFills(path).map((f) => f.trade_id)).toEqual([`noid:${id}:300`]);
  }, 30_000);
});

describe("the journal failing while the engine runs", () => {
  test("commits that keep failing (disk full) are counted and retried, then trading halts rather than go on without memory", async () => {
    const { seed, clock, venue, path } = setup("disk-full");
    await stopRun(clock, await startRun(clock, path, venue, seed)); // schema in place
    const r = await startRun(clock, path, venue, seed, journalConfig(), 48);
    mark(r);
    for (let i = 0; i < 400 && !r.engine.desk.kill.isHalted(); i++) {
      mark(r); // the market moves on: the fill guard sees a fresh book
      const id = await place(r, "buy", 6_000_000, 1);
      venueFill(venue, id, 1, 6_000_000, "0", "USDT");
      await commits();
      await runFor(clock, 60);
    }
    await runFor(clock, 500);
    const st = r.engine.status();
    // (a small commit may squeeze into a freed page later: the halt stays until an operator resumes)
    expect({ seed, halted: st.risk.halted, errors: (st.journal?.commitErrors ?? 0) > 0 }).toEqual({
      seed,
      halted: true,
      errors: true,
    });
    expect(st.risk.haltReason ?? "").toContain("journal: commits failing");
    expect(r.metrics.journal.commitErrors("SQLITE_FULL").value).toBeGreaterThan(0);
    expect(r.engine.desk.submit("bin", "BTC-USDT", 0, 6_000_000, 1)).toBe("halted");
    r.store.close();
  }, 60_000);
});
