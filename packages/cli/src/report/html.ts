// The drift report as one self-contained HTML file: the data as JSON in a non-executed script element, and an
// inline script that draws the tables and SVG charts from it. Everything a profile supplies (column names,
// categories, messages, file names) reaches the page only through that JSON, escaped so that no string can
// end the element it sits in, and the script inserts it as text. A Content-Security-Policy allowing no
// request keeps the file from fetching anything, wherever it is opened.

import { REPORT_CSS, REPORT_SCRIPT } from "./assets.js";
import type { DriftReportData } from "./types.js";

/**
 * The page's policy. `default-src 'none'` forbids every fetch (scripts, styles, images, fonts, connections,
 * frames) except what is listed: the inline style and script, and data: images. base-uri and form-action
 * do not fall back to default-src, so they are closed explicitly.
 */
export const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; " +
  "base-uri 'none'; form-action 'none'";

/**
 * JSON safe to place inside a `<script>` element: `<`, `>` and `&` as \u escapes, so no `</script>`, `<!--`
 * or character reference can appear, and U+2028/U+2029 escaped because older engines reject them inside
 * string literals. JSON.parse reads the escapes back to the same strings.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text for an HTML element or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** The report page. The `<title>` is also written here so the tab is named before the script runs. */
export function renderDriftReportHtml(data: DriftReportData): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<meta name="generator" content="sightglass">',
    // Without an icon some browsers ask the file's origin for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    "</head>",
    "<body>",
    '<noscript><div class="noscript">This report draws its tables and charts with JavaScript, which is ' +
      'disabled. Its data is in the page source, in the element with id "report-data".</div></noscript>',
    '<div id="app"></div>',
    `<script type="application/json" id="report-data">${embedJson(data)}</script>`,
    `<script>${REPORT_SCRIPT}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
