/** How worrying a drift score is, with whylogs' three levels. */
export type DriftCategory = "no_drift" | "possible_drift" | "drift";

export type DriftMethod =
  "ks" | "hellinger" | "jensen_shannon" | "psi" | "wasserstein" | "chi_square" | "linf";

/** One drift score between a reference and a target distribution. */
export interface DriftResult {
  readonly method: DriftMethod;
  /** The method's statistic computed from the sketches. */
  readonly statistic: number;
  /** The p-value of the statistic, for methods that have one (KS, chi-square); null otherwise. */
  readonly pValue: number | null;
  /**
   * The most the statistic can differ from the same statistic computed on the raw data, given the sketches'
   * accuracy (at their stated confidence). 0 when both sketches are exact.
   */
  readonly bound: number;
  readonly category: DriftCategory;
}

/**
 * Category thresholds: for p-value methods a result is `drift` below `drift`, `possible_drift` below
 * `possibleDrift`; for distance methods `drift` at or above `drift`, `possible_drift` at or above
 * `possibleDrift`.
 */
export interface DriftThresholds {
  readonly possibleDrift: number;
  readonly drift: number;
}

/** whylogs' defaults: p-values 0.15 / 0.05, distances 0.15 / 0.4. */
export const DEFAULT_P_VALUE_THRESHOLDS: DriftThresholds = Object.freeze({
  possibleDrift: 0.15,
  drift: 0.05,
});
export const DEFAULT_DISTANCE_THRESHOLDS: DriftThresholds = Object.freeze({
  possibleDrift: 0.15,
  drift: 0.4,
});

export function categoryOfPValue(p: number, t: DriftThresholds): DriftCategory {
  return p < t.drift ? "drift" : p < t.possibleDrift ? "possible_drift" : "no_drift";
}

export function categoryOfDistance(d: number, t: DriftThresholds): DriftCategory {
  return d >= t.drift ? "drift" : d >= t.possibleDrift ? "possible_drift" : "no_drift";
}
