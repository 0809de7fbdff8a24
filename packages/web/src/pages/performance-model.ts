// The performance endpoint's answer and what the Performance page derives from it: which metrics the model's
// task has, each bucket's realized value, CBPE estimate and label coverage.

export interface Estimate {
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
  readonly standardError: number;
}

export interface ClassificationRealized {
  readonly task: "classification";
  /** Labeled rows (those the metrics are computed on) and rows still awaiting their label. */
  readonly count: number;
  readonly awaitingLabels: number;
  readonly labelCoverage: number;
  readonly average: "binary" | "macro";
  readonly positiveLabel: string | null;
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly rocAuc: number | null;
  readonly prAuc: number | null;
  readonly logLoss: number | null;
  readonly brier: number | null;
}

export interface RegressionRealized {
  readonly task: "regression";
  readonly count: number;
  readonly awaitingLabels: number;
  readonly labelCoverage: number;
  readonly mae: number;
  readonly mse: number;
  readonly rmse: number;
  readonly r2: number | null;
  readonly meanError: number;
}

export type Realized = ClassificationRealized | RegressionRealized;

export interface EstimatedClassification {
  readonly task: "classification";
  readonly method: "cbpe";
  readonly confidence: number;
  /** Scored rows of the bucket and how many of them still await their label. */
  readonly rows: number;
  readonly awaitingLabels: number;
  readonly labelCoverage: number;
  readonly accuracy: Estimate;
  readonly precision: Estimate;
  readonly recall: Estimate;
  readonly f1: Estimate;
  readonly rocAuc: Estimate | null;
  readonly referenceRows: number;
}

export interface PerformanceBucket {
  readonly start: number;
  readonly realized: Realized | null;
  readonly estimated: EstimatedClassification | null;
}

/** GET /api/v1/projects/{id}/performance */
export interface PerformanceAnswer {
  readonly start: number;
  readonly end: number;
  readonly frequency: "hour" | "day" | "week";
  readonly buckets: readonly PerformanceBucket[];
}

/** GET /api/v1/projects/{id}/buckets (the fields used here). */
export interface BucketsAnswer {
  readonly buckets: readonly {
    readonly start: number;
    readonly rows: number;
    readonly pendingRows: number;
  }[];
}

export type Task = Realized["task"];

export interface MetricDef {
  readonly id: string;
  readonly label: string;
  readonly task: Task;
  /** A share in [0, 1] (axis up to 1, shown with 3 decimals). */
  readonly rate: boolean;
  readonly higherIsBetter: boolean;
  readonly realized: (r: Realized) => number | null;
  /** CBPE estimates exist for classification headline metrics only. */
  readonly estimated: ((e: EstimatedClassification) => Estimate | null) | null;
}

function classification(
  id: string,
  label: string,
  realized: (r: ClassificationRealized) => number | null,
  estimated: ((e: EstimatedClassification) => Estimate | null) | null,
  rate = true,
  higherIsBetter = true,
): MetricDef {
  return {
    id,
    label,
    task: "classification",
    rate,
    higherIsBetter,
    realized: (r) => (r.task === "classification" ? realized(r) : null),
    estimated,
  };
}

function regression(
  id: string,
  label: string,
  realized: (r: RegressionRealized) => number | null,
  higherIsBetter = false,
): MetricDef {
  return {
    id,
    label,
    task: "regression",
    rate: false,
    higherIsBetter,
    realized: (r) => (r.task === "regression" ? realized(r) : null),
    estimated: null,
  };
}

export const METRICS: readonly MetricDef[] = [
  classification(
    "accuracy",
    "Accuracy",
    (r) => r.accuracy,
    (e) => e.accuracy,
  ),
  classification(
    "precision",
    "Precision",
    (r) => r.precision,
    (e) => e.precision,
  ),
  classification(
    "recall",
    "Recall",
    (r) => r.recall,
    (e) => e.recall,
  ),
  classification(
    "f1",
    "F1",
    (r) => r.f1,
    (e) => e.f1,
  ),
  classification(
    "roc_auc",
    "ROC AUC",
    (r) => r.rocAuc,
    (e) => e.rocAuc,
  ),
  classification("pr_auc", "PR AUC", (r) => r.prAuc, null),
  classification("log_loss", "Log loss", (r) => r.logLoss, null, false, false),
  classification("brier", "Brier score", (r) => r.brier, null, true, false),
  regression("mae", "MAE", (r) => r.mae),
  regression("rmse", "RMSE", (r) => r.rmse),
  regression("mse", "MSE", (r) => r.mse),
  regression("r2", "R²", (r) => r.r2, true),
  regression("mean_error", "Mean error", (r) => r.meanError),
];

/** The model's task, from the first bucket that says; null when no bucket carries performance. */
export function taskOf(buckets: readonly PerformanceBucket[]): Task | null {
  for (const b of buckets) {
    if (b.realized !== null) return b.realized.task;
    if (b.estimated !== null) return b.estimated.task;
  }
  return null;
}

export function metricsFor(task: Task): readonly MetricDef[] {
  return METRICS.filter((m) => m.task === task);
}

export function finite(n: number | null | undefined): number | null {
  return n === null || n === undefined || !Number.isFinite(n) ? null : n;
}

export interface BucketPoint {
  readonly start: number;
  readonly realized: number | null;
  /** The estimate where some rows await labels (where all are labeled it equals the realized value). */
  readonly estimate: Estimate | null;
  readonly labeled: number | null;
  readonly rows: number | null;
  readonly awaiting: boolean;
}

/**
 * Per bucket: the metric's realized value, its estimate where labels are missing, and label coverage. Rows
 * come from the performance counts, else from the bucket's row count (a bucket whose rows all await labels
 * and that has no estimate carries no counts of its own).
 */
export function bucketPoints(
  buckets: readonly PerformanceBucket[],
  metric: MetricDef,
  rowsByStart: ReadonlyMap<number, number>,
  task: Task | null,
): BucketPoint[] {
  return buckets.map((b) => {
    const r = b.realized;
    const e = b.estimated;
    let labeled: number | null = null;
    let rows: number | null = null;
    if (r !== null) {
      labeled = r.count;
      rows = r.count + r.awaitingLabels;
    } else if (e !== null) {
      labeled = e.rows - e.awaitingLabels;
      rows = e.rows;
    } else if (task !== null) {
      const n = rowsByStart.get(b.start);
      if (n !== undefined && n > 0) {
        labeled = 0;
        rows = n;
      }
    }
    const awaiting = rows !== null && labeled !== null && labeled < rows;
    const estimate = e !== null && metric.estimated !== null && awaiting ? metric.estimated(e) : null;
    return {
      start: b.start,
      realized: r === null ? null : finite(metric.realized(r)),
      estimate: estimate !== null && Number.isFinite(estimate.value) ? estimate : null,
      labeled,
      rows,
      awaiting,
    };
  });
}

export interface PerformanceSummary {
  readonly latestRealized: { readonly start: number; readonly value: number } | null;
  readonly latestEstimate: { readonly start: number; readonly estimate: Estimate } | null;
  readonly labeled: number;
  readonly rows: number;
  /** Start of the trailing run of buckets still awaiting labels (null when the latest bucket is labeled). */
  readonly awaitingSince: number | null;
  readonly awaitingUntil: number | null;
}

export function summarize(points: readonly BucketPoint[]): PerformanceSummary {
  let latestRealized: PerformanceSummary["latestRealized"] = null;
  let latestEstimate: PerformanceSummary["latestEstimate"] = null;
  let labeled = 0;
  let rows = 0;
  for (const p of points) {
    if (p.realized !== null) latestRealized = { start: p.start, value: p.realized };
    if (p.estimate !== null) latestEstimate = { start: p.start, estimate: p.estimate };
    if (p.rows !== null && p.labeled !== null) {
      labeled += p.labeled;
      rows += p.rows;
    }
  }
  let awaitingSince: number | null = null;
  let awaitingUntil: number | null = null;
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i]!;
    if (p.rows === null) continue;
    if (!p.awaiting) break;
    awaitingSince = p.start;
    awaitingUntil ??= p.start;
  }
  return { latestRealized, latestEstimate, labeled, rows, awaitingSince, awaitingUntil };
}
