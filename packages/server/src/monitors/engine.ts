// Evaluating monitors on one bucket: each monitor × target (a column, or "" for dataset-level analyzers) ×
// segment gives one evaluation — the measured value with its uncertainty from the sketches, the thresholds it
// was held against, the baseline's value, and whether it is an anomaly. Nothing here writes to the store, so the
// same code serves scheduled runs, re-runs and previews.
import {
  DEFAULT_P_VALUE_THRESHOLDS,
  DEFAULT_THRESHOLDS,
  benjaminiHochberg,
  columnFacts,
  dataQuality,
  driftOfPairs,
  isPValueMethod,
  kolmogorovSmirnovSf,
  normalQuantile,
  performanceOf,
  performanceReport,
  profileRowCount,
  realizedPerformance,
} from "@sightglass/analysis";
import type { ColumnDriftEntry, Estimate, QualityFinding } from "@sightglass/analysis";
import type { DatasetProfileView } from "@sightglass/profile";
import type { Store } from "../db/connect.js";
import type { BatchFrequency } from "../db/schema.js";
import { ApiError } from "../errors.js";
import { columnScalars as summaryOf } from "../store/profiles.js";
import type { ScalarMetrics } from "../store/profiles.js";
import { bucketMetrics, bucketProfiles, mergedRange, referenceProfile } from "../store/ranges.js";
import { bucketStart, nextBucketStart } from "../time.js";
import { isOutputColumnName, resolveSegments, resolveTargets } from "./targets.js";
import type { ColumnInfo } from "./targets.js";
import { DATASET_ANALYZERS } from "./types.js";
import type { AnalyzerConfig, BaselineSpec, MonitorConfig, PerformanceMetricName } from "./types.js";

export interface EvaluatedProject {
  readonly id: string;
  readonly frequency: BatchFrequency;
  readonly time_zone: string;
}

export interface MonitorDefinition {
  readonly id: string;
  readonly version: number;
  readonly config: MonitorConfig;
}

export interface Evaluation {
  readonly monitorId: string;
  readonly monitorVersion: number;
  readonly analyzer: AnalyzerConfig["type"];
  /** The column, or "" for a dataset-level analyzer. */
  readonly column: string;
  readonly segment: string;
  readonly bucketStart: number;
  readonly metric: string;
  readonly value: number | null;
  readonly valueLower: number | null;
  readonly valueUpper: number | null;
  /** Anomalous below thresholdLower or above thresholdUpper (null = unbounded on that side). */
  readonly thresholdLower: number | null;
  readonly thresholdUpper: number | null;
  readonly baselineValue: number | null;
  readonly anomaly: boolean;
  /** One line a person can act on (what was measured against what). */
  readonly summary: string;
  readonly details: Readonly<Record<string, unknown>>;
  /** Version of the bucket's merged profile when evaluated (0 = no data). */
  readonly bucketVersion: number;
}

/** Friendly metric names → whylogs summary keys (ratios are computed from two keys). */
const METRIC_KEYS: Readonly<Record<string, string>> = {
  count: "counts/n",
  null_count: "counts/null",
  mean: "distribution/mean",
  stddev: "distribution/stddev",
  min: "distribution/min",
  max: "distribution/max",
  median: "distribution/median",
  q_05: "distribution/q_05",
  q_25: "distribution/q_25",
  q_75: "distribution/q_75",
  q_95: "distribution/q_95",
  distinct: "cardinality/est",
};

/** A column metric from a column's scalar summary; null when the column does not have it. */
export function metricOf(metrics: ScalarMetrics | undefined, metric: string): number | null {
  if (metrics === undefined) return null;
  if (metric === "null_ratio") {
    const n = metrics["counts/n"];
    const nulls = metrics["counts/null"];
    return n === undefined || n === null || n === 0 ? null : (nulls ?? 0) / n;
  }
  if (metric === "distinct_ratio") {
    const n = metrics["counts/n"];
    const est = metrics["cardinality/est"];
    const nonNull = (n ?? 0) - (metrics["counts/null"] ?? 0);
    return est === undefined || est === null || nonNull <= 0 ? null : est / nonNull;
  }
  const v = metrics[METRIC_KEYS[metric] ?? metric];
  return v === undefined ? null : v;
}

const isDatasetMetric = (metric: string) => metric === "row_count" || metric === "column_count";

function datasetMetricOf(view: DatasetProfileView | undefined, metric: string): number | null {
  if (view === undefined) return metric === "row_count" ? 0 : null;
  return metric === "row_count" ? profileRowCount(view) : view.columnNames().length;
}

const fmt = (x: number | null) =>
  x === null ? "n/a" : Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));

function describeBaseline(b: BaselineSpec): string {
  if (b.type === "trailing") return `trailing ${b.buckets} bucket${b.buckets === 1 ? "" : "s"}`;
  if (b.type === "reference") return `reference ${JSON.stringify(b.name)}`;
  return `${new Date(b.start).toISOString()} … ${new Date(b.end).toISOString()}`;
}

/**
 * The Wilson score interval of a proportion of `successes` in `n` trials: unlike the normal approximation it stays
 * inside [0, 1] and is honest for small n and proportions near 0 or 1.
 */
export function wilsonInterval(successes: number, n: number, confidence: number): [number, number] {
  if (n <= 0) return [0, 1];
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / n;
  const z2n = (z * z) / n;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))) / (1 + z2n);
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/** A realized classification metric of a profile with the interval its labeled rows allow (see performance_drop). */
function realizedMetric(
  view: DatasetProfileView | undefined,
  metric: PerformanceMetricName,
  confidence: number,
): { value: number; lower: number; upper: number; labeled: number } | null {
  if (view === undefined) return null;
  const realized = realizedPerformance(performanceOf(view));
  if (realized === null || realized.task !== "classification" || realized.count === 0) return null;
  const labeled = realized.count;
  if (metric === "roc_auc") {
    if (realized.rocAuc === null) return null;
    const b = realized.rocAucBounds;
    return {
      value: realized.rocAuc,
      lower: b?.lower ?? realized.rocAuc,
      upper: b?.upper ?? realized.rocAuc,
      labeled,
    };
  }
  const value = realized[metric];
  const proportion = (successes: number, n: number) => {
    const [lower, upper] = wilsonInterval(successes, n, confidence);
    return { value, lower, upper, labeled };
  };
  if (metric === "accuracy") return proportion(Math.round(value * labeled), labeled);
  const { labels, counts } = realized.confusionMatrix;
  const pos = realized.average === "binary" ? labels.indexOf(realized.positiveLabel ?? "") : -1;
  if (pos >= 0 && (metric === "precision" || metric === "recall")) {
    // counts[prediction][truth]: precision is over predicted positives, recall over actual positives.
    const tp = counts[pos]![pos]!;
    const n =
      metric === "precision"
        ? counts[pos]!.reduce((s, c) => s + c, 0)
        : counts.reduce((s, row) => s + row[pos]!, 0);
    if (n > 0) return proportion(tp, n);
  }
  return { value, lower: value, upper: value, labeled };
}

function estimateOf(
  estimated: NonNullable<ReturnType<typeof performanceReport>["estimated"]>,
  metric: PerformanceMetricName,
): Estimate | null {
  return metric === "roc_auc" ? estimated.rocAuc : estimated[metric];
}

/**
 * Evaluates monitors on one bucket of a project. Profiles, baselines and column facts are read once per
 * evaluator and shared by every monitor that needs them.
 */
export class BucketEvaluator {
  private readonly end: number;
  private readonly targets = new Map<
    string,
    Promise<{ view: DatasetProfileView | undefined; version: number }>
  >();
  private readonly baselines = new Map<string, Promise<DatasetProfileView | undefined>>();
  private readonly series = new Map<string, Promise<Map<string, Map<number, ScalarMetrics>>>>();
  private readonly targetMetrics = new Map<string, Promise<Map<string, ScalarMetrics>>>();
  private readonly infos = new Map<string, ColumnInfo[]>();
  private readonly drifts = new Map<string, readonly ColumnDriftEntry[]>();
  /** Per baseline profile, data-quality findings by options; per profile, column summaries by column. */
  private readonly findings = new WeakMap<DatasetProfileView, Map<string, QualityFinding[]>>();
  private readonly summaries = new WeakMap<DatasetProfileView, Map<string, ScalarMetrics | null>>();
  private knownSegments: Promise<string[]> | undefined;

  constructor(
    private readonly store: Store,
    private readonly project: EvaluatedProject,
    readonly bucket: number,
  ) {
    this.end = nextBucketStart(bucket, project.frequency, project.time_zone);
  }

  async evaluate(monitors: readonly MonitorDefinition[]): Promise<Evaluation[]> {
    const out: Evaluation[] = [];
    for (const monitor of monitors) {
      if (!monitor.config.enabled) continue;
      const segments = resolveSegments(monitor.config.segments, await this.segments());
      for (const segment of segments) out.push(...(await this.evaluateOne(monitor, segment)));
    }
    return out;
  }

  private segments(): Promise<string[]> {
    this.knownSegments ??= this.store.db
      .selectFrom("segment_catalog")
      .select("segment_key")
      .where("project_id", "=", this.project.id)
      .execute()
      .then((rows) => rows.map((r) => r.segment_key));
    return this.knownSegments;
  }

  private target(segment: string): Promise<{ view: DatasetProfileView | undefined; version: number }> {
    let p = this.targets.get(segment);
    if (p === undefined) {
      p = (async () => {
        const [buckets, row] = await Promise.all([
          bucketProfiles(this.store, this.project.id, segment, this.bucket, this.end),
          this.store.db
            .selectFrom("buckets")
            .select("version")
            .where("project_id", "=", this.project.id)
            .where("segment_key", "=", segment)
            .where("bucket_start", "=", this.bucket)
            .executeTakeFirst(),
        ]);
        return { view: buckets[0]?.view, version: row?.version ?? 0 };
      })();
      this.targets.set(segment, p);
    }
    return p;
  }

  /** The [start, end) a trailing or range baseline covers. */
  private baselineRange(b: Exclude<BaselineSpec, { type: "reference" }>): [number, number] {
    if (b.type === "range") return [b.start, b.end];
    let start = this.bucket;
    const { frequency, time_zone } = this.project;
    for (let i = 0; i < b.buckets; i++) start = bucketStart(start - 1, frequency, time_zone);
    return [start, this.bucket];
  }

  private baseline(segment: string, b: BaselineSpec): Promise<DatasetProfileView | undefined> {
    const key = `${segment}\u0000${JSON.stringify(b)}`;
    let p = this.baselines.get(key);
    if (p === undefined) {
      p =
        b.type === "reference"
          ? referenceProfile(this.store, this.project.id, b.name, segment).catch((e: unknown) => {
              if (e instanceof ApiError && e.code === "not-found") return undefined;
              throw e;
            })
          : mergedRange(this.store, this.project.id, segment, ...this.baselineRange(b));
      this.baselines.set(key, p);
    }
    return p;
  }

  /** Per-bucket scalar metrics of the baseline's buckets (trailing or range). */
  private baselineSeries(
    segment: string,
    b: Exclude<BaselineSpec, { type: "reference" }>,
  ): Promise<Map<string, Map<number, ScalarMetrics>>> {
    const [start, end] = this.baselineRange(b);
    const key = `${segment}\u0000${start}\u0000${end}`;
    let p = this.series.get(key);
    if (p === undefined) {
      p = bucketMetrics(this.store, this.project.id, segment, start, end);
      this.series.set(key, p);
    }
    return p;
  }

  private targetScalars(segment: string): Promise<Map<string, ScalarMetrics>> {
    let p = this.targetMetrics.get(segment);
    if (p === undefined) {
      p = bucketMetrics(this.store, this.project.id, segment, this.bucket, this.end).then(
        (cells) => new Map([...cells].map(([column, byTime]) => [column, byTime.get(this.bucket)!])),
      );
      this.targetMetrics.set(segment, p);
    }
    return p;
  }

  private columnInfos(segment: string, view: DatasetProfileView): ColumnInfo[] {
    let infos = this.infos.get(segment);
    if (infos === undefined) {
      const outputs = new Set<string>();
      const perf = performanceOf(view);
      const c = perf?.classification;
      if (c !== undefined) {
        outputs.add(c.predictionField).add(c.targetField);
        for (const h of c.histograms) outputs.add(h.scoreField);
      }
      const r = perf?.regression;
      if (r !== undefined) outputs.add(r.predictionField).add(r.targetField);
      infos = view.columnNames().map((name) => ({
        name,
        inferredType: columnFacts(view.column(name)!).inferredType,
        isOutput: isOutputColumnName(name, outputs),
      }));
      this.infos.set(segment, infos);
    }
    return infos;
  }

  private async evaluateOne(monitor: MonitorDefinition, segment: string): Promise<Evaluation[]> {
    const { config } = monitor;
    const a = config.analyzer;
    const { view, version } = await this.target(segment);
    const base = {
      monitorId: monitor.id,
      monitorVersion: monitor.version,
      analyzer: a.type,
      segment,
      bucketStart: this.bucket,
      bucketVersion: version,
    };
    const result = (
      column: string,
      metric: string,
      fields: Partial<Omit<Evaluation, keyof typeof base | "column" | "metric">> & {
        anomaly: boolean;
        summary: string;
      },
    ): Evaluation => ({
      ...base,
      column,
      metric,
      value: null,
      valueLower: fields.value ?? null,
      valueUpper: fields.value ?? null,
      thresholdLower: null,
      thresholdUpper: null,
      baselineValue: null,
      details: {},
      ...fields,
    });

    if (a.type === "missing_data") {
      const rows = view === undefined ? 0 : profileRowCount(view);
      return [
        result("", "row_count", {
          value: rows,
          thresholdLower: a.minRows,
          anomaly: rows < a.minRows,
          summary:
            view === undefined
              ? "no profile arrived for this bucket"
              : `${rows} row${rows === 1 ? "" : "s"} arrived, expected at least ${a.minRows}`,
        }),
      ];
    }
    // Every other analyzer judges data that arrived; an empty bucket is missing_data's business.
    if (view === undefined) return [];
    const baselineView = await this.baseline(segment, config.baseline);
    const baselineText = describeBaseline(config.baseline);
    const b = config.baseline;
    const remedy =
      b.type === "reference"
        ? `upload it with PUT /api/v1/projects/${this.project.id}/references/${encodeURIComponent(b.name)}`
        : b.type === "trailing"
          ? "judged once earlier buckets have data"
          : "choose a range that has data";
    const noBaseline = (column: string, metric: string) =>
      result(column, metric, {
        anomaly: false,
        summary: `no baseline data (${baselineText}): ${remedy}`,
        details: { reason: "insufficient-baseline" },
      });
    const columns = DATASET_ANALYZERS.includes(a.type)
      ? []
      : resolveTargets(config.targets, this.columnInfos(segment, view));

    switch (a.type) {
      case "drift": {
        if (baselineView === undefined) return columns.map((c) => noBaseline(c, a.method));
        return this.drift(monitor, segment, view, baselineView, columns, result, baselineText);
      }
      case "fixed": {
        const judge = (column: string, value: number | null) => {
          const below = a.lower !== null && value !== null && value < a.lower;
          const above = a.upper !== null && value !== null && value > a.upper;
          return result(column, a.metric, {
            value,
            thresholdLower: a.lower,
            thresholdUpper: a.upper,
            anomaly: below || above,
            summary: `${a.metric} ${fmt(value)} ${below ? "<" : above ? ">" : "within"} ${
              below ? fmt(a.lower) : above ? fmt(a.upper) : `[${fmt(a.lower)}, ${fmt(a.upper)}]`
            }`,
          });
        };
        if (isDatasetMetric(a.metric)) return [judge("", datasetMetricOf(view, a.metric))];
        const scalars = await this.targetScalars(segment);
        return columns.map((c) => judge(c, metricOf(scalars.get(c), a.metric)));
      }
      case "stddev": {
        if (config.baseline.type === "reference") return [];
        const series = await this.baselineSeries(segment, config.baseline);
        const scalars = await this.targetScalars(segment);
        const judge = (column: string, value: number | null, history: number[]) => {
          if (history.length < a.minBuckets) {
            return result(column, a.metric, {
              value,
              anomaly: false,
              summary: `${history.length} of the ${a.minBuckets} baseline buckets needed have a value`,
              details: { reason: "insufficient-baseline", baselineBuckets: history.length },
            });
          }
          const mean = history.reduce((s, x) => s + x, 0) / history.length;
          const sd = Math.sqrt(history.reduce((s, x) => s + (x - mean) ** 2, 0) / (history.length - 1));
          const lower = a.direction === "up" ? null : mean - a.factor * sd;
          const upper = a.direction === "down" ? null : mean + a.factor * sd;
          const anomaly =
            value !== null && ((lower !== null && value < lower) || (upper !== null && value > upper));
          return result(column, a.metric, {
            value,
            thresholdLower: lower,
            thresholdUpper: upper,
            baselineValue: mean,
            anomaly,
            summary: `${a.metric} ${fmt(value)} ${anomaly ? "outside" : "within"} ${fmt(mean)} ± ${a.factor}σ (σ ${fmt(sd)}, ${history.length} buckets)`,
            details: { stddev: sd, baselineBuckets: history.length },
          });
        };
        if (isDatasetMetric(a.metric)) {
          return [
            judge(
              "",
              datasetMetricOf(view, a.metric),
              await this.datasetHistory(segment, config.baseline, a.metric),
            ),
          ];
        }
        return columns.map((c) => {
          const history = columnHistory(series, c, a.metric);
          return judge(c, metricOf(scalars.get(c), a.metric), history);
        });
      }
      case "percent_change": {
        if (baselineView === undefined) {
          return isDatasetMetric(a.metric)
            ? [noBaseline("", a.metric)]
            : columns.map((c) => noBaseline(c, a.metric));
        }
        const judge = (column: string, value: number | null, before: number | null) => {
          if (value === null || before === null) {
            return result(column, a.metric, {
              value,
              baselineValue: before,
              anomaly: false,
              summary: `${a.metric} not available on ${value === null ? "the bucket" : "the baseline"}`,
              details: { reason: "metric-unavailable" },
            });
          }
          const change =
            before === 0 ? (value === 0 ? 0 : Infinity) : ((value - before) / Math.abs(before)) * 100;
          const lower = a.direction === "up" ? null : before - (Math.abs(before) * a.percent) / 100;
          const upper = a.direction === "down" ? null : before + (Math.abs(before) * a.percent) / 100;
          const anomaly = (lower !== null && value < lower) || (upper !== null && value > upper);
          return result(column, a.metric, {
            value,
            thresholdLower: lower,
            thresholdUpper: upper,
            baselineValue: before,
            anomaly,
            summary: `${a.metric} ${fmt(value)} vs ${fmt(before)} (${Number.isFinite(change) ? `${change >= 0 ? "+" : ""}${fmt(change)}%` : "from 0"}; limit ±${a.percent}%) vs ${baselineText}`,
            details: { percentChange: Number.isFinite(change) ? change : null },
          });
        };
        // Over a window of buckets the baseline value is the mean of the buckets' values, so that a bucket is
        // compared with a typical bucket: the merged window's count or distinct count would be a week's.
        const window = b.type === "reference" ? undefined : await this.baselineSeries(segment, b);
        const mean = (values: readonly number[]) =>
          values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;
        if (isDatasetMetric(a.metric)) {
          const before =
            b.type === "reference"
              ? datasetMetricOf(baselineView, a.metric)
              : mean(await this.datasetHistory(segment, b, a.metric));
          return [judge("", datasetMetricOf(view, a.metric), before)];
        }
        const scalars = await this.targetScalars(segment);
        return columns.map((c) => {
          let before: number | null;
          if (window !== undefined) before = mean(columnHistory(window, c, a.metric));
          else {
            const summary = this.columnSummary(baselineView, c);
            before = summary === null ? null : metricOf(summary, a.metric);
          }
          return judge(c, metricOf(scalars.get(c), a.metric), before);
        });
      }
      case "schema_change": {
        if (baselineView === undefined) return [noBaseline("", "columns")];
        const now = new Map(this.columnInfos(segment, view).map((c) => [c.name, c.inferredType]));
        const before = new Map(
          baselineView.columnNames().map((n) => [n, columnFacts(baselineView.column(n)!).inferredType]),
        );
        const added = a.added ? [...now.keys()].filter((n) => !before.has(n)) : [];
        const removed = a.removed ? [...before.keys()].filter((n) => !now.has(n)) : [];
        const changed = a.typeChanged
          ? [...now.entries()]
              .filter(
                ([n, t]) => before.has(n) && t !== "null" && before.get(n) !== "null" && before.get(n) !== t,
              )
              .map(([n, t]) => ({ column: n, from: before.get(n)!, to: t }))
          : [];
        const total = added.length + removed.length + changed.length;
        const parts = [
          added.length > 0 ? `added ${added.slice(0, 5).join(", ")}${added.length > 5 ? ", …" : ""}` : "",
          removed.length > 0
            ? `removed ${removed.slice(0, 5).join(", ")}${removed.length > 5 ? ", …" : ""}`
            : "",
          changed.length > 0
            ? `type changed ${changed
                .slice(0, 5)
                .map((c) => `${c.column} (${c.from} → ${c.to})`)
                .join(", ")}`
            : "",
        ].filter((p) => p !== "");
        return [
          result("", "columns", {
            value: total,
            thresholdUpper: 0,
            anomaly: total > 0,
            summary:
              total > 0 ? `schema changed vs ${baselineText}: ${parts.join("; ")}` : "schema unchanged",
            details: {
              added: added.slice(0, 100),
              removed: removed.slice(0, 100),
              typeChanged: changed.slice(0, 100),
            },
          }),
        ];
      }
      case "data_quality": {
        const metric = a.checks.join("+");
        if (baselineView === undefined) return columns.map((c) => noBaseline(c, metric));
        const wanted = new Set<string>(a.checks);
        const findings = this.qualityFindings(baselineView, view, a.missingIncrease, a.significance).filter(
          (f) => wanted.has(f.check) && f.severity !== "info",
        );
        const byColumn = new Map<string, typeof findings>();
        for (const f of findings) byColumn.set(f.column, [...(byColumn.get(f.column) ?? []), f]);
        const onlyMissing = a.checks.length === 1 && a.checks[0] === "missing_values";
        return columns.map((c) => {
          const found = byColumn.get(c) ?? [];
          const value = onlyMissing
            ? metricOf(this.columnSummary(view, c) ?? undefined, "null_ratio")
            : found.length;
          const baselineValue = onlyMissing
            ? metricOf(this.columnSummary(baselineView, c) ?? undefined, "null_ratio")
            : null;
          return result(c, onlyMissing ? "null_ratio" : metric, {
            value,
            baselineValue,
            thresholdUpper: onlyMissing ? null : 0,
            anomaly: found.length > 0,
            summary:
              found.length > 0
                ? found.map((f) => `${f.check}: ${f.message}`).join("; ")
                : `no ${a.checks.join(", ")} finding vs ${baselineText}`,
            details: {
              findings: found.map((f) => ({ check: f.check, severity: f.severity, message: f.message })),
            },
          });
        });
      }
      case "performance_drop": {
        const now = realizedMetric(view, a.metric, a.confidence);
        const before = realizedMetric(baselineView, a.metric, a.confidence);
        if (now === null || now.labeled < a.minLabeled) {
          return [
            result("", a.metric, {
              value: now?.value ?? null,
              anomaly: false,
              summary: `${now?.labeled ?? 0} labeled rows, ${a.minLabeled} needed`,
              details: { reason: "insufficient-labels", labeled: now?.labeled ?? 0 },
            }),
          ];
        }
        if (before === null) return [noBaseline("", a.metric)];
        const limit = before.value - a.maxDrop;
        // The favourable end of the value's interval (ROC AUC from binned scores has one) must be below.
        const anomaly = now.upper < limit;
        return [
          result("", a.metric, {
            value: now.value,
            valueLower: now.lower,
            valueUpper: now.upper,
            thresholdLower: limit,
            baselineValue: before.value,
            anomaly,
            summary: `${a.metric} ${fmt(now.value)} on ${now.labeled} labeled rows (${Math.round(a.confidence * 100)}% interval ${fmt(now.lower)} … ${fmt(now.upper)}) vs ${fmt(before.value)} (${baselineText}); alarm when the interval is below ${fmt(limit)}`,
            details: { labeled: now.labeled },
          }),
        ];
      }
      case "estimated_performance_drop": {
        const before = realizedMetric(baselineView, a.metric, a.confidence);
        if (baselineView === undefined || before === null) return [noBaseline("", a.metric)];
        const report = performanceReport(
          { reference: performanceOf(baselineView), target: performanceOf(view) },
          { confidence: a.confidence },
        );
        const estimate = report.estimated === null ? null : estimateOf(report.estimated, a.metric);
        if (estimate === null) {
          return [
            result("", a.metric, {
              anomaly: false,
              summary: "no estimate: the bucket or the baseline lacks scores",
              details: { reason: "no-estimate" },
            }),
          ];
        }
        const limit = before.value - a.maxDrop;
        // Once every label arrived the estimate is the realized value with no interval: judging it here would
        // ignore the sampling noise performance_drop allows for, so a labeled bucket is that analyzer's business.
        if (report.estimated!.awaitingLabels === 0) {
          return [
            result("", `estimated_${a.metric}`, {
              value: estimate.value,
              baselineValue: before.value,
              thresholdLower: limit,
              anomaly: false,
              summary: "every label arrived: realized performance (performance_drop) judges this bucket",
              details: { reason: "labels-arrived", labelCoverage: 1 },
            }),
          ];
        }
        const anomaly = estimate.upper < limit;
        return [
          result("", `estimated_${a.metric}`, {
            value: estimate.value,
            valueLower: estimate.lower,
            valueUpper: estimate.upper,
            thresholdLower: limit,
            baselineValue: before.value,
            anomaly,
            summary: `estimated ${a.metric} ${fmt(estimate.value)} [${fmt(estimate.lower)}, ${fmt(estimate.upper)}] vs ${fmt(before.value)} (${baselineText}); alarm when the interval is below ${fmt(limit)}`,
            details: {
              labelCoverage: report.estimated!.labelCoverage,
              awaitingLabels: report.estimated!.awaitingLabels,
            },
          }),
        ];
      }
    }
  }

  /** A dataset metric (row_count, column_count) of each baseline bucket that has data. */
  private async datasetHistory(
    segment: string,
    b: Exclude<BaselineSpec, { type: "reference" }>,
    metric: string,
  ): Promise<number[]> {
    const series = await this.baselineSeries(segment, b);
    const [start, end] = this.baselineRange(b);
    const history: number[] = [];
    for (const s of await this.bucketStartsWithData(segment, start, end)) {
      const byColumn = [...series.values()].map((m) => m.get(s)).filter((m) => m !== undefined);
      history.push(
        metric === "row_count" ? Math.max(0, ...byColumn.map((m) => m["counts/n"] ?? 0)) : byColumn.length,
      );
    }
    return history;
  }

  /** Every data-quality finding of the bucket against a baseline, computed once per options. */
  private qualityFindings(
    baselineView: DatasetProfileView,
    view: DatasetProfileView,
    missingIncrease: number,
    significance: number,
  ): QualityFinding[] {
    let byOptions = this.findings.get(baselineView);
    if (byOptions === undefined) this.findings.set(baselineView, (byOptions = new Map()));
    const key = `${missingIncrease}\u0000${significance}`;
    let found = byOptions.get(key);
    if (found === undefined) {
      found = dataQuality(baselineView, view, { missingIncrease, significance });
      byOptions.set(key, found);
    }
    return found;
  }

  /** A profile column's scalar summary, computed once per evaluator; null when the profile lacks the column. */
  private columnSummary(profile: DatasetProfileView, column: string): ScalarMetrics | null {
    let byColumn = this.summaries.get(profile);
    if (byColumn === undefined) this.summaries.set(profile, (byColumn = new Map()));
    let summary = byColumn.get(column);
    if (summary === undefined) {
      const col = profile.column(column);
      summary = col === undefined ? null : summaryOf(col);
      byColumn.set(column, summary);
    }
    return summary;
  }

  private async bucketStartsWithData(segment: string, start: number, end: number): Promise<number[]> {
    const rows = await this.store.db
      .selectFrom("buckets")
      .select("bucket_start")
      .where("project_id", "=", this.project.id)
      .where("segment_key", "=", segment)
      .where("bucket_start", ">=", start)
      .where("bucket_start", "<", end)
      .where("version", ">", 0)
      .execute();
    return rows.map((r) => r.bucket_start);
  }

  private drift(
    monitor: MonitorDefinition,
    segment: string,
    view: DatasetProfileView,
    baselineView: DatasetProfileView,
    columns: readonly string[],
    result: (
      column: string,
      metric: string,
      fields: Partial<Evaluation> & { anomaly: boolean; summary: string },
    ) => Evaluation,
    baselineText: string,
  ): Evaluation[] {
    const a = monitor.config.analyzer as Extract<AnalyzerConfig, { type: "drift" }>;
    const key = `${segment}\u0000${JSON.stringify(monitor.config.baseline)}\u0000${a.method}\u0000${columns.join("\u0000")}`;
    let entries = this.drifts.get(key);
    if (entries === undefined) {
      // Uncorrected here: the correction below runs on p-values taken at the favourable end of each bound.
      entries = driftOfPairs([{ segment: null, reference: baselineView, target: view }], {
        columns,
        method: a.method,
        correction: "none",
      }).columns;
      this.drifts.set(key, entries);
    }
    const counted = entries.filter((e) => e.referenceCount >= a.minCount && e.targetCount >= a.minCount);
    const pEntries = counted.filter((e) => isPValueMethod(e.method));
    const adjusted = pEntries.length > 0 ? benjaminiHochberg(pEntries.map((e) => e.pValue!)).adjusted : [];
    const favourable =
      pEntries.length > 0 ? benjaminiHochberg(pEntries.map(conservativePValue)).adjusted : [];
    const pIndex = new Map(pEntries.map((e, i) => [e, i]));
    const evaluations: Evaluation[] = [];
    for (const e of counted) {
      const i = pIndex.get(e);
      if (i !== undefined) {
        const threshold = a.threshold ?? DEFAULT_P_VALUE_THRESHOLDS.drift;
        const q = adjusted[i]!;
        const qHigh = Math.max(q, favourable[i]!);
        const anomaly = qHigh < threshold;
        evaluations.push(
          result(e.column, e.method, {
            value: q,
            valueLower: q,
            valueUpper: qHigh,
            thresholdLower: threshold,
            anomaly,
            summary: `${e.method} p = ${fmt(q)} (at most ${fmt(qHigh)} given the sketches; Benjamini–Hochberg over ${pEntries.length} columns) ${anomaly ? "<" : "≥"} ${fmt(threshold)} vs ${baselineText}`,
            details: driftDetails(e),
          }),
        );
      } else {
        // With method "auto" a threshold is the p-value tests' one; the distances auto picks keep their own.
        const threshold =
          a.method === "auto"
            ? DEFAULT_THRESHOLDS[e.method].drift
            : (a.threshold ?? DEFAULT_THRESHOLDS[e.method].drift);
        const low = Math.max(0, e.statistic - e.bound);
        const anomaly = low >= threshold;
        evaluations.push(
          result(e.column, e.method, {
            value: e.statistic,
            valueLower: low,
            valueUpper: e.statistic + e.bound,
            thresholdUpper: threshold,
            anomaly,
            summary: `${e.method} ${fmt(e.statistic)} ± ${fmt(e.bound)} ${anomaly ? "≥" : "<"} ${fmt(threshold)} vs ${baselineText}`,
            details: driftDetails(e),
          }),
        );
      }
    }
    return evaluations;
  }
}

/** A column metric's value in each baseline bucket that has it. */
function columnHistory(
  series: Map<string, Map<number, ScalarMetrics>>,
  column: string,
  metric: string,
): number[] {
  return [...(series.get(column)?.values() ?? [])]
    .map((m) => metricOf(m, metric))
    .filter((v): v is number => v !== null);
}

function driftDetails(e: ColumnDriftEntry): Record<string, unknown> {
  return {
    kind: e.kind,
    statistic: e.statistic,
    pValue: e.pValue,
    bound: e.bound,
    category: e.category,
    referenceCount: e.referenceCount,
    targetCount: e.targetCount,
  };
}

/**
 * The largest p-value the raw data could have given the sketches' error: KS at D − bound (the exact
 * Kolmogorov survival function at the effective sample size, as the drift reports use). Chi-square's counts
 * come from frequent-items sketches, exact (bound 0) unless a column has more categories than the sketch keeps;
 * then nothing is claimed (p = 1).
 */
function conservativePValue(e: ColumnDriftEntry): number {
  if (e.bound === 0) return e.pValue!;
  if (e.method === "ks") {
    const n = e.referenceCount;
    const m = e.targetCount;
    const effective = Math.max(1, Math.round((n * m) / (n + m)));
    return kolmogorovSmirnovSf(Math.max(0, e.statistic - e.bound), effective);
  }
  return 1;
}
