// Two-sample Kolmogorov–Smirnov from two KLL sketches. The statistic is the exact sup distance between the two
// sketches' step CDFs (evaluated at every retained item of either, where both step functions can jump), not
// whylogs' approximation on a 100-point quantile grid, so the only error left is the sketches' own: each
// sketch CDF is within its KLL normalized rank error of the raw data's CDF everywhere.

import type { KllDoublesSketch } from "@sightglass/sketches";
import { kolmogorovSmirnovSf } from "../stats/kolmogorov.js";
import { DEFAULT_P_VALUE_THRESHOLDS, categoryOfPValue } from "./types.js";
import type { DriftResult, DriftThresholds } from "./types.js";

/** The all-ranks (CDF) rank error of a sketch at 99% confidence; 0 when it still holds every value. */
export function cdfError(sketch: KllDoublesSketch): number {
  return sketch.isEstimationMode() ? sketch.getNormalizedRankError(true) : 0;
}

/** sup_x |F_a(x) − F_b(x)| between the step CDFs of two non-empty sketches. */
export function ksDistance(a: KllDoublesSketch, b: KllDoublesSketch): number {
  const va = a.getSortedView();
  const vb = b.getSortedView();
  const na = a.getN();
  const nb = b.getN();
  const xa = va.items;
  const xb = vb.items;
  const ca = va.cumulativeWeights;
  const cb = vb.cumulativeWeights;
  let i = 0;
  let j = 0;
  let fa = 0;
  let fb = 0;
  let sup = 0;
  // Merge-walk the distinct values of both views; at each, both CDFs take their inclusive value.
  while (i < xa.length || j < xb.length) {
    const x = j >= xb.length || (i < xa.length && xa[i]! <= xb[j]!) ? xa[i]! : xb[j]!;
    while (i < xa.length && xa[i]! <= x) fa = ca[i++]!;
    while (j < xb.length && xb[j]! <= x) fb = cb[j++]!;
    const d = Math.abs(fa / na - fb / nb);
    if (d > sup) sup = d;
  }
  return sup;
}

export interface KsOptions {
  readonly thresholds?: DriftThresholds;
}

/**
 * KS drift: statistic = sup distance of the sketch CDFs, p-value = the exact Kolmogorov distribution's
 * survival function at the effective sample size round(n·m / (n + m)) (as whylogs and scipy's asymptotic
 * two-sample test), bound = the sum of both sketches' CDF rank errors. Returns null when either side is empty.
 */
export function ksDrift(
  reference: KllDoublesSketch,
  target: KllDoublesSketch,
  options: KsOptions = {},
): DriftResult | null {
  if (reference.isEmpty() || target.isEmpty()) return null;
  const statistic = ksDistance(reference, target);
  const n = reference.getN();
  const m = target.getN();
  const effective = Math.max(1, Math.round((n * m) / (n + m)));
  const pValue = kolmogorovSmirnovSf(statistic, effective);
  return {
    method: "ks",
    statistic,
    pValue,
    bound: cdfError(reference) + cdfError(target),
    category: categoryOfPValue(pValue, options.thresholds ?? DEFAULT_P_VALUE_THRESHOLDS),
  };
}
