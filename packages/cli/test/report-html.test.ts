import { describe, expect, it } from "vitest";
import { Script } from "node:vm";
import fc from "fast-check";
import { buildDriftReportData } from "../src/report/data.js";
import { REPORT_CSS, REPORT_SCRIPT } from "../src/report/assets.js";
import { REPORT_CSP, embedJson, escapeHtml, renderDriftReportHtml } from "../src/report/html.js";
import type { DriftReportData } from "../src/report/types.js";
import {
  HOSTILE_COLUMN,
  HOSTILE_VALUES,
  LONG_COLUMN,
  QUOTED_COLUMN,
  RTL_COLUMN,
  driftFixture,
} from "./report-fixture.js";

const fixture = driftFixture(1000);
const HOSTILE_TITLE = `</title><script>alert("title")</script>`;
const HOSTILE_FILE = `</script><script>alert("file")</script>.csv`;

const data: DriftReportData = buildDriftReportData({
  title: HOSTILE_TITLE,
  generatedAt: new Date(0),
  reference: { name: HOSTILE_FILE, views: [{ segment: null, view: fixture.reference }] },
  target: { name: "\u2028target\u2029.csv", views: [{ segment: null, view: fixture.target }] },
  comparison: fixture.comparison,
});
const html = renderDriftReportHtml(data);

const OPEN_DATA = '<script type="application/json" id="report-data">';

function embeddedJson(page: string): string {
  const start = page.indexOf(OPEN_DATA);
  expect(start).toBeGreaterThan(0);
  const end = page.indexOf("</script>", start);
  return page.slice(start + OPEN_DATA.length, end);
}

function count(haystack: string, needle: RegExp): number {
  return (haystack.match(needle) ?? []).length;
}

describe("renderDriftReportHtml", () => {
  it("has exactly the two script elements it writes, whatever the names in the data", () => {
    // The fixture's column names and values include closing script tags and comment openers.
    expect(JSON.stringify(data)).toContain(HOSTILE_COLUMN);
    expect(JSON.stringify(data)).toContain(HOSTILE_VALUES[1]);
    expect(count(html, /<script/gi)).toBe(2);
    expect(count(html, /<\/script/gi)).toBe(2);
    expect(count(html, /<!--/g)).toBe(0);
    expect(count(html, /<title/gi)).toBe(1);
    expect(count(html, /<\/title/gi)).toBe(1);
    expect(count(html, /<img|<iframe|<object|<embed|<base|<form/gi)).toBe(0);
  });

  it("embeds the data as JSON that round-trips exactly", () => {
    const json = embeddedJson(html);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(data);
    const parsed = JSON.parse(json) as DriftReportData;
    const names = parsed.columns.map((c) => c.column);
    for (const name of [HOSTILE_COLUMN, QUOTED_COLUMN, RTL_COLUMN, LONG_COLUMN])
      expect(names).toContain(name);
    expect(parsed.reference.name).toBe(HOSTILE_FILE);
    expect(parsed.target.name).toBe("\u2028target\u2029.csv");
  });

  it("escapes the title in the head", () => {
    expect(html).toContain(`<title>${escapeHtml(HOSTILE_TITLE)}</title>`);
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  it("declares a Content-Security-Policy that allows no request, before any style or script", () => {
    const meta = `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`;
    expect(html).toContain(meta);
    expect(html.indexOf(meta)).toBeLessThan(html.indexOf("<style"));
    expect(html.indexOf(meta)).toBeLessThan(html.indexOf("<script"));
    expect(REPORT_CSP).toContain("default-src 'none'");
    expect(REPORT_CSP).toContain("script-src 'unsafe-inline'");
    expect(REPORT_CSP).toContain("style-src 'unsafe-inline'");
    expect(REPORT_CSP).toContain("img-src data:");
    expect(REPORT_CSP).not.toMatch(/https?:|\*/);
  });

  it("references nothing outside the file", () => {
    // The data is text to the page (the hostile names in it mention src=); the rest is markup.
    const page = html.replace(embeddedJson(html), "");
    const urls = page.match(/\b(?:https?|ftp|wss?):\/\/[^\s"')]+/g) ?? [];
    // The SVG namespace is a name, not a request.
    expect(urls.filter((u) => u !== "http://www.w3.org/2000/svg")).toEqual([]);
    expect(count(page, /\bsrc\s*=/gi)).toBe(0);
    expect(count(page, /@import|url\(/gi)).toBe(0);
    expect([...page.matchAll(/\bhref="([^"]*)"/g)].map((m) => m[1])).toEqual(["data:,"]);
  });

  it("inlines a script that parses and cannot end its element early", () => {
    expect(() => new Script(REPORT_SCRIPT)).not.toThrow();
    for (const asset of [REPORT_SCRIPT, REPORT_CSS]) {
      expect(asset).not.toMatch(/<\/(script|style)|<!--/i);
    }
    expect(html).toContain(REPORT_SCRIPT);
    // Data reaches the DOM as text only.
    expect(REPORT_SCRIPT).not.toMatch(
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/,
    );
  });
});

describe("embedJson", () => {
  it("escapes <, >, & and the line separators and round-trips any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const json = embedJson({ text, list: [text] });
        expect(json).not.toMatch(/[<>&\u2028\u2029]/);
        expect(JSON.parse(json)).toEqual({ text, list: [text] });
      }),
      { numRuns: 500 },
    );
    expect(embedJson("</script><!--&\u2028\u2029")).toBe(
      '"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u2029"',
    );
  });
});
