// Model performance of a target window: realized where labels exist, CBPE-estimated wherever the reference has
// labels, and the same per segment with the largest gap between segments (disparity), so a worse-served group
// shows up with an interval saying whether the gap is more than noise.

import type { ClassificationPerformanceMessage, PerformanceMessage } from "@sightglass/profile";
import { AnalysisError } from "../errors.js";
import { normalQuantile } from "../stats/normal.js";
import { estimatePerformance } from "./estimate.js";
import type { EstimatedClassification, Estimate, EstimateOptions } from "./estimate.js";
import { realizedPerformance } from "./realized.js";
import type { RealizedPerformance } from "./realized.js";

export interface PerformanceOptions {
  /** Two-sided confidence of every interval (default 0.95). */
  readonly confidence?: number;
  /**
   * A rate on fewer rows (its own denominator: labeled rows for accuracy, positives for recall, …) is reported
   * but left out of the disparity comparison (default 30).
   */
  readonly minSegmentRows?: number;
}

export interface PerformanceSegmentInput {
  readonly segment: readonly { readonly key: string; readonly value: string }[];
  readonly target: PerformanceMessage | undefined;
}

export interface SegmentPerformance {
  readonly segment: readonly { readonly key: string; readonly value: string }[];
  /** Rows with a prediction (labeled or awaiting). */
  readonly rows: number;
  readonly realized: RealizedPerformance | null;
  readonly estimated: EstimatedClassification | null;
  /** Binary: the share of rows predicted positive (no labels needed). */
  readonly positiveRate: Estimate | null;
}

export type DisparityMetric = "positiveRate" | "accuracy" | "precision" | "recall" | "falsePositiveRate";

export interface Disparity {
  readonly metric: DisparityMetric;
  /** Where the segments' values come from: labels, or CBPE where labels are missing. */
  readonly source: "realized" | "estimated";
  readonly highest: { readonly segment: SegmentPerformance["segment"]; readonly value: number };
  readonly lowest: { readonly segment: SegmentPerformance["segment"]; readonly value: number };
  /** highest − lowest, with its confidence interval, simultaneous over all pairs of the compared segments. */
  readonly gap: Estimate;
  /** The interval excludes 0: the gap is larger than sampling noise explains, even having picked the extremes. */
  readonly significant: boolean;
}

export interface PerformanceReport {
  readonly realized: RealizedPerformance | null;
  readonly estimated: EstimatedClassification | null;
  readonly segments: readonly SegmentPerformance[];
  readonly disparity: readonly Disparity[];
}

interface BinaryCounts {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
  readonly predictedPositive: number;
  readonly rows: number;
}

function binaryCounts(c: ClassificationPerformanceMessage): BinaryCounts {
  const n = c.labels.length;
  const pos = c.labels.indexOf(c.positiveLabel);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let predictedPositive = 0;
  let rows = 0;
  for (let p = 0; p < n; p++) {
    rows += c.unlabeled[p]!;
    if (p === pos) predictedPositive += c.unlabeled[p]!;
    for (let t = 0; t < n; t++) {
      const v = c.confusion[p * n + t]!;
      rows += v;
      if (p === pos) predictedPositive += v;
      if (p === pos && t === pos) tp += v;
      else if (p === pos) fp += v;
      else if (t === pos) fn += v;
      else tn += v;
    }
  }
  return { tp, fp, fn, tn, predictedPositive, rows };
}

/** A value with its sampling variance as a rate of the underlying population (binomial) plus extra variance. */
interface RateValue {
  readonly value: number;
  readonly variance: number;
}

/**
 * A rate of `denominator` rows as an estimate of the segment's underlying rate: Agresti–Coull variance (so a
 * rate of 0 or 1 on few rows is not certain), plus an estimate's own variance when it is CBPE-based (counted
 * in full although it shares its Bernoulli part with the binomial term: conservative, never too narrow). Rates
 * on fewer than `minRows` rows are left out: their gap would be mostly noise.
 */
function rateOf(value: number, denominator: number, minRows: number, extraSe = 0): RateValue | null {
  if (!(denominator >= minRows) || !Number.isFinite(value)) return null;
  const z2 = 1.959963984540054 ** 2; // the usual 95% adjustment, whatever the report's confidence
  const adjusted = (value * denominator + z2 / 2) / (denominator + z2);
  return { value, variance: (adjusted * (1 - adjusted)) / (denominator + z2) + extraSe * extraSe };
}

function segmentRates(
  s: SegmentPerformance,
  c: ClassificationPerformanceMessage | undefined,
  minRows: number,
): Map<DisparityMetric, RateValue> {
  const out = new Map<DisparityMetric, RateValue>();
  const put = (m: DisparityMetric, v: RateValue | null) => v !== null && out.set(m, v);
  const rate = (value: number, denominator: number, extraSe = 0) =>
    rateOf(value, denominator, minRows, extraSe);
  if (s.positiveRate !== null) put("positiveRate", rate(s.positiveRate.value, s.rows));
  const e = s.estimated;
  if (e !== null) {
    // CBPE values blend labeled and expected counts; the binomial term uses the expected denominators.
    put("accuracy", rate(e.accuracy.value, e.rows, e.accuracy.standardError));
    if (e.confusion !== null) {
      const { tp, fp, fn, tn } = e.confusion;
      put("precision", rate(e.precision.value, tp + fp, e.precision.standardError));
      put("recall", rate(e.recall.value, tp + fn, e.recall.standardError));
      if (e.falsePositiveRate !== null)
        put("falsePositiveRate", rate(e.falsePositiveRate.value, fp + tn, e.falsePositiveRate.standardError));
    }
    return out;
  }
  const r = s.realized;
  if (r === null || r.task !== "classification" || c === undefined) return out;
  put("accuracy", rate(r.accuracy, r.count));
  if (c.positiveLabel !== "") {
    const k = binaryCounts(c);
    put("precision", rate(r.precision, k.tp + k.fp));
    put("recall", rate(r.recall, k.tp + k.fn));
    put("falsePositiveRate", rate(k.fp + k.tn > 0 ? k.fp / (k.fp + k.tn) : NaN, k.fp + k.tn));
  }
  return out;
}

const DISPARITY_METRICS: readonly DisparityMetric[] = [
  "positiveRate",
  "accuracy",
  "precision",
  "recall",
  "falsePositiveRate",
];

function segmentPerformance(
  input: PerformanceSegmentInput,
  reference: PerformanceMessage | undefined,
  estimateOptions: EstimateOptions,
  z: number,
): SegmentPerformance {
  const c = input.target?.classification;
  const realized = realizedPerformance(input.target);
  const estimated =
    reference?.classification !== undefined && c !== undefined
      ? estimatePerformance(reference.classification, c, estimateOptions)
      : null;
  let rows = 0;
  let positiveRate: Estimate | null = null;
  if (c !== undefined) {
    const k = c.positiveLabel !== "" ? binaryCounts(c) : null;
    rows = k?.rows ?? c.confusion.reduce((a, b) => a + b, 0) + c.unlabeled.reduce((a, b) => a + b, 0);
    if (k !== null && k.rows > 0) {
      const p = k.predictedPositive / k.rows;
      const se = Math.sqrt((p * (1 - p)) / k.rows);
      positiveRate = {
        value: p,
        lower: Math.max(0, p - z * se),
        upper: Math.min(1, p + z * se),
        standardError: se,
      };
    }
  } else if (input.target?.regression !== undefined) {
    rows = input.target.regression.count + input.target.regression.unlabeled;
  }
  return { segment: input.segment, rows, realized, estimated, positiveRate };
}

/**
 * Realized and estimated performance of `target` (estimated whenever `reference` has labeled, scored rows),
 * and per segment with the largest gap of each rate between segments whose rate rests on `minSegmentRows` rows.
 */
export function performanceReport(
  input: {
    readonly reference?: PerformanceMessage | undefined;
    /** The reference split in time (see EstimateOptions.referenceWindows). */
    readonly referenceWindows?: readonly PerformanceMessage[];
    readonly target: PerformanceMessage | undefined;
    readonly segments?: readonly PerformanceSegmentInput[];
  },
  options: PerformanceOptions = {},
): PerformanceReport {
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) {
    throw new AnalysisError("invalid-argument", `confidence must be in (0, 1), got ${confidence}`);
  }
  const minRows = options.minSegmentRows ?? 30;
  if (!Number.isInteger(minRows) || minRows < 1) {
    throw new AnalysisError("invalid-argument", `minSegmentRows must be a positive integer, got ${minRows}`);
  }
  const z = normalQuantile((1 + confidence) / 2);
  const reference = input.reference;
  const target = input.target;
  const referenceWindows = (input.referenceWindows ?? []).flatMap((w) =>
    w.classification !== undefined ? [w.classification] : [],
  );
  const estimateOptions = { confidence, referenceWindows };
  const estimated =
    reference?.classification !== undefined && target?.classification !== undefined
      ? estimatePerformance(reference.classification, target.classification, estimateOptions)
      : null;
  const segments = (input.segments ?? []).map((s) => segmentPerformance(s, reference, estimateOptions, z));

  const disparity: Disparity[] = [];
  const eligible = segments.map((s, i) => ({
    s,
    rates: segmentRates(s, input.segments![i]!.target?.classification, minRows),
  }));
  for (const metric of DISPARITY_METRICS) {
    const have = eligible.filter((e) => e.rates.has(metric));
    if (have.length < 2) continue;
    // The highest and lowest of k segments are picked after looking: the interval holds for all k(k−1)/2
    // pairs at once (Bonferroni), so k segments with equal rates are not flagged more often than 1 − confidence.
    const pairs = (have.length * (have.length - 1)) / 2;
    const zPairs = normalQuantile(1 - (1 - confidence) / (2 * pairs));
    let hi = have[0]!;
    let lo = have[0]!;
    for (const e of have) {
      if (e.rates.get(metric)!.value > hi.rates.get(metric)!.value) hi = e;
      if (e.rates.get(metric)!.value < lo.rates.get(metric)!.value) lo = e;
    }
    const a = hi.rates.get(metric)!;
    const b = lo.rates.get(metric)!;
    const gap = a.value - b.value;
    const se = Math.sqrt(a.variance + b.variance);
    const lower = gap - zPairs * se;
    disparity.push({
      metric,
      source:
        metric !== "positiveRate" && have.some((e) => e.s.estimated !== null) ? "estimated" : "realized",
      highest: { segment: hi.s.segment, value: a.value },
      lowest: { segment: lo.s.segment, value: b.value },
      gap: { value: gap, lower, upper: gap + zPairs * se, standardError: se },
      significant: lower > 0,
    });
  }
  return { realized: realizedPerformance(target), estimated, segments, disparity };
}
