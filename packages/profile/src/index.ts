export { ProfileError } from "./errors.js";
export type { ProfileErrorKind, ProfileErrorDetails } from "./errors.js";

export { DatasetSchema, DEFAULT_SKETCH_CONFIG, STANDARD_METRICS, STANDARD_METRIC_NAMES } from "./schema.js";
export type {
  ColumnType,
  StandardMetricName,
  SketchConfig,
  ColumnSchemaOptions,
  DatasetSchemaOptions,
  ResolvedColumn,
} from "./schema.js";

export { DatasetProfile, DatasetProfileView, WHYLOGS_TAG_PREFIX } from "./profile.js";
export type {
  DatasetProfileOptions,
  DatasetProfileViewInit,
  ProfileSummary,
  SegmentTag,
  TrackInput,
} from "./profile.js";
export { ColumnProfileView } from "./column.js";
export type { ArrowTableLike } from "./input.js";

export {
  CountsMetric,
  TypesMetric,
  DistributionMetric,
  IntsMetric,
  CardinalityMetric,
  FrequentItemsMetric,
} from "./metrics/standard.js";
export type { ColumnMetric, SummaryOptions, SummaryValue, FrequentItemSummary } from "./metrics/standard.js";
export { PreservedMetric } from "./metrics/other.js";

export { SegmentedProfile, OTHER_SEGMENT_VALUE } from "./segments.js";
export type { SegmentationOptions, SegmentedProfileOptions, TrackSegmentOptions } from "./segments.js";

export { RollingLogger } from "./rolling-logger.js";
export type { BucketInterval, BucketInfo, ProfileWriter, RollingLoggerOptions } from "./rolling-logger.js";

export { mergeModelPerformance, mergeScoreMatrices } from "./performance/score-matrix.js";
export { mergePerformance, mergeClassification, mergeRegression } from "./performance/merge.js";
export {
  PerformanceTracker,
  checkPerformanceSpec,
  performanceColumns,
  scoreColumns,
  labelText,
  DEFAULT_SCORE_BINS,
} from "./performance/tracker.js";
export type {
  PerformanceSpec,
  ClassificationSpec,
  RegressionSpec,
  PerformanceBatch,
} from "./performance/tracker.js";
export { LabelJoiner } from "./performance/label-joiner.js";
export type { LabelJoinerOptions, JoinedLabels } from "./performance/label-joiner.js";
export { HISTOGRAM_CELLS } from "./codec/performance.js";
export { decodeProfile, encodeProfileV1, EXTENSION_MAGIC, V1_MAGIC } from "./codec/index.js";
export type {
  ColumnComponents,
  DecodedProfile,
  MetricComponent,
  ModelPerformanceMessage,
  PerformanceMessage,
  ClassificationPerformanceMessage,
  RegressionPerformanceMessage,
  ScoreHistogramMessage,
  ProfileMessage,
  RegressionMetricsMessage,
  ScoreCellMessage,
  ScoreMatrixMessage,
  SegmentTagMessage,
} from "./codec/index.js";
