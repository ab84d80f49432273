/**
 * Simulator throughput: the simulator must never be the bottleneck of a test or a backtest. Measures
 * (1) diff-depth events streamed to one WebSocket client and (2) orders placed and cancelled over the
 * WS API by one pipelined client. The client runs in a child process (this file with --client), so
 * server and client each get a core, as they would in real use.
 *
 *   bun bench/sim.bench.ts            (or: bun run bench sim)
 */
import { VirtualClock } from "../src/services/clock.ts";
import { hmacSha256Hex, startSim, wsApiSignedPayload } from "../src/sim/index.ts";

const DEPTH_EVENTS = 200_000;
const ORDER_PAIRS = 20_000;
const PIPELINE = 64;

/** Child-process client: counts depth frames until told how many to expect. */
async function depthClient(url: string, expected: number): Promise<void> {
  const ws = new WebSocket(url);
  let n = 0;
  let t0 = 0;
  ws.onmessage = () => {
    if (n === 0) t0 = performance.now();
    n++;
    if (n === expected) {
      const s = (performance.now() - t0) / 1000;
      console.log(JSON.stringify({ received: n, seconds: s }));
      ws.close();
      process.exit(0);
    }
  };
  ws.onopen = () => console.log("READY");
  ws.onerror = () => console.error(`depth client: cannot connect to ${url}`);
  ws.onclose = (e) => {
    if (n < expected) console.error(`depth client: closed (${e.code}) after ${n} events`);
  };
}

/** Child-process client: places then cancels ORDER_PAIRS orders with PIPELINE requests in flight. */
async function orderClient(url: string, apiKey: string, secret: string, pairs: number): Promise<void> {
  const ws = new WebSocket(url);
  await new Promise<void>((r) => {
    ws.onopen = () => r();
  });
  let sent = 0;
  let done = 0;
  let errors = 0;
  let id = 0;
  const sign = (p: Record<string, unknown>): Record<string, unknown> => {
    p["signature"] = hmacSha256Hex(secret, wsApiSignedPayload(p));
    return p;
  };
  const place = (): void => {
    const p = sign({
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      quantity: "0.001",
      price: "30000.00",
      newOrderRespType: "ACK",
      apiKey,
      timestamp: Date.now(),
    });
    ws.send(JSON.stringify({ id: ++id, method: "order.place", params: p }));
    sent++;
  };
  const t0 = performance.now();
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as { status: number; result?: { orderId?: number; status?: string } };
    if (m.status !== 200) {
      errors++;
      if (errors < 3) console.error(String(e.data).slice(0, 300));
    }
    const orderId = m.result?.orderId;
    if (m.result?.status === undefined && orderId !== undefined) {
      // ACK of a place: cancel it.
      const p = sign({ symbol: "BTCUSDT", orderId, apiKey, timestamp: Date.now() });
      ws.send(JSON.stringify({ id: ++id, method: "order.cancel", params: p }));
      return;
    }
    done++;
    if (sent < pairs) place();
    if (done === pairs) {
      const s = (performance.now() - t0) / 1000;
      console.log(JSON.stringify({ pairs: done, seconds: s, errors }));
      ws.close();
      process.exit(0);
    }
  };
  for (let i = 0; i < PIPELINE; i++) place();
}

/** Spawns this file as a client and returns its JSON result line. */
async function runClient(args: string[], onReady?: () => void): Promise<Record<string, number>> {
  const child = Bun.spawn([process.execPath, import.meta.path, "--client", ...args], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = child.stdout.getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += new TextDecoder().decode(value);
    if (buf.includes("READY\n")) {
      buf = buf.replace("READY\n", "");
      onReady?.();
    }
    const line = buf.split("\n").find((l) => l.startsWith("{"));
    if (line !== undefined) return JSON.parse(line) as Record<string, number>;
  }
  throw new Error(`client exited without a result: ${buf}`);
}

/** Depth streaming: books that change every 100 virtual ms, time driven as fast as possible. */
async function benchDepth(): Promise<void> {
  const clock = new VirtualClock(Date.now());
  const symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"];
  const sim = await startSim({ seed: "bench", symbols, clock, agents: false, pingIntervalMs: 1e9 });
  const core = sim.exchange;
  const acct = sim.accountId;
  const px = (sym: string, ticks: number): string => core.symbol(sym)?.priceGrid.format(ticks) ?? "0";
  const qty = (sym: string): string => core.symbol(sym)?.spec.makerSize ?? "1";
  // Resting books to move: each step adds or removes one small bid per symbol (one book action).
  const base = new Map(
    symbols.map((s) => [
      s,
      Math.floor((core.symbol(s)?.priceGrid.parse(core.symbol(s)?.spec.initialMid ?? "1") ?? 100) * 0.9),
    ]),
  );
  let ready = false;
  const streams = symbols.map((s) => `${s.toLowerCase()}@depth@100ms`).join("/");
  const result = runClient(["depth", `${sim.streamUrl}/stream?streams=${streams}`, String(DEPTH_EVENTS)], () => {
    ready = true;
  });
  while (!ready) await Bun.sleep(10);
  await Bun.sleep(100);
  const live: Array<number | undefined> = symbols.map(() => undefined);
  const steps = Math.ceil(DEPTH_EVENTS / symbols.length);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    for (let k = 0; k < symbols.length; k++) {
      const s = symbols[k] as string;
      const id = live[k];
      if (id === undefined) {
        const r = core.placeOrder({
          accountId: acct,
          symbol: s,
          side: "BUY",
          type: "LIMIT",
          timeInForce: "GTC",
          price: px(s, (base.get(s) ?? 1) - (i % 500)),
          quantity: qty(s),
        });
        live[k] = r.ok ? r.order.orderId : undefined;
      } else {
        core.cancelOrder(acct, s, { orderId: id });
        live[k] = undefined;
      }
    }
    clock.advance(100);
    if ((i & 255) === 0) await Bun.sleep(0); // let the socket drain
  }
  const sendS = (performance.now() - t0) / 1000;
  const produced = steps * symbols.length;
  const r = await result;
  console.log(
    `depth stream (${symbols.length} symbols, one combined-stream client): ${produced} events produced in ${sendS.toFixed(2)} s ` +
      `(${Math.round(produced / sendS)}/s), client received ${r["received"]} at ${Math.round((r["received"] ?? 0) / (r["seconds"] ?? 1))}/s`,
  );
  await sim.close();
}

/** Living market: how fast the agents' market runs in virtual time, and the depth events it yields. */
async function benchLivingMarket(): Promise<void> {
  const clock = new VirtualClock(Date.now());
  const sim = await startSim({ seed: "bench", symbols: ["BTCUSDT", "ETHUSDT"], clock, pingIntervalMs: 1e9 });
  const c = new WebSocket(`${sim.streamUrl}/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms`);
  let n = 0;
  c.onmessage = () => {
    n++;
  };
  await new Promise<void>((r) => {
    c.onopen = () => r();
  });
  const t0 = performance.now();
  const virtualS = 120;
  for (let i = 0; i < virtualS * 10; i++) {
    clock.advance(100);
    if ((i & 63) === 0) await Bun.sleep(0);
  }
  const s = (performance.now() - t0) / 1000;
  await Bun.sleep(300);
  console.log(
    `living market (2 symbols): ${virtualS} virtual s in ${s.toFixed(2)} s (${(virtualS / s).toFixed(1)}× real time), ` +
      `${sim.exchange.eventCount()} core events, ${n} depth events received`,
  );
  c.close();
  await sim.close();
}

/** Orders over the WS API: one pipelined client placing and cancelling. */
async function benchOrders(): Promise<void> {
  const sim = await startSim({
    seed: "bench",
    symbols: ["BTCUSDT"],
    agents: false,
    balances: { USDT: "10000000", BTC: "1000" },
    rateLimits: { ordersPer10s: 1e9, ordersPerDay: 1e9, requestWeightPerMinute: 1e9 },
  });
  const r = await runClient(["orders", sim.wsApiUrl, sim.apiKey, sim.apiSecret, String(ORDER_PAIRS)]);
  const pairs = r["pairs"] ?? 0;
  const s = r["seconds"] ?? 1;
  console.log(
    `WS API orders: ${pairs} placed+cancelled in ${s.toFixed(2)} s = ${Math.round(pairs / s)} orders/s placed and cancelled ` +
      `(${Math.round((2 * pairs) / s)} requests/s), errors ${r["errors"]}, pipeline ${PIPELINE}`,
  );
  await sim.close();
}

const argv = process.argv.slice(2);
if (argv[0] === "--client") {
  if (argv[1] === "depth") await depthClient(argv[2] ?? "", Number(argv[3]));
  else await orderClient(argv[2] ?? "", argv[3] ?? "", argv[4] ?? "", Number(argv[5]));
} else {
  console.log("simulator bench (machine shared with other agents: figures are lower bounds)");
  await benchDepth();
  await benchOrders();
  await benchLivingMarket();
  process.exit(0);
}
