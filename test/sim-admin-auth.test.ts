/**
 * The simulators' admin ports check their bearer token exactly as the engine's control API does (one
 * shared, constant-time check in services/): every Authorization header below gets the same verdict
 * from ControlAuth and from the Binance and OKX admin ports. Timing itself is not measured here (no
 * timed tests); what is checked is that both surfaces go through the same check.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ControlAuth } from "../src/command/index.ts";
import { type RunningOkxSim, type RunningSim, startOkxSim, startSim } from "../src/sim/index.ts";

const TOKEN = "adminTokenForTheAuthTest0123456789";

/** Headers a client might send, right and wrong. */
const HEADERS: ReadonlyArray<string | undefined> = [
  `Bearer ${TOKEN}`,
  `bearer ${TOKEN}`,
  `BEARER ${TOKEN}`,
  `Bearer  ${TOKEN}`,
  `Bearer\t${TOKEN}`,
  `Bearer ${TOKEN.slice(0, -1)}`,
  `Bearer ${TOKEN}x`,
  `Bearer ${TOKEN.toLowerCase()}`,
  `Basic ${TOKEN}`,
  TOKEN,
  "Bearer",
  "",
  undefined,
];

describe("admin ports and the control API agree on every Authorization header", () => {
  let bin: RunningSim;
  let okx: RunningOkxSim;
  beforeAll(async () => {
    bin = await startSim({ seed: "auth", symbols: ["BTCUSDT"], agents: false, adminToken: TOKEN });
    okx = await startOkxSim({ seed: "auth", agents: false, adminToken: TOKEN });
  });
  afterAll(async () => {
    await bin?.close();
    await okx?.close();
  });

  for (const h of HEADERS) {
    test(`header ${JSON.stringify(h)}`, async () => {
      const engine = new ControlAuth(TOKEN).check(h ?? null) === "ok";
      for (const url of [bin.adminUrl, okx.adminUrl]) {
        const r = await fetch(`${url}/admin/counters`, {
          method: "POST",
          headers: h === undefined ? {} : { Authorization: h },
        });
        expect(r.status === 200, `${url}: admin answered ${r.status}, the control API says ${engine}`).toBe(engine);
      }
    });
  }

  test("a token no header could carry is refused at start, naming the option", async () => {
    await expect(startSim({ seed: "auth", agents: false, adminToken: "has space" })).rejects.toThrow(/adminToken/);
    await expect(startOkxSim({ seed: "auth", agents: false, adminToken: "" })).rejects.toThrow(/adminToken/);
  });
});
