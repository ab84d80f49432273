/**
 * Which code a run was: recorded with every run in the journal, so a fill can be traced to the
 * build that made it. The package version plus the git commit when the tree is a checkout;
 * HFT_CODE_VERSION (set by an image build) wins.
 */
import { join } from "node:path";
import pkg from "../../package.json";

let cached: string | undefined;

/** "0.1.0+1a2b3c4" (or "0.1.0" outside a git checkout); computed once per process. */
export function codeVersion(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env.HFT_CODE_VERSION;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (cached !== undefined) return cached;
  let commit = "";
  try {
    const r = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], {
      cwd: join(import.meta.dir, "..", ".."),
      stdout: "pipe",
      stderr: "ignore",
    });
    if (r.exitCode === 0) commit = r.stdout.toString().trim();
  } catch {
    commit = ""; // no git on this host (an image): the package version alone
  }
  cached = commit === "" ? pkg.version : `${pkg.version}+${commit}`;
  return cached;
}
