/**
 * The CI checks' package installer (.ci/checks/apt-install.bash) against a fake apt-get: it must wait
 * for another install holding the dpkg lock instead of failing at once, pass apt's own lock timeout,
 * and not run apt at all when the program is already installed.
 */
import { afterEach, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * The name of this run's fake lock holder: unique, so a real apt or dpkg elsewhere on a shared machine
 * (another CI run installing its tools) never looks like the holder (pgrep -x sees 15 characters).
 */
const HOLDER = `dpkg${Math.random().toString(16).slice(2, 10)}`;

/** A bin folder with a fake apt-get that fails while `lockfile` exists and logs its arguments. */
function fakeApt(): { dir: string; bin: string; log: string; lock: string } {
  const dir = mkdtempSync(join(tmpdir(), "hft-apt-"));
  dirs.push(dir);
  const bin = join(dir, "bin");
  const log = join(dir, "apt.log");
  const lock = join(dir, "lock");
  Bun.spawnSync(["mkdir", "-p", bin]);
  writeFileSync(
    join(bin, "apt-get"),
    `#!/usr/bin/env bash
echo "$*" >> ${log}
if [ -e ${lock} ]; then echo "E: Could not get lock /var/lib/dpkg/lock-frontend" >&2; exit 100; fi
if [ "$*" != "\${*/install/}" ]; then printf '#!/bin/sh\\nexit 0\\n' > ${bin}/fakeprog; chmod +x ${bin}/fakeprog; fi
exit 0
`,
  );
  chmodSync(join(bin, "apt-get"), 0o755);
  // a process with the holder's name holds the lock for as long as it runs
  copyFileSync("/bin/sleep", join(bin, HOLDER));
  chmodSync(join(bin, HOLDER), 0o755);
  return { dir, bin, log, lock };
}

async function ensureApt(f: { dir: string; bin: string }, cmd: string): Promise<{ exitCode: number; out: string }> {
  const script = `source ${ROOT}/.ci/checks/apt-install.bash; ensure_apt ${cmd} fakepkg`;
  const p = Bun.spawn(["bash", "-c", script], {
    env: {
      ...process.env,
      PATH: `${f.bin}:${process.env["PATH"]}`,
      TMPDIR: f.dir,
      APT_LOCK_WAIT_S: "60",
      APT_LOCK_HOLDERS: HOLDER,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { exitCode, out: stdout + stderr };
}

test("an install that meets another install's lock waits for it, then installs", async () => {
  const f = fakeApt();
  writeFileSync(f.lock, "");
  const holder = Bun.spawn([join(f.bin, HOLDER), "30"]);
  // the other install finishes after a while: its lock goes away, then the process
  setTimeout(() => {
    rmSync(f.lock, { force: true });
    holder.kill();
  }, 1500);
  const r = await ensureApt(f, "fakeprog");
  const out = r.out;
  expect(r.exitCode, out).toBe(0);
  const calls = readFileSync(f.log, "utf8").trim().split("\n");
  expect(calls.length, out).toBeGreaterThan(2); // at least one refused attempt before success
  expect(
    calls.every((c) => c.includes("DPkg::Lock::Timeout=60")),
    calls.join("\n"),
  ).toBe(true);
  expect(calls.at(-1)).toContain("install -y -qq fakepkg");
  expect(out).toContain("another package install is running");
}, 60_000);

test("a program already installed runs no apt-get at all", async () => {
  const f = fakeApt();
  const r = await ensureApt(f, "bash");
  expect(r.exitCode).toBe(0);
  expect(() => readFileSync(f.log, "utf8")).toThrow();
});

test("a failure with no other install running fails at once instead of retrying", async () => {
  const f = fakeApt();
  writeFileSync(f.lock, ""); // refused, but nobody holds it: a broken apt, not a busy one
  const t0 = Date.now();
  const r = await ensureApt(f, "fakeprog");
  expect(r.exitCode).not.toBe(0);
  expect(readFileSync(f.log, "utf8").trim().split("\n").length).toBe(1);
  expect(Date.now() - t0).toBeLessThan(30_000);
}, 60_000);
