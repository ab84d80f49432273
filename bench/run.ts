/**
 * `bun run bench`: runs every bench/*.bench.ts in its own process, one after another, so one
 * benchmark's heap and JIT state never colour the next. `bun run bench book` runs the matching ones.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dir;
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

let failures = 0;
for (const f of files) {
  console.log(`\n### ${f}`);
  const r = Bun.spawnSync([process.execPath, join(dir, f)], { stdout: "inherit", stderr: "inherit", env: process.env });
  if (r.exitCode !== 0) {
    failures++;
    console.error(`### ${f} failed (exit ${r.exitCode})`);
  }
}
if (files.length === 0) console.error(`no benchmark matches ${filters.join(" ")}`);
process.exit(failures > 0 || files.length === 0 ? 1 : 0);
