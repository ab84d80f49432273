/**
 * The engine's simulator child prints, per Binance-protocol venue, the engine account's credentials:
 * an HMAC key + secret and a separate Ed25519 key + private key, as Binance issues them. A client
 * using either must work, and both must reach the same account. (Before, one key carried both, the
 * simulator took it for Ed25519 only and answered the printed HMAC secret with -1022.)
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { type SimChild, spawnSimChild } from "../src/engine/index.ts";
import { SystemClock } from "../src/services/clock.ts";
import { Rng } from "../src/services/rng.ts";
import { SIM_ED25519_PUBLIC_KEY_PEM, startSim } from "../src/sim/index.ts";
import { createBinanceAdapter } from "../src/venues/binance/index.ts";

const SEED = "sim-child-keys";

describe("sim child credentials", () => {
  let child: SimChild;
  beforeAll(async () => {
    child = await spawnSimChild({
      seed: SEED,
      speed: 1,
      symbols: ["BTCUSDT"],
      venues: [
        {
          name: "bin",
          protocol: "binance",
          port: 0,
          marketDataMs: 0,
          orderEntryMs: 0,
          lagMs: 0,
          noiseBps: 0,
          fees: { maker: "0.001", taker: "0.001" },
        },
      ],
    });
  });
  afterAll(async () => {
    await child?.stop();
  });

  const venue = () => {
    const v = child.ready.venues[0];
    if (v === undefined || v.protocol !== "binance") throw new Error(`seed ${SEED}: no binance venue in SIM_READY`);
    return v;
  };

  test("the printed HMAC key and secret sign REST requests the simulator accepts", async () => {
    const v = venue();
    const query = `timestamp=${Date.now()}`;
    const signature = createHmac("sha256", v.apiSecret).update(query).digest("hex");
    const r = await fetch(`${v.restUrl}/api/v3/account?${query}&signature=${signature}`, {
      headers: { "X-MBX-APIKEY": v.apiKey },
    });
    const body = (await r.json()) as { code?: number; balances?: unknown[] };
    expect(r.status, `seed ${SEED}: ${JSON.stringify(body)}`).toBe(200);
    expect(Array.isArray(body.balances)).toBe(true);
  });

  test("the Binance adapter works with either printed key, on the same account", async () => {
    const v = venue();
    const common = {
      restUrl: v.restUrl,
      streamUrl: v.streamUrl,
      wsApiUrl: v.wsApiUrl,
      symbols: ["BTC-USDT"],
      clock: new SystemClock(),
      rng: new Rng(SEED),
    };
    const hmac = createBinanceAdapter({
      ...common,
      name: "child_hmac",
      clientIdPrefix: "ch",
      apiKey: v.apiKey,
      apiSecret: v.apiSecret,
      orderEntry: "rest",
    });
    const ed = createBinanceAdapter({
      ...common,
      name: "child_ed25519",
      clientIdPrefix: "ce",
      apiKey: v.ed25519ApiKey,
      apiSecret: "",
      ed25519PrivateKeyPem: v.ed25519PrivateKeyPem,
      orderEntry: "wsapi",
    });
    try {
      await hmac.connect();
      await ed.connect();
      const a = await hmac.balances();
      const b = await ed.balances();
      expect(a.length).toBeGreaterThan(0);
      expect(b, `seed ${SEED}: both keys see one account`).toEqual(a);
    } finally {
      await hmac.close();
      await ed.close();
    }
  });
});

test("the simulator refuses a key that is both HMAC and Ed25519, and a second key re-opening an account", async () => {
  const key = (c: string) => c.repeat(64);
  await expect(
    startSim({
      agents: false,
      accounts: [{ apiKey: key("a"), apiSecret: "secret", ed25519PublicKeyPem: SIM_ED25519_PUBLIC_KEY_PEM }],
    }),
  ).rejects.toThrow(/accounts\[0\]: a key is HMAC .* or Ed25519/);
  await expect(
    startSim({
      agents: false,
      accounts: [
        { apiKey: key("a"), apiSecret: "secret", accountId: "two-keys" },
        { apiKey: key("b"), apiSecret: "other", accountId: "two-keys", balances: { USDT: "1" } },
      ],
    }),
  ).rejects.toThrow(/accounts\[1\]: account two-keys is already open/);
});
