export { AnalysisError } from "./errors.js";
export type { AnalysisErrorKind, AnalysisErrorDetails } from "./errors.js";
export { TYPE_COUNTER_NAMES, columnFacts, inferType, nonNullCount, profileRowCount } from "./column-facts.js";
export type { ColumnFacts, InferredType, TypeCounterName } from "./column-facts.js";

export { chiSquareSf, logGamma, regularizedGammaP, regularizedGammaQ } from "./stats/gamma.js";
export { kolmogorovSf, kolmogorovSmirnovCdf, kolmogorovSmirnovSf } from "./stats/kolmogorov.js";

export { ksDistance, ksDrift, cdfError } from "./drift/ks.js";
export type { KsOptions } from "./drift/ks.js";
export { wassersteinDistance, wassersteinDrift } from "./drift/wasserstein.js";
export type { WassersteinOptions } from "./drift/wasserstein.js";
export {
  DEFAULT_QUANTILE_BINS,
  OTHER_CATEGORY,
  binnedHistogramPair,
  categoricalHistogramPair,
  maxDeviation,
  numericHistogramPair,
  quantileHistogramPair,
  termRange,
  whylogsBins,
} from "./drift/histogram-pair.js";
export type { BinTerm, BinningOptions, CdfBounds, HistogramPair } from "./drift/histogram-pair.js";
export {
  PSI_FLOOR,
  binnedDrift,
  chiSquare,
  hellinger,
  jensenShannon,
  lInfinity,
  psi,
} from "./drift/binned.js";
export type { BinnedMethod } from "./drift/binned.js";
export {
  DEFAULT_LARGE_SAMPLE_SIZE,
  DEFAULT_MAX_CATEGORICAL_INTEGERS,
  autoMethod,
  columnDrift,
  driftKind,
} from "./drift/column.js";
export type { ColumnDrift, ColumnDriftOptions, DriftKind } from "./drift/column.js";
export {
  DEFAULT_DISTANCE_THRESHOLDS,
  DEFAULT_P_VALUE_THRESHOLDS,
  DEFAULT_THRESHOLDS,
  DRIFT_METHODS,
  categoryOfDistance,
  categoryOfPValue,
  checkThresholds,
  isPValueMethod,
} from "./drift/types.js";
export type { DriftCategory, DriftMethod, DriftResult, DriftThresholds } from "./drift/types.js";

export { benjaminiHochberg } from "./multiple/benjamini-hochberg.js";
export type { FdrResult } from "./multiple/benjamini-hochberg.js";

export { datasetDrift, driftOfPairs } from "./report/dataset-drift.js";
export type {
  ColumnDriftEntry,
  Correction,
  DatasetDriftOptions,
  DatasetDriftReport,
  DatasetDriftSummary,
  ProfilePair,
  SkippedColumn,
} from "./report/dataset-drift.js";
export { dataQuality } from "./quality/checks.js";
export type {
  QualityCheck,
  QualityFinding,
  QualityOptions,
  QualityValue,
  Severity,
} from "./quality/checks.js";
export { compareProfiles, compareSegments } from "./report/compare.js";
export type { CompareOptions, ProfileComparison, SegmentQualityFinding } from "./report/compare.js";

export { checkConstraints } from "./constraints/check.js";
export { defaultConstraintName } from "./constraints/format.js";
export { parseConstraints } from "./constraints/parse.js";
export type { ConstraintFormat } from "./constraints/parse.js";
export { CHECK_NAMES } from "./constraints/types.js";
export type {
  CheckName,
  ColumnOnlyConstraint,
  ColumnsPresentConstraint,
  Constraint,
  ConstraintActual,
  ConstraintReport,
  ConstraintResult,
  ConstraintSet,
  DatatypeConstraint,
  MostCommonItemsConstraint,
  QuantileConstraint,
  RangeConstraint,
  ReferenceSetConstraint,
  ThresholdConstraint,
  TypesListConstraint,
} from "./constraints/types.js";
export { validateConstraints } from "./constraints/validate.js";

export { normalQuantile } from "./stats/normal.js";
export { binnedAveragePrecision, binnedRocAuc, binnedScores } from "./performance/histogram.js";
export type { BinnedScores, Bounded } from "./performance/histogram.js";
export {
  classificationFromScoreMatrix,
  performanceOf,
  realizedClassification,
  realizedPerformance,
  realizedRegression,
  regressionFromV0,
} from "./performance/realized.js";
export type {
  CalibrationBin,
  ClassMetrics,
  ClassificationRealized,
  RealizedPerformance,
  RegressionRealized,
} from "./performance/realized.js";
export { estimatePerformance, isotonicCalibration } from "./performance/estimate.js";
export type {
  CalibrationStability,
  Estimate,
  EstimateOptions,
  EstimatedClassMetrics,
  EstimatedClassification,
} from "./performance/estimate.js";
export { performanceReport } from "./performance/report.js";
export type {
  Disparity,
  DisparityMetric,
  PerformanceOptions,
  PerformanceReport,
  PerformanceSegmentInput,
  SegmentPerformance,
} from "./performance/report.js";
