// One metric across the values of a segment key (region = north, south, …) with intervals, against the whole
// dataset: the page that answers "is some group served worse, and is that more than noise?".
import { useMemo } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { TooltipComponentFormatterCallbackParams } from "echarts";
import type { MarkLineComponentOption } from "echarts/components";
import { enc } from "../api/client";
import { useApi } from "../api/hooks";
import type { SegmentComparison } from "../api/types";
import { Chart, COLORS } from "../components/Chart";
import type { ChartClick, ChartOption } from "../components/Chart";
import { sharedParams, useProject } from "../components/Layout";
import { TimeRangePicker } from "../components/Pickers";
import { EmptyState, ErrorView, Load, Loading } from "../components/States";
import { formatCount, formatNumber, formatPercent, formatRange } from "../lib/format";
import { windowOf, withParams } from "../lib/time";
import { ConfidenceSelect, confidenceLabel, confidenceOf, inSentence } from "./performance-common";
import { escapeHtml, shorten } from "../lib/text";
import "./SegmentsPage.css";

interface SegmentsAnswer {
  readonly segments: readonly {
    readonly key: string;
    readonly tags: readonly { readonly key: string; readonly value: string }[];
  }[];
}

interface ColumnsAnswer {
  readonly columns: readonly { readonly name: string; readonly inferredType: string }[];
}

type MetricKind =
  | "row_count"
  | "null_ratio"
  | "mean"
  | "positive_rate"
  | "accuracy"
  | "precision"
  | "recall"
  | "f1"
  | "roc_auc";

interface KindDef {
  readonly kind: MetricKind;
  readonly label: string;
  readonly group: "Data" | "Model performance";
  readonly needsColumn: boolean;
  /** How values read: a count, a share shown as a percentage, a score in [0, 1], or a plain number. */
  readonly format: "count" | "percent" | "score" | "number";
}

const KINDS: readonly KindDef[] = [
  { kind: "row_count", label: "Row count", group: "Data", needsColumn: false, format: "count" },
  {
    kind: "null_ratio",
    label: "Null ratio of a column",
    group: "Data",
    needsColumn: true,
    format: "percent",
  },
  { kind: "mean", label: "Mean of a column", group: "Data", needsColumn: true, format: "number" },
  {
    kind: "positive_rate",
    label: "Positive prediction rate",
    group: "Model performance",
    needsColumn: false,
    format: "percent",
  },
  { kind: "accuracy", label: "Accuracy", group: "Model performance", needsColumn: false, format: "score" },
  { kind: "precision", label: "Precision", group: "Model performance", needsColumn: false, format: "score" },
  { kind: "recall", label: "Recall", group: "Model performance", needsColumn: false, format: "score" },
  { kind: "f1", label: "F1", group: "Model performance", needsColumn: false, format: "score" },
  { kind: "roc_auc", label: "ROC AUC", group: "Model performance", needsColumn: false, format: "score" },
];

const NUMERIC_TYPES = new Set(["integral", "fractional"]);

interface ParsedMetric {
  readonly def: KindDef;
  readonly column: string | null;
}

/** The URL's `metric` (row_count, accuracy, null_ratio:<column>, mean:<column>, …); row count when unknown. */
function parseMetric(text: string | null): ParsedMetric {
  const rowCount = KINDS[0]!;
  if (text === null || text === "") return { def: rowCount, column: null };
  const colon = text.indexOf(":");
  const kind = colon < 0 ? text : text.slice(0, colon);
  const def = KINDS.find((k) => k.kind === kind);
  if (def === undefined) return { def: rowCount, column: null };
  if (!def.needsColumn) return { def, column: null };
  const column = colon < 0 ? "" : text.slice(colon + 1);
  return { def, column: column === "" ? null : column };
}

function metricText(kind: MetricKind, column: string | null): string {
  return column === null ? kind : `${kind}:${column}`;
}

function metricName(m: ParsedMetric): string {
  if (m.def.kind === "null_ratio") return `null ratio of ${m.column ?? "…"}`;
  if (m.def.kind === "mean") return `mean of ${m.column ?? "…"}`;
  return inSentence(m.def.label);
}

function formatValue(value: number | null | undefined, def: KindDef): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  switch (def.format) {
    case "count":
      return formatCount(value);
    case "percent":
      return formatPercent(value, 2);
    case "score":
      return value.toFixed(3);
    case "number":
      return formatNumber(value);
  }
}

/** Differences carry their sign (a true minus sign) so "−0.12" reads as worse at a glance. */
function formatDifference(value: number | null | undefined, def: KindDef): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const magnitude =
    def.format === "percent"
      ? `${(Math.abs(value) * 100).toFixed(2)} pp`
      : def.format === "score"
        ? Math.abs(value).toFixed(3)
        : def.format === "count"
          ? formatCount(Math.abs(value))
          : formatNumber(Math.abs(value));
  return value > 0 ? `+${magnitude}` : value < 0 ? `−${magnitude}` : magnitude;
}

function formatInterval(interval: readonly [number, number] | null, def: KindDef): string {
  return interval === null ? "—" : `${formatValue(interval[0], def)} – ${formatValue(interval[1], def)}`;
}

type Segment = SegmentComparison["segments"][number];

/** "region = east: accuracy 0.710 vs 0.830 overall (−0.120), outside its 95% interval". */
function disparitySentence(
  data: SegmentComparison,
  metric: ParsedMetric,
  confidence: number,
): { readonly name: string; readonly rest: string } | null {
  const d = data.disparity;
  if (d === null) return null;
  const worst = data.segments.find((s) => s.segment === d.worst);
  const name = worst !== undefined ? `${data.key} = ${worst.value}` : d.worst;
  const conf = confidenceLabel(confidence);
  const verdict =
    worst?.interval === null || worst === undefined
      ? `no interval for ${metricName(metric)}, so the gap is not tested`
      : d.significant
        ? `outside its ${conf} interval`
        : `within its ${conf} interval: the gap may be noise`;
  const value = formatValue(worst?.metricValue, metric.def);
  const overall = formatValue(data.overall.metricValue, metric.def);
  return {
    name,
    rest: `: ${metricName(metric)} ${value} vs ${overall} overall (${formatDifference(d.difference, metric.def)}), ${verdict}`,
  };
}

function isFlagged(data: SegmentComparison, s: Segment): boolean {
  return data.disparity !== null && data.disparity.significant && data.disparity.worst === s.segment;
}

function chartOption(
  data: SegmentComparison,
  metric: ParsedMetric,
  confidence: number,
  zoom: boolean,
): ChartOption {
  const def = metric.def;
  const overall = data.overall.metricValue;
  // Error bars without the custom series: a vertical mark line per interval, capped by two flat markers.
  const whiskers: MarkLineComponentOption["data"] = data.segments.flatMap((s, i) =>
    s.interval === null
      ? []
      : [
          [{ coord: [i, s.interval[0]] }, { coord: [i, s.interval[1]] }] as [
            { coord: number[] },
            { coord: number[] },
          ],
        ],
  );
  const caps = data.segments.flatMap((s, i) =>
    s.interval === null
      ? []
      : [
          [i, s.interval[0]],
          [i, s.interval[1]],
        ],
  );
  return {
    grid: { left: 64, right: 120, top: 36, bottom: 48 },
    legend: { top: 0, data: [metric.def.label, `${confidenceLabel(confidence)} interval`] },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (params: TooltipComponentFormatterCallbackParams) => {
        const first = (Array.isArray(params) ? params[0] : params) as { dataIndex?: number } | undefined;
        const s = data.segments[first?.dataIndex ?? -1];
        if (s === undefined) return "";
        return [
          `<strong>${escapeHtml(shorten(`${data.key} = ${s.value}`, 120))}</strong>`,
          `${escapeHtml(metric.def.label)}: ${escapeHtml(formatValue(s.metricValue, def))}`,
          `${escapeHtml(confidenceLabel(confidence))} interval: ${escapeHtml(formatInterval(s.interval, def))}`,
          `Rows: ${escapeHtml(formatCount(s.count))}`,
          `Overall: ${escapeHtml(formatValue(overall, def))}`,
        ].join("<br/>");
      },
    },
    xAxis: {
      type: "category",
      data: data.segments.map((s) => s.value),
      axisLabel: { interval: 0, width: 110, overflow: "truncate", hideOverlap: true },
      name: data.key.length > 30 ? `${data.key.slice(0, 29)}…` : data.key,
      nameLocation: "middle",
      nameGap: 30,
    },
    yAxis: {
      type: "value",
      // Zoomed, the axis fits the bars' tops and intervals so small gaps show; otherwise bars start at zero.
      ...(zoom ? { scale: true } : def.format === "score" || def.format === "percent" ? { min: 0 } : {}),
      ...(def.format === "percent"
        ? { axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } }
        : {}),
    },
    series: [
      {
        name: metric.def.label,
        type: "bar",
        barMaxWidth: 64,
        itemStyle: { color: COLORS.target },
        data: data.segments.map((s) => ({
          value: s.metricValue,
          itemStyle: { color: isFlagged(data, s) ? COLORS.anomaly : COLORS.target },
        })),
        ...(overall !== null
          ? {
              markLine: {
                silent: true,
                symbol: ["none", "none"],
                lineStyle: { color: "#111827", type: "dashed", width: 1.5 },
                label: {
                  position: "end",
                  formatter: `Overall ${formatValue(overall, def)}`,
                  color: "#111827",
                },
                data: [{ yAxis: overall, name: "Overall" }],
              },
            }
          : {}),
      },
      {
        name: `${confidenceLabel(confidence)} interval`,
        type: "scatter",
        symbol: "rect",
        symbolSize: [16, 2],
        data: caps,
        itemStyle: { color: "#374151" },
        tooltip: { show: false },
        silent: true,
        markLine: {
          silent: true,
          symbol: ["none", "none"],
          lineStyle: { color: "#374151", type: "solid", width: 1.5 },
          label: { show: false },
          data: whiskers,
        },
      },
    ],
  };
}

function KeySelect({ keys, current }: { readonly keys: readonly string[]; readonly current: string }) {
  const [params, setParams] = useSearchParams();
  return (
    <label className="select-label">
      Segment key{" "}
      <select
        value={current}
        onChange={(e) => setParams(withParams(params, { key: e.target.value }))}
        data-testid="segments-key"
      >
        {keys.map((k) => (
          <option key={k} value={k}>
            {shorten(k, 60)}
          </option>
        ))}
      </select>
    </label>
  );
}

function MetricControls({
  projectId,
  metric,
}: {
  readonly projectId: string;
  readonly metric: ParsedMetric;
}) {
  const [params, setParams] = useSearchParams();
  const columns = useApi<ColumnsAnswer>(`/api/v1/projects/${enc(projectId)}/columns`);
  const all = columns.result.data?.columns ?? [];
  const usable = metric.def.kind === "mean" ? all.filter((c) => NUMERIC_TYPES.has(c.inferredType)) : all;
  const set = (kind: MetricKind, column: string | null) =>
    setParams(withParams(params, { metric: metricText(kind, column) }));
  return (
    <>
      <label className="select-label">
        Metric{" "}
        <select
          value={metric.def.kind}
          data-testid="segments-metric"
          onChange={(e) => {
            const def = KINDS.find((k) => k.kind === e.target.value) ?? KINDS[0]!;
            if (!def.needsColumn) return set(def.kind, null);
            const candidates =
              def.kind === "mean" ? all.filter((c) => NUMERIC_TYPES.has(c.inferredType)) : all;
            const keep =
              candidates.find((c) => c.name === metric.column)?.name ?? candidates[0]?.name ?? null;
            set(def.kind, keep);
          }}
        >
          {(["Data", "Model performance"] as const).map((group) => (
            <optgroup key={group} label={group}>
              {KINDS.filter((k) => k.group === group).map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      {metric.def.needsColumn ? (
        <label className="select-label">
          Column{" "}
          <select
            value={metric.column ?? ""}
            data-testid="segments-column"
            disabled={columns.result.state !== "ready"}
            onChange={(e) => set(metric.def.kind, e.target.value === "" ? null : e.target.value)}
            className="seg-column-select"
          >
            {metric.column === null ? <option value="">Choose a column</option> : null}
            {usable.map((c) => (
              <option key={c.name} value={c.name} title={c.name}>
                {shorten(c.name, 60)}
              </option>
            ))}
            {metric.column !== null && !usable.some((c) => c.name === metric.column) ? (
              <option value={metric.column}>{shorten(metric.column, 60)}</option>
            ) : null}
          </select>
        </label>
      ) : null}
      {columns.result.state === "error" && metric.def.needsColumn ? (
        <span className="field-error" role="alert">
          Columns could not be loaded: {columns.result.error.message}{" "}
          <button type="button" onClick={columns.reload}>
            Retry
          </button>
        </span>
      ) : null}
    </>
  );
}

function ComparisonView({
  data,
  confidence,
  projectId,
}: {
  readonly data: SegmentComparison;
  readonly confidence: number;
  readonly projectId: string;
}) {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  // The answer's own metric: for a moment after the URL changes the previous answer is still shown, and it
  // must keep its own formatting.
  const metric = useMemo(() => parseMetric(data.metric), [data.metric]);
  const zoom = params.get("zoom") === "1";
  const option = useMemo(() => chartOption(data, metric, confidence, zoom), [data, metric, confidence, zoom]);
  const def = metric.def;
  const overall = data.overall.metricValue;
  const overviewLink = (segment: string) =>
    `/projects/${enc(projectId)}${sharedParams(withParams(params, { segment }))}`;
  if (data.segments.length === 0) {
    return <EmptyState title="No segments with this key">Choose another segment key.</EmptyState>;
  }
  if (data.segments.every((s) => s.metricValue === null)) {
    return (
      <EmptyState title={`No segment has a ${metricName(metric)} in this window`}>
        Choose a longer time range or another metric.
      </EmptyState>
    );
  }
  const sentence = disparitySentence(data, metric, confidence);
  const significant = data.disparity?.significant === true;
  return (
    <>
      {sentence !== null ? (
        <p
          className={`seg-summary wrap-anywhere ${significant ? "seg-summary-alert" : ""}`}
          data-testid="disparity-summary"
        >
          {significant ? <span className="badge badge-error">Disparity</span> : null}
          <span>
            {/* An isolated name: right-to-left segment values must not reorder the rest of the sentence. */}
            <bdi>{shorten(sentence.name, 200)}</bdi>
            {sentence.rest}
          </span>
        </p>
      ) : (
        <p className="muted seg-summary" data-testid="disparity-summary">
          Fewer than two segments have a value, so there is no comparison.
        </p>
      )}
      <section className="card" aria-labelledby="seg-chart-title">
        <div className="seg-chart-header">
          <h3 id="seg-chart-title" className="wrap-anywhere">
            {def.label}
            {metric.column !== null ? ` of ${shorten(metric.column, 200)}` : ""} by {shorten(data.key, 200)}
          </h3>
          <label className="seg-zoom">
            <input
              type="checkbox"
              checked={zoom}
              data-testid="segments-zoom"
              onChange={(e) => setParams(withParams(params, { zoom: e.target.checked ? "1" : null }))}
            />{" "}
            Zoom the axis to the values
          </label>
        </div>
        <Chart
          option={option}
          height={320}
          testId="chart-segments"
          label={`${metricName(metric)} per value of ${data.key}, with ${confidenceLabel(confidence)} intervals and the overall value`}
          onClick={(event: ChartClick) => {
            const s = data.segments[event.dataIndex];
            if (s !== undefined && event.seriesName === def.label) navigate(overviewLink(s.segment));
          }}
        />
        <p className="muted small">
          Bars: each segment's value; whiskers: its {confidenceLabel(confidence)} interval; dashed line: the
          whole dataset. {significant ? "Red: the segment furthest from the whole, beyond its interval." : ""}
        </p>
      </section>
      <table className="table seg-table" data-testid="segments-table">
        <caption className="visually-hidden">
          {def.label} per segment of {data.key}, with intervals and the difference from the whole dataset
        </caption>
        <thead>
          <tr>
            <th scope="col">Segment</th>
            <th scope="col" className="num">
              {def.label}
            </th>
            <th scope="col" className="num">
              {confidenceLabel(confidence)} interval
            </th>
            <th
              scope="col"
              className="num"
              title="Rows the value rests on (labeled rows for performance metrics)"
            >
              Count
            </th>
            <th scope="col" className="num">
              Difference from overall
            </th>
            <th scope="col" className="num">
              Ratio to overall
            </th>
          </tr>
        </thead>
        <tbody>
          {data.segments.map((s) => {
            const flagged = isFlagged(data, s);
            const worst = data.disparity?.worst === s.segment;
            const diff = s.metricValue !== null && overall !== null ? s.metricValue - overall : null;
            const ratio =
              s.metricValue !== null && overall !== null && overall !== 0 ? s.metricValue / overall : null;
            return (
              <tr key={s.segment} className={flagged ? "seg-flagged" : undefined} data-segment={s.segment}>
                <th scope="row" className="seg-name">
                  <Link
                    to={overviewLink(s.segment)}
                    className="wrap-anywhere"
                    title={shorten(`Overview of ${data.key} = ${s.value}`, 1000)}
                  >
                    <bdi>{shorten(s.value, 160)}</bdi>
                  </Link>
                  {worst ? (
                    <span className={`badge ${flagged ? "badge-error" : "badge-neutral"} seg-badge`}>
                      {flagged ? "Worst, significant" : "Furthest from overall"}
                    </span>
                  ) : null}
                </th>
                <td className="num">{formatValue(s.metricValue, def)}</td>
                <td className="num">{formatInterval(s.interval, def)}</td>
                <td className="num">{formatCount(s.count)}</td>
                <td className="num">{formatDifference(diff, def)}</td>
                <td className="num">{ratio === null ? "—" : `${ratio.toFixed(3)}×`}</td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr className="seg-overall">
            <th scope="row">
              <Link to={overviewLink("")}>All data</Link>
            </th>
            <td className="num">{formatValue(overall, def)}</td>
            <td className="num">{formatInterval(data.overall.interval, def)}</td>
            <td className="num">{formatCount(data.overall.count)}</td>
            <td className="num">—</td>
            <td className="num">—</td>
          </tr>
        </tfoot>
      </table>
    </>
  );
}

function Comparison({
  projectId,
  segmentKey,
  metric,
}: {
  readonly projectId: string;
  readonly segmentKey: string;
  readonly metric: ParsedMetric;
}) {
  const [params] = useSearchParams();
  const window = windowOf(params);
  const confidence = confidenceOf(params);
  const ready = !metric.def.needsColumn || metric.column !== null;
  const comparison = useApi<SegmentComparison>(
    ready ? `/api/v1/projects/${enc(projectId)}/segment-comparison` : null,
    {
      key: segmentKey,
      metric: metricText(metric.def.kind, metric.column),
      start: new Date(window.start).toISOString(),
      end: new Date(window.end).toISOString(),
      confidence: confidence === 0.95 ? undefined : confidence,
    },
  );
  if (!ready) {
    return (
      <EmptyState title="Choose a column">The {inSentence(metric.def.label)} needs a column.</EmptyState>
    );
  }
  return (
    <div aria-live="polite">
      <Load result={comparison.result} onRetry={comparison.reload} what="Comparing segments">
        {(data) => <ComparisonView data={data} confidence={confidence} projectId={projectId} />}
      </Load>
    </div>
  );
}

export function SegmentsPage() {
  const { project } = useProject();
  const [params] = useSearchParams();
  const window = windowOf(params);
  const segments = useApi<SegmentsAnswer>(`/api/v1/projects/${enc(project.id)}/segments`);
  const metric = useMemo(() => parseMetric(params.get("metric")), [params]);
  const keys = useMemo(
    () =>
      [...new Set((segments.result.data?.segments ?? []).flatMap((s) => s.tags.map((t) => t.key)))].sort(
        (a, b) => (a < b ? -1 : a > b ? 1 : 0),
      ),
    [segments.result.data],
  );
  const wanted = params.get("key") ?? "";
  const key = wanted !== "" ? wanted : (keys[0] ?? "");
  return (
    <section aria-labelledby="segments-title" className="segments-page">
      <div className="page-header">
        <h2 id="segments-title">Segments</h2>
        <span className="muted small">{formatRange(window.start, window.end)}</span>
      </div>
      <div className="toolbar">
        <TimeRangePicker />
        {keys.length > 0 ? (
          <KeySelect
            keys={wanted !== "" && !keys.includes(wanted) ? [...keys, wanted] : keys}
            current={key}
          />
        ) : null}
        <MetricControls projectId={project.id} metric={metric} />
        <ConfidenceSelect />
      </div>
      {segments.result.state === "loading" ? (
        <Loading what="Loading segments" />
      ) : segments.result.state === "error" ? (
        <ErrorView error={segments.result.error} onRetry={segments.reload} />
      ) : key === "" ? (
        <EmptyState title="This project has no segments">
          Profile each group separately to compare them:{" "}
          <code>sightglass profile data.csv --segment-by region</code>, or a <code>SegmentedProfile</code>{" "}
          with <code>{`segmentation: { columns: ["region"] }`}</code>.
        </EmptyState>
      ) : (
        <Comparison projectId={project.id} segmentKey={key} metric={metric} />
      )}
    </section>
  );
}
