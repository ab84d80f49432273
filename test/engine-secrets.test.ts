/**
 * Secrets from files as Docker mounts them (/run/secrets/...): `bun run start` with
 * HFT_CONTROL_TOKEN_FILE must enable the control API with the file's token, and a token file it
 * cannot read must stop start-up at once, naming the variable and the path, never the token.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEngineProcess } from "./support/engine-process.ts";

const ROOT = join(import.meta.dir, "..");
const TOKEN = "token-from-a-file-0123456789abcdef";

test("bun run start with HFT_CONTROL_TOKEN_FILE: the control API takes the file's token", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hft-engine-secrets-"));
  const file = join(dir, "hft_control_token");
  writeFileSync(file, `${TOKEN}\n`);
  const e = startEngineProcess([], { HFT_CONTROL_TOKEN: "", HFT_CONTROL_TOKEN_FILE: file });
  try {
    expect(await e.until(/quoting started/, 90_000)).toBe(true);
    const url = /http server (http:\/\/\S+)/.exec(e.out())?.[1];
    expect(url).toBeDefined();
    const pause = (token: string) =>
      fetch(`${url}/api/strategies/mm/pause?wait=5000`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
    const wrong = await pause(`${TOKEN}x`);
    expect(wrong.status).toBe(401);
    const right = await pause(TOKEN);
    expect({ status: right.status, body: await right.json() }).toMatchObject({
      status: 200,
      body: { status: "completed", kind: "pause_strategy" },
    });
    const { code, errors, out } = await e.interrupt();
    expect({ code, errors }).toEqual({ code: 0, errors: [] });
    expect(out).not.toContain(TOKEN);
  } finally {
    e.kill();
  }
}, 180_000);

test("bun run start with an unreadable HFT_CONTROL_TOKEN_FILE: exit 1 naming the variable and the path, nothing started", async () => {
  const missing = join(mkdtempSync(join(tmpdir(), "hft-engine-secrets-")), "no-such-token");
  const proc = Bun.spawn([process.execPath, "src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, HFT_HTTP_PORT: "0", HFT_CONFIG: "", HFT_CONTROL_TOKEN: "", HFT_CONTROL_TOKEN_FILE: missing },
    stdout: "pipe",
    stderr: "pipe",
  });
  // a regression would start trading and never exit on its own: bound the wait, then kill
  const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  try {
    const [code, out, err] = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    expect(code).toBe(1);
    expect(err).toContain(`http.control_token_env: HFT_CONTROL_TOKEN_FILE=${missing}: cannot read the file (ENOENT)`);
    expect(out).not.toMatch(/simulator started|venue .* connected|quoting started/);
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null) proc.kill("SIGKILL");
  }
}, 90_000);
