// Two-sample Kolmogorov–Smirnov from two KLL sketches. The statistic is the exact sup distance between the two
// sketches' step CDFs (evaluated at every retained item of either, where both step functions can jump), not
// whylogs' approximation on a 100-point quantile grid, so the only error left is the sketches' own: each
// sketch CDF is within its KLL normalized rank error of the raw data's CDF everywhere.

import type { KllDoublesSketch } from "@sightglass/sketches";
import { kolmogorovSmirnovSf } from "../stats/kolmogorov.js";
import { walkStepCdfs } from "./step-cdf.js";
import { DEFAULT_P_VALUE_THRESHOLDS, categoryOfPValue } from "./types.js";
import type { DriftResult, DriftThresholds } from "./types.js";

/**
 * The most a sketch's CDF can be off anywhere: its single-sided normalized rank error (DataSketches' 99th
 * percentile of the largest rank error over all ranks); 0 while it still holds every value.
 */
export function cdfError(sketch: KllDoublesSketch): number {
  return sketch.isEstimationMode() ? sketch.getNormalizedRankError(false) : 0;
}

/** sup_x |F_a(x) − F_b(x)| between the step CDFs of two non-empty sketches. */
export function ksDistance(a: KllDoublesSketch, b: KllDoublesSketch): number {
  // Both CDFs are right-continuous steps, so the supremum is reached at a value where one of them jumps.
  let sup = 0;
  walkStepCdfs(a, b, (_x, _beforeA, _beforeB, atA, atB) => {
    const d = Math.abs(atA - atB);
    if (d > sup) sup = d;
  });
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
