import { AnalysisError } from "../errors.js";

/** How worrying a drift score is, with whylogs' three levels. */
export type DriftCategory = "no_drift" | "possible_drift" | "drift";

export type DriftMethod =
  "ks" | "hellinger" | "jensen_shannon" | "psi" | "wasserstein" | "chi_square" | "linf";

export const DRIFT_METHODS: readonly DriftMethod[] = Object.freeze([
  "ks",
  "hellinger",
  "jensen_shannon",
  "psi",
  "wasserstein",
  "chi_square",
  "linf",
]);

/** The methods whose category comes from a p-value (the others are distances, categorized by size). */
export function isPValueMethod(method: DriftMethod): boolean {
  return method === "ks" || method === "chi_square";
}

/** One drift score between a reference and a target distribution. */
export interface DriftResult {
  readonly method: DriftMethod;
  /** The method's statistic computed from the sketches. */
  readonly statistic: number;
  /** The p-value of the statistic, for methods that have one (KS, chi-square); null otherwise. */
  readonly pValue: number | null;
  /**
   * The most the statistic can differ from the same statistic computed on the raw data, given the sketches'
   * accuracy (KLL rank error at 99% confidence, frequent-items bounds, which are certain). 0 when both
   * sketches are exact.
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

/** whylogs' defaults: p-values 0.15 / 0.05, distances (Hellinger) 0.15 / 0.4. */
export const DEFAULT_P_VALUE_THRESHOLDS: DriftThresholds = Object.freeze({
  possibleDrift: 0.15,
  drift: 0.05,
});
export const DEFAULT_DISTANCE_THRESHOLDS: DriftThresholds = Object.freeze({
  possibleDrift: 0.15,
  drift: 0.4,
});

/**
 * Default thresholds of every method. KS, chi-square and Hellinger are whylogs'. Jensen–Shannon: Evidently's
 * drift threshold 0.1 on the distance (natural log), half of it for possible drift. PSI: the credit-scoring
 * convention (0.1 slight, 0.25 significant shift). L∞: a category's share moving by 5 / 10 points.
 * Wasserstein: on W1 divided by the reference's interquartile range (see wassersteinDrift).
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, DriftThresholds>> = Object.freeze({
  ks: DEFAULT_P_VALUE_THRESHOLDS,
  chi_square: DEFAULT_P_VALUE_THRESHOLDS,
  hellinger: DEFAULT_DISTANCE_THRESHOLDS,
  jensen_shannon: Object.freeze({ possibleDrift: 0.05, drift: 0.1 }),
  psi: Object.freeze({ possibleDrift: 0.1, drift: 0.25 }),
  wasserstein: DEFAULT_DISTANCE_THRESHOLDS,
  linf: Object.freeze({ possibleDrift: 0.05, drift: 0.1 }),
});

/**
 * Checks a threshold pair for a method: p-value thresholds in [0, 1] with drift ≤ possibleDrift, distance
 * thresholds ≥ 0 with possibleDrift ≤ drift.
 * @throws AnalysisError `invalid-argument` naming the method and the offending values.
 */
export function checkThresholds(method: DriftMethod, t: DriftThresholds): DriftThresholds {
  const finite = Number.isFinite(t.possibleDrift) && Number.isFinite(t.drift);
  const ok = isPValueMethod(method)
    ? finite && t.drift >= 0 && t.possibleDrift <= 1 && t.drift <= t.possibleDrift
    : finite && t.possibleDrift >= 0 && t.possibleDrift <= t.drift;
  if (!ok) {
    const rule = isPValueMethod(method)
      ? "p-value thresholds need 0 ≤ drift ≤ possibleDrift ≤ 1"
      : "distance thresholds need 0 ≤ possibleDrift ≤ drift";
    throw new AnalysisError(
      "invalid-argument",
      `${method}: thresholds { possibleDrift: ${t.possibleDrift}, drift: ${t.drift} } are invalid: ${rule}`,
    );
  }
  return t;
}

export function categoryOfPValue(p: number, t: DriftThresholds): DriftCategory {
  return p < t.drift ? "drift" : p < t.possibleDrift ? "possible_drift" : "no_drift";
}

export function categoryOfDistance(d: number, t: DriftThresholds): DriftCategory {
  return d >= t.drift ? "drift" : d >= t.possibleDrift ? "possible_drift" : "no_drift";
}
