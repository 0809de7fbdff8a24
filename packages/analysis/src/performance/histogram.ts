// Reading the per-class score histograms of a classification profile: one-vs-rest label counts per score bin,
// split by whether the row's label is known, and ranking metrics (ROC AUC, average precision) from them with
// bounds that hold for any order of the scores inside a bin.

import { HISTOGRAM_CELLS } from "@sightglass/profile";
import type { ScoreHistogramMessage } from "@sightglass/profile";

/** a / b, and 0 for an empty denominator (scikit-learn's `zero_division=0`). */
export const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/** F1 from confusion counts: 2TP / (2TP + FP + FN). */
export const f1FromCounts = (tp: number, fp: number, fn: number): number => ratio(2 * tp, 2 * tp + fp + fn);

/** Dense per-bin counts of one class, one-vs-rest. */
export interface BinnedScores {
  readonly bins: number;
  /** Labeled rows of this class / of another class, per bin. */
  readonly positive: Float64Array;
  readonly negative: Float64Array;
  /** Rows awaiting their label, per bin, by whether this class was predicted. */
  readonly unknownPredicted: Float64Array;
  readonly unknownNotPredicted: Float64Array;
  /** Labeled rows by (predicted this class?, truth this class?), for confusion counts restricted to scored rows. */
  readonly predictedPositive: Float64Array;
  readonly predictedNegative: Float64Array;
}

export function binnedScores(h: ScoreHistogramMessage, bins: number): BinnedScores {
  const out: BinnedScores = {
    bins,
    positive: new Float64Array(bins),
    negative: new Float64Array(bins),
    unknownPredicted: new Float64Array(bins),
    unknownNotPredicted: new Float64Array(bins),
    predictedPositive: new Float64Array(bins),
    predictedNegative: new Float64Array(bins),
  };
  for (let i = 0; i < h.bins.length; i++) {
    const b = h.bins[i]!;
    const c = (k: number) => h.counts[i * HISTOGRAM_CELLS + k]!;
    // Layout: [notPredicted × (this, other, unknown), predicted × (this, other, unknown)].
    out.positive[b] = c(0) + c(3);
    out.negative[b] = c(1) + c(4);
    out.unknownNotPredicted[b] = c(2);
    out.unknownPredicted[b] = c(5);
    out.predictedPositive[b] = c(3);
    out.predictedNegative[b] = c(4);
  }
  return out;
}

/** A metric value with the interval it is known to lie in (binning) or estimated to lie in (confidence). */
export interface Bounded {
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * ROC AUC of (possibly fractional) positive/negative weights per bin, scores ascending with the bin index.
 * Pairs inside one bin count ½ (as tied scores do in scikit-learn); the true AUC of the unbinned scores is
 * within ±½·Σ pos_b·neg_b / (P·N) of it, whatever the order inside the bins. NaN when a side is empty.
 */
export function binnedRocAuc(positive: ArrayLike<number>, negative: ArrayLike<number>): Bounded {
  let p = 0;
  let n = 0;
  for (let b = 0; b < positive.length; b++) {
    p += positive[b]!;
    n += negative[b]!;
  }
  if (!(p > 0) || !(n > 0)) return { value: NaN, lower: NaN, upper: NaN };
  let negBelow = 0;
  let area = 0;
  let ties = 0;
  for (let b = 0; b < positive.length; b++) {
    const pb = positive[b]!;
    const nb = negative[b]!;
    area += pb * (negBelow + nb / 2);
    ties += pb * nb;
    negBelow += nb;
  }
  const value = area / (p * n);
  const slack = ties / (2 * p * n);
  return { value, lower: Math.max(0, value - slack), upper: Math.min(1, value + slack) };
}

/** Σ_{j=1..k} (a + j) / (c + j), exactly for small k, else by digamma differences (relative error < 1e-12). */
function precisionRun(a: number, c: number, k: number): number {
  if (k <= 64) {
    let s = 0;
    for (let j = 1; j <= k; j++) s += (a + j) / (c + j);
    return s;
  }
  // (a + j)/(c + j) = 1 − (c − a)/(c + j); Σ 1/(c + j) = ψ(c + k + 1) − ψ(c + 1).
  return k - (c - a) * (digamma(c + k + 1) - digamma(c + 1));
}

function digamma(x: number): number {
  let r = 0;
  while (x < 8) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return (
    r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132)))))
  );
}

/**
 * Average precision (scikit-learn's `average_precision_score`: Σ (Rₖ − Rₖ₋₁)·Pₖ over descending thresholds)
 * with every bin as one threshold, which is exactly scikit-learn's value when the scores in each bin are equal.
 * Bounds hold for any scores inside the bins: the j-th positive of a bin is credited a precision between
 * (TP + j)/(TP + FP + n_b + j) (all of the bin's negatives ranked before it) and (TP + p_b)/(TP + FP + p_b)
 * (all positives first, tied). Counts must be whole numbers.
 */
export function binnedAveragePrecision(positive: ArrayLike<number>, negative: ArrayLike<number>): Bounded {
  let total = 0;
  for (let b = 0; b < positive.length; b++) total += positive[b]!;
  if (!(total > 0)) return { value: NaN, lower: NaN, upper: NaN };
  let tp = 0;
  let fp = 0;
  let value = 0;
  let lower = 0;
  let upper = 0;
  for (let b = positive.length - 1; b >= 0; b--) {
    const pb = positive[b]!;
    const nb = negative[b]!;
    if (pb > 0) {
      value += pb * ((tp + pb) / (tp + fp + pb + nb));
      upper += pb * ((tp + pb) / (tp + fp + pb));
      lower += precisionRun(tp, tp + fp + nb, pb);
    }
    tp += pb;
    fp += nb;
  }
  return { value: value / total, lower: lower / total, upper: Math.min(1, upper / total) };
}
