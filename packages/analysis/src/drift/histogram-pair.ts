// Two distributions over the same bins, as the binned drift methods (Hellinger, Jensen–Shannon, PSI,
// chi-square, L∞) see them: each bin's share of the reference and of the target as estimated from the
// sketches, and the interval in which the share of the raw data must lie given the sketches' accuracy.
//
// Every binned statistic here is a sum (or, for L∞, a maximum) of one term per bin, f(a_i, b_i), that is zero
// where a = b and grows as a and b move apart in either argument. Over the box a ∈ [aLo, aHi], b ∈ [bLo, bHi]
// such a term is largest at one of the two corners furthest from the diagonal and smallest on the diagonal
// (0, when the intervals overlap) or at the nearest corner. Summing the per-bin extremes gives an interval that
// surely holds the raw-data statistic. It ignores that the shares sum to one, so it is conservative, never
// optimistic.

import type { KllDoublesSketch, FrequentItemsSketch } from "@sightglass/sketches";
import { ErrorType } from "@sightglass/sketches";
import { AnalysisError } from "../errors.js";

export interface HistogramPair {
  /** A label per bin: `[lo, hi)` edges for numbers, the value for categories, `"__other__"` for the rest. */
  readonly labels: readonly string[];
  /** Reference share per bin (sums to 1), and the interval holding the raw data's share. */
  readonly reference: Float64Array;
  readonly referenceLow: Float64Array;
  readonly referenceHigh: Float64Array;
  readonly target: Float64Array;
  readonly targetLow: Float64Array;
  readonly targetHigh: Float64Array;
  /** Total weight behind each side (non-null values). */
  readonly referenceCount: number;
  readonly targetCount: number;
  /** Bin edges for numeric pairs (bins = edges + 1, with both open tails), null for categories. */
  readonly edges: Float64Array | null;
  /**
   * For numeric pairs: the interval holding each side's raw-data CDF (share of values < edge) at every edge.
   * It ties neighbouring bins together (their shares cannot all be off in the same direction), which the
   * per-bin intervals ignore: metric scores (Hellinger, Jensen–Shannon) derive a second bound from it and
   * report the smaller of the two.
   */
  readonly referenceCdf: CdfBounds | null;
  readonly targetCdf: CdfBounds | null;
}

/** Lower and upper bounds of a CDF at a pair's edges. */
export interface CdfBounds {
  readonly low: Float64Array;
  readonly high: Float64Array;
}

/** A per-bin term f(a, b): zero on a = b, non-decreasing as either argument moves away from the other. */
export type BinTerm = (a: number, b: number) => number;

/** [smallest, largest] of `term` over the box [aLo, aHi] × [bLo, bHi]. */
export function termRange(
  term: BinTerm,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
): [number, number] {
  const high = Math.max(term(aLo, bHi), term(aHi, bLo));
  const low = aLo > bHi ? term(aLo, bHi) : aHi < bLo ? term(aHi, bLo) : 0;
  return [low, high];
}

/**
 * Folds term(a_i, b_i) over the pair's bins with `combine` (+ or max, both monotone, so the extremes of the
 * folded terms bound the fold): the point value and the [low, high] range holding the raw-data value.
 */
function foldWithRange(
  pair: HistogramPair,
  term: BinTerm,
  combine: (acc: number, x: number) => number,
): [value: number, low: number, high: number] {
  let value = 0;
  let low = 0;
  let high = 0;
  for (let i = 0; i < pair.labels.length; i++) {
    value = combine(value, term(pair.reference[i]!, pair.target[i]!));
    const [l, h] = termRange(
      term,
      pair.referenceLow[i]!,
      pair.referenceHigh[i]!,
      pair.targetLow[i]!,
      pair.targetHigh[i]!,
    );
    low = combine(low, l);
    high = combine(high, h);
  }
  return [value, low, high];
}

/** The point value and the [low, high] range of Σ term(a_i, b_i) over the pair's bins. */
export function sumWithRange(pair: HistogramPair, term: BinTerm): [value: number, low: number, high: number] {
  return foldWithRange(pair, term, (acc, x) => acc + x);
}

/** The point value and the [low, high] range of max_i term(a_i, b_i). */
export function maxWithRange(pair: HistogramPair, term: BinTerm): [value: number, low: number, high: number] {
  return foldWithRange(pair, term, Math.max);
}

/**
 * The largest Σ term(share_i, p_i) over every vector of bin shares p whose CDF at each edge lies within
 * `cdf` (c_{-1} = 0 ≤ c_0 ≤ … ≤ c_last ≤ 1 = c_E, p_i = c_i − c_{i−1}): how far, by a divergence built from
 * `term`, the raw data's histogram can be from the sketch's.
 *
 * The sum is convex in the CDF values, so its maximum over that polytope is at a vertex, where every c_j
 * equals one of the interval ends (its own, or a neighbour's it is tied to). A dynamic program over the
 * edges with those ends as the only states finds it exactly: O(edges × states²), states ≤ 2 × edges + 2.
 */
export function maxDeviation(share: Float64Array, cdf: CdfBounds, term: BinTerm): number {
  const edges = cdf.low.length;
  const points = new Set<number>([0, 1]);
  for (let j = 0; j < edges; j++) {
    points.add(cdf.low[j]!);
    points.add(cdf.high[j]!);
  }
  const candidates = Float64Array.from(points).sort();
  let states = Float64Array.of(0);
  let best = Float64Array.of(0);
  for (let j = 0; j <= edges; j++) {
    const lo = j < edges ? cdf.low[j]! : 1;
    const hi = j < edges ? cdf.high[j]! : 1;
    const next: number[] = [];
    for (const v of candidates) if (v >= lo && v <= hi) next.push(v);
    const nextBest = new Float64Array(next.length).fill(-Infinity);
    for (let b = 0; b < next.length; b++) {
      const v = next[b]!;
      for (let a = 0; a < states.length && states[a]! <= v; a++) {
        const value = best[a]! + term(share[j]!, v - states[a]!);
        if (value > nextBest[b]!) nextBest[b] = value;
      }
    }
    states = Float64Array.from(next);
    best = nextBest;
  }
  return Math.max(0, ...best);
}

/** The bound of a statistic computed at `value` whose raw-data counterpart lies in [low, high]. */
export function boundOf(value: number, low: number, high: number): number {
  return Math.max(Math.abs(high - value), Math.abs(value - low));
}

// ---------------------------------------------------------------------------------------------------------
// Numeric bins: whylogs' histogram binning over the combined range of both sketches.

/** whylogs' HistogramConfig defaults (max_buckets 30, avg_per_bucket 4, min_n_buckets 2). */
export interface BinningOptions {
  readonly maxBuckets?: number;
  readonly averagePerBucket?: number;
  readonly minBuckets?: number;
}

/** floor(log2(x)) for x > 0, exact (Math.log2 may round across a power of two). */
function floorLog2(x: number): number {
  let e = Math.floor(Math.log2(x));
  if (Math.pow(2, e) > x) e -= 1;
  else if (Math.pow(2, e + 1) <= x) e += 1;
  return e;
}

/**
 * whylogs' `_calculate_bins(end, start, n, avg_per_bucket, max_buckets, min_n_buckets)`: equal-width edges
 * from `start` to just above `end`, about `n / avg` buckets within [min, max] buckets, never narrower than a
 * float32 ulp at the range's magnitude. Returns the n_buckets + 1 edges.
 */
export function whylogsBins(
  start: number,
  end: number,
  n: number,
  options: BinningOptions = {},
): Float64Array {
  const maxBuckets = options.maxBuckets ?? 30;
  const avg = options.averagePerBucket ?? 4;
  const minBuckets = options.minBuckets ?? 2;
  end = Math.min(end + (end === 0 ? 1e-7 : Math.abs(end) * 1e-7), Number.MAX_VALUE);
  let buckets = Math.max(Math.min(Math.ceil(n / avg), maxBuckets), minBuckets);
  // end − start overflows for ranges wider than the largest double (e.g. ±1e308): divide first there.
  const span = end - start;
  const widthOf = (k: number) => (Number.isFinite(span) ? span / k : end / k - start / k);
  let width = widthOf(buckets);
  const magnitude = Math.max(Math.abs(start), Math.abs(end));
  const minInterval = Math.pow(2, floorLog2(magnitude) - 23);
  if (width < minInterval) {
    buckets = Math.max(Math.floor(span / minInterval), 1);
    width = widthOf(buckets);
  }
  const edges = new Float64Array(buckets + 1);
  for (let i = 0; i <= buckets; i++) edges[i] = start + i * width;
  return edges;
}

/** Strictly increasing copy of `edges` (rounding can make neighbours equal at extreme magnitudes). */
function strictlyIncreasing(edges: Float64Array): Float64Array {
  const out: number[] = [];
  for (const e of edges) if (out.length === 0 || e > out[out.length - 1]!) out.push(e);
  return Float64Array.from(out);
}

/**
 * Shares of one sketch in the bins (−∞, e0), [e0, e1), …, [e_last, ∞) — whylogs' `get_pmf` with exclusive
 * ranks — and their raw-data intervals: ± the sketch's PMF (double-sided) rank error per bin, and for the CDF
 * at each edge ± its single-sided rank error (both at 99% confidence, 0 while the sketch is exact). A bin
 * wholly outside the sketch's [min, max], which the sketch knows exactly, holds exactly nothing.
 */
function binnedShares(
  sketch: KllDoublesSketch,
  edges: Float64Array,
): { share: Float64Array; low: Float64Array; high: Float64Array; cdf: CdfBounds } {
  const share = Float64Array.from(sketch.getPMF(edges, { inclusive: false }));
  const exact = !sketch.isEstimationMode();
  const binError = exact ? 0 : sketch.getNormalizedRankError(true);
  const rankError = exact ? 0 : sketch.getNormalizedRankError(false);
  const min = sketch.getMinItem();
  const max = sketch.getMaxItem();
  const low = new Float64Array(share.length);
  const high = new Float64Array(share.length);
  for (let i = 0; i < share.length; i++) {
    const from = i === 0 ? -Infinity : edges[i - 1]!;
    const to = i === edges.length ? Infinity : edges[i]!;
    if (to <= min || from > max) continue; // [from, to) holds none of the values
    low[i] = Math.max(0, share[i]! - binError);
    high[i] = Math.min(1, share[i]! + binError);
  }
  const cdfLow = new Float64Array(edges.length);
  const cdfHigh = new Float64Array(edges.length);
  let below = 0;
  for (let j = 0; j < edges.length; j++) {
    below += share[j]!;
    const e = edges[j]!;
    if (e <= min) continue; // no value is below an edge ≤ min: exactly 0
    if (e > max) {
      cdfLow[j] = cdfHigh[j] = 1; // every value is below an edge > max
      continue;
    }
    cdfLow[j] = Math.max(0, below - rankError);
    cdfHigh[j] = Math.min(1, below + rankError);
  }
  return { share, low, high, cdf: { low: cdfLow, high: cdfHigh } };
}

/** Two sketches binned at the same edges. Both sketches must be non-empty; edges strictly increasing. */
export function binnedHistogramPair(
  reference: KllDoublesSketch,
  target: KllDoublesSketch,
  edges: Float64Array,
): HistogramPair {
  const r = binnedShares(reference, edges);
  const t = binnedShares(target, edges);
  return {
    labels: edgeLabels(edges),
    reference: r.share,
    referenceLow: r.low,
    referenceHigh: r.high,
    target: t.share,
    targetLow: t.low,
    targetHigh: t.high,
    referenceCount: reference.getN(),
    targetCount: target.getN(),
    edges,
    referenceCdf: r.cdf,
    targetCdf: t.cdf,
  };
}

function edgeLabels(edges: Float64Array): string[] {
  const labels = [`(-inf, ${edges[0]})`];
  for (let i = 0; i + 1 < edges.length; i++) labels.push(`[${edges[i]}, ${edges[i + 1]})`);
  labels.push(`[${edges[edges.length - 1]}, inf)`);
  return labels;
}

/**
 * The two sketches binned as whylogs bins them for Hellinger drift: equal-width edges over [min, max] of both
 * sketches together, about (n_ref + n_tgt) / 4 buckets, at most 30. Both sketches must be non-empty.
 */
export function numericHistogramPair(
  reference: KllDoublesSketch,
  target: KllDoublesSketch,
  options: BinningOptions = {},
): HistogramPair {
  // ±Infinity (which whylogs also feeds its KLL) would make every edge NaN: bin the finite range and let the
  // infinities fall into the open tail bins.
  const [refMin, refMax] = finiteRange(reference);
  const [tgtMin, tgtMax] = finiteRange(target);
  let start = Math.min(refMin, tgtMin);
  let end = Math.max(refMax, tgtMax);
  if (start > end) start = end = 0; // no finite value on either side
  const edges = strictlyIncreasing(whylogsBins(start, end, reference.getN() + target.getN(), options));
  return binnedHistogramPair(reference, target, edges);
}

/** The smallest and largest finite values a sketch holds ([+∞, −∞] when it holds none). */
function finiteRange(sketch: KllDoublesSketch): [number, number] {
  const min = sketch.getMinItem();
  const max = sketch.getMaxItem();
  if (Number.isFinite(min) && Number.isFinite(max)) return [min, max];
  let low = Number.isFinite(min) ? min : Infinity;
  let high = Number.isFinite(max) ? max : -Infinity;
  for (const x of sketch.getSortedView().items) {
    if (Number.isFinite(x)) {
      if (x < low) low = x;
      if (x > high) high = x;
    }
  }
  return [low, high];
}

/** Default number of reference-quantile bins for PSI and chi-square on numbers (deciles). */
export const DEFAULT_QUANTILE_BINS = 10;

/**
 * The two sketches binned at the reference's quantiles (deciles by default; repeated quantiles of a column
 * with ties merge their bins), the usual binning for PSI: every bin holds about the same share of the
 * reference, so no bin is nearly empty and the sketches' per-bin error stays small relative to each share.
 */
export function quantileHistogramPair(
  reference: KllDoublesSketch,
  target: KllDoublesSketch,
  bins = DEFAULT_QUANTILE_BINS,
): HistogramPair {
  if (!Number.isInteger(bins) || bins < 2) {
    throw new AnalysisError("invalid-argument", `quantile bins must be an integer ≥ 2, got ${bins}`);
  }
  const ranks = Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins);
  const edges = strictlyIncreasing(Float64Array.from(reference.getQuantiles(ranks)));
  return binnedHistogramPair(reference, target, edges);
}

// ---------------------------------------------------------------------------------------------------------
// Categories: the values either frequent-items sketch tracks, plus one bin for everything else.

export const OTHER_CATEGORY = "__other__";

interface CategoryCounts {
  point: Float64Array;
  low: Float64Array;
  high: Float64Array;
}

/**
 * Counts of `categories` in one sketch, each certainly within [lower bound, upper bound] (the frequent-items
 * guarantee; an untracked value has 0 … the maximum error), the point at the middle of that interval; and the
 * rest (`__other__`) = total − Σ listed counts with the matching interval.
 */
function categoryCounts(
  sketch: FrequentItemsSketch,
  lowerBounds: ReadonlyMap<string, number>,
  categories: readonly string[],
): CategoryCounts {
  const k = categories.length;
  const total = sketch.getTotalWeight();
  const maxError = sketch.getMaximumError();
  const point = new Float64Array(k + 1);
  const low = new Float64Array(k + 1);
  const high = new Float64Array(k + 1);
  let sumLow = 0;
  let sumHigh = 0;
  let sumPoint = 0;
  for (let i = 0; i < k; i++) {
    // The sketch's own bounds (counter, counter + maximum error), read from the rows already listed rather than
    // hashed again per category and side.
    const lo = lowerBounds.get(categories[i]!) ?? 0;
    const hi = Math.min(lo + maxError, total);
    low[i] = lo;
    high[i] = hi;
    point[i] = (lo + hi) / 2;
    sumLow += lo;
    sumHigh += hi;
    sumPoint += point[i]!;
  }
  low[k] = Math.max(0, total - sumHigh);
  high[k] = Math.max(0, total - sumLow);
  point[k] = Math.min(high[k]!, Math.max(low[k]!, total - sumPoint));
  return { point, low, high };
}

/** Counts → shares: the point normalized to sum 1 (as scipy normalizes), the bounds divided by the total. */
function toShares(counts: CategoryCounts, total: number) {
  let sum = 0;
  for (const c of counts.point) sum += c;
  return {
    share: counts.point.map((c) => (sum > 0 ? c / sum : 0)),
    low: counts.low.map((c) => c / total),
    high: counts.high.map((c) => Math.min(1, c / total)),
  };
}

/**
 * The categories of two frequent-items sketches: every value either sketch tracks (sorted, so results do not
 * depend on hash order) plus `__other__` for the rest of the weight when either side may have any. Both
 * sketches must have seen at least one value.
 */
export function categoricalHistogramPair(
  reference: FrequentItemsSketch,
  target: FrequentItemsSketch,
): HistogramPair {
  // Every tracked item (threshold 0) with its lower bound, i.e. its counter.
  const tracked = (s: FrequentItemsSketch): Map<string, number> =>
    new Map(s.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES, 0).map((row) => [row.item, row.lowerBound]));
  const refBounds = tracked(reference);
  const tgtBounds = tracked(target);
  const categories = [...new Set([...refBounds.keys(), ...tgtBounds.keys()])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const rc = categoryCounts(reference, refBounds, categories);
  const tc = categoryCounts(target, tgtBounds, categories);
  const hasOther = rc.high[categories.length]! > 0 || tc.high[categories.length]! > 0;
  const keep = hasOther ? categories.length + 1 : categories.length;
  const r = toShares(rc, reference.getTotalWeight());
  const t = toShares(tc, target.getTotalWeight());
  return {
    labels: hasOther ? [...categories, OTHER_CATEGORY] : categories,
    reference: r.share.subarray(0, keep),
    referenceLow: r.low.subarray(0, keep),
    referenceHigh: r.high.subarray(0, keep),
    target: t.share.subarray(0, keep),
    targetLow: t.low.subarray(0, keep),
    targetHigh: t.high.subarray(0, keep),
    referenceCount: reference.getTotalWeight(),
    targetCount: target.getTotalWeight(),
    edges: null,
    referenceCdf: null,
    targetCdf: null,
  };
}
