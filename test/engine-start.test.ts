/**
 * `bun run start` as a user runs it: the default config, the simulator as a child process, quotes
 * and fills on the console, then Ctrl-C (SIGINT) → exit 0 with no order left open.
 */
import { expect, test } from "bun:test";
import { startEngineProcess } from "./support/engine-process.ts";

/**
 * Warnings and errors, less the strategy guard's summary of callbacks over their wall-time budget: on
 * a loaded machine the OS preempting the process inside a callback is an overrun, so that line says
 * how loaded the machine is, not how the engine behaves (the guard's own tests check it).
 */
function problems(errors: readonly string[]): string[] {
  return errors.filter((l) => !/ WARN .*strategy \S+: \d+ callbacks over the \d+ µs budget/.test(l));
}

test("bun run start: quotes and fills within seconds, SIGINT shuts down cleanly with exit 0", async () => {
  const e = startEngineProcess([], {});
  try {
    expect(await e.until(/quoting started/, 90_000)).toBe(true);
    expect(await e.until(/ fill sim (BTC|ETH)-USDT /, 60_000)).toBe(true);
    const { code, errors, out } = await e.interrupt();
    expect({ code, errors: problems(errors) }).toEqual({ code: 0, errors: [] });
    expect(out).toContain("shutdown complete: no open orders left");
    expect(out).toMatch(/venueOpenOrders=0/);
  } finally {
    e.kill();
  }
}, 180_000);

test("bun run start --config config/imbalance-mm.yaml: a strategy from a file quotes and fills, SIGINT exits 0", async () => {
  const e = startEngineProcess(["--config", "config/imbalance-mm.yaml"], {});
  try {
    expect(
      await e.until(/quoting started strategy=imbalance kind=imbalance_mm module=\S+imbalance-mm\.ts/, 90_000),
    ).toBe(true);
    expect(await e.until(/ fill sim (BTC|ETH)-USDT /, 60_000)).toBe(true);
    const { code, errors, out } = await e.interrupt();
    expect({ code, errors: problems(errors) }).toEqual({ code: 0, errors: [] });
    expect(out).toContain("shutdown complete: no open orders left");
  } finally {
    e.kill();
  }
}, 180_000);
