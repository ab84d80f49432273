/** Test preload: a fresh clone's `bun test` installs dependencies and builds the C library first. */
import { ensureReady, rerunIfInstalled } from "../src/bootstrap.ts";

await rerunIfInstalled(ensureReady({ quiet: true }), ["test"]);
