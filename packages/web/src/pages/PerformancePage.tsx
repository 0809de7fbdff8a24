// Model quality over time: the realized metric where labels have arrived and, where they have not, a CBPE
// estimate with its interval, next to the share of rows labeled so far — so a gap in labels reads as "not known
// yet" rather than "fine".
import { useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import type { TooltipComponentFormatterCallbackParams } from "echarts";
import { enc } from "../api/client";
import { useApi } from "../api/hooks";
import { Chart, COLORS } from "../components/Chart";
import type { ChartOption } from "../components/Chart";
import { useProject } from "../components/Layout";
import { DateRangeForm, SegmentSelect, TimeRangePicker } from "../components/Pickers";
import { EmptyState, ErrorView, Loading } from "../components/States";
import { formatCount, formatNumber, formatPercent, formatRange, formatTime } from "../lib/format";
import { bucketMs, parseInstant, windowOf, withParams } from "../lib/time";
import type { Window } from "../lib/time";
import { ConfidenceSelect, confidenceLabel, confidenceOf, inSentence } from "./performance-common";
import { escapeHtml } from "../lib/text";
import { bucketPoints, metricsFor, summarize, taskOf } from "./performance-model";
import type {
  BucketPoint,
  BucketsAnswer,
  MetricDef,
  PerformanceAnswer,
  PerformanceSummary,
} from "./performance-model";
import "./PerformancePage.css";

const DAY = 86_400_000;
const DEFAULT_BASELINE_DAYS = 7;

interface ReferencesAnswer {
  readonly references: readonly { readonly name: string }[];
}

interface BaselineChoice {
  /** Query parameters of the performance request; null while the default is still being worked out. */
  readonly query: Record<string, string> | null;
  readonly description: string;
}

/**
 * What CBPE calibrates on (`perfRef`, or `perfBaselineStart` + `perfBaselineEnd`): by default the first week of
 * the project's data, which predates label delays and is what the model was deployed against.
 */
function useBaseline(
  projectId: string,
  params: URLSearchParams,
  window: Window,
  step: number,
): BaselineChoice {
  const ref = params.get("perfRef") ?? "";
  const start = parseInstant(params.get("perfBaselineStart"));
  const end = parseInstant(params.get("perfBaselineEnd"));
  const explicit = ref !== "" || (start !== null && end !== null && end > start);
  const first = useApi<BucketsAnswer>(explicit ? null : `/api/v1/projects/${enc(projectId)}/buckets`);
  if (ref !== "") return { query: { reference: ref }, description: `reference profile “${ref}”` };
  if (start !== null && end !== null && end > start) {
    return {
      query: { baselineStart: new Date(start).toISOString(), baselineEnd: new Date(end).toISOString() },
      description: formatRange(start, end),
    };
  }
  if (first.result.state === "loading") return { query: null, description: "…" };
  const list = first.result.state === "ready" ? first.result.data.buckets : [];
  const firstStart = list[0]?.start;
  const from = firstStart ?? window.start;
  // A project younger than a week: its baseline is all of its data so far, and says so.
  const dataEnd = list.length > 0 ? list[list.length - 1]!.start + step : window.end;
  const to = Math.min(from + DEFAULT_BASELINE_DAYS * DAY, dataEnd);
  return {
    query: { baselineStart: new Date(from).toISOString(), baselineEnd: new Date(to).toISOString() },
    description:
      firstStart !== undefined
        ? `the first ${DEFAULT_BASELINE_DAYS} days of data (${formatRange(from, to)})`
        : `the window's first week (${formatRange(from, to)})`,
  };
}

function BaselinePicker({ projectId }: { readonly projectId: string }) {
  const [params, setParams] = useSearchParams();
  const { result } = useApi<ReferencesAnswer>(`/api/v1/projects/${enc(projectId)}/references`);
  const names = result.state === "ready" ? [...new Set(result.data.references.map((r) => r.name))] : [];
  const ref = params.get("perfRef") ?? "";
  const hasRange = params.get("perfBaselineStart") !== null && params.get("perfBaselineEnd") !== null;
  const [editing, setEditing] = useState(false);
  const custom = editing || (ref === "" && hasRange);
  const current = ref !== "" ? `ref:${ref}` : custom ? "custom" : "";

  function choose(value: string) {
    if (value === "custom") {
      setEditing(true);
      return;
    }
    setEditing(false);
    setParams(
      withParams(params, {
        perfRef: value.startsWith("ref:") ? value.slice(4) : null,
        perfBaselineStart: null,
        perfBaselineEnd: null,
      }),
    );
  }

  function apply(a: number, b: number) {
    setParams(
      withParams(params, {
        perfRef: null,
        perfBaselineStart: new Date(a).toISOString(),
        perfBaselineEnd: new Date(b).toISOString(),
      }),
    );
    setEditing(false);
  }

  return (
    <div className="perf-baseline" role="group" aria-label="Baseline for estimates">
      <label className="select-label">
        Estimate baseline{" "}
        <select value={current} onChange={(e) => choose(e.target.value)}>
          <option value="">First {DEFAULT_BASELINE_DAYS} days of data</option>
          {names.map((name) => (
            <option key={name} value={`ref:${name}`}>
              Reference “{name}”
            </option>
          ))}
          {ref !== "" && !names.includes(ref) ? (
            <option value={`ref:${ref}`}>Reference “{ref}”</option>
          ) : null}
          <option value="custom">Labeled range…</option>
        </select>
      </label>
      {custom ? (
        <DateRangeForm
          start={parseInstant(params.get("perfBaselineStart"))}
          end={parseInstant(params.get("perfBaselineEnd"))}
          label="Baseline range"
          onApply={apply}
        />
      ) : null}
    </div>
  );
}

function MetricSelect({
  metrics,
  current,
}: {
  readonly metrics: readonly MetricDef[];
  readonly current: MetricDef | undefined;
}) {
  const [params, setParams] = useSearchParams();
  return (
    <label className="select-label">
      Metric{" "}
      <select
        value={current?.id ?? params.get("metric") ?? ""}
        onChange={(e) => setParams(withParams(params, { metric: e.target.value }))}
        disabled={metrics.length === 0}
        data-testid="performance-metric"
      >
        {metrics.length === 0 ? (
          <option value={params.get("metric") ?? ""}>{params.get("metric") ?? "—"}</option>
        ) : null}
        {metrics.map((m) => (
          <option key={m.id} value={m.id}>
            {m.label}
            {m.estimated === null ? " (labels only)" : ""}
          </option>
        ))}
      </select>
    </label>
  );
}

function formatMetric(value: number | null | undefined, metric: MetricDef): string {
  if (value === null || value === undefined) return "—";
  return metric.rate ? value.toFixed(3) : formatNumber(value);
}

function Stats({
  summary,
  metric,
  confidence,
  hasEstimates,
}: {
  readonly summary: PerformanceSummary;
  readonly metric: MetricDef;
  readonly confidence: number;
  readonly hasEstimates: boolean;
}) {
  const { latestRealized, latestEstimate } = summary;
  return (
    <div className="stats" aria-live="polite">
      <div className="stat" data-testid="stat-latest-realized">
        <div className="value">{formatMetric(latestRealized?.value, metric)}</div>
        <div className="label">
          Latest realized {inSentence(metric.label)}
          <br />
          {latestRealized !== null
            ? `bucket of ${formatTime(latestRealized.start)}`
            : "no labeled rows in the window"}
        </div>
      </div>
      <div className="stat" data-testid="stat-latest-estimate">
        <div className="value">
          {formatMetric(latestEstimate?.estimate.value, metric)}
          {latestEstimate !== null ? (
            <span className="perf-interval">
              {" "}
              [{formatMetric(latestEstimate.estimate.lower, metric)} –{" "}
              {formatMetric(latestEstimate.estimate.upper, metric)}]
            </span>
          ) : null}
        </div>
        <div className="label">
          Latest estimate (CBPE, {confidenceLabel(confidence)} interval)
          <br />
          {latestEstimate !== null
            ? `bucket of ${formatTime(latestEstimate.start)}`
            : metric.estimated === null
              ? `not estimated for ${inSentence(metric.label)}`
              : summary.awaitingSince === null
                ? "every row is labeled"
                : hasEstimates
                  ? "no estimate"
                  : "the baseline gives no estimate"}
        </div>
      </div>
      <div className="stat" data-testid="stat-label-coverage">
        <div className="value">{summary.rows > 0 ? formatPercent(summary.labeled / summary.rows) : "—"}</div>
        <div className="label">
          Label coverage in the window
          <br />
          {formatCount(summary.labeled)} of {formatCount(summary.rows)} rows labeled
          {summary.awaitingSince !== null ? `; awaiting since ${formatTime(summary.awaitingSince)}` : ""}
        </div>
      </div>
    </div>
  );
}

type TooltipParam = { readonly dataIndex: number };

function firstIndex(params: TooltipComponentFormatterCallbackParams): number {
  const first = (Array.isArray(params) ? params[0] : params) as TooltipParam | undefined;
  return first?.dataIndex ?? -1;
}

function performanceOption(
  points: readonly BucketPoint[],
  metric: MetricDef,
  confidence: number,
  summary: PerformanceSummary,
  step: number,
): ChartOption {
  // The dashed estimate starts from the last labeled bucket before a run of estimates, so it continues the
  // solid line instead of floating apart from it.
  const bridged = points.map((p, i) => {
    if (p.estimate !== null) return p.estimate;
    const next = points[i + 1];
    if (next?.estimate !== null && next !== undefined && p.realized !== null)
      return { value: p.realized, lower: p.realized, upper: p.realized, standardError: 0 };
    return null;
  });
  const realized = points.map((p) => [p.start, p.realized]);
  const lower = points.map((p, i) => [p.start, bridged[i]?.lower ?? null]);
  const width = points.map((p, i) => {
    const e = bridged[i];
    return [p.start, e === null || e === undefined ? null : e.upper - e.lower];
  });
  const estimate = points.map((p, i) => [p.start, bridged[i]?.value ?? null]);
  const label = metric.label;
  const conf = confidenceLabel(confidence);
  return {
    grid: { left: 56, right: 24, top: 36, bottom: 36 },
    legend: { top: 0, data: [`Realized ${label}`, "Estimate (CBPE)", `${conf} interval`] },
    tooltip: {
      trigger: "axis",
      formatter: (params) => {
        const p = points[firstIndex(params)];
        if (p === undefined) return "";
        const lines = [`<strong>${escapeHtml(formatTime(p.start))}</strong>`];
        lines.push(`Realized ${escapeHtml(label)}: ${escapeHtml(formatMetric(p.realized, metric))}`);
        if (p.estimate !== null) {
          lines.push(
            `Estimate: ${escapeHtml(formatMetric(p.estimate.value, metric))} [${escapeHtml(
              formatMetric(p.estimate.lower, metric),
            )} – ${escapeHtml(formatMetric(p.estimate.upper, metric))}]`,
          );
        }
        if (p.rows !== null && p.labeled !== null) {
          lines.push(
            `Labeled: ${escapeHtml(formatCount(p.labeled))} of ${escapeHtml(formatCount(p.rows))} rows`,
          );
        }
        return lines.join("<br/>");
      },
    },
    xAxis: { type: "time" },
    yAxis: {
      type: "value",
      scale: true,
      ...(metric.rate ? { max: 1 } : {}),
      name: label,
      nameTextStyle: { align: "left" },
    },
    series: [
      {
        name: `Realized ${label}`,
        type: "line",
        data: realized,
        showSymbol: false,
        connectNulls: false,
        lineStyle: { color: COLORS.target, width: 1.5 },
        itemStyle: { color: COLORS.target },
        ...(summary.awaitingSince !== null && summary.awaitingUntil !== null
          ? {
              markArea: {
                silent: true,
                itemStyle: { color: "rgba(245, 158, 11, 0.08)" },
                label: { color: "#92400e", position: "insideTop" },
                data: [
                  [
                    { name: "Awaiting labels", xAxis: summary.awaitingSince },
                    { xAxis: summary.awaitingUntil + step },
                  ],
                ],
              },
            }
          : {}),
      },
      {
        name: `${conf} interval lower`,
        type: "line",
        stack: "interval",
        data: lower,
        showSymbol: false,
        connectNulls: false,
        lineStyle: { opacity: 0 },
        tooltip: { show: false },
        silent: true,
      },
      {
        name: `${conf} interval`,
        type: "line",
        stack: "interval",
        data: width,
        showSymbol: false,
        connectNulls: false,
        lineStyle: { opacity: 0 },
        areaStyle: { color: COLORS.bandInner },
        itemStyle: { color: COLORS.bandInner },
        silent: true,
      },
      {
        name: "Estimate (CBPE)",
        type: "line",
        data: estimate,
        showSymbol: false,
        connectNulls: false,
        lineStyle: { color: COLORS.target, type: "dashed", width: 1.5 },
        itemStyle: { color: COLORS.target },
      },
    ],
  };
}

function coverageOption(points: readonly BucketPoint[]): ChartOption {
  return {
    grid: { left: 56, right: 24, top: 16, bottom: 36 },
    tooltip: {
      trigger: "axis",
      formatter: (params) => {
        const p = points[firstIndex(params)];
        if (p === undefined) return "";
        const share = p.rows !== null && p.labeled !== null && p.rows > 0 ? p.labeled / p.rows : null;
        return [
          `<strong>${escapeHtml(formatTime(p.start))}</strong>`,
          `Labeled: ${escapeHtml(formatPercent(share))}` +
            (p.rows !== null && p.labeled !== null
              ? ` (${escapeHtml(formatCount(p.labeled))} of ${escapeHtml(formatCount(p.rows))} rows)`
              : ""),
        ].join("<br/>");
      },
    },
    xAxis: { type: "time" },
    yAxis: {
      type: "value",
      min: 0,
      max: 1,
      axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
    },
    series: [
      {
        name: "Rows labeled",
        type: "line",
        step: "end",
        showSymbol: false,
        connectNulls: false,
        data: points.map((p) => [
          p.start,
          p.rows !== null && p.labeled !== null && p.rows > 0 ? p.labeled / p.rows : null,
        ]),
        lineStyle: { color: COLORS.good, width: 1.5 },
        itemStyle: { color: COLORS.good },
        areaStyle: { color: "rgba(22, 163, 74, 0.12)" },
      },
    ],
  };
}

function NoPerformance() {
  return (
    <EmptyState title="These profiles carry no model performance">
      <p>
        Log the model's prediction, its score and the true label with the profiles: give{" "}
        <code>DatasetProfile</code> or <code>SegmentedProfile</code> a <code>performance</code> spec such as{" "}
        <code>{`{ task: "classification", prediction: "y_pred", target: "label", scores: "proba" }`}</code>{" "}
        (regression: <code>{`{ task: "regression", prediction, target }`}</code>), or profile with{" "}
        <code>sightglass profile --prediction-column y_pred --score-column proba --label-column label</code>.
      </p>
      <p>
        Labels that arrive later are joined to their predictions with <code>LabelJoiner</code>; until then the
        rows count as awaiting labels and this page estimates their performance.
      </p>
    </EmptyState>
  );
}

function PerformanceView({
  data,
  rowsByStart,
  metric,
  confidence,
  baselineDescription,
  step,
}: {
  readonly data: PerformanceAnswer;
  readonly rowsByStart: ReadonlyMap<number, number>;
  readonly metric: MetricDef | undefined;
  readonly confidence: number;
  readonly baselineDescription: string;
  readonly step: number;
}) {
  const task = taskOf(data.buckets);
  const points = useMemo(
    () => (metric === undefined ? [] : bucketPoints(data.buckets, metric, rowsByStart, task)),
    [data.buckets, metric, rowsByStart, task],
  );
  const summary = useMemo(() => summarize(points), [points]);
  const chart = useMemo(
    () => (metric === undefined ? null : performanceOption(points, metric, confidence, summary, step)),
    [points, metric, confidence, summary, step],
  );
  const coverage = useMemo(() => coverageOption(points), [points]);

  if (data.buckets.length === 0) {
    return (
      <EmptyState title="No profiles in this window">
        Choose a longer time range, or upload profiles for this period.
      </EmptyState>
    );
  }
  if (task === null || metric === undefined || chart === null) return <NoPerformance />;
  const hasEstimates = data.buckets.some((b) => b.estimated !== null);
  const estimatesShown = points.some((p) => p.estimate !== null);
  return (
    <>
      <Stats summary={summary} metric={metric} confidence={confidence} hasEstimates={hasEstimates} />
      <section className="card" aria-labelledby="perf-chart-title">
        <h3 id="perf-chart-title">{metric.label} per bucket</h3>
        <Chart
          option={chart}
          height={300}
          testId="chart-performance"
          label={`${metric.label} per bucket: realized where labels exist, CBPE estimate with its ${confidenceLabel(confidence)} interval where they do not`}
        />
        {estimatesShown ? (
          <p className="muted small" data-testid="cbpe-note">
            Dashed line and band: CBPE (confidence-based performance estimation) — the model's scores,
            calibrated on the labeled rows of the baseline ({baselineDescription}), give each unlabeled row's
            chance of being right; the band is the {confidenceLabel(confidence)} interval. It assumes the
            score → outcome relation has not changed since the baseline.
          </p>
        ) : summary.awaitingSince !== null && metric.estimated !== null && !hasEstimates ? (
          <p className="muted small" data-testid="cbpe-note">
            No estimate for the rows awaiting labels: the baseline ({baselineDescription}) has no labeled,
            scored rows to calibrate on. Choose another baseline.
          </p>
        ) : summary.awaitingSince !== null && metric.estimated === null ? (
          <p className="muted small">
            {metric.label} is only known from labeled rows; choose accuracy, precision, recall, F1 or ROC AUC
            to see estimates where labels are missing.
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="perf-coverage-title">
        <h3 id="perf-coverage-title">Label coverage</h3>
        <p className="muted small">
          Share of each bucket's rows whose true label has arrived; buckets below 100% are judged by estimate.
        </p>
        <Chart
          option={coverage}
          height={180}
          testId="chart-label-coverage"
          label="Share of rows with labels per bucket"
        />
      </section>
    </>
  );
}

export function PerformancePage() {
  const { project } = useProject();
  const [params, setParams] = useSearchParams();
  const explicitBaseline =
    params.has("perfRef") || params.has("perfBaselineStart") || params.has("perfBaselineEnd");
  const window = windowOf(params);
  const segment = params.get("segment") ?? "";
  const confidence = confidenceOf(params);
  const step = bucketMs(project.frequency);
  const baseline = useBaseline(project.id, params, window, step);
  const base = `/api/v1/projects/${enc(project.id)}`;
  const range = { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() };
  const performance = useApi<PerformanceAnswer>(baseline.query === null ? null : `${base}/performance`, {
    ...range,
    segment,
    confidence: confidence === 0.95 ? undefined : confidence,
    ...baseline.query,
  });
  const rows = useApi<BucketsAnswer>(`${base}/buckets`, { ...range, segment });
  const task = performance.result.state === "ready" ? taskOf(performance.result.data.buckets) : null;
  const metrics = task === null ? [] : metricsFor(task);
  const metric = metrics.find((m) => m.id === params.get("metric")) ?? metrics[0];
  const rowsByStart = useMemo(
    () => new Map((rows.result.data?.buckets ?? []).map((b) => [b.start, b.rows + b.pendingRows])),
    [rows.result.data],
  );

  return (
    <section aria-labelledby="performance-title" className="performance-page">
      <div className="page-header">
        <h2 id="performance-title">Model performance</h2>
        <span className="muted small">{formatRange(window.start, window.end)}</span>
      </div>
      <div className="toolbar">
        <TimeRangePicker />
        <SegmentSelect projectId={project.id} />
        <MetricSelect metrics={metrics} current={metric} />
        <ConfidenceSelect />
        <BaselinePicker projectId={project.id} />
      </div>
      {rows.result.state === "error" ? (
        <p className="field-error" role="alert">
          Row counts could not be loaded ({rows.result.error.message}); coverage counts only rows with
          performance data.{" "}
          <button type="button" onClick={rows.reload}>
            Retry
          </button>
        </p>
      ) : null}
      <div aria-live="polite">
        {performance.result.state === "error" ? (
          <>
            <ErrorView error={performance.result.error} onRetry={performance.reload} />
            {explicitBaseline ? (
              <p className="muted">
                The estimate baseline ({baseline.description}) may be what failed.{" "}
                <button
                  type="button"
                  onClick={() =>
                    setParams(
                      withParams(params, { perfRef: null, perfBaselineStart: null, perfBaselineEnd: null }),
                    )
                  }
                >
                  Use the first {DEFAULT_BASELINE_DAYS} days of data instead
                </button>
              </p>
            ) : null}
          </>
        ) : performance.result.state === "loading" ? (
          <Loading what="Loading performance" />
        ) : (
          <PerformanceView
            data={performance.result.data}
            rowsByStart={rowsByStart}
            metric={metric}
            confidence={confidence}
            baselineDescription={baseline.description}
            step={step}
          />
        )}
      </div>
    </section>
  );
}
