// GET /api/v1/projects/{id}/drift: the comparison of a target window with a baseline, as the analysis package's
// compareProfiles returns it (the CLI's `drift --json` prints the same shape).
import type { DriftCategory } from "../api/types";

export interface CompareColumn {
  readonly column: string;
  readonly segment: string | null;
  readonly kind: "numeric" | "categorical" | string;
  readonly method: string;
  readonly statistic: number;
  /** The method's own p-value, uncorrected; null for distances. */
  readonly pValue: number | null;
  /** After the correction across all the columns compared (what the category is read from). */
  readonly adjustedPValue: number | null;
  readonly bound: number;
  readonly category: DriftCategory;
  readonly effectSize: number;
  readonly referenceCount: number;
  readonly targetCount: number;
}

export type QualityValue = number | string | boolean | readonly string[] | null;

export interface QualityFindingJson {
  readonly check: string;
  readonly column: string;
  readonly severity: "info" | "warning" | "error";
  readonly message: string;
  readonly reference: QualityValue;
  readonly target: QualityValue;
  readonly segment: string | null;
}

export interface DatasetDriftJson {
  readonly tested: number;
  readonly drifted: number;
  readonly possibleDrift: number;
  readonly share: number;
  readonly datasetDrift: boolean;
  readonly correction: "benjamini-hochberg" | "none" | string;
  readonly driftShare: number | null;
  readonly minEffectSize: number | null;
  readonly skipped: readonly {
    readonly column: string;
    readonly segment: string | null;
    readonly reason: string;
  }[];
}

export interface Comparison {
  readonly columns: readonly CompareColumn[];
  readonly quality: readonly QualityFindingJson[];
  readonly datasetDrift: DatasetDriftJson;
}

export interface ReferencesAnswer {
  readonly references: readonly { readonly name: string; readonly datasetTimestamp?: number }[];
}
