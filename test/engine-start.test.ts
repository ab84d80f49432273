/**
 * `bun run start` as a user runs it: the default config, the simulator as a child process, quotes
 * and fills on the console, then Ctrl-C (SIGINT) → exit 0 with no order left open.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");

test("bun run start: quotes and fills within seconds, SIGINT shuts down cleanly with exit 0", async () => {
  const proc = Bun.spawn([process.execPath, "src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, HFT_HTTP_PORT: "0", HFT_CONFIG: "" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const decoder = new TextDecoder();
  let out = "";
  const reader = proc.stdout.getReader();
  const pump = (async () => {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      out += decoder.decode(r.value, { stream: true });
    }
  })();
  const errText = new Response(proc.stderr).text();
  const until = async (re: RegExp, ms: number): Promise<boolean> => {
    const end = Date.now() + ms;
    while (Date.now() < end && proc.exitCode === null) {
      if (re.test(out)) return true;
      await Bun.sleep(50);
    }
    return re.test(out);
  };
  try {
    expect(await until(/quoting started/, 90_000)).toBe(true);
    expect(await until(/ fill sim (BTC|ETH)-USDT /, 60_000)).toBe(true);
    proc.kill("SIGINT");
    const code = await proc.exited;
    await pump;
    const errors = (await errText).split("\n").filter((l) => / (ERROR|WARN) /.test(l));
    expect({ code, errors }).toEqual({ code: 0, errors: [] });
    expect(out).toContain("shutdown complete: no open orders left");
    expect(out).toMatch(/venueOpenOrders=0/);
  } finally {
    if (proc.exitCode === null) proc.kill("SIGKILL");
  }
}, 180_000);
