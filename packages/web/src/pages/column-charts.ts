// ECharts options of the column page, built from plain arrays. Tooltips are HTML in ECharts, so every tooltip
// here is assembled from numbers, fixed words and escapeHtml'd data; axis labels are SVG text and safe as is.
import type { LineSeriesOption, ScatterSeriesOption } from "echarts/charts";
import type { MarkAreaComponentOption } from "echarts/components";
import type { Distribution } from "../api/types";
import { COLORS } from "../components/Chart";
import type { ChartOption } from "../components/Chart";
import { formatCount, formatNumber, formatPercent, formatTime } from "../lib/format";
import type { BucketTable, Evaluation } from "./column-data";
import { escapeHtml, shorten } from "../lib/text";

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface TimeContext {
  readonly window: Span;
  readonly table: BucketTable;
  /** Incidents to shade in red. */
  readonly anomalies: readonly Span[];
  /** The selected bucket, shaded in blue; null when the whole window is selected. */
  readonly selected: Span | null;
}

interface AxisParam {
  readonly dataIndex: number;
  readonly seriesIndex: number;
  readonly seriesName: string;
}

/** Fixed plot margins, so a click's x position maps to a time without asking ECharts. */
export const GRID = { left: 64, right: 20 } as const;

/** The time under a click at `x` pixels from the left of a time chart `width` pixels wide (null outside). */
export function timeAtX(x: number, width: number, window: Span): number | null {
  const plot = width - GRID.left - GRID.right;
  if (plot <= 0 || x < GRID.left || x > width - GRID.right) return null;
  return window.start + ((x - GRID.left) / plot) * (window.end - window.start);
}

const TOOLTIP_CSS = "max-width: 420px; white-space: normal; overflow-wrap: anywhere;";

function axisParams(params: unknown): AxisParam[] {
  return (Array.isArray(params) ? params : [params]) as AxisParam[];
}

function line(name: string, data: (number | null)[][], color: string): LineSeriesOption {
  return {
    type: "line",
    name,
    data,
    color,
    showSymbol: false,
    symbolSize: 5,
    lineStyle: { width: 1.6 },
    connectNulls: false,
  };
}

/** Incidents in red and the selected bucket in blue, behind the first series of a chart. */
function markAreas(ctx: TimeContext, anomalies: boolean): MarkAreaComponentOption {
  const red = { color: "rgba(220, 38, 38, 0.14)" };
  const blue = { color: "rgba(37, 99, 235, 0.16)", borderColor: COLORS.target, borderWidth: 1 };
  // An hour in a 30-day window is under a pixel wide: widen narrow spans around their middle to stay visible.
  const least = (ctx.window.end - ctx.window.start) / 250;
  const visible = (s: Span): Span => {
    if (s.end - s.start >= least) return s;
    const middle = (s.start + s.end) / 2;
    return { start: middle - least / 2, end: middle + least / 2 };
  };
  return {
    silent: true,
    data: [
      ...(anomalies ? ctx.anomalies : [])
        .map(visible)
        .map((s) => [{ xAxis: s.start, itemStyle: red }, { xAxis: s.end }] as MarkArea2D),
      ...(ctx.selected !== null
        ? [visible(ctx.selected)].map(
            (s) => [{ xAxis: s.start, itemStyle: blue }, { xAxis: s.end }] as MarkArea2D,
          )
        : []),
    ],
  };
}
type MarkArea2D = NonNullable<MarkAreaComponentOption["data"]>[number];

/** Axis ticks of shares: one decimal under 10% (2.5% must not read as 3%). */
const percentTick = (v: number) => formatPercent(v, v !== 0 && Math.abs(v) < 0.1 ? 1 : 0);

function timeFrame(ctx: TimeContext, label: string, yName: string, percent = false): ChartOption {
  return {
    aria: { enabled: true, label: { description: label } },
    grid: { left: GRID.left, right: GRID.right, top: 34, bottom: 30 },
    xAxis: { type: "time", min: ctx.window.start, max: ctx.window.end },
    yAxis: [
      {
        type: "value",
        name: yName,
        nameTextStyle: { align: "left" },
        scale: !percent,
        ...(percent ? { min: 0, axisLabel: { formatter: percentTick } } : {}),
      },
    ],
  } as ChartOption;
}

function tooltip(ctx: TimeContext, rows: (i: number) => [string, string][]): ChartOption["tooltip"] {
  return {
    trigger: "axis",
    confine: true,
    extraCssText: TOOLTIP_CSS,
    formatter: (params: unknown) => {
      const first = axisParams(params)[0];
      if (first === undefined) return "";
      const i = first.dataIndex;
      const t = ctx.table.t[i];
      const lines = rows(i).map(([k, v]) => `${escapeHtml(k)}: <b>${escapeHtml(v)}</b>`);
      return [`<b>${escapeHtml(formatTime(t))}</b>`, ...lines, "<i>Click to select the bucket</i>"].join(
        "<br>",
      );
    },
  };
}

const pairs = (t: readonly number[], v: readonly (number | null)[]) =>
  t.map((time, i) => [time, v[i] ?? null]);

export function countOption(ctx: TimeContext, label: string): ChartOption {
  const { t, values } = ctx.table;
  return {
    ...timeFrame(ctx, label, "rows"),
    tooltip: tooltip(ctx, (i) => [["Rows", formatCount(values.n[i])]]),
    series: [
      {
        ...line("Rows", pairs(t, values.n), COLORS.target),
        areaStyle: { color: COLORS.band },
        markArea: markAreas(ctx, true),
      },
    ],
  };
}

export function nullRatioOption(ctx: TimeContext, label: string): ChartOption {
  const { t, values } = ctx.table;
  const ratio = t.map((_, i) => {
    const n = values.n[i];
    const nulls = values.nulls[i];
    return n === null || n === undefined || nulls === null || nulls === undefined || n === 0
      ? null
      : nulls / n;
  });
  const frame = timeFrame(ctx, label, "null ratio", true);
  // No nulls at all: a 0–1% axis, not ECharts' default 0–100%.
  if (ratio.every((r) => r === null || r === 0))
    frame.yAxis = [
      {
        type: "value",
        name: "null ratio",
        nameTextStyle: { align: "left" },
        min: 0,
        max: 0.01,
        axisLabel: { formatter: percentTick },
      },
    ];
  return {
    ...frame,
    tooltip: tooltip(ctx, (i) => [
      ["Null ratio", formatPercent(ratio[i], 2)],
      ["Nulls", formatCount(values.nulls[i])],
    ]),
    series: [{ ...line("Null ratio", pairs(t, ratio), COLORS.threshold), markArea: markAreas(ctx, false) }],
  };
}

export function distinctOption(ctx: TimeContext, label: string): ChartOption {
  const { t, values } = ctx.table;
  return {
    ...timeFrame(ctx, label, "distinct (est.)"),
    tooltip: tooltip(ctx, (i) => [["Distinct (estimate)", formatNumber(values.distinct[i], 4)]]),
    series: [{ ...line("Distinct", pairs(t, values.distinct), "#7c3aed"), markArea: markAreas(ctx, false) }],
  };
}

/**
 * Mean with its quantile bands: each band is an invisible line at its lower quantile with the band's width
 * stacked on top and filled ("all" stacking, so negative values stack correctly too).
 */
export function meanOption(ctx: TimeContext, label: string): ChartOption {
  const { t, values } = ctx.table;
  const diff = (hi: readonly (number | null)[], lo: readonly (number | null)[]) =>
    t.map((time, i) => {
      const a = hi[i];
      const b = lo[i];
      return [time, a === null || a === undefined || b === null || b === undefined ? null : a - b];
    });
  const hidden: LineSeriesOption = {
    type: "line",
    showSymbol: false,
    lineStyle: { opacity: 0 },
    stackStrategy: "all",
    connectNulls: false,
    emphasis: { disabled: true },
  };
  return {
    ...timeFrame(ctx, label, "value"),
    legend: {
      top: 0,
      right: 10,
      data: [
        { name: "Mean" },
        { name: "p25–p75", itemStyle: { color: "rgba(37, 99, 235, 0.4)" } },
        { name: "p5–p95", itemStyle: { color: "rgba(37, 99, 235, 0.2)" } },
      ],
      itemWidth: 14,
      itemHeight: 8,
      textStyle: { fontSize: 11 },
    },
    tooltip: tooltip(ctx, (i) => [
      ["Mean", formatNumber(values.mean[i])],
      ["p95", formatNumber(values.q95[i])],
      ["p75", formatNumber(values.q75[i])],
      ["p25", formatNumber(values.q25[i])],
      ["p5", formatNumber(values.q05[i])],
    ]),
    series: [
      { ...hidden, name: "p5", stack: "outer", data: pairs(t, values.q05) },
      {
        ...hidden,
        name: "p5–p95",
        stack: "outer",
        data: diff(values.q95, values.q05),
        color: COLORS.band,
        areaStyle: { color: COLORS.band },
      },
      { ...hidden, name: "p25", stack: "inner", data: pairs(t, values.q25) },
      {
        ...hidden,
        name: "p25–p75",
        stack: "inner",
        data: diff(values.q75, values.q25),
        color: COLORS.bandInner,
        areaStyle: { color: COLORS.bandInner },
      },
      { ...line("Mean", pairs(t, values.mean), COLORS.target), markArea: markAreas(ctx, true) },
    ],
  };
}

/**
 * p-values are drawn as −log10 p (higher = more drift), capped here so that an underflowed p of 0 stays on
 * the chart. (A log axis was tried: ECharts 5 mis-draws its ticks below about 1e-10 and draws no markLine.)
 */
const SCORE_CAP = 50;

export interface DriftSeries {
  readonly monitorName: string;
  readonly evaluations: readonly Evaluation[];
}

/** Drift monitors compare a p-value with a lower threshold, or a distance with an upper one. */
export function isPValue(evaluations: readonly Evaluation[]): boolean {
  return evaluations.some((e) => e.thresholdLower !== null && e.thresholdUpper === null);
}

export function driftOption(ctx: TimeContext, series: readonly DriftSeries[], label: string): ChartOption {
  const all = series.flatMap((s) => s.evaluations);
  const pValue = isPValue(all);
  const metric = all[0]?.metric ?? "drift";
  const shown = (v: number | null) =>
    v === null ? null : pValue ? (v <= 0 ? SCORE_CAP : Math.min(SCORE_CAP, -Math.log10(v))) : v;
  const lookup: (readonly Evaluation[])[] = [];
  const out: (LineSeriesOption | ScatterSeriesOption)[] = [];
  const palette = [COLORS.target, "#0d9488", "#7c3aed", "#db2777"];
  series.forEach((s, k) => {
    const last = s.evaluations[s.evaluations.length - 1];
    const threshold = last === undefined ? null : (last.thresholdLower ?? last.thresholdUpper);
    lookup[out.length] = s.evaluations;
    out.push({
      ...line(s.monitorName, [], palette[k % palette.length]!),
      showSymbol: s.evaluations.length <= 60,
      data: s.evaluations.map((e) => [e.bucketStart, shown(e.value)]),
      ...(k === 0 ? { markArea: markAreas(ctx, false) } : {}),
    });
    if (threshold !== null) {
      out.push({
        type: "line",
        name: `Threshold (${s.monitorName})`,
        data: [
          [ctx.window.start, shown(threshold)],
          {
            value: [ctx.window.end, shown(threshold)],
            label: {
              show: true,
              position: "top",
              align: "right",
              formatter: `threshold ${formatNumber(threshold, 3)}`,
              color: "#92400e",
              fontSize: 10,
            },
          },
        ],
        color: COLORS.threshold,
        // Labels show only with symbols: zero-sized symbols carry the label at the right end.
        showSymbol: true,
        symbolSize: 0,
        silent: true,
        lineStyle: { type: "dashed", width: 1.5 },
        tooltip: { show: false },
        z: 4,
      });
    }
    const anomalous = s.evaluations.filter((e) => e.anomaly);
    lookup[out.length] = anomalous;
    out.push({
      type: "scatter",
      name: `Anomalous (${s.monitorName})`,
      data: anomalous.map((e) => [e.bucketStart, shown(e.value)]),
      color: COLORS.anomaly,
      symbolSize: 9,
      z: 5,
    });
  });
  return {
    ...timeFrame(ctx, label, pValue ? `−log10 ${metric} p (higher = more drift)` : metric),
    yAxis: [
      {
        type: "value",
        name: pValue ? `−log10 ${metric} p-value (higher = more drift)` : `${metric} (higher = more drift)`,
        nameTextStyle: { align: "left" },
        min: 0,
      },
    ],
    tooltip: {
      trigger: "axis",
      confine: true,
      extraCssText: TOOLTIP_CSS,
      formatter: (params: unknown) => {
        const list = axisParams(params);
        const lines: string[] = [];
        let time: number | undefined;
        for (const p of list) {
          const e = lookup[p.seriesIndex]?.[p.dataIndex];
          if (e === undefined || p.seriesName.startsWith("Anomalous")) continue;
          time = e.bucketStart;
          const category = typeof e.details["category"] === "string" ? e.details["category"] : null;
          lines.push(
            `${escapeHtml(p.seriesName)}: <b>${escapeHtml(formatNumber(e.value))}</b>` +
              (e.anomaly ? ' <b style="color:#dc2626">anomaly</b>' : "") +
              (category !== null ? ` (${escapeHtml(category.replace("_", " "))})` : ""),
            `<span style="color:#5b6472">${escapeHtml(shorten(e.summary, 200))}</span>`,
          );
        }
        if (time === undefined) {
          const first = list[0];
          time = first === undefined ? undefined : ctx.table.t[first.dataIndex];
        }
        return [`<b>${escapeHtml(formatTime(time))}</b>`, ...lines, "<i>Click to select the bucket</i>"].join(
          "<br>",
        );
      },
    },
    series: out,
  };
}

const pct = (v: number) => formatPercent(v, 1);
/** A tooltip taller than the chart is unreadable; longer values are cut here (the data table has them whole). */
const TOOLTIP_CHARS = 600;

/** Histogram (numeric) or top items (categorical) of the selected window over the baseline. */
export function distributionOption(d: Distribution, label: string): { option: ChartOption; height: number } {
  const aria = { enabled: true, label: { description: label } };
  const legend = { top: 0, data: ["Selected window", "Baseline"] };
  if (d.kind === "numeric" && d.histogram !== null) {
    const { edges, target, baseline } = d.histogram;
    const labels = target.map((_, i) => formatNumber(edges[i], 3));
    return {
      height: 300,
      option: {
        aria,
        legend,
        grid: { left: 56, right: 20, top: 36, bottom: 40 },
        xAxis: { type: "category", data: labels, name: "bin start", nameLocation: "middle", nameGap: 26 },
        yAxis: { type: "value", axisLabel: { formatter: percentTick } },
        tooltip: {
          trigger: "axis",
          confine: true,
          extraCssText: TOOLTIP_CSS,
          formatter: (params: unknown) => {
            const i = axisParams(params)[0]?.dataIndex ?? 0;
            const last = i === target.length - 1;
            return [
              `<b>${escapeHtml(`[${formatNumber(edges[i])}, ${formatNumber(edges[i + 1])}${last ? "]" : ")"}`)}</b>`,
              `Selected window: <b>${pct(target[i] ?? 0)}</b>`,
              baseline !== null ? `Baseline: <b>${pct(baseline[i] ?? 0)}</b>` : "No baseline",
            ].join("<br>");
          },
        },
        series: [
          { type: "bar", name: "Selected window", data: [...target], color: COLORS.target, barGap: "0%" },
          ...(baseline !== null
            ? [{ type: "bar" as const, name: "Baseline", data: [...baseline], color: COLORS.baseline }]
            : []),
        ],
      },
    };
  }
  const items = d.topItems ?? [];
  const hasBaseline = items.some((x) => x.baseline !== null);
  return {
    height: Math.max(220, items.length * (hasBaseline ? 26 : 20) + 70),
    option: {
      aria,
      legend,
      grid: { left: 12, right: 24, top: 36, bottom: 24, containLabel: true },
      yAxis: {
        type: "category",
        inverse: true,
        data: items.map((x) => x.value),
        axisLabel: { formatter: (v: string) => shorten(v, 28), width: 220, overflow: "truncate" },
      },
      xAxis: { type: "value", axisLabel: { formatter: percentTick } },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        confine: true,
        extraCssText: TOOLTIP_CSS,
        formatter: (params: unknown) => {
          const item = items[axisParams(params)[0]?.dataIndex ?? 0];
          if (item === undefined) return "";
          return [
            `<b>${escapeHtml(shorten(item.value, TOOLTIP_CHARS))}</b>`,
            ...(Array.from(item.value).length > TOOLTIP_CHARS
              ? [`<i>${formatCount(Array.from(item.value).length)} characters; the table below has all</i>`]
              : []),
            `Selected window: <b>${pct(item.target)}</b>`,
            `Baseline: <b>${item.baseline === null ? "—" : pct(item.baseline)}</b>`,
          ].join("<br>");
        },
      },
      series: [
        { type: "bar", name: "Selected window", data: items.map((x) => x.target), color: COLORS.target },
        ...(hasBaseline
          ? [
              {
                type: "bar" as const,
                name: "Baseline",
                data: items.map((x) => x.baseline ?? 0),
                color: COLORS.baseline,
              },
            ]
          : []),
      ],
    },
  };
}
