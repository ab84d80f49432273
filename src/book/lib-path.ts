/**
 * Where the C library is: the book folder owns the path it loads, and the install/build step
 * (src/bootstrap.ts) builds to the same place. Only node built-ins here, so bootstrap can import it
 * before any dependency exists. HFT_LIB_PATH overrides it (a library built elsewhere).
 */
import { join, resolve } from "node:path";

/** The project root (the folder above src/). */
const ROOT = resolve(import.meta.dir, "..", "..");

/** The platform's shared-library suffix. */
export const LIB_EXT = process.platform === "darwin" ? "dylib" : "so";

/** Path of libhftcore, as `zig build` (or the cc fallback) writes it. */
export const LIB_PATH = process.env["HFT_LIB_PATH"] ?? join(ROOT, "zig-out", "lib", `libhftcore.${LIB_EXT}`);
