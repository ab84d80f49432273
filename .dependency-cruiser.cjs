/**
 * The house rules of src/, checked in CI (`bun run deps`): folders form floors and a folder imports
 * only folders on the floors below it, never in a circle; other folders see a folder only through its
 * index.ts; bun:ffi stays in book/; only the sim-direct venue may use the simulator; strategies never
 * see venues or execution, and the built-in strategies see only the strategy API (src/strategy/api.ts,
 * what users' strategy files import). Floors, from the ground up (shared/design.md):
 *   types, services  →  book, sim, metrics, history, fills  →  gateways, strategy, command  →  venues
 *   →  execution, journal  →  desk  →  engine  →  backtest  →  main.ts, cli.ts, bootstrap.ts
 */

/** What each folder may import besides itself (the floors below it). */
const BELOW = {
  types: [],
  services: ["types"],
  book: ["types", "services"],
  sim: ["types", "services"],
  metrics: ["types", "services"],
  history: ["types", "services", "book"],
  fills: ["types", "services", "book"],
  gateways: ["types", "services", "book", "metrics"],
  strategy: ["types", "services", "book"],
  command: ["types", "services", "book", "metrics"],
  venues: ["types", "services", "book", "sim", "metrics", "history", "fills", "gateways"],
  execution: ["types", "services", "book", "metrics", "gateways", "venues"],
  journal: ["types", "services", "metrics"],
  desk: ["types", "services", "metrics", "execution", "journal"],
  engine: [
    "types",
    "services",
    "book",
    "sim",
    "metrics",
    "history",
    "fills",
    "gateways",
    "strategy",
    "command",
    "venues",
    "execution",
    "journal",
    "desk",
  ],
  backtest: [
    "types",
    "services",
    "book",
    "sim",
    "metrics",
    "history",
    "fills",
    "gateways",
    "strategy",
    "command",
    "venues",
    "execution",
    "journal",
    "desk",
    "engine",
  ],
};

const floorRules = Object.entries(BELOW).map(([folder, below]) => ({
  name: `floor-${folder}`,
  comment: `src/${folder}/ may import only ${below.length === 0 ? "itself" : below.join(", ")} (the floors below it)`,
  severity: "error",
  from: { path: `^src/${folder}/` },
  to: { path: "^src/", pathNot: [`^src/(${[folder, ...below].join("|")})/`] },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "no import circles anywhere in src/",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    ...floorRules,
    {
      name: "top-files-on-top",
      comment: "nothing under src/<folder>/ imports main.ts or bootstrap.ts (they sit on the top floor)",
      severity: "error",
      from: { path: "^src/[^/]+/" },
      to: { path: "^src/(main|bootstrap)\\.ts$" },
    },
    {
      name: "only-through-index",
      comment: "another folder is imported only through its index.ts (its public face)",
      severity: "error",
      from: { path: "^src/([^/]+)/" },
      to: { path: "^src/[^/]+/", pathNot: ["^src/$1/", "^src/[^/]+/index\\.ts$"] },
    },
    {
      name: "bootstrap-imports-only-the-lib-path",
      comment: "bootstrap runs before dependencies exist: it may import only book/lib-path.ts",
      severity: "error",
      from: { path: "^src/bootstrap\\.ts$" },
      to: { path: "^src/", pathNot: ["^src/book/lib-path\\.ts$"] },
    },
    {
      name: "sqlite-only-in-journal",
      comment: "bun:sqlite is imported only in src/journal/ (execution and the rest never depend on SQLite)",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/journal/"] },
      to: { path: "^bun:sqlite$" },
    },
    {
      name: "ffi-only-in-book",
      comment: "bun:ffi is imported only in src/book/",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/book/"] },
      to: { path: "^bun:ffi$" },
    },
    {
      name: "sim-only-through-sim-direct",
      comment: "of the venue adapters only sim-direct uses the simulator (real adapters speak the wire)",
      severity: "error",
      from: { path: "^src/venues/", pathNot: ["^src/venues/sim-direct/"] },
      to: { path: "^src/sim/" },
    },
    {
      name: "builtins-only-through-api",
      comment:
        "the built-in strategies import only the strategy API (src/strategy/api.ts), the entry point users' strategy files import, so the API is complete by construction",
      severity: "error",
      from: { path: "^src/strategy/builtins/" },
      to: { pathNot: "^src/strategy/api\\.ts$" },
    },
    {
      name: "strategy-sees-no-venue-or-execution",
      comment: "strategies read book views and emit intents; they never reach venues or execution",
      severity: "error",
      from: { path: "^src/strategy/" },
      to: { path: "^src/(venues|execution)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // node_modules stays in the graph (not followed), so a rule can see an import of a package
    exclude: { path: "\\.test\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    moduleSystems: ["es6", "cjs"],
    reporterOptions: { text: { highlightFocused: true } },
  },
};
