/**
 * The backtest report as one self-contained HTML file: the summary table and four charts (equity,
 * drawdown, position, our quotes against the mid) drawn with uPlot, whose script and style are read
 * from the installed package and inlined, so the file opens offline and can be mailed as it is.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { thinForCharts } from "./chart-thin.ts";
import type { ReportData } from "./report.ts";

/** uPlot's minified script and stylesheet from node_modules (read once). */
function uplotAssets(): { js: string; css: string } {
  const dist = dirname(createRequire(import.meta.url).resolve("uplot/dist/uPlot.iife.min.js"));
  return {
    js: readFileSync(join(dist, "uPlot.iife.min.js"), "utf8"),
    css: readFileSync(join(dist, "uPlot.min.css"), "utf8"),
  };
}

/** Text safe inside a <script> element (no closing tag, no HTML comment openers). */
function scriptSafe(s: string): string {
  return s.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
}

/** The report page. */
export function reportHtml(r: ReportData, title: string): string {
  const { js, css } = uplotAssets();
  const rows = Object.entries(r.summary)
    .filter(([, v]) => typeof v !== "object")
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(String(v))}</td></tr>`)
    .join("");
  const c = thinForCharts(r);
  const data = scriptSafe(
    JSON.stringify({ times: c.times, equity: c.equity, drawdown: c.drawdown, instruments: c.instruments }),
  );
  const thinned =
    c.drawn < c.sampled
      ? `<p class="note">Charts draw ${c.drawn} of ${c.sampled} samples (each bucket's ends, highs and lows); report.json has all.</p>`
      : "";
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin-bottom:16px}
th,td{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}th{font-weight:600}h2{margin:18px 0 6px}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<table id="summary">${rows}</table>
${thinned}
<h2>Equity (PnL net of fees, ${escapeHtml(r.summary.currency)})</h2><div id="equity" class="chart"></div>
<h2>Drawdown</h2><div id="drawdown" class="chart"></div>
<h2>Position (base units)</h2><div id="position" class="chart"></div>
<h2>Quotes vs mid</h2><div id="quotes" class="chart"></div>
<script>${scriptSafe(js)}</script>
<script>
const D = ${data};
const t = D.times.map((x) => x / 1000);
const W = Math.min(1100, document.body.clientWidth - 20);
const colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"];
function chart(id, series, data) {
  new uPlot({ width: W, height: 260, series: [{}, ...series], axes: [{}, { size: 70 }] }, [t, ...data], document.getElementById(id));
}
chart("equity", [{ label: "equity", stroke: colors[0] }], [D.equity]);
chart("drawdown", [{ label: "drawdown", stroke: colors[1], fill: "rgba(214,39,40,0.15)" }], [D.drawdown]);
chart("position", D.instruments.map((s, i) => ({ label: s.venue + " " + s.symbol, stroke: colors[i % 5] })), D.instruments.map((s) => s.position));
const q = D.instruments[0];
if (q) chart("quotes", [{ label: "mid", stroke: "#555" }, { label: "our bid", stroke: colors[2] }, { label: "our ask", stroke: colors[1] }], [q.mid, q.bid, q.ask]);
</script>
</body></html>
`;
}
