// Everything about one column over the window: per-bucket trends (volume, nulls, mean with quantile bands,
// distinct values, drift monitor results), the distribution of a selected bucket or the whole window over its
// baseline with the drift result and summary statistics, and the column's open anomalies.
import { useEffect, useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { api, enc } from "../api/client";
import { useApi } from "../api/hooks";
import type { Loadable } from "../api/hooks";
import type { Distribution, DistributionSide } from "../api/types";
import { Chart } from "../components/Chart";
import type { ChartOption } from "../components/Chart";
import { sharedParams, useProject } from "../components/Layout";
import { BaselineSelect, SegmentSelect, TimeRangePicker, baselineQuery } from "../components/Pickers";
import { EmptyState, ErrorView, Load, Loading } from "../components/States";
import { driftLabel, formatCount, formatNumber, formatPercent, formatRange, formatTime } from "../lib/format";
import { bucketMs, parseInstant, windowOf, withParams } from "../lib/time";
import { useSession } from "../session";
import {
  countOption,
  distinctOption,
  distributionOption,
  driftOption,
  isPValue,
  meanOption,
  nullRatioOption,
  timeAtX,
} from "./column-charts";
import type { DriftSeries, Span, TimeContext } from "./column-charts";
import { METRICS, bucketTable, useEvaluations, useTimedApi } from "./column-data";
import type { Anomaly, BucketTable, Evaluation, Monitor, Timed, TimeseriesAnswer } from "./column-data";
import "./ColumnPage.css";

const METRIC_LIST = Object.values(METRICS).join(",");
const iso = (t: number) => new Date(t).toISOString();

/** The bucket chosen by clicking a chart (`selStart`/`selEnd`), or null for the whole window. */
function selectionOf(params: URLSearchParams, window: Span): Span | null {
  const start = parseInstant(params.get("selStart"));
  const end = parseInstant(params.get("selEnd"));
  if (start === null || end === null || end <= start) return null;
  // A selection left over from another window means nothing here.
  if (start < window.start || start >= window.end) return null;
  return { start, end };
}

export function ColumnPage() {
  const { project } = useProject();
  const { column = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const w = windowOf(params);
  const window = useMemo(() => ({ start: w.start, end: w.end }), [w.start, w.end]);
  const segment = params.get("segment") ?? "";
  const bucket = bucketMs(project.frequency);
  const sel = selectionOf(params, window);
  const selStart = sel?.start ?? null;
  const selEnd = sel?.end ?? null;
  const selected = useMemo(
    () => (selStart === null || selEnd === null ? null : { start: selStart, end: selEnd }),
    [selStart, selEnd],
  );
  const base = `/api/v1/projects/${enc(project.id)}`;

  const series = useTimedApi<TimeseriesAnswer>(`${base}/timeseries`, {
    start: window.start,
    end: window.end,
    // `column` is taken exactly as given (`columns` is split on commas and trimmed).
    column,
    metrics: METRIC_LIST,
    segment: segment === "" ? undefined : segment,
  });
  const table = useMemo(
    () =>
      series.result.state === "ready" ? bucketTable(series.result.data.data, column, bucket) : undefined,
    [series.result, column, bucket],
  );
  const anomalies = useApi<{ anomalies: Anomaly[] }>(`${base}/anomalies`, { column, limit: 500 });
  const monitors = useApi<{ monitors: Monitor[] }>(`${base}/monitors`);

  const select = (span: Span | null) =>
    setParams(
      withParams(params, {
        selStart: span === null ? null : iso(span.start),
        selEnd: span === null ? null : iso(span.end),
      }),
    );

  const overview = `/projects/${enc(project.id)}${sharedParams(params)}`;
  return (
    <section aria-labelledby="column-title" className="column-page">
      <div className="page-header">
        <h2 id="column-title" className="column-title">
          <span className="muted small">Column</span> <span className="wrap-anywhere">{column}</span>
        </h2>
        <Link to={overview}>← All columns (overview)</Link>
      </div>
      <div className="toolbar">
        <TimeRangePicker />
        <SegmentSelect projectId={project.id} />
        <BaselineSelect projectId={project.id} />
      </div>

      <h3>Over time</h3>
      <TrendCharts
        projectId={project.id}
        column={column}
        result={series.result}
        reload={series.reload}
        table={table}
        window={window}
        segment={segment}
        selected={selected}
        bucket={bucket}
        anomalies={anomalies.result}
        monitors={monitors.result}
        reloadMonitors={monitors.reload}
        onSelect={select}
        monitorsLink={`/projects/${enc(project.id)}/monitors${sharedParams(params)}`}
      />

      <SelectionBar
        window={window}
        selected={selected}
        table={table ?? null}
        bucket={bucket}
        onSelect={select}
      />
      <DistributionSection
        base={base}
        column={column}
        span={selected ?? window}
        segment={segment}
        baseline={baselineQuery(params)}
      />

      <AnomalyList
        base={base}
        column={column}
        organizationId={project.organizationId}
        result={anomalies.result}
        reload={anomalies.reload}
        monitors={monitors.result}
        bucket={bucket}
      />
    </section>
  );
}

function TrendCharts({
  projectId,
  column,
  result,
  reload,
  table,
  window,
  segment,
  selected,
  bucket,
  anomalies,
  monitors,
  reloadMonitors,
  onSelect,
  monitorsLink,
}: {
  readonly projectId: string;
  readonly column: string;
  readonly result: Loadable<Timed<TimeseriesAnswer>>;
  readonly reload: () => void;
  readonly table: BucketTable | null | undefined;
  readonly window: Span;
  readonly segment: string;
  readonly selected: Span | null;
  readonly bucket: number;
  readonly anomalies: Loadable<{ anomalies: Anomaly[] }>;
  readonly monitors: Loadable<{ monitors: Monitor[] }>;
  readonly reloadMonitors: () => void;
  readonly onSelect: (span: Span) => void;
  readonly monitorsLink: string;
}) {
  // Time from the answer to the charts on screen, for the browser performance test.
  useEffect(() => {
    if (result.state !== "ready") {
      delete document.body.dataset["columnRenderedMs"];
      return;
    }
    const received = result.data.receivedAt;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      // The frame callback runs just before paint; a task queued from it runs just after.
      timer = setTimeout(() => {
        document.body.dataset["columnRenderedMs"] = String(Math.round(performance.now() - received));
      }, 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [result]);

  const spans = useMemo<Span[]>(() => {
    if (anomalies.state !== "ready") return [];
    return anomalies.data.anomalies
      .filter(
        (a) => a.segment === segment && a.lastBucket + bucket > window.start && a.firstBucket < window.end,
      )
      .map((a) => ({ start: a.firstBucket, end: a.lastBucket + bucket }));
  }, [anomalies, segment, bucket, window]);

  const ctx = useMemo<TimeContext | null>(
    () => (table ? { window, table, anomalies: spans, selected } : null),
    [table, window, spans, selected],
  );
  // One text per chart: ECharts' aria feature writes the option's description over the Chart's label.
  const labels = useMemo(() => {
    const name = `column ${column}`;
    const note = spans.length > 0 ? ` Red areas: ${spans.length} anomaly incident(s).` : "";
    return {
      count: `Rows per bucket of ${name}.${note}`,
      nulls: `Share of null values per bucket of ${name}.`,
      mean: `Mean per bucket of ${name} with p5–p95 (light) and p25–p75 (dark) bands.${note}`,
      distinct: `Estimated distinct values per bucket of ${name}.`,
    };
  }, [column, spans]);
  const options = useMemo(() => {
    if (ctx === null) return null;
    return {
      count: countOption(ctx, labels.count),
      nulls: nullRatioOption(ctx, labels.nulls),
      mean: ctx.table.numeric ? meanOption(ctx, labels.mean) : null,
      distinct: distinctOption(ctx, labels.distinct),
    };
  }, [ctx, labels]);

  // The bucket with data nearest to the clicked time (a click in a gap picks a neighbour).
  const onPick = (time: number) => {
    const times = table?.t ?? [];
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! <= time) lo = mid + 1;
      else hi = mid;
    }
    const before = times[lo - 1];
    const after = times[lo];
    const t =
      before !== undefined && (time < before + bucket || after === undefined || after - time > time - before)
        ? before
        : after;
    if (t !== undefined) onSelect({ start: t, end: t + bucket });
  };

  if (result.state === "loading") return <Loading what="Loading the column's time series" />;
  if (result.state === "error") return <ErrorView error={result.error} onRetry={reload} />;
  if (ctx === null || options === null) {
    return (
      <EmptyState title="This column has no data in this window">
        No profile in the selected time range{segment !== "" ? " and segment" : ""} has this column. Choose a
        longer time range or another segment, or check the column on the overview.
      </EmptyState>
    );
  }
  const shared = { window, onPick };
  return (
    <div className="column-charts">
      <TimeFigure
        title="Rows per bucket"
        option={options.count}
        label={labels.count}
        testId="chart-count"
        {...shared}
      />
      <TimeFigure
        title="Null ratio"
        option={options.nulls}
        label={labels.nulls}
        testId="chart-null-ratio"
        {...shared}
      />
      {options.mean !== null ? (
        <TimeFigure
          title="Mean with quantile bands"
          note="dark band p25–p75, light band p5–p95"
          wide
          height={260}
          option={options.mean}
          label={labels.mean}
          testId="chart-mean"
          {...shared}
        />
      ) : null}
      <TimeFigure
        title="Distinct values (estimate)"
        option={options.distinct}
        label={labels.distinct}
        testId="chart-distinct"
        {...shared}
      />
      <DriftChart
        projectId={projectId}
        column={column}
        ctx={ctx}
        segment={segment}
        monitors={monitors}
        reloadMonitors={reloadMonitors}
        onPick={onPick}
        monitorsLink={monitorsLink}
      />
    </div>
  );
}

/** One per-bucket chart in its card: title, optional note, the chart. */
function TimeFigure({
  title,
  note,
  wide = false,
  height = 210,
  ...chart
}: {
  readonly title: string;
  readonly note?: string;
  readonly wide?: boolean;
  readonly height?: number;
  readonly window: Span;
  readonly onPick: (time: number) => void;
  readonly option: ChartOption;
  readonly label: string;
  readonly testId: string;
}) {
  return (
    <figure className={wide ? "card column-chart column-chart-wide" : "card column-chart"}>
      <figcaption>
        <h4>{title}</h4>
        {note !== undefined ? <span className="muted small">{note}</span> : null}
      </figcaption>
      <TimeChart {...chart} height={height} />
    </figure>
  );
}

/**
 * A per-bucket chart whose plot area selects the bucket under a click. Mouse only: the selection bar's
 * previous/next buttons do the same from the keyboard.
 */
function TimeChart({
  window,
  onPick,
  ...chart
}: {
  readonly window: Span;
  readonly onPick: (time: number) => void;
  readonly option: ChartOption;
  readonly label: string;
  readonly testId: string;
  readonly height: number;
}) {
  return (
    <div
      className="time-chart"
      onClick={(event) => {
        const box = event.currentTarget.getBoundingClientRect();
        const time = timeAtX(event.clientX - box.left, box.width, window);
        if (time !== null) onPick(time);
      }}
    >
      <Chart {...chart} />
    </div>
  );
}

function DriftChart({
  projectId,
  column,
  ctx,
  segment,
  monitors,
  reloadMonitors,
  onPick,
  monitorsLink,
}: {
  readonly projectId: string;
  readonly column: string;
  readonly ctx: TimeContext;
  readonly segment: string;
  readonly monitors: Loadable<{ monitors: Monitor[] }>;
  readonly reloadMonitors: () => void;
  readonly onPick: (time: number) => void;
  readonly monitorsLink: string;
}) {
  const drift = useMemo(
    () =>
      monitors.state === "ready"
        ? monitors.data.monitors.filter((m) => m.config.analyzer.type === "drift")
        : null,
    [monitors],
  );
  const ids = useMemo(() => (drift === null ? null : drift.map((m) => m.id)), [drift]);
  const evaluations = useEvaluations(projectId, ids, {
    column,
    start: ctx.window.start,
    end: ctx.window.end,
    segment,
  });
  const series = useMemo<DriftSeries[]>(() => {
    if (evaluations.result.state !== "ready" || drift === null) return [];
    const byMonitor = new Map<string, Evaluation[]>();
    for (const e of evaluations.result.data) {
      const list = byMonitor.get(e.monitorId) ?? [];
      list.push(e);
      byMonitor.set(e.monitorId, list);
    }
    return drift
      .filter((m) => byMonitor.has(m.id))
      .map((m) => ({ monitorName: m.name, evaluations: byMonitor.get(m.id)! }));
  }, [evaluations.result, drift]);
  const anomalous = useMemo(
    () =>
      series
        .flatMap((s) => s.evaluations.filter((e) => e.anomaly).map((e) => ({ e, monitor: s.monitorName })))
        .sort((a, b) => b.e.bucketStart - a.e.bucketStart),
    [series],
  );
  const label = useMemo(() => {
    const log = isPValue(series.flatMap((s) => s.evaluations));
    return `Drift monitor results per bucket of column ${column}: ${log ? "minus log10 of the p-value" : "distance"}, anomalous above the dashed threshold; ${anomalous.length} anomalous bucket(s), marked with red points.`;
  }, [series, anomalous, column]);
  const option = useMemo(
    () => (series.length === 0 ? null : driftOption(ctx, series, label)),
    [ctx, series, label],
  );
  // Evaluations without a value (no baseline yet, too few values) say why in their summary.
  const unjudged = useMemo(() => {
    const all = series.flatMap((s) => s.evaluations);
    if (all.length === 0 || all.some((e) => e.value !== null)) return null;
    return all.reduce((a, b) => (b.bucketStart > a.bucketStart ? b : a));
  }, [series]);

  let body;
  if (monitors.state === "error") body = <ErrorView error={monitors.error} onRetry={reloadMonitors} />;
  else if (evaluations.result.state === "error")
    body = <ErrorView error={evaluations.result.error} onRetry={evaluations.reload} />;
  else if (monitors.state === "loading" || evaluations.result.state === "loading")
    body = <Loading what="Loading drift monitor results" />;
  else if (option === null) {
    body = (
      <EmptyState title="Monitors have not evaluated this column in this window">
        {drift !== null && drift.length === 0 ? "The project has no drift monitor. " : ""}
        Add or enable a drift monitor covering this column, or run one over past data, on the{" "}
        <Link to={monitorsLink}>Monitors tab</Link>.
      </EmptyState>
    );
  } else if (unjudged !== null) {
    body = (
      <EmptyState title="The drift monitor has no score for this column in this window">
        <p className="wrap-anywhere">
          Latest result ({formatTime(unjudged.bucketStart)}): {unjudged.summary}
        </p>
        See the monitor on the <Link to={monitorsLink}>Monitors tab</Link>.
      </EmptyState>
    );
  } else {
    body = (
      <>
        <div data-testid="drift-chart" data-anomalies={anomalous.length}>
          <TimeChart
            window={ctx.window}
            option={option}
            label={label}
            testId="chart-drift"
            height={240}
            onPick={onPick}
          />
        </div>
        {anomalous.length === 0 ? (
          <p className="muted small" data-testid="drift-anomalies">
            No anomalous bucket in this window.
          </p>
        ) : (
          <details className="drift-anomalies" open={anomalous.length <= 5}>
            <summary>
              {anomalous.length} anomalous bucket{anomalous.length === 1 ? "" : "s"}
            </summary>
            <ul data-testid="drift-anomalies">
              {anomalous.slice(0, 50).map(({ e, monitor }) => (
                <li key={e.id} data-bucket={e.bucketStart}>
                  <button type="button" className="link-button" onClick={() => onPick(e.bucketStart)}>
                    {formatTime(e.bucketStart)}
                  </button>{" "}
                  <span className="wrap-anywhere">
                    {monitor}: {e.metric} {formatNumber(e.value)}
                  </span>
                </li>
              ))}
            </ul>
          </details>
        )}
      </>
    );
  }
  return (
    <figure className="card column-chart">
      <figcaption>
        <h4>Drift per bucket</h4>
        <span className="muted small">drift monitor score vs its threshold; red points are anomalies</span>
      </figcaption>
      {body}
    </figure>
  );
}

function SelectionBar({
  window,
  selected,
  table,
  bucket,
  onSelect,
}: {
  readonly window: Span;
  readonly selected: Span | null;
  readonly table: BucketTable | null;
  readonly bucket: number;
  readonly onSelect: (span: Span | null) => void;
}) {
  const times = table?.t ?? [];
  const index = selected === null ? -1 : times.findIndex((t) => t >= selected.start);
  const go = (i: number) => {
    const t = times[i];
    if (t !== undefined) onSelect({ start: t, end: t + bucket });
  };
  return (
    <div className="selection-bar card" role="group" aria-labelledby="selection-title">
      <h3 id="selection-title">Distribution</h3>
      <p aria-live="polite" className="selection-text" data-testid="selected-window">
        {selected === null ? "Whole window" : "Selected bucket"}:{" "}
        <strong>{formatRange(selected?.start ?? window.start, selected?.end ?? window.end)}</strong>
        <span className="muted small"> — click a bucket in any chart above to select it</span>
      </p>
      <div className="selection-buttons">
        <button
          type="button"
          disabled={times.length === 0 || index === 0}
          onClick={() => go(index === -1 ? times.length - 1 : index - 1)}
        >
          ← Previous bucket
        </button>
        <button
          type="button"
          disabled={times.length === 0 || (index !== -1 && index >= times.length - 1)}
          onClick={() => go(index === -1 ? 0 : index + 1)}
        >
          Next bucket →
        </button>
        <button type="button" disabled={selected === null} onClick={() => onSelect(null)}>
          Whole window
        </button>
      </div>
    </div>
  );
}

function DistributionSection({
  base,
  column,
  span,
  segment,
  baseline,
}: {
  readonly base: string;
  readonly column: string;
  readonly span: Span;
  readonly segment: string;
  readonly baseline: Record<string, string>;
}) {
  const { result, reload } = useApi<Distribution>(`${base}/distribution`, {
    column,
    start: span.start,
    end: span.end,
    segment: segment === "" ? undefined : segment,
    bins: 30,
    ...baseline,
  });
  return (
    <Load result={result} onRetry={reload} what="Loading the distribution">
      {(d) => <DistributionView d={d} column={column} />}
    </Load>
  );
}

function baselineText(d: Distribution): string {
  const b = d.baselineRange;
  if (b === null) return "none";
  return b.kind === "reference" ? `reference “${b.name}”` : formatRange(b.start, b.end);
}

function DistributionView({ d, column }: { readonly d: Distribution; readonly column: string }) {
  const label =
    d.kind === "numeric"
      ? `Histogram of column ${column}: selected window (blue) vs baseline (grey), share of values per bin`
      : `Most frequent values of column ${column}: selected window (blue) vs baseline (grey), share of non-null values`;
  const chart = useMemo(
    () =>
      d.kind === null || (d.kind === "numeric" ? d.histogram === null : (d.topItems ?? []).length === 0)
        ? null
        : distributionOption(d, label),
    [d, label],
  );
  return (
    <>
      <div className="column-dist">
        <figure className="card column-chart" data-kind={d.kind ?? "none"}>
          <figcaption>
            <h4>{d.kind === "numeric" ? "Histogram" : "Top values"}: selected window vs baseline</h4>
          </figcaption>
          {chart === null ? (
            <EmptyState title="No distribution to draw">
              {d.kind === null
                ? "The column has no values in this window (only nulls). Choose another window."
                : "No frequent values were recorded for this column in this window."}
            </EmptyState>
          ) : (
            <Chart option={chart.option} height={chart.height} label={label} testId="chart-distribution" />
          )}
          {chart !== null ? <DistributionTable d={d} /> : null}
        </figure>
        <aside
          className="card column-drift"
          aria-labelledby="drift-result-title"
          data-testid="distribution-drift"
        >
          <h4 id="drift-result-title">Drift vs baseline</h4>
          {d.drift !== null ? (
            <dl>
              <dt>Result</dt>
              <dd>
                <span className={`badge badge-${d.drift.category}`} data-testid="drift-category">
                  {driftLabel(d.drift.category)}
                </span>
              </dd>
              <dt>Statistic</dt>
              <dd>
                {formatNumber(d.drift.statistic)} ± {formatNumber(d.drift.bound, 2)}
              </dd>
              <dt>Method</dt>
              <dd>{d.drift.method}</dd>
              <dt>p-value</dt>
              <dd>{d.drift.pValue === null ? "—" : formatNumber(d.drift.pValue, 3)}</dd>
              <dt>Baseline</dt>
              <dd className="wrap-anywhere">{baselineText(d)}</dd>
            </dl>
          ) : (
            <>
              <p className="wrap-anywhere">{d.driftReason ?? "No drift result."}</p>
              <p className="muted small wrap-anywhere">Baseline: {baselineText(d)}</p>
            </>
          )}
        </aside>
      </div>
      <SummaryTable target={d.target} baseline={d.baseline} />
    </>
  );
}

/** The chart's numbers as a table: for screen readers, and for category values too long for a label. */
function DistributionTable({ d }: { readonly d: Distribution }) {
  const share = (v: number | null | undefined) => (v === null || v === undefined ? "—" : formatPercent(v, 2));
  const rows: { key: string; label: string; target: number; baseline: number | null | undefined }[] =
    d.kind === "numeric" && d.histogram !== null
      ? d.histogram.target.map((target, i, all) => ({
          key: String(i),
          label: `${formatNumber(d.histogram!.edges[i])} to ${formatNumber(d.histogram!.edges[i + 1])}${i === all.length - 1 ? " (inclusive)" : ""}`,
          target,
          baseline: d.histogram!.baseline?.[i],
        }))
      : (d.topItems ?? []).map((item, i) => ({
          key: String(i),
          label: item.value,
          target: item.target,
          baseline: item.baseline,
        }));
  return (
    <details className="distribution-table">
      <summary>Show the values as a table</summary>
      <table className="table" data-testid="distribution-table">
        <thead>
          <tr>
            <th scope="col">{d.kind === "numeric" ? "Bin" : "Value"}</th>
            <th scope="col" className="num">
              Selected window
            </th>
            <th scope="col" className="num">
              Baseline
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td className="wrap-anywhere distribution-value">
                {r.label.length > 300 ? (
                  <div
                    className="long-value"
                    tabIndex={0}
                    aria-label={`Value of ${r.label.length} characters`}
                  >
                    {r.label}
                  </div>
                ) : (
                  r.label
                )}
              </td>
              <td className="num">{share(r.target)}</td>
              <td className="num">{share(r.baseline)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

const QUANTILE_ROWS = [
  ["p1", "0.01"],
  ["p5", "0.05"],
  ["p25", "0.25"],
  ["p50 (median)", "0.5"],
  ["p75", "0.75"],
  ["p95", "0.95"],
  ["p99", "0.99"],
] as const;

function SummaryTable({
  target,
  baseline,
}: {
  readonly target: DistributionSide;
  readonly baseline: DistributionSide | null;
}) {
  const nullShare = (s: DistributionSide) => (s.count === 0 ? null : s.nullCount / s.count);
  const numeric = target.quantiles !== null || (baseline !== null && baseline.quantiles !== null);
  const rows: (readonly [string, (s: DistributionSide) => string])[] = [
    ["Count", (s) => formatCount(s.count)],
    ["Nulls", (s) => formatCount(s.nullCount)],
    ["Null %", (s) => formatPercent(nullShare(s), 2)],
    ["Inferred type", (s) => s.inferredType],
    ["Distinct (estimate)", (s) => formatNumber(s.distinct)],
  ];
  const numericRows: (readonly [string, (s: DistributionSide) => string])[] = [
    ["Mean", (s) => formatNumber(s.mean)],
    ["Standard deviation", (s) => formatNumber(s.stddev)],
    ["Min", (s) => formatNumber(s.min)],
    ...QUANTILE_ROWS.map(
      ([name, key]) => [name, (s: DistributionSide) => formatNumber(s.quantiles?.[key] ?? null)] as const,
    ),
    ["Max", (s) => formatNumber(s.max)],
  ];
  return (
    <div className="card">
      <table className="table column-summary" data-testid="column-summary">
        <caption>Summary statistics: selected window vs baseline</caption>
        <thead>
          <tr>
            <th scope="col">Statistic</th>
            <th scope="col" className="num">
              Selected window
            </th>
            <th scope="col" className="num">
              Baseline
            </th>
          </tr>
        </thead>
        <tbody>
          {(numeric ? [...rows, ...numericRows] : rows).map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td className="num">{value(target)}</td>
              <td className="num">{baseline === null ? "—" : value(baseline)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {numeric ? null : (
        <p className="muted small">
          No numeric values on either side: mean, spread and quantiles do not apply.
        </p>
      )}
    </div>
  );
}

function AnomalyList({
  base,
  column,
  organizationId,
  result,
  reload,
  monitors,
  bucket,
}: {
  readonly base: string;
  readonly column: string;
  readonly organizationId: string;
  readonly result: Loadable<{ anomalies: Anomaly[] }>;
  readonly reload: () => void;
  readonly monitors: Loadable<{ monitors: Monitor[] }>;
  readonly bucket: number;
}) {
  const { organization } = useSession();
  const role = organization(organizationId)?.role;
  const canChange = role === "admin" || role === "member";
  const [status, setStatus] = useState("");
  const [failure, setFailure] = useState<Error | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const active = useMemo(
    () => (result.state === "ready" ? result.data.anomalies.filter((a) => a.state !== "resolved") : []),
    [result],
  );
  // The value behind each incident is its last evaluation's; one request fetches them all.
  const range =
    active.length === 0
      ? null
      : {
          start: Math.min(...active.map((a) => a.lastBucket)),
          end: Math.max(...active.map((a) => a.lastBucket)) + bucket,
        };
  const values = useApi<{ evaluations: Evaluation[] }>(
    range === null ? null : `${base}/evaluations`,
    range === null ? undefined : { column, anomaly: true, start: range.start, end: range.end, limit: 5000 },
  );
  const valueById = useMemo(
    () =>
      new Map(
        values.result.state === "ready" ? values.result.data.evaluations.map((e) => [e.id, e] as const) : [],
      ),
    [values.result],
  );
  const monitorName = (id: string) =>
    monitors.state === "ready" ? (monitors.data.monitors.find((m) => m.id === id)?.name ?? id) : id;

  async function act(anomaly: Anomaly, action: "acknowledge" | "resolve") {
    setBusy(anomaly.id);
    setFailure(null);
    try {
      await api.post(`${base}/anomalies/${enc(anomaly.id)}/${action}`);
      setStatus(
        `${action === "acknowledge" ? "Acknowledged" : "Resolved"} the ${monitorName(anomaly.monitorId)} anomaly.`,
      );
      reload();
    } catch (e) {
      setFailure(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section aria-labelledby="anomalies-title">
      <h3 id="anomalies-title">Open anomalies of this column</h3>
      <p className="visually-hidden" aria-live="polite">
        {status}
      </p>
      {failure !== null ? <ErrorView error={failure} /> : null}
      <Load result={result} onRetry={reload} what="Loading anomalies">
        {() =>
          active.length === 0 ? (
            <EmptyState title="No open anomalies for this column">
              Monitors open an anomaly when a bucket breaks their rule; resolved ones are on the Anomalies
              tab.
            </EmptyState>
          ) : (
            <table className="table" data-testid="column-anomalies">
              <thead>
                <tr>
                  <th scope="col">Monitor</th>
                  <th scope="col">Severity</th>
                  <th scope="col">State</th>
                  <th scope="col">Window</th>
                  <th scope="col" className="num">
                    Value
                  </th>
                  <th scope="col">Summary</th>
                  {canChange ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {active.map((a) => {
                  const e = valueById.get(a.lastEvaluationId);
                  const name = monitorName(a.monitorId);
                  return (
                    <tr key={a.id} data-anomaly-id={a.id}>
                      <td className="wrap-anywhere">
                        {name}
                        {a.segment !== "" ? <div className="muted small">segment {a.segment}</div> : null}
                      </td>
                      <td>
                        <span className={`badge badge-${a.severity}`}>{a.severity}</span>
                      </td>
                      <td>{a.state}</td>
                      <td>
                        {formatRange(a.firstBucket, a.lastBucket + bucket)}
                        <div className="muted small">
                          {a.bucketCount} bucket{a.bucketCount === 1 ? "" : "s"}
                        </div>
                      </td>
                      <td className="num">
                        {e === undefined ? "—" : `${e.metric} ${formatNumber(e.value)}`}
                      </td>
                      <td className="wrap-anywhere small">{a.summary}</td>
                      {canChange ? (
                        <td className="anomaly-actions">
                          {a.state === "open" ? (
                            <button
                              type="button"
                              disabled={busy === a.id}
                              aria-label={`Acknowledge the ${name} anomaly of ${formatTime(a.firstBucket)}`}
                              onClick={() => void act(a, "acknowledge")}
                            >
                              Acknowledge
                            </button>
                          ) : null}
                          <button
                            type="button"
                            disabled={busy === a.id}
                            aria-label={`Resolve the ${name} anomaly of ${formatTime(a.firstBucket)}`}
                            onClick={() => void act(a, "resolve")}
                          >
                            Resolve
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </Load>
    </section>
  );
}
