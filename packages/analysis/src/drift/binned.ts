// Drift statistics over a HistogramPair: Hellinger (whylogs), Jensen–Shannon distance (scipy), PSI,
// chi-square test of homogeneity and L∞. Each is computed at the sketches' point estimates and bounded by the
// range of the same statistic over every pair of distributions the sketches allow (histogram-pair.ts).

import { chiSquareSf } from "../stats/gamma.js";
import { boundOf, maxDeviation, maxWithRange, sumWithRange } from "./histogram-pair.js";
import type { BinTerm, HistogramPair } from "./histogram-pair.js";
import { DEFAULT_THRESHOLDS, categoryOfDistance, categoryOfPValue } from "./types.js";
import type { DriftMethod, DriftResult, DriftThresholds } from "./types.js";

/** Smallest share PSI uses for a bin (Evidently's floor): an empty bin would make the score infinite. */
export const PSI_FLOOR = 1e-4;

/** x·ln(x/y) with the limits 0·ln 0 = 0 (scipy `rel_entr` for x, y ≥ 0). */
function xLogXOverY(x: number, y: number): number {
  return x > 0 ? x * Math.log(x / y) : 0;
}

const hellingerTerm: BinTerm = (a, b) => {
  const d = Math.sqrt(a) - Math.sqrt(b);
  return d * d;
};

const jensenShannonTerm: BinTerm = (a, b) => {
  const m = (a + b) / 2;
  return (xLogXOverY(a, m) + xLogXOverY(b, m)) / 2;
};

const psiTerm: BinTerm = (a, b) => {
  const x = Math.max(a, PSI_FLOOR);
  const y = Math.max(b, PSI_FLOOR);
  return (y - x) * Math.log(y / x);
};

const absoluteDifference: BinTerm = (a, b) => Math.abs(a - b);

/** A chi-square contribution of one bin of the 2 × K table with row totals n (reference) and m (target). */
function chiSquareTerm(n: number, m: number): BinTerm {
  return (a, b) => {
    const pooled = n * a + m * b;
    return pooled > 0 ? (n * m * (a - b) * (a - b)) / pooled : 0;
  };
}

interface Scored {
  readonly statistic: number;
  readonly bound: number;
  readonly pValue: number | null;
}

/**
 * Hellinger distance ‖√p − √q‖₂ / √2 over the bins, in [0, 1] (whylogs' `Hellinger.calculate` on its bins).
 */
export function hellinger(pair: HistogramPair): Scored {
  const [sum, low, high] = sumWithRange(pair, hellingerTerm);
  const h = (s: number) => Math.min(1, Math.sqrt(Math.max(0, s) / 2));
  const statistic = h(sum);
  return {
    statistic,
    bound: Math.min(boundOf(statistic, h(low), h(high)), metricBound(pair, hellingerTerm, h)),
    pValue: null,
  };
}

/**
 * For a metric d built from a per-bin term (d = f(Σ term)): |d(p̂, q̂) − d(p, q)| ≤ d(p̂, p) + d(q̂, q), each
 * the largest distance from the sketch's histogram to one its CDF bounds allow. Infinity for pairs without
 * CDF bounds (categories).
 */
function metricBound(pair: HistogramPair, term: BinTerm, fromSum: (s: number) => number): number {
  if (pair.referenceCdf === null || pair.targetCdf === null) return Infinity;
  return (
    fromSum(maxDeviation(pair.reference, pair.referenceCdf, term)) +
    fromSum(maxDeviation(pair.target, pair.targetCdf, term))
  );
}

/** Jensen–Shannon distance √JSD with natural logarithms, in [0, √ln 2] (scipy `jensenshannon`). */
export function jensenShannon(pair: HistogramPair): Scored {
  const [sum, low, high] = sumWithRange(pair, jensenShannonTerm);
  const cap = Math.sqrt(Math.LN2);
  const d = (s: number) => Math.min(cap, Math.sqrt(Math.max(0, s)));
  const statistic = d(sum);
  return {
    statistic,
    bound: Math.min(boundOf(statistic, d(low), d(high)), metricBound(pair, jensenShannonTerm, d)),
    pValue: null,
  };
}

/** Population stability index Σ (t − r)·ln(t / r) with every share floored at {@link PSI_FLOOR}. */
export function psi(pair: HistogramPair): Scored {
  const [statistic, low, high] = sumWithRange(pair, psiTerm);
  return { statistic, bound: boundOf(statistic, low, high), pValue: null };
}

/** L∞: the largest difference of one bin's (category's) share, in [0, 1]. */
export function lInfinity(pair: HistogramPair): Scored {
  const [statistic, low, high] = maxWithRange(pair, absoluteDifference);
  return { statistic, bound: boundOf(statistic, low, high), pValue: null };
}

/**
 * Pearson's chi-square test of homogeneity on the 2 × K table of counts (reference and target rows; the bins
 * with any weight are the columns): the statistic, and its p-value from chi2.sf with K − 1 degrees of freedom
 * (scipy `chi2_contingency(table, correction=False)`). Unlike whylogs' goodness-of-fit variant, a value that is
 * new in the target gives a large but finite statistic rather than infinity.
 */
export function chiSquare(pair: HistogramPair): Scored {
  const term = chiSquareTerm(pair.referenceCount, pair.targetCount);
  const [statistic, low, high] = sumWithRange(pair, term);
  let occupied = 0;
  for (let i = 0; i < pair.labels.length; i++) {
    if (pair.reference[i]! > 0 || pair.target[i]! > 0) occupied++;
  }
  const pValue = occupied < 2 ? 1 : chiSquareSf(statistic, occupied - 1);
  return { statistic, bound: boundOf(statistic, low, high), pValue };
}

export type BinnedMethod = Extract<
  DriftMethod,
  "hellinger" | "jensen_shannon" | "psi" | "chi_square" | "linf"
>;

const SCORERS: Readonly<Record<BinnedMethod, (pair: HistogramPair) => Scored>> = {
  hellinger,
  jensen_shannon: jensenShannon,
  psi,
  chi_square: chiSquare,
  linf: lInfinity,
};

/** One binned method's DriftResult over a pair, categorized by `thresholds` (default: the method's). */
export function binnedDrift(
  method: BinnedMethod,
  pair: HistogramPair,
  thresholds: DriftThresholds = DEFAULT_THRESHOLDS[method],
): DriftResult {
  const { statistic, bound, pValue } = SCORERS[method](pair);
  const category =
    pValue !== null ? categoryOfPValue(pValue, thresholds) : categoryOfDistance(statistic, thresholds);
  return { method, statistic, pValue, bound, category };
}
