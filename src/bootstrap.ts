/**
 * Makes a fresh clone runnable: installs dependencies and (re)builds the C library when they are
 * missing or stale. It runs before anything else (test preload, `bun run start`, bench), so it uses
 * only Bun built-ins: no dependency may be imported here (the library path comes from book/lib-path.ts,
 * which imports none either).
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { LIB_EXT, LIB_PATH } from "./book/lib-path.ts";

/** Project root: the folder above src/. */
export const ROOT = resolve(import.meta.dir, "..");
const ZIG = join(ROOT, "node_modules", "@ryoppippi", "zig-linux-x64", "zig");
const DEPS_STAMP = join(ROOT, "node_modules", ".hft-deps-stamp");

function log(quiet: boolean, msg: string): void {
  if (!quiet) process.stderr.write(`[bootstrap] ${msg}\n`);
}

function run(cmd: string[], what: string): void {
  const r = Bun.spawnSync(cmd, { cwd: ROOT, stdout: "inherit", stderr: "inherit", env: process.env });
  if (r.exitCode !== 0) throw new Error(`${what} failed (exit ${r.exitCode}): ${cmd.join(" ")}`);
}

function depsFingerprint(): string {
  const h = createHash("sha256");
  for (const f of ["package.json", "bun.lock"]) {
    const p = join(ROOT, f);
    if (existsSync(p)) h.update(readFileSync(p));
  }
  return h.digest("hex");
}

/**
 * Installs dependencies from the lockfile when node_modules is absent or older than the lock.
 * Returns true when it installed: the calling process may have cached "no node_modules" in Bun's
 * resolver and should run itself again (see rerunIfInstalled).
 */
export function ensureDeps(quiet = false): boolean {
  const want = depsFingerprint();
  if (existsSync(DEPS_STAMP) && readFileSync(DEPS_STAMP, "utf8") === want) return false;
  log(quiet, "installing dependencies (bun install)");
  const frozen = existsSync(join(ROOT, "bun.lock")) ? ["--frozen-lockfile"] : [];
  run([process.execPath, "install", ...frozen], "bun install");
  writeFileSync(DEPS_STAMP, want);
  return true;
}

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    const m = entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs;
    if (m > newest) newest = m;
  }
  return newest;
}

/** True when the library is missing or older than any C source or the build script. */
export function libIsStale(): boolean {
  if (!existsSync(LIB_PATH)) return true;
  const built = statSync(LIB_PATH).mtimeMs;
  const sources = Math.max(newestMtime(join(ROOT, "csrc")), statSync(join(ROOT, "build.zig")).mtimeMs);
  return sources > built;
}

function zigWorks(): boolean {
  if (!existsSync(ZIG)) return false;
  const r = Bun.spawnSync([ZIG, "version"], { stdout: "pipe", stderr: "pipe", env: process.env });
  return r.exitCode === 0;
}

/** Sources of the shipped library (not tests or fuzzers), shared with the cc fallback. */
function librarySources(): string[] {
  const dir = join(ROOT, "csrc", "src");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".c"))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Builds into a private folder, then renames into place, so concurrent runs (two test processes)
 * never load a half-written library.
 */
export function buildLib(quiet = false): void {
  const tmp = join(ROOT, ".tmp", `build-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const out = join(tmp, "lib", `libhftcore.${LIB_EXT}`);
    if (zigWorks()) {
      log(quiet, "building C library with zig (ReleaseFast, baseline CPU)");
      run([ZIG, "build", "-Doptimize=ReleaseFast", "-Dcpu=baseline", "--prefix", tmp], "zig build");
    } else {
      log(quiet, "zig unavailable on this platform; building C library with the system cc");
      mkdirSync(join(tmp, "lib"), { recursive: true });
      const cc = process.env.CC ?? "cc";
      run(
        [cc, "-std=c11", "-O3", "-fPIC", "-shared", "-DNDEBUG", "-Icsrc/include", "-o", out, ...librarySources()],
        "cc build",
      );
    }
    mkdirSync(join(LIB_PATH, ".."), { recursive: true });
    // zig hands back a cached library with its old mtime when only tests changed: stamp it now, or
    // libIsStale() would see csrc/ newer than it and rebuild on every command
    const now = new Date();
    utimesSync(out, now, now);
    renameSync(out, LIB_PATH);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Everything a command needs before it imports dependencies or loads the C library. Returns true
 * when dependencies were installed just now.
 */
export function ensureReady(opts: { quiet?: boolean; forceBuild?: boolean } = {}): boolean {
  const quiet = opts.quiet ?? false;
  const installed = ensureDeps(quiet);
  if (!existsSync(join(ROOT, "build.zig"))) return installed; // no C library in this tree yet
  if (opts.forceBuild || libIsStale()) buildLib(quiet);
  return installed;
}

const RERUN_ENV = "HFT_BOOTSTRAP_RERUN";

/**
 * Bun's resolver caches directory listings while a command starts (bun test scans the whole tree),
 * so packages installed by this process may stay "not found" in it. After a fresh install, run the
 * very same command line again in a child (once) and exit with its code.
 */
export async function rerunIfInstalled(installed: boolean, fallbackArgs: readonly string[]): Promise<void> {
  if (!installed || process.env[RERUN_ENV] === "1") return;
  let args = fallbackArgs;
  try {
    const cmdline = readFileSync("/proc/self/cmdline", "utf8")
      .split("\0")
      .filter((a) => a.length > 0);
    if (cmdline.length > 1) args = cmdline.slice(1);
  } catch {
    // no /proc (macOS): the fallback arguments describe the command well enough
  }
  const child = Bun.spawn([process.execPath, ...args], {
    cwd: process.cwd(),
    stdio: ["inherit", "inherit", "inherit"],
    env: { ...process.env, [RERUN_ENV]: "1" },
  });
  // The child does the real work: a signal meant for us (Ctrl-C, `kill`) is its to handle.
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  process.exit(await child.exited);
}

if (import.meta.main) {
  try {
    ensureReady({ forceBuild: process.argv.includes("--force-build") });
  } catch (err) {
    process.stderr.write(`[bootstrap] ${(err as Error).message}\n`);
    process.exit(1);
  }
}
