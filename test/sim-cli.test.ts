/** `bun run sim` as a child process: the SIM_READY line the engine parses, and a clean SIGTERM exit. */
import { expect, test } from "bun:test";
import { join } from "node:path";

test("prints SIM_READY with URLs and keys, serves, exits 0 on SIGTERM", async () => {
  const main = join(import.meta.dir, "..", "src", "sim", "main.ts");
  const child = Bun.spawn(
    [process.execPath, main, "--port", "0", "--seed", "cli", "--symbols", "BTCUSDT,ETHUSDT", "--speed", "1"],
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const reader = child.stdout.getReader();
  let out = "";
  const deadline = Date.now() + 20_000;
  while (!out.includes("SIM_READY ") || !out.slice(out.indexOf("SIM_READY ")).includes("\n")) {
    if (Date.now() > deadline) throw new Error(`no SIM_READY line; got: ${out}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`sim exited early: ${out} ${await new Response(child.stderr).text()}`);
    out += new TextDecoder().decode(value);
  }
  const line = out.split("\n").find((l) => l.startsWith("SIM_READY ")) ?? "";
  const info = JSON.parse(line.slice("SIM_READY ".length)) as Record<string, unknown>;
  expect(info["restUrl"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(info["wsApiUrl"]).toMatch(/\/ws-api\/v3$/);
  expect(info["symbols"]).toEqual(["BTCUSDT", "ETHUSDT"]);
  expect(String(info["apiKey"])).toHaveLength(64);
  expect(out).toContain("API secret");
  const ping = await fetch(`${info["restUrl"]}/api/v3/ping`);
  expect(ping.status).toBe(200);
  child.kill("SIGTERM");
  expect(await child.exited).toBe(0);
});

test("a bad flag is refused with a message naming it", async () => {
  const main = join(import.meta.dir, "..", "src", "sim", "main.ts");
  const r = Bun.spawnSync([process.execPath, main, "--speed", "fast"]);
  expect(r.exitCode).toBe(2);
  expect(r.stderr.toString()).toContain("--speed");
});
