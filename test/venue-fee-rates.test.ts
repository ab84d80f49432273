/**
 * Each adapter's feeRates against its simulator, over the wire: the account's rates as the venue
 * reports them (Binance GET /api/v3/account/commission, OKX GET /api/v5/account/trade-fee with its
 * negative-is-a-charge sign rule), in one convention (a charge positive, a rebate negative), exact.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Rng, SystemClock } from "../src/services/index.ts";
import { startSim } from "../src/sim/index.ts";
import { startOkxSim } from "../src/sim/okx/index.ts";
import { commissionRates, createBinanceAdapter } from "../src/venues/binance/index.ts";
import { createOkxAdapter } from "../src/venues/okx/index.ts";

const SEED = "fee-rates";
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

describe("the account's fee rates, from each venue", () => {
  test("Binance: the commission the simulator charges, summed over standard, tax and special", async () => {
    const sim = await startSim({
      seed: SEED,
      symbols: ["BTCUSDT", "ETHUSDT"],
      fees: { maker: "0.00075", taker: "0.0012" },
    });
    closers.push(() => sim.close());
    const adapter = createBinanceAdapter({
      name: "bn",
      apiKey: sim.apiKey,
      apiSecret: sim.apiSecret,
      restUrl: sim.restUrl,
      streamUrl: sim.streamUrl,
      wsApiUrl: sim.wsApiUrl,
      symbols: ["BTC-USDT", "ETH-USDT"],
      clientIdPrefix: "fr1",
      clock: new SystemClock(),
      rng: new Rng(SEED),
    });
    closers.push(() => adapter.close());
    await adapter.connect();
    expect(await adapter.feeRates(["BTC-USDT", "ETH-USDT"])).toEqual([
      { symbol: "BTC-USDT", maker: "0.00075", taker: "0.0012" },
      { symbol: "ETH-USDT", maker: "0.00075", taker: "0.0012" },
    ]);
    expect(String(await adapter.feeRates(["DOGE-USDT"]).catch((e: unknown) => e))).toContain("DOGE-USDT");
  });

  test("OKX: trade-fee's negative charge becomes a positive rate", async () => {
    const sim = await startOkxSim({ seed: SEED, fees: { maker: "0.0006", taker: "0.0009" } });
    closers.push(() => sim.close());
    const adapter = createOkxAdapter({
      name: "okx",
      restUrl: sim.restUrl,
      wsPublicUrl: sim.wsPublicUrl,
      wsPrivateUrl: sim.wsPrivateUrl,
      apiKey: sim.apiKey,
      secret: sim.apiSecret,
      passphrase: sim.passphrase,
      clientIdPrefix: "fr2",
      clock: new SystemClock(),
      rng: new Rng(SEED),
    });
    closers.push(() => adapter.close());
    await adapter.connect();
    expect(await adapter.feeRates(["BTC-USDT"])).toEqual([{ symbol: "BTC-USDT", maker: "0.0006", taker: "0.0009" }]);
    expect(String(await adapter.feeRates(["DOGE-USDT"]).catch((e: unknown) => e))).toContain("DOGE-USDT");
  });

  test("Binance's commission answer: every part adds up, a side commission counts at its larger, a bad field is named", () => {
    const part = (maker: string, taker: string, buyer = "0", seller = "0") => ({ maker, taker, buyer, seller });
    const body = {
      symbol: "BTCUSDT",
      standardCommission: part("0.00100000", "0.00100000"),
      taxCommission: part("0.00000112", "0.00000114", "0.00000118", "0.00000116"),
      specialCommission: part("0.00000010", "0.00000020"),
    };
    expect(commissionRates(body, "bn BTC-USDT")).toEqual({ maker: "0.0010024", taker: "0.00100252" });
    expect(() => commissionRates({ standardCommission: { maker: 1 } }, "bn BTC-USDT")).toThrow(
      "bn BTC-USDT: commission standardCommission.maker missing or not a string",
    );
    expect(() => commissionRates({}, "bn BTC-USDT")).toThrow("no standardCommission");
    expect(() => commissionRates({ standardCommission: part("1e-3", "0") }, "bn")).toThrow('fee rate "1e-3"');
  });
});
