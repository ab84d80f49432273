/**
 * The risk block of the shipped configs goes straight into the execution desk: same shape, and
 * every value accepted by the risk gate's own validation.
 */
import { describe, expect, test } from "bun:test";
import { loadConfig, riskLimits } from "../src/engine/index.ts";
import { Execution, type RiskLimits } from "../src/execution/index.ts";
import { VirtualClock } from "../src/services/index.ts";
import { Rng } from "../src/services/rng.ts";

describe("config → execution", () => {
  for (const file of ["config/default.yaml", "config/binance.example.yaml", "config/binance-testnet.example.yaml"]) {
    test(`${file}: the risk block is a valid RiskLimits and the prefix a valid client-id prefix`, () => {
      const env = {
        BINANCE_API_KEY: "k",
        BINANCE_API_SECRET: "s",
        BINANCE_TESTNET_API_KEY: "k",
        BINANCE_TESTNET_API_SECRET: "s",
      };
      const cfg = loadConfig(file, { env }).config;
      const limits: RiskLimits = riskLimits(cfg.risk);
      const desk = new Execution({
        clock: new VirtualClock(),
        rng: new Rng(1),
        clientIdPrefix: cfg.engine.client_id_prefix,
        limits,
      });
      expect(desk.risk.current()).toBe(limits);
      expect(desk.ids.prefix).toBe(cfg.engine.client_id_prefix);
    });
  }
});
