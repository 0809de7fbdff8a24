// Wasserstein-1 (earth mover's) distance between two KLL sketches: ∫ |F_a(x) − F_b(x)| dx over the two step
// CDFs, exact for the sketches. Bound: by the triangle inequality the raw-data distance differs by at most
// W1(sketch_a, raw_a) + W1(sketch_b, raw_b), and each is ∫ |F̂ − F| ≤ ε · (max − min), because the two CDFs
// agree outside [min, max] (the sketch keeps the exact extremes) and differ by at most ε inside.

import type { KllDoublesSketch } from "@sightglass/sketches";
import { AnalysisError } from "../errors.js";
import { cdfError } from "./ks.js";
import { walkStepCdfs } from "./step-cdf.js";
import { DEFAULT_DISTANCE_THRESHOLDS, categoryOfDistance } from "./types.js";
import type { DriftResult, DriftThresholds } from "./types.js";

/** ∫ |F_a − F_b| dx between the step CDFs of two non-empty sketches. */
export function wassersteinDistance(a: KllDoublesSketch, b: KllDoublesSketch): number {
  // Both CDFs are constant between consecutive values: sum the rectangles |F_a − F_b| × width.
  let prev = NaN;
  let area = 0;
  walkStepCdfs(a, b, (x, beforeA, beforeB) => {
    if (prev === prev) area += Math.abs(beforeA - beforeB) * (x - prev);
    prev = x;
  });
  return area;
}

export interface WassersteinOptions {
  /**
   * Distance thresholds. W1 is in the data's units, so there is no universal default: without thresholds the
   * distance is divided by the reference's interquartile range (a scale-free effect size) before whylogs'
   * distance thresholds (0.15 / 0.4) apply.
   */
  readonly thresholds?: DriftThresholds;
}

/**
 * Wasserstein-1 drift. `statistic` is in the data's units; `bound` is the most it can differ from the
 * raw-data distance (99% confidence per sketch; 0 for exact sketches). Null when either side is empty.
 * @throws AnalysisError `invalid-argument` when a side holds ±Infinity: the distance is then undefined
 *   (scipy answers NaN), and a rank-based method (KS, PSI) is the one to use.
 */
export function wassersteinDrift(
  reference: KllDoublesSketch,
  target: KllDoublesSketch,
  options: WassersteinOptions = {},
): DriftResult | null {
  if (reference.isEmpty() || target.isEmpty()) return null;
  for (const [side, s] of [
    ["reference", reference],
    ["target", target],
  ] as const) {
    if (!Number.isFinite(s.getMinItem()) || !Number.isFinite(s.getMaxItem())) {
      throw new AnalysisError(
        "invalid-argument",
        `the Wasserstein distance is undefined: the ${side} holds infinite values; use ks or psi instead`,
      );
    }
  }
  const statistic = wassersteinDistance(reference, target);
  // An exact sketch has no error whatever its range (0 · ∞ would be NaN).
  const error = (s: KllDoublesSketch) => {
    const eps = cdfError(s);
    return eps === 0 ? 0 : eps * (s.getMaxItem() - s.getMinItem());
  };
  const bound = error(reference) + error(target);
  let category;
  if (options.thresholds !== undefined) {
    category = categoryOfDistance(statistic, options.thresholds);
  } else {
    const [q1, q3] = reference.getQuantiles([0.25, 0.75]);
    const iqr = q3! - q1!;
    category =
      iqr > 0
        ? categoryOfDistance(statistic / iqr, DEFAULT_DISTANCE_THRESHOLDS)
        : statistic > 0
          ? "drift"
          : "no_drift";
  }
  return { method: "wasserstein", statistic, pValue: null, bound, category };
}
