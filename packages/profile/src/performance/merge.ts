// Merging of Sightglass performance metrics. Every count is a plain sum, so merging is exact, associative
// and commutative: window profiles merge to what logging their concatenation yields, and a late-label profile
// (with its -1 "awaiting label" counts) merges into the window of its predictions.

import { KllDoublesSketch } from "@sightglass/sketches";
import type {
  ClassificationPerformanceMessage,
  PerformanceMessage,
  RegressionPerformanceMessage,
  ScoreHistogramMessage,
} from "../codec/message.js";
import { HISTOGRAM_CELLS } from "../codec/performance.js";
import { compareCodePoints } from "../codec/wire.js";
import { ProfileError } from "../errors.js";

function sameField(a: string, b: string, what: string): string {
  if (a !== "" && b !== "" && a !== b) {
    throw new ProfileError(
      "incompatible",
      `cannot merge performance metrics of different ${what} columns (${JSON.stringify(a)} and ${JSON.stringify(b)})`,
    );
  }
  return a || b;
}

function mergeHistograms(a: ScoreHistogramMessage, b: ScoreHistogramMessage): ScoreHistogramMessage {
  const bins: number[] = [];
  const counts: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.bins.length || j < b.bins.length) {
    const ba = i < a.bins.length ? a.bins[i]! : Infinity;
    const bb = j < b.bins.length ? b.bins[j]! : Infinity;
    const bin = Math.min(ba, bb);
    const cell = new Array<number>(HISTOGRAM_CELLS).fill(0);
    if (ba === bin) {
      for (let k = 0; k < HISTOGRAM_CELLS; k++) cell[k]! += a.counts[i * HISTOGRAM_CELLS + k]!;
      i++;
    }
    if (bb === bin) {
      for (let k = 0; k < HISTOGRAM_CELLS; k++) cell[k]! += b.counts[j * HISTOGRAM_CELLS + k]!;
      j++;
    }
    // A late-label delta can cancel a bin exactly; dropping it keeps merged files canonical.
    if (cell.some((c) => c !== 0)) {
      bins.push(bin);
      counts.push(...cell);
    }
  }
  return { label: a.label, scoreField: sameField(a.scoreField, b.scoreField, "score"), bins, counts };
}

export function mergeClassification(
  a: ClassificationPerformanceMessage,
  b: ClassificationPerformanceMessage,
): ClassificationPerformanceMessage {
  if (a.scoreBins !== b.scoreBins) {
    throw new ProfileError(
      "incompatible",
      `cannot merge score histograms of ${a.scoreBins} and ${b.scoreBins} bins`,
    );
  }
  // A scored binary classifier's positive label is part of what its histograms mean. Without scores it is only
  // read off the labels of labeled rows (0/1, booleans): a side without labeled rows has no say, and sides that
  // saw different label sets make the union multiclass.
  if (a.histograms.length > 0 && b.histograms.length > 0 && a.positiveLabel !== b.positiveLabel) {
    throw new ProfileError(
      "incompatible",
      `cannot merge a classifier with positive label ${JSON.stringify(a.positiveLabel)} and one with ${JSON.stringify(b.positiveLabel)}`,
    );
  }
  const labeledA = a.confusion.some((v) => v !== 0);
  const labeledB = b.confusion.some((v) => v !== 0);
  let positiveLabel = labeledA
    ? a.positiveLabel
    : labeledB
      ? b.positiveLabel
      : a.positiveLabel || b.positiveLabel;
  if (labeledA && labeledB && a.positiveLabel !== b.positiveLabel) positiveLabel = "";
  const labels = [...new Set([...a.labels, ...b.labels])].sort(compareCodePoints);
  const n = labels.length;
  const index = new Map(labels.map((l, i) => [l, i]));
  const confusion = new Array<number>(n * n).fill(0);
  const unlabeled = new Array<number>(n).fill(0);
  for (const side of [a, b]) {
    const m = side.labels.length;
    const at = side.labels.map((l) => index.get(l)!);
    for (let p = 0; p < m; p++) {
      unlabeled[at[p]!]! += side.unlabeled[p]!;
      for (let t = 0; t < m; t++) confusion[at[p]! * n + at[t]!]! += side.confusion[p * m + t]!;
    }
  }
  const histograms = new Map<string, ScoreHistogramMessage>();
  for (const h of [...a.histograms, ...b.histograms]) {
    const mine = histograms.get(h.label);
    histograms.set(h.label, mine === undefined ? h : mergeHistograms(mine, h));
  }
  return {
    predictionField: sameField(a.predictionField, b.predictionField, "prediction"),
    targetField: sameField(a.targetField, b.targetField, "target"),
    labels,
    confusion,
    unlabeled,
    scoreBins: a.scoreBins,
    histograms: [...histograms.values()].sort((x, y) => compareCodePoints(x.label, y.label)),
    positiveLabel,
    logLossSum: a.logLossSum + b.logLossSum,
    logLossCount: a.logLossCount + b.logLossCount,
    brierSum: a.brierSum + b.brierSum,
    brierCount: a.brierCount + b.brierCount,
  };
}

export function mergeRegression(
  a: RegressionPerformanceMessage,
  b: RegressionPerformanceMessage,
): RegressionPerformanceMessage {
  const count = a.count + b.count;
  let targetMean = 0;
  let targetM2 = 0;
  if (a.count === 0 || b.count === 0) {
    ({ targetMean, targetM2 } = a.count === 0 ? b : a);
  } else if (count !== 0) {
    const delta = b.targetMean - a.targetMean;
    targetMean = a.targetMean + (delta * b.count) / count;
    targetM2 = a.targetM2 + b.targetM2 + (delta * delta * a.count * b.count) / count;
  }
  let residualKll: Uint8Array;
  if (a.residualKll.length === 0 || b.residualKll.length === 0) {
    residualKll = a.residualKll.length === 0 ? b.residualKll : a.residualKll;
  } else {
    const k = KllDoublesSketch.deserialize(a.residualKll);
    k.merge(KllDoublesSketch.deserialize(b.residualKll));
    residualKll = k.serialize({ layout: "whylogs" });
  }
  return {
    predictionField: sameField(a.predictionField, b.predictionField, "prediction"),
    targetField: sameField(a.targetField, b.targetField, "target"),
    count,
    unlabeled: a.unlabeled + b.unlabeled,
    sumError: a.sumError + b.sumError,
    sumAbsoluteError: a.sumAbsoluteError + b.sumAbsoluteError,
    sumSquaredError: a.sumSquaredError + b.sumSquaredError,
    targetMean,
    targetM2,
    residualKll,
  };
}

/** Merges two optional parts: both present → `merge`, else whichever is there. */
export function mergeOptional<T>(
  a: T | undefined,
  b: T | undefined,
  merge: (x: T, y: T) => T,
): T | undefined {
  return a !== undefined && b !== undefined ? merge(a, b) : (a ?? b);
}

export function mergePerformance(
  a: PerformanceMessage | undefined,
  b: PerformanceMessage | undefined,
): PerformanceMessage | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const classification = mergeOptional(a.classification, b.classification, mergeClassification);
  const regression = mergeOptional(a.regression, b.regression, mergeRegression);
  return {
    ...(classification !== undefined ? { classification } : {}),
    ...(regression !== undefined ? { regression } : {}),
  };
}
