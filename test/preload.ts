/**
 * Test preload: a fresh clone's `bun test` installs dependencies and builds the C library first, and
 * every test file gets the suite's default timeout.
 */
import { ensureReady, rerunIfInstalled } from "../src/bootstrap.ts";

await rerunIfInstalled(ensureReady({ quiet: true }), ["test"]);

/**
 * The default per-test timeout of this suite. Bun's own default is 5 s, too short for a test that
 * starts a simulator on a loaded 2-core machine; bunfig's `[test] timeout` is not read by Bun
 * (oven-sh/bun#7789) and `setDefaultTimeout` applies only to the file that calls it, so each test file
 * calls it as it loads. The call is put on the file's first line, so line numbers in failures are kept.
 * A test that needs longer still says so itself.
 */
export const TEST_TIMEOUT_MS = 60_000;

Bun.plugin({
  name: "suite-default-timeout",
  setup(build) {
    build.onLoad({ filter: /\.test\.ts$/ }, async (args) => {
      const source = await Bun.file(args.path).text();
      const head = `import { setDefaultTimeout as __suiteTimeout } from "bun:test"; __suiteTimeout(${TEST_TIMEOUT_MS});`;
      return { contents: head + source, loader: "ts" };
    });
  },
});
