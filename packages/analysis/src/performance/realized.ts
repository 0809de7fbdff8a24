// Realized model performance: what the labeled rows of a profile say, computed from its mergeable counts.
// Counts-based metrics (accuracy, precision, recall, F1, confusion matrix) are exact; ranking metrics come
// from the score histograms with a bound that holds whatever the scores inside a bin were.

import { KllDoublesSketch } from "@sightglass/sketches";
import type {
  ClassificationPerformanceMessage,
  ModelPerformanceMessage,
  PerformanceMessage,
  RegressionPerformanceMessage,
} from "@sightglass/profile";
import { binnedAveragePrecision, binnedRocAuc, binnedScores, f1FromCounts, ratio } from "./histogram.js";
import type { Bounded } from "./histogram.js";

export interface ClassMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Labeled rows whose true class is this one. */
  readonly support: number;
}

export interface CalibrationBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean score of the bin's rows, from the score histogram (within half a histogram bin of the exact mean). */
  readonly meanScore: number;
  readonly fractionPositive: number;
}

export interface ClassificationRealized {
  readonly task: "classification";
  /** Labeled rows (those the metrics are computed on) and rows still awaiting their label. */
  readonly count: number;
  readonly awaitingLabels: number;
  /** labeled / (labeled + awaiting). */
  readonly labelCoverage: number;
  /** "binary" (precision, recall and F1 of the positive label) or "macro" (unweighted mean over classes). */
  readonly average: "binary" | "macro";
  readonly positiveLabel: string | null;
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** ROC AUC (binary, or macro one-vs-rest), null without scores or when a class has no positive/negative. */
  readonly rocAuc: number | null;
  /** The interval the AUC of the unbinned scores lies in. */
  readonly rocAucBounds: Bounded | null;
  /** Average precision (area under the precision–recall curve, scikit-learn's definition). */
  readonly prAuc: number | null;
  readonly prAucBounds: Bounded | null;
  readonly logLoss: number | null;
  readonly brier: number | null;
  readonly perClass: readonly ClassMetrics[];
  readonly macro: { readonly precision: number; readonly recall: number; readonly f1: number };
  /** Micro averages; with one label per row they all equal the accuracy. */
  readonly micro: { readonly precision: number; readonly recall: number; readonly f1: number };
  readonly confusionMatrix: {
    readonly labels: readonly string[];
    readonly counts: readonly (readonly number[])[];
  };
  /** Reliability table per scored class: 10 score ranges [lower, upper) of (nearly) equal width. */
  readonly calibration: readonly { readonly label: string; readonly bins: readonly CalibrationBin[] }[];
}

export interface RegressionRealized {
  readonly task: "regression";
  readonly count: number;
  readonly awaitingLabels: number;
  readonly labelCoverage: number;
  readonly mae: number;
  readonly mse: number;
  readonly rmse: number;
  /** 1 − SSE / Σ(y − ȳ)²; null when the target is constant. */
  readonly r2: number | null;
  /** Mean of prediction − target. */
  readonly meanError: number;
  /** Residual quantiles from the KLL sketch (rank error ≤ `residualRankError` with 99% confidence). */
  readonly residualQuantiles: Readonly<Record<string, number>> | null;
  readonly residualRankError: number | null;
}

export type RealizedPerformance = ClassificationRealized | RegressionRealized;

const CALIBRATION_BINS = 10;
const RESIDUAL_RANKS = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

function calibrationTable(positive: Float64Array, negative: Float64Array, bins: number): CalibrationBin[] {
  const out: CalibrationBin[] = [];
  for (let k = 0; k < CALIBRATION_BINS; k++) {
    const from = Math.floor((k * bins) / CALIBRATION_BINS);
    const to = Math.floor(((k + 1) * bins) / CALIBRATION_BINS);
    let count = 0;
    let pos = 0;
    let scoreSum = 0;
    for (let b = from; b < to; b++) {
      const c = positive[b]! + negative[b]!;
      count += c;
      pos += positive[b]!;
      scoreSum += c * ((b + 0.5) / bins);
    }
    if (count > 0) {
      // The histogram bins grouped here cover [from, to) / bins: k / 10 exactly when bins is a multiple of 10.
      out.push({
        lower: from / bins,
        upper: to / bins,
        count,
        meanScore: scoreSum / count,
        fractionPositive: pos / count,
      });
    }
  }
  return out;
}

function meanOf(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

function meanBounds(list: readonly Bounded[]): Bounded {
  return {
    value: meanOf(list.map((b) => b.value)),
    lower: meanOf(list.map((b) => b.lower)),
    upper: meanOf(list.map((b) => b.upper)),
  };
}

function finiteOrNull(b: Bounded): Bounded | null {
  return Number.isFinite(b.value) ? b : null;
}

export function realizedClassification(c: ClassificationPerformanceMessage): ClassificationRealized | null {
  const n = c.labels.length;
  const cell = (p: number, t: number) => c.confusion[p * n + t]!;
  let count = 0;
  let correct = 0;
  const rowSum = new Array<number>(n).fill(0);
  const colSum = new Array<number>(n).fill(0);
  for (let p = 0; p < n; p++) {
    for (let t = 0; t < n; t++) {
      const v = cell(p, t);
      count += v;
      rowSum[p]! += v;
      colSum[t]! += v;
      if (p === t) correct += v;
    }
  }
  const awaiting = c.unlabeled.reduce((a, b) => a + b, 0);
  if (count <= 0) return null;
  // Classes of the labeled rows only: a label seen only on rows still awaiting theirs is not one sklearn
  // would see either.
  const present = c.labels.map((_, i) => i).filter((i) => rowSum[i]! > 0 || colSum[i]! > 0);
  const perClass: ClassMetrics[] = present.map((i) => {
    const tp = cell(i, i);
    return {
      label: c.labels[i]!,
      precision: ratio(tp, rowSum[i]!),
      recall: ratio(tp, colSum[i]!),
      f1: f1FromCounts(tp, rowSum[i]! - tp, colSum[i]! - tp),
      support: colSum[i]!,
    };
  });
  const macro = {
    precision: meanOf(perClass.map((m) => m.precision)),
    recall: meanOf(perClass.map((m) => m.recall)),
    f1: meanOf(perClass.map((m) => m.f1)),
  };
  const accuracy = correct / count;
  const binary = c.positiveLabel !== "";
  let headline = macro;
  if (binary) {
    const i = c.labels.indexOf(c.positiveLabel);
    const tp = i < 0 ? 0 : cell(i, i);
    const pp = i < 0 ? 0 : rowSum[i]!;
    const ap = i < 0 ? 0 : colSum[i]!;
    headline = { precision: ratio(tp, pp), recall: ratio(tp, ap), f1: f1FromCounts(tp, pp - tp, ap - tp) };
  }

  const rocs: Bounded[] = [];
  const aps: Bounded[] = [];
  const calibration: { label: string; bins: CalibrationBin[] }[] = [];
  for (const h of c.histograms) {
    const s = binnedScores(h, c.scoreBins);
    rocs.push(binnedRocAuc(s.positive, s.negative));
    aps.push(binnedAveragePrecision(s.positive, s.negative));
    calibration.push({ label: h.label, bins: calibrationTable(s.positive, s.negative, c.scoreBins) });
  }
  // Macro one-vs-rest is undefined when some class has no positive or no negative (as in scikit-learn).
  const roc = rocs.length === 0 || rocs.some((r) => !Number.isFinite(r.value)) ? null : meanBounds(rocs);
  const ap = aps.length === 0 || aps.some((r) => !Number.isFinite(r.value)) ? null : meanBounds(aps);
  return {
    task: "classification",
    count,
    awaitingLabels: awaiting,
    labelCoverage: count / (count + awaiting),
    average: binary ? "binary" : "macro",
    positiveLabel: binary ? c.positiveLabel : null,
    accuracy,
    precision: headline.precision,
    recall: headline.recall,
    f1: headline.f1,
    rocAuc: roc === null ? null : roc.value,
    rocAucBounds: roc === null ? null : finiteOrNull(roc),
    prAuc: ap === null ? null : ap.value,
    prAucBounds: ap === null ? null : finiteOrNull(ap),
    logLoss: c.logLossCount > 0 ? c.logLossSum / c.logLossCount : null,
    brier: c.brierCount > 0 ? c.brierSum / c.brierCount : null,
    perClass,
    macro,
    micro: { precision: accuracy, recall: accuracy, f1: accuracy },
    confusionMatrix: {
      labels: present.map((i) => c.labels[i]!),
      counts: present.map((p) => present.map((t) => cell(p, t))),
    },
    calibration,
  };
}

export function realizedRegression(r: RegressionPerformanceMessage): RegressionRealized | null {
  if (r.count <= 0) return null;
  let residualQuantiles: Record<string, number> | null = null;
  let residualRankError: number | null = null;
  if (r.residualKll.length > 0) {
    const kll = KllDoublesSketch.deserialize(r.residualKll);
    const qs = kll.getQuantiles(RESIDUAL_RANKS);
    residualQuantiles = Object.fromEntries(RESIDUAL_RANKS.map((q, i) => [`p${Math.round(q * 100)}`, qs[i]!]));
    residualRankError = kll.getNormalizedRankError(false);
  }
  const mse = r.sumSquaredError / r.count;
  return {
    task: "regression",
    count: r.count,
    awaitingLabels: r.unlabeled,
    labelCoverage: r.count / (r.count + r.unlabeled),
    mae: r.sumAbsoluteError / r.count,
    mse,
    rmse: Math.sqrt(mse),
    r2: r.targetM2 > 0 ? 1 - r.sumSquaredError / r.targetM2 : null,
    meanError: r.sumError / r.count,
    residualQuantiles,
    residualRankError,
  };
}

/**
 * A whylogs v0 score matrix as counts: its cells' counts are the confusion matrix, and whylogs' "None" target
 * (a missing label) becomes "awaiting label". The cell sketches hold the score of the *predicted* class, not of
 * one class against the rest, so no ranking metric is derived from them.
 */
export function classificationFromScoreMatrix(
  mp: ModelPerformanceMessage,
): ClassificationPerformanceMessage | null {
  const sm = mp.scoreMatrix;
  if (sm === undefined) return null;
  const m = sm.labels.length;
  const kept = sm.labels
    .map((_, i) => i)
    .filter((i) => sm.labels[i] !== WHYLOGS_MISSING_LABEL)
    .sort((a, b) => (sm.labels[a]! < sm.labels[b]! ? -1 : sm.labels[a]! > sm.labels[b]! ? 1 : 0));
  const missing = sm.labels.indexOf(WHYLOGS_MISSING_LABEL);
  const n = kept.length;
  const confusion = new Array<number>(n * n).fill(0);
  const unlabeled = new Array<number>(n).fill(0);
  const count = (p: number, t: number) => sm.cells[p * m + t]?.count ?? 0;
  for (let p = 0; p < n; p++) {
    for (let t = 0; t < n; t++) confusion[p * n + t] = count(kept[p]!, kept[t]!);
    if (missing >= 0) unlabeled[p] = count(kept[p]!, missing);
  }
  return {
    predictionField: sm.predictionField,
    targetField: sm.targetField,
    labels: kept.map((i) => sm.labels[i]!),
    confusion,
    unlabeled,
    scoreBins: 1,
    histograms: [],
    positiveLabel: "",
    logLossSum: 0,
    logLossCount: 0,
    brierSum: 0,
    brierCount: 0,
  };
}

/** What whylogs writes for a missing prediction or target in a score matrix. */
const WHYLOGS_MISSING_LABEL = "None";

/** A v0 regression block as Sightglass regression metrics (no target moments, so no R², no residual sketch). */
export function regressionFromV0(mp: ModelPerformanceMessage): RegressionPerformanceMessage | null {
  const r = mp.regression;
  if (r === undefined) return null;
  return {
    predictionField: r.predictionField,
    targetField: r.targetField,
    count: r.count,
    unlabeled: 0,
    sumError: r.sumDiff,
    sumAbsoluteError: r.sumAbsDiff,
    sumSquaredError: r.sum2Diff,
    targetMean: 0,
    targetM2: 0,
    residualKll: new Uint8Array(0),
  };
}

/** The performance a profile carries: Sightglass metrics if present, else whylogs v0's model profile. */
export function performanceOf(view: {
  readonly performance: PerformanceMessage | undefined;
  readonly modelPerformance: ModelPerformanceMessage | undefined;
}): PerformanceMessage | undefined {
  if (view.performance !== undefined) return view.performance;
  const mp = view.modelPerformance;
  if (mp === undefined) return undefined;
  const classification = classificationFromScoreMatrix(mp);
  const regression = regressionFromV0(mp);
  return {
    ...(classification !== null ? { classification } : {}),
    ...(regression !== null ? { regression } : {}),
  };
}

/** Realized metrics of whatever a profile carries (classification first), or null without labeled rows. */
export function realizedPerformance(p: PerformanceMessage | undefined): RealizedPerformance | null {
  if (p === undefined) return null;
  if (p.classification !== undefined) return realizedClassification(p.classification);
  if (p.regression !== undefined) return realizedRegression(p.regression);
  return null;
}
