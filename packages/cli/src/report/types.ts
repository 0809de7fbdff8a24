// The data a drift report renders: the JSON the CLI's `drift --json` prints plus per-column distributions.
// Everything is plain JSON (no typed arrays) so it can be embedded in the HTML file as is.

import type { ColumnDriftEntry, DatasetDriftSummary, SegmentQualityFinding } from "@sightglass/analysis";

export interface ReportSide {
  /** What the user passed (a file name), for the header. */
  readonly name: string;
  /** Rows profiled (max `counts/n` over the columns). */
  readonly rows: number;
  readonly columns: number;
}

/** Two distributions over shared bins, with the interval holding each raw-data share (from the sketches). */
export interface DistributionPair {
  readonly column: string;
  readonly segment: string | null;
  readonly kind: "numeric" | "categorical";
  /** A label per bin: "[lo, hi)" for numbers, the value for categories ("__other__" for everything else). */
  readonly labels: readonly string[];
  /** Numeric pairs: bin edges (labels.length - 1 of them; both tails open). Null for categories. */
  readonly edges: readonly number[] | null;
  /** Shares per bin (each side sums to 1), with lower/upper bounds of the raw data's share. */
  readonly reference: readonly number[];
  readonly referenceLow: readonly number[];
  readonly referenceHigh: readonly number[];
  readonly target: readonly number[];
  readonly targetLow: readonly number[];
  readonly targetHigh: readonly number[];
  readonly referenceCount: number;
  readonly targetCount: number;
}

/** A few summary figures per side for the column detail (null where the column has none). */
export interface ColumnSideSummary {
  readonly count: number;
  readonly nullShare: number;
  readonly mean: number | null;
  readonly min: number | null;
  readonly median: number | null;
  readonly max: number | null;
  readonly distinct: number | null;
  readonly type: string;
}

export interface ColumnDetail {
  readonly column: string;
  readonly segment: string | null;
  readonly reference: ColumnSideSummary;
  readonly target: ColumnSideSummary;
  /** Null when the column has nothing to plot (e.g. only nulls, or timestamps). */
  readonly distribution: DistributionPair | null;
}

export interface DriftReportData {
  readonly title: string;
  /** ISO-8601 time the report was made. */
  readonly generatedAt: string;
  readonly reference: ReportSide;
  readonly target: ReportSide;
  /** As `compareProfiles` / `compareSegments` return them: most severe first. */
  readonly columns: readonly ColumnDriftEntry[];
  readonly quality: readonly SegmentQualityFinding[];
  readonly datasetDrift: DatasetDriftSummary;
  /** One per compared column (and segment). */
  readonly details: readonly ColumnDetail[];
}
