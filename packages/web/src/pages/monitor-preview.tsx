// The result of a monitor preview: how often it would have fired, a chart of one column × segment's value against
// its thresholds, and the evaluations (anomalies highlighted), paged so thousands of rows stay fast.
import { useMemo, useState } from "react";
import { Chart, COLORS } from "../components/Chart";
import type { ChartOption } from "../components/Chart";
import { EmptyState } from "../components/States";
import { formatCount, formatNumber, formatRange, formatTime } from "../lib/format";
import type { PreviewEvaluation, PreviewResult } from "./monitor-doc";

const PAGE_ROWS = 50;

/** The thresholds an evaluation was judged against: a band, or the one bound that applies. */
function thresholdText(e: PreviewEvaluation): string {
  const { thresholdLower: lower, thresholdUpper: upper } = e;
  if (lower !== null && upper !== null) return `${formatNumber(lower)} … ${formatNumber(upper)}`;
  if (lower !== null) return `min ${formatNumber(lower)}`;
  if (upper !== null) return `max ${formatNumber(upper)}`;
  return "—";
}

function seriesKey(e: PreviewEvaluation): string {
  return `${e.column ?? ""}\u0000${e.segment}`;
}

function seriesLabel(key: string): string {
  const [column = "", segment = ""] = key.split("\u0000");
  return `${column === "" ? "dataset" : column}${segment === "" ? "" : ` [${segment}]`}`;
}

export function PreviewView({
  result,
  start,
  end,
}: {
  readonly result: PreviewResult;
  readonly start: number;
  readonly end: number;
}) {
  const [onlyAnomalies, setOnlyAnomalies] = useState(result.anomalies > 0);
  const [shownRows, setShownRows] = useState(PAGE_ROWS);
  const keys = useMemo(() => {
    const counts = new Map<string, number>();
    for (const e of result.evaluations)
      counts.set(seriesKey(e), (counts.get(seriesKey(e)) ?? 0) + (e.anomaly ? 1 : 0));
    // Series with the most anomalies first: the chart opens on the one that fired most.
    return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  }, [result]);
  const [series, setSeries] = useState(keys[0] ?? "");
  const anomalousBuckets = useMemo(
    () => new Set(result.evaluations.filter((e) => e.anomaly).map((e) => e.bucketStart)).size,
    [result],
  );
  const rows = onlyAnomalies ? result.evaluations.filter((e) => e.anomaly) : result.evaluations;
  const chosen = useMemo(
    () => result.evaluations.filter((e) => seriesKey(e) === series && e.value !== null),
    [result, series],
  );
  const option = useMemo<ChartOption>(() => {
    const line = (pick: (e: PreviewEvaluation) => number | null) =>
      chosen.map((e) => [e.bucketStart, pick(e)]);
    return {
      grid: { left: 60, right: 20, top: 30, bottom: 40 },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      xAxis: { type: "time" },
      yAxis: { type: "value", scale: true },
      series: [
        { name: "Value", type: "line", showSymbol: false, data: line((e) => e.value), color: COLORS.target },
        ...(chosen.some((e) => e.thresholdUpper !== null)
          ? [
              {
                name: "Upper threshold",
                type: "line" as const,
                step: "middle" as const,
                showSymbol: false,
                data: line((e) => e.thresholdUpper),
                color: COLORS.threshold,
                lineStyle: { type: "dashed" as const },
              },
            ]
          : []),
        ...(chosen.some((e) => e.thresholdLower !== null)
          ? [
              {
                name: "Lower threshold",
                type: "line" as const,
                step: "middle" as const,
                showSymbol: false,
                data: line((e) => e.thresholdLower),
                color: COLORS.threshold,
                lineStyle: { type: "dotted" as const },
              },
            ]
          : []),
        {
          name: "Anomaly",
          type: "scatter",
          symbolSize: 8,
          data: chosen.filter((e) => e.anomaly).map((e) => [e.bucketStart, e.value]),
          color: COLORS.anomaly,
        },
      ],
    };
  }, [chosen]);

  return (
    <div className="preview" data-testid="preview-result">
      <p
        className={result.anomalies > 0 ? "preview-count fired" : "preview-count"}
        data-testid="preview-summary"
      >
        Would have fired <strong>{formatCount(result.anomalies)}</strong> time
        {result.anomalies === 1 ? "" : "s"} on <strong>{formatCount(anomalousBuckets)}</strong> of{" "}
        {formatCount(result.buckets)} bucket
        {result.buckets === 1 ? "" : "s"} ({formatCount(result.evaluated)} evaluations,{" "}
        {formatRange(start, end)}). Nothing was stored or sent.
      </p>
      {result.evaluated === 0 ? (
        <EmptyState title="Nothing was evaluated">
          No bucket of the window had data this monitor could judge. Choose a window with data, or check the
          columns and segments.
        </EmptyState>
      ) : (
        <>
          {chosen.length > 0 || keys.length > 1 ? (
            <div className="preview-chart">
              <label className="select-label">
                Chart series
                <select value={series} onChange={(e) => setSeries(e.target.value)}>
                  {keys.map((k) => (
                    <option key={k} value={k}>
                      {seriesLabel(k)}
                    </option>
                  ))}
                </select>
              </label>
              {chosen.length > 0 ? (
                <Chart
                  option={option}
                  height={220}
                  label={`Value and thresholds of ${seriesLabel(series)} per bucket in the preview; anomalies marked`}
                  testId="preview-chart"
                />
              ) : (
                <p className="muted small">This series has no numeric values to draw.</p>
              )}
            </div>
          ) : null}
          <div className="toolbar">
            <label className="mon-check">
              <input
                type="checkbox"
                checked={onlyAnomalies}
                onChange={(e) => {
                  setOnlyAnomalies(e.target.checked);
                  setShownRows(PAGE_ROWS);
                }}
              />{" "}
              Only anomalies
            </label>
            <span className="muted small">
              {formatCount(rows.length)} evaluation{rows.length === 1 ? "" : "s"}
            </span>
          </div>
          {rows.length === 0 ? (
            <p className="muted">No anomalies: this monitor would have stayed quiet in this window.</p>
          ) : (
            <div className="mon-scroll">
              <table className="table preview-table" data-testid="preview-table">
                <caption className="visually-hidden">Evaluations of the preview</caption>
                <thead>
                  <tr>
                    <th scope="col">Bucket</th>
                    <th scope="col">Column</th>
                    <th scope="col">Segment</th>
                    <th scope="col" className="num">
                      Value
                    </th>
                    <th scope="col" className="num">
                      Thresholds
                    </th>
                    <th scope="col" className="num">
                      Baseline
                    </th>
                    <th scope="col">Result</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.slice(0, shownRows).map((e, i) => (
                    <tr key={i} className={e.anomaly ? "anomaly-row" : undefined}>
                      <td className="mon-nowrap">{formatTime(e.bucketStart)}</td>
                      <td className="wrap-anywhere mon-name-cell">
                        {e.column === null || e.column === "" ? (
                          <span className="muted">dataset</span>
                        ) : (
                          e.column
                        )}
                      </td>
                      <td className="wrap-anywhere mon-name-cell">
                        {e.segment === "" ? <span className="muted">overall</span> : e.segment}
                      </td>
                      <td className="num">
                        {formatNumber(e.value)}
                        {e.metric !== null && e.metric !== "" ? (
                          <div className="muted small">{e.metric}</div>
                        ) : null}
                      </td>
                      <td className="num mon-nowrap">{thresholdText(e)}</td>
                      <td className="num">{formatNumber(e.baselineValue)}</td>
                      <td className="wrap-anywhere">
                        {e.anomaly ? (
                          <span className="badge badge-error">Anomaly</span>
                        ) : (
                          <span className="badge badge-ok">OK</span>
                        )}{" "}
                        <span className="small">{e.summary}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {rows.length > shownRows ? (
            <button type="button" onClick={() => setShownRows((n) => n + PAGE_ROWS)}>
              Show {Math.min(PAGE_ROWS, rows.length - shownRows)} more of{" "}
              {formatCount(rows.length - shownRows)}
            </button>
          ) : null}
        </>
      )}
    </div>
  );
}
