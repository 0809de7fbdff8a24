// The stylesheet and the script of the HTML drift report. The package is built by tsc alone (no bundler), and
// the report must be one file that works offline under a CSP allowing no request, so both are kept here as
// strings and inlined by html.ts. The script builds every element with createElement/createTextNode and sets
// data only through textContent and attributes, never through HTML parsing, so no column name, category or
// message in a profile can become markup. It must never contain a closing script tag or a comment opener
// (the unit test checks), nor backticks or dollar-brace (this is a template literal).

export const REPORT_CSS = String.raw`
:root {
  --ref: #5b7c99;
  --ref-dark: #3d5a73;
  --tgt: #e07b2f;
  --tgt-dark: #a8551a;
  --drift: #c0392b;
  --drift-bg: #fdecea;
  --possible: #b7791f;
  --possible-bg: #fdf3e1;
  --none: #2f855a;
  --none-bg: #e6f4ea;
  --info: #52606d;
  --info-bg: #eef1f4;
  --text: #1f2933;
  --muted: #616e7c;
  --faint: #9aa5b1;
  --line: #e4e7eb;
  --bg: #f5f7fa;
  --card: #ffffff;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* {
  box-sizing: border-box;
}
html {
  background: var(--bg);
}
body {
  margin: 0;
  color: var(--text);
  font:
    14px/1.45 system-ui,
    -apple-system,
    "Segoe UI",
    Roboto,
    "Helvetica Neue",
    Arial,
    "Noto Sans",
    "Liberation Sans",
    sans-serif;
  -webkit-font-smoothing: antialiased;
}
a {
  color: inherit;
}
.wrap {
  max-width: 1200px;
  margin: 0 auto;
  padding: 0 24px;
}
header.top {
  background: var(--card);
  border-bottom: 1px solid var(--line);
}
header.top .wrap {
  padding-top: 20px;
  padding-bottom: 18px;
}
.brand {
  font-size: 12px;
  letter-spacing: 0.08em;
  text-transform: uppercase;
  color: var(--muted);
  font-weight: 600;
}
h1 {
  font-size: 22px;
  line-height: 1.25;
  margin: 4px 0 2px;
  font-weight: 650;
  overflow-wrap: anywhere;
}
h2 {
  font-size: 17px;
  margin: 0 0 12px;
  font-weight: 650;
}
h3 {
  font-size: 15px;
  margin: 0;
  font-weight: 600;
  min-width: 0;
}
.generated {
  color: var(--muted);
  font-size: 13px;
}
nav.toc {
  display: flex;
  gap: 18px;
  margin-top: 14px;
  font-size: 13px;
  flex-wrap: wrap;
}
nav.toc a {
  color: var(--muted);
  text-decoration: none;
  border-bottom: 2px solid transparent;
  padding-bottom: 2px;
}
nav.toc a:hover {
  color: var(--text);
  border-bottom-color: var(--faint);
}
.sides {
  display: flex;
  align-items: stretch;
  gap: 12px;
  margin-top: 16px;
  flex-wrap: wrap;
}
.side {
  flex: 1 1 260px;
  min-width: 0;
  border: 1px solid var(--line);
  border-radius: 8px;
  padding: 10px 14px;
  border-left: 4px solid var(--ref);
  background: #fbfcfd;
}
.side.target {
  border-left-color: var(--tgt);
}
.side .role {
  font-size: 11px;
  text-transform: uppercase;
  letter-spacing: 0.06em;
  color: var(--muted);
  font-weight: 600;
}
.side .file {
  font-family: var(--mono);
  font-size: 13px;
  display: block;
  margin: 2px 0;
}
.side .figures {
  color: var(--muted);
  font-size: 13px;
}
.arrow-between {
  align-self: center;
  color: var(--faint);
  font-size: 20px;
}
main .wrap {
  padding-top: 20px;
  padding-bottom: 40px;
}
section.card {
  background: var(--card);
  border: 1px solid var(--line);
  border-radius: 10px;
  padding: 18px 20px;
  margin-bottom: 20px;
}
.verdict {
  display: grid;
  grid-template-columns: minmax(240px, 1.1fr) 2fr;
  gap: 20px;
  align-items: center;
}
.verdict .status {
  border-radius: 8px;
  padding: 14px 16px;
}
.verdict .status .word {
  font-size: 20px;
  font-weight: 700;
}
.verdict .status .why {
  font-size: 13px;
  margin-top: 2px;
}
.status.drift {
  background: var(--drift-bg);
  color: var(--drift);
}
.status.possible {
  background: var(--possible-bg);
  color: var(--possible);
}
.status.none {
  background: var(--none-bg);
  color: var(--none);
}
.status .why {
  color: var(--text);
  opacity: 0.85;
}
.tiles {
  display: grid;
  grid-template-columns: repeat(5, minmax(0, 1fr));
  gap: 10px;
}
.tile {
  border: 1px solid var(--line);
  border-radius: 8px;
  padding: 8px 12px;
}
.tile .value {
  font-size: 20px;
  font-weight: 650;
  font-variant-numeric: tabular-nums;
}
.tile .label {
  font-size: 12px;
  color: var(--muted);
}
.tile.drift .value {
  color: var(--drift);
}
.tile.possible .value {
  color: var(--possible);
}
.shares {
  display: flex;
  height: 8px;
  border-radius: 4px;
  overflow: hidden;
  background: var(--line);
  margin-top: 12px;
}
.shares span {
  display: block;
  height: 100%;
}
.shares .s-drift {
  background: var(--drift);
}
.shares .s-possible {
  background: #e0a43a;
}
.shares .s-none {
  background: #6fbf8e;
}
.settings {
  grid-column: 1 / -1;
  color: var(--muted);
  font-size: 12.5px;
  border-top: 1px solid var(--line);
  padding-top: 10px;
  display: flex;
  gap: 22px;
  flex-wrap: wrap;
}
.settings b {
  color: var(--text);
  font-weight: 600;
}
.toolbar {
  display: flex;
  justify-content: space-between;
  align-items: baseline;
  gap: 12px;
  margin-bottom: 10px;
  flex-wrap: wrap;
}
.toolbar h2 {
  margin: 0;
}
h3.subhead {
  margin: 20px 0 8px;
}
.toolbar .count {
  color: var(--muted);
  font-size: 13px;
  margin-left: 8px;
  font-weight: 400;
}
input.filter {
  font: inherit;
  font-size: 13px;
  padding: 6px 10px;
  border: 1px solid var(--line);
  border-radius: 6px;
  width: 240px;
  max-width: 100%;
  background: #fff;
  color: var(--text);
}
input.filter:focus {
  outline: 2px solid #b3c7da;
  border-color: var(--ref);
}
.table-scroll {
  overflow-x: auto;
}
table.grid {
  border-collapse: collapse;
  width: 100%;
  font-size: 13px;
}
table.grid th,
table.grid td {
  text-align: left;
  padding: 7px 10px;
  border-bottom: 1px solid var(--line);
  vertical-align: middle;
  white-space: nowrap;
}
table.grid th {
  font-size: 12px;
  color: var(--muted);
  font-weight: 600;
  background: #fafbfc;
}
table.grid td.num,
table.grid th.num {
  text-align: right;
  font-variant-numeric: tabular-nums;
}
table.grid td.wrap-text {
  white-space: normal;
  min-width: 260px;
  overflow-wrap: anywhere;
}
table.grid tbody tr:hover {
  background: #f8fafc;
}
table.grid.clickable tbody tr {
  cursor: pointer;
}
button.sort {
  all: unset;
  cursor: pointer;
  display: inline-flex;
  gap: 4px;
  align-items: center;
}
button.sort:focus-visible {
  outline: 2px solid #b3c7da;
  border-radius: 3px;
}
button.sort .arrow {
  font-size: 9px;
  color: var(--faint);
  width: 8px;
}
th[aria-sort="ascending"] button.sort,
th[aria-sort="descending"] button.sort {
  color: var(--text);
}
th[aria-sort="ascending"] .arrow,
th[aria-sort="descending"] .arrow {
  color: var(--text);
}
.name {
  display: inline-block;
  max-width: 26ch;
  overflow: hidden;
  text-overflow: ellipsis;
  white-space: nowrap;
  vertical-align: bottom;
  unicode-bidi: isolate;
  font-weight: 550;
}
.name.segment {
  font-weight: 400;
}
a.name {
  text-decoration: none;
  border-bottom: 1px dotted var(--faint);
}
a.name:hover {
  border-bottom-color: var(--text);
}
.mono {
  font-family: var(--mono);
  font-size: 12px;
}
.muted {
  color: var(--muted);
}
.bound {
  color: var(--muted);
}
.dash {
  color: var(--faint);
}
.badge {
  display: inline-block;
  padding: 1px 8px;
  border-radius: 999px;
  font-size: 11.5px;
  font-weight: 600;
  line-height: 18px;
  white-space: nowrap;
}
.badge.drift,
.badge.error {
  background: var(--drift-bg);
  color: var(--drift);
}
.badge.possible_drift,
.badge.warning {
  background: var(--possible-bg);
  color: var(--possible);
}
.badge.no_drift {
  background: var(--none-bg);
  color: var(--none);
}
.badge.info,
.badge.skipped {
  background: var(--info-bg);
  color: var(--info);
}
.empty {
  color: var(--muted);
  font-size: 13px;
  padding: 8px 0;
}
.details-list {
  display: grid;
  gap: 16px;
}
section.detail {
  background: var(--card);
  border: 1px solid var(--line);
  border-radius: 10px;
  padding: 16px 18px;
  scroll-margin-top: 12px;
}
section.detail:target {
  border-color: var(--ref);
  box-shadow: 0 0 0 3px #dce6ef;
}
.detail-head {
  display: flex;
  align-items: center;
  gap: 10px;
  flex-wrap: wrap;
  margin-bottom: 4px;
}
.detail-head .name {
  max-width: 60ch;
  font-weight: 600;
}
.detail-head .back {
  margin-left: auto;
  font-size: 12px;
  color: var(--muted);
  text-decoration: none;
}
.detail-head .back:hover {
  color: var(--text);
}
#details {
  margin-bottom: 20px;
}
.detail-sub {
  color: var(--muted);
  font-size: 13px;
  margin-bottom: 10px;
}
.detail-body {
  display: grid;
  grid-template-columns: minmax(0, 1.75fr) minmax(260px, 1fr);
  gap: 20px;
  align-items: start;
}
.chart-box {
  min-width: 0;
}
.key {
  display: flex;
  gap: 16px;
  font-size: 12px;
  color: var(--muted);
  margin: 0 0 6px;
  flex-wrap: wrap;
}
.key .sw {
  display: inline-block;
  width: 10px;
  height: 10px;
  border-radius: 2px;
  margin-right: 5px;
  vertical-align: -1px;
}
.key .sw.ref {
  background: var(--ref);
}
.key .sw.tgt {
  background: var(--tgt);
}
.key .whisker-key {
  font-family: var(--mono);
}
svg.chart {
  display: block;
  width: 100%;
  height: auto;
  overflow: visible;
}
svg.chart text {
  font-size: 11px;
  fill: var(--muted);
  font-family: inherit;
}
svg.chart .cat-label {
  fill: var(--text);
  font-size: 12px;
  unicode-bidi: isolate;
}
svg.chart .cat-label.other {
  font-style: italic;
  fill: var(--muted);
}
svg.chart .val-ref {
  fill: var(--ref-dark);
  font-variant-numeric: tabular-nums;
}
svg.chart .val-tgt {
  fill: var(--tgt-dark);
  font-variant-numeric: tabular-nums;
}
svg.chart .gridline {
  stroke: #edf0f3;
  stroke-width: 1;
}
svg.chart .axis {
  stroke: #c5ccd3;
  stroke-width: 1;
}
svg.chart .bar-ref {
  fill: var(--ref);
}
svg.chart .bar-tgt {
  fill: var(--tgt);
  fill-opacity: 0.9;
}
svg.chart .whisker {
  fill: none;
  stroke-width: 1.2;
}
svg.chart .whisker.w-ref {
  stroke: #1f3447;
}
svg.chart .whisker.w-tgt {
  stroke: #6b3510;
}
svg.chart .hit {
  fill: transparent;
}
svg.chart g.bin:hover .hit,
svg.chart g.cat:hover .hit {
  fill: #f1f4f7;
}
table.summary {
  border-collapse: collapse;
  width: 100%;
  font-size: 13px;
}
table.summary th,
table.summary td {
  padding: 5px 8px;
  border-bottom: 1px solid var(--line);
  text-align: right;
  font-variant-numeric: tabular-nums;
  white-space: nowrap;
}
table.summary th:first-child,
table.summary td:first-child {
  text-align: left;
  color: var(--muted);
  font-weight: 500;
}
table.summary thead th {
  font-size: 12px;
  font-weight: 600;
}
table.summary thead th.ref {
  color: var(--ref-dark);
}
table.summary thead th.tgt {
  color: var(--tgt-dark);
}
.no-chart {
  color: var(--muted);
  font-size: 13px;
  border: 1px dashed var(--line);
  border-radius: 8px;
  padding: 24px;
  text-align: center;
}
dl.legend {
  display: grid;
  grid-template-columns: max-content 1fr;
  gap: 8px 18px;
  margin: 0;
  font-size: 13px;
}
dl.legend dt {
  font-weight: 600;
}
dl.legend dd {
  margin: 0;
  color: #3e4c59;
}
footer {
  color: var(--faint);
  font-size: 12px;
  text-align: center;
  padding: 0 0 30px;
}
.noscript {
  max-width: 640px;
  margin: 40px auto;
  padding: 16px;
  background: #fff;
  border: 1px solid var(--line);
  border-radius: 8px;
}
@media (max-width: 860px) {
  .verdict,
  .detail-body {
    grid-template-columns: 1fr;
  }
  .tiles {
    grid-template-columns: repeat(3, minmax(0, 1fr));
  }
}
@media print {
  html,
  body {
    background: #fff;
  }
  nav.toc,
  input.filter {
    display: none;
  }
  section.card,
  section.detail {
    break-inside: avoid;
  }
}
`;

export const REPORT_SCRIPT = String.raw`
(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var OTHER = "__other__";
  var SEVERITY = { drift: 0, possible_drift: 1, no_drift: 2 };
  var CATEGORY_LABEL = { drift: "Drift", possible_drift: "Possible drift", no_drift: "No drift" };
  var METHOD_LABEL = {
    ks: "KS",
    chi_square: "Chi-square",
    hellinger: "Hellinger",
    jensen_shannon: "Jensen–Shannon",
    psi: "PSI",
    wasserstein: "Wasserstein",
    linf: "L∞",
  };

  var source = document.getElementById("report-data");
  var data = JSON.parse(source.textContent);
  var app = document.getElementById("app");

  // ------------------------------------------------------------------ DOM helpers (text only, never HTML)

  function append(node, children) {
    if (children === null || children === undefined || children === false) return node;
    if (!Array.isArray(children)) children = [children];
    for (var i = 0; i < children.length; i++) {
      var c = children[i];
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) append(node, c);
      else if (typeof c === "string" || typeof c === "number")
        node.appendChild(document.createTextNode(String(c)));
      else node.appendChild(c);
    }
    return node;
  }

  function setProps(node, props) {
    if (!props) return;
    Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "class") node.setAttribute("class", v);
      else node.setAttribute(k, v === true ? "" : String(v));
    });
  }

  function h(tag, props, children) {
    var node = document.createElement(tag);
    setProps(node, props);
    return append(node, children);
  }

  function s(tag, props, children) {
    var node = document.createElementNS(SVG_NS, tag);
    setProps(node, props);
    return append(node, children);
  }

  /** A name shown whole in the DOM but cut visually (CSS ellipsis), with the full text as tooltip. */
  function nameSpan(text, cls) {
    return h("span", { class: "name" + (cls ? " " + cls : ""), title: text }, text);
  }

  function dash() {
    return h("span", { class: "dash" }, "—");
  }

  /** At most max code points of text, with an ellipsis when cut (SVG text has no CSS ellipsis). */
  function cut(text, max) {
    var points = Array.from(text);
    return points.length <= max ? text : points.slice(0, max - 1).join("") + "…";
  }

  // ------------------------------------------------------------------ number formatting

  function isNum(x) {
    return typeof x === "number" && isFinite(x);
  }

  function fmtInt(x) {
    return isNum(x) ? Math.round(x).toLocaleString("en-US") : "—";
  }

  function fmtNum(x, digits) {
    if (!isNum(x)) return "—";
    var a = Math.abs(x);
    if (a !== 0 && (a < 1e-3 || a >= 1e9)) return x.toExponential(2);
    return x.toLocaleString("en-US", { maximumSignificantDigits: digits || 3 });
  }

  function fmtP(p) {
    if (!isNum(p)) return "—";
    if (p === 0) return "0";
    if (p < 1e-4) return p.toExponential(1);
    return p.toLocaleString("en-US", { maximumSignificantDigits: 2 });
  }

  function fmtPct(x) {
    if (!isNum(x)) return "—";
    if (x === 0) return "0%";
    if (x < 0.001) return "<0.1%";
    return (x * 100).toFixed(1) + "%";
  }

  function fmtAxisPct(x) {
    return String(Math.round(x * 1e4) / 100) + "%";
  }

  function fmtEdge(x, significant) {
    if (!isNum(x)) return "—";
    var a = Math.abs(x);
    if (a !== 0 && (a < 1e-3 || a >= 1e7)) return x.toExponential(Math.min(significant, 4) - 1);
    return x.toLocaleString("en-US", { maximumSignificantDigits: significant });
  }

  function fmtTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.toISOString().slice(0, 19).replace("T", " ") + " UTC";
  }

  /** A round step (1, 2, 2.5 or 5 × 10^k) giving about count intervals up to max. */
  function niceStep(max, count) {
    var raw = max / count;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var norm = raw / mag;
    var unit = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
    return unit * mag;
  }

  function badge(category) {
    return h("span", { class: "badge " + category }, CATEGORY_LABEL[category] || category);
  }

  function methodLabel(method) {
    return METHOD_LABEL[method] || method;
  }

  // ------------------------------------------------------------------ sortable tables

  var collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

  /**
   * A table whose headers sort its rows (a second click reverses; missing values stay last) and, optionally,
   * a text filter. columns: { label, title, cls, cell(row), key(row), desc }.
   */
  function dataTable(options) {
    var columns = options.columns.filter(Boolean);
    var tbody = h("tbody");
    var items = options.rows.map(function (row, index) {
      var tr = h("tr", options.rowProps ? options.rowProps(row, index) : null);
      columns.forEach(function (c) {
        tr.appendChild(h("td", { class: c.cls }, c.cell(row, index)));
      });
      if (options.onRowClick) {
        tr.addEventListener("click", function (event) {
          if (event.target.closest("a, button, input")) return;
          options.onRowClick(row, index, tr);
        });
      }
      tbody.appendChild(tr);
      return { row: row, index: index, tr: tr };
    });
    var headers = [];
    var state = { column: -1, direction: 1 };

    function sortBy(ci) {
      var column = columns[ci];
      if (state.column === ci) state.direction = -state.direction;
      else {
        state.column = ci;
        state.direction = column.desc ? -1 : 1;
      }
      var sorted = items.slice().sort(function (a, b) {
        var ka = column.key(a.row, a.index);
        var kb = column.key(b.row, b.index);
        var missingA = ka === null || ka === undefined || (typeof ka === "number" && !isFinite(ka));
        var missingB = kb === null || kb === undefined || (typeof kb === "number" && !isFinite(kb));
        if (missingA || missingB) return missingA && missingB ? a.index - b.index : missingA ? 1 : -1;
        var order = typeof ka === "string" ? collator.compare(ka, kb) : ka - kb;
        return order !== 0 ? order * state.direction : a.index - b.index;
      });
      sorted.forEach(function (item) {
        tbody.appendChild(item.tr);
      });
      headers.forEach(function (th, i) {
        var active = i === state.column;
        th.setAttribute("aria-sort", active ? (state.direction > 0 ? "ascending" : "descending") : "none");
        var arrow = th.querySelector(".arrow");
        if (arrow) arrow.textContent = active ? (state.direction > 0 ? "▲" : "▼") : "";
      });
    }

    var headRow = h("tr");
    columns.forEach(function (c, ci) {
      var th = h("th", { class: c.cls, scope: "col", title: c.title, "aria-sort": c.key ? "none" : null });
      if (c.key) {
        th.appendChild(
          h("button", { type: "button", class: "sort", "data-column": c.id || c.label }, [
            c.label,
            h("span", { class: "arrow", "aria-hidden": "true" }),
          ]),
        );
        th.firstChild.addEventListener("click", function () {
          sortBy(ci);
        });
      } else th.textContent = c.label;
      headers.push(th);
      headRow.appendChild(th);
    });

    var table = h("table", { class: "grid" + (options.onRowClick ? " clickable" : ""), id: options.id }, [
      h("thead", null, headRow),
      tbody,
    ]);

    function filter(query) {
      var q = query.trim().toLowerCase();
      var shown = 0;
      items.forEach(function (item) {
        var visible = q === "" || options.filterText(item.row).toLowerCase().indexOf(q) >= 0;
        item.tr.hidden = !visible;
        if (visible) shown++;
      });
      return shown;
    }

    return { element: h("div", { class: "table-scroll" }, table), filter: filter };
  }

  // ------------------------------------------------------------------ charts

  function bounds(d, side, i) {
    return [d[side + "Low"][i], d[side + "High"][i]];
  }

  function shareTooltip(label, d, i) {
    var r = bounds(d, "reference", i);
    var t = bounds(d, "target", i);
    return [
      label,
      "Reference: " + fmtPct(d.reference[i]) + "  (raw data: " + fmtPct(r[0]) + " – " + fmtPct(r[1]) + ")",
      "Target: " + fmtPct(d.target[i]) + "  (raw data: " + fmtPct(t[0]) + " – " + fmtPct(t[1]) + ")",
    ].join("\n");
  }

  function num(x) {
    return isNum(x) ? x : 0;
  }

  /** A whisker from lo to hi (with caps) across the bar's axis at position at. */
  function whisker(lo, hi, at, vertical, cls) {
    var c = 3;
    var path = vertical
      ? ["M", at, lo, "V", hi, "M", at - c, lo, "H", at + c, "M", at - c, hi, "H", at + c]
      : ["M", lo, at, "H", hi, "M", lo, at - c, "V", at + c, "M", hi, at - c, "V", at + c];
    return s("path", { class: "whisker " + cls, d: path.join(" ") });
  }

  function rounded(x) {
    return Math.round(x * 100) / 100;
  }

  /** Reference and target shares per bin side by side, whiskers for the raw-data interval of each share. */
  function numericChart(d) {
    var n = d.labels.length;
    var W = 680;
    var H = 250;
    var ml = 48;
    var mr = 14;
    var mt = 12;
    var mb = 44;
    var pw = W - ml - mr;
    var ph = H - mt - mb;
    function occupied(i) {
      return (
        num(d.reference[i]) > 0 ||
        num(d.target[i]) > 0 ||
        num(d.referenceHigh[i]) > 0 ||
        num(d.targetHigh[i]) > 0
      );
    }
    // The open tail bins (below the smallest / above the largest value) are empty unless a side holds
    // infinities; empty ones get no width so the finite bins use the whole axis.
    var units = [];
    var total = 0;
    for (var i = 0; i < n; i++) {
      units.push((i === 0 || i === n - 1) && !occupied(i) ? 0 : 1);
      total += units[i];
    }
    if (total === 0) total = 1;
    var xs = [];
    var acc = 0;
    for (i = 0; i < n; i++) {
      xs.push(ml + (acc / total) * pw);
      acc += units[i];
    }
    xs.push(ml + pw);

    var top = 0;
    ["reference", "target", "referenceHigh", "targetHigh"].forEach(function (k) {
      d[k].forEach(function (v) {
        top = Math.max(top, num(v));
      });
    });
    top = Math.max(top, 0.01);
    var step = niceStep(top, 4);
    top = Math.ceil(top / step - 1e-9) * step;
    function y(v) {
      return rounded(mt + ph - (num(v) / top) * ph);
    }

    var svg = s("svg", {
      class: "chart chart-numeric",
      viewBox: "0 0 " + W + " " + H,
      width: W,
      height: H,
      role: "img",
      "aria-label": "Histogram of reference and target shares per bin",
      "data-bins": n,
    });
    for (var v = 0; v <= top + 1e-12; v += step) {
      svg.appendChild(s("line", { class: "gridline", x1: ml, x2: W - mr, y1: y(v), y2: y(v) }));
      svg.appendChild(s("text", { x: ml - 6, y: y(v) + 4, "text-anchor": "end" }, fmtAxisPct(v)));
    }
    for (i = 0; i < n; i++) {
      var x0 = xs[i];
      var slot = xs[i + 1] - xs[i];
      var pad = slot * 0.14;
      var bar = Math.max(0, (slot - 2 * pad) / 2);
      var g = s("g", { class: "bin", "data-bin": i });
      g.appendChild(s("title", null, shareTooltip(d.labels[i], d, i)));
      g.appendChild(s("rect", { class: "hit", x: rounded(x0), y: mt, width: rounded(slot), height: ph }));
      [
        ["reference", "bar-ref", "w-ref", x0 + pad],
        ["target", "bar-tgt", "w-tgt", x0 + pad + bar],
      ].forEach(function (p) {
        var share = num(d[p[0]][i]);
        g.appendChild(
          s("rect", {
            class: "bar " + p[1],
            x: rounded(p[3]),
            y: y(share),
            width: rounded(bar),
            height: rounded(y(0) - y(share)),
            "data-share": share,
          }),
        );
        var b = bounds(d, p[0], i);
        if (slot > 0 && num(b[1]) > num(b[0]))
          g.appendChild(whisker(y(b[0]), y(b[1]), rounded(p[3] + bar / 2), true, p[2]));
      });
      svg.appendChild(g);
    }
    svg.appendChild(s("line", { class: "axis", x1: ml, x2: W - mr, y1: y(0), y2: y(0) }));

    // Edge labels: enough significant digits to tell neighbouring labels apart, at most about eight labels.
    var edges = d.edges || [];
    var shown = Math.max(1, Math.ceil(edges.length / 8));
    var width = edges.length > 1 ? Math.abs(edges[1] - edges[0]) * shown : 1;
    var largest = 0;
    edges.forEach(function (e) {
      largest = Math.max(largest, Math.abs(num(e)));
    });
    var significant = Math.min(8, Math.max(2, Math.ceil(Math.log10((largest || 1) / (width || 1))) + 2));
    var last = edges.length - 1;
    edges.forEach(function (e, j) {
      if (j % shown !== 0 && j !== last) return;
      // The last edge only when it is not crowded by the previous label; the outer edges not next to a tail
      // bin that is labelled ±∞ itself.
      if (j === last && j % shown !== 0 && j % shown < Math.ceil(shown * 0.75)) return;
      if ((j === 0 && units[0] > 0) || (j === last && units[n - 1] > 0)) return;
      var x = rounded(xs[j + 1]);
      svg.appendChild(s("line", { class: "axis", x1: x, x2: x, y1: y(0), y2: y(0) + 4 }));
      svg.appendChild(s("text", { x: x, y: y(0) + 17, "text-anchor": "middle" }, fmtEdge(e, significant)));
    });
    if (units[0] > 0)
      svg.appendChild(
        s("text", { x: rounded((xs[0] + xs[1]) / 2), y: y(0) + 17, "text-anchor": "middle" }, "−∞"),
      );
    if (units[n - 1] > 0)
      svg.appendChild(
        s("text", { x: rounded((xs[n - 1] + xs[n]) / 2), y: y(0) + 17, "text-anchor": "middle" }, "+∞"),
      );
    svg.appendChild(
      s(
        "text",
        { x: ml + pw / 2, y: H - 6, "text-anchor": "middle" },
        "value (equal-width bins over both ranges)",
      ),
    );
    return svg;
  }

  var labelsToFit = [];

  /**
   * Shortens category labels wider than their column, once the charts are laid out: a count of characters
   * cannot tell how wide a label in another script, or of wide letters, will be.
   */
  function fitLabels() {
    var tooWide = labelsToFit.filter(function (l) {
      return l.element.getComputedTextLength() > l.width;
    });
    tooWide.forEach(function (l) {
      var lo = 1;
      var hi = Math.min(Array.from(l.text).length, 40);
      while (lo < hi) {
        var mid = Math.ceil((lo + hi) / 2);
        l.element.textContent = cut(l.text, mid);
        if (l.element.getComputedTextLength() <= l.width) lo = mid;
        else hi = mid - 1;
      }
      l.element.textContent = cut(l.text, lo);
    });
  }

  /** One row per category: the reference bar above the target bar, with whiskers and both shares. */
  function categoricalChart(d) {
    var n = d.labels.length;
    var W = 680;
    var ml = 178;
    var mr = 62;
    var mt = 24;
    var mb = 6;
    var rowH = 32;
    var barH = 10;
    var H = mt + n * rowH + mb;
    var pw = W - ml - mr;
    var top = 0;
    ["reference", "target", "referenceHigh", "targetHigh"].forEach(function (k) {
      d[k].forEach(function (v) {
        top = Math.max(top, num(v));
      });
    });
    top = Math.max(top, 0.01);
    var step = niceStep(top, 4);
    top = Math.ceil(top / step - 1e-9) * step;
    function x(v) {
      return rounded(ml + (num(v) / top) * pw);
    }
    var svg = s("svg", {
      class: "chart chart-categorical",
      viewBox: "0 0 " + W + " " + H,
      width: W,
      height: H,
      role: "img",
      "aria-label": "Share of each frequent value in the reference and the target",
      "data-bins": n,
    });
    for (var v = 0; v <= top + 1e-12; v += step) {
      svg.appendChild(s("line", { class: "gridline", x1: x(v), x2: x(v), y1: mt - 4, y2: H - mb }));
      svg.appendChild(s("text", { x: x(v), y: mt - 9, "text-anchor": "middle" }, fmtAxisPct(v)));
    }
    svg.appendChild(s("line", { class: "axis", x1: ml, x2: ml, y1: mt - 4, y2: H - mb }));
    for (var i = 0; i < n; i++) {
      var label = d.labels[i];
      var isOther = i === n - 1 && label === OTHER;
      var shown = isOther ? "(all other values)" : label;
      var y0 = mt + i * rowH;
      var mid = y0 + rowH / 2;
      var g = s("g", { class: "cat", "data-bin": i });
      g.appendChild(
        s("title", null, shareTooltip(isOther ? OTHER + " (every value not listed)" : label, d, i)),
      );
      g.appendChild(s("rect", { class: "hit", x: 0, y: y0, width: W, height: rowH }));
      var text = s(
        "text",
        { class: "cat-label" + (isOther ? " other" : ""), x: ml - 10, y: mid + 4, "text-anchor": "end" },
        cut(shown, 40),
      );
      labelsToFit.push({ element: text, text: shown, width: ml - 16 });
      g.appendChild(text);
      [
        ["reference", "bar-ref", "w-ref", "val-ref", mid - barH - 1],
        ["target", "bar-tgt", "w-tgt", "val-tgt", mid + 1],
      ].forEach(function (p) {
        var share = num(d[p[0]][i]);
        g.appendChild(
          s("rect", {
            class: "bar " + p[1],
            x: ml,
            y: p[4],
            width: rounded(x(share) - ml),
            height: barH,
            "data-share": share,
          }),
        );
        var b = bounds(d, p[0], i);
        if (num(b[1]) > num(b[0])) g.appendChild(whisker(x(b[0]), x(b[1]), p[4] + barH / 2, false, p[2]));
        g.appendChild(s("text", { class: p[3], x: W - mr + 8, y: p[4] + barH - 1 }, fmtPct(share)));
      });
      svg.appendChild(g);
    }
    return svg;
  }

  // ------------------------------------------------------------------ sections

  function keyOf(column, segment) {
    return JSON.stringify([column, segment === undefined ? null : segment]);
  }

  var detailIndex = new Map();
  data.details.forEach(function (d, i) {
    detailIndex.set(keyOf(d.column, d.segment), i);
  });
  var entryByKey = new Map();
  data.columns.forEach(function (e) {
    entryByKey.set(keyOf(e.column, e.segment), e);
  });
  var skippedByKey = new Map();
  data.datasetDrift.skipped.forEach(function (sk) {
    skippedByKey.set(keyOf(sk.column, sk.segment), sk);
  });
  var segmented =
    data.columns.some(function (e) {
      return e.segment !== null;
    }) ||
    data.details.some(function (d) {
      return d.segment !== null;
    });

  function detailId(i) {
    return "detail-" + i;
  }

  function columnLink(column, segment) {
    var i = detailIndex.get(keyOf(column, segment));
    if (i === undefined) return nameSpan(column);
    return h("a", { class: "name", href: "#" + detailId(i), title: column }, column);
  }

  function header() {
    function side(role, cls, s) {
      return h("div", { class: "side " + cls }, [
        h("div", { class: "role" }, role),
        h("span", { class: "file name", title: s.name }, s.name),
        h("div", { class: "figures" }, fmtInt(s.rows) + " rows · " + fmtInt(s.columns) + " columns"),
      ]);
    }
    var links = [
      ["#summary", "Summary"],
      ["#columns", "Column drift"],
      ["#quality", "Data quality"],
      ["#details", "Column details"],
      ["#legend", "How to read"],
    ];
    return h(
      "header",
      { class: "top" },
      h("div", { class: "wrap" }, [
        h("div", { class: "brand" }, "Sightglass · drift report"),
        h("h1", null, data.title),
        h("div", { class: "generated" }, "Generated " + fmtTime(data.generatedAt)),
        h("div", { class: "sides" }, [
          side("Reference", "reference", data.reference),
          h("div", { class: "arrow-between", "aria-hidden": "true" }, "→"),
          side("Target", "target", data.target),
        ]),
        h(
          "nav",
          { class: "toc" },
          links.map(function (l) {
            return h("a", { href: l[0] }, l[1]);
          }),
        ),
      ]),
    );
  }

  function verdict() {
    var dd = data.datasetDrift;
    var level, word, why;
    if (dd.datasetDrift) {
      level = "drift";
      word = "Dataset drift";
      why = dd.drifted + " of " + dd.tested + " compared columns drifted (" + fmtPct(dd.share) + ")";
      if (dd.driftShare !== null) why += ", at or above the " + fmtPct(dd.driftShare) + " threshold";
      why += ".";
    } else if (dd.drifted > 0) {
      level = "possible";
      word = "Some columns drifted";
      why =
        dd.drifted +
        " of " +
        dd.tested +
        " columns drifted (" +
        fmtPct(dd.share) +
        "), below the " +
        fmtPct(dd.driftShare) +
        " that makes dataset drift.";
    } else if (dd.possibleDrift > 0) {
      level = "possible";
      word = "Possible drift";
      why = dd.possibleDrift + " of " + dd.tested + " columns show possible drift; none drifted.";
    } else {
      level = "none";
      word = "No drift detected";
      why =
        dd.tested === 0
          ? "No column could be compared."
          : "None of the " + dd.tested + " compared columns drifted.";
    }
    function tile(value, label, cls) {
      return h("div", { class: "tile" + (cls ? " " + cls : "") }, [
        h("div", { class: "value" }, value),
        h("div", { class: "label" }, label),
      ]);
    }
    var none = Math.max(0, dd.tested - dd.drifted - dd.possibleDrift);
    var shares = h("div", {
      class: "shares",
      title: dd.drifted + " drift · " + dd.possibleDrift + " possible · " + none + " no drift",
    });
    [
      ["s-drift", dd.drifted],
      ["s-possible", dd.possibleDrift],
      ["s-none", none],
    ].forEach(function (p) {
      if (dd.tested > 0 && p[1] > 0) {
        var span = h("span", { class: p[0] });
        span.style.width = (100 * p[1]) / dd.tested + "%";
        shares.appendChild(span);
      }
    });
    var correction = dd.correction === "benjamini-hochberg" ? "Benjamini–Hochberg" : "none";
    return h("section", { class: "card verdict", id: "summary" }, [
      h("div", { class: "status " + level, "data-verdict": level }, [
        h("div", { class: "word" }, word),
        h("div", { class: "why" }, why),
      ]),
      h("div", null, [
        h("div", { class: "tiles" }, [
          tile(fmtInt(dd.drifted), "drifted", dd.drifted > 0 ? "drift" : ""),
          tile(fmtInt(dd.possibleDrift), "possible drift", dd.possibleDrift > 0 ? "possible" : ""),
          tile(fmtInt(dd.tested), "compared"),
          tile(fmtPct(dd.share), "drift share"),
          tile(fmtInt(dd.skipped.length), "not compared"),
        ]),
        shares,
      ]),
      h("div", { class: "settings" }, [
        h("span", null, ["p-value correction: ", h("b", null, correction)]),
        h("span", null, [
          "Dataset drift when: ",
          h(
            "b",
            null,
            dd.driftShare === null ? "any column drifts" : "≥ " + fmtPct(dd.driftShare) + " of columns drift",
          ),
        ]),
        h("span", null, [
          "Minimum effect size: ",
          h("b", null, dd.minEffectSize === null ? "none" : fmtNum(dd.minEffectSize)),
        ]),
        h("span", null, ["Quality findings: ", h("b", null, fmtInt(data.quality.length))]),
      ]),
    ]);
  }

  function jumpTo(column, segment) {
    var i = detailIndex.get(keyOf(column, segment));
    if (i === undefined) return;
    var target = document.getElementById(detailId(i));
    // A fragment navigation (no request) so that :target highlights the section.
    if (target) location.hash = "#" + detailId(i);
  }

  function driftSection() {
    var columns = [
      {
        id: "column",
        label: "Column",
        title: "Click a row for the column's distributions",
        cell: function (e) {
          return columnLink(e.column, e.segment);
        },
        key: function (e) {
          return e.column;
        },
      },
    ];
    if (segmented) {
      columns.push({
        id: "segment",
        label: "Segment",
        cell: function (e) {
          return e.segment === null ? dash() : nameSpan(e.segment, "segment");
        },
        key: function (e) {
          return e.segment;
        },
      });
    }
    columns.push(
      {
        id: "kind",
        label: "Kind",
        cell: function (e) {
          return e.kind;
        },
        key: function (e) {
          return e.kind;
        },
      },
      {
        id: "method",
        label: "Method",
        cell: function (e) {
          return methodLabel(e.method);
        },
        key: function (e) {
          return methodLabel(e.method);
        },
      },
      {
        id: "statistic",
        label: "Statistic ± bound",
        cls: "num",
        desc: true,
        title:
          "The method's statistic from the sketches; ± the most it can differ from the raw-data statistic",
        cell: function (e) {
          return [fmtNum(e.statistic), h("span", { class: "bound" }, " ± " + fmtNum(e.bound, 2))];
        },
        key: function (e) {
          return e.statistic;
        },
      },
      {
        id: "p-value",
        label: "p-value (adjusted)",
        cls: "num",
        title: "KS and chi-square only; in parentheses after the correction across all columns",
        cell: function (e) {
          return e.pValue === null
            ? dash()
            : [fmtP(e.pValue), h("span", { class: "muted" }, " (" + fmtP(e.adjustedPValue) + ")")];
        },
        key: function (e) {
          return e.adjustedPValue;
        },
      },
      {
        id: "category",
        label: "Category",
        cell: function (e) {
          return badge(e.category);
        },
        key: function (e) {
          return SEVERITY[e.category];
        },
      },
      {
        id: "effect",
        label: "Effect size",
        cls: "num",
        desc: true,
        title: "KS D, Cramér's V for chi-square, the statistic itself for distances",
        cell: function (e) {
          return fmtNum(e.effectSize);
        },
        key: function (e) {
          return e.effectSize;
        },
      },
      {
        id: "counts",
        label: "Values (ref → target)",
        cls: "num",
        desc: true,
        title: "Non-null values compared on each side",
        cell: function (e) {
          return fmtInt(e.referenceCount) + " → " + fmtInt(e.targetCount);
        },
        key: function (e) {
          return e.targetCount;
        },
      },
    );
    var table = dataTable({
      id: "drift-table",
      columns: columns,
      rows: data.columns,
      rowProps: function (e, i) {
        return { "data-index": i, "data-category": e.category };
      },
      onRowClick: function (e) {
        jumpTo(e.column, e.segment);
      },
      filterText: function (e) {
        return e.column + " " + (e.segment || "");
      },
    });
    var count = h("span", { class: "count" }, fmtInt(data.columns.length) + " compared");
    var filter = h("input", {
      class: "filter",
      type: "search",
      placeholder: "Filter columns…",
      "aria-label": "Filter columns",
    });
    filter.addEventListener("input", function () {
      var shown = table.filter(filter.value);
      count.textContent =
        shown === data.columns.length
          ? fmtInt(shown) + " compared"
          : fmtInt(shown) + " of " + fmtInt(data.columns.length) + " shown";
    });
    var body =
      data.columns.length === 0 ? h("p", { class: "empty" }, "No column could be compared.") : table.element;
    var parts = [
      h("div", { class: "toolbar" }, [
        h("h2", null, ["Column drift", count]),
        data.columns.length > 0 ? filter : null,
      ]),
      body,
    ];
    if (data.datasetDrift.skipped.length > 0) {
      var skipped = dataTable({
        id: "skipped-table",
        columns: [
          {
            id: "column",
            label: "Column",
            cell: function (sk) {
              return columnLink(sk.column, sk.segment);
            },
            key: function (sk) {
              return sk.column;
            },
          },
          segmented
            ? {
                id: "segment",
                label: "Segment",
                cell: function (sk) {
                  return sk.segment === null ? dash() : nameSpan(sk.segment, "segment");
                },
                key: function (sk) {
                  return sk.segment;
                },
              }
            : null,
          {
            id: "reason",
            label: "Why it was not compared",
            cls: "wrap-text",
            cell: function (sk) {
              return sk.reason;
            },
          },
        ],
        rows: data.datasetDrift.skipped,
      });
      parts.push(h("h3", { class: "subhead" }, "Not compared"), skipped.element);
    }
    return h("section", { class: "card", id: "columns" }, parts);
  }

  function qualitySection() {
    var rank = { error: 0, warning: 1, info: 2 };
    var columns = [
      {
        id: "severity",
        label: "Severity",
        cell: function (f) {
          return h("span", { class: "badge " + f.severity }, f.severity);
        },
        key: function (f) {
          return rank[f.severity];
        },
      },
      {
        id: "check",
        label: "Check",
        cell: function (f) {
          return h("span", { class: "mono" }, f.check);
        },
        key: function (f) {
          return f.check;
        },
      },
      {
        id: "column",
        label: "Column",
        cell: function (f) {
          return columnLink(f.column, f.segment);
        },
        key: function (f) {
          return f.column;
        },
      },
    ];
    if (segmented)
      columns.push({
        id: "segment",
        label: "Segment",
        cell: function (f) {
          return f.segment === null ? dash() : nameSpan(f.segment, "segment");
        },
        key: function (f) {
          return f.segment;
        },
      });
    columns.push({
      id: "message",
      label: "Finding",
      cls: "wrap-text",
      cell: function (f) {
        return f.message;
      },
    });
    var body =
      data.quality.length === 0
        ? h("p", { class: "empty" }, "No data-quality findings.")
        : dataTable({ id: "quality-table", columns: columns, rows: data.quality }).element;
    return h("section", { class: "card", id: "quality" }, [
      h(
        "div",
        { class: "toolbar" },
        h("h2", null, [
          "Data quality",
          h(
            "span",
            { class: "count" },
            fmtInt(data.quality.length) + (data.quality.length === 1 ? " finding" : " findings"),
          ),
        ]),
      ),
      body,
    ]);
  }

  function summaryTable(d) {
    var rows = [
      [
        "Rows",
        function (x) {
          return fmtInt(x.count);
        },
      ],
      [
        "Missing",
        function (x) {
          return fmtPct(x.nullShare);
        },
      ],
      [
        "Type",
        function (x) {
          return x.type;
        },
      ],
      [
        "Mean",
        function (x) {
          return fmtNum(x.mean, 5);
        },
      ],
      [
        "Min",
        function (x) {
          return fmtNum(x.min, 5);
        },
      ],
      [
        "Median",
        function (x) {
          return fmtNum(x.median, 5);
        },
      ],
      [
        "Max",
        function (x) {
          return fmtNum(x.max, 5);
        },
      ],
      [
        "Distinct (est.)",
        function (x) {
          return fmtInt(x.distinct);
        },
      ],
    ];
    return h("table", { class: "summary" }, [
      h(
        "thead",
        null,
        h("tr", null, [
          h("th", null, ""),
          h("th", { class: "ref" }, "Reference"),
          h("th", { class: "tgt" }, "Target"),
        ]),
      ),
      h(
        "tbody",
        null,
        rows.map(function (r) {
          return h("tr", null, [
            h("td", null, r[0]),
            h("td", null, r[1](d.reference)),
            h("td", null, r[1](d.target)),
          ]);
        }),
      ),
    ]);
  }

  function detailCard(d, i) {
    var entry = entryByKey.get(keyOf(d.column, d.segment));
    var skipped = skippedByKey.get(keyOf(d.column, d.segment));
    var head = h("div", { class: "detail-head" }, [
      h("h3", null, nameSpan(d.column)),
      d.segment !== null ? h("span", { class: "muted" }, ["segment ", nameSpan(d.segment)]) : null,
      entry ? badge(entry.category) : h("span", { class: "badge skipped" }, "Not compared"),
      h("a", { class: "back", href: "#columns" }, "↑ Column drift"),
    ]);
    var sub;
    if (entry) {
      sub = methodLabel(entry.method) + " " + fmtNum(entry.statistic) + " ± " + fmtNum(entry.bound, 2);
      if (entry.pValue !== null)
        sub += " · p = " + fmtP(entry.pValue) + " (adjusted " + fmtP(entry.adjustedPValue) + ")";
      sub += " · effect size " + fmtNum(entry.effectSize) + " · compared as " + entry.kind;
    } else sub = skipped ? skipped.reason : "";
    var chart;
    var dist = d.distribution;
    if (dist && dist.labels.length > 0) {
      chart = h("div", { class: "chart-box" }, [
        h("div", { class: "key" }, [
          h("span", null, [h("span", { class: "sw ref" }), "Reference"]),
          h("span", null, [h("span", { class: "sw tgt" }), "Target"]),
          h("span", null, [
            h("span", { class: "whisker-key" }, "⊢⊣ "),
            "interval holding the raw-data share",
          ]),
          h(
            "span",
            null,
            dist.kind === "numeric" ? "share of non-null values per bin" : "share per value (frequent items)",
          ),
        ]),
        dist.kind === "numeric" ? numericChart(dist) : categoricalChart(dist),
      ]);
    } else {
      chart = h(
        "div",
        { class: "chart-box" },
        h("div", { class: "no-chart" }, "No distribution to plot for this column."),
      );
    }
    return h(
      "section",
      {
        class: "detail",
        id: detailId(i),
        "data-kind": dist ? dist.kind : "none",
        "data-index": i,
      },
      [
        head,
        h("div", { class: "detail-sub" }, sub),
        h("div", { class: "detail-body" }, [chart, summaryTable(d)]),
      ],
    );
  }

  function detailsSection() {
    var list = h("div", { class: "details-list" }, data.details.map(detailCard));
    return h("section", { id: "details" }, [
      h("h2", null, "Column details"),
      data.details.length === 0 ? h("p", { class: "empty" }, "No column to show.") : list,
    ]);
  }

  function legendSection(dd) {
    var adjusted =
      dd.correction === "benjamini-hochberg"
        ? "In parentheses, after the Benjamini–Hochberg correction across every column (and segment) of " +
          "the report, which decides the category and keeps false alarms in check."
        : "No correction across columns was asked for (--correction none): the p-value itself decides the category.";
    var items = [
      [
        "Statistic",
        "The drift method's score computed from the two profiles' sketches. KS: the largest gap between " +
          "the two cumulative distributions. PSI: population stability index on the reference's deciles. " +
          "Chi-square: test of homogeneity over the categories. Jensen–Shannon and Hellinger: distances " +
          "between the binned shares. Wasserstein: area between the distributions. L∞: the largest " +
          "difference of one bin's share.",
      ],
      [
        "± bound",
        "The most the statistic can differ from the same statistic computed on the raw data, derived " +
          "from the sketches' accuracy guarantees (0 when the sketches are exact).",
      ],
      [
        "p-value (adjusted)",
        "For KS and chi-square: the chance of a difference at least this large if the data had not " +
          "changed. " +
          adjusted +
          " Distances have no p-value.",
      ],
      [
        "Category",
        "Drift / Possible drift / No drift by the method's thresholds; by default adjusted p below 0.05 " +
          "/ 0.15 for the tests, a fixed distance for the others (e.g. PSI 0.25 / 0.1, Jensen–Shannon 0.1 " +
          "/ 0.05).",
      ],
      [
        "Effect size",
        "How large the change is, whatever the sample size: KS's D, Cramér's V for chi-square, the " +
          "statistic itself for distances.",
      ],
      [
        "Charts",
        "Bars are the share of non-null values per bin (numbers: equal-width bins over both ranges) or " +
          "per value (categories: the frequent items, the rest as “all other values”). Whiskers span the " +
          "interval in which the raw data's share must lie given the sketches' accuracy.",
      ],
    ];
    return h("section", { class: "card", id: "legend" }, [
      h("h2", null, "How to read this report"),
      h(
        "dl",
        { class: "legend" },
        items
          .map(function (it) {
            return [h("dt", null, it[0]), h("dd", null, it[1])];
          })
          .reduce(function (a, b) {
            return a.concat(b);
          }, []),
      ),
    ]);
  }

  document.title = data.title;
  append(app, [
    header(),
    h(
      "main",
      null,
      h("div", { class: "wrap" }, [
        verdict(),
        driftSection(),
        qualitySection(),
        detailsSection(),
        legendSection(data.datasetDrift),
      ]),
    ),
    h(
      "footer",
      null,
      "Generated by sightglass from data profiles. This file is self-contained: it works offline and " +
        "makes no network request.",
    ),
  ]);
  fitLabels();
})();
`;
