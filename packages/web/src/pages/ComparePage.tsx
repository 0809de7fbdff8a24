// Profile comparison, the web version of the CLI's drift report: a target window (A) against a baseline (B,
// another window or a named reference profile), with every column's drift and the data-quality findings.
// Everything the comparison depends on is in the URL (aStart, aEnd, bStart, bEnd, bRef, method, segment).
import "./ComparePage.css";
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { ApiError, enc } from "../api/client";
import { useApi } from "../api/hooks";
import { useProject } from "../components/Layout";
import { SegmentSelect } from "../components/Pickers";
import { EmptyState, ErrorView, Loading } from "../components/States";
import { driftLabel, formatCount, formatNumber, formatPercent, formatRange } from "../lib/format";
import { fromLocalInput, parseInstant, toLocalInput, windowOf, withParams } from "../lib/time";
import type {
  CompareColumn,
  Comparison,
  QualityFindingJson,
  QualityValue,
  ReferencesAnswer,
} from "./compare-types";
import { DRIFT_METHODS, checkLabel, formatP, methodLabel, methodShort } from "./overview-format";

type Baseline =
  | { readonly kind: "range"; readonly start: number; readonly end: number }
  | { readonly kind: "reference"; readonly name: string };

interface CompareSpec {
  readonly a: { readonly start: number; readonly end: number };
  readonly b: Baseline;
  readonly method: string;
  /** Whether A and B are the defaults (not in the URL). */
  readonly defaults: boolean;
}

const COMPARE_PARAMS = ["aStart", "aEnd", "bStart", "bEnd", "bRef", "method"] as const;
/** Rows drawn before "Show all": a wide dataset's full table is a click away, not a slow first paint. */
const FIRST_ROWS = 300;

/** A: the URL's aStart/aEnd, else the shared window; B: bRef, else bStart/bEnd, else the period before A. */
function specOf(params: URLSearchParams): CompareSpec {
  const aStart = parseInstant(params.get("aStart"));
  const aEnd = parseInstant(params.get("aEnd"));
  const a =
    aStart !== null && aEnd !== null && aEnd > aStart ? { start: aStart, end: aEnd } : windowOf(params);
  const ref = params.get("bRef") ?? "";
  const bStart = parseInstant(params.get("bStart"));
  const bEnd = parseInstant(params.get("bEnd"));
  const b: Baseline =
    ref !== ""
      ? { kind: "reference", name: ref }
      : bStart !== null && bEnd !== null && bEnd > bStart
        ? { kind: "range", start: bStart, end: bEnd }
        : { kind: "range", start: a.start - (a.end - a.start), end: a.start };
  const methodParam = params.get("method") ?? "auto";
  const method = (DRIFT_METHODS as readonly string[]).includes(methodParam) ? methodParam : "auto";
  return { a, b, method, defaults: COMPARE_PARAMS.every((k) => params.get(k) === null) };
}

function CompareForm({ spec, references }: { readonly spec: CompareSpec; readonly references: string[] }) {
  const [params, setParams] = useSearchParams();
  const [aStart, setAStart] = useState(toLocalInput(spec.a.start));
  const [aEnd, setAEnd] = useState(toLocalInput(spec.a.end));
  const [mode, setMode] = useState<Baseline["kind"]>(spec.b.kind);
  const defaultB =
    spec.b.kind === "range"
      ? spec.b
      : { start: spec.a.start - (spec.a.end - spec.a.start), end: spec.a.start };
  const [bStart, setBStart] = useState(toLocalInput(defaultB.start));
  const [bEnd, setBEnd] = useState(toLocalInput(defaultB.end));
  const [bRef, setBRef] = useState(spec.b.kind === "reference" ? spec.b.name : (references[0] ?? ""));
  const [method, setMethod] = useState(spec.method);
  // The references arrive after the form mounts: until one is picked, the first is the choice.
  const chosenRef = bRef !== "" ? bRef : (references[0] ?? "");
  const error = (() => {
    const as = fromLocalInput(aStart);
    const ae = fromLocalInput(aEnd);
    if (as === null || ae === null) return "Enter a start and an end for window A.";
    if (ae <= as) return "Window A must end after it starts.";
    if (mode === "reference") return chosenRef === "" ? "Choose a reference profile for B." : null;
    const bs = fromLocalInput(bStart);
    const be = fromLocalInput(bEnd);
    if (bs === null || be === null) return "Enter a start and an end for window B.";
    if (be <= bs) return "Window B must end after it starts.";
    return null;
  })();
  function submit(event: FormEvent) {
    event.preventDefault();
    if (error !== null) return;
    const iso = (text: string) => new Date(fromLocalInput(text)!).toISOString();
    setParams(
      withParams(params, {
        aStart: iso(aStart),
        aEnd: iso(aEnd),
        bStart: mode === "range" ? iso(bStart) : null,
        bEnd: mode === "range" ? iso(bEnd) : null,
        bRef: mode === "reference" ? chosenRef : null,
        method: method === "auto" ? null : method,
      }),
    );
  }
  return (
    <form className="card cmp-form" onSubmit={submit} aria-labelledby="cmp-form-title">
      <h3 id="cmp-form-title" className="visually-hidden">
        What to compare
      </h3>
      <fieldset>
        <legend>Target window (A)</legend>
        <label>
          From{" "}
          <input
            type="datetime-local"
            name="aStart"
            value={aStart}
            onChange={(e) => setAStart(e.target.value)}
          />
        </label>
        <label>
          to{" "}
          <input type="datetime-local" name="aEnd" value={aEnd} onChange={(e) => setAEnd(e.target.value)} />
        </label>
      </fieldset>
      <fieldset>
        <legend>Baseline (B)</legend>
        <div className="cmp-modes">
          <label>
            <input type="radio" name="bMode" checked={mode === "range"} onChange={() => setMode("range")} />{" "}
            Another window
          </label>
          <label>
            <input
              type="radio"
              name="bMode"
              checked={mode === "reference"}
              onChange={() => setMode("reference")}
            />{" "}
            A reference profile
          </label>
        </div>
        {mode === "range" ? (
          <div className="cmp-range">
            <label>
              From{" "}
              <input
                type="datetime-local"
                name="bStart"
                value={bStart}
                onChange={(e) => setBStart(e.target.value)}
              />
            </label>
            <label>
              to{" "}
              <input
                type="datetime-local"
                name="bEnd"
                value={bEnd}
                onChange={(e) => setBEnd(e.target.value)}
              />
            </label>
          </div>
        ) : references.length === 0 ? (
          <p className="muted small">
            This project has no reference profiles yet. Upload one with{" "}
            <code>PUT /api/v1/projects/…/references/&lt;name&gt;</code>, or compare with another window.
          </p>
        ) : (
          <label>
            Reference{" "}
            <select name="bRef" value={chosenRef} onChange={(e) => setBRef(e.target.value)}>
              {references.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
      </fieldset>
      <fieldset>
        <legend>Method</legend>
        <label>
          <span className="visually-hidden">Drift method</span>
          <select name="method" value={method} onChange={(e) => setMethod(e.target.value)}>
            <option value="auto">{methodLabel("auto")}</option>
            {DRIFT_METHODS.map((m) => (
              <option key={m} value={m}>
                {methodLabel(m)}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <div className="cmp-actions">
        <button type="submit" className="primary" disabled={error !== null}>
          Compare
        </button>
        {!spec.defaults ? (
          <button
            type="button"
            onClick={() =>
              setParams(withParams(params, Object.fromEntries(COMPARE_PARAMS.map((k) => [k, null]))))
            }
          >
            Reset to defaults
          </button>
        ) : null}
        {error !== null ? <span className="field-error">{error}</span> : null}
      </div>
    </form>
  );
}

function describeBaseline(b: Baseline): string {
  return b.kind === "range" ? formatRange(b.start, b.end) : `reference profile “${b.name}”`;
}

function Summary({ data, spec }: { readonly data: Comparison; readonly spec: CompareSpec }) {
  const dd = data.datasetDrift;
  const level = dd.drifted > 0 ? "drift" : dd.possibleDrift > 0 ? "possible_drift" : "no_drift";
  const verdict =
    dd.tested === 0
      ? "Nothing could be compared"
      : dd.datasetDrift
        ? "Dataset drift detected"
        : dd.drifted > 0
          ? "Some columns drifted"
          : dd.possibleDrift > 0
            ? "Possible drift"
            : "No drift detected";
  const none = Math.max(0, dd.tested - dd.drifted - dd.possibleDrift);
  return (
    <section className="card cmp-summary" aria-labelledby="cmp-summary-title" data-testid="compare-summary">
      <h3 id="cmp-summary-title" className={`cmp-verdict cmp-verdict-${level}`} data-verdict={level}>
        {verdict}
      </h3>
      <p className="muted">
        {formatCount(dd.drifted)} of {formatCount(dd.tested)} compared columns drifted
        {dd.possibleDrift > 0 ? `, ${formatCount(dd.possibleDrift)} possibly` : ""}. A:{" "}
        {formatRange(spec.a.start, spec.a.end)}, against B:{" "}
        <span className="wrap-anywhere">{describeBaseline(spec.b)}</span>.
      </p>
      <div className="stats">
        <div className={dd.drifted > 0 ? "stat cmp-alarm" : "stat"}>
          <div className="value">{formatCount(dd.drifted)}</div>
          <div className="label">columns drifting</div>
        </div>
        <div className="stat">
          <div className="value">{formatCount(dd.possibleDrift)}</div>
          <div className="label">possible drift</div>
        </div>
        <div className="stat">
          <div className="value">{formatCount(dd.tested)}</div>
          <div className="label">compared</div>
        </div>
        <div className="stat">
          <div className="value">{formatPercent(dd.share)}</div>
          <div className="label">dataset drift share</div>
        </div>
        <div className="stat">
          <div className="value">{formatCount(dd.skipped.length)}</div>
          <div className="label">not compared</div>
        </div>
        <div className="stat">
          <div className="value">{formatCount(data.quality.length)}</div>
          <div className="label">quality findings</div>
        </div>
      </div>
      {dd.tested > 0 ? (
        <div
          className="cmp-shares"
          role="img"
          aria-label={`${dd.drifted} drift, ${dd.possibleDrift} possible drift, ${none} no drift`}
        >
          {(
            [
              ["drift", dd.drifted],
              ["possible_drift", dd.possibleDrift],
              ["no_drift", none],
            ] as const
          ).map(([category, n]) =>
            n > 0 ? (
              <span
                key={category}
                className={`cmp-share-${category}`}
                style={{ width: `${(100 * n) / dd.tested}%` }}
              />
            ) : null,
          )}
        </div>
      ) : null}
      <p className="small muted cmp-settings">
        p-value correction:{" "}
        <b>{dd.correction === "benjamini-hochberg" ? "Benjamini–Hochberg" : dd.correction}</b> · Dataset drift
        when:{" "}
        <b>
          {dd.driftShare === null
            ? "any column drifts"
            : `≥ ${formatPercent(dd.driftShare)} of columns drift`}
        </b>{" "}
        · Minimum effect size: <b>{dd.minEffectSize === null ? "none" : formatNumber(dd.minEffectSize)}</b>
      </p>
    </section>
  );
}

function ShowAll({
  shown,
  total,
  onClick,
  what,
}: {
  readonly shown: number;
  readonly total: number;
  readonly onClick: () => void;
  readonly what: string;
}) {
  if (shown >= total) return null;
  return (
    <button type="button" className="cmp-more" onClick={onClick}>
      Show all {formatCount(total)} {what} ({formatCount(shown)} shown)
    </button>
  );
}

function DriftTable({
  columns,
  columnHref,
}: {
  readonly columns: readonly CompareColumn[];
  readonly columnHref: (column: string) => string;
}) {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const [text, setText] = useState(q);
  const [all, setAll] = useState(false);
  const segmented = columns.some((c) => c.segment !== null);
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return needle === "" ? columns : columns.filter((c) => c.column.toLowerCase().includes(needle));
  }, [columns, q]);
  const rows = all ? shown : shown.slice(0, FIRST_ROWS);
  return (
    <section className="card" aria-labelledby="cmp-drift-title">
      <div className="cmp-section-head">
        <h3 id="cmp-drift-title">
          Column drift{" "}
          <span className="muted small" aria-live="polite">
            {shown.length === columns.length
              ? `${formatCount(columns.length)} compared`
              : `${formatCount(shown.length)} of ${formatCount(columns.length)} shown`}
          </span>
        </h3>
        {columns.length > 0 ? (
          <label className="search">
            <span className="visually-hidden">Filter compared columns</span>
            <input
              type="search"
              placeholder="Filter columns…"
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                setParams(withParams(params, { q: e.target.value }), { replace: true });
              }}
            />
          </label>
        ) : null}
      </div>
      {columns.length === 0 ? (
        <EmptyState title="No column could be compared">
          The two sides share no column with values. Check that A and B profile the same dataset.
        </EmptyState>
      ) : shown.length === 0 ? (
        <EmptyState title="No column matches">
          No compared column name contains “<span className="wrap-anywhere">{q}</span>”.
        </EmptyState>
      ) : (
        <div className="cmp-table-wrap">
          <table className="table cmp-table" data-testid="compare-table">
            <thead>
              <tr>
                <th scope="col">Column</th>
                {segmented ? <th scope="col">Segment</th> : null}
                <th scope="col">Kind</th>
                <th scope="col">Method</th>
                <th
                  scope="col"
                  className="num"
                  title="The statistic from the sketches, ± the most it can differ from the raw-data statistic"
                >
                  Statistic ± bound
                </th>
                <th
                  scope="col"
                  className="num"
                  title="KS and chi-square only; in parentheses after the correction across all columns"
                >
                  p-value (adjusted)
                </th>
                <th scope="col">Category</th>
                <th
                  scope="col"
                  className="num"
                  title="KS D, Cramér's V for chi-square, the statistic itself for distances"
                >
                  Effect size
                </th>
                <th scope="col" className="num" title="Non-null values compared on each side">
                  Values B → A
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr
                  key={`${c.segment ?? ""}\u0000${c.column}`}
                  data-testid="compare-row"
                  data-column={c.column}
                >
                  <td className="cmp-name">
                    <Link to={columnHref(c.column)} className="strong truncate cmp-col" title={c.column}>
                      {c.column}
                    </Link>
                  </td>
                  {segmented ? <td className="wrap-anywhere">{c.segment ?? "—"}</td> : null}
                  <td>{c.kind}</td>
                  <td>
                    <abbr title={methodLabel(c.method)} className="cmp-abbr">
                      {methodShort(c.method)}
                    </abbr>
                  </td>
                  <td className="num">
                    {formatNumber(c.statistic, 3)}
                    <span className="muted"> ± {formatNumber(c.bound, 2)}</span>
                  </td>
                  <td className="num">
                    {c.pValue === null ? (
                      "—"
                    ) : (
                      <>
                        {formatP(c.pValue)} <span className="muted">({formatP(c.adjustedPValue)})</span>
                      </>
                    )}
                  </td>
                  <td>
                    <span className={`badge badge-${c.category}`} data-testid="drift-badge">
                      {driftLabel(c.category)}
                    </span>
                  </td>
                  <td className="num">{formatNumber(c.effectSize, 3)}</td>
                  <td className="num">
                    {formatCount(c.referenceCount)} → {formatCount(c.targetCount)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <ShowAll shown={rows.length} total={shown.length} onClick={() => setAll(true)} what="columns" />
        </div>
      )}
    </section>
  );
}

function Skipped({
  skipped,
  columnHref,
}: {
  readonly skipped: Comparison["datasetDrift"]["skipped"];
  readonly columnHref: (column: string) => string;
}) {
  const [all, setAll] = useState(false);
  if (skipped.length === 0) return null;
  return (
    <section className="card" aria-labelledby="cmp-skipped-title">
      <h3 id="cmp-skipped-title">
        Not compared <span className="muted small">{formatCount(skipped.length)}</span>
      </h3>
      <ul className="cmp-list">
        {(all ? skipped : skipped.slice(0, FIRST_ROWS)).map((s) => (
          <li key={`${s.segment ?? ""}\u0000${s.column}`}>
            <Link to={columnHref(s.column)} className="strong truncate cmp-col" title={s.column}>
              {s.column}
            </Link>
            {s.segment !== null ? <span className="muted wrap-anywhere"> [{s.segment}]</span> : null}:{" "}
            <span className="wrap-anywhere">{s.reason}</span>
          </li>
        ))}
      </ul>
      <ShowAll
        shown={all ? skipped.length : Math.min(FIRST_ROWS, skipped.length)}
        total={skipped.length}
        onClick={() => setAll(true)}
        what="columns"
      />
    </section>
  );
}

/** Checks whose compared quantity is a share of the values. */
const SHARE_CHECKS = new Set(["missing_values", "quantile_range", "out_of_range"]);

function valueText(check: string, v: QualityValue): string {
  if (v === null) return "—";
  if (typeof v === "boolean") return check === "schema_change" ? (v ? "present" : "absent") : String(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return "none";
    return v.length > 10 ? `${v.slice(0, 10).join(", ")} … (+${v.length - 10})` : v.join(", ");
  }
  if (typeof v === "number") {
    if (SHARE_CHECKS.has(check)) return formatPercent(v);
    return Number.isInteger(v) ? formatCount(v) : formatNumber(v);
  }
  return String(v);
}

function Quality({
  findings,
  columnHref,
}: {
  readonly findings: readonly QualityFindingJson[];
  readonly columnHref: (column: string) => string;
}) {
  const [all, setAll] = useState(false);
  return (
    <section className="card" aria-labelledby="cmp-quality-title" data-testid="compare-quality">
      <h3 id="cmp-quality-title">
        Data quality{" "}
        <span className="muted small">
          {formatCount(findings.length)} {findings.length === 1 ? "finding" : "findings"}
        </span>
      </h3>
      {findings.length === 0 ? (
        <p className="muted">
          No data-quality findings: no missing-value jumps, type changes or category changes.
        </p>
      ) : (
        <ul className="cmp-list cmp-findings">
          {(all ? findings : findings.slice(0, FIRST_ROWS)).map((f, i) => (
            <li key={i} data-testid="quality-finding" data-check={f.check} data-column={f.column}>
              <span className={`badge badge-${f.severity}`}>{f.severity}</span>{" "}
              <strong>{checkLabel(f.check)}</strong> in{" "}
              <Link to={columnHref(f.column)} className="truncate cmp-col" title={f.column}>
                {f.column}
              </Link>
              {f.segment !== null ? <span className="muted wrap-anywhere"> [{f.segment}]</span> : null}
              <div className="wrap-anywhere">{f.message}</div>
              <div className="muted small wrap-anywhere">
                B: {valueText(f.check, f.reference)} → A: {valueText(f.check, f.target)}
              </div>
            </li>
          ))}
        </ul>
      )}
      <ShowAll
        shown={all ? findings.length : Math.min(FIRST_ROWS, findings.length)}
        total={findings.length}
        onClick={() => setAll(true)}
        what="findings"
      />
    </section>
  );
}

function ComparisonError({ error, onRetry }: { readonly error: Error; readonly onRetry: () => void }) {
  if (
    error instanceof ApiError &&
    error.status === 404 &&
    /^no profiles in the target/i.test(error.message)
  ) {
    return (
      <EmptyState title="No profiles in window A">
        Pick a window A that has data, or upload profiles for it.{" "}
        <span className="muted wrap-anywhere">({error.message})</span>
      </EmptyState>
    );
  }
  if (
    error instanceof ApiError &&
    error.status === 404 &&
    /^no profiles in the baseline/i.test(error.message)
  ) {
    return (
      <EmptyState title="No profiles in baseline window B">
        Pick a window B that has data, or compare with a reference profile.{" "}
        <span className="muted wrap-anywhere">({error.message})</span>
      </EmptyState>
    );
  }
  return <ErrorView error={error} onRetry={onRetry} />;
}

export function ComparePage() {
  const { project } = useProject();
  const [params] = useSearchParams();
  const spec = specOf(params);
  const segment = params.get("segment") ?? "";
  const refs = useApi<ReferencesAnswer>(`/api/v1/projects/${enc(project.id)}/references`);
  const references = useMemo(
    () => [...new Set((refs.result.data?.references ?? []).map((r) => r.name))],
    [refs.result],
  );
  const query: Record<string, string | number> = {
    start: spec.a.start,
    end: spec.a.end,
    segment,
    ...(spec.method !== "auto" ? { method: spec.method } : {}),
    ...(spec.b.kind === "reference"
      ? { reference: spec.b.name }
      : { baselineStart: spec.b.start, baselineEnd: spec.b.end }),
  };
  const { result, reload } = useApi<Comparison>(`/api/v1/projects/${enc(project.id)}/drift`, query);
  // Column pages show window A against the same baseline, so the numbers there match the row clicked.
  const columnHref = (column: string) => {
    const link = new URLSearchParams({
      start: new Date(spec.a.start).toISOString(),
      end: new Date(spec.a.end).toISOString(),
    });
    if (segment !== "") link.set("segment", segment);
    if (spec.b.kind === "reference") link.set("baseline", `ref:${spec.b.name}`);
    return `/projects/${enc(project.id)}/columns/${enc(column)}?${link.toString()}`;
  };
  return (
    <section aria-labelledby="compare-title" className="cmp-page">
      <div className="page-header">
        <h2 id="compare-title">Compare profiles</h2>
        <SegmentSelect projectId={project.id} />
      </div>
      <CompareForm
        // A new URL (back button, a link, Reset) starts the form over from it.
        key={COMPARE_PARAMS.map((k) => params.get(k) ?? "").join("\u0000") + `\u0000${spec.a.start}`}
        spec={spec}
        references={references}
      />
      <p className="visually-hidden" aria-live="polite">
        {result.state === "ready"
          ? `${result.data.datasetDrift.drifted} of ${result.data.datasetDrift.tested} columns drifted; ${result.data.quality.length} quality findings.`
          : ""}
      </p>
      <div aria-busy={result.state === "loading"}>
        {result.state === "loading" ? (
          <Loading what="Comparing profiles" />
        ) : result.state === "error" ? (
          <ComparisonError error={result.error} onRetry={reload} />
        ) : (
          <>
            <Summary data={result.data} spec={spec} />
            <DriftTable columns={result.data.columns} columnHref={columnHref} />
            <Skipped skipped={result.data.datasetDrift.skipped} columnHref={columnHref} />
            <Quality findings={result.data.quality} columnHref={columnHref} />
          </>
        )}
      </div>
    </section>
  );
}
