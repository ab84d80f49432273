/**
 * The standalone simulator (`bun run sim`) as a separate process, and its account read back through
 * its own signed REST API (myTrades, account), so a test can hold an engine's journal against what
 * the venue itself says, after killing the engine as often as it likes.
 */
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { type Money, parseMoney } from "../../src/types/index.ts";

const ROOT = join(import.meta.dir, "..", "..");

/** What SIM_READY says about a single Binance-protocol venue. */
export interface SimInfo {
  readonly restUrl: string;
  readonly streamUrl: string;
  readonly wsApiUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly adminUrl: string;
  readonly adminToken: string;
}

/** A running `bun run sim` process. */
export interface SimProcess {
  readonly info: SimInfo;
  stop(): Promise<void>;
}

/** Starts `bun src/sim/main.ts` and waits for its SIM_READY line. */
export async function startSimProcess(seed: string, symbols: readonly string[], speed: number): Promise<SimProcess> {
  const proc = Bun.spawn(
    [
      process.execPath,
      "src/sim/main.ts",
      "--port",
      "0",
      "--seed",
      seed,
      "--symbols",
      symbols.join(","),
      "--speed",
      String(speed),
    ],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
  );
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let out = "";
  for (;;) {
    const line = out.split("\n").find((l) => l.startsWith("SIM_READY ") && out.includes(`${l}\n`));
    if (line !== undefined) {
      reader.releaseLock();
      void proc.stdout.pipeTo(new WritableStream()).catch(() => {});
      const info = JSON.parse(line.slice("SIM_READY ".length)) as SimInfo;
      return {
        info,
        stop: async () => {
          proc.kill("SIGTERM");
          await proc.exited;
        },
      };
    }
    const r = await reader.read();
    if (r.done) throw new Error(`sim exited before SIM_READY: ${out} ${await new Response(proc.stderr).text()}`);
    out += decoder.decode(r.value, { stream: true });
  }
}

/** Raises the venue's request-weight budget (admin setRateLimits), for tests about something else. */
export async function raiseRequestWeight(info: SimInfo, perMinute: number): Promise<void> {
  const res = await fetch(`${info.adminUrl}/admin/setRateLimits`, {
    method: "POST",
    headers: { authorization: `Bearer ${info.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ limits: { requestWeightPerMinute: perMinute } }),
  });
  if (!res.ok) throw new Error(`setRateLimits: ${res.status} ${await res.text()}`);
}

/** One of the account's trades as the venue's myTrades lists it. */
export interface SimTrade {
  readonly id: number;
  readonly orderId: number;
  readonly price: string;
  readonly qty: string;
  readonly commission: string;
  readonly commissionAsset: string;
  readonly isBuyer: boolean;
  readonly isMaker: boolean;
  readonly time: number;
}

/** A signed GET of the simulator's REST API. */
async function signedGet<T>(info: SimInfo, path: string, params: Record<string, string>): Promise<T> {
  const q = new URLSearchParams({ ...params, timestamp: String(Date.now()), recvWindow: "60000" }).toString();
  const signature = createHmac("sha256", info.apiSecret).update(q).digest("hex");
  const res = await fetch(`${info.restUrl}${path}?${q}&signature=${signature}`, {
    headers: { "X-MBX-APIKEY": info.apiKey },
  });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every trade of the account on a venue symbol (BTCUSDT), oldest first, paging by fromId. */
export async function accountTrades(info: SimInfo, symbol: string): Promise<SimTrade[]> {
  const out: SimTrade[] = [];
  let fromId = 0;
  for (;;) {
    const page = await signedGet<SimTrade[]>(info, "/api/v3/myTrades", {
      symbol,
      fromId: String(fromId),
      limit: "1000",
    });
    out.push(...page);
    const last = page[page.length - 1];
    if (last === undefined || page.length < 1000) return out;
    fromId = last.id + 1;
  }
}

/** The account's balances (free + locked) by asset, in exact 10^-18 units. */
export async function accountBalances(info: SimInfo): Promise<Map<string, Money>> {
  const acct = await signedGet<{ balances: { asset: string; free: string; locked: string }[] }>(
    info,
    "/api/v3/account",
    {},
  );
  return new Map(acct.balances.map((b) => [b.asset, (parseMoney(b.free) ?? 0n) + (parseMoney(b.locked) ?? 0n)]));
}

/**
 * The request weight the venue has counted this minute (X-MBX-USED-WEIGHT-1M of a ping, weight 1):
 * one address's budget, shared by the engine and this test's own reads.
 */
export async function usedWeight(info: SimInfo): Promise<number> {
  const res = await fetch(`${info.restUrl}/api/v3/ping`);
  await res.arrayBuffer();
  return Number(res.headers.get("x-mbx-used-weight-1m") ?? 0);
}
