// The overview's column table, virtualized: only the rows in view (plus a few) are in the DOM, so a dataset of
// thousands of columns scrolls and sorts as fast as one of eight. An ARIA table on a CSS grid, since a real
// <table> cannot position rows absolutely; every row shares the grid template, so columns stay aligned.
import { useCallback, useRef } from "react";
import type { KeyboardEvent } from "react";
import { Link } from "react-router";
import { useVirtualizer } from "@tanstack/react-virtual";
import { enc } from "../api/client";
import type { OverviewColumn } from "../api/types";
import { Sparkline } from "../components/Sparkline";
import { driftLabel, formatCount, formatNumber, formatPercent } from "../lib/format";
import { formatP, methodLabel, methodShort, sparklineMetricLabel } from "./overview-format";
import type { SortDir, SortKey } from "./overview-model";

export const ROW_HEIGHT = 52;

const HEADERS: readonly { key: SortKey; label: string; numeric?: boolean; title?: string }[] = [
  { key: "name", label: "Column" },
  { key: "type", label: "Type" },
  { key: "nulls", label: "Null %", numeric: true },
  { key: "distinct", label: "Distinct", numeric: true, title: "Estimated number of distinct values" },
  { key: "mean", label: "Mean", numeric: true },
  {
    key: "drift",
    label: "Drift",
    title: "Category, then the statistic ± the most it can differ from its value on the raw data",
  },
  { key: "anomalies", label: "Anomalies", title: "Open and acknowledged anomalies, by most severe" },
  { key: "trend", label: "Trend", title: "Sorted by the change from the first to the last point" },
];

/** "p = 0.04", "p < 0.001". */
function pText(p: number): string {
  const text = formatP(p);
  return text.startsWith("<") ? `< ${text.slice(1)}` : `= ${text}`;
}

function DriftCell({
  column,
  noBaseline,
}: {
  readonly column: OverviewColumn;
  readonly noBaseline: boolean;
}) {
  const d = column.drift;
  // Without a baseline every row has the same reason, said once above the table.
  if (d === null && noBaseline) return <span className="muted">No baseline</span>;
  if (d === null) {
    const reason = column.driftReason ?? "not scored";
    return (
      <span className="muted small truncate" title={reason}>
        Not scored: {reason}
      </span>
    );
  }
  return (
    <div className="ov-drift">
      <div>
        <span className={`badge badge-${d.category}`} data-testid="drift-badge">
          {driftLabel(d.category)}
        </span>
        <span className="ov-stat">
          {formatNumber(d.statistic, 3)}
          <span className="muted"> ± {formatNumber(d.bound, 2)}</span>
        </span>
      </div>
      <div className="muted small truncate">
        <abbr title={methodLabel(d.method)}>{methodShort(d.method)}</abbr>
        {d.pValue !== null ? ` · p ${pText(d.pValue)}` : null}
      </div>
    </div>
  );
}

function AnomalyCell({ column }: { readonly column: OverviewColumn }) {
  const { open, severity } = column.anomalies;
  if (open === 0) return <span className="muted">None</span>;
  return (
    <span className={`badge badge-${severity ?? "neutral"}`} data-testid="anomaly-badge">
      {open} {severity ?? "open"}
    </span>
  );
}

function OverviewRow({
  column,
  index,
  start,
  projectId,
  linkSearch,
  noBaseline,
}: {
  readonly column: OverviewColumn;
  readonly index: number;
  readonly start: number;
  readonly projectId: string;
  readonly linkSearch: string;
  readonly noBaseline: boolean;
}) {
  const metric = sparklineMetricLabel(column.sparkline.metric);
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      className="ov-row"
      data-testid="column-row"
      data-column={column.name}
      data-index={index}
      style={{ transform: `translateY(${start}px)`, height: ROW_HEIGHT }}
    >
      <div role="cell" className="ov-cell ov-name">
        <Link
          to={`/projects/${enc(projectId)}/columns/${enc(column.name)}${linkSearch}`}
          className="strong truncate"
          title={column.name}
        >
          {column.name}
        </Link>
      </div>
      <div role="cell" className="ov-cell">
        <span className="truncate" title={column.inferredType}>
          {column.inferredType}
        </span>
      </div>
      <div role="cell" className="ov-cell num">
        {formatPercent(column.nullRatio)}
      </div>
      <div role="cell" className="ov-cell num">
        {formatCount(column.distinct)}
      </div>
      <div role="cell" className="ov-cell num">
        <span className="truncate" title={column.mean === null ? undefined : String(column.mean)}>
          {formatNumber(column.mean)}
        </span>
      </div>
      <div role="cell" className="ov-cell">
        <DriftCell column={column} noBaseline={noBaseline} />
      </div>
      <div role="cell" className="ov-cell">
        <AnomalyCell column={column} />
      </div>
      <div role="cell" className="ov-cell">
        <Sparkline
          points={column.sparkline.points}
          width={110}
          height={28}
          label={`${metric} of ${column.name}`}
        />
      </div>
    </div>
  );
}

export function OverviewTable({
  columns,
  total,
  projectId,
  linkSearch,
  sort,
  dir,
  onSort,
  label,
  noBaseline,
}: {
  readonly columns: readonly OverviewColumn[];
  /** Columns before the search and filter, for the accessible row count's context. */
  readonly total: number;
  readonly projectId: string;
  /** The query string column links carry (the shared window, segment and baseline). */
  readonly linkSearch: string;
  readonly sort: SortKey;
  readonly dir: SortDir;
  readonly onSort: (key: SortKey) => void;
  readonly label: string;
  /** The window has no baseline, so no column is scored. */
  readonly noBaseline: boolean;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: columns.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });

  // Arrow keys move between the rows' links; the target row may be outside the rendered slice, so scroll it in
  // first and focus it once it is drawn.
  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLDivElement>) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      const row = (event.target as HTMLElement).closest<HTMLElement>("[data-index]");
      if (row === null) return;
      const next = Number(row.dataset["index"]) + (event.key === "ArrowDown" ? 1 : -1);
      if (!(next >= 0 && next < columns.length)) return;
      event.preventDefault();
      virtualizer.scrollToIndex(next, { align: "auto" });
      let tries = 0;
      const focusNext = () => {
        const link = scroller.current?.querySelector<HTMLElement>(`[data-index="${next}"] a`);
        if (link) link.focus({ preventScroll: false });
        else if (++tries < 5) requestAnimationFrame(focusNext);
      };
      requestAnimationFrame(focusNext);
    },
    [columns.length, virtualizer],
  );

  const items = virtualizer.getVirtualItems();
  return (
    <div
      ref={scroller}
      className="ov-table"
      role="table"
      aria-label={label}
      aria-rowcount={columns.length + 1}
      aria-describedby="ov-table-help"
      data-testid="overview-table"
      data-total={total}
      onKeyDown={onKeyDown}
    >
      <div role="rowgroup" className="ov-head">
        <div role="row" aria-rowindex={1} className="ov-row ov-header-row">
          {HEADERS.map((h) => {
            const active = h.key === sort;
            return (
              <div
                key={h.key}
                role="columnheader"
                className={h.numeric ? "ov-cell num" : "ov-cell"}
                aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"}
              >
                <button
                  type="button"
                  className="sort-button"
                  onClick={() => onSort(h.key)}
                  title={h.title}
                  data-sort={h.key}
                >
                  {h.label}
                  <span aria-hidden="true" className="ov-arrow">
                    {active ? (dir === "asc" ? " ▲" : " ▼") : ""}
                  </span>
                </button>
              </div>
            );
          })}
        </div>
      </div>
      <div role="rowgroup" className="ov-body" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const column = columns[item.index]!;
          return (
            <OverviewRow
              key={column.name}
              column={column}
              index={item.index}
              start={item.start}
              projectId={projectId}
              linkSearch={linkSearch}
              noBaseline={noBaseline}
            />
          );
        })}
      </div>
    </div>
  );
}
