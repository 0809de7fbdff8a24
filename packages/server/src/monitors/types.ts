// The monitor configuration document: one analyzer applied to target columns × segments against a baseline,
// with who is told about anomalies and how. Kept as plain JSON (or YAML) so that it can be versioned, diffed and
// edited through the API; parseMonitorConfig (config.ts) validates it and fills the defaults.
import type { DriftMethod } from "@sightglass/analysis";

/** How bad an anomaly is; the names are PagerDuty's (Events v2 `payload.severity`). */
export type MonitorSeverity = "critical" | "error" | "warning" | "info";

export const MONITOR_SEVERITIES: readonly MonitorSeverity[] = ["critical", "error", "warning", "info"];

/**
 * Columns an analyzer looks at. `include` entries are column names, wildcards (`*` matches any run of
 * characters, e.g. `income_*`), or groups: `group:inputs`, `group:outputs` (outputs are the model's prediction,
 * score and target columns of the profile's performance spec, plus columns whose name contains "output", as in
 * WhyLabs), `group:numeric`, `group:categorical`. `exclude` uses the same forms and wins over include.
 */
export interface TargetSpec {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/**
 * What an analyzer compares with:
 * - `trailing`: the `buckets` buckets before the evaluated one (merged; per bucket for stddev);
 * - `reference`: a named reference profile (of the same segment);
 * - `range`: a fixed time range [start, end) in epoch ms.
 */
export type BaselineSpec =
  | { readonly type: "trailing"; readonly buckets: number }
  | { readonly type: "reference"; readonly name: string }
  | { readonly type: "range"; readonly start: number; readonly end: number };

/**
 * Column metrics that fixed / stddev / percent-change analyzers read. Friendly names map to whylogs summary
 * keys; any whylogs summary key (`counts/n`, `distribution/q_90`, …) is accepted as well.
 * Dataset-level metrics: `row_count`, `column_count`.
 */
export const COLUMN_METRICS = [
  "count",
  "null_count",
  "null_ratio",
  "mean",
  "stddev",
  "min",
  "max",
  "median",
  "q_05",
  "q_25",
  "q_75",
  "q_95",
  "distinct",
  "distinct_ratio",
] as const;
export type ColumnMetricName = (typeof COLUMN_METRICS)[number];
export const DATASET_METRICS = ["row_count", "column_count"] as const;
export type DatasetMetricName = (typeof DATASET_METRICS)[number];

/** Performance metrics a performance analyzer can watch (binary or macro-averaged for multiclass). */
export const PERFORMANCE_METRICS = ["accuracy", "precision", "recall", "f1", "roc_auc"] as const;
export type PerformanceMetricName = (typeof PERFORMANCE_METRICS)[number];

/** Data-quality checks of @sightglass/analysis dataQuality that a monitor can run per column. */
export const MONITOR_QUALITY_CHECKS = [
  "missing_values",
  "type_mismatch",
  "new_category",
  "vanished_category",
  "out_of_range",
  "quantile_range",
  "cardinality_change",
  "constant_column",
] as const;
export type MonitorQualityCheck = (typeof MONITOR_QUALITY_CHECKS)[number];

export type AnalyzerConfig =
  /**
   * Distribution drift per column. `method` "auto" picks by type and size as the drift reports do; a
   * column alarms only when even the favourable end of its score's error bound is past the threshold (p-value
   * methods: below `threshold`, default 0.05 after Benjamini–Hochberg across the monitor's columns; distances:
   * at or above `threshold`, default the method's drift threshold).
   */
  | {
      readonly type: "drift";
      readonly method: DriftMethod | "auto";
      readonly threshold: number | null;
      /** Columns with fewer non-null values than this on either side are not scored. */
      readonly minCount: number;
    }
  /** A metric outside [lower, upper] (either may be null = unbounded). */
  | {
      readonly type: "fixed";
      readonly metric: string;
      readonly lower: number | null;
      readonly upper: number | null;
    }
  /** A metric outside mean ± factor·stddev of its values in the baseline's buckets (trailing or range). */
  | {
      readonly type: "stddev";
      readonly metric: string;
      readonly factor: number;
      /** Baseline buckets with a value needed before anything alarms. */
      readonly minBuckets: number;
      readonly direction: "both" | "up" | "down";
    }
  /** A metric that moved by more than `percent` % from its baseline value (the baseline merged). */
  | {
      readonly type: "percent_change";
      readonly metric: string;
      readonly percent: number;
      readonly direction: "both" | "up" | "down";
    }
  /** No profile (or fewer rows than `minRows`) arrived for a bucket that closed. Dataset-level. */
  | { readonly type: "missing_data"; readonly minRows: number }
  /** Columns added / removed / changing inferred type relative to the baseline. Dataset-level. */
  | {
      readonly type: "schema_change";
      readonly added: boolean;
      readonly removed: boolean;
      readonly typeChanged: boolean;
    }
  /** Data-quality checks against the baseline (per column; statistically significant changes only). */
  | {
      readonly type: "data_quality";
      readonly checks: readonly MonitorQualityCheck[];
      /** Absolute growth of the missing share that matters (default 0.05). */
      readonly missingIncrease: number;
      /** Significance of the count-based checks (default 0.001). */
      readonly significance: number;
    }
  /**
   * Realized performance (labels present) below the baseline's by more than `maxDrop` (absolute, in the
   * metric's units). Dataset-level; needs a profile with a performance spec.
   */
  | {
      readonly type: "performance_drop";
      readonly metric: PerformanceMetricName;
      readonly maxDrop: number;
      /** Rows with labels needed in the bucket before it is judged. */
      readonly minLabeled: number;
      /**
       * A bucket's labeled rows are a sample of the model's traffic: it alarms only when the upper end of this
       * two-sided confidence interval of its metric is below the limit (Wilson intervals for accuracy and binary
       * precision / recall; ROC AUC's binning interval; F1 and macro averages as measured).
       */
      readonly confidence: number;
    }
  /**
   * CBPE-estimated performance (where labels have not arrived) below the baseline's realized performance by more
   * than `maxDrop`, judged on the upper end of the estimate's interval. Baseline must carry labels.
   */
  | {
      readonly type: "estimated_performance_drop";
      readonly metric: PerformanceMetricName;
      readonly maxDrop: number;
      readonly confidence: number;
    };

export type AnalyzerType = AnalyzerConfig["type"];

/** Analyzers that produce one evaluation per bucket and segment (column ""), not per column. */
export const DATASET_ANALYZERS: readonly AnalyzerType[] = [
  "missing_data",
  "schema_change",
  "performance_drop",
  "estimated_performance_drop",
];

export type NotifyMode = "immediate" | "digest-hourly" | "digest-daily";

export interface NotifySpec {
  /** Ids of the organization's notification channels. */
  readonly channels: readonly string[];
  readonly mode: NotifyMode;
}

/**
 * Segments evaluated: "" is the whole dataset; `key=value&key2=value2` a segment; a value `*` fans out over every
 * value seen for that key (`region=*`); `*` alone means the whole dataset and every segment.
 */
export type SegmentSelector = string;

/** A validated monitor with every default filled in. */
export interface MonitorConfig {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly analyzer: AnalyzerConfig;
  /** Ignored by dataset-level analyzers. */
  readonly targets: TargetSpec;
  readonly segments: readonly SegmentSelector[];
  /** Unused by missing_data; required (defaulted to trailing 7) by everything else. */
  readonly baseline: BaselineSpec;
  readonly severity: MonitorSeverity;
  readonly notify: NotifySpec;
}

/** One problem in a monitor document: a JSON pointer to the offending field and what is wrong with it. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** Project-wide scheduling settings of the monitors. */
export interface MonitorSettings {
  /** Wait after a bucket closes before its first evaluation (late-arriving profiles of that bucket). */
  readonly readinessDelayMs: number;
  /** Changed buckets older than this (from now) are not re-evaluated automatically. */
  readonly backfillHorizonMs: number;
  /** Wait after the last change to an already-closed bucket before re-evaluating it (batches bursts). */
  readonly settleMs: number;
}
