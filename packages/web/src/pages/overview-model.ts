// The overview table's view state read from the URL (search, status filter, sort) and applied to the columns.
// Pure functions, so a thousand columns sort and filter in one pass per change.
import type { OverviewColumn } from "../api/types";
import { driftRank, SEVERITY_RANK } from "./overview-format";

export const SORT_KEYS = [
  "name",
  "type",
  "nulls",
  "distinct",
  "mean",
  "drift",
  "anomalies",
  "trend",
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = "asc" | "desc";

export const SHOW_FILTERS = ["all", "drift", "possible_drift", "anomalies"] as const;
export type ShowFilter = (typeof SHOW_FILTERS)[number];

export const SHOW_LABELS: Readonly<Record<ShowFilter, string>> = {
  all: "All",
  drift: "Drift",
  possible_drift: "Possible drift",
  anomalies: "Has anomalies",
};

/** Text columns read A→Z first; numbers, drift and anomalies read largest (worst) first. */
export const DEFAULT_DIR: Readonly<Record<SortKey, SortDir>> = {
  name: "asc",
  type: "asc",
  nulls: "desc",
  distinct: "desc",
  mean: "desc",
  drift: "desc",
  anomalies: "desc",
  trend: "desc",
};

export interface ViewState {
  readonly q: string;
  readonly show: ShowFilter;
  readonly sort: SortKey;
  readonly dir: SortDir;
}

export function viewStateOf(params: URLSearchParams): ViewState {
  const sortParam = params.get("sort") ?? "";
  const sort = (SORT_KEYS as readonly string[]).includes(sortParam) ? (sortParam as SortKey) : "drift";
  const dirParam = params.get("dir");
  const dir: SortDir = dirParam === "asc" || dirParam === "desc" ? dirParam : DEFAULT_DIR[sort];
  const showParam = params.get("show") ?? "";
  const show = (SHOW_FILTERS as readonly string[]).includes(showParam) ? (showParam as ShowFilter) : "all";
  return { q: params.get("q") ?? "", show, sort, dir };
}

export function matchesShow(column: OverviewColumn, show: ShowFilter): boolean {
  if (show === "all") return true;
  if (show === "anomalies") return column.anomalies.open > 0;
  return column.drift?.category === show;
}

/** Change from the first to the last point of the trend, relative to the first (null without two points). */
export function trendChange(points: readonly (number | null)[]): number | null {
  let first: number | null = null;
  let last: number | null = null;
  for (const p of points) {
    if (p === null || !Number.isFinite(p)) continue;
    if (first === null) first = p;
    last = p;
  }
  if (first === null || last === null) return null;
  return (last - first) / (Math.abs(first) || 1);
}

/** Sort keys: a number (or string) per column; null sorts last whichever the direction. */
function keyOf(column: OverviewColumn, sort: SortKey): number | string | null {
  switch (sort) {
    case "name":
      return column.name;
    case "type":
      return column.inferredType;
    case "nulls":
      return column.nullRatio;
    case "distinct":
      return column.distinct;
    case "mean":
      return column.mean;
    case "drift":
      return column.drift === null ? null : driftRank(column.drift.category);
    case "anomalies":
      return column.anomalies.open === 0
        ? 0
        : column.anomalies.open +
            1e6 * (column.anomalies.severity === null ? 0 : SEVERITY_RANK[column.anomalies.severity]);
    case "trend":
      return trendChange(column.sparkline.points);
  }
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareKeys(a: number | string, b: number | string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return byCodePoint(String(a), String(b));
}

/**
 * The columns the table shows, in order. The drift key breaks ties on the statistic (larger first when
 * descending), every key on the name, so the order is stable across reloads.
 */
export function visibleColumns(columns: readonly OverviewColumn[], view: ViewState): OverviewColumn[] {
  const needle = view.q.trim().toLowerCase();
  const shown = columns.filter(
    (c) => matchesShow(c, view.show) && (needle === "" || c.name.toLowerCase().includes(needle)),
  );
  const sign = view.dir === "asc" ? 1 : -1;
  const keyed = shown.map((column) => ({ column, key: keyOf(column, view.sort) }));
  keyed.sort((x, y) => {
    if (x.key === null && y.key !== null) return 1;
    if (y.key === null && x.key !== null) return -1;
    if (x.key !== null && y.key !== null) {
      const c = compareKeys(x.key, y.key);
      if (c !== 0) return sign * c;
    }
    if (view.sort === "drift" && x.column.drift !== null && y.column.drift !== null) {
      const c = x.column.drift.statistic - y.column.drift.statistic;
      if (c !== 0) return sign * c;
    }
    return byCodePoint(x.column.name, y.column.name);
  });
  return keyed.map((k) => k.column);
}

export interface OverviewCounts {
  readonly all: number;
  readonly drift: number;
  readonly possible_drift: number;
  readonly anomalies: number;
  readonly openAnomalies: number;
}

export function countsOf(columns: readonly OverviewColumn[]): OverviewCounts {
  let drift = 0;
  let possible = 0;
  let anomalous = 0;
  let open = 0;
  for (const c of columns) {
    if (c.drift?.category === "drift") drift++;
    else if (c.drift?.category === "possible_drift") possible++;
    if (c.anomalies.open > 0) anomalous++;
    open += c.anomalies.open;
  }
  return {
    all: columns.length,
    drift,
    possible_drift: possible,
    anomalies: anomalous,
    openAnomalies: open,
  };
}
