/**
 * startMultiSim over real sockets: a Binance-protocol and an OKX-protocol venue in one process follow
 * the same fair value (books near it and near each other, not identical), and each venue charges the
 * fees it was configured with.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  hmacSha256Hex,
  okxSign,
  type RunningMultiSim,
  type RunningOkxSim,
  type RunningSim,
  startMultiSim,
} from "../src/sim/index.ts";
import { okxRestPrehash } from "../src/sim/okx/index.ts";

const SEED = "multi-sock-1";
const NOISE_BPS = 3;
let multi: RunningMultiSim;
let bin: RunningSim;
let okx: RunningOkxSim;

beforeAll(async () => {
  multi = await startMultiSim({
    seed: SEED,
    speed: 50, // fifty times busier, so the shared value visibly moves within seconds
    symbols: ["BTCUSDT"],
    venues: [
      { name: "bin", protocol: "binance", fees: { maker: "0.001", taker: "0.001" }, noiseBps: NOISE_BPS },
      { name: "okx", protocol: "okx", fees: { maker: "0.0002", taker: "0.0005" }, noiseBps: NOISE_BPS },
    ],
  });
  const b = multi.venue("bin");
  const o = multi.venue("okx");
  if (b?.protocol !== "binance" || o?.protocol !== "okx") throw new Error(`seed ${SEED}: venues missing`);
  bin = b.sim;
  okx = o.sim;
});

afterAll(async () => {
  await multi?.close();
});

/** Lowest and highest shared fair value of BTCUSDT over [fromMs, toMs] in USDT (the path's 50 ms grid, sampled finer). */
function fairValueRange(fromMs: number, toMs: number): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let t = fromMs; ; t = Math.min(toMs, t + 10)) {
    const v = (multi.fairValue.valueAt("BTCUSDT", t) ?? 0) / 100; // ticks of 0.01 → USDT
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    if (t >= toMs) return [lo, hi];
  }
}

/** Mid of Binance depth over REST. */
async function binanceMid(): Promise<number> {
  const r = (await (await fetch(`${bin.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5`)).json()) as {
    bids: string[][];
    asks: string[][];
  };
  return (Number(r.bids[0]?.[0]) + Number(r.asks[0]?.[0])) / 2;
}

/** Mid of OKX books over REST. */
async function okxMid(): Promise<number> {
  const r = (await (await fetch(`${okx.restUrl}/api/v5/market/books?instId=BTC-USDT&sz=5`)).json()) as {
    data: { bids: string[][]; asks: string[][] }[];
  };
  const d = r.data[0];
  return (Number(d?.bids[0]?.[0]) + Number(d?.asks[0]?.[0])) / 2;
}

type OkxBody = { code: string; msg: string; data: Record<string, unknown>[] };
async function okxSigned(method: "GET" | "POST", path: string, body?: unknown): Promise<OkxBody> {
  const ts = new Date().toISOString();
  const b = body === undefined ? "" : JSON.stringify(body);
  const r = await fetch(okx.restUrl + path, {
    method,
    headers: {
      "OK-ACCESS-KEY": okx.apiKey,
      "OK-ACCESS-PASSPHRASE": okx.passphrase,
      "OK-ACCESS-TIMESTAMP": ts,
      "OK-ACCESS-SIGN": okxSign(okx.apiSecret, okxRestPrehash(ts, method, path, b)),
      "content-type": "application/json",
    },
    ...(method === "POST" ? { body: b } : {}),
  });
  return (await r.json()) as OkxBody;
}

async function okxUsdt(): Promise<number> {
  const bal = await okxSigned("GET", "/api/v5/account/balance");
  const details = (bal.data[0]?.["details"] ?? []) as { ccy: string; cashBal: string }[];
  return Number(details.find((d) => d.ccy === "USDT")?.cashBal);
}

describe("startMultiSim", () => {
  test("both venues' books follow the same fair value, apart by their noise", async () => {
    const fv0 = multi.fairValue.valueNow("BTCUSDT") ?? 0;
    let apart = 0;
    let moved = 0;
    const n = 12;
    for (let i = 0; i < n; i++) {
      await Bun.sleep(250);
      // the mids come over REST while the shared value keeps moving, and each venue's books follow it
      // at the agents' last step (a loaded machine runs that timer late): compare each mid with the
      // value over the whole span from the earlier venue's last step to the answers
      const fromMs = Math.min(bin.exchange.agentsSteppedAtMs(), okx.exchange.agentsSteppedAtMs());
      const [b, o] = await Promise.all([binanceMid(), okxMid()]);
      const toMs = multi.fairValue.clock.nowMs();
      const [lo, hi] = fairValueRange(fromMs, toMs); // USDT
      const fv = (multi.fairValue.valueNow("BTCUSDT") ?? 0) / 100;
      moved = Math.max(moved, Math.abs(fv * 100 - fv0));
      for (const [name, m] of [
        ["binance", b],
        ["okx", o],
      ] as const) {
        const off = m < lo ? lo - m : m > hi ? m - hi : 0;
        const bps = (off / lo) * 10_000;
        expect(bps, `seed ${SEED}: ${name} mid ${m} vs fair value ${lo}..${hi}`).toBeLessThan(6 * NOISE_BPS);
      }
      if (Math.abs(b - o) >= 0.05) apart++;
    }
    expect(moved, `seed ${SEED}: the shared value moved (ticks)`).toBeGreaterThan(50);
    expect(apart, `seed ${SEED}: the venues' mids are not identical`).toBeGreaterThan(n / 2);
  }, 30_000);

  test("each protocol lists its own venue's grid, and both venues quote on it around one fair value", async () => {
    const ins = (await (await fetch(`${okx.restUrl}/api/v5/public/instruments?instType=SPOT`)).json()) as OkxBody;
    expect(
      ins.data.find((i) => i["instId"] === "BTC-USDT"),
      `seed ${SEED}: okx grid`,
    ).toMatchObject({
      tickSz: "0.1",
      lotSz: "0.00000001",
      minSz: "0.00001",
    });
    expect(okx.exchange.symbol("BTCUSDT")?.priceGrid.increment, `seed ${SEED}: okx core tick`).toBe("0.1");
    expect(bin.exchange.symbol("BTCUSDT")?.priceGrid.increment, `seed ${SEED}: binance core tick`).toBe("0.01");
    const fv = (multi.fairValue.valueNow("BTCUSDT") ?? 0) / 100; // shared ticks of 0.01 → USDT
    const o = okx.exchange.bookTop("BTCUSDT");
    const b = bin.exchange.bookTop("BTCUSDT");
    const okxMidPx = (((o?.bidTicks ?? 0) + (o?.askTicks ?? 0)) / 2) * 0.1;
    const binMidPx = (((b?.bidTicks ?? 0) + (b?.askTicks ?? 0)) / 2) * 0.01;
    for (const [name, m] of [
      ["binance", binMidPx],
      ["okx", okxMidPx],
    ] as const) {
      const bps = (Math.abs(m - fv) / fv) * 10_000;
      expect(bps, `seed ${SEED}: ${name} core mid ${m} vs fair value ${fv}`).toBeLessThan(6 * NOISE_BPS);
    }
    // OKX prints the books at the 0.1 grid without trailing zeros.
    const r = (await (await fetch(`${okx.restUrl}/api/v5/market/books?instId=BTC-USDT&sz=5`)).json()) as {
      data: { bids: string[][] }[];
    };
    for (const lv of r.data[0]?.bids ?? []) expect(lv[0], `seed ${SEED}: okx book price`).toMatch(/^\d+(\.\d)?$/);
  });

  test("each venue charges its own fees on a taker trade", async () => {
    // Binance: a SELL IOC through the bid, FULL response carries each fill's commission (in USDT).
    const bid = Number(
      ((await (await fetch(`${bin.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5`)).json()) as { bids: string[][] })
        .bids[0]?.[0],
    );
    let q = `symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=IOC&quantity=0.01&price=${(bid * 0.99).toFixed(2)}`;
    q += `&newOrderRespType=FULL&timestamp=${Date.now()}`;
    q += `&signature=${hmacSha256Hex(bin.apiSecret, q)}`;
    const r = await fetch(`${bin.restUrl}/api/v3/order?${q}`, {
      method: "POST",
      headers: { "X-MBX-APIKEY": bin.apiKey },
    });
    const order = (await r.json()) as { cummulativeQuoteQty: string; fills: { commission: string }[] };
    expect(r.status, `seed ${SEED}: binance order ${JSON.stringify(order)}`).toBe(200);
    const binFee = order.fills.reduce((s, f) => s + Number(f.commission), 0) / Number(order.cummulativeQuoteQty);
    expect(binFee, `seed ${SEED}: binance taker rate`).toBeCloseTo(0.001, 5);

    // OKX: the same trade; the fee is what the USDT balance did not receive.
    const before = await okxUsdt();
    const placed = await okxSigned("POST", "/api/v5/trade/order", {
      instId: "BTC-USDT",
      tdMode: "cash",
      clOrdId: "fee1",
      side: "sell",
      ordType: "ioc",
      px: ((await okxMid()) * 0.99).toFixed(1), // OKX's BTC-USDT tick is 0.1
      sz: "0.01",
    });
    expect(placed.code, `seed ${SEED}: okx order ${JSON.stringify(placed)}`).toBe("0");
    const got = await okxSigned("GET", `/api/v5/trade/order?instId=BTC-USDT&clOrdId=fee1`);
    const row = got.data[0] ?? {};
    expect(row["accFillSz"], `seed ${SEED}: okx fill`).toBe("0.01");
    const notional = Number(row["avgPx"]) * 0.01;
    const okxFee = (notional - ((await okxUsdt()) - before)) / notional;
    expect(okxFee, `seed ${SEED}: okx taker rate`).toBeCloseTo(0.0005, 5);
    expect(okx.exchange.fees(okx.accountId), `seed ${SEED}: okx account fees`).toEqual({
      maker: "0.0002",
      taker: "0.0005",
    });
  }, 30_000);

  test("venue info carries every venue's URLs and credentials; bad venue lists are refused naming the venue", async () => {
    const info = multi.info();
    expect(info.map((v) => [v.name, v.protocol])).toEqual([
      ["bin", "binance"],
      ["okx", "okx"],
    ]);
    const o = info[1];
    if (o?.protocol !== "okx") throw new Error("okx info missing");
    expect(o.wsPrivateUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/v5\/private$/);
    expect(o.passphrase).toBe(okx.passphrase);
    // the okx venue's fault knobs are reachable like a binance venue's
    expect(o.adminUrl, `seed ${SEED}`).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(o.adminToken, `seed ${SEED}`).toBe(okx.adminToken);
    const counters = await fetch(`${o.adminUrl}/admin/counters`, {
      method: "POST",
      headers: { Authorization: `Bearer ${o.adminToken}` },
    });
    expect(counters.status, `seed ${SEED}: okx admin answers with its token`).toBe(200);
    await expect(
      startMultiSim({
        venues: [
          { name: "a", protocol: "binance" },
          { name: "a", protocol: "okx" },
        ],
      }),
    ).rejects.toThrow(/venues\[1\] \(a\)\.name: duplicate/);
    await expect(
      startMultiSim({ venues: [{ name: "x", protocol: "okx", latency: { marketDataMs: -5 } }] }),
    ).rejects.toThrow(/venues\[0\] \(x\)\.latency\.marketDataMs/);
    // okx venues take latency too; it reaches their simulator
    const withLatency = await startMultiSim({
      seed: SEED,
      symbols: ["BTCUSDT"],
      venues: [{ name: "slow", protocol: "okx", latency: { marketDataMs: 4, orderEntryMs: 9 } }],
    });
    try {
      const v = withLatency.venue("slow");
      if (v?.protocol !== "okx") throw new Error(`seed ${SEED}: okx venue missing`);
      expect(v.sim.latency, `seed ${SEED}`).toEqual({ marketDataMs: 4, orderEntryMs: 9 });
    } finally {
      await withLatency.close();
    }
    await expect(startMultiSim({ venues: [{ name: "y", protocol: "binance", noiseBps: -2 }] })).rejects.toThrow(
      /venue y: fairValue\.noiseBps/,
    );
  });
});

describe("bun run sim --venues", () => {
  test("prints one SIM_READY line with a venues array, each venue serves, SIGTERM exits 0", async () => {
    const main = `${import.meta.dir}/../src/sim/main.ts`;
    const child = Bun.spawn(
      [
        process.execPath,
        main,
        "--venues",
        "binance,okx",
        "--seed",
        "cli-multi",
        "--symbols",
        "BTCUSDT",
        "--lag-ms",
        "okx=200",
        "--fees",
        "okx=0.0002:0.0005",
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    try {
      const reader = child.stdout.getReader();
      let out = "";
      const deadline = Date.now() + 20_000;
      while (!/SIM_READY [^\n]*\n/.test(out)) {
        if (Date.now() > deadline) throw new Error(`no SIM_READY line; got: ${out}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`sim exited early: ${out} ${await new Response(child.stderr).text()}`);
        out += new TextDecoder().decode(value);
      }
      const line = out.split("\n").find((l) => l.startsWith("SIM_READY ")) ?? "";
      const info = JSON.parse(line.slice("SIM_READY ".length)) as {
        seed: string;
        venues: {
          name: string;
          protocol: string;
          restUrl: string;
          adminUrl: string;
          adminToken: string;
          fees: { taker: string };
          lagMs: number;
        }[];
      };
      expect(info.seed).toBe("cli-multi");
      expect(info.venues.map((v) => [v.name, v.protocol, v.fees.taker, v.lagMs])).toEqual([
        ["binance", "binance", "0.001", 0],
        ["okx", "okx", "0.0005", 200],
      ]);
      expect(out).toContain("[okx] OKX v5 API");
      const [b, o] = info.venues;
      expect((await fetch(`${b?.restUrl}/api/v3/ping`)).status).toBe(200);
      const t = (await (await fetch(`${o?.restUrl}/api/v5/public/time`)).json()) as { code: string };
      expect(t.code).toBe("0");
      // SIM_READY lists the okx venue's admin URL and token too, and they work
      expect(o?.adminToken ?? "").not.toBe("");
      const admin = await fetch(`${o?.adminUrl}/admin/counters`, {
        method: "POST",
        headers: { Authorization: `Bearer ${o?.adminToken}` },
      });
      expect(admin.status).toBe(200);
      expect(out).toContain(`Admin       ${o?.adminUrl}/admin/<function>`);
      child.kill("SIGTERM");
      expect(await child.exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 30_000);

  test("--admin-token guards every venue's admin port", async () => {
    const main = `${import.meta.dir}/../src/sim/main.ts`;
    const token = "cliAdminToken0123456789abcdef";
    const args = ["--venues", "bin:binance,okx", "--symbols", "BTCUSDT", "--admin-token", token];
    const child = Bun.spawn([process.execPath, main, ...args], { stdout: "pipe", stderr: "pipe" });
    try {
      const reader = child.stdout.getReader();
      let out = "";
      const deadline = Date.now() + 20_000;
      while (!/SIM_READY [^\n]*\n/.test(out)) {
        if (Date.now() > deadline) throw new Error(`no SIM_READY line; got: ${out}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`sim exited early: ${out} ${await new Response(child.stderr).text()}`);
        out += new TextDecoder().decode(value);
      }
      const line = out.split("\n").find((l) => l.startsWith("SIM_READY ")) ?? "";
      const info = JSON.parse(line.slice("SIM_READY ".length)) as {
        venues: { name: string; adminUrl: string; adminToken: string }[];
      };
      expect(info.venues.map((v) => [v.name, v.adminToken])).toEqual([
        ["bin", token],
        ["okx", token],
      ]);
      for (const v of info.venues) {
        const call = (t: string) =>
          fetch(`${v.adminUrl}/admin/counters`, { method: "POST", headers: { Authorization: `Bearer ${t}` } });
        expect((await call(token)).status, `${v.name} takes --admin-token`).toBe(200);
        expect((await call(`${token}x`)).status, `${v.name} refuses another token`).toBe(401);
      }
    } finally {
      child.kill("SIGTERM");
      await child.exited;
    }
  }, 30_000);

  test("a bad --venues or per-venue flag is refused naming the flag", () => {
    const main = `${import.meta.dir}/../src/sim/main.ts`;
    const bad = Bun.spawnSync([process.execPath, main, "--venues", "binance,ftx"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.toString()).toContain("--venues");
    const lag = Bun.spawnSync([process.execPath, main, "--venues", "binance,okx", "--lag-ms", "kraken=5"]);
    expect(lag.exitCode).toBe(2);
    expect(lag.stderr.toString()).toContain("--lag-ms");
    const token = Bun.spawnSync([process.execPath, main, "--venues", "binance", "--admin-token", "two words"]);
    expect(token.exitCode).toBe(2);
    expect(token.stderr.toString()).toContain("--admin-token");
    expect(token.stderr.toString()).not.toContain("two words");
  });
});

describe("OKX books channel on a noisy venue", () => {
  test("pushes merged updates about every 100 ms with a contiguous seqId chain; no side ever shows empty", async () => {
    const seed = "okx-books-batch";
    // 8 bp of noise moves the venue's whole maker ladder at once: pushed change by change, a subscriber
    // would see the bid side cancelled before it is re-placed
    const m = await startMultiSim({
      seed,
      symbols: ["BTCUSDT"],
      venues: [{ name: "okx", protocol: "okx", noiseBps: 8, lagMs: 100 }],
    });
    try {
      const info = m.info().find((v) => v.name === "okx");
      if (info === undefined || info.protocol !== "okx") throw new Error("no okx venue");
      const ws = new WebSocket(info.wsPublicUrl);
      const bids = new Map<string, number>();
      const asks = new Map<string, number>();
      const problems: string[] = [];
      let updates = 0;
      let lastSeq = Number.NaN;
      ws.onopen = () => ws.send(JSON.stringify({ op: "subscribe", args: [{ channel: "books", instId: "BTC-USDT" }] }));
      ws.onmessage = (ev) => {
        const msg = JSON.parse(String(ev.data)) as {
          action?: string;
          data?: { bids: string[][]; asks: string[][]; prevSeqId: number; seqId: number }[];
        };
        const d = msg.data?.[0];
        if (d === undefined) return;
        if (msg.action === "snapshot") {
          bids.clear();
          asks.clear();
        } else {
          updates++;
          if (d.prevSeqId !== lastSeq) problems.push(`update ${updates}: prevSeqId ${d.prevSeqId} after ${lastSeq}`);
        }
        lastSeq = d.seqId;
        for (const [side, levels] of [
          [bids, d.bids],
          [asks, d.asks],
        ] as const) {
          for (const [px, sz] of levels) {
            if (Number(sz) === 0) side.delete(px as string);
            else side.set(px as string, Number(sz));
          }
        }
        if (bids.size === 0 || asks.size === 0)
          problems.push(`update ${updates}: ${bids.size} bids, ${asks.size} asks after seqId ${d.seqId}`);
      };
      await Bun.sleep(3000);
      ws.close();
      expect({ seed, problems: problems.slice(0, 5) }).toEqual({ seed, problems: [] });
      // ~30 pushes in 3 s (plus keepalives on a quiet book), not one per level change
      expect(updates, `seed ${seed}`).toBeGreaterThan(10);
      expect(updates, `seed ${seed}`).toBeLessThan(80);
    } finally {
      await m.close();
    }
  }, 30_000);
});
