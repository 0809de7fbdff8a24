// ECharts in React: only the chart kinds and components the pages use are registered (smaller bundle), drawn
// with the SVG renderer so labels are real text nodes (readable by screen readers and by the browser tests).
import { useEffect, useRef } from "react";
import * as echarts from "echarts/core";
import { BarChart, LineChart, ScatterChart } from "echarts/charts";
import type { BarSeriesOption, LineSeriesOption, ScatterSeriesOption } from "echarts/charts";
import {
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  MarkPointComponent,
  TitleComponent,
  TooltipComponent,
} from "echarts/components";
import type {
  DataZoomComponentOption,
  GridComponentOption,
  LegendComponentOption,
  MarkAreaComponentOption,
  MarkLineComponentOption,
  MarkPointComponentOption,
  TitleComponentOption,
  TooltipComponentOption,
} from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  LineChart,
  ScatterChart,
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  MarkPointComponent,
  TitleComponent,
  TooltipComponent,
  SVGRenderer,
]);

export type ChartOption = echarts.ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | ScatterSeriesOption
  | DataZoomComponentOption
  | GridComponentOption
  | LegendComponentOption
  | MarkAreaComponentOption
  | MarkLineComponentOption
  | MarkPointComponentOption
  | TitleComponentOption
  | TooltipComponentOption
>;

export interface ChartClick {
  readonly seriesName?: string;
  readonly dataIndex: number;
  readonly value: unknown;
}

/** Colours used across pages: the current window vs its baseline, and alarm red. */
export const COLORS = {
  target: "#2563eb",
  baseline: "#9ca3af",
  band: "rgba(37, 99, 235, 0.12)",
  bandInner: "rgba(37, 99, 235, 0.22)",
  anomaly: "#dc2626",
  threshold: "#f59e0b",
  good: "#16a34a",
} as const;

export function Chart({
  option,
  height = 240,
  label,
  onClick,
  testId,
}: {
  readonly option: ChartOption;
  readonly height?: number;
  /** What the chart shows, for screen readers (the figure's accessible name). */
  readonly label: string;
  readonly onClick?: (event: ChartClick) => void;
  readonly testId?: string;
}) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const clickHandler = useRef(onClick);
  clickHandler.current = onClick;

  useEffect(() => {
    const node = element.current;
    if (node === null) return;
    const instance = echarts.init(node, undefined, { renderer: "svg" });
    chart.current = instance;
    instance.on("click", (params) => {
      const p = params as { seriesName?: string; dataIndex: number; value: unknown };
      clickHandler.current?.({
        ...(p.seriesName !== undefined ? { seriesName: p.seriesName } : {}),
        dataIndex: p.dataIndex,
        value: p.value,
      });
    });
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(node);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    // ECharts' aria module writes its description over the container's aria-label: give it ours.
    chart.current?.setOption(
      { animation: false, aria: { enabled: true, label: { description: label } }, ...option },
      { notMerge: true },
    );
  }, [option, label]);

  return (
    <div
      ref={element}
      className="chart"
      role="img"
      aria-label={label}
      data-testid={testId}
      style={{ height, width: "100%" }}
    />
  );
}
