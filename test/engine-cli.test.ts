/**
 * `bun run start` with a mistyped flag, as a user types it: the engine must refuse at once (exit 1,
 * the flag named, the usage shown) instead of ignoring the flag and trading the default config.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");

test("bun src/main.ts --confg x: exit 1 naming --confg, with the usage, and no venue started", async () => {
  const proc = Bun.spawn([process.execPath, "src/main.ts", "--confg", "x"], {
    cwd: ROOT,
    env: { ...process.env, HFT_HTTP_PORT: "0", HFT_CONFIG: "" },
    stdout: "pipe",
    stderr: "pipe",
  });
  // a regression would start trading and never exit on its own: bound the wait, then kill
  const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  try {
    const [code, out, err] = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    expect(code).toBe(1);
    expect(err).toContain("--confg: unknown option");
    expect(err).toContain("usage: bun run start");
    expect(out).not.toContain("config ");
    expect(out).not.toMatch(/venue|simulator/i);
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null) proc.kill("SIGKILL");
  }
}, 60_000);

test("bun src/main.ts --help: the usage on stdout, exit 0", async () => {
  const proc = Bun.spawn([process.execPath, "src/main.ts", "--help"], {
    cwd: ROOT,
    env: { ...process.env, HFT_CONFIG: "" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  try {
    const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
    expect(code).toBe(0);
    expect(out).toContain("usage: bun run start");
  } finally {
    clearTimeout(timer);
  }
}, 60_000);
