// The project overview: every column of the selected window next to its baseline — nulls, distinct values,
// mean, drift, open anomalies and a trend — so the columns that changed are the first thing on screen.
import "./OverviewPage.css";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { ApiError, enc, withQuery } from "../api/client";
import { useApi } from "../api/hooks";
import type { Overview } from "../api/types";
import { sharedParams, useProject } from "../components/Layout";
import { BaselineSelect, SegmentSelect, TimeRangePicker, baselineQuery } from "../components/Pickers";
import { EmptyState, ErrorView, Loading } from "../components/States";
import { formatCount, formatRange } from "../lib/format";
import { windowOf, withParams } from "../lib/time";
import {
  DEFAULT_DIR,
  SHOW_FILTERS,
  SHOW_LABELS,
  countsOf,
  viewStateOf,
  visibleColumns,
} from "./overview-model";
import type { OverviewCounts, SortKey, ViewState } from "./overview-model";
import { OverviewTable } from "./overview-table";

/** The 404 the server answers for a window without profiles (as opposed to an unknown project or route). */
function isNoProfiles(error: Error): boolean {
  return error instanceof ApiError && error.status === 404 && /^no profiles/i.test(error.message);
}

/**
 * Publishes how long the table took from the response to its first paint, for the browser tests' budget:
 * the response's end from the resource timing entry (else the commit), the paint as the task after the next
 * animation frame.
 */
function useRenderTiming(url: string, data: Overview) {
  // Measured once per answer: a render of the previous answer under a new URL (before the loading state) must
  // not count, so the URL is read from a ref rather than being a dependency.
  const urlRef = useRef(url);
  useLayoutEffect(() => {
    urlRef.current = url;
  }, [url]);
  useLayoutEffect(() => {
    const absolute = new URL(urlRef.current, window.location.href).href;
    const entries = performance.getEntriesByName(absolute, "resource") as PerformanceResourceTiming[];
    const entry = entries[entries.length - 1];
    const now = performance.now();
    // An entry older than a few seconds belongs to an earlier load of the same URL (the buffer may be full).
    const start = entry !== undefined && now - entry.responseEnd < 10_000 ? entry.responseEnd : now;
    let timer: number | undefined;
    const frame = requestAnimationFrame(() => {
      timer = window.setTimeout(() => {
        document.body.dataset["overviewRenderedMs"] = String(Math.round(performance.now() - start));
      }, 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [data]);
}

function NoProfiles({ projectId }: { readonly projectId: string }) {
  return (
    <EmptyState title="No profiles in this window">
      Pick a longer range, or upload profiles:{" "}
      <code className="wrap-anywhere">
        sightglass upload &lt;files&gt; --server {window.location.origin} --project {projectId}
      </code>{" "}
      (or POST them to <code className="wrap-anywhere">/api/v1/projects/{projectId}/profiles</code>).
    </EmptyState>
  );
}

function Stats({ overview, counts }: { readonly overview: Overview; readonly counts: OverviewCounts }) {
  return (
    <div className="stats" role="group" aria-label="Window summary">
      <div className="stat" data-testid="stat-rows">
        <div className="value">{formatCount(overview.rowCount)}</div>
        <div className="label">
          rows in window ({overview.bucketCount} {overview.bucketCount === 1 ? "bucket" : "buckets"})
        </div>
      </div>
      <div className="stat" data-testid="stat-columns">
        <div className="value">{formatCount(overview.columns.length)}</div>
        <div className="label">columns</div>
      </div>
      <div className={counts.drift > 0 ? "stat ov-stat-alarm" : "stat"} data-testid="stat-drifting">
        <div className="value">{formatCount(counts.drift)}</div>
        <div className="label">
          columns drifting{counts.possible_drift > 0 ? ` (+${counts.possible_drift} possible)` : ""}
        </div>
      </div>
      <div className={counts.openAnomalies > 0 ? "stat ov-stat-alarm" : "stat"} data-testid="stat-anomalies">
        <div className="value">{formatCount(counts.openAnomalies)}</div>
        <div className="label">open anomalies</div>
      </div>
    </div>
  );
}

function BaselineNote({ overview }: { readonly overview: Overview }) {
  const b = overview.baseline;
  if (b === null) {
    return (
      <div className="card ov-baseline ov-baseline-missing" role="note" data-testid="baseline">
        <strong>Drift is not scored: there is no baseline.</strong>{" "}
        <span className="wrap-anywhere">{overview.baselineReason ?? "The baseline has no data."}</span>
        <div className="small">
          Pick a reference profile under “Baseline”, or a window whose previous period has data.
        </div>
      </div>
    );
  }
  return (
    <p className="muted ov-baseline" data-testid="baseline">
      Compared with{" "}
      {b.kind === "range" ? (
        <>
          the previous period, <strong>{formatRange(b.start, b.end)}</strong>
        </>
      ) : (
        <>
          the reference profile <strong className="wrap-anywhere">“{b.name}”</strong>
        </>
      )}
      .
    </p>
  );
}

function StatusFilter({
  show,
  counts,
  onChange,
}: {
  readonly show: ViewState["show"];
  readonly counts: OverviewCounts;
  readonly onChange: (show: ViewState["show"]) => void;
}) {
  return (
    <div className="picker" role="group" aria-label="Show columns">
      {SHOW_FILTERS.map((f) => (
        <button
          key={f}
          type="button"
          className={show === f ? "toggle active" : "toggle"}
          aria-pressed={show === f}
          data-show={f}
          onClick={() => onChange(f)}
        >
          {SHOW_LABELS[f]} <span className="muted">({formatCount(counts[f])})</span>
        </button>
      ))}
    </div>
  );
}

/**
 * The search box keeps its own text, so typing stays instant while the URL's `q` (updated in a transition)
 * catches up; the parent remounts it (key) when it clears the search itself, and back/forward reread the URL.
 */
function SearchBox({ value, onChange }: { readonly value: string; readonly onChange: (q: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => {
    const reread = () => setText(new URLSearchParams(window.location.search).get("q") ?? "");
    window.addEventListener("popstate", reread);
    return () => window.removeEventListener("popstate", reread);
  }, []);
  return (
    <label className="search">
      <span className="visually-hidden">Search columns</span>
      <input
        type="search"
        placeholder="Search columns…"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          onChange(e.target.value);
        }}
      />
    </label>
  );
}

function OverviewBody({
  overview,
  url,
  projectId,
  projectName,
}: {
  readonly overview: Overview;
  readonly url: string;
  readonly projectId: string;
  readonly projectName: string;
}) {
  const [params, setParams] = useSearchParams();
  const view = viewStateOf(params);
  const counts = useMemo(() => countsOf(overview.columns), [overview]);
  const shown = useMemo(
    () => visibleColumns(overview.columns, view),
    // The view is rebuilt from the URL each render; its fields are what matter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [overview, view.q, view.show, view.sort, view.dir],
  );
  const [searchKey, setSearchKey] = useState(0);
  useRenderTiming(url, overview);

  const update = (changes: Record<string, string | null>) =>
    setParams(withParams(params, changes), { replace: true });
  const onSort = (key: SortKey) => {
    const dir = key === view.sort ? (view.dir === "asc" ? "desc" : "asc") : DEFAULT_DIR[key];
    setParams(withParams(params, { sort: key, dir }));
  };

  if (overview.columns.length === 0) {
    return <NoProfiles projectId={projectId} />;
  }
  return (
    <>
      <Stats overview={overview} counts={counts} />
      <BaselineNote overview={overview} />
      <div className="toolbar ov-filters">
        <SearchBox key={searchKey} value={view.q} onChange={(q) => update({ q })} />
        <StatusFilter
          show={view.show}
          counts={counts}
          onChange={(show) => setParams(withParams(params, { show: show === "all" ? null : show }))}
        />
      </div>
      <p className="muted small" aria-live="polite" data-testid="overview-count">
        {shown.length === overview.columns.length
          ? `${formatCount(shown.length)} columns`
          : `${formatCount(shown.length)} of ${formatCount(overview.columns.length)} columns shown`}
        <span id="ov-table-help"> · Up and Down arrows move between rows.</span>
      </p>
      {shown.length === 0 ? (
        <EmptyState title="No column matches">
          {view.q !== "" ? (
            <>
              No column name contains “<span className="wrap-anywhere">{view.q}</span>”
              {view.show !== "all" ? ` among “${SHOW_LABELS[view.show]}”` : ""}.{" "}
            </>
          ) : (
            <>No column is in “{SHOW_LABELS[view.show]}”. </>
          )}
          <button
            type="button"
            onClick={() => {
              update({ q: null, show: null });
              setSearchKey((k) => k + 1);
            }}
          >
            Show all columns
          </button>
        </EmptyState>
      ) : (
        <OverviewTable
          columns={shown}
          total={overview.columns.length}
          projectId={projectId}
          linkSearch={sharedParams(params)}
          sort={view.sort}
          dir={view.dir}
          onSort={onSort}
          label={`Columns of ${projectName}`}
          noBaseline={overview.baseline === null}
        />
      )}
    </>
  );
}

export function OverviewPage() {
  const { project } = useProject();
  const [params] = useSearchParams();
  const win = windowOf(params);
  const segment = params.get("segment") ?? "";
  const path = `/api/v1/projects/${enc(project.id)}/overview`;
  const query = { start: win.start, end: win.end, segment, ...baselineQuery(params) };
  const { result, reload } = useApi<Overview>(path, query);
  const url = withQuery(path, query);
  // A new window's timing replaces the last one only once it is painted; until then there is none to read.
  useEffect(() => {
    delete document.body.dataset["overviewRenderedMs"];
  }, [url]);
  return (
    <section aria-labelledby="overview-title" className="ov-page">
      <div className="page-header">
        <h2 id="overview-title">
          Overview <span className="muted small">{formatRange(win.start, win.end)}</span>
        </h2>
      </div>
      <div className="toolbar">
        <TimeRangePicker />
        <SegmentSelect projectId={project.id} />
        <BaselineSelect projectId={project.id} />
      </div>
      <div aria-busy={result.state === "loading"}>
        {result.state === "loading" ? (
          <Loading what="Loading columns" />
        ) : result.state === "error" ? (
          isNoProfiles(result.error) ? (
            <NoProfiles projectId={project.id} />
          ) : (
            <ErrorView error={result.error} onRetry={reload} />
          )
        ) : (
          <OverviewBody overview={result.data} url={url} projectId={project.id} projectName={project.name} />
        )}
      </div>
    </section>
  );
}
