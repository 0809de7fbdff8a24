// Builds what the HTML drift report renders from the comparison and the profiles it was computed from: the
// comparison itself, plus per column a few summary figures per side and the two distributions over shared bins
// with the interval each raw-data share must lie in. The result is plain JSON (no typed arrays, no NaN or
// infinities) because the report embeds it verbatim in the page.

import {
  AnalysisError,
  OTHER_CATEGORY,
  categoricalHistogramPair,
  columnFacts,
  driftKind,
  numericHistogramPair,
  profileRowCount,
} from "@sightglass/analysis";
import type { ColumnFacts, DriftKind, HistogramPair, ProfileComparison } from "@sightglass/analysis";
import type { ColumnProfileView, DatasetProfileView, SummaryValue } from "@sightglass/profile";
import { CliError } from "../errors.js";
import type {
  ColumnDetail,
  ColumnSideSummary,
  DistributionPair,
  DriftReportData,
  ReportSide,
} from "./types.js";

/** One segment's profile of one side (segment null for an unsegmented comparison). */
export interface SegmentView {
  readonly segment: string | null;
  readonly view: DatasetProfileView;
}

export interface DriftReportSideInput {
  /** What the user passed (a file name), shown in the header. */
  readonly name: string;
  /** The same segment pairing the comparison was computed from. */
  readonly views: readonly SegmentView[];
}

export interface DriftReportInput {
  /** Default: "Drift report: <target> vs <reference>". */
  readonly title?: string;
  /** Default: now. */
  readonly generatedAt?: Date;
  readonly reference: DriftReportSideInput;
  readonly target: DriftReportSideInput;
  readonly comparison: ProfileComparison;
  /** At most this many named categories per chart; the rest are folded into `__other__`. Default 30. */
  readonly maxCategories?: number;
}

export const DEFAULT_MAX_CATEGORIES = 30;

/**
 * The data of a drift report. Details come in the comparison's order (most severe first), then the skipped
 * columns that exist on both sides.
 * @throws CliError `usage` for an invalid `maxCategories`; Error when the comparison names a segment the
 *   views do not have (the caller paired them differently: a bug, not a user error).
 */
export function buildDriftReportData(input: DriftReportInput): DriftReportData {
  const maxCategories = input.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  if (!Number.isInteger(maxCategories) || maxCategories < 1) {
    throw new CliError(
      "usage",
      `the category limit must be a whole number ≥ 1, got ${String(maxCategories)}`,
    );
  }
  const generatedAt = input.generatedAt ?? new Date();
  const { comparison } = input;
  const reference = bySegment(input.reference.views);
  const target = bySegment(input.target.views);

  const details: ColumnDetail[] = [];
  for (const entry of comparison.columns) {
    const pair = columnPair(reference, target, entry.column, entry.segment);
    if (pair === null) {
      throw new Error(
        `the comparison has column ${JSON.stringify(entry.column)} of segment ${JSON.stringify(entry.segment)}, ` +
          "which the report's profiles do not have on both sides",
      );
    }
    details.push(columnDetail(entry.column, entry.segment, pair, entry.kind, maxCategories));
  }
  for (const skipped of comparison.datasetDrift.skipped) {
    // A column requested but missing from a side has nothing to show next to what it lacks.
    const pair = columnPair(reference, target, skipped.column, skipped.segment);
    if (pair === null) continue;
    const kind = driftKind(pair.reference.facts, pair.target.facts);
    details.push(columnDetail(skipped.column, skipped.segment, pair, kind, maxCategories));
  }

  const data: DriftReportData = {
    title: input.title ?? `Drift report: ${input.target.name} vs ${input.reference.name}`,
    generatedAt: generatedAt.toISOString(),
    reference: reportSide(input.reference),
    target: reportSide(input.target),
    columns: comparison.columns,
    quality: comparison.quality,
    datasetDrift: comparison.datasetDrift,
    details,
  };
  return jsonSafe(data);
}

function bySegment(views: readonly SegmentView[]): Map<string | null, DatasetProfileView> {
  return new Map(views.map((v) => [v.segment, v.view]));
}

interface ColumnSide {
  readonly column: ColumnProfileView;
  readonly facts: ColumnFacts;
}

function columnPair(
  reference: Map<string | null, DatasetProfileView>,
  target: Map<string | null, DatasetProfileView>,
  column: string,
  segment: string | null,
): { reference: ColumnSide; target: ColumnSide } | null {
  const r = reference.get(segment)?.column(column);
  const t = target.get(segment)?.column(column);
  if (r === undefined || t === undefined) return null;
  return { reference: { column: r, facts: columnFacts(r) }, target: { column: t, facts: columnFacts(t) } };
}

function columnDetail(
  column: string,
  segment: string | null,
  pair: { reference: ColumnSide; target: ColumnSide },
  kind: DriftKind | null,
  maxCategories: number,
): ColumnDetail {
  return {
    column,
    segment,
    reference: sideSummary(pair.reference),
    target: sideSummary(pair.target),
    distribution: kind === null ? null : distributionPair(column, segment, pair, kind, maxCategories),
  };
}

function numberOf(value: SummaryValue | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function sideSummary({ column, facts }: ColumnSide): ColumnSideSummary {
  // The item list is not shown here (the chart has the categories), so the summary need not sort it.
  const summary = column.toSummary({ frequentItemsLimit: 0 });
  const count = numberOf(summary["counts/n"]) ?? facts.count;
  const nulls = numberOf(summary["counts/null"]) ?? facts.nulls;
  // A column of strings has a distribution metric too, with no numbers in it: its mean reads 0, not unknown.
  const numbers = (numberOf(summary["distribution/n"]) ?? 0) > 0;
  return {
    count,
    nullShare: count > 0 ? nulls / count : 0,
    mean: numbers ? numberOf(summary["distribution/mean"]) : null,
    min: numbers ? numberOf(summary["distribution/min"]) : null,
    median: numbers ? numberOf(summary["distribution/median"]) : null,
    max: numbers ? numberOf(summary["distribution/max"]) : null,
    distinct: numberOf(summary["cardinality/est"]),
    type: facts.inferredType,
  };
}

function distributionPair(
  column: string,
  segment: string | null,
  { reference, target }: { reference: ColumnSide; target: ColumnSide },
  kind: DriftKind,
  maxCategories: number,
): DistributionPair | null {
  const r = reference.facts;
  const t = target.facts;
  let pair: HistogramPair;
  try {
    if (kind === "numeric") {
      if (r.kll === null || t.kll === null || r.kll.isEmpty() || t.kll.isEmpty()) return null;
      pair = numericHistogramPair(r.kll, t.kll);
    } else {
      const rf = r.frequentItems;
      const tf = t.frequentItems;
      if (rf === null || tf === null || rf.getTotalWeight() === 0 || tf.getTotalWeight() === 0) return null;
      pair = categoricalHistogramPair(rf, tf);
    }
  } catch (error) {
    // A chart is an illustration: a distribution the analysis cannot bin must not cost the whole report.
    if (error instanceof AnalysisError) return null;
    throw error;
  }
  const plain: DistributionPair = {
    column,
    segment,
    kind,
    labels: [...pair.labels],
    edges: pair.edges === null ? null : Array.from(pair.edges),
    reference: Array.from(pair.reference),
    referenceLow: Array.from(pair.referenceLow),
    referenceHigh: Array.from(pair.referenceHigh),
    target: Array.from(pair.target),
    targetLow: Array.from(pair.targetLow),
    targetHigh: Array.from(pair.targetHigh),
    referenceCount: pair.referenceCount,
    targetCount: pair.targetCount,
  };
  return kind === "categorical" ? capCategories(plain, maxCategories) : plain;
}

type Series = "reference" | "referenceLow" | "referenceHigh" | "target" | "targetLow" | "targetHigh";
const SERIES: readonly Series[] = [
  "reference",
  "referenceLow",
  "referenceHigh",
  "target",
  "targetLow",
  "targetHigh",
];

/**
 * Orders the categories by their larger share (reference or target), so the chart leads with what matters,
 * and keeps at most `max` of them; the rest join `__other__`, whose share is their sum and whose interval is
 * the sum of theirs (the raw share of a union lies between the sums of its parts' bounds).
 */
export function capCategories(pair: DistributionPair, max: number): DistributionPair {
  const last = pair.labels.length - 1;
  const hasOther = last >= 0 && pair.labels[last] === OTHER_CATEGORY;
  const named = Array.from({ length: hasOther ? last : last + 1 }, (_, i) => i);
  const weight = (i: number) => Math.max(pair.reference[i]!, pair.target[i]!);
  named.sort((a, b) => weight(b) - weight(a) || compareLabels(pair.labels[a]!, pair.labels[b]!));
  const kept = named.slice(0, max);
  const folded = named.slice(max);
  if (hasOther) folded.push(last);

  const labels = kept.map((i) => pair.labels[i]!);
  const series = Object.fromEntries(SERIES.map((s) => [s, kept.map((i) => pair[s][i]!)])) as Record<
    Series,
    number[]
  >;
  if (folded.length > 0) {
    labels.push(OTHER_CATEGORY);
    for (const s of SERIES) {
      let sum = 0;
      for (const i of folded) sum += pair[s][i]!;
      series[s].push(s.endsWith("High") ? Math.min(1, sum) : sum);
    }
  }
  return { ...pair, labels, ...series };
}

function compareLabels(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function reportSide(side: DriftReportSideInput): ReportSide {
  let rows = 0;
  const columns = new Set<string>();
  for (const { view } of side.views) {
    for (const name of view.columnNames()) columns.add(name);
    // Segments partition the rows, so their row counts add up.
    rows += profileRowCount(view);
  }
  return { name: side.name, rows, columns: columns.size };
}

/**
 * A deep copy with every non-finite number replaced by null and typed arrays turned into plain arrays: JSON
 * would write NaN and infinities as null anyway, but silently, and typed arrays as objects keyed by index.
 */
export function jsonSafe<T>(value: T): T {
  return safe(value) as T;
}

function safe(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (value === null || typeof value !== "object") return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, (x) => safe(x));
  }
  if (Array.isArray(value)) return value.map((x) => safe(x));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = safe(v);
  return out;
}
