/**
 * The bootstrap decides from mtimes whether the C library must be rebuilt before every command (test
 * preload, start, bench). A build must leave the library newer than every C file, or each later
 * command rebuilds it again.
 */
import { describe, expect, test } from "bun:test";
import { utimesSync } from "node:fs";
import { join } from "node:path";
import { buildLib, libIsStale, ROOT } from "./bootstrap.ts";

describe("bootstrap", () => {
  // a library given through HFT_LIB_PATH was built elsewhere: this test would overwrite it
  test.skipIf(process.env["HFT_LIB_PATH"] !== undefined)(
    "a build after only a C test file changed leaves the library fresh (zig hands back its cached library)",
    () => {
      // a C test file is no input of the library, so zig's cache answers with the library built before
      const testFile = join(ROOT, "csrc", "test", "test_depth.c");
      const now = new Date();
      utimesSync(testFile, now, now);
      expect(libIsStale()).toBe(true);
      buildLib(true);
      expect(libIsStale()).toBe(false);
    },
  );
});
