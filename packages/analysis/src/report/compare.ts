// The full comparison of a target profile with a reference: drift of every column with the false-alarm
// control across columns (and segments), and the data-quality findings. The CLI's `drift --json`, the
// server's monitors and the UI's comparison page all read this one shape.

import type { DatasetProfileView } from "@sightglass/profile";
import { dataQuality } from "../quality/checks.js";
import type { QualityFinding, QualityOptions } from "../quality/checks.js";
import { driftOfPairs } from "./dataset-drift.js";
import type {
  ColumnDriftEntry,
  DatasetDriftOptions,
  DatasetDriftSummary,
  ProfilePair,
} from "./dataset-drift.js";

export interface CompareOptions {
  readonly drift?: DatasetDriftOptions;
  readonly quality?: QualityOptions;
}

/** A quality finding, with the segment it was found in (null for an unsegmented comparison). */
export type SegmentQualityFinding = QualityFinding & { readonly segment: string | null };

export interface ProfileComparison {
  /** Per column (and segment), most severe first. */
  readonly columns: readonly ColumnDriftEntry[];
  /** Most severe first. */
  readonly quality: readonly SegmentQualityFinding[];
  readonly datasetDrift: DatasetDriftSummary;
}

/** Compares every segment's target with its reference; p-values are corrected across all segments together. */
export function compareSegments(
  pairs: readonly ProfilePair[],
  options: CompareOptions = {},
): ProfileComparison {
  const drift = driftOfPairs(pairs, options.drift);
  // One notion of "an integer column of few values is categorical" for the whole comparison: the quality
  // checks follow the drift option unless told otherwise.
  const integers = options.quality?.maxCategoricalIntegers ?? options.drift?.maxCategoricalIntegers;
  const qualityOptions: QualityOptions | undefined =
    integers === undefined ? options.quality : { ...options.quality, maxCategoricalIntegers: integers };
  const quality = pairs.flatMap(({ segment, reference, target }) =>
    dataQuality(reference, target, qualityOptions).map((f) => ({ ...f, segment })),
  );
  return { columns: drift.columns, quality, datasetDrift: drift.summary };
}

/** Compares a target profile with a reference profile: drift of every shared column and quality findings. */
export function compareProfiles(
  reference: DatasetProfileView,
  target: DatasetProfileView,
  options: CompareOptions = {},
): ProfileComparison {
  return compareSegments([{ segment: null, reference, target }], options);
}
