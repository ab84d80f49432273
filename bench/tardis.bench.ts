/**
 * Tardis.dev CSV import rate and sizes (issue #14): records N virtual minutes of the simulator's BTC-USDT
 * depth and trades (the replay bench's recording child), exports them to Tardis `incremental_book_L2` and
 * `trades` .csv.gz files, then times `importTardis` of those files back into our format (median and best
 * of SAMPLES runs, rows per second of wall and of CPU time) and compares the sizes: gzip CSV against the
 * internal recording. Run: `bun bench/tardis.bench.ts [minutes]` or `bun run bench tardis`.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportTardis, importTardis, listRecordings, type TardisImportReport } from "../src/history/index.ts";

const MINUTES = Number(process.argv[2] ?? 3);
const SAMPLES = 5;
const root = mkdtempSync(join(tmpdir(), "tardis-bench-"));
const recorded = join(root, "recorded");
const csvDir = join(root, "csv");
const fmt = (x: number) => Math.round(x).toLocaleString("en");
const bytesUnder = (dir: string): number =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .reduce((n, d) => n + statSync(join(d.parentPath, d.name)).size, 0);

const child = Bun.spawnSync(
  [process.execPath, join(import.meta.dir, "replay.bench.ts"), "--record-to", recorded, String(MINUTES)],
  { stdout: "inherit", stderr: "inherit", env: process.env },
);
if (child.exitCode !== 0) throw new Error(`recording failed (exit ${child.exitCode})`);
const exported = await exportTardis({ dir: recorded, venue: "sim", symbol: "BTC-USDT", out: csvDir, policy: "stop" });
const book = exported.files.find((f) => f.includes("incremental_book_L2"));
const trades = exported.files.find((f) => f.includes("_trades_"));
console.log(`exported ${fmt(exported.bookRows)} book rows and ${fmt(exported.tradeRows)} trade rows to Tardis CSV`);

const runs: Array<{ r: TardisImportReport; cpuS: number }> = [];
for (let i = 0; i < SAMPLES + 1; i++) {
  const out = join(root, `imported-${i}`);
  const cpu0 = process.cpuUsage();
  const r = await importTardis({
    ...(book !== undefined ? { book } : {}),
    ...(trades !== undefined ? { trades } : {}),
    out,
    venue: "sim",
    symbol: "BTC-USDT",
    venueSymbol: "BTCUSDT",
    tick: "0.01",
    lot: "0.00001",
    policy: "stop",
  });
  const cpu = process.cpuUsage(cpu0);
  if (i > 0) runs.push({ r, cpuS: (cpu.user + cpu.system) / 1e6 }); // the first run warms the JIT
  if (i < SAMPLES) rmSync(out, { recursive: true, force: true });
}
const sorted = [...runs].sort((a, b) => a.r.seconds - b.r.seconds);
const median = sorted[Math.floor(sorted.length / 2)] as (typeof runs)[number];
const best = sorted[0] as (typeof runs)[number];
const imported = join(root, `imported-${SAMPLES}`);
const csvBytes = bytesUnder(csvDir);
const ourBytes = listRecordings(imported, "sim", "BTC-USDT").reduce((n, p) => n + statSync(p).size, 0);
console.log(
  `import: ${fmt(median.r.rowsPerSecond)} rows/s median, ${fmt(best.r.rowsPerSecond)} best (${SAMPLES} runs of ` +
    `${fmt(median.r.rows)} rows, ${median.r.seconds.toFixed(2)} s median); ${fmt(median.r.rows / median.cpuS)} rows per CPU second; ` +
    `${fmt(median.r.frames)} frames, ${median.r.skippedRows} rows skipped`,
);
console.log(
  `sizes: Tardis .csv.gz ${fmt(csvBytes)} bytes, our recording ${fmt(ourBytes)} bytes ` +
    `(${(ourBytes / csvBytes).toFixed(2)}x the gzip CSV; ${(ourBytes / median.r.rows).toFixed(1)} B/row vs ${(csvBytes / median.r.rows).toFixed(1)})`,
);
rmSync(root, { recursive: true, force: true });
