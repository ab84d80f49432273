/** Test preload: a fresh clone's `bun test` installs dependencies and builds the C library first. */
import { ensureReady } from "../src/services/bootstrap.ts";

ensureReady({ quiet: true });
