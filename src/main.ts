/**
 * Entry point of `bun run start`. A fresh clone has only Bun: install dependencies and build the C
 * library first, and only then import the engine (whose imports need both).
 */
import { ensureReady, rerunIfInstalled } from "./bootstrap.ts";

try {
  await rerunIfInstalled(ensureReady(), ["src/main.ts", ...Bun.argv.slice(2)]);
} catch (e) {
  process.stderr.write(`start-up failed: ${(e as Error).message}\n`);
  process.exit(1);
}
const { runEngine } = await import("./engine/index.ts");
process.exit(await runEngine(Bun.argv.slice(2)));
