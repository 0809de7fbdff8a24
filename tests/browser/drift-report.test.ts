// The HTML drift report in a real browser: the file the CLI writes is opened from disk (file://) in headless
// chromium, and must draw its tables and charts without errors and without any request beyond the file
// itself, sort its drift table, and show hostile column names and values as text. A full-page screenshot goes
// to .cache/artifacts/drift-report.png for a human to look at.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { runCli } from "../../packages/cli/src/main.js";
import { buildDriftReportData } from "../../packages/cli/src/report/data.js";
import { renderDriftReportHtml } from "../../packages/cli/src/report/html.js";
import type { DriftReportData } from "../../packages/cli/src/report/types.js";
import {
  HOSTILE_COLUMN,
  HOSTILE_VALUES,
  LONG_COLUMN,
  QUOTED_COLUMN,
  RTL_COLUMN,
  driftFixture,
} from "../../packages/cli/test/report-fixture.js";
import { repoRoot } from "./support/bundle.js";

const SCREENSHOT = resolve(repoRoot, ".cache/artifacts/drift-report.png");

let browser: Browser;
let page: Page;
let dir: string;
let fileUrl: string;
let data: DriftReportData;
const errors: string[] = [];
const requests: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  const fixture = driftFixture();
  data = buildDriftReportData({
    title: "Nightly drift: orders",
    generatedAt: new Date(Date.UTC(2025, 5, 1, 6, 0)),
    reference: { name: "orders-2025-05.csv", views: [{ segment: null, view: fixture.reference }] },
    target: { name: "orders-2025-06-01.csv", views: [{ segment: null, view: fixture.target }] },
    comparison: fixture.comparison,
  });
  dir = mkdtempSync(join(tmpdir(), "sightglass-report-"));
  const file = join(dir, "report.html");
  writeFileSync(file, renderDriftReportHtml(data));
  fileUrl = pathToFileURL(file).href;

  browser = await chromium.launch({ executablePath: inject("chromiumPath"), args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      errors.push(`console.${message.type()}: ${message.text()}`);
    }
  });
  page.on("request", (request) => requests.push(request.url()));
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  await page.goto(fileUrl, { waitUntil: "load" });
});

afterAll(async () => {
  await browser?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** The data-index of every drift table row, in display order. */
function rowOrder(): Promise<number[]> {
  return page.$$eval("#drift-table tbody tr", (rows) =>
    rows.map((r) => Number(r.getAttribute("data-index"))),
  );
}

describe("the drift report opened from disk", () => {
  it("renders without errors and requests nothing but itself", () => {
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(requests).toEqual([fileUrl]);
  });

  it("shows the header and the dataset verdict", async () => {
    expect(await page.title()).toBe("Nightly drift: orders");
    const header = await page.textContent("header");
    expect(header).toContain("orders-2025-05.csv");
    expect(header).toContain("orders-2025-06-01.csv");
    expect(header).toContain("2025-06-01 06:00:00 UTC");
    expect(header).toContain("3,000 rows · 12 columns");
    expect(data.datasetDrift.datasetDrift).toBe(true);
    expect(await page.getAttribute("#summary .status", "data-verdict")).toBe("drift");
  });

  it("has one drift table row per entry, in the report's order", async () => {
    expect(data.columns.length).toBeGreaterThanOrEqual(8);
    expect(await rowOrder()).toEqual(data.columns.map((_, i) => i));
    const first = await page.$$eval("#drift-table tbody tr", (rows) =>
      rows.map((r) => r.querySelector("td")!.textContent),
    );
    expect(first).toEqual(data.columns.map((c) => c.column));
    const badges = await page.$$eval("#drift-table tbody tr", (rows) =>
      rows.map((r) => r.getAttribute("data-category")),
    );
    expect(badges).toEqual(data.columns.map((c) => c.category));
  });

  it("sorts the drift table by the header clicked, reversing on a second click", async () => {
    const initial = await rowOrder();
    const effects = (order: number[]) => order.map((i) => data.columns[i]!.effectSize);

    await page.click('#drift-table button[data-column="effect"]');
    const descending = await rowOrder();
    expect(effects(descending)).toEqual([...effects(initial)].sort((a, b) => b - a));
    expect(await page.getAttribute('#drift-table th:has(button[data-column="effect"])', "aria-sort")).toBe(
      "descending",
    );

    await page.click('#drift-table button[data-column="effect"]');
    const ascending = await rowOrder();
    expect(effects(ascending)).toEqual([...effects(initial)].sort((a, b) => a - b));
    expect(ascending).not.toEqual(initial);

    await page.click('#drift-table button[data-column="counts"]');
    const byCount = await rowOrder();
    const counts = byCount.map((i) => data.columns[i]!.targetCount);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(byCount).not.toEqual(ascending);

    // Back to the report's order (most severe first) for the screenshot.
    await page.click('#drift-table button[data-column="category"]');
    const bySeverity = (await rowOrder()).map((i) => data.columns[i]!.category);
    expect(bySeverity).toEqual(data.columns.map((c) => c.category));
  });

  it("links each row to its column's details", async () => {
    const target = data.columns.findIndex((c) => c.column === "price");
    await page.click(`#drift-table tbody tr[data-index="${target}"] td:nth-child(2)`);
    const hash = await page.evaluate("location.hash");
    const detail = data.details.findIndex((d) => d.column === "price");
    expect(hash).toBe(`#detail-${detail}`);
    expect(await page.textContent(`#detail-${detail} h3`)).toBe("price");
    expect(requests).toEqual([fileUrl]);
  });

  it("draws a chart per column with one bar per bin and side", async () => {
    expect(await page.$$eval("section.detail", (s) => s.length)).toBe(data.details.length);
    let numeric = 0;
    let categorical = 0;
    for (let i = 0; i < data.details.length; i++) {
      const pair = data.details[i]!.distribution;
      const section = `#detail-${i}`;
      if (pair === null) {
        expect(await page.$$eval(`${section} svg`, (s) => s.length)).toBe(0);
        continue;
      }
      if (pair.kind === "numeric") numeric++;
      else categorical++;
      const chart = await page.$eval(`${section} svg.chart`, (svg) => ({
        cls: svg.getAttribute("class"),
        bins: Number(svg.getAttribute("data-bins")),
        ref: [...svg.querySelectorAll("rect.bar-ref")].map((r) => Number(r.getAttribute("data-share"))),
        tgt: [...svg.querySelectorAll("rect.bar-tgt")].map((r) => Number(r.getAttribute("data-share"))),
        heights: [...svg.querySelectorAll("rect.bar")].map((r) => Number(r.getAttribute("height"))),
        widths: [...svg.querySelectorAll("rect.bar")].map((r) => Number(r.getAttribute("width"))),
      }));
      expect(chart.cls).toContain(pair.kind === "numeric" ? "chart-numeric" : "chart-categorical");
      expect(chart.bins).toBe(pair.labels.length);
      expect(chart.ref).toEqual(pair.reference);
      expect(chart.tgt).toEqual(pair.target);
      expect(chart.heights.concat(chart.widths).every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
    }
    expect(numeric).toBeGreaterThanOrEqual(5);
    expect(categorical).toBeGreaterThanOrEqual(3);
    // Categories beyond the cap are one bar.
    const city = data.details.findIndex((d) => d.column === "city");
    expect(await page.$$eval(`#detail-${city} rect.bar-ref`, (r) => r.length)).toBe(31);
  });

  it("lists the quality findings", async () => {
    expect(data.quality.length).toBeGreaterThan(0);
    expect(await page.$$eval("#quality-table tbody tr", (r) => r.length)).toBe(data.quality.length);
  });

  it("shows hostile names and values as text", async () => {
    // Nothing was injected: the page's own two scripts, no image, no element from a name.
    expect(await page.$$eval("script", (s) => s.length)).toBe(2);
    expect(await page.$$eval("img, iframe, object, embed", (s) => s.length)).toBe(0);
    expect(dialogs).toEqual([]);

    const cells = await page.$$eval("#drift-table tbody tr td:first-child", (tds) =>
      tds.map((td) => td.textContent),
    );
    for (const name of [HOSTILE_COLUMN, QUOTED_COLUMN, RTL_COLUMN, LONG_COLUMN])
      expect(cells).toContain(name);
    // Values as the profile holds them (frequent items keep 128 code points of a string, as whylogs does).
    const hostile = data.details.findIndex((d) => d.column === HOSTILE_COLUMN);
    const values = data.details[hostile]!.distribution!.labels;
    expect(values).toHaveLength(HOSTILE_VALUES.length + 1);
    const text = await page.evaluate<string>("document.body.textContent");
    for (const value of values) expect(text).toContain(value);

    // The 10 kB name is cut visually, whole in the DOM and in its tooltip.
    const long = await page.$eval(
      `#drift-table tbody tr[data-index="${data.columns.findIndex((c) => c.column === LONG_COLUMN)}"] .name`,
      (el) => ({
        width: el.clientWidth,
        full: el.scrollWidth,
        title: el.getAttribute("title"),
      }),
    );
    expect(long.width).toBeLessThan(400);
    expect(long.full).toBeGreaterThan(long.width);
    expect(long.title).toBe(LONG_COLUMN);

    // Category labels in the charts are shortened to their column, with the full value as tooltip.
    const labels = await page.$$eval(`#detail-${hostile} g.cat`, (groups) =>
      groups.map((g) => ({
        label: g.querySelector("text.cat-label")!.textContent!,
        title: g.querySelector("title")!.textContent!,
        width: (
          g.querySelector("text.cat-label") as unknown as { getComputedTextLength(): number }
        ).getComputedTextLength(),
      })),
    );
    const longValue = labels.find((l) => l.title.includes("y".repeat(128)));
    expect(longValue?.label.endsWith("…")).toBe(true);
    expect(labels.every((l) => l.width <= 162)).toBe(true);
  });

  it("saves a full-page screenshot", async () => {
    mkdirSync(resolve(SCREENSHOT, ".."), { recursive: true });
    await page.evaluate("window.scrollTo(0, 0)");
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(errors).toEqual([]);
  });

  it("is held to its Content-Security-Policy", async () => {
    const other = await browser.newPage();
    const answered: string[] = [];
    const blocked: string[] = [];
    other.on("requestfinished", (request) => answered.push(request.url()));
    other.on("requestfailed", (request) => blocked.push(`${request.url()} ${request.failure()?.errorText}`));
    await other.goto(fileUrl);
    const violated = await other.evaluate(`new Promise((done) => {
      document.addEventListener("securitypolicyviolation", (e) => done(e.effectiveDirective));
      const image = new Image();
      image.src = "https://example.invalid/pixel.png";
      document.body.appendChild(image);
    })`);
    expect(violated).toBe("img-src");
    await expect.poll(() => blocked).toHaveLength(1);
    expect(blocked[0]).toMatch(/^https:\/\/example\.invalid\/pixel\.png (csp|net::ERR_BLOCKED_BY_CSP)$/);
    expect(answered).toEqual([fileUrl]);
    await other.close();
  });
});

// The report as the command writes it: `sightglass drift reference.csv analysis.csv --html` on the California
// housing data (../shared), run in-process through the CLI's own entry point.
const housing = resolve(repoRoot, "../shared/data/california_housing");
const haveHousing = existsSync(join(housing, "reference.csv")) && existsSync(join(housing, "analysis.csv"));

describe.skipIf(!haveHousing)("the report `sightglass drift --html` writes for California housing", () => {
  it("opens without errors or requests and draws a chart for every compared column", async () => {
    const out = mkdtempSync(join(tmpdir(), "sightglass-housing-report-"));
    try {
      const file = join(out, "housing.html");
      const written: string[] = [];
      const sink = { write: (t: string) => written.push(t) > 0 };
      const code = await runCli(
        [
          "drift",
          join(housing, "reference.csv"),
          join(housing, "analysis.csv"),
          "--html",
          file,
          "--json",
          "--correction",
          "none",
        ],
        { stdout: sink, stderr: sink, style: { color: false, width: Infinity }, env: {}, progress: false },
      );
      expect(code, written.join("")).toBe(0);
      const report = JSON.parse(written.join("")) as { columns: { column: string; kind: string }[] };
      const housingPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const fetched: string[] = [];
      housingPage.on("pageerror", (e) => problems.push(e.message));
      housingPage.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
      });
      housingPage.on("request", (r) => fetched.push(r.url()));
      await housingPage.goto(pathToFileURL(file).href, { waitUntil: "load" });
      expect(problems).toEqual([]);
      expect(fetched).toEqual([pathToFileURL(file).href]);
      expect(await housingPage.$$eval("#drift-table tbody tr", (r) => r.length)).toBe(report.columns.length);
      // The legend describes the correction this report used.
      const legend = await housingPage.evaluate<string>("document.body.innerText");
      expect(legend).toContain("No correction across columns was asked for (--correction none)");
      expect(legend).not.toContain("after the Benjamini–Hochberg correction");
      // Every column with values on both sides has a chart with bars (the unique timestamps are categories too).
      const charts = await housingPage.$$eval("svg.chart", (svgs) =>
        svgs.map(
          (s) => s.querySelectorAll("rect.bar-ref").length + s.querySelectorAll("rect.bar-tgt").length,
        ),
      );
      expect(charts).toHaveLength(report.columns.length);
      for (const bars of charts) expect(bars).toBeGreaterThan(0);
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await housingPage.screenshot({ path: SCREENSHOT.replace(/\.png$/, "-housing.png"), fullPage: true });
      await housingPage.close();
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
