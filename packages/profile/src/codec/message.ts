// The format-neutral form of a profile file: what the v1 and v0 codecs read into and write from.
// Metric objects (packages/profile/src/metrics) convert to and from these components, so the codecs
// never need to know what a metric means and the metrics never see protobuf.

/**
 * One serialized metric component (`MetricComponentMessage`). `typeId` 0 means "infer from the value
 * kind"; 1 and 2 mark an int64 minimum / maximum; ≥ 100 are custom whylogs types.
 */
export type MetricComponent =
  | { readonly kind: "n"; readonly typeId: number; readonly value: bigint }
  | { readonly kind: "d"; readonly typeId: number; readonly value: number }
  | {
      readonly kind: "kll" | "hll" | "frequent_items" | "cpc" | "serialized_bytes";
      readonly typeId: number;
      readonly bytes: Uint8Array;
    }
  // `dataclass_param` (google.protobuf.Struct) and `msg` (google.protobuf.Any) are kept as their raw
  // protobuf bytes so an unknown metric can be written back unchanged.
  | { readonly kind: "dataclass_param" | "msg"; readonly typeId: number; readonly raw: Uint8Array };

/** Components of one column keyed by `namespace/component` path (e.g. `counts/n`, `distribution/kll`). */
export type ColumnComponents = Map<string, MetricComponent>;

/** A segment key as whylogs writes it: tag keys carry the `whylogs.tag.` prefix. */
export interface SegmentTagMessage {
  readonly key: string;
  readonly value: string;
}

/** One cell of a classification score matrix: a distribution of scores (KLL + mean/m2). */
export interface ScoreCellMessage {
  /** KLL doubles sketch bytes (any layout the sketch reader accepts). */
  readonly kll: Uint8Array;
  /** Values counted (v0 `variance.count`, falling back to `doubles.count`). */
  readonly count: number;
  readonly mean: number;
  readonly m2: number;
}

/** A classification confusion matrix with score distributions per cell (v0 `ScoreMatrixMessage`). */
export interface ScoreMatrixMessage {
  readonly labels: readonly string[];
  readonly predictionField: string;
  readonly targetField: string;
  readonly scoreField: string;
  /** Row-major N×N: index `prediction * N + target`. `null` marks an empty cell. */
  readonly cells: readonly (ScoreCellMessage | null)[];
}

/** Regression error sums (v0 `RegressionMetricsMessage`). */
export interface RegressionMetricsMessage {
  readonly predictionField: string;
  readonly targetField: string;
  readonly count: number;
  readonly sumAbsDiff: number;
  readonly sumDiff: number;
  readonly sum2Diff: number;
}

/** Dataset-level model performance (v0 `ModelProfileMessage`). */
export interface ModelPerformanceMessage {
  readonly outputFields: readonly string[];
  /** v0 `ModelType`: 0 unknown, 1 classification, 2 regression, 3 embeddings, 4 nlp. */
  readonly modelType: number;
  readonly scoreMatrix?: ScoreMatrixMessage;
  readonly regression?: RegressionMetricsMessage;
}

/**
 * One class's one-vs-rest score distribution: for each non-empty bin (ascending), six counts at
 * `counts[6 * i + 3 * predictedThisClass + truth]`, truth 0 = this class, 1 = another class, 2 = unknown yet.
 */
export interface ScoreHistogramMessage {
  readonly label: string;
  readonly scoreField: string;
  readonly bins: readonly number[];
  readonly counts: readonly number[];
}

/** Sightglass' mergeable classification metrics (exact counts; see FORMAT.md). */
export interface ClassificationPerformanceMessage {
  readonly predictionField: string;
  readonly targetField: string;
  /** Class labels as text, in code-point order. */
  readonly labels: readonly string[];
  /** Row-major labels × labels, index `prediction * N + target`. */
  readonly confusion: readonly number[];
  /** Per predicted label: rows whose label has not arrived. */
  readonly unlabeled: readonly number[];
  readonly scoreBins: number;
  readonly histograms: readonly ScoreHistogramMessage[];
  /** The label a binary classifier's single score column is the probability of; "" for multiclass. */
  readonly positiveLabel: string;
  readonly logLossSum: number;
  readonly logLossCount: number;
  readonly brierSum: number;
  readonly brierCount: number;
}

/** Sightglass' mergeable regression metrics. */
export interface RegressionPerformanceMessage {
  readonly predictionField: string;
  readonly targetField: string;
  readonly count: number;
  readonly unlabeled: number;
  readonly sumError: number;
  readonly sumAbsoluteError: number;
  readonly sumSquaredError: number;
  readonly targetMean: number;
  readonly targetM2: number;
  /** KLL doubles sketch of residuals (prediction − target); empty when no row had a target. */
  readonly residualKll: Uint8Array;
}

export interface PerformanceMessage {
  readonly classification?: ClassificationPerformanceMessage;
  readonly regression?: RegressionPerformanceMessage;
}

/** Everything a profile file holds, independent of the format version it came from or goes to. */
export interface ProfileMessage {
  /** Epoch milliseconds (UTC); 0 when the file does not say. */
  readonly datasetTimestamp: number;
  readonly creationTimestamp: number;
  /** `DatasetProperties.tags` (whylogs only writes `whylogs.tag.*` keys here). */
  readonly tags: ReadonlyMap<string, string>;
  readonly metadata: ReadonlyMap<string, string>;
  /** Present when the file is a segment of a segmented profile (v1 `DatasetSegmentHeader.segments[0]`). */
  readonly segment?: readonly SegmentTagMessage[];
  /** Column name → components. Column order is not significant. */
  readonly columns: ReadonlyMap<string, ColumnComponents>;
  /**
   * Metric paths a v1 header indexes that no chunk uses (e.g. whylogs' hidden `condition_count`
   * metrics). Written back into the index so a round trip keeps them.
   */
  readonly unusedMetricPaths?: readonly string[];
  /** Dataset-level model performance: v0 `modeProfile`, or the Sightglass extension of a v1 file. */
  readonly modelPerformance?: ModelPerformanceMessage;
  /**
   * Sightglass-only column metrics whylogs does not know (e.g. correlations). Written after the v1
   * chunk area, where Python whylogs readers never look.
   */
  readonly extensionColumns?: ReadonlyMap<string, ColumnComponents>;
  /** Sightglass' own model-performance metrics (extension block only). */
  readonly performance?: PerformanceMessage;
}

/** What a reader found besides the profile itself. */
export interface DecodedProfile {
  readonly message: ProfileMessage;
  readonly format: "v1" | "v0-delimited" | "v0";
  /** Bytes after the v1 chunk area that were not a Sightglass extension (e.g. whylogs' 9 junk bytes). */
  readonly ignoredTrailingBytes: number;
}
