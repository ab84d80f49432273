/**
 * The backtest's report.html in a real browser (headless Chromium, Debian's `chromium`): opened from
 * disk with the network shut, its summary table shows report.json's figures, and every chart drew
 * its series — pixels of each series' colour on each chart's canvas, read back by a probe script
 * added to a copy of the page. Skipped, saying so, when no Chromium is installed; CI installs it and
 * forbids the skip (.ci/checks/report-html.sh sets HFT_REQUIRE_CHROMIUM=1).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportHtml } from "../src/backtest/report-html.ts";
import { runBacktest } from "../src/backtest/runner.ts";
import { recordedRunConfig, recordLiveRun, testConfig } from "./support/recorded-run.ts";

const SEED = process.env.HFT_REPORT_SEED ?? "report-1";
const CHROMIUM = process.env.HFT_CHROMIUM ?? Bun.which("chromium") ?? Bun.which("chromium-browser");
const REQUIRED = process.env.HFT_REQUIRE_CHROMIUM === "1";
if (CHROMIUM === null && !REQUIRED)
  console.log("report.html browser test skipped: no chromium on PATH (apt-get install chromium, or set HFT_CHROMIUM)");

/** Every series of every chart and the colour report-html.ts draws it in. */
const SERIES: Record<string, readonly string[]> = {
  equity: ["#1f77b4"],
  drawdown: ["#d62728"],
  position: ["#1f77b4"],
  quotes: ["#555555", "#2ca02c", "#d62728"],
};

/**
 * Added to a copy of the page: once uPlot has drawn, counts each series' colour on each chart's
 * canvas and writes the counts (and the canvas sizes) into <pre id="probe"> for --dump-dom to show.
 */
const PROBE = `<script>
setTimeout(() => {
  const want = ${JSON.stringify(SERIES)};
  const out = {};
  for (const [id, colors] of Object.entries(want)) {
    const c = document.querySelector("#" + id + " canvas");
    if (!c) { out[id] = null; continue; }
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    out[id] = { width: c.width, height: c.height, pixels: colors.map((h) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (d[i + 3] > 200 && Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 30) n++;
      return n;
    }) };
  }
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, 50);
</script>`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Opens a page in headless Chromium (network and background services off) and returns its DOM. */
async function dumpDom(chromium: string, file: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
  dirs.push(profile);
  const proc = Bun.spawn(
    [
      chromium,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
      "--virtual-time-budget=5000",
      "--dump-dom",
      `file://${file}`,
    ],
    { stdout: "pipe", stderr: "pipe", env: process.env },
  );
  const [dom, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`chromium exited ${code}: ${err.slice(-2000)}`);
  return dom;
}

/** The summary table's rows as name → text. */
function summaryRows(dom: string): Map<string, string> {
  const table = /<table id="summary">(.*?)<\/table>/s.exec(dom)?.[1] ?? "";
  const rows = new Map<string, string>();
  for (const m of table.matchAll(/<tr><th>(.*?)<\/th><td>(.*?)<\/td><\/tr>/g)) rows.set(m[1] ?? "", m[2] ?? "");
  return rows;
}

describe("report.html in headless Chromium", () => {
  test.skipIf(CHROMIUM === null && !REQUIRED)(
    "the summary shows report.json's figures and every chart drew every series",
    async () => {
      if (CHROMIUM === null) throw new Error("HFT_REQUIRE_CHROMIUM=1 but no chromium on PATH");
      const dir = mkdtempSync(join(tmpdir(), "report-html-"));
      dirs.push(dir);
      await recordLiveRun(dir, SEED, 0.5); // 30 virtual seconds: fills, a position and quotes to draw
      const r = await runBacktest({ config: testConfig(recordedRunConfig(dir)), dataDir: dir, seed: SEED });
      const s = r.report.summary;
      expect({ seed: SEED, fills: s.fills > 0, samples: r.report.times.length > 10 }).toEqual({
        seed: SEED,
        fills: true,
        samples: true,
      });
      const page = join(dir, "report.html");
      writeFileSync(page, reportHtml(r.report, "Backtest report-html.test").replace("</body>", `${PROBE}</body>`));
      const dom = await dumpDom(CHROMIUM, page);
      const rows = summaryRows(dom);
      for (const key of [
        "pnlNet",
        "fees",
        "sharpe",
        "maxDrawdown",
        "fills",
        "fillRatio",
        "makerShare",
        "turnover",
      ] as const)
        expect({ seed: SEED, key, shown: rows.get(key) }).toEqual({ seed: SEED, key, shown: String(s[key]) });
      const probe = JSON.parse(/<pre id="probe">(.*?)<\/pre>/s.exec(dom)?.[1] ?? "null") as Record<
        string,
        { width: number; height: number; pixels: number[] } | null
      > | null;
      expect({ seed: SEED, probed: probe !== null }).toEqual({ seed: SEED, probed: true });
      for (const [id, colors] of Object.entries(SERIES)) {
        const chart = probe?.[id] ?? null;
        expect({ seed: SEED, id, canvas: chart !== null && chart.width > 100 && chart.height > 100 }).toEqual({
          seed: SEED,
          id,
          canvas: true,
        });
        // a drawn line of a few hundred pixels in its colour; a chart that drew nothing has 0
        const drawn = (chart?.pixels ?? []).map((n) => n >= 20);
        expect({ seed: SEED, id, drawn }).toEqual({ seed: SEED, id, drawn: colors.map(() => true) });
      }
    },
    120_000,
  );
});
