/**
 * The /docs page as an operator sees it: `bun src/main.ts` with the default config (simulator child),
 * then a real headless Chromium (Debian package `chromium`, driven by playwright-core) loads /docs
 * from that engine and must list every route of /openapi.json, every one of them registered, while
 * fetching nothing from anywhere but the engine (the page must work with no internet).
 *
 * Needs /usr/bin/chromium; skipped with a message when it is absent, unless HFT_REQUIRE_CHROMIUM=1
 * (.ci/checks/docs-page.sh installs Chromium and sets it, so CI never skips).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chromium } from "playwright-core";
import { type EngineProcess, startEngineProcess } from "./support/engine-process.ts";
import { waitUntil } from "./support/wait.ts";

const CHROMIUM = Bun.which("chromium") ?? Bun.which("chromium-browser");
const REQUIRED = process.env.HFT_REQUIRE_CHROMIUM === "1";
if (CHROMIUM === null) {
  const msg = "docs-page: `chromium` is not installed; skipping (install the Debian package `chromium`)";
  if (REQUIRED) throw new Error(`${msg}; HFT_REQUIRE_CHROMIUM=1 forbids skipping`);
  console.warn(msg);
}

/** Chromium's flags for a root user on a machine with no network beyond loopback. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let engine: EngineProcess | undefined;
afterAll(() => engine?.kill());

describe.skipIf(CHROMIUM === null)("the /docs page in a real browser", () => {
  test("loads from a running engine and lists every route, fetching nothing from elsewhere", async () => {
    engine = startEngineProcess([], { HFT_CONTROL_TOKEN: "" });
    const e = engine;
    await waitUntil(() => /http server http:\/\/\S+ .*\n/.test(e.out()), "the http server banner", 60_000, e.out);
    const banner = /http server (http:\/\/\S+) (.*)\n/.exec(e.out());
    const url = banner?.[1] ?? "";
    // the banner names the page and says whether control is on
    expect(banner?.[2]).toContain("/docs");
    expect(banner?.[2]).toContain("control API disabled");

    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, object> };
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented.length).toBeGreaterThanOrEqual(13);

    const browser = await chromium.launch({ executablePath: CHROMIUM ?? "", args: CHROMIUM_ARGS, timeout: 60_000 });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
      page.on("request", (r) => {
        if (!r.url().startsWith(url) && !r.url().startsWith("data:")) problems.push(`request outside: ${r.url()}`);
      });
      page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
      const res = await page.goto(`${url}/docs`, { timeout: 60_000 });
      expect(res?.status()).toBe(200);
      // Swagger UI renders one block per operation once it has read /openapi.json. Polled from here:
      // page.waitForFunction polls inside the page with eval, which the page's CSP (script-src 'self')
      // refuses once the first check is false, as it is on a loaded machine; evaluate is exempt.
      await waitUntil(
        async () => (await page.$$eval(".opblock", (blocks) => blocks.length)) >= documented.length,
        "Swagger UI to render every operation",
        60_000,
      );
      const listed = await page.$$eval(".opblock", (blocks) =>
        blocks.map(
          (b) =>
            `${b.querySelector(".opblock-summary-method")?.textContent ?? ""} ${b.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? ""}`,
        ),
      );
      expect(listed.sort()).toEqual(documented);
      expect(await page.title()).toBe("hft-engine API");
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
    const stopped = await e.interrupt();
    expect(stopped.code).toBe(0);
  }, 180_000);
});
